// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The one persistence interface of Vigil (the adapter split of seed 001): the engine, the
// collector and the API speak only to Store; SqliteStore and PostgresStore implement it
// over QtSql. A Store object owns one database connection and must be used only from the
// thread that created it (Qt's rule for QSqlDatabase); make one per thread with
// openStore(). Every statement is prepared with bound values. Every call answers a
// Result: database errors carry the database's own message; a lost connection answers
// ErrorCode::Unavailable and the next call reconnects.

#include "model/agent.h"
#include "model/run.h"
#include "model/signal.h"
#include "model/workflow.h"

#include <chrono>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace vigil {

enum class Backend { Sqlite, Postgres };

struct PageRequest
{
    int limit = 50;  // clamped to 1..1000
    QString cursor;  // nextCursor of the previous page; empty for the first page
};

template<typename T>
struct Page
{
    std::vector<T> items;
    QString nextCursor; // empty when this is the last page
};

struct SignalFilter
{
    std::optional<QString> tenantId;
    std::optional<QString> type;
    std::optional<QString> resourceId;
};

struct DefinitionFilter
{
    std::optional<QString> tenantId;
    std::optional<QString> triggerType;
    std::optional<bool> isEnabled;
};

struct RunFilter
{
    std::optional<RunStatus> status;
    std::optional<QString> tenantId;
    std::optional<QString> definitionId;
    std::optional<QString> triggerId;
    // createdAt in [createdAfter, createdBefore): the runs view's time range.
    std::optional<QDateTime> createdAfter;
    std::optional<QDateTime> createdBefore;
};

struct AgentFilter
{
    std::optional<AgentState> state;
    std::optional<QString> tenantId;
    std::optional<QString> environment;
    std::optional<QString> tag; // agents whose tags contain this one
};

struct IncidentFilter
{
    std::optional<IncidentStatus> status;
    std::optional<QString> tenantId;
    std::optional<QString> resourceId;
};

// What insertSignal did: stored `envelope`, or found an earlier one with the same dedupKey.
struct SignalInsert
{
    TriggerEnvelope envelope;
    bool inserted = true;
};

// Fields changed together with a guarded run transition. Timestamps follow the target
// status: startedAt on the first move to running, completedAt / failedAt / canceledAt.
struct RunPatch
{
    std::optional<int> currentStepIndex;
    std::optional<Json> context;
    std::optional<QString> cancelReason;
};

// The end of a claimed attempt. Accepted only while the step is running under this owner
// and attempt (fencing); a late completion from a lost lease answers Conflict.
struct StepFinish
{
    QString stepRunId;
    QString owner;
    int attempt = 0;
    StepStatus status = StepStatus::Completed; // Completed, Failed, Skipped, or Scheduled (retry later)
    QDateTime at;                              // completion time (or the retry's scheduledFor)
    Json result;                               // null = leave unchanged
    std::optional<QString> errorMessage;
};

struct AgentStateUpdate
{
    QString id;
    AgentState state = AgentState::Up;
    QDateTime lastSeenAt;
    int misses = 0;
    QDateTime stateChangedAt;      // invalid = unchanged
    std::optional<Json> lastStats; // nullopt = unchanged
    // With a guard, the update applies only while the stored lastSeenAt still equals this
    // (invalid = never seen): another node that heard the agent meanwhile wins.
    bool guarded = false;
    QDateTime expectLastSeenAt;
};

// What the collector commits at once (its group commit).
struct HeartbeatBatch
{
    std::vector<Agent> newAgents; // auto-registered; inserted unless the id exists
    std::vector<Heartbeat> heartbeats;
    std::vector<AgentStateUpdate> updates; // at most one per agent
};

// One step's outcome with everything that follows from it, applied by completeSteps.
struct StepCompletion
{
    StepFinish finish;   // fenced, as finishStep
    StepAttempt attempt; // its end (as recordAttemptEnd)
    std::optional<std::pair<QString, Json>> contextEntry; // run.context[key] = value
    std::vector<WorkflowStepRun> next;                    // rows to insert (next step, skipped ones)
    std::optional<int> currentStepIndex;                  // run progress
    std::vector<RunStatus> runMoves;                      // guarded run transitions, in order
    std::vector<ExecutionLog> logs;
};

