// SPDX-License-Identifier: GPL-3.0-or-later
// The collector end to end: a real vigild process on a free port, real HTTP, the database
// named by VIGIL_TEST_BACKEND (sqlite, or postgres with VIGIL_TEST_PG_URL). Heartbeats are
// stored before they are answered; every error answers its status and a JSON error and
// changes nothing; silence raises heartbeat.missed, which runs the default workflow and
// opens an incident; a heartbeat after it recovers and resolves it; a job that reports a
// failure opens its own incident; SIGTERM under load loses no acknowledged heartbeat.

#include "e2e/vigildprocess.h"
#include "heartbeat/signing.h"
#include "store/store.h"
#include "support/testsupport.h"

#include <QtTest>

using namespace vigil;
using namespace vigil::test;

class TestCollector : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_url;
    QString m_prefix;
    std::unique_ptr<Store> m_store;
    std::unique_ptr<VigildProcess> m_vigild;
    QNetworkAccessManager m_nam;

    // A fresh schema (own table prefix) and a vigild on it.
    bool startVigild(const QStringList &extra = {}, const std::function<void(Store &)> &seed = {})
    {
        m_vigild.reset();
        m_store.reset();
        m_prefix = randomPrefix(QLatin1Char('c'));
        Result<std::unique_ptr<Store>> store = openStore({ m_url, m_prefix });
        if (!store || !store.value()->migrate())
            return false;
        m_store = std::move(store).value();
        if (seed)
            seed(*m_store);
        m_vigild = std::make_unique<VigildProcess>();
        return m_vigild->start(QStringLiteral(VIGILD_PATH), m_dir.path(),
                               QStringList { QStringLiteral("--db"), m_url, QStringLiteral("--table-prefix"), m_prefix,
                                             QStringLiteral("--token"), QStringLiteral("test-token") }
                                   + extra);
    }

    HttpReply send(const QByteArray &method, const QString &path, const QByteArray &body = {},
                   const QList<QPair<QByteArray, QByteArray>> &headers = {})
    {
        return httpRequest(m_nam, method, m_vigild->url(path), body, headers);
    }

    qint64 rows(const char *table)
    {
        Result<std::vector<std::pair<QString, qint64>>> counts = m_store->tableCounts();
        if (!counts)
            return -1;
        for (const auto &[name, count] : *counts) {
            if (name == m_prefix + QLatin1String(table))
                return count;
        }
        return -1;
    }

    std::vector<Heartbeat> heartbeatsOf(const QString &agentId)
    {
        std::vector<Heartbeat> all;
        PageRequest page;
        page.limit = 1000;
        for (;;) {
            Result<Page<Heartbeat>> got = m_store->listHeartbeats(agentId, page);
            if (!got)
                return all;
            all.insert(all.end(), got->items.begin(), got->items.end());
            if (got->nextCursor.isEmpty())
                return all;
            page.cursor = got->nextCursor;
        }
    }

    std::vector<TriggerEnvelope> signalsOf(const QString &type, const QString &agentId)
    {
        SignalFilter filter;
        filter.type = type;
        filter.resourceId = agentId;
        Result<Page<TriggerEnvelope>> got = m_store->listSignals(filter, PageRequest { 1000, {} });
        return got ? got->items : std::vector<TriggerEnvelope>();
    }

    static QByteArray errorCode(const HttpReply &reply)
    {
        Result<Json> json = parseJson(reply.body);
        if (!json || !json->contains("error"))
            return "<not a JSON error: " + reply.body + '>';
        return QByteArray::fromStdString((*json)["error"].value("code", std::string()));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        Result<TestBackend> backend = chooseBackend();
        QVERIFY2(backend, failText(backend).constData());
        const bool postgres = backend->backend == Backend::Postgres;
        m_url = postgres ? backend->pgUrl : QStringLiteral("sqlite://") + m_dir.filePath(QStringLiteral("c.db"));
        qInfo() << "collector under test on" << (postgres ? "postgres" : "sqlite");
    }

    void cleanup()
    {
        if (m_vigild)
            QCOMPARE(m_vigild->terminate(), 0);
        m_vigild.reset();
    }

    void heartbeatsAreStoredBeforeTheyAreAnswered()
    {
        QVERIFY2(startVigild(), m_vigild ? m_vigild->stderrText().constData() : "no store");
        const QByteArray body = R"({"intervalSecs": 5, "status": "up", "message": "hello",
                                    "stats": {"cpu": {"cpu_usage": 12.5}, "memory": {"memory_usage": 84}},
                                    "tenantId": "acme", "environment": "prod"})";
        HttpReply reply = send("POST", QStringLiteral("/heartbeat/web-01"), body);
        QCOMPARE(reply.status, 202);
        // Answered means stored: the row is there the moment the answer arrived.
        std::vector<Heartbeat> beats = heartbeatsOf(QStringLiteral("web-01"));
        QCOMPARE(beats.size(), std::size_t(1));
        QCOMPARE(beats[0].message.value_or(QString()), QStringLiteral("hello"));
        QCOMPARE(beats[0].stats["cpu"]["cpu_usage"].get<double>(), 12.5);
        QCOMPARE(beats[0].sourceAddress.value_or(QString()), QStringLiteral("127.0.0.1"));
        Result<Agent> agent = m_store->getAgent(QStringLiteral("web-01"));
        QVERIFY2(agent, failText(agent).constData());
        QCOMPARE(agent->intervalSecs, 5);
        QCOMPARE(agent->graceSecs, 5);
        QCOMPARE(agent->tenantId, QStringLiteral("acme"));
        QCOMPARE(toString(agent->state), QStringLiteral("up"));
        QCOMPARE(agent->lastStats["memory"]["memory_usage"].get<int>(), 84);

        QCOMPARE(send("GET", QStringLiteral("/heartbeat/web-01")).status, 202);
        QCOMPARE(send("HEAD", QStringLiteral("/heartbeat/web-01")).status, 202);
        QCOMPARE(heartbeatsOf(QStringLiteral("web-01")).size(), std::size_t(3));

        // /start and its finish paired by rid: the finish carries the run's duration.
        QCOMPARE(send("POST", QStringLiteral("/heartbeat/job-7/start?rid=r1")).status, 202);
        QTest::qWait(120);
        QCOMPARE(send("POST", QStringLiteral("/heartbeat/job-7/0?rid=r1")).status, 202);
        std::vector<Heartbeat> job = heartbeatsOf(QStringLiteral("job-7"));
        QCOMPARE(job.size(), std::size_t(2));
        QCOMPARE(toString(job[0].kind), QStringLiteral("exit"));
        QVERIFY2(job[0].durationMs.value_or(0) >= 100, qPrintable(QString::number(job[0].durationMs.value_or(-1))));

        // /log records a message and changes no state.
        const QDateTime seenBefore = m_store->getAgent(QStringLiteral("web-01"))->lastSeenAt;
        QCOMPARE(send("POST", QStringLiteral("/heartbeat/web-01/log"), "rotated logs", { { "Content-Type", "text/plain" } }).status, 202);
        QCOMPARE(m_store->getAgent(QStringLiteral("web-01"))->lastSeenAt, seenBefore);
        QCOMPARE(heartbeatsOf(QStringLiteral("web-01")).front().message.value_or(QString()), QStringLiteral("rotated logs"));

        HttpReply status = send("GET", QStringLiteral("/status/web-01"));
        QCOMPARE(status.status, 200);
        QVERIFY(status.body.contains("\"up\""));
        QCOMPARE(send("GET", QStringLiteral("/status/nobody")).status, 404);
    }

    void failuresRaiseHeartbeatFailed()
    {
        QVERIFY(startVigild());
        QCOMPARE(send("POST", QStringLiteral("/heartbeat/backup/fail"), "disk full", { { "Content-Type", "text/plain" } }).status, 202);
        QCOMPARE(send("POST", QStringLiteral("/heartbeat/backup/7")).status, 202);
        QTRY_COMPARE_WITH_TIMEOUT(signalsOf(QStringLiteral("heartbeat.failed"), QStringLiteral("backup")).size(), std::size_t(2), 10000);
        std::vector<TriggerEnvelope> failed = signalsOf(QStringLiteral("heartbeat.failed"), QStringLiteral("backup"));
        bool sawMessage = false;
        bool sawCode = false;
        for (const TriggerEnvelope &signal : failed) {
            sawMessage = sawMessage || signal.payload.value("message", Json()) == Json("disk full");
            sawCode = sawCode || signal.payload.value("exitCode", 0) == 7;
        }
        QVERIFY(sawMessage);
        QVERIFY(sawCode);
        QCOMPARE(send("GET", QStringLiteral("/status/backup")).status, 503);
        QCOMPARE(send("POST", QStringLiteral("/heartbeat/backup/999")).status, 404);
    }

    void errorsAnswerTheirStatusAndChangeNothing()
    {
        const QByteArray key = "s3cret-key";
        QVERIFY(startVigild({ QStringLiteral("--no-auto-register") }, [&](Store &store) {
            Agent agent;
            agent.id = QStringLiteral("keyed");
            agent.hmacKey = QString::fromLatin1(key);
            QVERIFY(store.upsertAgent(agent));
        }));
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        const QByteArray body = R"({"status":"up"})";
        const QByteArray good = signing::sign(key, now, body);
        const QByteArray stamp = QByteArray::number(now);
        const QByteArray big(70 * 1024, 'x');
        struct Case
        {
            const char *name;
            QByteArray method;
            QString path;
            QByteArray body;
            QList<QPair<QByteArray, QByteArray>> headers;
            int status;
            QByteArray code;
        };
        const std::vector<Case> cases {
            { "bad JSON", "POST", QStringLiteral("/heartbeat/keyed"), "{\"status\": ", {}, 400, "invalid" },
            { "not an object", "POST", QStringLiteral("/heartbeat/keyed"), "[1,2]", {}, 400, "invalid" },
            { "70 KiB body", "POST", QStringLiteral("/heartbeat/keyed"), big, { { "Content-Type", "text/plain" } }, 413, "too_large" },
            { "missing signature", "POST", QStringLiteral("/heartbeat/keyed"), body, {}, 401, "unauthorized" },
            { "wrong signature", "POST", QStringLiteral("/heartbeat/keyed"), body,
              { { "X-Vigil-Timestamp", stamp }, { "X-Vigil-Signature", signing::sign("other", now, body) } }, 401, "unauthorized" },
            { "stale timestamp", "POST", QStringLiteral("/heartbeat/keyed"), body,
              { { "X-Vigil-Timestamp", QByteArray::number(now - 301) }, { "X-Vigil-Signature", signing::sign(key, now - 301, body) } },
              401, "unauthorized" },
            { "signature of another body", "POST", QStringLiteral("/heartbeat/keyed"), R"({"status":"fail"})",
              { { "X-Vigil-Timestamp", stamp }, { "X-Vigil-Signature", good } }, 401, "unauthorized" },
            { "unsigned GET on a keyed agent", "GET", QStringLiteral("/heartbeat/keyed"), {}, {}, 401, "unauthorized" },
            { "unknown agent, auto-registration off", "POST", QStringLiteral("/heartbeat/stranger"), body, {}, 404, "not_found" },
            { "bad id", "POST", QStringLiteral("/heartbeat/bad%20id"), body, {}, 400, "invalid" },
            { "id too long", "POST", QStringLiteral("/heartbeat/") + QString(129, QLatin1Char('a')), body, {}, 400, "invalid" },
            { "bad status", "POST", QStringLiteral("/heartbeat/keyed"), R"({"status":"sideways"})", {}, 400, "invalid" },
            { "wrong method", "DELETE", QStringLiteral("/heartbeat/keyed"), {}, {}, 405, "method_not_allowed" },
            { "unknown endpoint", "GET", QStringLiteral("/nothing/here"), {}, {}, 404, "not_found" },
        };
        const qint64 beatsBefore = rows("heartbeats");
        const qint64 agentsBefore = rows("agents");
        QVERIFY(beatsBefore >= 0);
        for (const Case &c : cases) {
            HttpReply reply = send(c.method, c.path, c.body, c.headers);
            QVERIFY2(reply.status == c.status, qPrintable(QStringLiteral("%1: got %2 %3").arg(QLatin1String(c.name)).arg(reply.status).arg(QString::fromUtf8(reply.body))));
            QVERIFY2(errorCode(reply) == c.code, qPrintable(QStringLiteral("%1: %2").arg(QLatin1String(c.name), QString::fromUtf8(reply.body))));
            if (c.status == 405)
                QVERIFY(reply.header("Allow").contains("POST"));
        }
        QCOMPARE(rows("heartbeats"), beatsBefore);
        QCOMPARE(rows("agents"), agentsBefore);
        QCOMPARE(toString(m_store->getAgent(QStringLiteral("keyed"))->state), QStringLiteral("new"));
        // The same request, signed right, is stored: the cases above could have been too.
        HttpReply ok = send("POST", QStringLiteral("/heartbeat/keyed"), body,
                            { { "X-Vigil-Timestamp", stamp }, { "X-Vigil-Signature", good } });
        QCOMPARE(ok.status, 202);
        QCOMPARE(rows("heartbeats"), beatsBefore + 1);
    }

    void silenceRaisesMissedAndAHeartbeatRecovers()
    {
        QVERIFY(startVigild());
        const QString id = QStringLiteral("flaky-1");
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(send("POST", QStringLiteral("/heartbeat/") + id, R"({"intervalSecs": 1})").status, 202);
            QTest::qWait(300);
        }
        QElapsedTimer silent;
        silent.start();
        // Interval 1 s + grace 1 s: missed within grace + 1 s of the deadline.
        QTRY_VERIFY_WITH_TIMEOUT(!signalsOf(QStringLiteral("heartbeat.missed"), id).empty(), 4000);
        QVERIFY2(silent.elapsed() <= 3000, qPrintable(QString::number(silent.elapsed())));
        const TriggerEnvelope missed = signalsOf(QStringLiteral("heartbeat.missed"), id).back();
        QCOMPARE(missed.payload.value("misses", 0), 1);
        QCOMPARE(missed.resourceType.value_or(QString()), QStringLiteral("agent"));
        // The default workflow ran to completion and opened an incident.
        auto openIncidents = [&] {
            IncidentFilter filter;
            filter.status = IncidentStatus::Open;
            filter.resourceId = id;
            Result<Page<Incident>> got = m_store->listIncidents(filter, PageRequest {});
            return got ? got->items.size() : std::size_t(0);
        };
        QTRY_COMPARE_WITH_TIMEOUT(openIncidents(), std::size_t(1), 10000);
        RunFilter runs;
        runs.triggerId = missed.id;
        runs.status = RunStatus::Completed;
        QTRY_VERIFY_WITH_TIMEOUT(!m_store->listRuns(runs, PageRequest {})->items.empty(), 10000);

        QCOMPARE(send("POST", QStringLiteral("/heartbeat/") + id).status, 202);
        QTRY_VERIFY_WITH_TIMEOUT(!signalsOf(QStringLiteral("heartbeat.recovered"), id).empty(), 5000);
        QTRY_COMPARE_WITH_TIMEOUT(openIncidents(), std::size_t(0), 10000);
    }

    void importLoadsWorkflowsOrNothing()
    {
        const QString good = m_dir.filePath(QStringLiteral("good.json"));
        const QString bad = m_dir.filePath(QStringLiteral("bad.json"));
        auto write = [](const QString &path, const QByteArray &text) {
            QFile file(path);
            return file.open(QIODevice::WriteOnly) && file.write(text) == text.size();
        };
        const QByteArray one = R"({"tenantId": "acme", "name": "log misses", "triggerType": "heartbeat.missed",
            "steps": [{"type": "action", "name": "log", "config": {"message": "missed"}}], "isEnabled": true})";
        QVERIFY(write(good, "[" + one + "," + QByteArray(one).replace("log misses", "log again") + "]"));
        // The second definition names a handler nobody registered: the file loads nothing.
        QVERIFY(write(bad, "[" + one + "," + QByteArray(one).replace("\"name\": \"log\"", "\"name\": \"nobody\"") + "]"));

        QVERIFY(startVigild({ QStringLiteral("--import"), good }));
        DefinitionFilter acme;
        acme.tenantId = QStringLiteral("acme");
        QCOMPARE(m_store->listDefinitions(acme, PageRequest {})->items.size(), std::size_t(2));
        QCOMPARE(m_vigild->terminate(), 0);

        VigildProcess refused;
        QVERIFY(!refused.start(QStringLiteral(VIGILD_PATH), m_dir.path(),
                               { QStringLiteral("--db"), m_url, QStringLiteral("--table-prefix"), m_prefix,
                                 QStringLiteral("--import"), bad }));
        refused.process.waitForFinished(10000); // start() came back because it ended
        QCOMPARE(refused.process.state(), QProcess::NotRunning);
        QVERIFY(refused.process.exitCode() != 0);
        QVERIFY2(refused.stderrText().contains("nobody"), refused.stderrText().constData());
        QCOMPARE(m_store->listDefinitions(acme, PageRequest {})->items.size(), std::size_t(2));
    }

    void killedAgentIsMissedAndRecovers()
    {
        // The issue's scenario with real processes: vigil-agent at a 1 s interval, signed.
        const QByteArray key = "agent-key-42";
        QVERIFY(startVigild({}, [&](Store &store) {
            Agent agent;
            agent.id = QStringLiteral("worker-1");
            agent.intervalSecs = 1;
            agent.graceSecs = 1;
            agent.hmacKey = QString::fromLatin1(key);
            QVERIFY(store.upsertAgent(agent));
        }));
        const QStringList args { QStringLiteral("--url"), QStringLiteral("http://127.0.0.1:%1").arg(m_vigild->port),
                                 QStringLiteral("--id"), QStringLiteral("worker-1"), QStringLiteral("--key"),
                                 QString::fromLatin1(key), QStringLiteral("--interval"), QStringLiteral("1") };
        auto agentUp = [&] {
            Result<Agent> agent = m_store->getAgent(QStringLiteral("worker-1"));
            return agent && agent->state == AgentState::Up;
        };
        QProcess agent;
        agent.start(QStringLiteral(VIGIL_AGENT_PATH), args);
        QVERIFY(agent.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(agentUp(), 5000);
        QTRY_VERIFY_WITH_TIMEOUT(heartbeatsOf(QStringLiteral("worker-1")).size() >= 3, 5000);
        QVERIFY(!heartbeatsOf(QStringLiteral("worker-1")).front().stats.is_null()); // cpu and memory by default

        agent.kill();
        agent.waitForFinished();
        QElapsedTimer killed;
        killed.start();
        QTRY_VERIFY_WITH_TIMEOUT(!signalsOf(QStringLiteral("heartbeat.missed"), QStringLiteral("worker-1")).empty(), 5000);
        // Deadline = last heartbeat + interval + grace (2 s); at most 1 s later.
        QVERIFY2(killed.elapsed() <= 3000, qPrintable(QString::number(killed.elapsed())));
        const QString missedId = signalsOf(QStringLiteral("heartbeat.missed"), QStringLiteral("worker-1")).back().id;
        RunFilter completed;
        completed.triggerId = missedId;
        completed.status = RunStatus::Completed;
        QTRY_VERIFY_WITH_TIMEOUT(!m_store->listRuns(completed, PageRequest {})->items.empty(), 10000);
        IncidentFilter open;
        open.status = IncidentStatus::Open;
        open.resourceId = QStringLiteral("worker-1");
        QTRY_COMPARE_WITH_TIMEOUT(m_store->listIncidents(open, PageRequest {})->items.size(), std::size_t(1), 10000);

        agent.start(QStringLiteral(VIGIL_AGENT_PATH), args);
        QVERIFY(agent.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(!signalsOf(QStringLiteral("heartbeat.recovered"), QStringLiteral("worker-1")).empty(), 5000);
        QTRY_COMPARE_WITH_TIMEOUT(m_store->listIncidents(open, PageRequest {})->items.size(), std::size_t(0), 10000);
        ::kill(pid_t(agent.processId()), SIGTERM);
        QVERIFY(agent.waitForFinished(5000));
        QCOMPARE(agent.exitCode(), 0);
    }

    void failedJobOpensAnIncidentAndRecovers()
    {
        // A cron job wrapped by `vigil-agent exec`: its failure opens an incident through the
        // seeded workflow, titled after the job, with the exit code and the output's last line
        // in the signal's summary; its next successful run resolves the incident.
        QVERIFY(startVigild());
        const QString id = QStringLiteral("nightly-backup");
        auto exec = [&](const QString &script) {
            QProcess job;
            job.start(QStringLiteral(VIGIL_AGENT_PATH),
                      { QStringLiteral("--url"), QStringLiteral("http://127.0.0.1:%1").arg(m_vigild->port),
                        QStringLiteral("--id"), id, QStringLiteral("exec"), QStringLiteral("--"), QStringLiteral("sh"),
                        QStringLiteral("-c"), script });
            return job.waitForFinished(10000) ? job.exitCode() : -1;
        };
        QCOMPARE(exec(QStringLiteral("echo copying; echo 'error: disk full'; exit 3")), 3);
        QTRY_COMPARE_WITH_TIMEOUT(signalsOf(QStringLiteral("heartbeat.failed"), id).size(), std::size_t(1), 10000);
        const TriggerEnvelope failed = signalsOf(QStringLiteral("heartbeat.failed"), id).front();
        QCOMPARE(failed.payload.value("summary", std::string()), std::string("exit code 3: error: disk full"));
        IncidentFilter open;
        open.status = IncidentStatus::Open;
        open.resourceId = id;
        QTRY_COMPARE_WITH_TIMEOUT(m_store->listIncidents(open, PageRequest {})->items.size(), std::size_t(1), 10000);
        QCOMPARE(m_store->listIncidents(open, PageRequest {})->items.front().title, id + QStringLiteral(" failed"));
        RunFilter completed;
        completed.triggerId = failed.id;
        completed.status = RunStatus::Completed;
        QTRY_VERIFY_WITH_TIMEOUT(!m_store->listRuns(completed, PageRequest {})->items.empty(), 10000);

        QCOMPARE(exec(QStringLiteral("echo copying; exit 0")), 0);
        QTRY_COMPARE_WITH_TIMEOUT(signalsOf(QStringLiteral("heartbeat.recovered"), id).size(), std::size_t(1), 10000);
        QVERIFY(signalsOf(QStringLiteral("heartbeat.recovered"), id).front().payload.contains("downFor"));
        QTRY_COMPARE_WITH_TIMEOUT(m_store->listIncidents(open, PageRequest {})->items.size(), std::size_t(0), 10000);
    }

    void sigtermLosesNoAcknowledgedHeartbeat()
    {
        QVERIFY(startVigild());
        // Several clients send back to back; SIGTERM lands in the middle.
        constexpr int clients = 24;
        std::vector<std::unique_ptr<QNetworkAccessManager>> nams;
        int acknowledged = 0;
        int refused = 0;
        int inFlight = 0;
        bool stop = false;
        std::function<void(int)> fire = [&](int client) {
            if (stop)
                return;
            QNetworkRequest request(m_vigild->url(QStringLiteral("/heartbeat/load-%1").arg(client)));
            request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
            QNetworkReply *reply = nams[std::size_t(client % 4)]->post(request, QByteArray(R"({"intervalSecs":60})"));
            ++inFlight;
            QObject::connect(reply, &QNetworkReply::finished, reply, [&, reply, client] {
                --inFlight;
                const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
                if (status >= 200 && status < 300)
                    ++acknowledged;
                else
                    ++refused;
                reply->deleteLater();
                fire(client);
            });
        };
        for (int i = 0; i < 4; ++i)
            nams.push_back(std::make_unique<QNetworkAccessManager>());
        for (int c = 0; c < clients; ++c)
            fire(c);
        QTest::qWait(1500);
        ::kill(pid_t(m_vigild->process.processId()), SIGTERM);
        QTRY_VERIFY_WITH_TIMEOUT(m_vigild->process.state() == QProcess::NotRunning, 30000);
        stop = true;
        QTRY_COMPARE_WITH_TIMEOUT(inFlight, 0, 10000);
        QCOMPARE(m_vigild->process.exitCode(), 0);
        qint64 stored = 0;
        for (int c = 0; c < clients; ++c)
            stored += qint64(heartbeatsOf(QStringLiteral("load-%1").arg(c)).size());
        qInfo() << "acknowledged" << acknowledged << "stored" << stored << "refused or cut" << refused;
        QVERIFY(acknowledged > 100);
        QCOMPARE(stored, qint64(acknowledged));
        m_vigild.reset();
    }
};

QTEST_GUILESS_MAIN(TestCollector)
#include "tst_collector.moc"
