// SPDX-License-Identifier: GPL-3.0-or-later
// Definition validation: one row per rule, each with the exact message an operator sees.

#include "model/workflow.h"
#include "workflow/validation.h"

#include <QFile>
#include <QtTest>

using namespace vigil;

namespace {

// A definition around the given steps (JSON array text) and extra top-level fields.
QByteArray definitionWith(const char *steps, const char *extra = "")
{
    return QByteArray(R"({"tenantId": "t1", "name": "wf", "triggerType": "heartbeat.missed", "config": {}, "steps": )")
        + steps + extra + "}";
}

WorkflowDefinition parse(const QByteArray &text)
{
    Result<Json> json = parseJson(text);
    if (!json)
        qFatal("bad test JSON: %s", qPrintable(json.error().message));
    Result<WorkflowDefinition> definition = fromJson<WorkflowDefinition>(json.value());
    if (!definition)
        qFatal("test definition does not parse: %s", qPrintable(definition.error().message));
    return definition.value();
}

} // namespace

class TestValidation : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rules_data()
    {
        QTest::addColumn<QByteArray>("definition");
        QTest::addColumn<QString>("message"); // empty: valid

        QTest::newRow("valid minimal") << definitionWith("[{\"type\": \"action\", \"name\": \"a\"}]") << QString();

        QTest::newRow("tenantId empty")
            << QByteArray(R"({"tenantId": " ", "name": "wf", "triggerType": "x", "steps": [{"type": "action", "name": "a"}]})")
            << QStringLiteral("tenantId: is required");
        QTest::newRow("name missing")
            << QByteArray(R"({"tenantId": "t", "triggerType": "x", "steps": [{"type": "action", "name": "a"}]})")
            << QStringLiteral("name: is required");
        QTest::newRow("triggerType missing")
            << QByteArray(R"({"tenantId": "t", "name": "wf", "steps": [{"type": "action", "name": "a"}]})")
            << QStringLiteral("triggerType: is required");
        QTest::newRow("no steps") << definitionWith("[]") << QStringLiteral("steps: at least one step is required");
        QTest::newRow("step name empty") << definitionWith(R"([{"type": "action", "name": ""}])")
                                         << QStringLiteral("steps[0].name: is required");
        QTest::newRow("handler empty") << definitionWith(R"([{"type": "action", "name": "a", "handler": ""}])")
                                       << QStringLiteral("steps[0].handler: must not be empty when given");

        QTest::newRow("duplicate top-level name")
            << definitionWith(R"([{"type": "action", "name": "a"}, {"type": "action", "name": "a"}])")
            << QStringLiteral("steps[1].name: duplicate step name \"a\"");
        QTest::newRow("duplicate name inside branches (the issue's example)")
            << definitionWith(R"([{"type": "action", "name": "a"}, {"type": "action", "name": "notify"},
                 {"type": "parallel", "name": "p", "branches": [[{"type": "action", "name": "b"},
                 {"type": "action", "name": "notify"}], [{"type": "action", "name": "c"}]]}])")
            << QStringLiteral("steps[2].branches[0][1].name: duplicate step name \"notify\"");
        QTest::newRow("duplicate name across branches")
            << definitionWith(R"([{"type": "parallel", "name": "p", "branches": [[{"type": "action", "name": "x"}],
                 [{"type": "action", "name": "x"}]]}])")
            << QStringLiteral("steps[0].branches[1][0].name: duplicate step name \"x\"");
        QTest::newRow("branch step named like the parallel step")
            << definitionWith(R"([{"type": "parallel", "name": "p", "branches": [[{"type": "action", "name": "p"}],
                 [{"type": "action", "name": "y"}]]}])")
            << QStringLiteral("steps[0].branches[0][0].name: duplicate step name \"p\"");

        QTest::newRow("parallel with one branch")
            << definitionWith(R"([{"type": "parallel", "name": "p", "branches": [[{"type": "action", "name": "x"}]]}])")
            << QStringLiteral("steps[0].branches: a parallel step needs at least 2 branches, got 1");
        QTest::newRow("parallel without branches") << definitionWith(R"([{"type": "parallel", "name": "p"}])")
                                                   << QStringLiteral("steps[0].branches: a parallel step needs at least 2 branches, got 0");
        QTest::newRow("empty branch")
            << definitionWith(R"([{"type": "parallel", "name": "p", "branches": [[], [{"type": "action", "name": "y"}]]}])")
            << QStringLiteral("steps[0].branches[0]: a branch needs at least one step");
        QTest::newRow("branches on an action")
            << definitionWith(R"([{"type": "action", "name": "a", "branches": [[{"type": "action", "name": "x"}]]}])")
            << QStringLiteral("steps[0].branches: only parallel steps have branches");
        QTest::newRow("nested parallel is fine")
            << definitionWith(R"([{"type": "parallel", "name": "p", "branches": [[{"type": "parallel", "name": "q",
                 "branches": [[{"type": "action", "name": "x"}], [{"type": "action", "name": "y"}]]}],
                 [{"type": "action", "name": "z"}]]}])")
            << QString();
        QTest::newRow("error deep in a nested parallel")
            << definitionWith(R"([{"type": "parallel", "name": "p", "branches": [[{"type": "parallel", "name": "q",
                 "branches": [[{"type": "action", "name": "x"}], [{"type": "delay", "name": "y", "delayMs": 0}]]}],
                 [{"type": "action", "name": "z"}]]}])")
            << QStringLiteral("steps[0].branches[0][0].branches[1][0].delayMs: must be between 1 and 2592000000 ms (30 days), got 0");

        QTest::newRow("delay without delayMs") << definitionWith(R"([{"type": "delay", "name": "d"}])")
                                               << QStringLiteral("steps[0].delayMs: is required for a delay step");
        QTest::newRow("delay zero") << definitionWith(R"([{"type": "delay", "name": "d", "delayMs": 0}])")
                                    << QStringLiteral("steps[0].delayMs: must be between 1 and 2592000000 ms (30 days), got 0");
        QTest::newRow("delay negative") << definitionWith(R"([{"type": "delay", "name": "d", "delayMs": -5}])")
                                        << QStringLiteral("steps[0].delayMs: must be between 1 and 2592000000 ms (30 days), got -5");
        QTest::newRow("delay exactly 30 days") << definitionWith(R"([{"type": "delay", "name": "d", "delayMs": 2592000000}])")
                                               << QString();
        QTest::newRow("delay over 30 days")
            << definitionWith(R"([{"type": "delay", "name": "d", "delayMs": 2592000001}])")
            << QStringLiteral("steps[0].delayMs: must be between 1 and 2592000000 ms (30 days), got 2592000001");
        QTest::newRow("delayMs on an action") << definitionWith(R"([{"type": "action", "name": "a", "delayMs": 5}])")
                                              << QStringLiteral("steps[0].delayMs: only delay steps have delayMs");

        QTest::newRow("retry 1 attempt, 100 ms")
            << definitionWith(R"([{"type": "action", "name": "a", "retryPolicy": {"maxAttempts": 1, "backoffMs": 100}}])")
            << QString();
        QTest::newRow("retry 10 attempts, 300000 ms")
            << definitionWith(R"([{"type": "action", "name": "a", "retryPolicy": {"maxAttempts": 10, "backoffMs": 300000}}])")
            << QString();
        QTest::newRow("retry 0 attempts")
            << definitionWith(R"([{"type": "action", "name": "a", "retryPolicy": {"maxAttempts": 0, "backoffMs": 100}}])")
            << QStringLiteral("steps[0].retryPolicy.maxAttempts: must be between 1 and 10, got 0");
        QTest::newRow("retry 11 attempts")
            << definitionWith(R"([{"type": "action", "name": "a", "retryPolicy": {"maxAttempts": 11, "backoffMs": 100}}])")
            << QStringLiteral("steps[0].retryPolicy.maxAttempts: must be between 1 and 10, got 11");
        QTest::newRow("backoff 99 ms")
            << definitionWith(R"([{"type": "action", "name": "a", "retryPolicy": {"maxAttempts": 2, "backoffMs": 99}}])")
            << QStringLiteral("steps[0].retryPolicy.backoffMs: must be between 100 and 300000 ms, got 99");
        QTest::newRow("backoff 300001 ms")
            << definitionWith(R"([{"type": "action", "name": "a", "retryPolicy": {"maxAttempts": 2, "backoffMs": 300001}}])")
            << QStringLiteral("steps[0].retryPolicy.backoffMs: must be between 100 and 300000 ms, got 300001");
        QTest::newRow("timeout zero") << definitionWith(R"([{"type": "action", "name": "a", "timeoutMs": 0}])")
                                      << QStringLiteral("steps[0].timeoutMs: must be positive, got 0");
        QTest::newRow("timeout positive") << definitionWith(R"([{"type": "action", "name": "a", "timeoutMs": 1}])")
                                          << QString();

        QTest::newRow("onFalse complete at the end") << definitionWith(R"([{"type": "condition", "name": "c", "onFalse": "complete"}])")
                                                     << QString();
        QTest::newRow("onFalse skip with a step after")
            << definitionWith(R"([{"type": "condition", "name": "c", "onFalse": "skip"}, {"type": "action", "name": "a"}])")
            << QString();
        QTest::newRow("onFalse skip at the end") << definitionWith(R"([{"type": "condition", "name": "c", "onFalse": "skip"}])")
                                                 << QStringLiteral("steps[0].onFalse: would skip 1 step(s) but no step follows");
        QTest::newRow("onFalse N equal to steps after")
            << definitionWith(R"([{"type": "condition", "name": "c", "onFalse": 2}, {"type": "action", "name": "a"},
                                  {"type": "action", "name": "b"}])")
            << QString();
        QTest::newRow("onFalse N past the end")
            << definitionWith(R"([{"type": "condition", "name": "c", "onFalse": 3}, {"type": "action", "name": "a"},
                                  {"type": "action", "name": "b"}])")
            << QStringLiteral("steps[0].onFalse: would skip 3 step(s) but only 2 follow");
        QTest::newRow("onFalse zero")
            << definitionWith(R"([{"type": "condition", "name": "c", "onFalse": 0}, {"type": "action", "name": "a"}])")
            << QStringLiteral("steps[0].onFalse: must be \"complete\", \"skip\" or a positive number of steps, got 0");
        QTest::newRow("onFalse counts within its branch")
            << definitionWith(R"([{"type": "parallel", "name": "p", "branches": [[{"type": "condition", "name": "c",
                 "onFalse": 2}, {"type": "action", "name": "x"}], [{"type": "action", "name": "y"}]]},
                 {"type": "action", "name": "after1"}, {"type": "action", "name": "after2"}])")
            << QStringLiteral("steps[0].branches[0][0].onFalse: would skip 2 step(s) but only 1 follow");
        QTest::newRow("onFalse on an action")
            << definitionWith(R"([{"type": "action", "name": "a", "onFalse": "skip"}, {"type": "action", "name": "b"}])")
            << QStringLiteral("steps[0].onFalse: only condition steps have onFalse");

        QTest::newRow("cron valid") << definitionWith("[{\"type\": \"action\", \"name\": \"a\"}]", R"(, "cronExpression": "0 2 * * *")")
                                    << QString();
        QTest::newRow("cron with lists, ranges and steps")
            << definitionWith("[{\"type\": \"action\", \"name\": \"a\"}]", R"(, "cronExpression": "*/15 9-17 1,15 * MON-FRI")")
            << QString();
        QTest::newRow("cron 6 fields")
            << definitionWith("[{\"type\": \"action\", \"name\": \"a\"}]", R"(, "cronExpression": "0 0 2 * * *")")
            << QStringLiteral("cronExpression: expected 5 fields (minute hour day-of-month month day-of-week), got 6");
        QTest::newRow("cron hour 24")
            << definitionWith("[{\"type\": \"action\", \"name\": \"a\"}]", R"(, "cronExpression": "0 24 * * *")")
            << QStringLiteral("cronExpression: hour: 24 is out of range 0-23");
        QTest::newRow("cron zone valid")
            << definitionWith("[{\"type\": \"action\", \"name\": \"a\"}]",
                              R"(, "cronExpression": "0 2 * * *", "cronTimezone": "Europe/Berlin")")
            << QString();
        QTest::newRow("cron zone unknown")
            << definitionWith("[{\"type\": \"action\", \"name\": \"a\"}]",
                              R"(, "cronExpression": "0 2 * * *", "cronTimezone": "Mars/Olympus")")
            << QStringLiteral("cronTimezone: unknown time zone \"Mars/Olympus\"");
    }

    void rules()
    {
        QFETCH(QByteArray, definition);
        QFETCH(QString, message);
        const WorkflowDefinition parsed = parse(definition);
        const Status status = checkDefinition(parsed);
        if (message.isEmpty()) {
            QVERIFY2(status.ok(), qPrintable(status.ok() ? QString() : status.error().message));
        } else {
            QVERIFY(!status.ok());
            QCOMPARE(status.error().message, message);
            QCOMPARE(status.error().code, ErrorCode::Invalid);
        }
    }

    void everyProblemIsReportedInDocumentOrder()
    {
        const WorkflowDefinition parsed = parse(QByteArray(R"({"tenantId": "", "name": "wf", "triggerType": "x", "steps": [
            {"type": "delay", "name": "d"},
            {"type": "action", "name": "d", "timeoutMs": -1},
            {"type": "parallel", "name": "p", "branches": [[{"type": "action", "name": "a"}]]}]})"));
        const std::vector<ValidationProblem> problems = validateDefinition(parsed);
        QStringList paths;
        for (const ValidationProblem &problem : problems)
            paths << problem.path;
        QCOMPARE(paths, (QStringList { QStringLiteral("tenantId"), QStringLiteral("steps[0].delayMs"),
                                       QStringLiteral("steps[1].name"), QStringLiteral("steps[1].timeoutMs"),
                                       QStringLiteral("steps[2].branches") }));
    }

    void pulseExamplesAreValid_data()
    {
        QTest::addColumn<QString>("fixture");
        for (const char *name : { "quick_start.json", "workflows_concept.json", "incident_on_missed_heartbeat.json",
                                  "trial_expiration.json", "auto_close_on_recovery.json", "multi_channel_alert.json",
                                  "daily_cleanup.json" })
            QTest::newRow(name) << QString::fromLatin1(name);
    }

    void pulseExamplesAreValid()
    {
        QFETCH(QString, fixture);
        QFile file(QStringLiteral(VIGIL_TEST_DATA_DIR "/pulse/") + fixture);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const WorkflowDefinition definition = parse(file.readAll());
        const Status status = checkDefinition(definition);
        QVERIFY2(status.ok(), qPrintable(status.ok() ? QString() : status.error().message));
    }
};

QTEST_GUILESS_MAIN(TestValidation)
#include "tst_validation.moc"
