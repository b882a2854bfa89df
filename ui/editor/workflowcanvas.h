// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The editor's canvas: the document drawn by layoutWorkflow() in a QGraphicsScene, rebuilt
// on every change (workflows are tens of steps, not thousands). It asks for edits through
// signals (insert from a palette drop, move by dragging a node) and never changes the
// document itself: the editor pushes the commands. Steps travel as path strings.

#include "editor/canvaslayout.h"

#include <QColor>
#include <QGraphicsView>

namespace vigil::ui {

class WorkflowDocument;

// The colour of a step kind on the canvas and in the palette (fixed: it means the kind).
QColor stepKindColor(StepType type);

inline constexpr char kStepTypeMime[] = "application/x-vigil-step-type"; // "action", "condition", ...
inline constexpr char kStepPathMime[] = "application/x-vigil-step-path"; // a node being moved

class WorkflowCanvas final : public QGraphicsView
{
    Q_OBJECT
public:
    explicit WorkflowCanvas(QWidget *parent = nullptr);
    ~WorkflowCanvas() override;

    void setDocument(WorkflowDocument *document);
    const CanvasLayout &layout() const { return m_layout; }
    std::optional<StepPath> selectedPath() const { return m_selected; }
    void selectPath(const std::optional<StepPath> &path);
    // Scene position of a node's centre (tests drive drops with it).
    QPointF nodeCenter(const StepPath &path) const;

Q_SIGNALS:
    void selectionChanged(const QString &path); // empty: none (the workflow itself)
    void insertRequested(const QString &at, const QString &stepType);
    void moveRequested(const QString &from, const QString &to);
    void contextMenuRequested(const QString &clickedPath, const QString &insertAt, const QPoint &globalPos);

protected:
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dragMoveEvent(QDragMoveEvent *event) override;
    void dragLeaveEvent(QDragLeaveEvent *event) override;
    void dropEvent(QDropEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void contextMenuEvent(QContextMenuEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void rebuild();
    void showDropMarker(const std::optional<StepPath> &at);
    std::optional<StepPath> pathAt(const QPoint &viewPos) const;

    WorkflowDocument *m_document = nullptr;
    QGraphicsScene *m_scene = nullptr;
    CanvasLayout m_layout;
    std::optional<StepPath> m_selected;
    QGraphicsItem *m_dropMarker = nullptr;
    QPoint m_pressPos;
    std::optional<StepPath> m_pressed;
};

} // namespace vigil::ui
