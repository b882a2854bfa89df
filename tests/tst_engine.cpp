// SPDX-License-Identifier: GPL-3.0-or-later
// The workflow engine's contract: every feature of Pulse (seed 002), durable without Redis.
// Run twice by ctest, like tst_store: VIGIL_TEST_BACKEND=sqlite (a fresh database file per
// test) and VIGIL_TEST_BACKEND=postgres (VIGIL_TEST_PG_URL, a fresh random table prefix per
// test). The PostgreSQL run fails, never skips, without a server.
//
// Each test builds its own Store and Engine(s) on the test thread and registers scripted
// handlers: member coroutines that take everything by value (a lambda's captures die at its
// first suspension, QCoro), record what they saw in test-owned state, and can sleep, fail,
// hang or honour their cancellation token. Outcomes are awaited with QTRY_* on the engine's
// own queries; nothing synchronises by sleeping. Where a test must show that something does
// NOT happen (a cron slot fires once), it watches for it over a short period (holdsFor).

#include "core/ids.h"
#include "core/isotime.h"
#include "store/store.h"
#include "workflow/engine.h"

#include <QCoroTask>
#include <QCoroTimer>
#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QUrl>
#include "support/testsupport.h"

#include <QtTest>

#include <algorithm>
#include <climits>
#include <functional>
#include <stdexcept>

using namespace vigil;
using namespace std::chrono_literals;

#define S(text) QStringLiteral(text)

namespace {

Backend g_backend = Backend::Sqlite;
QString g_pgUrl;

bool onPostgres() { return g_backend == Backend::Postgres; }

using test::errorText;
using test::failText;
using test::randomLower;
QString randomPrefix() { return test::randomPrefix(QLatin1Char('e')); }

Json J(const char *text) { return Json::parse(text); }
QString js(const Json &json) { return dumpJsonString(json); }
// Member access that never asserts or throws (const operator[] on a missing key is UB).
Json at(const Json &json, const char *key) { return json.is_object() && json.contains(key) ? json[key] : Json(); }
qint64 intAt(const Json &json, const char *key)
{
    const Json value = at(json, key);
    return value.is_number_integer() ? value.get<qint64>() : qint64(-1);
}
bool boolAt(const Json &json, const char *key)
{
    const Json value = at(json, key);
    return value.is_boolean() && value.get<bool>();
}
QString jstring(const Json &json, const char *key)
{
    if (!json.is_object() || !json.contains(key) || !json[key].is_string())
        return S("<no string ") + QLatin1String(key) + S(" in ") + js(json) + S(">");
    return fromStd(json[key].get<std::string>());
}

// A plain connection for what the Store interface does not offer: dropping a test's tables.
class RawDb
{
public:
    explicit RawDb(const QString &url) : m_name(S("raw_") + randomLower(12))
    {
        const QUrl parsed(url);
        QSqlDatabase db = QSqlDatabase::addDatabase(S("QPSQL"), m_name);
        db.setHostName(parsed.host());
        db.setPort(parsed.port(5432));
        db.setUserName(parsed.userName());
        db.setPassword(parsed.password());
        db.setDatabaseName(parsed.path().mid(1));
        if (!db.open()) {
            m_error = db.lastError().text();
        } else {
            QSqlQuery quiet(db);
            quiet.exec(S("SET client_min_messages = warning"));
        }
    }
    ~RawDb()
    {
        {
            QSqlDatabase db = QSqlDatabase::database(m_name, false);
            db.close();
        }
        QSqlDatabase::removeDatabase(m_name);
    }
    bool ok() const { return m_error.isEmpty(); }
    std::optional<QStringList> column(const QString &sql)
    {
        QSqlQuery query(QSqlDatabase::database(m_name, false));
        if (!query.exec(sql)) {
            m_error = query.lastError().text();
            return std::nullopt;
        }
        QStringList out;
        while (query.next())
            out << query.value(0).toString();
        return out;
    }

private:
    QString m_name;
    QString m_error;
};

// What a scripted handler saw and did.
struct Call
{
    QString handler;
    QString stepName;
    QString stepRunId;
    QString runId;
    int attempt = 0;
    bool isReplay = false;
    QString tenantId;
    TriggerEnvelope trigger;
    Json runContext;
    Json config;
    qint64 startedMs = -1; // m_clock
    qint64 endedMs = -1;
    bool returned = false;
    bool canceled = false;
    QString cancelReason;
    qint64 canceledMs = -1;
};

// How a scripted handler behaves. Copied into the handler's frame when it starts.
struct Behaviour
{
    int sleepMs = 0;
    std::vector<int> sleepPlan; // per call (the last entry repeats); overrides sleepMs
    bool honourCancel = true;   // stop sleeping and fail when the token fires
    int failFirst = 0;          // the first N calls fail
    bool fail = false;          // every call fails
    std::function<Json(const StepContext &)> result; // action data; default {step, attempt}
    std::function<bool(const StepContext &)> condition; // condition value; default conditionValue
    bool conditionValue = true;
    QString logMessage; // written with ctx.log when set
    Json logData;
    std::function<void(const StepContext &)> onStart; // called when the handler starts, before it suspends
};

} // namespace


class TestEngine final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    // 1. Pulse's API surface
    void apiSurfaceRoundTrip();
    void workflowManagement();
    void failedRunsWithAndWithoutTenant();
    void hooksFire();
    void throwingHooksChangeNothing();
    void stopWaitsForRunningHandler();
    void stopAfterGraceCancelsSlowHandler();
    void stoppedEngineClaimsNothing();
    void runChangedAnnouncesEveryStatus();
    void concurrencyLimitsRunningHandlers();
    void nextStepIsTakenUpByItsPredecessorsCommit();
    void throwingHandlerFailsTheAttempt();
    // 2. payload schemas
    void payloadSchemaAcceptsValidPayload();
    void payloadSchemaRefusesBadPayload_data();
    void payloadSchemaRefusesBadPayload();
    void emitSignalsBatchIsAllOrNothing();
    // 3. matching
    void matchingSelectsTenantTypeEnabledAndFilters();
    void definitionSnapshotIsFrozen();
    void dedupKeyAnswersFirstEnvelope();
    // 4. durability
    void delayedRunCompletesAfterRestart();
    void heldDelayIsHandedBackAtStop();
    void cancelWhileDelayIsHeld();
    void burstOfDelaysEndsOnTimeNeverEarly();
    // 5. leases
    void expiredLeaseIsReclaimedByAnotherEngine();
    void crashRightAfterHandlerStart();
    void sweepSettlesParallelLeftParkedByACrash();
    void stepOfAFinishedRunStartsNothing();
    void leaseIsRenewedWhileHandlerRuns();
    // 6. retries and timeouts
    void retryBackoffDoubles();
    void exhaustedRetriesFailStepAndRun();
    void timeoutCancelsAndIgnoresLateResult();
    void timeoutThenRetryKeepsTheRetrysResult();
    // 7. conditions
    void conditionOnFalse_data();
    void conditionOnFalse();
    // 8. parallel
    void parallelBranchesRunConcurrently();
    void parallelWaitsForAllBranches();
    void parallelFailureCancelsSiblingsAndRetryResumes();
    void nestedParallelAndBranchConditions();
    // 9. handlers and context
    void handlerFieldAndContextAccumulation();
    // 10. cancel, retry, replay
    void cancelSkipsPendingAndCancelsRunning();
    void cancelWaitingRunAndConflicts();
    void cancelDuringRetryBackoff();
    void retryResumesAtFailedStep();
    void replayMarksRunsAndSkipsUnsafeActions();
    void dryRunReplaySkipsActions();
    void dryRunReplaySkipsActionsAndDelays();
    void testRunStartsOneDryRunOfOneDefinition();
    // 11. cron
    void cronFiresMissedSlotOnce();
    void cronTwoEnginesFireOnce();
    void cronDisabledWorkflowDoesNotFire();
    // 12. defaults
    void defaultWorkflowsRunWithBuiltins();
    void defaultWorkflowsSeededOnce();
    // 13. invalid calls
    void unknownRunIdIsNotFound();
    void retryOfRunningRunIsConflict();
    void createWorkflowWithUnknownHandlerIsInvalid();
    void invalidDefinitionIsInvalid();
    void emitWithoutTypeIsInvalid();
    // 14. the README's examples
    void readmeIncidentOnMissedHeartbeat();
    void readmeTrialExpiration();
    void readmeWorkflowChaining();
    void readmeParallelNotification();
    void readmeCronDailyCleanup();

private:
    // ---- database and engines ---------------------------------------------------------
    std::unique_ptr<Store> openFresh();
    std::unique_ptr<Store> openSame();
    void dropTables();
    EngineOptions quick(const QString &owner = QString()) const;
    Engine *newEngine(EngineOptions options);
    Engine *newEngineOn(Store &store, EngineOptions options);
    void destroyEngine(Engine *engine);

    // ---- handlers ---------------------------------------------------------------------
    void addAction(Engine &engine, const QString &name, const Behaviour &behaviour = {}, bool replaySafe = true);
    void addCondition(Engine &engine, const QString &name, const Behaviour &behaviour = {});
    QCoro::Task<ActionResult> runAction(QString name, StepContext ctx);
    QCoro::Task<Result<bool>> runCondition(QString name, StepContext ctx);
    int startCall(const QString &name, const StepContext &ctx);
    int calls(const QString &handler) const;
    const Call &call(const QString &handler, int nth = 0) const;

    // ---- workflows, signals, runs -----------------------------------------------------
    Json workflowJson(const QString &triggerType, const char *steps, const QString &tenant = S("t1"));
    QString createWf(Engine &engine, const Json &json);
    static TriggerInput signalOf(const QString &type, const QString &tenant = S("t1"));
    QString emitOne(Engine &engine, const TriggerInput &input);
    // Emits `count` signals of `type` (one run each) and waits until every run completed.
    void runToCompletion(Engine &engine, const QString &type, int count, QStringList &runIds);
    // Emits `input`, which starts one run, and waits until that run completed.
    void runToCompletion(Engine &engine, const TriggerInput &input, QString &runId);
    // Starts `engine` with the workflow "go": a 400 ms delay named "wait", then the action
    // "after"; emits one "go" signal and returns its run's id through `runId`.
    void startDelayedRun(Engine &engine, QString &runId);
    static QString statusOf(Engine &engine, const QString &runId);
    static QString stepsOf(Engine &engine, const QString &runId);
    static QString stepSetOf(Engine &engine, const QString &runId);
    static std::optional<WorkflowStepRun> stepNamed(Engine &engine, const QString &runId, const QString &name);
    static QString stepStatus(Engine &engine, const QString &runId, const QString &name);
    static std::vector<RunTimelineEntry> timelineOf(Engine &engine, const QString &runId);
    std::vector<TriggerEnvelope> signalsOfType(const QString &type);
    int runCount();
    int signalCount();
    int definitionCount();
    // Absence can only be observed over time: processes events for `periodMs` and answers
    // false as soon as `holds` does not.
    static bool holdsFor(const std::function<bool()> &holds, int periodMs);
    // Cron slots are minute boundaries: a test that counts firings must not straddle one.
    void awayFromMinuteBoundary(int needMs);
    QString storeCronWorkflow(const QString &triggerType, const char *steps, bool enabled = true);

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_url;
    QString m_prefix;
    std::unique_ptr<Store> m_store;
    std::vector<std::unique_ptr<Store>> m_extraStores;
    std::vector<std::unique_ptr<Engine>> m_engines;

    QHash<QString, Behaviour> m_behaviour;
    std::vector<Call> m_calls;
    QStringList m_hookEvents;
    QStringList m_uncommitted; // announced changes the store did not hold yet
    qint64 m_stoppedAt = -1;
    int m_hookCalls = 0;
    int m_live = 0; // handler coroutines of this test still running
    int m_maxLive = 0;
    QStringList m_runEvents; // "runId status" as runChanged announced them
    bool m_release = false; // cleanup: every sleeping handler returns
    int m_generation = 0;
    int m_workflowCounter = 0;
    QElapsedTimer m_clock;

    // README examples' stand-ins for the outside world.
    QHash<QString, QString> m_health;   // resourceId -> "healthy" / "down"
    QHash<QString, QString> m_plans;    // tenant -> plan
    std::vector<Json> m_sideEffects;    // incidents, emails, pages
};

// ---- fixture ----------------------------------------------------------------------------

void TestEngine::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    qRegisterMetaType<vigil::WorkflowRun>();
    qRegisterMetaType<vigil::WorkflowStepRun>();
    qRegisterMetaType<vigil::TriggerEnvelope>();
    const Result<test::TestBackend> chosen = test::chooseBackend();
    QVERIFY2(chosen.ok(), failText(chosen).constData());
    g_backend = chosen->backend;
    g_pgUrl = chosen->pgUrl;
    qInfo("backend: %s", onPostgres() ? "postgres" : "sqlite");
}

void TestEngine::init()
{
    ++m_generation;
    m_calls.clear();
    m_behaviour.clear();
    m_hookEvents.clear();
    m_uncommitted.clear();
    m_stoppedAt = -1;
    m_hookCalls = 0;
    m_live = 0;
    m_maxLive = 0;
    m_runEvents.clear();
    m_release = false;
    m_health.clear();
    m_plans.clear();
    m_sideEffects.clear();
    m_clock.start();
    m_store = openFresh();
    QVERIFY(m_store);
}

void TestEngine::cleanup()
{
    // Let every handler still sleeping return, then tear down engines before their store.
    m_release = true;
    QTRY_COMPARE_WITH_TIMEOUT(m_live, 0, 5000);
    m_engines.clear();
    m_extraStores.clear();
    m_store.reset();
    if (onPostgres())
        dropTables();
    m_dir.reset();
    ++m_generation;
}

std::unique_ptr<Store> TestEngine::openFresh()
{
    if (onPostgres()) {
        m_url = g_pgUrl;
        m_prefix = randomPrefix();
    } else {
        m_dir = std::make_unique<QTemporaryDir>();
        if (!m_dir->isValid()) {
            QTest::qFail("cannot create a temporary directory", __FILE__, __LINE__);
            return nullptr;
        }
        m_url = S("sqlite://") + m_dir->filePath(S("vigil.db"));
        m_prefix = S("vigil_");
    }
    return openSame();
}

std::unique_ptr<Store> TestEngine::openSame()
{
    StoreOptions options;
    options.url = m_url;
    options.tablePrefix = m_prefix;
    auto opened = openStore(options);
    if (!opened.ok()) {
        QTest::qFail(QByteArray("openStore(" + m_url.toUtf8() + "): " + failText(opened)).constData(), __FILE__, __LINE__);
        return nullptr;
    }
    std::unique_ptr<Store> store = std::move(opened).value();
    const Status migrated = store->migrate();
    if (!migrated.ok()) {
        QTest::qFail(QByteArray("migrate: " + failText(migrated)).constData(), __FILE__, __LINE__);
        return nullptr;
    }
    return store;
}

void TestEngine::dropTables()
{
    RawDb raw(m_url);
    if (!raw.ok())
        return;
    const auto names = raw.column(S("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"));
    if (!names)
        return;
    for (const QString &name : *names) {
        if (name.startsWith(m_prefix))
            (void)raw.column(S("DROP TABLE IF EXISTS \"") + name + S("\" CASCADE"));
    }
}

EngineOptions TestEngine::quick(const QString &owner) const
{
    EngineOptions options;
    options.ownerId = owner;
    options.seedDefaults = false;
    options.builtins = false;
    options.pollInterval = 50ms;
    options.lease = 5s;
    options.shutdownGrace = 5s;
    return options;
}

Engine *TestEngine::newEngine(EngineOptions options) { return newEngineOn(*m_store, std::move(options)); }

Engine *TestEngine::newEngineOn(Store &store, EngineOptions options)
{
    m_engines.push_back(std::make_unique<Engine>(store, std::move(options)));
    return m_engines.back().get();
}

void TestEngine::destroyEngine(Engine *engine)
{
    const auto it = std::find_if(m_engines.begin(), m_engines.end(), [&](const auto &e) { return e.get() == engine; });
    if (it != m_engines.end())
        m_engines.erase(it);
}

// ---- scripted handlers --------------------------------------------------------------------

void TestEngine::addAction(Engine &engine, const QString &name, const Behaviour &behaviour, bool replaySafe)
{
    m_behaviour.insert(name, behaviour);
    ActionOptions options;
    options.replaySafe = replaySafe;
    // Not a coroutine: it hands `name` and the context by value to one.
    const Status ok = engine.registry().registerAction(
        name, [this, name](StepContext ctx) { return runAction(name, std::move(ctx)); }, options);
    QVERIFY2(ok.ok(), failText(ok).constData());
}

void TestEngine::addCondition(Engine &engine, const QString &name, const Behaviour &behaviour)
{
    m_behaviour.insert(name, behaviour);
    const Status ok = engine.registry().registerCondition(
        name, [this, name](StepContext ctx) { return runCondition(name, std::move(ctx)); });
    QVERIFY2(ok.ok(), failText(ok).constData());
}

int TestEngine::startCall(const QString &name, const StepContext &ctx)
{
    Call entry;
    entry.handler = name;
    entry.stepName = ctx.step.stepName;
    entry.stepRunId = ctx.step.id;
    entry.runId = ctx.run.id;
    entry.attempt = ctx.step.attempt;
    entry.isReplay = ctx.isReplay;
    entry.tenantId = ctx.tenantId;
    entry.trigger = ctx.trigger;
    entry.runContext = ctx.run.context;
    entry.config = ctx.config;
    entry.startedMs = m_clock.elapsed();
    m_calls.push_back(std::move(entry));
    const int index = int(m_calls.size()) - 1;
    const int generation = m_generation;
    connect(ctx.cancel.source(), &CancellationSource::canceled, this, [this, generation, index](const QString &reason) {
        if (generation != m_generation || index >= int(m_calls.size()))
            return;
        Call &c = m_calls[size_t(index)];
        c.canceled = true;
        c.cancelReason = reason;
        c.canceledMs = m_clock.elapsed();
    });
    return index;
}

QCoro::Task<ActionResult> TestEngine::runAction(QString name, StepContext ctx)
{
    const Behaviour behaviour = m_behaviour.value(name);
    const int generation = m_generation;
    const int nth = calls(name);
    const int index = startCall(name, ctx);
    ++m_live;
    m_maxLive = std::max(m_maxLive, m_live);
    if (behaviour.onStart)
        behaviour.onStart(ctx);
    const int sleepMs = behaviour.sleepPlan.empty()
        ? behaviour.sleepMs
        : behaviour.sleepPlan[std::min(size_t(nth), behaviour.sleepPlan.size() - 1)];
    QElapsedTimer slept;
    slept.start();
    while (slept.elapsed() < sleepMs) {
        if (m_release || generation != m_generation)
            break;
        if (behaviour.honourCancel && ctx.cancel.isCanceled())
            break;
        co_await QCoro::sleepFor(std::chrono::milliseconds(std::clamp<qint64>(sleepMs - slept.elapsed(), 1, 10)));
    }
    if (generation != m_generation)
        co_return ActionResult::failure(S("handler of an earlier test"));
    --m_live;
    Call &record = m_calls[size_t(index)];
    record.endedMs = m_clock.elapsed();
    record.returned = true;
    if (behaviour.honourCancel && ctx.cancel.isCanceled())
        co_return ActionResult::failure(S("stopped: ") + ctx.cancel.reason());
    if (!behaviour.logMessage.isEmpty())
        ctx.log(behaviour.logMessage, behaviour.logData);
    if (behaviour.fail || nth < behaviour.failFirst)
        co_return ActionResult::failure(S("%1 failed on call %2").arg(name).arg(nth + 1));
    Json data = behaviour.result ? behaviour.result(ctx)
                                 : Json { { "step", toStd(ctx.step.stepName) }, { "attempt", ctx.step.attempt } };
    co_return ActionResult::ok(std::move(data));
}

QCoro::Task<Result<bool>> TestEngine::runCondition(QString name, StepContext ctx)
{
    const Behaviour behaviour = m_behaviour.value(name);
    const int nth = calls(name);
    const int index = startCall(name, ctx);
    Call &record = m_calls[size_t(index)];
    record.endedMs = m_clock.elapsed();
    record.returned = true;
    if (behaviour.fail || nth < behaviour.failFirst)
        co_return makeError(ErrorCode::Internal, S("%1 failed on call %2").arg(name).arg(nth + 1));
    co_return behaviour.condition ? behaviour.condition(ctx) : behaviour.conditionValue;
}

