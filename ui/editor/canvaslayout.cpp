// SPDX-License-Identifier: GPL-3.0-or-later
#include "canvaslayout.h"

#include <QLineF>

namespace vigil::ui {

namespace {

class Layouter
{
public:
    Layouter(const LayoutMetrics &metrics, CanvasLayout &out)
        : m(metrics)
        , out(out)
    {
    }

    qreal widthOf(const std::vector<WorkflowStep> &steps) const
    {
        qreal width = m.nodeWidth;
        for (const WorkflowStep &step : steps)
            width = std::max(width, widthOf(step));
        return width;
    }

    qreal widthOf(const WorkflowStep &step) const
    {
        if (step.type != StepType::Parallel || step.branches.empty())
            return m.nodeWidth;
        qreal width = 0;
        for (const auto &branch : step.branches)
            width += widthOf(branch);
        width += m.branchGap * qreal(step.branches.size() - 1) + 2 * m.framePadding;
        return std::max(width, m.nodeWidth + 2 * m.framePadding);
    }

    // Lays out a sequence in the column [left, left + width) from `top`; answers its bottom.
    // `entry` is where the edge into the first step starts (null point: none).
    qreal sequence(const std::vector<WorkflowStep> &steps, const StepPath &address, qreal left, qreal width, qreal top,
                   const StepPath &entryFrom, std::optional<QPointF> entry)
    {
        const qreal centerX = left + width / 2;
        qreal y = top;
        std::vector<size_t> placed; // node indices of this sequence's steps
        std::optional<QPointF> previousExit = entry;
        StepPath previousPath = entryFrom;
        for (size_t i = 0; i < steps.size(); ++i) {
            StepPath path = address;
            path.indices.push_back(int(i));
            addSlot(path, left, width, y - m.verticalGap, y);
            const size_t index = step(steps[i], path, centerX, y);
            placed.push_back(index);
            const LayoutNode &node = out.nodes[index];
            if (previousExit)
                addFlow(previousPath, path, { *previousExit, QPointF(centerX, node.rect.top()) });
            previousExit = QPointF(centerX, node.frame.bottom());
            previousPath = path;
            y = node.frame.bottom() + m.verticalGap;
        }
        StepPath end = address;
        end.indices.push_back(int(steps.size()));
        addSlot(end, left, width, y - m.verticalGap, y);
        const qreal bottom = steps.empty() ? top : y - m.verticalGap;
        skips(steps, placed, left + width, bottom);
        return bottom;
    }

private:
    const LayoutMetrics &m;
    CanvasLayout &out;

    size_t step(const WorkflowStep &step, const StepPath &path, qreal centerX, qreal top)
    {
        LayoutNode node;
        node.path = path;
        node.type = step.type;
        const qreal width = widthOf(step);
        node.rect = QRectF(centerX - m.nodeWidth / 2, top, m.nodeWidth, m.nodeHeight);
        node.frame = node.rect;
        const size_t index = out.nodes.size();
        out.nodes.push_back(node);
        if (step.type == StepType::Parallel && !step.branches.empty()) {
            const qreal frameLeft = centerX - width / 2;
            qreal x = frameLeft + m.framePadding;
            qreal bottom = node.rect.bottom();
            const QPointF fork(centerX, node.rect.bottom());
            std::vector<QPointF> exits;
            for (size_t b = 0; b < step.branches.size(); ++b) {
                const qreal branchWidth = widthOf(step.branches[b]);
                StepPath address = path;
                address.indices.push_back(int(b));
                const qreal branchTop = node.rect.bottom() + m.verticalGap;
                const qreal branchBottom = sequence(step.branches[b], address, x, branchWidth, branchTop, path, fork);
                bottom = std::max(bottom, branchBottom);
                exits.push_back(QPointF(x + branchWidth / 2, branchBottom));
                x += branchWidth + m.branchGap;
            }
            const qreal frameBottom = bottom + m.verticalGap / 2;
            // The branches join at the frame's bottom edge.
            for (size_t b = 0; b < exits.size(); ++b) {
                const auto &branch = step.branches[b];
                if (branch.empty())
                    continue;
                LayoutEdge join;
                join.from = path.child(int(b), int(branch.size()) - 1);
                join.points = { exits[b], QPointF(exits[b].x(), frameBottom), QPointF(centerX, frameBottom) };
                out.edges.push_back(join);
            }
            out.nodes[index].frame = QRectF(frameLeft, top, width, frameBottom - top);
        }
        out.bounds = out.bounds.united(out.nodes[index].frame);
        return index;
    }

