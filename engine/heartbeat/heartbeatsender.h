// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// vigil-agent's periodic loop. Ticks at a fixed rate (a precise QTimer; the first tick at
// once) whatever a send costs: a tick samples the stats once and hands the beat to every
// target. A vigil target has at most one POST in flight and at most one beat waiting; a newer
// tick replaces a beat that has not gone out yet, so a dead collector never builds a queue.
// A failed send that may work later is retried with exponential back-off and jitter (at least
// the collector's Retry-After) until the next tick, which brings fresh stats and starts over.
// The config file, when there is one, is watched and reloaded: a bad file is reported and the
// running configuration kept.

#include "heartbeat/agentconfig.h"
#include "heartbeat/statssampler.h"

#include <QCoroTask>
#include <QObject>
#include <chrono>
#include <functional>
#include <memory>
#include <vector>

class QTimer;

namespace vigil {

class ConfigFileWatcher;
class HeartbeatClient;
struct PostOutcome;

// The body of POST /heartbeat/{id}: {"stats": ..., "status": "up", "intervalSecs": N}.
QByteArray heartbeatBody(const Json &stats, std::chrono::seconds interval);

struct HeartbeatBackoff
{
    std::chrono::milliseconds first { 250 };
    std::chrono::milliseconds max { 30000 };
    // The wait before retry number `attempt` (0 = the first retry): first * 2^attempt capped
    // at max, then a uniformly random point of its upper half, so waits never shrink from
    // one retry to the next and agents that failed together do not retry together.
    std::chrono::milliseconds delay(int attempt) const;
};

class HeartbeatSender final : public QObject
{
    Q_OBJECT
public:
    using Output = std::function<void(const QByteArray &line)>;

    explicit HeartbeatSender(AgentConfig config, QObject *parent = nullptr);
    ~HeartbeatSender() override;

    // Where stdout targets write (one JSON line per beat); the process's stdout by default.
    void setOutput(Output output) { m_output = std::move(output); }
    void setBackoff(HeartbeatBackoff policy) { m_backoff = policy; }
    // How long one POST may take before it counts as failed (10 s by default).
    void setRequestTimeout(std::chrono::milliseconds timeout);
    // Reload `path` when it changes, applying `overrides` and `hostName` as at start-up.
    void watchConfigFile(const QString &path, AgentOverrides overrides, QString hostName);

    const AgentConfig &config() const { return m_config; }
    void applyConfig(AgentConfig config);

    void start();
    void stop();

    // One beat to every target, no retries: true when every vigil target answered 2xx.
    QCoro::Task<bool> sendOnce();

Q_SIGNALS:
    void beatSent(int target, int status);
    void beatFailed(int target, const QString &reason);
    void configReloaded();
    void configRejected(const QString &message);

private:
    struct Target;

    void tick();
    void rebuildTargets();
    void reloadConfigFile();
    void sendNext(const std::shared_ptr<Target> &target);
    QCoro::Task<> deliver(std::shared_ptr<Target> target, QByteArray body);
    void afterDelivery(
        const std::shared_ptr<Target> &target, const QByteArray &body, const PostOutcome &outcome);
    void writeLine(const QByteArray &body);

    AgentConfig m_config;
    StatsSampler m_sampler;
    HeartbeatBackoff m_backoff;
    Output m_output;
    HeartbeatClient *m_client = nullptr;
    QTimer *m_ticker = nullptr;
    std::chrono::steady_clock::time_point m_nextTick;
    std::vector<std::shared_ptr<Target>> m_targets;

    ConfigFileWatcher *m_watcher = nullptr;
    AgentOverrides m_overrides;
    QString m_hostName;
};

} // namespace vigil
