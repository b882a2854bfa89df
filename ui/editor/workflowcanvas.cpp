// SPDX-License-Identifier: GPL-3.0-or-later
#include "workflowcanvas.h"

#include "editor/workflowdocument.h"

#include <QApplication>
#include <QContextMenuEvent>
#include <QDrag>
#include <QGraphicsItem>
#include <QGraphicsScene>
#include <QMimeData>
#include <QPainter>
#include <QStyleOptionGraphicsItem>

namespace vigil::ui {

namespace {

// Kind colours: like state colours, they mean something and stay the same on any palette.
QColor kindColor(LayoutNode::Kind kind, StepType type)
{
    if (kind == LayoutNode::Kind::Trigger)
        return QColor(0x2e, 0x9d, 0x5b);
    switch (type) {
    case StepType::Action: return QColor(0x3b, 0x7d, 0xd8);
    case StepType::Condition: return QColor(0xd8, 0x8f, 0x1e);
    case StepType::Delay: return QColor(0x8a, 0x6f, 0xc7);
    case StepType::Parallel: return QColor(0x1f, 0xa0, 0xa8);
    }
    return Qt::gray;
}

} // namespace

QColor stepKindColor(StepType type) { return kindColor(LayoutNode::Kind::Step, type); }

namespace {

QString kindGlyph(LayoutNode::Kind kind, StepType type)
{
    if (kind == LayoutNode::Kind::Trigger)
        return QStringLiteral("\u26a1");
    switch (type) {
    case StepType::Action: return QStringLiteral("\u25b6");
    case StepType::Condition: return QStringLiteral("\u25c6");
    case StepType::Delay: return QStringLiteral("\u25f7");
    case StepType::Parallel: return QStringLiteral("\u21c9");
    }
    return QString();
}

QString kindName(StepType type)
{
    switch (type) {
    case StepType::Action: return WorkflowCanvas::tr("Action");
    case StepType::Condition: return WorkflowCanvas::tr("Condition");
    case StepType::Delay: return WorkflowCanvas::tr("Delay");
    case StepType::Parallel: return WorkflowCanvas::tr("Parallel");
    }
    return QString();
}

QString delayText(qint64 ms)
{
    if (ms % 3600000 == 0)
        return WorkflowCanvas::tr("%n h", nullptr, int(ms / 3600000));
    if (ms % 60000 == 0)
        return WorkflowCanvas::tr("%n min", nullptr, int(ms / 60000));
    if (ms % 1000 == 0)
        return WorkflowCanvas::tr("%n s", nullptr, int(ms / 1000));
    return WorkflowCanvas::tr("%1 ms").arg(ms);
}

// One rounded node: a colour band with the kind's glyph, the name, and a second line (the
// handler, the delay, the trigger type). Red outline and tooltip when it has problems.
class NodeItem final : public QGraphicsItem
{
public:
    NodeItem(const LayoutNode &node, QString title, QString subtitle, QStringList problems, const QPalette &palette)
        : m_node(node)
        , m_title(std::move(title))
        , m_subtitle(std::move(subtitle))
        , m_problems(std::move(problems))
        , m_palette(palette)
    {
        setPos(node.rect.topLeft());
        if (node.kind == LayoutNode::Kind::Step)
            setFlag(ItemIsSelectable);
        QString tip = m_title + QLatin1Char('\n') + m_subtitle;
        if (!m_problems.isEmpty())
            tip += QStringLiteral("\n\n") + m_problems.join(QLatin1Char('\n'));
        setToolTip(tip);
        setZValue(1);
    }

    const LayoutNode &node() const { return m_node; }
    bool hasProblems() const { return !m_problems.isEmpty(); }
    QRectF boundingRect() const override { return QRectF(QPointF(), m_node.rect.size()).adjusted(-3, -3, 3, 3); }

