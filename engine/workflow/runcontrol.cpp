// SPDX-License-Identifier: GPL-3.0-or-later
// Operator control of runs: cancel, retry from the failed step, replay a stored signal.

#include "engine_p.h"

#include "core/ids.h"
#include "core/isotime.h"
#include "core/logging.h"

namespace vigil {

namespace {
const QString kSiblingCanceled = QStringLiteral("canceled: branch ");

bool isUnfinished(StepStatus status)
{
    return status == StepStatus::Pending || status == StepStatus::Scheduled || status == StepStatus::Running;
}
} // namespace

Result<WorkflowRun> Engine::cancelRun(const QString &runId, const QString &reason)
{
    Result<WorkflowRun> run = d->db.getRun(runId);
    if (!run)
        return run.error();
    if (isTerminal(run->status))
        return makeError(ErrorCode::Conflict, QStringLiteral("run %1 is %2: only pending, running or waiting runs can be canceled")
                                                  .arg(runId, toString(run->status)));
    Result<std::vector<WorkflowStepRun>> steps = d->db.getRunSteps(runId);
    if (!steps)
        return steps.error();
    std::vector<QString> unfinished;
    for (const WorkflowStepRun &step : steps.value()) {
        if (isUnfinished(step.status))
            unfinished.push_back(step.id);
    }
    const QString why = reason.isEmpty() ? QStringLiteral("canceled") : QStringLiteral("canceled: %1").arg(reason);
    Result<WorkflowRun> canceled = makeError(ErrorCode::Internal, QString());
    std::vector<QString> wereRunning;
    const Status committed = d->db.transaction([&]() -> Status {
        RunPatch patch;
        if (!reason.isEmpty())
            patch.cancelReason = reason;
        canceled = d->db.transitionRun(runId, RunStatus::Canceled, patch);
        if (!canceled)
            return canceled.error();
        Result<std::vector<QString>> running = d->db.skipSteps(unfinished, why, nowUtc());
        if (!running)
            return running.error();
        wereRunning = std::move(running).value();
        return {};
    });
    if (!committed)
        return committed.error();
    d->cancelLocal(wereRunning, why);
    d->log(runId, std::nullopt, canceled->tenantId, LogLevel::Info, QStringLiteral("run canceled%1")
                                                                        .arg(reason.isEmpty() ? QString() : QStringLiteral(": ") + reason));
    Q_EMIT runChanged(canceled.value());
    if (d->options.onRunComplete) {
        try {
            d->options.onRunComplete(RunCompleteEvent { canceled.value(), RunStatus::Canceled });
        } catch (...) {
            qCWarning(lcEngine) << "onRunComplete hook threw; ignored";
        }
    }
    return canceled;
}

Result<WorkflowRun> Engine::retryRun(const QString &runId)
{
    Result<WorkflowRun> run = d->db.getRun(runId);
    if (!run)
        return run.error();
    if (run->status != RunStatus::Failed)
        return makeError(ErrorCode::Conflict, QStringLiteral("run %1 is %2: only failed runs can be retried")
                                                  .arg(runId, toString(run->status)));
    Result<std::vector<WorkflowStepRun>> steps = d->db.getRunSteps(runId);
    if (!steps)
        return steps.error();
    // Only what failed runs again: the failed steps, the parallel steps they failed, and
    // the siblings that were cancelled because of them. Completed steps keep their results.
    QStringList resumed;
    Result<WorkflowRun> retried = makeError(ErrorCode::Internal, QString());
    const QDateTime now = nowUtc();
    const Status committed = d->db.transaction([&]() -> Status {
        retried = d->db.transitionRun(runId, RunStatus::Running);
        if (!retried)
            return retried.error();
        for (const WorkflowStepRun &step : steps.value()) {
            Status ok;
            if (step.status == StepStatus::Failed && step.stepType == StepType::Parallel)
                ok = d->db.reopenParkedStep(step.id);
            else if (step.status == StepStatus::Failed
                     || (step.status == StepStatus::Skipped && step.errorMessage
                         && step.errorMessage->startsWith(kSiblingCanceled)))
                ok = d->db.rescheduleStep(step.id, now);
            else
                continue;
            if (!ok)
                return ok;
            resumed << step.stepName;
        }
        if (resumed.isEmpty())
            return makeError(ErrorCode::Conflict, QStringLiteral("run %1 has no failed step to retry").arg(runId));
        return {};
    });
    if (!committed)
        return committed.error();
    Json names = Json::array();
    for (const QString &name : resumed)
        names.push_back(toStd(name));
    d->log(runId, std::nullopt, retried->tenantId, LogLevel::Info,
           QStringLiteral("run retried from %1").arg(resumed.join(QStringLiteral(", "))),
           Json { { "event", "run_retried" }, { "steps", names } });
    Q_EMIT runChanged(retried.value());
    d->schedulePump();
    return retried;
}

Result<std::vector<QString>> Engine::replay(const QString &triggerId, ReplayOptions options)
{
    Result<TriggerEnvelope> trigger = d->db.getSignal(triggerId);
    if (!trigger)
        return trigger.error();
    std::vector<WorkflowRun> runs;
    const Status committed = d->db.transaction([&]() -> Status {
        Result<std::vector<WorkflowRun>> started = d->startRuns(trigger.value(), true, options.dryRun);
        if (!started)
            return started.error();
        runs = std::move(started).value();
        return {};
    });
    if (!committed)
        return committed.error();
    std::vector<QString> runIds;
    for (const WorkflowRun &run : runs) {
        runIds.push_back(run.id);
        Q_EMIT runChanged(run);
    }
    d->schedulePump();
    return runIds;
}

Result<QString> Engine::testRun(const QString &definitionId, const TriggerInput &input)
{
    if (Status ok = d->checkInput(input); !ok)
        return ok.error();
    Result<WorkflowDefinition> definition = d->db.getDefinition(definitionId);
    if (!definition)
        return definition.error();
    if (definition->steps.empty())
        return makeError(ErrorCode::Invalid, QStringLiteral("workflow %1 has no steps").arg(definitionId));
    const QDateTime now = nowUtc();
    TriggerEnvelope envelope;
    static_cast<TriggerInput &>(envelope) = input;
    if (envelope.payload.is_null())
        envelope.payload = Json::object();
    envelope.createdAt = now;
    envelope.id = newId(IdPrefix::Trigger, now);
    std::vector<NewRun> planned { d->planRun(definition.value(), envelope, false, true, now) };
    std::vector<WorkflowRun> started;
    // The signal and its one run commit together, as an emit's do.
    const Status committed = d->db.transaction([&]() -> Status {
        if (Status stored = d->db.insertSignals({ envelope }); !stored)
            return stored;
        if (Status created = d->db.createRuns(planned); !created)
            return created;
        started = d->adoptRuns(planned);
        return {};
    });
    if (!committed) {
        for (const WorkflowRun &run : started)
            d->snapshots.remove(run.id);
        return committed.error();
    }
    d->triggerCache.insert(envelope.id, envelope);
    Q_EMIT signalEmitted(envelope);
    for (const WorkflowRun &run : started)
        Q_EMIT runChanged(run);
    d->schedulePump();
    return started.front().id;
}

} // namespace vigil
