// SPDX-License-Identifier: GPL-3.0-or-later
// A run's timeline, assembled from its rows: Pulse's entry types, plus one entry per
// attempt (started, retrying, failed) and the lateness of each start.

#include "engine_p.h"

#include "core/isotime.h"

#include <algorithm>

namespace vigil {

std::vector<RunTimelineEntry> buildTimeline(const WorkflowRun &run, const std::vector<WorkflowStepRun> &steps,
                                            const std::vector<StepAttempt> &attempts,
                                            const std::vector<ExecutionLog> &logs)
{
    std::vector<RunTimelineEntry> entries;
    QHash<QString, const WorkflowStepRun *> stepById; // for log entries
    for (const WorkflowStepRun &step : steps)
        stepById.insert(step.id, &step);

    auto forStep = [](const WorkflowStepRun &step, QDateTime at, TimelineType type, Json detail) {
        RunTimelineEntry entry { std::move(at), type, step.stepIndex, step.stepName, toString(step.stepType), std::move(detail) };
        if (step.branchIndex) {
            if (entry.detail.is_null())
                entry.detail = Json::object();
            entry.detail["branchIndex"] = *step.branchIndex;
            entry.detail["parentStepRunId"] = toStd(step.parentStepRunId.value_or(QString()));
        }
        if (!entry.detail.is_null())
            entry.detail["stepRunId"] = toStd(step.id);
        else
            entry.detail = Json { { "stepRunId", toStd(step.id) } };
        return entry;
    };

    entries.push_back({ run.createdAt, TimelineType::RunCreated, std::nullopt, std::nullopt, std::nullopt,
                        Json { { "triggerId", toStd(run.triggerId) }, { "isReplay", run.isReplay }, { "isDryRun", run.isDryRun } } });
    QHash<QString, std::vector<const StepAttempt *>> attemptsByStep;
    for (const StepAttempt &attempt : attempts)
        attemptsByStep[attempt.stepRunId].push_back(&attempt);

    // Per step: scheduled, its attempts, then how it ended, so entries that share a
    // millisecond still read in causal order after the stable sort below.
    for (const WorkflowStepRun &step : steps) {
        Json scheduled = Json::object();
        putTime(scheduled, "scheduledFor", step.scheduledFor);
        entries.push_back(forStep(step, step.createdAt, TimelineType::StepScheduled, scheduled));
        for (const StepAttempt *attempt : attemptsByStep.value(step.id)) {
            Json detail { { "attempt", attempt->attempt }, { "owner", toStd(attempt->owner) } };
            if (attempt->scheduledFor.isValid() && attempt->startedAt.isValid())
                detail["lateMs"] = std::max<qint64>(0, attempt->scheduledFor.msecsTo(attempt->startedAt));
            if (attempt->startedAt.isValid())
                entries.push_back(forStep(step, attempt->startedAt, TimelineType::StepStarted, detail));
            const bool unsuccessful = attempt->status == AttemptStatus::Failed
                || attempt->status == AttemptStatus::TimedOut || attempt->status == AttemptStatus::Lost;
            // The last failed attempt of a failed step is the step_failed entry itself.
            const bool isFinalFailure = step.status == StepStatus::Failed && attempt->attempt == step.attempt;
            if (unsuccessful && !isFinalFailure && attempt->endedAt.isValid()) {
                Json retry { { "attempt", attempt->attempt }, { "status", toStd(toString(attempt->status)) },
                             { "error", toStd(attempt->error.value_or(QString())) } };
                entries.push_back(forStep(step, attempt->endedAt, TimelineType::StepRetrying, retry));
            }
        }
        if (step.status == StepStatus::Skipped && step.completedAt.isValid())
            entries.push_back(forStep(step, step.completedAt, TimelineType::StepSkipped,
                                      Json { { "reason", toStd(step.errorMessage.value_or(QString())) } }));
        if (step.status == StepStatus::Completed && step.completedAt.isValid()) {
            Json done = Json::object();
            if (!step.result.is_null())
                done["result"] = step.result;
            entries.push_back(forStep(step, step.completedAt, TimelineType::StepCompleted, done));
        }
        if (step.status == StepStatus::Failed && step.completedAt.isValid())
            entries.push_back(forStep(step, step.completedAt, TimelineType::StepFailed,
                                      Json { { "error", toStd(step.errorMessage.value_or(QString())) } }));
    }
    for (const ExecutionLog &log : logs) {
        RunTimelineEntry entry { log.createdAt, TimelineType::Log, std::nullopt, std::nullopt, std::nullopt,
                                 Json { { "level", toStd(toString(log.level)) }, { "message", toStd(log.message) } } };
        if (!log.data.is_null())
            entry.detail["data"] = log.data;
        if (log.data.is_object() && log.data.value("event", std::string()) == "run_retried")
            entry.type = TimelineType::RunRetried;
        if (log.stepRunId) {
            if (const WorkflowStepRun *step = stepById.value(*log.stepRunId)) {
                entry.stepIndex = step->stepIndex;
                entry.stepName = step->stepName;
                entry.stepType = toString(step->stepType);
            }
        }
        entries.push_back(std::move(entry));
    }
    if (run.completedAt.isValid())
        entries.push_back({ run.completedAt, TimelineType::RunCompleted });
    if (run.failedAt.isValid() && run.status == RunStatus::Failed)
        entries.push_back({ run.failedAt, TimelineType::RunFailed });
    if (run.canceledAt.isValid())
        entries.push_back({ run.canceledAt, TimelineType::RunCanceled, std::nullopt, std::nullopt, std::nullopt,
                            run.cancelReason ? Json { { "reason", toStd(*run.cancelReason) } } : Json() });
    // Chronological; for equal times keep the causal order in which they were added.
    std::stable_sort(entries.begin(), entries.end(),
                     [](const RunTimelineEntry &a, const RunTimelineEntry &b) { return a.timestamp < b.timestamp; });
    return entries;
}

} // namespace vigil
