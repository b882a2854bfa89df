// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The heartbeat collector (DESIGN.md "Heartbeats"): the heartbeat endpoints on the HTTP
// server, the group commit that stores accepted heartbeats, and the liveness tracker that
// turns silence into `heartbeat.missed` signals through the engine.
//
// A 2xx means stored: accepted heartbeats wait in a batch that a writer thread commits
// (taken as soon as the writer is free: a batch waits at most for the commit in flight, in
// practice a millisecond; there is no timer to wait for); each is answered
// once its batch committed, or 503 with Retry-After if the database refused it. The tracker
// sleeps until the next deadline; what it finds is written as guarded state updates in the
// same group commit (an agent another node heard meanwhile is taken from the database
// instead of being declared missed), and the signals go through the engine's emitSignals.
//
// Lives on the collector thread (CollectorHost runs it there).

#include "api/adminapi.h"
#include "http/httpserver.h"
#include "store/store.h"

#include <QObject>

#include <chrono>
#include <memory>

namespace vigil {

class EngineHost;
class Collector;

struct CollectorOptions
{
    StoreOptions store;
    QHostAddress address = QHostAddress::LocalHost;
    quint16 port = 8787;
    QString token;               // admin API bearer token
    bool autoRegister = true;    // unknown ids are registered on their first heartbeat
    int defaultIntervalSecs = 60;
    int maxBatch = 5000;
    std::chrono::hours retention = std::chrono::hours(24 * 7);
    std::chrono::milliseconds retentionSweep = std::chrono::minutes(10);
    http::Limits limits;
    // Heartbeat into ourselves as this agent (vigild@host); empty = off.
    QString selfAgentId;
    int selfIntervalSecs = 30;
    // Adds routes before the server listens (vigild installs the admin API here).
    std::function<void(http::Server &, Collector &)> installRoutes;
};

// What the dashboard shows of an agent; published in batches.
struct AgentSnapshot
{
    QString id;
    AgentState state = AgentState::New;
    qint64 lastSeenMs = 0;
    int misses = 0;
};

class Collector final : public QObject
{
    Q_OBJECT
public:
    Collector(CollectorOptions options, EngineHost *engine, QObject *parent = nullptr);
    ~Collector() override;

    // Opens the writer's store, loads the fleet into the tracker in one pass, installs the
    // routes (heartbeats and the admin API) and listens. Answers the bound port.
    Result<quint16> start();
    // Stops accepting (new connections and new heartbeats answer 503), commits what was
    // accepted, waits for the writer. Synchronous; emits stopped().
    void stop();
    bool isStopping() const;

    quint16 port() const;
    // What the admin API needs of the liveness side (agent changes, pause/resume, metrics).
    AdminApiHooks adminHooks();
    // The same for the dashboard. Call these on the collector thread, after the store
    // committed the change; `done` runs on the collector thread once the pause or resume is
    // stored, with the stored agent.
    void agentConfigured(const Agent &agent);
    void agentDeleted(const QString &id);
    void setPaused(const QString &id, bool pause, std::function<void(Result<Agent>)> done);

    struct Counters
    {
        quint64 accepted = 0; // taken into a batch (stored, or answered 503 if its commit failed)
        quint64 stored = 0;
        quint64 missedRaised = 0;
        quint64 recoveredRaised = 0;
        quint64 failedRaised = 0;
        quint64 signalsRaised = 0; // signals the engine accepted (all kinds)
    };
    Counters counters() const;
    // How late (ms after its deadline) each of the most recent detections was (at most the
    // last 100 000): the benchmark's figures.
    std::vector<qint64> recentLateness() const;
    // Prometheus text of the collector's figures (agents by state, heartbeats accepted and
    // rejected by reason, ingest latency, detection lateness).
    QByteArray metricsText() const;

Q_SIGNALS:
    // Coalesced: at most one per publish interval, with every agent that changed.
    void agentsChanged(const QList<vigil::AgentSnapshot> &agents);
    void stopped();

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace vigil

Q_DECLARE_METATYPE(vigil::AgentSnapshot)
