// SPDX-License-Identifier: GPL-3.0-or-later
// The collector's figures (issue #4):
//   1. heartbeats stored per second, signed and unsigned, 64 keep-alive connections (wrk),
//      p50/p99 latency, against the same vigild answering its in-memory status route, and the
//      same requests answered by our HTTP server class alone (no checks, no store);
//   2. detection lateness (p50, p99) when 10 000 agents at a 1 s interval fall silent at once,
//      and the time until all 10 000 heartbeat.missed signals are raised (in-process);
//   3. vigild's CPU with 100 000 registered idle agents.
// Usage: bench_collector [--db URL] [--seconds N] [--skip-http] [--skip-wave] [--skip-idle]
// (PostgreSQL: installer/with-postgres.sh bench_collector --db "$VIGIL_TEST_PG_URL").

#include "e2e/vigildprocess.h"
#include "heartbeat/collectorhost.h"
#include "heartbeat/signing.h"
#include "http/httpserver.h"
#include "store/store.h"
#include "workflow/enginehost.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <future>
#include <nlohmann/json.hpp>

using namespace vigil;

namespace {

QString g_url;
QTemporaryDir *g_dir = nullptr;

double percentile(std::vector<qint64> values, double q)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    return double(values[std::min(values.size() - 1, std::size_t(q * double(values.size())))]);
}

QString freshPrefix(const char *tag)
{
    return QStringLiteral("b%1%2_").arg(QLatin1String(tag)).arg(QCoreApplication::applicationPid());
}

// vigild as the e2e suites run it, plus its CPU time.
struct Daemon
{
    test::VigildProcess vigild;
    quint16 port = 0;
    bool start(const QString &prefix)
    {
        if (!vigild.start(QCoreApplication::applicationDirPath() + QStringLiteral("/../../app/vigild"), g_dir->path(),
                          { QStringLiteral("--db"), g_url, QStringLiteral("--table-prefix"), prefix,
                            QStringLiteral("--token"), QStringLiteral("bench") })) {
            std::fprintf(stderr, "vigild did not start: %s\n", vigild.stderrText().constData());
            return false;
        }
        port = vigild.port;
        return true;
    }
    void stop() { vigild.terminate(); }
    double cpuSeconds() const
    {
        QFile stat(QStringLiteral("/proc/%1/stat").arg(vigild.process.processId()));
        if (!stat.open(QIODevice::ReadOnly))
            return 0;
        const QList<QByteArray> fields = stat.readAll().split(' ');
        return (fields.value(13).toDouble() + fields.value(14).toDouble()) / double(sysconf(_SC_CLK_TCK));
    }
};

struct WrkResult
{
    double rps = 0;
    QString p50, p99;
    qint64 non2xx = 0;
};

WrkResult runWrk(const QString &url, const QString &script, int seconds)
{
    QProcess wrk;
    QStringList args { QStringLiteral("-t2"), QStringLiteral("-c64"), QStringLiteral("-d%1s").arg(seconds),
                       QStringLiteral("--latency") };
    if (!script.isEmpty())
        args << QStringLiteral("-s") << script;
    wrk.start(QStringLiteral("wrk"), args << url);
    wrk.waitForFinished(seconds * 1000 + 30000);
    const QString out = QString::fromUtf8(wrk.readAllStandardOutput());
    WrkResult result;
    result.rps = QRegularExpression(QStringLiteral("Requests/sec:\\s+([\\d.]+)")).match(out).captured(1).toDouble();
    result.p50 = QRegularExpression(QStringLiteral("\\s50%\\s+(\\S+)")).match(out).captured(1);
    result.p99 = QRegularExpression(QStringLiteral("\\s99%\\s+(\\S+)")).match(out).captured(1);
    result.non2xx = QRegularExpression(QStringLiteral("Non-2xx or 3xx responses: (\\d+)")).match(out).captured(1).toLongLong();
    if (result.rps == 0)
        std::fprintf(stderr, "wrk said: %s %s\n", qPrintable(out), wrk.readAllStandardError().constData());
    return result;
}

// A wrk script that walks `agents` agents, each with its precomputed signature (valid for
// 300 s: the timestamp is fixed at the start and the body never changes).
QString writeScript(const QString &name, int agents, const QByteArray &key)
{
    const QByteArray body = R"({"status":"up"})";
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    QByteArray lua = "local reqs = {}\n";
    for (int i = 0; i < agents; ++i) {
        QByteArray headers = "[\"Content-Type\"]=\"application/json\"";
        if (!key.isEmpty())
            headers += ", [\"X-Vigil-Timestamp\"]=\"" + QByteArray::number(now) + "\", [\"X-Vigil-Signature\"]=\""
                + signing::sign(key, now, body) + '"';
        lua += "reqs[" + QByteArray::number(i + 1) + "] = wrk.format(\"POST\", \"/heartbeat/agent-" + QByteArray::number(i)
            + "\", {" + headers + "}, '" + body + "')\n";
    }
    lua += "local n = 0\nrequest = function()\n  n = n % #reqs + 1\n  return reqs[n]\nend\n";
    const QString path = g_dir->filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return {};
    file.write(lua);
    return path;
}

