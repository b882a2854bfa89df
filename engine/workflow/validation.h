// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Structural validation of a workflow definition. Each problem names the path of the
// offending field, e.g. `steps[2].branches[0][1].name: duplicate step name "notify"`, so
// the API can answer it verbatim and the editor can put it on the right node. Whether a
// handler is registered is the engine's check (it knows the registry), not this one's.

#include "model/workflow.h"

#include <vector>

namespace vigil {

struct ValidationProblem
{
    QString path;    // "steps[2].branches[0][1].name"; empty for the definition itself
    QString message; // "duplicate step name \"notify\""
    QString text() const { return path.isEmpty() ? message : path + QStringLiteral(": ") + message; }
};

inline constexpr qint64 kMaxDelayMs = qint64(30) * 24 * 60 * 60 * 1000;

// Every problem, in document order.
std::vector<ValidationProblem> validateDefinition(const WorkflowDefinition &definition);
// The first problem as an Invalid error, or ok.
Status checkDefinition(const WorkflowDefinition &definition);

} // namespace vigil
