// SPDX-License-Identifier: GPL-3.0-or-later
#include "sqlitestore.h"

#include "core/isotime.h"

#include <QDir>
#include <QFileInfo>

namespace vigil {

SqliteStore::SqliteStore(DatabaseUrl url, const StoreOptions &options)
    : SqlStore(Backend::Sqlite, std::move(url), options)
{ }

QString SqliteStore::driverName() const
{
    return QStringLiteral("QSQLITE");
}

void SqliteStore::configureConnection(QSqlDatabase &db) const
{
    if (!url().inMemory) {
        // A fresh install has no AppDataLocation yet; open() would fail on the missing directory.
        QDir().mkpath(QFileInfo(url().path).absolutePath());
    }
    db.setDatabaseName(url().path);
    db.setConnectOptions(
        QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(qMax<qint64>(0, options().busyTimeout.count())));
}

Status SqliteStore::setUpSession()
{
    const QString synchronous
        = url().parameter(QStringLiteral("synchronous"), QStringLiteral("normal")).toUpper();
    QStringList pragmas = {
        QStringLiteral("PRAGMA busy_timeout = %1").arg(qMax<qint64>(0, options().busyTimeout.count())),
        QStringLiteral("PRAGMA foreign_keys = ON"),
    };
    if (!url().inMemory)
        pragmas.append(QStringLiteral("PRAGMA journal_mode = WAL"));
    // Validated by parseDatabaseUrl: OFF, NORMAL, FULL or EXTRA.
    pragmas.append(QStringLiteral("PRAGMA synchronous = ") + synchronous);
    for (const QString &pragma : pragmas) {
        if (Status done = execDirect(pragma, "set up SQLite connection"); !done)
            return makeError(ErrorCode::Unavailable, done.error().message);
    }
    return {};
}

QVariant SqliteStore::bindTime(const QDateTime &time) const
{
    if (!time.isValid())
        return QVariant();
    return qlonglong(time.toMSecsSinceEpoch());
}

QDateTime SqliteStore::readTime(const QVariant &value) const
{
    if (value.isNull())
        return QDateTime();
    return fromMsecs(value.toLongLong());
}

QVariant SqliteStore::bindBool(bool value) const
{
    return int(value);
}

QString SqliteStore::beginStatement() const
{
    // Take the write lock up front: a deferred transaction that reads first and writes later
    // fails with SQLITE_BUSY instead of waiting when another connection wrote in between.
    return QStringLiteral("BEGIN IMMEDIATE");
}

Status SqliteStore::lockMigrations()
{
    return {}; // BEGIN IMMEDIATE already holds the database's one write lock
}

QString SqliteStore::tableExistsSql() const
{
    return QStringLiteral("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name COLLATE NOCASE");
}

QString SqliteStore::claimSql() const
{
    // Three kinds of due step, each taken in due order from its own partial index and cut at
    // the limit, so a claim reads O(limit) rows however many are due; then the oldest win.
    return QStringLiteral(
               "UPDATE {p}workflow_step_runs SET status = 'running', lease_owner = :owner, "
               "lease_expires_at = :expires, attempt = attempt + 1, started_at = :now "
               "WHERE id IN (SELECT id FROM ("
               "SELECT id, due FROM (SELECT id, created_at AS due FROM {p}workflow_step_runs "
               "WHERE status IN ('pending', 'scheduled') AND scheduled_for IS NULL "
               "ORDER BY created_at LIMIT :limit) "
               "UNION ALL SELECT id, due FROM (SELECT id, scheduled_for AS due FROM {p}workflow_step_runs "
               "WHERE status IN ('pending', 'scheduled') AND scheduled_for <= :now "
               "ORDER BY scheduled_for LIMIT :limit) "
               "UNION ALL SELECT id, due FROM (SELECT id, COALESCE(scheduled_for, created_at) AS due "
               "FROM {p}workflow_step_runs WHERE status = 'running' AND lease_expires_at < :now "
               "ORDER BY lease_expires_at LIMIT :limit)"
               ") ORDER BY due LIMIT :limit) RETURNING ")
        + stepColumns();
}

QString SqliteStore::transitionRunsSql() const
{
    // UPDATE ... FROM (3.33); RETURNING may name only the updated table, so the caller maps
    // rows back by id.
    return QStringLiteral(
               "UPDATE {p}workflow_runs SET status = b.dest, updated_at = :now, "
               "started_at = CASE WHEN b.dest = 'running' THEN COALESCE(started_at, :now) ELSE started_at END, "
               "completed_at = CASE WHEN b.dest = 'completed' THEN :now ELSE completed_at END, "
               "failed_at = CASE WHEN b.dest = 'failed' THEN :now ELSE failed_at END, "
               "canceled_at = CASE WHEN b.dest = 'canceled' THEN :now ELSE canceled_at END "
               "FROM (SELECT json_extract(value, '$.rid') AS rid, json_extract(value, '$.dest') AS dest, "
               "json_extract(value, '$.allowed') AS allowed FROM json_each(:batch)) AS b "
               "WHERE {p}workflow_runs.id = b.rid AND instr(b.allowed, ',' || {p}workflow_runs.status || ',') > 0 "
               "RETURNING ")
        + runHeadColumns();
}

QString SqliteStore::claimDelaysSql() const
{
    // MAX(a, b) of two arguments is SQLite's scalar maximum; times are milliseconds.
    return QStringLiteral(
               "UPDATE {p}workflow_step_runs SET status = 'running', lease_owner = :owner, "
               "lease_expires_at = :expires, attempt = attempt + 1, started_at = MAX(scheduled_for, :now) "
               "WHERE id IN (SELECT id FROM {p}workflow_step_runs WHERE status IN ('pending', 'scheduled') "
               "AND step_type = 'delay' AND scheduled_for <= :horizon ORDER BY scheduled_for LIMIT :limit) "
               "RETURNING ")
        + stepColumns();
}

QString SqliteStore::tagConditionSql() const
{
    return QStringLiteral("EXISTS (SELECT 1 FROM json_each(tags) WHERE json_each.value = :tag)");
}

QString SqliteStore::insertionOrderSql() const
{
    return QStringLiteral("rowid");
}

ErrorCode SqliteStore::errorCodeFor(const QSqlError &error) const
{
    bool ok = false;
    const int code = error.nativeErrorCode().toInt(&ok);
    if (!ok)
        return ErrorCode::Database;
    switch (code & 0xff) { // the primary result code of an extended one
    case 5: // SQLITE_BUSY: the busy timeout ran out
    case 6: // SQLITE_LOCKED
        return ErrorCode::Unavailable;
    case 19: // SQLITE_CONSTRAINT
        if (code == 2067 || code == 1555 || error.databaseText().contains(QLatin1String("UNIQUE")))
            return ErrorCode::Conflict;
        return ErrorCode::Invalid;
    default:
        return ErrorCode::Database;
    }
}

QString SqliteStore::mergeContextSql(const QString &key) const
{
    // A JSON path label is quoted with ", which cannot itself be escaped in SQLite's paths.
    if (key.contains(QLatin1Char('"')) || key.contains(QLatin1Char('\\')))
        return {};
    return QStringLiteral("UPDATE {p}workflow_runs SET context = json_set(COALESCE(context, '{}'), "
                          "'$.\"' || :key || '\"', json(:value)) WHERE id = :id RETURNING context");
}

} // namespace vigil
