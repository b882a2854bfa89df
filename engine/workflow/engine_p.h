// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Engine internals shared by its implementation files (engine.cpp: API and matching;
// executor.cpp: claiming and running steps; runcontrol.cpp: cancel, retry, replay;
// cronscheduler.cpp: cron). Not a public header.

#include "store/store.h"
#include "workflow/engine.h"

#include <QHash>
#include <QPointer>
#include <QTimer>

#include <map>

namespace vigil {

// A step this process is running: its token, and whether its outcome was already decided
// (a timeout decides before the handler returns; the handler's late result is dropped).
struct InFlight
{
    int attempt = 0;
    CancellationToken cancel;
    QPointer<QTimer> timeout;
    bool decided = false;
};

// Where a step row sits in its run's definition.
struct StepPlace
{
    const WorkflowStep *step = nullptr;
    const std::vector<WorkflowStep> *sequence = nullptr; // the steps at its level
};

// The outcome of one attempt.
struct AttemptOutcome
{
    enum class Kind { Completed, Failed, TimedOut, Canceled, Skipped };
    Kind kind = Kind::Completed;
    Json result;        // stored on the step run
    Json contextData;   // action data for run.context[stepName]; null = none
    QString error;      // Failed / TimedOut / Canceled / Skipped reason
    bool conditionFalse = false;
    bool release = false; // Canceled at shutdown: hand the step back at once
};

// Runs' definition snapshots never change: they are shared, and places point into them.
using SnapshotPtr = std::shared_ptr<const WorkflowDefinition>;

// A claimed step on its way through the executor: the row, its run (without snapshot),
// the snapshot, and where in it the step sits.
struct PendingStep
{
    WorkflowStepRun step;
    WorkflowRun run;
    SnapshotPtr snapshot;
    StepPlace place;
};

// What follows a step: rows to insert (skipped ones, the next step), the run's progress,
// and its moves (waiting/running, completed). Computed without touching the database.
struct AdvancePlan
{
    std::vector<WorkflowStepRun> next;
    std::optional<int> progress;
    std::vector<RunStatus> moves;
    bool sequenceEnded = false;
};

// A delay step claimed ahead of its due time, waiting for it.
struct HeldDelay
{
    WorkflowStepRun step;
    std::optional<WorkflowRun> head;
};

// A step completion waiting for the group commit, and what to do once it committed.
struct PendingCompletion
{
    StepCompletion completion;
    std::function<void(const CompletionOutcome &)> after;
};

// One piece of the next group commit. write() runs inside the shared transaction and
// answers false when it was fenced out before writing anything (a lost lease); after()
// runs once the transaction committed.
struct CommitJob
{
    std::function<Result<bool>()> write;
    std::function<void()> after;
};

class Engine::Private final : public HandlerServices
{
public:
    Private(Engine *q, Store &store, EngineOptions options);

    Engine *q;
    Store &db;
    EngineOptions options;
    Registry registry;
    bool running = false;
    bool stopping = false;
    QHash<QString, InFlight> inflight; // by step run id
    QHash<QString, PendingStep> m_pending; // by step run id, alongside inflight
    QHash<QString, SnapshotPtr> snapshots;  // by run id
    std::vector<CommitJob> commitQueue;
    std::vector<PendingCompletion> completionQueue;
    std::vector<QString> startQueue; // runs whose first step was taken up: pending -> running
    int reservedSlots = 0; // next steps taken up by their predecessor's commit, not yet dispatched
    bool flushQueued = false;
    bool flushDeferred = false; // once, for held delays about to end
    struct CachedDefinitions
    {
        std::vector<WorkflowDefinition> definitions;
        qint64 loadedAtMs = 0;
    };
    QHash<QString, CachedDefinitions> definitionCache; // "tenant\ntype" -> enabled definitions
    QTimer wakeTimer;   // the one timer for the earliest due row
    QTimer pollTimer;   // work made due by other processes, expired leases
    QTimer leaseTimer;  // renews the leases of running handlers
    QTimer stopTimer;   // shutdown grace
    bool pumpQueued = false;
    QTimer cronTimer;
    std::multimap<qint64, HeldDelay> heldDelays; // by due time, ms since the epoch
    QTimer delayTimer;            // precise: the earliest held delay's due time
    bool delaysMayBeDue = true;   // the next pump also claims delays due within the lookahead
    QDateTime heldThrough;        // every delay due by then is held (or another process's)
    QHash<QString, QDateTime> cronNext; // definition id -> next firing (UTC)

    // HandlerServices
    Result<TriggerEnvelope> emitSignal(const TriggerInput &input, const std::optional<QString> &dedupKey) override;
    Store &store() override { return db; }
    QStringList commandAllowlist() const override { return options.commandAllowlist; }
    void notify(const QString &title, const QString &body, const QString &severity) override;

