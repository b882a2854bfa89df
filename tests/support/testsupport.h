// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What the backend-parametrised suites share: which backend this run is on, random table
// prefixes (PostgreSQL suites share one database), and readable failure texts.

#include "core/result.h"

#include <QByteArray>
#include <QRandomGenerator>
#include <QString>
#include <QTest>

namespace vigil::test {

inline QString randomLower(int count)
{
    QString out;
    for (int i = 0; i < count; ++i)
        out += QChar(char16_t(u'a' + QRandomGenerator::global()->bounded(26)));
    return out;
}

// `tag` + 8 random letters + "_", e.g. "tqzkfmeab_".
inline QString randomPrefix(QChar tag) { return QString(tag) + randomLower(8) + QLatin1Char('_'); }

inline QString errorText(const Error &error) { return errorCodeName(error.code) + QStringLiteral(": ") + error.message; }

template<typename R>
QByteArray failText(const R &result)
{
    return result.ok() ? QByteArray("ok") : errorText(result.error()).toUtf8();
}

} // namespace vigil::test

// Result checks that print the error (code and message) on failure.
#define VERIFY_OK(expr)                                                                                 \
    do {                                                                                                \
        const auto &ok_ = (expr);                                                                       \
        QVERIFY2(ok_.ok(), vigil::test::failText(ok_).constData());                                     \
    } while (false)
#define VERIFY_ERROR(expr, expected)                                                                    \
    do {                                                                                                \
        const auto &err_ = (expr);                                                                      \
        QVERIFY2(!err_.ok(), "expected " #expected ", the call succeeded");                             \
        QVERIFY2(err_.error().code == (expected), vigil::test::failText(err_).constData());             \
    } while (false)
// Calls a helper that may record a failure (QCOMPARE in it) and stops the test when it did.
#define CALL(expr)                                                                                      \
    do {                                                                                                \
        expr;                                                                                           \
        if (QTest::currentTestFailed())                                                                 \
            return;                                                                                     \
    } while (false)
