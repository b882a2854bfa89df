// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Times cross every boundary (JSON, HTTP, logs) as ISO-8601 UTC with milliseconds:
// 2026-11-26T09:49:56.123Z. An invalid QDateTime stands for "absent".

#include <QDateTime>
#include <QString>
#include <QStringView>

namespace vigil {

QString toIsoUtc(const QDateTime &time);
// Accepts a trailing Z or a numeric offset, with or without fractions. Invalid on failure.
QDateTime fromIsoUtc(QStringView text);
// Now, in UTC, truncated to the millisecond (what every backend stores).
QDateTime nowUtc();
QDateTime fromMsecs(qint64 msecsSinceEpoch);
// A duration as people read it in a message: "350 ms", "12 s", "4 min 12 s", "2 h 05 min",
// "3 d 4 h". Units are symbols, so the text reads the same in any language.
QString durationText(qint64 ms);

} // namespace vigil
