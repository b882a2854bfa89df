// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What a step handler sees and answers: Pulse's WorkflowContext, ActionResult and
// registration options, in C++. Handlers are coroutines (QCoro::Task) run on the engine
// thread; a slow one never blocks other runs. They must not throw (a thrown exception is
// caught and fails the attempt), and they should honour the cancellation token.

#include "model/run.h"
#include "model/signal.h"
#include "workflow/cancellation.h"

#include <QCoroTask>

#include <functional>
#include <vector>

namespace vigil {

class Store;

// One field of a handler's config, so the editor can build a form and the engine can
// check a step's config before it runs.
struct ConfigField
{
    // Any: a value of any JSON type (expression's `value`, an HTTP body); the handler checks it.
    enum class Type { String, Integer, Number, Boolean, Object, Array, StringList, Any };
    QString name;
    Type type = Type::String;
    bool required = false;
    Json defaultValue; // null: none
    QString description;
    QStringList choices; // for strings: the allowed values, empty = any
};
QString toString(ConfigField::Type type);
Json toJson(const ConfigField &field);
// Checks `config` (a step's config object) against the fields; messages name
// `<path>.<field>`. Unknown keys are refused too: a typo must not pass silently.
Status checkConfig(const std::vector<ConfigField> &schema, const Json &config, const QString &path);

struct ActionResult
{
    bool success = true;
    Json data;     // stored in the run context under the step's name; null = none
    QString error; // when !success
    static ActionResult ok(Json data = Json()) { return { true, std::move(data), {} }; }
    static ActionResult failure(QString error, Json data = Json()) { return { false, std::move(data), std::move(error) }; }
};

// The services an engine offers to handlers (implemented by the engine).
class HandlerServices
{
public:
    virtual ~HandlerServices() = default;
    // Emits a signal through the same matcher as any other (workflow chaining).
    virtual Result<TriggerEnvelope> emitSignal(const TriggerInput &input, const std::optional<QString> &dedupKey) = 0;
    // The engine thread's store, for built-ins that read or write Vigil's own tables.
    virtual Store &store() = 0;
    // Programs run_command may start (absolute paths or bare names), from settings.
    virtual QStringList commandAllowlist() const = 0;
    // A desktop notification (the dashboard shows it; headless, a log line).
    virtual void notify(const QString &title, const QString &body, const QString &severity) = 0;
};

struct StepContext
{
    QString tenantId;
    TriggerEnvelope trigger;
    WorkflowRun run; // context as accumulated so far
    WorkflowStepRun step;
    Json config;     // the workflow's config (Pulse's ctx.config)
    Json stepConfig; // this step's own config (what built-ins read), an object
    bool isReplay = false;
    CancellationToken cancel;
    HandlerServices *services = nullptr;
    // Writes an execution log line for this run and step (Pulse's ctx.log).
    std::function<void(LogLevel, const QString &, const Json &)> logSink;

    void log(const QString &message, const Json &data = Json(), LogLevel level = LogLevel::Info) const
    {
        if (logSink)
            logSink(level, message, data);
    }
};

using ActionHandler = std::function<QCoro::Task<ActionResult>(StepContext)>;
// true / false, or an error (the attempt fails and may be retried).
using ConditionHandler = std::function<QCoro::Task<Result<bool>>(StepContext)>;

struct ActionOptions
{
    bool replaySafe = false; // Pulse: replay skips actions that are not replay-safe
    std::vector<ConfigField> configSchema;
    QString description;
};

struct ConditionOptions
{
    std::vector<ConfigField> configSchema;
    QString description;
};

struct TriggerRegistration
{
    QString source;
    std::optional<QString> resourceType;
    Json payloadSchema; // JSON Schema subset (workflow/jsonschema.h); null = any payload
    QString description;
};

} // namespace vigil