int TestEngine::calls(const QString &handler) const
{
    return int(std::count_if(m_calls.begin(), m_calls.end(), [&](const Call &c) { return c.handler == handler; }));
}

const Call &TestEngine::call(const QString &handler, int nth) const
{
    static const Call none;
    for (const Call &c : m_calls) {
        if (c.handler == handler && nth-- == 0)
            return c;
    }
    return none;
}

// ---- workflows, signals, runs ---------------------------------------------------------------

Json TestEngine::workflowJson(const QString &triggerType, const char *steps, const QString &tenant)
{
    Json out = Json::object();
    out["tenantId"] = toStd(tenant);
    out["name"] = toStd(S("workflow %1 on %2").arg(++m_workflowCounter).arg(triggerType));
    out["triggerType"] = toStd(triggerType);
    out["steps"] = Json::parse(steps);
    out["config"] = Json::object();
    out["isEnabled"] = true;
    return out;
}

QString TestEngine::createWf(Engine &engine, const Json &json)
{
    Result<WorkflowDefinition> parsed = fromJson<WorkflowDefinition>(json);
    if (!parsed) {
        QTest::qFail(QByteArray("definition JSON: " + failText(parsed)).constData(), __FILE__, __LINE__);
        return {};
    }
    const Result<WorkflowDefinition> created = engine.createWorkflow(parsed.value());
    if (!created) {
        QTest::qFail(QByteArray("createWorkflow: " + failText(created)).constData(), __FILE__, __LINE__);
        return {};
    }
    return created->id;
}

TriggerInput TestEngine::signalOf(const QString &type, const QString &tenant)
{
    TriggerInput input;
    input.tenantId = tenant;
    input.source = S("test");
    input.type = type;
    input.resourceType = S("service");
    input.resourceId = S("api-server");
    input.payload = Json::object();
    return input;
}

void TestEngine::runToCompletion(Engine &engine, const QString &type, int count, QStringList &runIds)
{
    for (int i = 0; i < count; ++i) {
        runIds << emitOne(engine, signalOf(type));
        QVERIFY(!runIds.back().isEmpty());
    }
    for (const QString &runId : std::as_const(runIds))
        QTRY_COMPARE_WITH_TIMEOUT(statusOf(engine, runId), S("completed"), 5000);
}

void TestEngine::startDelayedRun(Engine &engine, QString &runId)
{
    CALL(addAction(engine, S("after")));
    QVERIFY(!createWf(engine, workflowJson(S("go"), R"([
        {"type":"delay","name":"wait","delayMs":400},
        {"type":"action","name":"after"}])")).isEmpty());
    VERIFY_OK(engine.start());
    runId = emitOne(engine, signalOf(S("go")));
    QVERIFY(!runId.isEmpty());
}

void TestEngine::runToCompletion(Engine &engine, const TriggerInput &input, QString &runId)
{
    runId = emitOne(engine, input);
    QVERIFY(!runId.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(engine, runId), S("completed"), 10000);
}

QString TestEngine::emitOne(Engine &engine, const TriggerInput &input)
{
    const Result<EmitResult> emitted = engine.emitSignal(input);
    if (!emitted) {
        QTest::qFail(QByteArray("emitSignal: " + failText(emitted)).constData(), __FILE__, __LINE__);
        return {};
    }
    if (emitted->runIds.size() != 1) {
        QTest::qFail(qPrintable(S("expected the signal to start one run, it started %1").arg(emitted->runIds.size())),
                     __FILE__, __LINE__);
        return {};
    }
    return emitted->runIds.front();
}

QString TestEngine::statusOf(Engine &engine, const QString &runId)
{
    const Result<WorkflowRun> run = engine.getRun(runId);
    return run ? toString(run->status) : QString(S("<") + errorText(run.error()) + S(">"));
}

// "name:status" of every step row in the order getRunSteps answers (creation order).
QString TestEngine::stepsOf(Engine &engine, const QString &runId)
{
    const auto steps = engine.getRunSteps(runId);
    if (!steps)
        return S("<") + errorText(steps.error()) + S(">");
    QStringList out;
    for (const WorkflowStepRun &step : steps.value())
        out << step.stepName + S(":") + toString(step.status);
    return out.join(QLatin1Char(' '));
}

// The same, sorted by name: sibling branch rows are created in the same millisecond.
QString TestEngine::stepSetOf(Engine &engine, const QString &runId)
{
    const auto steps = engine.getRunSteps(runId);
    if (!steps)
        return S("<") + errorText(steps.error()) + S(">");
    QStringList out;
    for (const WorkflowStepRun &step : steps.value())
        out << step.stepName + S(":") + toString(step.status);
    out.sort();
    return out.join(QLatin1Char(' '));
}

std::optional<WorkflowStepRun> TestEngine::stepNamed(Engine &engine, const QString &runId, const QString &name)
{
    const auto steps = engine.getRunSteps(runId);
    if (!steps)
        return std::nullopt;
    for (const WorkflowStepRun &step : steps.value()) {
        if (step.stepName == name)
            return step;
    }
    return std::nullopt;
}

QString TestEngine::stepStatus(Engine &engine, const QString &runId, const QString &name)
{
    const auto step = stepNamed(engine, runId, name);
    return step ? toString(step->status) : S("<no step>");
}

std::vector<RunTimelineEntry> TestEngine::timelineOf(Engine &engine, const QString &runId)
{
    auto timeline = engine.getRunTimeline(runId);
    if (!timeline) {
        QTest::qFail(QByteArray("getRunTimeline: " + failText(timeline)).constData(), __FILE__, __LINE__);
        return {};
    }
    return std::move(timeline).value();
}

std::vector<TriggerEnvelope> TestEngine::signalsOfType(const QString &type)
{
    SignalFilter filter;
    filter.type = type;
    const auto page = m_store->listSignals(filter, PageRequest { 1000, QString() });
    if (!page) {
        QTest::qFail(QByteArray("listSignals: " + failText(page)).constData(), __FILE__, __LINE__);
        return {};
    }
    return page->items;
}

int TestEngine::runCount()
{
    const auto page = m_store->listRuns(RunFilter {}, PageRequest { 1000, QString() });
    return page ? int(page->items.size()) : -1;
}

int TestEngine::signalCount()
{
    const auto page = m_store->listSignals(SignalFilter {}, PageRequest { 1000, QString() });
    return page ? int(page->items.size()) : -1;
}

int TestEngine::definitionCount()
{
    const auto page = m_store->listDefinitions(DefinitionFilter {}, PageRequest { 1000, QString() });
    return page ? int(page->items.size()) : -1;
}

bool TestEngine::holdsFor(const std::function<bool()> &holds, int periodMs)
{
    QElapsedTimer watched;
    watched.start();
    while (watched.elapsed() < periodMs) {
        if (!holds())
            return false;
        QTest::qWait(10);
    }
    return holds();
}

void TestEngine::awayFromMinuteBoundary(int needMs)
{
    const auto leftInMinute = [] {
        const QTime now = nowUtc().time();
        return 60000 - (now.second() * 1000 + now.msec());
    };
    QTRY_VERIFY_WITH_TIMEOUT(leftInMinute() >= needMs, 65000);
}

// A cron workflow written straight into the store, created and last edited 3 minutes ago.
QString TestEngine::storeCronWorkflow(const QString &triggerType, const char *steps, bool enabled)
{
    Json json = workflowJson(triggerType, steps);
    json["cronExpression"] = "* * * * *";
    json["isEnabled"] = enabled;
    Result<WorkflowDefinition> parsed = fromJson<WorkflowDefinition>(json);
    if (!parsed) {
        QTest::qFail(QByteArray("definition JSON: " + failText(parsed)).constData(), __FILE__, __LINE__);
        return {};
    }
    WorkflowDefinition definition = parsed.value();
    definition.id = newId(IdPrefix::Definition);
    definition.version = 1;
    definition.createdAt = definition.updatedAt = nowUtc().addSecs(-180);
    const Status created = m_store->createDefinition(definition);
    if (!created) {
        QTest::qFail(QByteArray("createDefinition: " + failText(created)).constData(), __FILE__, __LINE__);
        return {};
    }
    return definition.id;
}

// ==== 1. Pulse's API surface ===================================================================

void TestEngine::apiSurfaceRoundTrip()
{
    Engine *engine = newEngine(quick());
    TriggerRegistration registration;
    registration.source = S("heartbeat");
    registration.resourceType = S("service");
    VERIFY_OK(engine->registerTrigger(S("heartbeat.missed"), registration)); // Pulse's call, on the engine
    Behaviour incident;
    incident.logMessage = S("Incident created");
    incident.logData = J(R"({"incidentId":"inc_1"})");
    incident.result = [](const StepContext &ctx) {
        return Json { { "incidentId", "inc_1" }, { "service", toStd(ctx.trigger.resourceId.value_or(QString())) } };
    };
    CALL(addAction(*engine, S("create_incident"), incident));
    CALL(addCondition(*engine, S("is_still_failing")));
    VERIFY_OK(engine->registerAction(S("spare_action"), [this](StepContext ctx) { return runAction(S("spare_action"), std::move(ctx)); }));
    VERIFY_OK(engine->registerCondition(S("spare_condition"), [this](StepContext ctx) { return runCondition(S("spare_condition"), std::move(ctx)); }));
    VERIFY_ERROR(engine->registerCondition(S(""), [this](StepContext ctx) { return runCondition(S("x"), std::move(ctx)); }),
                 ErrorCode::Invalid);
    VERIFY_ERROR(engine->registry().registerAction(
                     S("bad name!"), [this](StepContext ctx) { return runAction(S("x"), std::move(ctx)); }),
                 ErrorCode::Invalid);
    QVERIFY(engine->registry().trigger(S("heartbeat.missed")));
    QCOMPARE(engine->registry().trigger(S("heartbeat.missed"))->source, S("heartbeat"));
    QCOMPARE(engine->registry().actionNames(), (QStringList { S("create_incident"), S("spare_action") }));
    QCOMPARE(engine->registry().conditionNames(), (QStringList { S("is_still_failing"), S("spare_condition") }));

    const QString workflowId = createWf(*engine, J(R"({
        "tenantId": "workspace_1", "name": "Incident on missed heartbeat", "triggerType": "heartbeat.missed",
        "steps": [
            { "type": "delay", "name": "wait_5m", "delayMs": 50 },
            { "type": "condition", "name": "is_still_failing" },
            { "type": "action", "name": "create_incident" }
        ],
        "config": { "severity": "high" }, "isEnabled": true })"));
    QVERIFY(!workflowId.isEmpty());
    const auto stored = engine->getWorkflow(workflowId);
    VERIFY_OK(stored);
    QCOMPARE(stored->name, S("Incident on missed heartbeat"));
    QCOMPARE(stored->tenantId, S("workspace_1"));
    QCOMPARE(stored->version, 1);
    QCOMPARE(int(stored->steps.size()), 3);
    QCOMPARE(stored->steps[0].delayMs, std::optional<qint64>(50));
    QCOMPARE(js(stored->config), S(R"({"severity":"high"})"));

    VERIFY_OK(engine->start());
    QVERIFY(engine->isRunning());
    TriggerInput input = signalOf(S("heartbeat.missed"), S("workspace_1"));
    input.source = S("heartbeat");
    input.environment = S("production");
    input.payload = J(R"({"lastSeenAt":"2026-01-01T00:00:00.000Z"})");
    const Result<EmitResult> emitted = engine->emitSignal(input);
    VERIFY_OK(emitted);
    QVERIFY(emitted->trigger.id.startsWith(S("trg_")));
    QVERIFY(emitted->trigger.createdAt.isValid());
    QVERIFY(!emitted->deduplicated);
    QCOMPARE(int(emitted->runIds.size()), 1);
    const QString runId = emitted->runIds.front();
    const QString triggerId = emitted->trigger.id;

    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, runId), S("completed"), 5000);

    // getTrigger: the stored signal, as emitted.
    const auto trigger = engine->getTrigger(triggerId);
    VERIFY_OK(trigger);
    QCOMPARE(trigger->tenantId, S("workspace_1"));
    QCOMPARE(trigger->source, S("heartbeat"));
    QCOMPARE(trigger->type, S("heartbeat.missed"));
    QCOMPARE(trigger->resourceType, std::optional<QString>(S("service")));
    QCOMPARE(trigger->resourceId, std::optional<QString>(S("api-server")));
    QCOMPARE(trigger->environment, std::optional<QString>(S("production")));
    QCOMPARE(js(trigger->payload), js(input.payload));

    // getRun: linked to its workflow and signal, with the action's data in its context.
    const auto run = engine->getRun(runId);
    VERIFY_OK(run);
    QCOMPARE(run->definitionId, workflowId);
    QCOMPARE(run->tenantId, S("workspace_1"));
    QCOMPARE(run->triggerId, triggerId);
    QVERIFY(!run->isReplay);
    QVERIFY(run->startedAt.isValid());
    QVERIFY(run->completedAt.isValid());
    QCOMPARE(run->definitionSnapshot.name, S("Incident on missed heartbeat"));
    QCOMPARE(js(run->context.value("create_incident", Json())), S(R"({"incidentId":"inc_1","service":"api-server"})"));

    // getRunSteps: one row per step, in order, all completed.
    QCOMPARE(stepsOf(*engine, runId), S("wait_5m:completed is_still_failing:completed create_incident:completed"));

    // getRunsByTrigger
    const auto byTrigger = engine->getRunsByTrigger(triggerId);
    VERIFY_OK(byTrigger);
    QCOMPARE(int(byTrigger->size()), 1);
    QCOMPARE(byTrigger->front().id, runId);

    // getRunLogs: ctx.log's line, tied to its step.
    const auto logs = engine->getRunLogs(runId);
    VERIFY_OK(logs);
    const auto incidentStep = stepNamed(*engine, runId, S("create_incident"));
    QVERIFY(incidentStep);
    const auto logged = std::find_if(logs->begin(), logs->end(),
                                     [](const ExecutionLog &log) { return log.message == S("Incident created"); });
    QVERIFY2(logged != logs->end(), "ctx.log's message is not among the run's logs");
    QCOMPARE(logged->stepRunId, std::optional<QString>(incidentStep->id));
    QCOMPARE(logged->tenantId, S("workspace_1"));
    QCOMPARE(js(logged->data), S(R"({"incidentId":"inc_1"})"));

    // getRunTimeline: chronological, from run_created to run_completed, every step's life.
    const std::vector<RunTimelineEntry> timeline = timelineOf(*engine, runId);
    QVERIFY(timeline.size() >= 2);
    QCOMPARE(toString(timeline.front().type), S("run_created"));
    QCOMPARE(toString(timeline.back().type), S("run_completed"));
    for (size_t i = 1; i < timeline.size(); ++i)
        QVERIFY2(timeline[i - 1].timestamp <= timeline[i].timestamp, "timeline is not chronological");
    for (const QString &name : { S("wait_5m"), S("is_still_failing"), S("create_incident") }) {
        for (const TimelineType type : { TimelineType::StepScheduled, TimelineType::StepStarted, TimelineType::StepCompleted }) {
            const bool found = std::any_of(timeline.begin(), timeline.end(), [&](const RunTimelineEntry &e) {
                return e.type == type && e.stepName == name;
            });
            QVERIFY2(found, qPrintable(S("no %1 entry for %2").arg(toString(type), name)));
        }
    }
    QVERIFY(std::any_of(timeline.begin(), timeline.end(), [](const RunTimelineEntry &e) {
        return e.type == TimelineType::Log && jstring(e.detail, "message") == S("Incident created");
    }));
}

void TestEngine::workflowManagement()
{
    Engine *engine = newEngine(quick());
    CALL(addAction(*engine, S("mark")));
    CALL(addAction(*engine, S("mark_again")));
    VERIFY_OK(engine->start());
    QSignalSpy changed(engine, &Engine::workflowChanged);

    const QString id = createWf(*engine, workflowJson(S("thing.happened"), R"([{"type":"action","name":"mark"}])"));
    QVERIFY(!id.isEmpty());
    QVERIFY(id.startsWith(S("wfd_")));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).toString(), id);
    auto got = engine->getWorkflow(id);
    VERIFY_OK(got);
    QVERIFY(got->isEnabled);
    QCOMPARE(got->version, 1);
    QVERIFY(got->createdAt.isValid());

    // Disabled: matches nothing.
    VERIFY_OK(engine->disableWorkflow(id));
    got = engine->getWorkflow(id);
    VERIFY_OK(got);
    QVERIFY(!got->isEnabled);
    auto none = engine->emitSignal(signalOf(S("thing.happened")));
    VERIFY_OK(none);
    QCOMPARE(int(none->runIds.size()), 0);

    // Enabled again: matches.
    VERIFY_OK(engine->enableWorkflow(id));
    got = engine->getWorkflow(id);
    VERIFY_OK(got);
    QVERIFY(got->isEnabled);
    const QString runId = emitOne(*engine, signalOf(S("thing.happened")));
    QVERIFY(!runId.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, runId), S("completed"), 5000);

    // Updated: a new version; a stale expectedVersion is refused and changes nothing.
    WorkflowDefinition edited = got.value();
    edited.name = S("renamed");
    WorkflowStep again;
    again.name = S("mark_again");
    edited.steps.push_back(again);
    const auto updated = engine->updateWorkflow(edited);
    VERIFY_OK(updated);
    QCOMPARE(updated->version, 2);
    VERIFY_ERROR(engine->updateWorkflow(edited, 1), ErrorCode::Conflict);
    got = engine->getWorkflow(id);
    VERIFY_OK(got);
    QCOMPARE(got->version, 2);
    QCOMPARE(got->name, S("renamed"));
    QCOMPARE(int(got->steps.size()), 2);

    // Deleted: gone, matches nothing, and the earlier run keeps its snapshot.
    VERIFY_OK(engine->deleteWorkflow(id));
    VERIFY_ERROR(engine->getWorkflow(id), ErrorCode::NotFound);
    none = engine->emitSignal(signalOf(S("thing.happened")));
    VERIFY_OK(none);
    QCOMPARE(int(none->runIds.size()), 0);
    const auto oldRun = engine->getRun(runId);
    VERIFY_OK(oldRun);
    QCOMPARE(oldRun->definitionSnapshot.version, 1);
    QCOMPARE(calls(S("mark")), 1);
    QCOMPARE(calls(S("mark_again")), 0);

    QCOMPARE(changed.count(), 5); // create, disable, enable, update, delete
}

void TestEngine::failedRunsWithAndWithoutTenant()
{
    Engine *engine = newEngine(quick());
    Behaviour broken;
    broken.fail = true;
    CALL(addAction(*engine, S("broken"), broken));
    CALL(addAction(*engine, S("fine")));
    for (const QString &tenant : { S("t1"), S("t2") }) {
        QVERIFY(!createWf(*engine, workflowJson(S("job.failed"), R"([{"type":"action","name":"broken"}])", tenant)).isEmpty());
        QVERIFY(!createWf(*engine, workflowJson(S("job.ok"), R"([{"type":"action","name":"fine"}])", tenant)).isEmpty());
    }
    VERIFY_OK(engine->start());
    const QString failed1 = emitOne(*engine, signalOf(S("job.failed"), S("t1")));
    const QString failed2 = emitOne(*engine, signalOf(S("job.failed"), S("t2")));
    const QString ok1 = emitOne(*engine, signalOf(S("job.ok"), S("t1")));
    QVERIFY(!failed1.isEmpty() && !failed2.isEmpty() && !ok1.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, failed1), S("failed"), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, failed2), S("failed"), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, ok1), S("completed"), 5000);

    const auto ids = [](const std::vector<WorkflowRun> &runs) {
        QStringList out;
        for (const WorkflowRun &run : runs)
            out << run.id;
        out.sort();
        return out;
    };
    const auto all = engine->getFailedRuns();
    VERIFY_OK(all);
    QStringList expected { failed1, failed2 };
    expected.sort();
    QCOMPARE(ids(all.value()), expected);
    const auto t1 = engine->getFailedRuns(S("t1"));
    VERIFY_OK(t1);
    QCOMPARE(ids(t1.value()), QStringList { failed1 });
    const auto nobody = engine->getFailedRuns(S("nobody"));
    VERIFY_OK(nobody);
    QCOMPARE(int(nobody->size()), 0);
}

