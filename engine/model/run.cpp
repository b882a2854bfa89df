// SPDX-License-Identifier: GPL-3.0-or-later
#include "run.h"

#include "model/enumnames.h"

#include <climits>

namespace vigil {

namespace {

const char *const kRunStatusNames[] = { "pending", "running", "waiting", "completed", "failed", "canceled" };
const char *const kStepStatusNames[] = { "pending", "scheduled", "running", "completed", "failed", "skipped" };
const char *const kTimelineNames[] = { "run_created",   "run_completed", "run_failed",    "run_canceled",
                                       "step_scheduled", "step_started", "step_completed", "step_failed",
                                       "step_skipped",   "log",          "step_retrying",  "run_retried" };
const char *const kLogLevelNames[] = { "info", "warn", "error" };
const char *const kAttemptStatusNames[] = { "running", "completed", "failed", "timed_out", "canceled", "lost", "skipped" };

template<typename E, std::size_t N>
std::optional<E> readEnum(JsonReader &reader, const char *key, const char *const (&names)[N], bool required)
{
    const std::optional<QString> text = reader.string(key, required);
    if (!text)
        return std::nullopt;
    if (const std::optional<E> value = detail::enumFromName<E>(names, *text))
        return value;
    reader.fail(reader.pathOf(key),
                QStringLiteral("unknown value \"%1\" (expected %2)").arg(*text, detail::enumChoices(names)));
    return std::nullopt;
}

std::optional<int> readInt(JsonReader &reader, const char *key, bool required = false)
{
    const std::optional<qint64> value = reader.integer(key, required);
    if (!value)
        return std::nullopt;
    if (*value < INT_MIN || *value > INT_MAX) {
        reader.fail(reader.pathOf(key), QStringLiteral("out of range"));
        return std::nullopt;
    }
    return int(*value);
}

} // namespace

QString toString(RunStatus status) { return detail::enumName(kRunStatusNames, status); }
std::optional<RunStatus> runStatusFromString(QStringView text)
{
    return detail::enumFromName<RunStatus>(kRunStatusNames, text);
}

bool isTerminal(RunStatus status)
{
    return status == RunStatus::Completed || status == RunStatus::Failed || status == RunStatus::Canceled;
}

bool isAllowedTransition(RunStatus from, RunStatus to)
{
    switch (from) {
    case RunStatus::Pending: return to == RunStatus::Running || to == RunStatus::Canceled;
    case RunStatus::Running:
        return to == RunStatus::Waiting || to == RunStatus::Completed || to == RunStatus::Failed
            || to == RunStatus::Canceled;
    case RunStatus::Waiting: return to == RunStatus::Running || to == RunStatus::Canceled;
    case RunStatus::Failed: return to == RunStatus::Running;
    case RunStatus::Completed:
    case RunStatus::Canceled: return false;
    }
    return false;
}

QString toString(StepStatus status) { return detail::enumName(kStepStatusNames, status); }
std::optional<StepStatus> stepStatusFromString(QStringView text)
{
    return detail::enumFromName<StepStatus>(kStepStatusNames, text);
}

QString toString(TimelineType type) { return detail::enumName(kTimelineNames, type); }
std::optional<TimelineType> timelineTypeFromString(QStringView text)
{
    return detail::enumFromName<TimelineType>(kTimelineNames, text);
}

QString toString(AttemptStatus status) { return detail::enumName(kAttemptStatusNames, status); }
std::optional<AttemptStatus> attemptStatusFromString(QStringView text)
{
    return detail::enumFromName<AttemptStatus>(kAttemptStatusNames, text);
}

QString toString(LogLevel level) { return detail::enumName(kLogLevelNames, level); }
std::optional<LogLevel> logLevelFromString(QStringView text)
{
    return detail::enumFromName<LogLevel>(kLogLevelNames, text);
}

Json toJson(const WorkflowRun &run)
{
    Json out = Json::object();
    out["id"] = toStd(run.id);
    out["definitionId"] = toStd(run.definitionId);
    out["tenantId"] = toStd(run.tenantId);
    out["triggerId"] = toStd(run.triggerId);
    out["status"] = toStd(toString(run.status));
    out["context"] = run.context.is_null() ? Json::object() : run.context;
    out["currentStepIndex"] = run.currentStepIndex;
    out["isReplay"] = run.isReplay;
    out["isDryRun"] = run.isDryRun;
    out["definitionSnapshot"] = toJson(run.definitionSnapshot);
    putTime(out, "startedAt", run.startedAt);
    putTime(out, "completedAt", run.completedAt);
    putTime(out, "failedAt", run.failedAt);
    putTime(out, "canceledAt", run.canceledAt);
    putString(out, "cancelReason", run.cancelReason);
    putTime(out, "createdAt", run.createdAt);
    putTime(out, "updatedAt", run.updatedAt);
    return out;
}

template<>
Result<WorkflowRun> fromJson<WorkflowRun>(const Json &json)
{
    JsonReader reader(json, QString());
    WorkflowRun run;
    run.id = reader.string("id", true).value_or(QString());
    run.definitionId = reader.string("definitionId", true).value_or(QString());
    run.tenantId = reader.string("tenantId", true).value_or(QString());
    run.triggerId = reader.string("triggerId", true).value_or(QString());
    run.status = readEnum<RunStatus>(reader, "status", kRunStatusNames, true).value_or(RunStatus::Pending);
    run.context = reader.object("context").value_or(Json::object());
    run.currentStepIndex = readInt(reader, "currentStepIndex").value_or(0);
    run.isReplay = reader.boolean("isReplay").value_or(false);
    run.isDryRun = reader.boolean("isDryRun").value_or(false);
    if (const std::optional<Json> snapshot = reader.object("definitionSnapshot")) {
        Result<WorkflowDefinition> definition = fromJson<WorkflowDefinition>(*snapshot);
        if (definition)
            run.definitionSnapshot = std::move(definition).value();
        else
            reader.fail(QStringLiteral("definitionSnapshot"), definition.error().message);
    }
    run.startedAt = reader.time("startedAt").value_or(QDateTime());
    run.completedAt = reader.time("completedAt").value_or(QDateTime());
    run.failedAt = reader.time("failedAt").value_or(QDateTime());
    run.canceledAt = reader.time("canceledAt").value_or(QDateTime());
    run.cancelReason = reader.string("cancelReason");
    run.createdAt = reader.time("createdAt").value_or(QDateTime());
    run.updatedAt = reader.time("updatedAt").value_or(QDateTime());
    if (!reader.ok())
        return reader.error();
    return run;
}

Json toJson(const WorkflowStepRun &step)
{
    Json out = Json::object();
    out["id"] = toStd(step.id);
    out["runId"] = toStd(step.runId);
    out["tenantId"] = toStd(step.tenantId);
    out["stepIndex"] = step.stepIndex;
    out["stepType"] = toStd(toString(step.stepType));
    out["stepName"] = toStd(step.stepName);
    out["status"] = toStd(toString(step.status));
    putTime(out, "scheduledFor", step.scheduledFor);
    putTime(out, "startedAt", step.startedAt);
    putTime(out, "completedAt", step.completedAt);
    if (!step.result.is_null())
        out["result"] = step.result;
    putString(out, "errorMessage", step.errorMessage);
    if (step.branchIndex)
        out["branchIndex"] = *step.branchIndex;
    putString(out, "parentStepRunId", step.parentStepRunId);
    putTime(out, "createdAt", step.createdAt);
    out["attempt"] = step.attempt;
    if (step.attemptFloor)
        out["attemptFloor"] = step.attemptFloor;
    putString(out, "leaseOwner", step.leaseOwner);
    putTime(out, "leaseExpiresAt", step.leaseExpiresAt);
    return out;
}

template<>
Result<WorkflowStepRun> fromJson<WorkflowStepRun>(const Json &json)
{
    JsonReader reader(json, QString());
    WorkflowStepRun step;
    step.id = reader.string("id", true).value_or(QString());
    step.runId = reader.string("runId", true).value_or(QString());
    step.tenantId = reader.string("tenantId", true).value_or(QString());
    step.stepIndex = readInt(reader, "stepIndex", true).value_or(0);
    if (const std::optional<QString> type = reader.string("stepType", true)) {
        if (const std::optional<StepType> parsed = stepTypeFromString(*type))
            step.stepType = *parsed;
        else
            reader.fail(reader.pathOf("stepType"), QStringLiteral("unknown step type \"%1\"").arg(*type));
    }
    step.stepName = reader.string("stepName", true).value_or(QString());
    step.status = readEnum<StepStatus>(reader, "status", kStepStatusNames, true).value_or(StepStatus::Pending);
    step.scheduledFor = reader.time("scheduledFor").value_or(QDateTime());
    step.startedAt = reader.time("startedAt").value_or(QDateTime());
    step.completedAt = reader.time("completedAt").value_or(QDateTime());
    step.result = reader.any("result").value_or(Json());
    step.errorMessage = reader.string("errorMessage");
    step.branchIndex = readInt(reader, "branchIndex");
    step.parentStepRunId = reader.string("parentStepRunId");
    step.createdAt = reader.time("createdAt").value_or(QDateTime());
    step.attempt = readInt(reader, "attempt").value_or(0);
    step.attemptFloor = readInt(reader, "attemptFloor").value_or(0);
    step.leaseOwner = reader.string("leaseOwner");
    step.leaseExpiresAt = reader.time("leaseExpiresAt").value_or(QDateTime());
    if (!reader.ok())
        return reader.error();
    return step;
}

Json toJson(const RunTimelineEntry &entry)
{
    Json out = Json::object();
    putTime(out, "timestamp", entry.timestamp);
    out["type"] = toStd(toString(entry.type));
    if (entry.stepIndex)
        out["stepIndex"] = *entry.stepIndex;
    putString(out, "stepName", entry.stepName);
    putString(out, "stepType", entry.stepType);
    if (!entry.detail.is_null())
        out["detail"] = entry.detail;
    return out;
}

template<>
Result<RunTimelineEntry> fromJson<RunTimelineEntry>(const Json &json)
{
    JsonReader reader(json, QString());
    RunTimelineEntry entry;
    entry.timestamp = reader.time("timestamp", true).value_or(QDateTime());
    entry.type = readEnum<TimelineType>(reader, "type", kTimelineNames, true).value_or(TimelineType::Log);
    entry.stepIndex = readInt(reader, "stepIndex");
    entry.stepName = reader.string("stepName");
    entry.stepType = reader.string("stepType");
    entry.detail = reader.any("detail").value_or(Json());
    if (!reader.ok())
        return reader.error();
    return entry;
}

Json toJson(const ExecutionLog &log)
{
    Json out = Json::object();
    out["id"] = toStd(log.id);
    out["runId"] = toStd(log.runId);
    putString(out, "stepRunId", log.stepRunId);
    out["tenantId"] = toStd(log.tenantId);
    out["level"] = toStd(toString(log.level));
    out["message"] = toStd(log.message);
    if (!log.data.is_null())
        out["data"] = log.data;
    putTime(out, "createdAt", log.createdAt);
    return out;
}

template<>
Result<ExecutionLog> fromJson<ExecutionLog>(const Json &json)
{
    JsonReader reader(json, QString());
    ExecutionLog log;
    log.id = reader.string("id", true).value_or(QString());
    log.runId = reader.string("runId", true).value_or(QString());
    log.stepRunId = reader.string("stepRunId");
    log.tenantId = reader.string("tenantId", true).value_or(QString());
    log.level = readEnum<LogLevel>(reader, "level", kLogLevelNames, true).value_or(LogLevel::Info);
    log.message = reader.string("message", true).value_or(QString());
    log.data = reader.any("data").value_or(Json());
    log.createdAt = reader.time("createdAt").value_or(QDateTime());
    if (!reader.ok())
        return reader.error();
    return log;
}

} // namespace vigil

