// SPDX-License-Identifier: GPL-3.0-or-later
#include "common/recordtable.h"

#include <QHeaderView>
#include <QTableView>

namespace vigil::ui {

void setUpRecordTable(QTableView *table)
{
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setAlternatingRowColors(true);
    table->setWordWrap(false);
    table->verticalHeader()->hide();
    table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 8);
}

} // namespace vigil::ui
