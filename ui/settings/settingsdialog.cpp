// SPDX-License-Identifier: GPL-3.0-or-later
#include "settings/settingsdialog.h"

#include "common/icons.h"
#include "config/commonoptions.h"
#include "heartbeat/signing.h"
#include "settings/settings.h"
#include "store/store.h"

#include <QApplication>
#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPointer>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QThread>
#include <QToolButton>
#include <QVBoxLayout>

namespace vigil::ui {

namespace {
QString sqlitePathOf(const QString &url)
{
    if (url.startsWith(QLatin1String("sqlite:///")))
        return url.mid(int(qstrlen("sqlite://")));
    if (url.startsWith(QLatin1String("sqlite://")))
        return url.mid(int(qstrlen("sqlite://")));
    return {};
}
} // namespace

SettingsDialog::SettingsDialog(Settings &settings, QWidget *parent) : QDialog(parent), m_settings(settings)
{
    setWindowTitle(tr("Settings"));
    auto *tabs = new QTabWidget(this);

    // Database.
    auto *database = new QWidget(tabs);
    auto *dbLayout = new QVBoxLayout(database);
    m_sqlite = new QRadioButton(tr("Embedded SQLite file"), database);
    auto *sqliteRow = new QHBoxLayout;
    m_sqlitePath = new QLineEdit(database);
    m_sqlitePath->setPlaceholderText(sqlitePathOf(defaultDatabaseUrl()));
    m_browse = new QPushButton(icon(Icon::Open), tr("Browse…"), database);
    sqliteRow->addWidget(m_sqlitePath, 1);
    sqliteRow->addWidget(m_browse);
    m_postgres = new QRadioButton(tr("PostgreSQL (shared by several nodes)"), database);
    m_postgresUrl = new QLineEdit(database);
    m_postgresUrl->setPlaceholderText(QStringLiteral("postgres://vigil:secret@db.example:5432/vigil"));
    auto *testRow = new QHBoxLayout;
    m_test = new QPushButton(icon(Icon::Validate), tr("Test connection"), database);
    m_testResult = new QLabel(database);
    m_testResult->setWordWrap(true);
    m_testResult->setTextInteractionFlags(Qt::TextSelectableByMouse);
    testRow->addWidget(m_test);
    testRow->addWidget(m_testResult, 1);
    dbLayout->addWidget(m_sqlite);
    dbLayout->addLayout(sqliteRow);
    dbLayout->addSpacing(8);
    dbLayout->addWidget(m_postgres);
    dbLayout->addWidget(m_postgresUrl);
    dbLayout->addSpacing(8);
    dbLayout->addLayout(testRow);
    dbLayout->addWidget(new QLabel(tr("Database changes take effect when Vigil starts again."), database));
    dbLayout->addStretch();
    tabs->addTab(database, icon(Icon::Fleet), tr("Database"));

    // Server.
    auto *server = new QWidget(tabs);
    auto *serverForm = new QFormLayout(server);
    m_listen = new QLineEdit(server);
    m_listen->setPlaceholderText(QStringLiteral("127.0.0.1:8787"));
    serverForm->addRow(tr("Listen address:"), m_listen);
    auto *tokenRow = new QHBoxLayout;
    m_token = new QLineEdit(server);
    m_token->setEchoMode(QLineEdit::PasswordEchoOnEdit);
    auto *generate = new QToolButton(server);
    generate->setIcon(icon(Icon::Key));
    generate->setToolTip(tr("Generate a new token"));
    tokenRow->addWidget(m_token, 1);
    tokenRow->addWidget(generate);
    serverForm->addRow(tr("Admin API token:"), tokenRow);
    m_autoRegister = new QCheckBox(tr("Register unknown agents on their first heartbeat"), server);
    serverForm->addRow(QString(), m_autoRegister);
    m_retention = new QSpinBox(server);
    m_retention->setRange(1, 3650);
    m_retention->setSuffix(tr(" days"));
    serverForm->addRow(tr("Keep heartbeat history:"), m_retention);
    serverForm->addRow(new QLabel(tr("These take effect when Vigil starts again."), server));
    tabs->addTab(server, icon(Icon::Signals), tr("Server"));

    // Engine: run_command allowlist.
    auto *engine = new QWidget(tabs);
    auto *engineLayout = new QVBoxLayout(engine);
    engineLayout->addWidget(new QLabel(tr("Programs the run_command step may start (absolute paths or names):"), engine));
    m_allowlist = new QListWidget(engine);
    engineLayout->addWidget(m_allowlist, 1);
    auto *listButtons = new QHBoxLayout;
    auto *add = new QPushButton(icon(Icon::New), tr("Add…"), engine);
    auto *remove = new QPushButton(icon(Icon::Delete), tr("Remove"), engine);
    listButtons->addWidget(add);
    listButtons->addWidget(remove);
    listButtons->addStretch();
    engineLayout->addLayout(listButtons);
    tabs->addTab(engine, icon(Icon::Runs), tr("Engine"));

    // Notifications.
    auto *notifications = new QWidget(tabs);
    auto *notifyLayout = new QVBoxLayout(notifications);
    m_notifyDown = new QCheckBox(tr("When an agent goes down"), notifications);
    m_notifyRecovered = new QCheckBox(tr("When an agent recovers"), notifications);
    m_notifyRunFailed = new QCheckBox(tr("When a run fails"), notifications);
    notifyLayout->addWidget(m_notifyDown);
    notifyLayout->addWidget(m_notifyRecovered);
    notifyLayout->addWidget(m_notifyRunFailed);
    notifyLayout->addStretch();
    tabs->addTab(notifications, icon(Icon::Incidents), tr("Notifications"));

    m_problem = new QLabel(this);
    m_problem->setWordWrap(true);
    QPalette warning = m_problem->palette();
    warning.setColor(QPalette::WindowText, QColor(0xd1, 0x34, 0x38));
    m_problem->setPalette(warning);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(tabs, 1);
    layout->addWidget(m_problem);
    layout->addWidget(m_buttons);

    connect(m_buttons, &QDialogButtonBox::accepted, this, &SettingsDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &SettingsDialog::reject);
    connect(m_sqlite, &QRadioButton::toggled, this, &SettingsDialog::updateEnabled);
    connect(m_postgres, &QRadioButton::toggled, this, &SettingsDialog::updateEnabled);
    for (QLineEdit *edit : { m_sqlitePath, m_postgresUrl, m_listen })
        connect(edit, &QLineEdit::textChanged, this, &SettingsDialog::updateEnabled);
    connect(m_browse, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getSaveFileName(this, tr("SQLite database"), m_sqlitePath->text(),
                                                          tr("SQLite databases (*.db *.sqlite);;All files (*)"),
                                                          nullptr, QFileDialog::DontConfirmOverwrite);
        if (!file.isEmpty())
            m_sqlitePath->setText(file);
    });
    connect(m_test, &QPushButton::clicked, this, &SettingsDialog::testConnection);
    connect(generate, &QToolButton::clicked, this, [this] { m_token->setText(QString::fromLatin1(signing::generateKey())); });
    connect(add, &QPushButton::clicked, this, [this] {
        const QString program = QInputDialog::getText(this, tr("Allow a program"), tr("Program (absolute path or name):"));
        if (!program.trimmed().isEmpty())
            m_allowlist->addItem(program.trimmed());
    });
    connect(remove, &QPushButton::clicked, this, [this] { delete m_allowlist->currentItem(); });
    load();
    resize(560, 420);
}

