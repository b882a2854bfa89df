// SPDX-License-Identifier: GPL-3.0-or-later
// bench_dashboard [--agents N] [--seconds S] [--runs R] [--steps K]: drives the real window
// offscreen (run it with QT_QPA_PLATFORM=offscreen) and prints the issue's figures:
//   - event-loop lag p50/p99/max on the GUI thread while N agents (default 10 000) heartbeat
//     once a second over HTTP, from a separate process (demo_load), with the fleet view shown;
//   - the process's resident memory (now and peak);
//   - the time to open the runs view on a database holding R runs (default 100 000): a fresh
//     RunsView, from construction to its first page on screen;
//   - the time to lay out a K-step run (default 500) in the timeline viewer.
// Goals (issue #5): lag p99 <= 50 ms, memory <= 400 MB, runs view < 1 s, timeline < 100 ms.

#include "app/mainwindow.h"
#include "backend/backend.h"
#include "common/navigator.h"
#include "fleet/fleetmodel.h"
#include "runs/runsmodel.h"
#include "runs/runsview.h"
#include "runs/timelinelayout.h"
#include "settings/settings.h"
#include "core/ids.h"
#include "store/store.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>

using namespace vigil;

namespace {

double percentile(std::vector<double> values, double q)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    return values[std::min(values.size() - 1, std::size_t(q * double(values.size() - 1) + 0.5))];
}

qint64 statusKiB(const char *field)
{
    QFile file(QStringLiteral("/proc/self/status"));
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : file.readAll().split('\n')) {
        if (line.startsWith(field))
            return line.mid(int(qstrlen(field)) + 1).trimmed().split(' ').first().toLongLong();
    }
    return -1;
}

void waitFor(const std::function<bool()> &done, int timeoutMs)
{
    QElapsedTimer clock;
    clock.start();
    while (!done() && clock.elapsed() < timeoutMs)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
}

// R runs of one workflow and the N agents of the load, written straight into the store
// before the dashboard starts: the measurement is of a steady fleet, not of its first
// registration.
bool seed(const QString &url, int count, int agents)
{
    Result<std::unique_ptr<Store>> opened = openStore({ url });
    if (!opened || !opened.value()->migrate())
        return false;
    Store &store = *opened.value();
    HeartbeatBatch fleet;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (int i = 0; i < agents; ++i) {
        Agent agent;
        agent.id = QStringLiteral("bench-%1").arg(i, 5, 10, QLatin1Char('0')); // demo_load's ids
        agent.intervalSecs = 1;
        agent.graceSecs = 2;
        agent.createdAt = agent.updatedAt = now;
        fleet.newAgents.push_back(agent);
    }
    if (!store.commitHeartbeats(fleet))
        return false;
    WorkflowDefinition definition;
    definition.id = newId(IdPrefix::Definition);
    definition.tenantId = QStringLiteral("default");
    definition.name = QStringLiteral("bench: nightly checks");
    definition.triggerType = QStringLiteral("bench.tick");
    WorkflowStep step;
    step.name = QStringLiteral("log");
    step.config = Json { { "message", "tick" } };
    definition.steps.push_back(step);
    definition.createdAt = definition.updatedAt = QDateTime::currentDateTimeUtc();
    if (!store.createDefinition(definition))
        return false;
    const RunStatus statuses[] = { RunStatus::Completed, RunStatus::Completed, RunStatus::Completed, RunStatus::Failed,
                                   RunStatus::Canceled };
    const QDateTime base = QDateTime::currentDateTimeUtc().addSecs(-count);
    constexpr int kBatch = 2000;
    for (int done = 0; done < count; done += kBatch) {
        std::vector<NewRun> batch;
        for (int i = done; i < std::min(count, done + kBatch); ++i) {
            NewRun run;
            const QDateTime at = base.addSecs(i);
            run.run.id = newId(IdPrefix::Run, at);
            run.run.definitionId = definition.id;
            run.run.tenantId = definition.tenantId;
            run.run.triggerId = newId(IdPrefix::Trigger, at);
            run.run.status = statuses[i % 5];
            run.run.definitionSnapshot = definition;
            run.run.createdAt = run.run.updatedAt = run.run.startedAt = at;
            run.run.completedAt = at.addMSecs(420);
            batch.push_back(std::move(run));
        }
        if (!store.createRuns(batch))
            return false;
    }
    return true;
}

