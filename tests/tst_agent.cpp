// SPDX-License-Identifier: GPL-3.0-or-later
// vigil-agent's parts in process: the stats sampler on fixture files of /proc (and on the
// real one), the config file's shape, defaults, overrides and errors, the signature against
// openssl's HMAC, the back-off, exec mode's output tail and report body, config reload, and
// the sender's bound on what it keeps when the collector does not answer.

#include "heartbeat/agentconfig.h"
#include "heartbeat/commandreporter.h"
#include "heartbeat/heartbeatclient.h"
#include "heartbeat/heartbeatsender.h"
#include "heartbeat/signing.h"
#include "heartbeat/statssampler.h"
#include "model/json.h"
#include "support/httptestserver.h"
#include "support/opensslhmac.h"
#include "support/testsupport.h"

#include <QDir>
#include <QFile>
#include <QSaveFile>
#include <QSignalSpy>
#include <QStorageInfo>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QtTest>
#include <set>

using namespace vigil;
using namespace std::chrono_literals;

namespace {

const QString kFixtureProc = QStringLiteral(VIGIL_TEST_DATA_DIR "/proc");

QStringList keysOf(const Json &object)
{
    QStringList keys;
    for (auto it = object.begin(); it != object.end(); ++it)
        keys.append(QString::fromStdString(it.key()));
    keys.sort();
    return keys;
}

bool writeFile(const QString &path, const QByteArray &content)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(content) == content.size();
}

// What editors and config management do: write a new file, rename it over the old one.
bool replaceFile(const QString &path, const QByteArray &content)
{
    QSaveFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(content) == content.size() && file.commit();
}

// A stat line of the fixture's shape with the given user and system ticks.
QByteArray statLine(quint64 user, quint64 system)
{
    return "4242 (vigil (agent) x) S 1 4242 4242 0 -1 4194560 2310 0 0 0 " + QByteArray::number(user) + ' '
        + QByteArray::number(system) + " 0 0 20 0 14 0 868145 412344320 21504\n";
}

} // namespace

