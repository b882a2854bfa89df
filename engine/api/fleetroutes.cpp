// SPDX-License-Identifier: GPL-3.0-or-later
// The fleet's resources on the admin API: agents, their heartbeat history, incidents.
//
// PUT /api/v1/agents/{id} creates or reconfigures an agent. A field left out keeps its
// stored value (the default, for a new agent); null clears an optional one (environment,
// schedule, timezone, hmacKey). The HMAC key is write-only: only the answer of the request
// that sets it (hmacKey, or generateKey: true) carries it; every other answer says hasKey.

#include "api/adminapi_p.h"
#include "api/apirequest.h"
#include "heartbeat/signing.h"
#include "workflow/cron.h"

#include <QHttpServerRequest>

namespace vigil::api {

namespace {

constexpr int kMaxSecs = 365 * 24 * 3600;

// What a PUT body changes.
struct AgentEdit
{
    std::optional<QString> tenantId;
    std::optional<int> intervalSecs;
    std::optional<int> graceSecs;
    std::optional<QStringList> tags;
    // Outer nullopt: left out (keep); inner nullopt: null (clear).
    std::optional<std::optional<QString>> environment;
    std::optional<std::optional<QString>> schedule;
    std::optional<std::optional<QString>> timezone;
    std::optional<std::optional<QString>> hmacKey;
    bool keySet = false; // this request sets the key: its answer carries it

