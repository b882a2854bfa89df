// SPDX-License-Identifier: GPL-3.0-or-later
// Engine throughput and timer accuracy, on SQLite and PostgreSQL:
//  - runs per second end to end for a 3-step workflow (condition, action, action; no-op
//    handlers), from the first emit to the last run completed;
//  - lateness (p50, p99) of 1000 concurrent 1-second delays.
// Goals on the 2-core VM: >= 2000 runs/s SQLite, >= 1000 runs/s PostgreSQL, p99 <= 20 ms.
// PostgreSQL: VIGIL_TEST_PG_URL or --pg URL (installer/with-postgres.sh sets it).

#include "core/isotime.h"
#include "store/store.h"
#include "workflow/engine.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <ctime>

using namespace vigil;

namespace {

QString randomPrefix()
{
    QString prefix = QStringLiteral("b");
    for (int i = 0; i < 8; ++i)
        prefix += QChar(u'a' + QRandomGenerator::global()->bounded(26));
    return prefix + QLatin1Char('_');
}

std::unique_ptr<Store> open(const QString &url)
{
    Result<std::unique_ptr<Store>> store = openStore({ url, randomPrefix() });
    if (!store)
        qFatal("cannot open %s: %s", qPrintable(url), qPrintable(store.error().message));
    if (Status ok = store.value()->migrate(); !ok)
        qFatal("migrate: %s", qPrintable(ok.error().message));
    return std::move(store).value();
}

WorkflowDefinition definition(const char *json)
{
    return fromJson<WorkflowDefinition>(Json::parse(json)).value();
}

// Runs the event loop until `done` (checked whenever a run completes) or the timeout.
bool waitFor(QEventLoop &loop, const std::function<bool()> &done, int timeoutMs)
{
    QTimer timeout;
    timeout.setSingleShot(true);
    QObject::connect(&timeout, &QTimer::timeout, &loop, &QEventLoop::quit);
    timeout.start(timeoutMs);
    if (!done())
        loop.exec();
    return done();
}

void runsPerSecond(const char *backend, const QString &url, int runs)
{
    std::unique_ptr<Store> store = open(url);
    int completed = 0;
    QEventLoop loop;
    EngineOptions options;
    options.seedDefaults = false;
    options.builtins = false;
    options.onRunComplete = [&completed, &loop, runs](const RunCompleteEvent &) {
        if (++completed >= runs)
            loop.quit();
    };
    Engine engine(*store, options);
    (void)engine.registry().registerCondition(QStringLiteral("check"),
                                              [](StepContext) -> QCoro::Task<Result<bool>> { co_return true; });
    (void)engine.registry().registerAction(QStringLiteral("noop"),
                                           [](StepContext) -> QCoro::Task<ActionResult> { co_return ActionResult::ok(); });
    Result<WorkflowDefinition> created = engine.createWorkflow(definition(R"({"tenantId": "bench", "name": "three steps",
        "triggerType": "bench.tick", "steps": [{"type": "condition", "name": "check"},
        {"type": "action", "name": "first", "handler": "noop"}, {"type": "action", "name": "second", "handler": "noop"}]})"));
    if (!created)
        qFatal("create: %s", qPrintable(created.error().message));
    if (Status ok = engine.start(); !ok)
        qFatal("start: %s", qPrintable(ok.error().message));

    QElapsedTimer timer;
    timer.start();
    const std::clock_t cpuStart = std::clock();
    // Emit from the event loop in slices, as signals arrive in a live system, so that
    // emitting and executing interleave.
    int emitted = 0;
    QTimer emitter;
    QObject::connect(&emitter, &QTimer::timeout, &engine, [&] {
        std::vector<Engine::SignalRequest> batch;
        for (int i = 0; i < 50 && emitted < runs; ++i, ++emitted) {
            TriggerInput input { QStringLiteral("bench"), QStringLiteral("bench"), QStringLiteral("bench.tick") };
            input.resourceId = QString::number(emitted);
            batch.push_back({ input, std::nullopt });
        }
        if (Result<std::vector<EmitResult>> result = engine.emitSignals(batch); !result)
            qFatal("emit: %s", qPrintable(result.error().message));
        if (emitted >= runs)
            emitter.stop();
    });
    emitter.start(0);
    const bool finished = waitFor(loop, [&] { return completed >= runs; }, 300000);
    const double seconds = double(timer.nsecsElapsed()) / 1e9;
    const double cpu = double(std::clock() - cpuStart) / CLOCKS_PER_SEC;
    std::printf("%-9s runs end to end (condition, action, action)   %8.0f runs/s   (%d runs in %.2f s, %.0f %% of a core%s)\n",
                backend, completed / seconds, completed, seconds, 100.0 * cpu / seconds, finished ? "" : ", TIMED OUT");
    engine.stop();
}

void delayLateness(const char *backend, const QString &url, int runs)
{
    std::unique_ptr<Store> store = open(url);
    EngineOptions options;
    options.seedDefaults = false;
    options.builtins = false;
    options.concurrency = 64;
    int completed = 0;
    QEventLoop loop;
    options.onRunComplete = [&completed, &loop, runs](const RunCompleteEvent &) {
        if (++completed >= runs)
            loop.quit();
    };
    Engine engine(*store, options);
    Result<WorkflowDefinition> created = engine.createWorkflow(definition(R"({"tenantId": "bench", "name": "one delay",
        "triggerType": "bench.delay", "steps": [{"type": "delay", "name": "wait", "delayMs": 1000}]})"));
    if (!created)
        qFatal("create: %s", qPrintable(created.error().message));
    if (Status ok = engine.start(); !ok)
        qFatal("start: %s", qPrintable(ok.error().message));
    std::vector<QString> runIds;
    for (int i = 0; i < runs; ++i) {
        Result<EmitResult> result = engine.emitSignal({ QStringLiteral("bench"), QStringLiteral("bench"), QStringLiteral("bench.delay") });
        if (!result)
            qFatal("emit: %s", qPrintable(result.error().message));
        runIds.push_back(result->runIds.front());
    }
    const bool finished = waitFor(loop, [&] { return completed >= runs; }, 60000);
    std::vector<qint64> lateness;
    for (const QString &runId : runIds) {
        const std::vector<WorkflowStepRun> steps = engine.getRunSteps(runId).value();
        for (const WorkflowStepRun &step : steps) {
            if (step.result.is_object() && step.result.contains("lateMs"))
                lateness.push_back(step.result["lateMs"].get<qint64>());
        }
    }
    std::sort(lateness.begin(), lateness.end());
    auto percentile = [&](double p) {
        return lateness.empty() ? -1 : lateness[std::min(lateness.size() - 1, size_t(p * double(lateness.size())))];
    };
    std::printf("%-9s lateness of %d concurrent 1 s delays          p50 %4lld ms   p99 %4lld ms   max %4lld ms%s\n",
                backend, runs, qint64(percentile(0.50)), qint64(percentile(0.99)),
                lateness.empty() ? -1LL : qint64(lateness.back()), finished ? "" : "   (TIMED OUT)");
    engine.stop();
}

} // namespace