class TestAgent : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // --- StatsSampler -------------------------------------------------------------------

    void samplerReadsFixtureProc()
    {
        const Measures all { true, true, true, true, true, true };
        SamplerSources sources;
        sources.procRoot = kFixtureProc;
        sources.diskPath = QStringLiteral("/data");
        QString askedPath;
        sources.diskSpace = [&askedPath](const QString &path) -> std::optional<DiskSpace> {
            askedPath = path;
            const quint64 gib = 1024ull * 1024 * 1024;
            // 512 GiB, 210.4 used, 301.6 free (as in seed 004), in bytes.
            return DiskSpace { 512 * gib, quint64(210.4 * double(gib)), quint64(301.6 * double(gib)) };
        };
        StatsSampler sampler(all, sources);
        const Json stats = sampler.sample();
        QVERIFY2(sampler.problems().isEmpty(), qPrintable(sampler.problems().join(u'\n')));
        QCOMPARE(askedPath, QStringLiteral("/data"));
        const Json expected = test::parsedJson(R"({"cpu":{"cpu_usage":0.0},"memory":{"memory_usage":84.0},
            "disk":{"disk_total":512.0,"disk_used":210.4,"disk_free":301.6},"threads":{"threads":14},
            "files":{"files":2},"fds":{"fds":6}})");
        QCOMPARE(dumpJsonString(stats), dumpJsonString(expected));
    }

    void samplerCpuIsTheDeltaBetweenSamples()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("self")));
        const QString stat = dir.filePath(QStringLiteral("self/stat"));
        QVERIFY(writeFile(stat, statLine(250, 150)));

        StatsSampler::Clock::time_point now {};
        SamplerSources sources;
        sources.procRoot = dir.path();
        sources.now = [&now] { return now; };
        sources.ticksPerSecond = 100;
        StatsSampler sampler(Measures { true, false, false, false, false, false }, sources);

        QCOMPARE(sampler.sample()["cpu"]["cpu_usage"].get<double>(), 0.0); // first sample: no baseline
        // 75 ticks (0.75 s of CPU) over 1.5 s of wall time: 50 %.
        QVERIFY(writeFile(stat, statLine(300, 175)));
        now += 1500ms;
        QCOMPARE(sampler.sample()["cpu"]["cpu_usage"].get<double>(), 50.0);
        // Two busy threads: more than one core's worth.
        QVERIFY(writeFile(stat, statLine(450, 225)));
        now += 1000ms;
        QCOMPARE(sampler.sample()["cpu"]["cpu_usage"].get<double>(), 200.0);
        // Idle: no ticks, 0 %.
        now += 1000ms;
        QCOMPARE(sampler.sample()["cpu"]["cpu_usage"].get<double>(), 0.0);
        // 1 tick over 3 s: 0.333... rounded to one decimal.
        QVERIFY(writeFile(stat, statLine(451, 225)));
        now += 3000ms;
        QCOMPARE(sampler.sample()["cpu"]["cpu_usage"].get<double>(), 0.3);
    }

    void samplerOmitsDisabledMeasures()
    {
        SamplerSources sources;
        sources.procRoot = kFixtureProc;
        StatsSampler sampler(Measures {}, sources); // the defaults: cpu and memory
        QCOMPARE(keysOf(sampler.sample()), (QStringList { QStringLiteral("cpu"), QStringLiteral("memory") }));
        sampler.setMeasures(Measures { false, false, false, true, false, true });
        QCOMPARE(
            keysOf(sampler.sample()), (QStringList { QStringLiteral("fds"), QStringLiteral("threads") }));
        sampler.setMeasures(Measures { false, false, false, false, false, false });
        QCOMPARE(dumpJsonString(sampler.sample()), QStringLiteral("{}"));
    }

    void samplerLeavesOutWhatItCannotRead()
    {
        QTemporaryDir empty;
        QVERIFY(empty.isValid());
        SamplerSources sources;
        sources.procRoot = empty.path();
        sources.diskSpace = [](const QString &) -> std::optional<DiskSpace> { return std::nullopt; };
        StatsSampler sampler(Measures { true, true, true, true, true, true }, sources);
        QCOMPARE(dumpJsonString(sampler.sample()), QStringLiteral("{}"));
        const QString problems = sampler.problems().join(u'\n');
        for (const char *measure : { "cpu:", "memory:", "threads:", "disk:", "files, fds:" })
            QVERIFY2(problems.contains(QLatin1String(measure)), qPrintable(problems));
        QVERIFY2(problems.contains(empty.filePath(QStringLiteral("self/stat"))), qPrintable(problems));
    }

    void samplerReadsTheRealProc()
    {
        StatsSampler sampler(Measures { true, true, true, true, true, true });
        const Json before = sampler.sample();
        QVERIFY2(sampler.problems().isEmpty(), qPrintable(sampler.problems().join(u'\n')));
        QVERIFY(before["memory"]["memory_usage"].get<double>() > 0.0);
        QVERIFY(before["threads"]["threads"].get<qint64>() >= 1);
        QVERIFY(before["fds"]["fds"].get<qint64>() >= 3);

        // The disk figures agree with Qt's own reading of the same file system.
        const QStorageInfo root(QStringLiteral("/"));
        const double gib = 1024.0 * 1024.0 * 1024.0;
        QVERIFY(
            std::abs(before["disk"]["disk_total"].get<double>() - double(root.bytesTotal()) / gib) <= 0.1);

        // One more open regular file, one more fd and one more file.
        QTemporaryFile file;
        QVERIFY(file.open());
        const Json after = sampler.sample();
        QCOMPARE(after["files"]["files"].get<qint64>(), before["files"]["files"].get<qint64>() + 1);
        QCOMPARE(after["fds"]["fds"].get<qint64>(), before["fds"]["fds"].get<qint64>() + 1);
    }

    // --- AgentConfig -------------------------------------------------------------------

    void configDefaults()
    {
        for (const QByteArray &text : { QByteArray("{}"), QByteArray(R"({"heartbeat": {}})"),
                 QByteArray(R"({"heartbeat": null, "other": {"section": 1}})") }) {
            const Result<AgentConfig> config = parseAgentConfig(text);
            VERIFY_OK(config);
            QCOMPARE(config->interval, 5s);
            QVERIFY(config->measures == (Measures { true, true, false, false, false, false }));
            QCOMPARE(config->targets.size(), size_t(1));
            QVERIFY(config->targets[0].type == HeartbeatTarget::Type::Vigil);
            QCOMPARE(config->targets[0].url, QUrl(QStringLiteral("http://127.0.0.1:8787")));
            QVERIFY(config->targets[0].agentId.isEmpty());
        }
    }

    void configSeedShape()
    {
        // (moc 6.4 reads a "//" inside a raw string as a comment: the URL goes in apart.)
        const QByteArray url = "https://vigil.example:9000/base/";
        const Result<AgentConfig> config = parseAgentConfig(R"({"heartbeat": {
            "intervalSecs": 30,
            "measures": {"cpu": false, "disk": true, "fds": true},
            "targets": [{"type": "vigil", "config": {"url": ")"
            + url + R"(", "agentId": "web-01",
                                                     "keyFile": "agent.key"}},
                        {"type": "stdout"}]}})");
        VERIFY_OK(config);
        QCOMPARE(config->interval, 30s);
        // Keys left out keep their defaults (memory on).
        QVERIFY(config->measures == (Measures { false, true, true, false, false, true }));
        QCOMPARE(config->targets.size(), size_t(2));
        QCOMPARE(config->targets[0].url, QUrl(QStringLiteral("https://vigil.example:9000/base/")));
        QCOMPARE(config->targets[0].agentId, QStringLiteral("web-01"));
        QCOMPARE(config->targets[0].keyFile, QStringLiteral("agent.key"));
        QVERIFY(config->targets[1].type == HeartbeatTarget::Type::Stdout);
    }

    void configIntervalFloor_data()
    {
        QTest::addColumn<int>("given");
        QTest::addColumn<int>("expected");
        QTest::newRow("zero") << 0 << 1;
        QTest::newRow("negative") << -5 << 1;
        QTest::newRow("one") << 1 << 1;
        QTest::newRow("a day") << 86400 << 86400;
    }

    void configIntervalFloor()
    {
        QFETCH(int, given);
        QFETCH(int, expected);
        const Result<AgentConfig> config
            = parseAgentConfig(R"({"heartbeat": {"intervalSecs": )" + QByteArray::number(given) + "}}");
        VERIFY_OK(config);
        QCOMPARE(config->interval, std::chrono::seconds(expected));
    }

    void configErrorsNameTheField_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("message");
        QTest::newRow("malformed") << QByteArray(R"({"heartbeat": )")
                                   << QStringLiteral("malformed JSON at byte");
        QTest::newRow("not an object") << QByteArray("[1]") << QStringLiteral("expected a JSON object");
        QTest::newRow("section not an object")
            << QByteArray(R"({"heartbeat": 3})") << QStringLiteral("heartbeat: expected an object");
        QTest::newRow("typo") << QByteArray(R"({"heartbeat": {"intervalSec": 5}})")
                              << QStringLiteral("heartbeat.intervalSec: unknown key");
        QTest::newRow("interval as text") << QByteArray(R"({"heartbeat": {"intervalSecs": "5"}})")
                                          << QStringLiteral("heartbeat.intervalSecs: expected an integer");
        QTest::newRow("interval fraction") << QByteArray(R"({"heartbeat": {"intervalSecs": 2.5}})")
                                           << QStringLiteral("heartbeat.intervalSecs: expected an integer");
        QTest::newRow("interval too long") << QByteArray(R"({"heartbeat": {"intervalSecs": 90000}})")
                                           << QStringLiteral("heartbeat.intervalSecs: at most 86400");
        QTest::newRow("measure not bool") << QByteArray(R"({"heartbeat": {"measures": {"cpu": "yes"}}})")
                                          << QStringLiteral("heartbeat.measures.cpu: expected true or false");
        QTest::newRow("unknown measure") << QByteArray(R"({"heartbeat": {"measures": {"gpu": true}}})")
                                         << QStringLiteral("heartbeat.measures.gpu: unknown key");
        QTest::newRow("targets not array") << QByteArray(R"({"heartbeat": {"targets": {"type": "vigil"}}})")
                                           << QStringLiteral("heartbeat.targets: expected an array");
        QTest::newRow("no targets") << QByteArray(R"({"heartbeat": {"targets": []}})")
                                    << QStringLiteral("heartbeat.targets: needs at least one target");
        QTest::newRow("target without type") << QByteArray(R"({"heartbeat": {"targets": [{}]}})")
                                             << QStringLiteral("heartbeat.targets[0].type: is required");
        QTest::newRow("unknown type")
            << QByteArray(R"({"heartbeat": {"targets": [{"type": "stdout"}, {"type": "metric"}]}})")
            << QStringLiteral("heartbeat.targets[1].type: unknown target type \"metric\"");
        QTest::newRow("bad scheme") << QByteArray(
            "{\"heartbeat\": {\"targets\": [{\"type\": \"vigil\", \"config\": {\"url\": \"ftp://h/\"}}]}}")
                                    << QStringLiteral("heartbeat.targets[0].config.url: \"ftp://h/\": the "
                                                      "scheme must be http or https");
        QTest::newRow("url without host")
            << QByteArray(
                   R"({"heartbeat": {"targets": [{"type": "vigil", "config": {"url": "localhost"}}]}})")
            << QStringLiteral("heartbeat.targets[0].config.url: \"localhost\" is not a URL");
        QTest::newRow("bad agent id")
            << QByteArray(
                   R"({"heartbeat": {"targets": [{"type": "vigil", "config": {"agentId": "web 01"}}]}})")
            << QStringLiteral("heartbeat.targets[0].config.agentId: \"web 01\" is not an agent id");
        QTest::newRow("unknown vigil setting")
            << QByteArray(R"({"heartbeat": {"targets": [{"type": "vigil", "config": {"key": "x"}}]}})")
            << QStringLiteral("heartbeat.targets[0].config.key: unknown key");
        QTest::newRow("stdout with settings")
            << QByteArray(R"({"heartbeat": {"targets": [{"type": "stdout", "config": {"topic": "x"}}]}})")
            << QStringLiteral("heartbeat.targets[0].config: the stdout target takes no settings");
    }

    void configErrorsNameTheField()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, message);
        const Result<AgentConfig> config = parseAgentConfig(text);
        QVERIFY2(!config.ok(), text.constData());
        QVERIFY2(config.error().message.startsWith(message), qPrintable(config.error().message));
    }

    void agentIds_data()
    {
        QTest::addColumn<QString>("id");
        QTest::addColumn<bool>("valid");
        QTest::newRow("host") << QStringLiteral("web-01.example.org") << true;
        QTest::newRow("all classes") << QStringLiteral("a_B.9:x@y-z") << true;
        QTest::newRow("128") << QString(128, u'a') << true;
        QTest::newRow("129") << QString(129, u'a') << false;
        QTest::newRow("empty") << QString() << false;
        QTest::newRow("slash") << QStringLiteral("a/b") << false;
        QTest::newRow("space") << QStringLiteral("a b") << false;
        QTest::newRow("unicode") << QStringLiteral("café") << false;
    }

    void agentIds()
    {
        QFETCH(QString, id);
        QFETCH(bool, valid);
        QCOMPARE(isValidAgentId(id), valid);
    }

    void resolveAppliesOverridesAndKeyFiles()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QVERIFY(writeFile(dir.filePath(QStringLiteral("agent.key")), "  file-key\n"));
        const QString path = dir.filePath(QStringLiteral("agent.json"));
        QVERIFY(writeFile(path, R"({"heartbeat": {"intervalSecs": 7, "targets": [
            {"type": "vigil", "config": {"keyFile": "agent.key"}}, {"type": "stdout"}]}})"));

        // The file alone: the host's name, the key file relative to the config's folder, trimmed.
        Result<AgentConfig> config = resolveAgentConfig(path, {}, QStringLiteral("host-1"));
        VERIFY_OK(config);
        QCOMPARE(config->interval, 7s);
        QCOMPARE(config->targets[0].agentId, QStringLiteral("host-1"));
        QCOMPARE(config->targets[0].key, QByteArray("file-key"));

        // Flags win over the file; --key over any key file.
        AgentOverrides overrides;
        overrides.url = QStringLiteral("http://10.0.0.1:9999");
        overrides.agentId = QStringLiteral("job-7");
        overrides.key = QByteArray("flag-key");
        overrides.interval = 3s;
        config = resolveAgentConfig(path, overrides, QStringLiteral("host-1"));
        VERIFY_OK(config);
        QCOMPARE(config->interval, 3s);
        QCOMPARE(config->targets[0].url, QUrl(QStringLiteral("http://10.0.0.1:9999")));
        QCOMPARE(config->targets[0].agentId, QStringLiteral("job-7"));
        QCOMPARE(config->targets[0].key, QByteArray("flag-key"));
        QVERIFY(config->targets[1].type == HeartbeatTarget::Type::Stdout);

        // No file: the default target; --url on a stdout-only file adds a vigil target.
        config = resolveAgentConfig({}, {}, QStringLiteral("host-2"));
        QVERIFY(config.ok());
        QCOMPARE(config->targets.size(), size_t(1));
        QCOMPARE(config->targets[0].agentId, QStringLiteral("host-2"));
        QVERIFY(config->targets[0].key.isEmpty());
        const QString stdoutOnly = dir.filePath(QStringLiteral("stdout.json"));
        QVERIFY(writeFile(stdoutOnly, R"({"heartbeat": {"targets": [{"type": "stdout"}]}})"));
        config = resolveAgentConfig(
            stdoutOnly, AgentOverrides { QStringLiteral("http://127.0.0.1:1") }, QStringLiteral("h"));
        QVERIFY(config.ok());
        QCOMPARE(config->targets.size(), size_t(2));
        QCOMPARE(config->targets[1].url, QUrl(QStringLiteral("http://127.0.0.1:1")));
    }

    void resolveReportsErrors_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("message");
        QTest::newRow("missing file")
            << QStringLiteral("absent.json") << QByteArray() << QStringLiteral("cannot read ");
        QTest::newRow("names the file")
            << QStringLiteral("bad.json") << QByteArray(R"({"heartbeat": {"x": 1}})")
            << QStringLiteral("bad.json: heartbeat.x: unknown key");
        QTest::newRow("missing key file")
            << QStringLiteral("k.json")
            << QByteArray(
                   R"({"heartbeat": {"targets": [{"type": "vigil", "config": {"keyFile": "none.key"}}]}})")
            << QStringLiteral("cannot read key file ");
        QTest::newRow("empty key file")
            << QStringLiteral("e.json")
            << QByteArray(
                   R"({"heartbeat": {"targets": [{"type": "vigil", "config": {"keyFile": "e.json.key"}}]}})")
            << QStringLiteral("key file ");
    }

    void resolveReportsErrors()
    {
        QFETCH(QString, file);
        QFETCH(QByteArray, content);
        QFETCH(QString, message);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(file);
        if (!content.isEmpty())
            QVERIFY(writeFile(path, content));
        QVERIFY(writeFile(path + QStringLiteral(".key"), "\n \n"));
        const Result<AgentConfig> config = resolveAgentConfig(path, {}, QStringLiteral("h"));
        QVERIFY(!config.ok());
        QVERIFY2(config.error().message.contains(message), qPrintable(config.error().message));
    }

    void resolveRejectsBadFlags()
    {
        AgentOverrides badUrl;
        badUrl.url = QStringLiteral("127.0.0.1:8787");
        Result<AgentConfig> config = resolveAgentConfig({}, badUrl, QStringLiteral("h"));
        QVERIFY(!config.ok());
        QVERIFY2(
            config.error().message.startsWith(QStringLiteral("--url: ")), qPrintable(config.error().message));
        AgentOverrides badId;
        badId.agentId = QStringLiteral("has/slash");
        config = resolveAgentConfig({}, badId, QStringLiteral("h"));
        QVERIFY(!config.ok());
        QVERIFY2(
            config.error().message.startsWith(QStringLiteral("--id: ")), qPrintable(config.error().message));
        config = resolveAgentConfig({}, {}, QStringLiteral("bad host name"));
        QVERIFY(!config.ok());
        QVERIFY2(config.error().message.contains(QStringLiteral("--id")), qPrintable(config.error().message));
    }

    // --- Signing -----------------------------------------------------------------------

    void opensslAgreesWithRfc4231()
    {
        // RFC 4231 test cases 1, 2 and 6 (a key longer than SHA-256's block): proves the
        // openssl invocation the next test relies on.
        QString error;
        QCOMPARE(test::opensslHmacSha256(QByteArray(20, '\x0b'), "Hi There", &error),
            QByteArray("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"));
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(test::opensslHmacSha256("Jefe", "what do ya want for nothing?"),
            QByteArray("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
        QCOMPARE(test::opensslHmacSha256(
                     QByteArray(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First"),
            QByteArray("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"));
    }

    void signatureMatchesOpenssl_data()
    {
        QTest::addColumn<QByteArray>("key");
        QTest::addColumn<qint64>("timestamp");
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("generated key") << signing::generateKey() << qint64(1700000000)
                                       << QByteArray(R"({"stats":{"cpu":{"cpu_usage":12.5}},"status":"up"})");
        QTest::newRow("empty body") << QByteArray("k") << qint64(0) << QByteArray();
        QTest::newRow("utf-8 body") << QByteArray("schlüssel") << qint64(1234567890)
                                    << QStringLiteral(R"({"message":"Ärger → exit 3"})").toUtf8();
        QTest::newRow("long key") << QByteArray(200, 'x') << qint64(99) << QByteArray("{}");
    }

    void signatureMatchesOpenssl()
    {
        QFETCH(QByteArray, key);
        QFETCH(qint64, timestamp);
        QFETCH(QByteArray, body);
        QString error;
        const QByteArray expected
            = test::opensslHmacSha256(key, QByteArray::number(timestamp) + '.' + body, &error);
        QVERIFY2(!expected.isEmpty(), qPrintable(error));
        QCOMPARE(signing::sign(key, timestamp, body), QByteArray("sha256=") + expected);
    }

    // --- The client's pieces -------------------------------------------------------------

    void heartbeatUrls()
    {
        const QUrl base(QStringLiteral("http://127.0.0.1:8787"));
        QCOMPARE(heartbeatUrl(base, QStringLiteral("web-01")).toString(),
            QStringLiteral("http://127.0.0.1:8787/heartbeat/web-01"));
        QCOMPARE(heartbeatUrl(QUrl(QStringLiteral("https://h/vigil/")), QStringLiteral("a@b:c"),
                     QStringLiteral("3"), QStringLiteral("r1"))
                     .toString(),
            QStringLiteral("https://h/vigil/heartbeat/a@b:c/3?rid=r1"));
        QCOMPARE(
            heartbeatUrl(base, QStringLiteral("j"), QStringLiteral("start"), QStringLiteral("x")).toString(),
            QStringLiteral("http://127.0.0.1:8787/heartbeat/j/start?rid=x"));
    }

    void heartbeatBodyShape()
    {
        const Json body
            = test::parsedJson(heartbeatBody(test::parsedJson(R"({"cpu":{"cpu_usage":1.5}})"), 5s));
        QCOMPARE(dumpJsonString(body),
            QStringLiteral(R"({"intervalSecs":5,"stats":{"cpu":{"cpu_usage":1.5}},"status":"up"})"));
    }

    void backoffGrowsWithJitter()
    {
        const HeartbeatBackoff backoff { 250ms, 4000ms };
        for (int round = 0; round < 200; ++round) {
            qint64 previous = 0;
            for (int attempt = 0; attempt < 8; ++attempt) {
                const qint64 ceiling = std::min<qint64>(250 << attempt, 4000);
                const qint64 delay = backoff.delay(attempt).count();
                QVERIFY2(delay >= ceiling / 2 && delay <= ceiling, qPrintable(QString::number(delay)));
                QVERIFY(delay >= previous / 2); // the jitter never undoes the doubling by more
                previous = delay;
            }
        }
        // The jitter is real: 50 draws of one attempt are not all the same.
        std::set<qint64> seen;
        for (int i = 0; i < 50; ++i)
            seen.insert(backoff.delay(3).count());
        QVERIFY(seen.size() > 1);
    }

    void outputTailKeepsTheEnd()
    {
        OutputTail small(10);
        small.append("hello\n");
        QCOMPARE(small.text(), QStringLiteral("hello\n"));

        OutputTail tail(8);
        for (int i = 0; i < 100; ++i)
            tail.append("line " + QByteArray::number(i) + '\n');
        QVERIFY(tail.text().startsWith(QStringLiteral("…")));
        QVERIFY(tail.text().endsWith(QStringLiteral("line 99\n")));

        // Cut inside "é" (2 bytes): the tail starts at the next whole character.
        OutputTail utf8(5);
        utf8.append(QStringLiteral("xxxxé1234").toUtf8());
        QCOMPARE(utf8.text(), QStringLiteral("…1234"));
    }

    void reportBodyStaysUnderTheLimit()
    {
        QCOMPARE(reportBody(QStringLiteral("boom")), QByteArray(R"({"message":"boom"})"));
        // Control characters escape to six bytes each: the text is cut from the front.
        const QString noisy = QString(4096, QChar(0x01)) + QStringLiteral("the end");
        const QByteArray body = reportBody(noisy);
        QVERIFY2(body.size() <= kMaxReportBodyBytes, QByteArray::number(body.size()).constData());
        const Json json = test::parsedJson(body);
        QVERIFY(
            QString::fromStdString(json["message"].get<std::string>()).endsWith(QStringLiteral("the end")));
        QVERIFY(reportBody(noisy, 100).size() <= 100);
    }

    // --- HeartbeatSender ---------------------------------------------------------------

    void configReloadTakesEffect()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("agent.json"));
        QVERIFY(
            writeFile(path, R"({"heartbeat": {"intervalSecs": 1, "measures": {"cpu": true, "memory": false},
                                                   "targets": [{"type": "stdout"}]}})"));
        Result<AgentConfig> config = resolveAgentConfig(path, {}, QStringLiteral("h"));
        VERIFY_OK(config);

        HeartbeatSender sender(config.value());
        std::vector<Json> lines;
        sender.setOutput([&lines](const QByteArray &line) { lines.push_back(test::parsedJson(line)); });
        sender.watchConfigFile(path, {}, QStringLiteral("h"));
        QSignalSpy reloaded(&sender, &HeartbeatSender::configReloaded);
        QSignalSpy rejected(&sender, &HeartbeatSender::configRejected);
        sender.start();
        // The first tick is at once.
        QCOMPARE(lines.size(), size_t(1));
        QCOMPARE(keysOf(lines[0]["stats"]), QStringList { QStringLiteral("cpu") });
        QCOMPARE(lines[0]["intervalSecs"].get<int>(), 1);

        // Replaced atomically (a rename over the file): new measures and interval.
        QVERIFY(
            replaceFile(path, R"({"heartbeat": {"intervalSecs": 2, "measures": {"cpu": false, "memory": false,
                                                     "threads": true}, "targets": [{"type": "stdout"}]}})"));
        QVERIFY(reloaded.wait(5000));
        QCOMPARE(sender.config().interval, 2s);
        QTRY_VERIFY_WITH_TIMEOUT(lines.back().contains("stats")
                && keysOf(lines.back()["stats"]) == QStringList { QStringLiteral("threads") },
            5000);
        QCOMPARE(lines.back()["intervalSecs"].get<int>(), 2);

        // A broken file is reported and the running config kept.
        QVERIFY(replaceFile(path, R"({"heartbeat": {"intervalSecs": "soon"}})"));
        QVERIFY(rejected.wait(5000));
        QVERIFY2(
            rejected.constLast().constFirst().toString().contains(QStringLiteral("heartbeat.intervalSecs")),
            qPrintable(rejected.constLast().constFirst().toString()));
        QCOMPARE(sender.config().interval, 2s);

        // Still watched after the renames: an in-place write is picked up too.
        const qsizetype reloadsSoFar = reloaded.size();
        QVERIFY(
            writeFile(path, R"({"heartbeat": {"intervalSecs": 1, "measures": {"cpu": false, "memory": false,
                                                   "fds": true}, "targets": [{"type": "stdout"}]}})"));
        QTRY_VERIFY_WITH_TIMEOUT(reloaded.size() > reloadsSoFar, 5000);
        QCOMPARE(sender.config().interval, 1s);
        QVERIFY(sender.config().measures.fds);
        QTRY_VERIFY_WITH_TIMEOUT(
            keysOf(lines.back()["stats"]) == QStringList { QStringLiteral("fds") }, 5000);
    }

    void silentCollectorKeepsAtMostOneBeat()
    {
        // The collector takes every request and never answers. The first beat stays in flight
        // until the request times out; the ticks meanwhile only replace one waiting beat, which
        // goes out when the slot frees. So each failure is followed by exactly one request.
        test::HttpTestServer server;
        QVERIFY(server.start());
        server.setResponder([](const test::HttpTestServer::Request &) {
            test::HttpTestServer::Reply reply;
            reply.never = true;
            return reply;
        });
        AgentConfig config = defaultAgentConfig();
        config.interval = 1s;
        config.targets[0].url = QUrl(server.url());
        config.targets[0].agentId = QStringLiteral("quiet");
        HeartbeatSender sender(config);
        sender.setRequestTimeout(2500ms); // two and a half ticks
        std::vector<size_t> requestsAtFailure;
        connect(&sender, &HeartbeatSender::beatFailed, this,
            [&] { requestsAtFailure.push_back(server.requests.size()); });
        sender.start();
        QTRY_COMPARE_WITH_TIMEOUT(requestsAtFailure.size(), size_t(2), 15000);
        QCOMPARE(requestsAtFailure, (std::vector<size_t> { 1, 2 }));
        QCOMPARE(server.requests[0].target, QByteArray("/heartbeat/quiet"));
        // The second request went out as the first timed out, not at a tick.
        const qint64 gap = server.requests[1].receivedMs - server.requests[0].receivedMs;
        QVERIFY2(gap >= 2200 && gap <= 2800, QByteArray::number(gap).constData()); // not at a tick (2 s, 3 s)
    }

    void refusedBeatIsNotRetried()
    {
        // 401 will not change by asking again: one request per tick.
        test::HttpTestServer server;
        QVERIFY(server.start());
        server.answerAll(401, R"({"error":{"code":"unauthorized","message":"signature does not match"}})");
        AgentConfig config = defaultAgentConfig();
        config.interval = 1s;
        config.targets[0].url = QUrl(server.url());
        config.targets[0].agentId = QStringLiteral("refused");
        HeartbeatSender sender(config);
        sender.setBackoff(HeartbeatBackoff { 50ms, 100ms });
        QSignalSpy failed(&sender, &HeartbeatSender::beatFailed);
        sender.start();
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 2, 5000);
        QCOMPARE(failed.constFirst().at(1).toString(), QStringLiteral("HTTP 401: signature does not match"));
        QCOMPARE(server.requests.size(), size_t(2));
        const qint64 gap = server.requests[1].receivedMs - server.requests[0].receivedMs;
        QVERIFY2(gap >= 900, QByteArray::number(gap).constData());
    }

    void unavailableCollectorIsRetriedWithinTheTick()
    {
        // Two 503s, then the collector recovers: the beat arrives on the third attempt, long
        // before the next tick, after waits that grow.
        test::HttpTestServer server;
        QVERIFY(server.start());
        server.setResponder([&server](const test::HttpTestServer::Request &) {
            return server.requests.size() <= 2
                ? test::HttpTestServer::Reply { 503, R"({"error":{"message":"busy"}})" }
                : test::HttpTestServer::Reply {};
        });
        AgentConfig config = defaultAgentConfig();
        config.interval = 30s;
        config.targets[0].url = QUrl(server.url());
        config.targets[0].agentId = QStringLiteral("retried");
        config.targets[0].key = "k";
        HeartbeatSender sender(config);
        sender.setBackoff(HeartbeatBackoff { 200ms, 5000ms });
        QSignalSpy sent(&sender, &HeartbeatSender::beatSent);
        QSignalSpy failed(&sender, &HeartbeatSender::beatFailed);
        sender.start();
        QVERIFY(sent.wait(10000));
        QCOMPARE(failed.size(), 2);
        QCOMPARE(failed.constFirst().at(1).toString(), QStringLiteral("HTTP 503: busy"));
        QCOMPARE(server.requests.size(), size_t(3));
        const qint64 first = server.requests[1].receivedMs - server.requests[0].receivedMs;
        const qint64 second = server.requests[2].receivedMs - server.requests[1].receivedMs;
        QVERIFY2(first >= 100 && second >= 200 && second < 2000,
            qPrintable(QStringLiteral("%1 ms, %2 ms").arg(first).arg(second)));
        // Every attempt carries the same beat, each signed afresh.
        QCOMPARE(server.requests[2].body, server.requests[0].body);
        for (const test::HttpTestServer::Request &request : server.requests) {
            const Status verified = signing::verify("k", request.headers.value("x-vigil-timestamp"),
                request.headers.value("x-vigil-signature"), request.body, QDateTime::currentDateTimeUtc());
            VERIFY_OK(verified);
        }
        QCOMPARE(server.requests[0].headers.value("content-type"), QByteArray("application/json"));
    }
};

QTEST_GUILESS_MAIN(TestAgent)
#include "tst_agent.moc"
