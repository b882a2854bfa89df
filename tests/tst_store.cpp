// SPDX-License-Identifier: GPL-3.0-or-later
// The Store contract suite. Written once against engine/store/store.h and run twice by
// ctest: VIGIL_TEST_BACKEND=sqlite (a fresh database file per test) and
// VIGIL_TEST_BACKEND=postgres (VIGIL_TEST_PG_URL; a fresh random table prefix per test,
// since the database is shared). The PostgreSQL run fails, never skips, when it has no
// server: a silently skipped backend is how a broken PostgresStore would ship.

#include "core/ids.h"
#include "core/isotime.h"
#include "store/store.h"

#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QThread>
#include <QUrl>
#include "support/testsupport.h"

#include <QtTest>

#include <algorithm>
#include <latch>
#include <mutex>

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
QString randomPrefix() { return test::randomPrefix(QLatin1Char('t')); }

// Printable forms, so that QCOMPARE shows both sides of a mismatch.
QString show(const std::optional<QString> &v) { return v ? S("\"") + *v + S("\"") : S("<nullopt>"); }
QString show(const std::optional<int> &v) { return v ? QString::number(*v) : S("<nullopt>"); }
QString show(const std::optional<qint64> &v) { return v ? QString::number(*v) : S("<nullopt>"); }
QString show(const Json &json) { return dumpJsonString(json); }
QString show(const QDateTime &time) { return time.isValid() ? toIsoUtc(time) : S("<invalid>"); }
QString show(const std::optional<QDateTime> &time) { return time ? show(*time) : S("<nullopt>"); }

} // namespace


