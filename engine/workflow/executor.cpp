// SPDX-License-Identifier: GPL-3.0-or-later
// The scheduler and executor: one timer for the earliest due step row, claims under a
// lease, handlers run as coroutines with a timeout and a cancellation token, and each
// outcome commits (fenced by owner and attempt) together with the rows that come next.

#include "engine_p.h"

#include "core/ids.h"
#include "core/isotime.h"
#include "core/logging.h"
#include "workflow/templates.h"

#include <QCoroTask>
#include <QRandomGenerator>
#include <QSet>

#include <cmath>

namespace vigil {

namespace {

QCoro::Task<ActionResult> guardedAction(ActionHandler handler, StepContext context)
{
    // Exceptions in an unawaited task are lost (QCoro), and must never cross into Qt:
    // catch everything here and turn it into a failed attempt.
    try {
        co_return co_await handler(std::move(context));
    } catch (const std::exception &e) {
        co_return ActionResult::failure(QStringLiteral("handler threw: %1").arg(QString::fromUtf8(e.what())));
    } catch (...) {
        co_return ActionResult::failure(QStringLiteral("handler threw an unknown exception"));
    }
}

QCoro::Task<Result<bool>> guardedCondition(ConditionHandler handler, StepContext context)
{
    try {
        co_return co_await handler(std::move(context));
    } catch (const std::exception &e) {
        co_return makeError(ErrorCode::Internal, QStringLiteral("handler threw: %1").arg(QString::fromUtf8(e.what())));
    } catch (...) {
        co_return makeError(ErrorCode::Internal, QStringLiteral("handler threw an unknown exception"));
    }
}

AttemptStatus attemptStatusOf(AttemptOutcome::Kind kind)
{
    switch (kind) {
    case AttemptOutcome::Kind::Completed: return AttemptStatus::Completed;
    case AttemptOutcome::Kind::Failed: return AttemptStatus::Failed;
    case AttemptOutcome::Kind::TimedOut: return AttemptStatus::TimedOut;
    case AttemptOutcome::Kind::Canceled: return AttemptStatus::Canceled;
    case AttemptOutcome::Kind::Skipped: return AttemptStatus::Skipped;
    }
    return AttemptStatus::Failed;
}

Json scopeFor(const TriggerEnvelope &trigger, const WorkflowRun &run)
{
    return Json { { "trigger", toJson(trigger) },
                  { "run", Json { { "id", toStd(run.id) }, { "context", run.context }, { "tenantId", toStd(run.tenantId) },
                                  { "definitionId", toStd(run.definitionId) }, { "isReplay", run.isReplay } } },
                  { "config", run.definitionSnapshot.config } };
}

} // namespace

qint64 retryDelayMs(const RetryPolicy &policy, int attempt)
{
    const double base = std::min(double(policy.backoffMs) * std::pow(2.0, std::max(0, attempt - 1)), 300000.0);
    const double jitter = 0.8 + 0.4 * QRandomGenerator::global()->generateDouble();
    return std::max<qint64>(1, qint64(base * jitter));
}

namespace {
constexpr int kJoinDelaysMs = 5;
} // namespace

void Engine::Private::schedulePump()
{
    if (pumpQueued || !running || stopping)
        return;
    pumpQueued = true;
    QTimer::singleShot(0, q, [this] {
        pumpQueued = false;
        pump();
    });
}

void Engine::Private::pump()
{
    if (!running || stopping)
        return;
    if (delaysMayBeDue) {
        delaysMayBeDue = false;
        holdDueDelays(); // they take no handler slot
    }
    const int slots = options.concurrency - int(inflight.size()) - reservedSlots;
    if (slots <= 0)
        return; // a finishing handler pumps again
    Result<std::vector<WorkflowStepRun>> claimed = db.claimDueSteps(options.ownerId, nowUtc(), options.lease, slots);
    if (!claimed) {
        qCWarning(lcEngine).noquote() << "claiming due steps failed:" << claimed.error().message;
        wakeTimer.start(int(options.pollInterval.count()));
        return;
    }
    const bool full = int(claimed->size()) == slots;
    const QHash<QString, WorkflowRun> heads = runHeadsOf(claimed.value());
    for (WorkflowStepRun &step : claimed.value()) {
        const auto head = heads.constFind(step.runId);
        dispatch(std::move(step), head == heads.cend() ? std::nullopt : std::optional<WorkflowRun>(*head));
    }
    if (full)
        schedulePump();
    else if (nothingToCommit())
        armWakeTimer(); // with commits pending, their after() arms what they scheduled
}

QHash<QString, WorkflowRun> Engine::Private::runHeadsOf(const std::vector<WorkflowStepRun> &steps)
{
    // One query for the runs of the whole batch rather than one per step.
    std::vector<QString> runIds;
    QSet<QString> seen;
    for (const WorkflowStepRun &step : steps) {
        if (!seen.contains(step.runId)) {
            seen.insert(step.runId);
            runIds.push_back(step.runId);
        }
    }
    QHash<QString, WorkflowRun> heads;
    if (Result<std::vector<WorkflowRun>> fetched = db.getRunHeads(runIds); fetched) {
        for (WorkflowRun &head : fetched.value())
            heads.insert(head.id, std::move(head));
    }
    return heads;
}

void Engine::Private::holdDueDelays()
{
    constexpr int kLimit = 5000;
    const QDateTime now = nowUtc();
    const QDateTime horizon = now.addMSecs(options.delayLookahead.count());
    Result<std::vector<WorkflowStepRun>> claimed = db.claimDueDelays(options.ownerId, now, horizon, options.lease, kLimit);
    if (!claimed) {
        qCWarning(lcEngine).noquote() << "claiming due delays failed:" << claimed.error().message;
        return; // the poll timer tries again
    }
    if (claimed->empty()) {
        heldThrough = horizon;
        return;
    }
    const QHash<QString, WorkflowRun> heads = runHeadsOf(claimed.value());
    for (WorkflowStepRun &step : claimed.value()) {
        const auto head = heads.constFind(step.runId);
        const QDateTime due = step.scheduledFor.isValid() ? step.scheduledFor : step.createdAt;
        heldDelays.emplace(due.toMSecsSinceEpoch(),
                           HeldDelay { std::move(step), head == heads.cend() ? std::nullopt : std::optional<WorkflowRun>(*head) });
    }
    if (int(claimed->size()) == kLimit)
        delaysMayBeDue = true; // more than one claim's worth: take the rest next turn
    else
        heldThrough = horizon;
    armDelayTimer();
}

void Engine::Private::armDelayTimer()
{
    if (heldDelays.empty()) {
        delayTimer.stop();
        return;
    }
    const qint64 waitMs = heldDelays.begin()->first - QDateTime::currentMSecsSinceEpoch();
    delayTimer.start(int(std::clamp<qint64>(waitMs, 0, options.delayLookahead.count() + 1000)));
}

void Engine::Private::endHeldDelays()
{
    if (!running || stopping)
        return;
    // Every delay due by now ends at this one moment; they commit in one group commit.
    const QDateTime now = nowUtc();
    const auto end = heldDelays.upper_bound(now.toMSecsSinceEpoch());
    std::vector<HeldDelay> due;
    for (auto it = heldDelays.begin(); it != end; ++it)
        due.push_back(std::move(it->second));
    heldDelays.erase(heldDelays.begin(), end);
    for (HeldDelay &held : due)
        dispatch(std::move(held.step), std::move(held.head), now);
    armDelayTimer();
}

void Engine::Private::releaseHeldDelays()
{
    std::vector<WorkflowStepRun> held;
    for (auto &[due, delay] : heldDelays)
        held.push_back(std::move(delay.step));
    heldDelays.clear();
    releaseSteps(held);
}

void Engine::Private::armWakeTimer()
{
    if (!running || stopping)
        return;
    const Result<std::optional<QDateTime>> due = db.nextDueAt();
    if (!due) {
        wakeTimer.start(int(options.pollInterval.count()));
        return;
    }
    if (!due.value()) {
        wakeTimer.stop(); // the poll timer still looks for other processes' work
        return;
    }
    // Delays due by heldThrough are held already, so a row due by then is a retry (or
    // another process's): wake at its time. A later one may be a delay: wake a lookahead
    // early to hold it.
    const QDateTime at = *due.value();
    wakeTimer.stop();
    if (heldThrough.isValid() && at <= heldThrough)
        armWakeAt(at, false);
    else
        armWakeAt(at, true);
}

void Engine::Private::armWakeAt(const QDateTime &due, bool lookAhead)
{
    if (!running || stopping)
        return;
    qint64 waitMs = std::max<qint64>(0, nowUtc().msecsTo(due));
    if (lookAhead) {
        // A row this process just scheduled (a delay, a retry): if a delay, it is held
        // `delayLookahead` before it is due.
        waitMs = std::max<qint64>(0, waitMs - options.delayLookahead.count());
        if (waitMs == 0)
            delaysMayBeDue = true;
    }
    if (waitMs == 0) {
        schedulePump();
        return;
    }
    // Keep the earlier of the current target and this one.
    if (wakeTimer.isActive() && wakeTimer.remainingTime() <= waitMs)
        return;
    wakeTimer.start(int(std::min<qint64>(waitMs, options.pollInterval.count() * 60)));
}

void Engine::Private::enqueueCommit(CommitJob job)
{
    commitQueue.push_back(std::move(job));
    scheduleFlush();
}

void Engine::Private::enqueueCompletion(StepCompletion completion, std::function<void(const CompletionOutcome &)> after)
{
    completionQueue.push_back({ std::move(completion), std::move(after) });
    scheduleFlush();
}

void Engine::Private::scheduleFlush()
{
    if (flushQueued)
        return;
    flushQueued = true;
    // Every outcome decided in this turn of the event loop commits in one transaction (on
    // SQLite a commit costs far more than the statements in it), and step completions go
    // to the store as one batch (on PostgreSQL, a few round trips for all of them).
    QTimer::singleShot(0, q, [this] { flushCommits(); });
}

void Engine::Private::flushCommits()
{
    // Held delays ending within the next few ms join this commit rather than wait behind
    // it. Once per commit, so a steady stream of them cannot hold commits back.
    if (!flushDeferred && !heldDelays.empty()) {
        const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
        const auto window = heldDelays.upper_bound(nowMs + kJoinDelaysMs);
        if (window != heldDelays.begin()) {
            flushDeferred = true;
            const qint64 lastMs = std::prev(window)->first;
            QTimer::singleShot(int(std::max<qint64>(0, lastMs - nowMs)) + 1, Qt::PreciseTimer, q, [this] {
                endHeldDelays(); // those due by now, whichever timer Qt runs first
                flushCommits();
            });
            return;
        }
    }
    flushDeferred = false;
    flushQueued = false;
    std::vector<CommitJob> jobs = std::move(commitQueue);
    commitQueue.clear();
    std::vector<PendingCompletion> completions = std::move(completionQueue);
    completionQueue.clear();
    std::vector<RunMove> starts;
    for (const QString &runId : startQueue)
        starts.push_back({ runId, RunStatus::Running });
    startQueue.clear();
    if (jobs.empty() && completions.empty() && starts.empty())
        return;
    std::vector<std::optional<WorkflowRun>> started;
    std::vector<StepCompletion> batch;
    batch.reserve(completions.size());
    for (const PendingCompletion &pending : completions)
        batch.push_back(pending.completion);

    std::vector<char> written(jobs.size(), 0);
    std::vector<CompletionOutcome> outcomes;
    const Status committed = db.transaction([&]() -> Status {
        for (size_t i = 0; i < jobs.size(); ++i) {
            Result<bool> wrote = jobs[i].write();
            if (!wrote)
                return wrote.error();
            written[i] = wrote.value();
        }
        Result<std::vector<std::optional<WorkflowRun>>> moved = db.transitionRuns(starts);
        if (!moved)
            return moved.error();
        started = std::move(moved).value();
        Result<std::vector<CompletionOutcome>> applied = db.completeSteps(batch);
        if (!applied)
            return applied.error();
        outcomes = std::move(applied).value();
        return {};
    });
    if (committed) {
        for (size_t i = 0; i < jobs.size(); ++i) {
            if (written[i] && jobs[i].after)
                jobs[i].after();
        }
        for (const std::optional<WorkflowRun> &run : started) {
            if (run)
                Q_EMIT q->runChanged(*run);
        }
        for (size_t i = 0; i < completions.size(); ++i)
            completions[i].after(outcomes[i]);
    } else {
        // Something in the batch failed: commit the pieces one by one, so only that one is
        // lost (its lease expires and the step runs again).
        qCInfo(lcEngine).noquote() << "group commit of" << jobs.size() + completions.size() << "outcomes failed ("
                                   << committed.error().message << "); committing them one by one";
        for (CommitJob &job : jobs) {
            bool wrote = false;
            const Status one = db.transaction([&]() -> Status {
                Result<bool> result = job.write();
                if (!result)
                    return result.error();
                wrote = result.value();
                return {};
            });
            if (one && wrote && job.after)
                job.after();
            else if (!one)
                qCWarning(lcEngine).noquote() << "outcome not recorded:" << one.error().message;
        }
        for (const RunMove &start : starts) {
            Result<std::vector<std::optional<WorkflowRun>>> one = db.transitionRuns({ start });
            if (one && one->front())
                Q_EMIT q->runChanged(*one->front());
            else if (!one)
                qCWarning(lcEngine).noquote() << "run" << start.runId << "not marked running:" << one.error().message;
        }
        for (PendingCompletion &pending : completions) {
            Result<std::vector<CompletionOutcome>> one = db.completeSteps({ pending.completion });
            if (one) {
                pending.after(one->front());
            } else {
                qCWarning(lcEngine).noquote() << "step" << pending.completion.finish.stepRunId
                                              << "not recorded:" << one.error().message;
                pending.after(CompletionOutcome {}); // not accepted: frees what it held; the lease expires
            }
        }
    }
    if (stopping && inflight.isEmpty() && nothingToCommit())
        finishStop();
    else
        schedulePump();
}

Result<SnapshotPtr> Engine::Private::snapshotOf(const QString &runId)
{
    if (const auto it = snapshots.constFind(runId); it != snapshots.cend())
        return *it;
    Result<WorkflowRun> full = db.getRun(runId);
    if (!full)
        return full.error();
    if (snapshots.size() > 20000)
        snapshots.clear();
    SnapshotPtr snapshot = std::make_shared<const WorkflowDefinition>(std::move(full->definitionSnapshot));
    snapshots.insert(runId, snapshot);
    return snapshot;
}

Result<StepPlace> Engine::Private::locate(const WorkflowDefinition &snapshot, const WorkflowStepRun &step,
                                          const std::vector<WorkflowStepRun> *allSteps)
{
    const std::vector<WorkflowStep> *sequence = &snapshot.steps;
    if (step.parentStepRunId) {
        std::vector<WorkflowStepRun> fetched;
        if (!allSteps) {
            Result<std::vector<WorkflowStepRun>> rows = db.getRunSteps(step.runId);
            if (!rows)
                return rows.error();
            fetched = std::move(rows).value();
            allSteps = &fetched;
        }
        const auto parent = std::find_if(allSteps->begin(), allSteps->end(),
                                         [&](const WorkflowStepRun &row) { return row.id == *step.parentStepRunId; });
        if (parent == allSteps->end())
            return makeError(ErrorCode::Internal, QStringLiteral("step %1: parent %2 not found").arg(step.id, *step.parentStepRunId));
        Result<StepPlace> parentPlace = locate(snapshot, *parent, allSteps);
        if (!parentPlace)
            return parentPlace.error();
        const int branch = step.branchIndex.value_or(-1);
        if (branch < 0 || branch >= int(parentPlace->step->branches.size()))
            return makeError(ErrorCode::Internal, QStringLiteral("step %1: no branch %2").arg(step.id).arg(branch));
        sequence = &parentPlace->step->branches[size_t(branch)];
    }
    if (step.stepIndex < 0 || step.stepIndex >= int(sequence->size()))
        return makeError(ErrorCode::Internal,
                         QStringLiteral("step %1: index %2 is outside its definition").arg(step.id).arg(step.stepIndex));
    return StepPlace { &(*sequence)[size_t(step.stepIndex)], sequence };
}

WorkflowStepRun Engine::Private::newStepRow(const WorkflowRun &run, const WorkflowStep &step, int index,
                                            const std::optional<QString> &parent, std::optional<int> branch,
                                            const QDateTime &now) const
{
    WorkflowStepRun row;
    row.id = newId(IdPrefix::StepRun, now);
    row.runId = run.id;
    row.tenantId = run.tenantId;
    row.stepIndex = index;
    row.stepType = step.type;
    row.stepName = step.name;
    row.parentStepRunId = parent;
    row.branchIndex = branch;
    row.createdAt = now;
    // A dry run skips every delay wait: its delay rows are due at once.
    if (step.type == StepType::Delay && !run.isDryRun) {
        row.status = StepStatus::Scheduled;
        row.scheduledFor = now.addMSecs(step.delayMs.value_or(0));
    } else {
        row.status = StepStatus::Pending;
        row.scheduledFor = now;
    }
    return row;
}

void Engine::Private::dispatch(WorkflowStepRun step, std::optional<WorkflowRun> known, QDateTime at)
{
    const QDateTime now = at.isValid() ? at : nowUtc();
    // The batch's heads are as fresh as a read here: outcomes of this turn commit only at
    // the group commit after it.
    Result<WorkflowRun> head = known ? Result<WorkflowRun>(std::move(*known)) : db.getRunHead(step.runId);
    Result<SnapshotPtr> snapshot = head ? snapshotOf(step.runId) : Result<SnapshotPtr>(head.error());
    if (!head || !snapshot) {
        const QString error = (!head ? head.error() : snapshot.error()).message;
        qCWarning(lcEngine).noquote() << "step" << step.id << "cannot be run:" << error;
        (void)db.finishStep({ step.id, options.ownerId, step.attempt, StepStatus::Failed, now, Json(), error });
        return;
    }
    PendingStep pending { std::move(step), std::move(head).value(), std::move(snapshot).value(), {} };
    WorkflowRun &run = pending.run;
    const WorkflowStepRun &claimed = pending.step;

    // A claim above the first after a lost lease closes the lost attempt (a no-op when
    // that attempt ended normally, e.g. failed and was retried).
    if (claimed.attempt > 1) {
        StepAttempt lost { claimed.id, run.id, claimed.attempt - 1, options.ownerId };
        lost.status = AttemptStatus::Lost;
        lost.endedAt = now;
        lost.error = QStringLiteral("lease expired: the process running it stopped or lost the database");
        enqueueCommit({ [this, lost]() -> Result<bool> {
                           if (Status ok = db.recordAttemptEnd(lost); !ok)
                               return ok.error();
                           return true;
                       },
                        {} });
    }

    if (isTerminal(run.status)) {
        AttemptOutcome skipped { AttemptOutcome::Kind::Skipped };
        skipped.error = QStringLiteral("run is %1").arg(toString(run.status));
        Result<StepPlace> place = locate(*pending.snapshot, claimed, nullptr);
        pending.place = place.valueOr(StepPlace {});
        if (pending.place.step) {
            finishAttempt(pending, skipped);
        } else {
            (void)db.finishStep({ claimed.id, options.ownerId, claimed.attempt, StepStatus::Skipped, now, Json(), skipped.error });
        }
        return;
    }
    if (run.status == RunStatus::Pending) {
        // Joins this turn's group commit, all such runs in one statement; a run cancelled
        // meanwhile stays cancelled.
        if (std::find(startQueue.begin(), startQueue.end(), run.id) == startQueue.end())
            startQueue.push_back(run.id);
        scheduleFlush();
        run.status = RunStatus::Running;
        run.startedAt = now;
    }

    Result<StepPlace> place = locate(*pending.snapshot, claimed, nullptr);
    if (!place) {
        // No place means no retry policy: fail for good.
        (void)db.finishStep({ claimed.id, options.ownerId, claimed.attempt, StepStatus::Failed, now, Json(),
                              place.error().message });
        WorkflowStepRun failed = claimed;
        failed.status = StepStatus::Failed;
        failUpwards(run, failed, place.error().message);
        return;
    }
    pending.place = place.value();
    const WorkflowStep &definition = *pending.place.step;

    switch (definition.type) {
    case StepType::Delay: {
        AttemptOutcome outcome;
        if (run.isDryRun) {
            outcome.kind = AttemptOutcome::Kind::Skipped;
            outcome.error = QStringLiteral("dry run");
        } else {
            const qint64 lateMs = claimed.scheduledFor.isValid() ? std::max<qint64>(0, claimed.scheduledFor.msecsTo(now)) : 0;
            outcome.result = Json { { "delayMs", definition.delayMs.value_or(0) }, { "lateMs", lateMs } };
        }
        finishAttempt(pending, outcome);
        return;
    }
    case StepType::Parallel: {
        auto children = std::make_shared<std::vector<WorkflowStepRun>>();
        for (size_t b = 0; b < definition.branches.size(); ++b) {
            if (!definition.branches[b].empty())
                children->push_back(newStepRow(run, definition.branches[b].front(), 0, claimed.id, int(b), now));
        }
        StepAttempt attempt { claimed.id, run.id, claimed.attempt, options.ownerId, claimed.scheduledFor,
                              claimed.startedAt, now, AttemptStatus::Completed };
        WorkflowStepRun parked = claimed;
        parked.leaseOwner.reset();
        parked.leaseExpiresAt = QDateTime();
        enqueueCommit({ [this, parked, attempt, children]() -> Result<bool> {
                           if (Status ok = db.parkStep(parked.id, options.ownerId, attempt.attempt); !ok)
                               return ok.error().code == ErrorCode::Conflict ? Result<bool>(false) : Result<bool>(ok.error());
                           if (Status ok = db.insertStepRuns(*children); !ok)
                               return ok.error();
                           if (Status ok = db.recordAttemptEnd(attempt); !ok)
                               return ok.error();
                           return true;
                       },
                        [this, parked, children] {
                            publishStep(parked);
                            for (const WorkflowStepRun &child : *children)
                                publishStep(child);
                            schedulePump();
                        } });
        return;
    }
    case StepType::Action: {
        const Registry::Action *action = registry.action(definition.handlerName());
        AttemptOutcome skipped { AttemptOutcome::Kind::Skipped };
        if (run.isDryRun) {
            skipped.error = QStringLiteral("dry run");
            finishAttempt(pending, skipped);
            return;
        }
        if (run.isReplay && action && !action->options.replaySafe) {
            skipped.error = QStringLiteral("not replay-safe: skipped during replay");
            finishAttempt(pending, skipped);
            return;
        }
        break;
    }
    case StepType::Condition: break;
    }

    Result<TriggerEnvelope> trigger = cachedTrigger(run.triggerId);
    if (!trigger) {
        AttemptOutcome failed { AttemptOutcome::Kind::Failed };
        failed.error = QStringLiteral("cannot load signal %1: %2").arg(run.triggerId, trigger.error().message);
        finishAttempt(pending, failed);
        return;
    }
    runHandler(std::move(pending), trigger.value());
}

void Engine::Private::runHandler(PendingStep pending, TriggerEnvelope trigger)
{
    const WorkflowStep &definition = *pending.place.step;
    const QString name = definition.handlerName();
    const QString stepRunId = pending.step.id;
    const int attempt = pending.step.attempt;

    StepContext context;
    context.tenantId = pending.run.tenantId;
    context.trigger = trigger;
    context.run = pending.run;
    context.run.definitionSnapshot = *pending.snapshot; // Pulse's ctx.run carries the snapshot
    context.step = pending.step;
    context.config = pending.snapshot->config;
    context.isReplay = pending.run.isReplay;
    context.services = this;
    const QString runId = pending.run.id;
    const QString tenantId = pending.run.tenantId;
    context.logSink = [this, runId, stepRunId, tenantId](LogLevel level, const QString &message, const Json &data) {
        log(runId, stepRunId, tenantId, level, message, data);
    };

    Result<Json> rendered = renderTemplates(definition.config.is_null() ? Json::object() : definition.config,
                                            scopeFor(trigger, context.run));
    if (!rendered) {
        AttemptOutcome failed { AttemptOutcome::Kind::Failed };
        failed.error = rendered.error().message;
        finishAttempt(pending, failed);
        return;
    }
    context.stepConfig = std::move(rendered).value();

    InFlight entry;
    entry.attempt = attempt;
    context.cancel = entry.cancel;
    if (definition.timeoutMs) {
        auto *timer = new QTimer(q);
        timer->setSingleShot(true);
        const qint64 timeoutMs = *definition.timeoutMs;
        QObject::connect(timer, &QTimer::timeout, q, [this, stepRunId, attempt, timeoutMs] {
            AttemptOutcome timedOut { AttemptOutcome::Kind::TimedOut };
            timedOut.error = QStringLiteral("timed out after %1 ms").arg(timeoutMs);
            decide(stepRunId, attempt, timedOut);
        });
        timer->start(int(std::min<qint64>(timeoutMs, INT_MAX)));
        entry.timeout = timer;
    }
    inflight.insert(stepRunId, entry);
    m_pending.insert(stepRunId, std::move(pending));

    if (definition.type == StepType::Action) {
        const Registry::Action *action = registry.action(name);
        if (!action) {
            AttemptOutcome failed { AttemptOutcome::Kind::Failed };
            failed.error = QStringLiteral("unknown action \"%1\"").arg(name);
            decide(stepRunId, attempt, failed);
            return;
        }
        QCoro::connect(guardedAction(action->handler, std::move(context)), q,
                       [this, stepRunId, attempt](const ActionResult &result) {
                           AttemptOutcome outcome;
                           if (result.success) {
                               outcome.result = result.data;
                               outcome.contextData = result.data;
                           } else {
                               outcome.kind = AttemptOutcome::Kind::Failed;
                               outcome.error = result.error.isEmpty() ? QStringLiteral("action failed") : result.error;
                               outcome.result = result.data;
                           }
                           decide(stepRunId, attempt, outcome);
                       });
    } else {
        const Registry::Condition *condition = registry.condition(name);
        if (!condition) {
            AttemptOutcome failed { AttemptOutcome::Kind::Failed };
            failed.error = QStringLiteral("unknown condition \"%1\"").arg(name);
            decide(stepRunId, attempt, failed);
            return;
        }
        QCoro::connect(guardedCondition(condition->handler, std::move(context)), q,
                       [this, stepRunId, attempt](const Result<bool> &result) {
                           AttemptOutcome outcome;
                           if (result) {
                               outcome.result = Json { { "value", result.value() } };
                               outcome.conditionFalse = !result.value();
                           } else {
                               outcome.kind = AttemptOutcome::Kind::Failed;
                               outcome.error = result.error().message;
                           }
                           decide(stepRunId, attempt, outcome);
                       });
    }
}

void Engine::Private::decide(const QString &stepRunId, int attempt, AttemptOutcome outcome)
{
    auto it = inflight.find(stepRunId);
    if (it == inflight.end() || it->attempt != attempt || it->decided)
        return; // a late result from an attempt that timed out or was cancelled: ignored
    it->decided = true;
    if (it->timeout)
        it->timeout->deleteLater();
    if (outcome.kind == AttemptOutcome::Kind::TimedOut)
        it->cancel.cancel(outcome.error); // tell the handler to stop
    inflight.erase(it);
    const PendingStep pending = m_pending.take(stepRunId);
    if (pending.place.step)
        finishAttempt(pending, outcome);
    if (stopping && inflight.isEmpty() && nothingToCommit())
        finishStop();
}

void Engine::Private::finishAttempt(const PendingStep &pending, const AttemptOutcome &outcome)
{
    const QDateTime now = nowUtc();
    const WorkflowStepRun &step = pending.step;
    const WorkflowRun &run = pending.run;
    const WorkflowStep &definition = *pending.place.step;
    StepAttempt attempt { step.id, run.id, step.attempt, options.ownerId, step.scheduledFor, step.startedAt, now,
                          attemptStatusOf(outcome.kind) };
    if (!outcome.error.isEmpty() && outcome.kind != AttemptOutcome::Kind::Completed)
        attempt.error = outcome.error;

    if (outcome.kind == AttemptOutcome::Kind::Canceled) {
        // Cancelled by cancelRun or a failed sibling (the row is already skipped), by a lost
        // lease (the row is someone else's now), or by shutdown (release it at once so the
        // next process need not wait for the lease to expire).
        const bool release = outcome.release;
        const QString owner = options.ownerId;
        enqueueCommit({ [this, attempt, release, owner, now]() -> Result<bool> {
                           if (release)
                               (void)db.finishStep({ attempt.stepRunId, owner, attempt.attempt, StepStatus::Scheduled, now,
                                                     Json(), QStringLiteral("released at shutdown") });
                           if (Status ok = db.recordAttemptEnd(attempt); !ok)
                               return ok.error();
                           return true;
                       },
                        {} });
        return;
    }

    const bool failed = outcome.kind == AttemptOutcome::Kind::Failed || outcome.kind == AttemptOutcome::Kind::TimedOut;
    if (failed) {
        const RetryPolicy policy = definition.retryPolicy.value_or(RetryPolicy { 1, 1000 });
        const int attemptsThisRound = step.attempt - step.attemptFloor;
        if (attemptsThisRound < policy.maxAttempts) {
            const qint64 delay = retryDelayMs(policy, attemptsThisRound);
            const QDateTime retryAt = now.addMSecs(delay);
            const StepFinish finish { step.id, options.ownerId, step.attempt, StepStatus::Scheduled, retryAt,
                                      outcome.result, outcome.error };
            const ExecutionLog note { newId(IdPrefix::Log, now), run.id, step.id, run.tenantId, LogLevel::Warn,
                                      QStringLiteral("attempt %1 of %2 failed: %3; retrying in %4 ms")
                                          .arg(attemptsThisRound)
                                          .arg(policy.maxAttempts)
                                          .arg(outcome.error)
                                          .arg(delay),
                                      Json { { "event", "step_retrying" }, { "attempt", step.attempt }, { "retryInMs", delay } },
                                      now };
            WorkflowStepRun changed = step;
            changed.status = StepStatus::Scheduled;
            changed.scheduledFor = retryAt;
            changed.errorMessage = outcome.error;
            changed.leaseOwner.reset();
            enqueueCommit({ [this, finish, attempt, note]() -> Result<bool> {
                               if (Status ok = db.finishStep(finish); !ok)
                                   return ok.error().code == ErrorCode::Conflict ? Result<bool>(false) : Result<bool>(ok.error());
                               if (Status ok = db.recordAttemptEnd(attempt); !ok)
                                   return ok.error();
                               if (Status ok = db.appendLogs({ note }); !ok)
                                   return ok.error();
                               return true;
                           },
                            [this, changed, retryAt] {
                                publishStep(changed);
                                armWakeAt(retryAt);
                            } });
            return;
        }
    }

    const StepStatus finalStatus = failed ? StepStatus::Failed
        : outcome.kind == AttemptOutcome::Kind::Skipped ? StepStatus::Skipped
                                                        : StepStatus::Completed;
    int skipCount = 0;
    bool endSequence = false;
    if (outcome.conditionFalse) {
        const OnFalse onFalse = definition.onFalse.value_or(OnFalse {});
        if (onFalse.kind == OnFalse::Kind::Complete)
            endSequence = true;
        else
            skipCount = onFalse.skipCount();
    }
    std::optional<QString> error;
    if (finalStatus != StepStatus::Completed)
        error = outcome.error;
    const StepFinish finish { step.id, options.ownerId, step.attempt, finalStatus, now, outcome.result, error };

    StepCompletion completion;
    completion.finish = finish;
    completion.attempt = attempt;
    const bool topLevel = !step.parentStepRunId;
    bool sequenceEnded = false;
    if (isTerminal(run.status)) {
        // A step claimed after its run ended (a race with cancel): record it, start nothing.
    } else if (failed) {
        if (topLevel) {
            // A top-level step that failed for good fails its run in the same commit.
            completion.runMoves = { RunStatus::Failed };
            completion.logs.push_back({ newId(IdPrefix::Log), run.id, std::nullopt, run.tenantId, LogLevel::Error,
                                        QStringLiteral("run failed: step \"%1\": %2").arg(step.stepName, outcome.error),
                                        Json(), now });
        }
    } else {
        if (finalStatus == StepStatus::Completed && !outcome.contextData.is_null())
            completion.contextEntry = std::make_pair(definition.name, outcome.contextData);
        AdvancePlan plan = planAdvance(run, step, pending.place, skipCount, endSequence);
        completion.next = std::move(plan.next);
        completion.currentStepIndex = plan.progress;
        completion.runMoves = std::move(plan.moves);
        sequenceEnded = plan.sequenceEnded;
        if (sequenceEnded && topLevel)
            completion.runMoves.push_back(RunStatus::Completed); // the last step completes its run
    }
    // The next top-level step, when due now, is taken up by this commit: inserted already
    // running under our lease (its attempt recorded with it) and dispatched once the commit
    // is in, without a claim and a read of its run. It keeps this step's handler slot. (Only
    // top-level: nothing else changes the run's context meanwhile, so the head we hold, with
    // this step's data merged, is the run as stored.)
    std::optional<WorkflowStepRun> chained;
    if (!completion.next.empty() && topLevel && running && !stopping) {
        WorkflowStepRun &next = completion.next.back();
        if (next.status == StepStatus::Pending
            && (next.stepType == StepType::Action || next.stepType == StepType::Condition)) {
            next.status = StepStatus::Running;
            next.leaseOwner = options.ownerId;
            next.leaseExpiresAt = now.addMSecs(options.lease.count());
            next.attempt = 1;
            next.startedAt = now;
            chained = next;
            ++reservedSlots;
        }
    }
    const std::vector<WorkflowStepRun> inserted = completion.next;
    enqueueCompletion(std::move(completion), [this, pending, finish, outcome, failed, sequenceEnded, inserted, chained](
                                                 const CompletionOutcome &result) {
        if (chained)
            --reservedSlots;
        if (!result.accepted) {
            qCInfo(lcEngine).noquote() << "step" << pending.step.id << "attempt" << pending.step.attempt
                                       << "lost its lease; its result is dropped";
            return; // the step is someone else's now
        }
        WorkflowStepRun finished = pending.step;
        finished.status = finish.status;
        finished.completedAt = finish.at;
        finished.result = outcome.result;
        finished.leaseOwner.reset();
        finished.errorMessage = finish.errorMessage;
        publishStep(finished);
        for (const WorkflowStepRun &row : inserted)
            publishStep(row);
        const std::optional<WorkflowRun> &moved = result.movedRun;
        const bool runEnded = moved && isTerminal(moved->status);
        if (moved && !runEnded)
            Q_EMIT q->runChanged(*moved);
        fireStepHook(pending.run, finished);
        if (failed) {
            if (pending.step.parentStepRunId)
                failUpwards(pending.run, finished, outcome.error);
            else if (runEnded)
                announceRunEnd(*moved, RunStatus::Failed);
        } else if (sequenceEnded) {
            if (pending.step.parentStepRunId)
                settleParallel(pending.run.id, *pending.step.parentStepRunId);
            else if (runEnded)
                announceRunEnd(*moved, RunStatus::Completed);
        }
        for (const WorkflowStepRun &row : inserted) {
            if (row.status == StepStatus::Scheduled)
                armWakeAt(row.scheduledFor);
        }
        if (chained) {
            WorkflowRun head = moved ? *moved : pending.run;
            if (result.context)
                head.context = *result.context;
            if (running && !stopping && !isTerminal(head.status))
                dispatch(*chained, std::move(head));
            else
                releaseSteps({ *chained });
        }
    });
}

void Engine::Private::releaseSteps(const std::vector<WorkflowStepRun> &steps)
{
    if (steps.empty())
        return;
    // Handed back due as before (a held delay) or now, so another process, or this one
    // restarted, takes them up on time instead of waiting for their leases to expire.
    const QDateTime now = nowUtc();
    const Status released = db.transaction([&]() -> Status {
        for (const WorkflowStepRun &step : steps) {
            const QDateTime due = step.scheduledFor.isValid() && step.scheduledFor > now ? step.scheduledFor : now;
            const StepFinish finish { step.id, options.ownerId, step.attempt, StepStatus::Scheduled, due, Json(), std::nullopt };
            if (Status ok = db.finishStep(finish); !ok && ok.error().code != ErrorCode::Conflict)
                return ok;
            StepAttempt attempt { step.id, step.runId, step.attempt, options.ownerId, step.scheduledFor, step.startedAt,
                                  now, AttemptStatus::Canceled };
            attempt.error = QStringLiteral("released at shutdown");
            if (Status ok = db.recordAttemptEnd(attempt); !ok)
                return ok;
        }
        return {};
    });
    if (!released)
        qCWarning(lcEngine).noquote() << steps.size() << "steps not handed back (their leases expire instead):"
                                      << released.error().message;
}

AdvancePlan Engine::Private::planAdvance(const WorkflowRun &run, const WorkflowStepRun &step, const StepPlace &place,
                                         int skipCount, bool endSequence) const
{
    AdvancePlan plan;
    const QDateTime now = nowUtc();
    const std::vector<WorkflowStep> &sequence = *place.sequence;
    const int size = int(sequence.size());
    const int index = step.stepIndex;
    const QString skippedWhy = QStringLiteral("skipped: condition \"%1\" was false").arg(place.step->name);
    int next = index + 1;
    const int skipUntil = endSequence ? size : std::min(size, index + 1 + skipCount);
    for (; next < skipUntil; ++next) {
        WorkflowStepRun skipped = newStepRow(run, sequence[size_t(next)], next, step.parentStepRunId, step.branchIndex, now);
        skipped.status = StepStatus::Skipped;
        skipped.completedAt = now;
        skipped.errorMessage = skippedWhy;
        plan.next.push_back(skipped);
    }
    const bool topLevel = !step.parentStepRunId;
    if (next < size)
        plan.next.push_back(newStepRow(run, sequence[size_t(next)], next, step.parentStepRunId, step.branchIndex, now));
    else
        plan.sequenceEnded = true;
    if (topLevel && next < size)
        plan.progress = next;
    // Pulse's waiting status: the run waits while its next top-level step is a delay. (A dry
    // run's delays are due at once, so it never waits.)
    const bool waitsNow = topLevel && next < size && plan.next.back().status == StepStatus::Scheduled;
    const bool wasWaiting = topLevel && run.status == RunStatus::Waiting;
    if (waitsNow && !wasWaiting)
        plan.moves.push_back(RunStatus::Waiting);
    else if (wasWaiting && !waitsNow)
        plan.moves.push_back(RunStatus::Running);
    return plan;
}

Status Engine::Private::advance(const WorkflowRun &run, const WorkflowStepRun &step, const StepPlace &place,
                                int skipCount, bool endSequence, std::vector<WorkflowStepRun> &inserted,
                                bool &sequenceEnded, std::optional<WorkflowRun> *announced)
{
    AdvancePlan plan = planAdvance(run, step, place, skipCount, endSequence);
    inserted = plan.next;
    sequenceEnded = plan.sequenceEnded;
    if (!plan.next.empty()) {
        if (Status ok = db.insertStepRuns(plan.next); !ok)
            return ok;
    }
    if (plan.progress) {
        if (Status ok = db.updateRunProgress(run.id, RunPatch { plan.progress, std::nullopt, std::nullopt }); !ok)
            return ok;
    }
    for (RunStatus to : plan.moves) {
        Result<WorkflowRun> moved = db.transitionRun(run.id, to);
        if (!moved)
            return moved.error();
        if (announced)
            *announced = std::move(moved).value();
    }
    return {};
}

void Engine::Private::settleParallel(const QString &runId, const QString &parentStepRunId)
{
    Result<WorkflowRun> fetched = db.getRunHead(runId);
    Result<SnapshotPtr> snapshot = snapshotOf(runId);
    Result<std::vector<WorkflowStepRun>> rows = db.getRunSteps(runId);
    if (!fetched || !snapshot || !rows)
        return; // the periodic sweep settles it later
    const WorkflowRun &run = fetched.value();
    const auto parent = std::find_if(rows->begin(), rows->end(),
                                     [&](const WorkflowStepRun &row) { return row.id == parentStepRunId; });
    if (parent == rows->end() || parent->status != StepStatus::Running || parent->leaseOwner)
        return;
    Result<StepPlace> place = locate(*snapshot.value(), *parent, &rows.value());
    if (!place)
        return;
    const WorkflowStep &definition = *place->step;
    for (size_t b = 0; b < definition.branches.size(); ++b) {
        int lastIndex = -1;
        for (const WorkflowStepRun &row : rows.value()) {
            if (row.parentStepRunId != parentStepRunId || row.branchIndex != int(b))
                continue;
            if (row.status == StepStatus::Failed) {
                // Normally failUpwards ran when it failed; the sweep lands here when the
                // process died in between.
                failUpwards(run, row, row.errorMessage.value_or(QStringLiteral("branch failed")));
                return;
            }
            if (row.status != StepStatus::Completed && row.status != StepStatus::Skipped)
                return; // still running
            lastIndex = std::max(lastIndex, row.stepIndex);
        }
        if (lastIndex < int(definition.branches[b].size()) - 1)
            return;
    }
    std::vector<WorkflowStepRun> inserted;
    bool sequenceEnded = false;
    bool won = false;
    std::optional<WorkflowRun> moved;
    const QDateTime now = nowUtc();
    const Status committed = db.transaction([&]() -> Status {
        Result<bool> settled = db.finishParkedStep(parentStepRunId, StepStatus::Completed, now,
                                                   Json { { "branches", definition.branches.size() } }, std::nullopt);
        if (!settled)
            return settled.error();
        won = settled.value();
        if (!won)
            return {}; // another branch's finisher settled it
        return advance(run, *parent, place.value(), 0, false, inserted, sequenceEnded, &moved);
    });
    if (!committed || !won)
        return;
    WorkflowStepRun finished = *parent;
    finished.status = StepStatus::Completed;
    finished.completedAt = now;
    publishStep(finished);
    for (const WorkflowStepRun &row : inserted)
        publishStep(row);
    if (moved)
        Q_EMIT q->runChanged(*moved);
    fireStepHook(run, finished);
    if (sequenceEnded) {
        if (parent->parentStepRunId)
            settleParallel(runId, *parent->parentStepRunId);
        else
            completeRun(runId, RunStatus::Completed, QString());
    }
    if (!inserted.empty())
        armWakeTimer();
}

void Engine::Private::sweepParkedSteps()
{
    Result<std::vector<WorkflowStepRun>> parked = db.parkedSteps(100);
    if (!parked)
        return;
    for (const WorkflowStepRun &step : parked.value())
        settleParallel(step.runId, step.id);
}

void Engine::Private::failUpwards(const WorkflowRun &run, const WorkflowStepRun &failedStep, const QString &error)
{
    if (!failedStep.parentStepRunId) {
        completeRun(run.id, RunStatus::Failed, error);
        return;
    }
    const QString parentId = *failedStep.parentStepRunId;
    Result<std::vector<WorkflowStepRun>> rows = db.getRunSteps(run.id);
    if (!rows)
        return;
    // Everything under the parallel step that has not finished stops: the siblings'
    // pending steps are skipped and their running handlers cancelled.
    QSet<QString> under { parentId };
    bool grew = true;
    while (grew) {
        grew = false;
        for (const WorkflowStepRun &row : rows.value()) {
            if (row.parentStepRunId && under.contains(*row.parentStepRunId) && !under.contains(row.id)) {
                under.insert(row.id);
                grew = true;
            }
        }
    }
    under.remove(parentId);
    const QString reason = QStringLiteral("canceled: branch %1 failed").arg(failedStep.branchIndex.value_or(0));
    const std::vector<QString> ids(under.begin(), under.end());
    Result<std::vector<QString>> wereRunning = db.skipSteps(ids, reason, nowUtc());
    if (wereRunning)
        cancelLocal(wereRunning.value(), reason);
    Result<bool> settled = db.finishParkedStep(
        parentId, StepStatus::Failed, nowUtc(), Json(),
        QStringLiteral("branch %1 failed: %2").arg(failedStep.branchIndex.value_or(0)).arg(error));
    if (!settled || !settled.value())
        return;
    const auto parent = std::find_if(rows->begin(), rows->end(), [&](const WorkflowStepRun &row) { return row.id == parentId; });
    if (parent == rows->end())
        return;
    WorkflowStepRun failedParent = *parent;
    failedParent.status = StepStatus::Failed;
    failedParent.errorMessage = QStringLiteral("branch %1 failed: %2").arg(failedStep.branchIndex.value_or(0)).arg(error);
    publishStep(failedParent);
    fireStepHook(run, failedParent);
    failUpwards(run, failedParent, error);
}

void Engine::Private::cancelLocal(const std::vector<QString> &stepRunIds, const QString &reason)
{
    if (!heldDelays.empty()) {
        // Held delays of a cancelled run: their rows are skipped already; forget them.
        const QSet<QString> ids(stepRunIds.begin(), stepRunIds.end());
        std::erase_if(heldDelays, [&](const auto &entry) { return ids.contains(entry.second.step.id); });
        armDelayTimer();
    }
    for (const QString &id : stepRunIds) {
        const auto it = inflight.constFind(id);
        if (it == inflight.cend())
            continue;
        // Copies first: a handler may finish inside cancel() and erase its entry.
        const int attempt = it->attempt;
        const CancellationToken token = it->cancel;
        token.cancel(reason);
        AttemptOutcome canceled { AttemptOutcome::Kind::Canceled };
        canceled.error = reason;
        decide(id, attempt, canceled); // ignored if the handler already answered
    }
}

void Engine::Private::renewLeases()
{
    const QDateTime expires = nowUtc().addMSecs(options.lease.count());
    const QStringList ids = inflight.keys();
    for (const QString &id : ids) {
        const auto it = inflight.constFind(id);
        if (it == inflight.cend() || it->decided)
            continue;
        const int attempt = it->attempt;
        const CancellationToken token = it->cancel;
        Result<bool> renewed = db.renewLease(id, options.ownerId, attempt, expires);
        if (renewed && !renewed.value()) {
            // Someone else owns the step now (our lease expired while the database was
            // unreachable, or the run was cancelled): stop our handler.
            const QString reason = QStringLiteral("lease lost");
            token.cancel(reason); // may finish the handler and erase its entry
            AttemptOutcome lost { AttemptOutcome::Kind::Canceled };
            lost.error = reason;
            decide(id, attempt, lost);
        }
    }
}

void Engine::Private::completeRun(const QString &runId, RunStatus status, const QString &why)
{
    Result<WorkflowRun> moved = db.transitionRun(runId, status);
    if (!moved) {
        if (moved.error().code != ErrorCode::Conflict)
            qCWarning(lcEngine).noquote() << "run" << runId << "could not be completed:" << moved.error().message;
        return; // e.g. cancelled meanwhile: cancel wins
    }
    if (status == RunStatus::Failed && !why.isEmpty())
        log(runId, std::nullopt, moved->tenantId, LogLevel::Error, QStringLiteral("run failed: %1").arg(why));
    announceRunEnd(moved.value(), status);
}

void Engine::Private::announceRunEnd(const WorkflowRun &run, RunStatus status)
{
    snapshots.remove(run.id);
    Q_EMIT q->runChanged(run);
    if (options.onRunComplete) {
        try {
            options.onRunComplete(RunCompleteEvent { run, status });
        } catch (...) {
            qCWarning(lcEngine) << "onRunComplete hook threw; ignored";
        }
    }
}

void Engine::Private::publishStep(const WorkflowStepRun &step)
{
    Q_EMIT q->stepChanged(step);
}

void Engine::Private::fireStepHook(const WorkflowRun &run, const WorkflowStepRun &step)
{
    if (!options.onStepComplete)
        return;
    try {
        options.onStepComplete(StepCompleteEvent { run, step });
    } catch (...) {
        qCWarning(lcEngine) << "onStepComplete hook threw; ignored";
    }
}

} // namespace vigil
