// SPDX-License-Identifier: GPL-3.0-or-later
// The value types' JSON: Pulse's workflow examples import unchanged, every type
// round-trips with Pulse's camelCase names, and malformed input names its path.

#include "core/ids.h"
#include "core/isotime.h"
#include "model/agent.h"
#include "model/run.h"
#include "model/signal.h"
#include "model/workflow.h"

#include <QDir>
#include <QFile>
#include <QSet>
#include <QtTest>

using namespace vigil;

namespace {

Json readFixture(const QString &name)
{
    QFile file(QStringLiteral(VIGIL_TEST_DATA_DIR "/pulse/") + name);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot open fixture %s", qPrintable(file.fileName()));
    Result<Json> json = parseJson(file.readAll());
    if (!json)
        qFatal("fixture %s: %s", qPrintable(name), qPrintable(json.error().message));
    return json.value();
}

QSet<QString> keysOf(const Json &object)
{
    QSet<QString> keys;
    for (auto it = object.begin(); it != object.end(); ++it)
        keys.insert(fromStd(it.key()));
    return keys;
}

QSet<QString> keySet(const char *spaceSeparated)
{
    QSet<QString> keys;
    for (const QString &key : QString::fromLatin1(spaceSeparated).split(QLatin1Char(' '), Qt::SkipEmptyParts))
        keys.insert(key);
    return keys;
}

const QDateTime t0 = fromIsoUtc(u"2026-11-26T09:49:56.123Z");

WorkflowDefinition fullDefinition()
{
    WorkflowDefinition d;
    d.id = QStringLiteral("wfd_01");
    d.tenantId = QStringLiteral("workspace_1");
    d.name = QStringLiteral("Incident ☃ on missed heartbeat");
    d.description = QStringLiteral("pages on-call");
    d.triggerType = QStringLiteral("heartbeat.missed");
    d.environmentFilter = QStringLiteral("production");
    d.resourceTypeFilter = QStringLiteral("agent");
    WorkflowStep wait { StepType::Delay, QStringLiteral("wait"), std::nullopt, Json(), 5000 };
    WorkflowStep check;
    check.type = StepType::Condition;
    check.name = QStringLiteral("still_down");
    check.handler = QStringLiteral("agent_down");
    check.onFalse = OnFalse { OnFalse::Kind::SkipSteps, 2 };
    WorkflowStep call;
    call.name = QStringLiteral("call");
    call.handler = QStringLiteral("http_request");
    call.config = Json { { "url", "https://example.invalid/{{trigger.resourceId}}" }, { "method", "POST" } };
    call.timeoutMs = 30000;
    call.retryPolicy = RetryPolicy { 3, 5000 };
    WorkflowStep fanOut;
    fanOut.type = StepType::Parallel;
    fanOut.name = QStringLiteral("fan_out");
    fanOut.branches = { { call }, { WorkflowStep { StepType::Action, QStringLiteral("log_it") } } };
    fanOut.branches[0][0].name = QStringLiteral("call_in_branch");
    d.steps = { wait, check, call, fanOut };
    d.config = Json { { "severity", "high" }, { "nested", { { "list", { 1, 2.5, "x", nullptr } } } } };
    d.isEnabled = false;
    d.cronExpression = QStringLiteral("*/5 * * * *");
    d.cronTimezone = QStringLiteral("Europe/Berlin");
    d.version = 7;
    d.createdAt = t0;
    d.updatedAt = t0.addMSecs(1);
    return d;
}

template<typename T>
void checkRoundTrip(const Json &json)
{
    Result<T> parsed = fromJson<T>(json);
    QVERIFY2(parsed.ok(), qPrintable(parsed.ok() ? QString() : parsed.error().message));
    const Json again = toJson(parsed.value());
    QCOMPARE(dumpJsonString(again), dumpJsonString(json));
}

} // namespace

class TestModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void pulseWorkflowsImportUnchanged_data()
    {
        QTest::addColumn<QString>("fixture");
        for (const char *name : { "quick_start.json", "workflows_concept.json", "incident_on_missed_heartbeat.json",
                                  "trial_expiration.json", "auto_close_on_recovery.json", "multi_channel_alert.json",
                                  "daily_cleanup.json" })
            QTest::newRow(name) << QString::fromLatin1(name);
    }

    void pulseWorkflowsImportUnchanged()
    {
        QFETCH(QString, fixture);
        const Json original = readFixture(fixture);
        Result<WorkflowDefinition> definition = fromJson<WorkflowDefinition>(original);
        QVERIFY2(definition.ok(), qPrintable(definition.ok() ? QString() : definition.error().message));
        const Json exported = toJson(definition.value());
        // Every field Pulse wrote comes back with the same value...
        for (auto it = original.begin(); it != original.end(); ++it)
            QVERIFY2(exported.contains(it.key()) && exported[it.key()] == it.value(), it.key().c_str());
        // ...and the only addition is Vigil's version.
        QCOMPARE(keysOf(exported) - keysOf(original), keySet("version"));
        QCOMPARE(definition->version, 1);
    }

    void pulseStepsImportUnchanged_data()
    {
        QTest::addColumn<QString>("fixture");
        QTest::newRow("parallel") << QStringLiteral("parallel_step.json");
        QTest::newRow("retry and timeout") << QStringLiteral("retry_step.json");
    }

    void pulseStepsImportUnchanged()
    {
        QFETCH(QString, fixture);
        const Json original = readFixture(fixture);
        Result<WorkflowStep> step = fromJson<WorkflowStep>(original);
        QVERIFY(step.ok());
        QCOMPARE(toJson(step.value()), original);
    }

    void handlerDefaultsToName()
    {
        Result<WorkflowStep> plain = fromJson<WorkflowStep>(Json { { "type", "action" }, { "name", "create_incident" } });
        QVERIFY(plain.ok());
        QCOMPARE(plain->handlerName(), QStringLiteral("create_incident"));
        Result<WorkflowStep> withHandler = fromJson<WorkflowStep>(
            Json { { "type", "action" }, { "name", "page_ops" }, { "handler", "http_request" } });
        QVERIFY(withHandler.ok());
        QCOMPARE(withHandler->handlerName(), QStringLiteral("http_request"));
    }

    void onFalseForms_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<int>("kind");
        QTest::addColumn<int>("skipCount");
        QTest::newRow("complete") << QByteArray("\"complete\"") << int(OnFalse::Kind::Complete) << 0;
        QTest::newRow("skip") << QByteArray("\"skip\"") << int(OnFalse::Kind::Skip) << 1;
        QTest::newRow("3") << QByteArray("3") << int(OnFalse::Kind::SkipSteps) << 3;
    }

    void onFalseForms()
    {
        QFETCH(QByteArray, value);
        QFETCH(int, kind);
        QFETCH(int, skipCount);
        Json step { { "type", "condition" }, { "name", "c" } };
        step["onFalse"] = parseJson(value).value();
        Result<WorkflowStep> parsed = fromJson<WorkflowStep>(step);
        QVERIFY(parsed.ok());
        QVERIFY(parsed->onFalse.has_value());
        QCOMPARE(int(parsed->onFalse->kind), kind);
        QCOMPARE(parsed->onFalse->skipCount(), skipCount);
        QCOMPARE(toJson(parsed.value()), step); // the form written is the form kept
    }

    void roundTrip_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<QByteArray>("json");

        TriggerInput input { QStringLiteral("t1"), QStringLiteral("heartbeat"), QStringLiteral("heartbeat.missed") };
        QTest::newRow("TriggerInput minimal") << QStringLiteral("TriggerInput") << dumpJson(toJson(input));
        input.resourceType = QStringLiteral("agent");
        input.resourceId = QStringLiteral("web-01 ☃");
        input.environment = QStringLiteral("production");
        input.payload = Json { { "misses", 3 }, { "lastSeenAt", "2026-11-26T09:49:56.123Z" } };
        QTest::newRow("TriggerInput full") << QStringLiteral("TriggerInput") << dumpJson(toJson(input));

        TriggerEnvelope envelope;
        static_cast<TriggerInput &>(envelope) = input;
        envelope.id = newId(IdPrefix::Trigger);
        envelope.createdAt = t0;
        QTest::newRow("TriggerEnvelope") << QStringLiteral("TriggerEnvelope") << dumpJson(toJson(envelope));
        envelope.dedupKey = QStringLiteral("web-01:2026-11-26T09:49:56.123Z:1");
        QTest::newRow("TriggerEnvelope dedup") << QStringLiteral("TriggerEnvelope") << dumpJson(toJson(envelope));

        QTest::newRow("WorkflowDefinition full") << QStringLiteral("WorkflowDefinition")
                                                 << dumpJson(toJson(fullDefinition()));
        WorkflowDefinition minimal;
        minimal.tenantId = QStringLiteral("t");
        minimal.name = QStringLiteral("n");
        minimal.triggerType = QStringLiteral("x");
        minimal.steps = { WorkflowStep { StepType::Action, QStringLiteral("a") } };
        QTest::newRow("WorkflowDefinition minimal") << QStringLiteral("WorkflowDefinition") << dumpJson(toJson(minimal));

        WorkflowRun run;
        run.id = newId(IdPrefix::Run);
        run.definitionId = QStringLiteral("wfd_01");
        run.tenantId = QStringLiteral("workspace_1");
        run.triggerId = envelope.id;
        QTest::newRow("WorkflowRun pending") << QStringLiteral("WorkflowRun") << dumpJson(toJson(run));
        run.status = RunStatus::Canceled;
        run.context = Json { { "check_status", { { "healthy", true } } } };
        run.currentStepIndex = 2;
        run.isReplay = true;
        run.isDryRun = true;
        run.definitionSnapshot = fullDefinition();
        run.startedAt = t0;
        run.canceledAt = t0.addSecs(3);
        run.cancelReason = QStringLiteral("No longer needed");
        run.createdAt = t0;
        run.updatedAt = t0.addSecs(3);
        QTest::newRow("WorkflowRun canceled") << QStringLiteral("WorkflowRun") << dumpJson(toJson(run));

        WorkflowStepRun step;
        step.id = newId(IdPrefix::StepRun);
        step.runId = run.id;
        step.tenantId = run.tenantId;
        step.stepName = QStringLiteral("wait");
        QTest::newRow("WorkflowStepRun pending") << QStringLiteral("WorkflowStepRun") << dumpJson(toJson(step));
        step.stepIndex = 1;
        step.stepType = StepType::Parallel;
        step.status = StepStatus::Failed;
        step.scheduledFor = t0;
        step.startedAt = t0.addMSecs(5);
        step.completedAt = t0.addMSecs(9);
        step.result = Json { { "status", 502 } };
        step.errorMessage = QStringLiteral("timed out after 30000 ms");
        step.branchIndex = 1;
        step.parentStepRunId = QStringLiteral("stp_parent");
        step.createdAt = t0;
        step.attempt = 3;
        step.leaseOwner = QStringLiteral("host-1:1234");
        step.leaseExpiresAt = t0.addSecs(30);
        QTest::newRow("WorkflowStepRun full") << QStringLiteral("WorkflowStepRun") << dumpJson(toJson(step));

        RunTimelineEntry entry { t0, TimelineType::StepFailed, 2, QStringLiteral("call"), QStringLiteral("action"),
                                 Json { { "attempt", 2 }, { "error", "HTTP 502" } } };
        QTest::newRow("RunTimelineEntry") << QStringLiteral("RunTimelineEntry") << dumpJson(toJson(entry));
        QTest::newRow("RunTimelineEntry bare")
            << QStringLiteral("RunTimelineEntry") << dumpJson(toJson(RunTimelineEntry { t0, TimelineType::RunCreated }));

        ExecutionLog log { newId(IdPrefix::Log), run.id, step.id, run.tenantId, LogLevel::Warn,
                           QStringLiteral("Incident created"), Json { { "incidentId", "inc_1" } }, t0 };
        QTest::newRow("ExecutionLog") << QStringLiteral("ExecutionLog") << dumpJson(toJson(log));

        Agent agent;
        agent.id = QStringLiteral("web-01");
        QTest::newRow("Agent new") << QStringLiteral("Agent") << dumpJson(toJson(agent));
        agent.environment = QStringLiteral("production");
        agent.tags = { QStringLiteral("eu"), QStringLiteral("web") };
        agent.intervalSecs = 5;
        agent.graceSecs = 10;
        agent.schedule = QStringLiteral("0 2 * * *");
        agent.timezone = QStringLiteral("Europe/Berlin");
        agent.state = AgentState::Down;
        agent.lastSeenAt = t0;
        agent.misses = 4;
        agent.lastStats = Json { { "cpu", { { "cpu_usage", 12.5 } } }, { "memory", { { "memory_usage", 84 } } } };
        agent.stateChangedAt = t0.addSecs(15);
        agent.createdAt = t0;
        agent.updatedAt = t0.addSecs(15);
        QTest::newRow("Agent down") << QStringLiteral("Agent") << dumpJson(toJson(agent));

        Heartbeat heartbeat;
        heartbeat.agentId = agent.id;
        heartbeat.receivedAt = t0;
        QTest::newRow("Heartbeat ping") << QStringLiteral("Heartbeat") << dumpJson(toJson(heartbeat));
        heartbeat.id = 42;
        heartbeat.kind = HeartbeatKind::Exit;
        heartbeat.exitCode = 3;
        heartbeat.message = QStringLiteral("tail of output\nline 2");
        heartbeat.stats = agent.lastStats;
        heartbeat.sourceAddress = QStringLiteral("127.0.0.1");
        heartbeat.rid = QStringLiteral("run-7");
        heartbeat.durationMs = 1234;
        QTest::newRow("Heartbeat exit") << QStringLiteral("Heartbeat") << dumpJson(toJson(heartbeat));

        Incident incident;
        incident.id = newId(IdPrefix::Incident);
        incident.tenantId = QStringLiteral("default");
        incident.resourceType = QStringLiteral("agent");
        incident.resourceId = QStringLiteral("web-01");
        incident.title = QStringLiteral("web-01 is down");
        incident.openedAt = t0;
        QTest::newRow("Incident open") << QStringLiteral("Incident") << dumpJson(toJson(incident));
        incident.definitionId = QStringLiteral("wfd_01");
        incident.runId = run.id;
        incident.status = IncidentStatus::Resolved;
        incident.details = Json { { "misses", 3 } };
        incident.resolvedAt = t0.addSecs(60);
        incident.resolvedByRunId = QStringLiteral("run_2");
        incident.updatedAt = t0.addSecs(60);
        QTest::newRow("Incident resolved") << QStringLiteral("Incident") << dumpJson(toJson(incident));
    }

    void roundTrip()
    {
        QFETCH(QString, type);
        QFETCH(QByteArray, json);
        const Json value = parseJson(json).value();
        if (type == u"TriggerInput")
            checkRoundTrip<TriggerInput>(value);
        else if (type == u"TriggerEnvelope")
            checkRoundTrip<TriggerEnvelope>(value);
        else if (type == u"WorkflowDefinition")
            checkRoundTrip<WorkflowDefinition>(value);
        else if (type == u"WorkflowRun")
            checkRoundTrip<WorkflowRun>(value);
        else if (type == u"WorkflowStepRun")
            checkRoundTrip<WorkflowStepRun>(value);
        else if (type == u"RunTimelineEntry")
            checkRoundTrip<RunTimelineEntry>(value);
        else if (type == u"ExecutionLog")
            checkRoundTrip<ExecutionLog>(value);
        else if (type == u"Agent")
            checkRoundTrip<Agent>(value);
        else if (type == u"Heartbeat")
            checkRoundTrip<Heartbeat>(value);
        else if (type == u"Incident")
            checkRoundTrip<Incident>(value);
        else
            QFAIL("unknown type in test table");
    }

    void pulseFieldNames_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("expectedKeys");

        WorkflowRun run;
        run.startedAt = run.completedAt = run.failedAt = run.canceledAt = run.createdAt = run.updatedAt = t0;
        run.cancelReason = QStringLiteral("x");
        QTest::newRow("WorkflowRun") << dumpJson(toJson(run))
                                     << QStringLiteral("id definitionId tenantId triggerId status context currentStepIndex "
                                                       "isReplay isDryRun definitionSnapshot startedAt completedAt failedAt "
                                                       "canceledAt cancelReason createdAt updatedAt");
        WorkflowStepRun step;
        step.scheduledFor = step.startedAt = step.completedAt = step.createdAt = step.leaseExpiresAt = t0;
        step.result = Json::object();
        step.errorMessage = step.parentStepRunId = step.leaseOwner = QStringLiteral("x");
        step.branchIndex = 0;
        QTest::newRow("WorkflowStepRun")
            << dumpJson(toJson(step))
            << QStringLiteral("id runId tenantId stepIndex stepType stepName status scheduledFor startedAt completedAt "
                              "result errorMessage branchIndex parentStepRunId createdAt attempt leaseOwner leaseExpiresAt");
        TriggerEnvelope envelope;
        envelope.resourceType = envelope.resourceId = envelope.environment = QStringLiteral("x");
        envelope.createdAt = t0;
        QTest::newRow("TriggerEnvelope") << dumpJson(toJson(envelope))
                                         << QStringLiteral("id tenantId source type resourceType resourceId environment "
                                                           "payload createdAt");
        QTest::newRow("WorkflowDefinition")
            << dumpJson(toJson(fullDefinition()))
            << QStringLiteral("id tenantId name description triggerType environmentFilter resourceTypeFilter steps config "
                              "isEnabled cronExpression cronTimezone version createdAt updatedAt");
        QTest::newRow("ExecutionLog")
            << dumpJson(toJson(ExecutionLog { QStringLiteral("l"), QStringLiteral("r"), QStringLiteral("s"),
                                              QStringLiteral("t"), LogLevel::Info, QStringLiteral("m"), Json::object(), t0 }))
            << QStringLiteral("id runId stepRunId tenantId level message data createdAt");
    }

    void pulseFieldNames()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, expectedKeys);
        QCOMPARE(keysOf(parseJson(json).value()), keySet(expectedKeys.toLatin1().constData()));
    }

    void agentJsonNeverCarriesTheKey()
    {
        Agent agent;
        agent.id = QStringLiteral("a");
        agent.hmacKey = QStringLiteral("s3cret");
        const Json json = toJson(agent);
        QVERIFY(!json.contains("hmacKey"));
        QCOMPARE(json["hasKey"], Json(true));
        QVERIFY(!dumpJson(json).contains("s3cret"));
    }

    void parseErrorsNameThePath_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("message");

        QTest::newRow("definition not an object") << QStringLiteral("WorkflowDefinition") << QByteArray("[1]")
                                                  << QStringLiteral("expected an object");
        QTest::newRow("steps not an array") << QStringLiteral("WorkflowDefinition") << QByteArray(R"({"steps": {}})")
                                            << QStringLiteral("steps: expected an array of steps");
        QTest::newRow("step type missing") << QStringLiteral("WorkflowDefinition")
                                           << QByteArray(R"({"steps": [{"name": "a"}]})")
                                           << QStringLiteral("steps[0].type: is required");
        QTest::newRow("unknown step type")
            << QStringLiteral("WorkflowDefinition") << QByteArray(R"({"steps": [{"type": "loop", "name": "a"}]})")
            << QStringLiteral("steps[0].type: unknown step type \"loop\" (expected action, condition, delay, parallel)");
        QTest::newRow("delayMs a string")
            << QStringLiteral("WorkflowDefinition")
            << QByteArray(R"({"steps": [{"type": "action", "name": "a"}, {"type": "delay", "name": "d", "delayMs": "5m"}]})")
            << QStringLiteral("steps[1].delayMs: expected an integer");
        QTest::newRow("nested branch step")
            << QStringLiteral("WorkflowDefinition")
            << QByteArray(R"({"steps": [{"type": "parallel", "name": "p", "branches": [[{"type": "action", "name": "a"}],
                             [{"type": "action", "name": "b"}, {"type": "action", "name": 7}]]}]})")
            << QStringLiteral("steps[0].branches[1][1].name: expected a string");
        QTest::newRow("branch not an array")
            << QStringLiteral("WorkflowDefinition")
            << QByteArray(R"({"steps": [{"type": "parallel", "name": "p", "branches": [{"type": "action"}]}]})")
            << QStringLiteral("steps[0].branches[0]: expected an array of steps");
        QTest::newRow("retry maxAttempts missing")
            << QStringLiteral("WorkflowDefinition")
            << QByteArray(R"({"steps": [{"type": "action", "name": "a", "retryPolicy": {"backoffMs": 100}}]})")
            << QStringLiteral("steps[0].retryPolicy.maxAttempts: is required");
        QTest::newRow("onFalse word")
            << QStringLiteral("WorkflowDefinition")
            << QByteArray(R"({"steps": [{"type": "condition", "name": "c", "onFalse": "stop"}]})")
            << QStringLiteral("steps[0].onFalse: expected \"complete\", \"skip\" or a number of steps, got \"stop\"");
        QTest::newRow("isEnabled a string") << QStringLiteral("WorkflowDefinition")
                                            << QByteArray(R"({"isEnabled": "yes"})")
                                            << QStringLiteral("isEnabled: expected true or false");
        QTest::newRow("config an array") << QStringLiteral("WorkflowDefinition") << QByteArray(R"({"config": []})")
                                         << QStringLiteral("config: expected an object");
        QTest::newRow("signal without type") << QStringLiteral("TriggerInput")
                                             << QByteArray(R"({"tenantId": "t", "source": "s"})")
                                             << QStringLiteral("type: is required");
        QTest::newRow("signal payload array")
            << QStringLiteral("TriggerInput")
            << QByteArray(R"({"tenantId": "t", "source": "s", "type": "x", "payload": [1]})")
            << QStringLiteral("payload: expected an object");
        QTest::newRow("run with bad status")
            << QStringLiteral("WorkflowRun")
            << QByteArray(R"({"id": "r", "definitionId": "d", "tenantId": "t", "triggerId": "g", "status": "done"})")
            << QStringLiteral("status: unknown value \"done\" (expected pending, running, waiting, completed, failed, canceled)");
        QTest::newRow("run bad time")
            << QStringLiteral("WorkflowRun")
            << QByteArray(R"({"id": "r", "definitionId": "d", "tenantId": "t", "triggerId": "g", "status": "running",
                             "startedAt": "yesterday"})")
            << QStringLiteral("startedAt: expected an ISO-8601 time, got \"yesterday\"");
        QTest::newRow("agent tags not strings") << QStringLiteral("Agent") << QByteArray(R"({"id": "a", "tags": ["x", 1]})")
                                                << QStringLiteral("tags[1]: expected a string");
        QTest::newRow("agent negative interval") << QStringLiteral("Agent")
                                                 << QByteArray(R"({"id": "a", "intervalSecs": -5})")
                                                 << QStringLiteral("intervalSecs: out of range");
    }

    void parseErrorsNameThePath()
    {
        QFETCH(QString, type);
        QFETCH(QByteArray, json);
        QFETCH(QString, message);
        Result<Json> value = parseJson(json);
        QVERIFY(value.ok());
        Error error;
        if (type == u"WorkflowDefinition") {
            auto parsed = fromJson<WorkflowDefinition>(value.value());
            QVERIFY(!parsed.ok());
            error = parsed.error();
        } else if (type == u"TriggerInput") {
            auto parsed = fromJson<TriggerInput>(value.value());
            QVERIFY(!parsed.ok());
            error = parsed.error();
        } else if (type == u"WorkflowRun") {
            auto parsed = fromJson<WorkflowRun>(value.value());
            QVERIFY(!parsed.ok());
            error = parsed.error();
        } else if (type == u"Agent") {
            auto parsed = fromJson<Agent>(value.value());
            QVERIFY(!parsed.ok());
            error = parsed.error();
        } else {
            QFAIL("unknown type in test table");
        }
        QCOMPARE(error.message, message);
        QCOMPARE(error.code, ErrorCode::Invalid);
    }

    void malformedJsonIsAnErrorNotAThrow_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("truncated") << QByteArray(R"({"a": [1, 2)");
        QTest::newRow("trailing comma") << QByteArray(R"({"a": 1,})");
        QTest::newRow("single quotes") << QByteArray("{'a': 1}");
        QTest::newRow("garbage") << QByteArray("\x01\x02\xff");
        QTest::newRow("two documents") << QByteArray("{} {}");
    }

    void malformedJsonIsAnErrorNotAThrow()
    {
        QFETCH(QByteArray, text);
        Result<Json> parsed = parseJson(text);
        QVERIFY(!parsed.ok());
        QCOMPARE(parsed.error().code, ErrorCode::Invalid);
        QVERIFY2(parsed.error().message.startsWith(QStringLiteral("malformed JSON")), qPrintable(parsed.error().message));
    }

    void invalidUtf8IsReplacedOnDump()
    {
        Json value = std::string("bad \xff byte");
        QVERIFY(dumpJson(value).contains("\xef\xbf\xbd")); // U+FFFD, and no exception
    }

    void enumStringsArePulses()
    {
        const QStringList runStatuses { QStringLiteral("pending"), QStringLiteral("running"), QStringLiteral("waiting"),
                                        QStringLiteral("completed"), QStringLiteral("failed"), QStringLiteral("canceled") };
        for (const QString &name : runStatuses)
            QCOMPARE(toString(runStatusFromString(name).value()), name);
        const QStringList stepStatuses { QStringLiteral("pending"), QStringLiteral("scheduled"), QStringLiteral("running"),
                                         QStringLiteral("completed"), QStringLiteral("failed"), QStringLiteral("skipped") };
        for (const QString &name : stepStatuses)
            QCOMPARE(toString(stepStatusFromString(name).value()), name);
        const QStringList timeline { QStringLiteral("run_created"),   QStringLiteral("step_scheduled"),
                                     QStringLiteral("step_started"),  QStringLiteral("step_completed"),
                                     QStringLiteral("step_failed"),   QStringLiteral("step_skipped"),
                                     QStringLiteral("run_completed"), QStringLiteral("run_failed"),
                                     QStringLiteral("run_canceled"),  QStringLiteral("log") };
        for (const QString &name : timeline)
            QCOMPARE(toString(timelineTypeFromString(name).value()), name);
        QVERIFY(!runStatusFromString(u"cancelled").has_value()); // Pulse spells it "canceled"
        QVERIFY(!stepStatusFromString(u"").has_value());
    }

    void runStateMachine_data()
    {
        QTest::addColumn<int>("from");
        QTest::addColumn<int>("to");
        QTest::addColumn<bool>("allowed");
        // Pulse's table, and nothing else.
        const QSet<QPair<int, int>> allowed {
            { int(RunStatus::Pending), int(RunStatus::Running) },   { int(RunStatus::Pending), int(RunStatus::Canceled) },
            { int(RunStatus::Running), int(RunStatus::Waiting) },   { int(RunStatus::Running), int(RunStatus::Completed) },
            { int(RunStatus::Running), int(RunStatus::Failed) },    { int(RunStatus::Running), int(RunStatus::Canceled) },
            { int(RunStatus::Waiting), int(RunStatus::Running) },   { int(RunStatus::Waiting), int(RunStatus::Canceled) },
            { int(RunStatus::Failed), int(RunStatus::Running) },
        };
        for (int from = 0; from < 6; ++from) {
            for (int to = 0; to < 6; ++to) {
                const QString name = toString(RunStatus(from)) + QStringLiteral(" -> ") + toString(RunStatus(to));
                QTest::newRow(qPrintable(name)) << from << to << allowed.contains({ from, to });
            }
        }
    }

    void runStateMachine()
    {
        QFETCH(int, from);
        QFETCH(int, to);
        QFETCH(bool, allowed);
        QCOMPARE(isAllowedTransition(RunStatus(from), RunStatus(to)), allowed);
    }

    void idsArePrefixedUniqueAndTimeOrdered()
    {
        QSet<QString> seen;
        QString previous;
        for (int i = 0; i < 2000; ++i) {
            const QDateTime at = t0.addMSecs(i);
            const QString id = newId(IdPrefix::Run, at);
            QVERIFY(id.startsWith(QStringLiteral("run_")));
            QCOMPARE(id.size(), 4 + 26);
            QVERIFY(!seen.contains(id));
            seen.insert(id);
            QVERIFY2(previous < id, qPrintable(previous + QStringLiteral(" !< ") + id));
            previous = id;
        }
    }

    void isoTimesCarryMillisecondsAndZ()
    {
        QCOMPARE(toIsoUtc(t0), QStringLiteral("2026-11-26T09:49:56.123Z"));
        QCOMPARE(fromIsoUtc(u"2026-11-26T10:49:56.123+01:00"), t0);
        QCOMPARE(fromIsoUtc(u"2026-11-26T09:49:56.123"), t0); // no zone: UTC, never local
        QVERIFY(!fromIsoUtc(u"26/11/2026").isValid());
        QCOMPARE(toIsoUtc(QDateTime()), QString());
    }
};

QTEST_GUILESS_MAIN(TestModel)
#include "tst_model.moc"