namespace {

// ---- factories ----------------------------------------------------------------------

// nowUtc(), but strictly increasing from call to call: ids are time-ordered, so factories
// that use it create rows whose creation order is also their id order.
QDateTime tick()
{
    static std::mutex mutex;
    static qint64 last = 0;
    std::lock_guard lock(mutex);
    last = std::max(last + 1, nowUtc().toMSecsSinceEpoch());
    return fromMsecs(last);
}

Json objectWith(const char *key, Json value)
{
    Json out = Json::object();
    out[key] = std::move(value);
    return out;
}

WorkflowStep actionStep(const QString &name)
{
    WorkflowStep step;
    step.type = StepType::Action;
    step.name = name;
    return step;
}

// Every step field and every step type, nested branches included.
std::vector<WorkflowStep> fullSteps()
{
    WorkflowStep check;
    check.type = StepType::Condition;
    check.name = S("still down?");
    check.config = objectWith("expression", "trigger.payload.misses > 2");
    check.onFalse = OnFalse { OnFalse::Kind::SkipSteps, 2 };

    WorkflowStep page = actionStep(S("page"));
    page.handler = S("http.post");
    page.config = objectWith("url", "https://example.invalid/page");
    page.timeoutMs = 30000;
    page.retryPolicy = RetryPolicy { 3, 2000 };

    WorkflowStep wait;
    wait.type = StepType::Delay;
    wait.name = S("wait");
    wait.delayMs = 5000;

    WorkflowStep fanOut;
    fanOut.type = StepType::Parallel;
    fanOut.name = S("fan out");
    WorkflowStep slack = actionStep(S("slack"));
    slack.onFalse = OnFalse { OnFalse::Kind::Skip, 1 };
    fanOut.branches = { { slack, actionStep(S("email")) }, { actionStep(S("ticket")) } };

    return { check, page, wait, fanOut };
}

WorkflowDefinition makeDefinition(const QString &tenant = S("tenant_a"),
                                  const QString &triggerType = S("heartbeat.missed"))
{
    WorkflowDefinition d;
    d.id = newId(IdPrefix::Definition);
    d.tenantId = tenant;
    d.name = S("Page on-call");
    d.description = S("pages whoever is on call");
    d.triggerType = triggerType;
    d.environmentFilter = S("production");
    d.resourceTypeFilter = S("agent");
    d.steps = fullSteps();
    d.config = objectWith("severity", "high");
    d.config["n"] = 3;
    d.isEnabled = true;
    d.cronExpression = S("*/5 * * * *");
    d.cronTimezone = S("Europe/Zurich");
    d.version = 1;
    d.createdAt = nowUtc();
    d.updatedAt = d.createdAt;
    return d;
}

// Only the required fields: every optional one absent.
WorkflowDefinition minimalDefinition(const QString &tenant = S("tenant_a"),
                                     const QString &triggerType = S("heartbeat.missed"))
{
    WorkflowDefinition d;
    d.id = newId(IdPrefix::Definition);
    d.tenantId = tenant;
    d.name = S("minimal");
    d.triggerType = triggerType;
    d.steps = { actionStep(S("only")) };
    d.createdAt = nowUtc();
    d.updatedAt = d.createdAt;
    return d;
}

WorkflowRun makeRun(const WorkflowDefinition &definition, RunStatus status = RunStatus::Pending)
{
    WorkflowRun run;
    const QDateTime at = tick();
    run.id = newId(IdPrefix::Run, at);
    run.definitionId = definition.id;
    run.tenantId = definition.tenantId;
    run.triggerId = newId(IdPrefix::Trigger);
    run.status = status;
    run.context = objectWith("trigger", objectWith("misses", 3));
    run.currentStepIndex = 0;
    run.definitionSnapshot = definition;
    run.createdAt = at;
    run.updatedAt = run.createdAt;
    return run;
}

WorkflowStepRun makeStep(const WorkflowRun &run, int index, StepStatus status = StepStatus::Pending,
                         const QDateTime &scheduledFor = {})
{
    WorkflowStepRun step;
    const QDateTime at = tick();
    step.id = newId(IdPrefix::StepRun, at);
    step.runId = run.id;
    step.tenantId = run.tenantId;
    step.stepIndex = index;
    step.stepType = StepType::Action;
    step.stepName = S("step ") + QString::number(index);
    step.status = status;
    step.scheduledFor = scheduledFor;
    step.createdAt = at;
    return step;
}

TriggerEnvelope makeSignal(const QString &tenant = S("tenant_a"), const QString &type = S("heartbeat.missed"),
                           const QString &resourceId = S("agent-1"), const QDateTime &at = tick())
{
    TriggerEnvelope e;
    e.id = newId(IdPrefix::Trigger, at);
    e.createdAt = at;
    e.tenantId = tenant;
    e.source = S("vigil.heartbeat");
    e.type = type;
    e.resourceType = S("agent");
    e.resourceId = resourceId;
    e.environment = S("production");
    e.payload = objectWith("misses", 3);
    e.payload["name"] = "db-1";
    return e;
}

Agent makeAgent(const QString &id, const QString &tenant = S("tenant_a"))
{
    Agent a;
    a.id = id;
    a.tenantId = tenant;
    a.environment = S("production");
    a.tags = { S("linux"), S("db") };
    a.intervalSecs = 30;
    a.graceSecs = 10;
    a.hmacKey = S("s3cret-key");
    a.schedule = S("0 3 * * *");
    a.timezone = S("Europe/Zurich");
    a.state = AgentState::New;
    a.createdAt = nowUtc();
    a.updatedAt = a.createdAt;
    return a;
}

Heartbeat makeHeartbeat(const QString &agentId, const QDateTime &at)
{
    Heartbeat h;
    h.agentId = agentId;
    h.receivedAt = at;
    h.kind = HeartbeatKind::Exit;
    h.exitCode = 3;
    h.message = S("backup failed");
    h.stats = objectWith("cpu", 0.5);
    h.sourceAddress = S("10.0.0.7");
    h.rid = S("rid-1");
    h.durationMs = 1234;
    return h;
}

Incident makeIncident(const std::optional<QString> &definitionId, const QString &resourceId,
                      const QString &tenant = S("tenant_a"))
{
    Incident i;
    i.id = newId(IdPrefix::Incident);
    i.tenantId = tenant;
    i.definitionId = definitionId;
    i.runId = newId(IdPrefix::Run);
    i.resourceType = S("agent");
    i.resourceId = resourceId;
    i.title = S("Agent down");
    i.severity = S("high");
    i.status = IncidentStatus::Open;
    i.details = objectWith("misses", 3);
    i.openedAt = nowUtc();
    i.updatedAt = i.openedAt;
    return i;
}

// ---- field-by-field comparisons (QCOMPARE inside: call through CALL) ------------------

void sameSteps(const std::vector<WorkflowStep> &actual, const std::vector<WorkflowStep> &expected)
{
    QCOMPARE(actual.size(), expected.size());
    for (size_t i = 0; i < actual.size(); ++i)
        QCOMPARE(show(toJson(actual[i])), show(toJson(expected[i])));
}

void sameDefinition(const WorkflowDefinition &a, const WorkflowDefinition &e, bool withMeta = true)
{
    QCOMPARE(a.id, e.id);
    QCOMPARE(a.tenantId, e.tenantId);
    QCOMPARE(a.name, e.name);
    QCOMPARE(show(a.description), show(e.description));
    QCOMPARE(a.triggerType, e.triggerType);
    QCOMPARE(show(a.environmentFilter), show(e.environmentFilter));
    QCOMPARE(show(a.resourceTypeFilter), show(e.resourceTypeFilter));
    CALL(sameSteps(a.steps, e.steps));
    QCOMPARE(show(a.config), show(e.config));
    QCOMPARE(a.isEnabled, e.isEnabled);
    QCOMPARE(show(a.cronExpression), show(e.cronExpression));
    QCOMPARE(show(a.cronTimezone), show(e.cronTimezone));
    if (withMeta) {
        QCOMPARE(a.version, e.version);
        QCOMPARE(show(a.createdAt), show(e.createdAt));
        QCOMPARE(show(a.updatedAt), show(e.updatedAt));
    }
}

void sameSignal(const TriggerEnvelope &a, const TriggerEnvelope &e)
{
    QCOMPARE(a.id, e.id);
    QCOMPARE(show(a.createdAt), show(e.createdAt));
    QCOMPARE(a.tenantId, e.tenantId);
    QCOMPARE(a.source, e.source);
    QCOMPARE(a.type, e.type);
    QCOMPARE(show(a.resourceType), show(e.resourceType));
    QCOMPARE(show(a.resourceId), show(e.resourceId));
    QCOMPARE(show(a.environment), show(e.environment));
    QCOMPARE(show(a.payload), show(e.payload));
    QCOMPARE(show(a.dedupKey), show(e.dedupKey));
}

void sameRun(const WorkflowRun &a, const WorkflowRun &e)
{
    QCOMPARE(a.id, e.id);
    QCOMPARE(a.definitionId, e.definitionId);
    QCOMPARE(a.tenantId, e.tenantId);
    QCOMPARE(a.triggerId, e.triggerId);
    QCOMPARE(toString(a.status), toString(e.status));
    QCOMPARE(show(a.context), show(e.context));
    QCOMPARE(a.currentStepIndex, e.currentStepIndex);
    QCOMPARE(a.isReplay, e.isReplay);
    QCOMPARE(a.isDryRun, e.isDryRun);
    CALL(sameDefinition(a.definitionSnapshot, e.definitionSnapshot));
    QCOMPARE(show(a.startedAt), show(e.startedAt));
    QCOMPARE(show(a.completedAt), show(e.completedAt));
    QCOMPARE(show(a.failedAt), show(e.failedAt));
    QCOMPARE(show(a.canceledAt), show(e.canceledAt));
    QCOMPARE(show(a.cancelReason), show(e.cancelReason));
    QCOMPARE(show(a.createdAt), show(e.createdAt));
    QCOMPARE(show(a.updatedAt), show(e.updatedAt));
}

void sameStep(const WorkflowStepRun &a, const WorkflowStepRun &e)
{
    QCOMPARE(a.id, e.id);
    QCOMPARE(a.runId, e.runId);
    QCOMPARE(a.tenantId, e.tenantId);
    QCOMPARE(a.stepIndex, e.stepIndex);
    QCOMPARE(toString(a.stepType), toString(e.stepType));
    QCOMPARE(a.stepName, e.stepName);
    QCOMPARE(toString(a.status), toString(e.status));
    QCOMPARE(show(a.scheduledFor), show(e.scheduledFor));
    QCOMPARE(show(a.startedAt), show(e.startedAt));
    QCOMPARE(show(a.completedAt), show(e.completedAt));
    QCOMPARE(show(a.result), show(e.result));
    QCOMPARE(show(a.errorMessage), show(e.errorMessage));
    QCOMPARE(show(a.branchIndex), show(e.branchIndex));
    QCOMPARE(show(a.parentStepRunId), show(e.parentStepRunId));
    QCOMPARE(show(a.createdAt), show(e.createdAt));
    QCOMPARE(a.attempt, e.attempt);
    QCOMPARE(a.attemptFloor, e.attemptFloor);
    QCOMPARE(show(a.leaseOwner), show(e.leaseOwner));
    QCOMPARE(show(a.leaseExpiresAt), show(e.leaseExpiresAt));
}

void sameAttempt(const StepAttempt &a, const StepAttempt &e)
{
    QCOMPARE(a.stepRunId, e.stepRunId);
    QCOMPARE(a.runId, e.runId);
    QCOMPARE(a.attempt, e.attempt);
    QCOMPARE(a.owner, e.owner);
    QCOMPARE(show(a.scheduledFor), show(e.scheduledFor));
    QCOMPARE(show(a.startedAt), show(e.startedAt));
    QCOMPARE(show(a.endedAt), show(e.endedAt));
    QCOMPARE(toString(a.status), toString(e.status));
    QCOMPARE(show(a.error), show(e.error));
}

void sameLog(const ExecutionLog &a, const ExecutionLog &e)
{
    QCOMPARE(a.id, e.id);
    QCOMPARE(a.runId, e.runId);
    QCOMPARE(show(a.stepRunId), show(e.stepRunId));
    QCOMPARE(a.tenantId, e.tenantId);
    QCOMPARE(toString(a.level), toString(e.level));
    QCOMPARE(a.message, e.message);
    QCOMPARE(show(a.data), show(e.data));
    QCOMPARE(show(a.createdAt), show(e.createdAt));
}

void sameAgentConfig(const Agent &a, const Agent &e)
{
    QCOMPARE(a.id, e.id);
    QCOMPARE(a.tenantId, e.tenantId);
    QCOMPARE(show(a.environment), show(e.environment));
    QCOMPARE(a.tags, e.tags);
    QCOMPARE(a.intervalSecs, e.intervalSecs);
    QCOMPARE(a.graceSecs, e.graceSecs);
    QCOMPARE(show(a.hmacKey), show(e.hmacKey));
    QCOMPARE(show(a.schedule), show(e.schedule));
    QCOMPARE(show(a.timezone), show(e.timezone));
}

void sameAgentState(const Agent &a, const Agent &e)
{
    QCOMPARE(toString(a.state), toString(e.state));
    QCOMPARE(show(a.lastSeenAt), show(e.lastSeenAt));
    QCOMPARE(a.misses, e.misses);
    QCOMPARE(show(a.lastStats), show(e.lastStats));
    QCOMPARE(show(a.stateChangedAt), show(e.stateChangedAt));
}

void sameAgent(const Agent &a, const Agent &e)
{
    CALL(sameAgentConfig(a, e));
    CALL(sameAgentState(a, e));
    QCOMPARE(show(a.createdAt), show(e.createdAt));
}

// Heartbeat ids are assigned by the store: everything else must match.
void sameHeartbeat(const Heartbeat &a, const Heartbeat &e)
{
    QCOMPARE(a.agentId, e.agentId);
    QCOMPARE(show(a.receivedAt), show(e.receivedAt));
    QCOMPARE(toString(a.kind), toString(e.kind));
    QCOMPARE(show(a.exitCode), show(e.exitCode));
    QCOMPARE(show(a.message), show(e.message));
    QCOMPARE(show(a.stats), show(e.stats));
    QCOMPARE(show(a.sourceAddress), show(e.sourceAddress));
    QCOMPARE(show(a.rid), show(e.rid));
    QCOMPARE(show(a.durationMs), show(e.durationMs));
}

void sameIncident(const Incident &a, const Incident &e)
{
    QCOMPARE(a.id, e.id);
    QCOMPARE(a.tenantId, e.tenantId);
    QCOMPARE(show(a.definitionId), show(e.definitionId));
    QCOMPARE(show(a.runId), show(e.runId));
    QCOMPARE(a.resourceType, e.resourceType);
    QCOMPARE(a.resourceId, e.resourceId);
    QCOMPARE(a.title, e.title);
    QCOMPARE(a.severity, e.severity);
    QCOMPARE(toString(a.status), toString(e.status));
    QCOMPARE(show(a.details), show(e.details));
    QCOMPARE(show(a.openedAt), show(e.openedAt));
    QCOMPARE(show(a.resolvedAt), show(e.resolvedAt));
    QCOMPARE(show(a.resolvedByRunId), show(e.resolvedByRunId));
}

// Follows nextCursor from the first page to the last; fails (and answers nullopt) on an
// error, an oversized page, a cursor on an empty page or a cursor that never ends.
template<typename T, typename Fetch>
std::optional<std::vector<T>> walkPages(Fetch fetch, int limit, int *pageCount = nullptr)
{
    std::vector<T> all;
    PageRequest request;
    request.limit = limit;
    int pages = 0;
    for (;;) {
        auto page = fetch(request);
        if (!page.ok()) {
            QTest::qFail(failText(page).constData(), __FILE__, __LINE__);
            return std::nullopt;
        }
        ++pages;
        if (int(page->items.size()) > limit) {
            QTest::qFail("a page holds more items than its limit", __FILE__, __LINE__);
            return std::nullopt;
        }
        all.insert(all.end(), page->items.begin(), page->items.end());
        if (page->nextCursor.isEmpty())
            break;
        if (page->items.empty() || pages > 10000) {
            QTest::qFail("nextCursor does not end", __FILE__, __LINE__);
            return std::nullopt;
        }
        request.cursor = page->nextCursor;
    }
    if (pageCount)
        *pageCount = pages;
    return all;
}

template<typename T>
QStringList idsOf(const std::vector<T> &items)
{
    QStringList ids;
    for (const T &item : items)
        ids << item.id;
    return ids;
}

QStringList sorted(QStringList list)
{
    list.sort();
    return list;
}

QStringList reversedSorted(QStringList list)
{
    list.sort();
    std::reverse(list.begin(), list.end());
    return list;
}

// A plain QtSql connection to the database under test, for what the Store interface cannot
// show (the tables that exist, killing the store's backend).
class RawDb
{
public:
    explicit RawDb(const QString &url) : m_name(S("raw_") + randomLower(12))
    {
        QSqlDatabase db;
        if (url.startsWith(S("sqlite://"))) {
            db = QSqlDatabase::addDatabase(S("QSQLITE"), m_name);
            db.setDatabaseName(url.mid(9));
        } else {
            const QUrl parsed(url);
            db = QSqlDatabase::addDatabase(S("QPSQL"), m_name);
            db.setHostName(parsed.host());
            db.setPort(parsed.port(5432));
            db.setUserName(parsed.userName());
            db.setPassword(parsed.password());
            db.setDatabaseName(parsed.path().mid(1));
        }
        if (!db.open()) {
            m_error = db.lastError().text();
        } else if (db.driverName() == S("QPSQL")) {
            QSqlQuery quiet(db);
            quiet.exec(S("SET client_min_messages = warning")); // no NOTICEs from DROP ... CASCADE
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
    QString error() const { return m_error; }
    // The first column of every row; nullopt (and error()) when the statement fails.
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

const QString kUnicode = S("Zürich ☃ 日本 🚀");

// 60 KiB of UTF-8, multi-byte characters and a surrogate pair included.
QString largeText()
{
    QString text;
    while (text.toUtf8().size() < 60 * 1024)
        text += kUnicode + S(" line ") + QString::number(text.size()) + S("\n");
    return text;
}

} // namespace

class TestStore : public QObject
{
    Q_OBJECT

private:
    Store &store() { return *m_store; }

    // A new database (SQLite: a new file; PostgreSQL: a new prefix), migrated. On failure
    // records a test failure and answers nullptr.
    std::unique_ptr<Store> openFresh()
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
        return openSame(m_prefix);
    }

    // Another store on the current database (this thread), with `prefix`, migrated.
    std::unique_ptr<Store> openSame(const QString &prefix)
    {
        if (prefix != m_prefix && !m_extraPrefixes.contains(prefix))
            m_extraPrefixes << prefix;
        StoreOptions options;
        options.url = m_url;
        options.tablePrefix = prefix;
        auto opened = openStore(options);
        if (!opened.ok()) {
            QTest::qFail(QByteArray("openStore(" + m_url.toUtf8() + "): " + failText(opened)).constData(), __FILE__,
                         __LINE__);
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

    // The tables of the database under test whose names start with `prefix`.
    std::optional<QStringList> rawTables(const QString &prefix)
    {
        RawDb raw(m_url);
        if (!raw.ok()) {
            QTest::qFail(qPrintable(S("raw connection: ") + raw.error()), __FILE__, __LINE__);
            return std::nullopt;
        }
        const auto names = raw.column(onPostgres()
                                          ? S("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
                                          : S("SELECT name FROM sqlite_master WHERE type = 'table'"));
        if (!names) {
            QTest::qFail(qPrintable(S("listing tables: ") + raw.error()), __FILE__, __LINE__);
            return std::nullopt;
        }
        QStringList out;
        for (const QString &name : *names) {
            if (name.startsWith(prefix))
                out << name;
        }
        out.sort();
        return out;
    }

    void dropTables(const QStringList &prefixes)
    {
        RawDb raw(m_url);
        if (!raw.ok())
            return;
        const auto names = raw.column(S("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"));
        if (!names)
            return;
        for (const QString &name : *names) {
            for (const QString &prefix : prefixes) {
                if (name.startsWith(prefix))
                    (void)raw.column(S("DROP TABLE IF EXISTS \"") + name + S("\" CASCADE"));
            }
        }
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_url;
    QString m_prefix;
    QStringList m_extraPrefixes;
    std::unique_ptr<Store> m_store;

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        // Migration notices for every fresh database would bury the failures.
        QLoggingCategory::setFilterRules(S("vigil.*.info=false"));
        const Result<test::TestBackend> chosen = test::chooseBackend();
        QVERIFY2(chosen.ok(), failText(chosen).constData());
        g_backend = chosen->backend;
        g_pgUrl = chosen->pgUrl;
        qInfo("backend: %s", onPostgres() ? "postgres" : "sqlite");
    }

    void init()
    {
        m_extraPrefixes.clear();
        m_store = openFresh();
        QVERIFY(m_store);
    }

    void cleanup()
    {
        m_store.reset();
        if (onPostgres() && !m_url.isEmpty())
            dropTables(QStringList { m_prefix } + m_extraPrefixes);
        m_dir.reset();
    }

    // ---- schema -----------------------------------------------------------------------

    void migrateTwiceKeepsData()
    {
        const auto version = store().schemaVersion();
        VERIFY_OK(version);
        QVERIFY(version.value() > 0);
        const TriggerEnvelope signal = makeSignal();
        VERIFY_OK(store().insertSignal(signal));

        VERIFY_OK(store().migrate());
        const auto again = store().schemaVersion();
        VERIFY_OK(again);
        QCOMPARE(again.value(), version.value());
        const auto stored = store().getSignal(signal.id);
        VERIFY_OK(stored);
        CALL(sameSignal(stored.value(), signal));

        // A new store on the same tables sees the schema as current and the data kept.
        std::unique_ptr<Store> second = openSame(m_prefix);
        QVERIFY(second);
        const auto secondVersion = second->schemaVersion();
        VERIFY_OK(secondVersion);
        QCOMPARE(secondVersion.value(), version.value());
        VERIFY_OK(second->getSignal(signal.id));
    }

    void schemaVersionBeforeMigrate()
    {
        StoreOptions options;
        options.url = m_url;
        options.tablePrefix = randomPrefix();
        m_extraPrefixes << options.tablePrefix;
        auto opened = openStore(options);
        VERIFY_OK(opened);
        std::unique_ptr<Store> fresh = std::move(opened).value();
        // openStore does not migrate: nothing of this prefix exists yet.
        const auto tables = rawTables(options.tablePrefix);
        QVERIFY(tables);
        QCOMPARE(tables->join(S(",")), QString());
        VERIFY_OK(fresh->migrate());
        const auto version = fresh->schemaVersion();
        VERIFY_OK(version);
        const auto current = store().schemaVersion();
        VERIFY_OK(current);
        QCOMPARE(version.value(), current.value());
    }

    void tableCountsListsEveryTable()
    {
        const auto counts = store().tableCounts();
        VERIFY_OK(counts);
        QVERIFY(!counts->empty());
        QStringList listed;
        for (const auto &[name, count] : counts.value()) {
            QVERIFY2(name.startsWith(m_prefix), qPrintable(name));
            QVERIFY(count >= 0);
            listed << name;
        }
        QCOMPARE(QSet<QString>(listed.begin(), listed.end()).size(), listed.size());
        const auto tables = rawTables(m_prefix);
        QVERIFY(tables);
        QCOMPARE(sorted(listed).join(S(",")), tables->join(S(",")));

        // Stable order, and the counts follow the data.
        qint64 before = 0;
        for (const auto &entry : counts.value())
            before += entry.second;
        VERIFY_OK(store().insertSignal(makeSignal()));
        const Agent agent = makeAgent(S("agent-1"));
        VERIFY_OK(store().upsertAgent(agent));
        VERIFY_OK(store().insertHeartbeats({ makeHeartbeat(agent.id, nowUtc()), makeHeartbeat(agent.id, nowUtc()) }));
        const auto after = store().tableCounts();
        VERIFY_OK(after);
        QStringList afterNames;
        qint64 total = 0;
        for (const auto &entry : after.value()) {
            afterNames << entry.first;
            total += entry.second;
        }
        QCOMPARE(afterNames, listed);
        QCOMPARE(total, before + 4);
    }

    void prefixesAreIsolated()
    {
        const QString otherPrefix = randomPrefix();
        std::unique_ptr<Store> other = openSame(otherPrefix);
        QVERIFY(other);
        QCOMPARE(other->tablePrefix(), otherPrefix);
        QCOMPARE(store().tablePrefix(), m_prefix);

        const TriggerEnvelope mine = makeSignal();
        VERIFY_OK(store().insertSignal(mine));
        const TriggerEnvelope theirs = makeSignal();
        VERIFY_OK(other->insertSignal(theirs));
        VERIFY_OK(other->upsertAgent(makeAgent(S("theirs"))));

        VERIFY_ERROR(other->getSignal(mine.id), ErrorCode::NotFound);
        VERIFY_ERROR(store().getSignal(theirs.id), ErrorCode::NotFound);
        VERIFY_ERROR(store().getAgent(S("theirs")), ErrorCode::NotFound);
        const auto mineList = store().listSignals({}, {});
        VERIFY_OK(mineList);
        QCOMPARE(idsOf(mineList->items), QStringList { mine.id });
        const auto theirList = other->listSignals({}, {});
        VERIFY_OK(theirList);
        QCOMPARE(idsOf(theirList->items), QStringList { theirs.id });

        const auto counts = other->tableCounts();
        VERIFY_OK(counts);
        for (const auto &entry : counts.value())
            QVERIFY2(entry.first.startsWith(otherPrefix), qPrintable(entry.first));
    }

    void transactionCommitsOrRollsBack()
    {
        const TriggerEnvelope kept = makeSignal();
        const TriggerEnvelope dropped = makeSignal();
        VERIFY_OK(store().transaction([&]() -> Status { return store().insertSignal(kept).ok() ? Status() : makeError(ErrorCode::Internal, S("insert")); }));
        const Status failed = store().transaction([&]() -> Status {
            if (!store().insertSignal(dropped).ok())
                return makeError(ErrorCode::Internal, S("insert failed inside the transaction"));
            return makeError(ErrorCode::Conflict, S("the body asks for a rollback"));
        });
        QVERIFY(!failed.ok());
        VERIFY_OK(store().getSignal(kept.id));
        VERIFY_ERROR(store().getSignal(dropped.id), ErrorCode::NotFound);
        // The store is usable after a rollback.
        VERIFY_OK(store().insertSignal(makeSignal()));
    }

    void describeHidesPassword()
    {
        QCOMPARE(store().backend(), g_backend);
        QCOMPARE(store().tablePrefix(), m_prefix);
        const QString description = store().describe();
        QVERIFY(!description.isEmpty());
        const QString password = QUrl(m_url).password();
        if (!password.isEmpty())
            QVERIFY2(!description.contains(password), qPrintable(description));
        if (onPostgres())
            QVERIFY2(description.contains(QUrl(m_url).host()), qPrintable(description));
        else
            QVERIFY2(description.contains(S("vigil.db")), qPrintable(description));
    }

    // ---- openStore --------------------------------------------------------------------

    void openStoreRejectsMalformed_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("prefix");
        const QString current = S("<current>");
        QTest::newRow("empty url") << QString() << S("vigil_");
        QTest::newRow("mysql") << S("mysql://x") << S("vigil_");
        QTest::newRow("postgres without host") << S("postgres://") << S("vigil_");
        QTest::newRow("sqlite without path") << S("sqlite://") << S("vigil_");
        QTest::newRow("no scheme") << S("vigil.db") << S("vigil_");
        QTest::newRow("prefix starts with a digit") << current << S("1abc");
        QTest::newRow("prefix with a dash") << current << S("a-b");
        QTest::newRow("prefix with sql") << current << S("x; drop");
        QTest::newRow("prefix with a quote") << current << S("a\"b");
        QTest::newRow("empty prefix") << current << QString();
        QTest::newRow("prefix of 32 characters") << current << QString(32, QLatin1Char('a'));
        QTest::newRow("non-ascii prefix") << current << S("ü_");
    }

    void openStoreRejectsMalformed()
    {
        QFETCH(QString, url);
        QFETCH(QString, prefix);
        StoreOptions options;
        options.url = url == S("<current>") ? m_url : url;
        options.tablePrefix = prefix;
        const auto opened = openStore(options);
        VERIFY_ERROR(opened, ErrorCode::Invalid);
        QVERIFY(!opened.error().message.isEmpty());
    }

    void openStoreAcceptsLongestPrefix()
    {
        // The other edge of [A-Za-z_][A-Za-z0-9_]{0,30}: 31 characters, leading underscore.
        StoreOptions options;
        options.url = m_url;
        options.tablePrefix = S("_") + QString(29, QLatin1Char('b')) + S("9");
        QCOMPARE(options.tablePrefix.size(), 31);
        m_extraPrefixes << options.tablePrefix;
        const auto opened = openStore(options);
        VERIFY_OK(opened);
    }

    void openStoreUnreachableIsUnavailable()
    {
        StoreOptions options;
        options.url = S("postgres://vigil:secret@127.0.0.1:1/vigil");
        QElapsedTimer timer;
        timer.start();
        const auto opened = openStore(options);
        const qint64 elapsed = timer.elapsed();
        VERIFY_ERROR(opened, ErrorCode::Unavailable);
        QVERIFY2(elapsed < 10000, qPrintable(QString::number(elapsed) + S(" ms")));
    }

    // ---- round trips ------------------------------------------------------------------

    void signalRoundTrip()
    {
        TriggerEnvelope full = makeSignal();
        full.dedupKey = S("dedup-1");
        TriggerEnvelope minimal;
        minimal.id = newId(IdPrefix::Trigger);
        minimal.createdAt = nowUtc();
        minimal.tenantId = S("tenant_a");
        minimal.source = S("api");
        minimal.type = S("custom.event");
        for (const TriggerEnvelope &signal : { full, minimal }) {
            const auto inserted = store().insertSignal(signal);
            VERIFY_OK(inserted);
            QVERIFY(inserted->inserted);
            CALL(sameSignal(inserted->envelope, signal));
            const auto stored = store().getSignal(signal.id);
            VERIFY_OK(stored);
            CALL(sameSignal(stored.value(), signal));
        }
        const auto listed = store().listSignals({}, {});
        VERIFY_OK(listed);
        QCOMPARE(listed->items.size(), size_t(2));
        for (const TriggerEnvelope &item : listed->items)
            CALL(sameSignal(item, item.id == full.id ? full : minimal));
    }

    void definitionRoundTrip()
    {
        const WorkflowDefinition full = makeDefinition();
        const WorkflowDefinition minimal = minimalDefinition();
        for (const WorkflowDefinition &definition : { full, minimal }) {
            VERIFY_OK(store().createDefinition(definition));
            const auto stored = store().getDefinition(definition.id);
            VERIFY_OK(stored);
            CALL(sameDefinition(stored.value(), definition));
        }
        // Version is stored as given.
        WorkflowDefinition seventh = minimalDefinition();
        seventh.version = 7;
        VERIFY_OK(store().createDefinition(seventh));
        const auto stored = store().getDefinition(seventh.id);
        VERIFY_OK(stored);
        QCOMPARE(stored->version, 7);
        const auto listed = store().listDefinitions({}, {});
        VERIFY_OK(listed);
        QCOMPARE(sorted(idsOf(listed->items)), sorted({ full.id, minimal.id, seventh.id }));
        for (const WorkflowDefinition &item : listed->items) {
            if (item.id == full.id)
                CALL(sameDefinition(item, full));
        }
    }

    void runAndStepRoundTrip()
    {
        const WorkflowDefinition definition = makeDefinition();
        WorkflowRun full = makeRun(definition, RunStatus::Canceled);
        full.isReplay = true;
        full.isDryRun = true;
        full.currentStepIndex = 3;
        full.startedAt = nowUtc().addSecs(-60);
        full.completedAt = nowUtc().addSecs(-50);
        full.failedAt = nowUtc().addSecs(-40);
        full.canceledAt = nowUtc().addSecs(-30);
        full.cancelReason = S("operator pressed stop");

        WorkflowStepRun parent = makeStep(full, 3, StepStatus::Running, nowUtc().addSecs(-20));
        parent.stepType = StepType::Parallel;
        parent.startedAt = nowUtc().addSecs(-19);
        parent.attempt = 2;
        parent.attemptFloor = 1;
        parent.leaseOwner = S("worker-7");
        parent.leaseExpiresAt = nowUtc().addSecs(600);
        WorkflowStepRun child = makeStep(full, 3, StepStatus::Failed, nowUtc().addSecs(-18));
        child.stepType = StepType::Delay;
        child.startedAt = nowUtc().addSecs(-17);
        child.completedAt = nowUtc().addSecs(-16);
        child.result = objectWith("status", 503);
        child.errorMessage = S("HTTP 503");
        child.branchIndex = 1;
        child.parentStepRunId = parent.id;
        child.attempt = 1;
        VERIFY_OK(store().createRun(full, { parent, child }));

        const WorkflowDefinition minimalDef = minimalDefinition();
        const WorkflowRun minimal = makeRun(minimalDef);
        VERIFY_OK(store().createRun(minimal, {}));

        for (const WorkflowRun &run : { full, minimal }) {
            const auto stored = store().getRun(run.id);
            VERIFY_OK(stored);
            CALL(sameRun(stored.value(), run));
        }
        for (const WorkflowStepRun &step : { parent, child }) {
            const auto stored = store().getStepRun(step.id);
            VERIFY_OK(stored);
            CALL(sameStep(stored.value(), step));
        }
        const auto steps = store().getRunSteps(full.id);
        VERIFY_OK(steps);
        QCOMPARE(idsOf(steps.value()), QStringList({ parent.id, child.id }));
        const auto none = store().getRunSteps(minimal.id);
        VERIFY_OK(none);
        QVERIFY(none->empty());
    }

    void logRoundTrip()
    {
        const WorkflowDefinition definition = makeDefinition();
        const WorkflowRun run = makeRun(definition);
        const WorkflowStepRun step = makeStep(run, 0);
        VERIFY_OK(store().createRun(run, { step }));
        ExecutionLog full;
        full.id = newId(IdPrefix::Log);
        full.runId = run.id;
        full.stepRunId = step.id;
        full.tenantId = run.tenantId;
        full.level = LogLevel::Error;
        full.message = S("handler failed");
        full.data = objectWith("status", 500);
        full.createdAt = nowUtc();
        ExecutionLog minimal;
        minimal.id = newId(IdPrefix::Log, full.createdAt.addMSecs(1));
        minimal.runId = run.id;
        minimal.tenantId = run.tenantId;
        minimal.level = LogLevel::Warn;
        minimal.message = S("m");
        minimal.createdAt = full.createdAt.addMSecs(1);
        VERIFY_OK(store().appendLogs({ full, minimal }));
        const auto logs = store().getRunLogs(run.id);
        VERIFY_OK(logs);
        QCOMPARE(logs->size(), size_t(2));
        CALL(sameLog(logs->at(0), full));
        CALL(sameLog(logs->at(1), minimal));
    }

    void agentRoundTrip()
    {
        Agent full = makeAgent(S("agent-full"));
        full.state = AgentState::Late;
        full.lastSeenAt = nowUtc().addSecs(-90);
        full.misses = 2;
        full.lastStats = objectWith("load", 1.5);
        full.stateChangedAt = nowUtc().addSecs(-30);
        Agent minimal;
        minimal.id = S("agent-minimal");
        minimal.createdAt = nowUtc();
        minimal.updatedAt = minimal.createdAt;
        for (const Agent &agent : { full, minimal }) {
            const auto upserted = store().upsertAgent(agent);
            VERIFY_OK(upserted);
            CALL(sameAgentConfig(upserted.value(), agent));
            CALL(sameAgentState(upserted.value(), agent));
            const auto stored = store().getAgent(agent.id);
            VERIFY_OK(stored);
            CALL(sameAgentConfig(stored.value(), agent));
            CALL(sameAgentState(stored.value(), agent));
            QVERIFY(stored->createdAt.isValid());
            QVERIFY(stored->updatedAt.isValid());
        }
        const auto all = store().allAgents();
        VERIFY_OK(all);
        QCOMPARE(sorted(idsOf(all.value())), QStringList({ S("agent-full"), S("agent-minimal") }));
        for (const Agent &agent : all.value())
            CALL(sameAgentConfig(agent, agent.id == full.id ? full : minimal));
    }

    void heartbeatRoundTrip()
    {
        VERIFY_OK(store().upsertAgent(makeAgent(S("agent-1"))));
        const QDateTime t0 = nowUtc();
        const Heartbeat full = makeHeartbeat(S("agent-1"), t0);
        Heartbeat minimal;
        minimal.agentId = S("agent-1");
        minimal.receivedAt = t0.addMSecs(1);
        VERIFY_OK(store().insertHeartbeats({ full, minimal }));
        const auto listed = store().listHeartbeats(S("agent-1"), {});
        VERIFY_OK(listed);
        QCOMPARE(listed->items.size(), size_t(2));
        CALL(sameHeartbeat(listed->items.at(0), minimal));
        CALL(sameHeartbeat(listed->items.at(1), full));
        QVERIFY(listed->items.at(0).id > 0);
        QVERIFY(listed->items.at(1).id > 0);
        QVERIFY(listed->items.at(0).id != listed->items.at(1).id);
    }

    void incidentRoundTrip()
    {
        const Incident full = makeIncident(newId(IdPrefix::Definition), S("agent-1"));
        Incident minimal;
        minimal.id = newId(IdPrefix::Incident);
        minimal.tenantId = S("tenant_a");
        minimal.resourceType = S("agent");
        minimal.resourceId = S("agent-2");
        minimal.title = S("t");
        minimal.openedAt = nowUtc();
        minimal.updatedAt = minimal.openedAt;
        for (const Incident &incident : { full, minimal }) {
            const auto opened = store().openIncident(incident);
            VERIFY_OK(opened);
            QVERIFY(opened->created);
            CALL(sameIncident(opened->incident, incident));
            const auto stored = store().getIncident(incident.id);
            VERIFY_OK(stored);
            CALL(sameIncident(stored.value(), incident));
        }
    }

    void largeAndUnicodePayloads()
    {
        const QString big = largeText();
        QVERIFY(big.toUtf8().size() >= 60 * 1024);
        const Json bigJson = objectWith("text", toStd(big));

        TriggerEnvelope signal = makeSignal(kUnicode, kUnicode, kUnicode);
        signal.payload = bigJson;
        VERIFY_OK(store().insertSignal(signal));
        const auto storedSignal = store().getSignal(signal.id);
        VERIFY_OK(storedSignal);
        CALL(sameSignal(storedSignal.value(), signal));

        WorkflowDefinition definition = makeDefinition(kUnicode, kUnicode);
        definition.name = kUnicode;
        definition.description = big;
        definition.config = bigJson;
        VERIFY_OK(store().createDefinition(definition));
        const auto storedDefinition = store().getDefinition(definition.id);
        VERIFY_OK(storedDefinition);
        CALL(sameDefinition(storedDefinition.value(), definition));

        WorkflowRun run = makeRun(definition);
        run.context = bigJson;
        WorkflowStepRun step = makeStep(run, 0, StepStatus::Failed);
        step.stepName = kUnicode;
        step.result = bigJson;
        step.errorMessage = big;
        VERIFY_OK(store().createRun(run, { step }));
        const auto storedRun = store().getRun(run.id);
        VERIFY_OK(storedRun);
        CALL(sameRun(storedRun.value(), run));
        const auto storedStep = store().getStepRun(step.id);
        VERIFY_OK(storedStep);
        CALL(sameStep(storedStep.value(), step));

        ExecutionLog log;
        log.id = newId(IdPrefix::Log);
        log.runId = run.id;
        log.tenantId = run.tenantId;
        log.message = big;
        log.data = bigJson;
        log.createdAt = nowUtc();
        VERIFY_OK(store().appendLogs({ log }));
        const auto logs = store().getRunLogs(run.id);
        VERIFY_OK(logs);
        QCOMPARE(logs->size(), size_t(1));
        CALL(sameLog(logs->front(), log));

        Agent agent = makeAgent(kUnicode, kUnicode);
        agent.lastStats = bigJson;
        VERIFY_OK(store().upsertAgent(agent));
        const auto storedAgent = store().getAgent(agent.id);
        VERIFY_OK(storedAgent);
        CALL(sameAgent(storedAgent.value(), agent));

        Heartbeat heartbeat = makeHeartbeat(agent.id, nowUtc());
        heartbeat.message = big;
        heartbeat.stats = bigJson;
        VERIFY_OK(store().insertHeartbeats({ heartbeat }));
        const auto heartbeats = store().listHeartbeats(agent.id, {});
        VERIFY_OK(heartbeats);
        QCOMPARE(heartbeats->items.size(), size_t(1));
        CALL(sameHeartbeat(heartbeats->items.front(), heartbeat));

        Incident incident = makeIncident(definition.id, kUnicode, kUnicode);
        incident.title = kUnicode;
        incident.details = bigJson;
        VERIFY_OK(store().openIncident(incident));
        const auto storedIncident = store().getIncident(incident.id);
        VERIFY_OK(storedIncident);
        CALL(sameIncident(storedIncident.value(), incident));
    }

    // Every string field of every value type, set to SQL metacharacters, must come back
    // verbatim, and filters on them must match exactly (no LIKE wildcards, no injection).
    void stringsStoredVerbatim_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("single quote") << S("it's");
        QTest::newRow("double quote") << S("say \"hi\"");
        QTest::newRow("semicolon") << S("a;b");
        QTest::newRow("line comment") << S("x -- y");
        QTest::newRow("backslash") << S("C:\\path\\n");
        QTest::newRow("percent") << S("%");
        QTest::newRow("underscore") << S("_");
        QTest::newRow("block comment") << S("/* c */");
        QTest::newRow("or 1=1") << S("' OR '1'='1");
        QTest::newRow("drop table") << S("); DROP TABLE x; --");
        QTest::newRow("unicode") << kUnicode;
        QTest::newRow("everything") << S("'\";--\\%_/* */' OR '1'='1); DROP TABLE x; --") + kUnicode;
    }

    void stringsStoredVerbatim()
    {
        QFETCH(QString, text);
        const QString s = text;
        Json json = Json::object();
        json[toStd(s)] = toStd(s);

        // Controls that a LIKE or an injected OR would also match.
        VERIFY_OK(store().insertSignal(makeSignal(S("zz"), S("zz"), S("zz"))));
        VERIFY_OK(store().upsertAgent(makeAgent(S("control"), S("zz"))));

        TriggerEnvelope signal;
        signal.id = newId(IdPrefix::Trigger) + s;
        signal.createdAt = nowUtc();
        signal.tenantId = s;
        signal.source = s;
        signal.type = s;
        signal.resourceType = s;
        signal.resourceId = s;
        signal.environment = s;
        signal.payload = json;
        signal.dedupKey = s;
        VERIFY_OK(store().insertSignal(signal));
        const auto storedSignal = store().getSignal(signal.id);
        VERIFY_OK(storedSignal);
        CALL(sameSignal(storedSignal.value(), signal));
        for (int which = 0; which < 3; ++which) {
            SignalFilter filter;
            if (which == 0)
                filter.tenantId = s;
            else if (which == 1)
                filter.type = s;
            else
                filter.resourceId = s;
            const auto listed = store().listSignals(filter, {});
            VERIFY_OK(listed);
            QCOMPARE(idsOf(listed->items), QStringList { signal.id });
        }
        // Deduplicated on the verbatim key.
        TriggerEnvelope again = signal;
        again.id = newId(IdPrefix::Trigger) + s;
        const auto deduped = store().insertSignal(again);
        VERIFY_OK(deduped);
        QVERIFY(!deduped->inserted);
        QCOMPARE(deduped->envelope.id, signal.id);

        WorkflowDefinition definition;
        definition.id = newId(IdPrefix::Definition) + s;
        definition.tenantId = s;
        definition.name = s;
        definition.description = s;
        definition.triggerType = s;
        definition.environmentFilter = s;
        definition.resourceTypeFilter = s;
        WorkflowStep step = actionStep(s);
        step.handler = s;
        step.config = json;
        definition.steps = { step };
        definition.config = json;
        definition.cronExpression = s;
        definition.cronTimezone = s;
        definition.createdAt = nowUtc();
        definition.updatedAt = definition.createdAt;
        VERIFY_OK(store().createDefinition(definition));
        VERIFY_OK(store().createDefinition(makeDefinition(S("zz"), S("zz"))));
        const auto storedDefinition = store().getDefinition(definition.id);
        VERIFY_OK(storedDefinition);
        CALL(sameDefinition(storedDefinition.value(), definition));
        const auto enabled = store().enabledDefinitionsFor(s, s);
        VERIFY_OK(enabled);
        QCOMPARE(idsOf(enabled.value()), QStringList { definition.id });
        DefinitionFilter definitionFilter;
        definitionFilter.tenantId = s;
        definitionFilter.triggerType = s;
        const auto definitions = store().listDefinitions(definitionFilter, {});
        VERIFY_OK(definitions);
        QCOMPARE(idsOf(definitions->items), QStringList { definition.id });

        WorkflowRun run;
        run.id = newId(IdPrefix::Run) + s;
        run.definitionId = definition.id;
        run.tenantId = s;
        run.triggerId = signal.id;
        run.context = json;
        run.cancelReason = s;
        run.definitionSnapshot = definition;
        run.createdAt = nowUtc();
        run.updatedAt = run.createdAt;
        WorkflowStepRun stepRun;
        stepRun.id = newId(IdPrefix::StepRun) + s;
        stepRun.runId = run.id;
        stepRun.tenantId = s;
        stepRun.stepName = s;
        stepRun.result = json;
        stepRun.errorMessage = s;
        stepRun.parentStepRunId = s;
        stepRun.leaseOwner = s;
        stepRun.createdAt = nowUtc();
        VERIFY_OK(store().createRun(run, { stepRun }));
        VERIFY_OK(store().createRun(makeRun(makeDefinition(S("zz"))), {}));
        const auto storedRun = store().getRun(run.id);
        VERIFY_OK(storedRun);
        CALL(sameRun(storedRun.value(), run));
        const auto storedStep = store().getStepRun(stepRun.id);
        VERIFY_OK(storedStep);
        CALL(sameStep(storedStep.value(), stepRun));
        for (int which = 0; which < 3; ++which) {
            RunFilter filter;
            if (which == 0)
                filter.tenantId = s;
            else if (which == 1)
                filter.definitionId = definition.id;
            else
                filter.triggerId = signal.id;
            const auto runs = store().listRuns(filter, {});
            VERIFY_OK(runs);
            QCOMPARE(idsOf(runs->items), QStringList { run.id });
        }
        // A claim under an owner with metacharacters, and its fenced finish.
        const auto claimed = store().claimDueSteps(s, nowUtc(), 60s, 10);
        VERIFY_OK(claimed);
        QCOMPARE(idsOf(claimed.value()), QStringList { stepRun.id });
        QCOMPARE(show(claimed->front().leaseOwner), show(std::optional<QString>(s)));
        const auto renewed = store().renewLease(stepRun.id, s, 1, nowUtc().addSecs(120));
        VERIFY_OK(renewed);
        QVERIFY(renewed.value());
        StepFinish finish;
        finish.stepRunId = stepRun.id;
        finish.owner = s;
        finish.attempt = 1;
        finish.status = StepStatus::Failed;
        finish.at = nowUtc();
        finish.errorMessage = s;
        VERIFY_OK(store().finishStep(finish));
        const auto finished = store().getStepRun(stepRun.id);
        VERIFY_OK(finished);
        QCOMPARE(show(finished->errorMessage), show(std::optional<QString>(s)));
        QCOMPARE(show(finished->result), show(json));
        const auto skipped = store().skipPendingSteps(run.id, s);
        VERIFY_OK(skipped);
        QCOMPARE(skipped.value(), 0);

        ExecutionLog log;
        log.id = newId(IdPrefix::Log) + s;
        log.runId = run.id;
        log.stepRunId = stepRun.id;
        log.tenantId = s;
        log.message = s;
        log.data = json;
        log.createdAt = nowUtc();
        VERIFY_OK(store().appendLogs({ log }));
        const auto logs = store().getRunLogs(run.id);
        VERIFY_OK(logs);
        QCOMPARE(logs->size(), size_t(1));
        CALL(sameLog(logs->front(), log));

        Agent agent;
        agent.id = S("agent") + s;
        agent.tenantId = s;
        agent.environment = s;
        agent.tags = { s, s + s };
        agent.hmacKey = s;
        agent.schedule = s;
        agent.timezone = s;
        agent.lastStats = json;
        agent.createdAt = nowUtc();
        agent.updatedAt = agent.createdAt;
        VERIFY_OK(store().upsertAgent(agent));
        const auto storedAgent = store().getAgent(agent.id);
        VERIFY_OK(storedAgent);
        CALL(sameAgent(storedAgent.value(), agent));
        for (int which = 0; which < 3; ++which) {
            AgentFilter filter;
            if (which == 0)
                filter.tenantId = s;
            else if (which == 1)
                filter.environment = s;
            else
                filter.tag = s;
            const auto agents = store().listAgents(filter, {});
            VERIFY_OK(agents);
            QCOMPARE(idsOf(agents->items), QStringList { agent.id });
        }

        Heartbeat heartbeat;
        heartbeat.agentId = agent.id;
        heartbeat.receivedAt = nowUtc();
        heartbeat.message = s;
        heartbeat.stats = json;
        heartbeat.sourceAddress = s;
        heartbeat.rid = s;
        VERIFY_OK(store().insertHeartbeats({ heartbeat }));
        const auto heartbeats = store().listHeartbeats(agent.id, {});
        VERIFY_OK(heartbeats);
        QCOMPARE(heartbeats->items.size(), size_t(1));
        CALL(sameHeartbeat(heartbeats->items.front(), heartbeat));

        Incident incident;
        incident.id = newId(IdPrefix::Incident) + s;
        incident.tenantId = s;
        incident.definitionId = definition.id;
        incident.runId = run.id;
        incident.resourceType = s;
        incident.resourceId = s;
        incident.title = s;
        incident.severity = s;
        incident.details = json;
        incident.openedAt = nowUtc();
        incident.updatedAt = incident.openedAt;
        VERIFY_OK(store().openIncident(incident));
        VERIFY_OK(store().openIncident(makeIncident(definition.id, S("zz"), S("zz"))));
        const auto storedIncident = store().getIncident(incident.id);
        VERIFY_OK(storedIncident);
        CALL(sameIncident(storedIncident.value(), incident));
        IncidentFilter incidentFilter;
        incidentFilter.tenantId = s;
        incidentFilter.resourceId = s;
        const auto incidents = store().listIncidents(incidentFilter, {});
        VERIFY_OK(incidents);
        QCOMPARE(idsOf(incidents->items), QStringList { incident.id });
        const auto resolved = store().resolveIncidents(s, s, definition.id, nowUtc(), s);
        VERIFY_OK(resolved);
        QCOMPARE(idsOf(resolved.value()), QStringList { incident.id });
        QCOMPARE(show(resolved->front().resolvedByRunId), show(std::optional<QString>(s)));

        // Nothing was dropped: every table still answers.
        VERIFY_OK(store().tableCounts());
        VERIFY_OK(store().deleteAgent(agent.id));
        VERIFY_OK(store().deleteDefinition(definition.id));
    }

    // ---- signals ----------------------------------------------------------------------

    void listSignalsFiltersAndPaging()
    {
        const QDateTime t0 = nowUtc().addSecs(-100);
        std::vector<TriggerEnvelope> all;
        int i = 0;
        for (const QString &tenant : { S("tenant_a"), S("tenant_b") }) {
            for (const QString &type : { S("type.one"), S("type.two") }) {
                for (const QString &resource : { S("r1"), S("r2") })
                    all.push_back(makeSignal(tenant, type, resource, t0.addMSecs(10 * i++)));
            }
        }
        for (int extra = 0; extra < 3; ++extra)
            all.push_back(makeSignal(S("tenant_a"), S("type.one"), S("r1"), t0.addMSecs(10 * i++)));
        // Inserted out of order: the listing order comes from the store, not from insertion.
        std::vector<TriggerEnvelope> shuffled = all;
        std::reverse(shuffled.begin(), shuffled.begin() + 5);
        for (const TriggerEnvelope &signal : shuffled)
            VERIFY_OK(store().insertSignal(signal));

        auto expected = [&](const std::function<bool(const TriggerEnvelope &)> &keep) {
            QStringList ids;
            for (const TriggerEnvelope &signal : all) {
                if (keep(signal))
                    ids << signal.id;
            }
            return reversedSorted(ids); // newest first
        };
        auto fetch = [&](const SignalFilter &filter) {
            return [&, filter](const PageRequest &page) { return store().listSignals(filter, page); };
        };

        int pages = 0;
        const auto everything = walkPages<TriggerEnvelope>(fetch({}), 3, &pages);
        QVERIFY(everything);
        QCOMPARE(idsOf(*everything), expected([](const auto &) { return true; }));
        QCOMPARE(pages, 4); // 3 + 3 + 3 + 2
        for (const TriggerEnvelope &item : *everything) {
            const auto it = std::find_if(all.begin(), all.end(), [&](const auto &s) { return s.id == item.id; });
            CALL(sameSignal(item, *it));
        }

        SignalFilter byTenant;
        byTenant.tenantId = S("tenant_a");
        const auto tenantPages = walkPages<TriggerEnvelope>(fetch(byTenant), 2);
        QVERIFY(tenantPages);
        QCOMPARE(idsOf(*tenantPages), expected([](const auto &s) { return s.tenantId == S("tenant_a"); }));

        SignalFilter byType;
        byType.type = S("type.two");
        const auto typePages = walkPages<TriggerEnvelope>(fetch(byType), 50);
        QVERIFY(typePages);
        QCOMPARE(idsOf(*typePages), expected([](const auto &s) { return s.type == S("type.two"); }));

        SignalFilter byResource;
        byResource.resourceId = S("r2");
        const auto resourcePages = walkPages<TriggerEnvelope>(fetch(byResource), 1);
        QVERIFY(resourcePages);
        QCOMPARE(idsOf(*resourcePages), expected([](const auto &s) { return s.resourceId == S("r2"); }));

        SignalFilter combined;
        combined.tenantId = S("tenant_a");
        combined.type = S("type.one");
        combined.resourceId = S("r1");
        const auto combinedPages = walkPages<TriggerEnvelope>(fetch(combined), 2);
        QVERIFY(combinedPages);
        QCOMPARE(idsOf(*combinedPages), expected([](const auto &s) {
                     return s.tenantId == S("tenant_a") && s.type == S("type.one") && s.resourceId == S("r1");
                 }));
        QCOMPARE(combinedPages->size(), size_t(4));

        SignalFilter nothing;
        nothing.tenantId = S("tenant_none");
        const auto empty = store().listSignals(nothing, {});
        VERIFY_OK(empty);
        QVERIFY(empty->items.empty());
        QVERIFY(empty->nextCursor.isEmpty());
    }

    void pageLimitIsClamped()
    {
        const QDateTime t0 = nowUtc();
        for (int i = 0; i < 3; ++i)
            VERIFY_OK(store().insertSignal(makeSignal(S("tenant_a"), S("x"), S("r"), t0.addMSecs(i))));
        for (int limit : { 0, -5 }) {
            PageRequest page;
            page.limit = limit;
            const auto listed = store().listSignals({}, page);
            VERIFY_OK(listed);
            QCOMPARE(listed->items.size(), size_t(1));
            QVERIFY(!listed->nextCursor.isEmpty());
        }
        PageRequest huge;
        huge.limit = 1000000;
        const auto listed = store().listSignals({}, huge);
        VERIFY_OK(listed);
        QCOMPARE(listed->items.size(), size_t(3));
        QVERIFY(listed->nextCursor.isEmpty());
    }

    void dedupWithinWindow()
    {
        const QDateTime t0 = nowUtc();
        TriggerEnvelope first = makeSignal(S("tenant_a"), S("x"), S("r"), t0);
        first.dedupKey = S("key-1");
        const auto a = store().insertSignal(first, 1h);
        VERIFY_OK(a);
        QVERIFY(a->inserted);
        CALL(sameSignal(a->envelope, first));

        TriggerEnvelope second = makeSignal(S("tenant_a"), S("x"), S("r"), t0.addSecs(1));
        second.dedupKey = S("key-1");
        second.payload = objectWith("different", true);
        const auto b = store().insertSignal(second, 1h);
        VERIFY_OK(b);
        QVERIFY(!b->inserted);
        CALL(sameSignal(b->envelope, first));
        VERIFY_ERROR(store().getSignal(second.id), ErrorCode::NotFound);

        // Other keys, and no key at all, are never deduplicated.
        TriggerEnvelope otherKey = makeSignal(S("tenant_a"), S("x"), S("r"), t0.addSecs(2));
        otherKey.dedupKey = S("key-2");
        const auto c = store().insertSignal(otherKey, 1h);
        VERIFY_OK(c);
        QVERIFY(c->inserted);
        for (int i = 0; i < 2; ++i) {
            const auto plain = store().insertSignal(makeSignal(S("tenant_a"), S("x"), S("r"), t0.addSecs(3 + i)), 1h);
            VERIFY_OK(plain);
            QVERIFY(plain->inserted);
        }
        const auto listed = store().listSignals({}, {});
        VERIFY_OK(listed);
        QCOMPARE(listed->items.size(), size_t(4));
    }

    void dedupAfterWindow()
    {
        const QDateTime t0 = nowUtc();
        TriggerEnvelope first = makeSignal(S("tenant_a"), S("x"), S("r"), t0);
        first.dedupKey = S("key");
        VERIFY_OK(store().insertSignal(first, 1ms));

        TriggerEnvelope later = makeSignal(S("tenant_a"), S("x"), S("r"), t0.addMSecs(5));
        later.dedupKey = S("key");
        const auto b = store().insertSignal(later, 1ms);
        VERIFY_OK(b);
        QVERIFY(b->inserted);
        CALL(sameSignal(b->envelope, later));
        VERIFY_OK(store().getSignal(later.id));
        // Storing the newer signal must not rewrite the older one (its dedupKey included).
        const auto firstAfter = store().getSignal(first.id);
        VERIFY_OK(firstAfter);
        CALL(sameSignal(firstAfter.value(), first));

        TriggerEnvelope muchLater = makeSignal(S("tenant_a"), S("x"), S("r"), t0.addSecs(7200));
        muchLater.dedupKey = S("key");
        const auto c = store().insertSignal(muchLater, 1h);
        VERIFY_OK(c);
        QVERIFY(c->inserted);

        // Inside the window again, only the newest stored one is within reach.
        TriggerEnvelope repeat = makeSignal(S("tenant_a"), S("x"), S("r"), t0.addSecs(7201));
        repeat.dedupKey = S("key");
        const auto d = store().insertSignal(repeat, 1h);
        VERIFY_OK(d);
        QVERIFY(!d->inserted);
        CALL(sameSignal(d->envelope, muchLater));
        const auto listed = store().listSignals({}, {});
        VERIFY_OK(listed);
        QCOMPARE(listed->items.size(), size_t(3));
    }

    // "Atomic across processes": concurrent emits with one key store exactly one signal.
    void dedupRace()
    {
        constexpr int kThreads = 4;
        constexpr int kRounds = 10;
        const QDateTime t0 = nowUtc();
        std::latch start(kThreads);
        std::mutex mutex;
        QStringList errors;
        std::vector<std::vector<SignalInsert>> answers(kThreads);
        std::vector<QThread *> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.push_back(QThread::create([&, t] {
                StoreOptions options;
                options.url = m_url;
                options.tablePrefix = m_prefix;
                auto opened = openStore(options);
                start.arrive_and_wait();
                if (!opened.ok()) {
                    std::lock_guard lock(mutex);
                    errors << errorText(opened.error());
                    return;
                }
                for (int round = 0; round < kRounds; ++round) {
                    TriggerEnvelope signal = makeSignal(S("tenant_a"), S("x"), S("r"), t0.addMSecs(round));
                    signal.dedupKey = S("race-") + QString::number(round);
                    const auto answer = opened.value()->insertSignal(signal, 1h);
                    std::lock_guard lock(mutex);
                    if (answer.ok())
                        answers[t].push_back(answer.value());
                    else
                        errors << errorText(answer.error());
                }
            }));
            threads.back()->start();
        }
        for (QThread *thread : threads) {
            thread->wait();
            delete thread;
        }
        QVERIFY2(errors.isEmpty(), qPrintable(errors.join(S("; "))));
        for (int round = 0; round < kRounds; ++round) {
            int inserted = 0;
            QSet<QString> ids;
            for (int t = 0; t < kThreads; ++t) {
                const SignalInsert &answer = answers[t].at(round);
                inserted += answer.inserted ? 1 : 0;
                ids.insert(answer.envelope.id);
            }
            QCOMPARE(inserted, 1);
            QCOMPARE(ids.size(), 1);
        }
        const auto listed = store().listSignals({}, {});
        VERIFY_OK(listed);
        QCOMPARE(listed->items.size(), size_t(kRounds));
    }

    // ---- definitions ------------------------------------------------------------------

    void listDefinitionsFiltersAndPaging()
    {
        std::vector<WorkflowDefinition> all;
        int i = 0;
        for (const QString &tenant : { S("tenant_a"), S("tenant_b") }) {
            for (const QString &trigger : { S("x"), S("y") }) {
                for (bool enabled : { true, false }) {
                    WorkflowDefinition d = (i % 2) ? minimalDefinition(tenant, trigger) : makeDefinition(tenant, trigger);
                    d.id = newId(IdPrefix::Definition, nowUtc().addMSecs(i++));
                    d.isEnabled = enabled;
                    all.push_back(d);
                    VERIFY_OK(store().createDefinition(d));
                }
            }
        }
        auto expected = [&](const std::function<bool(const WorkflowDefinition &)> &keep) {
            QStringList ids;
            for (const auto &d : all) {
                if (keep(d))
                    ids << d.id;
            }
            return sorted(ids);
        };
        auto walk = [&](const DefinitionFilter &filter, int limit) {
            return walkPages<WorkflowDefinition>(
                [&](const PageRequest &page) { return store().listDefinitions(filter, page); }, limit);
        };
        const auto everything = walk({}, 3);
        QVERIFY(everything);
        QCOMPARE(idsOf(*everything).size(), 8); // no duplicates
        QCOMPARE(sorted(idsOf(*everything)), expected([](const auto &) { return true; }));
        for (const auto &item : *everything) {
            const auto it = std::find_if(all.begin(), all.end(), [&](const auto &d) { return d.id == item.id; });
            CALL(sameDefinition(item, *it));
        }

        DefinitionFilter tenant;
        tenant.tenantId = S("tenant_b");
        auto got = walk(tenant, 2);
        QVERIFY(got);
        QCOMPARE(sorted(idsOf(*got)), expected([](const auto &d) { return d.tenantId == S("tenant_b"); }));

        DefinitionFilter trigger;
        trigger.triggerType = S("y");
        got = walk(trigger, 2);
        QVERIFY(got);
        QCOMPARE(sorted(idsOf(*got)), expected([](const auto &d) { return d.triggerType == S("y"); }));

        for (bool enabled : { true, false }) {
            DefinitionFilter byEnabled;
            byEnabled.isEnabled = enabled;
            got = walk(byEnabled, 3);
            QVERIFY(got);
            QCOMPARE(sorted(idsOf(*got)), expected([&](const auto &d) { return d.isEnabled == enabled; }));
        }

        DefinitionFilter all3;
        all3.tenantId = S("tenant_a");
        all3.triggerType = S("x");
        all3.isEnabled = false;
        got = walk(all3, 10);
        QVERIFY(got);
        QCOMPARE(sorted(idsOf(*got)), expected([](const auto &d) {
                     return d.tenantId == S("tenant_a") && d.triggerType == S("x") && !d.isEnabled;
                 }));
        QCOMPARE(got->size(), size_t(1));
    }

    void enabledAndCronDefinitions()
    {
        WorkflowDefinition cronA = makeDefinition(S("tenant_a"), S("x"));
        WorkflowDefinition disabledCron = makeDefinition(S("tenant_a"), S("x"));
        disabledCron.isEnabled = false;
        WorkflowDefinition otherTrigger = minimalDefinition(S("tenant_a"), S("y"));
        WorkflowDefinition cronB = makeDefinition(S("tenant_b"), S("x"));
        WorkflowDefinition plainA = minimalDefinition(S("tenant_a"), S("x"));
        for (const auto &d : { cronA, disabledCron, otherTrigger, cronB, plainA })
            VERIFY_OK(store().createDefinition(d));

        auto enabledFor = [&](const QString &tenant, const QString &trigger) -> std::optional<QStringList> {
            const auto got = store().enabledDefinitionsFor(tenant, trigger);
            if (!got.ok()) {
                QTest::qFail(failText(got).constData(), __FILE__, __LINE__);
                return std::nullopt;
            }
            return sorted(idsOf(got.value()));
        };
        auto cron = [&]() -> std::optional<QStringList> {
            const auto got = store().cronDefinitions();
            if (!got.ok()) {
                QTest::qFail(failText(got).constData(), __FILE__, __LINE__);
                return std::nullopt;
            }
            for (const auto &d : got.value()) {
                if (!d.cronExpression || !d.isEnabled)
                    QTest::qFail("cronDefinitions answered a definition without cron or disabled", __FILE__, __LINE__);
            }
            return sorted(idsOf(got.value()));
        };

        QCOMPARE(enabledFor(S("tenant_a"), S("x")), sorted({ cronA.id, plainA.id }));
        QCOMPARE(enabledFor(S("tenant_a"), S("y")), QStringList { otherTrigger.id });
        QCOMPARE(enabledFor(S("tenant_b"), S("y")), QStringList());
        QCOMPARE(cron(), sorted({ cronA.id, cronB.id }));
        const auto full = store().enabledDefinitionsFor(S("tenant_b"), S("x"));
        VERIFY_OK(full);
        QCOMPARE(full->size(), size_t(1));
        CALL(sameDefinition(full->front(), cronB));

        VERIFY_OK(store().setDefinitionEnabled(disabledCron.id, true));
        VERIFY_OK(store().setDefinitionEnabled(cronA.id, false));
        QCOMPARE(enabledFor(S("tenant_a"), S("x")), sorted({ disabledCron.id, plainA.id }));
        QCOMPARE(cron(), sorted({ disabledCron.id, cronB.id }));
        const auto a = store().getDefinition(cronA.id);
        VERIFY_OK(a);
        QCOMPARE(a->isEnabled, false);
        const auto b = store().getDefinition(disabledCron.id);
        VERIFY_OK(b);
        QCOMPARE(b->isEnabled, true);
        // Idempotent.
        VERIFY_OK(store().setDefinitionEnabled(cronA.id, false));
        VERIFY_ERROR(store().setDefinitionEnabled(S("wfd_unknown"), true), ErrorCode::NotFound);
    }

    void updateDefinitionRaisesVersion()
    {
        const WorkflowDefinition original = makeDefinition();
        VERIFY_OK(store().createDefinition(original));

        WorkflowDefinition change = minimalDefinition(S("tenant_z"), S("other.trigger"));
        change.id = original.id;
        change.name = S("renamed");
        change.isEnabled = false;
        change.version = 99;                           // ignored: the store raises the stored one
        change.createdAt = nowUtc().addSecs(-86400);   // ignored: createdAt is kept
        const QDateTime before = nowUtc();
        const auto updated = store().updateDefinition(change);
        VERIFY_OK(updated);
        QCOMPARE(updated->version, 2);
        QCOMPARE(show(updated->createdAt), show(original.createdAt));
        QVERIFY(updated->updatedAt.isValid());
        QVERIFY(updated->updatedAt >= before.addSecs(-5));
        CALL(sameDefinition(updated.value(), change, false));
        const auto stored = store().getDefinition(original.id);
        VERIFY_OK(stored);
        CALL(sameDefinition(stored.value(), updated.value()));

        // With the expected version.
        change.name = S("third");
        const auto third = store().updateDefinition(change, 2);
        VERIFY_OK(third);
        QCOMPARE(third->version, 3);
        QCOMPARE(third->name, S("third"));

        // A stale version changes nothing.
        WorkflowDefinition stale = makeDefinition();
        stale.id = original.id;
        stale.name = S("stale write");
        VERIFY_ERROR(store().updateDefinition(stale, 2), ErrorCode::Conflict);
        VERIFY_ERROR(store().updateDefinition(stale, 4), ErrorCode::Conflict);
        const auto after = store().getDefinition(original.id);
        VERIFY_OK(after);
        CALL(sameDefinition(after.value(), third.value()));

        const auto fourth = store().updateDefinition(stale);
        VERIFY_OK(fourth);
        QCOMPARE(fourth->version, 4);
        QCOMPARE(fourth->name, S("stale write"));

        WorkflowDefinition unknown = makeDefinition();
        VERIFY_ERROR(store().updateDefinition(unknown), ErrorCode::NotFound);
        VERIFY_ERROR(store().getDefinition(unknown.id), ErrorCode::NotFound);
    }

    void deleteDefinitionIsSoft()
    {
        WorkflowDefinition doomed = makeDefinition(S("tenant_a"), S("x"));
        const WorkflowDefinition kept = makeDefinition(S("tenant_a"), S("x"));
        VERIFY_OK(store().createDefinition(doomed));
        VERIFY_OK(store().createDefinition(kept));
        const WorkflowRun run = makeRun(doomed);
        const WorkflowStepRun step = makeStep(run, 0);
        VERIFY_OK(store().createRun(run, { step }));

        VERIFY_OK(store().deleteDefinition(doomed.id));
        VERIFY_ERROR(store().getDefinition(doomed.id), ErrorCode::NotFound);
        const auto listed = store().listDefinitions({}, {});
        VERIFY_OK(listed);
        QCOMPARE(idsOf(listed->items), QStringList { kept.id });
        const auto enabled = store().enabledDefinitionsFor(S("tenant_a"), S("x"));
        VERIFY_OK(enabled);
        QCOMPARE(idsOf(enabled.value()), QStringList { kept.id });
        const auto cron = store().cronDefinitions();
        VERIFY_OK(cron);
        QCOMPARE(idsOf(cron.value()), QStringList { kept.id });

        // Its runs keep their snapshot.
        const auto storedRun = store().getRun(run.id);
        VERIFY_OK(storedRun);
        CALL(sameRun(storedRun.value(), run));
        RunFilter byDefinition;
        byDefinition.definitionId = doomed.id;
        const auto runs = store().listRuns(byDefinition, {});
        VERIFY_OK(runs);
        QCOMPARE(idsOf(runs->items), QStringList { run.id });
        VERIFY_OK(store().getStepRun(step.id));

        VERIFY_ERROR(store().deleteDefinition(S("wfd_unknown")), ErrorCode::NotFound);
    }

    void deletedDefinitionCanBeRestored()
    {
        WorkflowDefinition definition = makeDefinition(S("tenant_a"), S("x"));
        VERIFY_OK(store().createDefinition(definition));
        // Only a deleted one comes back: a live or unknown id is NotFound and changes nothing.
        definition.name = S("brought back");
        VERIFY_ERROR(store().restoreDefinition(definition), ErrorCode::NotFound);
        QCOMPARE(store().getDefinition(definition.id)->version, 1);
        VERIFY_OK(store().deleteDefinition(definition.id));
        const auto restored = store().restoreDefinition(definition);
        VERIFY_OK(restored);
        QCOMPARE(restored->name, S("brought back"));
        QCOMPARE(restored->version, 2);
        const auto stored = store().getDefinition(definition.id);
        VERIFY_OK(stored);
        QCOMPARE(stored->name, S("brought back"));
        QCOMPARE(idsOf(store().enabledDefinitionsFor(S("tenant_a"), S("x")).value()), QStringList { definition.id });
        WorkflowDefinition unknown = definition;
        unknown.id = S("wfd_unknown");
        VERIFY_ERROR(store().restoreDefinition(unknown), ErrorCode::NotFound);
    }

    // ---- runs -------------------------------------------------------------------------

    void createRunIsAtomic()
    {
        const WorkflowDefinition definition = makeDefinition();
        const WorkflowRun run = makeRun(definition);
        const WorkflowStepRun a = makeStep(run, 0);
        WorkflowStepRun duplicate = makeStep(run, 1);
        duplicate.id = a.id; // the second insert violates the primary key
        QVERIFY(!store().createRun(run, { a, duplicate }).ok());
        VERIFY_ERROR(store().getRun(run.id), ErrorCode::NotFound);
        VERIFY_ERROR(store().getStepRun(a.id), ErrorCode::NotFound);
        const auto runs = store().listRuns({}, {});
        VERIFY_OK(runs);
        QVERIFY(runs->items.empty());

        const WorkflowStepRun b = makeStep(run, 1);
        VERIFY_OK(store().createRun(run, { a, b }));
        const auto steps = store().getRunSteps(run.id);
        VERIFY_OK(steps);
        QCOMPARE(idsOf(steps.value()), QStringList({ a.id, b.id }));

        // A second run with the same id is refused and the first is untouched.
        WorkflowRun clash = makeRun(minimalDefinition());
        clash.id = run.id;
        QVERIFY(!store().createRun(clash, { makeStep(clash, 0) }).ok());
        const auto stored = store().getRun(run.id);
        VERIFY_OK(stored);
        CALL(sameRun(stored.value(), run));
        const auto stepsAfter = store().getRunSteps(run.id);
        VERIFY_OK(stepsAfter);
        QCOMPARE(stepsAfter->size(), size_t(2));
    }

    void listRunsFiltersAndPaging()
    {
        const WorkflowDefinition d1 = makeDefinition(S("tenant_a"));
        const WorkflowDefinition d2 = minimalDefinition(S("tenant_b"));
        const QDateTime t0 = nowUtc().addSecs(-100);
        std::vector<WorkflowRun> all;
        for (int i = 0; i < 9; ++i) {
            WorkflowRun run = makeRun(i % 3 == 0 ? d2 : d1, i % 2 ? RunStatus::Running : RunStatus::Pending);
            run.id = newId(IdPrefix::Run, t0.addMSecs(i));
            run.createdAt = t0.addMSecs(i);
            run.updatedAt = run.createdAt;
            if (i == 4)
                run.triggerId = S("trg_shared");
            if (i == 7)
                run.triggerId = S("trg_shared");
            all.push_back(run);
        }
        for (int i = int(all.size()) - 1; i >= 0; --i)
            VERIFY_OK(store().createRun(all[i], {}));

        auto expected = [&](const std::function<bool(const WorkflowRun &)> &keep) {
            QStringList ids;
            for (const auto &r : all) {
                if (keep(r))
                    ids << r.id;
            }
            return reversedSorted(ids); // newest first
        };
        auto walk = [&](const RunFilter &filter, int limit) {
            return walkPages<WorkflowRun>([&](const PageRequest &page) { return store().listRuns(filter, page); }, limit);
        };
        int pages = 0;
        const auto everything = walkPages<WorkflowRun>(
            [&](const PageRequest &page) { return store().listRuns({}, page); }, 4, &pages);
        QVERIFY(everything);
        QCOMPARE(idsOf(*everything), expected([](const auto &) { return true; }));
        QCOMPARE(pages, 3);
        for (const auto &item : *everything) {
            const auto it = std::find_if(all.begin(), all.end(), [&](const auto &r) { return r.id == item.id; });
            CALL(sameRun(item, *it));
        }

        RunFilter status;
        status.status = RunStatus::Running;
        auto got = walk(status, 2);
        QVERIFY(got);
        QCOMPARE(idsOf(*got), expected([](const auto &r) { return r.status == RunStatus::Running; }));

        RunFilter tenant;
        tenant.tenantId = S("tenant_b");
        got = walk(tenant, 2);
        QVERIFY(got);
        QCOMPARE(idsOf(*got), expected([](const auto &r) { return r.tenantId == S("tenant_b"); }));

        RunFilter definition;
        definition.definitionId = d1.id;
        got = walk(definition, 5);
        QVERIFY(got);
        QCOMPARE(idsOf(*got), expected([&](const auto &r) { return r.definitionId == d1.id; }));

        RunFilter trigger;
        trigger.triggerId = S("trg_shared");
        got = walk(trigger, 1);
        QVERIFY(got);
        QCOMPARE(idsOf(*got), expected([](const auto &r) { return r.triggerId == S("trg_shared"); }));
        QCOMPARE(got->size(), size_t(2));

        RunFilter combined;
        combined.status = RunStatus::Pending;
        combined.tenantId = S("tenant_a");
        combined.definitionId = d1.id;
        got = walk(combined, 2);
        QVERIFY(got);
        QCOMPARE(idsOf(*got), expected([&](const auto &r) {
                     return r.status == RunStatus::Pending && r.tenantId == S("tenant_a") && r.definitionId == d1.id;
                 }));

        // The time range is half open: createdAfter inclusive, createdBefore exclusive.
        RunFilter range;
        range.createdAfter = t0.addMSecs(2);
        range.createdBefore = t0.addMSecs(6);
        got = walk(range, 3);
        QVERIFY(got);
        QCOMPARE(idsOf(*got), expected([&](const auto &r) {
                     return r.createdAt >= t0.addMSecs(2) && r.createdAt < t0.addMSecs(6);
                 }));
        QCOMPARE(got->size(), size_t(4));

        RunFilter recentRunning;
        recentRunning.createdAfter = t0.addMSecs(5);
        recentRunning.status = RunStatus::Running;
        got = walk(recentRunning, 2);
        QVERIFY(got);
        QCOMPARE(idsOf(*got), expected([&](const auto &r) {
                     return r.createdAt >= t0.addMSecs(5) && r.status == RunStatus::Running;
                 }));
        QCOMPARE(got->size(), size_t(2));
    }

    void transitionRun_data()
    {
        QTest::addColumn<int>("from");
        QTest::addColumn<int>("to");
        const RunStatus statuses[] = { RunStatus::Pending,   RunStatus::Running, RunStatus::Waiting,
                                       RunStatus::Completed, RunStatus::Failed,  RunStatus::Canceled };
        for (RunStatus from : statuses) {
            for (RunStatus to : statuses) {
                const QString name = toString(from) + S(" -> ") + toString(to)
                    + (isAllowedTransition(from, to) ? S(" (allowed)") : S(" (conflict)"));
                QTest::newRow(qPrintable(name)) << int(from) << int(to);
            }
        }
    }

    void transitionRun()
    {
        QFETCH(int, from);
        QFETCH(int, to);
        const RunStatus fromStatus = RunStatus(from);
        const RunStatus toStatus = RunStatus(to);
        // Sanity of the table itself: the 10 allowed pairs of Pulse's state machine.
        const bool allowed = isAllowedTransition(fromStatus, toStatus);

        const QDateTime earlier = nowUtc().addSecs(-3600);
        WorkflowRun run = makeRun(minimalDefinition(), fromStatus);
        run.createdAt = earlier;
        run.updatedAt = earlier;
        if (fromStatus != RunStatus::Pending)
            run.startedAt = earlier;
        if (fromStatus == RunStatus::Completed)
            run.completedAt = earlier.addSecs(10);
        if (fromStatus == RunStatus::Failed)
            run.failedAt = earlier.addSecs(10);
        if (fromStatus == RunStatus::Canceled) {
            run.canceledAt = earlier.addSecs(10);
            run.cancelReason = S("before");
        }
        VERIFY_OK(store().createRun(run, {}));
        const auto before = store().getRun(run.id);
        VERIFY_OK(before);

        RunPatch patch;
        patch.currentStepIndex = 2;
        patch.context = objectWith("after", true);
        if (toStatus == RunStatus::Canceled)
            patch.cancelReason = S("stopped by the test");
        const QDateTime callTime = nowUtc();
        const auto moved = store().transitionRun(run.id, toStatus, patch);
        const auto after = store().getRun(run.id);
        VERIFY_OK(after);

        if (!allowed) {
            VERIFY_ERROR(moved, ErrorCode::Conflict);
            QVERIFY(!moved.error().message.isEmpty());
            CALL(sameRun(after.value(), before.value()));
            return;
        }
        VERIFY_OK(moved);
        // transitionRun answers the run's head (store.h): everything but the snapshot.
        WorkflowRun movedWithSnapshot = moved.value();
        QVERIFY(movedWithSnapshot.definitionSnapshot.id.isEmpty());
        movedWithSnapshot.definitionSnapshot = after->definitionSnapshot;
        CALL(sameRun(movedWithSnapshot, after.value()));
        QCOMPARE(toString(after->status), toString(toStatus));
        QCOMPARE(after->currentStepIndex, 2);
        QCOMPARE(show(after->context), show(patch.context.value()));
        QVERIFY2(after->updatedAt > earlier, qPrintable(show(after->updatedAt)));

        auto isNow = [&](const QDateTime &t) { return t.isValid() && std::abs(t.secsTo(callTime)) < 60; };
        if (toStatus == RunStatus::Running && !before->startedAt.isValid())
            QVERIFY2(isNow(after->startedAt), qPrintable(show(after->startedAt)));
        else
            QCOMPARE(show(after->startedAt), show(before->startedAt)); // only the first move sets it
        if (toStatus == RunStatus::Completed)
            QVERIFY2(isNow(after->completedAt), qPrintable(show(after->completedAt)));
        else
            QCOMPARE(show(after->completedAt), show(before->completedAt));
        if (toStatus == RunStatus::Failed)
            QVERIFY2(isNow(after->failedAt), qPrintable(show(after->failedAt)));
        else if (fromStatus != RunStatus::Failed) // whether a retry clears failedAt is not specified
            QCOMPARE(show(after->failedAt), show(before->failedAt));
        if (toStatus == RunStatus::Canceled) {
            QVERIFY2(isNow(after->canceledAt), qPrintable(show(after->canceledAt)));
            QCOMPARE(show(after->cancelReason), show(patch.cancelReason));
        } else {
            QCOMPARE(show(after->canceledAt), show(before->canceledAt));
            QCOMPARE(show(after->cancelReason), show(before->cancelReason));
        }
        // Untouched fields.
        QCOMPARE(after->definitionId, run.definitionId);
        QCOMPARE(after->triggerId, run.triggerId);
        QCOMPARE(show(after->createdAt), show(run.createdAt));
        CALL(sameDefinition(after->definitionSnapshot, run.definitionSnapshot)); // untouched by the move
    }

    void createRunsAndInsertSignalsInBatches()
    {
        // The batch forms write exactly what the single ones do.
        const WorkflowDefinition definition = makeDefinition();
        VERIFY_OK(store().createDefinition(definition));
        std::vector<TriggerEnvelope> signals;
        std::vector<NewRun> runs;
        for (int i = 0; i < 5; ++i) {
            TriggerEnvelope signal = makeSignal();
            signal.resourceId = S("batch-%1 ' ; -- ☃").arg(i);
            signals.push_back(signal);
            WorkflowRun run = makeRun(definition, i % 2 ? RunStatus::Waiting : RunStatus::Pending);
            run.triggerId = signal.id;
            run.context = Json { { "i", i } };
            if (run.status == RunStatus::Waiting)
                run.startedAt = run.createdAt;
            runs.push_back({ run, { makeStep(run, 0), makeStep(run, 1, StepStatus::Skipped) } });
        }
        VERIFY_OK(store().insertSignals(signals));
        VERIFY_OK(store().createRuns(runs));
        for (const TriggerEnvelope &signal : signals) {
            const auto stored = store().getSignal(signal.id);
            VERIFY_OK(stored);
            CALL(sameSignal(stored.value(), signal));
        }
        for (const NewRun &one : runs) {
            const auto stored = store().getRun(one.run.id);
            VERIFY_OK(stored);
            CALL(sameRun(stored.value(), one.run));
            const auto steps = store().getRunSteps(one.run.id);
            VERIFY_OK(steps);
            QCOMPARE(steps->size(), size_t(2));
            for (size_t k = 0; k < 2; ++k)
                CALL(sameStep(steps.value()[k], one.steps[k]));
        }
        // A signal with a dedupKey has to go through insertSignal, which knows the window.
        TriggerEnvelope keyed = makeSignal();
        keyed.dedupKey = S("k");
        VERIFY_ERROR(store().insertSignals({ keyed }), ErrorCode::Invalid);
        VERIFY_ERROR(store().getSignal(keyed.id), ErrorCode::NotFound);
        // All or nothing: a duplicate id refuses the whole batch.
        std::vector<TriggerEnvelope> again { makeSignal(), signals.front() };
        QVERIFY(!store().insertSignals(again).ok());
        VERIFY_ERROR(store().getSignal(again.front().id), ErrorCode::NotFound);
    }

    void transitionRunWithoutPatchAndUnknownId()
    {
        const WorkflowRun run = makeRun(makeDefinition());
        VERIFY_OK(store().createRun(run, {}));
        const auto moved = store().transitionRun(run.id, RunStatus::Running);
        VERIFY_OK(moved);
        QCOMPARE(toString(moved->status), toString(RunStatus::Running));
        QCOMPARE(moved->currentStepIndex, run.currentStepIndex);
        QCOMPARE(show(moved->context), show(run.context));
        // The same transition twice: the guard sees the new status.
        VERIFY_ERROR(store().transitionRun(run.id, RunStatus::Running), ErrorCode::Conflict);
        VERIFY_ERROR(store().transitionRun(S("run_unknown"), RunStatus::Running), ErrorCode::NotFound);
        VERIFY_ERROR(store().transitionRun(S("run_unknown"), RunStatus::Completed), ErrorCode::NotFound);
    }

    void transitionRunsMovesASetInOneGo()
    {
        const WorkflowRun pending = makeRun(makeDefinition());
        const WorkflowRun running = makeRun(makeDefinition(), RunStatus::Running);
        const WorkflowRun waiting = makeRun(makeDefinition(), RunStatus::Waiting);
        const WorkflowRun completed = makeRun(makeDefinition(), RunStatus::Completed);
        for (const WorkflowRun &run : { pending, running, waiting, completed })
            VERIFY_OK(store().createRun(run, {}));
        const QDateTime before = nowUtc();
        const auto moved = store().transitionRuns({ { pending.id, RunStatus::Running },
                                                    { running.id, RunStatus::Completed },
                                                    { waiting.id, RunStatus::Canceled },
                                                    { completed.id, RunStatus::Running }, // forbidden
                                                    { S("run_unknown"), RunStatus::Running } });
        VERIFY_OK(moved);
        QCOMPARE(moved->size(), size_t(5));
        QVERIFY((*moved)[0] && (*moved)[1] && (*moved)[2]);
        QCOMPARE(toString((*moved)[0]->status), S("running"));
        QVERIFY((*moved)[0]->startedAt >= before);
        QCOMPARE(toString((*moved)[1]->status), S("completed"));
        QVERIFY((*moved)[1]->completedAt >= before);
        QCOMPARE(toString((*moved)[2]->status), S("canceled"));
        QVERIFY((*moved)[2]->canceledAt >= before);
        QVERIFY(!(*moved)[3]);
        QVERIFY(!(*moved)[4]);
        // What it answered is what is stored; the refused run is untouched.
        for (int i = 0; i < 3; ++i) {
            const auto stored = store().getRun((*moved)[i]->id);
            VERIFY_OK(stored);
            QCOMPARE(toString(stored->status), toString((*moved)[i]->status));
        }
        const auto untouched = store().getRun(completed.id);
        VERIFY_OK(untouched);
        QCOMPARE(toString(untouched->status), S("completed"));
        QVERIFY(!untouched->startedAt.isValid() || untouched->startedAt < before);
        // The same move again: the guard sees the new status. A run twice in one set is refused.
        const auto again = store().transitionRuns({ { pending.id, RunStatus::Running } });
        VERIFY_OK(again);
        QVERIFY(!again->front());
        VERIFY_ERROR(store().transitionRuns({ { running.id, RunStatus::Failed }, { running.id, RunStatus::Failed } }),
                     ErrorCode::Invalid);
    }

    void updateRunProgress()
    {
        const WorkflowRun run = makeRun(makeDefinition(), RunStatus::Running);
        VERIFY_OK(store().createRun(run, {}));
        RunPatch patch;
        patch.currentStepIndex = 4;
        patch.context = objectWith("step4", "done");
        // The store stamps updated_at with the real time; tick() may run ahead of it.
        const QDateTime before = nowUtc();
        VERIFY_OK(store().updateRunProgress(run.id, patch));
        auto stored = store().getRun(run.id);
        VERIFY_OK(stored);
        QCOMPARE(stored->currentStepIndex, 4);
        QCOMPARE(show(stored->context), show(patch.context.value()));
        QCOMPARE(toString(stored->status), toString(RunStatus::Running));
        QVERIFY2(stored->updatedAt >= before, qPrintable(show(stored->updatedAt) + S(" < ") + show(before)));

        // Only the index: the context stays.
        RunPatch indexOnly;
        indexOnly.currentStepIndex = 5;
        VERIFY_OK(store().updateRunProgress(run.id, indexOnly));
        stored = store().getRun(run.id);
        VERIFY_OK(stored);
        QCOMPARE(stored->currentStepIndex, 5);
        QCOMPARE(show(stored->context), show(patch.context.value()));

        RunPatch contextOnly;
        contextOnly.context = objectWith("k", 1);
        VERIFY_OK(store().updateRunProgress(run.id, contextOnly));
        stored = store().getRun(run.id);
        VERIFY_OK(stored);
        QCOMPARE(stored->currentStepIndex, 5);
        QCOMPARE(show(stored->context), show(contextOnly.context.value()));

        VERIFY_ERROR(store().updateRunProgress(S("run_unknown"), patch), ErrorCode::NotFound);
    }

    // ---- step runs --------------------------------------------------------------------

    void stepRunsInsertGetOrder()
    {
        const WorkflowRun run = makeRun(makeDefinition());
        const WorkflowStepRun first = makeStep(run, 0, StepStatus::Completed);
        VERIFY_OK(store().createRun(run, { first }));
        WorkflowStepRun second = makeStep(run, 1);
        WorkflowStepRun parallel = makeStep(run, 2, StepStatus::Running);
        parallel.stepType = StepType::Parallel;
        WorkflowStepRun branch0 = makeStep(run, 2);
        branch0.parentStepRunId = parallel.id;
        branch0.branchIndex = 0;
        WorkflowStepRun branch1 = makeStep(run, 2, StepStatus::Scheduled, nowUtc().addSecs(30));
        branch1.parentStepRunId = parallel.id;
        branch1.branchIndex = 1;
        VERIFY_OK(store().insertStepRuns({ second, parallel }));
        VERIFY_OK(store().insertStepRuns({ branch0, branch1 }));
        VERIFY_OK(store().insertStepRuns({}));
        // Another run's steps stay out.
        const WorkflowRun other = makeRun(makeDefinition());
        VERIFY_OK(store().createRun(other, { makeStep(other, 0) }));

        const auto steps = store().getRunSteps(run.id);
        VERIFY_OK(steps);
        const std::vector<WorkflowStepRun> expected { first, second, parallel, branch0, branch1 };
        QCOMPARE(idsOf(steps.value()), idsOf(expected));
        for (size_t i = 0; i < expected.size(); ++i)
            CALL(sameStep(steps->at(i), expected[i]));
        const auto one = store().getStepRun(branch1.id);
        VERIFY_OK(one);
        CALL(sameStep(one.value(), branch1));

        // A duplicate id in a batch inserts nothing of the batch.
        WorkflowStepRun fresh = makeStep(run, 3);
        QVERIFY(!store().insertStepRuns({ fresh, second }).ok());
        VERIFY_ERROR(store().getStepRun(fresh.id), ErrorCode::NotFound);
    }

    void claimDueStepsRespectsScheduleAndLimit()
    {
        const QDateTime t = nowUtc();
        const WorkflowRun run = makeRun(makeDefinition(), RunStatus::Running);
        const WorkflowStepRun pendingNow = makeStep(run, 0);
        const WorkflowStepRun pendingPast = makeStep(run, 1, StepStatus::Pending, t.addSecs(-10));
        const WorkflowStepRun scheduledPast = makeStep(run, 2, StepStatus::Scheduled, t.addSecs(-5));
        const WorkflowStepRun scheduledExact = makeStep(run, 3, StepStatus::Scheduled, t);
        const WorkflowStepRun scheduledFuture = makeStep(run, 4, StepStatus::Scheduled, t.addSecs(60));
        const WorkflowStepRun pendingFuture = makeStep(run, 5, StepStatus::Pending, t.addSecs(60));
        const WorkflowStepRun completed = makeStep(run, 6, StepStatus::Completed, t.addSecs(-20));
        const WorkflowStepRun failed = makeStep(run, 7, StepStatus::Failed, t.addSecs(-20));
        const WorkflowStepRun skipped = makeStep(run, 8, StepStatus::Skipped, t.addSecs(-20));
        VERIFY_OK(store().createRun(run, { pendingNow, pendingPast, scheduledPast, scheduledExact, scheduledFuture,
                                           pendingFuture, completed, failed, skipped }));
        const QSet<QString> due { pendingNow.id, pendingPast.id, scheduledPast.id, scheduledExact.id };

        QSet<QString> claimedIds;
        const auto firstBatch = store().claimDueSteps(S("w1"), t, 30s, 3);
        VERIFY_OK(firstBatch);
        QCOMPARE(firstBatch->size(), size_t(3));
        const auto secondBatch = store().claimDueSteps(S("w1"), t, 30s, 3);
        VERIFY_OK(secondBatch);
        QCOMPARE(secondBatch->size(), size_t(1));
        for (const auto *batch : { &firstBatch.value(), &secondBatch.value() }) {
            for (const WorkflowStepRun &step : *batch) {
                QVERIFY2(due.contains(step.id), qPrintable(step.stepName));
                QVERIFY(!claimedIds.contains(step.id));
                claimedIds.insert(step.id);
                QCOMPARE(toString(step.status), toString(StepStatus::Running));
                QCOMPARE(show(step.leaseOwner), show(std::optional<QString>(S("w1"))));
                QCOMPARE(show(step.leaseExpiresAt), show(t.addSecs(30)));
                QCOMPARE(step.attempt, 1);
                QCOMPARE(show(step.startedAt), show(t));
                // What the claim answered is what is stored.
                const auto stored = store().getStepRun(step.id);
                VERIFY_OK(stored);
                CALL(sameStep(stored.value(), step));
            }
        }
        QCOMPARE(claimedIds, due);
        const auto none = store().claimDueSteps(S("w2"), t, 30s, 10);
        VERIFY_OK(none);
        QVERIFY(none->empty());
        for (const auto &untouched : { scheduledFuture, pendingFuture, completed, failed, skipped }) {
            const auto stored = store().getStepRun(untouched.id);
            VERIFY_OK(stored);
            CALL(sameStep(stored.value(), untouched));
        }

        // A minute later: the future steps are due and the leases taken at t have expired.
        const QDateTime later = t.addSecs(61);
        const auto laterBatch = store().claimDueSteps(S("w2"), later, 30s, 100);
        VERIFY_OK(laterBatch);
        QSet<QString> laterIds;
        for (const WorkflowStepRun &step : laterBatch.value()) {
            laterIds.insert(step.id);
            QCOMPARE(show(step.leaseOwner), show(std::optional<QString>(S("w2"))));
            QCOMPARE(step.attempt, due.contains(step.id) ? 2 : 1);
            QCOMPARE(show(step.startedAt), show(later));
        }
        QCOMPARE(laterIds, (due + QSet<QString> { scheduledFuture.id, pendingFuture.id }));

        const auto zero = store().claimDueSteps(S("w3"), later, 30s, 100);
        VERIFY_OK(zero);
        QVERIFY(zero->empty());
    }

    void claimDueDelaysTakesDelaysAheadOfTime()
    {
        const QDateTime t = nowUtc();
        const WorkflowRun run = makeRun(makeDefinition(), RunStatus::Waiting);
        const auto delay = [&](int index, const QDateTime &due) {
            WorkflowStepRun step = makeStep(run, index, StepStatus::Scheduled, due);
            step.stepType = StepType::Delay;
            return step;
        };
        const WorkflowStepRun overdue = delay(0, t.addMSecs(-500));
        const WorkflowStepRun soon = delay(1, t.addMSecs(200));
        const WorkflowStepRun beyond = delay(2, t.addMSecs(800));
        const WorkflowStepRun retry = makeStep(run, 3, StepStatus::Scheduled, t.addMSecs(100)); // an action's back-off
        WorkflowStepRun done = delay(4, t.addMSecs(-900));
        done.status = StepStatus::Completed;
        VERIFY_OK(store().createRun(run, { overdue, soon, beyond, retry, done }));

        const QDateTime horizon = t.addMSecs(250);
        const auto held = store().claimDueDelays(S("w1"), t, horizon, 30s, 10);
        VERIFY_OK(held);
        QCOMPARE(held->size(), size_t(2));
        // Oldest due first; each starts when it is due, or now when overdue, never before.
        QCOMPARE(held->at(0).id, overdue.id);
        QCOMPARE(show(held->at(0).startedAt), show(t));
        QCOMPARE(held->at(1).id, soon.id);
        QCOMPARE(show(held->at(1).startedAt), show(soon.scheduledFor));
        for (const WorkflowStepRun &step : held.value()) {
            QCOMPARE(toString(step.status), S("running"));
            QCOMPARE(show(step.leaseOwner), show(std::optional<QString>(S("w1"))));
            QCOMPARE(step.attempt, 1);
            QVERIFY(step.leaseExpiresAt >= horizon.addSecs(30));
            const auto stored = store().getStepRun(step.id);
            VERIFY_OK(stored);
            CALL(sameStep(stored.value(), step));
        }
        // Their attempts are recorded with the claim.
        const auto attempts = store().getRunAttempts(run.id);
        VERIFY_OK(attempts);
        QCOMPARE(attempts->size(), size_t(2));
        for (const StepAttempt &attempt : attempts.value()) {
            QCOMPARE(attempt.owner, S("w1"));
            QCOMPARE(toString(attempt.status), S("running"));
        }
        // Nobody else gets them; the retry and the later delay stay where they were.
        const auto again = store().claimDueDelays(S("w2"), t, horizon, 30s, 10);
        VERIFY_OK(again);
        QVERIFY(again->empty());
        for (const auto &untouched : { beyond, retry, done }) {
            const auto stored = store().getStepRun(untouched.id);
            VERIFY_OK(stored);
            CALL(sameStep(stored.value(), untouched));
        }
        // The limit holds.
        const auto one = store().claimDueDelays(S("w2"), t, t.addSecs(1), 30s, 1);
        VERIFY_OK(one);
        QCOMPARE(one->size(), size_t(1));
        QCOMPARE(one->front().id, beyond.id);
    }

    void completeStepsFencesEachCompletionOnItsOwn()
    {
        // Two runs, each with a step claimed by w1. One completion comes from its owner, one
        // from a process that lost the lease: only the first writes its finish, its next step
        // (taken up running, with its attempt record), its progress, context and move.
        const QDateTime t = nowUtc();
        const WorkflowRun ours = makeRun(makeDefinition(), RunStatus::Running);
        const WorkflowRun theirs = makeRun(makeDefinition(), RunStatus::Running);
        const WorkflowStepRun ourStep = makeStep(ours, 0);
        const WorkflowStepRun theirStep = makeStep(theirs, 0);
        VERIFY_OK(store().createRun(ours, { ourStep }));
        VERIFY_OK(store().createRun(theirs, { theirStep }));
        const auto claimed = store().claimDueSteps(S("w1"), t, 60s, 10);
        VERIFY_OK(claimed);
        QCOMPARE(claimed->size(), size_t(2));

        const auto completion = [&](const WorkflowRun &run, const WorkflowStepRun &step, const QString &owner) {
            StepCompletion c;
            c.finish = { step.id, owner, 1, StepStatus::Completed, t.addMSecs(5), Json { { "ok", true } }, std::nullopt };
            c.attempt = { step.id, run.id, 1, owner, t, t, t.addMSecs(5), AttemptStatus::Completed };
            c.contextEntry = std::make_pair(step.stepName, Json { { "n", 1 } });
            WorkflowStepRun next = makeStep(run, 1, StepStatus::Running);
            next.leaseOwner = owner;
            next.leaseExpiresAt = t.addSecs(60);
            next.attempt = 1;
            next.startedAt = t.addMSecs(5);
            c.next = { next };
            c.currentStepIndex = 1;
            c.runMoves = { RunStatus::Waiting };
            return c;
        };
        const StepCompletion accepted = completion(ours, ourStep, S("w1"));
        const StepCompletion fenced = completion(theirs, theirStep, S("w2"));
        const auto outcomes = store().completeSteps({ fenced, accepted });
        VERIFY_OK(outcomes);
        QCOMPARE(outcomes->size(), size_t(2));
        QVERIFY(!(*outcomes)[0].accepted);
        QVERIFY(!(*outcomes)[0].movedRun);
        QVERIFY((*outcomes)[1].accepted);
        QVERIFY((*outcomes)[1].movedRun);
        QCOMPARE(toString((*outcomes)[1].movedRun->status), S("waiting"));
        QVERIFY((*outcomes)[1].context);
        QCOMPARE(show((*(*outcomes)[1].context).value(toStd(ourStep.stepName), Json())), show(Json { { "n", 1 } }));

        const auto ourSteps = store().getRunSteps(ours.id);
        VERIFY_OK(ourSteps);
        QCOMPARE(ourSteps->size(), size_t(2));
        QCOMPARE(toString((*ourSteps)[0].status), S("completed"));
        QCOMPARE(toString((*ourSteps)[1].status), S("running"));
        QCOMPARE((*ourSteps)[1].leaseOwner, std::optional<QString>(S("w1")));
        const auto ourRun = store().getRun(ours.id);
        VERIFY_OK(ourRun);
        QCOMPARE(ourRun->currentStepIndex, 1);
        QCOMPARE(toString(ourRun->status), S("waiting"));
        const auto ourAttempts = store().getRunAttempts(ours.id);
        VERIFY_OK(ourAttempts);
        QCOMPARE(ourAttempts->size(), size_t(2)); // the finished one and the one taken up
        const auto takenUp = std::find_if(ourAttempts->begin(), ourAttempts->end(),
                                          [&](const StepAttempt &a) { return a.stepRunId == (*ourSteps)[1].id; });
        QVERIFY(takenUp != ourAttempts->end());
        QCOMPARE(toString(takenUp->status), S("running"));
        QCOMPARE(takenUp->owner, S("w1"));

        const auto theirSteps = store().getRunSteps(theirs.id);
        VERIFY_OK(theirSteps);
        QCOMPARE(theirSteps->size(), size_t(1));
        QCOMPARE(toString(theirSteps->front().status), S("running"));
        const auto theirRun = store().getRun(theirs.id);
        VERIFY_OK(theirRun);
        QCOMPARE(theirRun->currentStepIndex, theirs.currentStepIndex);
        QCOMPARE(toString(theirRun->status), S("running"));
        QCOMPARE(show(theirRun->context), show(theirs.context));
    }

    void claimOldestDueFirst()
    {
        const QDateTime t = nowUtc();
        const WorkflowRun run = makeRun(makeDefinition(), RunStatus::Running);
        // Created (and id-ordered) in a different order than they fall due.
        const WorkflowStepRun third = makeStep(run, 0, StepStatus::Scheduled, t.addSecs(-1));
        const WorkflowStepRun first = makeStep(run, 1, StepStatus::Scheduled, t.addSecs(-3));
        const WorkflowStepRun second = makeStep(run, 2, StepStatus::Scheduled, t.addSecs(-2));
        VERIFY_OK(store().createRun(run, { third, first, second }));
        QStringList order;
        for (int i = 0; i < 4; ++i) {
            const auto claimed = store().claimDueSteps(S("w"), t, 60s, 1);
            VERIFY_OK(claimed);
            QVERIFY(claimed->size() <= 1);
            for (const auto &step : claimed.value())
                order << step.id;
        }
        QCOMPARE(order, QStringList({ first.id, second.id, third.id }));
    }

    void renewLease()
    {
        const QDateTime t = nowUtc();
        const WorkflowRun run = makeRun(makeDefinition(), RunStatus::Running);
        const WorkflowStepRun step = makeStep(run, 0);
        VERIFY_OK(store().createRun(run, { step }));
        const auto claimed = store().claimDueSteps(S("w1"), t, 10s, 1);
        VERIFY_OK(claimed);
        QCOMPARE(claimed->size(), size_t(1));

        auto renewed = store().renewLease(step.id, S("w1"), 1, t.addSecs(60));
        VERIFY_OK(renewed);
        QVERIFY(renewed.value());
        auto stored = store().getStepRun(step.id);
        VERIFY_OK(stored);
        QCOMPARE(show(stored->leaseExpiresAt), show(t.addSecs(60)));

        for (const auto &[owner, attempt] : { std::pair { S("w2"), 1 }, std::pair { S("w1"), 2 }, std::pair { S("w1"), 0 } }) {
            renewed = store().renewLease(step.id, owner, attempt, t.addSecs(600));
            VERIFY_OK(renewed);
            QVERIFY2(!renewed.value(), qPrintable(owner + S(" attempt ") + QString::number(attempt)));
        }
        stored = store().getStepRun(step.id);
        VERIFY_OK(stored);
        QCOMPARE(show(stored->leaseExpiresAt), show(t.addSecs(60)));
        QCOMPARE(show(stored->leaseOwner), show(std::optional<QString>(S("w1"))));

        // A finished step has no lease to renew.
        StepFinish finish { step.id, S("w1"), 1, StepStatus::Completed, nowUtc(), Json(), std::nullopt };
        VERIFY_OK(store().finishStep(finish));
        renewed = store().renewLease(step.id, S("w1"), 1, t.addSecs(600));
        VERIFY_OK(renewed);
        QVERIFY(!renewed.value());

        const auto unknown = store().renewLease(S("stp_unknown"), S("w1"), 1, t.addSecs(600));
        QVERIFY(!unknown.ok() ? unknown.error().code == ErrorCode::NotFound : !unknown.value());
    }

    void finishStepOutcomes_data()
    {
        QTest::addColumn<int>("status");
        QTest::newRow("completed") << int(StepStatus::Completed);
        QTest::newRow("failed") << int(StepStatus::Failed);
        QTest::newRow("skipped") << int(StepStatus::Skipped);
        QTest::newRow("scheduled (retry)") << int(StepStatus::Scheduled);
    }

    void finishStepOutcomes()
    {
        QFETCH(int, status);
        const StepStatus outcome = StepStatus(status);
        const QDateTime t = nowUtc();
        const WorkflowRun run = makeRun(makeDefinition(), RunStatus::Running);
        const WorkflowStepRun step = makeStep(run, 0);
        VERIFY_OK(store().createRun(run, { step }));
        const auto claimed = store().claimDueSteps(S("w1"), t, 60s, 1);
        VERIFY_OK(claimed);
        QCOMPARE(claimed->size(), size_t(1));

        StepFinish finish;
        finish.stepRunId = step.id;
        finish.owner = S("w1");
        finish.attempt = 1;
        finish.status = outcome;
        finish.at = t.addSecs(5);
        finish.result = objectWith("attempt", 1);
        if (outcome == StepStatus::Failed || outcome == StepStatus::Scheduled)
            finish.errorMessage = S("HTTP 503");
        VERIFY_OK(store().finishStep(finish));
        const auto stored = store().getStepRun(step.id);
        VERIFY_OK(stored);
        QCOMPARE(toString(stored->status), toString(outcome));
        QCOMPARE(stored->attempt, 1);
        QCOMPARE(show(stored->leaseOwner), show(std::optional<QString>()));
        QCOMPARE(show(stored->leaseExpiresAt), show(QDateTime()));
        QCOMPARE(show(stored->result), show(finish.result));
        QCOMPARE(show(stored->errorMessage), show(finish.errorMessage));
        QCOMPARE(show(stored->startedAt), show(t));
        if (outcome == StepStatus::Scheduled) {
            QCOMPARE(show(stored->scheduledFor), show(finish.at));
        } else {
            QCOMPARE(show(stored->completedAt), show(finish.at));
        }
        // Fenced: the same attempt cannot finish twice.
        VERIFY_ERROR(store().finishStep(finish), ErrorCode::Conflict);

        if (outcome != StepStatus::Scheduled) {
            const auto none = store().claimDueSteps(S("w2"), t.addSecs(3600), 60s, 10);
            VERIFY_OK(none);
            QVERIFY(none->empty());
            return;
        }
        // The retry is due at `at`, not before; its claim is attempt 2.
        const auto early = store().claimDueSteps(S("w2"), t.addSecs(4), 60s, 10);
        VERIFY_OK(early);
        QVERIFY(early->empty());
        const auto retry = store().claimDueSteps(S("w2"), t.addSecs(5), 60s, 10);
        VERIFY_OK(retry);
        QCOMPARE(idsOf(retry.value()), QStringList { step.id });
        QCOMPARE(retry->front().attempt, 2);
        // A null result leaves the previous attempt's result in place.
        StepFinish done { step.id, S("w2"), 2, StepStatus::Completed, t.addSecs(6), Json(), std::nullopt };
        VERIFY_OK(store().finishStep(done));
        const auto final = store().getStepRun(step.id);
        VERIFY_OK(final);
        QCOMPARE(toString(final->status), toString(StepStatus::Completed));
        QCOMPARE(show(final->result), show(finish.result));
    }

    void finishStepIsFenced()
    {
        const QDateTime t = nowUtc();
        const WorkflowRun run = makeRun(makeDefinition(), RunStatus::Running);
        const WorkflowStepRun step = makeStep(run, 0);
        const WorkflowStepRun notClaimed = makeStep(run, 1, StepStatus::Scheduled, t.addSecs(3600));
        VERIFY_OK(store().createRun(run, { step, notClaimed }));
        const auto claimed = store().claimDueSteps(S("w1"), t, 60s, 10);
        VERIFY_OK(claimed);
        QCOMPARE(idsOf(claimed.value()), QStringList { step.id });
        const auto before = store().getStepRun(step.id);
        VERIFY_OK(before);

        StepFinish wrongOwner { step.id, S("w2"), 1, StepStatus::Completed, t, objectWith("by", "w2"), std::nullopt };
        VERIFY_ERROR(store().finishStep(wrongOwner), ErrorCode::Conflict);
        StepFinish wrongAttempt { step.id, S("w1"), 2, StepStatus::Completed, t, objectWith("by", "w1/2"), std::nullopt };
        VERIFY_ERROR(store().finishStep(wrongAttempt), ErrorCode::Conflict);
        StepFinish notRunning { notClaimed.id, S("w1"), 0, StepStatus::Completed, t, Json(), std::nullopt };
        VERIFY_ERROR(store().finishStep(notRunning), ErrorCode::Conflict);
        const auto after = store().getStepRun(step.id);
        VERIFY_OK(after);
        CALL(sameStep(after.value(), before.value()));
        const auto untouched = store().getStepRun(notClaimed.id);
        VERIFY_OK(untouched);
        CALL(sameStep(untouched.value(), notClaimed));

        StepFinish unknown { S("stp_unknown"), S("w1"), 1, StepStatus::Completed, t, Json(), std::nullopt };
        const Status unknownFinish = store().finishStep(unknown);
        QVERIFY(!unknownFinish.ok());
        QVERIFY2(unknownFinish.error().code == ErrorCode::NotFound || unknownFinish.error().code == ErrorCode::Conflict,
                 failText(unknownFinish).constData());
    }

    // Owner A's lease lapses, B claims the step; A's late completion must not overwrite B's.
    void fencingAcrossOwners()
    {
        const QDateTime t = nowUtc();
        const WorkflowRun run = makeRun(makeDefinition(), RunStatus::Running);
        const WorkflowStepRun step = makeStep(run, 0);
        VERIFY_OK(store().createRun(run, { step }));
        const auto a = store().claimDueSteps(S("owner-a"), t, 200ms, 1);
        VERIFY_OK(a);
        QCOMPARE(idsOf(a.value()), QStringList { step.id });
        QCOMPARE(a->front().attempt, 1);

        // Still leased: B gets nothing.
        const auto tooEarly = store().claimDueSteps(S("owner-b"), t.addMSecs(100), 60s, 1);
        VERIFY_OK(tooEarly);
        QVERIFY(tooEarly->empty());

        const auto b = store().claimDueSteps(S("owner-b"), t.addSecs(1), 60s, 1);
        VERIFY_OK(b);
        QCOMPARE(idsOf(b.value()), QStringList { step.id });
        QCOMPARE(b->front().attempt, 2);
        QCOMPARE(show(b->front().leaseOwner), show(std::optional<QString>(S("owner-b"))));

        const auto aRenew = store().renewLease(step.id, S("owner-a"), 1, t.addSecs(600));
        VERIFY_OK(aRenew);
        QVERIFY(!aRenew.value());
        StepFinish lateA { step.id, S("owner-a"), 1, StepStatus::Completed, t.addSecs(2), objectWith("by", "a"), std::nullopt };
        VERIFY_ERROR(store().finishStep(lateA), ErrorCode::Conflict);
        StepFinish finishB { step.id, S("owner-b"), 2, StepStatus::Completed, t.addSecs(3), objectWith("by", "b"), std::nullopt };
        VERIFY_OK(store().finishStep(finishB));
        // And A cannot overwrite after B finished either.
        VERIFY_ERROR(store().finishStep(lateA), ErrorCode::Conflict);

        const auto stored = store().getStepRun(step.id);
        VERIFY_OK(stored);
        QCOMPARE(toString(stored->status), toString(StepStatus::Completed));
        QCOMPARE(show(stored->result), show(objectWith("by", "b")));
        QCOMPARE(show(stored->completedAt), show(t.addSecs(3)));
        QCOMPARE(stored->attempt, 2);
    }

    void reclaimExpiredLeases()
    {
        const QDateTime t = nowUtc();
        const WorkflowRun run = makeRun(makeDefinition(), RunStatus::Running);
        const WorkflowStepRun shortLease = makeStep(run, 0, StepStatus::Scheduled, t.addSecs(-3));
        const WorkflowStepRun longLease = makeStep(run, 1, StepStatus::Scheduled, t.addSecs(-2));
        const WorkflowStepRun waiting = makeStep(run, 2, StepStatus::Scheduled, t.addSecs(3600));
        VERIFY_OK(store().createRun(run, { shortLease, longLease, waiting }));
        const auto a = store().claimDueSteps(S("w1"), t, 1s, 1);
        VERIFY_OK(a);
        QCOMPARE(idsOf(a.value()), QStringList { shortLease.id });
        const auto b = store().claimDueSteps(S("w1"), t, 1h, 1);
        VERIFY_OK(b);
        QCOMPARE(idsOf(b.value()), QStringList { longLease.id });

        auto reclaimed = store().reclaimExpiredLeases(t.addMSecs(500));
        VERIFY_OK(reclaimed);
        QCOMPARE(reclaimed.value(), 0);
        reclaimed = store().reclaimExpiredLeases(t.addSecs(10));
        VERIFY_OK(reclaimed);
        QCOMPARE(reclaimed.value(), 1);
        const auto back = store().getStepRun(shortLease.id);
        VERIFY_OK(back);
        QCOMPARE(toString(back->status), toString(StepStatus::Scheduled));
        QCOMPARE(back->attempt, 1);
        QVERIFY2(!back->scheduledFor.isValid() || back->scheduledFor <= t.addSecs(10), qPrintable(show(back->scheduledFor)));
        const auto held = store().getStepRun(longLease.id);
        VERIFY_OK(held);
        QCOMPARE(toString(held->status), toString(StepStatus::Running));
        QCOMPARE(show(held->leaseOwner), show(std::optional<QString>(S("w1"))));
        const auto notDue = store().getStepRun(waiting.id);
        VERIFY_OK(notDue);
        CALL(sameStep(notDue.value(), waiting));

        reclaimed = store().reclaimExpiredLeases(t.addSecs(10));
        VERIFY_OK(reclaimed);
        QCOMPARE(reclaimed.value(), 0);
        // Due now: claimed again as attempt 2.
        const auto again = store().claimDueSteps(S("w2"), t.addSecs(10), 60s, 10);
        VERIFY_OK(again);
        QCOMPARE(idsOf(again.value()), QStringList { shortLease.id });
        QCOMPARE(again->front().attempt, 2);
    }

    void nextDueAt()
    {
        auto next = store().nextDueAt();
        VERIFY_OK(next);
        QCOMPARE(show(next.value()), show(std::optional<QDateTime>()));

        const QDateTime t = nowUtc();
        const WorkflowRun run = makeRun(makeDefinition(), RunStatus::Running);
        const WorkflowStepRun leased = makeStep(run, 0, StepStatus::Scheduled, t.addSecs(-1));
        const WorkflowStepRun done = makeStep(run, 1, StepStatus::Completed, t.addSecs(1));
        const WorkflowStepRun failed = makeStep(run, 2, StepStatus::Failed, t.addSecs(1));
        VERIFY_OK(store().createRun(run, { leased, done, failed }));
        const auto claimed = store().claimDueSteps(S("w"), t, 5s, 10);
        VERIFY_OK(claimed);
        QCOMPARE(idsOf(claimed.value()), QStringList { leased.id });
        next = store().nextDueAt();
        VERIFY_OK(next);
        QCOMPARE(show(next.value()), show(std::optional<QDateTime>(t.addSecs(5)))); // the lease expiry

        VERIFY_OK(store().insertStepRuns({ makeStep(run, 3, StepStatus::Scheduled, t.addSecs(10)) }));
        next = store().nextDueAt();
        VERIFY_OK(next);
        QCOMPARE(show(next.value()), show(std::optional<QDateTime>(t.addSecs(5))));

        VERIFY_OK(store().insertStepRuns({ makeStep(run, 4, StepStatus::Pending, t.addSecs(2)) }));
        next = store().nextDueAt();
        VERIFY_OK(next);
        QCOMPARE(show(next.value()), show(std::optional<QDateTime>(t.addSecs(2))));
    }

    void skipPendingSteps()
    {
        const QDateTime t = nowUtc();
        const WorkflowRun run = makeRun(makeDefinition(), RunStatus::Running);
        const WorkflowStepRun running = makeStep(run, 0);
        const WorkflowStepRun pending = makeStep(run, 1);
        const WorkflowStepRun scheduled = makeStep(run, 2, StepStatus::Scheduled, t.addSecs(60));
        const WorkflowStepRun completed = makeStep(run, 3, StepStatus::Completed);
        const WorkflowStepRun failed = makeStep(run, 4, StepStatus::Failed);
        VERIFY_OK(store().createRun(run, { running, pending, scheduled, completed, failed }));
        const auto claimed = store().claimDueSteps(S("w"), t, 1h, 1);
        VERIFY_OK(claimed);
        QCOMPARE(idsOf(claimed.value()), QStringList { running.id });
        const WorkflowRun other = makeRun(makeDefinition(), RunStatus::Running);
        const WorkflowStepRun otherPending = makeStep(other, 0, StepStatus::Pending, t.addSecs(60));
        VERIFY_OK(store().createRun(other, { otherPending }));

        const auto skipped = store().skipPendingSteps(run.id, S("run canceled"));
        VERIFY_OK(skipped);
        QCOMPARE(skipped.value(), 2);
        for (const auto &id : { pending.id, scheduled.id }) {
            const auto stored = store().getStepRun(id);
            VERIFY_OK(stored);
            QCOMPARE(toString(stored->status), toString(StepStatus::Skipped));
            QCOMPARE(show(stored->errorMessage), show(std::optional<QString>(S("run canceled"))));
        }
        for (const auto &kept : { completed, failed, otherPending }) {
            const auto stored = store().getStepRun(kept.id);
            VERIFY_OK(stored);
            CALL(sameStep(stored.value(), kept));
        }
        const auto stillRunning = store().getStepRun(running.id);
        VERIFY_OK(stillRunning);
        QCOMPARE(toString(stillRunning->status), toString(StepStatus::Running));

        const auto again = store().skipPendingSteps(run.id, S("again"));
        VERIFY_OK(again);
        QCOMPARE(again.value(), 0);
        // Skipped steps are never claimed (the running one is still leased at t + 2 min).
        const auto none = store().claimDueSteps(S("w"), t.addSecs(120), 60s, 10);
        VERIFY_OK(none);
        QCOMPARE(idsOf(none.value()), QStringList { otherPending.id });
    }

    void rescheduleStep()
    {
        const QDateTime t = nowUtc();
        const WorkflowRun run = makeRun(makeDefinition(), RunStatus::Failed);
        WorkflowStepRun failed = makeStep(run, 0, StepStatus::Failed);
        failed.errorMessage = S("boom");
        failed.attempt = 3;
        WorkflowStepRun skipped = makeStep(run, 1, StepStatus::Skipped);
        skipped.attempt = 1;
        skipped.errorMessage = S("skipped by cancel");
        const WorkflowStepRun pending = makeStep(run, 2, StepStatus::Pending, t.addSecs(600));
        const WorkflowStepRun completed = makeStep(run, 3, StepStatus::Completed);
        const WorkflowStepRun scheduled = makeStep(run, 4, StepStatus::Scheduled, t.addSecs(600));
        const WorkflowStepRun running = makeStep(run, 5, StepStatus::Running);
        VERIFY_OK(store().createRun(run, { failed, skipped, pending, completed, scheduled, running }));

        for (const auto &step : { failed, skipped }) {
            VERIFY_OK(store().rescheduleStep(step.id, t.addSecs(30)));
            const auto stored = store().getStepRun(step.id);
            VERIFY_OK(stored);
            QCOMPARE(toString(stored->status), toString(StepStatus::Scheduled));
            QCOMPARE(show(stored->scheduledFor), show(t.addSecs(30)));
            QCOMPARE(show(stored->errorMessage), show(std::optional<QString>()));
            QCOMPARE(stored->attempt, step.attempt);
            QCOMPARE(stored->attemptFloor, step.attempt); // the retry policy counts afresh
        }
        for (const auto &step : { pending, completed, scheduled, running }) {
            VERIFY_ERROR(store().rescheduleStep(step.id, t.addSecs(30)), ErrorCode::Conflict);
            const auto stored = store().getStepRun(step.id);
            VERIFY_OK(stored);
            CALL(sameStep(stored.value(), step));
        }
        // Rescheduled means due at `at`.
        const auto early = store().claimDueSteps(S("w"), t.addSecs(29), 60s, 10);
        VERIFY_OK(early);
        QVERIFY(early->empty() || (early->size() == 1 && early->front().id == running.id));
        const auto due = store().claimDueSteps(S("w"), t.addSecs(30), 60s, 10);
        VERIFY_OK(due);
        QStringList dueIds = idsOf(due.value());
        dueIds.removeAll(running.id); // inserted as running without a lease: not part of this contract
        QCOMPARE(sorted(dueIds), sorted({ failed.id, skipped.id }));
        VERIFY_ERROR(store().rescheduleStep(S("stp_unknown"), t), ErrorCode::NotFound);
    }

    // Eight threads, each with its own store, race for 1000 due steps: each is claimed once.
    void claimRace()
    {
        constexpr int kSteps = 1000;
        constexpr int kThreads = 8;
        const QDateTime t = nowUtc();
        const WorkflowRun run = makeRun(makeDefinition(), RunStatus::Running);
        std::vector<WorkflowStepRun> steps;
        steps.reserve(kSteps);
        for (int i = 0; i < kSteps; ++i)
            steps.push_back(makeStep(run, i, StepStatus::Scheduled, t.addSecs(-1)));
        VERIFY_OK(store().createRun(run, steps));

        struct Claims
        {
            std::vector<WorkflowStepRun> steps;
            QStringList errors;
            int calls = 0;
        };
        std::vector<Claims> claims(kThreads);
        std::latch ready(kThreads);
        std::vector<QThread *> threads;
        for (int n = 0; n < kThreads; ++n) {
            threads.push_back(QThread::create([&, n] {
                Claims &mine = claims[n];
                StoreOptions options;
                options.url = m_url;
                options.tablePrefix = m_prefix;
                auto opened = openStore(options);
                ready.arrive_and_wait();
                if (!opened.ok()) {
                    mine.errors << errorText(opened.error());
                    return;
                }
                Store &own = *opened.value();
                const QString owner = S("claimer-") + QString::number(n);
                for (int guard = 0; guard < 10000; ++guard) {
                    const auto got = own.claimDueSteps(owner, nowUtc(), 10min, 16);
                    ++mine.calls;
                    if (!got.ok()) {
                        mine.errors << errorText(got.error());
                        continue;
                    }
                    if (got->empty())
                        break;
                    mine.steps.insert(mine.steps.end(), got->begin(), got->end());
                    // A moment of "work" between claims, as a real worker has: without it
                    // SQLite's busy handler lets one thread take every batch, and nothing races.
                    QThread::usleep(300);
                }
            }));
            threads.back()->start();
        }
        for (QThread *thread : threads) {
            QVERIFY(thread->wait(QDeadlineTimer(120000)));
            delete thread;
        }

        QStringList errors;
        QSet<QString> seen;
        int total = 0;
        int busyThreads = 0;
        for (int n = 0; n < kThreads; ++n) {
            errors += claims[n].errors;
            busyThreads += claims[n].steps.empty() ? 0 : 1;
            for (const WorkflowStepRun &step : claims[n].steps) {
                ++total;
                QVERIFY2(!seen.contains(step.id), qPrintable(S("claimed twice: ") + step.id));
                seen.insert(step.id);
                QCOMPARE(step.attempt, 1);
                QCOMPARE(show(step.leaseOwner), show(std::optional<QString>(S("claimer-") + QString::number(n))));
            }
        }
        QVERIFY2(errors.isEmpty(), qPrintable(errors.mid(0, 5).join(S("; "))));
        QCOMPARE(total, kSteps);
        QCOMPARE(seen.size(), kSteps);
        qInfo("%d of %d threads claimed steps", busyThreads, kThreads);
        QVERIFY2(busyThreads >= 2, "only one thread ever claimed: the race did not happen");

        // The stored rows agree with what the claimers were told.
        const auto stored = store().getRunSteps(run.id);
        VERIFY_OK(stored);
        QCOMPARE(stored->size(), size_t(kSteps));
        QHash<QString, QString> ownerOf;
        for (int n = 0; n < kThreads; ++n) {
            for (const WorkflowStepRun &step : claims[n].steps)
                ownerOf.insert(step.id, S("claimer-") + QString::number(n));
        }
        for (const WorkflowStepRun &step : stored.value()) {
            QCOMPARE(toString(step.status), toString(StepStatus::Running));
            QCOMPARE(step.attempt, 1);
            QCOMPARE(show(step.leaseOwner), show(std::optional<QString>(ownerOf.value(step.id))));
        }
    }

    // ---- beyond Pulse: parked steps, skipSteps, context merges, attempts ---------------

    void parkStepHoldsWithoutLease()
    {
        const QDateTime t = nowUtc();
        const WorkflowRun run = makeRun(makeDefinition(), RunStatus::Running);
        WorkflowStepRun parallel = makeStep(run, 0);
        parallel.stepType = StepType::Parallel;
        VERIFY_OK(store().createRun(run, { parallel }));
        const auto claimed = store().claimDueSteps(S("w1"), t, 1s, 1);
        VERIFY_OK(claimed);
        QCOMPARE(idsOf(claimed.value()), QStringList { parallel.id });

        // Fenced like finishStep.
        VERIFY_ERROR(store().parkStep(parallel.id, S("w2"), 1), ErrorCode::Conflict);
        VERIFY_ERROR(store().parkStep(parallel.id, S("w1"), 2), ErrorCode::Conflict);
        VERIFY_OK(store().parkStep(parallel.id, S("w1"), 1));
        const auto parked = store().getStepRun(parallel.id);
        VERIFY_OK(parked);
        QCOMPARE(toString(parked->status), toString(StepStatus::Running));
        QCOMPARE(show(parked->leaseExpiresAt), show(QDateTime()));
        QCOMPARE(parked->attempt, 1);

        // Nobody reclaims it, however late it gets, and the scheduler's timer ignores it.
        const auto reclaimed = store().reclaimExpiredLeases(t.addDays(1));
        VERIFY_OK(reclaimed);
        QCOMPARE(reclaimed.value(), 0);
        const auto none = store().claimDueSteps(S("w2"), t.addDays(1), 60s, 10);
        VERIFY_OK(none);
        QVERIFY(none->empty());
        const auto next = store().nextDueAt();
        VERIFY_OK(next);
        QCOMPARE(show(next.value()), show(std::optional<QDateTime>()));
        const auto after = store().getStepRun(parallel.id);
        VERIFY_OK(after);
        CALL(sameStep(after.value(), parked.value()));

        // Parking twice, or a step that is not running under the owner, is refused.
        VERIFY_ERROR(store().parkStep(parallel.id, S("w1"), 1), ErrorCode::Conflict);
        const WorkflowStepRun pending = makeStep(run, 1, StepStatus::Pending, t.addDays(2));
        VERIFY_OK(store().insertStepRuns({ pending }));
        VERIFY_ERROR(store().parkStep(pending.id, S("w1"), 0), ErrorCode::Conflict);
        const Status unknown = store().parkStep(S("stp_unknown"), S("w1"), 1);
        QVERIFY(!unknown.ok());
        QVERIFY2(unknown.error().code == ErrorCode::NotFound || unknown.error().code == ErrorCode::Conflict,
                 failText(unknown).constData());
    }

    void finishParkedStep()
    {
        const QDateTime t = nowUtc();
        const WorkflowRun run = makeRun(makeDefinition(), RunStatus::Running);
        const WorkflowStepRun parallel = makeStep(run, 0);
        const WorkflowStepRun leased = makeStep(run, 1);
        VERIFY_OK(store().createRun(run, { parallel, leased }));
        const auto claimed = store().claimDueSteps(S("w1"), t, 60s, 2);
        VERIFY_OK(claimed);
        QCOMPARE(claimed->size(), size_t(2));
        VERIFY_OK(store().parkStep(parallel.id, S("w1"), 1));

        // A running step with a lease is not parked: nothing happens to it.
        auto settled = store().finishParkedStep(leased.id, StepStatus::Completed, t.addSecs(1), Json(), std::nullopt);
        VERIFY_OK(settled);
        QVERIFY(!settled.value());
        const auto stillLeased = store().getStepRun(leased.id);
        VERIFY_OK(stillLeased);
        QCOMPARE(toString(stillLeased->status), toString(StepStatus::Running));
        QCOMPARE(show(stillLeased->leaseOwner), show(std::optional<QString>(S("w1"))));

        settled = store().finishParkedStep(parallel.id, StepStatus::Completed, t.addSecs(2), objectWith("branches", 2),
                                           std::nullopt);
        VERIFY_OK(settled);
        QVERIFY(settled.value());
        const auto done = store().getStepRun(parallel.id);
        VERIFY_OK(done);
        QCOMPARE(toString(done->status), toString(StepStatus::Completed));
        QCOMPARE(show(done->completedAt), show(t.addSecs(2)));
        QCOMPARE(show(done->result), show(objectWith("branches", 2)));

        // Settled once: a second settler is told so, and changes nothing.
        settled = store().finishParkedStep(parallel.id, StepStatus::Failed, t.addSecs(3), objectWith("late", true),
                                           S("too late"));
        VERIFY_OK(settled);
        QVERIFY(!settled.value());
        const auto unchanged = store().getStepRun(parallel.id);
        VERIFY_OK(unchanged);
        CALL(sameStep(unchanged.value(), done.value()));

        const auto unknown = store().finishParkedStep(S("stp_unknown"), StepStatus::Completed, t, Json(), std::nullopt);
        QVERIFY(!unknown.ok() ? unknown.error().code == ErrorCode::NotFound : !unknown.value());
    }

    // "Guarded in one statement, so concurrent settlers agree": one of many wins.
    void finishParkedStepRace()
    {
        constexpr int kThreads = 4;
        const QDateTime t = nowUtc();
        const WorkflowRun run = makeRun(makeDefinition(), RunStatus::Running);
        const WorkflowStepRun parallel = makeStep(run, 0);
        VERIFY_OK(store().createRun(run, { parallel }));
        const auto claimed = store().claimDueSteps(S("w1"), t, 60s, 1);
        VERIFY_OK(claimed);
        VERIFY_OK(store().parkStep(parallel.id, S("w1"), 1));

        std::latch start(kThreads);
        std::mutex mutex;
        QStringList errors;
        QStringList winners;
        std::vector<QThread *> threads;
        for (int n = 0; n < kThreads; ++n) {
            threads.push_back(QThread::create([&, n] {
                StoreOptions options;
                options.url = m_url;
                options.tablePrefix = m_prefix;
                auto opened = openStore(options);
                start.arrive_and_wait();
                if (!opened.ok()) {
                    std::lock_guard lock(mutex);
                    errors << errorText(opened.error());
                    return;
                }
                const auto answer = opened.value()->finishParkedStep(
                    parallel.id, n % 2 ? StepStatus::Failed : StepStatus::Completed, t.addSecs(n),
                    objectWith("settler", n), n % 2 ? std::optional<QString>(S("settler %1").arg(n)) : std::nullopt);
                std::lock_guard lock(mutex);
                if (!answer.ok())
                    errors << errorText(answer.error());
                else if (answer.value())
                    winners << QString::number(n);
            }));
            threads.back()->start();
        }
        for (QThread *thread : threads) {
            thread->wait();
            delete thread;
        }
        QVERIFY2(errors.isEmpty(), qPrintable(errors.join(S("; "))));
        QCOMPARE(winners.size(), 1);
        const auto stored = store().getStepRun(parallel.id);
        VERIFY_OK(stored);
        QCOMPARE(show(stored->result), show(objectWith("settler", winners.front().toInt())));
    }

    void reopenParkedStep()
    {
        const QDateTime t = nowUtc();
        const WorkflowRun run = makeRun(makeDefinition(), RunStatus::Running);
        const WorkflowStepRun parallel = makeStep(run, 0);
        const WorkflowStepRun completed = makeStep(run, 1, StepStatus::Completed);
        VERIFY_OK(store().createRun(run, { parallel, completed }));
        const auto claimed = store().claimDueSteps(S("w1"), t, 60s, 1);
        VERIFY_OK(claimed);
        VERIFY_OK(store().parkStep(parallel.id, S("w1"), 1));
        auto settled = store().finishParkedStep(parallel.id, StepStatus::Failed, t.addSecs(1), Json(), S("a branch failed"));
        VERIFY_OK(settled);
        QVERIFY(settled.value());
        const auto failed = store().getStepRun(parallel.id);
        VERIFY_OK(failed);
        QCOMPARE(toString(failed->status), toString(StepStatus::Failed));
        QCOMPARE(show(failed->errorMessage), show(std::optional<QString>(S("a branch failed"))));

        VERIFY_OK(store().reopenParkedStep(parallel.id));
        const auto reopened = store().getStepRun(parallel.id);
        VERIFY_OK(reopened);
        QCOMPARE(toString(reopened->status), toString(StepStatus::Running));
        QCOMPARE(show(reopened->leaseExpiresAt), show(QDateTime()));
        // Parked again: not claimable, and settled by the next finishParkedStep.
        const auto none = store().claimDueSteps(S("w2"), t.addDays(1), 60s, 10);
        VERIFY_OK(none);
        QVERIFY(none->empty());
        settled = store().finishParkedStep(parallel.id, StepStatus::Completed, t.addSecs(5), Json(), std::nullopt);
        VERIFY_OK(settled);
        QVERIFY(settled.value());
        const auto done = store().getStepRun(parallel.id);
        VERIFY_OK(done);
        QCOMPARE(toString(done->status), toString(StepStatus::Completed));

        // Only a failed step can be reopened.
        QVERIFY(!store().reopenParkedStep(parallel.id).ok());
        QVERIFY(!store().reopenParkedStep(completed.id).ok());
        const auto untouched = store().getStepRun(completed.id);
        VERIFY_OK(untouched);
        CALL(sameStep(untouched.value(), completed));
        VERIFY_ERROR(store().reopenParkedStep(S("stp_unknown")), ErrorCode::NotFound);
    }

    void skipSteps()
    {
        const QDateTime t = nowUtc();
        const WorkflowRun run = makeRun(makeDefinition(), RunStatus::Running);
        const WorkflowStepRun running = makeStep(run, 0);
        const WorkflowStepRun parked = makeStep(run, 1);
        const WorkflowStepRun pending = makeStep(run, 2, StepStatus::Pending, t.addSecs(600));
        const WorkflowStepRun scheduled = makeStep(run, 3, StepStatus::Scheduled, t.addSecs(600));
        const WorkflowStepRun completed = makeStep(run, 4, StepStatus::Completed);
        const WorkflowStepRun failed = makeStep(run, 5, StepStatus::Failed);
        const WorkflowStepRun skipped = makeStep(run, 6, StepStatus::Skipped);
        const WorkflowStepRun notListed = makeStep(run, 7, StepStatus::Pending, t.addSecs(600));
        VERIFY_OK(store().createRun(run, { running, parked, pending, scheduled, completed, failed, skipped, notListed }));
        const auto claimed = store().claimDueSteps(S("w1"), t, 60s, 2);
        VERIFY_OK(claimed);
        QCOMPARE(sorted(idsOf(claimed.value())), sorted({ running.id, parked.id }));
        VERIFY_OK(store().parkStep(parked.id, S("w1"), 1));

        const QDateTime at = t.addSecs(5);
        const auto wasRunning = store().skipSteps({ running.id, parked.id, pending.id, scheduled.id, completed.id,
                                                    failed.id, skipped.id, S("stp_unknown") },
                                                  S("branch lost"), at);
        VERIFY_OK(wasRunning);
        QStringList runningIds;
        for (const QString &id : wasRunning.value())
            runningIds << id;
        // Whether a parked step counts as "running" here is not spelled out; a leased one does.
        QVERIFY2(runningIds.contains(running.id), qPrintable(runningIds.join(S(","))));
        QVERIFY2(!runningIds.contains(pending.id) && !runningIds.contains(scheduled.id) && !runningIds.contains(completed.id)
                     && !runningIds.contains(S("stp_unknown")),
                 qPrintable(runningIds.join(S(","))));
        for (const auto &id : { running.id, parked.id, pending.id, scheduled.id }) {
            const auto stored = store().getStepRun(id);
            VERIFY_OK(stored);
            QCOMPARE(toString(stored->status), toString(StepStatus::Skipped));
            QCOMPARE(show(stored->errorMessage), show(std::optional<QString>(S("branch lost"))));
            QCOMPARE(show(stored->leaseOwner), show(std::optional<QString>()));
            QCOMPARE(show(stored->leaseExpiresAt), show(QDateTime()));
        }
        for (const auto &kept : { completed, failed, skipped, notListed }) {
            const auto stored = store().getStepRun(kept.id);
            VERIFY_OK(stored);
            CALL(sameStep(stored.value(), kept));
        }
        // The former owner's late completion is fenced off.
        StepFinish late { running.id, S("w1"), 1, StepStatus::Completed, at, objectWith("late", true), std::nullopt };
        VERIFY_ERROR(store().finishStep(late), ErrorCode::Conflict);
        const auto again = store().skipSteps({ running.id }, S("again"), at);
        VERIFY_OK(again);
        QVERIFY(again->empty());
        const auto empty = store().skipSteps({}, S("nothing"), at);
        VERIFY_OK(empty);
        QVERIFY(empty->empty());
    }

    void mergeRunContext()
    {
        WorkflowRun run = makeRun(makeDefinition(), RunStatus::Running);
        run.context = objectWith("a", 1);
        VERIFY_OK(store().createRun(run, {}));
        auto merged = store().mergeRunContext(run.id, S("b"), objectWith("x", 2));
        VERIFY_OK(merged);
        Json expected = run.context;
        expected["b"] = objectWith("x", 2);
        QCOMPARE(show(merged.value()), show(expected));
        merged = store().mergeRunContext(run.id, S("a"), Json("replaced"));
        VERIFY_OK(merged);
        expected["a"] = "replaced";
        QCOMPARE(show(merged.value()), show(expected));
        const QString odd = S("k'ey\\\"; --") + kUnicode;
        merged = store().mergeRunContext(run.id, odd, Json(toStd(kUnicode)));
        VERIFY_OK(merged);
        expected[toStd(odd)] = toStd(kUnicode);
        QCOMPARE(show(merged.value()), show(expected));
        const auto stored = store().getRun(run.id);
        VERIFY_OK(stored);
        QCOMPARE(show(stored->context), show(expected));
        QCOMPARE(toString(stored->status), toString(RunStatus::Running));
        VERIFY_ERROR(store().mergeRunContext(S("run_unknown"), S("k"), Json(1)), ErrorCode::NotFound);
    }

    // Two branches writing their results at once must not lose either.
    void mergeRunContextConcurrently()
    {
        constexpr int kThreads = 4;
        constexpr int kKeys = 25;
        const WorkflowRun run = makeRun(makeDefinition(), RunStatus::Running);
        VERIFY_OK(store().createRun(run, {}));
        std::latch start(kThreads);
        std::mutex mutex;
        QStringList errors;
        std::vector<QThread *> threads;
        for (int n = 0; n < kThreads; ++n) {
            threads.push_back(QThread::create([&, n] {
                StoreOptions options;
                options.url = m_url;
                options.tablePrefix = m_prefix;
                auto opened = openStore(options);
                start.arrive_and_wait();
                if (!opened.ok()) {
                    std::lock_guard lock(mutex);
                    errors << errorText(opened.error());
                    return;
                }
                for (int k = 0; k < kKeys; ++k) {
                    const auto merged = opened.value()->mergeRunContext(run.id, S("t%1_k%2").arg(n).arg(k), Json(k));
                    if (!merged.ok()) {
                        std::lock_guard lock(mutex);
                        errors << errorText(merged.error());
                    }
                }
            }));
            threads.back()->start();
        }
        for (QThread *thread : threads) {
            thread->wait();
            delete thread;
        }
        QVERIFY2(errors.isEmpty(), qPrintable(errors.mid(0, 5).join(S("; "))));
        const auto stored = store().getRun(run.id);
        VERIFY_OK(stored);
        Json expected = run.context;
        for (int n = 0; n < kThreads; ++n) {
            for (int k = 0; k < kKeys; ++k)
                expected[toStd(S("t%1_k%2").arg(n).arg(k))] = k;
        }
        QCOMPARE(show(stored->context), show(expected));
    }

    void attemptRecords()
    {
        const QDateTime t = nowUtc();
        const WorkflowRun run = makeRun(makeDefinition(), RunStatus::Running);
        const WorkflowStepRun a = makeStep(run, 0, StepStatus::Scheduled, t.addSecs(-2));
        const WorkflowStepRun b = makeStep(run, 1, StepStatus::Scheduled, t.addSecs(-1));
        VERIFY_OK(store().createRun(run, { a, b }));
        const WorkflowRun other = makeRun(makeDefinition(), RunStatus::Running);
        const WorkflowStepRun c = makeStep(other, 0);
        VERIFY_OK(store().createRun(other, { c }));

        auto start = [&](const WorkflowStepRun &step, int attempt, const QString &owner, const QDateTime &at) {
            StepAttempt record;
            record.stepRunId = step.id;
            record.runId = step.runId;
            record.attempt = attempt;
            record.owner = owner;
            record.scheduledFor = step.scheduledFor;
            record.startedAt = at;
            record.status = AttemptStatus::Running;
            return record;
        };
        StepAttempt a1 = start(a, 1, S("w1"), t);
        StepAttempt b1 = start(b, 1, S("w2"), t.addMSecs(10));
        StepAttempt c1 = start(c, 1, S("w1"), t);
        VERIFY_OK(store().recordAttemptStarts({ a1, b1 }));
        VERIFY_OK(store().recordAttemptStarts({ c1 }));
        VERIFY_OK(store().recordAttemptStarts({}));

        auto attemptsOf = [&](const QString &runId) -> std::optional<std::vector<StepAttempt>> {
            const auto got = store().getRunAttempts(runId);
            if (!got.ok()) {
                QTest::qFail(failText(got).constData(), __FILE__, __LINE__);
                return std::nullopt;
            }
            std::vector<StepAttempt> sortedAttempts = got.value();
            std::sort(sortedAttempts.begin(), sortedAttempts.end(), [](const StepAttempt &x, const StepAttempt &y) {
                return std::pair(x.stepRunId, x.attempt) < std::pair(y.stepRunId, y.attempt);
            });
            return sortedAttempts;
        };
        auto got = attemptsOf(run.id);
        QVERIFY(got);
        QCOMPARE(got->size(), size_t(2));
        CALL(sameAttempt(got->at(0), a1));
        CALL(sameAttempt(got->at(1), b1));

        // a's first attempt fails; its second starts and completes.
        StepAttempt a1End = a1;
        a1End.status = AttemptStatus::TimedOut;
        a1End.endedAt = t.addSecs(30);
        a1End.error = S("timed out after 30 s");
        VERIFY_OK(store().recordAttemptEnd(a1End));
        StepAttempt a2 = start(a, 2, S("w3"), t.addSecs(31));
        VERIFY_OK(store().recordAttemptStarts({ a2 }));
        StepAttempt a2End = a2;
        a2End.status = AttemptStatus::Completed;
        a2End.endedAt = t.addSecs(32);
        VERIFY_OK(store().recordAttemptEnd(a2End));
        // An attempt that already ended keeps its first ending.
        StepAttempt lateEnd = a1;
        lateEnd.status = AttemptStatus::Completed;
        lateEnd.endedAt = t.addSecs(40);
        (void)store().recordAttemptEnd(lateEnd);

        got = attemptsOf(run.id);
        QVERIFY(got);
        QCOMPARE(got->size(), size_t(3));
        CALL(sameAttempt(got->at(0), a1End));
        CALL(sameAttempt(got->at(1), a2End));
        CALL(sameAttempt(got->at(2), b1));
        const auto others = attemptsOf(other.id);
        QVERIFY(others);
        QCOMPARE(others->size(), size_t(1));
        CALL(sameAttempt(others->front(), c1));

        const auto unknown = store().getRunAttempts(S("run_unknown"));
        QVERIFY(!unknown.ok() ? unknown.error().code == ErrorCode::NotFound : unknown->empty());
    }

    void attemptStringsVerbatim()
    {
        const WorkflowRun run = makeRun(makeDefinition(), RunStatus::Running);
        const WorkflowStepRun step = makeStep(run, 0);
        VERIFY_OK(store().createRun(run, { step }));
        const QString odd = S("'\";--\\%_/* */' OR '1'='1); DROP TABLE x; --") + kUnicode;
        StepAttempt record;
        record.stepRunId = step.id;
        record.runId = run.id;
        record.attempt = 1;
        record.owner = odd;
        record.startedAt = nowUtc();
        VERIFY_OK(store().recordAttemptStarts({ record }));
        record.status = AttemptStatus::Failed;
        record.endedAt = record.startedAt.addSecs(1);
        record.error = largeText();
        VERIFY_OK(store().recordAttemptEnd(record));
        const auto got = store().getRunAttempts(run.id);
        VERIFY_OK(got);
        QCOMPARE(got->size(), size_t(1));
        CALL(sameAttempt(got->front(), record));
    }

    // ---- execution logs ---------------------------------------------------------------

    void logsAreChronological()
    {
        const WorkflowRun run = makeRun(makeDefinition());
        const WorkflowStepRun step = makeStep(run, 0);
        VERIFY_OK(store().createRun(run, { step }));
        const WorkflowRun other = makeRun(makeDefinition());
        VERIFY_OK(store().createRun(other, {}));
        const QDateTime t0 = nowUtc();
        std::vector<ExecutionLog> logs;
        for (int i = 0; i < 6; ++i) {
            ExecutionLog log;
            log.createdAt = t0.addMSecs(i * 7);
            log.id = newId(IdPrefix::Log, log.createdAt);
            log.runId = run.id;
            if (i % 2)
                log.stepRunId = step.id;
            log.tenantId = run.tenantId;
            log.level = LogLevel(i % 3);
            log.message = S("line ") + QString::number(i);
            if (i % 3 == 0)
                log.data = objectWith("i", i);
            logs.push_back(log);
        }
        ExecutionLog foreign = logs.front();
        foreign.id = newId(IdPrefix::Log);
        foreign.runId = other.id;
        // Appended out of order, in two batches.
        VERIFY_OK(store().appendLogs({ logs[4], logs[1], foreign }));
        VERIFY_OK(store().appendLogs({ logs[5], logs[0], logs[3], logs[2] }));
        VERIFY_OK(store().appendLogs({}));
        const auto stored = store().getRunLogs(run.id);
        VERIFY_OK(stored);
        QCOMPARE(idsOf(stored.value()), idsOf(logs));
        for (size_t i = 0; i < logs.size(); ++i)
            CALL(sameLog(stored->at(i), logs[i]));
        const auto none = store().getRunLogs(S("run_unknown"));
        QVERIFY(!none.ok() ? none.error().code == ErrorCode::NotFound : none->empty());
    }

    // ---- agents -----------------------------------------------------------------------

    void agentUpsertKeepsState()
    {
        const Agent original = makeAgent(S("agent-1"));
        const auto inserted = store().upsertAgent(original);
        VERIFY_OK(inserted);
        CALL(sameAgent(inserted.value(), original));

        AgentStateUpdate update;
        update.id = original.id;
        update.state = AgentState::Late;
        update.lastSeenAt = nowUtc().addSecs(-5);
        update.misses = 2;
        update.stateChangedAt = nowUtc().addSecs(-1);
        update.lastStats = objectWith("cpu", 0.25);
        VERIFY_OK(store().updateAgentStates({ update }));
        const auto withState = store().getAgent(original.id);
        VERIFY_OK(withState);

        Agent changed = makeAgent(original.id, S("tenant_b"));
        changed.environment = S("staging");
        changed.tags = { S("windows") };
        changed.intervalSecs = 300;
        changed.graceSecs = 120;
        changed.hmacKey = std::nullopt;
        changed.schedule = std::nullopt;
        changed.timezone = S("UTC");
        // State fields in the argument are ignored on update.
        changed.state = AgentState::Down;
        changed.misses = 99;
        changed.lastSeenAt = nowUtc().addDays(-10);
        changed.lastStats = objectWith("ignored", true);
        changed.stateChangedAt = nowUtc().addDays(-10);
        changed.createdAt = nowUtc().addDays(-10);
        const auto updated = store().upsertAgent(changed);
        VERIFY_OK(updated);
        CALL(sameAgentConfig(updated.value(), changed));
        CALL(sameAgentState(updated.value(), withState.value()));
        QCOMPARE(show(updated->createdAt), show(original.createdAt));
        QCOMPARE(toString(updated->state), toString(AgentState::Late));
        QCOMPARE(updated->misses, 2);
        const auto stored = store().getAgent(original.id);
        VERIFY_OK(stored);
        CALL(sameAgent(stored.value(), updated.value()));
        const auto all = store().allAgents();
        VERIFY_OK(all);
        QCOMPARE(all->size(), size_t(1));
    }

    void listAgentsFiltersAndPaging()
    {
        std::vector<Agent> all;
        for (int i = 0; i < 9; ++i) {
            Agent a = makeAgent(S("agent-%1").arg(i), i % 3 ? S("tenant_a") : S("tenant_b"));
            a.environment = i % 2 ? std::optional<QString>(S("production")) : std::optional<QString>(S("staging"));
            a.tags = i % 4 == 0 ? QStringList { S("db"), S("linux") } : QStringList { S("dbx"), S("web") };
            if (i == 8)
                a.environment = std::nullopt;
            a.state = i % 2 ? AgentState::Up : AgentState::Down;
            all.push_back(a);
            VERIFY_OK(store().upsertAgent(a));
        }
        auto expected = [&](const std::function<bool(const Agent &)> &keep) {
            QStringList ids;
            for (const auto &a : all) {
                if (keep(a))
                    ids << a.id;
            }
            return sorted(ids);
        };
        auto walk = [&](const AgentFilter &filter, int limit) {
            return walkPages<Agent>([&](const PageRequest &page) { return store().listAgents(filter, page); }, limit);
        };
        const auto everything = walk({}, 4);
        QVERIFY(everything);
        QCOMPARE(idsOf(*everything).size(), 9);
        QCOMPARE(sorted(idsOf(*everything)), expected([](const auto &) { return true; }));
        for (const auto &item : *everything) {
            const auto it = std::find_if(all.begin(), all.end(), [&](const auto &a) { return a.id == item.id; });
            CALL(sameAgent(item, *it));
        }

        AgentFilter state;
        state.state = AgentState::Up;
        auto got = walk(state, 2);
        QVERIFY(got);
        QCOMPARE(sorted(idsOf(*got)), expected([](const auto &a) { return a.state == AgentState::Up; }));

        AgentFilter tenant;
        tenant.tenantId = S("tenant_b");
        got = walk(tenant, 2);
        QVERIFY(got);
        QCOMPARE(sorted(idsOf(*got)), expected([](const auto &a) { return a.tenantId == S("tenant_b"); }));

        AgentFilter environment;
        environment.environment = S("staging");
        got = walk(environment, 3);
        QVERIFY(got);
        QCOMPARE(sorted(idsOf(*got)), expected([](const auto &a) { return a.environment == S("staging"); }));

        AgentFilter tag;
        tag.tag = S("db"); // not "dbx"
        got = walk(tag, 1);
        QVERIFY(got);
        QCOMPARE(sorted(idsOf(*got)), expected([](const auto &a) { return a.tags.contains(S("db")); }));
        QCOMPARE(got->size(), size_t(3));

        AgentFilter combined;
        combined.tenantId = S("tenant_a");
        combined.state = AgentState::Up;
        combined.tag = S("web");
        got = walk(combined, 2);
        QVERIFY(got);
        QCOMPARE(sorted(idsOf(*got)), expected([](const auto &a) {
                     return a.tenantId == S("tenant_a") && a.state == AgentState::Up && a.tags.contains(S("web"));
                 }));

        const auto allAgents = store().allAgents();
        VERIFY_OK(allAgents);
        QCOMPARE(sorted(idsOf(allAgents.value())), expected([](const auto &) { return true; }));
    }

    void updateAgentStatesBatch()
    {
        Agent a = makeAgent(S("agent-a"));
        a.state = AgentState::Up;
        a.lastStats = objectWith("old", 1);
        a.stateChangedAt = nowUtc().addSecs(-600);
        a.lastSeenAt = nowUtc().addSecs(-600);
        const Agent b = makeAgent(S("agent-b"));
        const Agent c = makeAgent(S("agent-c"));
        for (const Agent &agent : { a, b, c })
            VERIFY_OK(store().upsertAgent(agent));

        const QDateTime t = nowUtc();
        AgentStateUpdate toLate { a.id, AgentState::Late, t, 1, QDateTime(), std::nullopt }; // keeps stateChangedAt, stats
        AgentStateUpdate toDown { b.id, AgentState::Down, t.addSecs(-1), 3, t, objectWith("new", 2) };
        AgentStateUpdate ghost { S("agent-unknown"), AgentState::Up, t, 0, t, std::nullopt };
        VERIFY_OK(store().updateAgentStates({ toLate, ghost, toDown }));
        VERIFY_OK(store().updateAgentStates({}));

        const auto storedA = store().getAgent(a.id);
        VERIFY_OK(storedA);
        QCOMPARE(toString(storedA->state), toString(AgentState::Late));
        QCOMPARE(show(storedA->lastSeenAt), show(t));
        QCOMPARE(storedA->misses, 1);
        QCOMPARE(show(storedA->stateChangedAt), show(a.stateChangedAt));
        QCOMPARE(show(storedA->lastStats), show(a.lastStats));
        CALL(sameAgentConfig(storedA.value(), a));

        const auto storedB = store().getAgent(b.id);
        VERIFY_OK(storedB);
        QCOMPARE(toString(storedB->state), toString(AgentState::Down));
        QCOMPARE(show(storedB->lastSeenAt), show(t.addSecs(-1)));
        QCOMPARE(storedB->misses, 3);
        QCOMPARE(show(storedB->stateChangedAt), show(t));
        QCOMPARE(show(storedB->lastStats), show(objectWith("new", 2)));

        const auto storedC = store().getAgent(c.id);
        VERIFY_OK(storedC);
        CALL(sameAgent(storedC.value(), c));
        VERIFY_ERROR(store().getAgent(S("agent-unknown")), ErrorCode::NotFound);
    }

    // The collector's group commit, which each backend writes its own way (SQLite through its
    // C API): registrations, every field of the history rows, and each kind of state update
    // with its guard, answered row by row.
    void commitHeartbeatsBatch()
    {
        Agent seen = makeAgent(S("seen"));
        seen.state = AgentState::Up;
        seen.lastSeenAt = nowUtc().addSecs(-60);
        seen.stateChangedAt = nowUtc().addSecs(-3600);
        seen.lastStats = objectWith("old", 1);
        const Agent moved = [&] {
            Agent agent = makeAgent(S("moved"));
            agent.state = AgentState::Up;
            agent.lastSeenAt = nowUtc().addSecs(-5);
            return agent;
        }();
        for (const Agent &agent : { seen, moved, makeAgent(S("never")) })
            VERIFY_OK(store().upsertAgent(agent));

        const QDateTime t = nowUtc();
        HeartbeatBatch batch;
        Agent fresh = makeAgent(S("fresh"));
        fresh.hmacKey.reset();
        batch.newAgents.push_back(fresh);
        Agent duplicate = makeAgent(S("seen"), S("tenant_b")); // exists: not inserted again
        batch.newAgents.push_back(duplicate);
        const Heartbeat full = makeHeartbeat(S("seen"), t);
        Heartbeat minimal;
        minimal.agentId = S("fresh");
        minimal.receivedAt = t.addMSecs(1);
        batch.heartbeats = { full, minimal };
        // Unguarded, keeping stateChangedAt and lastStats.
        batch.updates.push_back({ S("seen"), AgentState::Late, t, 2, QDateTime(), std::nullopt });
        // Guarded on what is stored: applies, and clears the stats (a JSON null).
        AgentStateUpdate held { S("moved"), AgentState::Down, moved.lastSeenAt, 1, t, Json() };
        held.guarded = true;
        held.expectLastSeenAt = moved.lastSeenAt;
        batch.updates.push_back(held);
        // Guarded on a never-seen agent (expect invalid): applies.
        AgentStateUpdate first { S("never"), AgentState::Down, QDateTime(), 1, t, objectWith("n", 1) };
        first.guarded = true;
        batch.updates.push_back(first);
        // Guarded on a time another node has moved past: does not apply.
        AgentStateUpdate stale { S("fresh"), AgentState::Down, t.addSecs(-100), 1, t, std::nullopt };
        stale.guarded = true;
        stale.expectLastSeenAt = t.addSecs(-100);
        batch.updates.push_back(stale);

        const auto applied = store().commitHeartbeats(batch);
        VERIFY_OK(applied);
        QCOMPARE(applied.value(), (std::vector<bool> { true, true, true, false }));

        const auto listed = store().listHeartbeats(S("seen"), {});
        VERIFY_OK(listed);
        QCOMPARE(listed->items.size(), size_t(1));
        CALL(sameHeartbeat(listed->items.at(0), full));
        const auto listedFresh = store().listHeartbeats(S("fresh"), {});
        VERIFY_OK(listedFresh);
        QCOMPARE(listedFresh->items.size(), size_t(1));
        CALL(sameHeartbeat(listedFresh->items.at(0), minimal));

        const auto storedSeen = store().getAgent(S("seen"));
        VERIFY_OK(storedSeen);
        QCOMPARE(storedSeen->tenantId, seen.tenantId);
        QCOMPARE(toString(storedSeen->state), toString(AgentState::Late));
        QCOMPARE(show(storedSeen->lastSeenAt), show(t));
        QCOMPARE(storedSeen->misses, 2);
        QCOMPARE(show(storedSeen->stateChangedAt), show(seen.stateChangedAt));
        QCOMPARE(show(storedSeen->lastStats), show(seen.lastStats));

        const auto storedMoved = store().getAgent(S("moved"));
        VERIFY_OK(storedMoved);
        QCOMPARE(toString(storedMoved->state), toString(AgentState::Down));
        QCOMPARE(show(storedMoved->stateChangedAt), show(t));
        QVERIFY(storedMoved->lastStats.is_null());

        const auto storedNever = store().getAgent(S("never"));
        VERIFY_OK(storedNever);
        QCOMPARE(toString(storedNever->state), toString(AgentState::Down));
        QVERIFY(!storedNever->lastSeenAt.isValid());
        QCOMPARE(show(storedNever->lastStats), show(objectWith("n", 1)));

        const auto storedFresh = store().getAgent(S("fresh"));
        VERIFY_OK(storedFresh);
        QCOMPARE(toString(storedFresh->state), toString(AgentState::New));
        QVERIFY(!storedFresh->hmacKey);
        QCOMPARE(storedFresh->tags, fresh.tags);

        // A second batch through the same statements (SQLite keeps them prepared): each
        // guard is bound afresh.
        // (PostgreSQL writes a batch without registrations in one statement.)
        HeartbeatBatch again;
        again.heartbeats = { makeHeartbeat(S("moved"), t.addSecs(1)) };
        AgentStateUpdate late { S("never"), AgentState::Down, QDateTime(), 2, QDateTime(), std::nullopt };
        late.guarded = true;
        again.updates.push_back(late);
        AgentStateUpdate notAnyMore { S("moved"), AgentState::Down, t, 2, QDateTime(), std::nullopt };
        notAnyMore.guarded = true;
        notAnyMore.expectLastSeenAt = t; // stored: moved.lastSeenAt
        again.updates.push_back(notAnyMore);
        const auto second = store().commitHeartbeats(again);
        VERIFY_OK(second);
        QCOMPARE(second.value(), (std::vector<bool> { true, false }));
        const auto afterSecond = store().getAgent(S("never"));
        VERIFY_OK(afterSecond);
        QCOMPARE(afterSecond->misses, 2);
        const auto movedBeats = store().listHeartbeats(S("moved"), {});
        VERIFY_OK(movedBeats);
        QCOMPARE(movedBeats->items.size(), size_t(1));
        CALL(sameHeartbeat(movedBeats->items.at(0), again.heartbeats.at(0)));
    }

    // The collector's writer leaves checkpoints to a thread of its own; a checkpoint that
    // copied everything lets the next commit start the WAL over, so it stays bounded.
    void checkpointCopiesAndRestartsTheWal()
    {
        StoreOptions options;
        options.url = m_url;
        options.tablePrefix = m_prefix;
        options.autoCheckpoint = false;
        auto opened = openStore(options);
        VERIFY_OK(opened);
        Store &writer = *opened.value();
        VERIFY_OK(writer.upsertAgent(makeAgent(S("wal"))));
        if (g_backend != Backend::Sqlite) {
            const auto nothing = writer.checkpoint();
            VERIFY_OK(nothing);
            QCOMPARE(nothing.value(), 0);
            return;
        }
        for (int i = 0; i < 30; ++i)
            VERIFY_OK(writer.insertHeartbeats({ makeHeartbeat(S("wal"), nowUtc()) }));
        const auto grown = writer.checkpoint();
        VERIFY_OK(grown);
        QVERIFY2(grown.value() >= 30, qPrintable(QString::number(grown.value())));
        VERIFY_OK(writer.insertHeartbeats({ makeHeartbeat(S("wal"), nowUtc()) }));
        const auto restarted = writer.checkpoint(); // the insert began the WAL anew
        VERIFY_OK(restarted);
        QVERIFY2(restarted.value() < grown.value() / 2,
                 qPrintable(QStringLiteral("%1 then %2").arg(grown.value()).arg(restarted.value())));
        const auto beats = writer.listHeartbeats(S("wal"), {});
        VERIFY_OK(beats);
        QCOMPARE(beats->items.size(), size_t(31));
    }

    void deleteAgentRemovesHeartbeats()
    {
        VERIFY_OK(store().upsertAgent(makeAgent(S("doomed"))));
        VERIFY_OK(store().upsertAgent(makeAgent(S("kept"))));
        const QDateTime t = nowUtc();
        std::vector<Heartbeat> beats;
        for (int i = 0; i < 5; ++i) {
            beats.push_back(makeHeartbeat(S("doomed"), t.addMSecs(i)));
            beats.push_back(makeHeartbeat(S("kept"), t.addMSecs(i)));
        }
        VERIFY_OK(store().insertHeartbeats(beats));
        VERIFY_OK(store().deleteAgent(S("doomed")));
        VERIFY_ERROR(store().getAgent(S("doomed")), ErrorCode::NotFound);
        const auto gone = store().listHeartbeats(S("doomed"), {});
        VERIFY_OK(gone);
        QVERIFY(gone->items.empty());
        const auto kept = store().listHeartbeats(S("kept"), {});
        VERIFY_OK(kept);
        QCOMPARE(kept->items.size(), size_t(5));
        // The rows are gone, not just hidden: retention finds only the other agent's.
        const auto deleted = store().deleteHeartbeatsBefore(t.addSecs(3600));
        VERIFY_OK(deleted);
        QCOMPARE(deleted.value(), qint64(5));

        VERIFY_ERROR(store().deleteAgent(S("doomed")), ErrorCode::NotFound);
        VERIFY_ERROR(store().deleteAgent(S("never-existed")), ErrorCode::NotFound);
        const auto all = store().allAgents();
        VERIFY_OK(all);
        QCOMPARE(idsOf(all.value()), QStringList { S("kept") });
    }

    // ---- heartbeats -------------------------------------------------------------------

    void heartbeatsPagingAndRetention()
    {
        VERIFY_OK(store().upsertAgent(makeAgent(S("a1"))));
        VERIFY_OK(store().upsertAgent(makeAgent(S("a2"))));
        const QDateTime t0 = nowUtc().addSecs(-3600);
        std::vector<Heartbeat> batch;
        for (int i = 0; i < 25; ++i) {
            Heartbeat h = makeHeartbeat(S("a1"), t0.addSecs(i));
            h.message = S("beat %1").arg(i);
            batch.push_back(h);
        }
        VERIFY_OK(store().insertHeartbeats(batch));
        VERIFY_OK(store().insertHeartbeats({ makeHeartbeat(S("a2"), t0) }));
        VERIFY_OK(store().insertHeartbeats({}));

        int pages = 0;
        const auto walked = walkPages<Heartbeat>(
            [&](const PageRequest &page) { return store().listHeartbeats(S("a1"), page); }, 10, &pages);
        QVERIFY(walked);
        QCOMPARE(walked->size(), size_t(25));
        QCOMPARE(pages, 3);
        QSet<qint64> ids;
        for (int i = 0; i < 25; ++i) {
            const Heartbeat &h = walked->at(i);
            QCOMPARE(show(h.receivedAt), show(t0.addSecs(24 - i))); // newest first
            QCOMPARE(show(h.message), show(std::optional<QString>(S("beat %1").arg(24 - i))));
            QCOMPARE(h.agentId, S("a1"));
            QVERIFY(h.id > 0);
            ids.insert(h.id);
        }
        QCOMPARE(ids.size(), 25);

        const auto deleted = store().deleteHeartbeatsBefore(t0.addSecs(10));
        VERIFY_OK(deleted);
        QCOMPARE(deleted.value(), qint64(11)); // a1's 0..9 and a2's one
        const auto rest = walkPages<Heartbeat>(
            [&](const PageRequest &page) { return store().listHeartbeats(S("a1"), page); }, 100);
        QVERIFY(rest);
        QCOMPARE(rest->size(), size_t(15));
        QCOMPARE(show(rest->back().receivedAt), show(t0.addSecs(10)));
        const auto a2 = store().listHeartbeats(S("a2"), {});
        VERIFY_OK(a2);
        QVERIFY(a2->items.empty());
        const auto again = store().deleteHeartbeatsBefore(t0.addSecs(10));
        VERIFY_OK(again);
        QCOMPARE(again.value(), qint64(0));
    }

    // "Newest first; the cursor pages backwards in time": by receivedAt, whatever the order
    // the rows were inserted in (two collectors' batches interleave, late flushes happen).
    void heartbeatsNewestFirstByReceivedAt()
    {
        VERIFY_OK(store().upsertAgent(makeAgent(S("a1"))));
        const QDateTime t0 = nowUtc().addSecs(-3600);
        std::vector<Heartbeat> later;
        std::vector<Heartbeat> earlier;
        for (int i = 0; i < 6; ++i) {
            Heartbeat h = makeHeartbeat(S("a1"), t0.addSecs(i));
            (i < 3 ? earlier : later).push_back(h);
        }
        // The later batch is flushed first.
        VERIFY_OK(store().insertHeartbeats(later));
        VERIFY_OK(store().insertHeartbeats(earlier));
        const auto walked = walkPages<Heartbeat>(
            [&](const PageRequest &page) { return store().listHeartbeats(S("a1"), page); }, 2);
        QVERIFY(walked);
        QStringList times;
        for (const Heartbeat &h : *walked)
            times << show(h.receivedAt);
        QStringList expected;
        for (int i = 5; i >= 0; --i)
            expected << show(t0.addSecs(i));
        QCOMPARE(times, expected);
    }

    void heartbeatPageLimitCappedAt1000()
    {
        VERIFY_OK(store().upsertAgent(makeAgent(S("a1"))));
        const QDateTime t0 = nowUtc().addSecs(-7200);
        std::vector<Heartbeat> batch;
        for (int i = 0; i < 1001; ++i) {
            Heartbeat h;
            h.agentId = S("a1");
            h.receivedAt = t0.addMSecs(i);
            batch.push_back(h);
        }
        VERIFY_OK(store().insertHeartbeats(batch));
        PageRequest huge;
        huge.limit = 5000;
        const auto page = store().listHeartbeats(S("a1"), huge);
        VERIFY_OK(page);
        QCOMPARE(page->items.size(), size_t(1000));
        QVERIFY(!page->nextCursor.isEmpty());
        PageRequest next;
        next.limit = 5000;
        next.cursor = page->nextCursor;
        const auto last = store().listHeartbeats(S("a1"), next);
        VERIFY_OK(last);
        QCOMPARE(last->items.size(), size_t(1));
        QCOMPARE(show(last->items.front().receivedAt), show(t0));
        QVERIFY(last->nextCursor.isEmpty());
    }

    // ---- incidents --------------------------------------------------------------------

    void incidentsOpenAndResolve()
    {
        const QString defA = newId(IdPrefix::Definition);
        const QString defB = newId(IdPrefix::Definition);
        const Incident first = makeIncident(defA, S("r1"));
        const auto opened = store().openIncident(first);
        VERIFY_OK(opened);
        QVERIFY(opened->created);

        Incident duplicate = makeIncident(defA, S("r1"));
        duplicate.title = S("a second opinion");
        const auto second = store().openIncident(duplicate);
        VERIFY_OK(second);
        QVERIFY(!second->created);
        CALL(sameIncident(second->incident, first));
        VERIFY_ERROR(store().getIncident(duplicate.id), ErrorCode::NotFound);

        const Incident otherResource = makeIncident(defA, S("r2"));
        const auto third = store().openIncident(otherResource);
        VERIFY_OK(third);
        QVERIFY(third->created);
        const Incident otherDefinition = makeIncident(defB, S("r1"));
        const auto fourth = store().openIncident(otherDefinition);
        VERIFY_OK(fourth);
        QVERIFY(fourth->created);

        // By resource: both workflows' incidents on r1.
        const QDateTime at = nowUtc();
        const auto resolved = store().resolveIncidents(S("tenant_a"), S("r1"), std::nullopt, at, S("run_resolver"));
        VERIFY_OK(resolved);
        QCOMPARE(sorted(idsOf(resolved.value())), sorted({ first.id, otherDefinition.id }));
        for (const Incident &incident : resolved.value()) {
            QCOMPARE(toString(incident.status), toString(IncidentStatus::Resolved));
            QCOMPARE(show(incident.resolvedAt), show(at));
            QCOMPARE(show(incident.resolvedByRunId), show(std::optional<QString>(S("run_resolver"))));
            const auto stored = store().getIncident(incident.id);
            VERIFY_OK(stored);
            CALL(sameIncident(stored.value(), incident));
        }
        const auto stillOpen = store().getIncident(otherResource.id);
        VERIFY_OK(stillOpen);
        CALL(sameIncident(stillOpen.value(), otherResource));
        const auto nothing = store().resolveIncidents(S("tenant_a"), S("r1"), std::nullopt, at, std::nullopt);
        VERIFY_OK(nothing);
        QVERIFY(nothing->empty());

        // Opening again after the resolve creates a new incident.
        const Incident reopenedA = makeIncident(defA, S("r1"));
        const auto reopen = store().openIncident(reopenedA);
        VERIFY_OK(reopen);
        QVERIFY(reopen->created);
        QCOMPARE(reopen->incident.id, reopenedA.id);
        const Incident reopenedB = makeIncident(defB, S("r1"));
        VERIFY_OK(store().openIncident(reopenedB));

        // By resource and workflow: only that workflow's incident.
        const auto onlyA = store().resolveIncidents(S("tenant_a"), S("r1"), defA, at.addSecs(1), std::nullopt);
        VERIFY_OK(onlyA);
        QCOMPARE(idsOf(onlyA.value()), QStringList { reopenedA.id });
        QCOMPARE(show(onlyA->front().resolvedByRunId), show(std::optional<QString>()));
        const auto b = store().getIncident(reopenedB.id);
        VERIFY_OK(b);
        QCOMPARE(toString(b->status), toString(IncidentStatus::Open));

        VERIFY_ERROR(store().getIncident(S("inc_unknown")), ErrorCode::NotFound);
    }

    // "Atomic across processes": concurrent opens for one (workflow, resource) create one.
    void openIncidentRace()
    {
        constexpr int kThreads = 4;
        const QString definitionId = newId(IdPrefix::Definition);
        std::latch start(kThreads);
        std::mutex mutex;
        QStringList errors;
        std::vector<IncidentOpen> answers;
        std::vector<QThread *> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.push_back(QThread::create([&] {
                StoreOptions options;
                options.url = m_url;
                options.tablePrefix = m_prefix;
                auto opened = openStore(options);
                start.arrive_and_wait();
                if (!opened.ok()) {
                    std::lock_guard lock(mutex);
                    errors << errorText(opened.error());
                    return;
                }
                const auto answer = opened.value()->openIncident(makeIncident(definitionId, S("raced")));
                std::lock_guard lock(mutex);
                if (answer.ok())
                    answers.push_back(answer.value());
                else
                    errors << errorText(answer.error());
            }));
            threads.back()->start();
        }
        for (QThread *thread : threads) {
            thread->wait();
            delete thread;
        }
        QVERIFY2(errors.isEmpty(), qPrintable(errors.join(S("; "))));
        QCOMPARE(int(answers.size()), kThreads);
        QSet<QString> ids;
        int created = 0;
        for (const IncidentOpen &answer : answers) {
            ids.insert(answer.incident.id);
            created += answer.created ? 1 : 0;
        }
        QCOMPARE(created, 1);
        QCOMPARE(ids.size(), 1);
    }

