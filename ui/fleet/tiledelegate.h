// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// One agent as a tile: a stripe in its state's colour, its id, its state and "last seen
// 12 s ago", and a sparkline of its recent heartbeat intervals. Paints from FleetModel's
// roles only.

#include <QStyledItemDelegate>

namespace vigil::ui {

class TileDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    static QSize tileSize();

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace vigil::ui
