// SPDX-License-Identifier: GPL-3.0-or-later
// EngineHost: the engine on its own thread, reached from another thread by queued calls
// that answer futures, and publishing value types through queued signals.

#include "workflow/enginehost.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace vigil;

class TestEngineHost : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void callsRunOnTheEngineThread()
    {
        QTemporaryDir dir;
        EngineHost::Config config;
        config.store.url = QStringLiteral("sqlite://") + dir.filePath(QStringLiteral("host.db"));
        config.engine.seedDefaults = false;
        config.engine.builtins = false;
        config.engine.pollInterval = std::chrono::milliseconds(50);
        QThread *handlerThread = nullptr;
        config.setup = [&handlerThread](Engine &engine) {
            (void)engine.registerAction(QStringLiteral("where"), [&handlerThread](StepContext) -> QCoro::Task<ActionResult> {
                handlerThread = QThread::currentThread();
                co_return ActionResult::ok(Json { { "ok", true } });
            });
        };
        EngineHost host(config);
        QVERIFY(host.start().ok());
        QVERIFY(host.engine());
        QVERIFY(host.engine()->thread() != QThread::currentThread());

        QSignalSpy runs(host.engine(), &Engine::runChanged);
        QFuture<Result<WorkflowDefinition>> created = host.call([](Engine &engine) {
            WorkflowDefinition definition;
            definition.tenantId = QStringLiteral("t");
            definition.name = QStringLiteral("host");
            definition.triggerType = QStringLiteral("host.test");
            definition.steps = { WorkflowStep { StepType::Action, QStringLiteral("where") } };
            return engine.createWorkflow(definition);
        });
        created.waitForFinished();
        QVERIFY(created.result().ok());

        QFuture<Result<EmitResult>> emitted = host.call([](Engine &engine) {
            return engine.emitSignal({ QStringLiteral("t"), QStringLiteral("test"), QStringLiteral("host.test") });
        });
        emitted.waitForFinished(); // the engine runs in its own thread: no deadlock
        const Result<EmitResult> result = emitted.result();
        QVERIFY(result.ok());
        QCOMPARE(int(result->runIds.size()), 1);
        const QString runId = result->runIds.front();

        // Run state arrives in this thread as value types through queued signals.
        QTRY_VERIFY_WITH_TIMEOUT(std::any_of(runs.begin(), runs.end(),
                                             [&](const QList<QVariant> &args) {
                                                 const auto run = args.at(0).value<WorkflowRun>();
                                                 return run.id == runId && run.status == RunStatus::Completed;
                                             }),
                                 10000);
        QCOMPARE(handlerThread, host.engine()->thread());
        QFuture<Result<WorkflowRun>> fetched = host.call([runId](Engine &engine) { return engine.getRun(runId); });
        fetched.waitForFinished();
        const Result<WorkflowRun> run = fetched.result();
        QVERIFY(run.ok());
        QCOMPARE(run->context["where"]["ok"], Json(true));
    }

    void badDatabaseFailsStart()
    {
        EngineHost::Config config;
        config.store.url = QStringLiteral("mysql://nowhere/db");
        EngineHost host(config);
        const Status started = host.start();
        QVERIFY(!started.ok());
        QCOMPARE(started.error().code, ErrorCode::Invalid);
        QVERIFY(!host.engine());
    }
};

QTEST_GUILESS_MAIN(TestEngineHost)
#include "tst_enginehost.moc"
