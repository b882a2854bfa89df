// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A heartbeat sparkline (Wireshark's sparkline_delegate): recent intervals as a line,
// scaled to their own maximum, broken where beats were missed (gap values) and marked
// there with a short tick in the down colour.

#include <QList>

class QColor;
class QPainter;
class QRectF;

namespace vigil::ui {

// `gap` marks a miss; values are interval lengths (any unit). `slots` is the ring's size:
// the line keeps its scale when the ring is not full yet (newest on the right).
void paintSparkline(QPainter *painter, const QRectF &rect, const QList<int> &values, int gap, int slots,
                    const QColor &line, const QColor &gapColor);

} // namespace vigil::ui
