// SPDX-License-Identifier: GPL-3.0-or-later

#include "workflow/cron.h"

#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QtTest>
#include <algorithm>

using vigil::CronExpression;
using vigil::ErrorCode;

namespace {

// Every expected instant in these tables was worked out by hand from the zones' published
// offsets (checked against zdump), never by running the code under test:
//   Europe/Berlin       CET +1 / CEST +2; 2026-03-29 01:00Z springs 02:00->03:00,
//                       2026-10-25 01:00Z falls back 03:00->02:00.
//   America/New_York    EST -5 / EDT -4;  2026-03-08 07:00Z springs 02:00->03:00,
//                       2026-11-01 06:00Z falls back 02:00->01:00.
//   Australia/Lord_Howe +10:30 / +11 (a 30-minute shift); 2026-10-03 15:30Z springs
//                       02:00->02:30, 2026-04-04 15:00Z falls back 02:00->01:30.
//   Asia/Tokyo          +9, no DST.
QDateTime utc(const QString &iso)
{
    const QDateTime parsed = QDateTime::fromString(iso, Qt::ISODateWithMs);
    if (!parsed.isValid())
        qFatal("bad date in a test table: %s", qPrintable(iso));
    return parsed.toUTC();
}

// A wall-clock reading for matchesLocal; UTC so the host's own zone cannot shift it.
QDateTime wall(int year, int month, int day, int hour, int minute, int second = 0)
{
    return QDateTime(QDate(year, month, day), QTime(hour, minute, second), Qt::UTC);
}

QList<int> range(int first, int last, int step = 1)
{
    QList<int> values;
    for (int v = first; v <= last; v += step)
        values.append(v);
    return values;
}

QString describe(const QDateTime &dt)
{
    return dt.isValid() ? dt.toString(Qt::ISODateWithMs) : QStringLiteral("(invalid)");
}

} // namespace

class TestCron : public QObject
{
    Q_OBJECT

private:
    static QTimeZone zoneOrFail(const QString &id, bool *ok)
    {
        const auto zone = CronExpression::zone(id);
        *ok = zone.ok();
        return zone.ok() ? *zone : QTimeZone();
    }

private Q_SLOTS:
    void fieldValues_data();
    void fieldValues();
    void toStringIsTrimmedText_data();
    void toStringIsTrimmedText();
    void parseErrors_data();
    void parseErrors();
    void garbageIsRejected_data();
    void garbageIsRejected();
    void randomInputNeverCrashes();
    void zone_data();
    void zone();
    void matchesLocal_data();
    void matchesLocal();
    void nextAfterUtc_data();
    void nextAfterUtc();
    void nextAfterAcrossDst_data();
    void nextAfterAcrossDst();
    void nextFiringsAcrossDst_data();
    void nextFiringsAcrossDst();
    void dstRules_data();
    void dstRules();
    void nextFiringsOverAYear_data();
    void nextFiringsOverAYear();
    void nextFiringsCount_data();
    void nextFiringsCount();
    void latestAtOrBefore_data();
    void latestAtOrBefore();
    void forwardAndBackwardAgree_data();
    void forwardAndBackwardAgree();
    void neverFiringAnswersQuickly_data();
    void neverFiringAnswersQuickly();
    void rareFiringIsFoundQuickly();
    void invalidArgumentsGiveInvalid();
};

// Each field is probed on its own: the expression fixes every other field, and matchesLocal
// is asked about every value of the field under test, so the table states the exact set.
void TestCron::fieldValues_data()
{
    QTest::addColumn<int>("field");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QList<int>>("expected");

    const int minute = 0, hour = 1, dom = 2, month = 3, dow = 4;

    QTest::newRow("minute *") << minute << QStringLiteral("*") << range(0, 59);
    QTest::newRow("minute 0") << minute << QStringLiteral("0") << QList<int> { 0 };
    QTest::newRow("minute 59") << minute << QStringLiteral("59") << QList<int> { 59 };
    QTest::newRow("minute leading zero") << minute << QStringLiteral("07") << QList<int> { 7 };
    QTest::newRow("minute list") << minute << QStringLiteral("5,10,15") << QList<int> { 5, 10, 15 };
    QTest::newRow("minute duplicates") << minute << QStringLiteral("1,1,1") << QList<int> { 1 };
    QTest::newRow("minute range") << minute << QStringLiteral("10-13") << range(10, 13);
    QTest::newRow("minute ranges") << minute << QStringLiteral("0-2,58-59") << QList<int> { 0, 1, 2, 58, 59 };
    QTest::newRow("minute */15") << minute << QStringLiteral("*/15") << QList<int> { 0, 15, 30, 45 };
    QTest::newRow("minute */59") << minute << QStringLiteral("*/59") << QList<int> { 0, 59 };
    QTest::newRow("minute a-b/n") << minute << QStringLiteral("10-20/5") << QList<int> { 10, 15, 20 };
    QTest::newRow("minute a-b/n uneven") << minute << QStringLiteral("0-10/4") << QList<int> { 0, 4, 8 };
    QTest::newRow("minute a/n") << minute << QStringLiteral("50/3") << QList<int> { 50, 53, 56, 59 };
    QTest::newRow("minute a/n wide") << minute << QStringLiteral("5/59") << QList<int> { 5 };
    QTest::newRow("minute step and list")
        << minute << QStringLiteral("*/20,7") << QList<int> { 0, 7, 20, 40 };

    QTest::newRow("hour *") << hour << QStringLiteral("*") << range(0, 23);
    QTest::newRow("hour */6") << hour << QStringLiteral("*/6") << QList<int> { 0, 6, 12, 18 };
    QTest::newRow("hour 9-17") << hour << QStringLiteral("9-17") << range(9, 17);
    QTest::newRow("hour 23") << hour << QStringLiteral("23") << QList<int> { 23 };
    QTest::newRow("hour 22-23/1") << hour << QStringLiteral("22-23/1") << QList<int> { 22, 23 };
    QTest::newRow("hour 1/7") << hour << QStringLiteral("1/7") << QList<int> { 1, 8, 15, 22 };

    QTest::newRow("dom 1") << dom << QStringLiteral("1") << QList<int> { 1 };
    QTest::newRow("dom 31") << dom << QStringLiteral("31") << QList<int> { 31 };
    QTest::newRow("dom 1-7") << dom << QStringLiteral("1-7") << range(1, 7);
    QTest::newRow("dom */10") << dom << QStringLiteral("*/10") << QList<int> { 1, 11, 21, 31 };
    QTest::newRow("dom 15/5") << dom << QStringLiteral("15/5") << QList<int> { 15, 20, 25, 30 };
    QTest::newRow("dom *") << dom << QStringLiteral("*") << range(1, 31);

    QTest::newRow("month *") << month << QStringLiteral("*") << range(1, 12);
    QTest::newRow("month 12") << month << QStringLiteral("12") << QList<int> { 12 };
    QTest::newRow("month JAN") << month << QStringLiteral("JAN") << QList<int> { 1 };
    QTest::newRow("month mAy") << month << QStringLiteral("mAy") << QList<int> { 5 };
    QTest::newRow("month jan-mar") << month << QStringLiteral("jan-mar") << QList<int> { 1, 2, 3 };
    QTest::newRow("month Jun,DEC") << month << QStringLiteral("Jun,DEC") << QList<int> { 6, 12 };
    QTest::newRow("month */3") << month << QStringLiteral("*/3") << QList<int> { 1, 4, 7, 10 };
    QTest::newRow("month FEB-DEC/2") << month << QStringLiteral("FEB-DEC/2")
                                     << QList<int> { 2, 4, 6, 8, 10, 12 };
    QTest::newRow("month name and number") << month << QStringLiteral("3-APR") << QList<int> { 3, 4 };

    QTest::newRow("dow *") << dow << QStringLiteral("*") << range(0, 6);
    QTest::newRow("dow 0") << dow << QStringLiteral("0") << QList<int> { 0 };
    QTest::newRow("dow 7") << dow << QStringLiteral("7") << QList<int> { 0 };
    QTest::newRow("dow 0,7") << dow << QStringLiteral("0,7") << QList<int> { 0 };
    QTest::newRow("dow SUN") << dow << QStringLiteral("SUN") << QList<int> { 0 };
    QTest::newRow("dow MON-FRI") << dow << QStringLiteral("MON-FRI") << range(1, 5);
    QTest::newRow("dow TUE-thu") << dow << QStringLiteral("TUE-thu") << QList<int> { 2, 3, 4 };
    QTest::newRow("dow sat,sun") << dow << QStringLiteral("sat,sun") << QList<int> { 0, 6 };
    QTest::newRow("dow 5-7") << dow << QStringLiteral("5-7") << QList<int> { 0, 5, 6 };
    QTest::newRow("dow FRI-7") << dow << QStringLiteral("FRI-7") << QList<int> { 0, 5, 6 };
    QTest::newRow("dow */2") << dow << QStringLiteral("*/2") << QList<int> { 0, 2, 4, 6 };
    QTest::newRow("dow 1/2") << dow << QStringLiteral("1/2") << QList<int> { 1, 3, 5 };
    QTest::newRow("dow MON-SAT/2") << dow << QStringLiteral("MON-SAT/2") << QList<int> { 1, 3, 5 };
}

void TestCron::fieldValues()
{
    QFETCH(int, field);
    QFETCH(QString, text);
    QFETCH(QList<int>, expected);

    QStringList fields { QStringLiteral("0"), QStringLiteral("0"), QStringLiteral("*"), QStringLiteral("*"),
        QStringLiteral("*") };
    if (field == 3) // month: pin the day so every month is probed on a day that exists
        fields[2] = QStringLiteral("1");
    fields[field] = text;
    const auto cron = CronExpression::parse(fields.join(u' '));
    QVERIFY2(cron.ok(), qPrintable(cron.ok() ? QString() : cron.error().message));

    QList<int> actual;
    switch (field) {
    case 0:
        for (int m = 0; m < 60; ++m)
            if (cron->matchesLocal(wall(2026, 1, 5, 0, m)))
                actual.append(m);
        break;
    case 1:
        for (int h = 0; h < 24; ++h)
            if (cron->matchesLocal(wall(2026, 1, 5, h, 0)))
                actual.append(h);
        break;
    case 2:
        for (int d = 1; d <= 31; ++d)
            if (cron->matchesLocal(wall(2026, 1, d, 0, 0)))
                actual.append(d);
        break;
    case 3:
        for (int m = 1; m <= 12; ++m)
            if (cron->matchesLocal(wall(2026, m, 1, 0, 0)))
                actual.append(m);
        break;
    case 4:
        // 2026-01-04 is a Sunday, so day offset d is day-of-week d.
        for (int d = 0; d < 7; ++d)
            if (cron->matchesLocal(wall(2026, 1, 4 + d, 0, 0)))
                actual.append(d);
        break;
    }
    QCOMPARE(actual, expected);
}

