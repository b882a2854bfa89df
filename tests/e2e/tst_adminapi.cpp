// SPDX-License-Identifier: GPL-3.0-or-later
// The admin API over real HTTP: a real EngineHost (its own thread and database) and a real
// http::Server on a free loopback port with installAdminApi, driven by QNetworkAccessManager
// from the test thread, which plays the collector thread. Run twice by ctest:
// VIGIL_TEST_BACKEND=sqlite (a fresh database file per test) and postgres
// (VIGIL_TEST_PG_URL, a fresh random table prefix per test; fails, never skips, without it).
//
// Every error case also checks that the database did not change: the row count of every
// table, read through the engine's store, is the same before and after.

#include "api/adminapi.h"
#include "core/isotime.h"
#include "http/httpserver.h"
#include "store/store.h"
#include "support/testsupport.h"
#include "workflow/enginehost.h"

#include <QCoroTimer>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QSemaphore>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include <atomic>

using namespace vigil;
using namespace std::chrono_literals;

#define S(text) QStringLiteral(text)

namespace {

const QByteArray kToken = "s3cret-token";

Backend g_backend = Backend::Sqlite;
QString g_pgUrl;

// Scripted handlers run on the engine thread; the test steers them through atomics.
std::atomic<bool> g_release { false }; // `hold` returns
std::atomic<bool> g_failing { false }; // `flaky` fails

QCoro::Task<ActionResult> okAction(StepContext ctx)
{
    ctx.log(S("ok ran"));
    co_return ActionResult::ok(Json { { "ok", true } });
}

QCoro::Task<ActionResult> holdAction(StepContext ctx)
{
    while (!g_release && !ctx.cancel.isCanceled())
        co_await QCoro::sleepFor(10ms);
    if (ctx.cancel.isCanceled())
        co_return ActionResult::failure(S("stopped: ") + ctx.cancel.reason());
    co_return ActionResult::ok();
}

QCoro::Task<ActionResult> flakyAction(StepContext)
{
    if (g_failing)
        co_return ActionResult::failure(S("flaky failed"));
    co_return ActionResult::ok();
}

struct Reply
{
    int status = -1; // -1: no answer in time
    QByteArray body;
    Json json;
    QHash<QByteArray, QByteArray> headers; // lower-case names

    QString errorCode() const { return text("/error/code"); }
    QString message() const { return text("/error/message"); }
    QString text(const char *pointer) const
    {
        const Json::json_pointer at(pointer);
        return json.contains(at) && json[at].is_string() ? fromStd(json[at].get<std::string>()) : QString();
    }
    Json at(const char *pointer) const
    {
        const Json::json_pointer where(pointer);
        return json.contains(where) ? json[where] : Json();
    }
    QByteArray describe() const { return QByteArray::number(status) + ' ' + body.left(600); }
};

QByteArray jsonBytes(const Json &json) { return dumpJson(json); }

Json workflowJson(const QString &triggerType, const Json &steps, const QString &name = S("wf"))
{
    return Json { { "tenantId", "t1" }, { "name", toStd(name) }, { "triggerType", toStd(triggerType) }, { "steps", steps } };
}

Json signalJson(const QString &type, const QString &resourceId = S("r1"))
{
    return Json { { "tenantId", "t1" }, { "source", "test" }, { "type", toStd(type) }, { "resourceId", toStd(resourceId) } };
}

Json step(const char *name) { return Json { { "type", "action" }, { "name", name } }; }

// "name{labels}" -> value, for every sample line of a Prometheus text.
QHash<QString, double> parseMetrics(const QByteArray &text, QStringList *problems)
{
    QHash<QString, double> samples;
    static const QRegularExpression line(S(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})?) (\S+)$)"));
    const QStringList lines = QString::fromUtf8(text).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    for (const QString &l : lines) {
        if (l.startsWith(S("# HELP ")) || l.startsWith(S("# TYPE ")))
            continue;
        const QRegularExpressionMatch m = line.match(l);
        bool ok = false;
        const double value = m.hasMatch() ? (m.captured(3) == u"+Inf" ? qInf() : m.captured(3).toDouble(&ok)) : 0;
        if (!m.hasMatch() || (!ok && m.captured(3) != u"+Inf"))
            *problems << l;
        else
            samples.insert(m.captured(1), value);
    }
    return samples;
}

} // namespace

class TestAdminApi final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    // authentication and the probes
    void missingOrWrongTokenIs401();
    void noConfiguredTokenRefusesEverything();
    void probesNeedNoToken();
    void unhealthyCollectorIs503();
    void engineNotStartedIs503();
    void collectorThreadNeverWaitsForTheEngine();
    void wrongMethodIs405AndUnknownPathIs404();
    void badBodiesAre400_data();
    void badBodiesAre400();
    // workflows
    void workflowLifecycle();
    void invalidWorkflowNamesTheField_data();
    void invalidWorkflowNamesTheField();
    void staleWorkflowVersionIs409();
    void unknownWorkflowIs404();
    void missingDefaultWorkflowsAreRestored();
    // signals
    void emitStartsRunsAndDeduplicates();
    void signalsListGetAndReplay();
    void invalidEmitIs400();
    // runs
    void runDetailTimelineAndLogs();
    void forbiddenTransitionsAre409();
    void cancelRunningAndRetryFailed();
    void unknownRunIs404();
    // lists
    void pagingFollowsNextCursor();
    void badListParametersAre400_data();
    void badListParametersAre400();
    // agents and incidents
    void agentKeyIsAnsweredOnlyOnce();
    void agentPutValidation_data();
    void agentPutValidation();
    void agentListsHeartbeatsAndDelete();
    void pauseAndResumeGoThroughTheCollector();
    void incidentsByStatus();
    // metrics
    void metricsCountEngineWork();

private:
    // ---- HTTP -------------------------------------------------------------------------
    Reply send(const QByteArray &verb, const QString &path, const QByteArray &body = {},
               const std::optional<QByteArray> &authorization = QByteArray("Bearer ") + kToken,
               quint16 port = 0);
    Reply get(const QString &path) { return send("GET", path); }
    Reply post(const QString &path, const Json &body = Json()) { return send("POST", path, body.is_null() ? QByteArray() : jsonBytes(body)); }
    Reply put(const QString &path, const Json &body) { return send("PUT", path, jsonBytes(body)); }

    // ---- engine and database ----------------------------------------------------------
    template<typename Fn>
    auto onEngine(Fn fn) -> std::invoke_result_t<Fn, Engine &>
    {
        auto future = m_host->call(std::move(fn));
        future.waitForFinished();
        return future.result();
    }
    std::vector<std::pair<QString, qint64>> rowCounts();
    QString createWorkflow(const Json &json);
    QString emitOne(const QString &type);
    QString waitForRunStatus(const QString &runId, const QString &status);
    EngineHost::Config hostConfig() const;

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_url;
    QString m_prefix;
    std::unique_ptr<EngineHost> m_host;
    std::unique_ptr<http::Server> m_server;
    quint16 m_port = 0;
    QNetworkAccessManager m_nam;

    // What the collector hooks saw.
    QStringList m_configured;
    QStringList m_deleted;
    QStringList m_pauses; // "id pause" / "id resume"
    bool m_healthy = true;
};

// ---- fixture ------------------------------------------------------------------------------

void TestAdminApi::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    const Result<test::TestBackend> chosen = test::chooseBackend();
    QVERIFY2(chosen.ok(), test::failText(chosen).constData());
    g_backend = chosen->backend;
    g_pgUrl = chosen->pgUrl;
    qInfo("backend: %s", g_backend == Backend::Postgres ? "postgres" : "sqlite");
}

EngineHost::Config TestAdminApi::hostConfig() const
{
    EngineHost::Config config;
    config.store = { m_url, m_prefix };
    config.engine.seedDefaults = false;
    config.engine.builtins = false;
    config.engine.pollInterval = 50ms;
    config.engine.shutdownGrace = 500ms;
    config.setup = [](Engine &engine) {
        (void)engine.registerAction(S("ok"), okAction, { true });
        (void)engine.registerAction(S("hold"), holdAction, { true });
        (void)engine.registerAction(S("flaky"), flakyAction, { true });
    };
    return config;
}

