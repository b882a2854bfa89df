// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Qt Charts draw on a white theme of their own; these make a chart follow the system
// palette (dark included) and give every time chart the same axes.

#include <QString>

#include <utility>

class QChart;
class QChartView;
class QDateTimeAxis;
class QValueAxis;
class QWidget;

namespace vigil::ui {

// A chart view with no legend, palette colours, antialiasing and a compact margin.
QChartView *makeChartView(const QString &title, QWidget *parent);
// Adds a time x axis and a value y axis (from 0) to the view's chart and answers them.
std::pair<QDateTimeAxis *, QValueAxis *> addTimeAxes(QChart *chart);
// Re-applies the palette (after a palette change).
void applyPalette(QChart *chart, const QWidget *from);

} // namespace vigil::ui
