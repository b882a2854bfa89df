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

QString PostgresStore::transitionRunsSql() const
{
    // The planner thinks a JSON set has 100 rows and would scan the whole table for them:
    // `id = ANY(ARRAY(...))` makes it look each one up by its key.
    return QStringLiteral(
               "WITH b AS (SELECT * FROM jsonb_to_recordset(CAST(:batch AS jsonb)) AS x(rid text, dest text, "
               "allowed text)) "
               "UPDATE {p}workflow_runs r SET status = b.dest, updated_at = CAST(:now AS timestamptz), "
               "started_at = CASE WHEN b.dest = 'running' THEN COALESCE(r.started_at, CAST(:now AS timestamptz)) "
               "ELSE r.started_at END, "
               "completed_at = CASE WHEN b.dest = 'completed' THEN CAST(:now AS timestamptz) ELSE r.completed_at END, "
               "failed_at = CASE WHEN b.dest = 'failed' THEN CAST(:now AS timestamptz) ELSE r.failed_at END, "
               "canceled_at = CASE WHEN b.dest = 'canceled' THEN CAST(:now AS timestamptz) ELSE r.canceled_at END "
               "FROM b WHERE r.id = b.rid AND r.id = ANY(ARRAY(SELECT rid FROM b)) "
               "AND strpos(b.allowed, ',' || r.status || ',') > 0 RETURNING ")
        + runHeadColumns();
}

