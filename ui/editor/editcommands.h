// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The undoable edits of a WorkflowDocument, one QUndoCommand per kind of edit. They are a
// family, kept in one file: each holds what it needs to undo itself (the removed step, the
// old value) and addresses steps by path, never by pointer (pointers die with the vector).

#include "editor/workflowdocument.h"

#include <QUndoCommand>

namespace vigil::ui {

class InsertStepCommand final : public QUndoCommand
{
public:
    InsertStepCommand(WorkflowDocument *document, StepPath at, WorkflowStep step);
    void redo() override;
    void undo() override;

private:
    WorkflowDocument *m_document;
    StepPath m_at;
    WorkflowStep m_step;
};

class RemoveStepCommand final : public QUndoCommand
{
public:
    RemoveStepCommand(WorkflowDocument *document, StepPath path);
    void redo() override;
    void undo() override;

private:
    WorkflowDocument *m_document;
    StepPath m_path;
    WorkflowStep m_removed;
};

// `to` is where the step lands once it was taken out of `from`.
class MoveStepCommand final : public QUndoCommand
{
public:
    MoveStepCommand(WorkflowDocument *document, StepPath from, StepPath to);
    void redo() override;
    void undo() override;

private:
    static void move(WorkflowDocument *document, const StepPath &from, const StepPath &to);
    WorkflowDocument *m_document;
    StepPath m_from;
    StepPath m_to;
};

// Consecutive edits of the same field of the same step merge into one undo step (typing a
// name is one edit, not one per key).
class SetStepFieldCommand final : public QUndoCommand
{
public:
    enum { Id = 0x5701 };
    SetStepFieldCommand(WorkflowDocument *document, StepPath path, StepField field, QString key, Json value);
    void redo() override;
    void undo() override;
    int id() const override { return Id; }
    bool mergeWith(const QUndoCommand *other) override;

private:
    void apply(const Json &value);
    WorkflowDocument *m_document;
    StepPath m_path;
    StepField m_field;
    QString m_key;
    Json m_old;
    Json m_new;
};

class AddBranchCommand final : public QUndoCommand
{
public:
    AddBranchCommand(WorkflowDocument *document, StepPath parallel, int index, std::vector<WorkflowStep> branch);
    void redo() override;
    void undo() override;

private:
    WorkflowDocument *m_document;
    StepPath m_parallel;
    int m_index;
    std::vector<WorkflowStep> m_branch;
};

class RemoveBranchCommand final : public QUndoCommand
{
public:
    RemoveBranchCommand(WorkflowDocument *document, StepPath parallel, int index);
    void redo() override;
    void undo() override;

private:
    WorkflowDocument *m_document;
    StepPath m_parallel;
    int m_index;
    std::vector<WorkflowStep> m_removed;
};

class SetWorkflowPropertyCommand final : public QUndoCommand
{
public:
    enum { Id = 0x5702 };
    SetWorkflowPropertyCommand(WorkflowDocument *document, WorkflowProperty property, Json value);
    void redo() override;
    void undo() override;
    int id() const override { return Id; }
    bool mergeWith(const QUndoCommand *other) override;

private:
    WorkflowDocument *m_document;
    WorkflowProperty m_property;
    Json m_old;
    Json m_new;
};

} // namespace vigil::ui
