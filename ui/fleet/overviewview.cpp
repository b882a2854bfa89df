// SPDX-License-Identifier: GPL-3.0-or-later
#include "fleet/overviewview.h"

#include "backend/backend.h"
#include "common/navigator.h"
#include "common/presentation.h"
#include "fleet/chartstyle.h"
#include "fleet/fleetmodel.h"

#include <QAreaSeries>
#include <QChart>
#include <QChartView>
#include <QDateTimeAxis>
#include <QGridLayout>
#include <QLabel>
#include <QLegend>
#include <QLineSeries>
#include <QListWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <tuple>

namespace vigil::ui {

namespace {

constexpr qint64 kRateWindowMs = 10 * 60 * 1000;    // heartbeats/s: the last 10 minutes
constexpr qint64 kStatesWindowMs = 60 * 60 * 1000;  // agents by state: the last hour
constexpr qint64 kRunsWindowMs = 60 * 60 * 1000;    // runs per minute: the last hour
constexpr int kStateSampleMs = 5000;
constexpr int kRateSamples = 5; // heartbeats/s averaged over the last 5 s
constexpr int kMaxRunPages = 50;

constexpr AgentState kStackOrder[] = { AgentState::Up, AgentState::New, AgentState::Late, AgentState::Down,
                                       AgentState::Paused };
constexpr RunStatus kRunStatuses[] = { RunStatus::Completed, RunStatus::Failed, RunStatus::Running,
                                       RunStatus::Waiting, RunStatus::Pending, RunStatus::Canceled };

// Drops the points older than `cutoff` from the front of a time series.
void dropBefore(QLineSeries *series, qreal cutoff)
{
    int old = 0;
    while (old < series->count() && series->at(old).x() < cutoff)
        ++old;
    if (old > 0)
        series->removePoints(0, old);
}

qreal maxY(const QLineSeries *series)
{
    qreal top = 0;
    for (int i = 0; i < series->count(); ++i)
        top = std::max(top, series->at(i).y());
    return top;
}

} // namespace

OverviewView::OverviewView(Backend &backend, FleetModel &fleet, Navigator &navigator, QWidget *parent)
    : QWidget(parent), m_backend(backend), m_fleet(fleet), m_navigator(navigator)
{
    auto *grid = new QGridLayout(this);

    // Heartbeats per second.
    m_rateView = makeChartView(tr("Heartbeats per second (5 s average)"), this);
    m_rate = new QLineSeries;
    m_rate->setName(tr("accepted"));
    QPen pen = m_rate->pen();
    pen.setColor(palette().link().color());
    pen.setWidthF(1.6);
    m_rate->setPen(pen);
    m_rateView->chart()->addSeries(m_rate);
    std::tie(m_rateX, m_rateY) = addTimeAxes(m_rateView->chart());
    m_rateX->setFormat(QStringLiteral("HH:mm"));
    m_rate->attachAxis(m_rateX);
    m_rate->attachAxis(m_rateY);
    applyPalette(m_rateView->chart(), this);
    grid->addWidget(m_rateView, 0, 0);

    // Agents by state, stacked: each state's area lies on the previous one's upper line.
    m_statesView = makeChartView(tr("Agents by state"), this);
    QChart *states = m_statesView->chart();
    std::tie(m_statesX, m_statesY) = addTimeAxes(states);
    m_statesY->setLabelFormat(QStringLiteral("%.0f"));
    QLineSeries *lower = nullptr;
    for (const AgentState state : kStackOrder) {
        auto *upper = new QLineSeries(states);
        auto *area = new QAreaSeries(upper, lower);
        area->setName(stateName(state));
        QColor fill = stateColor(state);
        area->setPen(QPen(fill.darker(115), 1));
        fill.setAlpha(200);
        area->setBrush(fill);
        states->addSeries(area);
        area->attachAxis(m_statesX);
        area->attachAxis(m_statesY);
        m_stateUpper[int(state)] = upper;
        lower = upper;
    }
    states->legend()->show();
    states->legend()->setAlignment(Qt::AlignBottom);
    applyPalette(states, this);
    grid->addWidget(m_statesView, 0, 1);

    // Runs per minute by status.
    m_runsView = makeChartView(tr("Runs per minute by status (last hour)"), this);
    QChart *runs = m_runsView->chart();
    std::tie(m_runsX, m_runsY) = addTimeAxes(runs);
    m_runsY->setLabelFormat(QStringLiteral("%.0f"));
    for (const RunStatus status : kRunStatuses) {
        auto *series = new QLineSeries;
        series->setName(runStatusName(status));
        QPen runPen(runStatusColor(status), 1.8);
        series->setPen(runPen);
        runs->addSeries(series);
        series->attachAxis(m_runsX);
        series->attachAxis(m_runsY);
        m_runSeries[int(status)] = series;
    }
    runs->legend()->show();
    runs->legend()->setAlignment(Qt::AlignBottom);
    applyPalette(runs, this);
    grid->addWidget(m_runsView, 1, 0);

    // Open incidents.
    auto *incidents = new QWidget(this);
    auto *incidentLayout = new QVBoxLayout(incidents);
    incidentLayout->setContentsMargins(0, 0, 0, 0);
    m_incidentCount = new QLabel(incidents);
    QFont big = font();
    big.setBold(true);
    big.setPointSizeF(big.pointSizeF() * 1.3);
    m_incidentCount->setFont(big);
    incidentLayout->addWidget(m_incidentCount);
    m_incidents = new QListWidget(incidents);
    m_incidents->setToolTip(tr("Double-click (or Enter) opens the agent, or the run that opened the incident."));
    connect(m_incidents, &QListWidget::itemActivated, this, [this](QListWidgetItem *item) {
        const QString agent = item->data(Qt::UserRole).toString();
        const QString run = item->data(Qt::UserRole + 1).toString();
        if (!agent.isEmpty())
            Q_EMIT m_navigator.openAgent(agent);
        else if (!run.isEmpty())
            Q_EMIT m_navigator.openRun(run);
    });
    incidentLayout->addWidget(m_incidents, 1);
    grid->addWidget(incidents, 1, 1);
    grid->setRowStretch(0, 1);
    grid->setRowStretch(1, 1);
    grid->setColumnStretch(0, 1);
    grid->setColumnStretch(1, 1);

    connect(&m_backend, &Backend::totalsSampled, this, &OverviewView::onTotals);
    connect(&m_backend, &Backend::runsChanged, this, &OverviewView::onRuns);
    m_stateTimer = new QTimer(this);
    m_stateTimer->setInterval(kStateSampleMs);
    connect(m_stateTimer, &QTimer::timeout, this, &OverviewView::sampleStates);
    m_stateTimer->start();
    connect(&m_fleet, &FleetModel::loaded, this, &OverviewView::sampleStates);
    m_runsTimer = new QTimer(this);
    m_runsTimer->setInterval(1000);
    connect(m_runsTimer, &QTimer::timeout, this, [this] {
        if (m_runsDirty)
            rebuildRuns();
    });
    m_runsTimer->start();
    m_incidentTimer = new QTimer(this);
    m_incidentTimer->setInterval(15000);
    connect(m_incidentTimer, &QTimer::timeout, this, &OverviewView::reloadIncidents);
    m_incidentTimer->start();
    // Incidents open and resolve as agents go down and recover: re-read soon after that.
    connect(&m_fleet, &FleetModel::stateTransitions, this, [this] {
        QTimer::singleShot(1500, this, &OverviewView::reloadIncidents);
    });

    const auto startReads = [this] {
        loadRuns();
        reloadIncidents();
    };
    if (m_backend.isStarted())
        startReads();
    else
        connect(&m_backend, &Backend::started, this, startReads);
    if (m_fleet.isLoaded())
        sampleStates();
    rebuildRuns();
    m_incidentCount->setText(tr("Open incidents"));
}

OverviewView::~OverviewView() = default;

void OverviewView::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() != QEvent::PaletteChange && event->type() != QEvent::StyleChange)
        return;
    for (QChartView *view : { m_rateView, m_statesView, m_runsView })
        applyPalette(view->chart(), this);
    QPen pen = m_rate->pen();
    pen.setColor(palette().link().color());
    m_rate->setPen(pen);
}