// One guarded run transition of a set (Store::transitionRuns).
struct RunMove
{
    QString runId;
    RunStatus to = RunStatus::Running;
};

struct CompletionOutcome
{
    bool accepted = false;              // false: fenced out (lease lost), nothing of it written
    std::optional<WorkflowRun> movedRun; // the run head after its last applied move
    std::optional<Json> context;         // the run's context after its contextEntry was merged
};

// A run to create with its first step rows.
struct NewRun
{
    WorkflowRun run;
    std::vector<WorkflowStepRun> steps;
};

struct IncidentOpen
{
    Incident incident;
    bool created = true; // false: an open incident for this workflow and resource existed
};

class Store
{
public:
    virtual ~Store() = default;

    virtual Backend backend() const = 0;
    // The URL without its password, for logs and the status bar.
    virtual QString describe() const = 0;
    virtual QString tablePrefix() const = 0;

    // ---- schema ---------------------------------------------------------------------
    // Idempotent: applies the missing migrations in order, each in its own transaction.
    virtual Status migrate() = 0;
    // SQLite: copies the WAL into the database file without waiting for anyone (PASSIVE).
    // Once it copied everything, the next commit starts the WAL over. Answers how many
    // frames the WAL holds. Other backends: nothing to do, 0.
    virtual Result<int> checkpoint() { return 0; }
    virtual Result<int> schemaVersion() = 0;
    // (table name with prefix, row count) for every table, in a stable order.
    virtual Result<std::vector<std::pair<QString, qint64>>> tableCounts() = 0;

    // Runs `body` in one transaction: committed if it returns ok, rolled back otherwise.
    // Not re-entrant.
    virtual Status transaction(const std::function<Status()> &body) = 0;

    // ---- signals (Pulse: triggers) --------------------------------------------------
    // Stores `envelope` (id and createdAt set by the caller). With a dedupKey, an earlier
    // signal with the same key created within `dedupWindow` before envelope.createdAt wins:
    // it is answered with inserted = false and nothing is stored. Atomic across processes.
    virtual Result<SignalInsert> insertSignal(const TriggerEnvelope &envelope,
                                              std::chrono::milliseconds dedupWindow = std::chrono::hours(24))
        = 0;
    // Many signals at once, none of them with a dedupKey (those go through insertSignal).
    virtual Status insertSignals(const std::vector<TriggerEnvelope> &signals) = 0;
    virtual Result<TriggerEnvelope> getSignal(const QString &id) = 0;
    virtual Result<Page<TriggerEnvelope>> listSignals(const SignalFilter &filter, const PageRequest &page) = 0;

    // ---- workflow definitions -------------------------------------------------------
    // `definition.id` is set by the caller; version is stored as given (normally 1).
    virtual Status createDefinition(const WorkflowDefinition &definition) = 0;
    // Replaces every field but id and createdAt, raises version by one and sets updatedAt;
    // answers the stored definition. With expectedVersion, a different stored version
    // answers Conflict and changes nothing.
    virtual Result<WorkflowDefinition> updateDefinition(const WorkflowDefinition &definition,
                                                        std::optional<int> expectedVersion = std::nullopt)
        = 0;
    virtual Result<WorkflowDefinition> getDefinition(const QString &id) = 0;
    virtual Result<Page<WorkflowDefinition>> listDefinitions(const DefinitionFilter &filter,
                                                             const PageRequest &page)
        = 0;
    // Enabled definitions of this tenant and trigger type (the matcher applies the
    // environment and resource-type filters).
    virtual Result<std::vector<WorkflowDefinition>> enabledDefinitionsFor(const QString &tenantId,
                                                                          const QString &triggerType)
        = 0;
    // Enabled definitions that have a cronExpression.
    virtual Result<std::vector<WorkflowDefinition>> cronDefinitions() = 0;
    virtual Status setDefinitionEnabled(const QString &id, bool enabled) = 0;
    // Soft delete: the definition disappears from get/list, its runs keep their snapshot.
    virtual Status deleteDefinition(const QString &id) = 0;
    // Brings a deleted definition back under its id with every field but id and createdAt
    // replaced, as a new version. NotFound when no deleted definition has this id.
    virtual Result<WorkflowDefinition> restoreDefinition(const WorkflowDefinition &definition) = 0;