// A run of K sequential steps, every third retried once, as the timeline viewer receives it.
void syntheticRun(int steps, WorkflowRun &run, std::vector<WorkflowStepRun> &rows, std::vector<StepAttempt> &attempts)
{
    const QDateTime start = QDateTime::currentDateTimeUtc().addSecs(-3600);
    run.id = QStringLiteral("run_bench");
    run.status = RunStatus::Completed;
    run.createdAt = run.startedAt = start;
    run.completedAt = start.addMSecs(qint64(steps) * 1000);
    for (int i = 0; i < steps; ++i) {
        WorkflowStepRun row;
        row.id = QStringLiteral("sr_%1").arg(i);
        row.runId = run.id;
        row.stepIndex = i;
        row.stepName = QStringLiteral("step-%1").arg(i);
        row.status = StepStatus::Completed;
        row.createdAt = start.addMSecs(qint64(i) * 1000);
        row.startedAt = row.createdAt;
        row.completedAt = row.createdAt.addMSecs(800);
        row.attempt = i % 3 == 0 ? 2 : 1;
        rows.push_back(row);
        for (int a = 1; a <= row.attempt; ++a) {
            StepAttempt attempt;
            attempt.stepRunId = row.id;
            attempt.runId = run.id;
            attempt.attempt = a;
            attempt.startedAt = row.createdAt.addMSecs((a - 1) * 400);
            attempt.endedAt = attempt.startedAt.addMSecs(300);
            attempt.status = a < row.attempt ? AttemptStatus::Failed : AttemptStatus::Completed;
            attempts.push_back(attempt);
        }
    }
}

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QStandardPaths::setTestModeEnabled(true);
    QCommandLineParser parser;
    const QCommandLineOption agentsOption(QStringLiteral("agents"), QStringLiteral("Agents heartbeating once a second."),
                                          QStringLiteral("N"), QStringLiteral("10000"));
    const QCommandLineOption secondsOption(QStringLiteral("seconds"), QStringLiteral("Seconds of lag measurement."),
                                           QStringLiteral("S"), QStringLiteral("20"));
    const QCommandLineOption runsOption(QStringLiteral("runs"), QStringLiteral("Runs in the database."),
                                        QStringLiteral("R"), QStringLiteral("100000"));
    const QCommandLineOption stepsOption(QStringLiteral("steps"), QStringLiteral("Steps of the laid-out run."),
                                         QStringLiteral("K"), QStringLiteral("500"));
    // The seeding runs in a child process: its allocations would otherwise stay in this
    // process's resident memory and be counted as the dashboard's.
    const QCommandLineOption seedOnlyOption(QStringLiteral("seed-only"), QStringLiteral("Seed URL and exit."),
                                            QStringLiteral("URL"));
    parser.addOptions({ agentsOption, secondsOption, runsOption, stepsOption, seedOnlyOption });
    parser.addHelpOption();
    parser.process(app);
    const int agents = parser.value(agentsOption).toInt();
    const int seconds = parser.value(secondsOption).toInt();
    const int runCount = parser.value(runsOption).toInt();
    const int stepCount = parser.value(stepsOption).toInt();

    if (parser.isSet(seedOnlyOption))
        return seed(parser.value(seedOnlyOption), runCount, agents) ? 0 : 1;

    QTemporaryDir dir;
    const QString url = QStringLiteral("sqlite://") + dir.filePath(QStringLiteral("bench.db"));
    std::printf("bench_dashboard: %d agents at 1/s for %d s, %d runs, a %d-step timeline (SQLite, offscreen)\n", agents,
                seconds, runCount, stepCount);
    QElapsedTimer clock;
    clock.start();
    if (QProcess::execute(QCoreApplication::applicationFilePath(),
                          { QStringLiteral("--seed-only"), url, QStringLiteral("--runs"), QString::number(runCount),
                            QStringLiteral("--agents"), QString::number(agents) })
        != 0) {
        std::fprintf(stderr, "cannot seed the runs\n");
        return 1;
    }
    std::printf("seeded %d runs and %d agents in %.1f s\n", runCount, agents, double(clock.elapsed()) / 1000.0);

    ui::Settings settings(dir.filePath(QStringLiteral("vigil.ini")));
    ui::BackendOptions options;
    options.store.url = url;
    options.collector.port = 0;
    options.collector.token = QStringLiteral("bench");
    options.engine.seedDefaults = false;
    ui::Backend backend(options);
    ui::MainWindow window(backend, settings);
    window.resize(1440, 900);
    window.show();
    bool started = false;
    QObject::connect(&backend, &ui::Backend::started, &app, [&] { started = true; });
    backend.start();
    waitFor([&] { return started; }, 30000);
    if (!started) {
        std::fprintf(stderr, "the backend did not start\n");
        return 1;
    }
    window.showView(ui::MainWindow::View::Fleet);

    // The load, from a process of its own.
    // The load, from a process of its own: wrk (as bench_collector uses it) cycling through
    // the N agents' ids as fast as 32 connections go, which is more than N a second on this
    // machine; demo_load (QNetworkAccessManager) when wrk is missing — it cannot reach
    // thousands a second here (see the README).
    QProcess load;
    load.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    load.setStandardOutputFile(QProcess::nullDevice());
    const QString wrk = QStandardPaths::findExecutable(QStringLiteral("wrk"));
    if (!wrk.isEmpty()) {
        QFile script(dir.filePath(QStringLiteral("load.lua")));
        if (!script.open(QIODevice::WriteOnly))
            return 1;
        // Built by concatenation: QString::arg would read Lua's "%05d" as a place marker.
        const QByteArray lua = "counter = 0\n"
                               "request = function()\n"
                               "  counter = counter + 1\n"
                               "  local id = string.format(\"bench-%05d\", math.fmod(counter, "
            + QByteArray::number(agents)
            + "))\n"
              "  return wrk.format(\"POST\", \"/heartbeat/\" .. id, "
              "{[\"Content-Type\"] = \"application/json\"}, '{\"intervalSecs\":1}')\n"
              "end\n";
        script.write(lua);
        script.close();
        load.start(wrk, { QStringLiteral("-t1"), QStringLiteral("-c32"), QStringLiteral("-d%1s").arg(seconds + 15),
                          QStringLiteral("-s"), script.fileName(), backend.baseUrl() });
    } else {
        load.start(QCoreApplication::applicationDirPath() + QStringLiteral("/demo_load"),
                   { backend.baseUrl(), QString::number(agents), QString::number(seconds + 15) });
    }
    if (!load.waitForStarted(5000)) {
        std::fprintf(stderr, "cannot start the load\n");
        return 1;
    }
    // The rate the collector stored, from its own totals (whichever load runs).
    std::vector<ui::CollectorTotals> totals;
    QObject::connect(&backend, &ui::Backend::totalsSampled, &app, [&](const ui::CollectorTotals &t) { totals.push_back(t); });

    // Lag probe: a 10 ms timer; how much later than due each tick fires.
    std::vector<double> lag;
    QElapsedTimer probeClock;
    qint64 due = 0;
    bool measuring = false;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(10);
    QObject::connect(&probe, &QTimer::timeout, &app, [&] {
        const qint64 now = probeClock.nsecsElapsed();
        if (measuring && due > 0)
            lag.push_back(double(std::max<qint64>(0, now - due)) / 1e6);
        due = now + 10'000'000;
    });
    probeClock.start();
    probe.start();
    // Warm-up: the fleet registers (10 000 first heartbeats) and the views fill.
    waitFor([] { return false; }, 10000);
    auto *fleetModel = window.findChild<ui::FleetModel *>();
    const int fleetBefore = fleetModel ? fleetModel->rowCount() : -1;
    measuring = true;
    const std::size_t totalsBefore = totals.size();
    waitFor([] { return false; }, seconds * 1000);
    measuring = false;
    probe.stop();
    const qint64 rss = statusKiB("VmRSS:");
    const qint64 peak = statusKiB("VmHWM:");
    double rate = 0;
    if (totalsBefore > 0 && totals.size() > totalsBefore) {
        const ui::CollectorTotals &first = totals[totalsBefore - 1];
        const ui::CollectorTotals &last = totals.back();
        rate = double(last.stored - first.stored) * 1000.0 / double(std::max<qint64>(1, last.sampledAtMs - first.sampledAtMs));
    }
    std::printf("load (%s): %.0f heartbeats/s stored during the measurement, over %d agents (goal: %d/s; fleet "
                "model: %d rows at its start, %d at its end)\n",
                wrk.isEmpty() ? "demo_load" : "wrk -c32", rate, agents, agents, fleetBefore,
                fleetModel ? fleetModel->rowCount() : -1);
    std::printf("event-loop lag over %zu ticks: p50 %.1f ms, p99 %.1f ms, max %.1f ms   (goal p99 <= 50 ms)\n",
                lag.size(), percentile(lag, 0.5), percentile(lag, 0.99), percentile(lag, 1.0));
    std::printf("memory: %.0f MB resident, %.0f MB peak   (goal <= 400 MB)\n", double(rss) / 1024.0,
                double(peak) / 1024.0);
    load.kill();
    load.waitForFinished(5000);

    // The runs view, opened afresh on R runs: construction to first page shown.
    {
        ui::Navigator navigator;
        clock.restart();
        ui::RunsView view(backend, settings, navigator);
        view.resize(1280, 800);
        view.show();
        bool loaded = false;
        QObject::connect(view.model(), &ui::RunsModel::pageLoaded, &app, [&] { loaded = true; });
        waitFor([&] { return loaded; }, 30000);
        QCoreApplication::processEvents();
        std::printf("runs view with %d runs: first page of %d rows shown in %lld ms   (goal < 1000 ms)\n", runCount,
                    view.model()->rowCount(), static_cast<long long>(clock.elapsed()));
    }

    // The timeline layout of a K-step run (best of 5).
    {
        WorkflowRun run;
        std::vector<WorkflowStepRun> rows;
        std::vector<StepAttempt> attempts;
        syntheticRun(stepCount, run, rows, attempts);
        qint64 best = std::numeric_limits<qint64>::max();
        std::size_t bars = 0;
        for (int i = 0; i < 5; ++i) {
            QElapsedTimer layoutClock;
            layoutClock.start();
            const ui::TimelineLayout layout = ui::layoutTimeline(run, rows, attempts, QDateTime::currentDateTimeUtc());
            best = std::min(best, layoutClock.nsecsElapsed());
            bars = layout.bars.size();
        }
        std::printf("timeline layout of a %d-step run: %zu bars in %.2f ms   (goal < 100 ms)\n", stepCount, bars,
                    double(best) / 1e6);
    }
    return 0;
}
