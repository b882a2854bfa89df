// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Draws a TimelineLayout: lanes top to bottom, a time axis with ticks along the top, lane
// labels down the left, one bar per attempt coloured by status. Zoom with Ctrl+wheel or
// the slots, pan by dragging; clicking a bar selects its step.

#include "runs/timelinelayout.h"

#include <QGraphicsView>

namespace vigil::ui {

class TimelineView final : public QGraphicsView
{
    Q_OBJECT
public:
    explicit TimelineView(QWidget *parent = nullptr);

    void setTimeline(TimelineLayout layout);
    const TimelineLayout &timeline() const { return m_layout; }
    double pixelsPerMs() const { return m_pxPerMs; }
    QString selectedStep() const { return m_selected; }
    void selectStep(const QString &stepRunId);
    // Scene rectangle of bar `index` (tests).
    QRectF barRect(int index) const;
    // The height that shows every lane, axis included.
    int lanesHeight() const;

public Q_SLOTS:
    void zoomIn();
    void zoomOut();
    void zoomToFit();

Q_SIGNALS:
    void stepClicked(const QString &stepRunId);

protected:
    void drawForeground(QPainter *painter, const QRectF &rect) override;
    void wheelEvent(QWheelEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void rebuild();
    void zoomBy(double factor, double anchorViewX);
    int barAt(const QPoint &viewPos) const;

    TimelineLayout m_layout;
    double m_pxPerMs = 0.1;
    bool m_fitted = false; // still showing the whole run: keeps fitting on resize and updates
    QString m_selected;
    QPoint m_pressPos;
};

} // namespace vigil::ui
