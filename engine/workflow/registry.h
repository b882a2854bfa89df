// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Registered triggers, actions and conditions (Pulse's registry). The engine asks it which
// handler a step names; the editor asks it for the lists and each handler's config fields.

#include "workflow/handler.h"

#include <QHash>
#include <QStringList>

namespace vigil {

class Registry
{
public:
    struct Action
    {
        ActionHandler handler;
        ActionOptions options;
    };
    struct Condition
    {
        ConditionHandler handler;
        ConditionOptions options;
    };

    // Names: [A-Za-z0-9_.:-]{1,100}. Registering a name again replaces the entry (so an
    // embedder can override a built-in). A payload schema is checked here (checkSchema).
    Status registerTrigger(const QString &type, TriggerRegistration registration);
    Status registerAction(const QString &name, ActionHandler handler, ActionOptions options = {});
    Status registerCondition(const QString &name, ConditionHandler handler, ConditionOptions options = {});

    const TriggerRegistration *trigger(const QString &type) const;
    const Action *action(const QString &name) const;
    const Condition *condition(const QString &name) const;

    QStringList triggerTypes() const;
    QStringList actionNames() const;
    QStringList conditionNames() const;

    // Every action and condition step of `definition` names a registered handler of its
    // kind, and its config fits the handler's fields. Messages name the step's path:
    // `steps[1].handler: unknown action "send_fax"`.
    Status checkHandlers(const WorkflowDefinition &definition) const;

private:
    Status checkSequence(const std::vector<WorkflowStep> &steps, const QString &path) const;

    QHash<QString, TriggerRegistration> m_triggers;
    QHash<QString, Action> m_actions;
    QHash<QString, Condition> m_conditions;
};

} // namespace vigil
