// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The dashboard's window: a sidebar of views (Overview, Fleet, Runs, Workflows, Signals,
// Incidents), a status bar with the fleet's counts by state, the listen address and the
// database, and the tray icon. It owns no data: each view asks the Backend.

#include <QHash>
#include <QMainWindow>
#include <QPointer>

namespace vigil {
struct WorkflowRun;
}

class QLabel;
class QListWidget;
class QStackedWidget;

namespace vigil::ui {

class Backend;
class Navigator;
class Settings;
class TrayNotifier;
class FleetView;
struct AgentTransition;
class RunView;

class MainWindow final : public QMainWindow
{
    Q_OBJECT
public:
    enum class View { Overview, Fleet, Runs, Workflows, Signals, Incidents };
    Q_ENUM(View)

    MainWindow(Backend &backend, Settings &settings, QWidget *parent = nullptr);
    ~MainWindow() override;

    void showView(View view);
    View currentView() const;
    QWidget *viewWidget(View view) const;
    Navigator &navigator() const { return *m_navigator; }
    TrayNotifier &tray() const { return *m_tray; }
    void openSettings();
    void openRun(const QString &runId);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createViews();
    QWidget *createView(View view);
    void createMenus();
    void onStarted();
    void onStartFailed(const QString &message);
    void onRunsChanged(const QList<vigil::WorkflowRun> &runs);
    void onTransitions(const QList<vigil::ui::AgentTransition> &transitions);
    void setFleetCounts(int up, int late, int down, int paused, int fresh);

    Backend &m_backend;
    Settings &m_settings;
    Navigator *m_navigator = nullptr;
    QListWidget *m_sidebar = nullptr;
    QStackedWidget *m_stack = nullptr;
    QLabel *m_counts = nullptr;
    QLabel *m_listen = nullptr;
    QLabel *m_database = nullptr;
    TrayNotifier *m_tray = nullptr;
    FleetView *m_fleet = nullptr;
    QHash<QString, QPointer<RunView>> m_runWindows;
};

} // namespace vigil::ui
