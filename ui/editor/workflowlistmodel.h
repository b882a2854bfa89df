// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The stored workflows for the list left of the editor: name, trigger type, enabled (a
// checkbox that asks for the change; the view calls the engine and reloads), version and
// the status of the latest run.

#include "model/run.h"
#include "model/workflow.h"

#include <QAbstractTableModel>
#include <QHash>

namespace vigil::ui {

class WorkflowListModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Columns { NameColumn, TriggerColumn, EnabledColumn, VersionColumn, LastRunColumn, ColumnCount };
    enum Roles { DefinitionIdRole = Qt::UserRole, EnabledRole, LastRunStatusRole };
    using QAbstractTableModel::QAbstractTableModel;

    void setDefinitions(std::vector<WorkflowDefinition> definitions);
    // The latest run of each definition, as read from the store (absent: never ran).
    void setLastRuns(const QList<WorkflowRun> &lastRuns);
    // Runs that started or moved since (the backend's frames): a run at least as new as the
    // one shown for its workflow takes its place.
    void noteRuns(const QList<WorkflowRun> &runs);
    const std::vector<WorkflowDefinition> &definitions() const { return m_definitions; }
    int rowOf(const QString &definitionId) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role) override;

Q_SIGNALS:
    void enableRequested(const QString &definitionId, bool enabled);

private:
    std::vector<WorkflowDefinition> m_definitions;
    struct LastRun
    {
        QString runId;
        QDateTime createdAt;
        RunStatus status;
    };
    bool note(const WorkflowRun &run, bool live);
    QHash<QString, LastRun> m_lastRuns;
};

} // namespace vigil::ui
