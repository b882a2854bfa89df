// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The editor proper, for one WorkflowDocument: the palette of step kinds, the canvas, the
// problem list under it, and the property panel of the selected step (or of the workflow
// when none is selected). Its actions (insert, delete, move, branches) push the same
// document commands the panels do, so all of them undo.

#include <QWidget>

#include <optional>

class QAction;
class QListView;
class QListWidget;
class QStackedWidget;
class QSplitter;

namespace vigil::ui {

class ProblemModel;
class StepPropertiesPanel;
class WorkflowCanvas;
class WorkflowDocument;
class WorkflowPropertiesPanel;
struct StepPath;

class WorkflowEditor final : public QWidget
{
    Q_OBJECT
public:
    explicit WorkflowEditor(WorkflowDocument *document, QWidget *parent = nullptr);
    ~WorkflowEditor() override;

    WorkflowCanvas *canvas() const { return m_canvas; }
    QListView *problemList() const { return m_problems; }
    ProblemModel *problemModel() const { return m_problemModel; }
    QListWidget *palette() const { return m_palette; }
    QSplitter *splitter() const { return m_splitter; }
    QList<QAction *> editActions() const;

    // Inserts a step of this kind ("action", "condition", "delay", "parallel") after the
    // selected step (or at the end), and selects it.
    void insertKind(const QString &kind);
    void insertKindAt(const QString &kind, const StepPath &at);
    void select(const std::optional<StepPath> &path);

private:
    void updateActions();
    void showContextMenu(const QString &clicked, const QString &insertAt, const QPoint &globalPos);

    WorkflowDocument *m_document;
    QListWidget *m_palette;
    WorkflowCanvas *m_canvas;
    QListView *m_problems;
    ProblemModel *m_problemModel;
    QStackedWidget *m_panels;
    WorkflowPropertiesPanel *m_workflowPanel;
    StepPropertiesPanel *m_stepPanel;
    QSplitter *m_splitter;
    QAction *m_insertAction;
    QAction *m_insertCondition;
    QAction *m_insertDelay;
    QAction *m_insertParallel;
    QAction *m_delete;
    QAction *m_moveUp;
    QAction *m_moveDown;
    QAction *m_addBranch;
};

} // namespace vigil::ui
