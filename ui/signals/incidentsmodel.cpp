// SPDX-License-Identifier: GPL-3.0-or-later
#include "signals/incidentsmodel.h"

#include "backend/backend.h"
#include "common/presentation.h"

namespace vigil::ui {

IncidentsModel::IncidentsModel(Backend &backend, QObject *parent)
    : QAbstractTableModel(parent)
    , m_backend(backend)
{
    m_filter.status = IncidentStatus::Open;
    reload();
}

void IncidentsModel::setStatus(std::optional<IncidentStatus> status)
{
    m_filter.status = status;
    beginResetModel();
    m_incidents.clear();
    m_nextCursor.clear();
    endResetModel();
    reload();
}

void IncidentsModel::reload()
{
    ++m_generation;
    m_loading = false;
    loadPage(QString(), true);
}

void IncidentsModel::loadPage(const QString &cursor, bool replace)
{
    if (m_loading)
        return;
    m_loading = true;
    const quint64 generation = m_generation;
    const IncidentFilter filter = m_filter;
    const PageRequest page { kPageSize, cursor };
    m_backend.read([filter, page](Store &store) { return store.listIncidents(filter, page); })
        .then(this, [this, generation, replace](QFuture<Result<Page<Incident>>> future) {
            if (generation != m_generation)
                return;
            m_loading = false;
            if (future.resultCount() == 0)
                return;
            Result<Page<Incident>> result = future.result();
            if (!result) {
                Q_EMIT loadFailed(tr("Could not list incidents: %1").arg(result.error().message));
                return;
            }
            m_nextCursor = result->nextCursor;
            if (replace) {
                // A refresh swaps the first page in one reset: incidents are few, and a
                // reset keeps no row pointing at an incident that changed status.
                beginResetModel();
                m_incidents = std::move(result->items);
                endResetModel();
            } else if (!result->items.empty()) {
                const int first = int(m_incidents.size());
                beginInsertRows({}, first, first + int(result->items.size()) - 1);
                std::move(result->items.begin(), result->items.end(), std::back_inserter(m_incidents));
                endInsertRows();
            }
            Q_EMIT pageLoaded();
        });
}

int IncidentsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_incidents.size());
}

int IncidentsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant IncidentsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Incident &incident = m_incidents[size_t(index.row())];
    switch (role) {
    case IncidentIdRole: return incident.id;
    case RunIdRole: return incident.runId.value_or(QString());
    case StatusRole: return int(incident.status);
    case Qt::DecorationRole:
        if (index.column() == TitleColumn)
            return incident.status == IncidentStatus::Open ? runStatusColor(RunStatus::Failed)
                                                           : runStatusColor(RunStatus::Completed);
        return {};
    case Qt::ToolTipRole:
        if (!incident.details.is_null())
            return QString::fromStdString(incident.details.dump(2));
        return {};
    case Qt::DisplayRole: break;
    default: return {};
    }
    switch (Columns(index.column())) {
    case TitleColumn: return incident.title;
    case SeverityColumn: return incident.severity;
    case ResourceColumn: return QString(incident.resourceType + QLatin1Char('/') + incident.resourceId);
    case OpenedColumn: return formatTime(incident.openedAt);
    case ResolvedColumn: return incident.resolvedAt.isValid() ? formatTime(incident.resolvedAt) : QString();
    case RunColumn: return incident.runId.value_or(QString());
    case ColumnCount: break;
    }
    return {};
}

QVariant IncidentsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (Columns(section)) {
    case TitleColumn: return tr("Title");
    case SeverityColumn: return tr("Severity");
    case ResourceColumn: return tr("Resource");
    case OpenedColumn: return tr("Opened");
    case ResolvedColumn: return tr("Resolved");
    case RunColumn: return tr("Run");
    case ColumnCount: break;
    }
    return {};
}

bool IncidentsModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && hasMore() && !m_loading;
}

void IncidentsModel::fetchMore(const QModelIndex &parent)
{
    if (canFetchMore(parent))
        loadPage(m_nextCursor, false);
}

} // namespace vigil::ui
