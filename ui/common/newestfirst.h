// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Merging a frame's new rows into a list held newest first (ids are time-ordered, so newest
// first is descending id order), as the runs and signals models do. The usual case — all of
// them newer than everything held — is one insert at the top; the rare older ones go in one
// by one at their place. The id → row index is rebuilt once: re-indexing per inserted row
// made a busy frame quadratic in the rows held.

#include <QHash>
#include <QString>

#include <algorithm>
#include <iterator>
#include <vector>

namespace vigil::ui {

// `added` must be sorted newest first. `insertRows(first, last, apply)` wraps `apply` in the
// model's beginInsertRows/endInsertRows.
template<typename T, typename InsertRows>
void mergeNewestFirst(std::vector<T> &held, std::vector<T> added, QHash<QString, int> &rowById, InsertRows insertRows)
{
    if (added.empty())
        return;
    const auto older = std::partition_point(added.begin(), added.end(),
                                            [&held](const T &a) { return held.empty() || a.id > held.front().id; });
    if (older != added.begin()) {
        insertRows(0, int(older - added.begin()) - 1, [&] {
            held.insert(held.begin(), std::make_move_iterator(added.begin()), std::make_move_iterator(older));
        });
    }
    for (auto it = older; it != added.end(); ++it) {
        const auto position = std::lower_bound(held.begin(), held.end(), it->id,
                                               [](const T &h, const QString &id) { return h.id > id; });
        const int row = int(position - held.begin());
        insertRows(row, row, [&] { held.insert(position, std::move(*it)); });
    }
    rowById.clear();
    rowById.reserve(qsizetype(held.size()));
    for (int i = 0; i < int(held.size()); ++i)
        rowById.insert(held[std::size_t(i)].id, i);
}

} // namespace vigil::ui
