// SPDX-License-Identifier: GPL-3.0-or-later
#include "heartbeat/demofleet.h"

#include "core/logging.h"
#include "model/json.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QThread>
#include <QTimer>
#include <QUrlQuery>

#include <atomic>
#include <queue>
#include <random>

namespace vigil {

namespace {

enum class Behaviour { Steady, Flapping, Dying, CronJob };

struct SimAgent
{
    QString id;
    Behaviour behaviour = Behaviour::Steady;
    int intervalSecs = 10;
    QString tenant;
    QString environment;
    QStringList tags;
    qint64 deadUntilMs = 0;  // Dying: silent until then
    qint64 aliveUntilMs = 0; // Dying: dies then
    double cpu = 20;
    double memoryMiB = 512;
    int runs = 0;
};

const char *const kRoles[] = { "web", "api", "worker", "db", "cache", "queue", "search", "gateway" };
const char *const kJobs[] = { "backup-nightly", "report-hourly", "sync-crm", "rotate-logs", "billing-run",
                              "index-rebuild" };
const char *const kRegions[] = { "eu-west", "us-east", "ap-south" };

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace

struct DemoFleet::State
{
    DemoFleetOptions options;
    QThread thread;
    Worker *worker = nullptr;
    std::atomic<quint64> delivered { 0 };
    std::atomic<quint64> failed { 0 };
};

class DemoFleet::Worker final : public QObject
{
public:
    explicit Worker(State &state) : m_state(state), m_random(state.options.seed) { }

    void start()
    {
        const int pool = m_state.options.connections > 0 ? m_state.options.connections
                                                         : std::clamp(m_state.options.agents / 400, 1, 24);
        // Each manager keeps its own few connections per host: a pool of them spreads a big
        // fleet over enough connections.
        for (int i = 0; i < pool; ++i)
            m_networks.push_back(new QNetworkAccessManager(this));
        // QNetworkAccessManager keeps six connections per host and queues the rest; a queue
        // of thousands costs it more per request than the request itself, and an overloaded
        // fleet then collapses to a trickle. So at most two requests per connection are in
        // flight; beats due beyond that wait for the next tick (the agents slip, as real
        // ones behind a slow network do).
        m_maxInFlight = pool * 6 * 2;
        createAgents();
        m_tick = new QTimer(this);
        m_tick->setInterval(50);
        QObject::connect(m_tick, &QTimer::timeout, this, [this] { tick(); });
        m_tick->start();
    }

    void stop()
    {
        if (m_tick)
            m_tick->stop();
        const auto replies = findChildren<QNetworkReply *>();
        for (QNetworkReply *reply : replies)
            reply->abort();
    }

private:
    double uniform(double low, double high) { return std::uniform_real_distribution<double>(low, high)(m_random); }
    bool chance(double p) { return uniform(0, 1) < p; }

