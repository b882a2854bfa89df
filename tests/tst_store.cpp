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

QString randomLower(int count)
{
    QString out;
    for (int i = 0; i < count; ++i)
        out += QChar(char16_t(u'a' + QRandomGenerator::global()->bounded(26)));
    return out;
}

QString randomPrefix() { return S("t") + randomLower(8) + S("_"); }

QString errorText(const Error &error) { return errorCodeName(error.code) + S(": ") + error.message; }

template<typename R>
QByteArray failText(const R &result)
{
    return result.ok() ? QByteArray("ok") : errorText(result.error()).toUtf8();
}

// Printable forms, so that QCOMPARE shows both sides of a mismatch.
QString show(const std::optional<QString> &v) { return v ? S("\"") + *v + S("\"") : S("<nullopt>"); }
QString show(const std::optional<int> &v) { return v ? QString::number(*v) : S("<nullopt>"); }
QString show(const std::optional<qint64> &v) { return v ? QString::number(*v) : S("<nullopt>"); }
QString show(const Json &json) { return dumpJsonString(json); }
QString show(const QDateTime &time) { return time.isValid() ? toIsoUtc(time) : S("<invalid>"); }
QString show(const std::optional<QDateTime> &time) { return time ? show(*time) : S("<nullopt>"); }

} // namespace

// Result checks that print the store's error (code and database message) on failure.
#define VERIFY_OK(expr)                                                                                 \
    do {                                                                                                \
        const auto &ok_ = (expr);                                                                       \
        QVERIFY2(ok_.ok(), failText(ok_).constData());                                                  \
    } while (false)
#define VERIFY_ERROR(expr, expected)                                                                    \
    do {                                                                                                \
        const auto &err_ = (expr);                                                                      \
        QVERIFY2(!err_.ok(), "expected " #expected ", the call succeeded");                             \
        QVERIFY2(err_.error().code == (expected), failText(err_).constData());                          \
    } while (false)
// Calls a helper that uses QCOMPARE and stops the test when it failed.
#define CALL(expr)                                                                                      \
    do {                                                                                                \
        expr;                                                                                           \
        if (QTest::currentTestFailed())                                                                 \
            return;                                                                                     \
    } while (false)

namespace {

// ---- factories ----------------------------------------------------------------------

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
    run.id = newId(IdPrefix::Run);
    run.definitionId = definition.id;
    run.tenantId = definition.tenantId;
    run.triggerId = newId(IdPrefix::Trigger);
    run.status = status;
    run.context = objectWith("trigger", objectWith("misses", 3));
    run.currentStepIndex = 0;
    run.definitionSnapshot = definition;
    run.createdAt = nowUtc();
    run.updatedAt = run.createdAt;
    return run;
}

WorkflowStepRun makeStep(const WorkflowRun &run, int index, StepStatus status = StepStatus::Pending,
                         const QDateTime &scheduledFor = {})
{
    WorkflowStepRun step;
    step.id = newId(IdPrefix::StepRun);
    step.runId = run.id;
    step.tenantId = run.tenantId;
    step.stepIndex = index;
    step.stepType = StepType::Action;
    step.stepName = S("step ") + QString::number(index);
    step.status = status;
    step.scheduledFor = scheduledFor;
    step.createdAt = nowUtc();
    return step;
}

TriggerEnvelope makeSignal(const QString &tenant = S("tenant_a"), const QString &type = S("heartbeat.missed"),
                           const QString &resourceId = S("agent-1"), const QDateTime &at = nowUtc())
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
    QCOMPARE(show(a.leaseOwner), show(e.leaseOwner));
    QCOMPARE(show(a.leaseExpiresAt), show(e.leaseExpiresAt));
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
        if (!db.open())
            m_error = db.lastError().text();
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
        const QString backend = qEnvironmentVariable("VIGIL_TEST_BACKEND", S("sqlite"));
        if (backend == S("sqlite")) {
            g_backend = Backend::Sqlite;
        } else if (backend == S("postgres")) {
            g_backend = Backend::Postgres;
            g_pgUrl = qEnvironmentVariable("VIGIL_TEST_PG_URL");
            if (g_pgUrl.isEmpty())
                QFAIL("VIGIL_TEST_BACKEND=postgres but VIGIL_TEST_PG_URL is not set: run the suite under "
                      "installer/with-postgres.sh (or installer/dev.sh test), which starts a server and sets it");
            StoreOptions options;
            options.url = g_pgUrl;
            options.tablePrefix = randomPrefix();
            const auto probe = openStore(options);
            QVERIFY2(probe.ok(), qPrintable(S("cannot reach the PostgreSQL server at VIGIL_TEST_PG_URL=") + g_pgUrl
                                            + S(": ") + (probe.ok() ? QString() : errorText(probe.error()))));
        } else {
            QFAIL(qPrintable(S("VIGIL_TEST_BACKEND must be sqlite or postgres, not ") + backend));
        }
        qInfo("backend: %s", qPrintable(backend));
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

    // @@more-tests@@
};

QTEST_GUILESS_MAIN(TestStore)
#include "tst_store.moc"
