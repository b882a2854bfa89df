// SPDX-License-Identifier: GPL-3.0-or-later

#include "cron.h"

#include <QDate>
#include <QLatin1String>
#include <QList>
#include <algorithm>
#include <array>
#include <optional>

namespace vigil {

namespace {

// Both searches give up after this long: an expression that fires less often (or never, like
// "0 0 30 2 *") is reported as not firing instead of being chased across centuries.
constexpr int kHorizonYears = 5;
constexpr qint64 kSecsPerDay = 86400;
constexpr qint64 kUnixEpochJulianDay = 2440588;

// Numbers are only ever compared against field bounds (at most 59), so accumulation can
// saturate here and "99999999999" still reads as out of range rather than overflowing.
constexpr int kSaturated = 1000000;

constexpr std::array<QLatin1String, 12> kMonthNames { QLatin1String("JAN"), QLatin1String("FEB"),
    QLatin1String("MAR"), QLatin1String("APR"), QLatin1String("MAY"), QLatin1String("JUN"),
    QLatin1String("JUL"), QLatin1String("AUG"), QLatin1String("SEP"), QLatin1String("OCT"),
    QLatin1String("NOV"), QLatin1String("DEC") };
constexpr std::array<QLatin1String, 7> kDayNames { QLatin1String("SUN"), QLatin1String("MON"),
    QLatin1String("TUE"), QLatin1String("WED"), QLatin1String("THU"), QLatin1String("FRI"),
    QLatin1String("SAT") };

struct FieldSpec
{
    QLatin1String name;
    int min;
    int max; // largest value that may be written (7 for day-of-week, an alias of Sunday)
    int openMax; // where "*" and "a/n" stop: 6 for day-of-week, so Sunday is not counted twice
    const QLatin1String *names; // names[i] has the value namesBase + i
    int nameCount;
    int namesBase;
};

const std::array<FieldSpec, 5> kFields { {
    { QLatin1String("minute"), 0, 59, 59, nullptr, 0, 0 },
    { QLatin1String("hour"), 0, 23, 23, nullptr, 0, 0 },
    { QLatin1String("day-of-month"), 1, 31, 31, nullptr, 0, 0 },
    { QLatin1String("month"), 1, 12, 12, kMonthNames.data(), int(kMonthNames.size()), 1 },
    { QLatin1String("day-of-week"), 0, 7, 6, kDayNames.data(), int(kDayNames.size()), 0 },
} };

// Garbage can be arbitrarily long and ends up in an operator-facing message; keep it readable.
QString shown(QStringView text)
{
    constexpr qsizetype kMax = 40;
    if (text.size() <= kMax)
        return text.toString();
    return text.left(kMax).toString() + QStringLiteral("...");
}

Error fieldError(const FieldSpec &field, const QString &what)
{
    return makeError(ErrorCode::Invalid, QString(field.name) + QStringLiteral(": ") + what);
}

bool isAsciiDigits(QStringView text)
{
    return !text.isEmpty()
        && std::all_of(text.begin(), text.end(), [](QChar c) { return c >= u'0' && c <= u'9'; });
}

bool isAsciiLetters(QStringView text)
{
    return !text.isEmpty() && std::all_of(text.begin(), text.end(), [](QChar c) {
        return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z');
    });
}

int saturatedNumber(QStringView digits)
{
    int value = 0;
    for (QChar c : digits) {
        value = value * 10 + (c.unicode() - u'0');
        if (value >= kSaturated)
            return kSaturated;
    }
    return value;
}

Result<int> parseValue(QStringView text, const FieldSpec &field)
{
    if (isAsciiDigits(text)) {
        const int value = saturatedNumber(text);
        if (value < field.min || value > field.max)
            return fieldError(field,
                QStringLiteral("%1 is out of range %2-%3").arg(shown(text)).arg(field.min).arg(field.max));
        return value;
    }
    if (isAsciiLetters(text) && field.names) {
        for (int i = 0; i < field.nameCount; ++i) {
            if (text.compare(field.names[i], Qt::CaseInsensitive) == 0)
                return field.namesBase + i;
        }
        return fieldError(field, QStringLiteral("unknown name \"%1\"").arg(shown(text)));
    }
    return fieldError(field, QStringLiteral("invalid value \"%1\"").arg(shown(text)));
}

// One comma-separated item: *, a, a-b, each optionally followed by /step.
Status parseItem(QStringView item, const FieldSpec &field, quint64 &bits)
{
    QStringView base = item;
    int step = 1;
    const qsizetype slash = item.indexOf(u'/');
    if (slash >= 0) {
        base = item.left(slash);
        const QStringView stepText = item.mid(slash + 1);
        if (!isAsciiDigits(stepText) || saturatedNumber(stepText) == 0)
            return fieldError(field, QStringLiteral("invalid step \"%1\"").arg(shown(item)));
        step = saturatedNumber(stepText);
        if (step > field.max)
            return fieldError(
                field, QStringLiteral("step %1 is out of range 1-%2").arg(shown(stepText)).arg(field.max));
    }

    int low = 0;
    int high = 0;
    if (base == u"*") {
        low = field.min;
        high = field.openMax;
    } else if (const qsizetype dash = base.indexOf(u'-'); dash >= 0) {
        const QStringView lowText = base.left(dash);
        const QStringView highText = base.mid(dash + 1);
        if (lowText.isEmpty() || highText.isEmpty() || highText.contains(u'-'))
            return fieldError(field, QStringLiteral("invalid range \"%1\"").arg(shown(item)));
        const Result<int> lowValue = parseValue(lowText, field);
        if (!lowValue)
            return lowValue.error();
        const Result<int> highValue = parseValue(highText, field);
        if (!highValue)
            return highValue.error();
        low = *lowValue;
        high = *highValue;
        if (low > high)
            return fieldError(
                field, QStringLiteral("range %1-%2 is reversed").arg(shown(lowText), shown(highText)));
    } else {
        if (base.isEmpty())
            return fieldError(field, QStringLiteral("invalid value \"%1\"").arg(shown(item)));
        const Result<int> value = parseValue(base, field);
        if (!value)
            return value.error();
        low = *value;
        // "a/n" is shorthand for "a-max/n".
        high = slash >= 0 ? std::max(low, field.openMax) : low;
    }

    for (int v = low; v <= high; v += step)
        bits |= quint64(1) << v;
    return {};
}

Status parseField(QStringView text, const FieldSpec &field, quint64 &bits)
{
    bits = 0;
    const QList<QStringView> items = text.split(u',');
    for (const QStringView item : items) {
        if (item.isEmpty())
            return fieldError(field, QStringLiteral("empty item in list \"%1\"").arg(shown(text)));
        if (Status status = parseItem(item, field, bits); !status)
            return status;
    }
    return {};
}

template<std::size_t N> std::bitset<N> toBitset(quint64 bits)
{
    static_assert(N < 64);
    return std::bitset<N>(bits & ((quint64(1) << N) - 1));
}

qint64 floorDiv(qint64 a, qint64 b)
{
    const qint64 q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// Wall-clock time is handled as "local seconds": the seconds since 1970-01-01T00:00 on the
// zone's clock, as if that clock were UTC. That keeps the DST arithmetic in plain integers.
QDate dateOfWall(qint64 wall)
{
    return QDate::fromJulianDay(kUnixEpochJulianDay + floorDiv(wall, kSecsPerDay));
}

int minuteOfDay(qint64 wall)
{
    return int((wall - floorDiv(wall, kSecsPerDay) * kSecsPerDay) / 60);
}

qint64 wallSeconds(QDate date, int hour, int minute)
{
    return (date.toJulianDay() - kUnixEpochJulianDay) * kSecsPerDay + hour * 3600 + minute * 60;
}

// The instants at which the zone's clock shows one wall-clock time.
struct WallInstants
{
    // The earliest instant whose wall clock has reached the time: its first occurrence, or
    // for a time a spring-forward skips, the jump itself. Never decreases as the time grows.
    qint64 first;
    // The latest instant whose wall clock shows the time: its second occurrence when a
    // fall-back repeats it, else `first`. Also never decreases over the times that exist.
    qint64 last;
    // False for a time a spring-forward skips.
    bool exists;
};

class ZoneClock
{
public:
    explicit ZoneClock(const QTimeZone &zone)
        : m_zone(zone)
    { }

    int offsetAt(qint64 utc) const
    {
        return m_zone.offsetFromUtc(QDateTime::fromSecsSinceEpoch(utc, Qt::UTC));
    }
    qint64 toWall(qint64 utc) const { return utc + offsetAt(utc); }

    WallInstants resolve(qint64 wall) const
    {
        // A day either side brackets any transition that could involve this wall time
        // (offsets stay within -12h..+14h); zones with two transitions in two days do not exist.
        const int before = offsetAt(wall - kSecsPerDay);
        const int after = offsetAt(wall + kSecsPerDay);
        const qint64 early = wall - std::max(before, after);
        const qint64 late = wall - std::min(before, after);
        const bool earlyHits = toWall(early) == wall;
        const bool lateHits = late == early ? earlyHits : toWall(late) == wall;
        if (earlyHits || lateHits)
            return { earlyHits ? early : late, lateHits ? late : early, true };
        // A gap. Whole-second bisection finds the jump without relying on the zone backend
        // exposing its transitions.
        qint64 low = early;
        qint64 high = late;
        if (toWall(low) >= wall || toWall(high) < wall)
            return { late, late, false };
        while (high - low > 1) {
            const qint64 mid = low + (high - low) / 2;
            if (toWall(mid) >= wall)
                high = mid;
            else
                low = mid;
        }
        return { high, high, false };
    }

    // How far below toWall(utc) the wall clock reads at some instant after `utc`: the size of
    // a fall-back that happens within that distance, else 0. Only such an instant can show a
    // wall time earlier than utc's own again.
    int fallBackAhead(qint64 utc) const
    {
        const int now = offsetAt(utc);
        const int drop = now - offsetAt(utc + kSecsPerDay);
        if (drop <= 0 || offsetAt(utc + drop) >= now)
            return 0;
        return drop;
    }

private:
    const QTimeZone &m_zone;
};

QDateTime utcDateTime(qint64 secs)
{
    return QDateTime::fromSecsSinceEpoch(secs, Qt::UTC);
}

} // namespace

Result<CronExpression> CronExpression::parse(QStringView expression)
{
    QList<QStringView> fields;
    qsizetype start = -1;
    for (qsizetype i = 0; i <= expression.size(); ++i) {
        const bool space = i == expression.size() || expression.at(i).isSpace();
        if (space && start >= 0) {
            fields.append(expression.mid(start, i - start));
            start = -1;
        } else if (!space && start < 0) {
            start = i;
        }
    }
    if (fields.size() != qsizetype(kFields.size()))
        return makeError(ErrorCode::Invalid,
            QStringLiteral("expected 5 fields (minute hour day-of-month month day-of-week), got %1")
                .arg(fields.size()));

    std::array<quint64, 5> bits {};
    for (std::size_t i = 0; i < kFields.size(); ++i) {
        if (Status status = parseField(fields.at(qsizetype(i)), kFields[i], bits[i]); !status)
            return status.error();
    }
    // 7 is only another spelling of Sunday.
    if (bits[4] & (quint64(1) << 7))
        bits[4] |= 1;

    CronExpression cron;
    cron.m_text = expression.trimmed().toString();
    cron.m_minutes = toBitset<60>(bits[0]);
    cron.m_hours = toBitset<24>(bits[1]);
    cron.m_daysOfMonth = toBitset<32>(bits[2]);
    cron.m_months = toBitset<13>(bits[3]);
    cron.m_daysOfWeek = toBitset<7>(bits[4]);
    // Vixie cron looks only at the first character, so "*/2" counts as unrestricted too.
    cron.m_domRestricted = !fields.at(2).startsWith(u'*');
    cron.m_dowRestricted = !fields.at(4).startsWith(u'*');
    cron.m_realTime = fields.at(1).startsWith(u'*');
    return cron;
}

Result<QTimeZone> CronExpression::zone(QStringView ianaId)
{
    if (ianaId.isEmpty())
        return QTimeZone::utc();
    QTimeZone tz(ianaId.toUtf8());
    if (!tz.isValid())
        return makeError(ErrorCode::Invalid, QStringLiteral("unknown time zone \"%1\"").arg(ianaId));
    return tz;
}

bool CronExpression::dayMatches(QDate date) const
{
    const bool dom = m_daysOfMonth.test(std::size_t(date.day()));
    const bool dow = m_daysOfWeek.test(std::size_t(date.dayOfWeek() % 7));
    if (m_domRestricted && m_dowRestricted)
        return dom || dow;
    return dom && dow;
}

bool CronExpression::matchesLocal(const QDateTime &localWallClock) const
{
    if (!localWallClock.isValid())
        return false;
    const QDate date = localWallClock.date();
    const QTime time = localWallClock.time();
    return m_minutes.test(std::size_t(time.minute())) && m_hours.test(std::size_t(time.hour()))
        && m_months.test(std::size_t(date.month())) && dayMatches(date);
}

QDateTime CronExpression::nextAfter(const QDateTime &after, const QTimeZone &zone) const
{
    if (!after.isValid() || !zone.isValid())
        return {};
    const ZoneClock clock(zone);
    const qint64 afterMs = after.toMSecsSinceEpoch();
    const qint64 limitMs = after.toUTC().addYears(kHorizonYears).toMSecsSinceEpoch();
    const qint64 afterSecs = floorDiv(afterMs, 1000);

    // `after` has already reached every wall time earlier than its own, so none of those can
    // first occur later. Only a second occurrence can, and only if the clock is about to fall
    // back; for a real-time job the scan starts early enough to meet those.
    qint64 startWall = clock.toWall(afterSecs);
    if (m_realTime)
        startWall -= clock.fallBackAhead(afterSecs);
    startWall = floorDiv(startWall, 60) * 60;
    const QDate lastDate = dateOfWall(clock.toWall(floorDiv(limitMs, 1000))).addDays(1);

    // Wall times come in increasing order. The first one that first occurs after `after` ends
    // the scan, since every later one occurs later still; before it, a real-time job may meet
    // wall times whose first occurrence is past but whose second is still ahead.
    std::optional<qint64> best;
    const auto offer = [&best](qint64 utc) { best = best ? std::min(*best, utc) : utc; };
    const auto visit = [&](qint64 wall) {
        const WallInstants instants = clock.resolve(wall);
        if (m_realTime && !instants.exists)
            return false;
        if (instants.first * 1000 > afterMs) {
            offer(instants.first);
            return true;
        }
        if (m_realTime && instants.last * 1000 > afterMs)
            offer(instants.last);
        return false;
    };

    // Whole months and days that cannot match cost one test each; only matching days look at
    // hours and minutes, so even a never-firing expression answers after ~60 month checks.
    const auto scan = [&] {
        QDate date = dateOfWall(startWall);
        int firstMinute = minuteOfDay(startWall);
        while (date.isValid() && date <= lastDate) {
            if (!m_months.test(std::size_t(date.month()))) {
                date = QDate(date.year(), date.month(), 1).addMonths(1);
                firstMinute = 0;
                continue;
            }
            if (dayMatches(date)) {
                for (int hour = firstMinute / 60; hour < 24; ++hour) {
                    if (!m_hours.test(std::size_t(hour)))
                        continue;
                    for (int minute = hour == firstMinute / 60 ? firstMinute % 60 : 0; minute < 60;
                         ++minute) {
                        if (m_minutes.test(std::size_t(minute)) && visit(wallSeconds(date, hour, minute)))
                            return;
                    }
                }
            }
            date = date.addDays(1);
            firstMinute = 0;
        }
    };
    scan();
    if (!best || *best * 1000 > limitMs)
        return {};
    return utcDateTime(*best);
}

QDateTime CronExpression::latestAtOrBefore(
    const QDateTime &at, const QDateTime &notBefore, const QTimeZone &zone) const
{
    if (!at.isValid() || !zone.isValid())
        return {};
    const ZoneClock clock(zone);
    const qint64 atMs = at.toMSecsSinceEpoch();
    qint64 floorMs = at.toUTC().addYears(-kHorizonYears).toMSecsSinceEpoch();
    if (notBefore.isValid())
        floorMs = std::max(floorMs, notBefore.toMSecsSinceEpoch());
    if (floorMs >= atMs)
        return {};

    // After a fall-back, wall times later than at's own may already have occurred before
    // `at`, so start from the largest offset seen lately.
    const qint64 atSecs = floorDiv(atMs, 1000);
    const int maxOffset = std::max({ clock.offsetAt(atSecs), clock.offsetAt(atSecs - kSecsPerDay),
        clock.offsetAt(atSecs - 2 * kSecsPerDay) });
    const qint64 startWall = floorDiv(atSecs + maxOffset, 60) * 60;
    // A wall time before the floor's own has first occurred by the floor, so that day ends the
    // scan; for a real-time job, less a fall-back that may show such a time again.
    const qint64 floorSecs = floorDiv(floorMs, 1000);
    qint64 floorWall = clock.toWall(floorSecs);
    if (m_realTime)
        floorWall -= clock.fallBackAhead(floorSecs);
    const QDate lastDate = dateOfWall(floorWall);

    // Wall times come in decreasing order. The first one that fires at or before `at` at its
    // latest occurrence ends the scan, since every earlier one fires earlier still; before it,
    // a real-time job may meet wall times whose first occurrence is in range but whose second
    // is after `at`.
    std::optional<qint64> best;
    const auto offer = [&best](qint64 utc) { best = best ? std::max(*best, utc) : utc; };
    const auto visit = [&](qint64 wall) {
        const WallInstants instants = clock.resolve(wall);
        if (m_realTime && !instants.exists)
            return false;
        const qint64 latest = m_realTime ? instants.last : instants.first;
        if (latest * 1000 <= atMs) {
            offer(latest);
            return true;
        }
        if (m_realTime && instants.first * 1000 <= atMs)
            offer(instants.first);
        return false;
    };

    const auto scan = [&] {
        QDate date = dateOfWall(startWall);
        int lastMinute = minuteOfDay(startWall);
        while (date.isValid() && date >= lastDate) {
            if (!m_months.test(std::size_t(date.month()))) {
                date = QDate(date.year(), date.month(), 1).addDays(-1);
                lastMinute = 24 * 60 - 1;
                continue;
            }
            if (dayMatches(date)) {
                for (int hour = lastMinute / 60; hour >= 0; --hour) {
                    if (!m_hours.test(std::size_t(hour)))
                        continue;
                    for (int minute = hour == lastMinute / 60 ? lastMinute % 60 : 59; minute >= 0; --minute) {
                        if (m_minutes.test(std::size_t(minute)) && visit(wallSeconds(date, hour, minute)))
                            return;
                    }
                }
            }
            date = date.addDays(-1);
            lastMinute = 24 * 60 - 1;
        }
    };
    scan();
    // Every firing left unvisited is at or before `best`: nothing else lies in range.
    if (!best || *best * 1000 <= floorMs)
        return {};
    return utcDateTime(*best);
}

std::vector<QDateTime> CronExpression::nextFirings(
    const QDateTime &after, const QTimeZone &zone, int count) const
{
    std::vector<QDateTime> firings;
    if (count <= 0)
        return firings;
    firings.reserve(std::size_t(std::min(count, 1000)));
    QDateTime cursor = after;
    while (int(firings.size()) < count) {
        cursor = nextAfter(cursor, zone);
        if (!cursor.isValid())
            break;
        firings.push_back(cursor);
    }
    return firings;
}

} // namespace vigil