void TestCron::toStringIsTrimmedText_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected");

    QTest::newRow("plain") << QStringLiteral("*/5 * * * *") << QStringLiteral("*/5 * * * *");
    QTest::newRow("padded") << QStringLiteral("  0 9 * * MON-FRI \n") << QStringLiteral("0 9 * * MON-FRI");
    QTest::newRow("inner runs kept") << QStringLiteral("\t0  9\t* *   1 ") << QStringLiteral("0  9\t* *   1");
}

void TestCron::toStringIsTrimmedText()
{
    QFETCH(QString, text);
    QFETCH(QString, expected);

    const auto cron = CronExpression::parse(text);
    QVERIFY2(cron.ok(), qPrintable(cron.ok() ? QString() : cron.error().message));
    QCOMPARE(cron->toString(), expected);
}

void TestCron::parseErrors_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("message");

    const QString count
        = QStringLiteral("expected 5 fields (minute hour day-of-month month day-of-week), got %1");
    QTest::newRow("empty") << QString() << count.arg(0);
    QTest::newRow("blank") << QStringLiteral(" \t\n ") << count.arg(0);
    QTest::newRow("four fields") << QStringLiteral("* * * *") << count.arg(4);
    QTest::newRow("six fields") << QStringLiteral("* * * * * *") << count.arg(6);
    QTest::newRow("macro") << QStringLiteral("@daily") << count.arg(1);

    QTest::newRow("minute 60") << QStringLiteral("60 * * * *")
                               << QStringLiteral("minute: 60 is out of range 0-59");
    QTest::newRow("hour 24") << QStringLiteral("* 24 * * *")
                             << QStringLiteral("hour: 24 is out of range 0-23");
    QTest::newRow("dom 0") << QStringLiteral("* * 0 * *")
                           << QStringLiteral("day-of-month: 0 is out of range 1-31");
    QTest::newRow("dom 32") << QStringLiteral("* * 32 * *")
                            << QStringLiteral("day-of-month: 32 is out of range 1-31");
    QTest::newRow("month 0") << QStringLiteral("* * * 0 *")
                             << QStringLiteral("month: 0 is out of range 1-12");
    QTest::newRow("month 13") << QStringLiteral("* * * 13 *")
                              << QStringLiteral("month: 13 is out of range 1-12");
    QTest::newRow("dow 8") << QStringLiteral("* * * * 8")
                           << QStringLiteral("day-of-week: 8 is out of range 0-7");
    QTest::newRow("huge number") << QStringLiteral("99999999999 * * * *")
                                 << QStringLiteral("minute: 99999999999 is out of range 0-59");
    QTest::newRow("range end out of range")
        << QStringLiteral("* * * JAN-13 *") << QStringLiteral("month: 13 is out of range 1-12");
    QTest::newRow("first error wins")
        << QStringLiteral("60 24 * * *") << QStringLiteral("minute: 60 is out of range 0-59");

    QTest::newRow("step 0") << QStringLiteral("*/0 * * * *")
                            << QStringLiteral("minute: invalid step \"*/0\"");
    QTest::newRow("step missing") << QStringLiteral("*/ * * * *")
                                  << QStringLiteral("minute: invalid step \"*/\"");
    QTest::newRow("step word") << QStringLiteral("*/x * * * *")
                               << QStringLiteral("minute: invalid step \"*/x\"");
    QTest::newRow("step negative") << QStringLiteral("1-5/-1 * * * *")
                                   << QStringLiteral("minute: invalid step \"1-5/-1\"");
    QTest::newRow("two steps") << QStringLiteral("* * 1/2/3 * *")
                               << QStringLiteral("day-of-month: invalid step \"1/2/3\"");
    QTest::newRow("step too big") << QStringLiteral("*/60 * * * *")
                                  << QStringLiteral("minute: step 60 is out of range 1-59");
    QTest::newRow("hour step too big")
        << QStringLiteral("* */24 * * *") << QStringLiteral("hour: step 24 is out of range 1-23");

    QTest::newRow("unknown day") << QStringLiteral("* * * * FOO")
                                 << QStringLiteral("day-of-week: unknown name \"FOO\"");
    QTest::newRow("long day name") << QStringLiteral("* * * * MONDAY")
                                   << QStringLiteral("day-of-week: unknown name \"MONDAY\"");
    QTest::newRow("unknown month") << QStringLiteral("* * * foo *")
                                   << QStringLiteral("month: unknown name \"foo\"");
    QTest::newRow("day name as month")
        << QStringLiteral("* * * MON *") << QStringLiteral("month: unknown name \"MON\"");

    QTest::newRow("reversed month") << QStringLiteral("* * * 5-2 *")
                                    << QStringLiteral("month: range 5-2 is reversed");
    QTest::newRow("reversed minute") << QStringLiteral("30-10 * * * *")
                                     << QStringLiteral("minute: range 30-10 is reversed");
    QTest::newRow("reversed names") << QStringLiteral("* * * * FRI-MON")
                                    << QStringLiteral("day-of-week: range FRI-MON is reversed");

    QTest::newRow("open range") << QStringLiteral("1- * * * *")
                                << QStringLiteral("minute: invalid range \"1-\"");
    QTest::newRow("negative") << QStringLiteral("-1 * * * *")
                              << QStringLiteral("minute: invalid range \"-1\"");
    QTest::newRow("double range") << QStringLiteral("1-2-3 * * * *")
                                  << QStringLiteral("minute: invalid range \"1-2-3\"");
    QTest::newRow("empty items") << QStringLiteral(",, * * * *")
                                 << QStringLiteral("minute: empty item in list \",,\"");
    QTest::newRow("trailing comma") << QStringLiteral("* 1, * * *")
                                    << QStringLiteral("hour: empty item in list \"1,\"");

    QTest::newRow("word") << QStringLiteral("abc * * * *") << QStringLiteral("minute: invalid value \"abc\"");
    QTest::newRow("name in dom") << QStringLiteral("* * MON * *")
                                 << QStringLiteral("day-of-month: invalid value \"MON\"");
    QTest::newRow("quartz ?") << QStringLiteral("? * * * *") << QStringLiteral("minute: invalid value \"?\"");
    QTest::newRow("quartz L") << QStringLiteral("* * L * *")
                              << QStringLiteral("day-of-month: invalid value \"L\"");
    QTest::newRow("quartz #") << QStringLiteral("* * * * 1#2")
                              << QStringLiteral("day-of-week: invalid value \"1#2\"");
    QTest::newRow("bare step") << QStringLiteral("/5 * * * *")
                               << QStringLiteral("minute: invalid value \"/5\"");
    QTest::newRow("decimal") << QStringLiteral("1.5 * * * *")
                             << QStringLiteral("minute: invalid value \"1.5\"");
    QTest::newRow("star range") << QStringLiteral("*-5 * * * *")
                                << QStringLiteral("minute: invalid value \"*\"");
    QTest::newRow("non-ascii digit") << QStringLiteral("\u0665 * * * *")
                                     << QStringLiteral("minute: invalid value \"\u0665\"");
    QTest::newRow("long garbage is elided")
        << (QString(50, u'x') + QStringLiteral(" * * * *"))
        << (QStringLiteral("minute: invalid value \"") + QString(40, u'x') + QStringLiteral("...\""));
}

void TestCron::parseErrors()
{
    QFETCH(QString, text);
    QFETCH(QString, message);

    const auto cron = CronExpression::parse(text);
    QVERIFY2(!cron.ok(), qPrintable(QStringLiteral("accepted: ") + text));
    QCOMPARE(cron.error().message, message);
    QCOMPARE(cron.error().code, ErrorCode::Invalid);
}

void TestCron::garbageIsRejected_data()
{
    QTest::addColumn<QString>("text");

    QTest::newRow("star") << QStringLiteral("*");
    QTest::newRow("*/") << QStringLiteral("*/ * * * *");
    QTest::newRow(",,") << QStringLiteral(",,");
    QTest::newRow("1-") << QStringLiteral("1-");
    QTest::newRow("dash") << QStringLiteral("- - - - -");
    QTest::newRow("slashes") << QStringLiteral("// // // // //");
    QTest::newRow("*/*") << QStringLiteral("*/* * * * *");
    QTest::newRow("**") << QStringLiteral("** * * * *");
    QTest::newRow("trailing comma") << QStringLiteral("* * * * *,");
    QTest::newRow("huge everywhere") << QStringLiteral(
        "99999999999 99999999999 99999999999 99999999999 99999999999");
    QTest::newRow("huge step") << QStringLiteral("*/99999999999999999999 * * * *");
    QTest::newRow("huge range") << QStringLiteral("0-99999999999 * * * *");
    QTest::newRow("star symbol") << QStringLiteral("\u2605 * * * *");
    QTest::newRow("emoji") << QStringLiteral("* * * * \U0001F600");
    QTest::newRow("fullwidth digit") << QStringLiteral("\uFF11 * * * *");
    QTest::newRow("nul") << (QString(QChar(0)) + QStringLiteral(" * * * *"));
    QTest::newRow("lone surrogate") << (QString(QChar(0xD800)) + QStringLiteral(" * * * *"));
    QTest::newRow("many fields") << QStringLiteral("* ").repeated(50000);
    QTest::newRow("many commas") << (QStringLiteral(",").repeated(100000) + QStringLiteral(" * * * *"));
    QTest::newRow("many items") << (QStringLiteral("1,").repeated(50000) + QStringLiteral("x * * * *"));
    QTest::newRow("sql") << QStringLiteral("'; DROP TABLE jobs; --");
    QTest::newRow("extra word") << QStringLiteral("0 0 31 2 * extra");
    QTest::newRow("negative zero") << QStringLiteral("-0 * * * *");
    QTest::newRow("plus") << QStringLiteral("+5 * * * *");
    QTest::newRow("spaces in range") << QStringLiteral("1 - 5 * * *");
}

