// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What the backend-parametrised suites share: which backend this run is on, random table
// prefixes (PostgreSQL suites share one database), and readable failure texts.

#include "core/result.h"
#include "store/databaseurl.h"
#include "store/store.h"

#include <QByteArray>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlQuery>
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

// JSON text the test wrote itself: a typo in it is the test's bug, so it stops the suite.
inline Json parsedJson(const QByteArray &text)
{
    Result<Json> json = parseJson(text);
    if (!json)
        qFatal("bad test JSON %s: %s", text.constData(), qPrintable(json.error().message));
    return std::move(json).value();
}

inline QString errorText(const Error &error) { return errorCodeName(error.code) + QStringLiteral(": ") + error.message; }

template<typename R>
QByteArray failText(const R &result)
{
    return result.ok() ? QByteArray("ok") : errorText(result.error()).toUtf8();
}

struct TestBackend
{
    Backend backend = Backend::Sqlite;
    QString pgUrl; // with Backend::Postgres
};

// The backend named by VIGIL_TEST_BACKEND (sqlite, the default, or postgres with
// VIGIL_TEST_PG_URL). A PostgreSQL run without a reachable server is an error, never a skip.
inline Result<TestBackend> chooseBackend()
{
    const QString name = qEnvironmentVariable("VIGIL_TEST_BACKEND", QStringLiteral("sqlite"));
    if (name == u"sqlite")
        return TestBackend {};
    if (name != u"postgres")
        return makeError(ErrorCode::Invalid, QStringLiteral("VIGIL_TEST_BACKEND must be sqlite or postgres, not ") + name);
    TestBackend chosen { Backend::Postgres, qEnvironmentVariable("VIGIL_TEST_PG_URL") };
    if (chosen.pgUrl.isEmpty())
        return makeError(ErrorCode::Invalid, QStringLiteral("VIGIL_TEST_BACKEND=postgres but VIGIL_TEST_PG_URL is not set: "
                                                            "run the suite under installer/with-postgres.sh (or "
                                                            "installer/dev.sh test), which starts a server and sets it"));
    const auto probe = openStore({ chosen.pgUrl, randomPrefix(QLatin1Char('p')) });
    if (!probe)
        return makeError(ErrorCode::Unavailable, QStringLiteral("cannot reach the PostgreSQL server at VIGIL_TEST_PG_URL=")
                                                     + chosen.pgUrl + QStringLiteral(": ") + errorText(probe.error()));
    return chosen;
}

// Drops the tables of a PostgreSQL database whose names start with `prefix` (a test's
// random prefix), through a connection of its own. Best effort: a test's cleanup.
inline void dropPostgresTables(const QString &url, const QString &prefix)
{
    const Result<DatabaseUrl> parsed = parseDatabaseUrl(url);
    if (!parsed || parsed->backend != Backend::Postgres)
        return;
    const QString name = QStringLiteral("drop_") + randomLower(12);
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
        db.setHostName(parsed->host);
        db.setPort(parsed->port);
        db.setUserName(parsed->user);
        db.setPassword(parsed->password);
        db.setDatabaseName(parsed->database);
        if (db.open()) {
            QSqlQuery query(db);
            query.exec(QStringLiteral("SET client_min_messages = warning"));
            QStringList tables;
            if (query.exec(QStringLiteral("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))) {
                while (query.next())
                    tables << query.value(0).toString();
            }
            for (const QString &table : std::as_const(tables)) {
                if (table.startsWith(prefix))
                    query.exec(QStringLiteral("DROP TABLE IF EXISTS \"%1\" CASCADE").arg(table));
            }
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
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