    void createAgents()
    {
        const DemoFleetOptions &o = m_state.options;
        const qint64 now = nowMs();
        m_agents.reserve(std::size_t(o.agents));
        for (int i = 0; i < o.agents; ++i) {
            SimAgent agent;
            if (o.fixedIntervalSecs > 0) {
                agent.id = QStringLiteral("bench-%1").arg(i, 5, 10, QLatin1Char('0'));
                agent.intervalSecs = o.fixedIntervalSecs;
            } else {
                // Mostly steady services, a band of flappers, a few that die, some cron jobs.
                const int slot = i % 10;
                agent.behaviour = slot < 6 ? Behaviour::Steady
                    : slot == 6 || slot == 7 ? Behaviour::Flapping
                    : slot == 8              ? Behaviour::Dying
                                             : Behaviour::CronJob;
                agent.environment = (i % 4 == 3) ? QStringLiteral("staging") : QStringLiteral("prod");
                // Most in the default tenant, whose seeded workflows open incidents for missed
                // heartbeats; a second tenant shows the filters.
                agent.tenant = (i % 5 == 4) ? QStringLiteral("globex") : QStringLiteral("default");
                const QString region = QString::fromLatin1(kRegions[i % 3]);
                if (agent.behaviour == Behaviour::CronJob) {
                    agent.id = QStringLiteral("%1-%2").arg(QString::fromLatin1(kJobs[(i / 10) % 6])).arg(i / 60 + 1);
                    agent.intervalSecs = 30;
                    agent.tags = { QStringLiteral("cron"), region };
                } else {
                    const QString role = QString::fromLatin1(kRoles[(i * 7 + i / 10) % 8]);
                    agent.id = QStringLiteral("%1-%2.%3").arg(role).arg(i + 1, 2, 10, QLatin1Char('0')).arg(agent.environment);
                    agent.intervalSecs = agent.behaviour == Behaviour::Steady ? 5 + (i % 3) * 5 : 5;
                    agent.tags = { role, region };
                }
                agent.cpu = uniform(5, 60);
                agent.memoryMiB = uniform(200, 3000);
                if (agent.behaviour == Behaviour::Dying)
                    agent.aliveUntilMs = now + qint64(uniform(60, 180) * 1000);
            }
            m_agents.push_back(agent);
        }
        if (o.fixedIntervalSecs > 0) {
            // Spread the first beats over one interval, as a real fleet's would be.
            for (std::size_t i = 0; i < m_agents.size(); ++i)
                m_due.push({ now + qint64(uniform(0, o.fixedIntervalSecs * 1000.0)), i });
            return;
        }
        for (std::size_t i = 0; i < m_agents.size(); ++i)
            registerAgent(i);
    }

    // PUT /api/v1/agents/{id}: tenant, environment, tags, interval; beating starts once stored.
    void registerAgent(std::size_t index)
    {
        const SimAgent &agent = m_agents[index];
        QUrl url = m_state.options.baseUrl;
        url.setPath(url.path() + QStringLiteral("/api/v1/agents/") + agent.id);
        QNetworkRequest request(url);
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
        request.setRawHeader("Authorization", "Bearer " + m_state.options.token.toUtf8());
        Json body { { "tenantId", agent.tenant.toStdString() },
                    { "environment", agent.environment.toStdString() },
                    { "intervalSecs", agent.intervalSecs },
                    { "graceSecs", agent.intervalSecs } };
        Json tags = Json::array();
        for (const QString &tag : agent.tags)
            tags.push_back(tag.toStdString());
        body["tags"] = tags;
        QNetworkReply *reply = network().put(request, QByteArray::fromStdString(body.dump()));
        QObject::connect(reply, &QNetworkReply::finished, this, [this, reply, index] {
            reply->deleteLater();
            if (reply->error() != QNetworkReply::NoError)
                qCWarning(lcApp).noquote() << "demo: cannot register" << m_agents[index].id << reply->errorString();
            m_due.push({ nowMs() + qint64(uniform(0, 1500)), index });
        });
    }

    QNetworkAccessManager &network()
    {
        QNetworkAccessManager *manager = m_networks[m_nextNetwork];
        m_nextNetwork = (m_nextNetwork + 1) % m_networks.size();
        return *manager;
    }

    void tick()
    {
        const qint64 now = nowMs();
        while (!m_due.empty() && m_due.top().first <= now && m_inFlight < m_maxInFlight) {
            const std::size_t index = m_due.top().second;
            m_due.pop();
            beat(index, now);
        }
    }

    void beat(std::size_t index, qint64 now)
    {
        SimAgent &agent = m_agents[index];
        const qint64 interval = qint64(agent.intervalSecs) * 1000;
        qint64 next = now + qint64(double(interval) * uniform(0.95, 1.03));
        switch (agent.behaviour) {
        case Behaviour::Steady:
            send(agent, {}, {}, statsBody(agent));
            break;
        case Behaviour::Flapping:
            // A skipped beat goes late; two in a row go down and raise a miss.
            if (!chance(0.22))
                send(agent, {}, {}, statsBody(agent));
            break;
        case Behaviour::Dying:
            if (agent.deadUntilMs > now)
                break;
            if (agent.aliveUntilMs <= now) {
                if (agent.deadUntilMs != 0 && agent.deadUntilMs <= now) {
                    agent.deadUntilMs = 0; // back: stays up for a while
                    agent.aliveUntilMs = now + qint64(uniform(90, 240) * 1000);
                } else {
                    agent.deadUntilMs = now + qint64(uniform(45, 120) * 1000);
                    break;
                }
            }
            send(agent, {}, {}, statsBody(agent));
            break;
        case Behaviour::CronJob: {
            const QString rid = QStringLiteral("r%1").arg(++agent.runs);
            send(agent, QStringLiteral("start"), rid, {});
            const bool fails = chance(0.12);
            QTimer::singleShot(int(uniform(800, 4000)), this, [this, index, rid, fails] {
                const SimAgent &job = m_agents[index];
                if (fails)
                    send(job, QStringLiteral("fail"), rid, QByteArrayLiteral("exit 1: upstream refused the connection"));
                else
                    send(job, {}, rid, QByteArrayLiteral("{\"message\":\"ok\"}"));
            });
            break;
        }
        }
        m_due.push({ next, index });
    }

