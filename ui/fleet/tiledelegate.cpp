// SPDX-License-Identifier: GPL-3.0-or-later
#include "fleet/tiledelegate.h"

#include "common/presentation.h"
#include "fleet/fleetmodel.h"
#include "fleet/sparkline.h"

#include <QApplication>
#include <QDateTime>
#include <QPainter>
#include <QPainterPath>

namespace vigil::ui {

QSize TileDelegate::tileSize()
{
    return { 232, 84 };
}

QSize TileDelegate::sizeHint(const QStyleOptionViewItem &, const QModelIndex &) const
{
    return tileSize();
}

void TileDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const auto state = AgentState(index.data(FleetModel::StateRole).toInt());
    const QString id = index.data(FleetModel::IdRole).toString();
    const qint64 lastSeenMs = index.data(FleetModel::LastSeenMsRole).toLongLong();
    const QList<int> intervals = index.data(FleetModel::IntervalsRole).value<QList<int>>();
    const QColor color = stateColor(state);
    const QPalette &palette = option.palette;
    const bool selected = option.state.testFlag(QStyle::State_Selected);

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const QRectF tile = QRectF(option.rect).adjusted(3, 3, -3, -3);
    QPainterPath shape;
    shape.addRoundedRect(tile, 5, 5);
    painter->fillPath(shape, selected ? palette.highlight() : palette.base());
    painter->setPen(QPen(selected ? palette.highlight().color() : palette.mid().color(), 1));
    painter->drawPath(shape);
    // The stripe: the state at a glance.
    painter->save();
    painter->setClipPath(shape);
    painter->fillRect(QRectF(tile.left(), tile.top(), 6, tile.height()), color);
    painter->restore();

    const QColor text = selected ? palette.highlightedText().color() : palette.text().color();
    const QColor dim = selected ? text : palette.placeholderText().color();
    const qreal left = tile.left() + 14;
    const qreal width = tile.width() - 22;

    QFont bold = option.font;
    bold.setBold(true);
    painter->setFont(bold);
    painter->setPen(text);
    const QFontMetrics boldMetrics(bold);
    const QRectF nameRect(left, tile.top() + 6, width, boldMetrics.height());
    painter->drawText(nameRect, Qt::AlignLeft | Qt::AlignVCenter, boldMetrics.elidedText(id, Qt::ElideMiddle, int(width)));

    painter->setFont(option.font);
    const QFontMetrics metrics(option.font);
    const QString line = lastSeenMs
        ? tr("%1 · last seen %2").arg(stateName(state), formatAge(QDateTime::currentMSecsSinceEpoch() - lastSeenMs))
        : tr("%1 · never seen").arg(stateName(state));
    const QRectF lineRect(left, nameRect.bottom() + 2, width, metrics.height());
    painter->setPen(dim);
    painter->drawText(lineRect, Qt::AlignLeft | Qt::AlignVCenter, metrics.elidedText(line, Qt::ElideRight, int(width)));

    const QRectF sparkRect(left, lineRect.bottom() + 4, width, tile.bottom() - lineRect.bottom() - 10);
    if (intervals.isEmpty()) {
        painter->setPen(dim);
        painter->drawText(sparkRect, Qt::AlignLeft | Qt::AlignVCenter, tr("no recent heartbeats"));
    } else {
        const QColor lineColor = selected ? text : palette.link().color();
        paintSparkline(painter, sparkRect, intervals, FleetModel::kGap, FleetModel::kRingSize, lineColor,
                       stateColor(AgentState::Down));
    }
    if (option.state.testFlag(QStyle::State_HasFocus)) {
        painter->setPen(QPen(palette.highlight().color(), 1, Qt::DotLine));
        painter->drawRoundedRect(tile.adjusted(1, 1, -1, -1), 4, 4);
    }
    painter->restore();
}

} // namespace vigil::ui