void TestEngine::hooksFire()
{
    EngineOptions options = quick();
    options.onStepComplete = [this](const StepCompleteEvent &event) {
        m_hookEvents << S("step %1 %2 %3").arg(event.step.stepName, toString(event.step.status), event.run.id);
    };
    options.onRunComplete = [this](const RunCompleteEvent &event) {
        m_hookEvents << S("run %1 %2 %3").arg(event.run.id, toString(event.status), toString(event.run.status));
    };
    Engine *engine = newEngine(options);
    CALL(addAction(*engine, S("a")));
    CALL(addAction(*engine, S("b")));
    Behaviour broken;
    broken.fail = true;
    CALL(addAction(*engine, S("x"), broken));
    QVERIFY(!createWf(*engine, workflowJson(S("go"), R"([{"type":"action","name":"a"},{"type":"action","name":"b"}])")).isEmpty());
    QVERIFY(!createWf(*engine, workflowJson(S("break"), R"([{"type":"action","name":"x"}])")).isEmpty());
    VERIFY_OK(engine->start());

    const QString runId = emitOne(*engine, signalOf(S("go")));
    QVERIFY(!runId.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, runId), S("completed"), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(m_hookEvents.size(), 3, 2000);
    QCOMPARE(m_hookEvents, (QStringList { S("step a completed ") + runId, S("step b completed ") + runId,
                                          S("run %1 completed completed").arg(runId) }));

    m_hookEvents.clear();
    const QString failedId = emitOne(*engine, signalOf(S("break")));
    QVERIFY(!failedId.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, failedId), S("failed"), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(m_hookEvents.size(), 2, 2000);
    QCOMPARE(m_hookEvents, (QStringList { S("step x failed ") + failedId, S("run %1 failed failed").arg(failedId) }));
}

void TestEngine::throwingHooksChangeNothing()
{
    EngineOptions options = quick();
    options.onStepComplete = [this](const StepCompleteEvent &) {
        ++m_hookCalls;
        throw std::runtime_error("step hook failed");
    };
    options.onRunComplete = [this](const RunCompleteEvent &) {
        m_hookEvents << S("run");
        throw std::runtime_error("run hook failed");
    };
    Engine *engine = newEngine(options);
    CALL(addAction(*engine, S("a")));
    CALL(addAction(*engine, S("b")));
    QVERIFY(!createWf(*engine, workflowJson(S("go"), R"([{"type":"action","name":"a"},{"type":"action","name":"b"}])")).isEmpty());
    VERIFY_OK(engine->start());
    const QString runId = emitOne(*engine, signalOf(S("go")));
    QVERIFY(!runId.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, runId), S("completed"), 5000);
    QCOMPARE(stepsOf(*engine, runId), S("a:completed b:completed"));
    QCOMPARE(calls(S("a")), 1);
    QCOMPARE(calls(S("b")), 1);
    const auto run = engine->getRun(runId);
    VERIFY_OK(run);
    QCOMPARE(jstring(run->context.value("a", Json()), "step"), S("a"));
    QCOMPARE(jstring(run->context.value("b", Json()), "step"), S("b"));
    QCOMPARE(m_hookCalls, 2);
    QCOMPARE(m_hookEvents, QStringList { S("run") });
    // The engine still works after its hooks threw.
    const QString second = emitOne(*engine, signalOf(S("go")));
    QVERIFY(!second.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, second), S("completed"), 5000);
}

void TestEngine::stopWaitsForRunningHandler()
{
    EngineOptions options = quick();
    options.shutdownGrace = 5s;
    Engine *engine = newEngine(options);
    Behaviour slow;
    slow.sleepMs = 300;
    CALL(addAction(*engine, S("slow"), slow));
    QVERIFY(!createWf(*engine, workflowJson(S("go"), R"([{"type":"action","name":"slow"}])")).isEmpty());
    VERIFY_OK(engine->start());
    const QString runId = emitOne(*engine, signalOf(S("go")));
    QVERIFY(!runId.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(calls(S("slow")), 1, 3000);

    QSignalSpy stopped(engine, &Engine::stopped);
    connect(engine, &Engine::stopped, this, [this] { m_stoppedAt = m_clock.elapsed(); });
    engine->stop();
    QCOMPARE(stopped.count(), 0); // a handler still runs
    QVERIFY(!call(S("slow")).returned);
    QTRY_COMPARE_WITH_TIMEOUT(stopped.count(), 1, 3000);
    QVERIFY(!engine->isRunning());
    const Call &slowCall = call(S("slow"));
    QVERIFY(slowCall.returned);
    QVERIFY2(!slowCall.canceled, qPrintable(S("token fired: ") + slowCall.cancelReason));
    QVERIFY(slowCall.endedMs <= m_stoppedAt);
    QCOMPARE(stepsOf(*engine, runId), S("slow:completed"));
    QCOMPARE(statusOf(*engine, runId), S("completed"));
}

void TestEngine::stopAfterGraceCancelsSlowHandler()
{
    EngineOptions options = quick();
    options.shutdownGrace = 100ms;
    Engine *engine = newEngine(options);
    Behaviour slow;
    slow.sleepPlan = { 10000, 0 };
    slow.honourCancel = true;
    CALL(addAction(*engine, S("slow"), slow));
    QVERIFY(!createWf(*engine, workflowJson(S("go"), R"([{"type":"action","name":"slow"}])")).isEmpty());
    VERIFY_OK(engine->start());
    const QString runId = emitOne(*engine, signalOf(S("go")));
    QVERIFY(!runId.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(calls(S("slow")), 1, 3000);

    QSignalSpy stopped(engine, &Engine::stopped);
    engine->stop();
    // The handler would take 10 s: stopped() comes after the 100 ms grace, through its token.
    QTRY_COMPARE_WITH_TIMEOUT(stopped.count(), 1, 3000);
    QVERIFY(call(S("slow")).canceled);
    QTRY_VERIFY_WITH_TIMEOUT(call(S("slow")).returned, 2000);
    QVERIFY(statusOf(*engine, runId) != S("completed"));
    QVERIFY(stepStatus(*engine, runId, S("slow")) != S("completed"));

    // The step was handed back: the next process runs it again.
    destroyEngine(engine);
    Engine *next = newEngine(quick());
    CALL(addAction(*next, S("slow"), slow));
    VERIFY_OK(next->start());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*next, runId), S("completed"), 5000);
    QCOMPARE(calls(S("slow")), 2);
    QVERIFY(call(S("slow"), 1).attempt >= 2);
}

void TestEngine::stoppedEngineClaimsNothing()
{
    Engine *engine = newEngine(quick());
    CALL(addAction(*engine, S("a")));
    QVERIFY(!createWf(*engine, workflowJson(S("go"), R"([{"type":"action","name":"a"}])")).isEmpty());
    VERIFY_OK(engine->start());
    QSignalSpy stopped(engine, &Engine::stopped);
    engine->stop();
    QTRY_COMPARE_WITH_TIMEOUT(stopped.count(), 1, 2000);

    // A signal emitted now is stored with its run, but nothing runs until an engine starts.
    const QString runId = emitOne(*engine, signalOf(S("go")));
    QVERIFY(!runId.isEmpty());
    QVERIFY2(holdsFor([&] { return calls(S("a")) == 0; }, 300), "a stopped engine ran a handler");
    QCOMPARE(statusOf(*engine, runId), S("pending"));
    VERIFY_OK(engine->start());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, runId), S("completed"), 5000);
    QCOMPARE(calls(S("a")), 1);
}

void TestEngine::runChangedAnnouncesEveryStatus()
{
    Engine *engine = newEngine(quick());
    connect(engine, &Engine::runChanged, this,
            [this](const WorkflowRun &run) { m_runEvents << run.id + S(" ") + toString(run.status); });
    CALL(addAction(*engine, S("a")));
    CALL(addAction(*engine, S("b")));
    QVERIFY(!createWf(*engine, workflowJson(S("go"), R"([
        {"type":"action","name":"a"},
        {"type":"delay","name":"pause","delayMs":400},
        {"type":"action","name":"b"}])")).isEmpty());
    VERIFY_OK(engine->start());
    const QString runId = emitOne(*engine, signalOf(S("go")));
    QVERIFY(!runId.isEmpty());
    const auto announced = [&] {
        QStringList statuses;
        for (const QString &event : std::as_const(m_runEvents)) {
            if (event.startsWith(runId + S(" "))) {
                const QString status = event.mid(runId.size() + 1);
                if (statuses.isEmpty() || statuses.back() != status)
                    statuses << status;
            }
        }
        return statuses;
    };

    // While the run waits in its delay, a view that follows runChanged knows it waits.
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, runId), S("waiting"), 2000);
    QVERIFY2(announced().contains(S("waiting")), qPrintable(S("announced: ") + announced().join(S(", "))));
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, runId), S("completed"), 5000);
    QCOMPARE(announced().join(S(" ")), S("pending running waiting running completed"));
    // Every announced change is one Pulse's state machine allows.
    const QStringList statuses = announced();
    for (int i = 1; i < statuses.size(); ++i) {
        const auto from = runStatusFromString(statuses[i - 1]);
        const auto to = runStatusFromString(statuses[i]);
        QVERIFY(from && to);
        QVERIFY2(isAllowedTransition(*from, *to), qPrintable(statuses[i - 1] + S(" -> ") + statuses[i]));
    }
}

void TestEngine::concurrencyLimitsRunningHandlers()
{
    EngineOptions options = quick();
    options.concurrency = 2;
    Engine *engine = newEngine(options);
    Behaviour slow;
    slow.sleepMs = 200;
    CALL(addAction(*engine, S("slow"), slow));
    QVERIFY(!createWf(*engine, workflowJson(S("go"), R"([{"type":"action","name":"slow"}])")).isEmpty());
    VERIFY_OK(engine->start());
    QStringList runIds;
    CALL(runToCompletion(*engine, S("go"), 5, runIds));
    QCOMPARE(calls(S("slow")), 5);
    QCOMPARE(m_maxLive, 2);
}

void TestEngine::nextStepIsTakenUpByItsPredecessorsCommit()
{
    // A run's next step starts from its predecessor's commit (no claim in between), keeping
    // the predecessor's handler slot: the concurrency limit holds across chained steps, each
    // attempt is recorded once, under this engine, never before its predecessor ended, and
    // each step sees the context its predecessors left.
    EngineOptions options = quick(S("chainer"));
    options.concurrency = 2;
    Engine *engine = newEngine(options);
    Behaviour slow;
    slow.sleepMs = 30;
    slow.result = [](const StepContext &ctx) { return Json { { "seen", ctx.run.context.size() } }; };
    CALL(addAction(*engine, S("first"), slow));
    CALL(addAction(*engine, S("second"), slow));
    CALL(addAction(*engine, S("third"), slow));
    QVERIFY(!createWf(*engine, workflowJson(S("go"), R"([{"type":"action","name":"first"},
        {"type":"action","name":"second"},{"type":"action","name":"third"}])")).isEmpty());
    VERIFY_OK(engine->start());
    QStringList runIds;
    CALL(runToCompletion(*engine, S("go"), 4, runIds));
    QCOMPARE(m_maxLive, 2);
    for (const QString &runId : std::as_const(runIds)) {
        const auto run = engine->getRun(runId);
        VERIFY_OK(run);
        QCOMPARE(js(run->context), S(R"({"first":{"seen":0},"second":{"seen":1},"third":{"seen":2}})"));
        const auto steps = engine->getRunSteps(runId);
        VERIFY_OK(steps);
        QCOMPARE(int(steps->size()), 3);
        for (std::size_t i = 1; i < steps->size(); ++i)
            QVERIFY((*steps)[i].startedAt >= (*steps)[i - 1].completedAt);
        const auto attempts = m_store->getRunAttempts(runId);
        VERIFY_OK(attempts);
        QCOMPARE(int(attempts->size()), 3);
        for (const StepAttempt &attempt : attempts.value()) {
            QCOMPARE(attempt.attempt, 1);
            QCOMPARE(attempt.owner, S("chainer"));
            QCOMPARE(toString(attempt.status), S("completed"));
        }
    }
}

void TestEngine::throwingHandlerFailsTheAttempt()
{
    Engine *engine = newEngine(quick());
    Behaviour throwsAction;
    throwsAction.result = [](const StepContext &) -> Json { throw std::runtime_error("disk on fire"); };
    Behaviour throwsCondition;
    throwsCondition.condition = [](const StepContext &) -> bool { throw std::runtime_error("oracle on fire"); };
    CALL(addAction(*engine, S("explodes"), throwsAction));
    CALL(addCondition(*engine, S("wonders"), throwsCondition));
    CALL(addAction(*engine, S("never")));
    QVERIFY(!createWf(*engine, workflowJson(S("act"), R"([
        {"type":"action","name":"explodes","retryPolicy":{"maxAttempts":2,"backoffMs":100}},
        {"type":"action","name":"never"}])")).isEmpty());
    QVERIFY(!createWf(*engine, workflowJson(S("ask"), R"([
        {"type":"condition","name":"wonders"},{"type":"action","name":"never"}])")).isEmpty());
    VERIFY_OK(engine->start());
    const QString acting = emitOne(*engine, signalOf(S("act")));
    const QString asking = emitOne(*engine, signalOf(S("ask")));
    QVERIFY(!acting.isEmpty() && !asking.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, acting), S("failed"), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, asking), S("failed"), 5000);
    QCOMPARE(calls(S("explodes")), 2); // a throw is a failed attempt, and retried
    QCOMPARE(calls(S("never")), 0);
    const auto action = stepNamed(*engine, acting, S("explodes"));
    QVERIFY(action);
    QVERIFY2(action->errorMessage.value_or(QString()).contains(S("disk on fire")),
             qPrintable(action->errorMessage.value_or(QString())));
    const auto condition = stepNamed(*engine, asking, S("wonders"));
    QVERIFY(condition);
    QCOMPARE(toString(condition->status), S("failed"));
    QVERIFY2(condition->errorMessage.value_or(QString()).contains(S("oracle on fire")),
             qPrintable(condition->errorMessage.value_or(QString())));
    // The engine goes on working.
    CALL(addAction(*engine, S("fine")));
    QVERIFY(!createWf(*engine, workflowJson(S("fine"), R"([{"type":"action","name":"fine"}])")).isEmpty());
    const QString fine = emitOne(*engine, signalOf(S("fine")));
    QVERIFY(!fine.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, fine), S("completed"), 5000);
}

// ==== 2. payload schemas ======================================================================

namespace {
Json heartbeatSchema()
{
    return J(R"({
        "type": "object",
        "required": ["lastSeenAt", "misses"],
        "properties": {
            "lastSeenAt": { "type": "string", "format": "date-time" },
            "misses": { "type": "integer", "minimum": 1, "maximum": 10 },
            "level": { "type": "string", "enum": ["low", "high"] }
        }
    })");
}
} // namespace

void TestEngine::payloadSchemaAcceptsValidPayload()
{
    Engine *engine = newEngine(quick());
    TriggerRegistration registration;
    registration.source = S("heartbeat");
    registration.resourceType = S("service");
    registration.payloadSchema = heartbeatSchema();
    VERIFY_OK(engine->registry().registerTrigger(S("heartbeat.missed"), registration));

    // A schema with a keyword the checker does not know is refused at registration.
    TriggerRegistration unknownKeyword = registration;
    unknownKeyword.payloadSchema = J(R"({"type":"object","patternProperties":{"^x":{"type":"string"}}})");
    VERIFY_ERROR(engine->registry().registerTrigger(S("other.type"), unknownKeyword), ErrorCode::Invalid);
    QVERIFY(!engine->registry().trigger(S("other.type")));

    CALL(addAction(*engine, S("mark")));
    QVERIFY(!createWf(*engine, workflowJson(S("heartbeat.missed"), R"([{"type":"action","name":"mark"}])")).isEmpty());
    VERIFY_OK(engine->start());
    for (const char *payload : { R"({"lastSeenAt":"2026-03-01T10:00:00Z","misses":3})",
                                 R"({"lastSeenAt":"2026-03-01T10:00:00.123+01:00","misses":10,"level":"high"})" }) {
        TriggerInput input = signalOf(S("heartbeat.missed"));
        input.payload = J(payload);
        const auto emitted = engine->emitSignal(input);
        VERIFY_OK(emitted);
        QCOMPARE(int(emitted->runIds.size()), 1);
        QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, emitted->runIds.front()), S("completed"), 5000);
        const auto stored = engine->getTrigger(emitted->trigger.id);
        VERIFY_OK(stored);
        QCOMPARE(js(stored->payload), js(input.payload));
    }
}

void TestEngine::payloadSchemaRefusesBadPayload_data()
{
    QTest::addColumn<QString>("payload");
    QTest::addColumn<QString>("messagePrefix");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("wrong type") << S(R"({"lastSeenAt":"2026-03-01T10:00:00Z","misses":"three"})") << S("payload.misses: ")
                                << S("integer");
    QTest::newRow("below minimum") << S(R"({"lastSeenAt":"2026-03-01T10:00:00Z","misses":0})") << S("payload.misses: ")
                                   << S("1");
    QTest::newRow("above maximum") << S(R"({"lastSeenAt":"2026-03-01T10:00:00Z","misses":11})") << S("payload.misses: ")
                                   << S("10");
    QTest::newRow("missing required") << S(R"({"misses":2})") << S("payload") << S("lastSeenAt");
    QTest::newRow("not a date-time") << S(R"({"lastSeenAt":"yesterday","misses":2})") << S("payload.lastSeenAt: ")
                                     << S("yesterday");
    QTest::newRow("not in enum") << S(R"({"lastSeenAt":"2026-03-01T10:00:00Z","misses":2,"level":"extreme"})")
                                 << S("payload.level: ") << S("extreme");
}

void TestEngine::payloadSchemaRefusesBadPayload()
{
    QFETCH(QString, payload);
    QFETCH(QString, messagePrefix);
    QFETCH(QString, mentions);

    Engine *engine = newEngine(quick());
    TriggerRegistration registration;
    registration.source = S("heartbeat");
    registration.resourceType = S("service");
    registration.payloadSchema = heartbeatSchema();
    VERIFY_OK(engine->registry().registerTrigger(S("heartbeat.missed"), registration));
    CALL(addAction(*engine, S("mark")));
    QVERIFY(!createWf(*engine, workflowJson(S("heartbeat.missed"), R"([{"type":"action","name":"mark"}])")).isEmpty());
    VERIFY_OK(engine->start());

    QSignalSpy emittedSpy(engine, &Engine::signalEmitted);
    QSignalSpy runSpy(engine, &Engine::runChanged);
    TriggerInput input = signalOf(S("heartbeat.missed"));
    input.payload = Json::parse(payload.toStdString());
    const auto refused = engine->emitSignal(input);
    VERIFY_ERROR(refused, ErrorCode::Invalid);
    QVERIFY2(refused.error().message.startsWith(messagePrefix), qPrintable(refused.error().message));
    QVERIFY2(refused.error().message.contains(mentions), qPrintable(refused.error().message));

    // Nothing stored, nothing started.
    QCOMPARE(emittedSpy.count(), 0);
    QCOMPARE(runSpy.count(), 0);
    QCOMPARE(int(signalsOfType(S("heartbeat.missed")).size()), 0);
    QCOMPARE(runCount(), 0);
    QCOMPARE(calls(S("mark")), 0);
}

void TestEngine::emitSignalsBatchIsAllOrNothing()
{
    Engine *engine = newEngine(quick());
    TriggerRegistration registration;
    registration.source = S("heartbeat");
    registration.payloadSchema = heartbeatSchema();
    VERIFY_OK(engine->registerTrigger(S("heartbeat.missed"), registration));
    CALL(addAction(*engine, S("mark")));
    QVERIFY(!createWf(*engine, workflowJson(S("heartbeat.missed"), R"([{"type":"action","name":"mark"}])")).isEmpty());
    VERIFY_OK(engine->start());
    QSignalSpy emittedSpy(engine, &Engine::signalEmitted);

    const auto request = [](const char *payload) {
        Engine::SignalRequest r;
        r.input = signalOf(S("heartbeat.missed"));
        r.input.payload = J(payload);
        return r;
    };
    const auto refused = engine->emitSignals({ request(R"({"lastSeenAt":"2026-03-01T10:00:00Z","misses":1})"),
                                               request(R"({"lastSeenAt":"2026-03-01T10:00:00Z","misses":0})") });
    VERIFY_ERROR(refused, ErrorCode::Invalid);
    QVERIFY2(refused.error().message.startsWith(S("signals[1]: payload.misses: ")), qPrintable(refused.error().message));
    QCOMPARE(emittedSpy.count(), 0);
    QCOMPARE(signalCount(), 0);
    QCOMPARE(runCount(), 0);

    const auto accepted = engine->emitSignals({ request(R"({"lastSeenAt":"2026-03-01T10:00:00Z","misses":1})"),
                                                request(R"({"lastSeenAt":"2026-03-01T10:00:00Z","misses":2})") });
    VERIFY_OK(accepted);
    QCOMPARE(int(accepted->size()), 2);
    QVERIFY((*accepted)[0].trigger.id != (*accepted)[1].trigger.id);
    for (const EmitResult &result : accepted.value()) {
        QCOMPARE(int(result.runIds.size()), 1);
        QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, result.runIds.front()), S("completed"), 5000);
    }
    QCOMPARE(emittedSpy.count(), 2);
    QCOMPARE(calls(S("mark")), 2);
}

