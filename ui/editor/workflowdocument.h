// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The editor's document: one workflow definition being edited, its undo stack and its
// validation problems. Every change goes through a QUndoCommand (editcommands.h), whether
// the canvas, the property panels or a test makes it, so undo covers all of them. Dirty is
// "not at the undo stack's clean index": undoing back to the saved state makes it clean.

#include "editor/steppath.h"
#include "workflow/validation.h"

#include <QObject>

class QUndoStack;

namespace vigil::ui {

struct Catalog;

// A step field an edit changes. Values travel as JSON, null meaning "absent":
// Name string; Handler string|null (null: Pulse's form, the name is the handler);
// Config object|null; ConfigKey any|null (null removes the key); TimeoutMs, DelayMs
// integer|null; RetryPolicy {maxAttempts, backoffMs}|null; OnFalse "complete"|"skip"|N|null.
enum class StepField { Name, Handler, Config, ConfigKey, TimeoutMs, DelayMs, RetryPolicy, OnFalse };
// Strings or null for the optional ones; Config an object; IsEnabled a boolean.
enum class WorkflowProperty {
    Name, Description, TenantId, TriggerType, EnvironmentFilter, ResourceTypeFilter,
    CronExpression, CronTimezone, Config, IsEnabled,
};

Json stepField(const WorkflowStep &step, StepField field, const QString &key = QString());
void setStepField(WorkflowStep &step, StepField field, const Json &value, const QString &key = QString());
Json workflowProperty(const WorkflowDefinition &definition, WorkflowProperty property);
void setWorkflowProperty(WorkflowDefinition &definition, WorkflowProperty property, const Json &value);

class WorkflowDocument final : public QObject
{
    Q_OBJECT
public:
    // `catalog` (may be null: structure only) checks handlers and configs; it must outlive
    // the document.
    explicit WorkflowDocument(const Catalog *catalog = nullptr, QObject *parent = nullptr);
    ~WorkflowDocument() override;

    const WorkflowDefinition &definition() const { return m_definition; }
    QUndoStack *undoStack() const { return m_undo; }
    const Catalog *catalog() const { return m_catalog; }
    void setCatalog(const Catalog *catalog);

    // Replaces the definition and forgets the history. `saved` false: an import or a new
    // workflow, dirty until saved.
    void load(const WorkflowDefinition &definition, bool saved = true);
    // After a successful save: takes the stored id, version and times (no undo step) and
    // marks the current state clean.
    void markSaved(const WorkflowDefinition &stored);
    bool isDirty() const;

    // ---- edits (each pushes one command) --------------------------------------------
    // A new step of `type` with a unique name and sensible defaults (a delay of a minute,
    // a parallel step with two branches of one step each).
    WorkflowStep makeStep(StepType type, const QString &handler = QString()) const;
    QString uniqueName(const QString &base) const;
    bool insertStep(const StepPath &at, const WorkflowStep &step);
    bool removeStep(const StepPath &path);
    // `to` as it reads before the move; refused when inside the moved step.
    bool moveStep(const StepPath &from, const StepPath &to);
    // Within its sequence; at the end of a branch, out of it (before/after the parallel step).
    std::optional<StepPath> moveUp(const StepPath &path);
    std::optional<StepPath> moveDown(const StepPath &path);
    bool setStepField(const StepPath &path, StepField field, const Json &value, const QString &key = QString());
    bool addBranch(const StepPath &parallel, int index = -1); // -1: at the end
    bool removeBranch(const StepPath &parallel, int index);
    bool setProperty(WorkflowProperty property, const Json &value);

    // ---- validation -----------------------------------------------------------------
    const std::vector<ValidationProblem> &problems() const { return m_problems; }
    bool isValid() const { return m_problems.empty(); }
    // Problems whose path lies on this step (not inside its branches).
    std::vector<ValidationProblem> problemsOf(const StepPath &path) const;

    // ---- JSON -----------------------------------------------------------------------
    Json toJson() const;
    // Pulse JSON: one definition or an array of them.
    static Result<std::vector<WorkflowDefinition>> parseDefinitions(const QByteArray &text);

    // For commands: the definition to change, then changed() once it is changed.
    WorkflowDefinition &mutableDefinition() { return m_definition; }
    void notifyChanged();

Q_SIGNALS:
    void changed();
    void dirtyChanged(bool dirty);
    void problemsChanged();

private:
    void revalidate();

    const Catalog *m_catalog = nullptr;
    WorkflowDefinition m_definition;
    QUndoStack *m_undo = nullptr;
    std::vector<ValidationProblem> m_problems;
};

// Structure (validation.h), then every action and condition step's handler against the
// catalog and its config against the handler's schema.
std::vector<ValidationProblem> validateWithCatalog(const WorkflowDefinition &definition, const Catalog *catalog);

} // namespace vigil::ui
