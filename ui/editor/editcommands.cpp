// SPDX-License-Identifier: GPL-3.0-or-later
#include "editcommands.h"

#include <QCoreApplication>

namespace vigil::ui {

namespace {

// A context of its own rather than a local tr() helper: lupdate files unqualified tr() calls
// under the enclosing class or namespace, so it would miss "vigil::ui::EditCommands".
struct EditCommandsText
{
    Q_DECLARE_TR_FUNCTIONS(vigil::ui::EditCommands)
};

void insertAt(WorkflowDefinition &definition, const StepPath &at, WorkflowStep step)
{
    std::vector<WorkflowStep> *sequence = sequenceAt(definition, at.sequence());
    Q_ASSERT(sequence);
    const int index = std::clamp(at.index(), 0, int(sequence->size()));
    sequence->insert(sequence->begin() + index, std::move(step));
}

WorkflowStep takeAt(WorkflowDefinition &definition, const StepPath &path)
{
    std::vector<WorkflowStep> *sequence = sequenceAt(definition, path.sequence());
    Q_ASSERT(sequence && path.index() < int(sequence->size()));
    WorkflowStep step = std::move((*sequence)[size_t(path.index())]);
    sequence->erase(sequence->begin() + path.index());
    return step;
}

} // namespace

// ---- insert / remove / move -------------------------------------------------------------

InsertStepCommand::InsertStepCommand(WorkflowDocument *document, StepPath at, WorkflowStep step)
    : m_document(document)
    , m_at(std::move(at))
    , m_step(std::move(step))
{
    setText(EditCommandsText::tr("Insert step %1").arg(m_step.name));
}

void InsertStepCommand::redo()
{
    insertAt(m_document->mutableDefinition(), m_at, m_step);
    m_document->notifyChanged();
}

void InsertStepCommand::undo()
{
    takeAt(m_document->mutableDefinition(), m_at);
    m_document->notifyChanged();
}

RemoveStepCommand::RemoveStepCommand(WorkflowDocument *document, StepPath path)
    : m_document(document)
    , m_path(std::move(path))
{
    if (const WorkflowStep *step = stepAt(document->definition(), m_path))
        setText(EditCommandsText::tr("Remove step %1").arg(step->name));
}

void RemoveStepCommand::redo()
{
    m_removed = takeAt(m_document->mutableDefinition(), m_path);
    m_document->notifyChanged();
}

void RemoveStepCommand::undo()
{
    insertAt(m_document->mutableDefinition(), m_path, m_removed);
    m_document->notifyChanged();
}

MoveStepCommand::MoveStepCommand(WorkflowDocument *document, StepPath from, StepPath to)
    : m_document(document)
    , m_from(std::move(from))
    , m_to(std::move(to))
{
    if (const WorkflowStep *step = stepAt(document->definition(), m_from))
        setText(EditCommandsText::tr("Move step %1").arg(step->name));
}

void MoveStepCommand::move(WorkflowDocument *document, const StepPath &from, const StepPath &to)
{
    WorkflowStep step = takeAt(document->mutableDefinition(), from);
    insertAt(document->mutableDefinition(), to, std::move(step));
    document->notifyChanged();
}

void MoveStepCommand::redo() { move(m_document, m_from, m_to); }
// Taking the step out of `to` gives back the tree `from` was read in.
void MoveStepCommand::undo() { move(m_document, m_to, m_from); }

// ---- fields -----------------------------------------------------------------------------

SetStepFieldCommand::SetStepFieldCommand(WorkflowDocument *document, StepPath path, StepField field, QString key,
                                         Json value)
    : m_document(document)
    , m_path(std::move(path))
    , m_field(field)
    , m_key(std::move(key))
    , m_new(std::move(value))
{
    const WorkflowStep *step = stepAt(document->definition(), m_path);
    Q_ASSERT(step);
    m_old = stepField(*step, m_field, m_key);
    static const char *const names[] = {
        QT_TRANSLATE_NOOP("vigil::ui::EditCommands", "name"),
        QT_TRANSLATE_NOOP("vigil::ui::EditCommands", "handler"),
        QT_TRANSLATE_NOOP("vigil::ui::EditCommands", "config"),
        QT_TRANSLATE_NOOP("vigil::ui::EditCommands", "config"),
        QT_TRANSLATE_NOOP("vigil::ui::EditCommands", "timeout"),
        QT_TRANSLATE_NOOP("vigil::ui::EditCommands", "delay"),
        QT_TRANSLATE_NOOP("vigil::ui::EditCommands", "retry policy"),
        QT_TRANSLATE_NOOP("vigil::ui::EditCommands", "on false"),
    };
    const QString what = m_field == StepField::ConfigKey ? m_key : EditCommandsText::tr(names[int(m_field)]);
    setText(EditCommandsText::tr("Set %1 of %2").arg(what, step->name));
}

void SetStepFieldCommand::apply(const Json &value)
{
    WorkflowStep *step = stepAt(m_document->mutableDefinition(), m_path);
    Q_ASSERT(step);
    vigil::ui::setStepField(*step, m_field, value, m_key);
    m_document->notifyChanged();
}

void SetStepFieldCommand::redo() { apply(m_new); }
void SetStepFieldCommand::undo() { apply(m_old); }

bool SetStepFieldCommand::mergeWith(const QUndoCommand *other)
{
    const auto *next = static_cast<const SetStepFieldCommand *>(other);
    if (next->m_path != m_path || next->m_field != m_field || next->m_key != m_key)
        return false;
    m_new = next->m_new;
    // Typed back to where it started: nothing left to undo (keeps the dirty marker true).
    setObsolete(m_new == m_old);
    return true;
}

// ---- branches ---------------------------------------------------------------------------

AddBranchCommand::AddBranchCommand(WorkflowDocument *document, StepPath parallel, int index,
                                   std::vector<WorkflowStep> branch)
    : m_document(document)
    , m_parallel(std::move(parallel))
    , m_index(index)
    , m_branch(std::move(branch))
{
    setText(EditCommandsText::tr("Add branch"));
}

void AddBranchCommand::redo()
{
    WorkflowStep *step = stepAt(m_document->mutableDefinition(), m_parallel);
    Q_ASSERT(step);
    step->branches.insert(step->branches.begin() + m_index, m_branch);
    m_document->notifyChanged();
}

void AddBranchCommand::undo()
{
    WorkflowStep *step = stepAt(m_document->mutableDefinition(), m_parallel);
    Q_ASSERT(step);
    step->branches.erase(step->branches.begin() + m_index);
    m_document->notifyChanged();
}

RemoveBranchCommand::RemoveBranchCommand(WorkflowDocument *document, StepPath parallel, int index)
    : m_document(document)
    , m_parallel(std::move(parallel))
    , m_index(index)
{
    setText(EditCommandsText::tr("Remove branch"));
}

void RemoveBranchCommand::redo()
{
    WorkflowStep *step = stepAt(m_document->mutableDefinition(), m_parallel);
    Q_ASSERT(step);
    m_removed = std::move(step->branches[size_t(m_index)]);
    step->branches.erase(step->branches.begin() + m_index);
    m_document->notifyChanged();
}

void RemoveBranchCommand::undo()
{
    WorkflowStep *step = stepAt(m_document->mutableDefinition(), m_parallel);
    Q_ASSERT(step);
    step->branches.insert(step->branches.begin() + m_index, m_removed);
    m_document->notifyChanged();
}

// ---- workflow properties ----------------------------------------------------------------

SetWorkflowPropertyCommand::SetWorkflowPropertyCommand(WorkflowDocument *document, WorkflowProperty property,
                                                       Json value)
    : m_document(document)
    , m_property(property)
    , m_old(workflowProperty(document->definition(), property))
    , m_new(std::move(value))
{
    setText(EditCommandsText::tr("Change workflow properties"));
}

void SetWorkflowPropertyCommand::redo()
{
    setWorkflowProperty(m_document->mutableDefinition(), m_property, m_new);
    m_document->notifyChanged();
}

void SetWorkflowPropertyCommand::undo()
{
    setWorkflowProperty(m_document->mutableDefinition(), m_property, m_old);
    m_document->notifyChanged();
}

bool SetWorkflowPropertyCommand::mergeWith(const QUndoCommand *other)
{
    const auto *next = static_cast<const SetWorkflowPropertyCommand *>(other);
    if (next->m_property != m_property)
        return false;
    m_new = next->m_new;
    setObsolete(m_new == m_old);
    return true;
}

} // namespace vigil::ui
