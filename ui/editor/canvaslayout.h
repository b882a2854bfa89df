// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Where the canvas draws what: a pure function from a definition to node rectangles, edges
// and drop slots, so the geometry is tested without a scene. Steps run top to bottom; a
// parallel step is a header node with its branches side by side under it, inside a frame;
// a condition's onFalse skip is a dashed edge down the right-hand side to the step it jumps
// to (or to the end of its sequence).

#include "editor/steppath.h"

#include <QPointF>
#include <QRectF>
#include <QVector>

namespace vigil::ui {

struct LayoutMetrics
{
    qreal nodeWidth = 220;
    qreal nodeHeight = 56;
    qreal verticalGap = 36;   // between consecutive steps (the drop slot's height)
    qreal branchGap = 24;     // between branches side by side
    qreal framePadding = 14;  // a parallel step's frame around its branches
    qreal skipOffset = 18;    // how far right of the skipped steps a skip edge runs
    qreal margin = 24;
};

struct LayoutNode
{
    enum class Kind { Trigger, Step };
    Kind kind = Kind::Step;
    StepPath path;   // empty for the trigger node
    StepType type = StepType::Action;
    QRectF rect;
    QRectF frame;    // parallel steps: the header plus all branches; else == rect
};

struct LayoutEdge
{
    enum class Kind { Flow, SkipOnFalse };
    Kind kind = Kind::Flow;
    StepPath from;       // the step it leaves (empty: the trigger)
    std::optional<StepPath> to; // nullopt: the end of a sequence
    QVector<QPointF> points; // a polyline
};

// Dropping at `area` inserts at `insertAt`.
struct DropSlot
{
    StepPath insertAt;
    QRectF area;
};

struct CanvasLayout
{
    std::vector<LayoutNode> nodes; // trigger first, then document order
    std::vector<LayoutEdge> edges;
    std::vector<DropSlot> slots;
    QRectF bounds;

    const LayoutNode *node(const StepPath &path) const;
    // The insertion point for a drop at `position`: the slot under it, else the nearest one.
    std::optional<StepPath> insertionAt(const QPointF &position) const;
};

CanvasLayout layoutWorkflow(const WorkflowDefinition &definition, const LayoutMetrics &metrics = {});

} // namespace vigil::ui
