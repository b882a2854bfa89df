// SPDX-License-Identifier: GPL-3.0-or-later
// FleetModel: frames update and insert rows in batches, transitions and counts follow the
// frames, the sparkline ring records intervals and gaps, the age tick touches only the age
// column, and a 10 000-agent frame is cheap.

#include "fleet/fleetfiltermodel.h"
#include "fleet/fleetmodel.h"
#include "heartbeat/collector.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

using namespace vigil;
using namespace vigil::ui;

namespace {

Agent makeAgent(const QString &id, AgentState state, qint64 lastSeenMs, const QString &tenant = QStringLiteral("acme"))
{
    Agent agent;
    agent.id = id;
    agent.tenantId = tenant;
    agent.environment = QStringLiteral("prod");
    agent.tags = { QStringLiteral("web") };
    agent.intervalSecs = 5;
    agent.state = state;
    if (lastSeenMs)
        agent.lastSeenAt = QDateTime::fromMSecsSinceEpoch(lastSeenMs);
    return agent;
}

AgentSnapshot snap(const QString &id, AgentState state, qint64 lastSeenMs, int misses = 0)
{
    AgentSnapshot s;
    s.id = id;
    s.state = state;
    s.lastSeenMs = lastSeenMs;
    s.misses = misses;
    return s;
}

QList<int> intervalsOf(const FleetModel &model, const QString &id)
{
    return model.index(model.rowOf(id), 0).data(FleetModel::IntervalsRole).value<QList<int>>();
}

} // namespace

