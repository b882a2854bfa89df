// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The workflow engine: Pulse's API (registerTrigger/Action/Condition, emit, start, stop,
// queries, cancel, retry, replay, workflow management, hooks) in C++, durable without
// Redis. Every state change is a committed row: delays and retry back-offs are step rows
// with `scheduled_for` that one timer wakes for; running steps hold a lease, so another
// process takes over a crashed one's work; completions are fenced by owner and attempt.
//
// An Engine lives in one thread (the engine thread) and uses that thread's Store. Its
// methods are synchronous and called from that thread; other threads reach it through
// queued calls (EngineHost). Handlers are coroutines, so a slow handler never blocks
// other runs; at most `concurrency` handlers run at once.

#include "model/metatypes.h"
#include "workflow/registry.h"

#include <QObject>

#include <chrono>
#include <functional>
#include <memory>

class QTimer;

namespace vigil {

class Store;

struct StepCompleteEvent
{
    WorkflowRun run;
    WorkflowStepRun step;
};

struct RunCompleteEvent
{
    WorkflowRun run;
    RunStatus status = RunStatus::Completed;
};

struct EngineOptions
{
    QString ownerId; // identifies this process in leases; default host:pid:random
    int concurrency = 8;
    std::chrono::milliseconds lease = std::chrono::seconds(30);
    // How often to look for work other processes made due (and expired leases).
    std::chrono::milliseconds pollInterval = std::chrono::seconds(1);
    // Delay steps due within this window are claimed ahead and ended on a precise timer at
    // their due time (a burst of delays due together ends together, not claim after claim).
    std::chrono::milliseconds delayLookahead = std::chrono::milliseconds(250);
    // stop(): how long running handlers may finish before they are cancelled.
    std::chrono::milliseconds shutdownGrace = std::chrono::seconds(10);
    bool builtins = true;         // register Vigil's built-in handlers
    bool seedDefaults = true;     // a fresh database gets the default workflows (missed, failed, recovered)
    QStringList commandAllowlist; // programs run_command may start
    // Pulse's lifecycle hooks; fire-and-forget: an error in a hook is logged, nothing else.
    std::function<void(const StepCompleteEvent &)> onStepComplete;
    std::function<void(const RunCompleteEvent &)> onRunComplete;
};

struct EmitResult
{
    TriggerEnvelope trigger;
    std::vector<QString> runIds;
    bool deduplicated = false; // an earlier emit with the same dedupKey answered
};

struct ReplayOptions
{
    bool dryRun = false;
};

class Engine final : public QObject
{
    Q_OBJECT
public:
    Engine(Store &store, EngineOptions options = {}, QObject *parent = nullptr);
    ~Engine() override;

    Registry &registry();
    // The engine thread's store, for callers that run on that thread (the admin API's
    // queries through EngineHost::call).
    Store &store();
    // Pulse's registration calls, on the engine as in Pulse (they forward to registry()).
    Status registerTrigger(const QString &type, TriggerRegistration registration);
    Status registerAction(const QString &name, ActionHandler handler, ActionOptions options = {});
    Status registerCondition(const QString &name, ConditionHandler handler, ConditionOptions options = {});
    const EngineOptions &options() const;
    QString ownerId() const;

    // ---- lifecycle --------------------------------------------------------------------
    // Seeds defaults on a fresh database, restores cron schedules, and starts the
    // scheduler: steps that fell due while no process ran start now.
    Status start();
    // Graceful: claims nothing more, lets running handlers finish for up to shutdownGrace,
    // then cancels them (their steps are retried by whoever runs next). Emits stopped().
    void stop();
    bool isRunning() const;
    int runningHandlers() const;

    // ---- signals ----------------------------------------------------------------------
    Result<EmitResult> emitSignal(const TriggerInput &input, const std::optional<QString> &dedupKey = std::nullopt);
    // Several signals in one transaction (the collector raising many misses at once). All
    // are checked first: one invalid signal refuses the batch with its index in the message
    // ("signals[3]: payload.misses: ...") and stores nothing.
    struct SignalRequest
    {
        TriggerInput input;
        std::optional<QString> dedupKey;
    };
    Result<std::vector<EmitResult>> emitSignals(const std::vector<SignalRequest> &requests);

    // ---- queries ----------------------------------------------------------------------
    Result<WorkflowRun> getRun(const QString &runId);
    Result<std::vector<WorkflowStepRun>> getRunSteps(const QString &runId);
    Result<std::vector<WorkflowRun>> getRunsByTrigger(const QString &triggerId);
    Result<TriggerEnvelope> getTrigger(const QString &triggerId);
    Result<std::vector<RunTimelineEntry>> getRunTimeline(const QString &runId);
    Result<std::vector<ExecutionLog>> getRunLogs(const QString &runId);
    Result<std::vector<WorkflowRun>> getFailedRuns(const std::optional<QString> &tenantId = std::nullopt);

    // ---- control ----------------------------------------------------------------------
    Result<WorkflowRun> cancelRun(const QString &runId, const QString &reason = QString());
    Result<WorkflowRun> retryRun(const QString &runId);
    // New runs of the stored signal, marked isReplay (and isDryRun); answers their ids.
    Result<std::vector<QString>> replay(const QString &triggerId, ReplayOptions options = {});
    // The editor's "test run": stores `input` as a signal WITHOUT matching it against the
    // workflows (it starts nothing else) and starts one dry run of this definition for it,
    // whether the definition is enabled and its filters match or not. Actions and delays
    // are skipped, conditions are evaluated. Answers the run's id.
    Result<QString> testRun(const QString &definitionId, const TriggerInput &input);

    // ---- workflow management ----------------------------------------------------------
    // Validates (structure, handlers, configs), assigns id and version 1, stores.
    Result<WorkflowDefinition> createWorkflow(WorkflowDefinition definition);
    // A new version; runs keep the snapshot they started with.
    Result<WorkflowDefinition> updateWorkflow(WorkflowDefinition definition,
                                              std::optional<int> expectedVersion = std::nullopt);
    Status deleteWorkflow(const QString &definitionId);
    Status enableWorkflow(const QString &definitionId);
    Status disableWorkflow(const QString &definitionId);
    Result<WorkflowDefinition> getWorkflow(const QString &definitionId);
    // Structure, handlers and configs, without storing: the editor's check.
    Status checkWorkflow(const WorkflowDefinition &definition) const;
    // Creates again each default workflow (missed, failed, recovered) whose id is not stored:
    // for a database from before a default existed, or after one was deleted. Those stored
    // stay as they are. Answers the ones it created.
    Result<std::vector<WorkflowDefinition>> restoreDefaultWorkflows();

Q_SIGNALS:
    // For views: small value types, emitted after the change committed.
    void signalEmitted(const vigil::TriggerEnvelope &trigger);
    void runChanged(const vigil::WorkflowRun &run);
    void stepChanged(const vigil::WorkflowStepRun &step);
    void workflowChanged(const QString &definitionId);
    void notificationRequested(const QString &title, const QString &body, const QString &severity);
    void stopped();

private:
    friend class Executor;
    class Private;
    std::unique_ptr<Private> d;
};

} // namespace vigil