    void listIncidentsFilters()
    {
        const QString def = newId(IdPrefix::Definition);
        std::vector<Incident> all;
        for (int i = 0; i < 7; ++i) {
            Incident incident = makeIncident(def, S("r%1").arg(i % 3), i % 2 ? S("tenant_a") : S("tenant_b"));
            incident.definitionId = newId(IdPrefix::Definition); // distinct: no dedup between them
            all.push_back(incident);
            const auto opened = store().openIncident(incident);
            VERIFY_OK(opened);
            QVERIFY(opened->created);
        }
        // tenant_b's r0 incidents (i = 0, 6) resolve; tenant_a's r0 (i = 3) stays open.
        const auto resolved = store().resolveIncidents(S("tenant_b"), S("r0"), std::nullopt, nowUtc(), std::nullopt);
        VERIFY_OK(resolved);
        QCOMPARE(resolved->size(), size_t(2));
        for (Incident &incident : all) {
            if (incident.resourceId == S("r0") && incident.tenantId == S("tenant_b"))
                incident.status = IncidentStatus::Resolved;
        }
        auto expected = [&](const std::function<bool(const Incident &)> &keep) {
            QStringList ids;
            for (const auto &i : all) {
                if (keep(i))
                    ids << i.id;
            }
            return sorted(ids);
        };
        auto walk = [&](const IncidentFilter &filter, int limit) {
            return walkPages<Incident>([&](const PageRequest &page) { return store().listIncidents(filter, page); },
                                       limit);
        };
        const auto everything = walk({}, 3);
        QVERIFY(everything);
        QCOMPARE(idsOf(*everything).size(), 7);
        QCOMPARE(sorted(idsOf(*everything)), expected([](const auto &) { return true; }));

        for (IncidentStatus status : { IncidentStatus::Open, IncidentStatus::Resolved }) {
            IncidentFilter byStatus;
            byStatus.status = status;
            const auto got = walk(byStatus, 2);
            QVERIFY(got);
            QCOMPARE(sorted(idsOf(*got)), expected([&](const auto &i) { return i.status == status; }));
        }
        IncidentFilter tenant;
        tenant.tenantId = S("tenant_a");
        auto got = walk(tenant, 2);
        QVERIFY(got);
        QCOMPARE(sorted(idsOf(*got)), expected([](const auto &i) { return i.tenantId == S("tenant_a"); }));
        IncidentFilter resource;
        resource.resourceId = S("r1");
        got = walk(resource, 1);
        QVERIFY(got);
        QCOMPARE(sorted(idsOf(*got)), expected([](const auto &i) { return i.resourceId == S("r1"); }));
        IncidentFilter combined;
        combined.status = IncidentStatus::Open;
        combined.tenantId = S("tenant_b");
        combined.resourceId = S("r2");
        got = walk(combined, 5);
        QVERIFY(got);
        QCOMPARE(sorted(idsOf(*got)), expected([](const auto &i) {
                     return i.status == IncidentStatus::Open && i.tenantId == S("tenant_b") && i.resourceId == S("r2");
                 }));
    }

