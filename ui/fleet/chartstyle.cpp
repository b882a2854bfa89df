// SPDX-License-Identifier: GPL-3.0-or-later
#include "fleet/chartstyle.h"

#include <QChart>
#include <QChartView>
#include <QDateTimeAxis>
#include <QGraphicsLayout>
#include <QValueAxis>

namespace vigil::ui {

void applyPalette(QChart *chart, const QWidget *from)
{
    const QPalette palette = from->palette();
    chart->setBackgroundBrush(palette.base());
    chart->setBackgroundPen(QPen(palette.mid().color()));
    chart->setTitleBrush(palette.text());
    chart->legend()->setLabelColor(palette.text().color());
    QColor grid = palette.mid().color();
    grid.setAlpha(110);
    for (QAbstractAxis *axis : chart->axes()) {
        axis->setLabelsBrush(palette.text());
        axis->setTitleBrush(palette.text());
        axis->setLinePenColor(palette.mid().color());
        axis->setGridLineColor(grid);
    }
}

QChartView *makeChartView(const QString &title, QWidget *parent)
{
    auto *chart = new QChart;
    chart->setTitle(title);
    QFont font = chart->titleFont();
    font.setBold(true);
    font.setPointSizeF(parent->font().pointSizeF());
    chart->setTitleFont(font);
    chart->legend()->hide();
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->layout()->setContentsMargins(0, 0, 0, 0);
    chart->setBackgroundRoundness(3);
    auto *view = new QChartView(chart, parent);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumHeight(200);
    applyPalette(chart, parent);
    return view;
}

std::pair<QDateTimeAxis *, QValueAxis *> addTimeAxes(QChart *chart)
{
    auto *x = new QDateTimeAxis;
    x->setFormat(QStringLiteral("HH:mm"));
    x->setTickCount(6);
    auto *y = new QValueAxis;
    y->setMin(0);
    y->setLabelFormat(QStringLiteral("%.5g"));
    y->setTickCount(5);
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    return { x, y };
}

} // namespace vigil::ui
