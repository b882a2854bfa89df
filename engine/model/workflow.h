// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Workflow definitions and their steps, in Pulse's JSON shape (a Pulse workflow imports
// unchanged), plus Vigil's additions: a step's `handler` (defaults to its name), the
// definition's `version` and `cronTimezone`.

#include "model/json.h"

#include <vector>

namespace vigil {

enum class StepType { Action, Condition, Delay, Parallel };
QString toString(StepType type);
std::optional<StepType> stepTypeFromString(QStringView text);

struct RetryPolicy
{
    int maxAttempts = 1;   // 1-10
    qint64 backoffMs = 1000; // 100-300000
    friend bool operator==(const RetryPolicy &, const RetryPolicy &) = default;
};

// What a condition step does when it answers false: Pulse's 'complete' | 'skip' | N.
struct OnFalse
{
    enum class Kind { Complete, Skip, SkipSteps };
    Kind kind = Kind::Complete;
    int steps = 1; // with SkipSteps: how many following steps to skip
    int skipCount() const { return kind == Kind::Complete ? 0 : (kind == Kind::Skip ? 1 : steps); }
    friend bool operator==(const OnFalse &, const OnFalse &) = default;
};

struct WorkflowStep
{
    StepType type = StepType::Action;
    QString name;
    std::optional<QString> handler;
    Json config; // null when absent, else an object
    std::optional<qint64> delayMs;
    std::optional<qint64> timeoutMs;
    std::optional<RetryPolicy> retryPolicy;
    std::optional<OnFalse> onFalse;
    std::vector<std::vector<WorkflowStep>> branches; // parallel only

    // The registered handler this step runs: `handler`, or `name` when absent (Pulse's form).
    QString handlerName() const { return handler.value_or(name); }
};

struct WorkflowDefinition
{
    QString id;
    QString tenantId;
    QString name;
    std::optional<QString> description;
    QString triggerType;
    std::optional<QString> environmentFilter;
    std::optional<QString> resourceTypeFilter;
    std::vector<WorkflowStep> steps;
    Json config = Json::object();
    bool isEnabled = true;
    std::optional<QString> cronExpression;
    std::optional<QString> cronTimezone; // IANA; absent means UTC
    int version = 1;
    QDateTime createdAt;
    QDateTime updatedAt;
};

Json toJson(const RetryPolicy &policy);
Json toJson(const WorkflowStep &step);
Json toJson(const WorkflowDefinition &definition);
template<> Result<WorkflowStep> fromJson<WorkflowStep>(const Json &json);
template<> Result<WorkflowDefinition> fromJson<WorkflowDefinition>(const Json &json);

// Parses with `path` as the prefix of error messages (e.g. "steps[2]").
Result<WorkflowStep> workflowStepFromJson(const Json &json, const QString &path);

} // namespace vigil