    void addFlow(const StepPath &from, const StepPath &to, QVector<QPointF> points)
    {
        LayoutEdge edge;
        edge.from = from;
        edge.to = to;
        edge.points = std::move(points);
        out.edges.push_back(std::move(edge));
    }

    void addSlot(const StepPath &at, qreal left, qreal width, qreal top, qreal bottom)
    {
        out.slots.push_back({ at, QRectF(left, top, width, bottom - top) });
    }

    // onFalse skips: from the condition's right side, down a lane right of the column, into
    // the right side of the step it resumes at (or the sequence's end).
    void skips(const std::vector<WorkflowStep> &steps, const std::vector<size_t> &placed,
               qreal columnRight, qreal bottom)
    {
        int lane = 0;
        for (size_t i = 0; i < steps.size(); ++i) {
            const WorkflowStep &step = steps[i];
            if (step.type != StepType::Condition || !step.onFalse || step.onFalse->kind == OnFalse::Kind::Complete)
                continue;
            const int skip = std::max(1, step.onFalse->skipCount());
            const LayoutNode &from = out.nodes[placed[i]];
            LayoutEdge edge;
            edge.kind = LayoutEdge::Kind::SkipOnFalse;
            edge.from = from.path;
            qreal laneRight = columnRight;
            for (size_t k = i + 1; k < std::min(steps.size(), i + 1 + size_t(skip)); ++k)
                laneRight = std::max(laneRight, out.nodes[placed[k]].frame.right());
            const qreal x = std::max(laneRight, from.rect.right()) + m.skipOffset * (1 + lane++);
            QPointF end;
            const size_t target = i + 1 + size_t(skip);
            if (target < steps.size()) {
                const LayoutNode &to = out.nodes[placed[target]];
                edge.to = to.path;
                end = QPointF(to.rect.right(), to.rect.center().y());
            } else {
                end = QPointF(from.rect.center().x(), bottom + m.verticalGap / 2);
            }
            const QPointF start(from.rect.right(), from.rect.center().y());
            edge.points = { start, QPointF(x, start.y()), QPointF(x, end.y()), end };
            out.bounds = out.bounds.united(QRectF(start, QPointF(x, end.y())).normalized());
            out.edges.push_back(std::move(edge));
        }
    }
};

} // namespace

const LayoutNode *CanvasLayout::node(const StepPath &path) const
{
    for (const LayoutNode &candidate : nodes) {
        if (candidate.kind == LayoutNode::Kind::Step && candidate.path == path)
            return &candidate;
    }
    return nullptr;
}

std::optional<StepPath> CanvasLayout::insertionAt(const QPointF &position) const
{
    // Innermost first: a branch's slot lies inside its parallel step's frame, and nested
    // slots are narrower, so the smallest area containing the point wins.
    const DropSlot *best = nullptr;
    for (const DropSlot &slot : slots) {
        if (slot.area.contains(position) && (!best || slot.area.width() < best->area.width()))
            best = &slot;
    }
    if (best)
        return best->insertAt;
    qreal bestDistance = 0;
    for (const DropSlot &slot : slots) {
        const qreal distance = QLineF(slot.area.center(), position).length();
        if (!best || distance < bestDistance) {
            best = &slot;
            bestDistance = distance;
        }
    }
    return best ? std::optional<StepPath>(best->insertAt) : std::nullopt;
}

CanvasLayout layoutWorkflow(const WorkflowDefinition &definition, const LayoutMetrics &metrics)
{
    CanvasLayout out;
    Layouter layouter(metrics, out);
    const qreal width = layouter.widthOf(definition.steps);
    LayoutNode trigger;
    trigger.kind = LayoutNode::Kind::Trigger;
    trigger.rect = QRectF(metrics.margin + width / 2 - metrics.nodeWidth / 2, metrics.margin, metrics.nodeWidth,
                          metrics.nodeHeight);
    trigger.frame = trigger.rect;
    out.nodes.push_back(trigger);
    out.bounds = trigger.rect;
    const qreal top = trigger.rect.bottom() + metrics.verticalGap;
    layouter.sequence(definition.steps, StepPath(), metrics.margin, width, top, StepPath(),
                      QPointF(trigger.rect.center().x(), trigger.rect.bottom()));
    for (const DropSlot &slot : out.slots)
        out.bounds = out.bounds.united(slot.area);
    out.bounds.adjust(-metrics.margin, -metrics.margin, metrics.margin, metrics.margin);
    return out;
}

} // namespace vigil::ui
