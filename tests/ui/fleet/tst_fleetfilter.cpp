// SPDX-License-Identifier: GPL-3.0-or-later
// FleetFilterModel: each criterion alone and combined, on a FleetModel under the model tester.

#include "fleet/fleetfiltermodel.h"
#include "fleet/fleetmodel.h"
#include "heartbeat/collector.h"

#include <QAbstractItemModelTester>
#include <QTest>

using namespace vigil;
using namespace vigil::ui;


namespace {

Agent makeAgent(const QString &id, const QString &tenant, const QString &environment, const QStringList &tags,
                AgentState state)
{
    Agent agent;
    agent.id = id;
    agent.tenantId = tenant;
    if (!environment.isEmpty())
        agent.environment = environment;
    agent.tags = tags;
    agent.state = state;
    return agent;
}

std::vector<Agent> fleet()
{
    return {
        makeAgent(QStringLiteral("web-1"), QStringLiteral("acme"), QStringLiteral("prod"), { QStringLiteral("web"), QStringLiteral("eu") }, AgentState::Up),
        makeAgent(QStringLiteral("web-2"), QStringLiteral("acme"), QStringLiteral("staging"), { QStringLiteral("web") }, AgentState::Down),
        makeAgent(QStringLiteral("db-1"), QStringLiteral("acme"), QStringLiteral("prod"), { QStringLiteral("db"), QStringLiteral("eu") }, AgentState::Late),
        makeAgent(QStringLiteral("backup"), QStringLiteral("globex"), QString(), { QStringLiteral("cron") }, AgentState::Paused),
        makeAgent(QStringLiteral("cache-7"), QStringLiteral("globex"), QStringLiteral("prod"), {}, AgentState::New),
    };
}

} // namespace

class TestFleetFilter final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void filters_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("tenant");
        QTest::addColumn<QString>("environment");
        QTest::addColumn<QString>("tag");
        QTest::addColumn<QList<int>>("states");
        QTest::addColumn<QString>("expected"); // ids, comma-separated

        const QList<int> any;
        QTest::newRow("nothing set") << QString() << QString() << QString() << QString() << any
                                     << QStringLiteral("backup,cache-7,db-1,web-1,web-2");
        QTest::newRow("text in id") << QStringLiteral("WEB") << QString() << QString() << QString() << any << QStringLiteral("web-1,web-2");
        QTest::newRow("text in tag") << QStringLiteral("cro") << QString() << QString() << QString() << any << QStringLiteral("backup");
        QTest::newRow("text matches nothing") << QStringLiteral("zzz") << QString() << QString() << QString() << any << QStringLiteral("");
        QTest::newRow("tenant") << QString() << QStringLiteral("globex") << QString() << QString() << any << QStringLiteral("backup,cache-7");
        QTest::newRow("environment") << QString() << QString() << QStringLiteral("prod") << QString() << any
                                     << QStringLiteral("cache-7,db-1,web-1");
        QTest::newRow("tag is exact") << QString() << QString() << QString() << QStringLiteral("eu") << any << QStringLiteral("db-1,web-1");
        QTest::newRow("tag part is not a tag") << QString() << QString() << QString() << QStringLiteral("we") << any << QStringLiteral("");
        QTest::newRow("one state") << QString() << QString() << QString() << QString() << QList<int> { int(AgentState::Down) }
                                   << QStringLiteral("web-2");
        QTest::newRow("two states") << QString() << QString() << QString() << QString()
                                    << QList<int> { int(AgentState::Down), int(AgentState::Late) } << QStringLiteral("db-1,web-2");
        QTest::newRow("combined") << QStringLiteral("1") << QStringLiteral("acme") << QStringLiteral("prod") << QStringLiteral("eu") << QList<int> { int(AgentState::Up) } << QStringLiteral("web-1");
        QTest::newRow("combined, state excludes") << QStringLiteral("1") << QStringLiteral("acme") << QStringLiteral("prod") << QStringLiteral("eu") << QList<int> { int(AgentState::Paused) }
                                                  << QStringLiteral("");
    }

    void filters()
    {
        QFETCH(QString, text);
        QFETCH(QString, tenant);
        QFETCH(QString, environment);
        QFETCH(QString, tag);
        QFETCH(QList<int>, states);
        QFETCH(QString, expected);

        FleetModel model(nullptr);
        model.setAgents(fleet());
        FleetFilterModel filter;
        QAbstractItemModelTester tester(&filter, QAbstractItemModelTester::FailureReportingMode::Fatal);
        filter.setSourceModel(&model);
        filter.sort(FleetModel::IdColumn);
        filter.setText(text);
        filter.setTenant(tenant);
        filter.setEnvironment(environment);
        filter.setTag(tag);
        QSet<AgentState> stateSet;
        for (const int s : states)
            stateSet.insert(AgentState(s));
        filter.setStates(stateSet);

        QStringList shown;
        for (int row = 0; row < filter.rowCount(); ++row)
            shown.append(filter.index(row, FleetModel::IdColumn).data().toString());
        QCOMPARE(shown.join(QLatin1Char(',')), expected);
    }

    void stateFilterFollowsFrames()
    {
        FleetModel model(nullptr);
        model.setAgents(fleet());
        FleetFilterModel filter;
        QAbstractItemModelTester tester(&filter, QAbstractItemModelTester::FailureReportingMode::Fatal);
        filter.setSourceModel(&model);
        filter.toggleState(AgentState::Down);
        QCOMPARE(filter.rowCount(), 1);
        AgentSnapshot down;
        down.id = QStringLiteral("web-1");
        down.state = AgentState::Down;
        down.lastSeenMs = 1000;
        down.misses = 3;
        model.applyFrame({ down });
        QCOMPARE(filter.rowCount(), 2);
        filter.toggleState(AgentState::Down); // off again: everything
        QCOMPARE(filter.rowCount(), 5);
    }
};

QTEST_MAIN(TestFleetFilter)
#include "tst_fleetfilter.moc"
