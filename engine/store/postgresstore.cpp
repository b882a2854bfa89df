// SPDX-License-Identifier: GPL-3.0-or-later
#include "postgresstore.h"

#include "core/isotime.h"

namespace vigil {

namespace {

// libpq conninfo value quoting: single quotes, with \ and ' escaped.
QString conninfoValue(QString value)
{
    value.replace(QLatin1Char('\\'), QLatin1String("\\\\"));
    value.replace(QLatin1Char('\''), QLatin1String("\\'"));
    return QLatin1Char('\'') + value + QLatin1Char('\'');
}

// FNV-1a: the same key in every process (qHash is seeded per process).
qint64 advisoryKey(const QString &text)
{
    quint64 hash = 14695981039346656037ULL;
    for (const char byte : text.toUtf8()) {
        hash ^= quint8(byte);
        hash *= 1099511628211ULL;
    }
    return qint64(hash);
}

} // namespace

PostgresStore::PostgresStore(DatabaseUrl url, const StoreOptions &options)
    : SqlStore(Backend::Postgres, std::move(url), options)
{ }

QString PostgresStore::driverName() const
{
    return QStringLiteral("QPSQL");
}

void PostgresStore::configureConnection(QSqlDatabase &db) const
{
    const DatabaseUrl &u = url();
    if (!u.host.isEmpty())
        db.setHostName(u.host);
    db.setPort(u.port);
    if (!u.user.isEmpty())
        db.setUserName(u.user);
    if (!u.password.isEmpty())
        db.setPassword(u.password);
    if (!u.database.isEmpty())
        db.setDatabaseName(u.database);
    // Query parameters are libpq keywords; an unreachable server should fail fast, not after
    // the OS's TCP timeout.
    QStringList connectOptions;
    if (!u.hasParameter(QStringLiteral("connect_timeout")))
        connectOptions.append(QStringLiteral("connect_timeout=5"));
    if (!u.hasParameter(QStringLiteral("application_name")))
        connectOptions.append(QStringLiteral("application_name=vigil"));
    for (const auto &[key, value] : u.parameters)
        connectOptions.append(key + QLatin1Char('=') + conninfoValue(value));
    db.setConnectOptions(connectOptions.join(QLatin1Char(';')));
}

Status PostgresStore::setUpSession()
{
    // QPSQL sets the time zone as well; times are read back as UTC either way. NOTICEs
    // (CREATE ... IF NOT EXISTS) would go to stderr through libpq.
    if (Status done = execDirect(QStringLiteral("SET TIME ZONE 'UTC'; SET client_min_messages TO WARNING"),
            "set up PostgreSQL session");
        !done)
        return makeError(ErrorCode::Unavailable, done.error().message);
    return {};
}

QVariant PostgresStore::bindTime(const QDateTime &time) const
{
    if (!time.isValid())
        return QVariant();
    return time.toUTC();
}

QDateTime PostgresStore::readTime(const QVariant &value) const
{
    if (value.isNull())
        return QDateTime();
    const QDateTime time = value.toDateTime();
    if (!time.isValid())
        return QDateTime();
    return fromMsecs(time.toMSecsSinceEpoch());
}

QVariant PostgresStore::bindBool(bool value) const
{
    return value;
}

QString PostgresStore::beginStatement() const
{
    return QStringLiteral("BEGIN");
}

Status PostgresStore::lockMigrations()
{
    // Held until the migration's transaction ends. PostgreSQL folds unquoted names to lower
    // case, so prefixes differing only in case name the same tables and share the lock.
    Result<SqlRows> rows = exec(QStringLiteral("SELECT pg_advisory_xact_lock(CAST(:key AS BIGINT))"),
        { { ":key", advisoryKey(QStringLiteral("vigil-migrate:") + tablePrefix().toLower()) } },
        "migrate: lock");
    if (!rows)
        return rows.error();
    return {};
}

QString PostgresStore::tableExistsSql() const
{
    return QStringLiteral("SELECT 1 WHERE to_regclass(CAST(:name AS TEXT)) IS NOT NULL");
}

QString PostgresStore::claimSql() const
{
    // Three kinds of due step, each taken in due order from its own partial index, locked
    // (skipping rows another claimer holds) and cut at the limit; then the oldest win. Rows
    // locked but not chosen are released when the statement ends.
    return QStringLiteral(
               "WITH unscheduled AS (SELECT id, created_at AS due FROM {p}workflow_step_runs "
               "WHERE status IN ('pending', 'scheduled') AND scheduled_for IS NULL "
               "ORDER BY created_at LIMIT :limit FOR UPDATE SKIP LOCKED), "
               "scheduled AS (SELECT id, scheduled_for AS due FROM {p}workflow_step_runs "
               "WHERE status IN ('pending', 'scheduled') AND scheduled_for <= :now "
               "ORDER BY scheduled_for LIMIT :limit FOR UPDATE SKIP LOCKED), "
               "expired AS (SELECT id, COALESCE(scheduled_for, created_at) AS due FROM {p}workflow_step_runs "
               "WHERE status = 'running' AND lease_expires_at < :now "
               "ORDER BY lease_expires_at LIMIT :limit FOR UPDATE SKIP LOCKED)"
               ", claimed AS (UPDATE {p}workflow_step_runs s SET status = 'running', lease_owner = :owner, "
               "lease_expires_at = :expires, attempt = s.attempt + 1, started_at = :now "
               "FROM (SELECT id FROM (SELECT id, due FROM unscheduled UNION ALL SELECT id, due FROM "
               "scheduled "
               "UNION ALL SELECT id, due FROM expired) candidates ORDER BY due LIMIT :limit) c "
               "WHERE s.id = c.id RETURNING ")
        + stepColumns(QStringLiteral("s."))
        // The attempt records in the same statement: one round trip per claim.
        + QStringLiteral("), recorded AS (INSERT INTO {p}step_attempts (step_run_id, run_id, attempt, owner, "
                         "scheduled_for, started_at, status) SELECT id, run_id, attempt, :owner, "
                         "COALESCE(scheduled_for, created_at), :now, 'running' FROM claimed "
                         "ON CONFLICT (step_run_id, attempt) DO NOTHING) SELECT ")
        + stepColumns() + QStringLiteral(" FROM claimed");
}

bool PostgresStore::claimRecordsAttempts() const
{
    return true;
}

QString PostgresStore::tagConditionSql() const
{
    return QStringLiteral("tags @> jsonb_build_array(CAST(:tag AS TEXT))");
}

QString PostgresStore::insertionOrderSql() const
{
    return QStringLiteral("seq");
}

ErrorCode PostgresStore::errorCodeFor(const QSqlError &error) const
{
    const QString state = error.nativeErrorCode();
    if (state == QLatin1String("23505"))
        return ErrorCode::Conflict; // unique_violation
    if (state.startsWith(QLatin1String("23")) || state.startsWith(QLatin1String("22")))
        return ErrorCode::Invalid; // integrity constraint violation, data exception
    if (state == QLatin1String("40001") || state == QLatin1String("40P01")
        || state.startsWith(QLatin1String("53")) || state == QLatin1String("57014")
        || state == QLatin1String("55P03"))
        return ErrorCode::Unavailable; // serialization failure, deadlock, resources, canceled, lock timeout
    return ErrorCode::Database;
}

QString PostgresStore::mergeContextSql(const QString &) const
{
    return QStringLiteral(
        "UPDATE {p}workflow_runs SET context = jsonb_set(COALESCE(context, CAST('{}' AS jsonb)), "
        "ARRAY[CAST(:key AS text)], CAST(:value AS jsonb), true) WHERE id = :id RETURNING context");
}

} // namespace vigil
