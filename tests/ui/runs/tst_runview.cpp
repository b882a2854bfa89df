// SPDX-License-Identifier: GPL-3.0-or-later
// RunView's buttons drive the real engine on SQLite: Retry a failed run, Cancel a waiting
// one, Replay into a new run that the runs list shows. Also grabs the views for a look.

#include "runs/runview.h"

#include "common/navigator.h"
#include "runs/jsonview.h"
#include "runs/messagebar.h"
#include "runs/runsmodel.h"
#include "runs/runsview.h"
#include "runs/timelineview.h"
#include "settings/settings.h"
#include "support/testbackend.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QDir>
#include <QMessageBox>
#include <QPushButton>
#include <QTableView>

#include <atomic>

using namespace vigil;
using namespace vigil::ui;

namespace {

std::atomic<bool> g_fail { true };

QCoro::Task<ActionResult> flaky(StepContext)
{
    if (g_fail)
        co_return ActionResult::failure(QStringLiteral("flaky: service unavailable"));
    co_return ActionResult::ok(Json { { "ok", true } });
}

} // namespace

class TestRunView final : public QObject
{
    Q_OBJECT
private:
    std::unique_ptr<TestBackend> m_t;

    QString createWorkflow(const QString &name, const QString &type, const char *steps)
    {
        Json json = Json::object();
        json["tenantId"] = "default";
        json["name"] = name.toStdString();
        json["triggerType"] = type.toStdString();
        json["steps"] = Json::parse(steps);
        const Result<WorkflowDefinition> parsed = fromJson<WorkflowDefinition>(json);
        if (!parsed)
            return {};
        const Result<WorkflowDefinition> created = TestBackend::await(
            m_t->backend->engine([definition = parsed.value()](Engine &e) { return e.createWorkflow(definition); }));
        if (!created)
            qWarning("createWorkflow: %s", qPrintable(created.error().message));
        return created ? created->id : QString();
    }

    QString emitOne(const QString &type)
    {
        TriggerInput input;
        input.tenantId = QStringLiteral("default");
        input.source = QStringLiteral("test");
        input.type = type;
        input.resourceType = QStringLiteral("service");
        input.resourceId = QStringLiteral("api");
        const Result<EmitResult> emitted
            = TestBackend::await(m_t->backend->engine([input](Engine &e) { return e.emitSignal(input); }));
        return emitted && !emitted->runIds.empty() ? emitted->runIds.front() : QString();
    }

    RunStatus storedStatus(const QString &runId)
    {
        const Result<WorkflowRun> run
            = TestBackend::await(m_t->backend->read([runId](Store &s) { return s.getRunHead(runId); }));
        return run ? run->status : RunStatus::Pending;
    }

    static void grab(QWidget &widget, const QString &name)
    {
        widget.resize(1280, 800);
        widget.show();
        QTest::qWait(50);
        const QString dir = QDir::temp().filePath(QStringLiteral("vigil-shots"));
        QDir().mkpath(dir);
        widget.grab().save(QDir(dir).filePath(name));
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_t = std::make_unique<TestBackend>([](BackendOptions &options) { options.engine.seedDefaults = false; });
        QVERIFY2(m_t->start(), "backend did not start");
        // Registered on the engine thread, after start: the registry is the engine's own.
        const Status registered = TestBackend::await(m_t->backend->engine([](Engine &e) {
            ActionOptions options;
            options.replaySafe = true;
            return e.registerAction(QStringLiteral("flaky"), flaky, options);
        }));
        QVERIFY(registered.ok());
    }

    void cleanupTestCase() { m_t.reset(); }

