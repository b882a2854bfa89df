// SPDX-License-Identifier: GPL-3.0-or-later
#include "steppath.h"

namespace vigil::ui {

StepPath StepPath::sequence() const
{
    StepPath out = *this;
    if (!out.indices.empty())
        out.indices.pop_back();
    return out;
}

StepPath StepPath::withIndex(int index) const
{
    StepPath out = *this;
    out.indices.back() = index;
    return out;
}

StepPath StepPath::child(int branch, int index) const
{
    StepPath out = *this;
    out.indices.push_back(branch);
    out.indices.push_back(index);
    return out;
}

StepPath StepPath::parentStep() const
{
    StepPath out = *this;
    out.indices.resize(indices.size() >= 3 ? indices.size() - 2 : 0);
    return out;
}

QString StepPath::toString() const
{
    if (indices.empty())
        return QStringLiteral("steps");
    QString text = QStringLiteral("steps[%1]").arg(indices.front());
    for (size_t i = 1; i + 1 < indices.size(); i += 2)
        text += QStringLiteral(".branches[%1][%2]").arg(indices[i]).arg(indices[i + 1]);
    if (indices.size() % 2 == 0)
        text += QStringLiteral(".branches[%1]").arg(indices.back());
    return text;
}

namespace {

// Reads "[n]" at `pos`; -1 when there is none.
int readIndex(QStringView text, qsizetype &pos)
{
    if (pos >= text.size() || text[pos] != QLatin1Char('['))
        return -1;
    const qsizetype close = text.indexOf(QLatin1Char(']'), pos);
    if (close < 0)
        return -1;
    bool ok = false;
    const int value = text.mid(pos + 1, close - pos - 1).toInt(&ok);
    if (!ok || value < 0)
        return -1;
    pos = close + 1;
    return value;
}

} // namespace

std::optional<StepPath> StepPath::fromProblemPath(QStringView text)
{
    const QLatin1String steps("steps");
    const QLatin1String branches(".branches");
    if (!text.startsWith(steps))
        return std::nullopt;
    qsizetype pos = steps.size();
    const int first = readIndex(text, pos);
    if (first < 0)
        return std::nullopt;
    StepPath path { { first } };
    while (text.mid(pos).startsWith(branches)) {
        qsizetype at = pos + branches.size();
        const int branch = readIndex(text, at);
        const int step = branch < 0 ? -1 : readIndex(text, at);
        if (step < 0)
            break;
        path.indices.push_back(branch);
        path.indices.push_back(step);
        pos = at;
    }
    return path;
}

namespace {

template<typename Definition, typename Sequence>
Sequence *walk(Definition &definition, const StepPath &sequence)
{
    if (sequence.indices.size() % 2 != 0)
        return nullptr;
    Sequence *current = &definition.steps;
    for (size_t i = 0; i < sequence.indices.size(); i += 2) {
        const int step = sequence.indices[i];
        const int branch = sequence.indices[i + 1];
        if (step < 0 || step >= int(current->size()))
            return nullptr;
        auto &holder = (*current)[size_t(step)];
        if (branch < 0 || branch >= int(holder.branches.size()))
            return nullptr;
        current = &holder.branches[size_t(branch)];
    }
    return current;
}

} // namespace

const std::vector<WorkflowStep> *sequenceAt(const WorkflowDefinition &definition, const StepPath &sequence)
{
    return walk<const WorkflowDefinition, const std::vector<WorkflowStep>>(definition, sequence);
}

std::vector<WorkflowStep> *sequenceAt(WorkflowDefinition &definition, const StepPath &sequence)
{
    return walk<WorkflowDefinition, std::vector<WorkflowStep>>(definition, sequence);
}

const WorkflowStep *stepAt(const WorkflowDefinition &definition, const StepPath &path)
{
    if (!path.isStep())
        return nullptr;
    const std::vector<WorkflowStep> *sequence = sequenceAt(definition, path.sequence());
    if (!sequence || path.index() < 0 || path.index() >= int(sequence->size()))
        return nullptr;
    return &(*sequence)[size_t(path.index())];
}

WorkflowStep *stepAt(WorkflowDefinition &definition, const StepPath &path)
{
    return const_cast<WorkflowStep *>(stepAt(std::as_const(definition), path));
}

std::optional<StepPath> pathAfterRemoval(const StepPath &target, const StepPath &removed)
{
    const size_t level = removed.indices.size() - 1; // the component that names the removed step
    if (target.indices.size() <= level)
        return target;
    if (!std::equal(removed.indices.begin(), removed.indices.begin() + qsizetype(level), target.indices.begin()))
        return target;
    StepPath out = target;
    if (target.indices[level] > removed.index())
        --out.indices[level];
    else if (target.indices[level] == removed.index() && target.indices.size() > removed.indices.size())
        return std::nullopt; // inside the removed step
    return out;
}

} // namespace vigil::ui