    void paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *) override
    {
        const QRectF box(QPointF(), m_node.rect.size());
        const QColor accent = kindColor(m_node.kind, m_node.type);
        painter->setRenderHint(QPainter::Antialiasing);
        QPainterPath shape;
        shape.addRoundedRect(box, 8, 8);
        painter->fillPath(shape, m_palette.color(QPalette::Base));
        // The colour band on the left.
        painter->save();
        painter->setClipPath(shape);
        painter->fillRect(QRectF(0, 0, 34, box.height()), accent);
        painter->restore();
        QPen pen(m_palette.color(QPalette::Mid), 1);
        if (hasProblems())
            pen = QPen(QColor(0xd9, 0x2d, 0x20), 2);
        if (isSelected())
            pen = QPen(m_palette.color(QPalette::Highlight), hasProblems() ? 3 : 2.5);
        painter->setPen(pen);
        painter->drawPath(shape);
        if (isSelected() && hasProblems()) {
            painter->setPen(QPen(QColor(0xd9, 0x2d, 0x20), 1.5, Qt::DashLine));
            painter->drawRoundedRect(box.adjusted(-3, -3, 3, 3), 10, 10);
        }

        QFont glyphFont = painter->font();
        glyphFont.setPointSizeF(glyphFont.pointSizeF() * 1.3);
        painter->setFont(glyphFont);
        painter->setPen(Qt::white);
        painter->drawText(QRectF(0, 0, 34, box.height()), Qt::AlignCenter, kindGlyph(m_node.kind, m_node.type));

        QFont titleFont = painter->font();
        titleFont.setPointSizeF(titleFont.pointSizeF() / 1.3);
        titleFont.setBold(true);
        painter->setFont(titleFont);
        painter->setPen(m_palette.color(QPalette::Text));
        const QRectF text = box.adjusted(42, 8, -8, -8);
        const QFontMetricsF titleMetrics(titleFont);
        painter->drawText(QRectF(text.left(), text.top(), text.width(), text.height() / 2), Qt::AlignLeft | Qt::AlignVCenter,
                          titleMetrics.elidedText(m_title, Qt::ElideRight, text.width()));
        QFont subFont = titleFont;
        subFont.setBold(false);
        painter->setFont(subFont);
        painter->setPen(m_palette.color(QPalette::PlaceholderText));
        painter->drawText(QRectF(text.left(), text.center().y(), text.width(), text.height() / 2),
                          Qt::AlignLeft | Qt::AlignVCenter,
                          QFontMetricsF(subFont).elidedText(m_subtitle, Qt::ElideRight, text.width()));
    }

private:
    LayoutNode m_node;
    QString m_title;
    QString m_subtitle;
    QStringList m_problems;
    QPalette m_palette;
};

QPainterPath polyline(const QVector<QPointF> &points)
{
    QPainterPath path;
    if (points.isEmpty())
        return path;
    path.moveTo(points.front());
    for (qsizetype i = 1; i < points.size(); ++i)
        path.lineTo(points[i]);
    return path;
}

QPainterPath arrowHead(const QPointF &tip, const QPointF &from)
{
    QLineF line(tip, from);
    line.setLength(8);
    QLineF left = line;
    left.setAngle(line.angle() + 25);
    QLineF right = line;
    right.setAngle(line.angle() - 25);
    QPainterPath head;
    head.moveTo(tip);
    head.lineTo(left.p2());
    head.lineTo(right.p2());
    head.closeSubpath();
    return head;
}

} // namespace

WorkflowCanvas::WorkflowCanvas(QWidget *parent)
    : QGraphicsView(parent)
    , m_scene(new QGraphicsScene(this))
{
    setScene(m_scene);
    setAcceptDrops(true);
    setRenderHint(QPainter::Antialiasing);
    setAlignment(Qt::AlignHCenter | Qt::AlignTop);
    setDragMode(QGraphicsView::NoDrag);
    setFocusPolicy(Qt::StrongFocus);
    connect(m_scene, &QGraphicsScene::selectionChanged, this, [this] {
        const QList<QGraphicsItem *> items = m_scene->selectedItems();
        std::optional<StepPath> selected;
        if (!items.isEmpty())
            selected = static_cast<NodeItem *>(items.front())->node().path;
        if (selected == m_selected)
            return;
        m_selected = selected;
        Q_EMIT selectionChanged(selected ? selected->toString() : QString());
    });
}

WorkflowCanvas::~WorkflowCanvas() = default;

void WorkflowCanvas::setDocument(WorkflowDocument *document)
{
    if (m_document)
        disconnect(m_document, nullptr, this, nullptr);
    m_document = document;
    if (m_document)
        connect(m_document, &WorkflowDocument::changed, this, &WorkflowCanvas::rebuild);
    rebuild();
}

