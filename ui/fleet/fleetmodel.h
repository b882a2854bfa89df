// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The fleet as one table: every agent the store knows, kept live by the Backend's
// agentsChanged frames. Built for 10 000 agents: rows are found through an id hash, a
// frame becomes a few dataChanged ranges and one rowsInserted, and ages ("12 s ago") tick
// through ONE timer that touches only the last-seen column. Per agent it keeps a short
// ring of recent heartbeat intervals (a gap value where beats were missed) for the tiles'
// sparkline, and it publishes counts by state and per-frame state transitions, which the
// status bar, the tray and the notifications follow.

#include "model/agent.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QSet>
#include <QList>
#include <QStringList>

#include <array>
#include <vector>

class QTimer;

namespace vigil {
struct AgentSnapshot;
}

namespace vigil::ui {

class Backend;

struct AgentTransition
{
    QString id;
    AgentState from = AgentState::New;
    AgentState to = AgentState::New;
    int misses = 0; // down with none: the agent reported a failure rather than fell silent
};

class FleetModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Columns { StateColumn, IdColumn, TenantColumn, EnvironmentColumn, TagsColumn, LastSeenColumn,
                   IntervalColumn, MissesColumn, ColumnCount };
    Q_ENUM(Columns)
    enum Roles {
        StateRole = Qt::UserRole, // int(AgentState)
        IdRole,
        TenantRole,
        EnvironmentRole,
        TagsRole,       // QStringList
        LastSeenMsRole, // epoch ms, 0 = never
        IntervalSecsRole,
        GraceSecsRole,
        MissesRole,
        IntervalsRole, // QList<int>: recent heartbeat intervals in ms, oldest first; kGap = missed
        SortRole,      // what the table sorts by (numbers stay numbers)
    };
    Q_ENUM(Roles)

    static constexpr int kGap = -1;
    static constexpr int kRingSize = 30;

    // Loads the fleet once the backend has started (at once if it already has) and follows
    // its frames. `backend` may be null (tests feed setAgents/applyFrame themselves).
    explicit FleetModel(Backend *backend, QObject *parent = nullptr);
    ~FleetModel() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Replaces everything (the initial load).
    void setAgents(const std::vector<Agent> &agents);
    // One Backend::agentsChanged frame. Unknown ids become rows at once (their configuration
    // follows from one read for the batch); a snapshot that changes nothing of an agent's
    // liveness means its configuration changed or it was deleted, so it is re-read too.
    void applyFrame(const QList<vigil::AgentSnapshot> &frame);
    // Configuration of known agents (tenant, environment, tags, interval, grace); unknown
    // ids are added.
    void updateAgents(const std::vector<Agent> &agents);
    void removeAgents(const QStringList &ids);
    // A periodic pass over the store's agents (every kResyncMs): configuration, agents added
    // or removed behind the frames' back, and last-seen times, which the collector's frames
    // carry only when an agent's state changes. States stay with the frames (the store may
    // lag them by a commit). Never records sparkline intervals.
    // Only rows in `removable` may be removed (those that existed when the read began, so a
    // row a frame added meanwhile is not taken for a deleted one); empty: any row.
    void resync(const std::vector<Agent> &agents, const QSet<QString> &removable = {});
    static constexpr int kResyncMs = 15000;

    bool isLoaded() const { return m_loaded; }
    int count(AgentState state) const { return m_counts[size_t(state)]; }
    int rowOf(const QString &id) const { return m_rowOf.value(id, -1); }
    // Distinct values, sorted, for the filter combos.
    QStringList tenants() const;
    QStringList environments() const;
    QStringList tags() const;

    // The age column's tick (also called by the timer).
    void tickAges();

Q_SIGNALS:
    void loaded();
    void countsChanged();
    void stateTransitions(const QList<vigil::ui::AgentTransition> &transitions);
    void facetsChanged(); // tenants/environments/tags may have changed
    void loadFailed(const QString &message);

private:
    struct Row
    {
        QString id;
        QString tenant;
        QString environment;
        QStringList tags;
        int intervalSecs = 60;
        int graceSecs = 60;
        AgentState state = AgentState::New;
        qint64 lastSeenMs = 0;
        int misses = 0;
        std::array<qint32, kRingSize> ring {};
        quint8 ringHead = 0; // next write position
        quint8 ringCount = 0;
        void push(qint32 value);
        QList<int> intervals() const;
    };

    void load();
    void fetchConfig(const QStringList &ids);
    void setConfig(Row &row, const Agent &agent);
    void appendRow(const Agent &agent); // within a reset or an insertion: row, index and counts
    void emitRanges(std::vector<int> &rows);
    void rebuildIndex(int from);

    Backend *m_backend = nullptr;
    std::vector<Row> m_rows;
    QHash<QString, int> m_rowOf;
    std::array<int, 5> m_counts {};
    bool m_loaded = false;
    QList<QList<vigil::AgentSnapshot>> m_early; // frames that came before the load
    QTimer *m_ageTimer = nullptr;
    QTimer *m_resyncTimer = nullptr;
    bool m_resyncing = false;
};

} // namespace vigil::ui

Q_DECLARE_METATYPE(vigil::ui::AgentTransition)
