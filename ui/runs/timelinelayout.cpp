// SPDX-License-Identifier: GPL-3.0-or-later
#include "runs/timelinelayout.h"

#include "common/presentation.h"

#include <QCoreApplication>
#include <QHash>

#include <algorithm>

namespace vigil::ui {

namespace {

// A context of its own rather than a local tr() helper: lupdate files unqualified tr() calls
// under the enclosing class or namespace, so it would miss "vigil::ui::TimelineLayout".
struct TimelineText
{
    Q_DECLARE_TR_FUNCTIONS(vigil::ui::TimelineLayout)
};

AttemptStatus attemptStatusOf(StepStatus status)
{
    switch (status) {
    case StepStatus::Completed: return AttemptStatus::Completed;
    case StepStatus::Failed: return AttemptStatus::Failed;
    case StepStatus::Skipped: return AttemptStatus::Skipped;
    case StepStatus::Pending:
    case StepStatus::Scheduled:
    case StepStatus::Running: return AttemptStatus::Running;
    }
    return AttemptStatus::Running;
}

bool isFinished(StepStatus status)
{
    return status == StepStatus::Completed || status == StepStatus::Failed || status == StepStatus::Skipped;
}

} // namespace

TimelineLayout layoutTimeline(const WorkflowRun &run, const std::vector<WorkflowStepRun> &steps,
                              const std::vector<StepAttempt> &attempts, const QDateTime &now)
{
    TimelineLayout layout;
    QDateTime origin = run.createdAt;
    for (const WorkflowStepRun &step : steps) {
        if (step.createdAt.isValid() && (!origin.isValid() || step.createdAt < origin))
            origin = step.createdAt;
    }
    if (!origin.isValid())
        origin = now;
    layout.originMs = origin.toMSecsSinceEpoch();
    const qint64 nowMs = now.toMSecsSinceEpoch() - layout.originMs;
    const auto at = [&](const QDateTime &time) { return time.toMSecsSinceEpoch() - layout.originMs; };

    QHash<QString, std::vector<const StepAttempt *>> attemptsByStep;
    attemptsByStep.reserve(qsizetype(steps.size()));
    for (const StepAttempt &attempt : attempts)
        attemptsByStep[attempt.stepRunId].push_back(&attempt);

    // Lanes: one per step, in the order the run went through them; the steps of a parallel
    // step's branches come right under it, branch by branch, indented one level deeper.
    QHash<QString, const WorkflowStepRun *> stepById;
    stepById.reserve(qsizetype(steps.size()));
    for (const WorkflowStepRun &step : steps)
        stepById.insert(step.id, &step);
    QHash<QString, std::vector<const WorkflowStepRun *>> childrenOf;
    std::vector<const WorkflowStepRun *> roots;
    for (const WorkflowStepRun &step : steps) {
        if (step.parentStepRunId && stepById.contains(*step.parentStepRunId))
            childrenOf[*step.parentStepRunId].push_back(&step);
        else
            roots.push_back(&step);
    }
    QHash<QString, int> stepLane; // step run id -> lane
    stepLane.reserve(qsizetype(steps.size()));
    layout.lanes.reserve(steps.size());
    // Depth-first with an explicit stack: nesting comes from the workflow, not from us.
    std::vector<std::pair<const WorkflowStepRun *, int>> stack; // step, depth
    for (auto it = roots.rbegin(); it != roots.rend(); ++it)
        stack.emplace_back(*it, 0);
    while (!stack.empty()) {
        const auto [step, depth] = stack.back();
        stack.pop_back();
        stepLane.insert(step->id, int(layout.lanes.size()));
        const QString label = step->parentStepRunId && step->branchIndex
            ? TimelineText::tr("%1 · branch %2").arg(step->stepName).arg(*step->branchIndex + 1)
            : step->stepName;
        layout.lanes.push_back(TimelineLane { label, depth });
        auto children = childrenOf.find(step->id);
        if (children == childrenOf.end())
            continue;
        std::vector<const WorkflowStepRun *> &kids = *children;
        std::stable_sort(kids.begin(), kids.end(), [](const WorkflowStepRun *a, const WorkflowStepRun *b) {
            return a->branchIndex.value_or(0) < b->branchIndex.value_or(0);
        });
        for (auto kid = kids.rbegin(); kid != kids.rend(); ++kid)
            stack.emplace_back(*kid, depth + 1);
    }

    const bool runEnded = isTerminal(run.status);
    layout.bars.reserve(steps.size() + attempts.size());
    for (const WorkflowStepRun &step : steps) {
        const int lane = stepLane.value(step.id);
        std::vector<const StepAttempt *> own = attemptsByStep.value(step.id);
        std::sort(own.begin(), own.end(), [](const StepAttempt *a, const StepAttempt *b) { return a->attempt < b->attempt; });
        // Rows written before attempts were recorded still show as one bar.
        StepAttempt synthesized;
        if (own.empty() && step.startedAt.isValid()) {
            synthesized.stepRunId = step.id;
            synthesized.attempt = std::max(1, step.attempt);
            synthesized.startedAt = step.startedAt;
            synthesized.endedAt = step.completedAt;
            synthesized.status = attemptStatusOf(step.status);
            synthesized.error = step.errorMessage;
            own.push_back(&synthesized);
        }

        const auto addWaiting = [&](qint64 from, qint64 to, bool open, const QString &why) {
            TimelineBar bar;
            bar.kind = TimelineBar::Kind::Waiting;
            bar.stepRunId = step.id;
            bar.stepIndex = step.stepIndex;
            bar.lane = lane;
            bar.startMs = from;
            bar.endMs = std::max(from, to);
            bar.open = open;
            bar.label = TimelineText::tr("waiting");
            bar.tooltip = TimelineText::tr("%1 — waiting\n%2\nWaited: %3")
                              .arg(step.stepName, why, formatDuration(bar.endMs - from));
            layout.bars.push_back(std::move(bar));
        };

        qint64 previousEnd = step.createdAt.isValid() ? at(step.createdAt) : -1;
        bool running = false;
        for (size_t i = 0; i < own.size(); ++i) {
            const StepAttempt &attempt = *own[i];
            if (!attempt.startedAt.isValid())
                continue;
            const qint64 start = at(attempt.startedAt);
            if (previousEnd >= 0 && start - previousEnd >= kMinWaitingMs) {
                const QString why = i == 0
                    ? (step.stepType == StepType::Delay ? TimelineText::tr("Delay")
                                                        : TimelineText::tr("Due, not yet started"))
                    : TimelineText::tr("Retry back-off before attempt %1").arg(attempt.attempt);
                addWaiting(previousEnd, start, false, why);
            }

            TimelineBar bar;
            bar.kind = TimelineBar::Kind::Attempt;
            bar.stepRunId = step.id;
            bar.stepIndex = step.stepIndex;
            bar.attempt = attempt.attempt;
            bar.lane = lane;
            bar.startMs = start;
            bar.status = attempt.status;
            const bool last = i + 1 == own.size();
            std::optional<QString> error = attempt.error;
            if (attempt.endedAt.isValid()) {
                bar.endMs = at(attempt.endedAt);
                // A parallel step's attempt ends when it parks; the step lasts as long as
                // its branches.
                if (last && step.stepType == StepType::Parallel && step.completedAt.isValid())
                    bar.endMs = std::max(bar.endMs, at(step.completedAt));
            } else if (last && isFinished(step.status) && step.completedAt.isValid()) {
                // A parked parallel step ends with its branches, not with its attempt.
                bar.endMs = at(step.completedAt);
                bar.status = attemptStatusOf(step.status);
                if (!error)
                    error = step.errorMessage;
            } else if (runEnded) {
                bar.endMs = start; // abandoned by a canceled run
                bar.status = AttemptStatus::Canceled;
            } else {
                bar.endMs = std::max(start, nowMs);
                bar.open = true;
                running = true;
            }
            bar.endMs = std::max(bar.startMs, bar.endMs);
            bar.label = attempt.attempt > 1
                ? TimelineText::tr("%1 #%2").arg(step.stepName).arg(attempt.attempt)
                : step.stepName;
            QStringList tip;
            tip << TimelineText::tr("%1 (%2)").arg(step.stepName, toString(step.stepType));
            tip << TimelineText::tr("Attempt %1: %2").arg(attempt.attempt).arg(toString(bar.status));
            tip << TimelineText::tr("Started: %1").arg(formatTime(attempt.startedAt, true));
            if (!bar.open)
                tip << TimelineText::tr("Ended: %1")
                           .arg(
                               formatTime(QDateTime::fromMSecsSinceEpoch(bar.endMs + layout.originMs), true));
            tip << TimelineText::tr("Duration: %1").arg(formatDuration(bar.endMs - bar.startMs));
            if (attempt.scheduledFor.isValid() && attempt.startedAt > attempt.scheduledFor)
                tip << TimelineText::tr("Late by: %1")
                           .arg(formatDuration(attempt.scheduledFor.msecsTo(attempt.startedAt)));
            if (error && !error->isEmpty())
                tip << TimelineText::tr("Error: %1").arg(*error);
            bar.tooltip = tip.join(QLatin1Char('\n'));
            previousEnd = bar.endMs;
            layout.bars.push_back(std::move(bar));
        }

        if (own.empty() && step.status == StepStatus::Skipped) {
            TimelineBar bar;
            bar.kind = TimelineBar::Kind::Skipped;
            bar.stepRunId = step.id;
            bar.stepIndex = step.stepIndex;
            bar.lane = lane;
            bar.startMs = at(step.completedAt.isValid() ? step.completedAt : step.createdAt);
            bar.endMs = bar.startMs;
            bar.status = AttemptStatus::Skipped;
            bar.label = step.stepName;
            bar.tooltip = TimelineText::tr("%1 — skipped").arg(step.stepName);
            if (step.errorMessage && !step.errorMessage->isEmpty())
                bar.tooltip += QLatin1Char('\n') + *step.errorMessage;
            layout.bars.push_back(std::move(bar));
        } else if (!running && !runEnded && (step.status == StepStatus::Pending || step.status == StepStatus::Scheduled)
                   && previousEnd >= 0) {
            // Still waiting: up to now, or to its planned wake-up when that is later.
            qint64 end = nowMs;
            if (step.scheduledFor.isValid())
                end = std::max(end, at(step.scheduledFor));
            addWaiting(previousEnd, end, true,
                step.scheduledFor.isValid() ? TimelineText::tr("Due at %1").arg(formatTime(step.scheduledFor))
                                            : TimelineText::tr("Pending"));
        }
    }

    for (const TimelineBar &bar : layout.bars)
        layout.spanMs = std::max(layout.spanMs, bar.endMs);
    return layout;
}

} // namespace vigil::ui
