// SPDX-License-Identifier: GPL-3.0-or-later
// vigil-agent as a real process against a real HTTP server on a free loopback port in this
// test (it records requests and answers what each test says): --once and its exit codes,
// signatures, exec mode, periodic sending at a fixed rate, back-off on 503, SIGTERM.

#include "heartbeat/signing.h"
#include "model/json.h"
#include "support/httptestserver.h"
#include "support/opensslhmac.h"
#include "support/testsupport.h"

#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QUrlQuery>
#include <QtTest>
#include <csignal>

using namespace vigil;
using Request = vigil::test::HttpTestServer::Request;

namespace {

QString messageOf(const Request &request)
{
    const Json body = test::parsedJson(request.body);
    return QString::fromStdString(body.value("message", std::string()));
}

} // namespace

class TestVigilAgent : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    test::HttpTestServer *m_server = nullptr;

    struct Outcome
    {
        int exitCode = -1; // -1: crashed or did not finish in time
        QString out;
        QString err;
        qint64 elapsedMs = 0;
    };

    QStringList withServer(const QStringList &args) const
    {
        return QStringList { QStringLiteral("--url"), m_server->url(), QStringLiteral("--id"),
            QStringLiteral("e2e-agent") }
        + args;
    }

    void configure(QProcess &process) const
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("VIGIL_AGENT_KEY"));
        env.insert(QStringLiteral("QT_LOGGING_RULES"), QStringLiteral("vigil.agent.debug=true"));
        process.setProcessEnvironment(env);
        process.setProgram(QStringLiteral(VIGIL_AGENT_PATH));
    }

    // Runs the agent to its end while this thread's event loop serves its requests.
    Outcome run(const QStringList &args, int timeoutMs = 30000)
    {
        QProcess process;
        configure(process);
        process.setArguments(args);
        QElapsedTimer clock;
        clock.start();
        process.start();
        QSignalSpy finished(&process, &QProcess::finished);
        if (!finished.wait(timeoutMs)) {
            process.kill();
            process.waitForFinished();
            return {};
        }
        return { process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError()), clock.elapsed() };
    }

    // Starts the agent sending periodically to the test's server; stop it with stopAgent.
    void startAgent(QProcess &process, const QStringList &args)
    {
        configure(process);
        process.setArguments(withServer(args));
        process.start();
        QVERIFY2(process.waitForStarted(), qPrintable(process.errorString()));
    }

    // Signals the agent and waits for its end: its exit code, -1 when it crashed or hung.
    static int stopAgent(QProcess &process, int signalNumber = SIGTERM)
    {
        QSignalSpy finished(&process, &QProcess::finished);
        ::kill(pid_t(process.processId()), signalNumber);
        if (!finished.wait(10000))
            return -1;
        return process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    }

    static void verifySigned(const Request &request, const QByteArray &key)
    {
        const QByteArray timestamp = request.headers.value("x-vigil-timestamp");
        const QByteArray signature = request.headers.value("x-vigil-signature");
        QVERIFY2(!timestamp.isEmpty() && !signature.isEmpty(), request.target.constData());
        QVERIFY(std::abs(timestamp.toLongLong() - QDateTime::currentSecsSinceEpoch()) < 60);
        // Against openssl, and against what the collector will run.
        QString error;
        const QByteArray expected = test::opensslHmacSha256(key, timestamp + '.' + request.body, &error);
        QVERIFY2(!expected.isEmpty(), qPrintable(error));
        QCOMPARE(signature, QByteArray("sha256=") + expected);
        const Status verified
            = signing::verify(key, timestamp, signature, request.body, QDateTime::currentDateTimeUtc());
        VERIFY_OK(verified);
    }

    std::vector<Request> requestsTo(const QByteArray &pathPrefix) const
    {
        std::vector<Request> found;
        for (const Request &request : m_server->requests) {
            if (request.path().startsWith(pathPrefix))
                found.push_back(request);
        }
        return found;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        qInfo() << "vigil-agent under test:" << VIGIL_AGENT_PATH;
    }

    void init()
    {
        m_server = new test::HttpTestServer;
        QVERIFY(m_server->start());
    }

    void cleanup()
    {
        delete m_server;
        m_server = nullptr;
    }

    void helpAndVersion()
    {
        const Outcome help = run({ QStringLiteral("--help") });
        QCOMPARE(help.exitCode, 0);
        for (const char *option :
            { "--config", "--url", "--id", "--key", "--key-file", "--interval", "--once", "exec" })
            QVERIFY2(help.out.contains(QLatin1String(option)), option);
        const Outcome version = run({ QStringLiteral("--version") });
        QCOMPARE(version.exitCode, 0);
        QCOMPARE(version.out.trimmed(), QStringLiteral("vigil-agent " VIGIL_VERSION));
    }

    void badUsageExitsWithTwo_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("interval") << QStringList { QStringLiteral("--interval"), QStringLiteral("0") }
                                  << QStringLiteral("--interval");
        QTest::newRow("url") << QStringList { QStringLiteral("--url"), QStringLiteral("nope"),
            QStringLiteral("--once") }
                             << QStringLiteral("--url");
        QTest::newRow("config") << QStringList { QStringLiteral("--config"),
            QStringLiteral("/nonexistent/agent.json") }
                                << QStringLiteral("/nonexistent/agent.json");
        QTest::newRow("command") << QStringList { QStringLiteral("run") }
                                 << QStringLiteral("unknown command");
        QTest::newRow("exec alone") << QStringList { QStringLiteral("exec"), QStringLiteral("--") }
                                    << QStringLiteral("exec needs a command");
    }

    void badUsageExitsWithTwo()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        const Outcome outcome = run(args);
        QCOMPARE(outcome.exitCode, 2);
        QVERIFY2(outcome.err.contains(message), qPrintable(outcome.err));
        QVERIFY(m_server->requests.empty());
    }

    void onceAcceptedExitsZero()
    {
        const Outcome outcome = run(withServer({ QStringLiteral("--once") }));
        QVERIFY2(outcome.exitCode == 0, qPrintable(outcome.err));
        QCOMPARE(m_server->requests.size(), size_t(1));
        const Request &request = m_server->requests[0];
        QCOMPARE(request.method, QByteArray("POST"));
        QCOMPARE(request.target, QByteArray("/heartbeat/e2e-agent"));
        QCOMPARE(request.headers.value("content-type"), QByteArray("application/json"));
        QVERIFY(!request.headers.contains("x-vigil-signature")); // no key, no signature
        const Json body = test::parsedJson(request.body);
        QCOMPARE(body["status"].get<std::string>(), std::string("up"));
        QCOMPARE(body["intervalSecs"].get<int>(), 5);
        QCOMPARE(body["stats"]["cpu"]["cpu_usage"].get<double>(), 0.0); // one sample: no CPU delta yet
        QVERIFY(body["stats"]["memory"]["memory_usage"].get<double>() > 0.0);
        QVERIFY(!body["stats"].contains("disk"));
    }

    void onceExitCodes_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<int>("exitCode");
        QTest::newRow("200") << 200 << 0;
        QTest::newRow("202") << 202 << 0;
        QTest::newRow("401") << 401 << 1;
        QTest::newRow("404") << 404 << 1;
        QTest::newRow("500") << 500 << 1;
        QTest::newRow("503") << 503 << 1;
    }

    void onceExitCodes()
    {
        QFETCH(int, status);
        QFETCH(int, exitCode);
        m_server->answerAll(status, R"({"error":{"code":"x","message":"told by the test"}})");
        const Outcome outcome = run(withServer({ QStringLiteral("--once") }));
        QCOMPARE(outcome.exitCode, exitCode);
        QCOMPARE(m_server->requests.size(), size_t(1)); // --once never retries
        if (exitCode != 0)
            QVERIFY2(outcome.err.contains(QStringLiteral("HTTP %1: told by the test").arg(status)),
                qPrintable(outcome.err));
    }

    void onceUnreachableFails()
    {
        // A port that was free a moment ago: nothing listens there.
        quint16 port = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            port = probe.serverPort();
        }
        const Outcome outcome = run({ QStringLiteral("--once"), QStringLiteral("--url"),
            QStringLiteral("http://127.0.0.1:%1").arg(port) });
        QCOMPARE(outcome.exitCode, 1);
        QVERIFY2(outcome.err.contains(QStringLiteral("not delivered")), qPrintable(outcome.err));
    }

    void onceSignsWithKeyAndKeyFile()
    {
        const QByteArray key = signing::generateKey();
        Outcome outcome = run(
            withServer({ QStringLiteral("--once"), QStringLiteral("--key"), QString::fromLatin1(key) }));
        QVERIFY2(outcome.exitCode == 0, qPrintable(outcome.err));
        QCOMPARE(m_server->requests.size(), size_t(1));
        CALL(verifySigned(m_server->requests[0], key));

        const QString keyFile = m_dir.filePath(QStringLiteral("agent.key"));
        {
            QFile file(keyFile);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("file-held-key\n");
        }
        outcome = run(withServer({ QStringLiteral("--once"), QStringLiteral("--key-file"), keyFile }));
        QVERIFY2(outcome.exitCode == 0, qPrintable(outcome.err));
        QCOMPARE(m_server->requests.size(), size_t(2));
        CALL(verifySigned(m_server->requests[1], "file-held-key"));
    }

    void onceWithConfigFile()
    {
        // The file's measures, id and stdout target; the URL from the flag.
        const QString path = m_dir.filePath(QStringLiteral("once.json"));
        {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(R"({"heartbeat": {"intervalSecs": 9, "measures": {"cpu": false, "memory": false,
                "disk": true, "threads": true, "files": true, "fds": true},
                "targets": [{"type": "vigil", "config": {"agentId": "from-file"}}, {"type": "stdout"}]}})");
        }
        const Outcome outcome = run({ QStringLiteral("--config"), path, QStringLiteral("--url"),
            m_server->url(), QStringLiteral("--once") });
        QVERIFY2(outcome.exitCode == 0, qPrintable(outcome.err));
        QCOMPARE(m_server->requests.size(), size_t(1));
        QCOMPARE(m_server->requests[0].target, QByteArray("/heartbeat/from-file"));
        const Json sent = test::parsedJson(m_server->requests[0].body);
        QCOMPARE(sent["intervalSecs"].get<int>(), 9);
        for (const char *measure : { "disk", "threads", "files", "fds" })
            QVERIFY2(sent["stats"].contains(measure), measure);
        QVERIFY(!sent["stats"].contains("cpu"));
        QVERIFY(sent["stats"]["disk"]["disk_total"].get<double>() > 0.0);
        QVERIFY(sent["stats"]["threads"]["threads"].get<int>() >= 1);
        // The stdout target printed the same beat.
        QCOMPARE(test::parsedJson(outcome.out.trimmed().toUtf8()), sent);
    }

    void execFailureReportsCodeAndOutput()
    {
        const QByteArray key = "exec-key";
        const Outcome outcome = run(withServer({ QStringLiteral("--key"), QString::fromLatin1(key),
            QStringLiteral("exec"), QStringLiteral("--"), QStringLiteral("sh"), QStringLiteral("-c"),
            QStringLiteral("echo hi; echo oops >&2; exit 3") }));
        QCOMPARE(outcome.exitCode, 3);
        // The command's output still reaches the caller.
        QCOMPARE(outcome.out, QStringLiteral("hi\n"));
        QVERIFY2(outcome.err.contains(QStringLiteral("oops")), qPrintable(outcome.err));

        QCOMPARE(m_server->requests.size(), size_t(2));
        const Request &start = m_server->requests[0];
        const Request &end = m_server->requests[1];
        QCOMPARE(start.path(), QByteArray("/heartbeat/e2e-agent/start"));
        QCOMPARE(end.path(), QByteArray("/heartbeat/e2e-agent/3"));
        const QString rid
            = QUrlQuery(QString::fromLatin1(start.query())).queryItemValue(QStringLiteral("rid"));
        QVERIFY(!rid.isEmpty());
        QCOMPARE(QUrlQuery(QString::fromLatin1(end.query())).queryItemValue(QStringLiteral("rid")), rid);
        // Two pipes: which of the lines the agent reads first is up to the scheduler.
        const QString message = messageOf(end);
        QVERIFY2(message == QStringLiteral("hi\noops\n") || message == QStringLiteral("oops\nhi\n"),
            qPrintable(message));
        CALL(verifySigned(start, key));
        CALL(verifySigned(end, key));
    }

    void execSuccessReportsZero()
    {
        const Outcome outcome = run(withServer({ QStringLiteral("exec"), QStringLiteral("--"),
            QStringLiteral("sh"), QStringLiteral("-c"), QStringLiteral("echo done") }));
        QCOMPARE(outcome.exitCode, 0);
        QCOMPARE(outcome.out, QStringLiteral("done\n"));
        QCOMPARE(m_server->requests.size(), size_t(2));
        QCOMPARE(m_server->requests[0].path(), QByteArray("/heartbeat/e2e-agent/start"));
        QCOMPARE(m_server->requests[1].path(), QByteArray("/heartbeat/e2e-agent/0"));
        QVERIFY(m_server->requests[1].query().startsWith("rid="));
    }

    void execLongOutputSendsItsTail()
    {
        // 200 numbered lines of 100 bytes: only the end is sent, within the body limit.
        const Outcome outcome = run(withServer(
            { QStringLiteral("exec"), QStringLiteral("--"), QStringLiteral("sh"), QStringLiteral("-c"),
                QStringLiteral("i=0; while [ $i -lt 200 ]; do printf '%03d %096d\\n' $i 0; "
                               "i=$((i+1)); done; exit 42") }));
        QCOMPARE(outcome.exitCode, 42);
        QCOMPARE(outcome.out.size(), 200 * 101);
        const std::vector<Request> ends = requestsTo("/heartbeat/e2e-agent/42");
        QCOMPARE(ends.size(), size_t(1));
        QVERIFY(ends[0].body.size() <= 10 * 1024);
        const QString message = messageOf(ends[0]);
        QVERIFY2(message.startsWith(QStringLiteral("…")), qPrintable(message.left(40)));
        QVERIFY(message.endsWith(QStringLiteral("199 ") + QString(96, u'0') + QStringLiteral("\n")));
        QVERIFY(!message.contains(QStringLiteral("\n000 ")));
    }

    void execMissingProgramExits127()
    {
        const Outcome outcome = run(withServer({ QStringLiteral("exec"), QStringLiteral("--"),
            QStringLiteral("/nonexistent/vigil-test-program"), QStringLiteral("x") }));
        QCOMPARE(outcome.exitCode, 127);
        QVERIFY2(outcome.err.contains(QStringLiteral("cannot start /nonexistent/vigil-test-program")),
            qPrintable(outcome.err));
        QCOMPARE(m_server->requests.size(), size_t(2));
        QCOMPARE(m_server->requests[1].path(), QByteArray("/heartbeat/e2e-agent/127"));
        QVERIFY2(messageOf(m_server->requests[1]).contains(QStringLiteral("cannot start")),
            m_server->requests[1].body.constData());
    }

    void execKilledCommandReportsSignal()
    {
        const Outcome outcome = run(withServer({ QStringLiteral("exec"), QStringLiteral("--"),
            QStringLiteral("sh"), QStringLiteral("-c"), QStringLiteral("echo last words; kill -9 $$") }));
        QCOMPARE(outcome.exitCode, 128 + 9);
        const std::vector<Request> ends = requestsTo("/heartbeat/e2e-agent/137");
        QCOMPARE(ends.size(), size_t(1));
        QCOMPARE(messageOf(ends[0]), QStringLiteral("last words\n[killed by signal 9]"));
    }

    void execPassesSigtermToTheCommand()
    {
        // Stopping the agent stops the job, and the job's end is still reported.
        QProcess process;
        configure(process);
        process.setArguments(withServer({ QStringLiteral("exec"), QStringLiteral("--"), QStringLiteral("sh"),
            QStringLiteral("-c"), QStringLiteral("echo ready; exec sleep 30") }));
        process.start();
        QVERIFY(process.waitForStarted());
        QByteArray out;
        QTRY_VERIFY_WITH_TIMEOUT((out += process.readAllStandardOutput()).contains("ready"), 10000);
        QElapsedTimer clock;
        clock.start();
        QCOMPARE(stopAgent(process), 128 + SIGTERM);
        QVERIFY2(clock.elapsed() < 5000, "the command did not stop with the agent");
        QCOMPARE(requestsTo("/heartbeat/e2e-agent/start").size(), size_t(1));
        const std::vector<Request> ends = requestsTo("/heartbeat/e2e-agent/143");
        QCOMPARE(ends.size(), size_t(1));
        QCOMPARE(messageOf(ends[0]), QStringLiteral("ready\n[killed by signal 15]"));
    }

    void execSigtermBeforeTheCommandStartsRunsNothing()
    {
        // The collector holds /start for a while; the agent is stopped meanwhile.
        m_server->setResponder([](const Request &) {
            test::HttpTestServer::Reply reply;
            reply.delayMs = 1500;
            return reply;
        });
        const QString marker = m_dir.filePath(QStringLiteral("ran"));
        QProcess process;
        configure(process);
        process.setArguments(
            withServer({ QStringLiteral("exec"), QStringLiteral("--"), QStringLiteral("touch"), marker }));
        process.start();
        QVERIFY(process.waitForStarted());
        QTRY_COMPARE_WITH_TIMEOUT(m_server->requests.size(), size_t(1), 10000);
        QCOMPARE(stopAgent(process), 128 + SIGTERM);
        QVERIFY(!QFile::exists(marker));
        QCOMPARE(requestsTo("/heartbeat/e2e-agent/143").size(), size_t(1));
    }

    void execRunsEvenWhenTheCollectorIsDown()
    {
        m_server->answerAll(503);
        const Outcome outcome = run(withServer({ QStringLiteral("exec"), QStringLiteral("--"),
            QStringLiteral("sh"), QStringLiteral("-c"), QStringLiteral("exit 5") }));
        QCOMPARE(outcome.exitCode, 5);
        QVERIFY2(outcome.err.contains(QStringLiteral("could not report")), qPrintable(outcome.err));
        // /start once; the end a few times (it carries the result), never endlessly.
        QCOMPARE(requestsTo("/heartbeat/e2e-agent/start").size(), size_t(1));
        QCOMPARE(requestsTo("/heartbeat/e2e-agent/5").size(), size_t(3));
    }

    void periodicTicksAtAFixedRate()
    {
        // Each answer takes 600 ms of a 1 s interval: the ticks keep their rate anyway.
        m_server->setResponder([](const Request &) {
            test::HttpTestServer::Reply reply;
            reply.delayMs = 600;
            return reply;
        });
        QProcess process;
        CALL(startAgent(process, { QStringLiteral("--interval"), QStringLiteral("1") }));
        QTRY_VERIFY_WITH_TIMEOUT(m_server->requests.size() >= 5, 15000);
        QCOMPARE(stopAgent(process), 0);

        const auto &requests = m_server->requests;
        const double span = double(requests[4].receivedMs - requests[0].receivedMs);
        QVERIFY2(span >= 3600 && span <= 4700, QByteArray::number(span).constData());
        for (const Request &request : requests) {
            QCOMPARE(request.target, QByteArray("/heartbeat/e2e-agent"));
            QCOMPARE(test::parsedJson(request.body)["intervalSecs"].get<int>(), 1);
        }
    }

    void firstTickIsAtOnce()
    {
        QProcess process;
        CALL(startAgent(process, { QStringLiteral("--interval"), QStringLiteral("30") }));
        // Well before the 30 s interval.
        QTRY_COMPARE_WITH_TIMEOUT(m_server->requests.size(), size_t(1), 10000);
        QCOMPARE(stopAgent(process, SIGINT), 0);
        QCOMPARE(m_server->requests.size(), size_t(1));
    }

    void unavailableCollectorGetsBackoff()
    {
        // 503 to everything: attempts of one beat come with growing waits (250 ms doubling,
        // jittered within the upper half) until the next tick, then a new beat starts over.
        m_server->answerAll(503, R"({"error":{"code":"unavailable","message":"database busy"}})");
        QProcess process;
        CALL(startAgent(process, { QStringLiteral("--interval"), QStringLiteral("3") }));
        QTRY_VERIFY_WITH_TIMEOUT(
            !m_server->requests.empty() && m_server->elapsedMs() - m_server->requests[0].receivedMs > 6500,
            20000);
        // Now the collector recovers: a beat goes through, and the agent says so.
        m_server->answerAll(202);
        QByteArray log;
        QTRY_VERIFY_WITH_TIMEOUT((log += process.readAllStandardError()).contains("heartbeats reach"), 10000);
        QCOMPARE(stopAgent(process), 0);
        log += process.readAllStandardError();

        // The first beat's attempts: those before the second tick, 3 s after the first.
        const auto &requests = m_server->requests;
        const qint64 t0 = requests[0].receivedMs;
        std::vector<qint64> attempts;
        for (const Request &request : requests) {
            if (request.receivedMs - t0 < 2900)
                attempts.push_back(request.receivedMs - t0);
        }
        QString times;
        for (const Request &request : requests)
            times += QString::number(request.receivedMs - t0) + QLatin1Char(' ');
        // 0, then waits of 125-250, 250-500, 500-1000 (and perhaps 1000-2000) ms.
        QVERIFY2(attempts.size() >= 4 && attempts.size() <= 5, qPrintable(times));
        for (size_t i = 2; i < attempts.size(); ++i) {
            const qint64 previousWait = attempts[i - 1] - attempts[i - 2];
            const qint64 wait = attempts[i] - attempts[i - 1];
            QVERIFY2(wait + 100 >= previousWait, qPrintable(times)); // (slack for a busy machine)
        }
        // Growing, not fixed: the first wait is at least 125 ms, the third at least 500 ms.
        QVERIFY2(attempts[1] >= 100 && attempts[3] - attempts[2] >= 450, qPrintable(times));
        // The second tick starts a new beat at once: a request about 3 s after the first.
        const bool tickAttempt = std::any_of(requests.begin(), requests.end(),
            [t0](const Request &r) { return r.receivedMs - t0 >= 2900 && r.receivedMs - t0 <= 3500; });
        QVERIFY2(tickAttempt, qPrintable(times));
        // Warned, not flooded: the trouble is logged once for those beats.
        QVERIFY2(
            log.count("not delivered after") >= 1 && log.count("not delivered after") <= 2, log.constData());
        QVERIFY2(log.contains("database busy"), log.constData());
    }

    void retryAfterIsHonoured()
    {
        m_server->setResponder([this](const Request &) {
            return m_server->requests.size() == 1
                ? test::HttpTestServer::Reply { 503, "{}", "application/json", "Retry-After: 1\r\n" }
                : test::HttpTestServer::Reply {};
        });
        QProcess process;
        CALL(startAgent(process, { QStringLiteral("--interval"), QStringLiteral("10") }));
        QTRY_COMPARE_WITH_TIMEOUT(m_server->requests.size(), size_t(2), 10000);
        QCOMPARE(stopAgent(process), 0);
        const qint64 wait = m_server->requests[1].receivedMs - m_server->requests[0].receivedMs;
        QVERIFY2(wait >= 950 && wait < 3000, QByteArray::number(wait).constData());
    }
};

QTEST_GUILESS_MAIN(TestVigilAgent)
#include "tst_vigilagent.moc"
