// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

class QTableView;

namespace vigil::ui {

// The look every list of records shares (fleet table, runs, signals, incidents): whole rows
// selected, alternating colours, one line per row at the font's height, no row numbers.
void setUpRecordTable(QTableView *table);

} // namespace vigil::ui
