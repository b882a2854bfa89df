// SPDX-License-Identifier: GPL-3.0-or-later
// The Store operations the engine needs beyond Pulse's: parked parallel steps, skipping a
// set of steps (cancel, failed siblings), atomic context merges, and attempt records.

#include "core/isotime.h"
#include "sqlstore.h"

#include <QSet>

namespace vigil {

namespace {

// JSON fields of the batches (PostgreSQL's jsonb_to_recordset reads them by name): absent
// stands for NULL, so nulls are left out rather than written as JSON null.
void putText(Json &row, const char *key, const std::optional<QString> &value)
{
    if (value)
        row[key] = toStd(*value);
}

void putIso(Json &row, const char *key, const QDateTime &time)
{
    if (time.isValid())
        row[key] = toStd(toIsoUtc(time));
}

Json stepRow(const WorkflowStepRun &step)
{
    Json row = Json::object();
    row["id"] = toStd(step.id);
    row["run_id"] = toStd(step.runId);
    row["tenant_id"] = toStd(step.tenantId);
    row["step_index"] = step.stepIndex;
    row["step_type"] = toStd(toString(step.stepType));
    row["step_name"] = toStd(step.stepName);
    row["status"] = toStd(toString(step.status));
    putIso(row, "scheduled_for", step.scheduledFor);
    putIso(row, "started_at", step.startedAt);
    putIso(row, "completed_at", step.completedAt);
    if (!step.result.is_null())
        row["result"] = step.result;
    putText(row, "error_message", step.errorMessage);
    if (step.branchIndex)
        row["branch_index"] = *step.branchIndex;
    putText(row, "parent_step_run_id", step.parentStepRunId);
    putIso(row, "created_at", step.createdAt.isValid() ? step.createdAt : nowUtc());
    row["attempt"] = step.attempt;
    putText(row, "lease_owner", step.leaseOwner);
    putIso(row, "lease_expires_at", step.leaseExpiresAt);
    row["attempt_floor"] = step.attemptFloor;
    return row;
}

} // namespace

Result<std::vector<CompletionOutcome>> SqlStore::completeSteps(const std::vector<StepCompletion> &batch)
{
    if (batch.empty())
        return std::vector<CompletionOutcome>();
    return inTransaction([&]() -> Result<std::vector<CompletionOutcome>> {
        std::vector<CompletionOutcome> outcomes(batch.size());
        // 1. The fenced finishes and their attempt records.
        // With finishBatchSql, one statement writes the next steps and the progress too.
        const bool combined = !finishBatchSql().isEmpty();
        if (const QString sql = finishBatchSql(); !sql.isEmpty()) {
            Json rows = Json::array();
            Json nextRows = Json::array();
            for (const StepCompletion &c : batch) {
                Json row = Json::object();
                row["id"] = toStd(c.finish.stepRunId);
                row["owner"] = toStd(c.finish.owner);
                row["attempt"] = c.finish.attempt;
                row["status"] = toStd(toString(c.finish.status));
                putIso(row, "at", c.finish.at.isValid() ? c.finish.at : nowUtc());
                if (!c.finish.result.is_null())
                    row["result"] = c.finish.result;
                putText(row, "error", c.finish.errorMessage);
                row["run_id"] = toStd(c.attempt.runId);
                putIso(row, "scheduled_for", c.attempt.scheduledFor);
                putIso(row, "started_at", c.attempt.startedAt);
                row["attempt_status"] = toStd(toString(c.attempt.status));
                putText(row, "attempt_error", c.attempt.error);
                if (c.currentStepIndex)
                    row["progress"] = *c.currentStepIndex;
                rows.push_back(std::move(row));
                for (const WorkflowStepRun &step : c.next) {
                    Json next = stepRow(step);
                    next["after"] = toStd(c.finish.stepRunId);
                    nextRows.push_back(std::move(next));
                }
            }
            Result<SqlRows> accepted = exec(sql,
                { { ":batch", QString::fromUtf8(dumpJson(rows)) }, { ":next", QString::fromUtf8(dumpJson(nextRows)) } },
                "complete steps");
            if (!accepted)
                return accepted.error();
            QSet<QString> ids;
            while (accepted->next())
                ids.insert(accepted->text(0));
            if (accepted->lastError().isValid())
                return fail(accepted->lastError(), "complete steps");
            for (size_t i = 0; i < batch.size(); ++i)
                outcomes[i].accepted = ids.contains(batch[i].finish.stepRunId);
        } else {
            for (size_t i = 0; i < batch.size(); ++i) {
                const Status finished = finishStep(batch[i].finish);
                if (!finished) {
                    if (finished.error().code == ErrorCode::Conflict || finished.error().code == ErrorCode::NotFound)
                        continue; // fenced out: nothing of this completion is written
                    return finished.error();
                }
                outcomes[i].accepted = true;
                if (Status ended = recordAttemptEnd(batch[i].attempt); !ended)
                    return ended.error();
            }
        }

        // 2. What follows from the accepted ones.
        std::vector<WorkflowStepRun> next;
        std::vector<std::pair<QString, int>> progress;
        std::vector<ExecutionLog> logs;
        for (size_t i = 0; i < batch.size(); ++i) {
            if (!outcomes[i].accepted)
                continue;
            const StepCompletion &c = batch[i];
            if (c.contextEntry) {
                Result<Json> merged = mergeRunContext(c.attempt.runId, c.contextEntry->first, c.contextEntry->second);
                if (!merged)
                    return merged.error();
                outcomes[i].context = std::move(merged).value();
            }
            next.insert(next.end(), c.next.begin(), c.next.end());
            if (c.currentStepIndex)
                progress.emplace_back(c.attempt.runId, *c.currentStepIndex);
            logs.insert(logs.end(), c.logs.begin(), c.logs.end());
        }
        if (combined) {
            next.clear();
            progress.clear();
        }
        if (!next.empty()) {
            if (const QString sql = insertStepsBatchSql(); !sql.isEmpty()) {
                Json rows = Json::array();
                for (const WorkflowStepRun &step : next)
                    rows.push_back(stepRow(step));
                if (Result<SqlRows> inserted = exec(sql, { { ":batch", QString::fromUtf8(dumpJson(rows)) } }, "insert steps");
                    !inserted)
                    return inserted.error();
            } else {
                if (Status inserted = insertStepRuns(next); !inserted)
                    return inserted.error();
                // A row inserted running was taken up by its inserter: its attempt starts now.
                std::vector<StepAttempt> starts;
                for (const WorkflowStepRun &step : next) {
                    if (step.status == StepStatus::Running && step.leaseOwner)
                        starts.push_back({ step.id, step.runId, step.attempt, *step.leaseOwner,
                            step.scheduledFor.isValid() ? step.scheduledFor : step.createdAt, step.startedAt });
                }
                if (Status recorded = recordAttemptStarts(starts); !recorded)
                    return recorded.error();
            }
        }
        if (!progress.empty()) {
            if (const QString sql = progressBatchSql(); !sql.isEmpty()) {
                Json rows = Json::array();
                const QString now = toIsoUtc(nowUtc());
                for (const auto &[runId, index] : progress)
                    rows.push_back(Json { { "id", toStd(runId) }, { "idx", index }, { "at", toStd(now) } });
                if (Result<SqlRows> updated = exec(sql, { { ":batch", QString::fromUtf8(dumpJson(rows)) } }, "run progress");
                    !updated)
                    return updated.error();
            } else {
                for (const auto &[runId, index] : progress) {
                    if (Status ok = updateRunProgress(runId, RunPatch { index, std::nullopt, std::nullopt }); !ok)
                        return ok.error();
                }
            }
        }
        if (Status logged = appendLogs(logs); !logged)
            return logged.error();

        // 3. Run moves, in rounds: each round takes every completion's next move (one per
        // run) in one statement. A refused move (the run was cancelled meanwhile) ends that
        // completion's moves without failing the batch.
        std::vector<std::size_t> nextMove(batch.size(), 0);
        for (;;) {
            std::vector<RunMove> moves;
            std::vector<std::size_t> owners;
            QSet<QString> inRound;
            for (std::size_t i = 0; i < batch.size(); ++i) {
                if (!outcomes[i].accepted || nextMove[i] >= batch[i].runMoves.size()
                    || inRound.contains(batch[i].attempt.runId))
                    continue; // two completions of one run: the second moves in a later round
                inRound.insert(batch[i].attempt.runId);
                moves.push_back({ batch[i].attempt.runId, batch[i].runMoves[nextMove[i]] });
                owners.push_back(i);
            }
            if (moves.empty())
                break;
            Result<std::vector<std::optional<WorkflowRun>>> moved = transitionRuns(moves);
            if (!moved)
                return moved.error();
            for (std::size_t k = 0; k < owners.size(); ++k) {
                const std::size_t i = owners[k];
                if ((*moved)[k]) {
                    outcomes[i].movedRun = std::move((*moved)[k]);
                    ++nextMove[i];
                } else {
                    nextMove[i] = batch[i].runMoves.size(); // refused: no further moves
                }
            }
        }
        return outcomes;
    });
}

QVariant SqlStore::snapshotText(const WorkflowDefinition &definition)
{
    if (definition.id.isEmpty())
        return bindJson(toJson(definition));
    const QString key = definition.id + QLatin1Char(':') + QString::number(definition.version) + QLatin1Char(':')
        + QString::number(definition.updatedAt.toMSecsSinceEpoch());
    if (const auto it = m_snapshotTexts.constFind(key); it != m_snapshotTexts.cend())
        return *it;
    if (m_snapshotTexts.size() > 1000)
        m_snapshotTexts.clear();
    const QVariant text = bindJson(toJson(definition));
    m_snapshotTexts.insert(key, text);
    return text;
}

Status SqlStore::insertSignals(const std::vector<TriggerEnvelope> &signals)
{
    if (signals.empty())
        return {};
    for (const TriggerEnvelope &signal : signals) {
        if (signal.dedupKey)
            return makeError(ErrorCode::Invalid,
                             QStringLiteral("insert signals: %1 has a dedupKey (use insertSignal)").arg(signal.id));
    }
    const QString sql = insertSignalsBatchSql();
    if (sql.isEmpty()) {
        return inTransaction([&]() -> Status {
            for (const TriggerEnvelope &signal : signals) {
                if (Result<SignalInsert> inserted = insertSignal(signal, std::chrono::hours(24)); !inserted)
                    return inserted.error();
            }
            return {};
        });
    }
    Json rows = Json::array();
    for (const TriggerEnvelope &signal : signals) {
        Json row = Json::object();
        row["id"] = toStd(signal.id);
        row["tenant_id"] = toStd(signal.tenantId);
        row["source"] = toStd(signal.source);
        row["type"] = toStd(signal.type);
        putText(row, "resource_type", signal.resourceType);
        putText(row, "resource_id", signal.resourceId);
        putText(row, "environment", signal.environment);
        row["payload"] = signal.payload.is_null() ? Json::object() : signal.payload;
        putIso(row, "created_at", signal.createdAt.isValid() ? signal.createdAt : nowUtc());
        rows.push_back(std::move(row));
    }
    if (Result<SqlRows> inserted = exec(sql, { { ":batch", QString::fromUtf8(dumpJson(rows)) } }, "insert signals");
        !inserted)
        return inserted.error();
    return {};
}

Status SqlStore::createRuns(const std::vector<NewRun> &runs)
{
    if (runs.empty())
        return {};
    const QString runSql = insertRunsBatchSql();
    const QString stepSql = insertStepsBatchSql();
    if (runSql.isEmpty() || stepSql.isEmpty()) {
        return inTransaction([&]() -> Status {
            for (const NewRun &one : runs) {
                if (Status created = createRun(one.run, one.steps); !created)
                    return created;
            }
            return {};
        });
    }
    return inTransaction([&]() -> Status {
        Json runRows = Json::array();
        Json stepRows = Json::array();
        for (const NewRun &one : runs) {
            const WorkflowRun &run = one.run;
            const QDateTime createdAt = run.createdAt.isValid() ? run.createdAt : nowUtc();
            Json row = Json::object();
            row["id"] = toStd(run.id);
            row["definition_id"] = toStd(run.definitionId);
            row["tenant_id"] = toStd(run.tenantId);
            row["trigger_id"] = toStd(run.triggerId);
            row["status"] = toStd(toString(run.status));
            row["context"] = run.context.is_null() ? Json::object() : run.context;
            row["current_step_index"] = run.currentStepIndex;
            row["is_replay"] = run.isReplay;
            row["is_dry_run"] = run.isDryRun;
            // The snapshot's text is cached per definition version and travels as a string
            // (the statement casts it), so no run serialises its definition again.
            row["definition_snapshot"] = snapshotText(run.definitionSnapshot).toString().toStdString();
            putIso(row, "started_at", run.startedAt);
            putIso(row, "created_at", createdAt);
            putIso(row, "updated_at", run.updatedAt.isValid() ? run.updatedAt : createdAt);
            runRows.push_back(std::move(row));
            for (const WorkflowStepRun &step : one.steps)
                stepRows.push_back(stepRow(step));
        }
        if (Result<SqlRows> inserted = exec(runSql, { { ":batch", QString::fromUtf8(dumpJson(runRows)) } }, "create runs");
            !inserted)
            return inserted.error();
        if (!stepRows.empty()) {
            if (Result<SqlRows> inserted = exec(stepSql, { { ":batch", QString::fromUtf8(dumpJson(stepRows)) } },
                                                "create runs: steps");
                !inserted)
                return inserted.error();
        }
        return {};
    });
}

Error SqlStore::stepConflict(const QString &stepRunId, const QString &conflict, const char *what)
{
    Result<bool> exists = rowExists(QStringLiteral("workflow_step_runs"), stepRunId, what);
    if (!exists)
        return exists.error();
    if (!exists.value())
        return makeError(ErrorCode::NotFound, QStringLiteral("step run %1 not found").arg(stepRunId));
    return makeError(ErrorCode::Conflict, conflict);
}

Status SqlStore::parkStep(const QString &stepRunId, const QString &owner, int attempt)
{
    Result<SqlRows> rows
        = exec(QStringLiteral("UPDATE {p}workflow_step_runs SET lease_owner = NULL, lease_expires_at = NULL "
                              "WHERE id = :id AND status = 'running' AND lease_owner = :owner "
                              "AND attempt = :attempt"),
            { { ":id", stepRunId }, { ":owner", bindString(owner) }, { ":attempt", attempt } }, "park step");
    if (!rows)
        return rows.error();
    if (rows->numRowsAffected() > 0)
        return {};
    return stepConflict(stepRunId,
        QStringLiteral("step run %1: lease lost (not running under %2, attempt %3)")
            .arg(stepRunId, owner)
            .arg(attempt),
        "park step");
}

Result<bool> SqlStore::finishParkedStep(const QString &stepRunId, StepStatus status, const QDateTime &at,
    const Json &result, const std::optional<QString> &errorMessage)
{
    if (status != StepStatus::Completed && status != StepStatus::Failed && status != StepStatus::Skipped)
        return makeError(ErrorCode::Invalid,
            QStringLiteral("finish parked step %1: cannot finish as %2").arg(stepRunId, toString(status)));
    Result<SqlRows> rows
        = exec(QStringLiteral("UPDATE {p}workflow_step_runs SET status = :status, completed_at = :at, "
                              "result = COALESCE(:result, result), error_message = :error "
                              "WHERE id = :id AND status = 'running' AND lease_owner IS NULL"),
            { { ":status", toString(status) }, { ":at", bindTime(at.isValid() ? at : nowUtc()) },
                { ":result", bindJson(result) }, { ":error", bindText(errorMessage) }, { ":id", stepRunId } },
            "finish parked step");
    if (!rows)
        return rows.error();
    return rows->numRowsAffected() > 0;
}

Result<std::vector<WorkflowStepRun>> SqlStore::parkedSteps(int limit)
{
    return readAll(exec(QStringLiteral("SELECT ") + stepColumns()
                            + QStringLiteral(" FROM {p}workflow_step_runs WHERE status = 'running' AND lease_owner IS NULL "
                                             "ORDER BY created_at LIMIT :limit"),
                        { { ":limit", std::clamp(limit, 1, 1000) } }, "parked steps"),
                   &SqlStore::readStep, "parked steps");
}

Status SqlStore::reopenParkedStep(const QString &stepRunId)
{
    Result<SqlRows> rows
        = exec(QStringLiteral("UPDATE {p}workflow_step_runs SET status = 'running', completed_at = NULL, "
                              "error_message = NULL, lease_owner = NULL, lease_expires_at = NULL "
                              "WHERE id = :id AND status = 'failed'"),
            { { ":id", stepRunId } }, "reopen parked step");
    if (!rows)
        return rows.error();
    if (rows->numRowsAffected() > 0)
        return {};
    return stepConflict(stepRunId,
        QStringLiteral("step run %1 is not failed: only a failed step can be reopened").arg(stepRunId),
        "reopen parked step");
}

Result<std::vector<QString>> SqlStore::skipSteps(
    const std::vector<QString> &stepRunIds, const QString &reason, const QDateTime &at)
{
    return inTransaction([&]() -> Result<std::vector<QString>> {
        std::vector<QString> wereRunning;
        const QVariant when = bindTime(at.isValid() ? at : nowUtc());
        for (const QString &id : stepRunIds) {
            // Two statements, so the caller learns which steps had a handler to cancel.
            Result<SqlRows> running = exec(
                QStringLiteral(
                    "UPDATE {p}workflow_step_runs SET status = 'skipped', error_message = :reason, "
                    "completed_at = :at, lease_owner = NULL, lease_expires_at = NULL "
                    "WHERE id = :id AND status = 'running'"),
                { { ":reason", bindString(reason) }, { ":at", when }, { ":id", id } }, "skip running step");
            if (!running)
                return running.error();
            if (running->numRowsAffected() > 0) {
                wereRunning.push_back(id);
                continue;
            }
            Result<SqlRows> waiting = exec(
                QStringLiteral(
                    "UPDATE {p}workflow_step_runs SET status = 'skipped', error_message = :reason, "
                    "completed_at = :at WHERE id = :id AND status IN ('pending', 'scheduled')"),
                { { ":reason", bindString(reason) }, { ":at", when }, { ":id", id } }, "skip waiting step");
            if (!waiting)
                return waiting.error();
        }
        return wereRunning;
    });
}

Result<Json> SqlStore::mergeRunContext(const QString &runId, const QString &key, const Json &value)
{
    if (const QString sql = mergeContextSql(key); !sql.isEmpty()) {
        Result<SqlRows> rows = exec(sql,
            { { ":key", bindString(key) }, { ":value", QString::fromUtf8(dumpJson(value)) },
                { ":id", runId } },
            "merge run context");
        if (!rows)
            return rows.error();
        if (!rows->next()) {
            if (rows->lastError().isValid())
                return fail(rows->lastError(), "merge run context");
            return makeError(ErrorCode::NotFound, QStringLiteral("run %1 not found").arg(runId));
        }
        return readJson(rows->value(0), "context");
    }
    return inTransaction([&]() -> Result<Json> {
        // Touching the row first takes its write lock (PostgreSQL; SQLite's transaction holds
        // the database's), so two branches finishing at once never lose each other's key.
        const QVariant now = bindTime(nowUtc());
        Result<SqlRows> touched
            = exec(QStringLiteral("UPDATE {p}workflow_runs SET updated_at = :now WHERE id = :id"),
                { { ":now", now }, { ":id", runId } }, "merge run context");
        if (!touched)
            return touched.error();
        if (touched->numRowsAffected() == 0)
            return makeError(ErrorCode::NotFound, QStringLiteral("run %1 not found").arg(runId));
        Result<SqlRows> rows = exec(QStringLiteral("SELECT context FROM {p}workflow_runs WHERE id = :id"),
            { { ":id", runId } }, "merge run context");
        if (!rows)
            return rows.error();
        if (!rows->next())
            return makeError(ErrorCode::NotFound, QStringLiteral("run %1 not found").arg(runId));
        Result<Json> context = readJson(rows->value(0), "context");
        if (!context)
            return context.error();
        Json merged = context->is_object() ? context.value() : Json::object();
        merged[toStd(key)] = value;
        Result<SqlRows> written
            = exec(QStringLiteral("UPDATE {p}workflow_runs SET context = :context WHERE id = :id"),
                { { ":context", bindJson(merged) }, { ":id", runId } }, "merge run context");
        if (!written)
            return written.error();
        return merged;
    });
}

Status SqlStore::recordAttemptStarts(const std::vector<StepAttempt> &attempts)
{
    if (attempts.empty())
        return {};
    return inTransaction([&]() -> Status {
        for (const StepAttempt &attempt : attempts) {
            Result<SqlRows> rows = exec(
                QStringLiteral(
                    "INSERT INTO {p}step_attempts (step_run_id, run_id, attempt, owner, scheduled_for, "
                    "started_at, ended_at, status, error) VALUES (:step_run_id, :run_id, :attempt, :owner, "
                    ":scheduled_for, :started_at, :ended_at, :status, :error) "
                    "ON CONFLICT (step_run_id, attempt) DO NOTHING"),
                { { ":step_run_id", bindString(attempt.stepRunId) }, { ":run_id", bindString(attempt.runId) },
                    { ":attempt", attempt.attempt }, { ":owner", bindString(attempt.owner) },
                    { ":scheduled_for", bindTime(attempt.scheduledFor) },
                    { ":started_at", bindTime(attempt.startedAt.isValid() ? attempt.startedAt : nowUtc()) },
                    { ":ended_at", bindTime(attempt.endedAt) }, { ":status", toString(attempt.status) },
                    { ":error", bindText(attempt.error) } },
                "record attempt start");
            if (!rows)
                return rows.error();
        }
        return {};
    });
}

Status SqlStore::recordAttemptEnd(const StepAttempt &attempt)
{
    Result<SqlRows> rows = exec(
        QStringLiteral(
            "INSERT INTO {p}step_attempts (step_run_id, run_id, attempt, owner, scheduled_for, started_at, "
            "ended_at, status, error) VALUES (:step_run_id, :run_id, :attempt, :owner, :scheduled_for, "
            ":started_at, :ended_at, :status, :error) ON CONFLICT (step_run_id, attempt) DO UPDATE SET "
            "status = excluded.status, ended_at = excluded.ended_at, error = excluded.error "
            "WHERE {p}step_attempts.status = 'running'"),
        { { ":step_run_id", bindString(attempt.stepRunId) }, { ":run_id", bindString(attempt.runId) },
            { ":attempt", attempt.attempt }, { ":owner", bindString(attempt.owner) },
            { ":scheduled_for", bindTime(attempt.scheduledFor) },
            { ":started_at", bindTime(attempt.startedAt) },
            { ":ended_at", bindTime(attempt.endedAt.isValid() ? attempt.endedAt : nowUtc()) },
            { ":status", toString(attempt.status) }, { ":error", bindText(attempt.error) } },
        "record attempt end");
    if (!rows)
        return rows.error();
    return {};
}

Result<std::vector<StepAttempt>> SqlStore::getRunAttempts(const QString &runId)
{
    return readAll(
        exec(
            QStringLiteral("SELECT step_run_id, run_id, attempt, owner, scheduled_for, started_at, ended_at, "
                           "status, error FROM {p}step_attempts WHERE run_id = :run_id "
                           "ORDER BY started_at, attempt"),
            { { ":run_id", runId } }, "get run attempts"),
        &SqlStore::readAttempt, "get run attempts");
}

Result<StepAttempt> SqlStore::readAttempt(const SqlRows &row) const
{
    StepAttempt attempt;
    attempt.stepRunId = row.text(0);
    attempt.runId = row.text(1);
    attempt.attempt = int(row.integer(2));
    attempt.owner = row.text(3);
    attempt.scheduledFor = readTime(row.value(4));
    attempt.startedAt = readTime(row.value(5));
    attempt.endedAt = readTime(row.value(6));
    const std::optional<AttemptStatus> status = attemptStatusFromString(row.text(7));
    if (!status)
        return makeError(ErrorCode::Database,
            QStringLiteral("attempt %1/%2: unknown status \"%3\"")
                .arg(attempt.stepRunId)
                .arg(attempt.attempt)
                .arg(row.text(7)));
    attempt.status = *status;
    attempt.error = row.optText(8);
    return attempt;
}

} // namespace vigil
