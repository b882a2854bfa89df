// SPDX-License-Identifier: GPL-3.0-or-later
// The heartbeat half of SqlStore: agents, heartbeat history and incidents.
#include "core/isotime.h"
#include "sqlstore.h"

#include <array>

namespace vigil {

namespace {

const QLatin1String kAgentColumns("id, tenant_id, environment, tags, interval_secs, grace_secs, hmac_key, "
                                  "schedule, timezone, state, last_seen_at, "
                                  "misses, last_stats, state_changed_at, created_at, updated_at");
const QLatin1String kHeartbeatColumns(
    "id, agent_id, received_at, kind, exit_code, message, stats, source_address, rid, duration_ms");
const QLatin1String kIncidentColumns("id, tenant_id, definition_id, run_id, resource_type, resource_id, "
                                     "title, severity, status, details, opened_at, "
                                     "resolved_at, resolved_by_run_id, updated_at");

Json tagsToJson(const QStringList &tags)
{
    Json out = Json::array();
    for (const QString &tag : tags)
        out.push_back(toStd(tag));
    return out;
}

// Rows per multi-row INSERT: a batch is cut into chunks of 256, 128, ..., 1 rows, so that
// a batch of 500 takes 5 statements instead of 500 (a round trip each on PostgreSQL, and
// Qt's per-exec overhead on SQLite) and only nine statement texts are ever prepared.
// Placeholders are named (:h<row>_<column>) and the names made once: binding by position
// would have QSqlResult format a ":<n>" key with QString::arg for every single value.
constexpr int kLargestChunkShift = 8;
constexpr int kHeartbeatColumnCount = 9;

const QStringList &heartbeatPlaceholders()
{
    static const QStringList names = [] {
        QStringList out;
        for (int row = 0; row < (1 << kLargestChunkShift); ++row) {
            for (int column = 0; column < kHeartbeatColumnCount; ++column)
                out.append(QStringLiteral(":h%1_%2").arg(row).arg(column));
        }
        return out;
    }();
    return names;
}

const QString &heartbeatInsertSql(int shift)
{
    static const std::array<QString, kLargestChunkShift + 1> statements = [] {
        const QStringList &names = heartbeatPlaceholders();
        std::array<QString, kLargestChunkShift + 1> out;
        for (int shift = 0; shift <= kLargestChunkShift; ++shift) {
            QStringList rows;
            for (int r = 0; r < (1 << shift); ++r) {
                rows.append(QLatin1Char('(')
                    + names.mid(r * kHeartbeatColumnCount, kHeartbeatColumnCount).join(QStringLiteral(", "))
                    + QLatin1Char(')'));
            }
            out[shift] = QStringLiteral(
                             "INSERT INTO {p}heartbeats (agent_id, received_at, kind, exit_code, message, "
                             "stats, source_address, rid, duration_ms) VALUES ")
                + rows.join(QStringLiteral(", "));
        }
        return out;
    }();
    return statements[shift];
}

// The agent state updates as agentStatesBatchSql's :batch.
QString agentStatesJson(const std::vector<AgentStateUpdate> &updates, const QDateTime &now)
{
    Json rows = Json::array();
    const std::string nowIso = toStd(toIsoUtc(now));
    for (std::size_t i = 0; i < updates.size(); ++i) {
        const AgentStateUpdate &update = updates[i];
        Json row = { { "idx", i }, { "id", toStd(update.id) }, { "state", toStd(toString(update.state)) },
            { "misses", update.misses }, { "guarded", update.guarded }, { "now", nowIso },
            { "has_stats", update.lastStats.has_value() } };
        if (update.lastSeenAt.isValid())
            row["last_seen_at"] = toStd(toIsoUtc(update.lastSeenAt));
        if (update.stateChangedAt.isValid())
            row["state_changed_at"] = toStd(toIsoUtc(update.stateChangedAt));
        if (update.lastStats && !update.lastStats->is_null())
            row["last_stats"] = *update.lastStats;
        if (update.guarded && update.expectLastSeenAt.isValid())
            row["expect"] = toStd(toIsoUtc(update.expectLastSeenAt));
        rows.push_back(std::move(row));
    }
    return QString::fromUtf8(dumpJson(rows));
}

// Sets applied[idx] for each row answered (the `idx` of each applied agent state update).
void markApplied(SqlRows &rows, std::vector<bool> &applied)
{
    while (rows.next()) {
        const int idx = rows.value(0).toInt();
        if (idx >= 0 && std::size_t(idx) < applied.size())
            applied[std::size_t(idx)] = true;
    }
}

// The history rows as heartbeatBatchSql's :beats.
QString heartbeatsJson(const std::vector<Heartbeat> &heartbeats, const QDateTime &now)
{
    Json rows = Json::array();
    for (const Heartbeat &heartbeat : heartbeats) {
        Json row = { { "agent_id", toStd(heartbeat.agentId) },
            { "received_at", toStd(toIsoUtc(heartbeat.receivedAt.isValid() ? heartbeat.receivedAt : now)) },
            { "kind", toStd(toString(heartbeat.kind)) } };
        if (heartbeat.exitCode)
            row["exit_code"] = *heartbeat.exitCode;
        if (heartbeat.message)
            row["message"] = toStd(*heartbeat.message);
        if (!heartbeat.stats.is_null())
            row["stats"] = heartbeat.stats;
        if (heartbeat.sourceAddress)
            row["source_address"] = toStd(*heartbeat.sourceAddress);
        if (heartbeat.rid)
            row["rid"] = toStd(*heartbeat.rid);
        if (heartbeat.durationMs)
            row["duration_ms"] = *heartbeat.durationMs;
        rows.push_back(std::move(row));
    }
    return QString::fromUtf8(dumpJson(rows));
}

} // namespace

// ---- rows -------------------------------------------------------------------------

Result<Agent> SqlStore::readAgent(const SqlRows &row) const
{
    Agent agent;
    agent.id = row.text(0);
    agent.tenantId = row.text(1);
    agent.environment = row.optText(2);
    Result<Json> tags = readJson(row.value(3), "tags");
    if (!tags)
        return tags.error();
    if (tags->is_array()) {
        for (const Json &tag : *tags) {
            if (tag.is_string())
                agent.tags.append(fromStd(tag.get<std::string>()));
        }
    }
    agent.intervalSecs = int(row.integer(4));
    agent.graceSecs = int(row.integer(5));
    agent.hmacKey = row.optText(6);
    agent.schedule = row.optText(7);
    agent.timezone = row.optText(8);
    const std::optional<AgentState> state = agentStateFromString(row.text(9));
    if (!state)
        return makeError(
            ErrorCode::Database, QStringLiteral("agent %1: unknown state \"%2\"").arg(agent.id, row.text(9)));
    agent.state = *state;
    agent.lastSeenAt = readTime(row.value(10));
    agent.misses = int(row.integer(11));
    Result<Json> stats = readJson(row.value(12), "last_stats");
    if (!stats)
        return stats.error();
    agent.lastStats = std::move(stats).value();
    agent.stateChangedAt = readTime(row.value(13));
    agent.createdAt = readTime(row.value(14));
    agent.updatedAt = readTime(row.value(15));
    return agent;
}

Result<Heartbeat> SqlStore::readHeartbeat(const SqlRows &row) const
{
    Heartbeat heartbeat;
    heartbeat.id = row.integer(0);
    heartbeat.agentId = row.text(1);
    heartbeat.receivedAt = readTime(row.value(2));
    const std::optional<HeartbeatKind> kind = heartbeatKindFromString(row.text(3));
    if (!kind)
        return makeError(ErrorCode::Database,
            QStringLiteral("heartbeat %1: unknown kind \"%2\"").arg(heartbeat.id).arg(row.text(3)));
    heartbeat.kind = *kind;
    if (const std::optional<qint64> exitCode = row.optInteger(4))
        heartbeat.exitCode = int(*exitCode);
    heartbeat.message = row.optText(5);
    Result<Json> stats = readJson(row.value(6), "stats");
    if (!stats)
        return stats.error();
    heartbeat.stats = std::move(stats).value();
    heartbeat.sourceAddress = row.optText(7);
    heartbeat.rid = row.optText(8);
    heartbeat.durationMs = row.optInteger(9);
    return heartbeat;
}

Result<Incident> SqlStore::readIncident(const SqlRows &row) const
{
    Incident incident;
    incident.id = row.text(0);
    incident.tenantId = row.text(1);
    incident.definitionId = row.optText(2);
    incident.runId = row.optText(3);
    incident.resourceType = row.text(4);
    incident.resourceId = row.text(5);
    incident.title = row.text(6);
    incident.severity = row.text(7);
    const std::optional<IncidentStatus> status = incidentStatusFromString(row.text(8));
    if (!status)
        return makeError(ErrorCode::Database,
            QStringLiteral("incident %1: unknown status \"%2\"").arg(incident.id, row.text(8)));
    incident.status = *status;
    Result<Json> details = readJson(row.value(9), "details");
    if (!details)
        return details.error();
    incident.details = std::move(details).value();
    incident.openedAt = readTime(row.value(10));
    incident.resolvedAt = readTime(row.value(11));
    incident.resolvedByRunId = row.optText(12);
    incident.updatedAt = readTime(row.value(13));
    return incident;
}

// ---- agents -----------------------------------------------------------------------

Result<Agent> SqlStore::upsertAgent(const Agent &agent)
{
    const QDateTime now = nowUtc();
    // State fields are written on insert only; an existing agent keeps its liveness.
    return readOne(
        exec(QStringLiteral("INSERT INTO {p}agents (") + kAgentColumns
                + QStringLiteral(
                    ") VALUES (:id, :tenant_id, :environment, :tags, :interval_secs, :grace_secs, "
                    ":hmac_key, :schedule, :timezone, :state, :last_seen_at, :misses, :last_stats, "
                    ":state_changed_at, :created_at, :updated_at) "
                    "ON CONFLICT (id) DO UPDATE SET tenant_id = excluded.tenant_id, "
                    "environment = excluded.environment, tags = excluded.tags, "
                    "interval_secs = excluded.interval_secs, grace_secs = excluded.grace_secs, "
                    "hmac_key = excluded.hmac_key, schedule = excluded.schedule, "
                    "timezone = excluded.timezone, updated_at = excluded.updated_at RETURNING ")
                + kAgentColumns,
            { { ":id", bindString(agent.id) }, { ":tenant_id", bindString(agent.tenantId) },
                { ":environment", bindText(agent.environment) },
                { ":tags", bindJson(tagsToJson(agent.tags)) }, { ":interval_secs", agent.intervalSecs },
                { ":grace_secs", agent.graceSecs }, { ":hmac_key", bindText(agent.hmacKey) },
                { ":schedule", bindText(agent.schedule) }, { ":timezone", bindText(agent.timezone) },
                { ":state", toString(agent.state) }, { ":last_seen_at", bindTime(agent.lastSeenAt) },
                { ":misses", agent.misses }, { ":last_stats", bindJson(agent.lastStats) },
                { ":state_changed_at", bindTime(agent.stateChangedAt) },
                { ":created_at", bindTime(agent.createdAt.isValid() ? agent.createdAt : now) },
                { ":updated_at", bindTime(now) } },
            "upsert agent"),
        &SqlStore::readAgent, "upsert agent",
        QStringLiteral("upsert agent %1: nothing stored").arg(agent.id));
}

Result<Agent> SqlStore::getAgent(const QString &id)
{
    return readOne(
        exec(QStringLiteral("SELECT ") + kAgentColumns + QStringLiteral(" FROM {p}agents WHERE id = :id"),
            { { ":id", id } }, "get agent"),
        &SqlStore::readAgent, "get agent", QStringLiteral("agent %1 not found").arg(id));
}

Result<Page<Agent>> SqlStore::listAgents(const AgentFilter &filter, const PageRequest &page)
{
    Filter where;
    if (filter.state)
        where.add(QStringLiteral("state = :state"), ":state", toString(*filter.state));
    if (filter.tenantId)
        where.add(QStringLiteral("tenant_id = :tenant_id"), ":tenant_id", *filter.tenantId);
    if (filter.environment)
        where.add(QStringLiteral("environment = :environment"), ":environment", *filter.environment);
    if (filter.tag)
        where.add(tagConditionSql(), ":tag", *filter.tag);
    return fetchPageById(QStringLiteral("SELECT ") + kAgentColumns + QStringLiteral(" FROM {p}agents"),
        std::move(where), page, &SqlStore::readAgent, "list agents");
}

Result<std::vector<Agent>> SqlStore::allAgents()
{
    return readAll(
        exec(QStringLiteral("SELECT ") + kAgentColumns + QStringLiteral(" FROM {p}agents ORDER BY id"), {},
            "all agents"),
        &SqlStore::readAgent, "all agents");
}

Result<bool> SqlStore::updateAgentState(const AgentStateUpdate &update, const QVariant &now)
{
    QString sql = QStringLiteral("UPDATE {p}agents SET state = :state, last_seen_at = :last_seen_at, "
                                 "misses = :misses, updated_at = :now");
    Binds binds = { { ":state", toString(update.state) }, { ":last_seen_at", bindTime(update.lastSeenAt) },
        { ":misses", update.misses }, { ":now", now }, { ":id", update.id } };
    if (update.stateChangedAt.isValid()) {
        sql += QStringLiteral(", state_changed_at = :state_changed_at");
        binds.push_back({ ":state_changed_at", bindTime(update.stateChangedAt) });
    }
    if (update.lastStats) {
        sql += QStringLiteral(", last_stats = :last_stats");
        binds.push_back({ ":last_stats", bindJson(*update.lastStats) });
    }
    sql += QStringLiteral(" WHERE id = :id");
    if (update.guarded) {
        if (update.expectLastSeenAt.isValid()) {
            sql += QStringLiteral(" AND last_seen_at = :expect");
            binds.push_back({ ":expect", bindTime(update.expectLastSeenAt) });
        } else {
            sql += QStringLiteral(" AND last_seen_at IS NULL");
        }
    }
    Result<SqlRows> rows = exec(sql, binds, "update agent state");
    if (!rows)
        return rows.error();
    return rows->numRowsAffected() > 0;
}

Status SqlStore::updateAgentStates(const std::vector<AgentStateUpdate> &updates)
{
    if (updates.empty())
        return {};
    const QVariant now = bindTime(nowUtc());
    return inTransaction([&]() -> Status {
        for (const AgentStateUpdate &update : updates) {
            if (Result<bool> applied = updateAgentState(update, now); !applied)
                return applied.error();
        }
        return {};
    });
}

Result<std::vector<bool>> SqlStore::commitHeartbeats(const HeartbeatBatch &batch)
{
    std::vector<bool> applied(batch.updates.size(), false);
    const QDateTime nowTime = nowUtc();
    if (const QString sql = heartbeatBatchSql(); !sql.isEmpty() && batch.newAgents.empty()) {
        // One statement is atomic by itself: one round trip instead of a transaction's four or more.
        Result<SqlRows> rows = exec(sql,
            { { ":beats", heartbeatsJson(batch.heartbeats, nowTime) },
                { ":batch", agentStatesJson(batch.updates, nowTime) } },
            "store heartbeats");
        if (!rows)
            return rows.error();
        markApplied(*rows, applied);
        return applied;
    }
    const QVariant now = bindTime(nowTime);
    Status done = inTransaction([&]() -> Status {
        for (const Agent &agent : batch.newAgents) {
            Result<SqlRows> rows = exec(QStringLiteral("INSERT INTO {p}agents (") + kAgentColumns
                    + QStringLiteral(
                        ") VALUES (:id, :tenant_id, :environment, :tags, :interval_secs, :grace_secs, "
                        ":hmac_key, :schedule, :timezone, :state, :last_seen_at, :misses, :last_stats, "
                        ":state_changed_at, :created_at, :updated_at) ON CONFLICT (id) DO NOTHING"),
                { { ":id", bindString(agent.id) }, { ":tenant_id", bindString(agent.tenantId) },
                    { ":environment", bindText(agent.environment) }, { ":tags", bindJson(tagsToJson(agent.tags)) },
                    { ":interval_secs", agent.intervalSecs }, { ":grace_secs", agent.graceSecs },
                    { ":hmac_key", bindText(agent.hmacKey) }, { ":schedule", bindText(agent.schedule) },
                    { ":timezone", bindText(agent.timezone) }, { ":state", toString(agent.state) },
                    { ":last_seen_at", bindTime(agent.lastSeenAt) }, { ":misses", agent.misses },
                    { ":last_stats", bindJson(agent.lastStats) },
                    { ":state_changed_at", bindTime(agent.stateChangedAt.isValid() ? agent.stateChangedAt : nowTime) },
                    { ":created_at", now }, { ":updated_at", now } },
                "register agent");
            if (!rows)
                return rows.error();
        }
        return writeHeartbeatBatch(batch, applied, nowTime);
    });
    if (!done)
        return done.error();
    return applied;
}

Status SqlStore::writeHeartbeatBatch(const HeartbeatBatch &batch, std::vector<bool> &applied, const QDateTime &nowTime)
{
    const QVariant now = bindTime(nowTime);
    if (!batch.heartbeats.empty()) {
        if (Status inserted = insertHeartbeatRows(batch.heartbeats); !inserted)
            return inserted;
    }
    const QString sql = agentStatesBatchSql();
    if (sql.isEmpty() || batch.updates.size() < 4) {
        for (std::size_t i = 0; i < batch.updates.size(); ++i) {
            Result<bool> one = updateAgentState(batch.updates[i], now);
            if (!one)
                return one.error();
            applied[i] = *one;
        }
        return {};
    }
    Result<SqlRows> result
        = exec(sql, { { ":batch", agentStatesJson(batch.updates, nowTime) } }, "update agent states");
    if (!result)
        return result.error();
    markApplied(*result, applied);
    return {};
}

Status SqlStore::deleteAgent(const QString &id)
{
    return inTransaction([&]() -> Status {
        if (Result<SqlRows> beats = exec(QStringLiteral("DELETE FROM {p}heartbeats WHERE agent_id = :id"),
                { { ":id", id } }, "delete agent heartbeats");
            !beats)
            return beats.error();
        Result<SqlRows> rows
            = exec(QStringLiteral("DELETE FROM {p}agents WHERE id = :id"), { { ":id", id } }, "delete agent");
        if (!rows)
            return rows.error();
        if (rows->numRowsAffected() == 0)
            return makeError(ErrorCode::NotFound, QStringLiteral("agent %1 not found").arg(id));
        return {};
    });
}

// ---- heartbeats -------------------------------------------------------------------

Status SqlStore::insertHeartbeats(const std::vector<Heartbeat> &heartbeats)
{
    if (heartbeats.empty())
        return {};
    return inTransaction([&]() -> Status { return insertHeartbeatRows(heartbeats); });
}

Status SqlStore::insertHeartbeatRows(const std::vector<Heartbeat> &heartbeats)
{
    const QDateTime now = nowUtc();
    std::size_t done = 0;
    while (done < heartbeats.size()) {
        int shift = kLargestChunkShift;
        while ((std::size_t(1) << shift) > heartbeats.size() - done)
            --shift;
        Result<QSqlQuery *> query = statement(heartbeatInsertSql(shift), "insert heartbeats");
        if (!query)
            return query.error();
        QSqlQuery *q = *query;
        const QStringList &names = heartbeatPlaceholders();
        int position = 0;
        const std::size_t end = done + (std::size_t(1) << shift);
        for (; done < end; ++done) {
            const Heartbeat &heartbeat = heartbeats[done];
            q->bindValue(names.at(position++), bindString(heartbeat.agentId));
            q->bindValue(
                names.at(position++), bindTime(heartbeat.receivedAt.isValid() ? heartbeat.receivedAt : now));
            q->bindValue(names.at(position++), toString(heartbeat.kind));
            q->bindValue(
                names.at(position++), heartbeat.exitCode ? QVariant(*heartbeat.exitCode) : QVariant());
            q->bindValue(names.at(position++), bindText(heartbeat.message));
            q->bindValue(names.at(position++), bindJson(heartbeat.stats));
            q->bindValue(names.at(position++), bindText(heartbeat.sourceAddress));
            q->bindValue(names.at(position++), bindText(heartbeat.rid));
            q->bindValue(names.at(position++), bindInt(heartbeat.durationMs));
        }
        if (Status inserted = execPrepared(q, "insert heartbeats"); !inserted)
            return inserted;
        q->finish();
    }
    return {};
}

// Newest first by receivedAt (collectors may flush batches out of order), the id breaking
// ties; the cursor is "<receivedAt in epoch ms>_<id>" of the last heartbeat returned.
Result<Page<Heartbeat>> SqlStore::listHeartbeats(const QString &agentId, const PageRequest &page)
{
    Filter where;
    where.add(QStringLiteral("agent_id = :agent_id"), ":agent_id", bindString(agentId));
    if (!page.cursor.isEmpty()) {
        const QStringList parts = page.cursor.split(QLatin1Char('_'));
        bool timeOk = false;
        bool idOk = false;
        const qint64 ms = parts.size() == 2 ? parts.at(0).toLongLong(&timeOk) : 0;
        const qint64 id = parts.size() == 2 ? parts.at(1).toLongLong(&idOk) : 0;
        if (!timeOk || !idOk)
            return makeError(
                ErrorCode::Invalid, QStringLiteral("list heartbeats: bad cursor \"%1\"").arg(page.cursor));
        where.conditions.append(QStringLiteral(
            "(received_at < :cursor_time OR (received_at = :cursor_time AND id < :cursor_id))"));
        where.binds.push_back({ ":cursor_time", bindTime(fromMsecs(ms)) });
        where.binds.push_back({ ":cursor_id", qlonglong(id) });
    }
    return fetchPage(
        QStringLiteral("SELECT ") + kHeartbeatColumns + QStringLiteral(" FROM {p}heartbeats"),
        std::move(where), QStringLiteral("received_at DESC, id DESC"), page.limit, &SqlStore::readHeartbeat,
        [](const Heartbeat &h) -> QString {
            return QString::number(h.receivedAt.toMSecsSinceEpoch()) + QLatin1Char('_')
                + QString::number(h.id);
        },
        "list heartbeats");
}

Result<qint64> SqlStore::deleteHeartbeatsBefore(const QDateTime &cutoff)
{
    if (!cutoff.isValid())
        return makeError(ErrorCode::Invalid, QStringLiteral("delete heartbeats: no cutoff given"));
    Result<SqlRows> rows = exec(QStringLiteral("DELETE FROM {p}heartbeats WHERE received_at < :cutoff"),
        { { ":cutoff", bindTime(cutoff) } }, "delete heartbeats");
    if (!rows)
        return rows.error();
    return qint64(rows->numRowsAffected());
}

// ---- incidents --------------------------------------------------------------------

Result<std::optional<Incident>> SqlStore::openIncidentFor(
    const QString &definitionKey, const QString &resourceId)
{
    Result<Incident> existing = readOne(
        exec(QStringLiteral("SELECT ") + kIncidentColumns
                + QStringLiteral(" FROM {p}incidents WHERE COALESCE(definition_id, '') = :definition_key AND "
                                 "resource_id = :resource_id AND status = 'open'"),
            { { ":definition_key", bindString(definitionKey) }, { ":resource_id", bindString(resourceId) } },
            "open incident: read"),
        &SqlStore::readIncident, "open incident: read", QString());
    if (existing)
        return std::optional<Incident>(std::move(existing).value());
    if (existing.error().code == ErrorCode::NotFound)
        return std::optional<Incident>();
    return existing.error();
}

Result<IncidentOpen> SqlStore::openIncident(const Incident &incident)
{
    Incident stored = incident;
    stored.status = IncidentStatus::Open;
    stored.openedAt = incident.openedAt.isValid() ? incident.openedAt : nowUtc();
    stored.updatedAt = incident.updatedAt.isValid() ? incident.updatedAt : stored.openedAt;
    stored.resolvedAt = QDateTime();
    stored.resolvedByRunId.reset();
    const QString definitionKey = stored.definitionId.value_or(QString());
    const Binds binds = { { ":id", bindString(stored.id) }, { ":tenant_id", bindString(stored.tenantId) },
        { ":definition_id", bindText(stored.definitionId) }, { ":run_id", bindText(stored.runId) },
        { ":resource_type", bindString(stored.resourceType) },
        { ":resource_id", bindString(stored.resourceId) }, { ":title", bindString(stored.title) },
        { ":severity", bindString(stored.severity) }, { ":status", toString(stored.status) },
        { ":details", bindJson(stored.details) }, { ":opened_at", bindTime(stored.openedAt) },
        { ":updated_at", bindTime(stored.updatedAt) } };
    // The partial unique index decides; the loop covers the open one being resolved between
    // our insert and our read.
    for (int attempt = 0; attempt < 3; ++attempt) {
        Result<SqlRows> inserted = exec(
            QStringLiteral(
                "INSERT INTO {p}incidents (id, tenant_id, definition_id, run_id, resource_type, resource_id, "
                "title, severity, status, details, opened_at, updated_at) VALUES (:id, :tenant_id, "
                ":definition_id, :run_id, :resource_type, :resource_id, :title, :severity, :status, "
                ":details, :opened_at, :updated_at) ON CONFLICT DO NOTHING RETURNING id"),
            binds, "open incident");
        if (!inserted)
            return inserted.error();
        if (inserted->next())
            return IncidentOpen { stored, true };
        Result<std::optional<Incident>> existing = openIncidentFor(definitionKey, stored.resourceId);
        if (!existing)
            return existing.error();
        if (*existing)
            return IncidentOpen { std::move(**existing), false };
        Result<bool> taken = rowExists(QStringLiteral("incidents"), stored.id, "open incident");
        if (!taken)
            return taken.error();
        if (*taken)
            return makeError(
                ErrorCode::Conflict, QStringLiteral("incident %1 already exists").arg(stored.id));
    }
    return makeError(ErrorCode::Conflict,
        QStringLiteral("open incident: the open incident of %1 kept changing").arg(stored.resourceId));
}

Result<std::vector<Incident>> SqlStore::resolveIncidents(const QString &tenantId, const QString &resourceId,
    const std::optional<QString> &definitionId, const QDateTime &at,
    const std::optional<QString> &resolvedByRunId)
{
    const QDateTime resolvedAt = at.isValid() ? at : nowUtc();
    QString sql
        = QStringLiteral("UPDATE {p}incidents SET status = 'resolved', resolved_at = :at, updated_at = :at, "
                         "resolved_by_run_id = :resolved_by_run_id WHERE tenant_id = :tenant_id AND resource_id = :resource_id "
                         "AND status = 'open'");
    Binds binds = { { ":at", bindTime(resolvedAt) }, { ":resolved_by_run_id", bindText(resolvedByRunId) },
        { ":tenant_id", tenantId }, { ":resource_id", resourceId } };
    if (definitionId) {
        sql += QStringLiteral(" AND definition_id = :definition_id");
        binds.push_back({ ":definition_id", *definitionId });
    }
    Result<std::vector<Incident>> resolved
        = readAll(exec(sql + QStringLiteral(" RETURNING ") + kIncidentColumns, binds, "resolve incidents"),
            &SqlStore::readIncident, "resolve incidents");
    if (resolved) // RETURNING keeps no order
        std::sort(resolved->begin(), resolved->end(),
            [](const Incident &a, const Incident &b) { return a.id < b.id; });
    return resolved;
}

Result<Incident> SqlStore::getIncident(const QString &id)
{
    return readOne(exec(QStringLiteral("SELECT ") + kIncidentColumns
                           + QStringLiteral(" FROM {p}incidents WHERE id = :id"),
                       { { ":id", id } }, "get incident"),
        &SqlStore::readIncident, "get incident", QStringLiteral("incident %1 not found").arg(id));
}

Result<Page<Incident>> SqlStore::listIncidents(const IncidentFilter &filter, const PageRequest &page)
{
    Filter where;
    if (filter.status)
        where.add(QStringLiteral("status = :status"), ":status", toString(*filter.status));
    if (filter.tenantId)
        where.add(QStringLiteral("tenant_id = :tenant_id"), ":tenant_id", *filter.tenantId);
    if (filter.resourceId)
        where.add(QStringLiteral("resource_id = :resource_id"), ":resource_id", *filter.resourceId);
    return fetchPageById(QStringLiteral("SELECT ") + kIncidentColumns + QStringLiteral(" FROM {p}incidents"),
        std::move(where), page, &SqlStore::readIncident, "list incidents");
}

} // namespace vigil