// ==== 3. matching =============================================================================

void TestEngine::matchingSelectsTenantTypeEnabledAndFilters()
{
    Engine *engine = newEngine(quick());
    CALL(addAction(*engine, S("mark")));
    const char *steps = R"([{"type":"action","name":"mark"}])";
    const QString all = createWf(*engine, workflowJson(S("deploy.finished"), steps));
    Json disabledJson = workflowJson(S("deploy.finished"), steps);
    disabledJson["isEnabled"] = false;
    const QString disabled = createWf(*engine, disabledJson);
    const QString otherTenant = createWf(*engine, workflowJson(S("deploy.finished"), steps, S("t2")));
    const QString otherType = createWf(*engine, workflowJson(S("deploy.started"), steps));
    Json prodJson = workflowJson(S("deploy.finished"), steps);
    prodJson["environmentFilter"] = "production";
    const QString prodOnly = createWf(*engine, prodJson);
    Json agentJson = workflowJson(S("deploy.finished"), steps);
    agentJson["resourceTypeFilter"] = "agent";
    const QString agentsOnly = createWf(*engine, agentJson);
    for (const QString &id : { all, disabled, otherTenant, otherType, prodOnly, agentsOnly })
        QVERIFY(!id.isEmpty());
    VERIFY_OK(engine->start());

    struct Case
    {
        const char *tenant;
        std::optional<QString> environment;
        std::optional<QString> resourceType;
        QStringList expected;
    };
    const std::vector<Case> cases {
        { "t1", S("staging"), S("service"), { all } },
        { "t1", S("production"), S("agent"), { all, prodOnly, agentsOnly } },
        { "t1", S("production"), S("service"), { all, prodOnly } },
        { "t1", std::nullopt, std::nullopt, { all } },
        { "t2", S("production"), S("agent"), { otherTenant } },
    };
    for (const Case &c : cases) {
        TriggerInput input = signalOf(S("deploy.finished"), QString::fromLatin1(c.tenant));
        input.environment = c.environment;
        input.resourceType = c.resourceType;
        const int callsBefore = calls(S("mark"));
        const auto emitted = engine->emitSignal(input);
        VERIFY_OK(emitted);
        QStringList definitions;
        QSet<QString> runIds;
        for (const QString &runId : emitted->runIds) {
            runIds.insert(runId);
            const auto run = engine->getRun(runId);
            VERIFY_OK(run);
            definitions << run->definitionId;
            QCOMPARE(run->triggerId, emitted->trigger.id);
        }
        definitions.sort();
        QStringList expected = c.expected;
        expected.sort();
        QCOMPARE(definitions, expected);
        QCOMPARE(int(runIds.size()), int(emitted->runIds.size())); // one run per match
        for (const QString &runId : emitted->runIds) {
            QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, runId), S("completed"), 5000);
            QCOMPARE(stepsOf(*engine, runId), S("mark:completed"));
        }
        QCOMPARE(calls(S("mark")) - callsBefore, int(expected.size()));
    }
}

void TestEngine::definitionSnapshotIsFrozen()
{
    Engine *engine = newEngine(quick());
    CALL(addAction(*engine, S("old_step")));
    CALL(addAction(*engine, S("new_step")));
    const QString id = createWf(*engine, workflowJson(S("go"), R"([
        {"type":"delay","name":"gate","delayMs":300},
        {"type":"action","name":"old_step"}])"));
    QVERIFY(!id.isEmpty());
    VERIFY_OK(engine->start());
    const QString first = emitOne(*engine, signalOf(S("go")));
    QVERIFY(!first.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, first), S("waiting"), 2000);

    auto current = engine->getWorkflow(id);
    VERIFY_OK(current);
    WorkflowDefinition edited = current.value();
    edited.steps[1].name = S("new_step");
    const auto updated = engine->updateWorkflow(edited);
    VERIFY_OK(updated);
    QCOMPARE(updated->version, 2);

    // The run that had started finishes the old steps and reports the old version.
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, first), S("completed"), 5000);
    QCOMPARE(stepsOf(*engine, first), S("gate:completed old_step:completed"));
    QCOMPARE(calls(S("old_step")), 1);
    QCOMPARE(calls(S("new_step")), 0);
    const auto firstRun = engine->getRun(first);
    VERIFY_OK(firstRun);
    QCOMPARE(firstRun->definitionSnapshot.version, 1);
    QCOMPARE(firstRun->definitionSnapshot.steps[1].name, S("old_step"));

    // A new signal runs the new version.
    const QString second = emitOne(*engine, signalOf(S("go")));
    QVERIFY(!second.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, second), S("completed"), 5000);
    QCOMPARE(stepsOf(*engine, second), S("gate:completed new_step:completed"));
    QCOMPARE(calls(S("new_step")), 1);
    QCOMPARE(calls(S("old_step")), 1);
    const auto secondRun = engine->getRun(second);
    VERIFY_OK(secondRun);
    QCOMPARE(secondRun->definitionSnapshot.version, 2);
}

void TestEngine::dedupKeyAnswersFirstEnvelope()
{
    Engine *engine = newEngine(quick());
    CALL(addAction(*engine, S("mark")));
    QVERIFY(!createWf(*engine, workflowJson(S("go"), R"([{"type":"action","name":"mark"}])")).isEmpty());
    VERIFY_OK(engine->start());
    QSignalSpy emittedSpy(engine, &Engine::signalEmitted);

    TriggerInput input = signalOf(S("go"));
    input.payload = J(R"({"n":1})");
    const auto first = engine->emitSignal(input, S("key-1"));
    VERIFY_OK(first);
    QVERIFY(!first->deduplicated);
    QCOMPARE(int(first->runIds.size()), 1);

    TriggerInput again = input;
    again.payload = J(R"({"n":2})");
    const auto second = engine->emitSignal(again, S("key-1"));
    VERIFY_OK(second);
    QVERIFY(second->deduplicated);
    QCOMPARE(second->trigger.id, first->trigger.id);
    QCOMPARE(js(second->trigger.payload), S(R"({"n":1})"));
    QCOMPARE(int(second->runIds.size()), 0);

    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, first->runIds.front()), S("completed"), 5000);
    QCOMPARE(emittedSpy.count(), 1);
    QCOMPARE(int(signalsOfType(S("go")).size()), 1);
    QCOMPARE(runCount(), 1);
    QCOMPARE(calls(S("mark")), 1);

    // Another key is another signal.
    const auto third = engine->emitSignal(again, S("key-2"));
    VERIFY_OK(third);
    QVERIFY(!third->deduplicated);
    QVERIFY(third->trigger.id != first->trigger.id);
    QCOMPARE(int(third->runIds.size()), 1);
}

// ==== 4. durability ===========================================================================

void TestEngine::delayedRunCompletesAfterRestart()
{
    // Every step change an engine announces must already be committed.
    const auto watch = [this](Engine *engine) {
        connect(engine, &Engine::stepChanged, this, [this](const WorkflowStepRun &step) {
            const auto row = m_store->getStepRun(step.id);
            if (!row || row->status != step.status)
                m_uncommitted << S("%1 announced %2, stored %3")
                                   .arg(step.stepName, toString(step.status),
                                        row ? toString(row->status) : errorText(row.error()));
        });
        connect(engine, &Engine::runChanged, this, [this](const WorkflowRun &run) {
            const auto row = m_store->getRun(run.id);
            if (!row || row->status != run.status)
                m_uncommitted << S("run announced %1, stored %2")
                                   .arg(toString(run.status), row ? toString(row->status) : errorText(row.error()));
        });
    };

    Engine *first = newEngine(quick());
    watch(first);
    QString runId;
    CALL(startDelayedRun(*first, runId));
    QCOMPARE(statusOf(*first, runId), S("waiting"));
    const auto wait = stepNamed(*first, runId, S("wait"));
    QVERIFY(wait);
    QCOMPARE(toString(wait->status), S("scheduled"));
    QVERIFY(wait->scheduledFor.isValid());

    QSignalSpy stopped(first, &Engine::stopped);
    first->stop();
    QTRY_COMPARE_WITH_TIMEOUT(stopped.count(), 1, 2000);
    destroyEngine(first);

    // No process runs: the delay falls due and nothing happens.
    QTRY_VERIFY_WITH_TIMEOUT(nowUtc() > wait->scheduledFor.addMSecs(100), 3000);
    QCOMPARE(calls(S("after")), 0);
    const auto stillWaiting = m_store->getRun(runId);
    VERIFY_OK(stillWaiting);
    QCOMPARE(toString(stillWaiting->status), S("waiting"));

    // A new engine on the same database takes over, late.
    Engine *second = newEngine(quick());
    watch(second);
    CALL(addAction(*second, S("after")));
    VERIFY_OK(second->start());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*second, runId), S("completed"), 5000);
    QCOMPARE(calls(S("after")), 1);

    const std::vector<RunTimelineEntry> timeline = timelineOf(*second, runId);
    const auto started = std::find_if(timeline.begin(), timeline.end(), [](const RunTimelineEntry &e) {
        return e.type == TimelineType::StepStarted && e.stepName == S("wait");
    });
    QVERIFY2(started != timeline.end(), "no step_started entry for the delay");
    QVERIFY2(started->detail.contains("lateMs"), qPrintable(js(started->detail)));
    QVERIFY2(intAt(started->detail, "lateMs") >= 100, qPrintable(js(started->detail)));

    // Each step's row, created in order, each completed.
    const auto steps = second->getRunSteps(runId);
    VERIFY_OK(steps);
    QCOMPARE(int(steps->size()), 2);
    QCOMPARE((*steps)[0].stepName, S("wait"));
    QCOMPARE((*steps)[0].stepIndex, 0);
    QCOMPARE((*steps)[1].stepName, S("after"));
    QCOMPARE((*steps)[1].stepIndex, 1);
    QVERIFY((*steps)[0].createdAt <= (*steps)[1].createdAt);
    for (const WorkflowStepRun &step : steps.value()) {
        QCOMPARE(toString(step.status), S("completed"));
        QVERIFY(step.completedAt.isValid());
    }
    QVERIFY((*steps)[0].completedAt <= (*steps)[1].startedAt);
    QVERIFY2(m_uncommitted.isEmpty(), qPrintable(m_uncommitted.join(S("; "))));
}

void TestEngine::heldDelayIsHandedBackAtStop()
{
    // A delay due within the lookahead is claimed ahead (running, under a lease). An engine
    // that stops before it ends hands it back due as before, and the next one ends it.
    Engine *first = newEngine(quick());
    QString runId;
    CALL(startDelayedRun(*first, runId));
    const auto scheduled = stepNamed(*first, runId, S("wait"));
    QVERIFY(scheduled);
    QTRY_COMPARE_WITH_TIMEOUT(stepStatus(*first, runId, S("wait")), S("running"), 2000);
    QVERIFY2(nowUtc() < scheduled->scheduledFor, "the delay was not held ahead of its time");

    QSignalSpy stopped(first, &Engine::stopped);
    first->stop();
    QTRY_COMPARE_WITH_TIMEOUT(stopped.count(), 1, 2000);
    destroyEngine(first);
    const auto handedBack = m_store->getStepRun(scheduled->id);
    VERIFY_OK(handedBack);
    QCOMPARE(toString(handedBack->status), S("scheduled"));
    QCOMPARE(handedBack->scheduledFor, scheduled->scheduledFor);
    QCOMPARE(handedBack->leaseOwner, std::optional<QString>());
    const auto attempts = m_store->getRunAttempts(runId);
    VERIFY_OK(attempts);
    QCOMPARE(attempts->size(), size_t(1));
    QCOMPARE(toString(attempts->front().status), S("canceled"));
    QCOMPARE(attempts->front().error, std::optional<QString>(S("released at shutdown")));
    QCOMPARE(calls(S("after")), 0);

    Engine *second = newEngine(quick());
    CALL(addAction(*second, S("after")));
    VERIFY_OK(second->start());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*second, runId), S("completed"), 5000);
    QCOMPARE(calls(S("after")), 1);
    const auto ended = stepNamed(*second, runId, S("wait"));
    QVERIFY(ended);
    QCOMPARE(ended->attempt, 2);
    QVERIFY(ended->completedAt >= scheduled->scheduledFor);
}

void TestEngine::cancelWhileDelayIsHeld()
{
    Engine *engine = newEngine(quick());
    CALL(addAction(*engine, S("a")));
    QVERIFY(!createWf(*engine, workflowJson(S("wait"), R"([
        {"type":"delay","name":"pause","delayMs":400},{"type":"action","name":"a"}])")).isEmpty());
    VERIFY_OK(engine->start());
    const QString runId = emitOne(*engine, signalOf(S("wait")));
    QVERIFY(!runId.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(stepStatus(*engine, runId, S("pause")), S("running"), 2000);
    VERIFY_OK(engine->cancelRun(runId, S("not needed")));
    QCOMPARE(statusOf(*engine, runId), S("canceled"));
    // Past the delay's due time nothing moves: the held delay was dropped with its run.
    QVERIFY2(holdsFor([&] { return stepsOf(*engine, runId) == S("pause:skipped"); }, 700),
             qPrintable(stepsOf(*engine, runId)));
    QCOMPARE(calls(S("a")), 0);
    QCOMPARE(statusOf(*engine, runId), S("canceled"));
}

void TestEngine::burstOfDelaysEndsOnTimeNeverEarly()
{
    // Many delays due in the same few milliseconds (one batch of signals): each ends at or
    // after its due time, and all of them end.
    EngineOptions options = quick();
    options.concurrency = 4; // delays take no handler slot
    Engine *engine = newEngine(options);
    QVERIFY(!createWf(*engine, workflowJson(S("burst"), R"([{"type":"delay","name":"wait","delayMs":300}])")).isEmpty());
    VERIFY_OK(engine->start());
    std::vector<Engine::SignalRequest> batch(300, { signalOf(S("burst")), std::nullopt });
    const auto emitted = engine->emitSignals(batch);
    VERIFY_OK(emitted);
    QStringList runIds;
    for (const EmitResult &result : emitted.value())
        runIds << result.runIds.front();
    QTRY_VERIFY_WITH_TIMEOUT(std::all_of(runIds.begin(), runIds.end(),
                                         [&](const QString &id) { return statusOf(*engine, id) == S("completed"); }),
                             10000);
    for (const QString &id : std::as_const(runIds)) {
        const auto wait = stepNamed(*engine, id, S("wait"));
        QVERIFY(wait);
        QVERIFY2(wait->completedAt >= wait->scheduledFor,
                 qPrintable(S("ended %1 ms early").arg(wait->completedAt.msecsTo(wait->scheduledFor))));
        // The lateness it reports is measured from the due time, to when it ended.
        QVERIFY2(wait->result.is_object() && wait->result.contains("lateMs"), qPrintable(js(wait->result)));
        QVERIFY2(intAt(wait->result, "lateMs") <= wait->scheduledFor.msecsTo(wait->completedAt),
                 qPrintable(S("lateMs %1, ended %2 ms after due")
                                .arg(intAt(wait->result, "lateMs"))
                                .arg(wait->scheduledFor.msecsTo(wait->completedAt))));
    }
}

// ==== 5. leases ===============================================================================

void TestEngine::expiredLeaseIsReclaimedByAnotherEngine()
{
    Behaviour hang;
    hang.sleepPlan = { 600000, 0 }; // the first call never finishes (until cleanup)
    hang.honourCancel = false;

    EngineOptions a = quick(S("engine-a"));
    a.lease = 300ms;
    Engine *engineA = newEngine(a);
    CALL(addAction(*engineA, S("hang"), hang));
    QVERIFY(!createWf(*engineA, workflowJson(S("go"), R"([{"type":"action","name":"hang"}])")).isEmpty());
    VERIFY_OK(engineA->start());
    const QString runId = emitOne(*engineA, signalOf(S("go")));
    QVERIFY(!runId.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(calls(S("hang")), 1, 3000);
    // The claim's attempt record is written (crashRightAfterHandlerStart crashes before).
    const auto attemptRecorded = [&] {
        const auto attempts = m_store->getRunAttempts(runId);
        return attempts && attempts->size() == 1 && attempts->front().owner == S("engine-a");
    };
    QTRY_VERIFY_WITH_TIMEOUT(attemptRecorded(), 3000);

    // A crash: the engine goes away without stop(); its rows stay running under its lease.
    destroyEngine(engineA);
    EngineOptions b = quick(S("engine-b"));
    b.lease = 300ms;
    Engine *engineB = newEngine(b);
    const auto held = stepNamed(*engineB, runId, S("hang"));
    QVERIFY(held);
    QCOMPARE(toString(held->status), S("running"));
    QCOMPARE(held->leaseOwner, std::optional<QString>(S("engine-a")));
    QVERIFY(held->leaseExpiresAt.isValid());
    const QDateTime leaseEnd = held->leaseExpiresAt;

    CALL(addAction(*engineB, S("hang"), hang));
    VERIFY_OK(engineB->start());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engineB, runId), S("completed"), 5000);
    QCOMPARE(calls(S("hang")), 2);
    QCOMPARE(call(S("hang"), 1).attempt, 2);
    const auto step = stepNamed(*engineB, runId, S("hang"));
    QVERIFY(step);
    QCOMPARE(step->attempt, 2);
    QCOMPARE(toString(step->status), S("completed"));

    const auto attempts = m_store->getRunAttempts(runId);
    VERIFY_OK(attempts);
    QCOMPARE(int(attempts->size()), 2);
    const StepAttempt &lost = (*attempts)[0].attempt == 1 ? (*attempts)[0] : (*attempts)[1];
    const StepAttempt &won = (*attempts)[0].attempt == 1 ? (*attempts)[1] : (*attempts)[0];
    QCOMPARE(lost.attempt, 1);
    QCOMPARE(lost.owner, S("engine-a"));
    QCOMPARE(toString(lost.status), S("lost"));
    QCOMPARE(won.attempt, 2);
    QCOMPARE(won.owner, S("engine-b"));
    QCOMPARE(toString(won.status), S("completed"));
    QVERIFY2(won.startedAt >= leaseEnd, qPrintable(S("reclaimed at %1, lease ran to %2")
                                                       .arg(toIsoUtc(won.startedAt), toIsoUtc(leaseEnd))));
}

void TestEngine::crashRightAfterHandlerStart()
{
    // The same crash, at another moment: in the event-loop turn in which the handler
    // started (the process dies as soon as control returns to its event loop). Whenever it
    // dies, the attempt it interrupted is its own, and is recorded as lost.
    Behaviour hang;
    hang.sleepPlan = { 600000, 0 };
    hang.honourCancel = false;
    EngineOptions a = quick(S("engine-a"));
    a.lease = 300ms;
    Engine *engineA = newEngine(a);
    hang.onStart = [this, engineA](const StepContext &ctx) {
        if (ctx.step.attempt == 1)
            QMetaObject::invokeMethod(this, [this, engineA] { destroyEngine(engineA); }, Qt::QueuedConnection);
    };
    CALL(addAction(*engineA, S("first")));
    CALL(addAction(*engineA, S("hang"), hang));
    QVERIFY(!createWf(*engineA, workflowJson(S("go"), R"([
        {"type":"action","name":"first"},{"type":"action","name":"hang"}])")).isEmpty());
    VERIFY_OK(engineA->start());
    const QString runId = emitOne(*engineA, signalOf(S("go")));
    QVERIFY(!runId.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(calls(S("hang")), 1, 3000);
    QTRY_VERIFY_WITH_TIMEOUT(std::none_of(m_engines.begin(), m_engines.end(),
                                          [&](const auto &e) { return e.get() == engineA; }),
                             2000);
    EngineOptions b = quick(S("engine-b"));
    b.lease = 300ms;
    Engine *engineB = newEngine(b);
    QCOMPARE(stepsOf(*engineB, runId), S("first:completed hang:running"));
    CALL(addAction(*engineB, S("first")));
    CALL(addAction(*engineB, S("hang"), hang));
    VERIFY_OK(engineB->start());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engineB, runId), S("completed"), 5000);
    QCOMPARE(calls(S("hang")), 2);

    const auto attempts = m_store->getRunAttempts(runId);
    VERIFY_OK(attempts);
    QStringList records;
    for (const StepAttempt &attempt : attempts.value()) {
        if (attempt.stepRunId == call(S("hang")).stepRunId)
            records << S("attempt %1 by %2: %3").arg(attempt.attempt).arg(attempt.owner, toString(attempt.status));
    }
    records.sort();
    QCOMPARE(records, (QStringList { S("attempt 1 by engine-a: lost"), S("attempt 2 by engine-b: completed") }));
}

void TestEngine::leaseIsRenewedWhileHandlerRuns()
{
    // Two live engines on one database (separate connections), a lease far shorter than the
    // handler: the owner renews it, so the other never takes the step over.
    m_extraStores.push_back(openSame());
    QVERIFY(m_extraStores.back());
    Behaviour slow;
    slow.sleepMs = 1200;
    slow.honourCancel = true;
    EngineOptions a = quick(S("engine-a"));
    a.lease = 300ms;
    EngineOptions b = quick(S("engine-b"));
    b.lease = 300ms;
    Engine *engineA = newEngine(a);
    Engine *engineB = newEngineOn(*m_extraStores.back(), b);
    CALL(addAction(*engineA, S("slow"), slow));
    CALL(addAction(*engineB, S("slow"), slow));
    QVERIFY(!createWf(*engineA, workflowJson(S("go"), R"([{"type":"action","name":"slow"}])")).isEmpty());
    VERIFY_OK(engineA->start());
    VERIFY_OK(engineB->start());
    const QString runId = emitOne(*engineA, signalOf(S("go")));
    QVERIFY(!runId.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engineA, runId), S("completed"), 5000);
    QCOMPARE(calls(S("slow")), 1);
    QVERIFY2(!call(S("slow")).canceled, qPrintable(S("token fired: ") + call(S("slow")).cancelReason));
    const auto step = stepNamed(*engineA, runId, S("slow"));
    QVERIFY(step);
    QCOMPARE(step->attempt, 1);
    const auto attempts = m_store->getRunAttempts(runId);
    VERIFY_OK(attempts);
    QCOMPARE(int(attempts->size()), 1);
    QCOMPARE(toString(attempts->front().status), S("completed"));
}

