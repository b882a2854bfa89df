// SPDX-License-Identifier: GPL-3.0-or-later
#include "fleet/fleetmodel.h"

#include "backend/backend.h"
#include "common/presentation.h"

#include <QDateTime>
#include <QSet>
#include <QTimer>

#include <algorithm>
#include <limits>
#include <utility>

namespace vigil::ui {

namespace {

// Above this many unknown ids one pass over the table beats one query per agent.
constexpr int kFetchAllAbove = 200;

struct AgentLookup
{
    std::vector<Agent> found;
    QStringList gone;
};

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace

void FleetModel::Row::push(qint32 value)
{
    ring[ringHead] = value;
    ringHead = quint8((ringHead + 1) % kRingSize);
    if (ringCount < kRingSize)
        ++ringCount;
}

QList<int> FleetModel::Row::intervals() const
{
    QList<int> out;
    out.reserve(ringCount);
    const int start = (ringHead - ringCount + kRingSize) % kRingSize;
    for (int i = 0; i < ringCount; ++i)
        out.append(ring[(start + i) % kRingSize]);
    return out;
}

FleetModel::FleetModel(Backend *backend, QObject *parent) : QAbstractTableModel(parent), m_backend(backend)
{
    qRegisterMetaType<QList<vigil::ui::AgentTransition>>();
    m_ageTimer = new QTimer(this);
    m_ageTimer->setInterval(1000);
    connect(m_ageTimer, &QTimer::timeout, this, &FleetModel::tickAges);
    m_ageTimer->start();
    if (!m_backend)
        return;
    m_resyncTimer = new QTimer(this);
    m_resyncTimer->setInterval(kResyncMs);
    connect(m_resyncTimer, &QTimer::timeout, this, [this] {
        if (!m_loaded || m_resyncing)
            return;
        m_resyncing = true;
        QSet<QString> known;
        known.reserve(qsizetype(m_rows.size()));
        for (const Row &row : m_rows)
            known.insert(row.id);
        m_backend->read([](Store &store) { return store.allAgents(); })
            .then(this, [this, known](Result<std::vector<Agent>> agents) {
                m_resyncing = false;
                if (agents)
                    resync(*agents, known);
            });
    });
    m_resyncTimer->start();
    connect(m_backend, &Backend::agentsChanged, this, &FleetModel::applyFrame);
    if (m_backend->isStarted())
        load();
    else
        connect(m_backend, &Backend::started, this, &FleetModel::load);
}

FleetModel::~FleetModel() = default;

void FleetModel::load()
{
    m_backend->read([](Store &store) { return store.allAgents(); })
        .then(this, [this](Result<std::vector<Agent>> agents) {
            if (!agents) {
                Q_EMIT loadFailed(agents.error().message);
                return;
            }
            setAgents(*agents);
        });
}

int FleetModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int FleetModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant FleetModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows[size_t(index.row())];
    switch (role) {
    case StateRole: return int(row.state);
    case IdRole: return row.id;
    case TenantRole: return row.tenant;
    case EnvironmentRole: return row.environment;
    case TagsRole: return row.tags;
    case LastSeenMsRole: return row.lastSeenMs;
    case IntervalSecsRole: return row.intervalSecs;
    case GraceSecsRole: return row.graceSecs;
    case MissesRole: return row.misses;
    case IntervalsRole: return QVariant::fromValue(row.intervals());
    case Qt::DisplayRole:
        switch (index.column()) {
        case StateColumn: return stateName(row.state);
        case IdColumn: return row.id;
        case TenantColumn: return row.tenant;
        case EnvironmentColumn: return row.environment;
        case TagsColumn: return row.tags.join(QStringLiteral(", "));
        case LastSeenColumn: return row.lastSeenMs ? formatAge(nowMs() - row.lastSeenMs) : formatAge(-1);
        case IntervalColumn: return formatDuration(qint64(row.intervalSecs) * 1000);
        case MissesColumn: return row.misses;
        }
        return {};
    case SortRole:
        switch (index.column()) {
        case StateColumn: return int(row.state);
        case LastSeenColumn: return row.lastSeenMs;
        case IntervalColumn: return row.intervalSecs;
        case MissesColumn: return row.misses;
        default: return data(index, Qt::DisplayRole);
        }
    case Qt::ToolTipRole:
        if (index.column() == LastSeenColumn && row.lastSeenMs)
            return formatTime(QDateTime::fromMSecsSinceEpoch(row.lastSeenMs));
        return {};
    case Qt::DecorationRole:
        if (index.column() == StateColumn)
            return stateColor(row.state);
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == IntervalColumn || index.column() == MissesColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    }
    return {};
}

QVariant FleetModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case StateColumn: return tr("State");
    case IdColumn: return tr("Agent");
    case TenantColumn: return tr("Tenant");
    case EnvironmentColumn: return tr("Environment");
    case TagsColumn: return tr("Tags");
    case LastSeenColumn: return tr("Last seen");
    case IntervalColumn: return tr("Interval");
    case MissesColumn: return tr("Misses");
    }
    return {};
}