void TestAdminApi::init()
{
    g_release = false;
    g_failing = false;
    m_configured.clear();
    m_deleted.clear();
    m_pauses.clear();
    m_healthy = true;
    if (g_backend == Backend::Postgres) {
        m_url = g_pgUrl;
        m_prefix = test::randomPrefix(QLatin1Char('a'));
    } else {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_url = S("sqlite://") + m_dir->filePath(S("vigil.db"));
        m_prefix = S("vigil_");
    }
    m_host = std::make_unique<EngineHost>(hostConfig());
    VERIFY_OK(m_host->start());

    m_server = std::make_unique<http::Server>();
    const Result<quint16> port = m_server->listen(QHostAddress::LocalHost, 0);
    VERIFY_OK(port);
    m_port = port.value();

    AdminApiHooks hooks;
    hooks.agentConfigured = [this](const Agent &agent) { m_configured << agent.id; };
    hooks.agentDeleted = [this](const QString &id) { m_deleted << id; };
    // A small collector: stores the state through the engine thread's store and answers.
    hooks.pauseResume = [this](const QString &id, bool pause, http::Responder &&responder) {
        m_pauses << id + (pause ? S(" pause") : S(" resume"));
        auto pending = std::make_shared<http::Responder>(std::move(responder));
        m_host->call([id, pause](Engine &engine) {
                  Store &store = engine.store();
                  const Result<Agent> agent = store.getAgent(id);
                  if (!agent)
                      return http::Response::error(agent.error());
                  AgentStateUpdate update { id, pause ? AgentState::Paused : AgentState::New, agent->lastSeenAt,
                                            0, nowUtc() };
                  if (Status ok = store.updateAgentStates({ update }); !ok)
                      return http::Response::error(ok.error());
                  const Result<Agent> stored = store.getAgent(id);
                  return stored ? http::Response::json(200, toJson(stored.value())) : http::Response::error(stored.error());
              })
            .then(this, [pending](const http::Response &response) { pending->send(response); });
    };
    hooks.collectorMetrics = [] {
        return QByteArray("# HELP vigil_test_collector_up A collector figure.\n"
                          "# TYPE vigil_test_collector_up gauge\nvigil_test_collector_up 1\n");
    };
    hooks.healthy = [this] { return m_healthy; };
    installAdminApi(*m_server, *m_host, QString::fromLatin1(kToken), std::move(hooks));
}

void TestAdminApi::cleanup()
{
    g_release = true; // a held handler returns, so the engine stops at once
    m_server.reset();
    m_host.reset();
    if (g_backend == Backend::Postgres)
        test::dropPostgresTables(m_url, m_prefix);
    m_dir.reset();
}

Reply TestAdminApi::send(const QByteArray &verb, const QString &path, const QByteArray &body,
                         const std::optional<QByteArray> &authorization, quint16 port)
{
    QNetworkRequest request(QUrl(S("http://127.0.0.1:%1%2").arg(port ? port : m_port).arg(path)));
    if (authorization)
        request.setRawHeader("Authorization", *authorization);
    if (!body.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
    std::unique_ptr<QNetworkReply> reply(verb == "HEAD" ? m_nam.head(request)
                                                        : m_nam.sendCustomRequest(request, verb, body));
    QEventLoop loop;
    QTimer timeout;
    timeout.setSingleShot(true);
    connect(reply.get(), &QNetworkReply::finished, &loop, &QEventLoop::quit);
    connect(&timeout, &QTimer::timeout, &loop, &QEventLoop::quit);
    timeout.start(15000);
    if (!reply->isFinished())
        loop.exec();
    Reply out;
    if (!reply->isFinished())
        return out;
    out.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    out.body = reply->readAll();
    for (const auto &[name, value] : reply->rawHeaderPairs())
        out.headers.insert(name.toLower(), value);
    if (!out.body.isEmpty()) {
        const Result<Json> parsed = parseJson(out.body);
        if (parsed)
            out.json = parsed.value();
    }
    return out;
}

std::vector<std::pair<QString, qint64>> TestAdminApi::rowCounts()
{
    const auto counts = onEngine([](Engine &engine) { return engine.store().tableCounts(); });
    return counts ? counts.value() : std::vector<std::pair<QString, qint64>> { { S("error"), -1 } };
}

QString TestAdminApi::createWorkflow(const Json &json)
{
    const Reply reply = send("POST", S("/api/v1/workflows"), jsonBytes(json));
    if (reply.status != 201)
        qWarning("create workflow: %s", reply.describe().constData());
    return reply.text("/id");
}

QString TestAdminApi::emitOne(const QString &type)
{
    const Reply reply = post(S("/api/v1/signals"), signalJson(type));
    if (reply.status != 201)
        qWarning("emit: %s", reply.describe().constData());
    const Json ids = reply.at("/runIds");
    return ids.is_array() && !ids.empty() ? fromStd(ids[0].get<std::string>()) : QString();
}

// The run's status once it is `status`, or the last status seen after 10 s.
QString TestAdminApi::waitForRunStatus(const QString &runId, const QString &status)
{
    QString seen;
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < 10000) {
        seen = get(S("/api/v1/runs/") + runId).text("/status");
        if (seen == status)
            break;
        QTest::qWait(20);
    }
    return seen;
}

// ---- authentication and probes ------------------------------------------------------------

void TestAdminApi::missingOrWrongTokenIs401()
{
    const auto before = rowCounts();
    const QString path = S("/api/v1/workflows");
    const Reply missing = send("GET", path, {}, std::nullopt);
    QCOMPARE(missing.status, 401);
    QCOMPARE(missing.errorCode(), S("unauthorized"));
    QVERIFY2(missing.headers.value("www-authenticate").startsWith("Bearer"), missing.headers.value("www-authenticate"));

    const Reply wrong = send("GET", path, {}, QByteArray("Bearer not-the-token"));
    QCOMPARE(wrong.status, 401);
    QVERIFY(wrong.headers.value("www-authenticate").contains("error=\"invalid_token\""));
    QCOMPARE(send("GET", path, {}, QByteArray("Bearer ") + kToken + "x").status, 401);
    QCOMPARE(send("GET", path, {}, QByteArray("Bearer")).status, 401);
    QCOMPARE(send("GET", path, {}, QByteArray("Basic ") + kToken.toBase64()).status, 401);
    QCOMPARE(send("GET", path, {}, QByteArray("Token ") + kToken).status, 401);

    // A write with a wrong token changes nothing.
    const Reply emitted = send("POST", S("/api/v1/signals"), jsonBytes(signalJson(S("auth.test"))),
                               QByteArray("Bearer wrong"));
    QCOMPARE(emitted.status, 401);
    const Reply created = send("POST", path, jsonBytes(workflowJson(S("auth.test"), Json::array({ step("ok") }))),
                               std::nullopt);
    QCOMPARE(created.status, 401);
    QCOMPARE(rowCounts(), before);

    // The scheme is case-insensitive (RFC 7235); the token is not.
    QCOMPARE(send("GET", path, {}, QByteArray("bearer ") + kToken).status, 200);
    QCOMPARE(send("GET", path, {}, QByteArray("Bearer ") + kToken.toUpper()).status, 401);
}

void TestAdminApi::noConfiguredTokenRefusesEverything()
{
    http::Server open;
    const Result<quint16> port = open.listen(QHostAddress::LocalHost, 0);
    VERIFY_OK(port);
    installAdminApi(open, *m_host, QString(), {});
    for (const QByteArray &auth : { QByteArray("Bearer "), QByteArray("Bearer x"), QByteArray() }) {
        const Reply reply = send("GET", S("/api/v1/runs"), {}, auth, port.value());
        QCOMPARE(reply.status, 401);
        QVERIFY2(reply.message().contains(S("no token")), reply.describe());
    }
    QCOMPARE(send("GET", S("/healthz"), {}, std::nullopt, port.value()).status, 200);
}

