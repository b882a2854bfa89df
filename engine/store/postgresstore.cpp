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
{
    const QString columns = heartbeatInsertColumns();
    const int columnCount = int(columns.count(QLatin1Char(',')) + 1);
    QStringList placeholders;
    for (int i = 0; i < columnCount; ++i)
        placeholders.append(QStringLiteral("?"));
    const QString row = QLatin1Char('(') + placeholders.join(QStringLiteral(", ")) + QLatin1Char(')');
    for (std::size_t i = 0; i < kChunkSizes; ++i) {
        const int rows = 1 << (kChunkSizes - 1 - i);
        QStringList values;
        for (int r = 0; r < rows; ++r)
            values.append(row);
        m_heartbeatInserts[i] = QStringLiteral("INSERT INTO {p}heartbeats (") + columns + QStringLiteral(") VALUES ")
                                + values.join(QStringLiteral(", "));
    }
}

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
    // QPSQL sets this as well; times are read back as UTC either way.
    if (Status done = execDirect(QStringLiteral("SET TIME ZONE 'UTC'"), "set up PostgreSQL session"); !done)
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
    return QStringLiteral("UPDATE {p}workflow_step_runs s SET status = 'running', lease_owner = :owner, "
                          "lease_expires_at = :expires, attempt = s.attempt + 1, started_at = :now "
                          "FROM (SELECT id FROM {p}workflow_step_runs "
                          "WHERE (status IN ('pending', 'scheduled') AND (scheduled_for IS NULL OR scheduled_for <= :now)) "
                          "OR (status = 'running' AND lease_expires_at < :now) "
                          "ORDER BY COALESCE(scheduled_for, created_at) LIMIT :limit FOR UPDATE SKIP LOCKED) c "
                          "WHERE s.id = c.id RETURNING ")
        + stepColumns(QStringLiteral("s."));
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
    if (state == QLatin1String("40001") || state == QLatin1String("40P01") || state.startsWith(QLatin1String("53"))
        || state == QLatin1String("57014") || state == QLatin1String("55P03"))
        return ErrorCode::Unavailable; // serialization failure, deadlock, resources, canceled, lock timeout
    return ErrorCode::Database;
}

Status PostgresStore::insertHeartbeatRows(const std::vector<Heartbeat> &heartbeats)
{
    std::size_t done = 0;
    while (done < heartbeats.size()) {
        const std::size_t left = heartbeats.size() - done;
        std::size_t index = 0;
        while ((std::size_t(1) << (kChunkSizes - 1 - index)) > left)
            ++index;
        const std::size_t rows = std::size_t(1) << (kChunkSizes - 1 - index);
        Result<QSqlQuery *> query = statement(m_heartbeatInserts[index], "insert heartbeats");
        if (!query)
            return query.error();
        int position = 0;
        for (std::size_t r = 0; r < rows; ++r) {
            for (const QVariant &value : heartbeatValues(heartbeats[done + r]))
                (*query)->bindValue(position++, value);
        }
        if (Status inserted = execPrepared(*query, "insert heartbeats"); !inserted)
            return inserted;
        (*query)->finish();
        done += rows;
    }
    return {};
}

QString PostgresStore::mergeContextSql(const QString &) const
{
    return QStringLiteral("UPDATE {p}workflow_runs SET context = jsonb_set(COALESCE(context, CAST('{}' AS jsonb)), "
                          "ARRAY[CAST(:key AS text)], CAST(:value AS jsonb), true) WHERE id = :id RETURNING context");
}

} // namespace vigil
