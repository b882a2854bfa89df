// SPDX-License-Identifier: GPL-3.0-or-later
// The main window on a real backend: every view is there and reachable by its shortcut, the
// status bar counts follow real heartbeats, an agent that falls silent turns the tray red
// and raises one notification (when switched on), and a failed run is announced.

#include "support/testbackend.h"

#include "app/mainwindow.h"
#include "app/traynotifier.h"
#include "common/navigator.h"
#include "editor/workflowsview.h"
#include "fleet/fleetview.h"
#include "fleet/overviewview.h"
#include "runs/runsview.h"
#include "settings/settings.h"
#include "signals/incidentsview.h"
#include "signals/signalsview.h"

#include <QLabel>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QStatusBar>
#include <QtTest>

using namespace vigil;
using namespace vigil::ui;

namespace {
int post(QNetworkAccessManager &network, const QString &url, const QByteArray &body)
{
    QNetworkRequest request { QUrl(url) };
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    QNetworkReply *reply = network.post(request, body);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    finished.wait(10000);
    reply->deleteLater();
    return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
}

QString statusText(MainWindow &window)
{
    QString text;
    for (QLabel *label : window.statusBar()->findChildren<QLabel *>())
        text += label->text() + QLatin1Char('|');
    return text;
}
} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everyViewIsThereAndReachable()
    {
        TestBackend t;
        QTemporaryDir dir;
        Settings settings(dir.filePath(QStringLiteral("vigil.ini")));
        MainWindow window(*t.backend, settings);
        window.show();
        QVERIFY(t.start());
        QVERIFY(qobject_cast<OverviewView *>(window.viewWidget(MainWindow::View::Overview)));
        QVERIFY(qobject_cast<FleetView *>(window.viewWidget(MainWindow::View::Fleet)));
        QVERIFY(qobject_cast<RunsView *>(window.viewWidget(MainWindow::View::Runs)));
        QVERIFY(qobject_cast<WorkflowsView *>(window.viewWidget(MainWindow::View::Workflows)));
        QVERIFY(qobject_cast<SignalsView *>(window.viewWidget(MainWindow::View::Signals)));
        QVERIFY(qobject_cast<IncidentsView *>(window.viewWidget(MainWindow::View::Incidents)));
        QTest::keyClick(&window, Qt::Key_3, Qt::ControlModifier);
        QCOMPARE(window.currentView(), MainWindow::View::Runs);
        QTest::keyClick(&window, Qt::Key_6, Qt::ControlModifier);
        QCOMPARE(window.currentView(), MainWindow::View::Incidents);
        QTRY_VERIFY(statusText(window).contains(t.backend->listenAddress()));
        QVERIFY(statusText(window).contains(QLatin1String("sqlite://")));
    }

    void countsTrayAndNotificationsFollowTheFleet()
    {
        // Without the seeded workflows: their notify steps would announce the recovery too.
        TestBackend t([](BackendOptions &o) { o.engine.seedDefaults = false; });
        QTemporaryDir dir;
        Settings settings(dir.filePath(QStringLiteral("vigil.ini")));
        MainWindow window(*t.backend, settings);
        window.show();
        QVERIFY(t.start());
        QNetworkAccessManager network;
        // Two agents beating (every 400 ms, their interval is 1 s) until both show up; then
        // one of them falls silent. Beating until then keeps a slow start from making them late.
        QStringList beating { QStringLiteral("steady"), QStringLiteral("silent") };
        QTimer keepAlive;
        connect(&keepAlive, &QTimer::timeout, this, [&] {
            for (const QString &id : std::as_const(beating))
                post(network, t.backend->baseUrl() + QStringLiteral("/heartbeat/") + id, QByteArrayLiteral("{\"intervalSecs\":1}"));
        });
        for (const QString &id : std::as_const(beating))
            QCOMPARE(post(network, t.backend->baseUrl() + QStringLiteral("/heartbeat/") + id, QByteArrayLiteral("{\"intervalSecs\":1}")),
                     202);
        keepAlive.start(400);
        QTRY_VERIFY_WITH_TIMEOUT(statusText(window).contains(QLatin1String("&nbsp;2&nbsp;up")), 5000);
        QCOMPARE(window.tray().iconColorName(), QStringLiteral("#2ea043"));
        QVERIFY(window.tray().lastTitle().isEmpty()); // nobody went down yet
        beating.removeAll(QStringLiteral("silent"));
        // Late after 1 s, down after 1 s more: the tray turns red and says so once.
        QTRY_VERIFY_WITH_TIMEOUT(window.tray().lastTitle().contains(QLatin1String("silent")), 8000);
        QCOMPARE(window.tray().lastBody(), QStringLiteral("No heartbeat within its interval and grace."));
        QTRY_COMPARE_WITH_TIMEOUT(window.tray().iconColorName(), QStringLiteral("#d13438"), 3000);
        QTRY_VERIFY_WITH_TIMEOUT(statusText(window).contains(QLatin1String("&nbsp;1&nbsp;down")), 3000);

        // Switched off: a recovery is not announced.
        settings.setNotifyAgentRecovered(false);
        const QString before = window.tray().lastTitle();
        QCOMPARE(post(network, t.backend->baseUrl() + QStringLiteral("/heartbeat/silent"), QByteArrayLiteral("{\"intervalSecs\":1}")),
                 202);
        QTRY_VERIFY_WITH_TIMEOUT(statusText(window).contains(QLatin1String("&nbsp;0&nbsp;down")), 5000);
        QCOMPARE(window.tray().lastTitle(), before);
        keepAlive.stop();

        // A job that says it failed is down at once, and the notice says why (not "no
        // heartbeat", which would send the operator looking for a dead host).
        QCOMPARE(post(network, t.backend->baseUrl() + QStringLiteral("/heartbeat/steady/fail"),
                      QByteArrayLiteral("{\"message\": \"disk full\"}")),
                 202);
        QTRY_COMPARE_WITH_TIMEOUT(window.tray().lastTitle(), QStringLiteral("Agent down: steady"), 5000);
        QCOMPARE(window.tray().lastBody(), QStringLiteral("It reported a failure."));
    }

    void aFailedRunIsAnnounced()
    {
        TestBackend t;
        QTemporaryDir dir;
        Settings settings(dir.filePath(QStringLiteral("vigil.ini")));
        MainWindow window(*t.backend, settings);
        QVERIFY(t.start());
        Result<WorkflowDefinition> created = TestBackend::await(t.backend->engine([](Engine &e) {
            WorkflowDefinition definition;
            definition.tenantId = QStringLiteral("default");
            definition.name = QStringLiteral("always fails");
            definition.triggerType = QStringLiteral("test.fail");
            WorkflowStep step;
            step.name = QStringLiteral("call");
            step.handler = QStringLiteral("http_request");
            step.config = Json { { "url", "http://127.0.0.1:1/" } }; // nobody listens: refused
            definition.steps.push_back(step);
            return e.createWorkflow(definition);
        }));
        QVERIFY2(created, created ? "" : qPrintable(created.error().message));
        TestBackend::await(t.backend->engine([](Engine &e) {
            return e.emitSignal(TriggerInput { QStringLiteral("default"), QStringLiteral("test"), QStringLiteral("test.fail") }).ok();
        }));
        QTRY_VERIFY_WITH_TIMEOUT(window.tray().lastTitle().contains(QLatin1String("failed")), 10000);
        QVERIFY2(window.tray().lastBody().contains(QLatin1String("always fails")), qPrintable(window.tray().lastBody()));
        QVERIFY(window.tray().lastWasWarning());
    }

    void notifyStepsWarnAboveInfo()
    {
        // notify's severities are info, warning and error; the seeded workflows use error.
        TestBackend t;
        QTemporaryDir dir;
        Settings settings(dir.filePath(QStringLiteral("vigil.ini")));
        MainWindow window(*t.backend, settings);
        for (const auto &[severity, warns] : { std::pair { "info", false }, { "warning", true }, { "error", true } }) {
            window.tray().notify(QStringLiteral("title"), QStringLiteral("body"), QLatin1String(severity));
            QCOMPARE(window.tray().lastWasWarning(), warns);
        }
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
