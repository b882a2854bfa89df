// SPDX-License-Identifier: GPL-3.0-or-later
#include "validation.h"

#include "workflow/cron.h"

#include <QSet>

namespace vigil {

namespace {

class Validator
{
public:
    std::vector<ValidationProblem> problems;

    void add(QString path, QString message) { problems.push_back({ std::move(path), std::move(message) }); }

    void checkSequence(const std::vector<WorkflowStep> &steps, const QString &base)
    {
        for (size_t i = 0; i < steps.size(); ++i) {
            const QString path = base + QLatin1Char('[') + QString::number(i) + QLatin1Char(']');
            checkStep(steps[i], path, int(steps.size() - i - 1));
        }
    }

private:
    // Step names key the run context (Pulse's context accumulation), so they must be
    // unique across the whole definition, branches included.
    QSet<QString> m_names;

    void checkStep(const WorkflowStep &step, const QString &path, int stepsAfter)
    {
        const QString namePath = path + QStringLiteral(".name");
        if (step.name.trimmed().isEmpty()) {
            add(namePath, QStringLiteral("is required"));
        } else if (m_names.contains(step.name)) {
            add(namePath, QStringLiteral("duplicate step name \"%1\"").arg(step.name));
        } else {
            m_names.insert(step.name);
        }
        if (step.handler && step.handler->trimmed().isEmpty())
            add(path + QStringLiteral(".handler"), QStringLiteral("must not be empty when given"));
        if (!step.config.is_null() && !step.config.is_object())
            add(path + QStringLiteral(".config"), QStringLiteral("expected an object"));

        checkDelay(step, path);
        checkRetryAndTimeout(step, path);
        checkOnFalse(step, path, stepsAfter);
        checkBranches(step, path);
    }

    void checkDelay(const WorkflowStep &step, const QString &path)
    {
        const QString delayPath = path + QStringLiteral(".delayMs");
        if (step.type != StepType::Delay) {
            if (step.delayMs)
                add(delayPath, QStringLiteral("only delay steps have delayMs"));
            return;
        }
        if (!step.delayMs)
            add(delayPath, QStringLiteral("is required for a delay step"));
        else if (*step.delayMs <= 0 || *step.delayMs > kMaxDelayMs)
            add(delayPath, QStringLiteral("must be between 1 and %1 ms (30 days), got %2")
                               .arg(kMaxDelayMs)
                               .arg(*step.delayMs));
    }

    void checkRetryAndTimeout(const WorkflowStep &step, const QString &path)
    {
        if (step.retryPolicy) {
            const RetryPolicy &policy = *step.retryPolicy;
            if (policy.maxAttempts < 1 || policy.maxAttempts > 10)
                add(path + QStringLiteral(".retryPolicy.maxAttempts"),
                    QStringLiteral("must be between 1 and 10, got %1").arg(policy.maxAttempts));
            if (policy.backoffMs < 100 || policy.backoffMs > 300000)
                add(path + QStringLiteral(".retryPolicy.backoffMs"),
                    QStringLiteral("must be between 100 and 300000 ms, got %1").arg(policy.backoffMs));
        }
        if (step.timeoutMs && *step.timeoutMs <= 0)
            add(path + QStringLiteral(".timeoutMs"), QStringLiteral("must be positive, got %1").arg(*step.timeoutMs));
    }

    void checkOnFalse(const WorkflowStep &step, const QString &path, int stepsAfter)
    {
        if (!step.onFalse)
            return;
        const QString onFalsePath = path + QStringLiteral(".onFalse");
        if (step.type != StepType::Condition) {
            add(onFalsePath, QStringLiteral("only condition steps have onFalse"));
            return;
        }
        const OnFalse &onFalse = *step.onFalse;
        if (onFalse.kind == OnFalse::Kind::Complete)
            return;
        const int skip = onFalse.kind == OnFalse::Kind::Skip ? 1 : onFalse.steps;
        if (onFalse.kind == OnFalse::Kind::SkipSteps && skip < 1) {
            add(onFalsePath, QStringLiteral("must be \"complete\", \"skip\" or a positive number of steps, got %1")
                                 .arg(skip));
        } else if (skip > stepsAfter) {
            add(onFalsePath, stepsAfter == 0
                    ? QStringLiteral("would skip %1 step(s) but no step follows").arg(skip)
                    : QStringLiteral("would skip %1 step(s) but only %2 follow").arg(skip).arg(stepsAfter));
        }
    }

    void checkBranches(const WorkflowStep &step, const QString &path)
    {
        const QString branchesPath = path + QStringLiteral(".branches");
        if (step.type != StepType::Parallel) {
            if (!step.branches.empty())
                add(branchesPath, QStringLiteral("only parallel steps have branches"));
            return;
        }
        if (step.branches.size() < 2)
            add(branchesPath, QStringLiteral("a parallel step needs at least 2 branches, got %1")
                                  .arg(step.branches.size()));
        for (size_t b = 0; b < step.branches.size(); ++b) {
            const QString branchPath = branchesPath + QLatin1Char('[') + QString::number(b) + QLatin1Char(']');
            if (step.branches[b].empty())
                add(branchPath, QStringLiteral("a branch needs at least one step"));
            checkSequence(step.branches[b], branchPath);
        }
    }
};

} // namespace

std::vector<ValidationProblem> validateDefinition(const WorkflowDefinition &definition)
{
    Validator validator;
    if (definition.tenantId.trimmed().isEmpty())
        validator.add(QStringLiteral("tenantId"), QStringLiteral("is required"));
    if (definition.name.trimmed().isEmpty())
        validator.add(QStringLiteral("name"), QStringLiteral("is required"));
    if (definition.triggerType.trimmed().isEmpty())
        validator.add(QStringLiteral("triggerType"), QStringLiteral("is required"));
    if (!definition.config.is_object())
        validator.add(QStringLiteral("config"), QStringLiteral("expected an object"));

    if (definition.steps.empty())
        validator.add(QStringLiteral("steps"), QStringLiteral("at least one step is required"));
    validator.checkSequence(definition.steps, QStringLiteral("steps"));

    if (definition.cronExpression) {
        const Result<CronExpression> cron = CronExpression::parse(*definition.cronExpression);
        if (!cron)
            validator.add(QStringLiteral("cronExpression"), cron.error().message);
    }
    if (definition.cronTimezone) {
        const Result<QTimeZone> zone = CronExpression::zone(*definition.cronTimezone);
        if (!zone)
            validator.add(QStringLiteral("cronTimezone"), zone.error().message);
    }
    return validator.problems;
}

Status checkDefinition(const WorkflowDefinition &definition)
{
    const std::vector<ValidationProblem> problems = validateDefinition(definition);
    if (problems.empty())
        return {};
    return makeError(ErrorCode::Invalid, problems.front().text());
}

} // namespace vigil
