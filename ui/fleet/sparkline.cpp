// SPDX-License-Identifier: GPL-3.0-or-later
#include "fleet/sparkline.h"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>

namespace vigil::ui {

void paintSparkline(QPainter *painter, const QRectF &rect, const QList<int> &values, int gap, int slots,
                    const QColor &line, const QColor &gapColor)
{
    if (values.isEmpty() || rect.width() < 4 || rect.height() < 4)
        return;
    slots = std::max<int>(slots, int(values.size()));
    int maxValue = 1;
    for (const int value : values)
        if (value != gap)
            maxValue = std::max(maxValue, value);
    const qreal step = slots > 1 ? rect.width() / (slots - 1) : rect.width();
    const qreal x0 = rect.right() - step * (values.size() - 1);
    // Headroom so a steady line sits in the middle rather than on the top edge.
    const qreal scale = (rect.height() - 2) / (maxValue * 1.25);

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    QPainterPath path;
    bool open = false;
    for (qsizetype i = 0; i < values.size(); ++i) {
        const qreal x = x0 + step * i;
        if (values[i] == gap) {
            open = false;
            painter->setPen(QPen(gapColor, 2));
            painter->drawLine(QPointF(x, rect.bottom()), QPointF(x, rect.bottom() - rect.height() * 0.45));
            continue;
        }
        const QPointF point(x, rect.bottom() - 1 - values[i] * scale);
        if (open)
            path.lineTo(point);
        else
            path.moveTo(point);
        open = true;
    }
    painter->setPen(QPen(line, 1.5));
    painter->setBrush(Qt::NoBrush);
    painter->drawPath(path);
    // A lone point between gaps has no segment; give it a dot.
    for (qsizetype i = 0; i < values.size(); ++i) {
        const bool alone = values[i] != gap && (i == 0 || values[i - 1] == gap)
            && (i + 1 == values.size() || values[i + 1] == gap);
        if (alone)
            painter->drawEllipse(QPointF(x0 + step * i, rect.bottom() - 1 - values[i] * scale), 1.2, 1.2);
    }
    painter->restore();
}

} // namespace vigil::ui
