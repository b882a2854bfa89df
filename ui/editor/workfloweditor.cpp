// SPDX-License-Identifier: GPL-3.0-or-later
#include "workfloweditor.h"

#include "common/icons.h"
#include "editor/problemmodel.h"
#include "editor/steppropertiespanel.h"
#include "editor/workflowcanvas.h"
#include "editor/workflowdocument.h"
#include "editor/workflowpropertiespanel.h"

#include <QAction>
#include <QLabel>
#include <QListView>
#include <QListWidget>
#include <QMenu>
#include <QMimeData>
#include <QPixmap>
#include <QScrollArea>
#include <QSplitter>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace vigil::ui {

namespace {

std::optional<StepType> kindType(const QString &kind) { return stepTypeFromString(kind); }

// The palette drags its kind as kStepTypeMime.
class PaletteList final : public QListWidget
{
public:
    using QListWidget::QListWidget;

protected:
    QStringList mimeTypes() const override { return { QLatin1String(kStepTypeMime) }; }
    QMimeData *mimeData(const QList<QListWidgetItem *> &items) const override
    {
        auto *mime = new QMimeData;
        if (!items.isEmpty())
            mime->setData(QLatin1String(kStepTypeMime), items.front()->data(Qt::UserRole).toString().toUtf8());
        return mime;
    }
};

} // namespace

