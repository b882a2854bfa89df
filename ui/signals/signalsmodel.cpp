// SPDX-License-Identifier: GPL-3.0-or-later
#include "signals/signalsmodel.h"

#include "backend/backend.h"
#include "common/newestfirst.h"
#include "common/presentation.h"

#include <algorithm>

namespace vigil::ui {

SignalsModel::SignalsModel(Backend &backend, QObject *parent)
    : QAbstractTableModel(parent)
    , m_backend(backend)
{
    connect(&m_backend, &Backend::signalsEmitted, this, &SignalsModel::applySignals);
    reload();
}

void SignalsModel::setFilter(const SignalFilter &filter)
{
    m_filter = filter;
    reload();
}

void SignalsModel::reload()
{
    ++m_generation;
    beginResetModel();
    m_signals.clear();
    m_rowById.clear();
    m_nextCursor.clear();
    endResetModel();
    m_loading = false;
    loadPage(QString());
}

void SignalsModel::loadPage(const QString &cursor)
{
    if (m_loading)
        return;
    m_loading = true;
    const quint64 generation = m_generation;
    const SignalFilter filter = m_filter;
    const PageRequest page { kPageSize, cursor };
    m_backend.read([filter, page](Store &store) { return store.listSignals(filter, page); })
        .then(this, [this, generation](QFuture<Result<Page<TriggerEnvelope>>> future) {
            if (generation != m_generation)
                return;
            m_loading = false;
            if (future.resultCount() == 0)
                return;
            Result<Page<TriggerEnvelope>> result = future.result();
            if (!result) {
                Q_EMIT loadFailed(tr("Could not list signals: %1").arg(result.error().message));
                return;
            }
            std::vector<TriggerEnvelope> fresh;
            for (TriggerEnvelope &signal : result->items) {
                if (!m_rowById.contains(signal.id))
                    fresh.push_back(std::move(signal));
            }
            m_nextCursor = result->nextCursor;
            if (!fresh.empty()) {
                const int first = int(m_signals.size());
                beginInsertRows({}, first, first + int(fresh.size()) - 1);
                for (TriggerEnvelope &signal : fresh) {
                    m_rowById.insert(signal.id, int(m_signals.size()));
                    m_signals.push_back(std::move(signal));
                }
                endInsertRows();
            }
            Q_EMIT pageLoaded();
        });
}

bool SignalsModel::matches(const SignalFilter &filter, const TriggerEnvelope &signal)
{
    if (filter.tenantId && signal.tenantId != *filter.tenantId)
        return false;
    if (filter.type && signal.type != *filter.type)
        return false;
    if (filter.resourceId && signal.resourceId != filter.resourceId)
        return false;
    return true;
}

void SignalsModel::applySignals(const QList<TriggerEnvelope> &signals)
{
    std::vector<TriggerEnvelope> added;
    for (const TriggerEnvelope &signal : signals) {
        if (m_rowById.contains(signal.id) || !matches(m_filter, signal))
            continue;
        if (hasMore() && !m_signals.empty() && signal.id < m_signals.back().id)
            continue; // arrives with its page
        added.push_back(signal);
    }
    std::sort(added.begin(), added.end(), [](const auto &a, const auto &b) { return a.id > b.id; });
    mergeNewestFirst(m_signals, std::move(added), m_rowById, [this](int first, int last, const auto &apply) {
        beginInsertRows({}, first, last);
        apply();
        endInsertRows();
    });
}

int SignalsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_signals.size());
}

int SignalsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant SignalsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const TriggerEnvelope &signal = m_signals[size_t(index.row())];
    switch (role) {
    case SignalIdRole: return signal.id;
    case TypeRole: return signal.type;
    case TenantRole: return signal.tenantId;
    case Qt::DisplayRole: break;
    default: return {};
    }
    switch (Columns(index.column())) {
    case TimeColumn: return formatTime(signal.createdAt, true);
    case TypeColumn: return signal.type;
    case TenantColumn: return signal.tenantId;
    case SourceColumn: return signal.source;
    case ResourceColumn:
        if (!signal.resourceId)
            return QString();
        return signal.resourceType ? QString(*signal.resourceType + QLatin1Char('/') + *signal.resourceId) : *signal.resourceId;
    case EnvironmentColumn: return signal.environment.value_or(QString());
    case IdColumn: return signal.id;
    case ColumnCount: break;
    }
    return {};
}

QVariant SignalsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (Columns(section)) {
    case TimeColumn: return tr("Time");
    case TypeColumn: return tr("Type");
    case TenantColumn: return tr("Tenant");
    case SourceColumn: return tr("Source");
    case ResourceColumn: return tr("Resource");
    case EnvironmentColumn: return tr("Environment");
    case IdColumn: return tr("Id");
    case ColumnCount: break;
    }
    return {};
}

bool SignalsModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && hasMore() && !m_loading;
}

void SignalsModel::fetchMore(const QModelIndex &parent)
{
    if (canFetchMore(parent))
        loadPage(m_nextCursor);
}

} // namespace vigil::ui