    // ---- errors -----------------------------------------------------------------------

    void unknownIdsAreNotFound()
    {
        VERIFY_ERROR(store().getSignal(S("trg_unknown")), ErrorCode::NotFound);
        VERIFY_ERROR(store().getDefinition(S("wfd_unknown")), ErrorCode::NotFound);
        VERIFY_ERROR(store().updateDefinition(makeDefinition()), ErrorCode::NotFound);
        VERIFY_ERROR(store().setDefinitionEnabled(S("wfd_unknown"), false), ErrorCode::NotFound);
        VERIFY_ERROR(store().deleteDefinition(S("wfd_unknown")), ErrorCode::NotFound);
        VERIFY_ERROR(store().getRun(S("run_unknown")), ErrorCode::NotFound);
        VERIFY_ERROR(store().transitionRun(S("run_unknown"), RunStatus::Canceled), ErrorCode::NotFound);
        VERIFY_ERROR(store().updateRunProgress(S("run_unknown"), RunPatch { 1, std::nullopt, std::nullopt }),
                     ErrorCode::NotFound);
        VERIFY_ERROR(store().getStepRun(S("stp_unknown")), ErrorCode::NotFound);
        VERIFY_ERROR(store().rescheduleStep(S("stp_unknown"), nowUtc()), ErrorCode::NotFound);
        VERIFY_ERROR(store().getAgent(S("agent-unknown")), ErrorCode::NotFound);
        VERIFY_ERROR(store().deleteAgent(S("agent-unknown")), ErrorCode::NotFound);
        VERIFY_ERROR(store().getIncident(S("inc_unknown")), ErrorCode::NotFound);
        // The store still works after a string of errors.
        VERIFY_OK(store().insertSignal(makeSignal()));
    }

