// SPDX-License-Identifier: GPL-3.0-or-later
// AgentDetail against a real backend: heartbeats with stats sent over HTTP to the collector
// become chart points (and keep coming live), Pause pauses the agent in the store, and the
// "how to ping" commands work when run as they are shown (curl + openssl, signed).

#include "support/testbackend.h"

#include "common/navigator.h"
#include "fleet/agentdetail.h"
#include "fleet/pingcommands.h"

#include <QAction>
#include <QDir>
#include <QFile>
#include <QLineEdit>
#include <QLineSeries>
#include <QPushButton>
#include <QSpinBox>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QTabWidget>
#include <QTest>

using namespace vigil;
using namespace vigil::ui;

namespace {

// Sends one heartbeat with seed-004 stats and waits for the collector's answer.
int sendBeat(QNetworkAccessManager &network, const QString &baseUrl, const QString &id, double cpu)
{
    QNetworkRequest request(QUrl(baseUrl + QStringLiteral("/heartbeat/") + id));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    const Json body = { { "stats",
                          { { "cpu", { { "cpu_usage", cpu } } },
                            { "memory", { { "memory_usage", 512 + cpu } } },
                            { "threads", { { "threads", 9 } } },
                            { "fds", { { "fds", 40 } } } } } };
    QNetworkReply *reply = network.post(request, QByteArray::fromStdString(body.dump()));
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!finished.wait(10000))
        return -1;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    reply->deleteLater();
    return status;
}

AgentState storedState(TestBackend &t, const QString &id)
{
    Result<Agent> agent = TestBackend::await(t.backend->read([id](Store &s) { return s.getAgent(id); }));
    return agent ? agent->state : AgentState::New;
}

int heartbeatCount(TestBackend &t, const QString &id)
{
    auto page = TestBackend::await(t.backend->read([id](Store &s) { return s.listHeartbeats(id, PageRequest { 1000, QString() }); }));
    return page ? int(page->items.size()) : -1;
}

} // namespace