void WorkflowCanvas::selectPath(const std::optional<StepPath> &path)
{
    const QSignalBlocker blocker(m_scene);
    m_scene->clearSelection();
    m_selected.reset();
    for (QGraphicsItem *item : m_scene->items()) {
        if (item->flags().testFlag(QGraphicsItem::ItemIsSelectable)) {
            auto *node = static_cast<NodeItem *>(item);
            if (path && node->node().path == *path) {
                node->setSelected(true);
                m_selected = path;
                ensureVisible(node);
            }
        }
    }
    Q_EMIT selectionChanged(m_selected ? m_selected->toString() : QString());
}

QPointF WorkflowCanvas::nodeCenter(const StepPath &path) const
{
    const LayoutNode *node = m_layout.node(path);
    return node ? node->rect.center() : QPointF();
}

void WorkflowCanvas::rebuild()
{
    const QSignalBlocker blocker(m_scene);
    m_scene->clear();
    m_dropMarker = nullptr;
    if (!m_document)
        return;
    const WorkflowDefinition &definition = m_document->definition();
    m_layout = layoutWorkflow(definition);
    const QPalette pal = palette();
    const QColor edgeColor = pal.color(QPalette::PlaceholderText);

    for (const LayoutNode &node : m_layout.nodes) {
        if (node.frame != node.rect) { // a parallel step's frame around its branches
            auto *frame = m_scene->addRect(node.frame, QPen(kindColor(node.kind, node.type), 1, Qt::DashLine));
            QColor tint = kindColor(node.kind, node.type);
            tint.setAlpha(18);
            frame->setBrush(tint);
            frame->setZValue(-1);
        }
    }
    for (const LayoutEdge &edge : m_layout.edges) {
        const bool skip = edge.kind == LayoutEdge::Kind::SkipOnFalse;
        const QColor color = skip ? kindColor(LayoutNode::Kind::Step, StepType::Condition) : edgeColor;
        QPen pen(color, skip ? 1.5 : 1.2, skip ? Qt::DashLine : Qt::SolidLine);
        m_scene->addPath(polyline(edge.points), pen)->setZValue(0);
        if (edge.to && edge.points.size() >= 2) {
            auto *head = m_scene->addPath(arrowHead(edge.points.back(), edge.points[edge.points.size() - 2]),
                                          QPen(color), QBrush(color));
            head->setZValue(0.5);
        }
        if (skip) {
            auto *label = m_scene->addSimpleText(tr("if false"));
            label->setBrush(color);
            label->setPos(edge.points[1] + QPointF(4, 2));
        }
    }
    for (const LayoutNode &node : m_layout.nodes) {
        QString title;
        QString subtitle;
        QStringList problems;
        if (node.kind == LayoutNode::Kind::Trigger) {
            title = definition.triggerType.isEmpty() ? tr("(no trigger)") : definition.triggerType;
            subtitle = definition.cronExpression ? tr("Trigger · cron %1").arg(*definition.cronExpression) : tr("Trigger");
            for (const ValidationProblem &problem : m_document->problems()) {
                if (problem.path == QLatin1String("triggerType") || problem.path == QLatin1String("cronExpression")
                    || problem.path == QLatin1String("steps"))
                    problems << problem.text();
            }
        } else {
            const WorkflowStep *step = stepAt(definition, node.path);
            if (!step)
                continue;
            title = step->name.isEmpty() ? tr("(unnamed)") : step->name;
            switch (step->type) {
            case StepType::Action:
            case StepType::Condition:
                subtitle = kindName(step->type) + QStringLiteral(" · ") + step->handlerName();
                break;
            case StepType::Delay:
                subtitle = tr("Delay · %1").arg(step->delayMs ? delayText(*step->delayMs) : tr("not set"));
                break;
            case StepType::Parallel:
                subtitle = tr("Parallel · %n branch(es)", nullptr, int(step->branches.size()));
                break;
            }
            for (const ValidationProblem &problem : m_document->problemsOf(node.path))
                problems << problem.text();
        }
        auto *item = new NodeItem(node, title, subtitle, problems, pal);
        m_scene->addItem(item);
        if (m_selected && node.kind == LayoutNode::Kind::Step && node.path == *m_selected)
            item->setSelected(true);
    }
    m_scene->setSceneRect(m_layout.bounds);
    // A selection whose step is gone (undo of an insert) is dropped.
    if (m_selected && !stepAt(definition, *m_selected)) {
        m_selected.reset();
        Q_EMIT selectionChanged(QString());
    }
}

