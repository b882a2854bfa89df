// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The runs table, newest first, loaded a page (200 runs) at a time from the store as the
// view scrolls (canFetchMore/fetchMore), so 100 000 runs open as fast as 200. The filter is
// the store's RunFilter: it narrows the query, it does not hide loaded rows. Frames update
// the rows held in place and insert new runs that fit the filter at their place.

#include "store/store.h"

#include <QAbstractTableModel>
#include <QHash>

namespace vigil::ui {

class Backend;

class RunsModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Columns { StatusColumn, WorkflowColumn, TenantColumn, SignalColumn, StartedColumn, DurationColumn,
                   MarksColumn, IdColumn, ColumnCount };
    enum Roles {
        RunIdRole = Qt::UserRole,
        StatusRole,        // int(RunStatus)
        DefinitionIdRole,
        TriggerIdRole,
        IsReplayRole,
        IsDryRunRole,
    };
    static constexpr int kPageSize = 200;

    explicit RunsModel(Backend &backend, QObject *parent = nullptr);

    // Replaces the filter and loads its first page.
    void setFilter(const RunFilter &filter);
    const RunFilter &filter() const { return m_filter; }
    void reload();
    bool isLoading() const { return m_loading; }
    bool hasMore() const { return !m_nextCursor.isEmpty(); }

    const WorkflowRun &run(int row) const { return m_runs[size_t(row)]; }
    int rowOf(const QString &runId) const { return m_rowById.value(runId, -1); }
    QString workflowName(const QString &definitionId) const;
    // (id, name) of every workflow read, sorted by name: the view's workflow filter.
    QList<std::pair<QString, QString>> workflows() const;
    // Whether `run` fits the filter (the frames' test; exposed for tests).
    static bool matches(const RunFilter &filter, const WorkflowRun &run);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

public Q_SLOTS:
    void applyRuns(const QList<vigil::WorkflowRun> &runs);

Q_SIGNALS:
    void pageLoaded();
    void loadFailed(const QString &message);
    void workflowsLoaded();

private:
    void loadPage(const QString &cursor);
    void loadWorkflows();
    void rememberName(const WorkflowRun &run);

    Backend &m_backend;
    RunFilter m_filter;
    std::vector<WorkflowRun> m_runs; // without definitionSnapshot: its name goes to m_names
    QHash<QString, int> m_rowById;
    QHash<QString, QString> m_names; // definition id -> workflow name
    QString m_nextCursor;
    bool m_loading = false;
    quint64 m_generation = 0; // raised by each reload: drops pages of an older filter
};

} // namespace vigil::ui
