// SPDX-License-Identifier: GPL-3.0-or-later
// The timeline's layout on recorded runs: bars per attempt, waiting bars, a lane per step
// with branch steps under their parallel step.

#include "runs/timelinelayout.h"

#include <QTest>

#include <ctime>

using namespace vigil;
using namespace vigil::ui;

namespace {

const QDateTime T0 = QDateTime::fromMSecsSinceEpoch(1'800'000'000'000, Qt::UTC);
QDateTime at(qint64 ms) { return T0.addMSecs(ms); }

qint64 threadCpuMs()
{
    timespec now {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return qint64(now.tv_sec) * 1000 + now.tv_nsec / 1'000'000;
}

WorkflowStepRun step(const QString &id, const QString &name, StepType type, StepStatus status, qint64 created,
                     std::optional<QString> parent = {}, std::optional<int> branch = {})
{
    WorkflowStepRun s;
    s.id = id;
    s.runId = QStringLiteral("run_1");
    s.stepName = name;
    s.stepType = type;
    s.status = status;
    s.createdAt = at(created);
    s.parentStepRunId = parent;
    s.branchIndex = branch;
    return s;
}

StepAttempt attempt(const QString &stepId, int n, qint64 start, std::optional<qint64> end, AttemptStatus status,
                    std::optional<QString> error = {})
{
    StepAttempt a;
    a.stepRunId = stepId;
    a.runId = QStringLiteral("run_1");
    a.attempt = n;
    a.startedAt = at(start);
    if (end)
        a.endedAt = at(*end);
    a.status = status;
    a.error = error;
    return a;
}

QString describe(const TimelineBar &bar)
{
    const char *kind = bar.kind == TimelineBar::Kind::Attempt ? "attempt"
                       : bar.kind == TimelineBar::Kind::Waiting ? "waiting"
                                                                 : "skipped";
    return QStringLiteral("%1 %2 %3 %4-%5 %6%7")
        .arg(bar.lane)
        .arg(QLatin1String(kind), bar.label)
        .arg(bar.startMs)
        .arg(bar.endMs)
        .arg(bar.kind == TimelineBar::Kind::Attempt ? toString(bar.status) : QStringLiteral("-"),
             bar.open ? QStringLiteral(" open") : QString());
}

} // namespace

class TestTimelineLayout final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void layout_data()
    {
        QTest::addColumn<bool>("finished");
        QTest::addColumn<qint64>("nowMs");
        QTest::addColumn<QStringList>("lanes");
        QTest::addColumn<QStringList>("bars");

        const QStringList running { QStringLiteral("check"), QStringLiteral("fanout"), QStringLiteral("email · branch 1"),
                                    QStringLiteral("sms · branch 2") };
        // check; a parallel step with a retried branch (email) and a plain one (sms); a
        // delay; a skipped step. Each step has its lane; the branch steps sit under fanout.
        QTest::newRow("finished") << true << qint64(9000)
                                  << (QStringList(running) << QStringLiteral("wait") << QStringLiteral("notify"))
                                  << QStringList {
                                         QStringLiteral("0 attempt check 10-200 completed"),
                                         QStringLiteral("1 attempt fanout 210-2000 completed"),
                                         QStringLiteral("2 attempt email 220-400 failed"),
                                         QStringLiteral("2 waiting waiting 400-1400 -"),
                                         QStringLiteral("2 attempt email #2 1400-1500 completed"),
                                         QStringLiteral("3 attempt sms 230-900 completed"),
                                         QStringLiteral("4 waiting waiting 2000-5000 -"),
                                         QStringLiteral("4 attempt wait 5000-5001 completed"),
                                         QStringLiteral("5 skipped notify 5001-5001 -"),
                                     };
        // The same run seen at +600 ms: the parallel step and sms still run, email waits
        // for its retry, planned at +1400.
        QTest::newRow("running") << false << qint64(600) << running
                                 << QStringList {
                                        QStringLiteral("0 attempt check 10-200 completed"),
                                        QStringLiteral("1 attempt fanout 210-600 running open"),
                                        QStringLiteral("2 attempt email 220-400 failed"),
                                        QStringLiteral("2 waiting waiting 400-1400 - open"),
                                        QStringLiteral("3 attempt sms 230-600 running open"),
                                    };
    }

