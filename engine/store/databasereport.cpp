// SPDX-License-Identifier: GPL-3.0-or-later
#include "databasereport.h"

#include "store/store.h"

namespace vigil {

Result<QString> databaseReport(Store &store)
{
    const Result<int> version = store.schemaVersion();
    if (!version)
        return version.error();
    const auto counts = store.tableCounts();
    if (!counts)
        return counts.error();
    qsizetype width = 0;
    for (const auto &[table, count] : counts.value())
        width = std::max(width, table.size());
    QString text;
    text += QStringLiteral("database:       %1\n").arg(store.describe());
    text += QStringLiteral("schema version: %1\n").arg(version.value());
    text += QStringLiteral("tables:\n");
    for (const auto &[table, count] : counts.value())
        text += QStringLiteral("  %1  %2\n").arg(table, -int(width)).arg(count, 10);
    return text;
}

} // namespace vigil
