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
        const auto resolved = store().resolveIncidents(s, definition.id, nowUtc(), s);
        VERIFY_OK(resolved);
        QCOMPARE(idsOf(resolved.value()), QStringList { incident.id });
        QCOMPARE(show(resolved->front().resolvedByRunId), show(std::optional<QString>(s)));

        // Nothing was dropped: every table still answers.
        VERIFY_OK(store().tableCounts());
        VERIFY_OK(store().deleteAgent(agent.id));
        VERIFY_OK(store().deleteDefinition(definition.id));
    }

    // @@more-tests@@
};

QTEST_GUILESS_MAIN(TestStore)
#include "tst_store.moc"
