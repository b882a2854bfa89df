// SPDX-License-Identifier: GPL-3.0-or-later
// The typed settings facade and the settings dialog: values round-trip through the same
// keys the common options read, changed(key) fires once per real change, and the dialog
// refuses a malformed form and tests a real database connection off the GUI thread.

#include "config/commonoptions.h"
#include "settings/settings.h"
#include "settings/settingsdialog.h"

#include <QCheckBox>
#include <QCommandLineParser>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QTemporaryDir>
#include <QtTest>

using namespace vigil;
using namespace vigil::ui;

class TestSettings : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void valuesRoundTripAndSignalOnce()
    {
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("vigil.ini"));
        {
            Settings settings(file);
            QCOMPARE(settings.autoRegister(), true);
            QCOMPARE(settings.retentionDays(), 7);
            QCOMPARE(settings.notifyAgentDown(), true);
            QSignalSpy changed(&settings, &Settings::changed);
            settings.setRetentionDays(14);
            settings.setRetentionDays(14); // unchanged: no second signal
            settings.setNotifyRunFailed(false);
            settings.setCommandAllowlist({ QStringLiteral("/usr/bin/systemctl") });
            settings.setDatabaseUrl(QStringLiteral("sqlite:///tmp/x.db"));
            settings.setListen(QStringLiteral("127.0.0.1:9999"));
            QCOMPARE(changed.size(), 5);
            QCOMPARE(changed.first().first().value<Settings::Key>(), Settings::Key::RetentionDays);
            settings.setRetentionDays(0); // clamped
            QCOMPARE(settings.retentionDays(), 1);
            settings.sync();
        }
        Settings reopened(file);
        QCOMPARE(reopened.retentionDays(), 1);
        QCOMPARE(reopened.notifyRunFailed(), false);
        QCOMPARE(reopened.commandAllowlist(), QStringList { QStringLiteral("/usr/bin/systemctl") });

        // What the dialog saves is what the programs read at their next start.
        QCommandLineParser parser;
        CommonOptionParser common;
        common.addTo(parser);
        QVERIFY(parser.parse({ QStringLiteral("vigil"), QStringLiteral("--config"), file }));
        Result<CommonOptions> options = common.resolve(parser, QProcessEnvironment());
        QVERIFY(options);
        QCOMPARE(options->databaseUrl, QStringLiteral("sqlite:///tmp/x.db"));
        QCOMPARE(options->listen.port, quint16(9999));
    }

    void dialogRefusesAMalformedForm()
    {
        QTemporaryDir dir;
        Settings settings(dir.filePath(QStringLiteral("vigil.ini")));
        SettingsDialog dialog(settings);
        QVERIFY(dialog.problem().isEmpty());
        auto *postgres = dialog.findChild<QRadioButton *>();
        QVERIFY(postgres);
        const auto radios = dialog.findChildren<QRadioButton *>();
        QCOMPARE(radios.size(), 2);
        radios[1]->setChecked(true); // PostgreSQL with an empty URL
        QVERIFY(!dialog.problem().isEmpty());
        radios[0]->setChecked(true);
        QVERIFY(dialog.problem().isEmpty());
        const auto edits = dialog.findChildren<QLineEdit *>();
        QLineEdit *listen = nullptr;
        for (QLineEdit *edit : edits) {
            if (edit->placeholderText() == QLatin1String("127.0.0.1:8787"))
                listen = edit;
        }
        QVERIFY(listen);
        listen->setText(QStringLiteral("not an address"));
        QVERIFY(dialog.problem().startsWith(QLatin1String("Listen address")));
        dialog.accept(); // refused: nothing saved
        QCOMPARE(settings.listen(), QString());
        listen->setText(QStringLiteral("0.0.0.0:8080"));
        dialog.accept();
        QCOMPARE(settings.listen(), QStringLiteral("0.0.0.0:8080"));
    }

    void connectionTestReachesARealDatabase()
    {
        QTemporaryDir dir;
        Settings settings(dir.filePath(QStringLiteral("vigil.ini")));
        settings.setDatabaseUrl(QStringLiteral("sqlite://") + dir.filePath(QStringLiteral("probe.db")));
        SettingsDialog dialog(settings);
        QSignalSpy tested(&dialog, &SettingsDialog::connectionTested);
        dialog.testConnection();
        QVERIFY(tested.wait(10000));
        QCOMPARE(tested.first().at(0).toBool(), true);
        QVERIFY2(tested.first().at(1).toString().contains(QLatin1String("probe.db")), qPrintable(tested.first().at(1).toString()));

        // A PostgreSQL server nobody runs: a clear failure, not a hang of the GUI thread.
        settings.setDatabaseUrl(QStringLiteral("postgres://nobody:x@127.0.0.1:1/none"));
        SettingsDialog failing(settings);
        QSignalSpy failed(&failing, &SettingsDialog::connectionTested);
        failing.testConnection();
        QVERIFY(failed.wait(30000));
        QCOMPARE(failed.first().at(0).toBool(), false);
        QVERIFY(!failed.first().at(1).toString().isEmpty());
    }
};

QTEST_MAIN(TestSettings)
#include "tst_settings.moc"
