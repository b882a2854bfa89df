// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The database URL of --db, parsed once: which backend, where, and the options passed on to
// the driver. The password stays in here and never reaches describe() or an error message.
//
//   sqlite:///abs/path/vigil.db   sqlite://relative/path.db   sqlite::memory:
//   postgres://user:pass@host:port/db?sslmode=require   (postgresql:// too)
//
// Query parameters: for SQLite only `synchronous` (normal | full | off | extra); for
// PostgreSQL every parameter is a libpq connection keyword (sslmode, connect_timeout,
// application_name, ...), passed through as a QPSQL connect option.

#include "store/store.h"

#include <QList>
#include <QString>
#include <utility>

namespace vigil {

struct DatabaseUrl
{
    Backend backend = Backend::Sqlite;

    // SQLite
    QString path; // ":memory:" for an in-memory database
    bool inMemory = false;

    // PostgreSQL
    QString host; // empty: libpq's default (the local socket)
    int port = 5432;
    QString user;
    QString password;
    QString database;

    QList<std::pair<QString, QString>> parameters; // the query, in order

    QString parameter(const QString &key, const QString &fallback = {}) const;
    bool hasParameter(const QString &key) const;
    // The URL without its password.
    QString describe() const;
};

// Invalid with a message naming what is wrong (never echoing the password).
Result<DatabaseUrl> parseDatabaseUrl(const QString &url);

// [A-Za-z_][A-Za-z0-9_]{0,30}: the prefix is spliced into SQL text, so nothing else passes.
bool isValidTablePrefix(const QString &prefix);

} // namespace vigil
