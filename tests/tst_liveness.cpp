// SPDX-License-Identifier: GPL-3.0-or-later
// The liveness tracker as pure logic: deadlines, states, misses, recovery, failures, cron
// agents, pause, and the fresh interval + grace after a restart. Times are explicit.

#include "core/isotime.h"
#include "heartbeat/livenesstracker.h"

#include <QTest>

using namespace vigil;
using namespace vigil::liveness;

namespace {

constexpr qint64 T0 = 1'790'000'000'000; // some instant in 2026, epoch ms

Agent agent(const QString &id, int interval = 10, int grace = 5)
{
    Agent a;
    a.id = id;
    a.intervalSecs = interval;
    a.graceSecs = grace;
    return a;
}

} // namespace

class TestLiveness : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void newAgentHasNoDeadline()
    {
        Tracker tracker;
        tracker.configure(agent(QStringLiteral("a")), T0);
        QVERIFY(!tracker.nextDeadline());
        QVERIFY(tracker.expire(T0 + 3'600'000).empty());
        QCOMPARE(tracker.stateCounts()[std::size_t(AgentState::New)], 1);
    }

    void lateThenDownThenMissedEveryInterval()
    {
        Tracker tracker;
        tracker.configure(agent(QStringLiteral("a"), 10, 5), T0);
        std::optional<Change> first = tracker.heartbeat(QStringLiteral("a"), HeartbeatKind::Ping, T0);
        QVERIFY(first);
        QCOMPARE(toString(first->state), QStringLiteral("up"));
        QVERIFY(first->stateChanged);
        QCOMPARE(*tracker.nextDeadline(), T0 + 10'000);

        QVERIFY(tracker.expire(T0 + 9'999).empty());
        std::vector<Change> late = tracker.expire(T0 + 10'000);
        QCOMPARE(late.size(), std::size_t(1));
        QCOMPARE(toString(late[0].state), QStringLiteral("late"));
        QCOMPARE(int(late[0].signal), int(SignalKind::None));
        QCOMPARE(*tracker.nextDeadline(), T0 + 15'000);

        std::vector<Change> down = tracker.expire(T0 + 15'020);
        QCOMPARE(down.size(), std::size_t(1));
        QCOMPARE(toString(down[0].state), QStringLiteral("down"));
        QCOMPARE(int(down[0].signal), int(SignalKind::Missed));
        QCOMPARE(down[0].misses, 1);
        QCOMPARE(down[0].deadlineMs, T0 + 15'000);
        QCOMPARE(down[0].payload.value("misses", 0), 1);
        QCOMPARE(down[0].payload.value("intervalSecs", 0), 10);
        QCOMPARE(down[0].payload.value("graceSecs", 0), 5);
        QVERIFY(down[0].dedupKey.contains(QStringLiteral("a")));

        // Each further interval without a heartbeat: misses + 1, a new dedup key.
        std::vector<Change> again = tracker.expire(T0 + 25'000);
        QCOMPARE(again.size(), std::size_t(1));
        QCOMPARE(again[0].misses, 2);
        QVERIFY(again[0].dedupKey != down[0].dedupKey);
        QCOMPARE(*tracker.nextDeadline(), T0 + 35'000);
    }

    void heartbeatAfterMissRecovers()
    {
        Tracker tracker;
        tracker.configure(agent(QStringLiteral("a"), 10, 5), T0);
        (void)tracker.heartbeat(QStringLiteral("a"), HeartbeatKind::Ping, T0);
        (void)tracker.expire(T0 + 10'000);
        (void)tracker.expire(T0 + 15'000);
        std::optional<Change> back = tracker.heartbeat(QStringLiteral("a"), HeartbeatKind::Ping, T0 + 20'000);
        QVERIFY(back);
        QCOMPARE(int(back->signal), int(SignalKind::Recovered));
        QCOMPARE(back->payload.value("downForMs", qint64(0)), qint64(5'000));
        QCOMPARE(back->payload.value("downFor", std::string()), std::string("5 s"));
        QCOMPARE(toString(back->state), QStringLiteral("up"));
        QCOMPARE(back->misses, 0);
        QCOMPARE(*tracker.nextDeadline(), T0 + 30'000);
    }

    void lateAgentComingBackRaisesNothing()
    {
        Tracker tracker;
        tracker.configure(agent(QStringLiteral("a"), 10, 5), T0);
        (void)tracker.heartbeat(QStringLiteral("a"), HeartbeatKind::Ping, T0);
        (void)tracker.expire(T0 + 10'000);
        std::optional<Change> back = tracker.heartbeat(QStringLiteral("a"), HeartbeatKind::Ping, T0 + 12'000);
        QCOMPARE(int(back->signal), int(SignalKind::None));
        QCOMPARE(toString(back->state), QStringLiteral("up"));
    }

    void failureReportRaisesFailedThenRecovered()
    {
        Tracker tracker;
        tracker.configure(agent(QStringLiteral("job"), 60, 30), T0);
        (void)tracker.heartbeat(QStringLiteral("job"), HeartbeatKind::Ping, T0);
        std::optional<Change> failed
            = tracker.heartbeat(QStringLiteral("job"), HeartbeatKind::Exit, T0 + 1000, 3, QStringLiteral("boom"));
        QCOMPARE(int(failed->signal), int(SignalKind::Failed));
        QCOMPARE(failed->payload.value("exitCode", 0), 3);
        QCOMPARE(failed->payload.value("message", std::string()), std::string("boom"));
        QCOMPARE(failed->payload.value("summary", std::string()), std::string("exit code 3: boom"));
        QCOMPARE(toString(failed->state), QStringLiteral("down"));
        std::optional<Change> ok = tracker.heartbeat(QStringLiteral("job"), HeartbeatKind::Exit, T0 + 2000, 0);
        QCOMPARE(int(ok->signal), int(SignalKind::Recovered));
        QCOMPARE(ok->payload.value("downFor", std::string()), std::string("1 s"));
    }

    void failureSummaryIsOneLine()
    {
        // A job's output ends with its error: the summary is the last non-empty line, cut to
        // 200 characters; /fail without a message still says what happened.
        Tracker tracker;
        tracker.configure(agent(QStringLiteral("job"), 60, 30), T0);
        std::optional<Change> failed = tracker.heartbeat(QStringLiteral("job"), HeartbeatKind::Exit, T0, 2,
                                                         QStringLiteral("step 1 ok\nerror: disk full\n\n"));
        QCOMPARE(failed->payload.value("summary", std::string()), std::string("exit code 2: error: disk full"));
        failed = tracker.heartbeat(QStringLiteral("job"), HeartbeatKind::Fail, T0 + 1);
        QCOMPARE(failed->payload.value("summary", std::string()), std::string("reported a failure"));
        QVERIFY(failed->payload.at("message").is_null());
        failed = tracker.heartbeat(QStringLiteral("job"), HeartbeatKind::Fail, T0 + 2, std::nullopt,
                                   QString(500, QLatin1Char('x')));
        const QString summary = QString::fromStdString(failed->payload.value("summary", std::string()));
        QCOMPARE(summary.size(), QLatin1String("reported a failure: ").size() + 200);
        QVERIFY(summary.endsWith(QChar(0x2026)));
    }

    void durationsReadAsPeopleSayThem()
    {
        QCOMPARE(durationText(-5), QStringLiteral("0 ms"));
        QCOMPARE(durationText(999), QStringLiteral("999 ms"));
        QCOMPARE(durationText(59'999), QStringLiteral("59 s"));
        QCOMPARE(durationText(252'000), QStringLiteral("4 min 12 s"));
        QCOMPARE(durationText(3'600'000 + 5 * 60'000), QStringLiteral("1 h 05 min"));
        QCOMPARE(durationText(3 * 86'400'000LL + 4 * 3'600'000), QStringLiteral("3 d 4 h"));
    }

    void startAndLogChangeNothing()
    {
        Tracker tracker;
        tracker.configure(agent(QStringLiteral("a"), 10, 5), T0);
        (void)tracker.heartbeat(QStringLiteral("a"), HeartbeatKind::Ping, T0);
        (void)tracker.heartbeat(QStringLiteral("a"), HeartbeatKind::Start, T0 + 9'000);
        (void)tracker.heartbeat(QStringLiteral("a"), HeartbeatKind::Log, T0 + 9'500);
        QCOMPARE(*tracker.nextDeadline(), T0 + 10'000);
    }

    void pausedAgentsRaiseNothing()
    {
        Tracker tracker;
        tracker.configure(agent(QStringLiteral("a"), 1, 1), T0);
        (void)tracker.heartbeat(QStringLiteral("a"), HeartbeatKind::Ping, T0);
        QVERIFY(tracker.pause(QStringLiteral("a"), T0 + 100));
        QVERIFY(tracker.expire(T0 + 3'600'000).empty());
        std::optional<Change> beat = tracker.heartbeat(QStringLiteral("a"), HeartbeatKind::Fail, T0 + 200'000);
        QCOMPARE(int(beat->signal), int(SignalKind::None));
        QCOMPARE(toString(beat->state), QStringLiteral("paused"));
        std::optional<Change> resumed = tracker.resume(QStringLiteral("a"), T0 + 300'000);
        QCOMPARE(toString(resumed->state), QStringLiteral("up"));
        QCOMPARE(*tracker.nextDeadline(), T0 + 301'000);
    }

    void restartGivesAFreshIntervalAndGrace()
    {
        // Down for an hour while Vigil was off: no storm at start, a fresh interval + grace.
        std::vector<Agent> fleet;
        for (int i = 0; i < 1000; ++i) {
            Agent a = agent(QStringLiteral("a%1").arg(i), 10, 5);
            a.state = i % 2 ? AgentState::Up : AgentState::Down;
            a.lastSeenAt = QDateTime::fromMSecsSinceEpoch(T0 - 3'600'000, Qt::UTC);
            a.misses = i % 2 ? 0 : 7;
            fleet.push_back(a);
        }
        Tracker tracker;
        tracker.load(fleet, T0);
        QVERIFY(tracker.expire(T0 + 9'999).empty());
        std::vector<Change> late = tracker.expire(T0 + 10'000);
        QCOMPARE(late.size(), std::size_t(500)); // the up ones turn late, raise nothing
        for (const Change &c : late)
            QCOMPARE(int(c.signal), int(SignalKind::None));
        std::vector<Change> due = tracker.expire(T0 + 15'000);
        QCOMPARE(due.size(), std::size_t(1000));
        int missedEight = 0;
        for (const Change &c : due)
            missedEight += c.misses == 8 ? 1 : 0;
        QCOMPARE(missedEight, 500); // the down ones count on from their stored misses
    }

    void expireHonoursItsLimit()
    {
        Tracker tracker;
        for (int i = 0; i < 10; ++i) {
            tracker.configure(agent(QStringLiteral("a%1").arg(i), 1, 5), T0);
            (void)tracker.heartbeat(QStringLiteral("a%1").arg(i), HeartbeatKind::Ping, T0);
        }
        QCOMPARE(tracker.expire(T0 + 1000, 4).size(), std::size_t(4));
        QCOMPARE(tracker.expire(T0 + 1000, 4).size(), std::size_t(4));
        QCOMPARE(tracker.expire(T0 + 1000, 4).size(), std::size_t(2));
    }

    void cronAgentIsExpectedAtItsSlots()
    {
        Agent job = agent(QStringLiteral("nightly"), 60, 600);
        job.schedule = QStringLiteral("0 3 * * *");
        job.timezone = QStringLiteral("UTC");
        Tracker tracker;
        tracker.configure(job, T0);
        const QDateTime ranAt(QDate(2026, 11, 26), QTime(3, 0, 5), Qt::UTC);
        (void)tracker.heartbeat(job.id, HeartbeatKind::Ping, ranAt.toMSecsSinceEpoch());
        const qint64 nextSlot = QDateTime(QDate(2026, 11, 27), QTime(3, 0), Qt::UTC).toMSecsSinceEpoch();
        QCOMPARE(*tracker.nextDeadline(), nextSlot);
        QCOMPARE(toString(tracker.expire(nextSlot)[0].state), QStringLiteral("late"));
        std::vector<Change> missed = tracker.expire(nextSlot + 600'000);
        QCOMPARE(missed.size(), std::size_t(1));
        QCOMPARE(int(missed[0].signal), int(SignalKind::Missed));
        // The next miss is the next night's slot + grace, not an interval later.
        QCOMPARE(*tracker.nextDeadline(), nextSlot + 24 * 3'600'000 + 600'000);
    }

    void changedIntervalTakesEffect()
    {
        Tracker tracker;
        tracker.configure(agent(QStringLiteral("a"), 10, 5), T0);
        (void)tracker.heartbeat(QStringLiteral("a"), HeartbeatKind::Ping, T0);
        tracker.configure(agent(QStringLiteral("a"), 60, 5), T0 + 1000);
        QCOMPARE(*tracker.nextDeadline(), T0 + 60'000);
    }

    void removedAgentsAreForgotten()
    {
        Tracker tracker;
        tracker.configure(agent(QStringLiteral("a"), 1, 1), T0);
        (void)tracker.heartbeat(QStringLiteral("a"), HeartbeatKind::Ping, T0);
        tracker.remove(QStringLiteral("a"));
        QVERIFY(!tracker.nextDeadline());
        QVERIFY(!tracker.heartbeat(QStringLiteral("a"), HeartbeatKind::Ping, T0));
        QCOMPARE(tracker.size(), std::size_t(0));
    }
};

QTEST_GUILESS_MAIN(TestLiveness)
#include "tst_liveness.moc"
