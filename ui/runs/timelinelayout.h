// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Where each bar of the run timeline goes, computed apart from any painting so that it can
// be tested on recorded runs and timed on large ones. One bar per step attempt, plus
// "waiting" bars for the time a step spent due but not started (delays, retry back-offs).
// Every step has a lane of its own, labelled with its name, so a run whose steps took a
// millisecond each still reads step by step; a parallel step's branch steps are listed right
// under it, one level deeper. Retries and waits stay in their step's lane.

#include "model/run.h"

#include <vector>

namespace vigil::ui {

struct TimelineBar
{
    enum class Kind { Attempt, Waiting, Skipped };

    Kind kind = Kind::Attempt;
    QString stepRunId;
    int stepIndex = 0;
    int attempt = 0;     // 0 for waiting and skipped bars
    int lane = 0;
    qint64 startMs = 0;  // since TimelineLayout::originMs
    qint64 endMs = 0;
    bool open = false;   // still going: its end is `now`, or the planned wake-up
    AttemptStatus status = AttemptStatus::Running; // for Kind::Attempt
    QString label;
    QString tooltip;
};

struct TimelineLane
{
    QString label;
    int depth = 0; // nesting of parallel steps: 0 for the run's own sequence
};

struct TimelineLayout
{
    qint64 originMs = 0; // the run's creation, ms since the epoch
    qint64 spanMs = 0;   // from origin to the end of the last bar
    std::vector<TimelineBar> bars;
    std::vector<TimelineLane> lanes;
};

// Gaps shorter than this between a step being due and its start are scheduling noise, not
// waiting worth drawing.
inline constexpr qint64 kMinWaitingMs = 100;

TimelineLayout layoutTimeline(const WorkflowRun &run, const std::vector<WorkflowStepRun> &steps,
                              const std::vector<StepAttempt> &attempts, const QDateTime &now);

} // namespace vigil::ui
