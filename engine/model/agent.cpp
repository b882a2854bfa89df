// SPDX-License-Identifier: GPL-3.0-or-later
#include "agent.h"

#include "model/enumnames.h"

namespace vigil {

namespace {

const char *const kAgentStateNames[] = { "new", "up", "late", "down", "paused" };
const char *const kHeartbeatKindNames[] = { "ping", "start", "fail", "exit", "log" };
const char *const kIncidentStatusNames[] = { "open", "resolved" };

template<typename E, std::size_t N>
E readEnum(JsonReader &reader, const char *key, const char *const (&names)[N], E fallback)
{
    const std::optional<QString> text = reader.string(key);
    if (!text)
        return fallback;
    if (const std::optional<E> value = detail::enumFromName<E>(names, *text))
        return *value;
    reader.fail(reader.pathOf(key),
                QStringLiteral("unknown value \"%1\" (expected %2)").arg(*text, detail::enumChoices(names)));
    return fallback;
}

int readBoundedInt(JsonReader &reader, const char *key, int fallback)
{
    const std::optional<qint64> value = reader.integer(key);
    if (!value)
        return fallback;
    if (*value < 0 || *value > (1 << 30)) {
        reader.fail(reader.pathOf(key), QStringLiteral("out of range"));
        return fallback;
    }
    return int(*value);
}

} // namespace

QString toString(AgentState state) { return detail::enumName(kAgentStateNames, state); }
std::optional<AgentState> agentStateFromString(QStringView text)
{
    return detail::enumFromName<AgentState>(kAgentStateNames, text);
}
QString toString(HeartbeatKind kind) { return detail::enumName(kHeartbeatKindNames, kind); }
std::optional<HeartbeatKind> heartbeatKindFromString(QStringView text)
{
    return detail::enumFromName<HeartbeatKind>(kHeartbeatKindNames, text);
}
QString toString(IncidentStatus status) { return detail::enumName(kIncidentStatusNames, status); }
std::optional<IncidentStatus> incidentStatusFromString(QStringView text)
{
    return detail::enumFromName<IncidentStatus>(kIncidentStatusNames, text);
}

bool isValidAgentId(QStringView id)
{
    if (id.isEmpty() || id.size() > 128)
        return false;
    return std::all_of(id.begin(), id.end(), [](QChar c) {
        const char16_t u = c.unicode();
        return (u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z') || (u >= u'0' && u <= u'9') || u == u'.'
            || u == u'_' || u == u':' || u == u'@' || u == u'-';
    });
}

Status checkAgentId(QStringView id)
{
    if (isValidAgentId(id))
        return {};
    return makeError(ErrorCode::Invalid,
                     QStringLiteral("id: \"%1\" is not an agent id (1 to 128 of A-Z a-z 0-9 . _ : @ -)")
                         .arg(id.left(160)));
}

Json toJson(const Agent &agent)
{
    Json out = Json::object();
    out["id"] = toStd(agent.id);
    out["tenantId"] = toStd(agent.tenantId);
    putString(out, "environment", agent.environment);
    Json tags = Json::array();
    for (const QString &tag : agent.tags)
        tags.push_back(toStd(tag));
    out["tags"] = std::move(tags);
    out["intervalSecs"] = agent.intervalSecs;
    out["graceSecs"] = agent.graceSecs;
    out["hasKey"] = agent.hmacKey.has_value();
    putString(out, "schedule", agent.schedule);
    putString(out, "timezone", agent.timezone);
    out["state"] = toStd(toString(agent.state));
    putTime(out, "lastSeenAt", agent.lastSeenAt);
    out["misses"] = agent.misses;
    if (!agent.lastStats.is_null())
        out["lastStats"] = agent.lastStats;
    putTime(out, "stateChangedAt", agent.stateChangedAt);
    putTime(out, "createdAt", agent.createdAt);
    putTime(out, "updatedAt", agent.updatedAt);
    return out;
}

template<>
Result<Agent> fromJson<Agent>(const Json &json)
{
    JsonReader reader(json, QString());
    Agent agent;
    agent.id = reader.string("id", true).value_or(QString());
    agent.tenantId = reader.string("tenantId").value_or(agent.tenantId);
    agent.environment = reader.string("environment");
    agent.tags = reader.stringList("tags").value_or(QStringList());
    agent.intervalSecs = readBoundedInt(reader, "intervalSecs", agent.intervalSecs);
    agent.graceSecs = readBoundedInt(reader, "graceSecs", agent.graceSecs);
    agent.hmacKey = reader.string("hmacKey");
    agent.schedule = reader.string("schedule");
    agent.timezone = reader.string("timezone");
    agent.state = readEnum(reader, "state", kAgentStateNames, AgentState::New);
    agent.lastSeenAt = reader.time("lastSeenAt").value_or(QDateTime());
    agent.misses = readBoundedInt(reader, "misses", 0);
    agent.lastStats = reader.any("lastStats").value_or(Json());
    agent.stateChangedAt = reader.time("stateChangedAt").value_or(QDateTime());
    agent.createdAt = reader.time("createdAt").value_or(QDateTime());
    agent.updatedAt = reader.time("updatedAt").value_or(QDateTime());
    if (!reader.ok())
        return reader.error();
    return agent;
}

Json toJson(const Heartbeat &heartbeat)
{
    Json out = Json::object();
    out["id"] = heartbeat.id;
    out["agentId"] = toStd(heartbeat.agentId);
    putTime(out, "receivedAt", heartbeat.receivedAt);
    out["kind"] = toStd(toString(heartbeat.kind));
    if (heartbeat.exitCode)
        out["exitCode"] = *heartbeat.exitCode;
    putString(out, "message", heartbeat.message);
    if (!heartbeat.stats.is_null())
        out["stats"] = heartbeat.stats;
    putString(out, "sourceAddress", heartbeat.sourceAddress);
    putString(out, "rid", heartbeat.rid);
    if (heartbeat.durationMs)
        out["durationMs"] = *heartbeat.durationMs;
    return out;
}

template<>
Result<Heartbeat> fromJson<Heartbeat>(const Json &json)
{
    JsonReader reader(json, QString());
    Heartbeat heartbeat;
    heartbeat.id = reader.integer("id").value_or(0);
    heartbeat.agentId = reader.string("agentId", true).value_or(QString());
    heartbeat.receivedAt = reader.time("receivedAt").value_or(QDateTime());
    heartbeat.kind = readEnum(reader, "kind", kHeartbeatKindNames, HeartbeatKind::Ping);
    if (const std::optional<qint64> code = reader.integer("exitCode"))
        heartbeat.exitCode = int(std::clamp<qint64>(*code, INT32_MIN, INT32_MAX));
    heartbeat.message = reader.string("message");
    heartbeat.stats = reader.any("stats").value_or(Json());
    heartbeat.sourceAddress = reader.string("sourceAddress");
    heartbeat.rid = reader.string("rid");
    heartbeat.durationMs = reader.integer("durationMs");
    if (!reader.ok())
        return reader.error();
    return heartbeat;
}

Json toJson(const Incident &incident)
{
    Json out = Json::object();
    out["id"] = toStd(incident.id);
    out["tenantId"] = toStd(incident.tenantId);
    putString(out, "definitionId", incident.definitionId);
    putString(out, "runId", incident.runId);
    out["resourceType"] = toStd(incident.resourceType);
    out["resourceId"] = toStd(incident.resourceId);
    out["title"] = toStd(incident.title);
    out["severity"] = toStd(incident.severity);
    out["status"] = toStd(toString(incident.status));
    if (!incident.details.is_null())
        out["details"] = incident.details;
    putTime(out, "openedAt", incident.openedAt);
    putTime(out, "resolvedAt", incident.resolvedAt);
    putString(out, "resolvedByRunId", incident.resolvedByRunId);
    putTime(out, "updatedAt", incident.updatedAt);
    return out;
}

template<>
Result<Incident> fromJson<Incident>(const Json &json)
{
    JsonReader reader(json, QString());
    Incident incident;
    incident.id = reader.string("id", true).value_or(QString());
    incident.tenantId = reader.string("tenantId", true).value_or(QString());
    incident.definitionId = reader.string("definitionId");
    incident.runId = reader.string("runId");
    incident.resourceType = reader.string("resourceType").value_or(QString());
    incident.resourceId = reader.string("resourceId", true).value_or(QString());
    incident.title = reader.string("title").value_or(QString());
    incident.severity = reader.string("severity").value_or(incident.severity);
    incident.status = readEnum(reader, "status", kIncidentStatusNames, IncidentStatus::Open);
    incident.details = reader.any("details").value_or(Json());
    incident.openedAt = reader.time("openedAt").value_or(QDateTime());
    incident.resolvedAt = reader.time("resolvedAt").value_or(QDateTime());
    incident.resolvedByRunId = reader.string("resolvedByRunId");
    incident.updatedAt = reader.time("updatedAt").value_or(QDateTime());
    if (!reader.ok())
        return reader.error();
    return incident;
}

} // namespace vigil