SettingsDialog::~SettingsDialog() = default;

void SettingsDialog::load()
{
    const QString url = m_settings.databaseUrl();
    const bool postgres = url.startsWith(QLatin1String("postgres"));
    m_postgres->setChecked(postgres);
    m_sqlite->setChecked(!postgres);
    m_postgresUrl->setText(postgres ? url : QString());
    m_sqlitePath->setText(postgres ? QString() : sqlitePathOf(url));
    m_listen->setText(m_settings.listen());
    m_token->setText(m_settings.token());
    m_autoRegister->setChecked(m_settings.autoRegister());
    m_retention->setValue(m_settings.retentionDays());
    m_allowlist->clear();
    m_allowlist->addItems(m_settings.commandAllowlist());
    m_notifyDown->setChecked(m_settings.notifyAgentDown());
    m_notifyRecovered->setChecked(m_settings.notifyAgentRecovered());
    m_notifyRunFailed->setChecked(m_settings.notifyRunFailed());
    updateEnabled();
}

QString SettingsDialog::databaseUrl() const
{
    if (m_postgres->isChecked())
        return m_postgresUrl->text().trimmed();
    const QString path = m_sqlitePath->text().trimmed();
    return path.isEmpty() ? QString() : QStringLiteral("sqlite://") + path;
}