    // ---- PostgreSQL only --------------------------------------------------------------

    void lostConnectionReconnects()
    {
        if (!onPostgres()) {
            qInfo("PostgreSQL only: SQLite has no server connection to lose");
            return;
        }
        const TriggerEnvelope signal = makeSignal();
        VERIFY_OK(store().insertSignal(signal));

        RawDb raw(m_url);
        QVERIFY2(raw.ok(), qPrintable(raw.error()));
        const auto killed = raw.column(S("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                         "WHERE datname = current_database() AND pid <> pg_backend_pid()"));
        QVERIFY2(killed, qPrintable(raw.error()));
        QVERIFY2(killed->contains(S("true")), qPrintable(killed->join(S(","))));
        // Wait until the backend has really gone, so the next call meets a dead socket.
        QTRY_VERIFY_WITH_TIMEOUT(raw.column(S("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                              "current_database() AND pid <> pg_backend_pid()"))
                                     .value_or(QStringList { S("?") })
                                     == QStringList { S("0") },
                                 5000);

        const auto broken = store().getSignal(signal.id);
        VERIFY_ERROR(broken, ErrorCode::Unavailable);
        const auto back = store().getSignal(signal.id);
        VERIFY_OK(back);
        CALL(sameSignal(back.value(), signal));
        VERIFY_OK(store().insertSignal(makeSignal()));
    }
};

QTEST_GUILESS_MAIN(TestStore)
#include "tst_store.moc"
