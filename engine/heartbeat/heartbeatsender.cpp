// SPDX-License-Identifier: GPL-3.0-or-later
#include "heartbeat/heartbeatsender.h"

#include "core/logging.h"
#include "heartbeat/configfilewatcher.h"
#include "heartbeat/heartbeatclient.h"
#include "model/json.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QRandomGenerator>
#include <QTimer>
#include <algorithm>
#include <cstdio>
#include <optional>

namespace vigil {

using Clock = std::chrono::steady_clock;

// One target's delivery state. Shared with the send in flight, so a target dropped by a
// reload lives until its last answer arrives, which is then ignored.
struct HeartbeatSender::Target
{
    int index = 0;
    HeartbeatTarget settings;
    std::optional<QByteArray> waiting; // the newest beat not yet sent
    bool inFlight = false;
    bool retired = false;
    int failures = 0; // failed attempts of the current beat
    bool failing = false; // the last beat did not get through (to log the recovery once)
    QElapsedTimer lastWarning;
    QTimer retry;
};

QByteArray heartbeatBody(const Json &stats, std::chrono::seconds interval)
{
    return dumpJson(Json { { "stats", stats }, { "status", "up" }, { "intervalSecs", interval.count() } });
}

std::chrono::milliseconds HeartbeatBackoff::delay(int attempt) const
{
    qint64 ceiling = first.count();
    for (int i = 0; i < attempt && ceiling < max.count(); ++i)
        ceiling *= 2;
    ceiling = std::min(ceiling, qint64(max.count()));
    const qint64 floor = ceiling / 2;
    return std::chrono::milliseconds(floor + QRandomGenerator::global()->bounded(ceiling - floor + 1));
}

HeartbeatSender::HeartbeatSender(AgentConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_sampler(m_config.measures)
    , m_client(new HeartbeatClient(this))
    , m_ticker(new QTimer(this))
{
    m_ticker->setTimerType(Qt::PreciseTimer);
    connect(m_ticker, &QTimer::timeout, this, &HeartbeatSender::tick);
    m_output = [](const QByteArray &line) {
        std::fwrite(line.constData(), 1, size_t(line.size()), stdout);
        std::fputc('\n', stdout);
        std::fflush(stdout);
    };
    rebuildTargets();
}

HeartbeatSender::~HeartbeatSender()
{
    stop();
}

void HeartbeatSender::setRequestTimeout(std::chrono::milliseconds timeout)
{
    m_client->setTimeout(timeout);
}

void HeartbeatSender::watchConfigFile(const QString &path, AgentOverrides overrides, QString hostName)
{
    delete m_watcher;
    m_overrides = std::move(overrides);
    m_hostName = std::move(hostName);
    m_watcher = new ConfigFileWatcher(path, this);
    connect(m_watcher, &ConfigFileWatcher::changed, this, &HeartbeatSender::reloadConfigFile);
}

void HeartbeatSender::start()
{
    // A send never blocks the timer: it only hands a beat over, so ticks keep their rate.
    m_ticker->start(int(std::chrono::milliseconds(m_config.interval).count()));
    tick();
}

void HeartbeatSender::stop()
{
    m_ticker->stop();
    for (const std::shared_ptr<Target> &target : m_targets) {
        target->retry.stop();
        target->waiting.reset();
    }
}

void HeartbeatSender::applyConfig(AgentConfig config)
{
    const bool targetsChanged = config.targets != m_config.targets;
    const bool intervalChanged = config.interval != m_config.interval;
    m_config = std::move(config);
    m_sampler.setMeasures(m_config.measures);
    if (targetsChanged)
        rebuildTargets();
    if (intervalChanged && m_ticker->isActive()) {
        // Restarts the period from now; the next beat announces the new interval.
        m_ticker->start(int(std::chrono::milliseconds(m_config.interval).count()));
        m_nextTick = Clock::now() + m_config.interval;
    }
}

void HeartbeatSender::reloadConfigFile()
{
    Result<AgentConfig> loaded = resolveAgentConfig(m_watcher->path(), m_overrides, m_hostName);
    if (!loaded) {
        qCWarning(lcAgent).noquote() << "config not reloaded, keeping the running one:"
                                     << loaded.error().message;
        Q_EMIT configRejected(loaded.error().message);
        return;
    }
    applyConfig(std::move(loaded).value());
    qCInfo(lcAgent).noquote() << "config reloaded from" << m_watcher->path();
    Q_EMIT configReloaded();
}

void HeartbeatSender::rebuildTargets()
{
    for (const std::shared_ptr<Target> &old : m_targets) {
        old->retired = true;
        old->retry.stop();
    }
    m_targets.clear();
    int index = 0;
    for (const HeartbeatTarget &settings : m_config.targets) {
        auto target = std::make_shared<Target>();
        target->index = index++;
        target->settings = settings;
        target->retry.setSingleShot(true);
        // A coarse timer may fire 5 % early: the back-off is a lower bound agents rely on.
        target->retry.setTimerType(Qt::PreciseTimer);
        // The context is this sender; the timer goes with its target.
        connect(&target->retry, &QTimer::timeout, this, [this, weak = std::weak_ptr<Target>(target)] {
            if (const std::shared_ptr<Target> t = weak.lock())
                sendNext(t);
        });
        m_targets.push_back(std::move(target));
    }
}

void HeartbeatSender::tick()
{
    m_nextTick = Clock::now() + m_config.interval;
    const Json stats = m_sampler.sample();
    for (const QString &problem : m_sampler.problems())
        qCDebug(lcAgent).noquote() << "measure left out:" << problem;
    const QByteArray body = heartbeatBody(stats, m_config.interval);
    for (const std::shared_ptr<Target> &target : m_targets) {
        if (target->settings.type == HeartbeatTarget::Type::Stdout) {
            writeLine(body);
            continue;
        }
        if (target->waiting)
            qCDebug(lcAgent) << "target" << target->index << "a newer beat replaces one not sent yet";
        target->waiting = body;
        target->failures = 0;
        target->retry.stop();
        sendNext(target);
    }
}

void HeartbeatSender::sendNext(const std::shared_ptr<Target> &target)
{
    if (target->inFlight || !target->waiting || target->retired)
        return;
    target->inFlight = true;
    QByteArray body = std::move(*target->waiting);
    target->waiting.reset();
    // Runs on by itself; its end is handled in afterDelivery.
    deliver(target, std::move(body));
}

QCoro::Task<> HeartbeatSender::deliver(std::shared_ptr<Target> target, QByteArray body)
{
    const QPointer<HeartbeatSender> self(this);
    const QUrl url = heartbeatUrl(target->settings.url, target->settings.agentId);
    const PostOutcome outcome = co_await m_client->post(url, target->settings.key, body);
    if (!self)
        co_return;
    afterDelivery(target, body, outcome);
}

void HeartbeatSender::afterDelivery(
    const std::shared_ptr<Target> &target, const QByteArray &body, const PostOutcome &outcome)
{
    target->inFlight = false;
    if (target->retired)
        return;
    const QString where = target->settings.url.toString();
    if (outcome.ok()) {
        if (std::exchange(target->failing, false))
            qCInfo(lcAgent).noquote() << "heartbeats reach" << where << "again";
        target->failures = 0;
        Q_EMIT beatSent(target->index, outcome.status);
        sendNext(target);
        return;
    }
    Q_EMIT beatFailed(target->index, outcome.describe());
    ++target->failures;
    if (target->waiting) {
        // A newer beat arrived meanwhile: it goes now, this one is stale.
        sendNext(target);
        return;
    }
    if (!outcome.retryable()) {
        target->failing = true;
        target->lastWarning.start();
        qCWarning(lcAgent).noquote() << where << "refused the heartbeat:" << outcome.describe();
        return;
    }
    std::chrono::milliseconds wait = m_backoff.delay(target->failures - 1);
    if (outcome.retryAfter)
        wait = std::max<std::chrono::milliseconds>(wait, *outcome.retryAfter);
    if (m_ticker->isActive() && Clock::now() + wait < m_nextTick) {
        qCDebug(lcAgent).noquote() << QStringLiteral("heartbeat to %1 failed (%2), retry in %3 ms")
                                          .arg(where, outcome.describe())
                                          .arg(wait.count());
        target->waiting = body;
        target->retry.start(wait);
        return;
    }
    // Once when the trouble starts, then once a minute: a dead collector must not flood the log.
    if (!std::exchange(target->failing, true) || target->lastWarning.hasExpired(60000)) {
        target->lastWarning.start();
        qCWarning(lcAgent).noquote() << "heartbeat to" << where << "not delivered after" << target->failures
                                     << "attempt(s):" << outcome.describe();
    }
}

void HeartbeatSender::writeLine(const QByteArray &body)
{
    if (m_output)
        m_output(body);
}

QCoro::Task<bool> HeartbeatSender::sendOnce()
{
    const QPointer<HeartbeatSender> self(this);
    const QByteArray body = heartbeatBody(m_sampler.sample(), m_config.interval);
    bool allDelivered = true;
    // Copies: a reload while a post is under way must not pull the list from under the loop.
    const std::vector<HeartbeatTarget> targets = m_config.targets;
    HeartbeatClient *client = m_client;
    for (const HeartbeatTarget &target : targets) {
        if (target.type == HeartbeatTarget::Type::Stdout) {
            writeLine(body);
            continue;
        }
        const PostOutcome outcome
            = co_await client->post(heartbeatUrl(target.url, target.agentId), target.key, body);
        if (!self)
            co_return false;
        if (!outcome.ok()) {
            allDelivered = false;
            qCWarning(lcAgent).noquote()
                << "heartbeat to" << target.url.toString() << "not delivered:" << outcome.describe();
        }
    }
    co_return allDelivered;
}

} // namespace vigil
