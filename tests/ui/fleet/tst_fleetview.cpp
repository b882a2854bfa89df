// SPDX-License-Identifier: GPL-3.0-or-later
// FleetView against a real backend with the demo fleet heartbeating over HTTP: the model
// fills from the store and the frames, the state chips count and filter, tiles/table is
// remembered, activating an agent opens its detail. With VIGIL_SCREENSHOT_DIR set it lets
// the fleet run a while and saves screenshots of the tiles, the table and the overview.

#include "support/testbackend.h"

#include "common/navigator.h"
#include "fleet/agentdetail.h"
#include "fleet/fleetfiltermodel.h"
#include "fleet/fleetmodel.h"
#include "fleet/fleetview.h"
#include "fleet/overviewview.h"
#include "heartbeat/demofleet.h"
#include "settings/settings.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QDir>
#include <QLineSeries>
#include <QListView>
#include <QTableView>
#include <QTest>
#include <QToolButton>

using namespace vigil;
using namespace vigil::ui;

class TestFleetView final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void demoFleet()
    {
        TestBackend t;
        QVERIFY2(t.start(), "backend did not start");
        QTemporaryDir dir;
        Settings settings(dir.filePath(QStringLiteral("settings.ini")));
        Navigator navigator;
        FleetView view(*t.backend, settings, navigator);
        QAbstractItemModelTester tester(view.model(), QAbstractItemModelTester::FailureReportingMode::Fatal);
        QAbstractItemModelTester proxyTester(view.filterModel(), QAbstractItemModelTester::FailureReportingMode::Fatal);
        OverviewView overview(*t.backend, *view.model(), navigator);
        view.resize(1280, 800);
        view.show();

        DemoFleetOptions options;
        options.baseUrl = QUrl(t.backend->baseUrl());
        options.token = t.backend->token();
        options.agents = 40;
        DemoFleet demo(options);
        demo.start();

        QTRY_COMPARE_WITH_TIMEOUT(view.model()->rowCount(), 40, 20000);
        // Configuration (tenants) follows the rows in one read per batch.
        QTRY_VERIFY_WITH_TIMEOUT(view.model()->tenants().size() >= 1, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(view.model()->count(AgentState::Up) > 0, 20000);

        // A chip shows its count and toggles the state filter.
        QToolButton *upChip = nullptr;
        for (QToolButton *button : view.findChildren<QToolButton *>())
            if (button->text().startsWith(QStringLiteral("Up ")))
                upChip = button;
        QVERIFY(upChip);
        upChip->click();
        QVERIFY(view.filterModel()->states().contains(AgentState::Up));
        for (int row = 0; row < view.filterModel()->rowCount(); ++row)
            QCOMPARE(view.filterModel()->index(row, 0).data(FleetModel::StateRole).toInt(), int(AgentState::Up));
        upChip->click();
        QVERIFY(view.filterModel()->states().isEmpty());

        if (const QString shots = qEnvironmentVariable("VIGIL_SCREENSHOT_DIR"); !shots.isEmpty()) {
            QTest::qWait(40000); // let sparklines and charts gather some history
            view.setShowTiles(true);
            QTest::qWait(200);
            view.grab().save(QDir(shots).filePath(QStringLiteral("fleet-tiles.png")));
            view.setShowTiles(false);
            QTest::qWait(200);
            view.grab().save(QDir(shots).filePath(QStringLiteral("fleet-table.png")));
            overview.resize(1280, 800);
            overview.sampleStates();
            overview.show();
            QTest::qWait(300);
            overview.grab().save(QDir(shots).filePath(QStringLiteral("overview.png")));
            // The detail of an agent that flaps, so its charts show gaps.
            const int flapping = view.model()->rowOf(QStringLiteral("gateway-28.staging"));
            AgentDetail *shown = view.showAgent(
                view.model()->index(std::max(0, flapping), 0).data(FleetModel::IdRole).toString());
            QSignalSpy charted(shown, &AgentDetail::heartbeatsLoaded);
            QVERIFY(charted.wait(10000));
            QTest::qWait(300);
            shown->grab().save(QDir(shots).filePath(QStringLiteral("agentdetail-demo.png")));
            // The same on a dark palette.
            const QPalette light = QApplication::palette();
            QApplication::setStyle(QStringLiteral("Fusion"));
            QPalette dark;
            dark.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
            dark.setColor(QPalette::WindowText, QColor(0xe0, 0xe0, 0xe0));
            dark.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
            dark.setColor(QPalette::AlternateBase, QColor(0x26, 0x26, 0x26));
            dark.setColor(QPalette::Text, QColor(0xe0, 0xe0, 0xe0));
            dark.setColor(QPalette::PlaceholderText, QColor(0x9a, 0x9a, 0x9a));
            dark.setColor(QPalette::Button, QColor(0x35, 0x35, 0x35));
            dark.setColor(QPalette::ButtonText, QColor(0xe0, 0xe0, 0xe0));
            dark.setColor(QPalette::Mid, QColor(0x50, 0x50, 0x50));
            dark.setColor(QPalette::Highlight, QColor(0x2f, 0x6e, 0xba));
            dark.setColor(QPalette::HighlightedText, Qt::white);
            dark.setColor(QPalette::Link, QColor(0x6c, 0xb4, 0xff));
            QApplication::setPalette(dark);
            QTest::qWait(300);
            shown->grab().save(QDir(shots).filePath(QStringLiteral("agentdetail-dark.png")));
            view.setShowTiles(true);
            QTest::qWait(200);
            view.grab().save(QDir(shots).filePath(QStringLiteral("fleet-tiles-dark.png")));
            overview.grab().save(QDir(shots).filePath(QStringLiteral("overview-dark.png")));
            QApplication::setPalette(light);
            shown->close();
        }

        // The choice is remembered.
        view.setShowTiles(false);
        QCOMPARE(settings.fleetTiles(), false);
        view.setShowTiles(true);
        QCOMPARE(settings.fleetTiles(), true);

        // The overview's heartbeat rate gets points from the collector's totals.
        QTRY_VERIFY_WITH_TIMEOUT(overview.heartbeatRate()->count() >= 1, 10000);

        // Enter / double-click asks the navigator, and the view opens the detail.
        QSignalSpy open(&navigator, &Navigator::openAgent);
        const QModelIndex first = view.filterModel()->index(0, FleetModel::LastSeenColumn);
        Q_EMIT view.tilesView()->activated(first);
        QCOMPARE(open.count(), 1);
        const QString id = first.data(FleetModel::IdRole).toString();
        QCOMPARE(open.first().first().toString(), id);
        AgentDetail *detail = nullptr;
        for (AgentDetail *candidate : view.findChildren<AgentDetail *>())
            if (candidate->agentId() == id)
                detail = candidate;
        QVERIFY2(detail, "activating an agent opens its detail");
        QVERIFY(detail->isVisible());
        demo.stop();
    }
};

QTEST_MAIN(TestFleetView)
#include "tst_fleetview.moc"
