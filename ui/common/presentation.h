// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// How states and times look everywhere in the dashboard: one colour per agent state and
// run/step status, translated names, and "12 s ago" ages.

#include "model/agent.h"
#include "model/run.h"

#include <QColor>
#include <QString>

namespace vigil::ui {

QColor stateColor(AgentState state);
QColor runStatusColor(RunStatus status);
QColor stepStatusColor(StepStatus status);
QColor attemptStatusColor(AttemptStatus status);

QString stateName(AgentState state); // translated
QString runStatusName(RunStatus status);
QString stepStatusName(StepStatus status);

// "just now", "12 s ago", "4 min ago", "3 h ago", "2 d ago"; "never" for ms < 0.
QString formatAge(qint64 ageMs);
// "850 ms", "12.4 s", "3 min 05 s", "2 h 10 min".
QString formatDuration(qint64 ms);
// Local time, "2026-11-26 14:03:07" (with milliseconds when `precise`).
QString formatTime(const QDateTime &time, bool precise = false);

} // namespace vigil::ui