std::optional<StepPath> WorkflowCanvas::pathAt(const QPoint &viewPos) const
{
    for (QGraphicsItem *item : items(viewPos)) {
        if (item->flags().testFlag(QGraphicsItem::ItemIsSelectable))
            return static_cast<NodeItem *>(item)->node().path;
    }
    return std::nullopt;
}

void WorkflowCanvas::showDropMarker(const std::optional<StepPath> &at)
{
    if (m_dropMarker) {
        delete m_dropMarker;
        m_dropMarker = nullptr;
    }
    if (!at)
        return;
    for (const DropSlot &slot : m_layout.slots) {
        if (slot.insertAt == *at) {
            const qreal y = slot.area.center().y();
            auto *line = m_scene->addLine(slot.area.left() + 10, y, slot.area.right() - 10, y,
                                          QPen(palette().color(QPalette::Highlight), 3, Qt::SolidLine, Qt::RoundCap));
            line->setZValue(2);
            m_dropMarker = line;
            return;
        }
    }
}

void WorkflowCanvas::dragEnterEvent(QDragEnterEvent *event)
{
    if (event->mimeData()->hasFormat(QLatin1String(kStepTypeMime)) || event->mimeData()->hasFormat(QLatin1String(kStepPathMime)))
        event->acceptProposedAction();
    else
        event->ignore();
}

void WorkflowCanvas::dragMoveEvent(QDragMoveEvent *event)
{
    showDropMarker(m_layout.insertionAt(mapToScene(event->position().toPoint())));
    event->acceptProposedAction();
}

void WorkflowCanvas::dragLeaveEvent(QDragLeaveEvent *event)
{
    showDropMarker(std::nullopt);
    QGraphicsView::dragLeaveEvent(event);
}

void WorkflowCanvas::dropEvent(QDropEvent *event)
{
    showDropMarker(std::nullopt);
    const std::optional<StepPath> at = m_layout.insertionAt(mapToScene(event->position().toPoint()));
    if (!at) {
        event->ignore();
        return;
    }
    const QMimeData *mime = event->mimeData();
    if (mime->hasFormat(QLatin1String(kStepPathMime)))
        Q_EMIT moveRequested(QString::fromUtf8(mime->data(QLatin1String(kStepPathMime))), at->toString());
    else
        Q_EMIT insertRequested(at->toString(), QString::fromUtf8(mime->data(QLatin1String(kStepTypeMime))));
    event->acceptProposedAction();
}

void WorkflowCanvas::mousePressEvent(QMouseEvent *event)
{
    m_pressPos = event->pos();
    m_pressed = event->button() == Qt::LeftButton ? pathAt(event->pos()) : std::nullopt;
    QGraphicsView::mousePressEvent(event);
    if (!m_pressed && event->button() == Qt::LeftButton && !itemAt(event->pos()))
        selectPath(std::nullopt); // empty canvas: back to the workflow's own properties
}

void WorkflowCanvas::mouseMoveEvent(QMouseEvent *event)
{
    if (m_pressed && (event->buttons() & Qt::LeftButton)
        && (event->pos() - m_pressPos).manhattanLength() >= QApplication::startDragDistance()) {
        auto *mime = new QMimeData;
        mime->setData(QLatin1String(kStepPathMime), m_pressed->toString().toUtf8());
        auto *drag = new QDrag(this);
        drag->setMimeData(mime);
        m_pressed.reset();
        drag->exec(Qt::MoveAction);
        return;
    }
    QGraphicsView::mouseMoveEvent(event);
}

void WorkflowCanvas::contextMenuEvent(QContextMenuEvent *event)
{
    const std::optional<StepPath> clicked = pathAt(event->pos());
    if (clicked && clicked != m_selected)
        selectPath(clicked);
    const std::optional<StepPath> at = m_layout.insertionAt(mapToScene(event->pos()));
    Q_EMIT contextMenuRequested(clicked ? clicked->toString() : QString(), at ? at->toString() : QString(),
                                event->globalPos());
}

void WorkflowCanvas::changeEvent(QEvent *event)
{
    QGraphicsView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        rebuild();
}

} // namespace vigil::ui
