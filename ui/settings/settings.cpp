// SPDX-License-Identifier: GPL-3.0-or-later
#include "settings/settings.h"

#include <QSettings>

namespace vigil::ui {

namespace {
const QString kDatabaseUrl = QStringLiteral("database/url");
const QString kListen = QStringLiteral("http/listen");
const QString kToken = QStringLiteral("http/token");
const QString kAutoRegister = QStringLiteral("collector/autoRegister");
const QString kRetentionDays = QStringLiteral("collector/retentionDays");
const QString kAllowlist = QStringLiteral("engine/commandAllowlist");
const QString kNotifyDown = QStringLiteral("notifications/agentDown");
const QString kNotifyRecovered = QStringLiteral("notifications/agentRecovered");
const QString kNotifyRunFailed = QStringLiteral("notifications/runFailed");
const QString kFleetTiles = QStringLiteral("ui/fleetTiles");
const QString kGeometry = QStringLiteral("ui/geometry");
const QString kState = QStringLiteral("ui/state");
} // namespace

Settings::Settings(const QString &file, QObject *parent)
    : QObject(parent)
    , m_settings(file.isEmpty() ? std::make_unique<QSettings>() : std::make_unique<QSettings>(file, QSettings::IniFormat))
{
}

Settings::~Settings() = default;

void Settings::set(Key key, const QString &name, const QVariant &value)
{
    if (m_settings->value(name) == value)
        return;
    m_settings->setValue(name, value);
    Q_EMIT changed(key);
}

QString Settings::databaseUrl() const { return m_settings->value(kDatabaseUrl).toString(); }
void Settings::setDatabaseUrl(const QString &url) { set(Key::DatabaseUrl, kDatabaseUrl, url); }
QString Settings::listen() const { return m_settings->value(kListen).toString(); }
void Settings::setListen(const QString &listen) { set(Key::Listen, kListen, listen); }
QString Settings::token() const { return m_settings->value(kToken).toString(); }
void Settings::setToken(const QString &token) { set(Key::Token, kToken, token); }
bool Settings::autoRegister() const { return m_settings->value(kAutoRegister, true).toBool(); }
void Settings::setAutoRegister(bool on) { set(Key::AutoRegister, kAutoRegister, on); }
int Settings::retentionDays() const { return qMax(1, m_settings->value(kRetentionDays, 7).toInt()); }
void Settings::setRetentionDays(int days) { set(Key::RetentionDays, kRetentionDays, qMax(1, days)); }
QStringList Settings::commandAllowlist() const { return m_settings->value(kAllowlist).toStringList(); }
void Settings::setCommandAllowlist(const QStringList &programs) { set(Key::CommandAllowlist, kAllowlist, programs); }
bool Settings::notifyAgentDown() const { return m_settings->value(kNotifyDown, true).toBool(); }
void Settings::setNotifyAgentDown(bool on) { set(Key::NotifyAgentDown, kNotifyDown, on); }
bool Settings::notifyAgentRecovered() const { return m_settings->value(kNotifyRecovered, true).toBool(); }
void Settings::setNotifyAgentRecovered(bool on) { set(Key::NotifyAgentRecovered, kNotifyRecovered, on); }
bool Settings::notifyRunFailed() const { return m_settings->value(kNotifyRunFailed, true).toBool(); }
void Settings::setNotifyRunFailed(bool on) { set(Key::NotifyRunFailed, kNotifyRunFailed, on); }
bool Settings::fleetTiles() const { return m_settings->value(kFleetTiles, true).toBool(); }
void Settings::setFleetTiles(bool tiles) { set(Key::FleetTiles, kFleetTiles, tiles); }
QByteArray Settings::windowGeometry() const { return m_settings->value(kGeometry).toByteArray(); }
void Settings::setWindowGeometry(const QByteArray &geometry) { set(Key::WindowGeometry, kGeometry, geometry); }
QByteArray Settings::windowState() const { return m_settings->value(kState).toByteArray(); }
void Settings::setWindowState(const QByteArray &state) { set(Key::WindowState, kState, state); }

QByteArray Settings::viewState(const QString &name) const
{
    return m_settings->value(QStringLiteral("views/") + name).toByteArray();
}

void Settings::setViewState(const QString &name, const QByteArray &state)
{
    m_settings->setValue(QStringLiteral("views/") + name, state);
}

void Settings::sync()
{
    m_settings->sync();
}

} // namespace vigil::ui