namespace vigil {

Json toJson(const StepAttempt &attempt)
{
    Json out = Json::object();
    out["stepRunId"] = toStd(attempt.stepRunId);
    out["runId"] = toStd(attempt.runId);
    out["attempt"] = attempt.attempt;
    out["owner"] = toStd(attempt.owner);
    putTime(out, "scheduledFor", attempt.scheduledFor);
    putTime(out, "startedAt", attempt.startedAt);
    putTime(out, "endedAt", attempt.endedAt);
    out["status"] = toStd(toString(attempt.status));
    putString(out, "error", attempt.error);
    return out;
}

template<>
Result<StepAttempt> fromJson<StepAttempt>(const Json &json)
{
    JsonReader reader(json, QString());
    StepAttempt attempt;
    attempt.stepRunId = reader.string("stepRunId", true).value_or(QString());
    attempt.runId = reader.string("runId", true).value_or(QString());
    attempt.attempt = readInt(reader, "attempt", true).value_or(1);
    attempt.owner = reader.string("owner").value_or(QString());
    attempt.scheduledFor = reader.time("scheduledFor").value_or(QDateTime());
    attempt.startedAt = reader.time("startedAt").value_or(QDateTime());
    attempt.endedAt = reader.time("endedAt").value_or(QDateTime());
    attempt.status = readEnum<AttemptStatus>(reader, "status", kAttemptStatusNames, true).value_or(AttemptStatus::Running);
    attempt.error = reader.string("error");
    if (!reader.ok())
        return reader.error();
    return attempt;
}

} // namespace vigil