WorkflowEditor::WorkflowEditor(WorkflowDocument *document, QWidget *parent)
    : QWidget(parent)
    , m_document(document)
    , m_palette(new PaletteList(this))
    , m_canvas(new WorkflowCanvas(this))
    , m_problems(new QListView(this))
    , m_problemModel(new ProblemModel(this))
    , m_panels(new QStackedWidget(this))
    , m_workflowPanel(new WorkflowPropertiesPanel(document, this))
    , m_stepPanel(new StepPropertiesPanel(document, this))
    , m_splitter(new QSplitter(Qt::Horizontal, this))
{
    auto mkAction = [this](const QString &text, Icon which, const QKeySequence &shortcut) {
        auto *action = new QAction(icon(which), text, this);
        action->setShortcut(shortcut);
        action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        addAction(action);
        return action;
    };
    m_insertAction = mkAction(tr("Insert &action"), Icon::New, QKeySequence(Qt::Key_Insert));
    m_insertCondition = mkAction(tr("Insert &condition"), Icon::New, QKeySequence(Qt::SHIFT | Qt::Key_Insert));
    m_insertDelay = mkAction(tr("Insert &delay"), Icon::New, QKeySequence(Qt::CTRL | Qt::Key_Insert));
    m_insertParallel = mkAction(tr("Insert &parallel"), Icon::New, QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Insert));
    m_delete = mkAction(tr("&Delete step"), Icon::Delete, QKeySequence(Qt::Key_Delete));
    m_moveUp = mkAction(tr("Move step &up"), Icon::Open, QKeySequence(Qt::ALT | Qt::Key_Up));
    m_moveDown = mkAction(tr("Move step do&wn"), Icon::Open, QKeySequence(Qt::ALT | Qt::Key_Down));
    m_addBranch = mkAction(tr("Add &branch"), Icon::New, QKeySequence(Qt::CTRL | Qt::Key_B));
    connect(m_insertAction, &QAction::triggered, this, [this] { insertKind(QStringLiteral("action")); });
    connect(m_insertCondition, &QAction::triggered, this, [this] { insertKind(QStringLiteral("condition")); });
    connect(m_insertDelay, &QAction::triggered, this, [this] { insertKind(QStringLiteral("delay")); });
    connect(m_insertParallel, &QAction::triggered, this, [this] { insertKind(QStringLiteral("parallel")); });
    connect(m_delete, &QAction::triggered, this, [this] {
        if (const auto selected = m_canvas->selectedPath(); selected && m_document->removeStep(*selected))
            select(std::nullopt);
    });
    connect(m_moveUp, &QAction::triggered, this, [this] {
        if (const auto selected = m_canvas->selectedPath())
            if (const auto moved = m_document->moveUp(*selected))
                select(moved);
    });
    connect(m_moveDown, &QAction::triggered, this, [this] {
        if (const auto selected = m_canvas->selectedPath())
            if (const auto moved = m_document->moveDown(*selected))
                select(moved);
    });
    connect(m_addBranch, &QAction::triggered, this, [this] {
        if (const auto selected = m_canvas->selectedPath())
            m_document->addBranch(*selected);
    });

    // Palette.
    struct Kind { QString id; QString label; QString tip; };
    const Kind kinds[] = {
        { QStringLiteral("action"), tr("Action"), tr("Runs a registered action (Insert)") },
        { QStringLiteral("condition"), tr("Condition"), tr("Continues only when true (Shift+Insert)") },
        { QStringLiteral("delay"), tr("Delay"), tr("Waits, durably (Ctrl+Insert)") },
        { QStringLiteral("parallel"), tr("Parallel"), tr("Runs branches at once (Ctrl+Shift+Insert)") },
    };
    for (const Kind &kind : kinds) {
        QPixmap swatch(16, 16);
        swatch.fill(stepKindColor(*kindType(kind.id)));
        auto *item = new QListWidgetItem(QIcon(swatch), kind.label, m_palette);
        item->setData(Qt::UserRole, kind.id);
        item->setToolTip(kind.tip + QLatin1Char('\n') + tr("Drag onto the canvas, or double-click to add after the selection."));
    }
    m_palette->setObjectName(QStringLiteral("stepPalette"));
    m_palette->setDragEnabled(true);
    m_palette->setDragDropMode(QAbstractItemView::DragOnly);
    connect(m_palette, &QListWidget::itemActivated, this,
            [this](QListWidgetItem *item) { insertKind(item->data(Qt::UserRole).toString()); });
    auto *paletteBox = new QWidget(this);
    auto *paletteLayout = new QVBoxLayout(paletteBox);
    paletteLayout->setContentsMargins(0, 0, 0, 0);
    paletteLayout->addWidget(new QLabel(tr("Steps"), paletteBox));
    paletteLayout->addWidget(m_palette);
    paletteBox->setMaximumWidth(120);

    // Canvas and problems.
    m_canvas->setDocument(document);
    m_problems->setModel(m_problemModel);
    m_problems->setObjectName(QStringLiteral("problemList"));
    m_problems->setMaximumHeight(110);
    auto *problemsTitle = new QLabel(this);
    auto *centre = new QWidget(this);
    auto *centreLayout = new QVBoxLayout(centre);
    centreLayout->setContentsMargins(0, 0, 0, 0);
    auto *problemsBox = new QWidget(this);
    auto *problemsLayout = new QVBoxLayout(problemsBox);
    problemsLayout->setContentsMargins(0, 0, 0, 0);
    problemsLayout->addWidget(problemsTitle);
    problemsLayout->addWidget(m_problems);
    centreLayout->addWidget(m_canvas, 1);
    centreLayout->addWidget(problemsBox);
    connect(m_problems, &QListView::clicked, this, [this](const QModelIndex &index) {
        const QString path = index.data(ProblemModel::StepPathRole).toString();
        select(path.isEmpty() ? std::nullopt : StepPath::fromProblemPath(path));
    });
    auto updateProblems = [this, problemsTitle] {
        m_problemModel->setProblems(m_document->problems());
        problemsTitle->setText(m_document->isValid() ? tr("No problems") : tr("%n problem(s)", nullptr, int(m_document->problems().size())));
        m_problems->setVisible(!m_document->isValid()); // the canvas takes the room when all is well
    };
    connect(document, &WorkflowDocument::problemsChanged, this, updateProblems);
    updateProblems();

    // Property panels.
    auto scroll = [this](QWidget *panel) {
        auto *area = new QScrollArea(this);
        area->setWidget(panel);
        area->setWidgetResizable(true);
        area->setFrameShape(QFrame::NoFrame);
        area->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff); // the forms wrap instead
        return area;
    };
    m_panels->addWidget(scroll(m_workflowPanel));
    m_panels->addWidget(scroll(m_stepPanel));
    m_panels->setMinimumWidth(320);

    m_splitter->addWidget(paletteBox);
    m_splitter->addWidget(centre);
    m_splitter->addWidget(m_panels);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setSizes({ 130, 520, 360 });
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_splitter);

    connect(m_canvas, &WorkflowCanvas::selectionChanged, this, [this](const QString &path) {
        const std::optional<StepPath> selected = path.isEmpty() ? std::nullopt : StepPath::fromProblemPath(path);
        m_stepPanel->setStep(selected);
        m_panels->setCurrentIndex(selected ? 1 : 0);
        updateActions();
    });
    connect(m_canvas, &WorkflowCanvas::insertRequested, this, [this](const QString &at, const QString &kind) {
        if (const auto path = StepPath::fromProblemPath(at))
            insertKindAt(kind, *path);
        else if (at == QLatin1String("steps[0]") || m_document->definition().steps.empty())
            insertKindAt(kind, StepPath::top(0));
    });
    connect(m_canvas, &WorkflowCanvas::moveRequested, this, [this](const QString &from, const QString &to) {
        const auto source = StepPath::fromProblemPath(from);
        const auto target = StepPath::fromProblemPath(to);
        if (source && target && m_document->moveStep(*source, *target))
            select(pathAfterRemoval(*target, *source));
    });
    connect(m_canvas, &WorkflowCanvas::contextMenuRequested, this, &WorkflowEditor::showContextMenu);
    connect(document, &WorkflowDocument::changed, this, &WorkflowEditor::updateActions);
    updateActions();
}