QString SettingsDialog::problem() const
{
    if (m_postgres->isChecked()) {
        const QString url = m_postgresUrl->text().trimmed();
        if (!url.startsWith(QLatin1String("postgres://")) && !url.startsWith(QLatin1String("postgresql://")))
            return tr("The PostgreSQL URL must look like postgres://user:password@host:5432/database.");
    }
    if (!m_listen->text().trimmed().isEmpty()) {
        if (Result<ListenAddress> listen = parseListenAddress(m_listen->text().trimmed()); !listen)
            return tr("Listen address: %1").arg(listen.error().message);
    }
    return {};
}

void SettingsDialog::updateEnabled()
{
    m_sqlitePath->setEnabled(m_sqlite->isChecked());
    m_browse->setEnabled(m_sqlite->isChecked());
    m_postgresUrl->setEnabled(m_postgres->isChecked());
    const QString what = problem();
    m_problem->setText(what);
    m_problem->setVisible(!what.isEmpty());
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(what.isEmpty());
}

void SettingsDialog::testConnection()
{
    const QString url = databaseUrl().isEmpty() ? defaultDatabaseUrl() : databaseUrl();
    const int generation = ++m_testGeneration;
    m_testResult->setText(tr("Connecting…"));
    m_test->setEnabled(false);
    // Opening a database can take seconds (a remote server, a timeout): never on the GUI thread.
    QPointer<SettingsDialog> self(this);
    QThread *worker = QThread::create([self, url, generation] {
        Result<std::unique_ptr<Store>> store = openStore({ url });
        bool ok = store.ok();
        QString message;
        if (ok) {
            Result<int> version = store.value()->schemaVersion();
            message = version ? tr("Connected to %1 (schema version %2).").arg(store.value()->describe()).arg(*version)
                              : tr("Connected to %1.").arg(store.value()->describe());
        } else {
            message = store.error().message;
        }
        store = makeError(ErrorCode::Internal, QString()); // close on this thread
        QMetaObject::invokeMethod(
            qApp,
            [self, ok, message, generation] {
                if (!self || generation != self->m_testGeneration)
                    return;
                self->m_test->setEnabled(true);
                self->m_testResult->setText(ok ? message : tr("Cannot connect: %1").arg(message));
                Q_EMIT self->connectionTested(ok, message);
            },
            Qt::QueuedConnection);
    });
    connect(worker, &QThread::finished, worker, &QObject::deleteLater);
    worker->start();
}

void SettingsDialog::save()
{
    m_settings.setDatabaseUrl(databaseUrl());
    m_settings.setListen(m_listen->text().trimmed());
    m_settings.setToken(m_token->text().trimmed());
    m_settings.setAutoRegister(m_autoRegister->isChecked());
    m_settings.setRetentionDays(m_retention->value());
    QStringList programs;
    for (int i = 0; i < m_allowlist->count(); ++i)
        programs << m_allowlist->item(i)->text();
    m_settings.setCommandAllowlist(programs);
    m_settings.setNotifyAgentDown(m_notifyDown->isChecked());
    m_settings.setNotifyAgentRecovered(m_notifyRecovered->isChecked());
    m_settings.setNotifyRunFailed(m_notifyRunFailed->isChecked());
    m_settings.sync();
}

void SettingsDialog::accept()
{
    if (!problem().isEmpty())
        return;
    save();
    QDialog::accept();
}

} // namespace vigil::ui
