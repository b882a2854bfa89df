// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/mainwindow.h"

#include "app/traynotifier.h"
#include "backend/backend.h"
#include "common/icons.h"
#include "common/navigator.h"
#include "common/presentation.h"
#include "editor/workflowsview.h"
#include "fleet/fleetmodel.h"
#include "fleet/fleetview.h"
#include "fleet/overviewview.h"
#include "runs/runsview.h"
#include "runs/runview.h"
#include "signals/incidentsview.h"
#include "signals/signalsview.h"
#include "settings/settings.h"
#include "settings/settingsdialog.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QStackedWidget>
#include <QStatusBar>

namespace vigil::ui {

MainWindow::MainWindow(Backend &backend, Settings &settings, QWidget *parent)
    : QMainWindow(parent)
    , m_backend(backend)
    , m_settings(settings)
    , m_navigator(new Navigator(this))
{
    setObjectName(QStringLiteral("MainWindow"));
    setWindowTitle(tr("Vigil"));
    auto *central = new QWidget(this);
    auto *layout = new QHBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    m_sidebar = new QListWidget(central);
    m_sidebar->setObjectName(QStringLiteral("sidebar"));
    m_sidebar->setIconSize(QSize(22, 22));
    m_sidebar->setFrameShape(QFrame::NoFrame);
    m_sidebar->setFixedWidth(160);
    m_sidebar->setSpacing(2);
    m_sidebar->setAutoFillBackground(true);
    m_sidebar->setBackgroundRole(QPalette::AlternateBase);
    m_stack = new QStackedWidget(central);
    layout->addWidget(m_sidebar);
    layout->addWidget(m_stack, 1);
    setCentralWidget(central);
    connect(m_sidebar, &QListWidget::currentRowChanged, m_stack, &QStackedWidget::setCurrentIndex);

    m_counts = new QLabel(this);
    m_counts->setTextFormat(Qt::RichText);
    m_listen = new QLabel(this);
    m_database = new QLabel(this);
    statusBar()->addPermanentWidget(m_counts);
    statusBar()->addPermanentWidget(m_listen);
    statusBar()->addPermanentWidget(m_database);
    statusBar()->showMessage(tr("Opening the database…"));

    m_tray = new TrayNotifier(m_settings, *this);
    createViews();
    createMenus();

    connect(&m_backend, &Backend::started, this, &MainWindow::onStarted);
    connect(&m_backend, &Backend::startFailed, this, &MainWindow::onStartFailed);
    connect(&m_backend, &Backend::runsChanged, this, &MainWindow::onRunsChanged);
    connect(&m_backend, &Backend::notificationRequested, m_tray, &TrayNotifier::notify);
    connect(m_navigator, &Navigator::openWorkflow, this, [this] { showView(View::Workflows); });
    connect(m_navigator, &Navigator::showRuns, this, [this] { showView(View::Runs); });
    connect(m_navigator, &Navigator::openRun, this, &MainWindow::openRun);

    if (!restoreGeometry(m_settings.windowGeometry()))
        resize(1280, 800);
    restoreState(m_settings.windowState());
    showView(View::Fleet);
}

MainWindow::~MainWindow() = default;

void MainWindow::createViews()
{
    // Each view is built by its own folder (fleet/, runs/, editor/, signals/); they load
    // their data once the backend has started.
    const struct
    {
        View view;
        Icon icon;
        QString title;
    } views[] = {
        { View::Overview, Icon::Overview, tr("Overview") },   { View::Fleet, Icon::Fleet, tr("Fleet") },
        { View::Runs, Icon::Runs, tr("Runs") },               { View::Workflows, Icon::Workflows, tr("Workflows") },
        { View::Signals, Icon::Signals, tr("Signals") },      { View::Incidents, Icon::Incidents, tr("Incidents") },
    };
    // The fleet view first: the overview charts read its model.
    m_fleet = new FleetView(m_backend, m_settings, *m_navigator, this);
    for (const auto &entry : views) {
        m_stack->addWidget(createView(entry.view));
        new QListWidgetItem(icon(entry.icon), entry.title, m_sidebar);
    }
}

QWidget *MainWindow::createView(View view)
{
    switch (view) {
    case View::Overview:
        return new OverviewView(m_backend, *m_fleet->model(), *m_navigator, this);
    case View::Fleet: {
        FleetModel *model = m_fleet->model();
        connect(model, &FleetModel::countsChanged, this, [this, model] {
            setFleetCounts(model->count(AgentState::Up), model->count(AgentState::Late), model->count(AgentState::Down),
                           model->count(AgentState::Paused), model->count(AgentState::New));
        });
        connect(model, &FleetModel::stateTransitions, this, &MainWindow::onTransitions);
        return m_fleet;
    }
    case View::Runs: {
        auto *runs = new RunsView(m_backend, m_settings, *m_navigator, this);
        connect(m_navigator, &Navigator::showRuns, runs, &RunsView::showRuns);
        return runs;
    }
    case View::Workflows:
        return new WorkflowsView(m_backend, m_settings, *m_navigator, this);
    case View::Signals: {
        auto *signalsView = new SignalsView(m_backend, *m_navigator, this);
        connect(m_navigator, &Navigator::openSignal, this, [this, signalsView](const QString &id) {
            showView(View::Signals);
            signalsView->showSignal(id);
        });
        return signalsView;
    }
    case View::Incidents:
        return new IncidentsView(m_backend, *m_navigator, this);
    }
    Q_UNREACHABLE();
    return nullptr;
}

void MainWindow::openRun(const QString &runId)
{
    // One window per run: asking again raises it.
    if (QPointer<RunView> open = m_runWindows.value(runId)) {
        open->showNormal();
        open->raise();
        open->activateWindow();
        return;
    }
    auto *run = new RunView(m_backend, *m_navigator, runId, this);
    run->setWindowFlag(Qt::Window);
    run->setAttribute(Qt::WA_DeleteOnClose);
    run->resize(1100, 760);
    m_runWindows.insert(runId, run);
    connect(run, &QObject::destroyed, this, [this, runId] { m_runWindows.remove(runId); });
    run->show();
}

void MainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *settings = file->addAction(icon(Icon::Settings), tr("&Settings…"), this, &MainWindow::openSettings);
    settings->setShortcut(QKeySequence::Preferences);
    settings->setShortcutContext(Qt::ApplicationShortcut);
    file->addSeparator();
    QAction *quit = file->addAction(icon(Icon::Quit), tr("&Quit"), qApp, &QApplication::quit);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *viewMenu = menuBar()->addMenu(tr("&View"));
    for (int i = 0; i < m_sidebar->count(); ++i) {
        QListWidgetItem *item = m_sidebar->item(i);
        QAction *action = viewMenu->addAction(item->icon(), item->text(), this, [this, i] { showView(View(i)); });
        action->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
        m_sidebar->item(i)->setToolTip(tr("%1 (%2)").arg(item->text(), action->shortcut().toString(QKeySequence::NativeText)));
    }
    viewMenu->addSeparator();
    QAction *fullScreen = viewMenu->addAction(tr("&Full Screen"), this, [this](bool on) {
        setWindowState(on ? windowState() | Qt::WindowFullScreen : windowState() & ~Qt::WindowFullScreen);
    });
    fullScreen->setCheckable(true);
    fullScreen->setShortcut(QKeySequence::FullScreen);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(icon(Icon::About), tr("&About Vigil"), this, [this] {
        QMessageBox::about(this, tr("About Vigil"),
                           tr("<h3>Vigil %1</h3><p>Fleet liveness and workflow runs.</p>"
                              "<p>Licensed under the GNU General Public License, version 3 or later.</p>")
                               .arg(QApplication::applicationVersion()));
    });
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

void MainWindow::showView(View view)
{
    m_sidebar->setCurrentRow(int(view));
}

MainWindow::View MainWindow::currentView() const
{
    return View(m_stack->currentIndex());
}

QWidget *MainWindow::viewWidget(View view) const
{
    return m_stack->widget(int(view));
}

void MainWindow::openSettings()
{
    SettingsDialog dialog(m_settings, this);
    dialog.exec();
}

void MainWindow::setFleetCounts(int up, int late, int down, int paused, int fresh)
{
    auto chip = [](AgentState state, int count) {
        return QStringLiteral("<span style=\"color:%1\">&#9679;</span>&nbsp;%2&nbsp;%3")
            .arg(stateColor(state).name())
            .arg(count)
            .arg(stateName(state).toHtmlEscaped());
    };
    QStringList parts { chip(AgentState::Up, up), chip(AgentState::Late, late), chip(AgentState::Down, down),
                        chip(AgentState::Paused, paused) };
    if (fresh > 0)
        parts << chip(AgentState::New, fresh);
    m_counts->setText(parts.join(QStringLiteral("&nbsp;&nbsp;")));
    m_tray->setFleetCounts(up, late, down, paused, fresh);
}

void MainWindow::onStarted()
{
    statusBar()->clearMessage();
    m_listen->setText(tr("Listening on %1").arg(m_backend.listenAddress()));
    m_listen->setToolTip(tr("Heartbeats: %1/heartbeat/<id>").arg(m_backend.baseUrl()));
    m_database->setText(m_backend.databaseDescription());
    setFleetCounts(0, 0, 0, 0, 0);
}

void MainWindow::onStartFailed(const QString &message)
{
    statusBar()->showMessage(tr("Cannot start: %1").arg(message));
    QMessageBox box(QMessageBox::Critical, tr("Vigil cannot start"), tr("Vigil cannot start: %1").arg(message),
                    QMessageBox::Close, this);
    QPushButton *settings = box.addButton(tr("Settings…"), QMessageBox::ActionRole);
    box.exec();
    if (box.clickedButton() == settings)
        openSettings();
}

void MainWindow::onTransitions(const QList<AgentTransition> &transitions)
{
    QStringList silent;
    QStringList failed;
    QStringList recovered;
    for (const AgentTransition &t : transitions) {
        if (t.to == AgentState::Down && t.from != AgentState::Down)
            (t.misses > 0 ? silent : failed) << t.id;
        else if (t.from == AgentState::Down && t.to == AgentState::Up)
            recovered << t.id;
    }
    m_tray->agentsWentDown(silent, failed);
    m_tray->agentsRecovered(recovered);
}

void MainWindow::onRunsChanged(const QList<WorkflowRun> &runs)
{
    QStringList failed;
    for (const WorkflowRun &run : runs) {
        if (run.status == RunStatus::Failed && !run.isDryRun)
            failed << tr("%1 (run %2)").arg(run.definitionSnapshot.name.isEmpty() ? run.definitionId : run.definitionSnapshot.name, run.id);
    }
    m_tray->runsFailed(failed);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (auto *workflows = qobject_cast<WorkflowsView *>(viewWidget(View::Workflows)); workflows && !workflows->confirmDiscard()) {
        event->ignore();
        return;
    }
    m_settings.setWindowGeometry(saveGeometry());
    m_settings.setWindowState(saveState());
    m_settings.sync();
    QMainWindow::closeEvent(event);
}

} // namespace vigil::ui