// ==== 6. retries and timeouts =================================================================

void TestEngine::retryBackoffDoubles()
{
    Engine *engine = newEngine(quick());
    Behaviour flaky;
    flaky.failFirst = 2;
    CALL(addAction(*engine, S("flaky"), flaky));
    QVERIFY(!createWf(*engine, workflowJson(S("go"), R"([
        {"type":"action","name":"flaky","retryPolicy":{"maxAttempts":3,"backoffMs":100}}])")).isEmpty());
    VERIFY_OK(engine->start());
    const QString runId = emitOne(*engine, signalOf(S("go")));
    QVERIFY(!runId.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, runId), S("completed"), 5000);
    QCOMPARE(calls(S("flaky")), 3);
    QCOMPARE(stepsOf(*engine, runId), S("flaky:completed"));
    const auto step = stepNamed(*engine, runId, S("flaky"));
    QVERIFY(step);
    QCOMPARE(step->attempt, 3);
    const auto run = engine->getRun(runId);
    VERIFY_OK(run);
    QCOMPARE(intAt(at(run->context, "flaky"), "attempt"), 3);

    const std::vector<RunTimelineEntry> timeline = timelineOf(*engine, runId);
    std::vector<RunTimelineEntry> started;
    std::vector<RunTimelineEntry> retrying;
    for (const RunTimelineEntry &entry : timeline) {
        if (entry.type == TimelineType::StepStarted && entry.stepName == S("flaky"))
            started.push_back(entry);
        if (entry.type == TimelineType::StepRetrying && entry.stepName == S("flaky"))
            retrying.push_back(entry);
    }
    QCOMPARE(int(started.size()), 3);
    QCOMPARE(int(retrying.size()), 2);
    const auto byAttempt = [](const RunTimelineEntry &x, const RunTimelineEntry &y) {
        return intAt(x.detail, "attempt") < intAt(y.detail, "attempt");
    };
    std::sort(started.begin(), started.end(), byAttempt);
    std::sort(retrying.begin(), retrying.end(), byAttempt);

    // The back-off the engine chose: from the failed attempt's end to the next one's due
    // time (its start minus its lateness). backoffMs * 2^(n-1) with 0.8-1.2 jitter.
    qint64 chosen[2];
    for (int n = 0; n < 2; ++n) {
        const RunTimelineEntry &next = started[size_t(n + 1)];
        QVERIFY2(next.detail.contains("lateMs"), qPrintable(js(next.detail)));
        const QDateTime due = next.timestamp.addMSecs(-intAt(next.detail, "lateMs"));
        chosen[n] = retrying[size_t(n)].timestamp.msecsTo(due);
    }
    QVERIFY2(chosen[0] >= 79 && chosen[0] <= 121, qPrintable(S("first back-off %1 ms").arg(chosen[0])));
    QVERIFY2(chosen[1] >= 159 && chosen[1] <= 241, qPrintable(S("second back-off %1 ms").arg(chosen[1])));
    QVERIFY2(double(chosen[1]) >= 1.3 * double(chosen[0]),
             qPrintable(S("back-offs %1 then %2 ms").arg(chosen[0]).arg(chosen[1])));

    // As the handler saw it: never early; late by scheduling latency at most.
    const qint64 gap1 = call(S("flaky"), 1).startedMs - call(S("flaky"), 0).endedMs;
    const qint64 gap2 = call(S("flaky"), 2).startedMs - call(S("flaky"), 1).endedMs;
    QVERIFY2(gap1 >= 78 && gap1 <= 120 + 150, qPrintable(S("first gap %1 ms").arg(gap1)));
    QVERIFY2(gap2 >= 158 && gap2 <= 240 + 150, qPrintable(S("second gap %1 ms").arg(gap2)));
}

void TestEngine::exhaustedRetriesFailStepAndRun()
{
    Engine *engine = newEngine(quick());
    Behaviour broken;
    broken.fail = true;
    CALL(addAction(*engine, S("broken"), broken));
    CALL(addAction(*engine, S("never")));
    QVERIFY(!createWf(*engine, workflowJson(S("go"), R"([
        {"type":"action","name":"broken","retryPolicy":{"maxAttempts":2,"backoffMs":100}},
        {"type":"action","name":"never"}])")).isEmpty());
    VERIFY_OK(engine->start());
    const QString runId = emitOne(*engine, signalOf(S("go")));
    QVERIFY(!runId.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, runId), S("failed"), 5000);
    QCOMPARE(calls(S("broken")), 2);
    QCOMPARE(calls(S("never")), 0);
    QCOMPARE(stepsOf(*engine, runId), S("broken:failed"));
    const auto step = stepNamed(*engine, runId, S("broken"));
    QVERIFY(step);
    QCOMPARE(step->errorMessage, std::optional<QString>(S("broken failed on call 2")));
    const auto run = engine->getRun(runId);
    VERIFY_OK(run);
    QVERIFY(run->failedAt.isValid());

    const std::vector<RunTimelineEntry> timeline = timelineOf(*engine, runId);
    const auto count = [&](TimelineType type) {
        return int(std::count_if(timeline.begin(), timeline.end(), [&](const RunTimelineEntry &e) { return e.type == type; }));
    };
    QCOMPARE(count(TimelineType::StepRetrying), 1);
    QCOMPARE(count(TimelineType::StepFailed), 1);
    QCOMPARE(count(TimelineType::RunFailed), 1);
    QCOMPARE(count(TimelineType::RunCompleted), 0);
}

void TestEngine::timeoutCancelsAndIgnoresLateResult()
{
    Engine *engine = newEngine(quick());
    Behaviour sluggish;
    sluggish.sleepMs = 2000;
    sluggish.honourCancel = false; // it answers success late, after its timeout
    CALL(addAction(*engine, S("sluggish"), sluggish));
    QVERIFY(!createWf(*engine, workflowJson(S("go"), R"([{"type":"action","name":"sluggish","timeoutMs":100}])")).isEmpty());
    VERIFY_OK(engine->start());
    const QString runId = emitOne(*engine, signalOf(S("go")));
    QVERIFY(!runId.isEmpty());

    // Failed by the timeout, long before the handler answers.
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, runId), S("failed"), 1500);
    QVERIFY(!call(S("sluggish")).returned);
    const auto step = stepNamed(*engine, runId, S("sluggish"));
    QVERIFY(step);
    QCOMPARE(toString(step->status), S("failed"));
    QCOMPARE(step->errorMessage, std::optional<QString>(S("timed out after 100 ms")));
    QVERIFY(call(S("sluggish")).canceled);
    QVERIFY2(call(S("sluggish")).cancelReason.contains(S("timed out after 100 ms")),
             qPrintable(call(S("sluggish")).cancelReason));

    // Its late success changes nothing.
    QTRY_VERIFY_WITH_TIMEOUT(call(S("sluggish")).returned, 4000);
    QCOMPARE(statusOf(*engine, runId), S("failed"));
    QCOMPARE(stepsOf(*engine, runId), S("sluggish:failed"));
    const auto run = engine->getRun(runId);
    VERIFY_OK(run);
    QVERIFY2(!run->context.contains("sluggish"), qPrintable(js(run->context)));
    const auto after = stepNamed(*engine, runId, S("sluggish"));
    QVERIFY(after);
    QVERIFY2(after->result.is_null() || !after->result.contains("step"), qPrintable(js(after->result)));
    QCOMPARE(after->errorMessage, std::optional<QString>(S("timed out after 100 ms")));
}

void TestEngine::timeoutThenRetryKeepsTheRetrysResult()
{
    Engine *engine = newEngine(quick());
    Behaviour sluggish;
    sluggish.sleepPlan = { 700, 0 }; // the first attempt times out and answers at 700 ms
    sluggish.honourCancel = false;
    CALL(addAction(*engine, S("sluggish"), sluggish));
    QVERIFY(!createWf(*engine, workflowJson(S("go"), R"([
        {"type":"action","name":"sluggish","timeoutMs":100,"retryPolicy":{"maxAttempts":2,"backoffMs":100}}])"))
                 .isEmpty());
    VERIFY_OK(engine->start());
    const QString runId = emitOne(*engine, signalOf(S("go")));
    QVERIFY(!runId.isEmpty());

    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, runId), S("completed"), 5000);
    QCOMPARE(calls(S("sluggish")), 2);
    QVERIFY(call(S("sluggish"), 0).canceled);
    QTRY_VERIFY_WITH_TIMEOUT(call(S("sluggish"), 0).returned, 3000);

    // The first attempt's late answer does not overwrite the second's.
    QCOMPARE(statusOf(*engine, runId), S("completed"));
    const auto step = stepNamed(*engine, runId, S("sluggish"));
    QVERIFY(step);
    QCOMPARE(toString(step->status), S("completed"));
    QCOMPARE(step->attempt, 2);
    QCOMPARE(intAt(step->result, "attempt"), 2);
    const auto run = engine->getRun(runId);
    VERIFY_OK(run);
    QCOMPARE(intAt(at(run->context, "sluggish"), "attempt"), 2);
    const auto attempts = m_store->getRunAttempts(runId);
    VERIFY_OK(attempts);
    QCOMPARE(int(attempts->size()), 2);
    for (const StepAttempt &attempt : attempts.value())
        QCOMPARE(toString(attempt.status), attempt.attempt == 1 ? S("timed_out") : S("completed"));
}

// ==== 7. conditions ===========================================================================

void TestEngine::conditionOnFalse_data()
{
    QTest::addColumn<QString>("onFalse"); // JSON, or empty for the default
    QTest::addColumn<bool>("value");
    QTest::addColumn<QString>("steps");
    QTest::addColumn<QString>("called");
    QTest::newRow("true runs the next step") << QString() << true
                                             << S("gate:completed a:completed b:completed c:completed") << S("a b c");
    QTest::newRow("false, default: complete early") << QString() << false
                                                    << S("gate:completed a:skipped b:skipped c:skipped") << QString();
    QTest::newRow("false, complete") << S(R"("complete")") << false << S("gate:completed a:skipped b:skipped c:skipped")
                                     << QString();
    QTest::newRow("false, skip") << S(R"("skip")") << false << S("gate:completed a:skipped b:completed c:completed")
                                 << S("b c");
    QTest::newRow("false, skip 2") << S("2") << false << S("gate:completed a:skipped b:skipped c:completed") << S("c");
    QTest::newRow("true with skip 2") << S("2") << true << S("gate:completed a:completed b:completed c:completed")
                                      << S("a b c");
}

void TestEngine::conditionOnFalse()
{
    QFETCH(QString, onFalse);
    QFETCH(bool, value);
    QFETCH(QString, steps);
    QFETCH(QString, called);

    Engine *engine = newEngine(quick());
    Behaviour gate;
    gate.conditionValue = value;
    CALL(addCondition(*engine, S("gate"), gate));
    for (const QString &name : { S("a"), S("b"), S("c") })
        CALL(addAction(*engine, name));
    Json json = workflowJson(S("go"), R"([
        {"type":"condition","name":"gate"},
        {"type":"action","name":"a"},{"type":"action","name":"b"},{"type":"action","name":"c"}])");
    if (!onFalse.isEmpty())
        json["steps"][0]["onFalse"] = Json::parse(onFalse.toStdString());
    QVERIFY(!createWf(*engine, json).isEmpty());
    VERIFY_OK(engine->start());
    const QString runId = emitOne(*engine, signalOf(S("go")));
    QVERIFY(!runId.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, runId), S("completed"), 5000);
    QCOMPARE(stepsOf(*engine, runId), steps);
    QStringList handlers;
    for (const Call &c : m_calls) {
        if (c.handler != S("gate"))
            handlers << c.handler;
    }
    QCOMPARE(handlers.join(QLatin1Char(' ')), called);
    QCOMPARE(calls(S("gate")), 1);
    if (!value) {
        const auto skipped = stepNamed(*engine, runId, S("a"));
        QVERIFY(skipped);
        QCOMPARE(skipped->errorMessage, std::optional<QString>(S("skipped: condition \"gate\" was false")));
        const std::vector<RunTimelineEntry> timeline = timelineOf(*engine, runId);
        QVERIFY(std::any_of(timeline.begin(), timeline.end(), [](const RunTimelineEntry &e) {
            return e.type == TimelineType::StepSkipped && e.stepName == S("a")
                && jstring(e.detail, "reason") == S("skipped: condition \"gate\" was false");
        }));
    }
}

// ==== 8. parallel =============================================================================

void TestEngine::parallelBranchesRunConcurrently()
{
    Engine *engine = newEngine(quick());
    Behaviour slow;
    slow.sleepMs = 300;
    CALL(addAction(*engine, S("left"), slow));
    CALL(addAction(*engine, S("right"), slow));
    QVERIFY(!createWf(*engine, workflowJson(S("go"), R"([
        {"type":"parallel","name":"both","branches":[
            [{"type":"action","name":"left"}],
            [{"type":"action","name":"right"}]]}])")).isEmpty());
    VERIFY_OK(engine->start());
    const QString runId = emitOne(*engine, signalOf(S("go")));
    QVERIFY(!runId.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, runId), S("completed"), 5000);
    QCOMPARE(stepSetOf(*engine, runId), S("both:completed left:completed right:completed"));

    const Call &left = call(S("left"));
    const Call &right = call(S("right"));
    QVERIFY2(left.startedMs < right.endedMs && right.startedMs < left.endedMs,
             qPrintable(S("left ran %1-%2 ms, right %3-%4 ms")
                            .arg(left.startedMs).arg(left.endedMs).arg(right.startedMs).arg(right.endedMs)));
    const auto run = engine->getRun(runId);
    VERIFY_OK(run);
    const qint64 took = run->createdAt.msecsTo(run->completedAt);
    QVERIFY2(took < 580, qPrintable(S("two 300 ms branches took %1 ms").arg(took)));
}

void TestEngine::parallelWaitsForAllBranches()
{
    Engine *engine = newEngine(quick());
    Behaviour fast;
    fast.sleepMs = 50;
    Behaviour slow;
    slow.sleepMs = 300;
    CALL(addAction(*engine, S("a"), fast));
    CALL(addAction(*engine, S("b"), slow));
    CALL(addAction(*engine, S("c"), fast));
    CALL(addAction(*engine, S("after")));
    QVERIFY(!createWf(*engine, workflowJson(S("go"), R"([
        {"type":"parallel","name":"fan","branches":[
            [{"type":"action","name":"a"}],
            [{"type":"action","name":"b"},{"type":"action","name":"c"}]]},
        {"type":"action","name":"after"}])")).isEmpty());
    VERIFY_OK(engine->start());
    const QString runId = emitOne(*engine, signalOf(S("go")));
    QVERIFY(!runId.isEmpty());

    // While branch 1 still runs, the step after the parallel one does not exist.
    QTRY_VERIFY_WITH_TIMEOUT(call(S("a")).returned && calls(S("b")) == 1, 3000);
    QVERIFY(!call(S("b")).returned);
    QCOMPARE(stepStatus(*engine, runId, S("after")), S("<no step>"));
    QCOMPARE(stepStatus(*engine, runId, S("fan")), S("running"));

    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, runId), S("completed"), 5000);
    QCOMPARE(stepSetOf(*engine, runId), S("a:completed after:completed b:completed c:completed fan:completed"));
    const qint64 afterStart = call(S("after")).startedMs;
    for (const QString &name : { S("a"), S("b"), S("c") })
        QVERIFY2(call(name).endedMs <= afterStart, qPrintable(name + S(" ended after the next step started")));
    QVERIFY(call(S("b")).endedMs <= call(S("c")).startedMs);
    const auto fan = stepNamed(*engine, runId, S("fan"));
    const auto after = stepNamed(*engine, runId, S("after"));
    QVERIFY(fan && after);
    QVERIFY(fan->completedAt <= after->createdAt);
}

void TestEngine::parallelFailureCancelsSiblingsAndRetryResumes()
{
    Engine *engine = newEngine(quick());
    Behaviour flaky;
    flaky.failFirst = 2; // both attempts of the first round fail; the retried run succeeds
    Behaviour slow;
    slow.sleepPlan = { 10000, 0 };
    slow.honourCancel = true;
    CALL(addAction(*engine, S("flaky"), flaky));
    CALL(addAction(*engine, S("slow"), slow));
    for (const QString &name : { S("after_slow"), S("after_later"), S("quick"), S("final") })
        CALL(addAction(*engine, name));
    QVERIFY(!createWf(*engine, workflowJson(S("go"), R"([
        {"type":"parallel","name":"fan","branches":[
            [{"type":"action","name":"flaky","retryPolicy":{"maxAttempts":2,"backoffMs":100}}],
            [{"type":"action","name":"slow"},{"type":"action","name":"after_slow"}],
            [{"type":"delay","name":"later","delayMs":60000},{"type":"action","name":"after_later"}],
            [{"type":"action","name":"quick"}]]},
        {"type":"action","name":"final"}])")).isEmpty());
    VERIFY_OK(engine->start());
    const QString runId = emitOne(*engine, signalOf(S("go")));
    QVERIFY(!runId.isEmpty());

    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, runId), S("failed"), 5000);
    QCOMPARE(calls(S("flaky")), 2);
    // The running sibling was told to stop; pending siblings were skipped.
    QTRY_VERIFY_WITH_TIMEOUT(call(S("slow")).canceled, 2000);
    QVERIFY2(call(S("slow")).cancelReason.contains(S("branch 0 failed")), qPrintable(call(S("slow")).cancelReason));
    QCOMPARE(stepSetOf(*engine, runId), S("fan:failed flaky:failed later:skipped quick:completed slow:skipped"));
    for (const QString &name : { S("slow"), S("later") }) {
        const auto sibling = stepNamed(*engine, runId, name);
        QVERIFY(sibling);
        QCOMPARE(sibling->errorMessage, std::optional<QString>(S("canceled: branch 0 failed")));
    }
    // The cancelled handler's own answer changes nothing.
    QTRY_VERIFY_WITH_TIMEOUT(call(S("slow")).returned, 2000);
    QCOMPARE(stepStatus(*engine, runId, S("slow")), S("skipped"));
    QCOMPARE(statusOf(*engine, runId), S("failed"));
    QCOMPARE(calls(S("after_slow")), 0);
    QCOMPARE(calls(S("final")), 0);

    // Retry: only what failed runs again; the completed branch keeps its result.
    const auto retried = engine->retryRun(runId);
    VERIFY_OK(retried);
    QCOMPARE(toString(retried->status), S("running"));
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, runId), S("completed"), 5000);
    QCOMPARE(calls(S("quick")), 1);
    QCOMPARE(calls(S("flaky")), 3);
    QCOMPARE(calls(S("slow")), 2);
    QCOMPARE(calls(S("after_slow")), 1);
    QCOMPARE(calls(S("after_later")), 1);
    QCOMPARE(calls(S("final")), 1);
    QCOMPARE(stepSetOf(*engine, runId), S("after_later:completed after_slow:completed fan:completed final:completed "
                                          "flaky:completed later:completed quick:completed slow:completed"));
}