void TestAdminApi::probesNeedNoToken()
{
    const Reply health = send("GET", S("/healthz"), {}, std::nullopt);
    QCOMPARE(health.status, 200);
    QCOMPARE(health.text("/status"), S("ok"));
    const Reply metrics = send("GET", S("/metrics"), {}, std::nullopt);
    QCOMPARE(metrics.status, 200);
    QVERIFY2(metrics.headers.value("content-type").startsWith("text/plain; version=0.0.4"),
             metrics.headers.value("content-type"));
    QVERIFY(metrics.body.contains("# TYPE vigil_runs_total counter"));
    QVERIFY(metrics.body.contains("\nvigil_test_collector_up 1\n")); // the collector's part follows
    QCOMPARE(send("HEAD", S("/healthz"), {}, std::nullopt).status, 200);
}

void TestAdminApi::unhealthyCollectorIs503()
{
    m_healthy = false;
    const Reply reply = send("GET", S("/healthz"), {}, std::nullopt);
    QCOMPARE(reply.status, 503);
    QCOMPARE(reply.errorCode(), S("unavailable"));
    m_healthy = true;
    QCOMPARE(send("GET", S("/healthz"), {}, std::nullopt).status, 200);
}

// EngineHost::call's future finishes without a result before start(): 503, not a hang.
void TestAdminApi::engineNotStartedIs503()
{
    EngineHost idle(hostConfig());
    http::Server server;
    const Result<quint16> port = server.listen(QHostAddress::LocalHost, 0);
    VERIFY_OK(port);
    installAdminApi(server, idle, QString::fromLatin1(kToken), {});
    for (const QString &path : { S("/api/v1/workflows"), S("/api/v1/runs/run_x"), S("/healthz") }) {
        const Reply reply = send("GET", path, {}, QByteArray("Bearer ") + kToken, port.value());
        QVERIFY2(reply.status == 503, reply.describe());
        QCOMPARE(reply.errorCode(), S("unavailable"));
        QCOMPARE(reply.headers.value("retry-after"), QByteArray("1"));
    }
    QCOMPARE(send("POST", S("/api/v1/signals"), jsonBytes(signalJson(S("x"))), QByteArray("Bearer ") + kToken,
                  port.value())
                 .status,
             503);
}

// The database work runs on the engine thread: while that thread is busy, the collector
// thread (here the test's) still answers what needs no engine, and the admin request is
// answered once the engine gets to it.
void TestAdminApi::collectorThreadNeverWaitsForTheEngine()
{
    auto gate = std::make_shared<QSemaphore>();
    struct Opener
    {
        std::shared_ptr<QSemaphore> gate;
        ~Opener() { gate->release(); } // whatever happens, the engine thread goes on
    } opener { gate };
    auto blocked = m_host->call([gate](Engine &) { gate->acquire(); });

    QNetworkRequest request(QUrl(S("http://127.0.0.1:%1/api/v1/runs").arg(m_port)));
    request.setRawHeader("Authorization", QByteArray("Bearer ") + kToken);
    std::unique_ptr<QNetworkReply> waiting(m_nam.get(request));
    const Reply metrics = send("GET", S("/metrics"), {}, std::nullopt);
    QCOMPARE(metrics.status, 200);
    QVERIFY(!waiting->isFinished());

    gate->release();
    QTRY_VERIFY_WITH_TIMEOUT(waiting->isFinished(), 10000);
    QCOMPARE(waiting->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QVERIFY(blocked.isFinished());
}

void TestAdminApi::wrongMethodIs405AndUnknownPathIs404()
{
    const Reply patch = send("PATCH", S("/api/v1/workflows"));
    QCOMPARE(patch.status, 405);
    QCOMPARE(patch.headers.value("allow"), QByteArray("GET, HEAD, POST"));
    QCOMPARE(patch.errorCode(), S("method_not_allowed"));
    const Reply deleteSignals = send("DELETE", S("/api/v1/signals"));
    QCOMPARE(deleteSignals.status, 405);
    QCOMPARE(send("GET", S("/api/v1/runs/run_x/cancel")).status, 405);
    const Reply agent = send("POST", S("/api/v1/agents/a1"));
    QCOMPARE(agent.status, 405);
    QCOMPARE(agent.headers.value("allow"), QByteArray("GET, HEAD, PUT, DELETE"));
    QCOMPARE(send("POST", S("/metrics")).status, 405);

    const Reply unknown = send("GET", S("/api/v1/nothing"));
    QCOMPARE(unknown.status, 404);
    QCOMPARE(unknown.errorCode(), S("not_found"));
}

void TestAdminApi::badBodiesAre400_data()
{
    QTest::addColumn<QByteArray>("verb");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("message");
    QTest::newRow("malformed workflow") << QByteArray("POST") << S("/api/v1/workflows") << QByteArray("{\"name\": ")
                                        << S("malformed JSON at byte");
    QTest::newRow("array workflow") << QByteArray("POST") << S("/api/v1/workflows") << QByteArray("[1, 2]")
                                    << S("expected a JSON object, got array");
    QTest::newRow("empty workflow") << QByteArray("POST") << S("/api/v1/workflows") << QByteArray()
                                    << S("expected a JSON object, got nothing");
    QTest::newRow("string signal") << QByteArray("POST") << S("/api/v1/signals") << QByteArray("\"hi\"")
                                   << S("expected a JSON object, got string");
    QTest::newRow("malformed signal") << QByteArray("POST") << S("/api/v1/signals") << QByteArray("{\"type\": 1,,}")
                                      << S("malformed JSON");
    QTest::newRow("malformed put") << QByteArray("PUT") << S("/api/v1/workflows/wfd_x") << QByteArray("{")
                                   << S("malformed JSON");
    QTest::newRow("malformed agent") << QByteArray("PUT") << S("/api/v1/agents/a1") << QByteArray("nul")
                                     << S("malformed JSON");
    QTest::newRow("number agent") << QByteArray("PUT") << S("/api/v1/agents/a1") << QByteArray("42")
                                  << S("expected a JSON object");
    QTest::newRow("array cancel") << QByteArray("POST") << S("/api/v1/runs/run_x/cancel") << QByteArray("[]")
                                  << S("expected a JSON object");
    QTest::newRow("unknown cancel field") << QByteArray("POST") << S("/api/v1/runs/run_x/cancel")
                                          << QByteArray("{\"reasn\": \"typo\"}") << S("reasn: unknown field");
    QTest::newRow("cancel reason type") << QByteArray("POST") << S("/api/v1/runs/run_x/cancel")
                                        << QByteArray("{\"reason\": 5}") << S("reason: expected a string");
    QTest::newRow("replay dryRun type") << QByteArray("POST") << S("/api/v1/signals/trg_x/replay")
                                        << QByteArray("{\"dryRun\": \"yes\"}") << S("dryRun: expected true or false");
    QTest::newRow("retry body") << QByteArray("POST") << S("/api/v1/runs/run_x/retry")
                                << QByteArray("{\"from\": 2}") << S("from: unknown field");
}

void TestAdminApi::badBodiesAre400()
{
    QFETCH(QByteArray, verb);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(QString, message);
    const auto before = rowCounts();
    const Reply reply = send(verb, path, body);
    QVERIFY2(reply.status == 400, reply.describe());
    QCOMPARE(reply.errorCode(), S("invalid"));
    QVERIFY2(reply.message().contains(message), reply.describe());
    QCOMPARE(rowCounts(), before);
}

// ---- workflows ----------------------------------------------------------------------------

void TestAdminApi::workflowLifecycle()
{
    const Reply created = post(S("/api/v1/workflows"), workflowJson(S("wf.life"), Json::array({ step("ok") }), S("life")));
    QVERIFY2(created.status == 201, created.describe());
    const QString id = created.text("/id");
    QVERIFY(id.startsWith(S("wfd_")));
    QCOMPARE(created.at("/version"), Json(1));
    QCOMPARE(created.headers.value("location"), (S("/api/v1/workflows/") + id).toUtf8());
    QCOMPARE(created.text("/createdAt").size(), 24); // 2026-01-02T03:04:05.678Z
    QVERIFY(created.text("/createdAt").endsWith(QLatin1Char('Z')));

    const Reply fetched = get(S("/api/v1/workflows/") + id);
    QCOMPARE(fetched.status, 200);
    QCOMPARE(fetched.text("/name"), S("life"));
    QCOMPARE(fetched.at("/steps/0/name"), Json("ok"));

    // PUT stores a new version; without `version` in the body nothing is compared.
    Json changed = workflowJson(S("wf.life"), Json::array({ step("ok"), step("flaky") }), S("life 2"));
    const Reply updated = put(S("/api/v1/workflows/") + id, changed);
    QVERIFY2(updated.status == 200, updated.describe());
    QCOMPARE(updated.at("/version"), Json(2));
    QCOMPARE(updated.text("/id"), id);
    QCOMPARE(updated.at("/steps").size(), size_t(2));
    changed["version"] = 2;
    changed["id"] = toStd(id);
    QCOMPARE(put(S("/api/v1/workflows/") + id, changed).at("/version"), Json(3));

    const Reply disabled = post(S("/api/v1/workflows/") + id + S("/disable"));
    QCOMPARE(disabled.status, 200);
    QCOMPARE(disabled.at("/isEnabled"), Json(false));
    QCOMPARE(get(S("/api/v1/workflows?isEnabled=false")).at("/items").size(), size_t(1));
    QCOMPARE(get(S("/api/v1/workflows?isEnabled=true")).at("/items").size(), size_t(0));
    const Reply enabled = post(S("/api/v1/workflows/") + id + S("/enable"));
    QCOMPARE(enabled.status, 200);
    QCOMPARE(enabled.at("/isEnabled"), Json(true));

    QVERIFY(!createWorkflow(workflowJson(S("wf.other"), Json::array({ step("ok") }), S("other"))).isEmpty());
    const Reply all = get(S("/api/v1/workflows"));
    QCOMPARE(all.at("/items").size(), size_t(2));
    QVERIFY(all.at("/nextCursor").is_null());
    const Reply filtered = get(S("/api/v1/workflows?triggerType=wf.life&tenantId=t1"));
    QCOMPARE(filtered.at("/items").size(), size_t(1));
    QCOMPARE(filtered.text("/items/0/id"), id);
    QCOMPARE(get(S("/api/v1/workflows?tenantId=t2")).at("/items").size(), size_t(0));

    const Reply deleted = send("DELETE", S("/api/v1/workflows/") + id);
    QCOMPARE(deleted.status, 204);
    QVERIFY(deleted.body.isEmpty());
    // RFC 9110 8.6: no Content-Length on a 204.
    QVERIFY2(!deleted.headers.contains("content-length"), deleted.headers.value("content-length"));
    QCOMPARE(get(S("/api/v1/workflows/") + id).status, 404);
    QCOMPARE(send("DELETE", S("/api/v1/workflows/") + id).status, 404);
    QCOMPARE(get(S("/api/v1/workflows")).at("/items").size(), size_t(1));
}

void TestAdminApi::invalidWorkflowNamesTheField_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("message");
    auto row = [](const char *name, const Json &body, const QString &message) {
        QTest::newRow(name) << jsonBytes(body) << message;
    };
    row("no name", Json { { "tenantId", "t1" }, { "triggerType", "x" }, { "steps", Json::array({ step("ok") }) } },
        S("name: is required"));
    row("no steps", workflowJson(S("x"), Json::array()), S("steps: at least one step is required"));
    row("steps not array", workflowJson(S("x"), Json("ok")), S("steps: expected an array"));
    row("step without name", workflowJson(S("x"), Json::array({ step("ok"), Json { { "type", "action" } } })),
        S("steps[1].name: is required"));
    row("duplicate step", workflowJson(S("x"), Json::array({ step("ok"), step("ok") })),
        S("steps[1].name: duplicate step name"));
    row("delay out of range",
        workflowJson(S("x"), Json::array({ Json { { "type", "delay" }, { "name", "wait" }, { "delayMs", 0 } } })),
        S("steps[0].delayMs: must be between"));
    row("retry attempts",
        workflowJson(S("x"), Json::array({ Json { { "type", "action" }, { "name", "ok" },
                                                  { "retryPolicy", { { "maxAttempts", 11 }, { "backoffMs", 1000 } } } } })),
        S("steps[0].retryPolicy.maxAttempts"));
    row("unknown handler", workflowJson(S("x"), Json::array({ step("ok"), step("nobody") })),
        S("steps[1].name: unknown action \"nobody\""));
    row("bad cron", [] {
        Json body = workflowJson(S("x"), Json::array({ step("ok") }));
        body["cronExpression"] = "61 * * * *";
        return body;
    }(), S("cronExpression: minute"));
    row("type of name", Json { { "tenantId", "t1" }, { "name", 5 }, { "triggerType", "x" } }, S("name: expected a string"));
}