    QByteArray statsBody(SimAgent &agent)
    {
        agent.cpu = std::clamp(agent.cpu + uniform(-6, 6), 1.0, 99.0);
        agent.memoryMiB = std::clamp(agent.memoryMiB + uniform(-40, 45), 64.0, 8000.0);
        Json stats { { "cpu", { { "cpu_usage", std::round(agent.cpu * 10) / 10 } } },
                     { "memory", { { "memory_usage", std::round(agent.memoryMiB * 10) / 10 } } },
                     { "threads", { { "threads", 8 + int(agent.cpu / 4) } } },
                     { "fds", { { "fds", 40 + int(agent.memoryMiB / 50) } } } };
        return QByteArray::fromStdString(Json { { "intervalSecs", agent.intervalSecs }, { "stats", stats } }.dump());
    }

    void send(const SimAgent &agent, const QString &suffix, const QString &rid, const QByteArray &body)
    {
        QUrl url = m_state.options.baseUrl;
        url.setPath(url.path() + QStringLiteral("/heartbeat/") + agent.id
                    + (suffix.isEmpty() ? QString() : QLatin1Char('/') + suffix));
        if (!rid.isEmpty())
            url.setQuery(QStringLiteral("rid=") + rid);
        QNetworkRequest request(url);
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          body.startsWith('{') ? QStringLiteral("application/json") : QStringLiteral("text/plain"));
        QNetworkReply *reply = network().post(request, body);
        ++m_inFlight;
        QObject::connect(reply, &QNetworkReply::finished, this, [this, reply] {
            reply->deleteLater();
            --m_inFlight;
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            if (status >= 200 && status < 300)
                ++m_state.delivered;
            else
                ++m_state.failed;
        });
    }

    State &m_state;
    std::mt19937 m_random;
    std::vector<SimAgent> m_agents;
    std::vector<QNetworkAccessManager *> m_networks;
    std::size_t m_nextNetwork = 0;
    int m_inFlight = 0;
    int m_maxInFlight = 12;
    using Due = std::pair<qint64, std::size_t>;
    std::priority_queue<Due, std::vector<Due>, std::greater<>> m_due;
    QTimer *m_tick = nullptr;
};

DemoFleet::DemoFleet(DemoFleetOptions options) : d(std::make_unique<State>())
{
    d->options = std::move(options);
    d->thread.setObjectName(QStringLiteral("vigil-demo"));
}

DemoFleet::~DemoFleet()
{
    stop();
}

void DemoFleet::start()
{
    if (d->worker)
        return;
    d->thread.start();
    d->worker = new Worker(*d);
    d->worker->moveToThread(&d->thread);
    QMetaObject::invokeMethod(d->worker, [w = d->worker] { w->start(); }, Qt::QueuedConnection);
}

void DemoFleet::stop()
{
    if (!d->worker)
        return;
    QMetaObject::invokeMethod(
        d->worker,
        [w = d->worker] {
            w->stop();
            delete w;
        },
        Qt::BlockingQueuedConnection);
    d->worker = nullptr;
    d->thread.quit();
    d->thread.wait();
}

quint64 DemoFleet::delivered() const
{
    return d->delivered.load();
}

quint64 DemoFleet::failed() const
{
    return d->failed.load();
}

} // namespace vigil