    // ---- runs -----------------------------------------------------------------------
    // Inserts the run and its first step runs in one transaction.
    virtual Status createRun(const WorkflowRun &run, const std::vector<WorkflowStepRun> &steps) = 0;
    // Many runs at once (an emit batch), set-based where the backend gains from it.
    virtual Status createRuns(const std::vector<NewRun> &runs) = 0;
    virtual Result<WorkflowRun> getRun(const QString &id) = 0;
    // The run without its definitionSnapshot (left default): what the executor reads per
    // step, since the snapshot never changes and is cached.
    virtual Result<WorkflowRun> getRunHead(const QString &id) = 0;
    // Several heads in one query (unknown ids are left out; order unspecified).
    virtual Result<std::vector<WorkflowRun>> getRunHeads(const std::vector<QString> &ids) = 0;
    virtual Result<Page<WorkflowRun>> listRuns(const RunFilter &filter, const PageRequest &page) = 0;
    // Guarded by the state machine (isAllowedTransition) in the same statement: a forbidden
    // transition answers Conflict ("run run_x cannot go from completed to running") and
    // changes nothing; an unknown id answers NotFound. Answers the updated run, without its
    // definitionSnapshot (as getRunHead).
    virtual Result<WorkflowRun> transitionRun(const QString &id, RunStatus to, const RunPatch &patch = {}) = 0;
    // transitionRun for a set of runs, each at most once, in one statement where the backend
    // allows: each answers the moved run's head, or nothing when its status forbids the move
    // (or it is gone). A group commit moves all its runs in one round trip.
    virtual Result<std::vector<std::optional<WorkflowRun>>> transitionRuns(const std::vector<RunMove> &moves) = 0;
    // Progress without a status change (current step, context). NotFound for unknown ids.
    virtual Status updateRunProgress(const QString &id, const RunPatch &patch) = 0;

    // ---- step runs ------------------------------------------------------------------
    virtual Status insertStepRuns(const std::vector<WorkflowStepRun> &steps) = 0;
    virtual Result<WorkflowStepRun> getStepRun(const QString &id) = 0;
    // In (parent-first) creation order.
    virtual Result<std::vector<WorkflowStepRun>> getRunSteps(const QString &runId) = 0;
    // Claims up to `limit` steps that are pending or scheduled with scheduledFor <= now
    // (or null), plus running steps whose lease expired before `now`: each becomes running
    // under `owner` with leaseExpiresAt = now + lease and attempt + 1, startedAt = now.
    // Every due step is claimed by exactly one caller, across threads and processes
    // (compare-and-set; FOR UPDATE SKIP LOCKED on PostgreSQL). Oldest due first. Each claim
    // records its attempt (as recordAttemptStarts) in the same transaction.
    virtual Result<std::vector<WorkflowStepRun>> claimDueSteps(const QString &owner, const QDateTime &now,
                                                               std::chrono::milliseconds lease, int limit)
        = 0;
    // Claims, as claimDueSteps does, up to `limit` delay steps due by `horizon` (a little
    // after `now`), with startedAt the later of their due time and `now`. The engine holds
    // them and ends each wait at its due time on a precise timer, so a thousand delays due
    // in the same millisecond end together instead of queueing behind claim after claim.
    virtual Result<std::vector<WorkflowStepRun>> claimDueDelays(const QString &owner, const QDateTime &now,
                                                                const QDateTime &horizon,
                                                                std::chrono::milliseconds lease, int limit)
        = 0;
    // Extends the lease if `owner` and `attempt` still hold it; false otherwise.
    virtual Result<bool> renewLease(const QString &stepRunId, const QString &owner, int attempt,
                                    const QDateTime &expiresAt)
        = 0;
    // Fenced completion (see StepFinish). Clears the lease.
    virtual Status finishStep(const StepFinish &finish) = 0;
    // Running steps whose lease expired before `now` go back to scheduled (due now), keeping
    // their attempt count; answers how many.
    virtual Result<int> reclaimExpiredLeases(const QDateTime &now) = 0;
    // The earliest scheduledFor among pending/scheduled steps and the earliest lease
    // expiry among running ones; nullopt when nothing waits (the scheduler's one timer).
    virtual Result<std::optional<QDateTime>> nextDueAt() = 0;
    // Every pending or scheduled step of the run becomes skipped with this message;
    // answers how many. (Cancel.)
    virtual Result<int> skipPendingSteps(const QString &runId, const QString &reason) = 0;
    // A failed or skipped step becomes scheduled at `at`, its error cleared, and its
    // attemptFloor set to its attempt, so its retry policy counts afresh. (Retry.)
    // Conflict if the step is not failed or skipped.
    virtual Status rescheduleStep(const QString &stepRunId, const QDateTime &at) = 0;

