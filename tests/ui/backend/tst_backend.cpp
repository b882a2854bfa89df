// SPDX-License-Identifier: GPL-3.0-or-later
// The dashboard's facade over a real engine, collector and SQLite file: it starts off the
// GUI thread, serves heartbeats over real HTTP, publishes frames, and its agent calls
// change the store and the tracker.

#include "support/testbackend.h"

#include "heartbeat/signing.h"
#include "model/metatypes.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTcpServer>
#include <QtTest>

using namespace vigil;
using namespace vigil::ui;

namespace {
// POSTs a heartbeat and answers the HTTP status (0 when no answer came).
int postHeartbeat(QNetworkAccessManager &network, const QString &baseUrl, const QString &path, const QByteArray &body = {})
{
    QNetworkRequest request(QUrl(baseUrl + path));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    QNetworkReply *reply = network.post(request, body);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!finished.wait(10000))
        return 0;
    reply->deleteLater();
    return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
}

WorkflowDefinition logWorkflow(const QString &triggerType)
{
    WorkflowDefinition definition;
    definition.tenantId = QStringLiteral("default");
    definition.name = QStringLiteral("log it");
    definition.triggerType = triggerType;
    WorkflowStep step;
    step.name = QStringLiteral("log");
    step.config = Json { { "message", "seen" } };
    definition.steps.push_back(step);
    return definition;
}
} // namespace

