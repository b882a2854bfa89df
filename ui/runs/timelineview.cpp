// SPDX-License-Identifier: GPL-3.0-or-later
#include "runs/timelineview.h"

#include "common/presentation.h"

#include <QEvent>
#include <QGraphicsRectItem>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>
#include <QWheelEvent>

#include <cmath>

namespace vigil::ui {

namespace {

constexpr int kAxisHeight = 26;
constexpr int kLabelWidth = 180;
constexpr int kLaneHeight = 26;
constexpr int kBarHeight = 18;
constexpr int kRightMargin = 40;
constexpr double kMinPxPerMs = 1e-7; // a month across a few hundred pixels
constexpr double kMaxPxPerMs = 20;   // 50 µs per pixel
constexpr int kBarIndexKey = 0;      // QGraphicsItem::data key

QColor barColor(const TimelineBar &bar)
{
    switch (bar.kind) {
    case TimelineBar::Kind::Waiting: return runStatusColor(RunStatus::Waiting);
    case TimelineBar::Kind::Skipped: return stepStatusColor(StepStatus::Skipped);
    case TimelineBar::Kind::Attempt: break;
    }
    return attemptStatusColor(bar.status);
}

// Ticks at 1, 2 or 5 times a power of ten, at least `minPx` apart.
qint64 tickStep(double pxPerMs, double minPx)
{
    const double wanted = minPx / pxPerMs;
    double power = std::pow(10.0, std::floor(std::log10(std::max(wanted, 1.0))));
    for (;;) {
        for (double factor : { 1.0, 2.0, 5.0 }) {
            if (power * factor >= wanted)
                return std::max<qint64>(1, qint64(power * factor));
        }
        power *= 10;
    }
}

} // namespace

TimelineView::TimelineView(QWidget *parent)
    : QGraphicsView(parent)
{
    setScene(new QGraphicsScene(this));
    setAlignment(Qt::AlignLeft | Qt::AlignTop);
    setDragMode(QGraphicsView::ScrollHandDrag);
    setViewportUpdateMode(QGraphicsView::FullViewportUpdate); // the axis and labels follow the scroll
    setRenderHint(QPainter::Antialiasing, false);
    setMinimumHeight(kAxisHeight + 3 * kLaneHeight);
}

void TimelineView::setTimeline(TimelineLayout layout)
{
    const bool first = m_layout.bars.empty();
    m_layout = std::move(layout);
    if (first || m_fitted)
        zoomToFit();
    else
        rebuild();
}

int TimelineView::lanesHeight() const
{
    return kAxisHeight + int(m_layout.lanes.size()) * kLaneHeight + 2 * frameWidth();
}

QRectF TimelineView::barRect(int index) const
{
    const TimelineBar &bar = m_layout.bars[size_t(index)];
    const double x = kLabelWidth + bar.startMs * m_pxPerMs;
    const double width = std::max(bar.kind == TimelineBar::Kind::Skipped ? 3.0 : 2.0,
                                  (bar.endMs - bar.startMs) * m_pxPerMs);
    const double y = kAxisHeight + bar.lane * kLaneHeight + (kLaneHeight - kBarHeight) / 2.0;
    return QRectF(x, y, width, kBarHeight);
}

void TimelineView::rebuild()
{
    QGraphicsScene *scene = this->scene();
    scene->clear();
    const double width = kLabelWidth + m_layout.spanMs * m_pxPerMs + kRightMargin;
    const double height = kAxisHeight + double(m_layout.lanes.size()) * kLaneHeight + 4;
    scene->setSceneRect(0, 0, std::max(width, double(viewport()->width())), height);

    const QPalette pal = palette();
    for (int lane = 1; lane < int(m_layout.lanes.size()); lane += 2) {
        auto *stripe = scene->addRect(0, kAxisHeight + lane * kLaneHeight, scene->sceneRect().width(), kLaneHeight,
                                      Qt::NoPen, pal.alternateBase());
        stripe->setZValue(-1);
    }
    const QFontMetrics metrics(font());
    for (int i = 0; i < int(m_layout.bars.size()); ++i) {
        const TimelineBar &bar = m_layout.bars[size_t(i)];
        const QColor color = barColor(bar);
        QBrush brush(color);
        if (bar.kind == TimelineBar::Kind::Waiting)
            brush = QBrush(color, Qt::BDiagPattern); // waiting reads as hatched, not as work
        const bool selected = !m_selected.isEmpty() && bar.stepRunId == m_selected;
        QPen pen(selected ? pal.color(QPalette::Highlight) : color.darker(130));
        pen.setWidth(selected ? 2 : 1);
        pen.setCosmetic(true);
        auto *item = scene->addRect(barRect(i), pen, brush);
        item->setToolTip(bar.tooltip);
        item->setData(kBarIndexKey, i);
        if (bar.open)
            item->setOpacity(0.8);
        if (bar.kind == TimelineBar::Kind::Attempt) {
            const QRectF rect = item->rect();
            const QString text = metrics.elidedText(bar.label, Qt::ElideRight, int(rect.width()) - 6);
            if (rect.width() > 24 && !text.isEmpty() && text != QStringLiteral("…")) {
                auto *label = new QGraphicsSimpleTextItem(text, item);
                label->setBrush(Qt::white); // on the saturated state colours, light or dark theme
                label->setPos(rect.x() + 3, rect.y() + (rect.height() - metrics.height()) / 2);
            }
        }
    }
    viewport()->update();
}

void TimelineView::selectStep(const QString &stepRunId)
{
    if (m_selected == stepRunId)
        return;
    m_selected = stepRunId;
    rebuild();
}

void TimelineView::zoomIn()
{
    zoomBy(1.5, viewport()->width() / 2.0);
}

void TimelineView::zoomOut()
{
    zoomBy(1 / 1.5, viewport()->width() / 2.0);
}

void TimelineView::zoomToFit()
{
    const double available = std::max(50, viewport()->width() - kLabelWidth - kRightMargin);
    m_pxPerMs = std::clamp(available / double(std::max<qint64>(m_layout.spanMs, 1)), kMinPxPerMs, kMaxPxPerMs);
    m_fitted = true;
    rebuild();
    horizontalScrollBar()->setValue(0);
}

void TimelineView::zoomBy(double factor, double anchorViewX)
{
    const double anchorMs = (mapToScene(QPoint(int(anchorViewX), 0)).x() - kLabelWidth) / m_pxPerMs;
    m_pxPerMs = std::clamp(m_pxPerMs * factor, kMinPxPerMs, kMaxPxPerMs);
    m_fitted = false;
    rebuild();
    horizontalScrollBar()->setValue(int(kLabelWidth + anchorMs * m_pxPerMs - anchorViewX));
}

void TimelineView::wheelEvent(QWheelEvent *event)
{
    if (event->modifiers() & Qt::ControlModifier) {
        const double steps = event->angleDelta().y() / 120.0;
        zoomBy(std::pow(1.25, steps), event->position().x());
        event->accept();
        return;
    }
    QGraphicsView::wheelEvent(event);
}

int TimelineView::barAt(const QPoint &viewPos) const
{
    for (QGraphicsItem *item : items(viewPos)) {
        while (item->parentItem())
            item = item->parentItem();
        const QVariant index = item->data(kBarIndexKey);
        if (index.isValid())
            return index.toInt();
    }
    return -1;
}

void TimelineView::mousePressEvent(QMouseEvent *event)
{
    m_pressPos = event->position().toPoint();
    QGraphicsView::mousePressEvent(event);
}

void TimelineView::mouseReleaseEvent(QMouseEvent *event)
{
    QGraphicsView::mouseReleaseEvent(event);
    // A click, not the end of a pan.
    if (event->button() != Qt::LeftButton || (event->position().toPoint() - m_pressPos).manhattanLength() > 4)
        return;
    const int index = barAt(event->position().toPoint());
    if (index < 0)
        return;
    const QString step = m_layout.bars[size_t(index)].stepRunId;
    selectStep(step);
    Q_EMIT stepClicked(step);
}

void TimelineView::resizeEvent(QResizeEvent *event)
{
    QGraphicsView::resizeEvent(event);
    if (m_fitted)
        zoomToFit();
}

void TimelineView::changeEvent(QEvent *event)
{
    QGraphicsView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange)
        rebuild();
}