    void applyTo(Agent &agent) const
    {
        agent.tenantId = tenantId.value_or(agent.tenantId);
        agent.intervalSecs = intervalSecs.value_or(agent.intervalSecs);
        agent.graceSecs = graceSecs.value_or(agent.graceSecs);
        agent.tags = tags.value_or(agent.tags);
        agent.environment = environment.value_or(agent.environment);
        agent.schedule = schedule.value_or(agent.schedule);
        agent.timezone = timezone.value_or(agent.timezone);
        agent.hmacKey = hmacKey.value_or(agent.hmacKey);
    }
};

// The fields an agent's JSON has that a PUT may carry back unchanged (a GET, edited, PUT
// again); they are ignored.
const char *const kReadOnlyAgentFields[] = { "hasKey", "state", "lastSeenAt", "misses", "lastStats",
                                             "stateChangedAt", "createdAt", "updatedAt" };
const char *const kAgentFields[] = { "id", "tenantId", "environment", "tags", "intervalSecs", "graceSecs",
                                     "schedule", "timezone", "hmacKey", "generateKey" };

std::optional<int> boundedSecs(JsonReader &reader, const char *key, int least)
{
    const std::optional<qint64> value = reader.integer(key);
    if (!value)
        return std::nullopt;
    if (*value < least || *value > kMaxSecs) {
        reader.fail(reader.pathOf(key),
                    QStringLiteral("must be from %1 to %2 (a year), got %3").arg(least).arg(kMaxSecs).arg(*value));
        return std::nullopt;
    }
    return int(*value);
}

// Absent: nullopt; null: an empty optional; else the string (or an error in `reader`).
std::optional<std::optional<QString>> nullableString(JsonReader &reader, const char *key)
{
    const Json &body = reader.json();
    if (!body.contains(key))
        return std::nullopt;
    if (body[key].is_null())
        return std::optional<QString>();
    std::optional<QString> value = reader.string(key);
    if (value && value->trimmed().isEmpty()) {
        reader.fail(reader.pathOf(key), QStringLiteral("must not be empty (null clears it)"));
        return std::nullopt;
    }
    return value ? std::optional<std::optional<QString>>(value) : std::nullopt;
}

Result<AgentEdit> parseAgentEdit(const Json &body, const QString &id)
{
    for (auto it = body.begin(); it != body.end(); ++it) {
        const auto is = [&](const char *name) { return it.key() == name; };
        if (std::none_of(std::begin(kAgentFields), std::end(kAgentFields), is)
            && std::none_of(std::begin(kReadOnlyAgentFields), std::end(kReadOnlyAgentFields), is))
            return makeError(ErrorCode::Invalid, QStringLiteral("%1: unknown field").arg(fromStd(it.key())));
    }
    JsonReader reader(body, QString());
    AgentEdit edit;
    if (const std::optional<QString> bodyId = reader.string("id"); bodyId && *bodyId != id)
        reader.fail(QStringLiteral("id"), QStringLiteral("\"%1\" does not match the path's \"%2\"").arg(*bodyId, id));
    edit.tenantId = reader.string("tenantId");
    if (edit.tenantId && edit.tenantId->trimmed().isEmpty())
        reader.fail(QStringLiteral("tenantId"), QStringLiteral("must not be empty"));
    edit.intervalSecs = boundedSecs(reader, "intervalSecs", 1);
    edit.graceSecs = boundedSecs(reader, "graceSecs", 0);
    edit.tags = reader.stringList("tags");
    edit.environment = nullableString(reader, "environment");
    edit.schedule = nullableString(reader, "schedule");
    if (edit.schedule && *edit.schedule) {
        if (Result<CronExpression> cron = CronExpression::parse(**edit.schedule); !cron)
            reader.fail(QStringLiteral("schedule"), cron.error().message);
    }
    edit.timezone = nullableString(reader, "timezone");
    if (edit.timezone && *edit.timezone) {
        if (Result<QTimeZone> zone = CronExpression::zone(**edit.timezone); !zone)
            reader.fail(QStringLiteral("timezone"), zone.error().message);
    }
    edit.hmacKey = nullableString(reader, "hmacKey");
    if (reader.boolean("generateKey").value_or(false)) {
        if (edit.hmacKey)
            reader.fail(QStringLiteral("generateKey"), QStringLiteral("cannot be combined with hmacKey"));
        edit.hmacKey = QString::fromLatin1(signing::generateKey());
    }
    edit.keySet = edit.hmacKey && *edit.hmacKey;
    if (!reader.ok())
        return reader.error();
    return edit;
}

// The answer of a PUT or DELETE, and what the collector must learn of it.
struct AgentChange
{
    Response response;
    std::optional<Agent> configured;
    bool deleted = false;
};

AgentChange putAgent(Store &store, const QString &id, const AgentEdit &edit)
{
    Result<Agent> existing = store.getAgent(id);
    if (!existing && existing.error().code != ErrorCode::NotFound)
        return { Response::error(existing.error()) };
    const bool created = !existing;
    Agent agent;
    if (created)
        agent.id = id;
    else
        agent = existing.value();
    edit.applyTo(agent);
    const Result<Agent> stored = store.upsertAgent(agent);
    if (!stored)
        return { Response::error(stored.error()) };
    Json out = toJson(stored.value());
    if (edit.keySet)
        out["hmacKey"] = toStd(**edit.hmacKey);
    return { Response::json(created ? 201 : 200, out), stored.value() };
}

// Agent routes check the id before anything else: one that cannot exist is a 400, not a 404.
bool refuseBadId(const QString &id, Responder &responder)
{
    const Status valid = checkAgentId(id);
    if (!valid)
        responder.send(Response::error(valid.error()));
    return !valid;
}

void installAgents(ApiContext &api)
{
    listRoute(
        api, QStringLiteral("/api/v1/agents"), u"agents",
        { QStringLiteral("state"), QStringLiteral("tenantId"), QStringLiteral("environment"), QStringLiteral("tag") },
        [](QueryParams &query) {
            AgentFilter filter;
            filter.state = query.choice<AgentState>("state", agentStateFromString);
            filter.tenantId = query.text("tenantId");
            filter.environment = query.text("environment");
            filter.tag = query.text("tag");
            return filter;
        },
        &Store::listAgents);

    api.adminRoute(kGet, QStringLiteral("/api/v1/agents/{id}"),
                   [&api](const QHttpServerRequest &, const PathArgs &args, Responder &&responder) {
                       if (refuseBadId(args.at(0), responder))
                           return;
                       api.answer(std::move(responder),
                                  [id = args.at(0)](Engine &engine) { return jsonAnswer(engine.store().getAgent(id)); });
                   });

    api.adminRoute(kPut, QStringLiteral("/api/v1/agents/{id}"),
                   [&api](const QHttpServerRequest &request, const PathArgs &args, Responder &&responder) {
                       const QString id = args.at(0);
                       if (refuseBadId(id, responder))
                           return;
                       Result<Json> body = objectBody(request.body(), true);
                       Result<AgentEdit> edit = body ? parseAgentEdit(body.value(), id) : Result<AgentEdit>(body.error());
                       if (!edit)
                           return responder.send(Response::error(edit.error()));
                       api.later(
                           std::move(responder),
                           [id, edit = std::move(edit).value()](Engine &engine) { return putAgent(engine.store(), id, edit); },
                           [&api](const AgentChange &change, Responder &r) {
                               if (change.configured && api.hooks.agentConfigured)
                                   api.hooks.agentConfigured(*change.configured);
                               r.send(change.response);
                           });
                   });

    api.adminRoute(kDelete, QStringLiteral("/api/v1/agents/{id}"),
                   [&api](const QHttpServerRequest &, const PathArgs &args, Responder &&responder) {
                       const QString id = args.at(0);
                       if (refuseBadId(id, responder))
                           return;
                       api.later(
                           std::move(responder),
                           [id](Engine &engine) {
                               const Status deleted = engine.store().deleteAgent(id);
                               return deleted ? AgentChange { Response::noContent(), std::nullopt, true }
                                              : AgentChange { Response::error(deleted.error()) };
                           },
                           [&api, id](const AgentChange &change, Responder &r) {
                               if (change.deleted && api.hooks.agentDeleted)
                                   api.hooks.agentDeleted(id);
                               r.send(change.response);
                           });
                   });

    api.adminRoute(kGet, QStringLiteral("/api/v1/agents/{id}/heartbeats"),
                   [&api](const QHttpServerRequest &request, const PathArgs &args, Responder &&responder) {
                       const QString id = args.at(0);
                       if (refuseBadId(id, responder))
                           return;
                       QueryParams query(request, {});
                       const PageRequest page = query.page(u"heartbeats");
                       if (!query.ok())
                           return responder.send(Response::error(query.error()));
                       api.answer(std::move(responder), [id, page](Engine &engine) {
                           if (const Result<Agent> agent = engine.store().getAgent(id); !agent)
                               return Response::error(agent.error());
                           const auto listed = engine.store().listHeartbeats(id, page);
                           return listed ? Response::json(200, pageJson(listed.value(), u"heartbeats"))
                                         : Response::error(listed.error());
                       });
                   });

    // The collector owns agent state: it stores the change and answers.
    for (const bool pause : { true, false }) {
        api.adminRoute(kPost,
                       pause ? QStringLiteral("/api/v1/agents/{id}/pause") : QStringLiteral("/api/v1/agents/{id}/resume"),
                       [&api, pause](const QHttpServerRequest &request, const PathArgs &args, Responder &&responder) {
                           const QString id = args.at(0);
                           if (refuseBadId(id, responder))
                               return;
                           if (Result<Json> body = smallBody(request.body(), {}); !body)
                               return responder.send(Response::error(body.error()));
                           if (!api.hooks.pauseResume)
                               return responder.send(Response::error(makeError(
                                   ErrorCode::Unavailable, QStringLiteral("no collector runs in this process"))));
                           api.hooks.pauseResume(id, pause, std::move(responder));
                       });
    }
}

void installIncidents(ApiContext &api)
{
    listRoute(
        api, QStringLiteral("/api/v1/incidents"), u"incidents",
        { QStringLiteral("status"), QStringLiteral("tenantId"), QStringLiteral("resourceId") },
        [](QueryParams &query) {
            IncidentFilter filter;
            filter.status = query.choice<IncidentStatus>("status", incidentStatusFromString);
            filter.tenantId = query.text("tenantId");
            filter.resourceId = query.text("resourceId");
            return filter;
        },
        &Store::listIncidents);

    idRoute(api, kGet, QStringLiteral("/api/v1/incidents/{id}"),
            [](Engine &engine, const QString &id) { return jsonAnswer(engine.store().getIncident(id)); });
}

} // namespace

void installFleetRoutes(ApiContext &api)
{
    installAgents(api);
    installIncidents(api);
}

} // namespace vigil::api