    void retryFailedRun()
    {
        g_fail = true;
        QVERIFY(!createWorkflow(QStringLiteral("flaky service"), QStringLiteral("test.flaky"),
                                "[{\"type\":\"action\",\"name\":\"call\",\"handler\":\"flaky\"}]")
                     .isEmpty());
        const QString runId = emitOne(QStringLiteral("test.flaky"));
        QVERIFY(!runId.isEmpty());
        Navigator navigator;
        RunView view(*m_t->backend, navigator, runId);
        QTRY_COMPARE_WITH_TIMEOUT(toString(view.run().status), toString(RunStatus::Failed), 10000);
        QCOMPARE(toString(storedStatus(runId)), toString(RunStatus::Failed));
        QVERIFY(view.retryAction()->isEnabled());
        QVERIFY(!view.cancelAction()->isEnabled());
        QVERIFY(view.replayAction()->isEnabled());
        const auto &bars = view.timeline()->timeline().bars;
        QVERIFY(std::any_of(bars.begin(), bars.end(), [](const TimelineBar &b) {
            return b.kind == TimelineBar::Kind::Attempt && b.status == AttemptStatus::Failed
                   && b.tooltip.contains(QStringLiteral("service unavailable"));
        }));
        // Selecting the step shows its error.
        view.showStep(bars.front().stepRunId);
        QVERIFY2(view.stepDetail()->text().contains(QStringLiteral("service unavailable")),
                 qPrintable(view.stepDetail()->text()));

        g_fail = false;
        view.retryAction()->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(toString(view.run().status), toString(RunStatus::Completed), 10000);
        QCOMPARE(toString(storedStatus(runId)), toString(RunStatus::Completed));
        QVERIFY(!view.retryAction()->isEnabled());
        // Two attempts now: the failed one and the retry.
        int attempts = 0;
        for (const TimelineBar &bar : view.timeline()->timeline().bars)
            attempts += bar.kind == TimelineBar::Kind::Attempt ? 1 : 0;
        QCOMPARE(attempts, 2);
    }

    void retryOfCompletedRunIsRefusedVisibly()
    {
        const QString runId = emitOne(QStringLiteral("test.flaky"));
        Navigator navigator;
        RunView view(*m_t->backend, navigator, runId);
        QTRY_COMPARE_WITH_TIMEOUT(toString(view.run().status), toString(RunStatus::Completed), 10000);
        QVERIFY(!view.retryAction()->isEnabled());
        view.retry(); // the engine refuses: the message bar says why
        QTRY_VERIFY(view.messageBar()->isVisible() || !view.messageBar()->text().isEmpty());
        QVERIFY2(view.messageBar()->text().contains(runId), qPrintable(view.messageBar()->text()));
    }

    void cancelWaitingRun()
    {
        QVERIFY(!createWorkflow(QStringLiteral("slow"), QStringLiteral("test.slow"),
                                "[{\"type\":\"delay\",\"name\":\"pause\",\"delayMs\":600000},"
                                "{\"type\":\"action\",\"name\":\"log\",\"config\":{\"message\":\"late\"}}]")
                     .isEmpty());
        const QString runId = emitOne(QStringLiteral("test.slow"));
        QVERIFY(!runId.isEmpty());
        Navigator navigator;
        RunView view(*m_t->backend, navigator, runId);
        QTRY_VERIFY(view.isLoaded());
        QTRY_VERIFY(view.cancelAction()->isEnabled());
        QVERIFY(!isTerminal(view.run().status));
        QVERIFY(!view.retryAction()->isEnabled());
        // The delay shows as an open waiting bar.
        QTRY_VERIFY(std::any_of(view.timeline()->timeline().bars.begin(), view.timeline()->timeline().bars.end(),
                                [](const TimelineBar &b) { return b.kind == TimelineBar::Kind::Waiting && b.open; }));
        view.cancelAction()->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(toString(view.run().status), toString(RunStatus::Canceled), 10000);
        QCOMPARE(toString(storedStatus(runId)), toString(RunStatus::Canceled));
        QVERIFY(!view.cancelAction()->isEnabled());
    }

