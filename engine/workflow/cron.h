// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A standard 5-field cron expression (minute hour day-of-month month day-of-week) evaluated
// in an IANA time zone. Fields take *, numbers, ranges a-b, steps */n and a-b/n, lists, and
// the names JAN-DEC / SUN-SAT (7 is Sunday too). When both day fields are restricted a day
// matches if either does (Vixie cron).
//
// Daylight saving follows cronie. A job whose hour field begins with '*' ("*", "*/2") runs in
// real time: it fires at every instant whose wall clock matches, so the hour a fall-back
// repeats runs twice (once per offset), and wall times a spring-forward skips do not fire at
// all; such a job runs again within its hour step anyway. Any other job runs once per matching
// wall-clock time: a skipped time fires at the instant of the jump, a repeated time only at
// its first occurrence, so a daily job is never lost or doubled. (cronie also counts a minute
// field beginning with '*' as real time; here only the hour field decides, so "*/20 2 * * *"
// fires once at the jump.) Firings are strictly increasing instants; none repeats.

#include "core/result.h"

#include <QDateTime>
#include <QString>
#include <QStringView>
#include <QTimeZone>

#include <bitset>
#include <vector>

namespace vigil {

class CronExpression
{
public:
    // Errors name the field: `hour: 24 is out of range 0-23`,
    // `expected 5 fields (minute hour day-of-month month day-of-week), got 6`.
    static Result<CronExpression> parse(QStringView expression);
    // An IANA zone id such as "Europe/Berlin"; empty means UTC.
    // Error: `unknown time zone "Mars/Olympus"`.
    static Result<QTimeZone> zone(QStringView ianaId);

    // The first firing strictly after `after`, as a UTC QDateTime.
    // Invalid if there is none within the next 5 years (e.g. "0 0 30 2 *").
    QDateTime nextAfter(const QDateTime &after, const QTimeZone &zone) const;
    // The latest firing at or before `at` and strictly after `notBefore`; invalid if none.
    // Used after downtime: only the latest missed slot fires.
    QDateTime latestAtOrBefore(const QDateTime &at, const QDateTime &notBefore, const QTimeZone &zone) const;
    // The next `count` firings after `after` (for the editor's preview).
    std::vector<QDateTime> nextFirings(const QDateTime &after, const QTimeZone &zone, int count) const;

    QString toString() const { return m_text; }
    bool matchesLocal(const QDateTime &localWallClock) const; // minute resolution

private:
    bool dayMatches(QDate date) const;

    QString m_text;
    std::bitset<60> m_minutes;
    std::bitset<24> m_hours;
    std::bitset<32> m_daysOfMonth; // 1..31
    std::bitset<13> m_months;      // 1..12
    std::bitset<7> m_daysOfWeek;   // 0 = Sunday
    // "Restricted" as Vixie cron means it: the field does not start with '*'. Only when both
    // are restricted do the day fields combine with OR; otherwise they combine with AND.
    bool m_domRestricted = false;
    bool m_dowRestricted = false;
    // The hour field begins with '*': the job follows real time across DST (see above).
    bool m_realTime = false;
};

} // namespace vigil
