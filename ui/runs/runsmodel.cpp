// SPDX-License-Identifier: GPL-3.0-or-later
#include "runs/runsmodel.h"

#include "backend/backend.h"
#include "common/newestfirst.h"
#include "common/presentation.h"

#include <QFuture>

#include <algorithm>

namespace vigil::ui {

namespace {

QDateTime endOf(const WorkflowRun &run)
{
    if (run.completedAt.isValid())
        return run.completedAt;
    if (run.failedAt.isValid())
        return run.failedAt;
    return run.canceledAt;
}

} // namespace

RunsModel::RunsModel(Backend &backend, QObject *parent)
    : QAbstractTableModel(parent)
    , m_backend(backend)
{
    connect(&m_backend, &Backend::runsChanged, this, &RunsModel::applyRuns);
    connect(&m_backend, &Backend::workflowsChanged, this, &RunsModel::loadWorkflows);
    loadWorkflows();
    reload();
}

void RunsModel::setFilter(const RunFilter &filter)
{
    m_filter = filter;
    reload();
}

void RunsModel::reload()
{
    ++m_generation;
    beginResetModel();
    m_runs.clear();
    m_rowById.clear();
    m_nextCursor.clear();
    endResetModel();
    m_loading = false;
    loadPage(QString());
}

void RunsModel::loadPage(const QString &cursor)
{
    if (m_loading)
        return;
    m_loading = true;
    const quint64 generation = m_generation;
    const RunFilter filter = m_filter;
    const PageRequest page { kPageSize, cursor };
    m_backend.read([filter, page](Store &store) { return store.listRuns(filter, page); })
        .then(this, [this, generation](QFuture<Result<Page<WorkflowRun>>> future) {
            if (generation != m_generation)
                return; // the filter changed meanwhile
            m_loading = false;
            if (future.resultCount() == 0)
                return;
            Result<Page<WorkflowRun>> result = future.result();
            if (!result) {
                Q_EMIT loadFailed(tr("Could not list runs: %1").arg(result.error().message));
                return;
            }
            std::vector<WorkflowRun> fresh;
            fresh.reserve(result->items.size());
            for (WorkflowRun &run : result->items) {
                if (m_rowById.contains(run.id))
                    continue; // inserted by a frame before its page arrived
                rememberName(run);
                run.definitionSnapshot = {};
                fresh.push_back(std::move(run));
            }
            m_nextCursor = result->nextCursor;
            if (!fresh.empty()) {
                const int first = int(m_runs.size());
                beginInsertRows({}, first, first + int(fresh.size()) - 1);
                for (WorkflowRun &run : fresh) {
                    m_rowById.insert(run.id, int(m_runs.size()));
                    m_runs.push_back(std::move(run));
                }
                endInsertRows();
            }
            Q_EMIT pageLoaded();
        });
}

void RunsModel::loadWorkflows()
{
    m_backend
        .read([](Store &store) -> Result<QHash<QString, QString>> {
            QHash<QString, QString> names;
            PageRequest page { 1000, QString() };
            do {
                Result<Page<WorkflowDefinition>> chunk = store.listDefinitions({}, page);
                if (!chunk)
                    return chunk.error();
                for (const WorkflowDefinition &definition : chunk->items)
                    names.insert(definition.id, definition.name);
                page.cursor = chunk->nextCursor;
            } while (!page.cursor.isEmpty());
            return names;
        })
        .then(this, [this](QFuture<Result<QHash<QString, QString>>> future) {
            if (future.resultCount() == 0)
                return;
            const Result<QHash<QString, QString>> result = future.result();
            if (!result) {
                Q_EMIT loadFailed(tr("Could not list workflows: %1").arg(result.error().message));
                return;
            }
            for (auto it = result->cbegin(); it != result->cend(); ++it)
                m_names.insert(it.key(), it.value());
            if (!m_runs.empty())
                Q_EMIT dataChanged(index(0, WorkflowColumn), index(rowCount() - 1, WorkflowColumn));
            Q_EMIT workflowsLoaded();
        });
}

void RunsModel::rememberName(const WorkflowRun &run)
{
    // Deleted workflows leave the list, but their runs keep the snapshot's name.
    if (!run.definitionSnapshot.name.isEmpty() && !m_names.contains(run.definitionId))
        m_names.insert(run.definitionId, run.definitionSnapshot.name);
}

QString RunsModel::workflowName(const QString &definitionId) const
{
    return m_names.value(definitionId, definitionId);
}

QList<std::pair<QString, QString>> RunsModel::workflows() const
{
    QList<std::pair<QString, QString>> list;
    for (auto it = m_names.cbegin(); it != m_names.cend(); ++it)
        list.append({ it.key(), it.value() });
    std::sort(list.begin(), list.end(), [](const auto &a, const auto &b) {
        return a.second.localeAwareCompare(b.second) < 0;
    });
    return list;
}

bool RunsModel::matches(const RunFilter &filter, const WorkflowRun &run)
{
    if (filter.status && run.status != *filter.status)
        return false;
    if (filter.tenantId && run.tenantId != *filter.tenantId)
        return false;
    if (filter.definitionId && run.definitionId != *filter.definitionId)
        return false;
    if (filter.triggerId && run.triggerId != *filter.triggerId)
        return false;
    if (filter.createdAfter && run.createdAt < *filter.createdAfter)
        return false;
    if (filter.createdBefore && run.createdAt >= *filter.createdBefore)
        return false;
    return true;
}

void RunsModel::applyRuns(const QList<WorkflowRun> &runs)
{
    std::vector<WorkflowRun> added;
    for (const WorkflowRun &run : runs) {
        const int row = m_rowById.value(run.id, -1);
        if (row >= 0) {
            // A run that left the filter (a status filter and a retry) stays in place:
            // rows jumping away under the operator's cursor is worse than a stale filter.
            WorkflowRun &held = m_runs[size_t(row)];
            held = run;
            held.definitionSnapshot = {};
            Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
            continue;
        }
        // Runs older than the last loaded row arrive with their page.
        if (!matches(m_filter, run) || (hasMore() && !m_runs.empty() && run.id < m_runs.back().id))
            continue;
        added.push_back(run);
        added.back().definitionSnapshot = {};
    }
    // Ids are time-ordered, so the newest first is descending id order.
    std::sort(added.begin(), added.end(), [](const WorkflowRun &a, const WorkflowRun &b) { return a.id > b.id; });
    mergeNewestFirst(m_runs, std::move(added), m_rowById, [this](int first, int last, const auto &apply) {
        beginInsertRows({}, first, last);
        apply();
        endInsertRows();
    });
}

int RunsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_runs.size());
}

int RunsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const WorkflowRun &run = m_runs[size_t(index.row())];
    switch (role) {
    case RunIdRole: return run.id;
    case StatusRole: return int(run.status);
    case DefinitionIdRole: return run.definitionId;
    case TriggerIdRole: return run.triggerId;
    case IsReplayRole: return run.isReplay;
    case IsDryRunRole: return run.isDryRun;
    case Qt::DecorationRole:
        if (index.column() == StatusColumn)
            return runStatusColor(run.status);
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == DurationColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ToolTipRole:
        if (index.column() == StatusColumn && run.cancelReason)
            return tr("Canceled: %1").arg(*run.cancelReason);
        if (index.column() == StartedColumn)
            return tr("Created %1").arg(formatTime(run.createdAt, true));
        return {};
    case Qt::DisplayRole:
        break;
    default:
        return {};
    }
    switch (Columns(index.column())) {
    case StatusColumn: return runStatusName(run.status);
    case WorkflowColumn: return workflowName(run.definitionId);
    case TenantColumn: return run.tenantId;
    case SignalColumn: return run.triggerId;
    case StartedColumn: return formatTime(run.startedAt.isValid() ? run.startedAt : run.createdAt);
    case DurationColumn: {
        if (!run.startedAt.isValid())
            return QString();
        const QDateTime end = endOf(run);
        // Running ones show their duration at the last frame: ticking is the run view's job.
        return formatDuration(run.startedAt.msecsTo(end.isValid() ? end : run.updatedAt));
    }
    case MarksColumn: {
        QStringList marks;
        if (run.isReplay)
            marks << tr("replay");
        if (run.isDryRun)
            marks << tr("dry run");
        return marks.join(QStringLiteral(", "));
    }
    case IdColumn: return run.id;
    case ColumnCount: break;
    }
    return {};
}

QVariant RunsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (Columns(section)) {
    case StatusColumn: return tr("Status");
    case WorkflowColumn: return tr("Workflow");
    case TenantColumn: return tr("Tenant");
    case SignalColumn: return tr("Signal");
    case StartedColumn: return tr("Started");
    case DurationColumn: return tr("Duration");
    case MarksColumn: return tr("Marks");
    case IdColumn: return tr("Id");
    case ColumnCount: break;
    }
    return {};
}

bool RunsModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && hasMore() && !m_loading;
}

void RunsModel::fetchMore(const QModelIndex &parent)
{
    if (canFetchMore(parent))
        loadPage(m_nextCursor);
}

} // namespace vigil::ui
