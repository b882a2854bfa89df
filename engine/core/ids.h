// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Row ids are TEXT, prefixed as in Pulse (trg_, wfd_, run_, stp_, log_, inc_), and
// time-ordered: 10 Crockford base-32 characters of Unix milliseconds, then 16 random ones
// (80 bits). Ordering by id is therefore ordering by creation, which makes cursor paging a
// plain `id < :cursor` on the primary key, on every backend.

#include <QDateTime>
#include <QString>
#include <QStringView>

namespace vigil {

QString newId(QStringView prefix);
QString newId(QStringView prefix, const QDateTime &at);

namespace IdPrefix {
inline constexpr QStringView Trigger = u"trg";
inline constexpr QStringView Definition = u"wfd";
inline constexpr QStringView Run = u"run";
inline constexpr QStringView StepRun = u"stp";
inline constexpr QStringView Log = u"log";
inline constexpr QStringView Incident = u"inc";
} // namespace IdPrefix

} // namespace vigil