bool seedAgents(const QString &prefix, int count, const QByteArray &key, int intervalSecs, AgentState state)
{
    Result<std::unique_ptr<Store>> store = openStore({ g_url, prefix });
    if (!store || !store.value()->migrate())
        return false;
    HeartbeatBatch batch;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (int i = 0; i < count; ++i) {
        Agent agent;
        agent.id = QStringLiteral("agent-%1").arg(i);
        agent.intervalSecs = intervalSecs;
        agent.graceSecs = intervalSecs;
        if (!key.isEmpty())
            agent.hmacKey = QString::fromLatin1(key);
        agent.state = state;
        if (state != AgentState::New)
            agent.lastSeenAt = now;
        batch.newAgents.push_back(agent);
        if (batch.newAgents.size() == 5000 || i == count - 1) {
            if (!store.value()->commitHeartbeats(batch))
                return false;
            batch.newAgents.clear();
        }
    }
    return true;
}

// Qt's HTTP server alone, through our Server class, on a thread of its own as the collector's
// is: it answers POST /heartbeat/{id} as the collector does (202, {"status":"stored"}) but
// parses, checks and stores nothing. The same wrk script against it shows what the HTTP layer
// alone allows for exactly these requests on this machine.
class HttpOnly
{
public:
    bool start()
    {
        std::promise<quint16> bound;
        std::future<quint16> port = bound.get_future();
        m_thread.reset(QThread::create([&bound] {
            http::Server server;
            server.route(int(http::Method::Post), QStringLiteral("/heartbeat/{id}"),
                         http::SyncHandler([](const QHttpServerRequest &, const http::PathArgs &) {
                             return http::Response::json(202, nlohmann::json { { "status", "stored" } });
                         }));
            const Result<quint16> listening = server.listen(QHostAddress::LocalHost, 0);
            bound.set_value(listening ? *listening : 0);
            if (listening)
                QEventLoop().exec(); // until the thread is told to quit
        }));
        m_thread->start();
        m_port = port.get();
        return m_port != 0;
    }
    ~HttpOnly()
    {
        if (m_thread) {
            m_thread->quit();
            m_thread->wait();
        }
    }
    quint16 port() const { return m_port; }

private:
    std::unique_ptr<QThread> m_thread;
    quint16 m_port = 0;
};

void benchHttp(int seconds)
{
    std::printf("\n== heartbeats stored per second (64 keep-alive connections, wrk -t2, %d s each)\n", seconds);
    const QByteArray key = "bench-key-0123456789";
    for (const bool signedBeats : { false, true }) {
        const QString prefix = freshPrefix(signedBeats ? "s" : "u");
        if (!seedAgents(prefix, 1000, signedBeats ? key : QByteArray(), 3600, AgentState::New))
            return;
        Daemon daemon;
        if (!daemon.start(prefix))
            return;
        const QString base = QStringLiteral("http://127.0.0.1:%1").arg(daemon.port);
        const QString script = writeScript(signedBeats ? QStringLiteral("s.lua") : QStringLiteral("u.lua"), 1000,
                                           signedBeats ? key : QByteArray());
        (void)runWrk(base, script, 2); // warm-up
        const WrkResult beats = runWrk(base, script, seconds);
        const WrkResult ceiling = runWrk(base + QStringLiteral("/status/agent-1"), QString(), seconds);
        std::printf("%-9s %8.0f heartbeats/s stored   p50 %-8s p99 %-8s non-2xx %lld | status route ceiling %8.0f req/s "
                    "(p99 %s) | ratio %.0f %%\n",
                    signedBeats ? "signed" : "unsigned", beats.rps, qPrintable(beats.p50), qPrintable(beats.p99),
                    beats.non2xx, ceiling.rps, qPrintable(ceiling.p99), ceiling.rps > 0 ? 100.0 * beats.rps / ceiling.rps : 0.0);
        daemon.stop();
        HttpOnly bare;
        if (!bare.start())
            continue;
        const WrkResult alone = runWrk(QStringLiteral("http://127.0.0.1:%1").arg(bare.port()), script, seconds);
        std::printf("%-9s %8.0f req/s, the same requests answered by the HTTP layer alone (nothing checked or stored) "
                    "| stored is %.0f %% of it\n",
                    "", alone.rps, alone.rps > 0 ? 100.0 * beats.rps / alone.rps : 0.0);
    }
}

