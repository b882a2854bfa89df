// SPDX-License-Identifier: GPL-3.0-or-later
// Crash test with real processes: an engine process is killed with SIGKILL once while a run
// waits in a delay and once while an action runs; a new process on the same database
// finishes every run, and in the final state every step is completed exactly once.

#include "store/store.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

using namespace vigil;

class TestEngineCrash : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_url;

    int countLines(const QString &file, const QString &prefix = QString()) const
    {
        QFile in(m_dir.filePath(file));
        if (!in.open(QIODevice::ReadOnly))
            return 0;
        int count = 0;
        for (const QByteArray &line : in.readAll().split('\n')) {
            if (!line.isEmpty() && QString::fromUtf8(line).startsWith(prefix))
                ++count;
        }
        return count;
    }

    std::unique_ptr<QProcess> startChild(const QStringList &args)
    {
        auto process = std::make_unique<QProcess>();
        process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
        process->start(QStringLiteral(ENGINE_CHILD_PATH), QStringList { QStringLiteral("--db"), m_url } + args);
        return process;
    }

    void kill(QProcess &process)
    {
        ::kill(pid_t(process.processId()), SIGKILL);
        QVERIFY(process.waitForFinished(5000));
        QCOMPARE(process.exitStatus(), QProcess::CrashExit);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_url = QStringLiteral("sqlite://") + m_dir.filePath(QStringLiteral("crash.db"));
    }

    void killedTwiceEveryStepCompletesOnce()
    {
        const int runs = 3;
        {
            std::unique_ptr<QProcess> seed = startChild({ QStringLiteral("seed"), QString::number(runs) });
            QVERIFY(seed->waitForFinished(20000));
            QCOMPARE(seed->exitCode(), 0);
        }
        Result<std::unique_ptr<Store>> store = openStore({ m_url });
        QVERIFY(store.ok());
        auto countRuns = [&](RunStatus status) {
            RunFilter filter;
            filter.status = status;
            return int(store.value()->listRuns(filter, PageRequest { 100, QString() })->items.size());
        };
        QCOMPARE(countRuns(RunStatus::Pending), runs);

        // 1. Killed while the runs wait in their delay.
        std::unique_ptr<QProcess> first = startChild({ QStringLiteral("run") });
        QTRY_COMPARE_WITH_TIMEOUT(countRuns(RunStatus::Waiting), runs, 15000);
        kill(*first);
        QCOMPARE(countLines(QStringLiteral("slow-started.txt")), 0);

        // 2. Killed while the slow action runs.
        std::unique_ptr<QProcess> second = startChild({ QStringLiteral("run") });
        QTRY_VERIFY_WITH_TIMEOUT(countLines(QStringLiteral("slow-started.txt")) >= 1, 15000);
        kill(*second);
        QCOMPARE(countLines(QStringLiteral("executions.txt"), QStringLiteral("work ")), 0);

        // 3. A new process finishes everything.
        std::unique_ptr<QProcess> third = startChild({ QStringLiteral("run") });
        QVERIFY(third->waitForFinished(60000));
        QCOMPARE(third->exitStatus(), QProcess::NormalExit);
        QCOMPARE(third->exitCode(), 0);

        QCOMPARE(countRuns(RunStatus::Completed), runs);
        RunFilter all;
        const std::vector<WorkflowRun> finished = store.value()->listRuns(all, PageRequest { 100, QString() })->items;
        QCOMPARE(int(finished.size()), runs);
        int lostAttempts = 0;
        for (const WorkflowRun &run : finished) {
            const std::vector<WorkflowStepRun> steps = store.value()->getRunSteps(run.id).value();
            // Exactly one row per step of the definition, each completed once.
            QCOMPARE(int(steps.size()), 4);
            QSet<int> indexes;
            for (const WorkflowStepRun &step : steps) {
                QCOMPARE(toString(step.status), QStringLiteral("completed"));
                QVERIFY2(!indexes.contains(step.stepIndex), qPrintable(step.stepName));
                indexes.insert(step.stepIndex);
            }
            for (const StepAttempt &attempt : store.value()->getRunAttempts(run.id).value()) {
                if (attempt.status == AttemptStatus::Lost)
                    ++lostAttempts;
            }
        }
        // The slow action ran to completion once per run (at-least-once: the killed attempt
        // never finished, so it left no completion).
        QCOMPARE(countLines(QStringLiteral("executions.txt"), QStringLiteral("work ")), runs);
        QCOMPARE(countLines(QStringLiteral("executions.txt"), QStringLiteral("last ")), runs);
        QVERIFY2(lostAttempts >= 1, "the attempt interrupted by SIGKILL is recorded as lost");
    }
};

QTEST_GUILESS_MAIN(TestEngineCrash)
#include "tst_enginecrash.moc"