WorkflowEditor::~WorkflowEditor() = default;

QList<QAction *> WorkflowEditor::editActions() const
{
    return { m_insertAction, m_insertCondition, m_insertDelay, m_insertParallel, m_delete, m_moveUp, m_moveDown, m_addBranch };
}

void WorkflowEditor::insertKind(const QString &kind)
{
    const std::optional<StepPath> selected = m_canvas->selectedPath();
    const StepPath at = selected ? selected->withIndex(selected->index() + 1)
                                 : StepPath::top(int(m_document->definition().steps.size()));
    insertKindAt(kind, at);
}

void WorkflowEditor::insertKindAt(const QString &kind, const StepPath &at)
{
    const std::optional<StepType> type = kindType(kind);
    if (!type)
        return;
    if (m_document->insertStep(at, m_document->makeStep(*type)))
        select(at);
}

void WorkflowEditor::select(const std::optional<StepPath> &path)
{
    m_canvas->selectPath(path && stepAt(m_document->definition(), *path) ? path : std::nullopt);
}

void WorkflowEditor::updateActions()
{
    const std::optional<StepPath> selected = m_canvas->selectedPath();
    const WorkflowStep *step = selected ? stepAt(m_document->definition(), *selected) : nullptr;
    m_delete->setEnabled(step);
    m_moveUp->setEnabled(step && (selected->index() > 0 || selected->depth() > 0));
    const auto *sequence = selected ? sequenceAt(m_document->definition(), selected->sequence()) : nullptr;
    m_moveDown->setEnabled(step && sequence && (selected->index() + 1 < int(sequence->size()) || selected->depth() > 0));
    m_addBranch->setEnabled(step && step->type == StepType::Parallel);
}

void WorkflowEditor::showContextMenu(const QString &clicked, const QString &insertAt, const QPoint &globalPos)
{
    QMenu menu(this);
    const std::optional<StepPath> at = StepPath::fromProblemPath(insertAt);
    for (const auto &[label, kind] : { std::pair { tr("Insert action here"), QStringLiteral("action") },
                                       std::pair { tr("Insert condition here"), QStringLiteral("condition") },
                                       std::pair { tr("Insert delay here"), QStringLiteral("delay") },
                                       std::pair { tr("Insert parallel here"), QStringLiteral("parallel") } }) {
        QAction *action = menu.addAction(icon(Icon::New), label);
        const StepPath target = at.value_or(StepPath::top(int(m_document->definition().steps.size())));
        connect(action, &QAction::triggered, this, [this, kind, target] { insertKindAt(kind, target); });
    }
    if (!clicked.isEmpty()) {
        menu.addSeparator();
        menu.addAction(m_moveUp);
        menu.addAction(m_moveDown);
        menu.addAction(m_addBranch);
        menu.addAction(m_delete);
    }
    menu.exec(globalPos);
}

} // namespace vigil::ui