void TestAdminApi::invalidWorkflowNamesTheField()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, message);
    const QString existing = createWorkflow(workflowJson(S("wf.valid"), Json::array({ step("ok") })));
    QVERIFY(!existing.isEmpty());
    const auto before = rowCounts();

    const Reply created = send("POST", S("/api/v1/workflows"), body);
    QVERIFY2(created.status == 400, created.describe());
    QCOMPARE(created.errorCode(), S("invalid"));
    QVERIFY2(created.message().contains(message), created.describe());

    const Reply updated = send("PUT", S("/api/v1/workflows/") + existing, body);
    QVERIFY2(updated.status == 400, updated.describe());
    QVERIFY2(updated.message().contains(message), updated.describe());
    QCOMPARE(rowCounts(), before);
    QCOMPARE(get(S("/api/v1/workflows/") + existing).at("/version"), Json(1));
}

void TestAdminApi::staleWorkflowVersionIs409()
{
    const QString id = createWorkflow(workflowJson(S("wf.stale"), Json::array({ step("ok") })));
    QVERIFY(!id.isEmpty());
    Json body = workflowJson(S("wf.stale"), Json::array({ step("ok") }), S("edited"));
    body["version"] = 1;
    QCOMPARE(put(S("/api/v1/workflows/") + id, body).status, 200); // now version 2
    const auto before = rowCounts();
    const Reply stale = put(S("/api/v1/workflows/") + id, body); // still says 1
    QVERIFY2(stale.status == 409, stale.describe());
    QCOMPARE(stale.errorCode(), S("conflict"));
    QCOMPARE(get(S("/api/v1/workflows/") + id).at("/version"), Json(2));

    body["id"] = "wfd_someone_else";
    const Reply mismatch = put(S("/api/v1/workflows/") + id, body);
    QCOMPARE(mismatch.status, 400);
    QVERIFY2(mismatch.message().startsWith(S("id: ")), mismatch.describe());
    QCOMPARE(rowCounts(), before);
}

void TestAdminApi::missingDefaultWorkflowsAreRestored()
{
    // This database was opened without the defaults (a database from before one existed):
    // restoring creates all three; after one is deleted, only that one; then nothing.
    auto restoredIds = [](const Reply &reply) {
        QStringList ids;
        for (const Json &definition : reply.at("/restored"))
            ids << QString::fromStdString(definition.value("id", std::string()));
        ids.sort();
        return ids;
    };
    const Reply first = post(S("/api/v1/workflows/defaults"));
    QVERIFY2(first.status == 200, first.describe());
    QCOMPARE(restoredIds(first), (QStringList { S("wfd_default_failed"), S("wfd_default_missed_heartbeat"),
                                                S("wfd_default_recovered") }));
    QCOMPARE(get(S("/api/v1/workflows")).at("/items").size(), size_t(3));
    QCOMPARE(send("DELETE", S("/api/v1/workflows/wfd_default_failed")).status, 204);
    const Reply second = post(S("/api/v1/workflows/defaults"));
    QCOMPARE(second.status, 200);
    QCOMPARE(restoredIds(second), QStringList { S("wfd_default_failed") });
    QCOMPARE(get(S("/api/v1/workflows/wfd_default_failed")).text("/triggerType"), S("heartbeat.failed"));
    const Reply third = post(S("/api/v1/workflows/defaults"));
    QCOMPARE(third.status, 200);
    QVERIFY(restoredIds(third).isEmpty());
    QCOMPARE(get(S("/api/v1/workflows")).at("/items").size(), size_t(3));
}