void TestCron::garbageIsRejected()
{
    QFETCH(QString, text);

    const auto cron = CronExpression::parse(text);
    QVERIFY2(!cron.ok(), qPrintable(QStringLiteral("accepted: ") + text.left(80)));
    QCOMPARE(cron.error().code, ErrorCode::Invalid);
    QVERIFY(!cron.error().message.isEmpty());
    QVERIFY2(cron.error().message.size() < 200, qPrintable(cron.error().message.left(200)));
}

// Seeded so a failure reproduces. Half the inputs are character soup; the other half are
// five fields built from grammar pieces (some out of range or misplaced), so both the
// rejection paths and the accepted-expression paths get exercised. Whatever comes out must
// either be rejected with a message or, if accepted, behave like a schedule.
void TestCron::randomInputNeverCrashes()
{
    const QString alphabet = QStringLiteral("0123456789*/-,JANFEBMONSUTWDCX  \t");
    QRandomGenerator random(20260329);
    const QDateTime base = utc(QStringLiteral("2026-01-05T10:07:30Z"));
    int accepted = 0;
    int rejected = 0;
    for (int i = 0; i < 4000; ++i) {
        QString text;
        if (i % 2 == 0) {
            const int length = random.bounded(0, 32);
            for (int c = 0; c < length; ++c)
                text.append(alphabet.at(random.bounded(int(alphabet.size()))));
        } else {
            // Values stray one past each end of the field's range now and then.
            const int lows[] = { 0, 0, 1, 1, 0 };
            const int highs[] = { 59, 23, 31, 12, 7 };
            for (int field = 0; field < 5; ++field) {
                auto value
                    = [&] { return QString::number(random.bounded(lows[field] - 1, highs[field] + 2)); };
                const int items = random.bounded(1, 3);
                for (int item = 0; item < items; ++item) {
                    if (item > 0)
                        text.append(u',');
                    switch (random.bounded(6)) {
                    case 0:
                        text.append(u'*');
                        break;
                    case 1:
                        text.append(QStringLiteral("*/") + value());
                        break;
                    case 2:
                        text.append(value());
                        break;
                    case 3:
                        text.append(value() + u'-' + value());
                        break;
                    case 4:
                        text.append(value() + u'/' + value());
                        break;
                    default:
                        text.append(value() + u'-' + value() + u'/' + value());
                        break;
                    }
                }
                text.append(u' ');
            }
        }
        const auto cron = CronExpression::parse(text);
        if (!cron.ok()) {
            ++rejected;
            QCOMPARE(cron.error().code, ErrorCode::Invalid);
            QVERIFY2(!cron.error().message.isEmpty(), qPrintable(text));
            continue;
        }
        ++accepted;
        const QDateTime next = cron->nextAfter(base, QTimeZone::utc());
        if (next.isValid()) {
            QVERIFY2(next > base, qPrintable(text));
            QVERIFY2(cron->matchesLocal(next), qPrintable(text));
            QCOMPARE(cron->latestAtOrBefore(next, base, QTimeZone::utc()), next);
        }
    }
    // Guards against the generator drifting into exercising only one side.
    QVERIFY2(
        accepted > 50, qPrintable(QStringLiteral("only %1 random expressions were valid").arg(accepted)));
    QVERIFY2(
        rejected > 50, qPrintable(QStringLiteral("only %1 random expressions were invalid").arg(rejected)));
}

void TestCron::zone_data()
{
    QTest::addColumn<QString>("id");
    QTest::addColumn<QString>("error");
    QTest::addColumn<int>("januaryOffset");

    QTest::newRow("empty is UTC") << QString() << QString() << 0;
    QTest::newRow("UTC") << QStringLiteral("UTC") << QString() << 0;
    QTest::newRow("Berlin") << QStringLiteral("Europe/Berlin") << QString() << 3600;
    QTest::newRow("Lord Howe") << QStringLiteral("Australia/Lord_Howe") << QString() << 39600;
    QTest::newRow("Mars") << QStringLiteral("Mars/Olympus")
                          << QStringLiteral("unknown time zone \"Mars/Olympus\"") << 0;
    QTest::newRow("spaces") << QStringLiteral("not a zone")
                            << QStringLiteral("unknown time zone \"not a zone\"") << 0;
}

void TestCron::zone()
{
    QFETCH(QString, id);
    QFETCH(QString, error);
    QFETCH(int, januaryOffset);

    const auto zone = CronExpression::zone(id);
    if (!error.isEmpty()) {
        QVERIFY(!zone.ok());
        QCOMPARE(zone.error().message, error);
        QCOMPARE(zone.error().code, ErrorCode::Invalid);
        return;
    }
    QVERIFY2(zone.ok(), qPrintable(zone.ok() ? QString() : zone.error().message));
    QVERIFY(zone->isValid());
    QCOMPARE(zone->offsetFromUtc(utc(QStringLiteral("2026-01-15T12:00:00Z"))), januaryOffset);
}

void TestCron::matchesLocal_data()
{
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QDateTime>("wallClock");
    QTest::addColumn<bool>("expected");

    QTest::newRow("exact") << QStringLiteral("30 2 * * *") << wall(2026, 1, 5, 2, 30) << true;
    QTest::newRow("seconds ignored") << QStringLiteral("30 2 * * *") << wall(2026, 1, 5, 2, 30, 59) << true;
    QTest::newRow("next minute") << QStringLiteral("30 2 * * *") << wall(2026, 1, 5, 2, 31) << false;
    QTest::newRow("wrong hour") << QStringLiteral("30 2 * * *") << wall(2026, 1, 5, 3, 30) << false;
    QTest::newRow("wrong month") << QStringLiteral("* * * JAN *") << wall(2026, 2, 1, 0, 0) << false;
    // Vixie: both day fields restricted, either may match.
    QTest::newRow("OR: Friday the 13th") << QStringLiteral("0 0 13 * FRI") << wall(2026, 2, 13, 0, 0) << true;
    QTest::newRow("OR: a Friday") << QStringLiteral("0 0 13 * FRI") << wall(2026, 1, 9, 0, 0) << true;
    QTest::newRow("OR: a 13th") << QStringLiteral("0 0 13 * FRI") << wall(2026, 1, 13, 0, 0) << true;
    QTest::newRow("OR: neither") << QStringLiteral("0 0 13 * FRI") << wall(2026, 1, 14, 0, 0) << false;
    QTest::newRow("OR: 1-31 is restricted")
        << QStringLiteral("0 0 1-31 * MON") << wall(2026, 1, 7, 0, 0) << true;
    // A field starting with '*' is unrestricted, so the day fields combine with AND.
    QTest::newRow("AND: odd Monday") << QStringLiteral("0 0 */2 * MON") << wall(2026, 1, 5, 0, 0) << true;
    QTest::newRow("AND: even Monday") << QStringLiteral("0 0 */2 * MON") << wall(2026, 1, 12, 0, 0) << false;
    QTest::newRow("AND: odd Wednesday") << QStringLiteral("0 0 */2 * MON") << wall(2026, 1, 7, 0, 0) << false;
    QTest::newRow("star dow: only dom") << QStringLiteral("0 0 13 * *") << wall(2026, 1, 9, 0, 0) << false;
    QTest::newRow("star dom: only dow") << QStringLiteral("0 0 * * FRI") << wall(2026, 1, 13, 0, 0) << false;
    QTest::newRow("Sunday as 7") << QStringLiteral("0 0 * * 7") << wall(2026, 1, 11, 0, 0) << true;
    QTest::newRow("Saturday is not 7") << QStringLiteral("0 0 * * 7") << wall(2026, 1, 10, 0, 0) << false;
    QTest::newRow("Feb 29") << QStringLiteral("0 0 29 2 *") << wall(2028, 2, 29, 0, 0) << true;
    QTest::newRow("invalid") << QStringLiteral("* * * * *") << QDateTime() << false;
}

void TestCron::matchesLocal()
{
    QFETCH(QString, expression);
    QFETCH(QDateTime, wallClock);
    QFETCH(bool, expected);

    const auto cron = CronExpression::parse(expression);
    QVERIFY2(cron.ok(), qPrintable(cron.ok() ? QString() : cron.error().message));
    QCOMPARE(cron->matchesLocal(wallClock), expected);
}