void FleetModel::setConfig(Row &row, const Agent &agent)
{
    row.tenant = agent.tenantId;
    row.environment = agent.environment.value_or(QString());
    row.tags = agent.tags;
    row.intervalSecs = agent.intervalSecs;
    row.graceSecs = agent.graceSecs;
}

void FleetModel::appendRow(const Agent &agent)
{
    Row row;
    row.id = agent.id;
    setConfig(row, agent);
    row.state = agent.state;
    row.lastSeenMs = agent.lastSeenAt.isValid() ? agent.lastSeenAt.toMSecsSinceEpoch() : 0;
    row.misses = agent.misses;
    ++m_counts[size_t(row.state)];
    m_rowOf.insert(row.id, int(m_rows.size()));
    m_rows.push_back(std::move(row));
}

void FleetModel::setAgents(const std::vector<Agent> &agents)
{
    beginResetModel();
    m_rows.clear();
    m_rows.reserve(agents.size());
    m_rowOf.clear();
    m_rowOf.reserve(qsizetype(agents.size()));
    m_counts = {};
    for (const Agent &agent : agents)
        appendRow(agent);
    endResetModel();
    const bool first = !m_loaded;
    m_loaded = true;
    Q_EMIT countsChanged();
    Q_EMIT facetsChanged();
    if (first)
        Q_EMIT loaded();
    const auto early = std::exchange(m_early, {});
    for (const auto &frame : early)
        applyFrame(frame);
}

void FleetModel::applyFrame(const QList<AgentSnapshot> &frame)
{
    if (m_backend && !m_loaded) {
        m_early.append(frame);
        return;
    }
    std::vector<int> changed;
    changed.reserve(size_t(frame.size()));
    QList<AgentTransition> transitions;
    QStringList reread;
    std::vector<Row> added;
    const auto countsBefore = m_counts;

    for (const AgentSnapshot &snapshot : frame) {
        const int index = m_rowOf.value(snapshot.id, -1);
        // A removed agent answers as "new, never seen"; so does one registered without a beat.
        const bool looksGone = snapshot.state == AgentState::New && snapshot.lastSeenMs == 0;
        if (index < 0) {
            if (looksGone && !m_backend)
                continue;
            Row row;
            row.id = snapshot.id;
            row.state = snapshot.state;
            row.lastSeenMs = snapshot.lastSeenMs;
            row.misses = snapshot.misses;
            reread.append(snapshot.id);
            added.push_back(std::move(row));
            continue;
        }
        Row &row = m_rows[size_t(index)];
        if (row.state == snapshot.state && row.lastSeenMs == snapshot.lastSeenMs && row.misses == snapshot.misses) {
            reread.append(row.id); // nothing of its liveness moved: configured (or deleted)
            continue;
        }
        if (looksGone)
            reread.append(row.id);
        if (snapshot.lastSeenMs > row.lastSeenMs && row.lastSeenMs > 0)
            row.push(qint32(std::min<qint64>(snapshot.lastSeenMs - row.lastSeenMs, std::numeric_limits<qint32>::max())));
        if (snapshot.misses > row.misses)
            row.push(kGap);
        if (row.state != snapshot.state) {
            transitions.append({ row.id, row.state, snapshot.state, snapshot.misses });
            --m_counts[size_t(row.state)];
            ++m_counts[size_t(snapshot.state)];
            row.state = snapshot.state;
        }
        row.lastSeenMs = snapshot.lastSeenMs;
        row.misses = snapshot.misses;
        changed.push_back(index);
    }

    emitRanges(changed);
    if (!added.empty()) {
        const int first = int(m_rows.size());
        beginInsertRows({}, first, first + int(added.size()) - 1);
        for (Row &row : added) {
            ++m_counts[size_t(row.state)];
            m_rowOf.insert(row.id, int(m_rows.size()));
            m_rows.push_back(std::move(row));
        }
        endInsertRows();
    }
    if (m_counts != countsBefore)
        Q_EMIT countsChanged();
    if (!transitions.isEmpty())
        Q_EMIT stateTransitions(transitions);
    if (!reread.isEmpty())
        fetchConfig(reread);
}

