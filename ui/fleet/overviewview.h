// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The Overview screen: heartbeats per second (from the collector's totals), agents by state
// over time (stacked, sampled from the FleetModel's counts), runs per minute by status over
// the last hour (a read at start, then runsChanged frames) and the open incidents. Charts
// append points and drop old ones, at most once a second.

#include "model/run.h"

#include <QHash>
#include <QWidget>

#include <map>

class QAreaSeries;
class QChartView;
class QDateTimeAxis;
class QLabel;
class QLineSeries;
class QListWidget;
class QTimer;
class QValueAxis;

namespace vigil::ui {

class Backend;
class FleetModel;
class Navigator;
struct CollectorTotals;

class OverviewView final : public QWidget
{
    Q_OBJECT
public:
    OverviewView(Backend &backend, FleetModel &fleet, Navigator &navigator, QWidget *parent = nullptr);
    ~OverviewView() override;

    // Test and bench hooks: what the charts hold.
    QLineSeries *heartbeatRate() const { return m_rate; }
    int runsInLastHour() const { return int(m_runs.size()); }
    // Takes a sample of the fleet's counts now (the timer does it every few seconds).
    void sampleStates();

protected:
    void changeEvent(QEvent *event) override; // charts follow a palette change (dark mode)

private:
    struct RunPoint
    {
        qint64 createdMs = 0;
        RunStatus status = RunStatus::Pending;
    };

    void onTotals(const vigil::ui::CollectorTotals &totals);
    void onRuns(const QList<vigil::WorkflowRun> &runs);
    void loadRuns();
    void rebuildRuns();
    void reloadIncidents();

    Backend &m_backend;
    FleetModel &m_fleet;
    Navigator &m_navigator;

    QChartView *m_rateView = nullptr;
    QLineSeries *m_rate = nullptr;
    QDateTimeAxis *m_rateX = nullptr;
    QValueAxis *m_rateY = nullptr;
    // The last few totals: the rate is taken over them, since the collector counts in
    // flush batches and a one-second difference jumps between 0 and twice the rate.
    QList<std::pair<qint64, quint64>> m_recentTotals;

    QChartView *m_statesView = nullptr;
    std::map<int, QLineSeries *> m_stateUpper; // by AgentState, cumulative
    QDateTimeAxis *m_statesX = nullptr;
    QValueAxis *m_statesY = nullptr;
    QTimer *m_stateTimer = nullptr;

    QChartView *m_runsView = nullptr;
    std::map<int, QLineSeries *> m_runSeries; // by RunStatus
    QDateTimeAxis *m_runsX = nullptr;
    QValueAxis *m_runsY = nullptr;
    QHash<QString, RunPoint> m_runs; // runs created in the last hour
    bool m_runsDirty = false;
    QTimer *m_runsTimer = nullptr;

    QLabel *m_incidentCount = nullptr;
    QListWidget *m_incidents = nullptr;
    QTimer *m_incidentTimer = nullptr;
};

} // namespace vigil::ui
