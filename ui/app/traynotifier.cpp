// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/traynotifier.h"

#include "common/icons.h"
#include "common/presentation.h"
#include "settings/settings.h"

#include <QApplication>
#include <QMainWindow>
#include <QMenu>
#include <QPainter>
#include <QStatusBar>
#include <QSystemTrayIcon>

namespace vigil::ui {

namespace {
QIcon dotIcon(const QColor &color)
{
    QIcon icon;
    for (int size : { 16, 22, 32, 48 }) {
        QPixmap pixmap(size, size);
        pixmap.fill(Qt::transparent);
        QPainter painter(&pixmap);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setPen(QPen(color.darker(140), qMax(1.0, size / 16.0)));
        painter.setBrush(color);
        const qreal margin = size / 8.0;
        painter.drawEllipse(QRectF(margin, margin, size - 2 * margin, size - 2 * margin));
        icon.addPixmap(pixmap);
    }
    return icon;
}
} // namespace

TrayNotifier::TrayNotifier(Settings &settings, QMainWindow &window)
    : QObject(&window)
    , m_settings(settings)
    , m_window(window)
{
    if (!QSystemTrayIcon::isSystemTrayAvailable())
        return;
    m_tray = new QSystemTrayIcon(this);
    m_menu = new QMenu(&window);
    m_menu->addAction(icon(Icon::Fleet), tr("Show Vigil"), &window, [this] {
        m_window.showNormal();
        m_window.raise();
        m_window.activateWindow();
    });
    m_menu->addSeparator();
    m_menu->addAction(icon(Icon::Quit), tr("Quit"), qApp, &QApplication::quit);
    m_tray->setContextMenu(m_menu);
    connect(m_tray, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason reason) {
        if (reason == QSystemTrayIcon::Trigger) {
            m_window.setVisible(!m_window.isVisible() || m_window.isMinimized());
            if (m_window.isVisible()) {
                m_window.showNormal();
                m_window.activateWindow();
            }
        }
    });
    setFleetCounts(0, 0, 0, 0, 0);
    m_tray->show();
}

TrayNotifier::~TrayNotifier() = default;

void TrayNotifier::setFleetCounts(int up, int late, int down, int paused, int fresh)
{
    const QColor color = down > 0 ? stateColor(AgentState::Down)
        : late > 0                ? stateColor(AgentState::Late)
        : up > 0                  ? stateColor(AgentState::Up)
                                  : stateColor(AgentState::Paused);
    const QString tooltip = tr("Vigil — %1 up, %2 late, %3 down, %4 paused, %5 new")
                                .arg(up).arg(late).arg(down).arg(paused).arg(fresh);
    if (color.name() != m_colorName) {
        m_colorName = color.name();
        const QIcon dot = dotIcon(color);
        if (m_tray)
            m_tray->setIcon(dot);
        m_window.setWindowIcon(dot);
    }
    if (m_tray)
        m_tray->setToolTip(tooltip);
}

QString TrayNotifier::summarise(const QStringList &names)
{
    constexpr int kShown = 5;
    QStringList shown = names.mid(0, kShown);
    QString text = shown.join(QStringLiteral(", "));
    if (names.size() > kShown)
        text += tr(" and %n more", nullptr, int(names.size() - kShown));
    return text;
}

void TrayNotifier::agentsWentDown(const QStringList &silent, const QStringList &failed)
{
    const QStringList ids = silent + failed;
    if (ids.isEmpty() || !m_settings.notifyAgentDown())
        return;
    QString body;
    if (ids.size() > 1)
        body = summarise(ids);
    else if (failed.isEmpty())
        body = tr("No heartbeat within its interval and grace.");
    else
        body = tr("It reported a failure.");
    show(ids.size() == 1 ? tr("Agent down: %1").arg(ids.first()) : tr("%n agents are down", nullptr, int(ids.size())),
         body, true);
}

void TrayNotifier::agentsRecovered(const QStringList &ids)
{
    if (ids.isEmpty() || !m_settings.notifyAgentRecovered())
        return;
    show(ids.size() == 1 ? tr("Agent recovered: %1").arg(ids.first())
                         : tr("%n agents recovered", nullptr, int(ids.size())),
         ids.size() == 1 ? tr("Heartbeats are arriving again.") : summarise(ids), false);
}

void TrayNotifier::runsFailed(const QStringList &descriptions)
{
    if (descriptions.isEmpty() || !m_settings.notifyRunFailed())
        return;
    show(descriptions.size() == 1 ? tr("Run failed") : tr("%n runs failed", nullptr, int(descriptions.size())),
         summarise(descriptions), true);
}

void TrayNotifier::notify(const QString &title, const QString &body, const QString &severity)
{
    // notify's severities are info, warning and error: anything above info gets the warning icon.
    show(title, body, severity != QLatin1String("info"));
}

void TrayNotifier::show(const QString &title, const QString &body, bool critical)
{
    m_lastTitle = title;
    m_lastBody = body;
    m_lastWarning = critical;
    if (m_tray && QSystemTrayIcon::supportsMessages())
        m_tray->showMessage(title, body, critical ? QSystemTrayIcon::Warning : QSystemTrayIcon::Information, 8000);
    else
        m_window.statusBar()->showMessage(title + QStringLiteral(" — ") + body, 10000);
}

} // namespace vigil::ui