void FleetModel::fetchConfig(const QStringList &ids)
{
    if (!m_backend)
        return;
    m_backend
        ->read([ids](Store &store) -> Result<AgentLookup> {
            AgentLookup lookup;
            if (ids.size() > kFetchAllAbove) {
                Result<std::vector<Agent>> all = store.allAgents();
                if (!all)
                    return all.error();
                const QSet<QString> wanted(ids.begin(), ids.end());
                QSet<QString> seen;
                for (Agent &agent : *all) {
                    if (wanted.contains(agent.id)) {
                        seen.insert(agent.id);
                        lookup.found.push_back(std::move(agent));
                    }
                }
                for (const QString &id : ids)
                    if (!seen.contains(id))
                        lookup.gone.append(id);
                return lookup;
            }
            for (const QString &id : ids) {
                Result<Agent> agent = store.getAgent(id);
                if (agent)
                    lookup.found.push_back(std::move(*agent));
                else if (agent.error().code == ErrorCode::NotFound)
                    lookup.gone.append(id);
                else
                    return agent.error();
            }
            return lookup;
        })
        .then(this, [this](Result<AgentLookup> lookup) {
            if (!lookup)
                return; // the next frame for these agents tries again
            updateAgents(lookup->found);
            removeAgents(lookup->gone);
        });
}

void FleetModel::updateAgents(const std::vector<Agent> &agents)
{
    std::vector<int> changed;
    std::vector<Agent> unknown;
    bool facets = false;
    for (const Agent &agent : agents) {
        const int index = m_rowOf.value(agent.id, -1);
        if (index < 0) {
            unknown.push_back(agent);
            continue;
        }
        Row &row = m_rows[size_t(index)];
        facets = facets || row.tenant != agent.tenantId || row.environment != agent.environment.value_or(QString())
            || row.tags != agent.tags;
        setConfig(row, agent);
        changed.push_back(index);
    }
    emitRanges(changed);
    if (!unknown.empty()) {
        const int first = int(m_rows.size());
        beginInsertRows({}, first, first + int(unknown.size()) - 1);
        for (const Agent &agent : unknown)
            appendRow(agent);
        endInsertRows();
        Q_EMIT countsChanged();
        facets = true;
    }
    if (facets)
        Q_EMIT facetsChanged();
}

