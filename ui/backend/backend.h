// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The dashboard's one door to the engine (STYLE.md "a narrow QObject facade that speaks
// value types"). It hosts the store, the engine and the collector in worker threads and
// starts them off the GUI thread; views ask it for data with read() (a thread of its own
// with its own connection, so a long list never waits behind the engine) and change
// things with engine() or the agent calls. Every call answers a QFuture: continue on it
// with `.then(contextObject, ...)` so the continuation runs on the GUI thread and is
// dropped with its widget.
//
// Live changes arrive as frames, at most ten a second, each carrying everything that
// changed since the last one (ksystemstats' sendFrame): never one signal per heartbeat
// or per step.

#include "heartbeat/collector.h"
#include "store/storethread.h"
#include "workflow/engine.h"
#include "workflow/enginehost.h"

#include <QFuture>
#include <QObject>
#include <QPointer>

#include <memory>

class QThread;
class QTimer;

namespace vigil {
class CollectorHost;
class DemoFleet;
}

namespace vigil::ui {

// A registered action or condition, as the workflow editor shows it.
struct HandlerInfo
{
    QString name;
    QString description;
    bool replaySafe = false; // actions only
    std::vector<ConfigField> configSchema;
};

// What the registry holds, copied once the engine started (registrations happen at start).
struct Catalog
{
    QStringList triggerTypes;
    std::vector<HandlerInfo> actions;
    std::vector<HandlerInfo> conditions;
    const HandlerInfo *action(const QString &name) const;
    const HandlerInfo *condition(const QString &name) const;
};

// Running totals from the collector, sampled once a second (rates are their differences).
struct CollectorTotals
{
    qint64 sampledAtMs = 0;
    quint64 accepted = 0;
    quint64 stored = 0;
    quint64 signalsRaised = 0;
};

struct BackendOptions
{
    StoreOptions store;
    EngineOptions engine;
    CollectorOptions collector; // its store is taken from `store`
    int demoAgents = 0;         // simulated agents heartbeating over HTTP (--demo N)
    QString importFile;         // workflows to load at start (--import)
};

class Backend final : public QObject
{
    Q_OBJECT
public:
    explicit Backend(BackendOptions options, QObject *parent = nullptr);
    ~Backend() override; // stops the demo fleet, the collector and the engine, in that order

    // Opens and migrates the database, starts engine and collector, all off the GUI thread.
    // Answers started() or startFailed(message).
    void start();
    bool isStarted() const { return m_started; }

    QString databaseDescription() const { return m_databaseDescription; } // without password
    QString listenAddress() const;                                       // "127.0.0.1:8787"
    QString baseUrl() const;                                             // "http://127.0.0.1:8787"
    QString token() const { return m_options.collector.token; }
    const Catalog &catalog() const { return m_catalog; }
    const BackendOptions &options() const { return m_options; }

    // fn(Store &) on the read thread. Calls made before started() wait for it (and are
    // never answered if the start fails).
    template<typename Fn>
    auto read(Fn fn) { return m_reads->call(std::move(fn)); }
    // fn(Engine &) on the engine thread: mutations (cancel, retry, replay, workflows).
    // Before started(), the future finishes without a result.
    template<typename Fn>
    auto engine(Fn fn) { return m_engineHost->call(std::move(fn)); }

    // Agents: the collector owns their liveness, so these go through it.
    QFuture<Result<Agent>> setPaused(const QString &id, bool pause);
    // Stores tenant, environment, tags, interval, grace, schedule and key, and tells the
    // tracker (new deadline).
    QFuture<Result<Agent>> saveAgent(const Agent &agent);
    QFuture<Status> deleteAgent(const QString &id);
    // A new random signing key; the agent must be given it (the detail view shows it).
    QFuture<Result<Agent>> rotateKey(const QString &id);

Q_SIGNALS:
    void started();
    void startFailed(const QString &message);
    // Frames.
    void agentsChanged(const QList<vigil::AgentSnapshot> &agents);
    void runsChanged(const QList<vigil::WorkflowRun> &runs);          // latest head per run
    void stepsChanged(const QList<vigil::WorkflowStepRun> &steps);    // latest per step run
    void signalsEmitted(const QList<vigil::TriggerEnvelope> &signals);
    void workflowsChanged(const QStringList &definitionIds);
    void totalsSampled(const vigil::ui::CollectorTotals &totals); // once a second
    // A built-in `notify` step, or the engine's own announcements.
    void notificationRequested(const QString &title, const QString &body, const QString &severity);

private:
    void finishStart(const Status &status);
    void sampleTotals();

    BackendOptions m_options;
    QString m_databaseDescription;
    quint16 m_port = 0;
    bool m_started = false;
    std::unique_ptr<StoreThread> m_reads;
    std::unique_ptr<EngineHost> m_engineHost;
    std::unique_ptr<CollectorHost> m_collectorHost;
    std::unique_ptr<DemoFleet> m_demo;
    QThread *m_starter = nullptr;
    QObject *m_frames = nullptr; // lives on the engine thread; batches the engine's signals
    QTimer *m_totalsTimer = nullptr;
    Catalog m_catalog;
};

} // namespace vigil::ui

Q_DECLARE_METATYPE(vigil::ui::CollectorTotals)
