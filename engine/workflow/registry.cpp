// SPDX-License-Identifier: GPL-3.0-or-later
#include "registry.h"

#include "workflow/jsonschema.h"

#include <QRegularExpression>

#include <algorithm>

namespace vigil {

namespace {

Status checkName(const QString &kind, const QString &name)
{
    static const QRegularExpression valid(QStringLiteral("^[A-Za-z0-9_.:-]{1,100}$"));
    if (!valid.match(name).hasMatch())
        return makeError(ErrorCode::Invalid, QStringLiteral("invalid %1 name \"%2\"").arg(kind, name));
    return {};
}

template<typename Map>
QStringList sortedKeys(const Map &map)
{
    QStringList keys = map.keys();
    std::sort(keys.begin(), keys.end());
    return keys;
}

} // namespace

Status Registry::registerTrigger(const QString &type, TriggerRegistration registration)
{
    if (Status ok = checkName(QStringLiteral("trigger"), type); !ok)
        return ok;
    if (!registration.payloadSchema.is_null()) {
        if (Status ok = checkSchema(registration.payloadSchema); !ok)
            return makeError(ErrorCode::Invalid,
                             QStringLiteral("trigger \"%1\" payload schema: %2").arg(type, ok.error().message));
    }
    m_triggers.insert(type, std::move(registration));
    return {};
}

Status Registry::registerAction(const QString &name, ActionHandler handler, ActionOptions options)
{
    if (Status ok = checkName(QStringLiteral("action"), name); !ok)
        return ok;
    if (!handler)
        return makeError(ErrorCode::Invalid, QStringLiteral("action \"%1\" has no handler").arg(name));
    m_actions.insert(name, Action { std::move(handler), std::move(options) });
    return {};
}

Status Registry::registerCondition(const QString &name, ConditionHandler handler, ConditionOptions options)
{
    if (Status ok = checkName(QStringLiteral("condition"), name); !ok)
        return ok;
    if (!handler)
        return makeError(ErrorCode::Invalid, QStringLiteral("condition \"%1\" has no handler").arg(name));
    m_conditions.insert(name, Condition { std::move(handler), std::move(options) });
    return {};
}

const TriggerRegistration *Registry::trigger(const QString &type) const
{
    const auto it = m_triggers.constFind(type);
    return it == m_triggers.cend() ? nullptr : &*it;
}

const Registry::Action *Registry::action(const QString &name) const
{
    const auto it = m_actions.constFind(name);
    return it == m_actions.cend() ? nullptr : &*it;
}

const Registry::Condition *Registry::condition(const QString &name) const
{
    const auto it = m_conditions.constFind(name);
    return it == m_conditions.cend() ? nullptr : &*it;
}

QStringList Registry::triggerTypes() const { return sortedKeys(m_triggers); }
QStringList Registry::actionNames() const { return sortedKeys(m_actions); }
QStringList Registry::conditionNames() const { return sortedKeys(m_conditions); }

Status Registry::checkHandlers(const WorkflowDefinition &definition) const
{
    return checkSequence(definition.steps, QStringLiteral("steps"));
}

Status Registry::checkSequence(const std::vector<WorkflowStep> &steps, const QString &base) const
{
    for (size_t i = 0; i < steps.size(); ++i) {
        const WorkflowStep &step = steps[i];
        const QString path = base + QLatin1Char('[') + QString::number(i) + QLatin1Char(']');
        // Pulse names the handler by the step's name; with `handler`, the error points there.
        const QString handlerPath = path + (step.handler ? QStringLiteral(".handler") : QStringLiteral(".name"));
        const std::vector<ConfigField> *schema = nullptr;
        if (step.type == StepType::Action) {
            const Action *entry = action(step.handlerName());
            if (!entry)
                return makeError(ErrorCode::Invalid,
                                 handlerPath + QStringLiteral(": unknown action \"%1\"").arg(step.handlerName()));
            schema = &entry->options.configSchema;
        } else if (step.type == StepType::Condition) {
            const Condition *entry = condition(step.handlerName());
            if (!entry)
                return makeError(ErrorCode::Invalid,
                                 handlerPath + QStringLiteral(": unknown condition \"%1\"").arg(step.handlerName()));
            schema = &entry->options.configSchema;
        }
        // Handlers registered without a field list accept any config (Pulse's handlers
        // read ctx.config freely); built-ins declare theirs and get it checked.
        if (schema && !schema->empty()) {
            if (Status ok = checkConfig(*schema, step.config, path + QStringLiteral(".config")); !ok)
                return ok;
        }
        for (size_t b = 0; b < step.branches.size(); ++b) {
            const QString branchPath = path + QStringLiteral(".branches[") + QString::number(b) + QLatin1Char(']');
            if (Status ok = checkSequence(step.branches[b], branchPath); !ok)
                return ok;
        }
    }
    return {};
}

} // namespace vigil