void TestEngine::nestedParallelAndBranchConditions()
{
    Engine *engine = newEngine(quick());
    for (const QString &name : { S("x"), S("y"), S("z"), S("skipped_in_branch"), S("after") })
        CALL(addAction(*engine, name));
    Behaviour no;
    no.conditionValue = false;
    CALL(addCondition(*engine, S("no"), no));
    QVERIFY(!createWf(*engine, workflowJson(S("go"), R"([
        {"type":"parallel","name":"outer","branches":[
            [{"type":"parallel","name":"inner","branches":[[{"type":"action","name":"x"}],[{"type":"action","name":"y"}]]}],
            [{"type":"condition","name":"no"},{"type":"action","name":"skipped_in_branch"}],
            [{"type":"action","name":"z"}]]},
        {"type":"action","name":"after"}])")).isEmpty());
    VERIFY_OK(engine->start());
    const QString runId = emitOne(*engine, signalOf(S("go")));
    QVERIFY(!runId.isEmpty());
    // A false condition ends its branch, not the run.
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, runId), S("completed"), 5000);
    QCOMPARE(stepSetOf(*engine, runId), S("after:completed inner:completed no:completed outer:completed "
                                          "skipped_in_branch:skipped x:completed y:completed z:completed"));
    for (const QString &name : { S("x"), S("y"), S("z"), S("after") })
        QCOMPARE(calls(name), 1);
    QCOMPARE(calls(S("skipped_in_branch")), 0);
    const auto run = engine->getRun(runId);
    VERIFY_OK(run);
    for (const char *key : { "x", "y", "z", "after" })
        QVERIFY2(run->context.contains(key), qPrintable(js(run->context)));
}

// ==== 9. handlers and context =================================================================

void TestEngine::handlerFieldAndContextAccumulation()
{
    Engine *engine = newEngine(quick());
    Behaviour echo;
    echo.result = [](const StepContext &ctx) {
        return Json { { "step", toStd(ctx.step.stepName) }, { "tenant", toStd(ctx.tenantId) },
                      { "resource", toStd(ctx.trigger.resourceId.value_or(QString())) } };
    };
    Behaviour reader;
    reader.result = [](const StepContext &ctx) { return Json { { "saw", ctx.run.context } }; };
    CALL(addAction(*engine, S("echo"), echo));
    CALL(addAction(*engine, S("reader"), reader));
    Json json = workflowJson(S("go"), R"([
        {"type":"action","name":"first","handler":"echo"},
        {"type":"action","name":"second","handler":"echo"},
        {"type":"action","name":"reader"}])");
    json["config"] = J(R"({"severity":"high"})");
    QVERIFY(!createWf(*engine, json).isEmpty());
    VERIFY_OK(engine->start());
    const TriggerInput input = signalOf(S("go"));
    const auto emitted = engine->emitSignal(input);
    VERIFY_OK(emitted);
    QCOMPARE(int(emitted->runIds.size()), 1);
    const QString runId = emitted->runIds.front();
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, runId), S("completed"), 5000);
    QCOMPARE(stepsOf(*engine, runId), S("first:completed second:completed reader:completed"));

    // One handler served two differently named steps; the third step's name is its handler.
    QCOMPARE(calls(S("echo")), 2);
    QCOMPARE(call(S("echo"), 0).stepName, S("first"));
    QCOMPARE(call(S("echo"), 1).stepName, S("second"));
    QCOMPARE(calls(S("reader")), 1);

    // Data lands under the step's name; later steps see earlier results.
    const auto run = engine->getRun(runId);
    VERIFY_OK(run);
    QCOMPARE(js(at(run->context, "first")), S(R"({"resource":"api-server","step":"first","tenant":"t1"})"));
    QCOMPARE(js(at(run->context, "second")), S(R"({"resource":"api-server","step":"second","tenant":"t1"})"));
    QVERIFY(!call(S("echo"), 0).runContext.contains("first"));
    QVERIFY(call(S("echo"), 1).runContext.contains("first"));
    QVERIFY(!call(S("echo"), 1).runContext.contains("second"));
    QCOMPARE(js(at(at(at(run->context, "reader"), "saw"), "first")), js(at(run->context, "first")));
    QCOMPARE(js(at(at(at(run->context, "reader"), "saw"), "second")), js(at(run->context, "second")));

    // The rest of the handler context.
    const Call &first = call(S("echo"), 0);
    QCOMPARE(first.tenantId, S("t1"));
    QCOMPARE(first.trigger.id, emitted->trigger.id);
    QCOMPARE(first.runId, runId);
    QCOMPARE(js(first.config), S(R"({"severity":"high"})"));
    QVERIFY(!first.isReplay);
}

// ==== 10. cancel, retry, replay ===============================================================

void TestEngine::cancelSkipsPendingAndCancelsRunning()
{
    EngineOptions options = quick();
    options.onRunComplete = [this](const RunCompleteEvent &event) { m_hookEvents << toString(event.status); };
    Engine *engine = newEngine(options);
    Behaviour slow;
    slow.sleepMs = 10000;
    slow.honourCancel = true;
    CALL(addAction(*engine, S("slow"), slow));
    CALL(addAction(*engine, S("never")));
    CALL(addAction(*engine, S("final")));
    QVERIFY(!createWf(*engine, workflowJson(S("go"), R"([
        {"type":"parallel","name":"fan","branches":[
            [{"type":"action","name":"slow"}],
            [{"type":"delay","name":"later","delayMs":60000},{"type":"action","name":"never"}]]},
        {"type":"action","name":"final"}])")).isEmpty());
    VERIFY_OK(engine->start());
    const QString runId = emitOne(*engine, signalOf(S("go")));
    QVERIFY(!runId.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(calls(S("slow")), 1, 3000);
    QTRY_COMPARE_WITH_TIMEOUT(stepStatus(*engine, runId, S("later")), S("scheduled"), 3000);

    const auto canceled = engine->cancelRun(runId, S("no longer needed"));
    VERIFY_OK(canceled);
    QCOMPARE(toString(canceled->status), S("canceled"));
    QCOMPARE(canceled->cancelReason, std::optional<QString>(S("no longer needed")));
    QTRY_VERIFY_WITH_TIMEOUT(call(S("slow")).canceled, 2000);

    const auto run = engine->getRun(runId);
    VERIFY_OK(run);
    QCOMPARE(toString(run->status), S("canceled"));
    QCOMPARE(run->cancelReason, std::optional<QString>(S("no longer needed")));
    QVERIFY(run->canceledAt.isValid());
    QCOMPARE(stepSetOf(*engine, runId), S("fan:skipped later:skipped slow:skipped"));
    QCOMPARE(m_hookEvents, QStringList { S("canceled") });
    const std::vector<RunTimelineEntry> timeline = timelineOf(*engine, runId);
    QVERIFY(std::any_of(timeline.begin(), timeline.end(), [](const RunTimelineEntry &e) {
        return e.type == TimelineType::RunCanceled && jstring(e.detail, "reason") == S("no longer needed");
    }));

    // The cancelled handler's answer changes nothing; nothing else runs.
    QTRY_VERIFY_WITH_TIMEOUT(call(S("slow")).returned, 2000);
    QCOMPARE(statusOf(*engine, runId), S("canceled"));
    QCOMPARE(stepSetOf(*engine, runId), S("fan:skipped later:skipped slow:skipped"));
    QCOMPARE(calls(S("never")), 0);
    QCOMPARE(calls(S("final")), 0);

    // Cancelling it again is a conflict and changes nothing.
    const auto again = engine->cancelRun(runId, S("twice"));
    VERIFY_ERROR(again, ErrorCode::Conflict);
    QVERIFY2(again.error().message.contains(runId), qPrintable(again.error().message));
    const auto unchanged = engine->getRun(runId);
    VERIFY_OK(unchanged);
    QCOMPARE(unchanged->cancelReason, std::optional<QString>(S("no longer needed")));
    QCOMPARE(unchanged->canceledAt, run->canceledAt);
    QCOMPARE(m_hookEvents, QStringList { S("canceled") });
}

void TestEngine::cancelWaitingRunAndConflicts()
{
    Engine *engine = newEngine(quick());
    CALL(addAction(*engine, S("a")));
    QVERIFY(!createWf(*engine, workflowJson(S("wait"), R"([
        {"type":"delay","name":"pause","delayMs":60000},{"type":"action","name":"a"}])")).isEmpty());
    QVERIFY(!createWf(*engine, workflowJson(S("quick"), R"([{"type":"action","name":"a"}])")).isEmpty());
    VERIFY_OK(engine->start());

    const QString waiting = emitOne(*engine, signalOf(S("wait")));
    QVERIFY(!waiting.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, waiting), S("waiting"), 2000);
    const auto canceled = engine->cancelRun(waiting);
    VERIFY_OK(canceled);
    QCOMPARE(toString(canceled->status), S("canceled"));
    QCOMPARE(stepsOf(*engine, waiting), S("pause:skipped"));
    QCOMPARE(calls(S("a")), 0);

    // A completed run cannot be cancelled.
    const QString done = emitOne(*engine, signalOf(S("quick")));
    QVERIFY(!done.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, done), S("completed"), 5000);
    const auto refused = engine->cancelRun(done, S("too late"));
    VERIFY_ERROR(refused, ErrorCode::Conflict);
    QVERIFY2(refused.error().message.contains(done), qPrintable(refused.error().message));
    const auto run = engine->getRun(done);
    VERIFY_OK(run);
    QCOMPARE(toString(run->status), S("completed"));
    QCOMPARE(run->cancelReason, std::optional<QString>());
    QVERIFY(!run->canceledAt.isValid());
    QCOMPARE(stepsOf(*engine, done), S("a:completed"));
}

void TestEngine::cancelDuringRetryBackoff()
{
    Engine *engine = newEngine(quick());
    Behaviour broken;
    broken.fail = true;
    CALL(addAction(*engine, S("broken"), broken));
    QVERIFY(!createWf(*engine, workflowJson(S("go"), R"([
        {"type":"action","name":"broken","retryPolicy":{"maxAttempts":3,"backoffMs":300}}])")).isEmpty());
    VERIFY_OK(engine->start());
    const QString runId = emitOne(*engine, signalOf(S("go")));
    QVERIFY(!runId.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(stepStatus(*engine, runId, S("broken")), S("scheduled"), 3000);
    QCOMPARE(calls(S("broken")), 1);

    VERIFY_OK(engine->cancelRun(runId, S("enough")));
    QCOMPARE(statusOf(*engine, runId), S("canceled"));
    QCOMPARE(stepsOf(*engine, runId), S("broken:skipped"));
    // The retry was due within 360 ms: it never comes.
    QVERIFY2(holdsFor([&] { return calls(S("broken")) == 1; }, 700), "a cancelled run's retry ran");
    QCOMPARE(stepsOf(*engine, runId), S("broken:skipped"));
}

void TestEngine::retryResumesAtFailedStep()
{
    Engine *engine = newEngine(quick());
    Behaviour thrice;
    thrice.failFirst = 3; // both attempts of the first round and the first of the retried one
    CALL(addAction(*engine, S("a")));
    CALL(addAction(*engine, S("b"), thrice));
    CALL(addAction(*engine, S("c")));
    QVERIFY(!createWf(*engine, workflowJson(S("go"), R"([
        {"type":"action","name":"a"},
        {"type":"action","name":"b","retryPolicy":{"maxAttempts":2,"backoffMs":100}},
        {"type":"action","name":"c"}])")).isEmpty());
    VERIFY_OK(engine->start());
    const QString runId = emitOne(*engine, signalOf(S("go")));
    QVERIFY(!runId.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, runId), S("failed"), 5000);
    QCOMPARE(stepsOf(*engine, runId), S("a:completed b:failed"));
    QCOMPARE(calls(S("b")), 2);
    auto failed = engine->getFailedRuns();
    VERIFY_OK(failed);
    QCOMPARE(int(failed->size()), 1);

    const auto retried = engine->retryRun(runId);
    VERIFY_OK(retried);
    QCOMPARE(retried->id, runId);
    QCOMPARE(toString(retried->status), S("running"));
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, runId), S("completed"), 5000);
    QCOMPARE(stepsOf(*engine, runId), S("a:completed b:completed c:completed"));
    QCOMPARE(calls(S("a")), 1);
    // The retry policy counts afresh after retryRun: two more attempts, the second succeeds.
    QCOMPARE(calls(S("b")), 4);
    QCOMPARE(calls(S("c")), 1);
    // The retried attempts see what the earlier steps left.
    QVERIFY(call(S("b"), 2).runContext.contains("a"));
    failed = engine->getFailedRuns();
    VERIFY_OK(failed);
    QCOMPARE(int(failed->size()), 0);
    const std::vector<RunTimelineEntry> timeline = timelineOf(*engine, runId);
    QVERIFY(std::any_of(timeline.begin(), timeline.end(),
                        [](const RunTimelineEntry &e) { return e.type == TimelineType::RunRetried; }));
}

void TestEngine::replayMarksRunsAndSkipsUnsafeActions()
{
    Engine *engine = newEngine(quick());
    CALL(addAction(*engine, S("safe"), {}, true));
    CALL(addAction(*engine, S("unsafe"), {}, false));
    QVERIFY(!createWf(*engine, workflowJson(S("go"), R"([
        {"type":"action","name":"safe"},{"type":"action","name":"unsafe"}])")).isEmpty());
    VERIFY_OK(engine->start());
    const auto emitted = engine->emitSignal(signalOf(S("go")));
    VERIFY_OK(emitted);
    QCOMPARE(int(emitted->runIds.size()), 1);
    const QString original = emitted->runIds.front();
    const QString triggerId = emitted->trigger.id;
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, original), S("completed"), 5000);
    QCOMPARE(calls(S("safe")), 1);
    QCOMPARE(calls(S("unsafe")), 1);
    QVERIFY(!call(S("safe")).isReplay);

    const auto replayed = engine->replay(triggerId);
    VERIFY_OK(replayed);
    QCOMPARE(int(replayed->size()), 1);
    const QString replayId = replayed->front();
    QVERIFY(replayId != original);
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, replayId), S("completed"), 5000);
    const auto run = engine->getRun(replayId);
    VERIFY_OK(run);
    QVERIFY(run->isReplay);
    QVERIFY(!run->isDryRun);
    QCOMPARE(run->triggerId, triggerId);
    QCOMPARE(stepsOf(*engine, replayId), S("safe:completed unsafe:skipped"));
    QCOMPARE(calls(S("safe")), 2);
    QVERIFY(call(S("safe"), 1).isReplay);
    QCOMPARE(calls(S("unsafe")), 1);
    const auto unsafe = stepNamed(*engine, replayId, S("unsafe"));
    QVERIFY(unsafe);
    QVERIFY2(unsafe->errorMessage.value_or(QString()).contains(S("not replay-safe")),
             qPrintable(unsafe->errorMessage.value_or(QString())));
    const std::vector<RunTimelineEntry> timeline = timelineOf(*engine, replayId);
    QVERIFY(std::any_of(timeline.begin(), timeline.end(), [](const RunTimelineEntry &e) {
        return e.type == TimelineType::StepSkipped && e.stepName == S("unsafe")
            && jstring(e.detail, "reason").contains(S("not replay-safe"));
    }));

    const auto byTrigger = engine->getRunsByTrigger(triggerId);
    VERIFY_OK(byTrigger);
    QCOMPARE(int(byTrigger->size()), 2);
    QCOMPARE(int(std::count_if(byTrigger->begin(), byTrigger->end(), [](const WorkflowRun &r) { return r.isReplay; })), 1);
    VERIFY_ERROR(engine->replay(newId(IdPrefix::Trigger)), ErrorCode::NotFound);
}

void TestEngine::dryRunReplaySkipsActions()
{
    Engine *engine = newEngine(quick());
    CALL(addCondition(*engine, S("gate")));
    CALL(addAction(*engine, S("safe"), {}, true));
    CALL(addAction(*engine, S("unsafe"), {}, false));
    QVERIFY(!createWf(*engine, workflowJson(S("go"), R"([
        {"type":"condition","name":"gate"},
        {"type":"action","name":"safe"},
        {"type":"action","name":"unsafe"}])")).isEmpty());
    VERIFY_OK(engine->start());
    const auto emitted = engine->emitSignal(signalOf(S("go")));
    VERIFY_OK(emitted);
    QCOMPARE(int(emitted->runIds.size()), 1);
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, emitted->runIds.front()), S("completed"), 5000);
    QCOMPARE(calls(S("gate")), 1);
    QCOMPARE(calls(S("safe")), 1);
    QCOMPARE(calls(S("unsafe")), 1);

    ReplayOptions options;
    options.dryRun = true;
    const auto replayed = engine->replay(emitted->trigger.id, options);
    VERIFY_OK(replayed);
    QCOMPARE(int(replayed->size()), 1);
    const QString runId = replayed->front();
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, runId), S("completed"), 5000);
    const auto run = engine->getRun(runId);
    VERIFY_OK(run);
    QVERIFY(run->isReplay);
    QVERIFY(run->isDryRun);
    QCOMPARE(stepsOf(*engine, runId), S("gate:completed safe:skipped unsafe:skipped"));
    QCOMPARE(calls(S("gate")), 2); // conditions are evaluated
    QVERIFY(call(S("gate"), 1).isReplay);
    QCOMPARE(calls(S("safe")), 1);   // replay-safe or not, no action runs
    QCOMPARE(calls(S("unsafe")), 1);
    const std::vector<RunTimelineEntry> timeline = timelineOf(*engine, runId);
    for (const QString &name : { S("safe"), S("unsafe") }) {
        QVERIFY2(std::any_of(timeline.begin(), timeline.end(), [&](const RunTimelineEntry &e) {
            return e.type == TimelineType::StepSkipped && e.stepName == name && jstring(e.detail, "reason") == S("dry run");
        }), qPrintable(name + S(" has no step_skipped entry saying \"dry run\"")));
    }
}

void TestEngine::testRunStartsOneDryRunOfOneDefinition()
{
    Engine *engine = newEngine(quick());
    CALL(addCondition(*engine, S("gate")));
    CALL(addAction(*engine, S("act")));
    CALL(addAction(*engine, S("other")));
    const QString tested = createWf(*engine, workflowJson(S("go"), R"([
        {"type":"condition","name":"gate"},{"type":"action","name":"act"}])"));
    const QString bystander = createWf(*engine, workflowJson(S("go"), R"([{"type":"action","name":"other"}])"));
    QVERIFY(!tested.isEmpty() && !bystander.isEmpty());
    // A draft is tested while disabled: the test run must not depend on matching.
    VERIFY_OK(engine->disableWorkflow(tested));
    VERIFY_OK(engine->start());
    const int signalsBefore = signalCount();

    const auto runId = engine->testRun(tested, signalOf(S("go")));
    VERIFY_OK(runId);
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, runId.value()), S("completed"), 5000);
    const auto run = engine->getRun(runId.value());
    VERIFY_OK(run);
    QCOMPARE(run->definitionId, tested);
    QVERIFY(run->isDryRun);
    QVERIFY(!run->isReplay);
    QCOMPARE(stepsOf(*engine, runId.value()), S("gate:completed act:skipped"));
    QCOMPARE(calls(S("gate")), 1); // conditions are evaluated
    QCOMPARE(calls(S("act")), 0);  // actions are not
    // The sample is stored (the run points at it) but matched nothing else.
    QCOMPARE(signalCount(), signalsBefore + 1);
    QCOMPARE(runCount(), 1);
    QVERIFY(holdsFor([&] { return calls(S("other")) == 0 && runCount() == 1; }, 300));
    const auto byTrigger = engine->getRunsByTrigger(run->triggerId);
    VERIFY_OK(byTrigger);
    QCOMPARE(int(byTrigger->size()), 1);

    VERIFY_ERROR(engine->testRun(newId(IdPrefix::Definition), signalOf(S("go"))), ErrorCode::NotFound);
    TriggerInput untyped = signalOf(S("go"));
    untyped.type.clear();
    VERIFY_ERROR(engine->testRun(tested, untyped), ErrorCode::Invalid);
    QCOMPARE(runCount(), 1);
}

