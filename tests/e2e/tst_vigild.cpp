// SPDX-License-Identifier: GPL-3.0-or-later
// vigild as a real process: options, --check-db on the backend named by
// VIGIL_TEST_BACKEND (sqlite, or postgres with VIGIL_TEST_PG_URL), failures, SIGTERM.

#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

class TestVigild : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_url;
    bool m_postgres = false;

    struct Outcome
    {
        int exitCode = -1;
        QString out;
        QString err;
    };

    Outcome run(const QStringList &args, const QProcessEnvironment &extra = {}, int timeoutMs = 30000)
    {
        QProcess process;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        // Keep the test away from the user's real settings and data.
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir.filePath(QStringLiteral("config")));
        env.insert(QStringLiteral("XDG_DATA_HOME"), m_dir.filePath(QStringLiteral("data")));
        env.remove(QStringLiteral("VIGIL_DB"));
        for (const QString &key : extra.keys())
            env.insert(key, extra.value(key));
        process.setProcessEnvironment(env);
        process.start(QStringLiteral(VIGILD_PATH), args);
        if (!process.waitForFinished(timeoutMs)) {
            process.kill();
            process.waitForFinished();
            return {};
        }
        return { process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
                 QString::fromUtf8(process.readAllStandardOutput()), QString::fromUtf8(process.readAllStandardError()) };
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_postgres = qEnvironmentVariable("VIGIL_TEST_BACKEND") == u"postgres";
        if (m_postgres) {
            m_url = qEnvironmentVariable("VIGIL_TEST_PG_URL");
            if (m_url.isEmpty())
                QFAIL("VIGIL_TEST_BACKEND=postgres but VIGIL_TEST_PG_URL is not set: run the suite through "
                      "installer/dev.sh test (or installer/with-postgres.sh)");
        } else {
            m_url = QStringLiteral("sqlite://") + m_dir.filePath(QStringLiteral("vigil.db"));
        }
        qInfo() << "vigild under test:" << VIGILD_PATH << "on" << (m_postgres ? "postgres" : "sqlite");
    }

    void helpAndVersion()
    {
        Outcome help = run({ QStringLiteral("--help") });
        QCOMPARE(help.exitCode, 0);
        for (const char *option : { "--db", "--listen", "--token", "--table-prefix", "--check-db", "--version" })
            QVERIFY2(help.out.contains(QLatin1String(option)), option);
        Outcome version = run({ QStringLiteral("--version") });
        QCOMPARE(version.exitCode, 0);
        QCOMPARE(version.out.trimmed(), QStringLiteral("vigild " VIGIL_VERSION));
    }

    void checkDbReportsSchemaAndTables()
    {
        const QString prefix = QStringLiteral("e2e%1_").arg(QCoreApplication::applicationPid());
        const QStringList args { QStringLiteral("--db"), m_url, QStringLiteral("--table-prefix"), prefix,
                                 QStringLiteral("--check-db") };
        Outcome first = run(args);
        QVERIFY2(first.exitCode == 0, qPrintable(first.err));
        const QRegularExpression version(QStringLiteral("^schema version: (\\d+)$"), QRegularExpression::MultilineOption);
        const QRegularExpressionMatch match = version.match(first.out);
        QVERIFY2(match.hasMatch(), qPrintable(first.out));
        QVERIFY(match.captured(1).toInt() >= 1);
        for (const char *table : { "triggers", "workflow_definitions", "workflow_runs", "workflow_step_runs",
                                   "execution_logs", "agents", "heartbeats", "incidents" }) {
            const QRegularExpression row(QStringLiteral("^  %1%2\\s+0$").arg(prefix, QLatin1String(table)),
                                         QRegularExpression::MultilineOption);
            QVERIFY2(row.match(first.out).hasMatch(), qPrintable(QLatin1String(table) + QStringLiteral("\n") + first.out));
        }
        QVERIFY(!first.out.contains(QStringLiteral("password")));
        // Idempotent: a second run migrates nothing and reports the same.
        Outcome second = run(args);
        QCOMPARE(second.exitCode, 0);
        QCOMPARE(second.out, first.out);
    }

    void databaseFromEnvironment()
    {
        QProcessEnvironment env;
        env.insert(QStringLiteral("VIGIL_DB"), m_url);
        Outcome outcome = run({ QStringLiteral("--check-db") }, env);
        QVERIFY2(outcome.exitCode == 0, qPrintable(outcome.err));
        QVERIFY(outcome.out.contains(QStringLiteral("vigil_triggers")));
    }

    void badDatabaseUrlsFailClearly_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<int>("exitCode");
        QTest::newRow("unknown scheme") << QStringLiteral("mysql://localhost/db") << 1;
        QTest::newRow("no database") << QStringLiteral("postgres://") << 1;
        QTest::newRow("closed port") << QStringLiteral("postgres://postgres@127.0.0.1:1/x") << 1;
        QTest::newRow("unwritable sqlite") << QStringLiteral("sqlite:///proc/vigil/x.db") << 1;
    }

    void badDatabaseUrlsFailClearly()
    {
        QFETCH(QString, url);
        QFETCH(int, exitCode);
        QElapsedTimer timer;
        timer.start();
        Outcome outcome = run({ QStringLiteral("--db"), url, QStringLiteral("--check-db") });
        QCOMPARE(outcome.exitCode, exitCode);
        QVERIFY2(outcome.err.startsWith(QStringLiteral("vigild: cannot open the database")), qPrintable(outcome.err));
        QVERIFY(outcome.out.isEmpty());
        QVERIFY2(timer.elapsed() < 15000, "an unreachable database must fail fast");
    }

    void badPrefixIsRefused()
    {
        Outcome outcome = run({ QStringLiteral("--db"), m_url, QStringLiteral("--table-prefix"),
                                QStringLiteral("x; DROP TABLE y"), QStringLiteral("--check-db") });
        QCOMPARE(outcome.exitCode, 1);
        QVERIFY2(outcome.err.contains(QStringLiteral("prefix")), qPrintable(outcome.err));
    }

    void sigtermStopsGracefully()
    {
        QProcess process;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir.filePath(QStringLiteral("config")));
        process.setProcessEnvironment(env);
        process.start(QStringLiteral(VIGILD_PATH), { QStringLiteral("--db"), m_url, QStringLiteral("--listen"),
                                                     QStringLiteral("127.0.0.1:0") });
        QVERIFY(process.waitForStarted());
        // Wait until it is up (it logs "engine running") before signalling it.
        QByteArray log;
        QTRY_VERIFY_WITH_TIMEOUT((log += process.readAllStandardError()).contains("engine running")
                                     || process.state() != QProcess::Running,
                                 20000);
        QVERIFY2(process.state() == QProcess::Running, log.constData());
        ::kill(pid_t(process.processId()), SIGTERM);
        QVERIFY(process.waitForFinished(10000));
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), 0);
    }

    void sigtermDuringStartIsGraceful()
    {
        // A signal that arrives while vigild is still starting (migrating, starting the
        // engine) waits for the event loop: the process still stops cleanly with 0.
        for (int attempt = 0; attempt < 3; ++attempt) {
            QProcess process;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir.filePath(QStringLiteral("config")));
            process.setProcessEnvironment(env);
            process.start(QStringLiteral(VIGILD_PATH),
                          { QStringLiteral("--db"), m_url, QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0") });
            QVERIFY(process.waitForStarted());
            // "starting" is logged once the handler is installed and before the database
            // and the engine start: the signal lands in the middle of the start.
            QByteArray log;
            QTRY_VERIFY_WITH_TIMEOUT((log += process.readAllStandardError()).contains("starting"), 20000);
            ::kill(pid_t(process.processId()), SIGTERM);
            QVERIFY(process.waitForFinished(20000));
            log += process.readAllStandardError();
            QVERIFY2(process.exitStatus() == QProcess::NormalExit, log.constData());
            QCOMPARE(process.exitCode(), 0);
        }
    }
};

QTEST_GUILESS_MAIN(TestVigild)
#include "tst_vigild.moc"
