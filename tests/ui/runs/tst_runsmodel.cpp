// SPDX-License-Identifier: GPL-3.0-or-later
// RunsModel on a real backend: pages of 200, filters (also the time range), frame updates.

#include "runs/runsmodel.h"

#include "core/ids.h"
#include "support/testbackend.h"

#include <QAbstractItemModelTester>

using namespace vigil;
using namespace vigil::ui;

class TestRunsModel final : public QObject
{
    Q_OBJECT
private:
    static constexpr int kRuns = 450;
    std::unique_ptr<TestBackend> m_t;
    WorkflowDefinition m_definition;
    QDateTime m_t0;

private Q_SLOTS:
    void initTestCase()
    {
        m_t = std::make_unique<TestBackend>([](BackendOptions &options) { options.engine.seedDefaults = false; });
        QVERIFY2(m_t->start(), "backend did not start");
        Json json = Json::object();
        json["tenantId"] = "default";
        json["name"] = "nightly backup check";
        json["triggerType"] = "test.ping";
        json["steps"] = Json::parse("[{\"type\":\"action\",\"name\":\"log\",\"config\":{\"message\":\"hi\"}}]");
        const Result<WorkflowDefinition> parsed = fromJson<WorkflowDefinition>(json);
        QVERIFY(parsed.ok());
        const Result<WorkflowDefinition> created = TestBackend::await(
            m_t->backend->engine([definition = parsed.value()](Engine &e) { return e.createWorkflow(definition); }));
        QVERIFY2(created.ok(), created.ok() ? "" : qPrintable(created.error().message));
        m_definition = created.value();

        // 450 finished runs, one millisecond apart, every other one failed.
        m_t0 = QDateTime::currentDateTimeUtc().addSecs(-3600 * 5);
        std::vector<NewRun> runs;
        for (int i = 0; i < kRuns; ++i) {
            WorkflowRun run;
            run.id = newId(IdPrefix::Run, m_t0.addMSecs(i));
            run.definitionId = m_definition.id;
            run.tenantId = QStringLiteral("default");
            run.triggerId = QStringLiteral("trg_%1").arg(i);
            run.status = i % 2 ? RunStatus::Failed : RunStatus::Completed;
            run.definitionSnapshot = m_definition;
            run.createdAt = m_t0.addMSecs(i);
            run.updatedAt = run.createdAt;
            run.startedAt = run.createdAt;
            (i % 2 ? run.failedAt : run.completedAt) = run.createdAt.addMSecs(1500);
            runs.push_back(NewRun { run, {} });
        }
        const Status stored = TestBackend::await(m_t->backend->read([runs](Store &s) { return s.createRuns(runs); }));
        QVERIFY2(stored.ok(), stored.ok() ? "" : qPrintable(stored.error().message));
    }

    void cleanupTestCase() { m_t.reset(); }

    // Without the tester: it calls fetchMore itself, which would load every page.
    void pagesOnDemand()
    {
        RunsModel model(*m_t->backend);
        QTRY_COMPARE(model.rowCount(), RunsModel::kPageSize);
        QVERIFY(model.hasMore());
        QVERIFY(model.canFetchMore({}));
        // Newest first, with the workflow's name from the cache.
        QCOMPARE(model.run(0).triggerId, QStringLiteral("trg_%1").arg(kRuns - 1));
        QCOMPARE(model.data(model.index(0, RunsModel::WorkflowColumn)).toString(), QStringLiteral("nightly backup check"));
        QCOMPARE(model.data(model.index(0, RunsModel::StatusColumn), RunsModel::StatusRole).toInt(), int(RunStatus::Failed));
        QCOMPARE(model.data(model.index(0, RunsModel::DurationColumn)).toString(), QStringLiteral("1.5 s"));
        for (int i = 1; i < model.rowCount(); ++i)
            QVERIFY(model.run(i - 1).id > model.run(i).id);
        model.fetchMore({});
        QTRY_COMPARE(model.rowCount(), 2 * RunsModel::kPageSize);
        model.fetchMore({});
        QTRY_COMPARE(model.rowCount(), kRuns);
        QTRY_VERIFY(!model.hasMore());
        QVERIFY(!model.canFetchMore({}));
    }

    // Under the tester, which fetches every page as it checks the model.
    void filtersUnderTester()
    {
        RunsModel model(*m_t->backend);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QTRY_COMPARE(model.rowCount(), kRuns);
        RunFilter failed;
        failed.status = RunStatus::Failed;
        model.setFilter(failed);
        QTRY_COMPARE(model.rowCount(), kRuns / 2);
        QTRY_VERIFY(!model.hasMore());
        for (int i = 0; i < model.rowCount(); ++i)
            QCOMPARE(toString(model.run(i).status), toString(RunStatus::Failed));

        RunFilter recent;
        recent.createdAfter = m_t0.addMSecs(400);
        model.setFilter(recent);
        QTRY_COMPARE(model.rowCount(), kRuns - 400);
        QVERIFY(!model.hasMore());

        RunFilter other;
        other.tenantId = QStringLiteral("nobody");
        model.setFilter(other);
        QTRY_VERIFY(!model.isLoading());
        QCOMPARE(model.rowCount(), 0);
    }

    // Without the tester, so that only the first page is loaded.
    void framesUpdateInPlaceAndInsert()
    {
        RunsModel model(*m_t->backend);
        RunFilter failed;
        failed.status = RunStatus::Failed;
        model.setFilter(failed);
        QTRY_COMPARE(model.rowCount(), RunsModel::kPageSize);

        // A held run changes: updated in place, even though it left the filter.
        WorkflowRun changed = model.run(3);
        changed.status = RunStatus::Running;
        QSignalSpy dataChanged(&model, &QAbstractItemModel::dataChanged);
        model.applyRuns({ changed });
        QCOMPARE(dataChanged.size(), 1);
        QCOMPARE(toString(model.run(3).status), toString(RunStatus::Running));
        QCOMPARE(model.rowCount(), RunsModel::kPageSize);

        // A new failed run goes on top; a new completed one does not fit the filter; an old
        // one beyond the loaded page waits for its page.
        WorkflowRun fresh = model.run(0);
        fresh.id = newId(IdPrefix::Run);
        fresh.status = RunStatus::Failed;
        WorkflowRun completed = fresh;
        completed.id = newId(IdPrefix::Run);
        completed.status = RunStatus::Completed;
        WorkflowRun old = fresh;
        old.id = newId(IdPrefix::Run, m_t0.addSecs(-60));
        model.applyRuns({ completed, fresh, old });
        QCOMPARE(model.rowCount(), RunsModel::kPageSize + 1);
        QCOMPARE(model.run(0).id, fresh.id);
        QCOMPARE(model.rowOf(fresh.id), 0);
        QCOMPARE(model.rowOf(old.id), -1);
    }

    void realFrameInsertsNewRun()
    {
        RunsModel model(*m_t->backend);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QTRY_COMPARE(model.rowCount(), kRuns);
        TriggerInput input;
        input.tenantId = QStringLiteral("default");
        input.source = QStringLiteral("test");
        input.type = QStringLiteral("test.ping");
        const Result<EmitResult> emitted
            = TestBackend::await(m_t->backend->engine([input](Engine &e) { return e.emitSignal(input); }));
        QVERIFY(emitted.ok());
        QCOMPARE(emitted->runIds.size(), size_t(1));
        QTRY_COMPARE(model.rowOf(emitted->runIds.front()), 0);
        QTRY_COMPARE(toString(model.run(0).status), toString(RunStatus::Completed));
    }
};

QTEST_MAIN(TestRunsModel)
#include "tst_runsmodel.moc"