    void layout()
    {
        QFETCH(bool, finished);
        QFETCH(qint64, nowMs);
        QFETCH(QStringList, lanes);
        QFETCH(QStringList, bars);

        WorkflowRun run;
        run.id = QStringLiteral("run_1");
        run.createdAt = T0;
        run.status = finished ? RunStatus::Completed : RunStatus::Running;

        std::vector<WorkflowStepRun> steps;
        std::vector<StepAttempt> attempts;
        steps.push_back(step(QStringLiteral("s1"), QStringLiteral("check"), StepType::Action, StepStatus::Completed, 0));
        attempts.push_back(attempt(QStringLiteral("s1"), 1, 10, 200, AttemptStatus::Completed));
        WorkflowStepRun fanout = step(QStringLiteral("s2"), QStringLiteral("fanout"), StepType::Parallel,
                                      finished ? StepStatus::Completed : StepStatus::Running, 200);
        if (finished)
            fanout.completedAt = at(2000);
        steps.push_back(fanout);
        // Parked: its attempt ends at once when recorded (finished) or stays open (running).
        attempts.push_back(attempt(QStringLiteral("s2"), 1, 210, finished ? std::optional<qint64>(211) : std::nullopt,
                                   finished ? AttemptStatus::Completed : AttemptStatus::Running));
        WorkflowStepRun email = step(QStringLiteral("b0"), QStringLiteral("email"), StepType::Action,
                                     finished ? StepStatus::Completed : StepStatus::Scheduled, 210,
                                     QStringLiteral("s2"), 0);
        email.scheduledFor = at(1400);
        steps.push_back(email);
        attempts.push_back(attempt(QStringLiteral("b0"), 1, 220, 400, AttemptStatus::Failed, QStringLiteral("smtp down")));
        if (finished)
            attempts.push_back(attempt(QStringLiteral("b0"), 2, 1400, 1500, AttemptStatus::Completed));
        steps.push_back(step(QStringLiteral("b1"), QStringLiteral("sms"), StepType::Action,
                             finished ? StepStatus::Completed : StepStatus::Running, 210, QStringLiteral("s2"), 1));
        attempts.push_back(attempt(QStringLiteral("b1"), 1, 230, finished ? std::optional<qint64>(900) : std::nullopt,
                                   finished ? AttemptStatus::Completed : AttemptStatus::Running));
        if (finished) {
            steps.push_back(step(QStringLiteral("s3"), QStringLiteral("wait"), StepType::Delay, StepStatus::Completed, 2000));
            attempts.push_back(attempt(QStringLiteral("s3"), 1, 5000, 5001, AttemptStatus::Completed));
            WorkflowStepRun skipped = step(QStringLiteral("s4"), QStringLiteral("notify"), StepType::Action,
                                           StepStatus::Skipped, 5001);
            skipped.completedAt = at(5001);
            steps.push_back(skipped);
        }

        const TimelineLayout layout = layoutTimeline(run, steps, attempts, at(nowMs));
        QStringList laneLabels;
        for (const TimelineLane &lane : layout.lanes)
            laneLabels << lane.label;
        QCOMPARE(laneLabels, lanes);
        QCOMPARE(layout.lanes[1].depth, 0);
        QCOMPARE(layout.lanes[2].depth, 1);
        QCOMPARE(layout.lanes[3].depth, 1);
        QStringList got;
        for (const TimelineBar &bar : layout.bars)
            got << describe(bar);
        QCOMPARE(got, bars);
        QCOMPARE(layout.originMs, T0.toMSecsSinceEpoch());
        // Tooltips carry the attempt and the error.
        const auto failed = std::find_if(layout.bars.begin(), layout.bars.end(),
                                         [](const TimelineBar &b) { return b.status == AttemptStatus::Failed; });
        QVERIFY(failed != layout.bars.end());
        QVERIFY2(failed->tooltip.contains(QStringLiteral("smtp down")), qPrintable(failed->tooltip));
        QVERIFY2(failed->tooltip.contains(QStringLiteral("Attempt 1")), qPrintable(failed->tooltip));
    }