int main(int argc, char *argv[])
{
    qputenv("QT_NO_GLIB", "1"); // as vigild: Qt's own event dispatcher is leaner than glib's
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("vigil.*.info=false"));
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption pg(QStringLiteral("pg"), QStringLiteral("PostgreSQL URL"), QStringLiteral("url"));
    const QCommandLineOption runsOption(QStringLiteral("runs"), QStringLiteral("Runs to measure"), QStringLiteral("n"),
                                        QStringLiteral("4000"));
    parser.addOptions({ pg, runsOption });
    parser.process(app);
    const int runs = parser.value(runsOption).toInt();

    QTemporaryDir dir;
    const QString sqliteUrl = QStringLiteral("sqlite://") + dir.filePath(QStringLiteral("bench.db"));
    runsPerSecond("sqlite", sqliteUrl, runs);
    delayLateness("sqlite", sqliteUrl, 1000);

    const QString pgUrl = parser.isSet(pg) ? parser.value(pg) : qEnvironmentVariable("VIGIL_TEST_PG_URL");
    if (pgUrl.isEmpty()) {
        std::printf("postgres  not measured: no --pg URL and VIGIL_TEST_PG_URL is not set "
                    "(run through installer/with-postgres.sh)\n");
        return 0;
    }
    runsPerSecond("postgres", pgUrl, runs);
    delayLateness("postgres", pgUrl, 1000);
    return 0;
}