void OverviewView::onTotals(const CollectorTotals &totals)
{
    if (!m_recentTotals.isEmpty() && (totals.sampledAtMs <= m_recentTotals.last().first
                                      || totals.accepted < m_recentTotals.last().second))
        m_recentTotals.clear(); // the clock or the counter went back: start afresh
    m_recentTotals.append({ totals.sampledAtMs, totals.accepted });
    if (m_recentTotals.size() > kRateSamples + 1)
        m_recentTotals.removeFirst();
    if (m_recentTotals.size() < 2)
        return;
    const auto &[fromMs, fromAccepted] = m_recentTotals.first();
    const qreal seconds = (totals.sampledAtMs - fromMs) / 1000.0;
    m_rate->append(qreal(totals.sampledAtMs), (totals.accepted - fromAccepted) / seconds);
    dropBefore(m_rate, qreal(totals.sampledAtMs - kRateWindowMs));
    m_rateY->setRange(0, std::max<qreal>(4.0, maxY(m_rate) * 1.15));
    m_rateY->applyNiceNumbers();
    m_rateX->setRange(QDateTime::fromMSecsSinceEpoch(totals.sampledAtMs - kRateWindowMs),
                      QDateTime::fromMSecsSinceEpoch(totals.sampledAtMs));
}

void OverviewView::sampleStates()
{
    if (!m_fleet.isLoaded())
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    int total = 0;
    for (const AgentState state : kStackOrder) {
        total += m_fleet.count(state);
        QLineSeries *upper = m_stateUpper[int(state)];
        upper->append(qreal(now), total);
        dropBefore(upper, qreal(now - kStatesWindowMs));
    }
    m_statesY->setRange(0, std::max(4, total));
    m_statesY->applyNiceNumbers(); // whole agents on the axis
    qint64 from = now - 5 * 60 * 1000; // at least five minutes, so the first samples have room
    if (QLineSeries *first = m_stateUpper[int(kStackOrder[0])]; first->count() > 0)
        from = std::min<qint64>(from, qint64(first->at(0).x()));
    m_statesX->setRange(QDateTime::fromMSecsSinceEpoch(from), QDateTime::fromMSecsSinceEpoch(now));
}