    // Applies step completions together, set-based where the backend gains from it (one
    // round trip for many steps on PostgreSQL). Each completion applies only if its finish
    // is accepted (fencing); a run move the state machine refuses (the run was cancelled
    // meanwhile) is left out, not an error. Runs inside the caller's transaction, if any.
    // Answers one outcome per completion, in order.
    virtual Result<std::vector<CompletionOutcome>> completeSteps(const std::vector<StepCompletion> &batch) = 0;

    // ---- what the engine needs beyond Pulse ---------------------------------------------
    // Parks a claimed step (a parallel step waiting for its branches): it stays running
    // with no lease, so nobody reclaims it. Fenced like finishStep.
    virtual Status parkStep(const QString &stepRunId, const QString &owner, int attempt) = 0;
    // Finishes a parked step; false when it was not parked any more (someone else settled
    // it first). Guarded in one statement, so concurrent settlers agree.
    virtual Result<bool> finishParkedStep(const QString &stepRunId, StepStatus status, const QDateTime &at,
                                          const Json &result, const std::optional<QString> &errorMessage)
        = 0;
    // Parked steps (running, no lease), oldest first: the engine's sweep settles those whose
    // branches all ended while no process was there to notice.
    virtual Result<std::vector<WorkflowStepRun>> parkedSteps(int limit) = 0;
    // A failed parked step goes back to running and parked (retryRun of a parallel step).
    virtual Status reopenParkedStep(const QString &stepRunId) = 0;
    // Those of the given steps that are not finished (pending, scheduled, running, parked)
    // become skipped with `reason`, their leases cleared; answers the ids that were running.
    virtual Result<std::vector<QString>> skipSteps(const std::vector<QString> &stepRunIds, const QString &reason,
                                                   const QDateTime &at)
        = 0;
    // context[key] = value, atomically with respect to other writers of the same run;
    // answers the new context.
    virtual Result<Json> mergeRunContext(const QString &runId, const QString &key, const Json &value) = 0;
    // Attempt records: one row per claim of a step.
    virtual Status recordAttemptStarts(const std::vector<StepAttempt> &attempts) = 0;
    // Ends the attempt (stepRunId, attempt) if it is still running: status, endedAt, error;
    // inserts it whole when its start was never recorded (fast steps write one row).
    virtual Status recordAttemptEnd(const StepAttempt &attempt) = 0;
    virtual Result<std::vector<StepAttempt>> getRunAttempts(const QString &runId) = 0;

    // ---- execution logs -------------------------------------------------------------
    virtual Status appendLogs(const std::vector<ExecutionLog> &logs) = 0;
    // Chronological.
    virtual Result<std::vector<ExecutionLog>> getRunLogs(const QString &runId) = 0;

