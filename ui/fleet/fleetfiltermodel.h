// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What the fleet view shows of the FleetModel: agents matching the search text (in the id
// or a tag), a tenant, an environment, a tag and any of a set of states. An empty
// criterion matches everything.

#include "model/agent.h"

#include <QSet>
#include <QSortFilterProxyModel>

namespace vigil::ui {

class FleetFilterModel final : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit FleetFilterModel(QObject *parent = nullptr);

    void setText(const QString &text);
    void setTenant(const QString &tenant);
    void setEnvironment(const QString &environment);
    void setTag(const QString &tag);
    void setStates(const QSet<AgentState> &states); // empty: any state
    void toggleState(AgentState state);

    QString text() const { return m_text; }
    QString tenant() const { return m_tenant; }
    QString environment() const { return m_environment; }
    QString tag() const { return m_tag; }
    QSet<AgentState> states() const { return m_states; }

    // The rule itself, for the view's tests and for anyone filtering without a model.
    static bool accepts(const QString &text, const QString &tenant, const QString &environment, const QString &tag,
                        const QSet<AgentState> &states, const QString &agentId, const QString &agentTenant,
                        const QString &agentEnvironment, const QStringList &agentTags, AgentState agentState);

Q_SIGNALS:
    void statesChanged();

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    void refilter();

    QString m_text;
    QString m_tenant;
    QString m_environment;
    QString m_tag;
    QSet<AgentState> m_states;
};

} // namespace vigil::ui