class TestAgentDetail final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void chartsFollowHeartbeatsAndPause()
    {
        TestBackend t;
        QVERIFY2(t.start(), "backend did not start");
        QNetworkAccessManager network;
        const QString id = QStringLiteral("web-1");
        for (int i = 0; i < 5; ++i)
            QCOMPARE(sendBeat(network, t.backend->baseUrl(), id, 10 + i) / 100, 2);
        QTRY_COMPARE_WITH_TIMEOUT(heartbeatCount(t, id), 5, 10000);

        Navigator navigator;
        AgentDetail detail(*t.backend, navigator, id);
        detail.resize(1100, 760);
        detail.show();
        QTRY_VERIFY(detail.series(QStringLiteral("cpu.cpu_usage")) != nullptr);
        QLineSeries *cpu = detail.series(QStringLiteral("cpu.cpu_usage"));
        QTRY_COMPARE(cpu->count(), 5);
        QCOMPARE(cpu->at(4).y(), 14.0);
        QCOMPARE(cpu->at(0).y(), 10.0);
        QVERIFY(detail.measures().contains(QStringLiteral("memory.memory_usage")));
        QVERIFY(detail.measures().contains(QStringLiteral("threads.threads")));
        QVERIFY(detail.measures().contains(QStringLiteral("fds.fds")));
        QCOMPARE(detail.series(QStringLiteral("interval"))->count(), 4);
        QCOMPARE(detail.series(QStringLiteral("memory.memory_usage"))->at(4).y(), 526.0);

        // Live: new heartbeats reach the charts through the agentsChanged frames.
        QCOMPARE(sendBeat(network, t.backend->baseUrl(), id, 50) / 100, 2);
        QCOMPARE(sendBeat(network, t.backend->baseUrl(), id, 60) / 100, 2);
        QTRY_COMPARE_WITH_TIMEOUT(cpu->count(), 7, 10000);
        QCOMPARE(cpu->at(6).y(), 60.0);

        const QString ping = detail.pingText();
        QVERIFY2(ping.contains(t.backend->baseUrl() + QStringLiteral("/heartbeat/web-1")), qPrintable(ping));
        QVERIFY2(ping.contains(QStringLiteral("vigil-agent --url ") + t.backend->baseUrl() + QStringLiteral(" --id web-1")),
                 qPrintable(ping));

        if (const QString dir = qEnvironmentVariable("VIGIL_SCREENSHOT_DIR"); !dir.isEmpty())
        {
            detail.grab().save(QDir(dir).filePath(QStringLiteral("agentdetail.png")));
            auto *tabs = detail.findChild<QTabWidget *>();
            for (int i = 1; i < tabs->count(); ++i) {
                tabs->setCurrentIndex(i);
                QTest::qWait(100);
                detail.grab().save(QDir(dir).filePath(QStringLiteral("agentdetail-tab%1.png").arg(i)));
            }
            tabs->setCurrentIndex(0);
        }

        // Pause through the button; the store says paused, the button offers Resume.
        QTRY_VERIFY(detail.pauseAction()->isEnabled());
        QCOMPARE(detail.pauseAction()->text(), QStringLiteral("Pause"));
        detail.pauseAction()->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(int(storedState(t, id)), int(AgentState::Paused), 10000);
        QTRY_COMPARE(detail.pauseAction()->text(), QStringLiteral("Resume"));
        detail.pauseAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(storedState(t, id) != AgentState::Paused, 10000);
    }

    void saveEditsTheAgent()
    {
        TestBackend t;
        QVERIFY2(t.start(), "backend did not start");
        Agent agent;
        agent.id = QStringLiteral("cache-3");
        QVERIFY(TestBackend::await(t.backend->saveAgent(agent)).ok());
        Navigator navigator;
        AgentDetail detail(*t.backend, navigator, agent.id);
        QSignalSpy loaded(&detail, &AgentDetail::agentLoaded);
        QVERIFY(loaded.wait(10000));
        auto *interval = detail.findChild<QSpinBox *>(QStringLiteral("interval"));
        auto *tags = detail.findChild<QLineEdit *>(QStringLiteral("tags"));
        auto *save = detail.findChild<QPushButton *>(QStringLiteral("save"));
        QVERIFY(interval && tags && save);
        interval->setValue(45);
        tags->setText(QStringLiteral("cache, eu-west , cache"));
        save->click();
        const QString id = agent.id;
        const auto stored = [&t, id] {
            return TestBackend::await(t.backend->read([id](Store &s) { return s.getAgent(id); })).valueOr(Agent {});
        };
        QTRY_COMPARE_WITH_TIMEOUT(stored().intervalSecs, 45, 10000);
        QCOMPARE(stored().tags, QStringList({ QStringLiteral("cache"), QStringLiteral("eu-west") }));
        QVERIFY(detail.pingText().contains(QStringLiteral("--interval 45")));
    }

    void signedCurlCommandIsAccepted()
    {
        TestBackend t;
        QVERIFY2(t.start(), "backend did not start");
        Agent agent;
        agent.id = QStringLiteral("db-1");
        agent.intervalSecs = 30;
        QVERIFY(TestBackend::await(t.backend->saveAgent(agent)).ok());
        Result<Agent> rotated = TestBackend::await(t.backend->rotateKey(agent.id));
        QVERIFY(rotated.ok() && rotated->hmacKey);

        QTemporaryDir dir;
        const QString keyFile = dir.filePath(QStringLiteral("db-1.key"));
        QFile file(keyFile);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(rotated->hmacKey->toUtf8());
        file.close();

        // Unsigned: refused now that the agent has a key.
        QProcess plain;
        plain.start(QStringLiteral("bash"), { QStringLiteral("-c"), curlCommand(t.backend->baseUrl(), agent.id) });
        QVERIFY(plain.waitForFinished(20000));
        QVERIFY2(plain.exitCode() != 0, "an unsigned heartbeat must be refused for an agent with a key");

        QProcess signedCurl;
        signedCurl.start(QStringLiteral("bash"),
                         { QStringLiteral("-c"), signedCurlCommand(t.backend->baseUrl(), agent.id, keyFile) });
        QVERIFY(signedCurl.waitForFinished(20000));
        QVERIFY2(signedCurl.exitCode() == 0, signedCurl.readAllStandardError().constData());
        QTRY_COMPARE_WITH_TIMEOUT(heartbeatCount(t, agent.id), 1, 10000);

        // The detail shows the signed variant for it.
        Navigator navigator;
        AgentDetail detail(*t.backend, navigator, agent.id);
        QSignalSpy loaded(&detail, &AgentDetail::agentLoaded);
        QVERIFY(loaded.wait(10000));
        QVERIFY2(detail.pingText().contains(QStringLiteral("X-Vigil-Signature: sha256=")), qPrintable(detail.pingText()));
        QVERIFY(detail.pingText().contains(QStringLiteral("--key-file ")));
        QVERIFY(detail.pingText().contains(QStringLiteral("--interval 30")));
    }
};

QTEST_MAIN(TestAgentDetail)
#include "tst_agentdetail.moc"