    void nestedBranchesListUnderTheirStep()
    {
        // outer runs inner (branch 1) and late (branch 2); inner runs deep (its branch 2).
        // late was created before deep, yet deep is listed under inner, and late after both.
        WorkflowRun run;
        run.id = QStringLiteral("run_1");
        run.createdAt = T0;
        run.status = RunStatus::Completed;
        std::vector<WorkflowStepRun> steps {
            step(QStringLiteral("o"), QStringLiteral("outer"), StepType::Parallel, StepStatus::Completed, 0),
            step(QStringLiteral("i"), QStringLiteral("inner"), StepType::Parallel, StepStatus::Completed, 1,
                 QStringLiteral("o"), 0),
            step(QStringLiteral("l"), QStringLiteral("late"), StepType::Action, StepStatus::Completed, 1,
                 QStringLiteral("o"), 1),
            step(QStringLiteral("d"), QStringLiteral("deep"), StepType::Action, StepStatus::Completed, 2,
                 QStringLiteral("i"), 1),
            step(QStringLiteral("z"), QStringLiteral("after"), StepType::Action, StepStatus::Completed, 9),
        };
        const TimelineLayout layout = layoutTimeline(run, steps, {}, at(10));
        QStringList lanes;
        for (const TimelineLane &lane : layout.lanes)
            lanes << QStringLiteral("%1/%2").arg(lane.label).arg(lane.depth);
        QCOMPARE(lanes, (QStringList { QStringLiteral("outer/0"), QStringLiteral("inner · branch 1/1"),
                                       QStringLiteral("deep · branch 2/2"), QStringLiteral("late · branch 2/1"),
                                       QStringLiteral("after/0") }));
    }

    // The goal: a 500-step run lays out in under 100 ms.
    void fiveHundredSteps()
    {
        WorkflowRun run;
        run.id = QStringLiteral("run_big");
        run.createdAt = T0;
        run.status = RunStatus::Completed;
        std::vector<WorkflowStepRun> steps;
        std::vector<StepAttempt> attempts;
        const QString parallel = QStringLiteral("p");
        steps.push_back(step(parallel, QStringLiteral("fanout"), StepType::Parallel, StepStatus::Completed, 0));
        steps.back().completedAt = at(500 * 100);
        for (int i = 1; i < 500; ++i) {
            const QString id = QStringLiteral("s%1").arg(i);
            // Every third step sits in one of four branches; every fifth was retried.
            const bool inBranch = i % 3 == 0;
            steps.push_back(step(id, QStringLiteral("step %1").arg(i), StepType::Action, StepStatus::Completed, i * 100,
                                 inBranch ? std::optional(parallel) : std::nullopt,
                                 inBranch ? std::optional(i % 4) : std::nullopt));
            if (i % 5 == 0) {
                attempts.push_back(attempt(id, 1, i * 100 + 1, i * 100 + 20, AttemptStatus::Failed, QStringLiteral("boom")));
                attempts.push_back(attempt(id, 2, i * 100 + 50, i * 100 + 90, AttemptStatus::Completed));
            } else {
                attempts.push_back(attempt(id, 1, i * 100 + 1, i * 100 + 90, AttemptStatus::Completed));
            }
        }
        // This thread's CPU time, not the wall clock: the suite runs tests side by side on two
        // cores, and time spent preempted is not the layout's (bench_dashboard prints wall time).
        const qint64 before = threadCpuMs();
        const TimelineLayout layout = layoutTimeline(run, steps, attempts, at(60'000));
        const qint64 elapsed = threadCpuMs() - before;
        qInfo("layout of a 500-step run (%zu bars, %zu lanes): %lld ms of CPU", layout.bars.size(), layout.lanes.size(),
              elapsed);
        QCOMPARE(layout.lanes.size(), size_t(500)); // a lane per step
        QCOMPARE(layout.bars.size(), size_t(499 + 99)); // an attempt per step, a second one for every fifth
        QVERIFY2(elapsed < 100, qPrintable(QStringLiteral("%1 ms").arg(elapsed)));
    }
};

QTEST_GUILESS_MAIN(TestTimelineLayout)
#include "tst_timelinelayout.moc"
