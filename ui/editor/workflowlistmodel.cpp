// SPDX-License-Identifier: GPL-3.0-or-later
#include "workflowlistmodel.h"

#include "common/presentation.h"

#include <tuple>

namespace vigil::ui {

void WorkflowListModel::setDefinitions(std::vector<WorkflowDefinition> definitions)
{
    beginResetModel();
    m_definitions = std::move(definitions);
    endResetModel();
}

void WorkflowListModel::setLastRuns(const QList<WorkflowRun> &lastRuns)
{
    // Merged, not replaced: a frame may have brought newer news than this read of the store.
    for (const WorkflowRun &run : lastRuns)
        note(run, false);
    if (!m_definitions.empty())
        Q_EMIT dataChanged(index(0, LastRunColumn), index(rowCount() - 1, LastRunColumn));
}

void WorkflowListModel::noteRuns(const QList<WorkflowRun> &runs)
{
    for (const WorkflowRun &run : runs) {
        if (!note(run, true))
            continue;
        if (const int row = rowOf(run.definitionId); row >= 0)
            Q_EMIT dataChanged(index(row, LastRunColumn), index(row, LastRunColumn));
    }
}

bool WorkflowListModel::note(const WorkflowRun &run, bool live)
{
    auto it = m_lastRuns.find(run.definitionId);
    if (it != m_lastRuns.end() && it->runId != run.id
        && std::tie(run.createdAt, run.id) < std::tie(it->createdAt, it->runId))
        return false; // an older run moved: the newer one stays shown
    // A frame is the run's latest state (a retry may take an ended run back to running); a
    // read of the store may be older than a frame that came meanwhile.
    if (it != m_lastRuns.end() && it->runId == run.id
        && (it->status == run.status || (!live && isTerminal(it->status))))
        return false;
    m_lastRuns.insert(run.definitionId, LastRun { run.id, run.createdAt, run.status });
    return true;
}

int WorkflowListModel::rowOf(const QString &definitionId) const
{
    for (size_t i = 0; i < m_definitions.size(); ++i) {
        if (m_definitions[i].id == definitionId)
            return int(i);
    }
    return -1;
}

int WorkflowListModel::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : int(m_definitions.size()); }
int WorkflowListModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant WorkflowListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const WorkflowDefinition &definition = m_definitions[size_t(index.row())];
    const auto lastRun = m_lastRuns.constFind(definition.id);
    switch (role) {
    case DefinitionIdRole: return definition.id;
    case EnabledRole: return definition.isEnabled;
    case LastRunStatusRole: return lastRun == m_lastRuns.cend() ? QVariant() : QVariant(toString(lastRun->status));
    case Qt::ToolTipRole:
        if (index.column() == NameColumn)
            return definition.description.value_or(definition.name);
        break;
    case Qt::CheckStateRole:
        if (index.column() == EnabledColumn)
            return definition.isEnabled ? Qt::Checked : Qt::Unchecked;
        break;
    case Qt::ForegroundRole:
        if (index.column() == LastRunColumn && lastRun != m_lastRuns.cend())
            return runStatusColor(lastRun->status);
        break;
    case Qt::DisplayRole:
        switch (Columns(index.column())) {
        case NameColumn: return definition.name;
        case TriggerColumn: return definition.cronExpression ? tr("%1 (cron)").arg(definition.triggerType) : definition.triggerType;
        case EnabledColumn: return QVariant(); // the check box says it
        case VersionColumn: return definition.version;
        case LastRunColumn: return lastRun == m_lastRuns.cend() ? tr("never ran") : runStatusName(lastRun->status);
        case ColumnCount: break;
        }
        break;
    }
    return {};
}

QVariant WorkflowListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Columns(section)) {
    case NameColumn: return tr("Name");
    case TriggerColumn: return tr("Trigger");
    case EnabledColumn: return tr("Enabled");
    case VersionColumn: return tr("Version");
    case LastRunColumn: return tr("Last run");
    case ColumnCount: break;
    }
    return {};
}

Qt::ItemFlags WorkflowListModel::flags(const QModelIndex &index) const
{
    Qt::ItemFlags flags = QAbstractTableModel::flags(index);
    if (index.isValid() && index.column() == EnabledColumn)
        flags |= Qt::ItemIsUserCheckable;
    return flags;
}

bool WorkflowListModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid) || index.column() != EnabledColumn || role != Qt::CheckStateRole)
        return false;
    const bool enabled = value.toInt() == Qt::Checked;
    WorkflowDefinition &definition = m_definitions[size_t(index.row())];
    if (definition.isEnabled == enabled)
        return false;
    // Shown at once; the engine's answer (a reload) corrects it if the change failed.
    definition.isEnabled = enabled;
    Q_EMIT dataChanged(index, index);
    Q_EMIT enableRequested(definition.id, enabled);
    return true;
}

} // namespace vigil::ui
