// SPDX-License-Identifier: GPL-3.0-or-later
// The built-ins that read or write Vigil's own tables through the engine's store:
// create_incident, resolve_incident and set_agent_state (actions) and agent_down (a
// condition). They default to the signal's resource, so a heartbeat.missed workflow needs
// no configuration to act on the agent that went quiet.

#include "builtins_p.h"
#include "configreader.h"
#include "core/ids.h"
#include "core/isotime.h"
#include "store/store.h"
#include "workflow/registry.h"

namespace vigil::builtins {

namespace {

// The resource a step acts on: its config's value, else the signal's resourceId.
Result<QString> targetResource(
    ConfigReader &config, const char *fieldName, const StepContext &ctx, const char *handler)
{
    if (const std::optional<QString> configured = config.optionalString(fieldName);
        configured && !configured->isEmpty())
        return *configured;
    if (ctx.trigger.resourceId && !ctx.trigger.resourceId->isEmpty())
        return *ctx.trigger.resourceId;
    return makeError(ErrorCode::Invalid,
        QStringLiteral("%1 needs config.%2 or a signal with a resourceId (signal %3 has none)")
            .arg(QString::fromLatin1(handler), QString::fromLatin1(fieldName), ctx.trigger.id));
}

// An agent of the run's tenant: another tenant's agent is answered like an unknown one.
Result<Agent> tenantAgent(Store &store, const QString &id, const QString &tenantId)
{
    Result<Agent> agent = store.getAgent(id);
    if (agent && agent->tenantId != tenantId)
        return makeError(ErrorCode::NotFound, QStringLiteral("agent %1 not found").arg(id));
    return agent;
}

std::vector<ConfigField> createIncidentSchema()
{
    using T = ConfigField::Type;
    return {
        field("title", T::String, false, Json(),
            QStringLiteral("The incident's title; \"<resourceId>: <signal type>\" when absent.")),
        field("severity", T::String, false, "medium", QStringLiteral("How bad it is."),
            { QStringLiteral("low"), QStringLiteral("medium"), QStringLiteral("high"),
                QStringLiteral("critical") }),
        field("details", T::Object, false, Json(),
            QStringLiteral("Details stored with the incident; the signal's payload when absent.")),
    };
}

std::vector<ConfigField> resolveIncidentSchema()
{
    using T = ConfigField::Type;
    return {
        field("resourceId", T::String, false, Json(),
            QStringLiteral(
                "The resource whose open incidents to resolve; the signal's resourceId when absent.")),
        field("scope", T::String, false, "resource",
            QStringLiteral(
                "resource: every open incident of the resource; workflow: only those this workflow "
                "opened."),
            { QStringLiteral("resource"), QStringLiteral("workflow") }),
    };
}

std::vector<ConfigField> setAgentStateSchema()
{
    using T = ConfigField::Type;
    return {
        field("agentId", T::String, false, Json(),
            QStringLiteral("The agent; the signal's resourceId when absent.")),
        field("state", T::String, true, Json(), QStringLiteral("The agent's new state."),
            { QStringLiteral("new"), QStringLiteral("up"), QStringLiteral("late"), QStringLiteral("down"),
                QStringLiteral("paused") }),
    };
}

std::vector<ConfigField> agentDownSchema()
{
    using T = ConfigField::Type;
    return {
        field("agentId", T::String, false, Json(),
            QStringLiteral("The agent; the signal's resourceId when absent.")),
    };
}

QCoro::Task<ActionResult> createIncident(StepContext ctx)
{
    ConfigReader config(createIncidentSchema(), ctx.stepConfig);
    const std::optional<QString> title = config.optionalString("title");
    const QString severity = config.string("severity");
    const Json details = config.value("details");
    if (!config.ok())
        co_return ActionResult::failure(config.error());
    if (!ctx.trigger.resourceId || ctx.trigger.resourceId->isEmpty())
        co_return ActionResult::failure(
            QStringLiteral("create_incident needs a signal with a resourceId (signal %1 has none)")
                .arg(ctx.trigger.id));
    if (!ctx.services)
        co_return ActionResult::failure(QStringLiteral("create_incident: no engine services"));

    Incident incident;
    incident.id = newId(IdPrefix::Incident);
    incident.tenantId = ctx.tenantId;
    if (!ctx.run.definitionId.isEmpty())
        incident.definitionId = ctx.run.definitionId;
    if (!ctx.run.id.isEmpty())
        incident.runId = ctx.run.id;
    incident.resourceType = ctx.trigger.resourceType.value_or(QStringLiteral("agent"));
    incident.resourceId = *ctx.trigger.resourceId;
    incident.title = title && !title->isEmpty()
        ? *title
        : QStringLiteral("%1: %2").arg(incident.resourceId, ctx.trigger.type);
    incident.severity = severity;
    incident.details = details.is_null() ? ctx.trigger.payload : details;

    // Idempotent: a retry or a second run for the same resource finds the open incident.
    Result<IncidentOpen> opened = ctx.services->store().openIncident(incident);
    if (!opened)
        co_return ActionResult::failure(
            QStringLiteral("could not open an incident: %1").arg(opened.error().message));
    const Json data { { "incidentId", toStd(opened->incident.id) }, { "created", opened->created } };
    ctx.log(
        opened->created ? QStringLiteral("Incident created") : QStringLiteral("Incident already open"), data);
    co_return ActionResult::ok(data);
}

QCoro::Task<ActionResult> resolveIncident(StepContext ctx)
{
    ConfigReader config(resolveIncidentSchema(), ctx.stepConfig);
    const Result<QString> resourceId = targetResource(config, "resourceId", ctx, "resolve_incident");
    const bool workflowOnly = config.string("scope") == QLatin1String("workflow");
    if (!config.ok())
        co_return ActionResult::failure(config.error());
    if (!resourceId)
        co_return ActionResult::failure(resourceId.error().message);
    if (!ctx.services)
        co_return ActionResult::failure(QStringLiteral("resolve_incident: no engine services"));

    const std::optional<QString> definitionId
        = workflowOnly ? std::optional<QString>(ctx.run.definitionId) : std::nullopt;
    const std::optional<QString> runId
        = ctx.run.id.isEmpty() ? std::nullopt : std::optional<QString>(ctx.run.id);
    Result<std::vector<Incident>> resolved
        = ctx.services->store().resolveIncidents(ctx.tenantId, resourceId.value(), definitionId, nowUtc(), runId);
    if (!resolved)
        co_return ActionResult::failure(
            QStringLiteral("could not resolve incidents: %1").arg(resolved.error().message));
    Json ids = Json::array();
    for (const Incident &incident : resolved.value())
        ids.push_back(toStd(incident.id));
    ctx.log(QStringLiteral("Resolved %1 incident(s) of %2").arg(resolved->size()).arg(resourceId.value()),
        Json { { "resolved", ids } });
    co_return ActionResult::ok(Json { { "resolved", std::move(ids) } });
}

QCoro::Task<ActionResult> setAgentState(StepContext ctx)
{
    ConfigReader config(setAgentStateSchema(), ctx.stepConfig);
    const Result<QString> agentId = targetResource(config, "agentId", ctx, "set_agent_state");
    const std::optional<AgentState> state = agentStateFromString(config.string("state"));
    if (!config.ok())
        co_return ActionResult::failure(config.error());
    if (!agentId)
        co_return ActionResult::failure(agentId.error().message);
    if (!state) // the reader checked the choices: only a schema out of step with AgentState gets here
        co_return ActionResult::failure(QStringLiteral("config.state: unknown state"));
    if (!ctx.services)
        co_return ActionResult::failure(QStringLiteral("set_agent_state: no engine services"));

    Store &store = ctx.services->store();
    Result<Agent> agent = tenantAgent(store, agentId.value(), ctx.tenantId);
    if (!agent)
        co_return ActionResult::failure(agent.error().message);
    const AgentState previous = agent->state;
    if (previous != *state) {
        AgentStateUpdate update;
        update.id = agent->id;
        update.state = *state;
        update.lastSeenAt = agent->lastSeenAt;
        update.misses = agent->misses;
        update.stateChangedAt = nowUtc();
        if (Status written = store.updateAgentStates({ update }); !written)
            co_return ActionResult::failure(QStringLiteral("could not set agent %1 %2: %3")
                                                .arg(agent->id, toString(*state), written.error().message));
    }
    const Json data { { "agentId", toStd(agent->id) }, { "state", toStd(toString(*state)) },
        { "previous", toStd(toString(previous)) } };
    ctx.log(QStringLiteral("Agent %1: %2 -> %3").arg(agent->id, toString(previous), toString(*state)), data);
    co_return ActionResult::ok(data);
}

QCoro::Task<Result<bool>> agentDown(StepContext ctx)
{
    ConfigReader config(agentDownSchema(), ctx.stepConfig);
    const Result<QString> agentId = targetResource(config, "agentId", ctx, "agent_down");
    if (!config.ok())
        co_return makeError(ErrorCode::Invalid, config.error());
    if (!agentId)
        co_return agentId.error();
    if (!ctx.services)
        co_return makeError(ErrorCode::Internal, QStringLiteral("agent_down: no engine services"));
    Result<Agent> agent = tenantAgent(ctx.services->store(), agentId.value(), ctx.tenantId);
    if (!agent)
        co_return agent.error();
    co_return agent->state == AgentState::Down;
}

} // namespace

void registerIncidents(Registry &registry)
{
    ActionOptions create;
    create.replaySafe = true; // idempotent: one open incident per workflow and resource
    create.configSchema = createIncidentSchema();
    create.description
        = QStringLiteral("Opens an incident for the signal's resource, unless this workflow has one "
                         "open for it already. Answers {incidentId, created}.");
    expectRegistered(
        registry.registerAction(QStringLiteral("create_incident"), createIncident, std::move(create)),
        "create_incident");

    ActionOptions resolve;
    resolve.replaySafe = true; // resolving twice resolves nothing the second time
    resolve.configSchema = resolveIncidentSchema();
    resolve.description
        = QStringLiteral("Resolves the open incidents of a resource. Answers {resolved: [ids]}.");
    expectRegistered(
        registry.registerAction(QStringLiteral("resolve_incident"), resolveIncident, std::move(resolve)),
        "resolve_incident");

    ActionOptions setState;
    setState.replaySafe = true; // setting a state is idempotent
    setState.configSchema = setAgentStateSchema();
    setState.description = QStringLiteral("Sets an agent's state (e.g. paused during maintenance). Answers "
                                          "{agentId, state, previous}.");
    expectRegistered(
        registry.registerAction(QStringLiteral("set_agent_state"), setAgentState, std::move(setState)),
        "set_agent_state");

    ConditionOptions down;
    down.configSchema = agentDownSchema();
    down.description = QStringLiteral("True when the agent is down (e.g. still down after a delay step).");
    expectRegistered(
        registry.registerCondition(QStringLiteral("agent_down"), agentDown, std::move(down)), "agent_down");
}

} // namespace vigil::builtins
