// SPDX-License-Identifier: GPL-3.0-or-later
// The signals log on a real backend: newest first, live inserts, type filter, payload,
// replay and "show runs".

#include "signals/signalsview.h"

#include "common/navigator.h"
#include "runs/jsonview.h"
#include "signals/signalsmodel.h"
#include "support/testbackend.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QDir>
#include <QTableView>

using namespace vigil;
using namespace vigil::ui;

class TestSignalsView final : public QObject
{
    Q_OBJECT
private:
    std::unique_ptr<TestBackend> m_t;

    QString emitOne(const QString &type, int n)
    {
        TriggerInput input;
        input.tenantId = QStringLiteral("default");
        input.source = QStringLiteral("test");
        input.type = type;
        input.resourceType = QStringLiteral("service");
        input.resourceId = QStringLiteral("api-%1").arg(n);
        input.payload = Json { { "n", n }, { "note", "payload of signal" } };
        const Result<EmitResult> emitted
            = TestBackend::await(m_t->backend->engine([input](Engine &e) { return e.emitSignal(input); }));
        return emitted ? emitted->trigger.id : QString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_t = std::make_unique<TestBackend>([](BackendOptions &options) { options.engine.seedDefaults = false; });
        QVERIFY2(m_t->start(), "backend did not start");
        Json json = Json::object();
        json["tenantId"] = "default";
        json["name"] = "echo";
        json["triggerType"] = "test.a";
        json["steps"] = Json::parse("[{\"type\":\"action\",\"name\":\"log\",\"config\":{\"message\":\"hi\"}}]");
        const Result<WorkflowDefinition> created = TestBackend::await(m_t->backend->engine(
            [definition = fromJson<WorkflowDefinition>(json).value()](Engine &e) { return e.createWorkflow(definition); }));
        QVERIFY(created.ok());
        for (int i = 0; i < 5; ++i)
            QVERIFY(!emitOne(i % 2 ? QStringLiteral("test.b") : QStringLiteral("test.a"), i).isEmpty());
    }

    void cleanupTestCase() { m_t.reset(); }

    void listsFiltersAndInsertsLive()
    {
        Navigator navigator;
        SignalsView view(*m_t->backend, navigator);
        SignalsModel *model = view.model();
        QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QTRY_COMPARE(model->rowCount(), 5);
        QCOMPARE(model->data(model->index(0, SignalsModel::ResourceColumn)).toString(), QStringLiteral("service/api-4"));
        QVERIFY(!model->hasMore());

        const QString live = emitOne(QStringLiteral("test.a"), 5);
        QTRY_COMPARE(model->rowCount(), 6);
        QCOMPARE(model->signal(0).id, live);

        SignalFilter filter;
        filter.type = QStringLiteral("test.b");
        model->setFilter(filter);
        QTRY_COMPARE(model->rowCount(), 2);
        emitOne(QStringLiteral("test.a"), 6); // does not fit: stays out
        const QString b = emitOne(QStringLiteral("test.b"), 7);
        QTRY_COMPARE(model->rowCount(), 3);
        QCOMPARE(model->signal(0).id, b);
        QCOMPARE(model->signal(1).type, QStringLiteral("test.b"));
    }

    void payloadReplayAndShowRuns()
    {
        Navigator navigator;
        QSignalSpy showRuns(&navigator, &Navigator::showRuns);
        SignalsView view(*m_t->backend, navigator);
        QTRY_VERIFY(view.model()->rowCount() >= 6);
        QVERIFY(!view.replayAction()->isEnabled());
        int row = -1;
        for (int i = 0; i < view.model()->rowCount() && row < 0; ++i)
            row = view.model()->signal(i).type == QStringLiteral("test.a") ? i : -1;
        QVERIFY(row >= 0);
        view.table()->selectRow(row);
        QVERIFY(view.replayAction()->isEnabled());
        QVERIFY2(view.payload()->text().contains(QStringLiteral("payload of signal")), qPrintable(view.payload()->text()));
        QVERIFY(view.payload()->text().contains(QStringLiteral("\n  \"")));

        const QString id = view.model()->signal(row).id;
        QSignalSpy runs(m_t->backend.get(), &vigil::ui::Backend::runsChanged);
        view.replayAction()->trigger();
        QTRY_VERIFY(view.findChild<QWidget *>()); // keeps the loop turning
        QTRY_VERIFY(!runs.isEmpty());
        bool sawReplay = false;
        for (const auto &frame : runs) {
            for (const WorkflowRun &run : frame.first().value<QList<WorkflowRun>>())
                sawReplay = sawReplay || (run.isReplay && run.triggerId == id);
        }
        QVERIFY(sawReplay);

        view.showRunsAction()->trigger();
        QCOMPARE(showRuns.size(), 1);
        QCOMPARE(showRuns.first().at(2).toString(), id);

        view.resize(1280, 800);
        view.show();
        QDir().mkpath(QDir::temp().filePath(QStringLiteral("vigil-shots")));
        view.grab().save(QDir::temp().filePath(QStringLiteral("vigil-shots/signalsview.png")));
    }
};

QTEST_MAIN(TestSignalsView)
#include "tst_signalsview.moc"
