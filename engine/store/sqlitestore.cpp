// SPDX-License-Identifier: GPL-3.0-or-later
#include "sqlitestore.h"

#include "core/isotime.h"
#include "model/json.h"

#include <QDir>
#include <QFileInfo>

#include <sqlite3.h>

namespace vigil {

// The heartbeat group commit writes each heartbeat's history row and its agent's state row
// with SQLite's C API, on the very connection QtSql opened (QSqlDriver::handle(); Debian's
// QSQLITE plugin and we link the same libsqlite3.so.0). Through QtSql, binding the nine
// values of a row by name and building each update's SQL took over a third of the writer
// thread under heartbeat load (perf), more than SQLite's own work for the rows; now SQLite's
// work is nearly all of it. Everything else stays on QtSql; transactions too, so these
// statements run inside QtSql's BEGIN/COMMIT.
struct SqliteStore::Native
{
    sqlite3 *db = nullptr; // the connection the statements below were prepared on
    sqlite3_stmt *insertBeat = nullptr;
    sqlite3_stmt *updateAgent = nullptr;
    sqlite3_stmt *refreshAgent = nullptr;

    ~Native() { finalize(); }
    void finalize()
    {
        for (sqlite3_stmt **statement : { &insertBeat, &updateAgent, &refreshAgent }) {
            sqlite3_finalize(*statement);
            *statement = nullptr;
        }
        db = nullptr;
    }
};

namespace {

// Binds UTF-16 text that outlives the statement's next step.
void bindText16(sqlite3_stmt *statement, int index, const QString &text)
{
    sqlite3_bind_text16(statement, index, text.utf16(), int(text.size() * sizeof(char16_t)), SQLITE_STATIC);
}

void bindOptText(sqlite3_stmt *statement, int index, const std::optional<QString> &text)
{
    if (text)
        bindText16(statement, index, *text);
    else
        sqlite3_bind_null(statement, index);
}

void bindTimeMs(sqlite3_stmt *statement, int index, const QDateTime &time)
{
    if (time.isValid())
        sqlite3_bind_int64(statement, index, time.toMSecsSinceEpoch());
    else
        sqlite3_bind_null(statement, index);
}

} // namespace

SqliteStore::SqliteStore(DatabaseUrl url, const StoreOptions &options)
    : SqlStore(Backend::Sqlite, std::move(url), options), m_native(std::make_unique<Native>())
{ }

// The statements must be finalized before SqlStore's destructor closes the connection.
SqliteStore::~SqliteStore() = default;

void SqliteStore::closingConnection()
{
    m_native->finalize();
}

Status SqliteStore::writeHeartbeatBatch(const HeartbeatBatch &batch, std::vector<bool> &applied, const QDateTime &now)
{
    const QVariant handle = nativeHandle();
    if (!handle.isValid() || qstrcmp(handle.typeName(), "sqlite3*") != 0)
        return SqlStore::writeHeartbeatBatch(batch, applied, now);
    sqlite3 *db = *static_cast<sqlite3 *const *>(handle.constData());
    Native &n = *m_native;
    auto fail = [&](const char *what) {
        const int code = sqlite3_extended_errcode(db);
        return this->fail(QSqlError(QStringLiteral("SQLite"), QString::fromUtf8(sqlite3_errmsg(db)),
                                    QSqlError::StatementError, QString::number(code)),
                          what);
    };
    if (n.db != db)
        n.finalize();
    n.db = db;
    const struct
    {
        sqlite3_stmt *&statement;
        QString sql;
        const char *what;
    } statements[] = {
        { n.insertBeat,
            QStringLiteral("INSERT INTO {p}heartbeats (agent_id, received_at, kind, exit_code, message, stats, "
                           "source_address, rid, duration_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
            "prepare insert heartbeats" },
        // One shape for every update: a NULL ?5 keeps state_changed_at, ?6 = 0 keeps
        // last_stats, and ?9 = 1 guards on last_seen_at IS ?10 (NULL: never seen).
        { n.updateAgent,
            QStringLiteral("UPDATE {p}agents SET state = ?1, last_seen_at = ?2, misses = ?3, updated_at = ?4, "
                           "state_changed_at = COALESCE(?5, state_changed_at), "
                           "last_stats = CASE WHEN ?6 THEN ?7 ELSE last_stats END "
                           "WHERE id = ?8 AND (?9 = 0 OR last_seen_at IS ?10)"),
            "prepare update agent state" },
        // Most updates only move last_seen_at on an agent whose state stays: leaving `state`
        // out of the SET spares the (state, id) index a delete and an insert per heartbeat.
        // It applies only while the stored state is the one given; else the full update runs.
        { n.refreshAgent,
            QStringLiteral("UPDATE {p}agents SET last_seen_at = ?2, misses = ?3, updated_at = ?4, "
                           "last_stats = CASE WHEN ?6 THEN ?7 ELSE last_stats END "
                           "WHERE id = ?8 AND state = ?1 AND (?9 = 0 OR last_seen_at IS ?10) AND ?5 IS NULL"),
            "prepare refresh agent state" },
    };
    for (const auto &[statement, sql, what] : statements) {
        if (statement)
            continue;
        if (sqlite3_prepare_v3(db, withPrefix(sql).toUtf8().constData(), -1, SQLITE_PREPARE_PERSISTENT, &statement,
                               nullptr)
            != SQLITE_OK)
            return fail(what);
    }

    sqlite3_stmt *insert = n.insertBeat;
    for (const Heartbeat &heartbeat : batch.heartbeats) {
        const QString kind = toString(heartbeat.kind);
        const QByteArray stats = heartbeat.stats.is_null() ? QByteArray() : dumpJson(heartbeat.stats);
        bindText16(insert, 1, heartbeat.agentId);
        bindTimeMs(insert, 2, heartbeat.receivedAt.isValid() ? heartbeat.receivedAt : now);
        bindText16(insert, 3, kind);
        if (heartbeat.exitCode)
            sqlite3_bind_int(insert, 4, *heartbeat.exitCode);
        else
            sqlite3_bind_null(insert, 4);
        bindOptText(insert, 5, heartbeat.message);
        if (heartbeat.stats.is_null())
            sqlite3_bind_null(insert, 6);
        else
            sqlite3_bind_text(insert, 6, stats.constData(), int(stats.size()), SQLITE_STATIC);
        bindOptText(insert, 7, heartbeat.sourceAddress);
        bindOptText(insert, 8, heartbeat.rid);
        if (heartbeat.durationMs)
            sqlite3_bind_int64(insert, 9, *heartbeat.durationMs);
        else
            sqlite3_bind_null(insert, 9);
        if (sqlite3_step(insert) != SQLITE_DONE) {
            const Error error = fail("insert heartbeats");
            sqlite3_reset(insert);
            return error;
        }
        sqlite3_reset(insert);
    }

    const qint64 nowMs = now.toMSecsSinceEpoch();
    for (std::size_t i = 0; i < batch.updates.size(); ++i) {
        const AgentStateUpdate &u = batch.updates[i];
        const QString state = toString(u.state);
        const bool hasStats = u.lastStats.has_value();
        const QByteArray stats = hasStats && !u.lastStats->is_null() ? dumpJson(*u.lastStats) : QByteArray();
        // Answers whether a row changed, or fails.
        auto run = [&](sqlite3_stmt *update, const char *what) -> Result<bool> {
            bindText16(update, 1, state);
            bindTimeMs(update, 2, u.lastSeenAt);
            sqlite3_bind_int(update, 3, u.misses);
            sqlite3_bind_int64(update, 4, nowMs);
            bindTimeMs(update, 5, u.stateChangedAt);
            sqlite3_bind_int(update, 6, hasStats ? 1 : 0);
            if (stats.isNull())
                sqlite3_bind_null(update, 7);
            else
                sqlite3_bind_text(update, 7, stats.constData(), int(stats.size()), SQLITE_STATIC);
            bindText16(update, 8, u.id);
            sqlite3_bind_int(update, 9, u.guarded ? 1 : 0);
            bindTimeMs(update, 10, u.expectLastSeenAt);
            if (sqlite3_step(update) != SQLITE_DONE) {
                const Error error = fail(what);
                sqlite3_reset(update);
                return error;
            }
            sqlite3_reset(update);
            return sqlite3_changes(db) > 0;
        };
        Result<bool> done = u.stateChangedAt.isValid() ? Result<bool>(false) : run(n.refreshAgent, "refresh agent state");
        if (done && !*done)
            done = run(n.updateAgent, "update agent state");
        if (!done)
            return done.error();
        applied[i] = *done;
    }
    return {};
}

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
    if (!url().inMemory) {
        pragmas.append(QStringLiteral("PRAGMA journal_mode = WAL"));
        // Checkpoint every 8192 pages (32 MiB of WAL) instead of SQLite's 1000: under load
        // a heartbeat dirties its agent's page of the history index, and the same few thousand
        // pages are written back at every checkpoint; eight times fewer checkpoints write them
        // back about eight times less often. The WAL file is cut back to 64 MiB afterwards.
        pragmas.append(options().autoCheckpoint ? QStringLiteral("PRAGMA wal_autocheckpoint = 8192")
                                                : QStringLiteral("PRAGMA wal_autocheckpoint = 0"));
        pragmas.append(QStringLiteral("PRAGMA journal_size_limit = 67108864"));
    }
    // Validated by parseDatabaseUrl: OFF, NORMAL, FULL or EXTRA.
    pragmas.append(QStringLiteral("PRAGMA synchronous = ") + synchronous);
    for (const QString &pragma : pragmas) {
        if (Status done = execDirect(pragma, "set up SQLite connection"); !done)
            return makeError(ErrorCode::Unavailable, done.error().message);
    }
    return {};
}

Result<int> SqliteStore::checkpoint()
{
    if (url().inMemory)
        return 0;
    Result<SqlRows> rows = exec(QStringLiteral("PRAGMA wal_checkpoint(PASSIVE)"), {}, "checkpoint");
    if (!rows)
        return rows.error();
    if (!rows->next())
        return 0;
    // busy, frames in the WAL, frames checkpointed (-1, -1 when not in WAL mode)
    return std::max(0, int(rows->integer(1)));
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
