// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The one typed door to the dashboard's settings (STYLE.md: widgets never call QSettings).
// Keys are shared with the common options (database/url, http/listen, http/token), so what
// the settings dialog saves is what vigil and vigild read at their next start. changed(key)
// tells views that react at once (notifications, the fleet's view mode).

#include <QByteArray>
#include <QObject>
#include <QStringList>

#include <memory>

class QSettings;

namespace vigil::ui {

class Settings final : public QObject
{
    Q_OBJECT
public:
    enum class Key {
        DatabaseUrl,
        Listen,
        Token,
        AutoRegister,
        RetentionDays,
        CommandAllowlist,
        NotifyAgentDown,
        NotifyAgentRecovered,
        NotifyRunFailed,
        FleetTiles,
        WindowGeometry,
        WindowState,
    };
    Q_ENUM(Key)

    // `file` empty: the platform's settings (organisation "Vigil"); else an INI file
    // (--config, and tests).
    explicit Settings(const QString &file = {}, QObject *parent = nullptr);
    ~Settings() override;

    // Needs a restart to take effect: database, listen address, token, auto-registration,
    // retention, the command allowlist.
    QString databaseUrl() const; // empty: the built-in SQLite default
    void setDatabaseUrl(const QString &url);
    QString listen() const; // empty: 127.0.0.1:8787
    void setListen(const QString &listen);
    QString token() const;
    void setToken(const QString &token);
    bool autoRegister() const;
    void setAutoRegister(bool on);
    int retentionDays() const;
    void setRetentionDays(int days);
    QStringList commandAllowlist() const;
    void setCommandAllowlist(const QStringList &programs);

    // Take effect at once.
    bool notifyAgentDown() const;
    void setNotifyAgentDown(bool on);
    bool notifyAgentRecovered() const;
    void setNotifyAgentRecovered(bool on);
    bool notifyRunFailed() const;
    void setNotifyRunFailed(bool on);
    bool fleetTiles() const; // tiles (true) or table
    void setFleetTiles(bool tiles);

    QByteArray windowGeometry() const;
    void setWindowGeometry(const QByteArray &geometry);
    QByteArray windowState() const;
    void setWindowState(const QByteArray &state);
    // A view's own header or splitter state, by name ("runs/header").
    QByteArray viewState(const QString &name) const;
    void setViewState(const QString &name, const QByteArray &state);

    void sync();

Q_SIGNALS:
    void changed(vigil::ui::Settings::Key key);

private:
    void set(Key key, const QString &name, const QVariant &value);

    std::unique_ptr<QSettings> m_settings;
};

} // namespace vigil::ui
