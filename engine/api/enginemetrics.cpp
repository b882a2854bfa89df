// SPDX-License-Identifier: GPL-3.0-or-later
#include "api/enginemetrics.h"

#include "api/prometheustext.h"
#include "workflow/engine.h"

#include <algorithm>

namespace vigil {

namespace {
const QString kOtherType = QStringLiteral("_other");
constexpr RunStatus kRunStatuses[] = { RunStatus::Pending,   RunStatus::Running, RunStatus::Waiting,
                                       RunStatus::Completed, RunStatus::Failed,  RunStatus::Canceled };
} // namespace

EngineMetrics::EngineMetrics()
    : m_completedSteps(std::make_unique<prometheus::Histogram>(prometheus::durationBuckets()))
    , m_failedSteps(std::make_unique<prometheus::Histogram>(prometheus::durationBuckets()))
{
}

EngineMetrics::~EngineMetrics() = default;

std::shared_ptr<EngineMetrics> EngineMetrics::attach(Engine &engine)
{
    auto metrics = std::make_shared<EngineMetrics>();
    // The engine as context: the slots run on the engine thread, where the signals are emitted.
    QObject::connect(&engine, &Engine::signalEmitted, &engine,
                     [metrics](const TriggerEnvelope &trigger) { metrics->countSignal(trigger.type); });
    QObject::connect(&engine, &Engine::runChanged, &engine,
                     [metrics](const WorkflowRun &run) { metrics->countRun(run.status); });
    QObject::connect(&engine, &Engine::stepChanged, &engine,
                     [metrics](const WorkflowStepRun &step) { metrics->countStep(step); });
    return metrics;
}

void EngineMetrics::countSignal(const QString &type)
{
    QMutexLocker lock(&m_mutex);
    ++m_signals[m_signals.contains(type) || m_signals.size() < kMaxTypes ? type : kOtherType];
}

void EngineMetrics::countRun(RunStatus status)
{
    const auto index = size_t(status);
    if (index >= m_runs.size())
        return;
    QMutexLocker lock(&m_mutex);
    ++m_runs[index];
}

void EngineMetrics::countStep(const WorkflowStepRun &step)
{
    if (step.status != StepStatus::Completed && step.status != StepStatus::Failed)
        return;
    if (!step.startedAt.isValid() || !step.completedAt.isValid())
        return; // e.g. a step that failed before it ever started
    const double seconds = std::max<qint64>(0, step.startedAt.msecsTo(step.completedAt)) / 1000.0;
    QMutexLocker lock(&m_mutex);
    (step.status == StepStatus::Completed ? m_completedSteps : m_failedSteps)->observe(seconds);
}

QByteArray EngineMetrics::text() const
{
    prometheus::Text out;
    QMutexLocker lock(&m_mutex);
    out.family("vigil_signals_total", "counter", "Signals stored by this process, by type.");
    QStringList types = m_signals.keys();
    types.sort();
    for (const QString &type : std::as_const(types))
        out.sample("vigil_signals_total", { { "type", type } }, double(m_signals.value(type)));

    out.family("vigil_runs_total", "counter",
               "Runs that entered each status in this process (a new run enters pending, or waiting).");
    for (const RunStatus status : kRunStatuses)
        out.sample("vigil_runs_total", { { "status", toString(status) } }, double(m_runs[size_t(status)]));

    out.family("vigil_step_duration_seconds", "histogram",
               "Time from a step's start to its end, for steps that completed or failed in this process.");
    m_completedSteps->write(out, "vigil_step_duration_seconds", { { "status", toString(StepStatus::Completed) } });
    m_failedSteps->write(out, "vigil_step_duration_seconds", { { "status", toString(StepStatus::Failed) } });
    return out.take();
}

} // namespace vigil