QString PostgresStore::claimDelaysSql() const
{
    return QStringLiteral(
               "WITH due AS (SELECT id FROM {p}workflow_step_runs WHERE status IN ('pending', 'scheduled') "
               "AND step_type = 'delay' AND scheduled_for <= :horizon "
               "ORDER BY scheduled_for LIMIT :limit FOR UPDATE SKIP LOCKED), "
               "claimed AS (UPDATE {p}workflow_step_runs s SET status = 'running', lease_owner = :owner, "
               "lease_expires_at = :expires, attempt = s.attempt + 1, "
               "started_at = GREATEST(s.scheduled_for, CAST(:now AS timestamptz)) "
               "FROM due WHERE s.id = due.id RETURNING ")
        + stepColumns(QStringLiteral("s."))
        + QStringLiteral("), recorded AS (INSERT INTO {p}step_attempts (step_run_id, run_id, attempt, owner, "
                         "scheduled_for, started_at, status) SELECT id, run_id, attempt, :owner, scheduled_for, "
                         "started_at, 'running' FROM claimed ON CONFLICT (step_run_id, attempt) DO NOTHING) SELECT ")
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

namespace {

// The step columns as a jsonb_to_recordset row type.
const char *const kStepRecord = "id text, run_id text, tenant_id text, step_index int, step_type text, step_name text, "
                                "status text, scheduled_for timestamptz, started_at timestamptz, "
                                "completed_at timestamptz, result jsonb, error_message text, branch_index int, "
                                "parent_step_run_id text, created_at timestamptz, attempt int, lease_owner text, "
                                "lease_expires_at timestamptz, attempt_floor int";

// Attempt records for rows of `rows` inserted running: taken up by their inserter.
QString attemptsOfInserted(const char *rows)
{
    return QStringLiteral("INSERT INTO {p}step_attempts (step_run_id, run_id, attempt, owner, scheduled_for, started_at, "
                          "status) SELECT id, run_id, attempt, lease_owner, COALESCE(scheduled_for, created_at), "
                          "started_at, 'running' FROM %1 WHERE status = 'running' AND lease_owner IS NOT NULL "
                          "ON CONFLICT (step_run_id, attempt) DO NOTHING")
        .arg(QLatin1String(rows));
}

} // namespace

QString PostgresStore::finishBatchSql() const
{
    // One round trip for what a whole group commit writes but its run moves: the fenced
    // finishes and their attempt records (as finishStep and recordAttemptEnd), and for the
    // accepted ones their next step rows (:next, each naming the finish it follows in
    // "after") and their runs' progress.
    return QStringLiteral(
               "WITH b AS (SELECT * FROM jsonb_to_recordset(CAST(:batch AS jsonb)) AS x(id text, owner text, "
               "attempt int, status text, at timestamptz, result jsonb, error text, run_id text, "
               "scheduled_for timestamptz, started_at timestamptz, attempt_status text, attempt_error text, "
               "progress int)), "
               "f AS (UPDATE {p}workflow_step_runs s SET status = b.status, completed_at = b.at, "
               "result = COALESCE(b.result, s.result), "
               "error_message = CASE WHEN b.error IS NOT NULL THEN b.error WHEN b.status = 'completed' THEN NULL "
               "ELSE s.error_message END, lease_owner = NULL, lease_expires_at = NULL "
               "FROM b WHERE s.id = b.id AND s.id = ANY(ARRAY(SELECT id FROM b)) AND s.status = 'running' "
               "AND s.lease_owner = b.owner AND s.attempt = b.attempt "
               "RETURNING s.id), "
               "a AS (INSERT INTO {p}step_attempts (step_run_id, run_id, attempt, owner, scheduled_for, started_at, "
               "ended_at, status, error) SELECT b.id, b.run_id, b.attempt, b.owner, b.scheduled_for, b.started_at, b.at, "
               "b.attempt_status, b.attempt_error FROM b JOIN f ON f.id = b.id ON CONFLICT (step_run_id, attempt) "
               "DO UPDATE SET status = excluded.status, ended_at = excluded.ended_at, error = excluded.error "
               "WHERE {p}step_attempts.status = 'running'), "
               "n AS (SELECT * FROM jsonb_to_recordset(CAST(:next AS jsonb)) AS y(after text, ")
        + QLatin1String(kStepRecord) + QStringLiteral(")), ins AS (INSERT INTO {p}workflow_step_runs (") + stepColumns()
        + QStringLiteral(") SELECT ") + stepColumns()
        + QStringLiteral(" FROM n WHERE n.after IN (SELECT id FROM f) RETURNING id, run_id, attempt, lease_owner, "
                         "scheduled_for, created_at, started_at, status), ia AS (")
        + attemptsOfInserted("ins")
        + QStringLiteral("), p AS (UPDATE {p}workflow_runs r SET current_step_index = b.progress, updated_at = b.at "
                         "FROM b WHERE r.id = b.run_id AND b.progress IS NOT NULL AND b.id IN (SELECT id FROM f) "
                         "AND r.id = ANY(ARRAY(SELECT run_id FROM b WHERE progress IS NOT NULL))) "
                         "SELECT id FROM f");
}

QString PostgresStore::insertStepsBatchSql() const
{
    return QStringLiteral("WITH ins AS (INSERT INTO {p}workflow_step_runs (") + stepColumns()
        + QStringLiteral(") SELECT ") + stepColumns() + QStringLiteral(" FROM jsonb_to_recordset(CAST(:batch AS jsonb)) AS x(")
        + QLatin1String(kStepRecord)
        + QStringLiteral(") RETURNING id, run_id, attempt, lease_owner, scheduled_for, created_at, started_at, status) ")
        + attemptsOfInserted("ins");
}

QString PostgresStore::progressBatchSql() const
{
    return QStringLiteral("WITH x AS (SELECT * FROM jsonb_to_recordset(CAST(:batch AS jsonb)) AS b(id text, idx int, "
                          "at timestamptz)) UPDATE {p}workflow_runs r SET current_step_index = x.idx, updated_at = x.at "
                          "FROM x WHERE r.id = x.id AND r.id = ANY(ARRAY(SELECT id FROM x))");
}

QString PostgresStore::insertRunsBatchSql() const
{
    return QStringLiteral(
        "INSERT INTO {p}workflow_runs (id, definition_id, tenant_id, trigger_id, status, context, current_step_index, "
        "is_replay, is_dry_run, definition_snapshot, started_at, created_at, updated_at) SELECT id, definition_id, "
        "tenant_id, trigger_id, status, context, current_step_index, is_replay, is_dry_run, "
        "CAST(definition_snapshot AS jsonb), started_at, created_at, updated_at "
        "FROM jsonb_to_recordset(CAST(:batch AS jsonb)) AS x(id text, definition_id text, tenant_id text, "
        "trigger_id text, status text, context jsonb, current_step_index int, is_replay boolean, is_dry_run boolean, "
        "definition_snapshot text, started_at timestamptz, created_at timestamptz, updated_at timestamptz)");
}

QString PostgresStore::insertSignalsBatchSql() const
{
    return QStringLiteral("INSERT INTO {p}triggers (id, tenant_id, source, type, resource_type, resource_id, environment, "
                          "payload, created_at) SELECT id, tenant_id, source, type, resource_type, resource_id, "
                          "environment, payload, created_at FROM jsonb_to_recordset(CAST(:batch AS jsonb)) AS x(id text, "
                          "tenant_id text, source text, type text, resource_type text, resource_id text, "
                          "environment text, payload jsonb, created_at timestamptz)");
}

QString PostgresStore::agentStatesBatchSql() const
{
    return QStringLiteral(
        "WITH b AS (SELECT * FROM jsonb_to_recordset(CAST(:batch AS jsonb)) AS x(idx int, id text, state text, "
        "last_seen_at timestamptz, misses int, state_changed_at timestamptz, last_stats jsonb, has_stats boolean, "
        "guarded boolean, expect timestamptz, now timestamptz)) "
        "UPDATE {p}agents a SET state = b.state, last_seen_at = b.last_seen_at, misses = b.misses, "
        "updated_at = b.now, state_changed_at = COALESCE(b.state_changed_at, a.state_changed_at), "
        "last_stats = CASE WHEN b.has_stats THEN b.last_stats ELSE a.last_stats END "
        "FROM b WHERE a.id = b.id "
        "AND (NOT b.guarded OR a.last_seen_at IS NOT DISTINCT FROM b.expect) "
        "RETURNING b.idx");
}

QString PostgresStore::heartbeatBatchSql() const
{
    // The history rows and the agents' states; the two data-modifying parts share one
    // snapshot, and they touch different tables.
    return QStringLiteral(
        "WITH h AS (SELECT * FROM jsonb_to_recordset(CAST(:beats AS jsonb)) AS x(agent_id text, "
        "received_at timestamptz, kind text, exit_code int, message text, stats jsonb, source_address text, "
        "rid text, duration_ms bigint)), "
        "ins AS (INSERT INTO {p}heartbeats (agent_id, received_at, kind, exit_code, message, stats, "
        "source_address, rid, duration_ms) SELECT agent_id, received_at, kind, exit_code, message, stats, "
        "source_address, rid, duration_ms FROM h), "
        "b AS (SELECT * FROM jsonb_to_recordset(CAST(:batch AS jsonb)) AS x(idx int, id text, state text, "
        "last_seen_at timestamptz, misses int, state_changed_at timestamptz, last_stats jsonb, has_stats boolean, "
        "guarded boolean, expect timestamptz, now timestamptz)), "
        "upd AS (UPDATE {p}agents a SET state = b.state, last_seen_at = b.last_seen_at, misses = b.misses, "
        "updated_at = b.now, state_changed_at = COALESCE(b.state_changed_at, a.state_changed_at), "
        "last_stats = CASE WHEN b.has_stats THEN b.last_stats ELSE a.last_stats END "
        "FROM b WHERE a.id = b.id "
        "AND (NOT b.guarded OR a.last_seen_at IS NOT DISTINCT FROM b.expect) "
        "RETURNING b.idx) "
        "SELECT idx FROM upd");
}

} // namespace vigil
