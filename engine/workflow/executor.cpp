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
    const int slots = options.concurrency - int(inflight.size());
    if (slots <= 0)
        return; // a finishing handler pumps again
    Result<std::vector<WorkflowStepRun>> claimed = db.claimDueSteps(options.ownerId, nowUtc(), options.lease, slots);
    if (!claimed) {
        qCWarning(lcEngine).noquote() << "claiming due steps failed:" << claimed.error().message;
        wakeTimer.start(int(options.pollInterval.count()));
        return;
    }
    const bool full = int(claimed->size()) == slots;
    for (WorkflowStepRun &step : claimed.value())
        dispatch(std::move(step));
    if (full)
        schedulePump();
    else
        armWakeTimer();
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
    const qint64 waitMs = std::max<qint64>(0, nowUtc().msecsTo(*due.value()));
    if (waitMs == 0)
        schedulePump();
    else
        wakeTimer.start(int(std::min<qint64>(waitMs, options.pollInterval.count() * 60)));
}

Result<StepPlace> Engine::Private::locate(const WorkflowRun &run, const WorkflowStepRun &step,
                                          const std::vector<WorkflowStepRun> *allSteps)
{
    const std::vector<WorkflowStep> *sequence = &run.definitionSnapshot.steps;
    if (step.parentStepRunId) {
        std::vector<WorkflowStepRun> fetched;
        if (!allSteps) {
            Result<std::vector<WorkflowStepRun>> rows = db.getRunSteps(run.id);
            if (!rows)
                return rows.error();
            fetched = std::move(rows).value();
            allSteps = &fetched;
        }
        const auto parent = std::find_if(allSteps->begin(), allSteps->end(),
                                         [&](const WorkflowStepRun &row) { return row.id == *step.parentStepRunId; });
        if (parent == allSteps->end())
            return makeError(ErrorCode::Internal, QStringLiteral("step %1: parent %2 not found").arg(step.id, *step.parentStepRunId));
        Result<StepPlace> parentPlace = locate(run, *parent, allSteps);
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

void Engine::Private::dispatch(WorkflowStepRun step)
{
    const QDateTime now = nowUtc();
    Result<WorkflowRun> fetched = db.getRun(step.runId);
    if (!fetched) {
        qCWarning(lcEngine).noquote() << "step" << step.id << "of unknown run:" << fetched.error().message;
        (void)db.finishStep({ step.id, options.ownerId, step.attempt, StepStatus::Failed, now, Json(),
                              fetched.error().message });
        return;
    }
    WorkflowRun run = std::move(fetched).value();

    // Every claim is an attempt; a claim above 1 after a lost lease closes the lost one.
    if (step.attempt > 1) {
        StepAttempt lost { step.id, run.id, step.attempt - 1 };
        lost.status = AttemptStatus::Lost;
        lost.endedAt = now;
        lost.error = QStringLiteral("lease expired: the process running it stopped or lost the database");
        (void)db.recordAttemptEnd(lost);
    }
    StepAttempt started { step.id, run.id, step.attempt, options.ownerId, step.scheduledFor, step.startedAt };
    (void)db.recordAttemptStarts({ started });

    if (isTerminal(run.status)) {
        AttemptOutcome outcome { AttemptOutcome::Kind::Skipped };
        outcome.error = QStringLiteral("run is %1").arg(toString(run.status));
        (void)db.finishStep({ step.id, options.ownerId, step.attempt, StepStatus::Skipped, now, Json(), outcome.error });
        StepAttempt ended = started;
        ended.status = AttemptStatus::Skipped;
        ended.endedAt = now;
        ended.error = outcome.error;
        (void)db.recordAttemptEnd(ended);
        return;
    }
    if (run.status == RunStatus::Pending) {
        if (Result<WorkflowRun> moved = db.transitionRun(run.id, RunStatus::Running); moved) {
            run = std::move(moved).value();
            publishRun(run.id);
        }
    }

    Result<StepPlace> place = locate(run, step, nullptr);
    if (!place) {
        AttemptOutcome outcome { AttemptOutcome::Kind::Failed };
        outcome.error = place.error().message;
        // No place means no retry policy: fail for good.
        (void)db.finishStep({ step.id, options.ownerId, step.attempt, StepStatus::Failed, now, Json(), outcome.error });
        failUpwards(run, step, outcome.error);
        return;
    }
    const WorkflowStep &definition = *place->step;

    switch (definition.type) {
    case StepType::Delay: {
        AttemptOutcome outcome;
        if (run.isDryRun) {
            outcome.kind = AttemptOutcome::Kind::Skipped;
            outcome.error = QStringLiteral("dry run");
        } else {
            const qint64 lateMs = step.scheduledFor.isValid() ? std::max<qint64>(0, step.scheduledFor.msecsTo(now)) : 0;
            outcome.result = Json { { "delayMs", definition.delayMs.value_or(0) }, { "lateMs", lateMs } };
        }
        finishAttempt(step, run, *place, outcome);
        return;
    }
    case StepType::Parallel: {
        std::vector<WorkflowStepRun> children;
        for (size_t b = 0; b < definition.branches.size(); ++b) {
            if (!definition.branches[b].empty())
                children.push_back(newStepRow(run, definition.branches[b].front(), 0, step.id, int(b), now));
        }
        const Status spawned = db.transaction([&]() -> Status {
            if (Status parked = db.parkStep(step.id, options.ownerId, step.attempt); !parked)
                return parked;
            return db.insertStepRuns(children);
        });
        if (!spawned) {
            qCWarning(lcEngine).noquote() << "parallel step" << step.id << "could not start its branches:"
                                          << spawned.error().message;
            return; // the lease expires and the step is claimed again
        }
        StepAttempt ended = started;
        ended.status = AttemptStatus::Completed;
        ended.endedAt = now;
        (void)db.recordAttemptEnd(ended);
        step.leaseOwner.reset();
        publishStep(step);
        for (const WorkflowStepRun &child : children)
            publishStep(child);
        armWakeTimer();
        schedulePump();
        return;
    }
    case StepType::Action: {
        const Registry::Action *action = registry.action(definition.handlerName());
        AttemptOutcome skipped { AttemptOutcome::Kind::Skipped };
        if (run.isDryRun) {
            skipped.error = QStringLiteral("dry run");
            finishAttempt(step, run, *place, skipped);
            return;
        }
        if (run.isReplay && action && !action->options.replaySafe) {
            skipped.error = QStringLiteral("not replay-safe: skipped during replay");
            finishAttempt(step, run, *place, skipped);
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
        finishAttempt(step, run, *place, failed);
        return;
    }
    runHandler(std::move(step), std::move(run), *place, trigger.value());
}

void Engine::Private::runHandler(WorkflowStepRun step, WorkflowRun run, StepPlace place, TriggerEnvelope trigger)
{
    const WorkflowStep &definition = *place.step;
    const QString name = definition.handlerName();
    StepContext context;
    context.tenantId = run.tenantId;
    context.trigger = trigger;
    context.run = run;
    context.step = step;
    context.config = run.definitionSnapshot.config;
    context.isReplay = run.isReplay;
    context.services = this;
    const QString runId = run.id;
    const QString stepRunId = step.id;
    const QString tenantId = run.tenantId;
    context.logSink = [this, runId, stepRunId, tenantId](LogLevel level, const QString &message, const Json &data) {
        log(runId, stepRunId, tenantId, level, message, data);
    };

    Result<Json> rendered = renderTemplates(definition.config.is_null() ? Json::object() : definition.config,
                                            scopeFor(trigger, run));
    if (!rendered) {
        AttemptOutcome failed { AttemptOutcome::Kind::Failed };
        failed.error = rendered.error().message;
        finishAttempt(step, run, place, failed);
        return;
    }
    context.stepConfig = std::move(rendered).value();

    InFlight entry;
    entry.runId = run.id;
    entry.attempt = step.attempt;
    context.cancel = entry.cancel;
    const int attempt = step.attempt;
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
    m_pending.insert(stepRunId, PendingStep { step, run });

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

    Result<StepPlace> place = locate(pending.run, pending.step, nullptr);
    if (place)
        finishAttempt(pending.step, pending.run, place.value(), outcome);
    if (stopping && inflight.isEmpty())
        finishStop();
    else
        schedulePump();
}

void Engine::Private::finishAttempt(const WorkflowStepRun &step, const WorkflowRun &run, const StepPlace &place,
                                    const AttemptOutcome &outcome)
{
    const QDateTime now = nowUtc();
    const WorkflowStep &definition = *place.step;
    StepAttempt attempt { step.id, run.id, step.attempt, options.ownerId, step.scheduledFor, step.startedAt, now,
                          attemptStatusOf(outcome.kind) };
    if (!outcome.error.isEmpty() && outcome.kind != AttemptOutcome::Kind::Completed)
        attempt.error = outcome.error;

    if (outcome.kind == AttemptOutcome::Kind::Canceled) {
        // Cancelled by cancelRun or a failed sibling (the row is already skipped), by a lost
        // lease (the row is someone else's now), or by shutdown (release it at once so the
        // next process need not wait for the lease to expire).
        if (outcome.release)
            (void)db.finishStep({ step.id, options.ownerId, step.attempt, StepStatus::Scheduled, now, Json(),
                                  QStringLiteral("released at shutdown") });
        (void)db.recordAttemptEnd(attempt);
        return;
    }

    const bool failed = outcome.kind == AttemptOutcome::Kind::Failed || outcome.kind == AttemptOutcome::Kind::TimedOut;
    if (failed) {
        const RetryPolicy policy = definition.retryPolicy.value_or(RetryPolicy { 1, 1000 });
        const int attemptsThisRound = step.attempt - step.attemptFloor;
        if (attemptsThisRound < policy.maxAttempts) {
            const qint64 delay = retryDelayMs(policy, attemptsThisRound);
            const Status retried = db.finishStep({ step.id, options.ownerId, step.attempt, StepStatus::Scheduled,
                                                   now.addMSecs(delay), outcome.result, outcome.error });
            (void)db.recordAttemptEnd(attempt);
            if (!retried) {
                qCInfo(lcEngine).noquote() << "step" << step.id << "attempt" << step.attempt
                                           << "result dropped:" << retried.error().message;
                return;
            }
            log(run.id, step.id, run.tenantId, LogLevel::Warn,
                QStringLiteral("attempt %1 of %2 failed: %3; retrying in %4 ms")
                    .arg(attemptsThisRound)
                    .arg(policy.maxAttempts)
                    .arg(outcome.error)
                    .arg(delay),
                Json { { "event", "step_retrying" }, { "attempt", step.attempt }, { "retryInMs", delay } });
            WorkflowStepRun changed = step;
            changed.status = StepStatus::Scheduled;
            changed.scheduledFor = now.addMSecs(delay);
            changed.errorMessage = outcome.error;
            changed.leaseOwner.reset();
            publishStep(changed);
            armWakeTimer();
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

    std::vector<WorkflowStepRun> inserted;
    bool sequenceEnded = false;
    const Status committed = db.transaction([&]() -> Status {
        std::optional<QString> error;
        if (finalStatus != StepStatus::Completed)
            error = outcome.error;
        if (Status finished = db.finishStep({ step.id, options.ownerId, step.attempt, finalStatus, now, outcome.result, error });
            !finished)
            return finished;
        if (finalStatus == StepStatus::Completed && !outcome.contextData.is_null()) {
            if (Result<Json> merged = db.mergeRunContext(run.id, definition.name, outcome.contextData); !merged)
                return merged.error();
        }
        if (failed)
            return {};
        return advance(run, step, place, skipCount, endSequence, inserted, sequenceEnded);
    });
    (void)db.recordAttemptEnd(attempt);
    if (!committed) {
        if (committed.error().code == ErrorCode::Conflict)
            qCInfo(lcEngine).noquote() << "step" << step.id << "attempt" << step.attempt
                                       << "lost its lease; its result is dropped";
        else
            qCWarning(lcEngine).noquote() << "step" << step.id << "could not be recorded:" << committed.error().message;
        return; // the lease expires and the step runs again (at-least-once)
    }

    WorkflowStepRun finished = step;
    finished.status = finalStatus;
    finished.completedAt = now;
    finished.result = outcome.result;
    finished.leaseOwner.reset();
    if (finalStatus != StepStatus::Completed)
        finished.errorMessage = outcome.error;
    publishStep(finished);
    for (const WorkflowStepRun &row : inserted)
        publishStep(row);
    fireStepHook(run, finished);

    if (failed) {
        failUpwards(run, finished, outcome.error);
    } else if (sequenceEnded) {
        if (step.parentStepRunId)
            settleParallel(run.id, *step.parentStepRunId);
        else
            completeRun(run.id, RunStatus::Completed, QString());
    }
    if (!inserted.empty())
        armWakeTimer();
}

Status Engine::Private::advance(const WorkflowRun &run, const WorkflowStepRun &step, const StepPlace &place,
                                int skipCount, bool endSequence, std::vector<WorkflowStepRun> &inserted,
                                bool &sequenceEnded)
{
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
        inserted.push_back(skipped);
    }
    const bool topLevel = !step.parentStepRunId;
    if (next < size) {
        WorkflowStepRun row = newStepRow(run, sequence[size_t(next)], next, step.parentStepRunId, step.branchIndex, now);
        inserted.push_back(row);
    } else {
        sequenceEnded = true;
    }
    if (!inserted.empty()) {
        if (Status ok = db.insertStepRuns(inserted); !ok)
            return ok;
    }
    if (topLevel && next < size) {
        if (Status ok = db.updateRunProgress(run.id, RunPatch { next, std::nullopt, std::nullopt }); !ok)
            return ok;
    }
    // Pulse's waiting status: the run waits while its next top-level step is a delay.
    const bool waitsNow = topLevel && next < size && inserted.back().status == StepStatus::Scheduled;
    const bool wasWaiting = topLevel && place.step->type == StepType::Delay;
    if (waitsNow && !wasWaiting) {
        if (Result<WorkflowRun> moved = db.transitionRun(run.id, RunStatus::Waiting); !moved)
            return moved.error();
    } else if (wasWaiting && !waitsNow) {
        if (Result<WorkflowRun> moved = db.transitionRun(run.id, RunStatus::Running); !moved)
            return moved.error();
    }
    return {};
}

void Engine::Private::settleParallel(const QString &runId, const QString &parentStepRunId)
{
    Result<WorkflowRun> fetched = db.getRun(runId);
    Result<std::vector<WorkflowStepRun>> rows = db.getRunSteps(runId);
    if (!fetched || !rows)
        return; // the periodic sweep settles it later
    const WorkflowRun &run = fetched.value();
    const auto parent = std::find_if(rows->begin(), rows->end(),
                                     [&](const WorkflowStepRun &row) { return row.id == parentStepRunId; });
    if (parent == rows->end() || parent->status != StepStatus::Running || parent->leaseOwner)
        return;
    Result<StepPlace> place = locate(run, *parent, &rows.value());
    if (!place)
        return;
    const WorkflowStep &definition = *place->step;
    for (size_t b = 0; b < definition.branches.size(); ++b) {
        int lastIndex = -1;
        for (const WorkflowStepRun &row : rows.value()) {
            if (row.parentStepRunId != parentStepRunId || row.branchIndex != int(b))
                continue;
            if (row.status != StepStatus::Completed && row.status != StepStatus::Skipped)
                return; // still running, or failed (failUpwards handles that)
            lastIndex = std::max(lastIndex, row.stepIndex);
        }
        if (lastIndex < int(definition.branches[b].size()) - 1)
            return;
    }
    std::vector<WorkflowStepRun> inserted;
    bool sequenceEnded = false;
    bool won = false;
    const QDateTime now = nowUtc();
    const Status committed = db.transaction([&]() -> Status {
        Result<bool> settled = db.finishParkedStep(parentStepRunId, StepStatus::Completed, now,
                                                   Json { { "branches", definition.branches.size() } }, std::nullopt);
        if (!settled)
            return settled.error();
        won = settled.value();
        if (!won)
            return {}; // another branch's finisher settled it
        return advance(run, *parent, place.value(), 0, false, inserted, sequenceEnded);
    });
    if (!committed || !won)
        return;
    WorkflowStepRun finished = *parent;
    finished.status = StepStatus::Completed;
    finished.completedAt = now;
    publishStep(finished);
    for (const WorkflowStepRun &row : inserted)
        publishStep(row);
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
    for (const QString &id : stepRunIds) {
        auto it = inflight.find(id);
        if (it == inflight.end())
            continue;
        it->cancel.cancel(reason);
        AttemptOutcome canceled { AttemptOutcome::Kind::Canceled };
        canceled.error = reason;
        decide(id, it->attempt, canceled);
    }
}

void Engine::Private::renewLeases()
{
    const QDateTime expires = nowUtc().addMSecs(options.lease.count());
    const QStringList ids = inflight.keys();
    for (const QString &id : ids) {
        auto it = inflight.find(id);
        if (it == inflight.end() || it->decided)
            continue;
        Result<bool> renewed = db.renewLease(id, options.ownerId, it->attempt, expires);
        if (renewed && !renewed.value()) {
            // Someone else owns the step now (our lease expired while the database was
            // unreachable, or the run was cancelled): stop our handler.
            const QString reason = QStringLiteral("lease lost");
            it->cancel.cancel(reason);
            AttemptOutcome lost { AttemptOutcome::Kind::Canceled };
            lost.error = reason;
            decide(id, it->attempt, lost);
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
    Q_EMIT q->runChanged(moved.value());
    if (options.onRunComplete) {
        try {
            options.onRunComplete(RunCompleteEvent { moved.value(), status });
        } catch (...) {
            qCWarning(lcEngine) << "onRunComplete hook threw; ignored";
        }
    }
}

void Engine::Private::publishRun(const QString &runId)
{
    Result<WorkflowRun> run = db.getRun(runId);
    if (run)
        Q_EMIT q->runChanged(run.value());
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