void TestEngine::dryRunReplaySkipsActionsAndDelays()
{
    Engine *engine = newEngine(quick());
    CALL(addCondition(*engine, S("gate")));
    CALL(addAction(*engine, S("safe"), {}, true));
    CALL(addAction(*engine, S("unsafe"), {}, false));
    VERIFY_OK(engine->start());
    // The signal is stored before the workflow exists: nothing runs until the replay.
    const auto emitted = engine->emitSignal(signalOf(S("go")));
    VERIFY_OK(emitted);
    QCOMPARE(int(emitted->runIds.size()), 0);
    QVERIFY(!createWf(*engine, workflowJson(S("go"), R"([
        {"type":"condition","name":"gate"},
        {"type":"delay","name":"pause","delayMs":60000},
        {"type":"action","name":"safe"},
        {"type":"action","name":"unsafe"}])")).isEmpty());

    ReplayOptions options;
    options.dryRun = true;
    const auto replayed = engine->replay(emitted->trigger.id, options);
    VERIFY_OK(replayed);
    QCOMPARE(int(replayed->size()), 1);
    const QString runId = replayed->front();
    // Far sooner than the 60 s delay: a dry run does not wait.
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, runId), S("completed"), 5000);
    const auto run = engine->getRun(runId);
    VERIFY_OK(run);
    QVERIFY(run->isReplay);
    QVERIFY(run->isDryRun);
    QCOMPARE(stepsOf(*engine, runId), S("gate:completed pause:skipped safe:skipped unsafe:skipped"));
    QCOMPARE(calls(S("gate")), 1); // conditions are evaluated
    QCOMPARE(calls(S("safe")), 0);
    QCOMPARE(calls(S("unsafe")), 0);
    for (const QString &name : { S("pause"), S("safe"), S("unsafe") }) {
        const auto step = stepNamed(*engine, runId, name);
        QVERIFY(step);
        QCOMPARE(step->errorMessage, std::optional<QString>(S("dry run")));
    }
}

// ==== 11. cron ================================================================================

void TestEngine::cronFiresMissedSlotOnce()
{
    CALL(awayFromMinuteBoundary(15000));
    const QString type = S("maintenance.tick");
    const QString id = storeCronWorkflow(type, R"([{"type":"action","name":"tick"}])");
    QVERIFY(!id.isEmpty());
    const QDateTime now = nowUtc();
    const QDateTime slot(now.date(), QTime(now.time().hour(), now.time().minute()), Qt::UTC);

    Engine *first = newEngine(quick());
    CALL(addAction(*first, S("tick")));
    VERIFY_OK(first->start());
    QTRY_COMPARE_WITH_TIMEOUT(int(signalsOfType(type).size()), 1, 3000);
    const TriggerEnvelope fired = signalsOfType(type).front();
    QCOMPARE(fired.source, S("cron"));
    QCOMPARE(fired.type, type);
    QCOMPARE(fired.tenantId, S("t1"));
    QCOMPARE(jstring(fired.payload, "scheduledFor"), toIsoUtc(slot));
    const auto runs = first->getRunsByTrigger(fired.id);
    VERIFY_OK(runs);
    QCOMPARE(int(runs->size()), 1);
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*first, runs->front().id), S("completed"), 5000);
    QVERIFY(holdsFor([&] { return signalsOfType(type).size() == 1; }, 300));

    // A second engine afterwards: the slot has fired already.
    first->stop();
    destroyEngine(first);
    Engine *second = newEngine(quick());
    CALL(addAction(*second, S("tick")));
    VERIFY_OK(second->start());
    QVERIFY2(holdsFor([&] { return signalsOfType(type).size() == 1; }, 500), "the missed slot fired twice");
    QCOMPARE(calls(S("tick")), 1);
    QCOMPARE(runCount(), 1);
}

void TestEngine::cronTwoEnginesFireOnce()
{
    CALL(awayFromMinuteBoundary(15000));
    const QString type = S("maintenance.tick");
    QVERIFY(!storeCronWorkflow(type, R"([{"type":"action","name":"tick"}])").isEmpty());
    m_extraStores.push_back(openSame());
    QVERIFY(m_extraStores.back());

    Engine *a = newEngine(quick(S("engine-a")));
    Engine *b = newEngineOn(*m_extraStores.back(), quick(S("engine-b")));
    CALL(addAction(*a, S("tick")));
    CALL(addAction(*b, S("tick")));
    VERIFY_OK(a->start());
    VERIFY_OK(b->start());
    QTRY_COMPARE_WITH_TIMEOUT(int(signalsOfType(type).size()), 1, 3000);
    QTRY_COMPARE_WITH_TIMEOUT(calls(S("tick")), 1, 5000);
    QVERIFY2(holdsFor([&] { return signalsOfType(type).size() == 1 && calls(S("tick")) == 1; }, 500),
             "two engines fired the same slot twice");
    QCOMPARE(runCount(), 1);
}

void TestEngine::cronDisabledWorkflowDoesNotFire()
{
    CALL(awayFromMinuteBoundary(15000));
    const QString type = S("maintenance.tick");
    const QString id = storeCronWorkflow(type, R"([{"type":"action","name":"tick"}])");
    QVERIFY(!id.isEmpty());

    Engine *first = newEngine(quick());
    CALL(addAction(*first, S("tick")));
    VERIFY_OK(first->disableWorkflow(id));
    const auto disabled = first->getWorkflow(id);
    VERIFY_OK(disabled);
    QVERIFY(!disabled->isEnabled);
    VERIFY_OK(first->start());
    QVERIFY2(holdsFor([&] { return signalsOfType(type).empty(); }, 500), "a disabled workflow's cron fired");

    // Nor on restart.
    first->stop();
    destroyEngine(first);
    Engine *second = newEngine(quick());
    CALL(addAction(*second, S("tick")));
    VERIFY_OK(second->start());
    QVERIFY2(holdsFor([&] { return signalsOfType(type).empty(); }, 500), "a disabled workflow's cron fired on restart");
    QCOMPARE(calls(S("tick")), 0);
}

// ==== 12. defaults ============================================================================

void TestEngine::defaultWorkflowsSeededOnce()
{
    const auto definitions = [this] {
        QStringList out;
        const auto page = m_store->listDefinitions(DefinitionFilter {}, PageRequest { 100, QString() });
        if (!page)
            return QStringList { errorText(page.error()) };
        for (const WorkflowDefinition &d : page->items)
            out << S("%1 on %2 %3").arg(d.name, d.triggerType, d.isEnabled ? S("enabled") : S("disabled"));
        out.sort();
        return out;
    };
    const QStringList seeded { S("Incident on missed heartbeat on heartbeat.missed enabled"),
                               S("Incident on reported failure on heartbeat.failed enabled"),
                               S("Resolve on recovery on heartbeat.recovered enabled") };
    EngineOptions options = quick();
    options.seedDefaults = true;

    Engine *first = newEngine(options);
    QCOMPARE(definitions(), QStringList()); // seeded by start(), not before
    VERIFY_OK(first->start());
    QCOMPARE(definitions(), seeded);
    first->stop();
    destroyEngine(first);

    Engine *second = newEngine(options);
    VERIFY_OK(second->start());
    QCOMPARE(definitions(), seeded);

    // A deleted default stays deleted.
    const auto page = m_store->listDefinitions(DefinitionFilter {}, PageRequest { 100, QString() });
    VERIFY_OK(page);
    QString missedId;
    QStringList otherIds;
    for (const WorkflowDefinition &d : page->items) {
        if (d.triggerType == S("heartbeat.missed"))
            missedId = d.id;
        else
            otherIds << d.id;
    }
    VERIFY_OK(second->deleteWorkflow(missedId));
    second->stop();
    destroyEngine(second);
    Engine *third = newEngine(options);
    VERIFY_OK(third->start());
    QCOMPARE(definitions(), seeded.mid(1));

    for (const QString &id : std::as_const(otherIds))
        VERIFY_OK(third->deleteWorkflow(id));
    third->stop();
    destroyEngine(third);
    Engine *fourth = newEngine(options);
    VERIFY_OK(fourth->start());
    QCOMPARE(definitions(), QStringList());

    // Restoring creates again the defaults that are missing, and only those.
    Result<std::vector<WorkflowDefinition>> restored = fourth->restoreDefaultWorkflows();
    VERIFY_OK(restored);
    QCOMPARE(int(restored->size()), 3);
    QCOMPARE(definitions(), seeded);
    VERIFY_OK(fourth->disableWorkflow(restored->front().id)); // an operator's choice survives
    VERIFY_OK(fourth->deleteWorkflow(restored->back().id));
    restored = fourth->restoreDefaultWorkflows();
    VERIFY_OK(restored);
    QCOMPARE(int(restored->size()), 1);
    QCOMPARE(definitions().filter(S("disabled")).size(), 1);
    restored = fourth->restoreDefaultWorkflows();
    VERIFY_OK(restored);
    QVERIFY(restored->empty());
}

// ==== 13. invalid calls =======================================================================

void TestEngine::unknownRunIdIsNotFound()
{
    Engine *engine = newEngine(quick());
    VERIFY_OK(engine->start());
    const QString unknown = newId(IdPrefix::Run);
    const auto expectNotFound = [&](const auto &result, const char *what) {
        QVERIFY2(!result.ok(), what);
        QVERIFY2(result.error().code == ErrorCode::NotFound, qPrintable(QLatin1String(what) + S(": ") + errorText(result.error())));
        QVERIFY2(result.error().message.contains(unknown),
                 qPrintable(QLatin1String(what) + S(" does not name the id: ") + result.error().message));
    };
    CALL(expectNotFound(engine->getRun(unknown), "getRun"));
    CALL(expectNotFound(engine->cancelRun(unknown, S("why")), "cancelRun"));
    CALL(expectNotFound(engine->retryRun(unknown), "retryRun"));
    CALL(expectNotFound(engine->getRunTimeline(unknown), "getRunTimeline"));
    CALL(expectNotFound(engine->getRunSteps(unknown), "getRunSteps"));
    CALL(expectNotFound(engine->getRunLogs(unknown), "getRunLogs"));
    const QString unknownTrigger = newId(IdPrefix::Trigger);
    const auto trigger = engine->getTrigger(unknownTrigger);
    VERIFY_ERROR(trigger, ErrorCode::NotFound);
    QVERIFY2(trigger.error().message.contains(unknownTrigger), qPrintable(trigger.error().message));
    VERIFY_ERROR(engine->getWorkflow(newId(IdPrefix::Definition)), ErrorCode::NotFound);
    QCOMPARE(runCount(), 0);
}

void TestEngine::retryOfRunningRunIsConflict()
{
    Engine *engine = newEngine(quick());
    Behaviour slow;
    slow.sleepMs = 10000;
    CALL(addAction(*engine, S("slow"), slow));
    QVERIFY(!createWf(*engine, workflowJson(S("go"), R"([{"type":"action","name":"slow"}])")).isEmpty());
    VERIFY_OK(engine->start());
    const QString runId = emitOne(*engine, signalOf(S("go")));
    QVERIFY(!runId.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(calls(S("slow")), 1, 3000);
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, runId), S("running"), 2000);
    const auto before = engine->getRun(runId);
    VERIFY_OK(before);

    const auto refused = engine->retryRun(runId);
    VERIFY_ERROR(refused, ErrorCode::Conflict);
    QVERIFY2(refused.error().message.contains(runId), qPrintable(refused.error().message));
    const auto after = engine->getRun(runId);
    VERIFY_OK(after);
    QCOMPARE(toString(after->status), S("running"));
    QCOMPARE(after->updatedAt, before->updatedAt);
    QCOMPARE(stepsOf(*engine, runId), S("slow:running"));
    QCOMPARE(calls(S("slow")), 1);
    QVERIFY(!call(S("slow")).canceled);
}

void TestEngine::createWorkflowWithUnknownHandlerIsInvalid()
{
    Engine *engine = newEngine(quick());
    CALL(addAction(*engine, S("send_email")));
    CALL(addCondition(*engine, S("gate")));
    QSignalSpy changed(engine, &Engine::workflowChanged);

    const auto expectInvalid = [&](const char *steps, const QString &message) {
        const auto parsed = fromJson<WorkflowDefinition>(workflowJson(S("go"), steps));
        QVERIFY2(parsed.ok(), failText(parsed).constData());
        const auto created = engine->createWorkflow(parsed.value());
        QVERIFY2(!created.ok(), "an unknown handler was accepted");
        QVERIFY2(created.error().code == ErrorCode::Invalid, qPrintable(errorText(created.error())));
        QCOMPARE(created.error().message, message);
        const auto checked = engine->checkWorkflow(parsed.value());
        QVERIFY(!checked.ok());
        QCOMPARE(checked.error().message, message);
    };
    CALL(expectInvalid(R"([{"type":"action","name":"send_email"},{"type":"action","name":"send_fax"}])",
                       S("steps[1].name: unknown action \"send_fax\"")));
    CALL(expectInvalid(R"([{"type":"action","name":"fax","handler":"send_fax"}])",
                       S("steps[0].handler: unknown action \"send_fax\"")));
    CALL(expectInvalid(R"([{"type":"condition","name":"is_it"}])", S("steps[0].name: unknown condition \"is_it\"")));
    CALL(expectInvalid(R"([{"type":"action","name":"gate"}])", S("steps[0].name: unknown action \"gate\"")));
    CALL(expectInvalid(R"([{"type":"parallel","name":"fan","branches":[
                            [{"type":"action","name":"send_email"}],
                            [{"type":"action","name":"send_fax"}]]}])",
                       S("steps[0].branches[1][0].name: unknown action \"send_fax\"")));
    QCOMPARE(definitionCount(), 0);
    QCOMPARE(changed.count(), 0);
}

void TestEngine::invalidDefinitionIsInvalid()
{
    Engine *engine = newEngine(quick());
    CALL(addAction(*engine, S("a")));
    const auto parsed = fromJson<WorkflowDefinition>(workflowJson(S("go"), R"([
        {"type":"delay","name":"pause","delayMs":0},{"type":"action","name":"a"}])"));
    VERIFY_OK(parsed);
    const auto created = engine->createWorkflow(parsed.value());
    VERIFY_ERROR(created, ErrorCode::Invalid);
    QVERIFY2(created.error().message.startsWith(S("steps[0].delayMs: ")), qPrintable(created.error().message));
    QCOMPARE(definitionCount(), 0);

    // An invalid edit leaves the stored definition as it was.
    const QString id = createWf(*engine, workflowJson(S("go"), R"([{"type":"action","name":"a"}])"));
    QVERIFY(!id.isEmpty());
    auto stored = engine->getWorkflow(id);
    VERIFY_OK(stored);
    WorkflowDefinition edited = stored.value();
    edited.steps[0].retryPolicy = RetryPolicy { 11, 100 };
    const auto updated = engine->updateWorkflow(edited);
    VERIFY_ERROR(updated, ErrorCode::Invalid);
    QVERIFY2(updated.error().message.startsWith(S("steps[0].retryPolicy.maxAttempts: ")),
             qPrintable(updated.error().message));
    stored = engine->getWorkflow(id);
    VERIFY_OK(stored);
    QCOMPARE(stored->version, 1);
    QVERIFY(!stored->steps[0].retryPolicy);
    QCOMPARE(definitionCount(), 1);
}

void TestEngine::emitWithoutTypeIsInvalid()
{
    Engine *engine = newEngine(quick());
    CALL(addAction(*engine, S("a")));
    QVERIFY(!createWf(*engine, workflowJson(S("go"), R"([{"type":"action","name":"a"}])")).isEmpty());
    VERIFY_OK(engine->start());
    QSignalSpy emittedSpy(engine, &Engine::signalEmitted);

    TriggerInput input = signalOf(S("go"));
    input.type.clear();
    const auto refused = engine->emitSignal(input);
    VERIFY_ERROR(refused, ErrorCode::Invalid);
    QVERIFY2(refused.error().message.startsWith(S("type")), qPrintable(refused.error().message));

    TriggerInput noTenant = signalOf(S("go"));
    noTenant.tenantId.clear();
    const auto refusedTenant = engine->emitSignal(noTenant);
    VERIFY_ERROR(refusedTenant, ErrorCode::Invalid);
    QVERIFY2(refusedTenant.error().message.startsWith(S("tenantId")), qPrintable(refusedTenant.error().message));

    QCOMPARE(emittedSpy.count(), 0);
    QCOMPARE(int(signalsOfType(S("go")).size()), 0);
    QCOMPARE(signalCount(), 0);
    QCOMPARE(runCount(), 0);
    QCOMPARE(calls(S("a")), 0);
}

// ==== 14. the README's examples ===============================================================

void TestEngine::readmeIncidentOnMissedHeartbeat()
{
    m_health.insert(S("api-server"), S("down"));
    m_health.insert(S("web"), S("healthy"));
    Engine *engine = newEngine(quick());
    TriggerRegistration registration;
    registration.source = S("heartbeat");
    registration.resourceType = S("service");
    VERIFY_OK(engine->registry().registerTrigger(S("heartbeat.missed"), registration));

    Behaviour stillDown;
    stillDown.condition = [this](const StepContext &ctx) {
        return m_health.value(ctx.trigger.resourceId.value_or(QString())) != S("healthy");
    };
    CALL(addCondition(*engine, S("service_still_down"), stillDown));
    Behaviour createIncident;
    createIncident.result = [this](const StepContext &ctx) {
        const std::string id = "inc_" + std::to_string(m_sideEffects.size() + 1);
        m_sideEffects.push_back(Json { { "incident", id },
                                       { "tenantId", toStd(ctx.tenantId) },
                                       { "serviceId", toStd(ctx.trigger.resourceId.value_or(QString())) },
                                       { "severity", ctx.config.value("severity", std::string("medium")) } });
        ctx.log(S("Incident created"), Json { { "incidentId", id } });
        return Json { { "incidentId", id } };
    };
    CALL(addAction(*engine, S("create_incident"), createIncident, true));
    Behaviour notify;
    notify.result = [this](const StepContext &ctx) {
        m_sideEffects.push_back(Json { { "page", toStd(ctx.trigger.resourceId.value_or(QString())) } });
        return Json();
    };
    CALL(addAction(*engine, S("notify_oncall"), notify, false));

    const QString id = createWf(*engine, J(R"({
        "tenantId": "workspace_1",
        "name": "Incident on missed heartbeat",
        "triggerType": "heartbeat.missed",
        "environmentFilter": "production",
        "steps": [
            { "type": "delay", "name": "wait_5m", "delayMs": 200 },
            { "type": "condition", "name": "service_still_down" },
            { "type": "action", "name": "create_incident" },
            { "type": "action", "name": "notify_oncall" }
        ],
        "config": { "severity": "high" },
        "isEnabled": true })"));
    QVERIFY(!id.isEmpty());
    VERIFY_OK(engine->start());

    TriggerInput input;
    input.tenantId = S("workspace_1");
    input.source = S("heartbeat");
    input.type = S("heartbeat.missed");
    input.resourceType = S("service");
    input.resourceId = S("api-server");
    input.environment = S("production");
    input.payload = Json { { "lastSeenAt", toStd(toIsoUtc(nowUtc())) } };
    const QString down = emitOne(*engine, input);
    QVERIFY(!down.isEmpty());
    QCOMPARE(statusOf(*engine, down), S("waiting"));
    TriggerInput healthy = input;
    healthy.resourceId = S("web");
    const QString recovered = emitOne(*engine, healthy);
    QVERIFY(!recovered.isEmpty());
    TriggerInput staging = input;
    staging.environment = S("staging");
    const auto filtered = engine->emitSignal(staging);
    VERIFY_OK(filtered);
    QCOMPARE(int(filtered->runIds.size()), 0);

    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, down), S("completed"), 5000);
    QCOMPARE(stepsOf(*engine, down), S("wait_5m:completed service_still_down:completed create_incident:completed "
                                       "notify_oncall:completed"));
    const auto run = engine->getRun(down);
    VERIFY_OK(run);
    QCOMPARE(jstring(at(run->context, "create_incident"), "incidentId"), S("inc_1"));

    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, recovered), S("completed"), 5000);
    QCOMPARE(stepsOf(*engine, recovered), S("wait_5m:completed service_still_down:completed create_incident:skipped "
                                            "notify_oncall:skipped"));

    QCOMPARE(int(m_sideEffects.size()), 2);
    QCOMPARE(js(m_sideEffects[0]),
             S(R"({"incident":"inc_1","serviceId":"api-server","severity":"high","tenantId":"workspace_1"})"));
    QCOMPARE(js(m_sideEffects[1]), S(R"({"page":"api-server"})"));
    const auto logs = engine->getRunLogs(down);
    VERIFY_OK(logs);
    QVERIFY(std::any_of(logs->begin(), logs->end(), [](const ExecutionLog &log) {
        return log.message == S("Incident created") && jstring(log.data, "incidentId") == S("inc_1");
    }));
}