    void replayAppearsInRunsList()
    {
        const QString runId = emitOne(QStringLiteral("test.flaky"));
        Navigator navigator;
        QSignalSpy opened(&navigator, &Navigator::openRun);
        RunsModel model(*m_t->backend);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        RunView view(*m_t->backend, navigator, runId);
        QTRY_COMPARE_WITH_TIMEOUT(toString(view.run().status), toString(RunStatus::Completed), 10000);
        QTRY_VERIFY(model.rowOf(runId) >= 0);

        view.replayAction()->trigger();
        QMessageBox *box = nullptr;
        QTRY_VERIFY((box = view.findChild<QMessageBox *>(QStringLiteral("openNewRun"))) != nullptr);
        // The new run, marked replay, is on top of the runs list.
        QTRY_VERIFY(model.rowCount() > 0 && model.run(0).isReplay);
        const QString replayId = model.run(0).id;
        QVERIFY(replayId != runId);
        QCOMPARE(model.run(0).triggerId, view.run().triggerId);
        box->button(QMessageBox::Open)->click();
        QTRY_COMPARE(opened.size(), 1);
        QCOMPARE(opened.first().first().toString(), replayId);
    }

    void timelineGetsRoomForItsLanes()
    {
        // A lane per step: twelve steps want ~340 px, more than the split gives by default.
        QString steps;
        for (int i = 1; i <= 12; ++i)
            steps += QStringLiteral("%1{\"type\":\"action\",\"name\":\"step%2\",\"handler\":\"log\",\"config\":{\"message\":\"%2\"}}")
                         .arg(i == 1 ? QString() : QStringLiteral(","))
                         .arg(i);
        QVERIFY(!createWorkflow(QStringLiteral("twelve steps"), QStringLiteral("test.twelve"),
                                (QLatin1Char('[') + steps + QLatin1Char(']')).toUtf8().constData())
                     .isEmpty());
        const QString runId = emitOne(QStringLiteral("test.twelve"));
        QVERIFY(!runId.isEmpty());
        Navigator navigator;
        RunView view(*m_t->backend, navigator, runId);
        view.resize(1280, 800);
        view.show();
        QTRY_COMPARE_WITH_TIMEOUT(toString(view.run().status), toString(RunStatus::Completed), 10000);
        QTRY_COMPARE(view.timeline()->timeline().lanes.size(), size_t(12));
        QTRY_VERIFY2(view.timeline()->height() >= view.timeline()->lanesHeight(),
                     qPrintable(QStringLiteral("%1 < %2").arg(view.timeline()->height()).arg(view.timeline()->lanesHeight())));
    }

    void screenshots()
    {
        QVERIFY(!createWorkflow(QStringLiteral("multi-channel alert"), QStringLiteral("test.fan"),
                                "[{\"type\":\"action\",\"name\":\"prepare\",\"handler\":\"log\",\"config\":{\"message\":\"go\"}},"
                                "{\"type\":\"parallel\",\"name\":\"fanout\",\"branches\":["
                                "[{\"type\":\"action\",\"name\":\"email\",\"handler\":\"log\",\"config\":{\"message\":\"mail\"}}],"
                                "[{\"type\":\"delay\",\"name\":\"hold\",\"delayMs\":400},"
                                "{\"type\":\"action\",\"name\":\"sms\",\"handler\":\"log\",\"config\":{\"message\":\"sms\"}}]]},"
                                "{\"type\":\"action\",\"name\":\"done\",\"handler\":\"log\",\"config\":{\"message\":\"end\"}}]")
                     .isEmpty());
        const QString runId = emitOne(QStringLiteral("test.fan"));
        QVERIFY(!runId.isEmpty());
        Navigator navigator;
        RunView view(*m_t->backend, navigator, runId);
        QTRY_COMPARE_WITH_TIMEOUT(toString(view.run().status), toString(RunStatus::Completed), 10000);
        // prepare, fanout, email (branch 1), hold and sms (branch 2), done.
        QTRY_COMPARE(view.timeline()->timeline().lanes.size(), size_t(6));
        grab(view, QStringLiteral("runview.png"));

        Settings settings(m_t->dir.filePath(QStringLiteral("settings.ini")));
        RunsView runs(*m_t->backend, settings, navigator);
        QTRY_VERIFY(runs.model()->rowCount() > 3);
        runs.table()->selectRow(1);
        grab(runs, QStringLiteral("runsview.png"));
    }
};

QTEST_MAIN(TestRunView)
#include "tst_runview.moc"