    // engine.cpp
    Result<EmitResult> emit(const TriggerInput &input, const std::optional<QString> &dedupKey);
    Result<std::vector<EmitResult>> emitMany(const std::vector<Engine::SignalRequest> &requests);
    Status checkInput(const TriggerInput &input) const;
    Result<std::vector<WorkflowRun>> startRuns(const TriggerEnvelope &trigger, bool isReplay, bool isDryRun);
    // The runs a signal starts, with their first step rows, without writing them.
    Result<std::vector<NewRun>> planRuns(const TriggerEnvelope &trigger, bool isReplay, bool isDryRun);
    // One run of `definition` (which must have steps) for `trigger`, not written.
    NewRun planRun(const WorkflowDefinition &definition, const TriggerEnvelope &trigger, bool isReplay, bool isDryRun,
                   const QDateTime &now);
    std::vector<WorkflowRun> adoptRuns(std::vector<NewRun> &planned); // caches snapshots, answers heads
    Result<std::vector<WorkflowDefinition>> matchingDefinitions(const QString &tenantId, const QString &type);
    void forgetDefinitions() { definitionCache.clear(); }
    // After a definition changed here: caches, cron, and workflowChanged (when `change` is ok).
    Status afterDefinitionChange(const QString &definitionId, Status change);
    Result<std::vector<WorkflowRun>> allRuns(const RunFilter &filter); // every page
    Status checkPayload(const TriggerInput &input) const;
    void log(const QString &runId, const std::optional<QString> &stepRunId, const QString &tenantId, LogLevel level,
             const QString &message, const Json &data = Json());
    Status seedDefaultWorkflows();
    // Stores each default workflow whose id is missing (a deleted one comes back under its
    // id); announces nothing. Answers those stored.
    Result<std::vector<WorkflowDefinition>> storeMissingDefaults();

    // executor.cpp
    void schedulePump();
    void pump();
    void armWakeTimer();
    // `at`: when the step is taken up (default now); held delays share their timer's moment.
    void dispatch(WorkflowStepRun step, std::optional<WorkflowRun> head = std::nullopt, QDateTime at = {});
    QHash<QString, WorkflowRun> runHeadsOf(const std::vector<WorkflowStepRun> &steps);
    void holdDueDelays();
    void endHeldDelays();
    void armDelayTimer();
    void releaseHeldDelays(); // at stop: hand them back, due as before
    // Steps taken up but not run (held delays, a next step whose commit landed while
    // stopping): hand them back.
    void releaseSteps(const std::vector<WorkflowStepRun> &steps);
    void runHandler(PendingStep pending, TriggerEnvelope trigger);
    void decide(const QString &stepRunId, int attempt, AttemptOutcome outcome);
    void finishAttempt(const PendingStep &pending, const AttemptOutcome &outcome);
    Status advance(const WorkflowRun &run, const WorkflowStepRun &step, const StepPlace &place, int skipCount,
                   bool endSequence, std::vector<WorkflowStepRun> &inserted, bool &sequenceEnded,
                   std::optional<WorkflowRun> *announced);
    void enqueueCommit(CommitJob job);
    void enqueueCompletion(StepCompletion completion, std::function<void(const CompletionOutcome &)> after);
    void scheduleFlush();
    bool nothingToCommit() const { return commitQueue.empty() && completionQueue.empty() && startQueue.empty(); }
    AdvancePlan planAdvance(const WorkflowRun &run, const WorkflowStepRun &step, const StepPlace &place, int skipCount,
                            bool endSequence) const;
    void flushCommits();
    Result<SnapshotPtr> snapshotOf(const QString &runId);
    // lookAhead: `due` is a row this process just scheduled; wake early enough to hold it
    // if it is a delay.
    void armWakeAt(const QDateTime &due, bool lookAhead = true);
    void settleParallel(const QString &runId, const QString &parentStepRunId);
    // Parallel steps whose branches all ended while no process was there to settle them
    // (a crash between a branch's last commit and the settle) are settled here.
    void sweepParkedSteps();
    QTimer sweepTimer;
    void failUpwards(const WorkflowRun &run, const WorkflowStepRun &failedStep, const QString &error);
    void renewLeases();
    void finishStop();
    Result<StepPlace> locate(const WorkflowDefinition &snapshot, const WorkflowStepRun &step,
                             const std::vector<WorkflowStepRun> *allSteps);
    WorkflowStepRun newStepRow(const WorkflowRun &run, const WorkflowStep &step, int index,
                               const std::optional<QString> &parent, std::optional<int> branch,
                               const QDateTime &now) const;
    void completeRun(const QString &runId, RunStatus status, const QString &why);
    void announceRunEnd(const WorkflowRun &run, RunStatus status); // signals and hooks, after commit
    void cancelLocal(const std::vector<QString> &stepRunIds, const QString &reason);
    void publishStep(const WorkflowStepRun &step);
    void fireStepHook(const WorkflowRun &run, const WorkflowStepRun &step);

    // cronscheduler.cpp
    void restoreCron();
    void rescheduleCron(const QString &definitionId);
    void armCronTimer();
    void fireDueCron();

    Result<TriggerEnvelope> cachedTrigger(const QString &id);
    QHash<QString, TriggerEnvelope> triggerCache; // signals are immutable
};

// Backoff before attempt `attempt + 1`: backoffMs doubling each attempt, capped at 5 min,
// +-20 % jitter.
qint64 retryDelayMs(const RetryPolicy &policy, int attempt);

// The timeline of a run from its rows (timeline.cpp).
std::vector<RunTimelineEntry> buildTimeline(const WorkflowRun &run, const std::vector<WorkflowStepRun> &steps,
                                            const std::vector<StepAttempt> &attempts,
                                            const std::vector<ExecutionLog> &logs);

} // namespace vigil
