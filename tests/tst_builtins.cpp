// SPDX-License-Identifier: GPL-3.0-or-later
// The built-in handlers, called through a Registry filled by registerBuiltins with a real
// StepContext: a real SQLite store (a fresh file per test), an HTTP server on 127.0.0.1 in
// this thread, and real programs started by run_command. Handlers run to completion with
// QCoro::waitFor; the cancellation tests start a handler, let it reach its request or
// process, and fire the step's token.

#include "core/ids.h"
#include "core/isotime.h"
#include "store/store.h"
#include "support/httptestserver.h"
#include "workflow/builtins/builtins.h"
#include "workflow/registry.h"

#include <QCoroTask>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>
#include <atomic>
#include <memory>

using namespace vigil;

namespace {

Json json(const QByteArray &text)
{
    Result<Json> parsed = parseJson(text);
    if (!parsed)
        qFatal("bad test JSON %s: %s", text.constData(), qPrintable(parsed.error().message));
    return parsed.value();
}

QString dump(const Json &value)
{
    return dumpJsonString(value);
}

// Whether a process whose command line contains `needle` is alive (zombies have none).
bool commandRunning(const QByteArray &needle)
{
    const QDir proc(QStringLiteral("/proc"));
    const QStringList entries = proc.entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &entry : entries) {
        bool isPid = false;
        entry.toInt(&isPid);
        if (!isPid)
            continue;
        QFile file(proc.filePath(entry + QStringLiteral("/cmdline")));
        if (!file.open(QIODevice::ReadOnly))
            continue;
        QByteArray command = file.readAll();
        command.replace('\0', ' ');
        if (command.contains(needle))
            return true;
    }
    return false;
}

// The engine's side of the handler API, with a real store; it records what handlers ask of it.
class TestServices final : public HandlerServices
{
public:
    struct Notification
    {
        QString title;
        QString body;
        QString severity;
    };

    explicit TestServices(std::unique_ptr<Store> store)
        : m_store(std::move(store))
    { }

    Result<TriggerEnvelope> emitSignal(
        const TriggerInput &input, const std::optional<QString> &dedupKey) override
    {
        if (emitError)
            return *emitError;
        TriggerEnvelope envelope;
        static_cast<TriggerInput &>(envelope) = input;
        envelope.id = newId(IdPrefix::Trigger);
        envelope.createdAt = nowUtc();
        envelope.dedupKey = dedupKey;
        Result<SignalInsert> inserted = m_store->insertSignal(envelope);
        if (!inserted)
            return inserted.error();
        emitted.push_back(inserted->envelope);
        return inserted->envelope;
    }
    Store &store() override { return *m_store; }
    QStringList commandAllowlist() const override { return allowlist; }
    void notify(const QString &title, const QString &body, const QString &severity) override
    {
        notifications.push_back({ title, body, severity });
    }

    QStringList allowlist;
    std::optional<Error> emitError;
    std::vector<TriggerEnvelope> emitted;
    std::vector<Notification> notifications;

private:
    std::unique_ptr<Store> m_store;
};

using vigil::test::HttpTestServer;

// The routes of the suite's HTTP server; /hang never answers (for timeouts and cancellation).
HttpTestServer::Reply builtinsRoute(const HttpTestServer::Request &request)
{
    HttpTestServer::Reply reply;
    reply.status = 200;
    const QByteArray path = request.path();
    if (path == "/hang") {
        reply.never = true;
    } else if (path == "/json") {
        reply.body = R"({"ok":true,"n":3})";
    } else if (path == "/text") {
        reply.contentType = "text/plain";
        reply.body = "hello";
    } else if (path.startsWith("/status/")) {
        reply.status = path.mid(8).toInt();
        reply.body = R"({"error":"boom"})";
    } else if (path == "/big") {
        reply.contentType = "text/plain";
        reply.body = QByteArray(200000, 'x');
    } else if (path == "/bigjson") {
        reply.body = "[" + QByteArray(100000, '1').replace("11", "1,") + "1]";
    } else if (path == "/badjson") {
        reply.body = "not json{";
    } else if (path == "/redirect") {
        reply.status = 302;
        reply.extraHeaders = "Location: /json\r\n";
        reply.body = "{}";
    } else if (path == "/echo") {
        reply.body = "{}";
    } else {
        reply.status = 404;
        reply.body = R"({"error":"no route"})";
    }
    return reply;
}

struct LogLine
{
    LogLevel level;
    QString message;
    Json data;
};

// Conditions answer Result<bool>, which QCoro::waitFor cannot hold (no default value).
struct ConditionOutcome
{
    bool ok = false;
    bool value = false;
    QString error;
};

QCoro::Task<ConditionOutcome> evaluate(ConditionHandler handler, StepContext context)
{
    const Result<bool> result = co_await handler(std::move(context));
    if (!result)
        co_return ConditionOutcome { false, false, result.error().message };
    co_return ConditionOutcome { true, result.value(), QString() };
}

} // namespace

class TestBuiltins : public QObject
{
    Q_OBJECT

private:
    Registry m_registry;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<TestServices> m_services;
    std::vector<LogLine> m_logs;
    HttpTestServer m_http;