class TestFleetModel final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void framesUpdateAndInsert()
    {
        FleetModel model(nullptr);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        model.setAgents({ makeAgent(QStringLiteral("a"), AgentState::Up, 1000),
                          makeAgent(QStringLiteral("b"), AgentState::Up, 1000) });
        QCOMPARE(model.rowCount(), 2);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.applyFrame({ snap(QStringLiteral("b"), AgentState::Up, 6000), snap(QStringLiteral("c"), AgentState::Up, 7000),
                           snap(QStringLiteral("d"), AgentState::Late, 7000) });
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(inserted.count(), 1); // one insertion for the batch
        QCOMPARE(inserted.first().at(1).toInt(), 2);
        QCOMPARE(inserted.first().at(2).toInt(), 3);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.first().at(0).value<QModelIndex>().row(), 1);
        QCOMPARE(model.index(1, FleetModel::IdColumn).data().toString(), QStringLiteral("b"));
        QCOMPARE(model.index(1, 0).data(FleetModel::LastSeenMsRole).toLongLong(), 6000);
        QCOMPARE(model.index(3, 0).data(FleetModel::StateRole).toInt(), int(AgentState::Late));
        QCOMPARE(model.rowOf(QStringLiteral("d")), 3);
        // Configuration arrives later for the inserted ones.
        Agent c = makeAgent(QStringLiteral("c"), AgentState::Up, 7000, QStringLiteral("globex"));
        c.tags = { QStringLiteral("db"), QStringLiteral("eu") };
        model.updateAgents({ c });
        QCOMPARE(model.index(2, FleetModel::TenantColumn).data().toString(), QStringLiteral("globex"));
        QCOMPARE(model.index(2, FleetModel::TagsColumn).data().toString(), QStringLiteral("db, eu"));
        QCOMPARE(model.tenants(), QStringList({ QStringLiteral("acme"), QStringLiteral("globex") }));
        QCOMPARE(model.tags(), QStringList({ QStringLiteral("db"), QStringLiteral("eu"), QStringLiteral("web") }));
        model.removeAgents({ QStringLiteral("a"), QStringLiteral("c") });
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.rowOf(QStringLiteral("b")), 0);
        QCOMPARE(model.rowOf(QStringLiteral("d")), 1);
        QCOMPARE(model.count(AgentState::Up), 1);
        QCOMPARE(model.count(AgentState::Late), 1);
    }

    void resyncUpdatesLastSeenAndMembership()
    {
        FleetModel model(nullptr);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        model.setAgents({ makeAgent(QStringLiteral("a"), AgentState::Up, 1000),
                          makeAgent(QStringLiteral("b"), AgentState::Up, 1000),
                          makeAgent(QStringLiteral("c"), AgentState::Up, 1000) });
        model.applyFrame({ snap(QStringLiteral("a"), AgentState::Up, 9000) });
        // The store: a seen later, b seen earlier than the frames say (it lags), c gone, d new,
        // and a's state older than the frame's (kept from the frame).
        Agent a = makeAgent(QStringLiteral("a"), AgentState::Late, 20000, QStringLiteral("globex"));
        Agent b = makeAgent(QStringLiteral("b"), AgentState::Up, 500);
        Agent d = makeAgent(QStringLiteral("d"), AgentState::Down, 700);
        model.resync({ a, b, d });
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.rowOf(QStringLiteral("c")), -1);
        const QModelIndex ai = model.index(model.rowOf(QStringLiteral("a")), 0);
        QCOMPARE(ai.data(FleetModel::LastSeenMsRole).toLongLong(), 20000);
        QCOMPARE(ai.data(FleetModel::TenantRole).toString(), QStringLiteral("globex"));
        QCOMPARE(ai.data(FleetModel::StateRole).toInt(), int(AgentState::Up));
        QCOMPARE(intervalsOf(model, QStringLiteral("a")), QList<int>({ 8000 })); // none from the resync
        QCOMPARE(model.index(model.rowOf(QStringLiteral("b")), 0).data(FleetModel::LastSeenMsRole).toLongLong(), 1000);
        QCOMPARE(model.count(AgentState::Down), 1);
        QCOMPARE(model.count(AgentState::Up), 2);
        // A row that was not known when the read began is not removed.
        model.applyFrame({ snap(QStringLiteral("e"), AgentState::Up, 800) });
        model.resync({ a, b, d }, { QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("d") });
        QVERIFY(model.rowOf(QStringLiteral("e")) >= 0);
    }

    void changedRowsBecomeRanges()
    {
        FleetModel model(nullptr);
        std::vector<Agent> agents;
        for (int i = 0; i < 10; ++i)
            agents.push_back(makeAgent(QStringLiteral("a%1").arg(i), AgentState::Up, 1000));
        model.setAgents(agents);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.applyFrame({ snap(QStringLiteral("a5"), AgentState::Up, 2000), snap(QStringLiteral("a0"), AgentState::Up, 2000),
                           snap(QStringLiteral("a2"), AgentState::Up, 2000), snap(QStringLiteral("a1"), AgentState::Up, 2000) });
        QCOMPARE(changed.count(), 2);
        QCOMPARE(changed.at(0).at(0).value<QModelIndex>().row(), 0);
        QCOMPARE(changed.at(0).at(1).value<QModelIndex>().row(), 2);
        QCOMPARE(changed.at(1).at(0).value<QModelIndex>().row(), 5);
        QCOMPARE(changed.at(1).at(1).value<QModelIndex>().row(), 5);
    }

    void transitionsAndCounts()
    {
        FleetModel model(nullptr);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        model.setAgents({ makeAgent(QStringLiteral("a"), AgentState::Up, 1000),
                          makeAgent(QStringLiteral("b"), AgentState::Up, 1000),
                          makeAgent(QStringLiteral("c"), AgentState::Late, 1000) });
        QCOMPARE(model.count(AgentState::Up), 2);
        QCOMPARE(model.count(AgentState::Late), 1);
        QSignalSpy transitions(&model, &FleetModel::stateTransitions);
        QSignalSpy counts(&model, &FleetModel::countsChanged);
        model.applyFrame({ snap(QStringLiteral("b"), AgentState::Down, 1000, 3),
                           snap(QStringLiteral("c"), AgentState::Up, 9000), snap(QStringLiteral("a"), AgentState::Up, 6000) });
        QCOMPARE(transitions.count(), 1);
        const auto list = transitions.first().first().value<QList<AgentTransition>>();
        QCOMPARE(list.size(), 2);
        QCOMPARE(list.at(0).id, QStringLiteral("b"));
        QCOMPARE(int(list.at(0).from), int(AgentState::Up));
        QCOMPARE(int(list.at(0).to), int(AgentState::Down));
        QCOMPARE(list.at(1).id, QStringLiteral("c"));
        QCOMPARE(int(list.at(1).from), int(AgentState::Late));
        QCOMPARE(int(list.at(1).to), int(AgentState::Up));
        QCOMPARE(counts.count(), 1);
        QCOMPARE(model.count(AgentState::Up), 2);
        QCOMPARE(model.count(AgentState::Down), 1);
        QCOMPARE(model.count(AgentState::Late), 0);
        // A frame that moves no state: no transitions, no counts signal.
        model.applyFrame({ snap(QStringLiteral("a"), AgentState::Up, 11000) });
        QCOMPARE(transitions.count(), 1);
        QCOMPARE(counts.count(), 1);
    }

    void sparklineRecordsIntervalsAndGaps()
    {
        FleetModel model(nullptr);
        model.setAgents({ makeAgent(QStringLiteral("a"), AgentState::Up, 1000) });
        model.applyFrame({ snap(QStringLiteral("a"), AgentState::Up, 6000) });
        model.applyFrame({ snap(QStringLiteral("a"), AgentState::Up, 11000) });
        model.applyFrame({ snap(QStringLiteral("a"), AgentState::Late, 11000, 1) }); // missed
        model.applyFrame({ snap(QStringLiteral("a"), AgentState::Down, 11000, 2) }); // missed again
        model.applyFrame({ snap(QStringLiteral("a"), AgentState::Up, 30000, 0) });   // back
        QCOMPARE(intervalsOf(model, QStringLiteral("a")),
                 QList<int>({ 5000, 5000, FleetModel::kGap, FleetModel::kGap, 19000 }));
        // The ring keeps the latest kRingSize values.
        qint64 at = 30000;
        for (int i = 1; i <= FleetModel::kRingSize + 5; ++i) {
            at += 1000 + i;
            model.applyFrame({ snap(QStringLiteral("a"), AgentState::Up, at) });
        }
        const QList<int> ring = intervalsOf(model, QStringLiteral("a"));
        QCOMPARE(ring.size(), FleetModel::kRingSize);
        QCOMPARE(ring.first(), 1000 + 6);
        QCOMPARE(ring.last(), 1000 + FleetModel::kRingSize + 5);
    }

    void ageTickTouchesOnlyTheAgeColumn()
    {
        FleetModel model(nullptr);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        model.setAgents({ makeAgent(QStringLiteral("a"), AgentState::Up, now - 12000),
                          makeAgent(QStringLiteral("b"), AgentState::Up, 0) });
        QCOMPARE(model.index(0, FleetModel::LastSeenColumn).data().toString(), QStringLiteral("12 s ago"));
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.tickAges();
        QCOMPARE(changed.count(), 1);
        const auto topLeft = changed.first().at(0).value<QModelIndex>();
        const auto bottomRight = changed.first().at(1).value<QModelIndex>();
        QCOMPARE(topLeft.column(), int(FleetModel::LastSeenColumn));
        QCOMPARE(bottomRight.column(), int(FleetModel::LastSeenColumn));
        QCOMPARE(topLeft.row(), 0);
        QCOMPARE(bottomRight.row(), 1);
        // And the timer does it by itself, once a second.
        QTRY_VERIFY_WITH_TIMEOUT(changed.count() >= 2, 2500);
    }

    void tenThousandAgentFrame()
    {
        FleetModel model(nullptr);
        FleetFilterModel filter; // a view's proxy listens, as in the window
        filter.setSourceModel(&model);
        filter.sort(FleetModel::IdColumn);
        const int n = 10000;
        std::vector<Agent> agents;
        agents.reserve(n);
        for (int i = 0; i < n; ++i)
            agents.push_back(makeAgent(QStringLiteral("agent-%1").arg(i, 5, 10, QLatin1Char('0')), AgentState::Up, 1000));
        model.setAgents(agents);
        QList<AgentSnapshot> frame;
        frame.reserve(n);
        for (int i = 0; i < n; ++i)
            frame.append(snap(agents[size_t(i)].id, i % 50 == 0 ? AgentState::Late : AgentState::Up, 2000, i % 50 == 0));
        QSignalSpy transitions(&model, &FleetModel::stateTransitions);
        QElapsedTimer clock;
        clock.start();
        model.applyFrame(frame);
        const qint64 updateMs = clock.elapsed();
        QCOMPARE(model.count(AgentState::Late), n / 50);
        QCOMPARE(transitions.first().first().value<QList<AgentTransition>>().size(), n / 50);

        // Inserting 10 000 unknown agents in one frame.
        FleetModel fresh(nullptr);
        fresh.setAgents({});
        clock.restart();
        fresh.applyFrame(frame);
        const qint64 insertMs = clock.elapsed();
        QCOMPARE(fresh.rowCount(), n);

        clock.restart();
        model.tickAges();
        const qint64 tickMs = clock.elapsed();
        qInfo("10 000 agents: update frame %lld ms, insert frame %lld ms, age tick %lld ms (with a sorting proxy)",
              updateMs, insertMs, tickMs);
        QVERIFY2(updateMs < 500, "a 10 000-agent update frame must be well under 100 ms on a normal machine");
        QVERIFY2(insertMs < 500, "a 10 000-agent insert frame must be cheap");
        QVERIFY2(tickMs < 500, "the age tick must be cheap");
    }
};

QTEST_MAIN(TestFleetModel)
#include "tst_fleetmodel.moc"
