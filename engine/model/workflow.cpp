// SPDX-License-Identifier: GPL-3.0-or-later
#include "workflow.h"

#include "model/enumnames.h"

namespace vigil {

namespace {

const char *const kStepTypeNames[] = { "action", "condition", "delay", "parallel" };

QString indexPath(const QString &base, size_t index)
{
    return base + QLatin1Char('[') + QString::number(index) + QLatin1Char(']');
}

std::optional<OnFalse> readOnFalse(JsonReader &reader)
{
    const std::optional<Json> value = reader.any("onFalse");
    if (!value)
        return std::nullopt;
    if (value->is_string()) {
        const std::string &text = value->get_ref<const std::string &>();
        if (text == "complete")
            return OnFalse { OnFalse::Kind::Complete, 1 };
        if (text == "skip")
            return OnFalse { OnFalse::Kind::Skip, 1 };
        reader.fail(reader.pathOf("onFalse"),
                    QStringLiteral("expected \"complete\", \"skip\" or a number of steps, got \"%1\"")
                        .arg(fromStd(text)));
        return std::nullopt;
    }
    if (const std::optional<qint64> steps = reader.integer("onFalse")) {
        // Range checks (positive, not past the end) belong to validation, which knows the
        // steps that follow; keep the number as written, clamped to what an int holds.
        return OnFalse { OnFalse::Kind::SkipSteps, int(std::clamp<qint64>(*steps, -1, 1 << 30)) };
    }
    return std::nullopt;
}

std::optional<RetryPolicy> readRetryPolicy(JsonReader &reader)
{
    const std::optional<Json> value = reader.object("retryPolicy");
    if (!value)
        return std::nullopt;
    JsonReader policyReader(*value, reader.pathOf("retryPolicy"));
    RetryPolicy policy;
    policy.maxAttempts = int(std::clamp<qint64>(policyReader.integer("maxAttempts", true).value_or(1),
                                                -1, 1 << 30));
    policy.backoffMs = policyReader.integer("backoffMs").value_or(policy.backoffMs);
    if (!policyReader.ok()) {
        reader.fail(QString(), policyReader.error().message);
        return std::nullopt;
    }
    return policy;
}

} // namespace

QString toString(StepType type)
{
    return detail::enumName(kStepTypeNames, type);
}

std::optional<StepType> stepTypeFromString(QStringView text)
{
    return detail::enumFromName<StepType>(kStepTypeNames, text);
}

Json toJson(const RetryPolicy &policy)
{
    return Json { { "maxAttempts", policy.maxAttempts }, { "backoffMs", policy.backoffMs } };
}

Json toJson(const WorkflowStep &step)
{
    Json out = Json::object();
    out["type"] = toStd(toString(step.type));
    out["name"] = toStd(step.name);
    putString(out, "handler", step.handler);
    if (!step.config.is_null())
        out["config"] = step.config;
    if (step.delayMs)
        out["delayMs"] = *step.delayMs;
    if (step.timeoutMs)
        out["timeoutMs"] = *step.timeoutMs;
    if (step.retryPolicy)
        out["retryPolicy"] = toJson(*step.retryPolicy);
    if (step.onFalse) {
        switch (step.onFalse->kind) {
        case OnFalse::Kind::Complete: out["onFalse"] = "complete"; break;
        case OnFalse::Kind::Skip: out["onFalse"] = "skip"; break;
        case OnFalse::Kind::SkipSteps: out["onFalse"] = step.onFalse->steps; break;
        }
    }
    if (step.type == StepType::Parallel || !step.branches.empty()) {
        Json branches = Json::array();
        for (const auto &branch : step.branches) {
            Json steps = Json::array();
            for (const WorkflowStep &inner : branch)
                steps.push_back(toJson(inner));
            branches.push_back(std::move(steps));
        }
        out["branches"] = std::move(branches);
    }
    return out;
}

Result<WorkflowStep> workflowStepFromJson(const Json &json, const QString &path)
{
    JsonReader reader(json, path);
    if (!reader.ok())
        return reader.error();
    WorkflowStep step;
    if (const std::optional<QString> type = reader.string("type", true)) {
        if (const std::optional<StepType> parsed = stepTypeFromString(*type))
            step.type = *parsed;
        else
            reader.fail(reader.pathOf("type"), QStringLiteral("unknown step type \"%1\" (expected %2)")
                                                   .arg(*type, detail::enumChoices(kStepTypeNames)));
    }
    step.name = reader.string("name").value_or(QString());
    step.handler = reader.string("handler");
    if (const std::optional<Json> config = reader.object("config"))
        step.config = *config;
    step.delayMs = reader.integer("delayMs");
    step.timeoutMs = reader.integer("timeoutMs");
    step.retryPolicy = readRetryPolicy(reader);
    step.onFalse = readOnFalse(reader);
    if (const std::optional<Json> branches = reader.any("branches")) {
        const QString branchesPath = reader.pathOf("branches");
        if (!branches->is_array()) {
            reader.fail(branchesPath, QStringLiteral("expected an array of step arrays"));
        } else {
            for (size_t b = 0; b < branches->size() && reader.ok(); ++b) {
                const Json &branch = (*branches)[b];
                const QString branchPath = indexPath(branchesPath, b);
                if (!branch.is_array()) {
                    reader.fail(branchPath, QStringLiteral("expected an array of steps"));
                    break;
                }
                std::vector<WorkflowStep> steps;
                for (size_t s = 0; s < branch.size(); ++s) {
                    Result<WorkflowStep> inner = workflowStepFromJson(branch[s], indexPath(branchPath, s));
                    if (!inner) {
                        reader.fail(QString(), inner.error().message);
                        break;
                    }
                    steps.push_back(std::move(inner).value());
                }
                step.branches.push_back(std::move(steps));
            }
        }
    }
    if (!reader.ok())
        return reader.error();
    return step;
}

template<>
Result<WorkflowStep> fromJson<WorkflowStep>(const Json &json)
{
    return workflowStepFromJson(json, QString());
}

Json toJson(const WorkflowDefinition &definition)
{
    Json out = Json::object();
    if (!definition.id.isEmpty())
        out["id"] = toStd(definition.id);
    out["tenantId"] = toStd(definition.tenantId);
    out["name"] = toStd(definition.name);
    putString(out, "description", definition.description);
    out["triggerType"] = toStd(definition.triggerType);
    putString(out, "environmentFilter", definition.environmentFilter);
    putString(out, "resourceTypeFilter", definition.resourceTypeFilter);
    Json steps = Json::array();
    for (const WorkflowStep &step : definition.steps)
        steps.push_back(toJson(step));
    out["steps"] = std::move(steps);
    out["config"] = definition.config.is_null() ? Json::object() : definition.config;
    out["isEnabled"] = definition.isEnabled;
    putString(out, "cronExpression", definition.cronExpression);
    putString(out, "cronTimezone", definition.cronTimezone);
    out["version"] = definition.version;
    putTime(out, "createdAt", definition.createdAt);
    putTime(out, "updatedAt", definition.updatedAt);
    return out;
}

template<>
Result<WorkflowDefinition> fromJson<WorkflowDefinition>(const Json &json)
{
    JsonReader reader(json, QString());
    if (!reader.ok())
        return reader.error();
    WorkflowDefinition definition;
    // Presence of tenantId, name and triggerType is checked by validation, so that an
    // editor can hold (and report on) a definition that is still being written.
    definition.id = reader.string("id").value_or(QString());
    definition.tenantId = reader.string("tenantId").value_or(QString());
    definition.name = reader.string("name").value_or(QString());
    definition.description = reader.string("description");
    definition.triggerType = reader.string("triggerType").value_or(QString());
    definition.environmentFilter = reader.string("environmentFilter");
    definition.resourceTypeFilter = reader.string("resourceTypeFilter");
    if (const std::optional<Json> steps = reader.any("steps")) {
        if (!steps->is_array()) {
            reader.fail(reader.pathOf("steps"), QStringLiteral("expected an array of steps"));
        } else {
            for (size_t i = 0; i < steps->size(); ++i) {
                Result<WorkflowStep> step = workflowStepFromJson((*steps)[i], indexPath(QStringLiteral("steps"), i));
                if (!step) {
                    reader.fail(QString(), step.error().message);
                    break;
                }
                definition.steps.push_back(std::move(step).value());
            }
        }
    }
    definition.config = reader.object("config").value_or(Json::object());
    definition.isEnabled = reader.boolean("isEnabled").value_or(true);
    definition.cronExpression = reader.string("cronExpression");
    definition.cronTimezone = reader.string("cronTimezone");
    definition.version = int(std::clamp<qint64>(reader.integer("version").value_or(1), 0, 1 << 30));
    definition.createdAt = reader.time("createdAt").value_or(QDateTime());
    definition.updatedAt = reader.time("updatedAt").value_or(QDateTime());
    if (!reader.ok())
        return reader.error();
    return definition;
}

} // namespace vigil