void TestAdminApi::unknownWorkflowIs404()
{
    const auto before = rowCounts();
    const QString path = S("/api/v1/workflows/wfd_nothing");
    QCOMPARE(get(path).status, 404);
    QCOMPARE(get(path).errorCode(), S("not_found"));
    QCOMPARE(put(path, workflowJson(S("x"), Json::array({ step("ok") }))).status, 404);
    QCOMPARE(send("DELETE", path).status, 404);
    QCOMPARE(post(path + S("/enable")).status, 404);
    QCOMPARE(post(path + S("/disable")).status, 404);
    QCOMPARE(rowCounts(), before);
}

// ---- signals ------------------------------------------------------------------------------

void TestAdminApi::emitStartsRunsAndDeduplicates()
{
    QVERIFY(!createWorkflow(workflowJson(S("sig.emit"), Json::array({ step("ok") }))).isEmpty());
    Json body = signalJson(S("sig.emit"));
    body["payload"] = { { "n", 1 } };
    body["dedupKey"] = "once";
    const Reply first = post(S("/api/v1/signals"), body);
    QVERIFY2(first.status == 201, first.describe());
    const QString triggerId = first.text("/trigger/id");
    QVERIFY(triggerId.startsWith(S("trg_")));
    QCOMPARE(first.text("/trigger/type"), S("sig.emit"));
    QCOMPARE(first.at("/trigger/payload/n"), Json(1));
    QCOMPARE(first.text("/trigger/dedupKey"), S("once"));
    QCOMPARE(first.at("/runIds").size(), size_t(1));
    const QString runId = fromStd(first.at("/runIds/0").get<std::string>());
    QCOMPARE(waitForRunStatus(runId, S("completed")), S("completed"));

    // Same key: the first envelope, nothing started.
    const auto before = rowCounts();
    const Reply again = post(S("/api/v1/signals"), body);
    QVERIFY2(again.status == 200, again.describe());
    QCOMPARE(again.text("/trigger/id"), triggerId);
    QCOMPARE(again.at("/runIds"), Json::array());
    QCOMPARE(again.at("/deduplicated"), Json(true));
    QCOMPARE(rowCounts(), before);

    // A signal nothing matches is stored and starts nothing.
    const Reply lonely = post(S("/api/v1/signals"), signalJson(S("sig.nobody")));
    QCOMPARE(lonely.status, 201);
    QCOMPARE(lonely.at("/runIds"), Json::array());
}

void TestAdminApi::signalsListGetAndReplay()
{
    QVERIFY(!createWorkflow(workflowJson(S("sig.list"), Json::array({ step("ok") }))).isEmpty());
    const QString runA = emitOne(S("sig.list"));
    QVERIFY(!runA.isEmpty());
    QCOMPARE(post(S("/api/v1/signals"), signalJson(S("sig.list"), S("r2"))).status, 201);
    QCOMPARE(post(S("/api/v1/signals"), signalJson(S("sig.else"), S("r2"))).status, 201);

    QCOMPARE(get(S("/api/v1/signals")).at("/items").size(), size_t(3));
    QCOMPARE(get(S("/api/v1/signals?type=sig.list")).at("/items").size(), size_t(2));
    QCOMPARE(get(S("/api/v1/signals?resourceId=r2")).at("/items").size(), size_t(2));
    QCOMPARE(get(S("/api/v1/signals?type=sig.list&resourceId=r2&tenantId=t1")).at("/items").size(), size_t(1));
    QCOMPARE(get(S("/api/v1/signals?tenantId=t9")).at("/items").size(), size_t(0));

    const QString triggerId = get(S("/api/v1/runs/") + runA).text("/triggerId");
    const Reply one = get(S("/api/v1/signals/") + triggerId);
    QCOMPARE(one.status, 200);
    QCOMPARE(one.text("/id"), triggerId);
    QCOMPARE(one.text("/source"), S("test"));

    const Reply replayed = post(S("/api/v1/signals/") + triggerId + S("/replay"), Json { { "dryRun", true } });
    QVERIFY2(replayed.status == 200, replayed.describe());
    QCOMPARE(replayed.at("/runIds").size(), size_t(1));
    const QString replayRun = fromStd(replayed.at("/runIds/0").get<std::string>());
    QVERIFY(replayRun != runA);
    const Reply run = get(S("/api/v1/runs/") + replayRun);
    QCOMPARE(run.at("/isReplay"), Json(true));
    QCOMPARE(run.at("/isDryRun"), Json(true));
    // No body: a plain replay.
    const Reply plain = post(S("/api/v1/signals/") + triggerId + S("/replay"));
    QCOMPARE(plain.status, 200);
    QCOMPARE(get(S("/api/v1/runs/") + fromStd(plain.at("/runIds/0").get<std::string>())).at("/isDryRun"), Json(false));

    const auto before = rowCounts();
    QCOMPARE(get(S("/api/v1/signals/trg_nothing")).status, 404);
    QCOMPARE(post(S("/api/v1/signals/trg_nothing/replay")).status, 404);
    QCOMPARE(rowCounts(), before);
}

void TestAdminApi::invalidEmitIs400()
{
    const auto before = rowCounts();
    Json noType = signalJson(S("x"));
    noType.erase("type");
    const Reply missing = post(S("/api/v1/signals"), noType);
    QCOMPARE(missing.status, 400);
    QVERIFY2(missing.message().contains(S("type: is required")), missing.describe());

    Json badPayload = signalJson(S("x"));
    badPayload["payload"] = Json::array({ 1 });
    const Reply payload = post(S("/api/v1/signals"), badPayload);
    QCOMPARE(payload.status, 400);
    QVERIFY2(payload.message().contains(S("payload: expected an object")), payload.describe());

    Json badKey = signalJson(S("x"));
    badKey["dedupKey"] = 7;
    const Reply key = post(S("/api/v1/signals"), badKey);
    QCOMPARE(key.status, 400);
    QVERIFY2(key.message().contains(S("dedupKey: expected a string")), key.describe());
    badKey["dedupKey"] = "";
    QVERIFY2(post(S("/api/v1/signals"), badKey).message().contains(S("dedupKey: must not be empty")), "");
    QCOMPARE(rowCounts(), before);
}

// ---- runs ---------------------------------------------------------------------------------

void TestAdminApi::runDetailTimelineAndLogs()
{
    const QString definitionId = createWorkflow(workflowJson(S("run.detail"), Json::array({ step("ok"), step("flaky") })));
    const QString runId = emitOne(S("run.detail"));
    QVERIFY(!runId.isEmpty());
    QCOMPARE(waitForRunStatus(runId, S("completed")), S("completed"));

    const Reply run = get(S("/api/v1/runs/") + runId);
    QCOMPARE(run.text("/definitionId"), definitionId);
    QCOMPARE(run.at("/steps").size(), size_t(2));
    QCOMPARE(run.text("/steps/0/stepName"), S("ok"));
    QCOMPARE(run.text("/steps/1/status"), S("completed"));
    QCOMPARE(run.at("/context/ok/ok"), Json(true));

    const Reply timeline = get(S("/api/v1/runs/") + runId + S("/timeline"));
    QCOMPARE(timeline.status, 200);
    QVERIFY2(timeline.at("/items").size() >= 5, timeline.describe()); // created, 2 x (started, completed), completed
    QCOMPARE(timeline.text("/items/0/type"), S("run_created"));
    QVERIFY(timeline.at("/nextCursor").is_null());
    // Paged like every list.
    const Reply firstTwo = get(S("/api/v1/runs/") + runId + S("/timeline?limit=2"));
    QCOMPARE(firstTwo.at("/items").size(), size_t(2));
    const QString cursor = firstTwo.text("/nextCursor");
    QVERIFY(!cursor.isEmpty());
    const Reply rest = get(S("/api/v1/runs/") + runId + S("/timeline?limit=1000&cursor=") + cursor);
    QCOMPARE(rest.at("/items").size() + 2, timeline.at("/items").size());
    QCOMPARE(rest.at("/items/0"), timeline.at("/items/2"));

    const Reply logs = get(S("/api/v1/runs/") + runId + S("/logs"));
    QCOMPARE(logs.status, 200);
    bool sawOk = false;
    for (const Json &entry : logs.at("/items"))
        sawOk = sawOk || entry.value("message", std::string()) == "ok ran";
    QVERIFY2(sawOk, logs.describe());

    QCOMPARE(get(S("/api/v1/runs?status=completed")).at("/items").size(), size_t(1));
    QCOMPARE(get(S("/api/v1/runs?status=failed")).at("/items").size(), size_t(0));
    QCOMPARE(get(S("/api/v1/runs?definitionId=") + definitionId).at("/items").size(), size_t(1));
    QCOMPARE(get(S("/api/v1/runs?triggerId=") + run.text("/triggerId") + S("&tenantId=t1")).at("/items").size(),
             size_t(1));
    QCOMPARE(get(S("/api/v1/runs?tenantId=t2")).at("/items").size(), size_t(0));
}