void OverviewView::onRuns(const QList<WorkflowRun> &runs)
{
    const qint64 cutoff = QDateTime::currentMSecsSinceEpoch() - kRunsWindowMs;
    for (const WorkflowRun &run : runs) {
        const qint64 created = run.createdAt.toMSecsSinceEpoch();
        if (created < cutoff)
            continue;
        m_runs.insert(run.id, RunPoint { created, run.status });
        m_runsDirty = true;
    }
}

void OverviewView::loadRuns()
{
    const qint64 cutoff = QDateTime::currentMSecsSinceEpoch() - kRunsWindowMs;
    m_backend
        .read([cutoff](Store &store) -> Result<std::vector<WorkflowRun>> {
            std::vector<WorkflowRun> recent;
            PageRequest page;
            page.limit = 1000;
            for (int pages = 0; pages < kMaxRunPages; ++pages) {
                Result<Page<WorkflowRun>> runs = store.listRuns(RunFilter {}, page);
                if (!runs)
                    return runs.error();
                for (WorkflowRun &run : runs->items) {
                    if (run.createdAt.toMSecsSinceEpoch() < cutoff)
                        return recent;
                    recent.push_back(std::move(run));
                }
                if (runs->nextCursor.isEmpty())
                    break;
                page.cursor = runs->nextCursor;
            }
            return recent;
        })
        .then(this, [this](Result<std::vector<WorkflowRun>> runs) {
            if (!runs)
                return;
            for (const WorkflowRun &run : *runs)
                if (!m_runs.contains(run.id)) // a frame may already hold a newer head
                    m_runs.insert(run.id, RunPoint { run.createdAt.toMSecsSinceEpoch(), run.status });
            m_runsDirty = true;
        });
}

void OverviewView::rebuildRuns()
{
    m_runsDirty = false;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 minute = 60 * 1000;
    const qint64 lastMinute = now - now % minute;
    const qint64 firstMinute = lastMinute - 59 * minute;
    std::map<int, std::vector<int>> buckets;
    for (const RunStatus status : kRunStatuses)
        buckets[int(status)].assign(60, 0);
    for (auto it = m_runs.begin(); it != m_runs.end();) {
        if (it->createdMs < firstMinute) {
            it = m_runs.erase(it);
            continue;
        }
        const int bucket = int((it->createdMs - firstMinute) / minute);
        if (bucket >= 0 && bucket < 60)
            ++buckets[int(it->status)][size_t(bucket)];
        ++it;
    }
    int top = 1;
    for (const RunStatus status : kRunStatuses) {
        QList<QPointF> points;
        points.reserve(60);
        const std::vector<int> &counts = buckets[int(status)];
        for (int i = 0; i < 60; ++i) {
            points.append(QPointF(qreal(firstMinute + i * minute), counts[size_t(i)]));
            top = std::max(top, counts[size_t(i)]);
        }
        m_runSeries[int(status)]->replace(points);
    }
    m_runsY->setRange(0, std::max(4, top));
    m_runsY->applyNiceNumbers();
    m_runsX->setRange(QDateTime::fromMSecsSinceEpoch(firstMinute), QDateTime::fromMSecsSinceEpoch(lastMinute));
}

void OverviewView::reloadIncidents()
{
    if (!m_backend.isStarted())
        return;
    m_backend
        .read([](Store &store) {
            IncidentFilter filter;
            filter.status = IncidentStatus::Open;
            return store.listIncidents(filter, PageRequest { 100, QString() });
        })
        .then(this, [this](Result<Page<Incident>> page) {
            if (!page) {
                m_incidentCount->setText(tr("Cannot read incidents: %1").arg(page.error().message));
                return;
            }
            const int count = int(page->items.size());
            m_incidentCount->setText(page->nextCursor.isEmpty() ? tr("%n open incident(s)", nullptr, count)
                                                                : tr("More than %1 open incidents").arg(count));
            m_incidents->clear();
            const qint64 now = QDateTime::currentMSecsSinceEpoch();
            for (const Incident &incident : page->items) {
                auto *item = new QListWidgetItem(
                    tr("%1 — %2 (%3, opened %4)")
                        .arg(incident.title, incident.resourceId, incident.severity,
                             formatAge(now - incident.openedAt.toMSecsSinceEpoch())),
                    m_incidents);
                if (incident.resourceType == QLatin1String("agent"))
                    item->setData(Qt::UserRole, incident.resourceId);
                item->setData(Qt::UserRole + 1, incident.runId.value_or(QString()));
                item->setForeground(stateColor(AgentState::Down));
            }
            if (page->items.empty())
                new QListWidgetItem(tr("Nothing is open."), m_incidents);
        });
}

} // namespace vigil::ui