    StepContext context(const Json &stepConfig)
    {
        StepContext ctx;
        ctx.tenantId = QStringLiteral("t1");
        ctx.trigger.id = QStringLiteral("trg_test");
        ctx.trigger.tenantId = QStringLiteral("t1");
        ctx.trigger.source = QStringLiteral("heartbeat");
        ctx.trigger.type = QStringLiteral("heartbeat.missed");
        ctx.trigger.resourceType = QStringLiteral("agent");
        ctx.trigger.resourceId = QStringLiteral("agent-1");
        ctx.trigger.createdAt = nowUtc();
        ctx.trigger.payload
            = json(R"({"misses": 3, "ratio": 2.5, "state": "down", "note": "disk full on /var",
            "hosts": ["a", "b"], "ok": true, "none": null, "obj": {"x": 1}, "a/b": 1})");
        ctx.run.id = QStringLiteral("run_test");
        ctx.run.definitionId = QStringLiteral("wfd_test");
        ctx.run.tenantId = QStringLiteral("t1");
        ctx.run.triggerId = ctx.trigger.id;
        ctx.run.context = json(R"({"check": {"status": 200}})");
        ctx.step.id = QStringLiteral("stp_test");
        ctx.step.runId = ctx.run.id;
        ctx.step.stepName = QStringLiteral("step");
        ctx.config = json(R"({"threshold": 3})");
        ctx.stepConfig = stepConfig;
        ctx.services = m_services.get();
        ctx.logSink = [this](LogLevel level, const QString &message, const Json &data) {
            m_logs.push_back({ level, message, data });
        };
        return ctx;
    }

    ActionResult runAction(const QString &name, const StepContext &ctx)
    {
        const Registry::Action *action = m_registry.action(name);
        if (!action)
            return ActionResult::failure(QStringLiteral("test: no action %1").arg(name));
        return QCoro::waitFor(action->handler(ctx));
    }
    ActionResult runAction(const QString &name, const Json &stepConfig)
    {
        return runAction(name, context(stepConfig));
    }

    ConditionOutcome runCondition(const QString &name, const StepContext &ctx)
    {
        const Registry::Condition *condition = m_registry.condition(name);
        if (!condition)
            return ConditionOutcome { false, false, QStringLiteral("test: no condition %1").arg(name) };
        return QCoro::waitFor(evaluate(condition->handler, ctx));
    }
    ConditionOutcome runCondition(const QString &name, const Json &stepConfig)
    {
        return runCondition(name, context(stepConfig));
    }

    Agent putAgent(const QString &id, AgentState state, const QString &tenantId = QStringLiteral("t1"))
    {
        Agent agent;
        agent.id = id;
        agent.tenantId = tenantId;
        agent.state = state;
        agent.lastSeenAt = nowUtc().addSecs(-120);
        agent.misses = 2;
        agent.stateChangedAt = nowUtc().addSecs(-3600);
        Result<Agent> stored = m_services->store().upsertAgent(agent);
        if (!stored)
            qFatal("upsertAgent: %s", qPrintable(stored.error().message));
        return stored.value();
    }

    bool logged(const QString &text) const
    {
        return std::any_of(
            m_logs.begin(), m_logs.end(), [&](const LogLine &l) { return l.message.contains(text); });
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QLoggingCategory::setFilterRules(QStringLiteral("vigil.store.info=false"));
        registerBuiltins(m_registry);
        m_http.setResponder(builtinsRoute);
        QVERIFY(m_http.start());
    }

    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        StoreOptions options;
        options.url = QStringLiteral("sqlite://") + m_dir->filePath(QStringLiteral("vigil.db"));
        Result<std::unique_ptr<Store>> store = openStore(options);
        QVERIFY2(store.ok(), store ? "" : qPrintable(store.error().message));
        const Status migrated = store.value()->migrate();
        QVERIFY2(migrated.ok(), migrated ? "" : qPrintable(migrated.error().message));
        m_services = std::make_unique<TestServices>(std::move(store).value());
        m_logs.clear();
        m_http.requests.clear();
        m_http.closedUnanswered = 0;
    }

    void cleanup()
    {
        m_services.reset();
        m_dir.reset();
    }

    // ---- registration and schemas ----------------------------------------------------

    void registersEveryBuiltin()
    {
        QStringList actions = m_registry.actionNames();
        actions.sort();
        QCOMPARE(actions,
            QStringList({ QStringLiteral("create_incident"), QStringLiteral("emit_signal"),
                QStringLiteral("http_request"), QStringLiteral("log"), QStringLiteral("notify"),
                QStringLiteral("resolve_incident"), QStringLiteral("run_command"),
                QStringLiteral("set_agent_state") }));
        QStringList conditions = m_registry.conditionNames();
        conditions.sort();
        QCOMPARE(conditions,
            QStringList({ QStringLiteral("agent_down"), QStringLiteral("expression"),
                QStringLiteral("http_check") }));
    }

    void configSchema_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("isAction");
        QTest::addColumn<bool>("replaySafe");
        // Every field as toJson(ConfigField) writes it, without its description.
        QTest::addColumn<QByteArray>("fields");

        QTest::newRow("log") << QStringLiteral("log") << true << true << QByteArray(R"([
            {"name": "message", "type": "string", "required": true},
            {"name": "level", "type": "string", "required": false, "default": "info", "choices": ["info", "warn", "error"]},
            {"name": "data", "type": "object", "required": false}])");
        QTest::newRow("http_request") << QStringLiteral("http_request") << true << false << QByteArray(R"([
            {"name": "url", "type": "string", "required": true},
            {"name": "method", "type": "string", "required": false, "default": "POST",
             "choices": ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]},
            {"name": "headers", "type": "object", "required": false},
            {"name": "body", "type": "any", "required": false},
            {"name": "timeoutMs", "type": "integer", "required": false, "default": 10000}])");
        QTest::newRow("run_command") << QStringLiteral("run_command") << true << false << QByteArray(R"([
            {"name": "program", "type": "string", "required": true},
            {"name": "args", "type": "stringList", "required": false},
            {"name": "workingDirectory", "type": "string", "required": false},
            {"name": "env", "type": "object", "required": false},
            {"name": "timeoutMs", "type": "integer", "required": false, "default": 60000},
            {"name": "stdin", "type": "string", "required": false}])");
        QTest::newRow("emit_signal") << QStringLiteral("emit_signal") << true << false << QByteArray(R"([
            {"name": "type", "type": "string", "required": true},
            {"name": "source", "type": "string", "required": false, "default": "workflow"},
            {"name": "resourceType", "type": "string", "required": false},
            {"name": "resourceId", "type": "string", "required": false},
            {"name": "environment", "type": "string", "required": false},
            {"name": "payload", "type": "object", "required": false},
            {"name": "dedupKey", "type": "string", "required": false}])");
        QTest::newRow("create_incident")
            << QStringLiteral("create_incident") << true << true << QByteArray(R"([
            {"name": "title", "type": "string", "required": false},
            {"name": "severity", "type": "string", "required": false, "default": "medium",
             "choices": ["low", "medium", "high", "critical"]},
            {"name": "details", "type": "object", "required": false}])");
        QTest::newRow("resolve_incident")
            << QStringLiteral("resolve_incident") << true << true << QByteArray(R"([
            {"name": "resourceId", "type": "string", "required": false},
            {"name": "scope", "type": "string", "required": false, "default": "resource",
             "choices": ["resource", "workflow"]}])");
        QTest::newRow("set_agent_state")
            << QStringLiteral("set_agent_state") << true << true << QByteArray(R"([
            {"name": "agentId", "type": "string", "required": false},
            {"name": "state", "type": "string", "required": true, "choices": ["new", "up", "late", "down", "paused"]}])");
        QTest::newRow("notify") << QStringLiteral("notify") << true << false << QByteArray(R"([
            {"name": "title", "type": "string", "required": true},
            {"name": "body", "type": "string", "required": false},
            {"name": "severity", "type": "string", "required": false, "default": "info",
             "choices": ["info", "warning", "error"]}])");
        QTest::newRow("agent_down") << QStringLiteral("agent_down") << false << false << QByteArray(R"([
            {"name": "agentId", "type": "string", "required": false}])");
        QTest::newRow("expression") << QStringLiteral("expression") << false << false << QByteArray(R"([
            {"name": "path", "type": "string", "required": true},
            {"name": "op", "type": "string", "required": true,
             "choices": ["==", "!=", "<", "<=", ">", ">=", "contains", "exists"]},
            {"name": "value", "type": "any", "required": false}])");
        QTest::newRow("http_check") << QStringLiteral("http_check") << false << false << QByteArray(R"([
            {"name": "url", "type": "string", "required": true},
            {"name": "timeoutMs", "type": "integer", "required": false, "default": 5000},
            {"name": "expectStatus", "type": "integer", "required": false}])");
    }

    void configSchema()
    {
        QFETCH(QString, name);
        QFETCH(bool, isAction);
        QFETCH(bool, replaySafe);
        QFETCH(QByteArray, fields);

        const std::vector<ConfigField> *schema = nullptr;
        QString description;
        if (isAction) {
            const Registry::Action *action = m_registry.action(name);
            QVERIFY(action);
            QCOMPARE(action->options.replaySafe, replaySafe);
            schema = &action->options.configSchema;
            description = action->options.description;
        } else {
            const Registry::Condition *condition = m_registry.condition(name);
            QVERIFY(condition);
            schema = &condition->options.configSchema;
            description = condition->options.description;
        }
        QVERIFY2(description.size() > 20, qPrintable(description));
        Json actual = Json::array();
        for (const ConfigField &field : *schema) {
            QVERIFY2(field.description.size() > 10, qPrintable(name + QLatin1Char('.') + field.name));
            Json written = toJson(field);
            written.erase("description");
            actual.push_back(std::move(written));
        }
        QCOMPARE(dump(actual), dump(json(fields)));
    }

    // checkConfig, as the engine applies it, against every built-in's schema.
    void checkConfigAgainstSchema_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("valid"); // the smallest config the schema accepts
        QTest::addColumn<QString>("requiredField"); // empty: nothing is required
        QTest::addColumn<QByteArray>("badChoice"); // {field: value} outside the choices, or empty
        QTest::addColumn<QString>("badChoiceMessage");

        QTest::newRow("log") << QStringLiteral("log") << QByteArray(R"({"message": "m"})")
                             << QStringLiteral("message")
                             << QByteArray(R"({"message": "m", "level": "loud"})")
                             << QStringLiteral(
                                    "steps[0].config.level: \"loud\" is not one of info, warn, error");
        QTest::newRow("http_request")
            << QStringLiteral("http_request") << QByteArray(R"({"url": "x.example"})")
            << QStringLiteral("url") << QByteArray(R"({"url": "x.example", "method": "get"})")
            << QStringLiteral("steps[0].config.method: \"get\" is not one of GET, POST, "
                              "PUT, PATCH, DELETE, HEAD");
        QTest::newRow("run_command") << QStringLiteral("run_command") << QByteArray(R"({"program": "echo"})")
                                     << QStringLiteral("program") << QByteArray() << QString();
        QTest::newRow("emit_signal") << QStringLiteral("emit_signal") << QByteArray(R"({"type": "x"})")
                                     << QStringLiteral("type") << QByteArray() << QString();
        QTest::newRow("create_incident")
            << QStringLiteral("create_incident") << QByteArray("{}") << QString()
            << QByteArray(R"({"severity": "meh"})")
            << QStringLiteral("steps[0].config.severity: \"meh\" is not one of low, "
                              "medium, high, critical");
        QTest::newRow("resolve_incident")
            << QStringLiteral("resolve_incident") << QByteArray("{}") << QString()
            << QByteArray(R"({"scope": "all"})")
            << QStringLiteral("steps[0].config.scope: \"all\" is not one of resource, "
                              "workflow");
        QTest::newRow("set_agent_state")
            << QStringLiteral("set_agent_state") << QByteArray(R"({"state": "up"})")
            << QStringLiteral("state") << QByteArray(R"({"state": "gone"})")
            << QStringLiteral("steps[0].config.state: \"gone\" is not one of new, up, "
                              "late, down, paused");
        QTest::newRow("notify") << QStringLiteral("notify") << QByteArray(R"({"title": "t"})")
                                << QStringLiteral("title")
                                << QByteArray(R"({"title": "t", "severity": "warn"})")
                                << QStringLiteral(
                                       "steps[0].config.severity: \"warn\" is not one of info, warning, "
                                       "error");
        QTest::newRow("agent_down") << QStringLiteral("agent_down") << QByteArray("{}") << QString()
                                    << QByteArray() << QString();
        QTest::newRow("expression") << QStringLiteral("expression")
                                    << QByteArray(R"({"path": "/trigger", "op": "exists"})")
                                    << QStringLiteral("path")
                                    << QByteArray(R"({"path": "/trigger", "op": "=~"})")
                                    << QStringLiteral(
                                           "steps[0].config.op: \"=~\" is not one of ==, !=, <, <=, >, "
                                           ">=, contains, exists");
        QTest::newRow("http_check") << QStringLiteral("http_check") << QByteArray(R"({"url": "x.example"})")
                                    << QStringLiteral("url") << QByteArray() << QString();
    }

    void checkConfigAgainstSchema()
    {
        QFETCH(QString, name);
        QFETCH(QByteArray, valid);
        QFETCH(QString, requiredField);
        QFETCH(QByteArray, badChoice);
        QFETCH(QString, badChoiceMessage);

        const Registry::Action *action = m_registry.action(name);
        const Registry::Condition *condition = m_registry.condition(name);
        QVERIFY(action || condition);
        const std::vector<ConfigField> &schema
            = action ? action->options.configSchema : condition->options.configSchema;
        const QString path = QStringLiteral("steps[0].config");

        const Json config = json(valid);
        QVERIFY(checkConfig(schema, config, path).ok());

        Json withUnknown = config;
        withUnknown["bogus"] = 1;
        const Status unknown = checkConfig(schema, withUnknown, path);
        QVERIFY(!unknown.ok());
        QCOMPARE(unknown.error().message, QStringLiteral("steps[0].config.bogus: unknown field"));

        if (!requiredField.isEmpty()) {
            Json without = config;
            without.erase(toStd(requiredField));
            const Status missing = checkConfig(schema, without, path);
            QVERIFY(!missing.ok());
            QCOMPARE(missing.error().message,
                path + QLatin1Char('.') + requiredField + QStringLiteral(": is required"));
        }
        if (!badChoice.isEmpty()) {
            const Status refused = checkConfig(schema, json(badChoice), path);
            QVERIFY(!refused.ok());
            QCOMPARE(refused.error().message, badChoiceMessage);
        }
    }

    // The engine renders templates before a handler runs; a template may render to a value of
    // the wrong type, and the handler refuses it with the field's path.
    void handlersRecheckRenderedConfig_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("config");
        QTest::addColumn<QString>("error");

        QTest::newRow("log message not a string") << QStringLiteral("log") << QByteArray(R"({"message": 5})")
                                                  << QStringLiteral("config.message: expected a string");
        QTest::newRow("log unknown field")
            << QStringLiteral("log") << QByteArray(R"({"message": "m", "bogus": 1})")
            << QStringLiteral("config.bogus: unknown field");
        QTest::newRow("log level rendered off the list")
            << QStringLiteral("log") << QByteArray(R"({"message": "m", "level": "debug"})")
            << QStringLiteral("config.level: \"debug\" is not one of info, warn, error");
        QTest::newRow("log data not an object")
            << QStringLiteral("log") << QByteArray(R"({"message": "m", "data": [1]})")
            << QStringLiteral("config.data: expected an object");
        QTest::newRow("timeoutMs a string")
            << QStringLiteral("http_request") << QByteArray(R"({"url": "x.example", "timeoutMs": "10s"})")
            << QStringLiteral("config.timeoutMs: expected an integer");
        QTest::newRow("timeoutMs zero")
            << QStringLiteral("run_command") << QByteArray(R"({"program": "echo", "timeoutMs": 0})")
            << QStringLiteral("config.timeoutMs: must be between 1 and 86400000 ms, got 0");
        QTest::newRow("timeoutMs over a day")
            << QStringLiteral("http_check") << QByteArray(R"({"url": "x.example", "timeoutMs": 86400001})")
            << QStringLiteral("config.timeoutMs: must be between 1 and 86400000 "
                              "ms, got 86400001");
        QTest::newRow("args not strings")
            << QStringLiteral("run_command") << QByteArray(R"({"program": "echo", "args": ["a", 1]})")
            << QStringLiteral("config.args: expected an array of strings");
        QTest::newRow("env value not a string")
            << QStringLiteral("run_command") << QByteArray(R"({"program": "/bin/echo", "env": {"N": 1}})")
            << QStringLiteral("config.env.N: expected a string");
        QTest::newRow("header value not a string")
            << QStringLiteral("http_request") << QByteArray(R"({"url": "x.example", "headers": {"X-N": 1}})")
            << QStringLiteral("config.headers.X-N: expected a string");
        QTest::newRow("config not an object")
            << QStringLiteral("notify") << QByteArray("[]") << QStringLiteral("config: expected an object");
        QTest::newRow("expectStatus a float")
            << QStringLiteral("http_check") << QByteArray(R"({"url": "x.example", "expectStatus": 200.5})")
            << QStringLiteral("config.expectStatus: expected an integer");
        QTest::newRow("required state") << QStringLiteral("set_agent_state") << QByteArray("{}")
                                        << QStringLiteral("config.state: is required");
    }

    void handlersRecheckRenderedConfig()
    {
        QFETCH(QString, name);
        QFETCH(QByteArray, config);
        QFETCH(QString, error);
        m_services->allowlist = { QStringLiteral("/bin/echo") };
        if (m_registry.action(name)) {
            const ActionResult result = runAction(name, json(config));
            QVERIFY(!result.success);
            QCOMPARE(result.error, error);
        } else {
            const ConditionOutcome outcome = runCondition(name, json(config));
            QVERIFY(!outcome.ok);
            QCOMPARE(outcome.error, error);
        }
        QVERIFY(m_http.requests.empty());
    }

    // ---- log ----------------------------------------------------------------------------

    void logWritesTheLine()
    {
        const ActionResult result = runAction(QStringLiteral("log"),
            json(R"({"message": "agent-1 is down", "level": "warn", "data": {"k": 1}})"));
        QVERIFY2(result.success, qPrintable(result.error));
        QCOMPARE(dump(result.data), dump(json(R"({"message": "agent-1 is down"})")));
        QCOMPARE(m_logs.size(), size_t(1));
        QCOMPARE(toString(m_logs[0].level), toString(LogLevel::Warn));
        QCOMPARE(m_logs[0].message, QStringLiteral("agent-1 is down"));
        QCOMPARE(dump(m_logs[0].data), dump(json(R"({"k": 1})")));
    }

    void logDefaultsToInfoWithoutData()
    {
        const ActionResult result = runAction(QStringLiteral("log"), json(R"({"message": "m"})"));
        QVERIFY(result.success);
        QCOMPARE(m_logs.size(), size_t(1));
        QCOMPARE(toString(m_logs[0].level), toString(LogLevel::Info));
        QVERIFY(m_logs[0].data.is_null());

        QVERIFY(runAction(QStringLiteral("log"), json(R"({"message": "e", "level": "error"})")).success);
        QCOMPARE(toString(m_logs.back().level), toString(LogLevel::Error));
    }

    void logNeedsAMessage()
    {
        const ActionResult result = runAction(QStringLiteral("log"), json("{}"));
        QVERIFY(!result.success);
        QCOMPARE(result.error, QStringLiteral("config.message: is required"));
        QVERIFY(m_logs.empty());
    }

    // ---- emit_signal --------------------------------------------------------------------

    void emitSignalPassesEveryField()
    {
        const ActionResult result
            = runAction(QStringLiteral("emit_signal"), json(R"({"type": "remediation.done",
            "source": "ops", "resourceType": "service", "resourceId": "db-1", "environment": "prod",
            "payload": {"attempt": 2}, "dedupKey": "k1"})"));
        QVERIFY2(result.success, qPrintable(result.error));
        QCOMPARE(m_services->emitted.size(), size_t(1));
        const TriggerEnvelope &emitted = m_services->emitted[0];
        QCOMPARE(emitted.tenantId, QStringLiteral("t1"));
        QCOMPARE(emitted.type, QStringLiteral("remediation.done"));
        QCOMPARE(emitted.source, QStringLiteral("ops"));
        QCOMPARE(emitted.resourceType, std::optional<QString>(QStringLiteral("service")));
        QCOMPARE(emitted.resourceId, std::optional<QString>(QStringLiteral("db-1")));
        QCOMPARE(emitted.environment, std::optional<QString>(QStringLiteral("prod")));
        // The chain depth rides along under the reserved _vigil key.
        QCOMPARE(dump(emitted.payload), dump(json(R"({"attempt": 2, "_vigil": {"chainDepth": 1}})")));
        QCOMPARE(emitted.dedupKey, std::optional<QString>(QStringLiteral("k1")));
        QCOMPARE(dump(result.data), dump(Json { { "triggerId", toStd(emitted.id) } }));
    }

    void emitSignalDefaults()
    {
        const ActionResult result = runAction(QStringLiteral("emit_signal"), json(R"({"type": "x.y"})"));
        QVERIFY2(result.success, qPrintable(result.error));
        QCOMPARE(m_services->emitted.size(), size_t(1));
        const TriggerEnvelope &emitted = m_services->emitted[0];
        QCOMPARE(emitted.source, QStringLiteral("workflow"));
        QVERIFY(!emitted.resourceType && !emitted.resourceId && !emitted.environment && !emitted.dedupKey);
        QCOMPARE(dump(emitted.payload), dump(json(R"({"_vigil": {"chainDepth": 1}})")));
    }

    void emitSignalStopsAWorkflowThatTriggersItself()
    {
        StepContext ctx = context(json(R"({"type": "loop.again"})"));
        ctx.trigger.payload = json(R"({"_vigil": {"chainDepth": 15}})");
        const ActionResult deep = runAction(QStringLiteral("emit_signal"), ctx);
        QVERIFY2(deep.success, qPrintable(deep.error));
        QCOMPARE(m_services->emitted.back().payload["_vigil"]["chainDepth"], Json(16));
        ctx.trigger.payload = json(R"({"_vigil": {"chainDepth": 16}})");
        const size_t before = m_services->emitted.size();
        const ActionResult tooDeep = runAction(QStringLiteral("emit_signal"), ctx);
        QVERIFY(!tooDeep.success);
        QCOMPARE(tooDeep.error, QStringLiteral("emit_signal: chain of 16 workflows reached; a workflow keeps "
                                               "triggering itself (signal type loop.again)"));
        QCOMPARE(m_services->emitted.size(), before); // nothing emitted
    }

    void emitSignalDedupKeyReachesTheStore()
    {
        const Json config = json(R"({"type": "x.y", "dedupKey": "same"})");
        const ActionResult first = runAction(QStringLiteral("emit_signal"), config);
        const ActionResult second = runAction(QStringLiteral("emit_signal"), config);
        QVERIFY(first.success && second.success);
        QCOMPARE(dump(second.data), dump(first.data));
        const ActionResult other
            = runAction(QStringLiteral("emit_signal"), json(R"({"type": "x.y", "dedupKey": "other"})"));
        QVERIFY(other.data["triggerId"] != first.data["triggerId"]);
    }

    void emitSignalFailsWhenTheEngineRefuses()
    {
        m_services->emitError
            = makeError(ErrorCode::Invalid, QStringLiteral("payload.misses: expected an integer"));
        const ActionResult result = runAction(QStringLiteral("emit_signal"), json(R"({"type": "x.y"})"));
        QVERIFY(!result.success);
        QCOMPARE(result.error, QStringLiteral("could not emit x.y: payload.misses: expected an integer"));
    }

    // ---- notify -------------------------------------------------------------------------

    void notifyPassesTitleBodySeverity()
    {
        const ActionResult result = runAction(QStringLiteral("notify"),
            json(R"({"title": "agent-1 down", "body": "3 misses", "severity": "error"})"));
        QVERIFY2(result.success, qPrintable(result.error));
        QCOMPARE(dump(result.data), dump(json(R"({"notified": true})")));
        QCOMPARE(m_services->notifications.size(), size_t(1));
        QCOMPARE(m_services->notifications[0].title, QStringLiteral("agent-1 down"));
        QCOMPARE(m_services->notifications[0].body, QStringLiteral("3 misses"));
        QCOMPARE(m_services->notifications[0].severity, QStringLiteral("error"));
    }

    void notifyDefaults()
    {
        QVERIFY(runAction(QStringLiteral("notify"), json(R"({"title": "t"})")).success);
        QCOMPARE(m_services->notifications.size(), size_t(1));
        QCOMPARE(m_services->notifications[0].body, QString());
        QCOMPARE(m_services->notifications[0].severity, QStringLiteral("info"));

        const ActionResult missing = runAction(QStringLiteral("notify"), json(R"({"body": "b"})"));
        QCOMPARE(missing.error, QStringLiteral("config.title: is required"));
        QCOMPARE(m_services->notifications.size(), size_t(1));
    }

    // ---- create_incident ----------------------------------------------------------------

    void createIncidentDefaultsFromTheSignal()
    {
        const ActionResult result = runAction(QStringLiteral("create_incident"), json("{}"));
        QVERIFY2(result.success, qPrintable(result.error));
        QCOMPARE(result.data["created"], Json(true));
        const QString id = fromStd(result.data["incidentId"].get<std::string>());
        QVERIFY(id.startsWith(QStringLiteral("inc_")));
        Result<Incident> incident = m_services->store().getIncident(id);
        QVERIFY2(incident.ok(), incident ? "" : qPrintable(incident.error().message));
        QCOMPARE(incident->title, QStringLiteral("agent-1: heartbeat.missed"));
        QCOMPARE(incident->severity, QStringLiteral("medium"));
        QCOMPARE(incident->tenantId, QStringLiteral("t1"));
        QCOMPARE(incident->resourceType, QStringLiteral("agent"));
        QCOMPARE(incident->resourceId, QStringLiteral("agent-1"));
        QCOMPARE(incident->definitionId, std::optional<QString>(QStringLiteral("wfd_test")));
        QCOMPARE(incident->runId, std::optional<QString>(QStringLiteral("run_test")));
        QCOMPARE(toString(incident->status), toString(IncidentStatus::Open));
        QCOMPARE(dump(incident->details), dump(context(Json()).trigger.payload));
        QVERIFY(logged(QStringLiteral("Incident created")));
    }

    void createIncidentIsIdempotent()
    {
        const ActionResult first = runAction(QStringLiteral("create_incident"), json("{}"));
        const ActionResult second
            = runAction(QStringLiteral("create_incident"), json(R"({"title": "again"})"));
        QVERIFY(first.success && second.success);
        QCOMPARE(second.data["created"], Json(false));
        QCOMPARE(second.data["incidentId"], first.data["incidentId"]);
        QVERIFY(logged(QStringLiteral("Incident already open")));
        IncidentFilter filter;
        filter.resourceId = QStringLiteral("agent-1");
        Result<Page<Incident>> all = m_services->store().listIncidents(filter, {});
        QVERIFY(all.ok());
        QCOMPARE(all->items.size(), size_t(1));
    }

    void createIncidentUsesItsConfig()
    {
        StepContext ctx
            = context(json(R"({"title": "DB down", "severity": "critical", "details": {"why": "disk"}})"));
        ctx.trigger.resourceType = QStringLiteral("service");
        const ActionResult result = runAction(QStringLiteral("create_incident"), ctx);
        QVERIFY2(result.success, qPrintable(result.error));
        Result<Incident> incident
            = m_services->store().getIncident(fromStd(result.data["incidentId"].get<std::string>()));
        QVERIFY(incident.ok());
        QCOMPARE(incident->title, QStringLiteral("DB down"));
        QCOMPARE(incident->severity, QStringLiteral("critical"));
        QCOMPARE(incident->resourceType, QStringLiteral("service"));
        QCOMPARE(dump(incident->details), dump(json(R"({"why": "disk"})")));
    }

    void createIncidentResourceTypeDefaultsToAgent()
    {
        StepContext ctx = context(json("{}"));
        ctx.trigger.resourceType.reset();
        const ActionResult result = runAction(QStringLiteral("create_incident"), ctx);
        QVERIFY(result.success);
        Result<Incident> incident
            = m_services->store().getIncident(fromStd(result.data["incidentId"].get<std::string>()));
        QVERIFY(incident.ok());
        QCOMPARE(incident->resourceType, QStringLiteral("agent"));
    }

    void createIncidentNeedsAResource()
    {
        StepContext ctx = context(json("{}"));
        ctx.trigger.resourceId.reset();
        const ActionResult result = runAction(QStringLiteral("create_incident"), ctx);
        QVERIFY(!result.success);
        QCOMPARE(result.error,
            QStringLiteral("create_incident needs a signal with a resourceId (signal trg_test has none)"));
    }

    // ---- resolve_incident ---------------------------------------------------------------

    void resolveIncidentByResourceOrWorkflow()
    {
        const ActionResult ours = runAction(QStringLiteral("create_incident"), json("{}"));
        QVERIFY(ours.success);
        Incident foreign;
        foreign.id = newId(IdPrefix::Incident);
        foreign.tenantId = QStringLiteral("t1");
        foreign.definitionId = QStringLiteral("wfd_other");
        foreign.resourceType = QStringLiteral("agent");
        foreign.resourceId = QStringLiteral("agent-1");
        foreign.title = QStringLiteral("other workflow");
        QVERIFY(m_services->store().openIncident(foreign).ok());

        const ActionResult workflowOnly
            = runAction(QStringLiteral("resolve_incident"), json(R"({"scope": "workflow"})"));
        QVERIFY2(workflowOnly.success, qPrintable(workflowOnly.error));
        QCOMPARE(
            dump(workflowOnly.data), dump(Json { { "resolved", Json::array({ ours.data["incidentId"] }) } }));
        Result<Incident> resolved
            = m_services->store().getIncident(fromStd(ours.data["incidentId"].get<std::string>()));
        QVERIFY(resolved.ok());
        QCOMPARE(toString(resolved->status), toString(IncidentStatus::Resolved));
        QCOMPARE(resolved->resolvedByRunId, std::optional<QString>(QStringLiteral("run_test")));
        QCOMPARE(
            toString(m_services->store().getIncident(foreign.id)->status), toString(IncidentStatus::Open));

        const ActionResult all = runAction(QStringLiteral("resolve_incident"), json("{}"));
        QVERIFY(all.success);
        QCOMPARE(dump(all.data), dump(Json { { "resolved", Json::array({ toStd(foreign.id) }) } }));
        QCOMPARE(toString(m_services->store().getIncident(foreign.id)->status),
            toString(IncidentStatus::Resolved));

        const ActionResult none = runAction(QStringLiteral("resolve_incident"), json("{}"));
        QVERIFY2(none.success, qPrintable(none.error));
        QCOMPARE(dump(none.data), dump(json(R"({"resolved": []})")));
    }

    void resolveIncidentOfAnotherResource()
    {
        StepContext other = context(json("{}"));
        other.trigger.resourceId = QStringLiteral("agent-2");
        const ActionResult opened = runAction(QStringLiteral("create_incident"), other);
        QVERIFY(opened.success);
        QVERIFY(runAction(QStringLiteral("create_incident"), json("{}")).success); // agent-1's

        const ActionResult result
            = runAction(QStringLiteral("resolve_incident"), json(R"({"resourceId": "agent-2"})"));
        QVERIFY(result.success);
        QCOMPARE(
            dump(result.data), dump(Json { { "resolved", Json::array({ opened.data["incidentId"] }) } }));
        IncidentFilter open;
        open.status = IncidentStatus::Open;
        QCOMPARE(m_services->store().listIncidents(open, {})->items.size(), size_t(1));
    }

    void resolveIncidentNeedsAResource()
    {
        StepContext ctx = context(json("{}"));
        ctx.trigger.resourceId.reset();
        const ActionResult result = runAction(QStringLiteral("resolve_incident"), ctx);
        QVERIFY(!result.success);
        QCOMPARE(result.error,
            QStringLiteral("resolve_incident needs config.resourceId or a signal with a resourceId "
                           "(signal trg_test has none)"));
    }

    // ---- set_agent_state ----------------------------------------------------------------

    void setAgentStateWritesTheState()
    {
        const Agent before = putAgent(QStringLiteral("agent-1"), AgentState::Up);
        const QDateTime start = nowUtc();
        const ActionResult result
            = runAction(QStringLiteral("set_agent_state"), json(R"({"state": "down"})"));
        QVERIFY2(result.success, qPrintable(result.error));
        QCOMPARE(
            dump(result.data), dump(json(R"({"agentId": "agent-1", "state": "down", "previous": "up"})")));
        Result<Agent> after = m_services->store().getAgent(QStringLiteral("agent-1"));
        QVERIFY(after.ok());
        QCOMPARE(toString(after->state), toString(AgentState::Down));
        QVERIFY(after->stateChangedAt >= start);
        QCOMPARE(after->misses, before.misses);
        QCOMPARE(after->lastSeenAt, before.lastSeenAt);
    }

    void setAgentStateOfAConfiguredAgent()
    {
        putAgent(QStringLiteral("agent-1"), AgentState::Up);
        putAgent(QStringLiteral("agent-7"), AgentState::Down);
        const ActionResult result = runAction(
            QStringLiteral("set_agent_state"), json(R"({"agentId": "agent-7", "state": "paused"})"));
        QVERIFY2(result.success, qPrintable(result.error));
        QCOMPARE(dump(result.data),
            dump(json(R"({"agentId": "agent-7", "state": "paused", "previous": "down"})")));
        QCOMPARE(toString(m_services->store().getAgent(QStringLiteral("agent-7"))->state),
            toString(AgentState::Paused));
        QCOMPARE(toString(m_services->store().getAgent(QStringLiteral("agent-1"))->state),
            toString(AgentState::Up));
    }

    void setAgentStateUnchangedKeepsItsTime()
    {
        const Agent before = putAgent(QStringLiteral("agent-1"), AgentState::Down);
        const ActionResult result
            = runAction(QStringLiteral("set_agent_state"), json(R"({"state": "down"})"));
        QVERIFY(result.success);
        QCOMPARE(result.data["previous"], Json("down"));
        QCOMPARE(
            m_services->store().getAgent(QStringLiteral("agent-1"))->stateChangedAt, before.stateChangedAt);
    }

    void setAgentStateOfAnUnknownAgent()
    {
        putAgent(QStringLiteral("elsewhere"), AgentState::Up, QStringLiteral("t2"));
        ActionResult result = runAction(QStringLiteral("set_agent_state"), json(R"({"state": "up"})"));
        QVERIFY(!result.success);
        QCOMPARE(result.error, QStringLiteral("agent agent-1 not found"));
        result = runAction(
            QStringLiteral("set_agent_state"), json(R"({"agentId": "elsewhere", "state": "down"})"));
        QVERIFY(!result.success);
        QCOMPARE(result.error, QStringLiteral("agent elsewhere not found"));
        QCOMPARE(toString(m_services->store().getAgent(QStringLiteral("elsewhere"))->state),
            toString(AgentState::Up));
    }

    // ---- agent_down ---------------------------------------------------------------------

    void agentDownReadsTheState()
    {
        putAgent(QStringLiteral("agent-1"), AgentState::Down);
        putAgent(QStringLiteral("agent-2"), AgentState::Late);
        ConditionOutcome outcome = runCondition(QStringLiteral("agent_down"), json("{}"));
        QVERIFY2(outcome.ok, qPrintable(outcome.error));
        QCOMPARE(outcome.value, true);
        outcome = runCondition(QStringLiteral("agent_down"), json(R"({"agentId": "agent-2"})"));
        QVERIFY(outcome.ok);
        QCOMPARE(outcome.value, false);
    }

    void agentDownOfAnUnknownAgentIsAnError()
    {
        putAgent(QStringLiteral("elsewhere"), AgentState::Down, QStringLiteral("t2"));
        ConditionOutcome outcome
            = runCondition(QStringLiteral("agent_down"), json(R"({"agentId": "ghost"})"));
        QVERIFY(!outcome.ok);
        QCOMPARE(outcome.error, QStringLiteral("agent ghost not found"));
        outcome = runCondition(QStringLiteral("agent_down"), json(R"({"agentId": "elsewhere"})"));
        QVERIFY(!outcome.ok);
        QCOMPARE(outcome.error, QStringLiteral("agent elsewhere not found"));

        StepContext ctx = context(json("{}"));
        ctx.trigger.resourceId.reset();
        outcome = runCondition(QStringLiteral("agent_down"), ctx);
        QVERIFY(!outcome.ok);
        QCOMPARE(outcome.error,
            QStringLiteral(
                "agent_down needs config.agentId or a signal with a resourceId (signal trg_test has none)"));
    }

    // ---- expression ---------------------------------------------------------------------

    void expression_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("op");
        QTest::addColumn<QByteArray>("value"); // JSON; empty: no value field
        QTest::addColumn<QString>("expected"); // "true", "false", or the error

        const auto row = [](const char *name, const char *path, const char *op, const QByteArray &value,
                             const QString &expected) {
            QTest::newRow(name) << QString::fromUtf8(path) << QString::fromUtf8(op) << value << expected;
        };
        const QString yes = QStringLiteral("true");
        const QString no = QStringLiteral("false");

        // numbers, numerically (int against float too)
        row("int >= int", "/trigger/payload/misses", ">=", "3", yes);
        row("int > int", "/trigger/payload/misses", ">", "3", no);
        row("int == int", "/trigger/payload/misses", "==", "3", yes);
        row("int == float", "/trigger/payload/misses", "==", "3.0", yes);
        row("int < float", "/trigger/payload/misses", "<", "3.5", yes);
        row("int <= int", "/trigger/payload/misses", "<=", "2", no);
        row("int != int", "/trigger/payload/misses", "!=", "4", yes);
        row("float > int", "/trigger/payload/ratio", ">", "2", yes);
        row("float <= float", "/trigger/payload/ratio", "<=", "2.5", yes);
        // strings, lexicographically
        row("string ==", "/trigger/payload/state", "==", R"("down")", yes);
        row("string !=", "/trigger/payload/state", "!=", R"("up")", yes);
        row("string <", "/trigger/payload/state", "<", R"("e")", yes);
        row("string >=", "/trigger/payload/state", ">=", R"("downs")", no);
        // mismatched types
        row("number == string", "/trigger/payload/misses", "==", R"("3")", no);
        row("number != string", "/trigger/payload/misses", "!=", R"("3")", yes);
        row("number < string", "/trigger/payload/misses", "<", R"("4")", no);
        row("string > number", "/trigger/payload/state", ">", "1", no);
        // booleans, null, objects: equality only
        row("bool ==", "/trigger/payload/ok", "==", "true", yes);
        row("bool !=", "/trigger/payload/ok", "!=", "false", yes);
        row("bool ordered", "/trigger/payload/ok", ">", "false", no);
        row("null ==", "/trigger/payload/none", "==", "null", yes);
        row("object ==", "/trigger/payload/obj", "==", R"({"x": 1})", yes);
        row("object !=", "/trigger/payload/obj", "!=", R"({"x": 2})", yes);
        row("object ordered", "/trigger/payload/obj", "<", R"({"x": 2})", no);
        row("array ==", "/trigger/payload/hosts", "==", R"(["a", "b"])", yes);
        row("no value compares with null", "/trigger/payload/none", "==", QByteArray(), yes);
        // contains
        row("substring", "/trigger/payload/note", "contains", R"("full")", yes);
        row("no substring", "/trigger/payload/note", "contains", R"("empty")", no);
        row("array element", "/trigger/payload/hosts", "contains", R"("b")", yes);
        row("no array element", "/trigger/payload/hosts", "contains", R"("c")", no);
        row("array element of another type", "/trigger/payload/hosts", "contains", "1", no);
        row("contains on a number", "/trigger/payload/misses", "contains", "3", no);
        // exists
        row("exists", "/trigger/payload/misses", "exists", QByteArray(), yes);
        row("exists with null value", "/trigger/payload/none", "exists", QByteArray(), yes);
        row("exists ignores value", "/trigger/payload/misses", "exists", "99", yes);
        row("whole scope exists", "", "exists", QByteArray(), yes);
        row("escaped slash", "/trigger/payload/a~1b", "exists", QByteArray(), yes);
        row("array index", "/trigger/payload/hosts/0", "==", R"("a")", yes);
        // missing paths are false, never an error
        row("missing exists", "/trigger/payload/nope", "exists", QByteArray(), no);
        row("missing ==", "/trigger/payload/nope", "==", "null", no);
        row("missing !=", "/trigger/payload/nope", "!=", "1", no);
        row("missing contains", "/trigger/payload/nope", "contains", R"("x")", no);
        row("index out of range", "/trigger/payload/hosts/5", "exists", QByteArray(), no);
        row("index not a number", "/trigger/payload/hosts/x", "exists", QByteArray(), no);
        row("past a scalar", "/trigger/payload/misses/x", "exists", QByteArray(), no);
        // the scope roots
        row("trigger field", "/trigger/resourceId", "==", R"("agent-1")", yes);
        row("trigger type", "/trigger/type", "==", R"("heartbeat.missed")", yes);
        row("run context", "/context/check/status", "==", "200", yes);
        row("workflow config", "/config/threshold", "<=", "3", yes);
        // errors
        row("no leading slash", "trigger/payload", "exists", QByteArray(),
            QStringLiteral(
                "config.path: \"trigger/payload\" is not a JSON pointer (it must be empty or start with "
                "\"/\", and \"~\" must be followed by 0 or 1)"));
        row("bad escape", "/trigger/~2", "exists", QByteArray(),
            QStringLiteral(
                "config.path: \"/trigger/~2\" is not a JSON pointer (it must be empty or start with "
                "\"/\", and \"~\" must be followed by 0 or 1)"));
        row("unknown op", "/trigger", "~=", "1",
            QStringLiteral("config.op: \"~=\" is not one of ==, !=, <, <=, >, >=, contains, exists"));
    }

    void expression()
    {
        QFETCH(QString, path);
        QFETCH(QString, op);
        QFETCH(QByteArray, value);
        QFETCH(QString, expected);

        Json config { { "path", toStd(path) }, { "op", toStd(op) } };
        if (!value.isEmpty())
            config["value"] = json(value);
        const ConditionOutcome outcome = runCondition(QStringLiteral("expression"), config);
        if (expected == QLatin1String("true") || expected == QLatin1String("false")) {
            QVERIFY2(outcome.ok, qPrintable(outcome.error));
            QCOMPARE(outcome.value ? QStringLiteral("true") : QStringLiteral("false"), expected);
        } else {
            QVERIFY(!outcome.ok);
            QCOMPARE(outcome.error, expected);
        }
    }

    void expressionNeedsPathAndOp()
    {
        ConditionOutcome outcome = runCondition(QStringLiteral("expression"), json(R"({"op": "exists"})"));
        QCOMPARE(outcome.error, QStringLiteral("config.path: is required"));
        outcome = runCondition(QStringLiteral("expression"), json(R"({"path": "/trigger"})"));
        QCOMPARE(outcome.error, QStringLiteral("config.op: is required"));
    }

    // ---- run_command --------------------------------------------------------------------

    void runCommandEcho()
    {
        m_services->allowlist = { QStringLiteral("/bin/echo") };
        const ActionResult result = runAction(
            QStringLiteral("run_command"), json(R"({"program": "/bin/echo", "args": ["hello", "world"]})"));
        QVERIFY2(result.success, qPrintable(result.error));
        QCOMPARE(dump(result.data),
            dump(json(R"({"exitCode": 0, "stdout": "hello world\n", "stderr": "", "truncated": false})")));
    }

    void runCommandArgsAreNotShellWords()
    {
        m_services->allowlist = { QStringLiteral("/usr/bin/printf") };
        const ActionResult result = runAction(QStringLiteral("run_command"),
            json(R"({"program": "printf", "args": ["%s|%s", "a b", "$HOME;*"]})"));
        QVERIFY2(result.success, qPrintable(result.error));
        QCOMPARE(result.data["stdout"], Json("a b|$HOME;*"));
    }

    void runCommandBareNamesAndPathsMatch_data()
    {
        QTest::addColumn<QString>("program");
        QTest::addColumn<QString>("entry");
        QTest::newRow("bare program, absolute entry")
            << QStringLiteral("echo") << QStringLiteral("/bin/echo");
        QTest::newRow("absolute program, bare entry")
            << QStringLiteral("/usr/bin/echo") << QStringLiteral("echo");
        QTest::newRow("through the /bin link")
            << QStringLiteral("/bin/echo") << QStringLiteral("/usr/bin/echo");
        QTest::newRow("dot-dot inside an absolute path")
            << QStringLiteral("/usr/bin/../bin/echo") << QStringLiteral("/bin/echo");
    }

    void runCommandBareNamesAndPathsMatch()
    {
        QFETCH(QString, program);
        QFETCH(QString, entry);
        m_services->allowlist = { QStringLiteral("/bin/true"), entry };
        Json config { { "program", toStd(program) }, { "args", Json::array({ "ok" }) } };
        const ActionResult result = runAction(QStringLiteral("run_command"), config);
        QVERIFY2(result.success, qPrintable(result.error));
        QCOMPARE(result.data["stdout"], Json("ok\n"));
    }

    void runCommandRefuses_data()
    {
        QTest::addColumn<QString>("program");
        QTest::addColumn<QStringList>("allowlist");
        QTest::addColumn<QString>("error");

        const QStringList echoOnly = { QStringLiteral("/bin/echo") };
        const auto refused = [](const char *program) {
            return QStringLiteral(
                "program \"%1\" is not on the run_command allowlist (settings: commands/allowlist)")
                .arg(QString::fromUtf8(program));
        };
        QTest::newRow("not on the list") << QStringLiteral("/bin/cat") << echoOnly << refused("/bin/cat");
        QTest::newRow("a shell") << QStringLiteral("sh") << echoOnly << refused("sh");
        QTest::newRow("relative dot-dot")
            << QStringLiteral("../bin/echo") << echoOnly << refused("../bin/echo");
        QTest::newRow("relative with slash") << QStringLiteral("bin/echo") << echoOnly << refused("bin/echo");
        QTest::newRow("dot slash") << QStringLiteral("./echo") << echoOnly << refused("./echo");
        QTest::newRow("empty list") << QStringLiteral("/bin/echo") << QStringList() << refused("/bin/echo");
        QTest::newRow("relative entries never match")
            << QStringLiteral("/bin/echo")
            << QStringList({ QStringLiteral("bin/echo"), QStringLiteral("../bin/echo") })
            << refused("/bin/echo");
        QTest::newRow("same name, other directory")
            << QStringLiteral("/usr/sbin/echo") << echoOnly << refused("/usr/sbin/echo");
        QTest::newRow("allowed but missing")
            << QStringLiteral("vigil-no-such-program")
            << QStringList({ QStringLiteral("vigil-no-such-program") })
            << QStringLiteral("program \"vigil-no-such-program\" was not found");
    }

    void runCommandRefuses()
    {
        QFETCH(QString, program);
        QFETCH(QStringList, allowlist);
        QFETCH(QString, error);
        m_services->allowlist = allowlist;
        const ActionResult result
            = runAction(QStringLiteral("run_command"), Json { { "program", toStd(program) } });
        QVERIFY(!result.success);
        QCOMPARE(result.error, error);
        QVERIFY(result.data.is_null());
    }

    void runCommandRefusesALinkToAnAllowedProgram()
    {
        // A link elsewhere named like an allowed program is not that program's path.
        const QString link = m_dir->filePath(QStringLiteral("echo"));
        QVERIFY(QFile::link(QStringLiteral("/bin/echo"), link));
        m_services->allowlist = { QStringLiteral("/bin/echo") };
        const ActionResult result
            = runAction(QStringLiteral("run_command"), Json { { "program", toStd(link) } });
        QVERIFY(!result.success);
        QVERIFY2(result.error.contains(QStringLiteral("is not on the run_command allowlist")),
            qPrintable(result.error));
    }

    void runCommandNonZeroExit()
    {
        m_services->allowlist = { QStringLiteral("/bin/false"), QStringLiteral("/bin/ls") };
        ActionResult result = runAction(QStringLiteral("run_command"), json(R"({"program": "/bin/false"})"));
        QVERIFY(!result.success);
        QCOMPARE(result.error, QStringLiteral("exited with code 1"));
        QCOMPARE(result.data["exitCode"], Json(1));

        result = runAction(
            QStringLiteral("run_command"), json(R"({"program": "ls", "args": ["/vigil-no-such-dir"]})"));
        QVERIFY(!result.success);
        QCOMPARE(result.error, QStringLiteral("exited with code 2"));
        QVERIFY2(
            fromStd(result.data["stderr"].get<std::string>()).contains(QStringLiteral("vigil-no-such-dir")),
            qPrintable(dump(result.data)));
        QCOMPARE(result.data["stdout"], Json(""));
    }

    void runCommandStdin()
    {
        m_services->allowlist = { QStringLiteral("/bin/cat") };
        ActionResult result = runAction(
            QStringLiteral("run_command"), json(R"({"program": "cat", "stdin": "piped\ntext ✓"})"));
        QVERIFY2(result.success, qPrintable(result.error));
        QCOMPARE(result.data["stdout"], Json("piped\ntext ✓"));

        // Without stdin the program reads end-of-file at once instead of hanging.
        result = runAction(QStringLiteral("run_command"), json(R"({"program": "cat", "timeoutMs": 5000})"));
        QVERIFY2(result.success, qPrintable(result.error));
        QCOMPARE(result.data["stdout"], Json(""));
    }

    void runCommandEnvironment()
    {
        m_services->allowlist = { QStringLiteral("/usr/bin/env") };
        const ActionResult result = runAction(
            QStringLiteral("run_command"), json(R"({"program": "env", "env": {"VIGIL_TEST_VAR": "42 x"}})"));
        QVERIFY2(result.success, qPrintable(result.error));
        const QString out = fromStd(result.data["stdout"].get<std::string>());
        QVERIFY2(out.contains(QStringLiteral("\nVIGIL_TEST_VAR=42 x\n"))
                || out.startsWith(QStringLiteral("VIGIL_TEST_VAR=42 x\n")),
            qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("PATH=")), "the process environment is kept");
    }

    void runCommandRefusesBadEnvironmentNames()
    {
        m_services->allowlist = { QStringLiteral("/usr/bin/env") };
        const ActionResult result = runAction(
            QStringLiteral("run_command"), json(R"({"program": "env", "env": {"PATH=/tmp:": "x"}})"));
        QVERIFY(!result.success);
        QCOMPARE(
            result.error, QStringLiteral("config.env: \"PATH=/tmp:\" is not a usable environment variable"));
    }

    void runCommandWorkingDirectory()
    {
        m_services->allowlist = { QStringLiteral("/bin/pwd") };
        Json config { { "program", "pwd" }, { "workingDirectory", toStd(m_dir->path()) } };
        ActionResult result = runAction(QStringLiteral("run_command"), config);
        QVERIFY2(result.success, qPrintable(result.error));
        QCOMPARE(result.data["stdout"], Json(toStd(QDir(m_dir->path()).canonicalPath() + QLatin1Char('\n'))));

        config["workingDirectory"] = "/vigil-no-such-dir";
        result = runAction(QStringLiteral("run_command"), config);
        QVERIFY(!result.success);
        QCOMPARE(result.error,
            QStringLiteral("config.workingDirectory: \"/vigil-no-such-dir\" is not a directory"));
    }

    void runCommandCapsOutput()
    {
        m_services->allowlist = { QStringLiteral("/usr/bin/head") };
        const ActionResult result = runAction(QStringLiteral("run_command"),
            json(R"({"program": "head", "args": ["-c", "200000", "/dev/zero"]})"));
        QVERIFY2(result.success, qPrintable(result.error));
        QCOMPARE(result.data["truncated"], Json(true));
        QCOMPARE(result.data["stdout"].get<std::string>().size(), size_t(64 * 1024));
        QCOMPARE(result.data["exitCode"], Json(0));
    }

    void runCommandTimesOutAndKills()
    {
        m_services->allowlist = { QStringLiteral("/bin/sleep") };
        QElapsedTimer clock;
        clock.start();
        const ActionResult result = runAction(QStringLiteral("run_command"),
            json(R"({"program": "sleep", "args": ["29.731"], "timeoutMs": 300})"));
        QVERIFY(!result.success);
        QCOMPARE(result.error, QStringLiteral("timed out after 300 ms"));
        QVERIFY2(clock.elapsed() < 5000, qPrintable(QString::number(clock.elapsed())));
        QVERIFY(result.data["exitCode"].is_null());
        QTRY_VERIFY(!commandRunning("sleep 29.731"));
    }

    void runCommandTimeoutKillsTheProcessGroup()
    {
        m_services->allowlist = { QStringLiteral("/bin/sh") };
        const ActionResult result = runAction(
            QStringLiteral("run_command"), json(R"({"program": "sh", "args": ["-c", "sleep 27.253 & wait"],
                                                       "timeoutMs": 500})"));
        QVERIFY(!result.success);
        QCOMPARE(result.error, QStringLiteral("timed out after 500 ms"));
        QTRY_VERIFY(!commandRunning("sleep 27.253"));
    }

    void runCommandCancelKills()
    {
        m_services->allowlist = { QStringLiteral("/bin/sleep") };
        StepContext ctx = context(json(R"({"program": "sleep", "args": ["28.517"]})"));
        QElapsedTimer clock;
        clock.start();
        QCoro::Task<ActionResult> task = m_registry.action(QStringLiteral("run_command"))->handler(ctx);
        QTRY_VERIFY(commandRunning("sleep 28.517"));
        ctx.cancel.cancel(QStringLiteral("run canceled by operator"));
        QVERIFY(!task.isReady()); // never finished inside cancel(): the engine walks its table there
        const ActionResult result = QCoro::waitFor(task);
        QVERIFY(!result.success);
        QCOMPARE(result.error, QStringLiteral("canceled: run canceled by operator"));
        QVERIFY2(clock.elapsed() < 10000, qPrintable(QString::number(clock.elapsed())));
        QTRY_VERIFY(!commandRunning("sleep 28.517"));
    }

    void runCommandAlreadyCanceledStartsNothing()
    {
        m_services->allowlist = { QStringLiteral("/bin/sleep") };
        StepContext ctx = context(json(R"({"program": "sleep", "args": ["26.113"]})"));
        ctx.cancel.cancel(QStringLiteral("shutdown"));
        const ActionResult result = runAction(QStringLiteral("run_command"), ctx);
        QCOMPARE(result.error, QStringLiteral("canceled: shutdown"));
        QVERIFY(!commandRunning("sleep 26.113"));
    }

    void runCommandCannotStart()
    {
        // Executable, but not a program: execve refuses it (no shell falls back to run it).
        const QString path = m_dir->filePath(QStringLiteral("not-a-program"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("\x01\x02 not an executable format\n");
        file.close();
        QVERIFY(file.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
        const QString resolved
            = QDir(QDir(m_dir->path()).canonicalPath()).filePath(QStringLiteral("not-a-program"));
        m_services->allowlist = { path };
        const ActionResult result
            = runAction(QStringLiteral("run_command"), Json { { "program", toStd(path) }, { "stdin", "x" } });
        QVERIFY(!result.success);
        QVERIFY2(result.error.startsWith(QStringLiteral("could not start %1: ").arg(resolved)),
            qPrintable(result.error));
    }

    void runCommandCrash()
    {
        m_services->allowlist = { QStringLiteral("/bin/sh") };
        const ActionResult result = runAction(QStringLiteral("run_command"),
            json(R"({"program": "sh", "args": ["-c", "echo before; kill -SEGV $$"]})"));
        QVERIFY(!result.success);
        QVERIFY2(result.error.endsWith(QStringLiteral("/sh crashed")), qPrintable(result.error));
        QCOMPARE(result.data["stdout"], Json("before\n"));
        QVERIFY(result.data["exitCode"].is_null());
    }

    // ---- http_request -------------------------------------------------------------------

    void httpRequestPostsJson()
    {
        Json config { { "url", toStd(m_http.url(QStringLiteral("/json"))) } };
        config["body"] = json(R"({"agent": "agent-1", "misses": 3})");
        const ActionResult result = runAction(QStringLiteral("http_request"), config);
        QVERIFY2(result.success, qPrintable(result.error));
        QCOMPARE(dump(result.data), dump(json(R"({"status": 200, "body": {"ok": true, "n": 3}})")));
        QCOMPARE(m_http.requests.size(), size_t(1));
        QCOMPARE(m_http.last().method, QByteArray("POST"));
        QCOMPARE(m_http.last().headers.value("content-type"), QByteArray("application/json"));
        QCOMPARE(dump(json(m_http.last().body)), dump(config["body"]));
    }

    void httpRequestMethods_data()
    {
        QTest::addColumn<QString>("method");
        for (const char *method : { "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD" })
            QTest::newRow(method) << QString::fromLatin1(method);
    }

    void httpRequestMethods()
    {
        QFETCH(QString, method);
        Json config { { "url", toStd(m_http.url(QStringLiteral("/json"))) }, { "method", toStd(method) } };
        const ActionResult result = runAction(QStringLiteral("http_request"), config);
        QVERIFY2(result.success, qPrintable(result.error));
        QCOMPARE(m_http.requests.size(), size_t(1));
        QCOMPARE(m_http.last().method, method.toLatin1());
        QCOMPARE(result.data["status"], Json(200));
        if (method == QLatin1String("HEAD"))
            QCOMPARE(result.data["body"], Json(""));
        else
            QCOMPARE(dump(result.data["body"]), dump(json(R"({"ok": true, "n": 3})")));
    }

    void httpRequestHeadersAndRawBodies()
    {
        Json config { { "url", toStd(m_http.url(QStringLiteral("/echo"))) } };
        config["headers"] = json(R"({"X-Token": "abc", "Content-Type": "text/csv"})");
        config["body"] = "a,b\n1,2";
        ActionResult result = runAction(QStringLiteral("http_request"), config);
        QVERIFY2(result.success, qPrintable(result.error));
        QCOMPARE(m_http.last().headers.value("x-token"), QByteArray("abc"));
        QCOMPARE(m_http.last().headers.value("content-type"), QByteArray("text/csv"));
        QCOMPARE(m_http.last().body, QByteArray("a,b\n1,2"));

        config.erase("headers");
        config["method"] = "PUT";
        result = runAction(QStringLiteral("http_request"), config);
        QVERIFY(result.success);
        QCOMPARE(m_http.last().method, QByteArray("PUT"));
        QCOMPARE(m_http.last().headers.value("content-type"), QByteArray("text/plain; charset=utf-8"));

        config["body"] = json(R"([1, "two"])");
        config["headers"] = json(R"({"content-type": "application/vnd.x+json"})");
        result = runAction(QStringLiteral("http_request"), config);
        QVERIFY(result.success);
        QCOMPARE(m_http.last().body, QByteArray(R"([1,"two"])"));
        QCOMPARE(m_http.last().headers.value("content-type"), QByteArray("application/vnd.x+json"));
    }

    void httpRequestRefusesHeaderInjection_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("error");
        QTest::newRow("line break in a value")
            << QStringLiteral("X-Agent") << QStringLiteral("a\r\nX-Admin: 1")
            << QStringLiteral("config.headers.X-Agent: a header value cannot hold a line break");
        QTest::newRow("bare newline in a value")
            << QStringLiteral("X-Agent") << QStringLiteral("a\nb")
            << QStringLiteral("config.headers.X-Agent: a header value cannot "
                              "hold a line break");
        QTest::newRow("space in a name")
            << QStringLiteral("X Agent") << QStringLiteral("a")
            << QStringLiteral("config.headers: \"X Agent\" is not a header name");
        QTest::newRow("colon in a name") << QStringLiteral("X-A: b") << QStringLiteral("a")
                                         << QStringLiteral("config.headers: \"X-A: b\" is not a header name");
    }

    void httpRequestRefusesHeaderInjection()
    {
        QFETCH(QString, name);
        QFETCH(QString, value);
        QFETCH(QString, error);
        Json config { { "url", toStd(m_http.url(QStringLiteral("/json"))) } };
        config["headers"][toStd(name)] = toStd(value);
        const ActionResult result = runAction(QStringLiteral("http_request"), config);
        QVERIFY(!result.success);
        QCOMPARE(result.error, error);
        QVERIFY(m_http.requests.empty());
    }

    void httpRequestHeadCarriesNoBody()
    {
        Json config { { "url", toStd(m_http.url(QStringLiteral("/json"))) }, { "method", "HEAD" },
            { "body", "x" } };
        const ActionResult result = runAction(QStringLiteral("http_request"), config);
        QVERIFY(!result.success);
        QCOMPARE(result.error, QStringLiteral("config.body: a HEAD request carries no body"));
        QVERIFY(m_http.requests.empty());
    }

    void httpRequestNon2xxFails_data()
    {
        QTest::addColumn<int>("status");
        QTest::newRow("404") << 404;
        QTest::newRow("500") << 500;
        QTest::newRow("502") << 502;
        QTest::newRow("409") << 409;
    }

    void httpRequestNon2xxFails()
    {
        QFETCH(int, status);
        const QString url = m_http.url(QStringLiteral("/status/%1").arg(status));
        const ActionResult result = runAction(QStringLiteral("http_request"), Json { { "url", toStd(url) } });
        QVERIFY(!result.success);
        QCOMPARE(result.error, QStringLiteral("HTTP %1 from %2").arg(status).arg(url));
        QCOMPARE(
            dump(result.data), dump(Json { { "status", status }, { "body", json(R"({"error": "boom"})") } }));
    }

    void httpRequestHidesThePasswordOfAUrl()
    {
        const QString url = m_http.url(QStringLiteral("/status/502"))
                                .replace(QStringLiteral("http://"), QStringLiteral("http://user:s3cret@"));
        const ActionResult result = runAction(QStringLiteral("http_request"), Json { { "url", toStd(url) } });
        QVERIFY(!result.success);
        QCOMPARE(
            result.error, QStringLiteral("HTTP 502 from %1").arg(m_http.url(QStringLiteral("/status/502"))));
    }

    void httpRequestBodies_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("expectedBody"); // JSON of data.body, or empty to check the size only
        QTest::addColumn<bool>("truncated");
        QTest::newRow("text") << QStringLiteral("/text") << QByteArray(R"("hello")") << false;
        QTest::newRow("JSON that does not parse stays text") << QStringLiteral(
            "/badjson") << QByteArray("\"not json{\"") << false; // no raw string: moc counts its brace
        QTest::newRow("large text is cut") << QStringLiteral("/big") << QByteArray() << true;
        QTest::newRow("large JSON is cut and stays text")
            << QStringLiteral("/bigjson") << QByteArray() << true;
        QTest::newRow("redirect followed")
            << QStringLiteral("/redirect") << QByteArray(R"({"ok": true, "n": 3})") << false;
    }

    void httpRequestBodies()
    {
        QFETCH(QString, path);
        QFETCH(QByteArray, expectedBody);
        QFETCH(bool, truncated);
        const ActionResult result = runAction(
            QStringLiteral("http_request"), Json { { "url", toStd(m_http.url(path)) }, { "method", "GET" } });
        QVERIFY2(result.success, qPrintable(result.error));
        QCOMPARE(result.data.contains("truncated"), truncated);
        if (truncated) {
            QCOMPARE(result.data["truncated"], Json(true));
            QVERIFY(result.data["body"].is_string());
            QCOMPARE(result.data["body"].get<std::string>().size(), size_t(64 * 1024));
        } else {
            QCOMPARE(dump(result.data["body"]), dump(json(expectedBody)));
        }
    }

    void httpRequestConnectionRefused()
    {
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
        const quint16 port = closed.serverPort();
        closed.close();
        const ActionResult result = runAction(QStringLiteral("http_request"),
            Json { { "url", toStd(QStringLiteral("http://127.0.0.1:%1/").arg(port)) } });
        QVERIFY(!result.success);
        QCOMPARE(result.error, QStringLiteral("Connection refused"));
    }

    void httpRequestTimesOut()
    {
        QElapsedTimer clock;
        clock.start();
        const ActionResult result = runAction(QStringLiteral("http_request"),
            Json { { "url", toStd(m_http.url(QStringLiteral("/hang"))) }, { "timeoutMs", 300 } });
        QVERIFY(!result.success);
        QCOMPARE(result.error, QStringLiteral("timed out after 300 ms"));
        QVERIFY2(clock.elapsed() < 5000, qPrintable(QString::number(clock.elapsed())));
        QTRY_COMPARE(m_http.closedUnanswered, 1); // the request was aborted, not left open
    }

    void httpRequestCancelAborts()
    {
        StepContext ctx = context(Json { { "url", toStd(m_http.url(QStringLiteral("/hang"))) } });
        QElapsedTimer clock;
        clock.start();
        QCoro::Task<ActionResult> task = m_registry.action(QStringLiteral("http_request"))->handler(ctx);
        QTRY_COMPARE(m_http.requestsTo("/hang"), 1);
        ctx.cancel.cancel(QStringLiteral("run canceled by operator"));
        const ActionResult result = QCoro::waitFor(task);
        QVERIFY(!result.success);
        QCOMPARE(result.error, QStringLiteral("canceled: run canceled by operator"));
        QVERIFY2(clock.elapsed() < 5000, qPrintable(QString::number(clock.elapsed())));
        QTRY_COMPARE(m_http.closedUnanswered, 1);
    }

    // cancel() must not run the rest of the handler inside itself: the engine cancels while
    // it walks its table of running steps.
    void httpRequestDoesNotFinishInsideCancel()
    {
        StepContext ctx = context(Json { { "url", toStd(m_http.url(QStringLiteral("/hang"))) } });
        QCoro::Task<ActionResult> task = m_registry.action(QStringLiteral("http_request"))->handler(ctx);
        QTRY_COMPARE(m_http.requestsTo("/hang"), 1);
        ctx.cancel.cancel(QStringLiteral("stop"));
        QVERIFY(!task.isReady());
        const ActionResult result = QCoro::waitFor(task);
        QCOMPARE(result.error, QStringLiteral("canceled: stop"));
    }

    void httpRequestAlreadyCanceledSendsNothing()
    {
        StepContext ctx = context(Json { { "url", toStd(m_http.url(QStringLiteral("/json"))) } });
        ctx.cancel.cancel(QStringLiteral("shutdown"));
        const ActionResult result = runAction(QStringLiteral("http_request"), ctx);
        QCOMPARE(result.error, QStringLiteral("canceled: shutdown"));
        QVERIFY(m_http.requests.empty());
    }

    // Each thread has its own QNetworkAccessManager, which goes when the thread ends.
    void httpRequestFromAnotherThread()
    {
        StepContext ctx = context(Json { { "url", toStd(m_http.url(QStringLiteral("/json"))) } });
        ctx.logSink = nullptr; // m_logs belongs to this thread
        ctx.services = nullptr;
        const ActionHandler handler = m_registry.action(QStringLiteral("http_request"))->handler;
        std::atomic<bool> finished = false;
        ActionResult result;
        std::unique_ptr<QThread> thread(QThread::create([&] {
            result = QCoro::waitFor(handler(ctx));
            finished = true;
        }));
        thread->start();
        QTRY_VERIFY_WITH_TIMEOUT(finished.load(), 10000); // this thread serves the request meanwhile
        QVERIFY(thread->wait(10000));
        QVERIFY2(result.success, qPrintable(result.error));
        QCOMPARE(dump(result.data["body"]), dump(json(R"({"ok": true, "n": 3})")));
    }

    void httpRequestRefusesBadUrls_data()
    {
        QTest::addColumn<QString>("url");
        QTest::newRow("ftp") << QStringLiteral("ftp://127.0.0.1/x");
        QTest::newRow("file") << QStringLiteral("file:///etc/passwd");
        QTest::newRow("no scheme") << QStringLiteral("127.0.0.1/json");
        QTest::newRow("no host") << QStringLiteral("http:///json");
        QTest::newRow("not a URL") << QStringLiteral("http://exa mple.com/");
    }

    void httpRequestRefusesBadUrls()
    {
        QFETCH(QString, url);
        const ActionResult result = runAction(QStringLiteral("http_request"), Json { { "url", toStd(url) } });
        QVERIFY(!result.success);
        QCOMPARE(result.error, QStringLiteral("config.url: \"%1\" is not an http or https URL").arg(url));
    }

    // ---- http_check ---------------------------------------------------------------------

    void httpCheck_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<int>("expectStatus"); // 0: none
        QTest::addColumn<bool>("expected");
        QTest::newRow("200") << QStringLiteral("/json") << 0 << true;
        QTest::newRow("500") << QStringLiteral("/status/500") << 0 << false;
        QTest::newRow("404") << QStringLiteral("/status/404") << 0 << false;
        QTest::newRow("expected 500") << QStringLiteral("/status/500") << 500 << true;
        QTest::newRow("expected 201, got 200") << QStringLiteral("/json") << 201 << false;
    }

    void httpCheck()
    {
        QFETCH(QString, path);
        QFETCH(int, expectStatus);
        QFETCH(bool, expected);
        Json config { { "url", toStd(m_http.url(path)) } };
        if (expectStatus)
            config["expectStatus"] = expectStatus;
        const ConditionOutcome outcome = runCondition(QStringLiteral("http_check"), config);
        QVERIFY2(outcome.ok, qPrintable(outcome.error));
        QCOMPARE(outcome.value, expected);
        QCOMPARE(m_http.last().method, QByteArray("GET"));
        QVERIFY(logged(QStringLiteral("HTTP %1 from %2")
                           .arg(path == QLatin1String("/json") ? 200 : path.mid(8).toInt())
                           .arg(m_http.url(path))));
    }

    void httpCheckNetworkErrorsAreFalse()
    {
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
        const quint16 port = closed.serverPort();
        closed.close();
        ConditionOutcome outcome = runCondition(QStringLiteral("http_check"),
            Json { { "url", toStd(QStringLiteral("http://127.0.0.1:%1/").arg(port)) } });
        QVERIFY2(outcome.ok, qPrintable(outcome.error));
        QCOMPARE(outcome.value, false);
        QVERIFY(logged(QStringLiteral("Connection refused")));

        QElapsedTimer clock;
        clock.start();
        outcome = runCondition(QStringLiteral("http_check"),
            Json { { "url", toStd(m_http.url(QStringLiteral("/hang"))) }, { "timeoutMs", 300 } });
        QVERIFY2(outcome.ok, qPrintable(outcome.error));
        QCOMPARE(outcome.value, false);
        QVERIFY2(clock.elapsed() < 5000, qPrintable(QString::number(clock.elapsed())));
        QVERIFY(logged(QStringLiteral("timed out after 300 ms")));
        QCOMPARE(toString(m_logs.back().level), toString(LogLevel::Warn));
    }

    void httpCheckCancelIsAnError()
    {
        StepContext ctx = context(Json { { "url", toStd(m_http.url(QStringLiteral("/hang"))) } });
        QCoro::Task<ConditionOutcome> task
            = evaluate(m_registry.condition(QStringLiteral("http_check"))->handler, ctx);
        QTRY_COMPARE(m_http.requestsTo("/hang"), 1);
        ctx.cancel.cancel(QStringLiteral("step timed out"));
        const ConditionOutcome outcome = QCoro::waitFor(task);
        QVERIFY(!outcome.ok);
        QCOMPARE(outcome.error, QStringLiteral("canceled: step timed out"));
        QTRY_COMPARE(m_http.closedUnanswered, 1);
    }

    void httpCheckNeedsAUrl()
    {
        ConditionOutcome outcome = runCondition(QStringLiteral("http_check"), json("{}"));
        QCOMPARE(outcome.error, QStringLiteral("config.url: is required"));
        outcome = runCondition(QStringLiteral("http_check"), json(R"({"url": "mailto:x@y"})"));
        QCOMPARE(outcome.error, QStringLiteral("config.url: \"mailto:x@y\" is not an http or https URL"));
    }
};

QTEST_GUILESS_MAIN(TestBuiltins)
#include "tst_builtins.moc"