void TestEngine::readmeTrialExpiration()
{
    m_plans.insert(S("workspace_1"), S("trial"));
    m_plans.insert(S("workspace_2"), S("pro"));
    Engine *engine = newEngine(quick());
    Behaviour warn;
    warn.result = [this](const StepContext &ctx) {
        m_sideEffects.push_back(Json { { "to", ctx.trigger.payload.value("email", std::string()) },
                                       { "template", "trial-expiring" },
                                       { "daysLeft", ctx.trigger.payload.value("daysLeft", 0) } });
        return Json();
    };
    CALL(addAction(*engine, S("send_trial_warning"), warn, false));
    Behaviour notUpgraded;
    notUpgraded.condition = [this](const StepContext &ctx) { return m_plans.value(ctx.tenantId) == S("trial"); };
    CALL(addCondition(*engine, S("has_not_upgraded"), notUpgraded));
    Behaviour downgrade;
    downgrade.result = [this](const StepContext &ctx) {
        m_plans.insert(ctx.tenantId, S("free"));
        ctx.log(S("Downgraded to free plan"));
        return Json();
    };
    CALL(addAction(*engine, S("downgrade_to_free"), downgrade, true));

    for (const char *tenant : { "workspace_1", "workspace_2" }) {
        Json json = J(R"({
            "name": "Trial expiration",
            "triggerType": "trial.expiring",
            "steps": [
                { "type": "action", "name": "send_trial_warning" },
                { "type": "delay", "name": "wait_3_days", "delayMs": 200 },
                { "type": "condition", "name": "has_not_upgraded" },
                { "type": "action", "name": "downgrade_to_free" }
            ],
            "config": {},
            "isEnabled": true })");
        json["tenantId"] = tenant;
        QVERIFY(!createWf(*engine, json).isEmpty());
    }
    VERIFY_OK(engine->start());

    QStringList runIds;
    for (const QString &tenant : { S("workspace_1"), S("workspace_2") }) {
        TriggerInput input;
        input.tenantId = tenant;
        input.source = S("billing");
        input.type = S("trial.expiring");
        input.payload = Json { { "email", toStd(S("owner@") + tenant + S(".example")) }, { "daysLeft", 3 } };
        runIds << emitOne(*engine, input);
        QVERIFY(!runIds.back().isEmpty());
    }
    for (const QString &runId : runIds)
        QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, runId), S("completed"), 5000);
    QCOMPARE(stepsOf(*engine, runIds[0]), S("send_trial_warning:completed wait_3_days:completed "
                                            "has_not_upgraded:completed downgrade_to_free:completed"));
    QCOMPARE(stepsOf(*engine, runIds[1]), S("send_trial_warning:completed wait_3_days:completed "
                                            "has_not_upgraded:completed downgrade_to_free:skipped"));
    QCOMPARE(m_plans.value(S("workspace_1")), S("free"));
    QCOMPARE(m_plans.value(S("workspace_2")), S("pro"));
    QCOMPARE(int(m_sideEffects.size()), 2);
    QStringList mails;
    for (const Json &mail : m_sideEffects)
        mails << js(mail);
    mails.sort();
    QCOMPARE(mails, (QStringList { S(R"({"daysLeft":3,"template":"trial-expiring","to":"owner@workspace_1.example"})"),
                                   S(R"({"daysLeft":3,"template":"trial-expiring","to":"owner@workspace_2.example"})") }));
    const auto logs = engine->getRunLogs(runIds[0]);
    VERIFY_OK(logs);
    QVERIFY(std::any_of(logs->begin(), logs->end(),
                        [](const ExecutionLog &log) { return log.message == S("Downgraded to free plan"); }));
}

void TestEngine::readmeWorkflowChaining()
{
    Engine *engine = newEngine(quick());
    Behaviour autoFix;
    autoFix.result = [](const StepContext &ctx) {
        Json result { { "fixed", true }, { "action", "restart" } };
        TriggerInput recovered;
        recovered.tenantId = ctx.tenantId;
        recovered.source = S("auto-remediation");
        recovered.type = S("service.recovered");
        recovered.resourceType = S("service");
        recovered.resourceId = ctx.trigger.resourceId;
        recovered.payload = Json { { "fix", "restart" } };
        const Result<TriggerEnvelope> emitted = ctx.services->emitSignal(recovered, std::nullopt);
        result["emitted"] = emitted ? toStd(emitted->id) : toStd(S("error: ") + emitted.error().message);
        return result;
    };
    CALL(addAction(*engine, S("attempt_auto_fix"), autoFix, true));
    Behaviour close;
    close.result = [](const StepContext &ctx) {
        return Json { { "closed", toStd(ctx.trigger.resourceId.value_or(QString())) },
                      { "fix", ctx.trigger.payload.value("fix", std::string()) } };
    };
    CALL(addAction(*engine, S("close_incident"), close));
    const QString remediate = createWf(*engine, J(R"({
        "tenantId": "workspace_1", "name": "Auto-remediate", "triggerType": "service.down",
        "steps": [{ "type": "action", "name": "attempt_auto_fix" }], "config": {}, "isEnabled": true })"));
    const QString autoClose = createWf(*engine, J(R"({
        "tenantId": "workspace_1", "name": "Auto-close on recovery", "triggerType": "service.recovered",
        "steps": [{ "type": "action", "name": "close_incident" }], "config": {}, "isEnabled": true })"));
    QVERIFY(!remediate.isEmpty() && !autoClose.isEmpty());
    VERIFY_OK(engine->start());

    TriggerInput down = signalOf(S("service.down"), S("workspace_1"));
    const QString first = emitOne(*engine, down);
    QVERIFY(!first.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, first), S("completed"), 5000);
    const auto run = engine->getRun(first);
    VERIFY_OK(run);
    const QString chainedId = jstring(at(run->context, "attempt_auto_fix"), "emitted");
    QVERIFY2(chainedId.startsWith(S("trg_")), qPrintable(chainedId));
    QCOMPARE(boolAt(at(run->context, "attempt_auto_fix"), "fixed"), true);

    const auto chained = engine->getTrigger(chainedId);
    VERIFY_OK(chained);
    QCOMPARE(chained->source, S("auto-remediation"));
    QCOMPARE(chained->type, S("service.recovered"));
    const auto runs = engine->getRunsByTrigger(chainedId);
    VERIFY_OK(runs);
    QCOMPARE(int(runs->size()), 1);
    QCOMPARE(runs->front().definitionId, autoClose);
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, runs->front().id), S("completed"), 5000);
    const auto closed = engine->getRun(runs->front().id);
    VERIFY_OK(closed);
    QCOMPARE(js(at(closed->context, "close_incident")), S(R"({"closed":"api-server","fix":"restart"})"));
    QCOMPARE(calls(S("close_incident")), 1);
}

void TestEngine::readmeParallelNotification()
{
    Engine *engine = newEngine(quick());
    const auto channel = [](const char *key, const char *field) {
        Behaviour b;
        b.sleepMs = 20;
        b.result = [key, field](const StepContext &ctx) {
            return Json { { field, ctx.config.value(key, std::string()) } };
        };
        return b;
    };
    CALL(addAction(*engine, S("send_email"), channel("alertEmail", "to")));
    CALL(addAction(*engine, S("send_slack"), channel("slackChannel", "channel")));
    CALL(addAction(*engine, S("send_sms"), channel("phoneNumber", "to")));
    Behaviour mark;
    mark.result = [](const StepContext &ctx) {
        Json channels = Json::array();
        for (const auto &[key, value] : ctx.run.context.items()) {
            if (key.rfind("send_", 0) == 0)
                channels.push_back(key);
        }
        return Json { { "channels", channels } };
    };
    CALL(addAction(*engine, S("mark_notified"), mark));
    QVERIFY(!createWf(*engine, J(R"({
        "tenantId": "workspace_1",
        "name": "Multi-channel alert",
        "triggerType": "alert.triggered",
        "steps": [
            { "type": "parallel", "name": "notify_all", "branches": [
                [{ "type": "action", "name": "send_email" }],
                [{ "type": "action", "name": "send_slack" }],
                [{ "type": "action", "name": "send_sms" }]
            ] },
            { "type": "action", "name": "mark_notified" }
        ],
        "config": { "alertEmail": "oncall@company.com", "slackChannel": "#alerts", "phoneNumber": "+1234567890" },
        "isEnabled": true })")).isEmpty());
    VERIFY_OK(engine->start());
    const QString runId = emitOne(*engine, signalOf(S("alert.triggered"), S("workspace_1")));
    QVERIFY(!runId.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, runId), S("completed"), 5000);
    QCOMPARE(stepSetOf(*engine, runId), S("mark_notified:completed notify_all:completed send_email:completed "
                                          "send_slack:completed send_sms:completed"));
    const auto run = engine->getRun(runId);
    VERIFY_OK(run);
    QCOMPARE(js(at(run->context, "send_email")), S(R"({"to":"oncall@company.com"})"));
    QCOMPARE(js(at(run->context, "send_slack")), S(R"({"channel":"#alerts"})"));
    QCOMPARE(js(at(run->context, "send_sms")), S(R"({"to":"+1234567890"})"));
    QCOMPARE(js(at(run->context, "mark_notified")), S(R"({"channels":["send_email","send_slack","send_sms"]})"));
}

void TestEngine::readmeCronDailyCleanup()
{
    Engine *engine = newEngine(quick());
    Behaviour cleanup;
    cleanup.result = [](const StepContext &) { return Json { { "deleted", 42 } }; };
    CALL(addAction(*engine, S("cleanup_old_records"), cleanup));
    Behaviour report;
    report.result = [](const StepContext &ctx) {
        return Json { { "reported", intAt(at(ctx.run.context, "cleanup_old_records"), "deleted") },
                      { "scheduledFor", ctx.trigger.payload.value("scheduledFor", std::string()) } };
    };
    CALL(addAction(*engine, S("send_cleanup_report"), report));
    const QString id = createWf(*engine, J(R"({
        "tenantId": "workspace_1",
        "name": "Daily cleanup",
        "triggerType": "maintenance.cleanup",
        "steps": [
            { "type": "action", "name": "cleanup_old_records" },
            { "type": "action", "name": "send_cleanup_report" }
        ],
        "config": {},
        "isEnabled": true,
        "cronExpression": "0 2 * * *" })"));
    QVERIFY(!id.isEmpty());
    const auto stored = engine->getWorkflow(id);
    VERIFY_OK(stored);
    QCOMPARE(stored->cronExpression, std::optional<QString>(S("0 2 * * *")));
    VERIFY_OK(engine->start());

    // What the cron would emit at 02:00, emitted directly.
    TriggerInput input = signalOf(S("maintenance.cleanup"), S("workspace_1"));
    input.source = S("cron");
    input.resourceType = S("workflow");
    input.resourceId = id;
    input.payload = Json { { "scheduledFor", "2026-03-01T02:00:00.000Z" } };
    const QString runId = emitOne(*engine, input);
    QVERIFY(!runId.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, runId), S("completed"), 5000);
    QCOMPARE(stepsOf(*engine, runId), S("cleanup_old_records:completed send_cleanup_report:completed"));
    const auto run = engine->getRun(runId);
    VERIFY_OK(run);
    QCOMPARE(js(at(run->context, "cleanup_old_records")), S(R"({"deleted":42})"));
    QCOMPARE(js(at(run->context, "send_cleanup_report")), S(R"({"reported":42,"scheduledFor":"2026-03-01T02:00:00.000Z"})"));
}

QTEST_GUILESS_MAIN(TestEngine)

void TestEngine::sweepSettlesParallelLeftParkedByACrash()
{
    // The state a crash leaves between a branch's last commit and the settling of its
    // parallel step: the parent parked, every branch done. A new engine's sweep settles it.
    Engine *first = newEngine(quick(S("engine-a")));
    CALL(addAction(*first, S("x")));
    CALL(addAction(*first, S("y")));
    CALL(addAction(*first, S("after")));
    const QString definitionId = createWf(*first, workflowJson(S("go"), R"([
        {"type":"parallel","name":"p","branches":[[{"type":"action","name":"x"}],[{"type":"action","name":"y"}]]},
        {"type":"action","name":"after"}])"));
    QVERIFY(!definitionId.isEmpty());
    const Result<WorkflowDefinition> definition = first->getWorkflow(definitionId);
    VERIFY_OK(definition);
    destroyEngine(first);

    const QDateTime now = nowUtc();
    WorkflowRun run;
    run.id = newId(IdPrefix::Run, now);
    run.definitionId = definitionId;
    run.tenantId = definition->tenantId;
    TriggerEnvelope signal;
    static_cast<TriggerInput &>(signal) = signalOf(S("go"));
    signal.id = newId(IdPrefix::Trigger, now);
    signal.createdAt = now;
    VERIFY_OK(m_store->insertSignal(signal));
    run.triggerId = signal.id;
    run.status = RunStatus::Running;
    run.definitionSnapshot = definition.value();
    run.createdAt = run.updatedAt = run.startedAt = now;
    WorkflowStepRun parent;
    parent.id = newId(IdPrefix::StepRun, now);
    parent.runId = run.id;
    parent.tenantId = run.tenantId;
    parent.stepType = StepType::Parallel;
    parent.stepName = S("p");
    parent.status = StepStatus::Running; // parked: running without a lease
    parent.attempt = 1;
    parent.createdAt = parent.startedAt = now;
    std::vector<WorkflowStepRun> rows { parent };
    for (int b = 0; b < 2; ++b) {
        WorkflowStepRun child;
        child.id = newId(IdPrefix::StepRun, now);
        child.runId = run.id;
        child.tenantId = run.tenantId;
        child.stepName = b == 0 ? S("x") : S("y");
        child.status = StepStatus::Completed;
        child.attempt = 1;
        child.branchIndex = b;
        child.parentStepRunId = parent.id;
        child.createdAt = child.startedAt = child.completedAt = now;
        rows.push_back(child);
    }
    VERIFY_OK(m_store->createRun(run, rows));

    Engine *second = newEngine(quick(S("engine-b")));
    CALL(addAction(*second, S("x")));
    CALL(addAction(*second, S("y")));
    CALL(addAction(*second, S("after")));
    VERIFY_OK(second->start());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*second, run.id), S("completed"), 10000);
    QCOMPARE(calls(S("after")), 1);
    QCOMPARE(calls(S("x")), 0); // the branches' results stand: nothing ran twice
    QCOMPARE(toString(stepNamed(*second, run.id, S("p"))->status), S("completed"));
}

void TestEngine::defaultWorkflowsRunWithBuiltins()
{
    // The seeded workflows, with the real built-ins: a missed heartbeat opens an incident
    // and notifies once (a further miss finds the incident open and stays quiet); a reported
    // failure opens its own incident and says what failed; the recovery resolves both.
    EngineOptions options = quick(S("engine-defaults"));
    options.seedDefaults = true;
    options.builtins = true;
    Engine *engine = newEngine(options);
    QSignalSpy notifications(engine, &Engine::notificationRequested);
    VERIFY_OK(engine->start());
    IncidentFilter open;
    open.status = IncidentStatus::Open;
    auto openIncidents = [&] {
        Result<Page<Incident>> incidents = m_store->listIncidents(open, PageRequest {});
        return incidents ? incidents->items : std::vector<Incident>();
    };

    TriggerInput missed;
    missed.tenantId = S("default");
    missed.source = S("heartbeat");
    missed.type = S("heartbeat.missed");
    missed.resourceType = S("agent");
    missed.resourceId = S("web-01");
    missed.payload = Json { { "lastSeenAt", "2026-11-26T09:00:00.000Z" }, { "intervalSecs", 60 }, { "graceSecs", 60 },
                            { "misses", 1 } };
    QString missedRun;
    CALL(runToCompletion(*engine, missed, missedRun));
    QCOMPARE(int(openIncidents().size()), 1);
    QCOMPARE(openIncidents().front().resourceId, S("web-01"));
    QCOMPARE(openIncidents().front().title, S("web-01 missed its heartbeat"));
    QTRY_COMPARE_WITH_TIMEOUT(notifications.size(), 1, 5000);
    QCOMPARE(notifications.at(0).at(0).toString(), S("web-01 is down"));

    missed.payload["misses"] = 2;
    QString againRun;
    CALL(runToCompletion(*engine, missed, againRun));
    QCOMPARE(toString(stepNamed(*engine, againRun, S("notify"))->status), S("skipped"));
    QCOMPARE(notifications.size(), 1);
    QCOMPARE(int(openIncidents().size()), 1);

    TriggerInput failed = missed;
    failed.type = S("heartbeat.failed");
    failed.payload = Json { { "exitCode", 2 }, { "message", "error: disk full" }, { "summary", "exit code 2: error: disk full" } };
    QString failedRun;
    CALL(runToCompletion(*engine, failed, failedRun));
    QCOMPARE(int(openIncidents().size()), 2);
    QTRY_COMPARE_WITH_TIMEOUT(notifications.size(), 2, 5000);
    QCOMPARE(notifications.at(1).at(0).toString(), S("web-01 failed"));
    QCOMPARE(notifications.at(1).at(1).toString(), S("exit code 2: error: disk full"));

    TriggerInput recovered = missed;
    recovered.type = S("heartbeat.recovered");
    recovered.payload = Json { { "downSince", "2026-11-26T09:02:00.000Z" }, { "downForMs", 120000 }, { "downFor", "2 min 00 s" } };
    QString recoveredRun;
    CALL(runToCompletion(*engine, recovered, recoveredRun));
    QCOMPARE(int(openIncidents().size()), 0);
    QTRY_COMPARE_WITH_TIMEOUT(notifications.size(), 3, 5000);
    QCOMPARE(notifications.at(2).at(0).toString(), S("web-01 recovered"));
    QCOMPARE(notifications.at(2).at(1).toString(), S("Down for 2 min 00 s"));
}

void TestEngine::stepOfAFinishedRunStartsNothing()
{
    // A due step whose run already ended (claimed in a race with cancel) is skipped, and
    // nothing follows it: no next step row, no run move.
    Engine *engine = newEngine(quick(S("engine-a")));
    CALL(addAction(*engine, S("a")));
    CALL(addAction(*engine, S("b")));
    const QString definitionId = createWf(*engine, workflowJson(S("go"), R"([
        {"type":"action","name":"a"},{"type":"action","name":"b"}])"));
    QVERIFY(!definitionId.isEmpty());
    const Result<WorkflowDefinition> definition = engine->getWorkflow(definitionId);
    VERIFY_OK(definition);

    const QDateTime now = nowUtc();
    TriggerEnvelope signal;
    static_cast<TriggerInput &>(signal) = signalOf(S("go"));
    signal.id = newId(IdPrefix::Trigger, now);
    signal.createdAt = now;
    VERIFY_OK(m_store->insertSignal(signal));
    WorkflowRun run;
    run.id = newId(IdPrefix::Run, now);
    run.definitionId = definitionId;
    run.tenantId = definition->tenantId;
    run.triggerId = signal.id;
    run.status = RunStatus::Canceled;
    run.cancelReason = S("by the test");
    run.definitionSnapshot = definition.value();
    run.createdAt = run.updatedAt = run.startedAt = run.canceledAt = now;
    WorkflowStepRun left;
    left.id = newId(IdPrefix::StepRun, now);
    left.runId = run.id;
    left.tenantId = run.tenantId;
    left.stepName = S("a");
    left.status = StepStatus::Pending;
    left.scheduledFor = left.createdAt = now;
    VERIFY_OK(m_store->createRun(run, { left }));

    VERIFY_OK(engine->start());
    QTRY_COMPARE_WITH_TIMEOUT(stepsOf(*engine, run.id), S("a:skipped"), 5000);
    QVERIFY(holdsFor([&] { return stepsOf(*engine, run.id) == S("a:skipped"); }, 300));
    QCOMPARE(statusOf(*engine, run.id), S("canceled"));
    QCOMPARE(calls(S("a")), 0);
    QCOMPARE(calls(S("b")), 0);
}

#include "tst_engine.moc"
