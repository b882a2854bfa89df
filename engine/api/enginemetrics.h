// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The engine's part of GET /metrics: signals by type, runs by status and step durations,
// counted from what the engine announces (signalEmitted, runChanged, stepChanged).
//
// The counting runs on the engine thread, in slots connected with the engine itself as
// context (direct calls, no copy of a run per change queued to another thread), under a
// mutex the scrape takes on the collector thread. Nothing touches the database at scrape
// time. The figures are this process's since it started, as Prometheus counters are: with
// several nodes on one database, sum them across instances.
//   - vigil_signals_total{type}: signals stored (a deduplicated emit stores none);
//   - vigil_runs_total{status}: runs entering each status (each runChanged is one committed
//     transition; a new run enters pending, or waiting when it opens with a delay);
//   - vigil_step_duration_seconds{status}: startedAt to completedAt of steps that
//     completed or failed.

#include "model/run.h"

#include <QByteArray>
#include <QHash>
#include <QMutex>

#include <array>
#include <memory>

namespace vigil {

class Engine;

namespace prometheus {
class Histogram;
}

class EngineMetrics
{
public:
    EngineMetrics();
    ~EngineMetrics();
    // Counts what `engine` announces from now on. Any thread may call it.
    static std::shared_ptr<EngineMetrics> attach(Engine &engine);

    void countSignal(const QString &type);
    void countRun(RunStatus status);
    void countStep(const WorkflowStepRun &step);
    // The families, in the Prometheus text format. Any thread.
    QByteArray text() const;

    // Distinct signal types kept apart; further ones are counted as type="_other" so a
    // misbehaving emitter cannot grow the scrape without bound.
    static constexpr int kMaxTypes = 500;

private:
    mutable QMutex m_mutex;
    QHash<QString, quint64> m_signals;
    std::array<quint64, 6> m_runs {}; // by RunStatus
    std::unique_ptr<prometheus::Histogram> m_completedSteps;
    std::unique_ptr<prometheus::Histogram> m_failedSteps;
};

} // namespace vigil