    // ---- agents ---------------------------------------------------------------------
    // Inserts, or updates the configuration fields of an existing agent (tenant,
    // environment, tags, interval, grace, key, schedule, timezone); state fields are
    // written only on insert. Answers the stored agent.
    virtual Result<Agent> upsertAgent(const Agent &agent) = 0;
    virtual Result<Agent> getAgent(const QString &id) = 0;
    virtual Result<Page<Agent>> listAgents(const AgentFilter &filter, const PageRequest &page) = 0;
    // Every agent, in one pass (the liveness tracker's start).
    virtual Result<std::vector<Agent>> allAgents() = 0;
    // One transaction for the whole batch; unknown ids are ignored.
    virtual Status updateAgentStates(const std::vector<AgentStateUpdate> &updates) = 0;
    // The collector's group commit, in one transaction: registers newAgents (existing ids
    // are left alone), inserts the heartbeats and applies the state updates (set-based where
    // the backend gains from it). Answers, per update, whether it applied (a guarded one may
    // not). Any failure rolls the whole batch back.
    virtual Result<std::vector<bool>> commitHeartbeats(const HeartbeatBatch &batch) = 0;
    // Deletes the agent and its heartbeat history. NotFound for unknown ids.
    virtual Status deleteAgent(const QString &id) = 0;

    // ---- heartbeats -----------------------------------------------------------------
    // One transaction for the whole batch (group commit); ids are assigned by the store.
    virtual Status insertHeartbeats(const std::vector<Heartbeat> &heartbeats) = 0;
    // Newest first; the cursor pages backwards in time.
    virtual Result<Page<Heartbeat>> listHeartbeats(const QString &agentId, const PageRequest &page) = 0;
    // Retention: deletes heartbeats received before `cutoff`; answers how many.
    virtual Result<qint64> deleteHeartbeatsBefore(const QDateTime &cutoff) = 0;

    // ---- incidents ------------------------------------------------------------------
    // At most one open incident per (definitionId, resourceId): a second open answers the
    // existing one with created = false. Atomic across processes.
    virtual Result<IncidentOpen> openIncident(const Incident &incident) = 0;
    // Resolves every open incident of this tenant's resource (of this workflow only, when
    // given); answers the resolved incidents (empty when none was open). Another tenant's
    // incident on a resource of the same id is never touched.
    virtual Result<std::vector<Incident>> resolveIncidents(const QString &tenantId, const QString &resourceId,
                                                           const std::optional<QString> &definitionId,
                                                           const QDateTime &at,
                                                           const std::optional<QString> &resolvedByRunId)
        = 0;
    virtual Result<Incident> getIncident(const QString &id) = 0;
    virtual Result<Page<Incident>> listIncidents(const IncidentFilter &filter, const PageRequest &page) = 0;
};

struct StoreOptions
{
    // sqlite:///abs/path/vigil.db, sqlite://relative.db, sqlite::memory:,
    // postgres://user:pass@host:port/db (postgresql:// too; ?sslmode=... passed through).
    QString url;
    QString tablePrefix = QStringLiteral("vigil_");
    std::chrono::milliseconds busyTimeout = std::chrono::seconds(5);
    // SQLite: whether the commit that grows the WAL past its limit also checkpoints it
    // (SQLite's autocheckpoint). A connection that must never wait for a checkpoint (the
    // collector's writer) turns it off and leaves checkpoint() to a thread of its own.
    bool autoCheckpoint = true;
};

// Opens a store for the calling thread. Fails with Invalid for a malformed URL or prefix
// (prefix: [A-Za-z_][A-Za-z0-9_]{0,30}), Unavailable when the database cannot be reached.
// Does not migrate.
Result<std::unique_ptr<Store>> openStore(const StoreOptions &options);

// The default SQLite URL: vigil.db under QStandardPaths::AppDataLocation.
QString defaultDatabaseUrl();

} // namespace vigil