void TestCron::nextAfterUtc_data()
{
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QDateTime>("after");
    QTest::addColumn<QDateTime>("expected"); // invalid: no firing within 5 years

    // 2026-01-05 is a Monday.
    const QDateTime monday = utc(QStringLiteral("2026-01-05T10:07:30Z"));
    auto row = [](const char *tag, const char *expression, const QDateTime &after, const char *expected) {
        QTest::newRow(tag) << QString::fromLatin1(expression) << after
                           << (expected ? utc(QString::fromLatin1(expected)) : QDateTime());
    };

    row("every minute", "* * * * *", monday, "2026-01-05T10:08:00Z");
    row("strictly after", "* * * * *", utc(QStringLiteral("2026-01-05T10:07:00Z")), "2026-01-05T10:08:00Z");
    row("last millisecond", "* * * * *", utc(QStringLiteral("2026-01-05T10:07:59.999Z")),
        "2026-01-05T10:08:00Z");
    row("*/15", "*/15 * * * *", monday, "2026-01-05T10:15:00Z");
    row("a/n", "10/20 * * * *", monday, "2026-01-05T10:10:00Z");
    row("minute in next hour", "5 * * * *", monday, "2026-01-05T11:05:00Z");
    row("list", "0,30 * * * *", monday, "2026-01-05T10:30:00Z");
    row("hour later today", "0 12 * * *", monday, "2026-01-05T12:00:00Z");
    row("hour tomorrow", "0 9 * * *", monday, "2026-01-06T09:00:00Z");
    row("hour step", "30 8-10/2 * * *", monday, "2026-01-05T10:30:00Z");
    row("day of month", "0 0 1 * *", monday, "2026-02-01T00:00:00Z");
    row("31st skips February", "0 0 31 * *", utc(QStringLiteral("2026-01-31T00:00:00Z")),
        "2026-03-31T00:00:00Z");
    row("31st skips April", "0 0 31 * *", utc(QStringLiteral("2026-03-31T00:00:00Z")),
        "2026-05-31T00:00:00Z");
    row("30th skips February", "0 0 30 * *", utc(QStringLiteral("2026-01-30T12:00:00Z")),
        "2026-03-30T00:00:00Z");
    row("Feb 28 in a leap year", "0 0 28 2 *", utc(QStringLiteral("2027-03-01T00:00:00Z")),
        "2028-02-28T00:00:00Z");
    row("Feb 29", "0 0 29 2 *", monday, "2028-02-29T00:00:00Z");
    row("Feb 29 four years on", "0 0 29 2 *", utc(QStringLiteral("2028-02-29T00:00:00Z")),
        "2032-02-29T00:00:00Z");
    row("Feb 29 beyond horizon", "0 0 29 2 *", utc(QStringLiteral("2096-03-01T00:00:00Z")), nullptr);
    row("Feb 29 before 2100", "0 0 29 2 *", utc(QStringLiteral("2095-03-01T00:00:00Z")),
        "2096-02-29T00:00:00Z");
    row("year end", "59 23 31 12 *", monday, "2026-12-31T23:59:00Z");
    row("year rollover", "0 0 1 1 *", monday, "2027-01-01T00:00:00Z");
    row("month name", "0 0 1 JAN *", monday, "2027-01-01T00:00:00Z");
    row("lowercase month", "0 0 1 jun *", monday, "2026-06-01T00:00:00Z");
    row("month step", "0 0 1 */5 *", monday, "2026-06-01T00:00:00Z");
    row("Sunday as 0", "0 0 * * 0", monday, "2026-01-11T00:00:00Z");
    row("Sunday as 7", "0 0 * * 7", monday, "2026-01-11T00:00:00Z");
    row("Sunday as SUN", "0 0 * * SUN", monday, "2026-01-11T00:00:00Z");
    row("weekdays from Friday", "0 0 * * MON-FRI", utc(QStringLiteral("2026-01-09T12:00:00Z")),
        "2026-01-12T00:00:00Z");
    row("weekend", "0 10 * * sat,sun", monday, "2026-01-10T10:00:00Z");
    row("OR: Friday first", "0 0 13 * FRI", monday, "2026-01-09T00:00:00Z");
    row("OR: 13th next", "0 0 13 * FRI", utc(QStringLiteral("2026-01-09T00:00:00Z")), "2026-01-13T00:00:00Z");
    row("OR: Feb 30 or a Monday", "0 0 30 2 MON", monday, "2026-02-02T00:00:00Z");
    row("only dom counts", "0 0 13 * *", monday, "2026-01-13T00:00:00Z");
    row("only dow counts", "0 0 * * FRI", monday, "2026-01-09T00:00:00Z");
    // Vixie treats a field starting with '*' as unrestricted: AND, not OR.
    row("AND: */2 with Monday", "0 0 */2 * MON", monday, "2026-01-19T00:00:00Z");
    row("OR: 1-31 with Monday", "0 0 1-31 * MON", monday, "2026-01-06T00:00:00Z");
    row("never: Feb 30", "0 0 30 2 *", monday, nullptr);
    row("never: Apr 31", "0 0 31 4 *", monday, nullptr);
    row("never: 31st of short months", "0 0 31 2,4,6,9,11 *", monday, nullptr);
}

void TestCron::nextAfterUtc()
{
    QFETCH(QString, expression);
    QFETCH(QDateTime, after);
    QFETCH(QDateTime, expected);

    const auto cron = CronExpression::parse(expression);
    QVERIFY2(cron.ok(), qPrintable(cron.ok() ? QString() : cron.error().message));
    const QDateTime actual = cron->nextAfter(after, QTimeZone::utc());
    if (!expected.isValid()) {
        QVERIFY2(!actual.isValid(), qPrintable(describe(actual)));
        return;
    }
    QCOMPARE(actual, expected);
    QCOMPARE(actual.timeSpec(), Qt::UTC);
}

