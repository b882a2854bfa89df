// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The tray icon, coloured by the fleet's worst state (down, late, all up, empty), and the
// desktop notifications for agents going down, recovering and runs failing — each
// switchable in the settings. Several events in one frame become one notification
// ("3 agents are down: a, b, c"), so a network blip never buries the desktop. Without a
// system tray (some desktops, Xvfb), notifications go to the status bar instead.

#include <QObject>
#include <QStringList>

class QSystemTrayIcon;
class QMenu;
class QMainWindow;

namespace vigil::ui {

class Settings;

class TrayNotifier final : public QObject
{
    Q_OBJECT
public:
    TrayNotifier(Settings &settings, QMainWindow &window);
    ~TrayNotifier() override;

    void setFleetCounts(int up, int late, int down, int paused, int fresh);
    // Down by silence (no heartbeat within interval and grace) or by a reported failure.
    void agentsWentDown(const QStringList &silent, const QStringList &failed);
    void agentsRecovered(const QStringList &ids);
    void runsFailed(const QStringList &descriptions);
    // A built-in `notify` step's message.
    void notify(const QString &title, const QString &body, const QString &severity);

    // For tests: the colour name of the current icon and the last message shown.
    QString iconColorName() const { return m_colorName; }
    QString lastTitle() const { return m_lastTitle; }
    QString lastBody() const { return m_lastBody; }
    bool lastWasWarning() const { return m_lastWarning; }

private:
    void show(const QString &title, const QString &body, bool critical);
    static QString summarise(const QStringList &names);

    Settings &m_settings;
    QMainWindow &m_window;
    QSystemTrayIcon *m_tray = nullptr;
    QMenu *m_menu = nullptr;
    QString m_colorName;
    QString m_lastTitle;
    QString m_lastBody;
    bool m_lastWarning = false;
};

} // namespace vigil::ui
