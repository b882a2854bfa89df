// SPDX-License-Identifier: GPL-3.0-or-later
// The actions that only talk to the engine: log (an execution log line), emit_signal
// (workflow chaining through the same matcher as any signal) and notify (a desktop
// notification, a log line when headless).

#include "builtins_p.h"
#include "configreader.h"
#include "workflow/registry.h"

namespace vigil::builtins {

namespace {

std::vector<ConfigField> logSchema()
{
    using T = ConfigField::Type;
    return {
        field("message", T::String, true, Json(),
            QStringLiteral("The line to write, e.g. {{trigger.resourceId}} is down.")),
        field("level", T::String, false, "info", QStringLiteral("How loud the line is."),
            { QStringLiteral("info"), QStringLiteral("warn"), QStringLiteral("error") }),
        field("data", T::Object, false, Json(), QStringLiteral("Structured data stored with the line.")),
    };
}

std::vector<ConfigField> emitSignalSchema()
{
    using T = ConfigField::Type;
    return {
        field("type", T::String, true, Json(), QStringLiteral("The signal type, e.g. remediation.done.")),
        field("source", T::String, false, "workflow", QStringLiteral("Who emits it.")),
        field("resourceType", T::String, false, Json(), QStringLiteral("The kind of resource it is about.")),
        field("resourceId", T::String, false, Json(), QStringLiteral("The resource it is about.")),
        field("environment", T::String, false, Json(),
            QStringLiteral("The environment, for workflow filters.")),
        field("payload", T::Object, false, Json(),
            QStringLiteral("The signal's payload (an empty object when absent).")),
        field("dedupKey", T::String, false, Json(),
            QStringLiteral(
                "A second emit with this key within 24 h returns the first signal and starts nothing.")),
    };
}

std::vector<ConfigField> notifySchema()
{
    using T = ConfigField::Type;
    return {
        field("title", T::String, true, Json(), QStringLiteral("The notification's title.")),
        field("body", T::String, false, Json(), QStringLiteral("The notification's text.")),
        field("severity", T::String, false, "info", QStringLiteral("How urgent it is."),
            { QStringLiteral("info"), QStringLiteral("warning"), QStringLiteral("error") }),
    };
}

QCoro::Task<ActionResult> logAction(StepContext ctx)
{
    ConfigReader config(logSchema(), ctx.stepConfig);
    const QString message = config.string("message");
    const std::optional<LogLevel> level = logLevelFromString(config.string("level"));
    const Json data = config.value("data");
    if (!config.ok())
        co_return ActionResult::failure(config.error());
    ctx.log(message, data, level.value_or(LogLevel::Info));
    co_return ActionResult::ok(Json { { "message", toStd(message) } });
}

// Signals emitted by workflows carry how deep in a chain they are, under a reserved
// payload key, so that a workflow that (directly or through others) emits its own trigger
// stops instead of running forever.
constexpr int kMaxChainDepth = 16;

int chainDepthOf(const Json &payload)
{
    const auto vigil = payload.find("_vigil");
    if (vigil == payload.end() || !vigil->is_object())
        return 0;
    const auto depth = vigil->find("chainDepth");
    return depth != vigil->end() && depth->is_number_integer() ? depth->get<int>() : 0;
}

QCoro::Task<ActionResult> emitSignalAction(StepContext ctx)
{
    ConfigReader config(emitSignalSchema(), ctx.stepConfig);
    TriggerInput input;
    input.tenantId = ctx.tenantId;
    input.type = config.string("type");
    input.source = config.string("source");
    input.resourceType = config.optionalString("resourceType");
    input.resourceId = config.optionalString("resourceId");
    input.environment = config.optionalString("environment");
    if (const Json payload = config.value("payload"); payload.is_object())
        input.payload = payload;
    const std::optional<QString> dedupKey = config.optionalString("dedupKey");
    if (!config.ok())
        co_return ActionResult::failure(config.error());
    if (!ctx.services)
        co_return ActionResult::failure(QStringLiteral("emit_signal: no engine services"));
    const int depth = chainDepthOf(ctx.trigger.payload) + 1;
    if (depth > kMaxChainDepth)
        co_return ActionResult::failure(QStringLiteral("emit_signal: chain of %1 workflows reached; "
                                                       "a workflow keeps triggering itself (signal type %2)")
                                            .arg(kMaxChainDepth)
                                            .arg(input.type));
    if (input.payload.is_null())
        input.payload = Json::object();
    input.payload["_vigil"]["chainDepth"] = depth;
    Result<TriggerEnvelope> emitted = ctx.services->emitSignal(input, dedupKey);
    if (!emitted)
        co_return ActionResult::failure(
            QStringLiteral("could not emit %1: %2").arg(input.type, emitted.error().message));
    ctx.log(
        QStringLiteral("Signal %1 emitted").arg(input.type), Json { { "triggerId", toStd(emitted->id) } });
    co_return ActionResult::ok(Json { { "triggerId", toStd(emitted->id) } });
}

QCoro::Task<ActionResult> notifyAction(StepContext ctx)
{
    ConfigReader config(notifySchema(), ctx.stepConfig);
    const QString title = config.string("title");
    const QString body = config.string("body");
    const QString severity = config.string("severity");
    if (!config.ok())
        co_return ActionResult::failure(config.error());
    if (!ctx.services)
        co_return ActionResult::failure(QStringLiteral("notify: no engine services"));
    ctx.services->notify(title, body, severity);
    co_return ActionResult::ok(Json { { "notified", true } });
}

} // namespace

void registerBasicActions(Registry &registry)
{
    ActionOptions log;
    log.replaySafe = true; // a log line is no side effect
    log.configSchema = logSchema();
    log.description = QStringLiteral("Writes a line to the run's execution log.");
    expectRegistered(registry.registerAction(QStringLiteral("log"), logAction, std::move(log)), "log");

    ActionOptions emit;
    emit.replaySafe = false; // a replay must not start a second chain of runs
    emit.configSchema = emitSignalSchema();
    emit.description = QStringLiteral("Emits a signal of this run's tenant, which starts the workflows that "
                                      "match it (workflow chaining). Answers {triggerId}.");
    expectRegistered(
        registry.registerAction(QStringLiteral("emit_signal"), emitSignalAction, std::move(emit)),
        "emit_signal");

    ActionOptions notify;
    notify.replaySafe = false; // an operator must not be paged again by a replay
    notify.configSchema = notifySchema();
    notify.description
        = QStringLiteral("Shows a desktop notification (a log line when Vigil runs headless).");
    expectRegistered(
        registry.registerAction(QStringLiteral("notify"), notifyAction, std::move(notify)), "notify");
}

} // namespace vigil::builtins
