// SPDX-License-Identifier: GPL-3.0-or-later
// Common options: flag, then environment, then settings file, then default.

#include "config/commonoptions.h"

#include <QCommandLineParser>
#include <QSettings>
#include <QTemporaryDir>
#include <QtTest>

using namespace vigil;

class TestCommonOptions : public QObject
{
    Q_OBJECT

private:
    Result<CommonOptions> resolve(const QStringList &args, const QProcessEnvironment &env)
    {
        QCommandLineParser parser;
        CommonOptionParser common;
        common.addTo(parser);
        if (!parser.parse(QStringList { QStringLiteral("vigild") } + args))
            return makeError(ErrorCode::Invalid, parser.errorText());
        return common.resolve(parser, env);
    }

private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void listenAddresses_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("normalised"); // empty: error expected
        QTest::addColumn<QString>("error");
        QTest::newRow("ipv4") << QStringLiteral("127.0.0.1:8787") << QStringLiteral("127.0.0.1:8787") << QString();
        QTest::newRow("any") << QStringLiteral("0.0.0.0:80") << QStringLiteral("0.0.0.0:80") << QString();
        QTest::newRow("port only") << QStringLiteral(":9000") << QStringLiteral("0.0.0.0:9000") << QString();
        QTest::newRow("ipv6") << QStringLiteral("[::1]:8787") << QStringLiteral("[::1]:8787") << QString();
        QTest::newRow("localhost") << QStringLiteral("localhost:1") << QStringLiteral("127.0.0.1:1") << QString();
        QTest::newRow("ephemeral") << QStringLiteral("127.0.0.1:0") << QStringLiteral("127.0.0.1:0") << QString();
        QTest::newRow("no port") << QStringLiteral("127.0.0.1") << QString()
                                 << QStringLiteral("listen address \"127.0.0.1\" needs a port, e.g. 127.0.0.1:8787");
        QTest::newRow("port too big") << QStringLiteral("127.0.0.1:70000") << QString()
                                      << QStringLiteral("listen address \"127.0.0.1:70000\": bad port \"70000\"");
        QTest::newRow("hostname") << QStringLiteral("example.org:80") << QString()
                                  << QStringLiteral("listen address \"example.org:80\": \"example.org\" is not an IP address");
    }

    void listenAddresses()
    {
        QFETCH(QString, text);
        QFETCH(QString, normalised);
        QFETCH(QString, error);
        const Result<ListenAddress> parsed = parseListenAddress(text);
        if (normalised.isEmpty()) {
            QVERIFY(!parsed.ok());
            QCOMPARE(parsed.error().message, error);
        } else {
            QVERIFY(parsed.ok());
            QCOMPARE(parsed->toString(), normalised);
        }
    }

    void precedence()
    {
        QTemporaryDir dir;
        const QString ini = dir.filePath(QStringLiteral("vigil.ini"));
        {
            QSettings settings(ini, QSettings::IniFormat);
            settings.setValue(QStringLiteral("database/url"), QStringLiteral("sqlite:///from/settings.db"));
            settings.setValue(QStringLiteral("http/listen"), QStringLiteral("127.0.0.1:1111"));
            settings.setValue(QStringLiteral("http/token"), QStringLiteral("settings-token"));
            settings.setValue(QStringLiteral("database/tablePrefix"), QStringLiteral("s_"));
        }
        QProcessEnvironment env;
        const QStringList config { QStringLiteral("--config"), ini };

        // Settings file only.
        Result<CommonOptions> options = resolve(config, env);
        QVERIFY(options.ok());
        QCOMPARE(options->databaseUrl, QStringLiteral("sqlite:///from/settings.db"));
        QCOMPARE(options->listen.port, quint16(1111));
        QCOMPARE(options->token, QStringLiteral("settings-token"));
        QCOMPARE(options->tablePrefix, QStringLiteral("s_"));

        // The environment beats the settings file.
        env.insert(QStringLiteral("VIGIL_DB"), QStringLiteral("sqlite:///from/env.db"));
        env.insert(QStringLiteral("VIGIL_LISTEN"), QStringLiteral("127.0.0.1:2222"));
        env.insert(QStringLiteral("VIGIL_TOKEN"), QStringLiteral("env-token"));
        env.insert(QStringLiteral("VIGIL_TABLE_PREFIX"), QStringLiteral("e_"));
        options = resolve(config, env);
        QVERIFY(options.ok());
        QCOMPARE(options->databaseUrl, QStringLiteral("sqlite:///from/env.db"));
        QCOMPARE(options->listen.port, quint16(2222));
        QCOMPARE(options->token, QStringLiteral("env-token"));
        QCOMPARE(options->tablePrefix, QStringLiteral("e_"));

        // Flags beat both.
        options = resolve(config + QStringList { QStringLiteral("--db"), QStringLiteral("postgres://u@h/db"),
                                                 QStringLiteral("--listen"), QStringLiteral("127.0.0.1:3333"),
                                                 QStringLiteral("--token"), QStringLiteral("flag-token"),
                                                 QStringLiteral("--table-prefix"), QStringLiteral("f_") },
                          env);
        QVERIFY(options.ok());
        QCOMPARE(options->databaseUrl, QStringLiteral("postgres://u@h/db"));
        QCOMPARE(options->listen.port, quint16(3333));
        QCOMPARE(options->token, QStringLiteral("flag-token"));
        QCOMPARE(options->tablePrefix, QStringLiteral("f_"));
    }

    void defaults()
    {
        QTemporaryDir dir;
        const Result<CommonOptions> options
            = resolve({ QStringLiteral("--config"), dir.filePath(QStringLiteral("empty.ini")) }, QProcessEnvironment());
        QVERIFY(options.ok());
        QVERIFY2(options->databaseUrl.startsWith(QStringLiteral("sqlite://")), qPrintable(options->databaseUrl));
        QVERIFY(options->databaseUrl.endsWith(QStringLiteral("/vigil.db")));
        QCOMPARE(options->listen.toString(), QStringLiteral("127.0.0.1:8787"));
        QCOMPARE(options->tablePrefix, QStringLiteral("vigil_"));
        QVERIFY(options->token.isEmpty());
    }

    void tokenIsGeneratedOnceAndKept()
    {
        QTemporaryDir dir;
        const QString ini = dir.filePath(QStringLiteral("vigild.ini"));
        Result<CommonOptions> first = resolve({ QStringLiteral("--config"), ini }, QProcessEnvironment());
        QVERIFY(first.ok());
        bool generated = false;
        const QString token = ensureToken(*first, &generated);
        QVERIFY(generated);
        QCOMPARE(token.size(), 64); // 32 random bytes as hex
        // The next start reads it back from the settings and generates nothing.
        Result<CommonOptions> second = resolve({ QStringLiteral("--config"), ini }, QProcessEnvironment());
        QCOMPARE(second->token, token);
        QCOMPARE(ensureToken(*second, &generated), token);
        QVERIFY(!generated);
        // A token given on the command line wins and is not written over the kept one.
        Result<CommonOptions> flagged
            = resolve({ QStringLiteral("--config"), ini, QStringLiteral("--token"), QStringLiteral("mine") },
                      QProcessEnvironment());
        QCOMPARE(ensureToken(*flagged, &generated), QStringLiteral("mine"));
        QVERIFY(!generated);
        QCOMPARE(QSettings(ini, QSettings::IniFormat).value(QStringLiteral("http/token")).toString(), token);
    }

    void badListenIsAnError()
    {
        QProcessEnvironment env;
        env.insert(QStringLiteral("VIGIL_LISTEN"), QStringLiteral("nonsense"));
        QTemporaryDir dir;
        const Result<CommonOptions> options
            = resolve({ QStringLiteral("--config"), dir.filePath(QStringLiteral("empty.ini")) }, env);
        QVERIFY(!options.ok());
        QVERIFY(options.error().message.contains(QStringLiteral("nonsense")));
    }
};

QTEST_GUILESS_MAIN(TestCommonOptions)
#include "tst_commonoptions.moc"