void TestAdminApi::forbiddenTransitionsAre409()
{
    QVERIFY(!createWorkflow(workflowJson(S("run.quick"), Json::array({ step("ok") }))).isEmpty());
    QVERIFY(!createWorkflow(workflowJson(S("run.hold"), Json::array({ step("hold") }))).isEmpty());
    const QString done = emitOne(S("run.quick"));
    const QString busy = emitOne(S("run.hold"));
    QCOMPARE(waitForRunStatus(done, S("completed")), S("completed"));
    QCOMPARE(waitForRunStatus(busy, S("running")), S("running"));

    const auto before = rowCounts();
    const Reply cancelDone = post(S("/api/v1/runs/") + done + S("/cancel"), Json { { "reason", "late" } });
    QVERIFY2(cancelDone.status == 409, cancelDone.describe());
    QCOMPARE(cancelDone.errorCode(), S("conflict"));
    QVERIFY2(cancelDone.message().contains(S("completed")), cancelDone.describe());
    const Reply retryDone = post(S("/api/v1/runs/") + done + S("/retry"));
    QCOMPARE(retryDone.status, 409);
    const Reply retryBusy = post(S("/api/v1/runs/") + busy + S("/retry"));
    QVERIFY2(retryBusy.status == 409, retryBusy.describe());
    QVERIFY2(retryBusy.message().contains(S("running")), retryBusy.describe());
    QCOMPARE(rowCounts(), before);
    QCOMPARE(get(S("/api/v1/runs/") + done).text("/status"), S("completed"));
    QCOMPARE(get(S("/api/v1/runs/") + busy).text("/status"), S("running"));
}

void TestAdminApi::cancelRunningAndRetryFailed()
{
    QVERIFY(!createWorkflow(workflowJson(S("run.hold"), Json::array({ step("hold") }))).isEmpty());
    const QString busy = emitOne(S("run.hold"));
    QCOMPARE(waitForRunStatus(busy, S("running")), S("running"));
    const Reply canceled = post(S("/api/v1/runs/") + busy + S("/cancel"), Json { { "reason", "operator" } });
    QVERIFY2(canceled.status == 200, canceled.describe());
    QCOMPARE(canceled.text("/status"), S("canceled"));
    QCOMPARE(canceled.text("/cancelReason"), S("operator"));
    QCOMPARE(post(S("/api/v1/runs/") + busy + S("/cancel")).status, 409); // once is enough

    g_failing = true;
    QVERIFY(!createWorkflow(workflowJson(S("run.flaky"), Json::array({ step("flaky") }))).isEmpty());
    const QString failing = emitOne(S("run.flaky"));
    QCOMPARE(waitForRunStatus(failing, S("failed")), S("failed"));
    g_failing = false;
    const Reply retried = post(S("/api/v1/runs/") + failing + S("/retry"));
    QVERIFY2(retried.status == 200, retried.describe());
    QCOMPARE(retried.text("/status"), S("running"));
    QCOMPARE(waitForRunStatus(failing, S("completed")), S("completed"));
}

void TestAdminApi::unknownRunIs404()
{
    const auto before = rowCounts();
    for (const QString &suffix : { S(""), S("/timeline"), S("/logs") })
        QCOMPARE(get(S("/api/v1/runs/run_nothing") + suffix).status, 404);
    QCOMPARE(post(S("/api/v1/runs/run_nothing/cancel")).status, 404);
    const Reply retry = post(S("/api/v1/runs/run_nothing/retry"));
    QCOMPARE(retry.status, 404);
    QCOMPARE(retry.errorCode(), S("not_found"));
    QCOMPARE(rowCounts(), before);
}

// ---- lists --------------------------------------------------------------------------------

void TestAdminApi::pagingFollowsNextCursor()
{
    QStringList emitted;
    for (int i = 0; i < 5; ++i) {
        const Reply reply = post(S("/api/v1/signals"), signalJson(S("page.test"), S("r%1").arg(i)));
        QCOMPARE(reply.status, 201);
        emitted << reply.text("/trigger/id");
    }
    QVERIFY(post(S("/api/v1/signals"), signalJson(S("page.other"))).status == 201);

    QStringList seen;
    QString cursor;
    int pages = 0;
    do {
        const Reply page = get(S("/api/v1/signals?type=page.test&limit=2")
                               + (cursor.isEmpty() ? QString() : S("&cursor=") + cursor));
        QVERIFY2(page.status == 200, page.describe());
        ++pages;
        QVERIFY(page.at("/items").size() <= 2);
        for (const Json &item : page.at("/items"))
            seen << fromStd(item["id"].get<std::string>());
        const Json next = page.at("/nextCursor");
        QVERIFY2(next.is_null() || next.is_string(), page.describe());
        cursor = next.is_string() ? fromStd(next.get<std::string>()) : QString();
    } while (!cursor.isEmpty() && pages < 10);
    QCOMPARE(pages, 3);
    // Every signal once (ids are ordered by millisecond only, so not by emit order within one).
    QStringList newestFirst = seen;
    seen.sort();
    emitted.sort();
    QCOMPARE(seen, emitted);
    QVERIFY(std::is_sorted(newestFirst.rbegin(), newestFirst.rend()));

    // The last page of an exact multiple: no cursor on a page that has nothing after it.
    const Reply all = get(S("/api/v1/signals?type=page.test&limit=5"));
    QCOMPARE(all.at("/items").size(), size_t(5));
    QVERIFY(all.at("/nextCursor").is_null());
}

void TestAdminApi::badListParametersAre400_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("message");
    QTest::newRow("limit 0") << S("/api/v1/runs?limit=0") << S("limit: expected an integer from 1 to 1000");
    QTest::newRow("limit 1001") << S("/api/v1/signals?limit=1001") << S("limit:");
    QTest::newRow("limit text") << S("/api/v1/agents?limit=ten") << S("limit:");
    QTest::newRow("limit negative") << S("/api/v1/incidents?limit=-5") << S("limit:");
    QTest::newRow("cursor garbage") << S("/api/v1/runs?cursor=%25%25%25") << S("cursor: not a cursor of this list");
    QTest::newRow("cursor raw id") << S("/api/v1/runs?cursor=run_01") << S("cursor:");
    QTest::newRow("cursor of signals on runs") << S("/api/v1/runs?cursor=c2lnbmFscwp0cmdfMDE") << S("cursor:");
    QTest::newRow("timeline cursor") << S("/api/v1/runs/run_x/timeline?cursor=bG9ncwox") << S("cursor:");
    QTest::newRow("heartbeat cursor") << S("/api/v1/agents/a1/heartbeats?cursor=x") << S("cursor:");
    QTest::newRow("run status") << S("/api/v1/runs?status=bogus")
                                << S("status: unknown value \"bogus\" (expected pending, running, waiting, completed, "
                                     "failed, canceled)");
    QTest::newRow("agent state") << S("/api/v1/agents?state=dead") << S("state: unknown value \"dead\"");
    QTest::newRow("incident status") << S("/api/v1/incidents?status=closed") << S("status: unknown value \"closed\"");
    QTest::newRow("isEnabled") << S("/api/v1/workflows?isEnabled=maybe") << S("isEnabled: expected true or false");
    QTest::newRow("unknown parameter") << S("/api/v1/runs?state=failed") << S("state: unknown query parameter");
    QTest::newRow("twice") << S("/api/v1/signals?type=a&type=b") << S("type: given more than once");
}