void FleetModel::resync(const std::vector<Agent> &agents, const QSet<QString> &removable)
{
    std::vector<Agent> configured;
    configured.reserve(agents.size());
    QSet<QString> present;
    present.reserve(qsizetype(agents.size()));
    std::vector<int> seenChanged;
    for (const Agent &agent : agents) {
        present.insert(agent.id);
        const int index = m_rowOf.value(agent.id, -1);
        if (index < 0) {
            configured.push_back(agent); // updateAgents inserts it
            continue;
        }
        Row &row = m_rows[size_t(index)];
        const qint64 stored = agent.lastSeenAt.isValid() ? agent.lastSeenAt.toMSecsSinceEpoch() : 0;
        if (stored > row.lastSeenMs) {
            row.lastSeenMs = stored;
            seenChanged.push_back(index);
        }
        if (row.tenant != agent.tenantId || row.environment != agent.environment.value_or(QString())
            || row.tags != agent.tags || row.intervalSecs != agent.intervalSecs || row.graceSecs != agent.graceSecs)
            configured.push_back(agent);
    }
    emitRanges(seenChanged);
    updateAgents(configured);
    QStringList gone;
    for (const Row &row : m_rows)
        if (!present.contains(row.id) && (removable.isEmpty() || removable.contains(row.id)))
            gone.append(row.id);
    removeAgents(gone);
}

void FleetModel::removeAgents(const QStringList &ids)
{
    std::vector<int> rows;
    for (const QString &id : ids)
        if (const int index = m_rowOf.value(id, -1); index >= 0)
            rows.push_back(index);
    if (rows.empty())
        return;
    std::sort(rows.begin(), rows.end(), std::greater<>());
    for (const int index : rows) {
        beginRemoveRows({}, index, index);
        --m_counts[size_t(m_rows[size_t(index)].state)];
        m_rowOf.remove(m_rows[size_t(index)].id);
        m_rows.erase(m_rows.begin() + index);
        endRemoveRows();
    }
    rebuildIndex(rows.back());
    Q_EMIT countsChanged();
    Q_EMIT facetsChanged();
}

void FleetModel::rebuildIndex(int from)
{
    for (int i = from; i < int(m_rows.size()); ++i)
        m_rowOf[m_rows[size_t(i)].id] = i;
}

void FleetModel::emitRanges(std::vector<int> &rows)
{
    if (rows.empty())
        return;
    std::sort(rows.begin(), rows.end());
    // A busy frame touches rows all over the fleet: hundreds of small ranges cost the proxy
    // and the views far more (a mapping and a rect per range) than one range over them all.
    constexpr std::size_t kMaxRanges = 8;
    std::size_t ranges = 1;
    for (std::size_t i = 1; i < rows.size() && ranges <= kMaxRanges; ++i)
        ranges += rows[i] > rows[i - 1] + 1 ? 1 : 0;
    if (ranges > kMaxRanges) {
        Q_EMIT dataChanged(index(rows.front(), 0), index(rows.back(), ColumnCount - 1));
        return;
    }
    size_t start = 0;
    for (size_t i = 1; i <= rows.size(); ++i) {
        if (i == rows.size() || rows[i] > rows[i - 1] + 1) {
            Q_EMIT dataChanged(index(rows[start], 0), index(rows[i - 1], ColumnCount - 1));
            start = i;
        }
    }
}

void FleetModel::tickAges()
{
    if (m_rows.empty())
        return;
    Q_EMIT dataChanged(index(0, LastSeenColumn), index(int(m_rows.size()) - 1, LastSeenColumn),
                       { Qt::DisplayRole, Qt::ToolTipRole });
}

namespace {
QStringList sortedDistinct(QSet<QString> values)
{
    values.remove(QString());
    QStringList out(values.begin(), values.end());
    out.sort(Qt::CaseInsensitive);
    return out;
}
} // namespace

QStringList FleetModel::tenants() const
{
    QSet<QString> values;
    for (const Row &row : m_rows)
        values.insert(row.tenant);
    return sortedDistinct(std::move(values));
}

QStringList FleetModel::environments() const
{
    QSet<QString> values;
    for (const Row &row : m_rows)
        values.insert(row.environment);
    return sortedDistinct(std::move(values));
}

QStringList FleetModel::tags() const
{
    QSet<QString> values;
    for (const Row &row : m_rows)
        for (const QString &tag : row.tags)
            values.insert(tag);
    return sortedDistinct(std::move(values));
}

} // namespace vigil::ui