void TimelineView::drawForeground(QPainter *painter, const QRectF &)
{
    // In viewport coordinates: the axis and the lane labels stay put while the bars scroll.
    painter->save();
    painter->resetTransform();
    const QPalette pal = palette();
    const int width = viewport()->width();
    const int height = viewport()->height();
    const QFontMetrics metrics(font());

    painter->fillRect(QRect(0, 0, width, kAxisHeight), pal.window());
    QColor grid = pal.color(QPalette::WindowText);
    grid.setAlpha(40);
    const qint64 step = tickStep(m_pxPerMs, 90);
    const double leftMs = (mapToScene(QPoint(kLabelWidth, 0)).x() - kLabelWidth) / m_pxPerMs;
    const double rightMs = (mapToScene(QPoint(width, 0)).x() - kLabelWidth) / m_pxPerMs;
    for (qint64 t = std::max<qint64>(0, qint64(std::floor(leftMs / double(step))) * step); t <= rightMs; t += step) {
        const int x = mapFromScene(QPointF(kLabelWidth + t * m_pxPerMs, 0)).x();
        if (x < kLabelWidth)
            continue;
        painter->setPen(grid);
        painter->drawLine(x, kAxisHeight, x, height);
        painter->setPen(pal.color(QPalette::WindowText));
        painter->drawLine(x, kAxisHeight - 6, x, kAxisHeight);
        painter->drawText(QRect(x + 3, 0, 120, kAxisHeight - 4), Qt::AlignLeft | Qt::AlignBottom,
                          t == 0 ? QStringLiteral("0") : QStringLiteral("+") + formatDuration(t));
    }
    painter->setPen(pal.color(QPalette::Mid));
    painter->drawLine(0, kAxisHeight, width, kAxisHeight);

    painter->fillRect(QRect(0, kAxisHeight + 1, kLabelWidth, height), pal.window());
    for (int lane = 0; lane < int(m_layout.lanes.size()); ++lane) {
        const int y = mapFromScene(QPointF(0, kAxisHeight + lane * kLaneHeight)).y();
        if (y + kLaneHeight < kAxisHeight || y > height)
            continue;
        const TimelineLane &info = m_layout.lanes[size_t(lane)];
        const int indent = 6 + 12 * info.depth;
        const QRect box(indent, std::max(y, kAxisHeight + 1), kLabelWidth - indent - 6, kLaneHeight);
        if (y < kAxisHeight)
            continue;
        painter->setPen(pal.color(QPalette::WindowText));
        painter->drawText(box, Qt::AlignLeft | Qt::AlignVCenter,
                          metrics.elidedText(info.label, Qt::ElideRight, box.width()));
    }
    painter->setPen(pal.color(QPalette::Mid));
    painter->drawLine(kLabelWidth, 0, kLabelWidth, height);
    painter->restore();
}

} // namespace vigil::ui