void TestAdminApi::badListParametersAre400()
{
    QFETCH(QString, path);
    QFETCH(QString, message);
    const Reply reply = get(path);
    QVERIFY2(reply.status == 400, reply.describe());
    QCOMPARE(reply.errorCode(), S("invalid"));
    QVERIFY2(reply.message().startsWith(message), reply.describe());
}

// ---- agents and incidents ------------------------------------------------------------------

void TestAdminApi::agentKeyIsAnsweredOnlyOnce()
{
    const Reply created = put(S("/api/v1/agents/web-01"),
                              Json { { "intervalSecs", 30 }, { "graceSecs", 10 }, { "tenantId", "t1" },
                                     { "environment", "prod" }, { "tags", { "web", "eu" } }, { "generateKey", true } });
    QVERIFY2(created.status == 201, created.describe());
    const QString key = created.text("/hmacKey");
    QVERIFY2(QRegularExpression(S("^[0-9a-f]{64}$")).match(key).hasMatch(), created.describe());
    QCOMPARE(created.at("/hasKey"), Json(true));
    QCOMPARE(created.at("/intervalSecs"), Json(30));
    QCOMPARE(created.text("/state"), S("new"));
    QCOMPARE(m_configured, QStringList { S("web-01") });

    const Reply fetched = get(S("/api/v1/agents/web-01"));
    QCOMPARE(fetched.status, 200);
    QVERIFY2(!fetched.body.contains("hmacKey") && !fetched.body.contains(key.toUtf8()), fetched.describe());
    QCOMPARE(fetched.at("/hasKey"), Json(true));
    QVERIFY(!get(S("/api/v1/agents")).body.contains(key.toUtf8()));

    // A later PUT that does not touch the key keeps it and does not answer it.
    const Reply changed = put(S("/api/v1/agents/web-01"), Json { { "intervalSecs", 45 } });
    QCOMPARE(changed.status, 200);
    QVERIFY(!changed.body.contains("hmacKey"));
    QCOMPARE(changed.at("/hasKey"), Json(true));
    QCOMPARE(changed.at("/intervalSecs"), Json(45));
    QCOMPARE(changed.text("/environment"), S("prod")); // left out: kept
    const auto stored = onEngine([](Engine &engine) { return engine.store().getAgent(S("web-01")); });
    VERIFY_OK(stored);
    QCOMPARE(stored->hmacKey.value_or(QString()), key);

    // GET, edit, PUT back: the read-only fields are ignored.
    Json roundTrip = fetched.json;
    roundTrip["graceSecs"] = 20;
    const Reply back = put(S("/api/v1/agents/web-01"), roundTrip);
    QVERIFY2(back.status == 200, back.describe());
    QCOMPARE(back.at("/graceSecs"), Json(20));

    // A given key is answered by that request; null clears the key and the environment.
    const Reply given = put(S("/api/v1/agents/web-01"), Json { { "hmacKey", "operator-chosen" } });
    QCOMPARE(given.text("/hmacKey"), S("operator-chosen"));
    const Reply cleared = put(S("/api/v1/agents/web-01"), Json { { "hmacKey", nullptr }, { "environment", nullptr } });
    QCOMPARE(cleared.status, 200);
    QCOMPARE(cleared.at("/hasKey"), Json(false));
    QVERIFY(!cleared.json.contains("environment"));
    QCOMPARE(m_configured.size(), 5);

    // A cron-style agent.
    const Reply cron = put(S("/api/v1/agents/backup@db-1"),
                           Json { { "schedule", "30 2 * * *" }, { "timezone", "Europe/Berlin" } });
    QVERIFY2(cron.status == 201, cron.describe());
    QCOMPARE(cron.text("/schedule"), S("30 2 * * *"));
    QCOMPARE(cron.text("/tenantId"), S("default"));
}

void TestAdminApi::agentPutValidation_data()
{
    QTest::addColumn<QString>("id");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("message");
    auto row = [](const char *name, const Json &body, const QString &message, const QString &id = S("a1")) {
        QTest::newRow(name) << id << jsonBytes(body) << message;
    };
    row("interval 0", Json { { "intervalSecs", 0 } }, S("intervalSecs: must be from 1"));
    row("interval text", Json { { "intervalSecs", "60" } }, S("intervalSecs: expected an integer"));
    row("grace negative", Json { { "graceSecs", -1 } }, S("graceSecs: must be from 0"));
    row("bad schedule", Json { { "schedule", "61 * * * *" } }, S("schedule: minute"));
    row("schedule fields", Json { { "schedule", "* * *" } }, S("schedule: expected 5 fields"));
    row("bad timezone", Json { { "timezone", "Mars/Olympus" } }, S("timezone: unknown time zone"));
    row("tags not array", Json { { "tags", "web" } }, S("tags: expected an array"));
    row("tag not string", Json { { "tags", { "web", 3 } } }, S("tags[1]: expected a string"));
    row("empty tenant", Json { { "tenantId", "" } }, S("tenantId: must not be empty"));
    row("empty key", Json { { "hmacKey", "" } }, S("hmacKey: must not be empty"));
    row("key and generate", Json { { "hmacKey", "k" }, { "generateKey", true } },
        S("generateKey: cannot be combined with hmacKey"));
    row("generate not bool", Json { { "generateKey", "yes" } }, S("generateKey: expected true or false"));
    row("unknown field", Json { { "intervalSec", 5 } }, S("intervalSec: unknown field"));
    row("id mismatch", Json { { "id", "a2" } }, S("id: \"a2\" does not match"));
    row("id with space", Json::object(), S("id: \"bad id\" is not an agent id"), S("bad%20id"));
    row("id with slash", Json::object(), S("id: "), S("a%2Fb"));
    row("id too long", Json::object(), S("id: "), QString(129, QLatin1Char('x')));
    row("id non-ascii", Json::object(), S("id: "), S("%C3%A9t%C3%A9"));
}

void TestAdminApi::agentPutValidation()
{
    QFETCH(QString, id);
    QFETCH(QByteArray, body);
    QFETCH(QString, message);
    QCOMPARE(put(S("/api/v1/agents/a1"), Json { { "intervalSecs", 60 } }).status, 201);
    const auto before = rowCounts();
    const Reply reply = send("PUT", S("/api/v1/agents/") + id, body);
    QVERIFY2(reply.status == 400, reply.describe());
    QCOMPARE(reply.errorCode(), S("invalid"));
    QVERIFY2(reply.message().startsWith(message), reply.describe());
    QCOMPARE(rowCounts(), before);
    QCOMPARE(get(S("/api/v1/agents/a1")).at("/intervalSecs"), Json(60));
    QCOMPARE(m_configured, QStringList { S("a1") });
}

