// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The settings dialog: database (SQLite file or PostgreSQL URL, with a connection test that
// runs off the GUI thread), listen address, admin token, auto-registration, retention, the
// run_command allowlist, and notifications. It reads and writes only through Settings.

#include <QDialog>

class QButtonGroup;
class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QRadioButton;
class QSpinBox;

namespace vigil::ui {

class Settings;

class SettingsDialog final : public QDialog
{
    Q_OBJECT
public:
    explicit SettingsDialog(Settings &settings, QWidget *parent = nullptr);
    ~SettingsDialog() override;

    // The database URL the form describes ("" = the SQLite default).
    QString databaseUrl() const;
    // Checks the form; an empty string when it is fine, else what is wrong.
    QString problem() const;
    // Tests the form's database (asynchronously); the outcome lands in the status label and
    // in connectionTested().
    void testConnection();

public Q_SLOTS:
    void accept() override;

Q_SIGNALS:
    void connectionTested(bool ok, const QString &message);

private:
    void load();
    void save();
    void updateEnabled();

    Settings &m_settings;
    QRadioButton *m_sqlite = nullptr;
    QRadioButton *m_postgres = nullptr;
    QLineEdit *m_sqlitePath = nullptr;
    QPushButton *m_browse = nullptr;
    QLineEdit *m_postgresUrl = nullptr;
    QPushButton *m_test = nullptr;
    QLabel *m_testResult = nullptr;
    QLineEdit *m_listen = nullptr;
    QLineEdit *m_token = nullptr;
    QCheckBox *m_autoRegister = nullptr;
    QSpinBox *m_retention = nullptr;
    QListWidget *m_allowlist = nullptr;
    QCheckBox *m_notifyDown = nullptr;
    QCheckBox *m_notifyRecovered = nullptr;
    QCheckBox *m_notifyRunFailed = nullptr;
    QLabel *m_problem = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
    int m_testGeneration = 0; // drops the outcome of a test the user superseded
};

} // namespace vigil::ui