class TestBackendFacade : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void startsOffTheGuiThreadAndDescribesItself()
    {
        TestBackend t;
        QVERIFY(!t.backend->isStarted());
        // A view asking before the start (a fresh file has no tables yet) is answered once
        // the schema exists, not with "no such table".
        QFuture<Result<Page<WorkflowRun>>> early
            = t.backend->read([](Store &s) { return s.listRuns({}, PageRequest {}); });
        QElapsedTimer clock;
        clock.start();
        t.backend->start();
        // start() only launches the work: the GUI thread is free at once.
        QVERIFY2(clock.elapsed() < 200, qPrintable(QString::number(clock.elapsed())));
        QSignalSpy started(t.backend.get(), &ui::Backend::started);
        QVERIFY(started.wait(20000));
        QVERIFY(t.backend->isStarted());
        QTRY_VERIFY_WITH_TIMEOUT(early.isFinished(), 5000);
        QVERIFY2(early.result(), early.result() ? "" : qPrintable(early.result().error().message));
        QVERIFY(t.backend->databaseDescription().startsWith(QLatin1String("sqlite://")));
        QVERIFY(t.backend->baseUrl().startsWith(QLatin1String("http://127.0.0.1:")));
        QVERIFY(!t.backend->baseUrl().endsWith(QLatin1String(":0")));
        QVERIFY(t.backend->catalog().action(QStringLiteral("create_incident")));
        QVERIFY(t.backend->catalog().condition(QStringLiteral("expression")));
        QVERIFY(!t.backend->catalog().action(QStringLiteral("expression")));
        QVERIFY(t.backend->catalog().triggerTypes.contains(QStringLiteral("heartbeat.missed")));
    }

    void reportsAStartFailure()
    {
        QTcpServer occupied;
        QVERIFY(occupied.listen(QHostAddress::LocalHost, 0));
        TestBackend t([&](BackendOptions &o) { o.collector.port = occupied.serverPort(); });
        QSignalSpy failed(t.backend.get(), &ui::Backend::startFailed);
        t.backend->start();
        QVERIFY(failed.wait(20000));
        QVERIFY2(failed.first().first().toString().contains(QString::number(occupied.serverPort())),
                 qPrintable(failed.first().first().toString()));
        QVERIFY(!t.backend->isStarted());
    }

    void heartbeatsArriveAsAgentFrames()
    {
        TestBackend t;
        QVERIFY(t.start());
        QSignalSpy frames(t.backend.get(), &ui::Backend::agentsChanged);
        QNetworkAccessManager network;
        QCOMPARE(postHeartbeat(network, t.backend->baseUrl(), QStringLiteral("/heartbeat/web-1"),
                               QByteArrayLiteral("{\"intervalSecs\":30}")),
                 202);
        QTRY_VERIFY_WITH_TIMEOUT(!frames.isEmpty(), 5000);
        bool seen = false;
        for (const QList<QVariant> &frame : std::as_const(frames)) {
            for (const AgentSnapshot &agent : frame.first().value<QList<AgentSnapshot>>()) {
                if (agent.id == QLatin1String("web-1")) {
                    QVERIFY(agent.state == AgentState::Up);
                    QVERIFY(agent.lastSeenMs > 0);
                    seen = true;
                }
            }
        }
        QVERIFY(seen);
    }

    void runChangesArriveAsFewFrames()
    {
        TestBackend t;
        QVERIFY(t.start());
        Result<WorkflowDefinition> created = TestBackend::await(t.backend->engine(
            [](Engine &e) { return e.createWorkflow(logWorkflow(QStringLiteral("test.frames"))); }));
        QVERIFY2(created, created ? "" : qPrintable(created.error().message));
        QSignalSpy runFrames(t.backend.get(), &ui::Backend::runsChanged);
        QSignalSpy signalFrames(t.backend.get(), &ui::Backend::signalsEmitted);
        constexpr int kSignals = 40;
        TestBackend::await(t.backend->engine([](Engine &e) {
            for (int i = 0; i < kSignals; ++i)
                (void)e.emitSignal(TriggerInput { QStringLiteral("default"), QStringLiteral("test"), QStringLiteral("test.frames") });
            return 0;
        }));
        // Every run reaches completed, announced in frames, not one signal per change.
        QSet<QString> completed;
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                for (const QList<QVariant> &frame : std::as_const(runFrames)) {
                    for (const WorkflowRun &run : frame.first().value<QList<WorkflowRun>>()) {
                        if (run.status == RunStatus::Completed)
                            completed.insert(run.id);
                        // Frames carry the head and the workflow's name, not its steps.
                        if (run.definitionSnapshot.name != QLatin1String("log it") || !run.definitionSnapshot.steps.empty())
                            return false;
                    }
                }
                return completed.size() == kSignals;
            }(),
            10000);
        QVERIFY2(runFrames.size() < kSignals, qPrintable(QString::number(runFrames.size())));
        int signalCount = 0;
        for (const QList<QVariant> &frame : std::as_const(signalFrames))
            signalCount += int(frame.first().value<QList<TriggerEnvelope>>().size());
        QCOMPARE(signalCount, kSignals);
    }

    void agentCallsChangeStoreAndTracker()
    {
        TestBackend t;
        QVERIFY(t.start());
        QNetworkAccessManager network;
        QCOMPARE(postHeartbeat(network, t.backend->baseUrl(), QStringLiteral("/heartbeat/db-1")), 202);

        Result<Agent> paused = TestBackend::await(t.backend->setPaused(QStringLiteral("db-1"), true));
        QVERIFY(paused);
        QVERIFY(paused->state == AgentState::Paused);
        Result<Agent> stored = TestBackend::await(t.backend->read([](Store &s) { return s.getAgent(QStringLiteral("db-1")); }));
        QVERIFY(stored->state == AgentState::Paused);
        Result<Agent> resumed = TestBackend::await(t.backend->setPaused(QStringLiteral("db-1"), false));
        QVERIFY(resumed);
        QVERIFY(resumed->state != AgentState::Paused);
        Result<Agent> unknown = TestBackend::await(t.backend->setPaused(QStringLiteral("nobody"), true));
        QVERIFY(!unknown);
        QVERIFY(unknown.error().code == ErrorCode::NotFound);

        Agent edited = *stored;
        edited.intervalSecs = 120;
        edited.graceSecs = 30;
        edited.tenantId = QStringLiteral("acme");
        edited.environment = QStringLiteral("prod");
        edited.tags = QStringList { QStringLiteral("db"), QStringLiteral("eu") };
        Result<Agent> saved = TestBackend::await(t.backend->saveAgent(edited));
        QVERIFY(saved);
        stored = TestBackend::await(t.backend->read([](Store &s) { return s.getAgent(QStringLiteral("db-1")); }));
        QCOMPARE(stored->intervalSecs, 120);
        QCOMPARE(stored->tenantId, QStringLiteral("acme"));
        QCOMPARE(stored->tags, (QStringList { QStringLiteral("db"), QStringLiteral("eu") }));
        edited.id = QStringLiteral("bad id!");
        QVERIFY(!TestBackend::await(t.backend->saveAgent(edited)));

        // A rotated key is required from then on.
        Result<Agent> rotated = TestBackend::await(t.backend->rotateKey(QStringLiteral("db-1")));
        QVERIFY(rotated);
        QVERIFY(rotated->hmacKey && rotated->hmacKey->size() == 64);
        QTRY_COMPARE_WITH_TIMEOUT(postHeartbeat(network, t.backend->baseUrl(), QStringLiteral("/heartbeat/db-1")), 401, 5000);

        QVERIFY(TestBackend::await(t.backend->deleteAgent(QStringLiteral("db-1"))));
        Result<Agent> gone = TestBackend::await(t.backend->read([](Store &s) { return s.getAgent(QStringLiteral("db-1")); }));
        QVERIFY(gone.error().code == ErrorCode::NotFound);
        QVERIFY(TestBackend::await(t.backend->deleteAgent(QStringLiteral("db-1"))).error().code == ErrorCode::NotFound);
    }

    void demoFleetHeartbeatsOverHttp()
    {
        TestBackend t([](BackendOptions &o) { o.demoAgents = 20; });
        QVERIFY(t.start());
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                Result<std::vector<Agent>> agents = TestBackend::await(t.backend->read([](Store &s) { return s.allAgents(); }));
                if (!agents)
                    return false;
                int seen = 0;
                QSet<QString> tenants;
                for (const Agent &agent : *agents) {
                    if (agent.lastSeenAt.isValid())
                        ++seen;
                    tenants.insert(agent.tenantId);
                }
                return agents->size() >= 20 && seen >= 15 && tenants.contains(QStringLiteral("globex"));
            }(),
            15000);
    }
};

QTEST_MAIN(TestBackendFacade)
#include "tst_backend.moc"