void benchIdle(int seconds)
{
    std::printf("\n== vigild CPU with 100 000 registered idle agents (interval 1 h)\n");
    const QString prefix = freshPrefix("i");
    QElapsedTimer seeding;
    seeding.start();
    if (!seedAgents(prefix, 100000, QByteArray(), 3600, AgentState::Up))
        return;
    Daemon daemon;
    QElapsedTimer starting;
    starting.start();
    if (!daemon.start(prefix))
        return;
    const qint64 startMs = starting.elapsed();
    QThread::sleep(3);
    const double before = daemon.cpuSeconds();
    QThread::sleep(std::size_t(seconds));
    const double used = daemon.cpuSeconds() - before;
    std::printf("seeded in %lld ms; vigild up (fleet loaded) in %lld ms; CPU over %d s idle: %.2f %% of one core\n",
                seeding.elapsed() - startMs, startMs, seconds, 100.0 * used / seconds);
    daemon.stop();
}

void benchWave()
{
    std::printf("\n== 10 000 agents at a 1 s interval fall silent at once (in-process collector + engine)\n");
    const QString prefix = freshPrefix("w");
    if (!seedAgents(prefix, 10000, QByteArray(), 1, AgentState::New))
        return;
    EngineHost::Config config;
    config.store = { g_url, prefix };
    EngineHost engine(config);
    if (!engine.start())
        return;
    CollectorOptions options;
    options.store = { g_url, prefix };
    options.port = 0;
    CollectorHost collector(options, &engine);
    Result<quint16> port = collector.start();
    if (!port)
        return;
    // One heartbeat each, as fast as the client can: they all fall silent right after.
    // QNAM opens 6 connections per host and manager: 16 managers make 96 in flight, so the
    // whole fleet reports within a fraction of its 1 s interval.
    std::vector<std::unique_ptr<QNetworkAccessManager>> nams;
    for (int i = 0; i < 16; ++i)
        nams.push_back(std::make_unique<QNetworkAccessManager>());
    int pending = 0;
    int failed = 0;
    QElapsedTimer sending;
    sending.start();
    for (int i = 0; i < 10000; ++i) {
        QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1/heartbeat/agent-%2").arg(*port).arg(i)));
        QNetworkReply *reply = nams[std::size_t(i % 16)]->get(request);
        ++pending;
        QObject::connect(reply, &QNetworkReply::finished, reply, [&pending, &failed, reply] {
            --pending;
            failed += reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() == 202 ? 0 : 1;
            reply->deleteLater();
        });
    }
    while (pending > 0)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    std::printf("10 000 heartbeats sent in %lld ms (%d failed); silence from now\n", sending.elapsed(), failed);
    QElapsedTimer silence;
    silence.start();
    quint64 raised = 0;
    while (silence.elapsed() < 60000) {
        raised = collector.blockingCall([](Collector &c) { return c.counters().signalsRaised; });
        if (raised >= 10000)
            break;
        QThread::msleep(10);
    }
    const qint64 allRaised = silence.elapsed();
    std::vector<qint64> lateness = collector.blockingCall([](Collector &c) { return c.recentLateness(); });
    std::printf("detections (late + down): %zu, lateness after the deadline p50 %.0f ms, p99 %.0f ms, max %.0f ms\n",
                lateness.size(), percentile(lateness, 0.5), percentile(lateness, 0.99), percentile(lateness, 1.0));
    std::printf("all %llu heartbeat.missed raised %lld ms after the last heartbeat was answered (deadline: +2000 ms "
                "for the last agents, interval 1 s + grace 1 s)\n",
                static_cast<unsigned long long>(raised), allRaised);
    collector.stop();
    engine.stop();
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    // The wave's 10 000 notify steps and the stores' migrations would bury the figures.
    QLoggingCategory::setFilterRules(QStringLiteral("vigil.*.info=false"));
    QTemporaryDir dir;
    g_dir = &dir;
    const QStringList args = app.arguments();
    const qsizetype db = args.indexOf(QStringLiteral("--db"));
    g_url = db > 0 ? args.value(db + 1) : QStringLiteral("sqlite://") + dir.filePath(QStringLiteral("bench.db"));
    const qsizetype secs = args.indexOf(QStringLiteral("--seconds"));
    const int seconds = secs > 0 ? args.value(secs + 1).toInt() : 10;
    std::printf("bench_collector on %s\n", qPrintable(g_url.section(QLatin1Char('@'), -1)));
    if (!args.contains(QStringLiteral("--skip-http")))
        benchHttp(seconds);
    if (!args.contains(QStringLiteral("--skip-wave")))
        benchWave();
    if (!args.contains(QStringLiteral("--skip-idle")))
        benchIdle(seconds);
    return 0;
}
