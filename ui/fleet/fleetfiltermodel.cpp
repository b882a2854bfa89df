// SPDX-License-Identifier: GPL-3.0-or-later
#include "fleet/fleetfiltermodel.h"

#include "fleet/fleetmodel.h"

namespace vigil::ui {

FleetFilterModel::FleetFilterModel(QObject *parent) : QSortFilterProxyModel(parent)
{
    setSortRole(FleetModel::SortRole);
    setSortCaseSensitivity(Qt::CaseInsensitive);
    // Rows are re-filtered when their data changes (a state filter must follow the fleet).
    setDynamicSortFilter(true);
}

void FleetFilterModel::refilter()
{
    invalidateRowsFilter();
}

void FleetFilterModel::setText(const QString &text)
{
    if (m_text == text.trimmed())
        return;
    m_text = text.trimmed();
    refilter();
}

void FleetFilterModel::setTenant(const QString &tenant)
{
    if (m_tenant == tenant)
        return;
    m_tenant = tenant;
    refilter();
}

void FleetFilterModel::setEnvironment(const QString &environment)
{
    if (m_environment == environment)
        return;
    m_environment = environment;
    refilter();
}

void FleetFilterModel::setTag(const QString &tag)
{
    if (m_tag == tag)
        return;
    m_tag = tag;
    refilter();
}

void FleetFilterModel::setStates(const QSet<AgentState> &states)
{
    if (m_states == states)
        return;
    m_states = states;
    refilter();
    Q_EMIT statesChanged();
}

void FleetFilterModel::toggleState(AgentState state)
{
    QSet<AgentState> states = m_states;
    if (!states.remove(state))
        states.insert(state);
    setStates(states);
}

bool FleetFilterModel::accepts(const QString &text, const QString &tenant, const QString &environment,
                               const QString &tag, const QSet<AgentState> &states, const QString &agentId,
                               const QString &agentTenant, const QString &agentEnvironment,
                               const QStringList &agentTags, AgentState agentState)
{
    if (!states.isEmpty() && !states.contains(agentState))
        return false;
    if (!tenant.isEmpty() && agentTenant != tenant)
        return false;
    if (!environment.isEmpty() && agentEnvironment != environment)
        return false;
    if (!tag.isEmpty() && !agentTags.contains(tag))
        return false;
    if (text.isEmpty() || agentId.contains(text, Qt::CaseInsensitive))
        return true;
    for (const QString &agentTag : agentTags)
        if (agentTag.contains(text, Qt::CaseInsensitive))
            return true;
    return false;
}

bool FleetFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    return accepts(m_text, m_tenant, m_environment, m_tag, m_states, index.data(FleetModel::IdRole).toString(),
                   index.data(FleetModel::TenantRole).toString(), index.data(FleetModel::EnvironmentRole).toString(),
                   index.data(FleetModel::TagsRole).toStringList(),
                   AgentState(index.data(FleetModel::StateRole).toInt()));
}

} // namespace vigil::ui
