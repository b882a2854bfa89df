// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Where a step sits in a definition, spelled as validation.h spells it:
// "steps[2].branches[0][1]" is the second step of the first branch of the third step. The
// editor addresses every node with one, so a validation problem's path lands on its node.

#include "model/workflow.h"

#include <optional>
#include <vector>

namespace vigil::ui {

struct StepPath
{
    // step, then (branch, step) pairs: an odd count for a step. An even count (the empty
    // one included) names a sequence: the root steps, or one branch of a parallel step.
    std::vector<int> indices;

    bool isStep() const { return indices.size() % 2 == 1; }
    int index() const { return indices.back(); }
    int depth() const { return int(indices.size() / 2); } // 0 for top-level steps
    StepPath sequence() const;                            // the sequence holding this step
    StepPath withIndex(int index) const;                  // a sibling position
    StepPath child(int branch, int index) const;          // a step inside a parallel step's branch
    StepPath parentStep() const;                          // the parallel step holding this one's branch
    QString toString() const;                             // "steps[2].branches[0][1]"

    // The longest step path at the start of `text` ("steps[1].branches[0][0].name" gives
    // steps[1].branches[0][0]; "steps[1].branches[2]" gives steps[1]); nullopt if none.
    static std::optional<StepPath> fromProblemPath(QStringView text);
    static StepPath top(int index) { return StepPath { { index } }; }

    friend bool operator==(const StepPath &, const StepPath &) = default;
    friend auto operator<=>(const StepPath &, const StepPath &) = default;
};

// Navigation; null when the path does not exist in the definition.
const std::vector<WorkflowStep> *sequenceAt(const WorkflowDefinition &definition, const StepPath &sequence);
std::vector<WorkflowStep> *sequenceAt(WorkflowDefinition &definition, const StepPath &sequence);
const WorkflowStep *stepAt(const WorkflowDefinition &definition, const StepPath &path);
WorkflowStep *stepAt(WorkflowDefinition &definition, const StepPath &path);

// `target` as it reads once the step at `removed` is gone (a later sibling, or anything
// inside one, moves up by one). nullopt when `target` lies inside the removed step.
std::optional<StepPath> pathAfterRemoval(const StepPath &target, const StepPath &removed);

} // namespace vigil::ui