void TestAdminApi::agentListsHeartbeatsAndDelete()
{
    QCOMPARE(put(S("/api/v1/agents/web-1"), Json { { "tenantId", "t1" }, { "tags", { "web" } } }).status, 201);
    QCOMPARE(put(S("/api/v1/agents/db-1"), Json { { "tenantId", "t2" }, { "tags", { "db" } } }).status, 201);
    const QDateTime now = nowUtc();
    VERIFY_OK(onEngine([now](Engine &engine) {
        std::vector<Heartbeat> beats;
        for (int i = 0; i < 3; ++i) {
            Heartbeat beat;
            beat.agentId = S("web-1");
            beat.receivedAt = now.addSecs(i);
            beat.message = S("beat %1").arg(i);
            beats.push_back(beat);
        }
        return engine.store().insertHeartbeats(beats);
    }));

    QCOMPARE(get(S("/api/v1/agents")).at("/items").size(), size_t(2));
    QCOMPARE(get(S("/api/v1/agents?tenantId=t2")).text("/items/0/id"), S("db-1"));
    QCOMPARE(get(S("/api/v1/agents?tag=web")).text("/items/0/id"), S("web-1"));
    QCOMPARE(get(S("/api/v1/agents?tag=web")).at("/items").size(), size_t(1));
    QCOMPARE(get(S("/api/v1/agents?state=new")).at("/items").size(), size_t(2));
    QCOMPARE(get(S("/api/v1/agents?state=down")).at("/items").size(), size_t(0));

    const Reply first = get(S("/api/v1/agents/web-1/heartbeats?limit=2"));
    QVERIFY2(first.status == 200, first.describe());
    QCOMPARE(first.at("/items").size(), size_t(2));
    QCOMPARE(first.text("/items/0/message"), S("beat 2")); // newest first
    QCOMPARE(first.text("/items/0/agentId"), S("web-1"));
    const Reply second = get(S("/api/v1/agents/web-1/heartbeats?limit=2&cursor=") + first.text("/nextCursor"));
    QCOMPARE(second.at("/items").size(), size_t(1));
    QCOMPARE(second.text("/items/0/message"), S("beat 0"));
    QVERIFY(second.at("/nextCursor").is_null());
    QCOMPARE(get(S("/api/v1/agents/db-1/heartbeats")).at("/items").size(), size_t(0));

    const Reply deleted = send("DELETE", S("/api/v1/agents/web-1"));
    QCOMPARE(deleted.status, 204);
    QCOMPARE(m_deleted, QStringList { S("web-1") });
    QCOMPARE(get(S("/api/v1/agents/web-1")).status, 404);
    QCOMPARE(get(S("/api/v1/agents/web-1/heartbeats")).status, 404);
    const auto before = rowCounts();
    QCOMPARE(send("DELETE", S("/api/v1/agents/web-1")).status, 404);
    QCOMPARE(m_deleted.size(), 1); // the collector hears only of real deletions
    QCOMPARE(send("DELETE", S("/api/v1/agents/bad%20id")).status, 400);
    QCOMPARE(get(S("/api/v1/agents/bad%20id")).status, 400);
    QCOMPARE(rowCounts(), before);
}

void TestAdminApi::pauseAndResumeGoThroughTheCollector()
{
    QCOMPARE(put(S("/api/v1/agents/job-7"), Json { { "intervalSecs", 60 } }).status, 201);
    const Reply paused = post(S("/api/v1/agents/job-7/pause"));
    QVERIFY2(paused.status == 200, paused.describe());
    QCOMPARE(paused.text("/state"), S("paused"));
    QCOMPARE(get(S("/api/v1/agents/job-7")).text("/state"), S("paused"));
    QCOMPARE(get(S("/api/v1/agents?state=paused")).at("/items").size(), size_t(1));
    const Reply resumed = post(S("/api/v1/agents/job-7/resume"));
    QCOMPARE(resumed.status, 200);
    QCOMPARE(resumed.text("/state"), S("new"));
    QCOMPARE(m_pauses, (QStringList { S("job-7 pause"), S("job-7 resume") }));

    QCOMPARE(post(S("/api/v1/agents/nobody/pause")).status, 404);
    QCOMPARE(post(S("/api/v1/agents/bad%20id/pause")).status, 400);
    QCOMPARE(send("POST", S("/api/v1/agents/job-7/pause"), QByteArray("{\"until\": 1}")).status, 400);
    QCOMPARE(m_pauses.size(), 3); // the bad id and the bad body never reached the collector
}

void TestAdminApi::incidentsByStatus()
{
    VERIFY_OK(onEngine([](Engine &engine) -> Status {
        Store &store = engine.store();
        for (const char *resource : { "web-1", "db-1" }) {
            Incident incident;
            incident.id = S("inc_%1").arg(QLatin1String(resource));
            incident.tenantId = S("t1");
            incident.definitionId = S("wfd_x");
            incident.resourceType = S("agent");
            incident.resourceId = QLatin1String(resource);
            incident.title = S("%1 is down").arg(QLatin1String(resource));
            incident.openedAt = incident.updatedAt = nowUtc();
            if (const auto opened = store.openIncident(incident); !opened)
                return opened.error();
        }
        const auto resolved = store.resolveIncidents(S("t1"), S("db-1"), std::nullopt, nowUtc(), std::nullopt);
        return resolved ? Status() : Status(resolved.error());
    }));
    const Reply open = get(S("/api/v1/incidents?status=open"));
    QVERIFY2(open.status == 200, open.describe());
    QCOMPARE(open.at("/items").size(), size_t(1));
    QCOMPARE(open.text("/items/0/resourceId"), S("web-1"));
    const Reply resolved = get(S("/api/v1/incidents?status=resolved"));
    QCOMPARE(resolved.at("/items").size(), size_t(1));
    QCOMPARE(resolved.text("/items/0/status"), S("resolved"));
    QCOMPARE(get(S("/api/v1/incidents")).at("/items").size(), size_t(2));
    QCOMPARE(get(S("/api/v1/incidents?resourceId=db-1&tenantId=t1")).at("/items").size(), size_t(1));
    const QString id = open.text("/items/0/id");
    QCOMPARE(get(S("/api/v1/incidents/") + id).text("/title"), S("web-1 is down"));
    QCOMPARE(get(S("/api/v1/incidents/inc_nothing")).status, 404);
}

// ---- metrics ------------------------------------------------------------------------------

void TestAdminApi::metricsCountEngineWork()
{
    auto scrape = [this](QHash<QString, double> *samples) {
        const Reply reply = send("GET", S("/metrics"), {}, std::nullopt);
        QCOMPARE(reply.status, 200);
        QStringList problems;
        *samples = parseMetrics(reply.body, &problems);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
        for (const char *family : { "vigil_signals_total counter", "vigil_runs_total counter",
                                    "vigil_step_duration_seconds histogram" })
            QVERIFY2(reply.body.contains(QByteArray(QByteArray("# TYPE ") + family)), family);
    };
    QHash<QString, double> before;
    CALL(scrape(&before));
    QCOMPARE(before.value(S("vigil_runs_total{status=\"completed\"}"), -1), 0.0);
    QVERIFY(!before.contains(S("vigil_signals_total{type=\"metrics.test\"}")));

    QVERIFY(!createWorkflow(workflowJson(S("metrics.test"), Json::array({ step("ok"), step("flaky") }))).isEmpty());
    const QString runId = emitOne(S("metrics.test"));
    QCOMPARE(waitForRunStatus(runId, S("completed")), S("completed"));
    QCOMPARE(post(S("/api/v1/signals"), signalJson(S("metrics.test"))).status, 201);

    const QString completedCount = S("vigil_step_duration_seconds_count{status=\"completed\"}");
    QHash<QString, double> after;
    QTRY_VERIFY_WITH_TIMEOUT((scrape(&after), after.value(completedCount) >= 2), 10000);
    QCOMPARE(after.value(S("vigil_signals_total{type=\"metrics.test\"}")), 2.0);
    QVERIFY(after.value(S("vigil_runs_total{status=\"pending\"}")) >= 2);
    QVERIFY(after.value(S("vigil_runs_total{status=\"running\"}")) >= 1);
    QVERIFY(after.value(S("vigil_runs_total{status=\"completed\"}")) >= 1);
    QCOMPARE(after.value(S("vigil_runs_total{status=\"failed\"}")), 0.0);
    QCOMPARE(after.value(S("vigil_step_duration_seconds_bucket{status=\"completed\",le=\"+Inf\"}")),
             after.value(completedCount));
    QVERIFY(after.value(S("vigil_step_duration_seconds_bucket{status=\"completed\",le=\"300\"}"))
            <= after.value(completedCount));
    QVERIFY(after.value(S("vigil_step_duration_seconds_sum{status=\"completed\"}")) >= 0);
    QCOMPARE(after.value(S("vigil_test_collector_up")), 1.0);
}

QTEST_GUILESS_MAIN(TestAdminApi)
#include "tst_adminapi.moc"