void TestCron::nextAfterAcrossDst_data()
{
    QTest::addColumn<QString>("zone");
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QDateTime>("after");
    QTest::addColumn<QDateTime>("expected");

    auto row = [](const char *tag, const char *zone, const char *expression, const char *after,
                   const char *expected) {
        QTest::newRow(tag) << QString::fromLatin1(zone) << QString::fromLatin1(expression)
                           << utc(QString::fromLatin1(after)) << utc(QString::fromLatin1(expected));
    };
    const char *berlin = "Europe/Berlin";
    const char *newYork = "America/New_York";
    const char *lordHowe = "Australia/Lord_Howe";

    // A fixed hour, spring forward: a skipped wall time fires at the jump.
    row("Berlin gap 02:30", berlin, "30 2 * * *", "2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z");
    row("Berlin gap 02:00", berlin, "0 2 * * *", "2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z");
    row("Berlin after gap 03:00", berlin, "0 3 * * *", "2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z");
    row("Berlin before gap 01:59", berlin, "59 1 * * *", "2026-03-28T12:00:00Z", "2026-03-29T00:59:00Z");
    row("Berlin day after gap", berlin, "30 2 * * *", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z");
    row("Berlin 03:00 day after gap", berlin, "0 3 * * *", "2026-03-29T01:00:00Z", "2026-03-30T01:00:00Z");
    // A real-time job skips 02:00-02:45 and goes on at 03:00 CEST, which is the jump.
    row("Berlin */15 into gap", berlin, "*/15 * * * *", "2026-03-29T00:50:00Z", "2026-03-29T01:00:00Z");
    row("Berlin */15 last ms", berlin, "*/15 * * * *", "2026-03-29T00:59:59.999Z", "2026-03-29T01:00:00Z");
    row("Berlin */15 out of gap", berlin, "*/15 * * * *", "2026-03-29T01:00:00Z", "2026-03-29T01:15:00Z");
    // A fixed hour, fall back: a repeated wall time fires once, at its first occurrence.
    row("Berlin overlap first", berlin, "30 2 * * *", "2026-10-24T12:00:00Z", "2026-10-25T00:30:00Z");
    row("Berlin overlap not twice", berlin, "30 2 * * *", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z");
    row("Berlin inside second pass", berlin, "30 2 * * *", "2026-10-25T01:00:00Z", "2026-10-26T01:30:00Z");
    row("Berlin 03:00 after overlap", berlin, "0 3 * * *", "2026-10-24T12:00:00Z", "2026-10-25T02:00:00Z");
    // A real-time job runs through the second pass too: 02:00 CET, then 02:15 CET.
    row("Berlin */15 into second pass", berlin, "*/15 * * * *", "2026-10-25T00:45:00Z",
        "2026-10-25T01:00:00Z");
    row("Berlin */15 from second pass", berlin, "*/15 * * * *", "2026-10-25T01:10:00Z",
        "2026-10-25T01:15:00Z");
    row("Berlin */15 out of second pass", berlin, "*/15 * * * *", "2026-10-25T01:45:00Z",
        "2026-10-25T02:00:00Z");
    // From the first pass the next firing is 02:00 CET, a wall time earlier than 02:50 CEST.
    row("Berlin hourly back to 02:00", berlin, "0 * * * *", "2026-10-25T00:50:00Z", "2026-10-25T01:00:00Z");

    row("New York gap", newYork, "30 2 * * *", "2026-03-07T12:00:00Z", "2026-03-08T07:00:00Z");
    row("New York before gap", newYork, "59 1 * * *", "2026-03-07T12:00:00Z", "2026-03-08T06:59:00Z");
    row("New York day after gap", newYork, "30 2 * * *", "2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z");
    row("New York overlap first", newYork, "30 1 * * *", "2026-10-31T12:00:00Z", "2026-11-01T05:30:00Z");
    row("New York overlap not twice", newYork, "30 1 * * *", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z");
    row("New York 02:00 after overlap", newYork, "0 2 * * *", "2026-11-01T05:30:00Z", "2026-11-01T07:00:00Z");

    // A 30-minute shift: 02:00-02:29 is skipped, 01:30-01:59 repeats.
    row("Lord Howe gap 02:00", lordHowe, "0 2 * * *", "2026-10-03T00:00:00Z", "2026-10-03T15:30:00Z");
    row("Lord Howe gap 02:15", lordHowe, "15 2 * * *", "2026-10-03T00:00:00Z", "2026-10-03T15:30:00Z");
    row("Lord Howe 02:30 is the jump", lordHowe, "30 2 * * *", "2026-10-03T00:00:00Z",
        "2026-10-03T15:30:00Z");
    row("Lord Howe 02:45", lordHowe, "45 2 * * *", "2026-10-03T00:00:00Z", "2026-10-03T15:45:00Z");
    row("Lord Howe before gap", lordHowe, "59 1 * * *", "2026-10-03T00:00:00Z", "2026-10-03T15:29:00Z");
    row("Lord Howe overlap first", lordHowe, "45 1 * * *", "2026-04-04T00:00:00Z", "2026-04-04T14:45:00Z");
    row("Lord Howe overlap not twice", lordHowe, "45 1 * * *", "2026-04-04T14:45:00Z",
        "2026-04-05T15:15:00Z");
    row("Lord Howe not repeated 01:15", lordHowe, "15 1 * * *", "2026-04-04T00:00:00Z",
        "2026-04-04T14:15:00Z");
    row("Lord Howe 02:00 after overlap", lordHowe, "0 2 * * *", "2026-04-04T00:00:00Z",
        "2026-04-04T15:30:00Z");

    row("Tokyo daily", "Asia/Tokyo", "0 9 * * *", "2026-03-29T00:00:00Z", "2026-03-30T00:00:00Z");
    row("Tokyo on Berlin's gap day", "Asia/Tokyo", "30 2 * * *", "2026-03-28T12:00:00Z",
        "2026-03-28T17:30:00Z");
    row("Tokyo on Berlin's overlap day", "Asia/Tokyo", "30 2 * * *", "2026-10-24T12:00:00Z",
        "2026-10-24T17:30:00Z");
    row("UTC on Berlin's gap day", "UTC", "30 2 * * *", "2026-03-28T12:00:00Z", "2026-03-29T02:30:00Z");
    row("empty zone is UTC", "", "30 2 * * *", "2026-10-24T12:00:00Z", "2026-10-25T02:30:00Z");
}

void TestCron::nextAfterAcrossDst()
{
    QFETCH(QString, zone);
    QFETCH(QString, expression);
    QFETCH(QDateTime, after);
    QFETCH(QDateTime, expected);

    bool zoneOk = false;
    const QTimeZone tz = zoneOrFail(zone, &zoneOk);
    QVERIFY2(zoneOk, qPrintable(zone));
    const auto cron = CronExpression::parse(expression);
    QVERIFY2(cron.ok(), qPrintable(cron.ok() ? QString() : cron.error().message));
    const QDateTime actual = cron->nextAfter(after, tz);
    QCOMPARE(actual, expected);
    QCOMPARE(actual.timeSpec(), Qt::UTC);
}

void TestCron::nextFiringsAcrossDst_data()
{
    QTest::addColumn<QString>("zone");
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QDateTime>("after");
    QTest::addColumn<QList<QDateTime>>("expected");

    auto row = [](const char *tag, const char *zone, const char *expression, const char *after,
                   std::initializer_list<const char *> expected) {
        QList<QDateTime> instants;
        for (const char *e : expected)
            instants.append(utc(QString::fromLatin1(e)));
        QTest::newRow(tag) << QString::fromLatin1(zone) << QString::fromLatin1(expression)
                           << utc(QString::fromLatin1(after)) << instants;
    };

    // 02:00-02:45 do not exist and do not fire; 03:00 CEST is the jump and fires there.
    row("Berlin gap", "Europe/Berlin", "*/15 * * * *", "2026-03-29T00:30:00Z",
        { "2026-03-29T00:45:00Z", "2026-03-29T01:00:00Z", "2026-03-29T01:15:00Z", "2026-03-29T01:30:00Z" });
    // The repeated hour runs twice: 02:45 CEST, then 02:00, 02:15, 02:30 CET.
    row("Berlin overlap", "Europe/Berlin", "*/15 * * * *", "2026-10-25T00:30:00Z",
        { "2026-10-25T00:45:00Z", "2026-10-25T01:00:00Z", "2026-10-25T01:15:00Z", "2026-10-25T01:30:00Z" });
    row("New York gap", "America/New_York", "*/15 * * * *", "2026-03-08T06:30:00Z",
        { "2026-03-08T06:45:00Z", "2026-03-08T07:00:00Z", "2026-03-08T07:15:00Z", "2026-03-08T07:30:00Z" });
    // 01:45 EDT, then 01:00, 01:15, 01:30 EST.
    row("New York overlap", "America/New_York", "*/15 * * * *", "2026-11-01T05:30:00Z",
        { "2026-11-01T05:45:00Z", "2026-11-01T06:00:00Z", "2026-11-01T06:15:00Z", "2026-11-01T06:30:00Z" });
    row("Lord Howe gap", "Australia/Lord_Howe", "*/15 * * * *", "2026-10-03T15:10:00Z",
        { "2026-10-03T15:15:00Z", "2026-10-03T15:30:00Z", "2026-10-03T15:45:00Z", "2026-10-03T16:00:00Z" });
    // 01:30 and 01:45 at +11, again at +10:30, then 02:00 +10:30.
    row("Lord Howe overlap", "Australia/Lord_Howe", "*/15 * * * *", "2026-04-04T14:20:00Z",
        { "2026-04-04T14:30:00Z", "2026-04-04T14:45:00Z", "2026-04-04T15:00:00Z", "2026-04-04T15:15:00Z",
            "2026-04-04T15:30:00Z" });
    row("Tokyo", "Asia/Tokyo", "0 */6 * * *", "2026-03-28T12:00:00Z",
        { "2026-03-28T15:00:00Z", "2026-03-28T21:00:00Z", "2026-03-29T03:00:00Z", "2026-03-29T09:00:00Z" });
    row("UTC", "UTC", "0 */6 * * *", "2026-03-28T12:00:00Z",
        { "2026-03-28T18:00:00Z", "2026-03-29T00:00:00Z", "2026-03-29T06:00:00Z", "2026-03-29T12:00:00Z" });
}

void TestCron::nextFiringsAcrossDst()
{
    QFETCH(QString, zone);
    QFETCH(QString, expression);
    QFETCH(QDateTime, after);
    QFETCH(QList<QDateTime>, expected);

    bool zoneOk = false;
    const QTimeZone tz = zoneOrFail(zone, &zoneOk);
    QVERIFY2(zoneOk, qPrintable(zone));
    const auto cron = CronExpression::parse(expression);
    QVERIFY2(cron.ok(), qPrintable(cron.ok() ? QString() : cron.error().message));
    const std::vector<QDateTime> firings = cron->nextFirings(after, tz, int(expected.size()));
    QCOMPARE(QList<QDateTime>(firings.begin(), firings.end()), expected);
}

// The two DST rules, firing by firing. A job whose hour field begins with '*' runs in real
// time: every instant whose wall clock matches fires, so a repeated hour fires twice and a
// skipped wall time not at all. Any other job fires once per wall time: at the jump when it is
// skipped, at its first occurrence when it repeats. Local times are given as "wall offset".
void TestCron::dstRules_data()
{
    QTest::addColumn<QString>("zone");
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QDateTime>("after");
    QTest::addColumn<QList<QDateTime>>("expected");

    auto row = [](const char *tag, const char *zone, const char *expression, const char *after,
                   std::initializer_list<const char *> expected) {
        QList<QDateTime> instants;
        for (const char *e : expected)
            instants.append(utc(QString::fromLatin1(e)));
        QTest::newRow(tag) << QString::fromLatin1(zone) << QString::fromLatin1(expression)
                           << utc(QString::fromLatin1(after)) << instants;
    };
    const char *berlin = "Europe/Berlin";
    const char *newYork = "America/New_York";
    const char *lordHowe = "Australia/Lord_Howe";

    // Europe/Berlin, 2026-03-29: 02:00 +01 becomes 03:00 +02 at 01:00Z.
    row("Berlin spring 0 *", berlin, "0 * * * *", "2026-03-28T23:30:00Z",
        { "2026-03-29T00:00:00Z", // 01:00 +01
            "2026-03-29T01:00:00Z", // 03:00 +02; 02:00 does not exist
            "2026-03-29T02:00:00Z" }); // 04:00 +02
    row("Berlin spring */15", berlin, "*/15 * * * *", "2026-03-29T00:30:00Z",
        { "2026-03-29T00:45:00Z", // 01:45 +01
            "2026-03-29T01:00:00Z", // 03:00 +02
            "2026-03-29T01:15:00Z" }); // 03:15 +02
    row("Berlin spring 30 *", berlin, "30 * * * *", "2026-03-28T23:30:00Z",
        { "2026-03-29T00:30:00Z", // 01:30 +01
            "2026-03-29T01:30:00Z", // 03:30 +02; 02:30 does not exist
            "2026-03-29T02:30:00Z" }); // 04:30 +02
    row("Berlin spring */30 */2", berlin, "*/30 */2 * * *", "2026-03-28T22:45:00Z",
        { "2026-03-28T23:00:00Z", // 00:00 +01
            "2026-03-28T23:30:00Z", // 00:30 +01; 02:00 and 02:30 do not exist
            "2026-03-29T02:00:00Z", // 04:00 +02
            "2026-03-29T02:30:00Z" }); // 04:30 +02
    row("Berlin spring 30 2", berlin, "30 2 * * *", "2026-03-28T12:00:00Z",
        { "2026-03-29T01:00:00Z", // the jump
            "2026-03-30T00:30:00Z" }); // 02:30 +02
    row("Berlin spring */20 2", berlin, "*/20 2 * * *", "2026-03-28T12:00:00Z",
        { "2026-03-29T01:00:00Z", // 02:00, 02:20 and 02:40 all at the jump, once
            "2026-03-30T00:00:00Z", // 02:00 +02
            "2026-03-30T00:20:00Z" }); // 02:20 +02

    // Europe/Berlin, 2026-10-25: 03:00 +02 becomes 02:00 +01 at 01:00Z.
    row("Berlin fall 0 *", berlin, "0 * * * *", "2026-10-24T23:30:00Z",
        { "2026-10-25T00:00:00Z", // 02:00 +02
            "2026-10-25T01:00:00Z", // 02:00 +01
            "2026-10-25T02:00:00Z", // 03:00 +01
            "2026-10-25T03:00:00Z" }); // 04:00 +01
    row("Berlin fall */15", berlin, "*/15 * * * *", "2026-10-24T23:45:00Z",
        { "2026-10-25T00:00:00Z", "2026-10-25T00:15:00Z", "2026-10-25T00:30:00Z",
            "2026-10-25T00:45:00Z", // 02:00-02:45 +02
            "2026-10-25T01:00:00Z", "2026-10-25T01:15:00Z", "2026-10-25T01:30:00Z",
            "2026-10-25T01:45:00Z", // 02:00-02:45 +01
            "2026-10-25T02:00:00Z" }); // 03:00 +01
    row("Berlin fall 30 *", berlin, "30 * * * *", "2026-10-24T23:00:00Z",
        { "2026-10-24T23:30:00Z", // 01:30 +02
            "2026-10-25T00:30:00Z", // 02:30 +02
            "2026-10-25T01:30:00Z", // 02:30 +01
            "2026-10-25T02:30:00Z" }); // 03:30 +01
    row("Berlin fall */30 */2", berlin, "*/30 */2 * * *", "2026-10-24T21:45:00Z",
        { "2026-10-24T22:00:00Z", // 00:00 +02
            "2026-10-24T22:30:00Z", // 00:30 +02
            "2026-10-25T00:00:00Z", // 02:00 +02
            "2026-10-25T00:30:00Z", // 02:30 +02
            "2026-10-25T01:00:00Z", // 02:00 +01
            "2026-10-25T01:30:00Z", // 02:30 +01
            "2026-10-25T03:00:00Z" }); // 04:00 +01
    row("Berlin fall 30 2", berlin, "30 2 * * *", "2026-10-24T12:00:00Z",
        { "2026-10-25T00:30:00Z", // 02:30 +02; not again at +01
            "2026-10-26T01:30:00Z" }); // 02:30 +01
    row("Berlin fall */20 2", berlin, "*/20 2 * * *", "2026-10-24T12:00:00Z",
        { "2026-10-25T00:00:00Z", "2026-10-25T00:20:00Z", "2026-10-25T00:40:00Z", // +02 only
            "2026-10-26T01:00:00Z" }); // 02:00 +01

    // America/New_York, 2026-03-08: 02:00 -05 becomes 03:00 -04 at 07:00Z.
    row("New York spring 0 *", newYork, "0 * * * *", "2026-03-08T05:30:00Z",
        { "2026-03-08T06:00:00Z", // 01:00 -05
            "2026-03-08T07:00:00Z", // 03:00 -04; 02:00 does not exist
            "2026-03-08T08:00:00Z" }); // 04:00 -04
    row("New York spring */15", newYork, "*/15 * * * *", "2026-03-08T06:30:00Z",
        { "2026-03-08T06:45:00Z", // 01:45 -05
            "2026-03-08T07:00:00Z", // 03:00 -04
            "2026-03-08T07:15:00Z" }); // 03:15 -04
    row("New York spring 30 *", newYork, "30 * * * *", "2026-03-08T05:45:00Z",
        { "2026-03-08T06:30:00Z", // 01:30 -05
            "2026-03-08T07:30:00Z", // 03:30 -04; 02:30 does not exist
            "2026-03-08T08:30:00Z" }); // 04:30 -04
    row("New York spring */30 */2", newYork, "*/30 */2 * * *", "2026-03-08T04:45:00Z",
        { "2026-03-08T05:00:00Z", // 00:00 -05
            "2026-03-08T05:30:00Z", // 00:30 -05; 02:00 and 02:30 do not exist
            "2026-03-08T08:00:00Z", // 04:00 -04
            "2026-03-08T08:30:00Z" }); // 04:30 -04
    row("New York spring 30 2", newYork, "30 2 * * *", "2026-03-07T12:00:00Z",
        { "2026-03-08T07:00:00Z", // the jump
            "2026-03-09T06:30:00Z" }); // 02:30 -04
    row("New York spring 0 1", newYork, "0 1 * * *", "2026-03-07T12:00:00Z",
        { "2026-03-08T06:00:00Z", // 01:00 -05
            "2026-03-09T05:00:00Z" }); // 01:00 -04

    // America/New_York, 2026-11-01: 02:00 -04 becomes 01:00 -05 at 06:00Z.
    row("New York fall 0 *", newYork, "0 * * * *", "2026-11-01T04:30:00Z",
        { "2026-11-01T05:00:00Z", // 01:00 -04
            "2026-11-01T06:00:00Z", // 01:00 -05
            "2026-11-01T07:00:00Z", // 02:00 -05
            "2026-11-01T08:00:00Z" }); // 03:00 -05
    row("New York fall */15", newYork, "*/15 * * * *", "2026-11-01T04:45:00Z",
        { "2026-11-01T05:00:00Z", "2026-11-01T05:15:00Z", "2026-11-01T05:30:00Z",
            "2026-11-01T05:45:00Z", // 01:00-01:45 -04
            "2026-11-01T06:00:00Z", "2026-11-01T06:15:00Z", "2026-11-01T06:30:00Z",
            "2026-11-01T06:45:00Z", // 01:00-01:45 -05
            "2026-11-01T07:00:00Z" }); // 02:00 -05
    row("New York fall 30 *", newYork, "30 * * * *", "2026-11-01T04:00:00Z",
        { "2026-11-01T04:30:00Z", // 00:30 -04
            "2026-11-01T05:30:00Z", // 01:30 -04
            "2026-11-01T06:30:00Z", // 01:30 -05
            "2026-11-01T07:30:00Z" }); // 02:30 -05
    // The repeated hour is 01, which */2 does not match: nothing doubles.
    row("New York fall */30 */2", newYork, "*/30 */2 * * *", "2026-11-01T03:45:00Z",
        { "2026-11-01T04:00:00Z", // 00:00 -04
            "2026-11-01T04:30:00Z", // 00:30 -04
            "2026-11-01T07:00:00Z", // 02:00 -05
            "2026-11-01T07:30:00Z", // 02:30 -05
            "2026-11-01T09:00:00Z" }); // 04:00 -05
    row("New York fall 30 2", newYork, "30 2 * * *", "2026-10-31T12:00:00Z",
        { "2026-11-01T07:30:00Z", // 02:30 -05, not repeated
            "2026-11-02T07:30:00Z" });
    row("New York fall 0 1", newYork, "0 1 * * *", "2026-10-31T12:00:00Z",
        { "2026-11-01T05:00:00Z", // 01:00 -04; not again at -05
            "2026-11-02T06:00:00Z" }); // 01:00 -05

    // Australia/Lord_Howe, local 2026-10-04: 02:00 +10:30 becomes 02:30 +11 at 15:30Z.
    row("Lord Howe spring 0 *", lordHowe, "0 * * * *", "2026-10-03T14:00:00Z",
        { "2026-10-03T14:30:00Z", // 01:00 +10:30
            "2026-10-03T16:00:00Z", // 03:00 +11; 02:00 does not exist
            "2026-10-03T17:00:00Z" }); // 04:00 +11
    row("Lord Howe spring */15", lordHowe, "*/15 * * * *", "2026-10-03T14:50:00Z",
        { "2026-10-03T15:00:00Z", // 01:30 +10:30
            "2026-10-03T15:15:00Z", // 01:45 +10:30; 02:00 and 02:15 do not exist
            "2026-10-03T15:30:00Z", // 02:30 +11
            "2026-10-03T15:45:00Z", // 02:45 +11
            "2026-10-03T16:00:00Z" }); // 03:00 +11
    row("Lord Howe spring 30 *", lordHowe, "30 * * * *", "2026-10-03T14:00:00Z",
        { "2026-10-03T15:00:00Z", // 01:30 +10:30
            "2026-10-03T15:30:00Z", // 02:30 +11, the jump itself
            "2026-10-03T16:30:00Z" }); // 03:30 +11
    row("Lord Howe spring */30 */2", lordHowe, "*/30 */2 * * *", "2026-10-03T13:15:00Z",
        { "2026-10-03T13:30:00Z", // 00:00 +10:30
            "2026-10-03T14:00:00Z", // 00:30 +10:30; 02:00 does not exist
            "2026-10-03T15:30:00Z", // 02:30 +11
            "2026-10-03T17:00:00Z" }); // 04:00 +11
    row("Lord Howe spring 30 2", lordHowe, "30 2 * * *", "2026-10-03T00:00:00Z",
        { "2026-10-03T15:30:00Z", // 02:30 +11 exists: it is the jump
            "2026-10-04T15:30:00Z" });
    row("Lord Howe spring 15 2", lordHowe, "15 2 * * *", "2026-10-03T00:00:00Z",
        { "2026-10-03T15:30:00Z", // skipped: at the jump
            "2026-10-04T15:15:00Z" }); // 02:15 +11

    // Australia/Lord_Howe, local 2026-04-05: 02:00 +11 becomes 01:30 +10:30 at 15:00Z.
    row("Lord Howe fall 0 *", lordHowe, "0 * * * *", "2026-04-04T13:30:00Z",
        { "2026-04-04T14:00:00Z", // 01:00 +11
            "2026-04-04T15:30:00Z", // 02:00 +10:30, only once: +11 never reaches 02:00
            "2026-04-04T16:30:00Z" }); // 03:00 +10:30
    row("Lord Howe fall */15", lordHowe, "*/15 * * * *", "2026-04-04T14:10:00Z",
        { "2026-04-04T14:15:00Z", // 01:15 +11, not repeated
            "2026-04-04T14:30:00Z", // 01:30 +11
            "2026-04-04T14:45:00Z", // 01:45 +11
            "2026-04-04T15:00:00Z", // 01:30 +10:30
            "2026-04-04T15:15:00Z", // 01:45 +10:30
            "2026-04-04T15:30:00Z", // 02:00 +10:30
            "2026-04-04T15:45:00Z" }); // 02:15 +10:30
    row("Lord Howe fall 30 *", lordHowe, "30 * * * *", "2026-04-04T13:30:00Z",
        { "2026-04-04T14:30:00Z", // 01:30 +11
            "2026-04-04T15:00:00Z", // 01:30 +10:30, at the transition itself
            "2026-04-04T16:00:00Z", // 02:30 +10:30
            "2026-04-04T17:00:00Z" }); // 03:30 +10:30
    row("Lord Howe fall */30 */2", lordHowe, "*/30 */2 * * *", "2026-04-04T12:45:00Z",
        { "2026-04-04T13:00:00Z", // 00:00 +11
            "2026-04-04T13:30:00Z", // 00:30 +11
            "2026-04-04T15:30:00Z", // 02:00 +10:30
            "2026-04-04T16:00:00Z", // 02:30 +10:30
            "2026-04-04T17:30:00Z" }); // 04:00 +10:30
    row("Lord Howe fall 30 2", lordHowe, "30 2 * * *", "2026-04-04T00:00:00Z",
        { "2026-04-04T16:00:00Z", // 02:30 +10:30
            "2026-04-05T16:00:00Z" });
    row("Lord Howe fall 45 1", lordHowe, "45 1 * * *", "2026-04-04T00:00:00Z",
        { "2026-04-04T14:45:00Z", // 01:45 +11; not again at +10:30
            "2026-04-05T15:15:00Z" }); // 01:45 +10:30
}

// Checks all three searches against the table: nextFirings lists exactly the expected
// instants, nextAfter steps from each to the next, and latestAtOrBefore finds each one as the
// only firing since the previous one.
void TestCron::dstRules()
{
    QFETCH(QString, zone);
    QFETCH(QString, expression);
    QFETCH(QDateTime, after);
    QFETCH(QList<QDateTime>, expected);

    bool zoneOk = false;
    const QTimeZone tz = zoneOrFail(zone, &zoneOk);
    QVERIFY2(zoneOk, qPrintable(zone));
    const auto cron = CronExpression::parse(expression);
    QVERIFY2(cron.ok(), qPrintable(cron.ok() ? QString() : cron.error().message));

    const std::vector<QDateTime> firings = cron->nextFirings(after, tz, int(expected.size()));
    QCOMPARE(QList<QDateTime>(firings.begin(), firings.end()), expected);

    QDateTime previous = after;
    for (const QDateTime &firing : expected) {
        const QString where = describe(previous) + QStringLiteral(" -> ") + describe(firing);
        QCOMPARE(cron->nextAfter(previous, tz), firing);
        QCOMPARE(cron->nextAfter(firing.addMSecs(-1), tz), firing);
        QCOMPARE(cron->latestAtOrBefore(firing, previous, tz), firing);
        QCOMPARE(cron->latestAtOrBefore(firing.addSecs(59), previous, tz), firing);
        const QDateTime early = cron->latestAtOrBefore(firing.addMSecs(-1), previous, tz);
        QVERIFY2(!early.isValid(), qPrintable(where + QStringLiteral(" but found ") + describe(early)));
        previous = firing;
    }
}

void TestCron::nextFiringsOverAYear_data()
{
    QTest::addColumn<QString>("expression");
    QTest::addColumn<int>("expected");

    // Firings strictly after 2026-01-01 00:00 CET and before 2027-01-01 00:00 CET.
    // Hourly: 8760 wall hours, minus the 02:00 the spring jump skips, plus the 02:00 the
    // fall-back repeats, minus the starting instant itself.
    QTest::newRow("hourly") << QStringLiteral("0 * * * *") << 8760 - 1 + 1 - 1;
    // Quarter-hourly: 35040 slots; 02:00-02:45 skipped in March, repeated in October; minus
    // the start.
    QTest::newRow("quarter-hourly") << QStringLiteral("*/15 * * * *") << 35040 - 4 + 4 - 1;
    // The start (00:00) does not match; 02:30 is skipped once and repeated once.
    QTest::newRow("half past every hour") << QStringLiteral("30 * * * *") << 8760 - 1 + 1;
    // 365 days * 12 even hours * 2; 02:00 and 02:30 skipped once and repeated once; minus the start.
    QTest::newRow("every other hour") << QStringLiteral("*/30 */2 * * *") << 8760 - 2 + 2 - 1;
    // A fixed hour: 02:00-02:59 fires once at the jump in March and once (CEST) in October.
    QTest::newRow("every minute of 02") << QStringLiteral("* 2 * * *") << 365 * 60 - 59;
    QTest::newRow("daily in the gap hour") << QStringLiteral("30 2 * * *") << 365;
    // 2026 starts on a Thursday: 52 full weeks plus one Thursday.
    QTest::newRow("office hours") << QStringLiteral("0 9-17 * * MON-FRI") << (52 * 5 + 1) * 9;
    QTest::newRow("Mondays") << QStringLiteral("0 0 * * MON") << 52;
    // 24 days, but the 1st of January at midnight is the starting instant itself.
    QTest::newRow("twice a month") << QStringLiteral("0 0 1,15 * *") << 24 - 1;
    QTest::newRow("no Feb 29 in 2026") << QStringLiteral("0 0 29 2 *") << 0;
}

void TestCron::nextFiringsOverAYear()
{
    QFETCH(QString, expression);
    QFETCH(int, expected);

    const auto cron = CronExpression::parse(expression);
    QVERIFY2(cron.ok(), qPrintable(cron.ok() ? QString() : cron.error().message));
    bool zoneOk = false;
    const QTimeZone berlin = zoneOrFail(QStringLiteral("Europe/Berlin"), &zoneOk);
    QVERIFY(zoneOk);
    const QDateTime start = utc(QStringLiteral("2025-12-31T23:00:00Z"));
    const QDateTime end = utc(QStringLiteral("2026-12-31T23:00:00Z"));

    const std::vector<QDateTime> firings = cron->nextFirings(start, berlin, expected + 1);
    QCOMPARE(int(firings.size()), expected + 1);
    const auto inYear
        = std::count_if(firings.begin(), firings.end(), [&](const QDateTime &t) { return t < end; });
    QCOMPARE(int(inYear), expected);

    QDateTime previous = start;
    for (const QDateTime &t : firings) {
        QVERIFY2(t > previous, qPrintable(describe(previous) + QStringLiteral(" then ") + describe(t)));
        QCOMPARE(t.timeSpec(), Qt::UTC);
        previous = t;
    }
}

void TestCron::nextFiringsCount_data()
{
    QTest::addColumn<QString>("expression");
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("expected");

    QTest::newRow("five") << QStringLiteral("*/5 * * * *") << 5 << 5;
    QTest::newRow("one") << QStringLiteral("0 0 1 1 *") << 1 << 1;
    QTest::newRow("zero") << QStringLiteral("* * * * *") << 0 << 0;
    QTest::newRow("negative") << QStringLiteral("* * * * *") << -3 << 0;
    QTest::newRow("never") << QStringLiteral("0 0 30 2 *") << 5 << 0;
    // Every fourth year from 2028 to 2096; then 2100 is no leap year and 2104 lies beyond the
    // 5-year horizon, so the preview stops short of the count asked for.
    QTest::newRow("runs out") << QStringLiteral("0 0 29 2 *") << 100 << 18;
}

void TestCron::nextFiringsCount()
{
    QFETCH(QString, expression);
    QFETCH(int, count);
    QFETCH(int, expected);

    const auto cron = CronExpression::parse(expression);
    QVERIFY2(cron.ok(), qPrintable(cron.ok() ? QString() : cron.error().message));
    const QDateTime after = utc(QStringLiteral("2026-01-05T10:07:30Z"));
    const std::vector<QDateTime> firings = cron->nextFirings(after, QTimeZone::utc(), count);
    QCOMPARE(int(firings.size()), expected);
    if (!firings.empty())
        QCOMPARE(firings.front(), cron->nextAfter(after, QTimeZone::utc()));
}

void TestCron::latestAtOrBefore_data()
{
    QTest::addColumn<QString>("zone");
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QDateTime>("at");
    QTest::addColumn<QDateTime>("notBefore");
    QTest::addColumn<QDateTime>("expected"); // invalid: none in (notBefore, at]

    auto row = [](const char *tag, const char *zone, const char *expression, const char *at,
                   const char *notBefore, const char *expected) {
        QTest::newRow(tag) << QString::fromLatin1(zone) << QString::fromLatin1(expression)
                           << utc(QString::fromLatin1(at))
                           << (notBefore ? utc(QString::fromLatin1(notBefore)) : QDateTime())
                           << (expected ? utc(QString::fromLatin1(expected)) : QDateTime());
    };

    row("hourly", "UTC", "0 * * * *", "2026-01-05T10:30:00Z", "2026-01-05T09:00:00Z", "2026-01-05T10:00:00Z");
    row("at is inclusive", "UTC", "0 * * * *", "2026-01-05T10:00:00Z", "2026-01-05T09:00:00Z",
        "2026-01-05T10:00:00Z");
    row("notBefore is exclusive", "UTC", "0 * * * *", "2026-01-05T10:30:00Z", "2026-01-05T10:00:00Z",
        nullptr);
    row("only notBefore in range", "UTC", "0 * * * *", "2026-01-05T09:59:59.999Z", "2026-01-05T09:00:00Z",
        nullptr);
    row("seconds in at", "UTC", "* * * * *", "2026-01-05T10:00:30Z", "2026-01-05T09:00:00Z",
        "2026-01-05T10:00:00Z");
    row("notBefore after at", "UTC", "* * * * *", "2026-01-05T10:00:00Z", "2026-01-05T11:00:00Z", nullptr);
    row("invalid notBefore", "UTC", "0 0 * * *", "2026-01-05T10:00:00Z", nullptr, "2026-01-05T00:00:00Z");
    row("yearly none in 30 days", "UTC", "0 0 1 1 *", "2026-03-01T00:00:00Z", "2026-01-31T00:00:00Z",
        nullptr);
    row("yearly", "UTC", "0 0 1 1 *", "2026-03-01T00:00:00Z", "2025-06-01T00:00:00Z", "2026-01-01T00:00:00Z");
    row("yearly at the instant", "UTC", "0 0 1 1 *", "2026-01-01T00:00:00Z", "2025-06-01T00:00:00Z",
        "2026-01-01T00:00:00Z");
    row("Feb 29", "UTC", "0 0 29 2 *", "2031-06-01T00:00:00Z", "2026-06-01T00:00:00Z",
        "2028-02-29T00:00:00Z");
    row("31st skips short months", "UTC", "0 0 31 * *", "2026-05-15T00:00:00Z", "2026-01-01T00:00:00Z",
        "2026-03-31T00:00:00Z");
    row("OR: a Friday", "UTC", "0 0 13 * FRI", "2026-01-12T12:00:00Z", "2026-01-01T00:00:00Z",
        "2026-01-09T00:00:00Z");
    row("OR: a 13th", "UTC", "0 0 13 * FRI", "2026-01-13T12:00:00Z", "2026-01-01T00:00:00Z",
        "2026-01-13T00:00:00Z");
    row("AND: odd Monday", "UTC", "0 0 */2 * MON", "2026-01-25T00:00:00Z", "2025-12-01T00:00:00Z",
        "2026-01-19T00:00:00Z");
    row("Sunday as 7", "UTC", "0 0 * * 7", "2026-01-10T00:00:00Z", "2025-12-01T00:00:00Z",
        "2026-01-04T00:00:00Z");
    row("never", "UTC", "0 0 30 2 *", "2031-01-01T00:00:00Z", "2026-01-01T00:00:00Z", nullptr);

    row("Berlin overlap first", "Europe/Berlin", "30 2 * * *", "2026-10-25T02:00:00Z", "2026-10-24T12:00:00Z",
        "2026-10-25T00:30:00Z");
    row("Berlin second pass is silent", "Europe/Berlin", "30 2 * * *", "2026-10-25T01:30:00Z",
        "2026-10-25T00:30:00Z", nullptr);
    row("Berlin */15 in second pass", "Europe/Berlin", "*/15 * * * *", "2026-10-25T01:40:00Z",
        "2026-10-25T00:00:00Z", "2026-10-25T01:30:00Z");
    // 02:45 CEST (00:45Z) is the latest; 02:00 CET (01:00Z) is a wall time earlier than 02:50 CEST.
    row("Berlin */15 end of first pass", "Europe/Berlin", "*/15 * * * *", "2026-10-25T00:59:59Z",
        "2026-10-25T00:00:00Z", "2026-10-25T00:45:00Z");
    // Only the second 02:xx lies in range: the floor is after the first pass.
    row("Berlin hourly second 02:00", "Europe/Berlin", "0 * * * *", "2026-10-25T01:59:00Z",
        "2026-10-25T00:30:00Z", "2026-10-25T01:00:00Z");
    row("Berlin hourly none in range", "Europe/Berlin", "0 * * * *", "2026-10-25T00:59:00Z",
        "2026-10-25T00:00:00Z", nullptr);
    row("Berlin gap at the jump", "Europe/Berlin", "30 2 * * *", "2026-03-29T01:00:00Z",
        "2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z");
    row("Berlin gap just before the jump", "Europe/Berlin", "30 2 * * *", "2026-03-29T00:59:59Z",
        "2026-03-27T12:00:00Z", "2026-03-28T01:30:00Z");
    row("Berlin */15 after the jump", "Europe/Berlin", "*/15 * * * *", "2026-03-29T01:10:00Z",
        "2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z");
    row("New York second pass", "America/New_York", "30 1 * * *", "2026-11-01T06:45:00Z",
        "2026-11-01T00:00:00Z", "2026-11-01T05:30:00Z");
    row("New York gap", "America/New_York", "30 2 * * *", "2026-03-08T08:00:00Z", "2026-03-08T00:00:00Z",
        "2026-03-08T07:00:00Z");
    row("Lord Howe second pass", "Australia/Lord_Howe", "45 1 * * *", "2026-04-04T15:20:00Z",
        "2026-04-04T00:00:00Z", "2026-04-04T14:45:00Z");
    row("Lord Howe gap", "Australia/Lord_Howe", "15 2 * * *", "2026-10-03T15:30:00Z", "2026-10-03T00:00:00Z",
        "2026-10-03T15:30:00Z");
    row("Tokyo", "Asia/Tokyo", "0 9 * * *", "2026-03-29T23:59:00Z", "2026-03-28T00:00:00Z",
        "2026-03-29T00:00:00Z");
}

void TestCron::latestAtOrBefore()
{
    QFETCH(QString, zone);
    QFETCH(QString, expression);
    QFETCH(QDateTime, at);
    QFETCH(QDateTime, notBefore);
    QFETCH(QDateTime, expected);

    bool zoneOk = false;
    const QTimeZone tz = zoneOrFail(zone, &zoneOk);
    QVERIFY2(zoneOk, qPrintable(zone));
    const auto cron = CronExpression::parse(expression);
    QVERIFY2(cron.ok(), qPrintable(cron.ok() ? QString() : cron.error().message));
    const QDateTime actual = cron->latestAtOrBefore(at, notBefore, tz);
    if (!expected.isValid()) {
        QVERIFY2(!actual.isValid(), qPrintable(describe(actual)));
        return;
    }
    QCOMPARE(actual, expected);
    QCOMPARE(actual.timeSpec(), Qt::UTC);
}

// Walks `after` through transition days in 7-minute steps and checks the two searches
// describe the same set of firings: nothing is skipped, nothing is invented.
void TestCron::forwardAndBackwardAgree_data()
{
    QTest::addColumn<QString>("zone");
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QDateTime>("from");

    const QList<QPair<const char *, QList<const char *>>> zones {
        { "Europe/Berlin", { "2026-03-28T12:00:00Z", "2026-10-24T12:00:00Z" } },
        { "America/New_York", { "2026-03-07T18:00:00Z", "2026-10-31T18:00:00Z" } },
        { "Australia/Lord_Howe", { "2026-10-03T00:00:00Z", "2026-04-04T00:00:00Z" } },
    };
    const QList<const char *> expressions { "*/15 * * * *", "30 2 * * *", "45 1 * * *", "0 3 * * *",
        "* * * * *", "0 * * * *", "30 * * * *", "*/30 */2 * * *", "0 1 * * *", "* 2 * * *" };
    for (const auto &[zone, days] : zones) {
        for (const char *day : days) {
            for (const char *expression : expressions)
                QTest::addRow("%s %s %s", zone, day, expression) << QString::fromLatin1(
                    zone) << QString::fromLatin1(expression) << utc(QString::fromLatin1(day));
        }
    }
}

void TestCron::forwardAndBackwardAgree()
{
    QFETCH(QString, zone);
    QFETCH(QString, expression);
    QFETCH(QDateTime, from);

    bool zoneOk = false;
    const QTimeZone tz = zoneOrFail(zone, &zoneOk);
    QVERIFY2(zoneOk, qPrintable(zone));
    const auto cron = CronExpression::parse(expression);
    QVERIFY2(cron.ok(), qPrintable(cron.ok() ? QString() : cron.error().message));

    for (QDateTime t = from; t < from.addDays(1); t = t.addSecs(7 * 60)) {
        const QDateTime next = cron->nextAfter(t, tz);
        QVERIFY2(next > t, qPrintable(describe(t)));
        QCOMPARE(cron->latestAtOrBefore(next, t, tz), next);
        const QDateTime gap = cron->latestAtOrBefore(next.addSecs(-1), t, tz);
        QVERIFY2(!gap.isValid(), qPrintable(describe(t) + QStringLiteral(" skipped ") + describe(gap)));

        const QDateTime latest = cron->latestAtOrBefore(t, t.addDays(-2), tz);
        QVERIFY2(latest.isValid() && latest <= t, qPrintable(describe(t)));
        QVERIFY2(cron->nextAfter(latest, tz) > t, qPrintable(describe(t)));
        QCOMPARE(cron->nextAfter(latest.addSecs(-1), tz), latest);
    }
}

void TestCron::neverFiringAnswersQuickly_data()
{
    QTest::addColumn<QString>("expression");

    QTest::newRow("Feb 30") << QStringLiteral("0 0 30 2 *");
    QTest::newRow("Feb 31") << QStringLiteral("* * 31 2 *");
    QTest::newRow("Apr 31") << QStringLiteral("0 0 31 4 *");
    QTest::newRow("31st of short months") << QStringLiteral("*/5 * 31 4,6,9,11 *");
    QTest::newRow("Feb 30 every minute") << QStringLiteral("* * 30 2 *");
}

// A guard against a minute-by-minute scan, which needs seconds for 5 years.
void TestCron::neverFiringAnswersQuickly()
{
    QFETCH(QString, expression);

    const auto cron = CronExpression::parse(expression);
    QVERIFY2(cron.ok(), qPrintable(cron.ok() ? QString() : cron.error().message));
    bool zoneOk = false;
    const QTimeZone berlin = zoneOrFail(QStringLiteral("Europe/Berlin"), &zoneOk);
    QVERIFY(zoneOk);
    const QDateTime now = utc(QStringLiteral("2026-01-05T10:07:30Z"));

    QElapsedTimer timer;
    timer.start();
    const QDateTime next = cron->nextAfter(now, berlin);
    const qint64 forwardMs = timer.restart();
    const QDateTime latest = cron->latestAtOrBefore(now, now.addYears(-5), berlin);
    const qint64 backwardMs = timer.elapsed();

    QVERIFY2(!next.isValid(), qPrintable(describe(next)));
    QVERIFY2(!latest.isValid(), qPrintable(describe(latest)));
    QVERIFY2(forwardMs < 50, qPrintable(QStringLiteral("nextAfter took %1 ms").arg(forwardMs)));
    QVERIFY2(backwardMs < 50, qPrintable(QStringLiteral("latestAtOrBefore took %1 ms").arg(backwardMs)));
}

void TestCron::rareFiringIsFoundQuickly()
{
    const auto cron = CronExpression::parse(QStringLiteral("0 0 29 2 *"));
    QVERIFY(cron.ok());
    bool zoneOk = false;
    const QTimeZone berlin = zoneOrFail(QStringLiteral("Europe/Berlin"), &zoneOk);
    QVERIFY(zoneOk);

    QElapsedTimer timer;
    timer.start();
    const QDateTime next = cron->nextAfter(utc(QStringLiteral("2026-03-01T00:00:00Z")), berlin);
    const QDateTime latest = cron->latestAtOrBefore(
        utc(QStringLiteral("2031-06-01T00:00:00Z")), utc(QStringLiteral("2026-06-01T00:00:00Z")), berlin);
    const qint64 elapsedMs = timer.elapsed();

    // Midnight CET on 2028-02-29 is 23:00 UTC the day before.
    QCOMPARE(next, utc(QStringLiteral("2028-02-28T23:00:00Z")));
    QCOMPARE(latest, utc(QStringLiteral("2028-02-28T23:00:00Z")));
    QVERIFY2(elapsedMs < 50, qPrintable(QStringLiteral("took %1 ms").arg(elapsedMs)));
}

void TestCron::invalidArgumentsGiveInvalid()
{
    const auto cron = CronExpression::parse(QStringLiteral("* * * * *"));
    QVERIFY(cron.ok());
    const QDateTime now = utc(QStringLiteral("2026-01-05T10:07:30Z"));

    QVERIFY(!cron->nextAfter(QDateTime(), QTimeZone::utc()).isValid());
    QVERIFY(!cron->nextAfter(now, QTimeZone()).isValid());
    QVERIFY(!cron->latestAtOrBefore(QDateTime(), now.addDays(-1), QTimeZone::utc()).isValid());
    QVERIFY(!cron->latestAtOrBefore(now, now.addDays(-1), QTimeZone()).isValid());
    QVERIFY(cron->nextFirings(now, QTimeZone(), 3).empty());
    // The same arguments with a valid zone do fire, so the checks above test the arguments.
    QVERIFY(cron->nextAfter(now, QTimeZone::utc()).isValid());
    QVERIFY(cron->latestAtOrBefore(now, now.addDays(-1), QTimeZone::utc()).isValid());
}

QTEST_GUILESS_MAIN(TestCron)
#include "tst_cron.moc"
