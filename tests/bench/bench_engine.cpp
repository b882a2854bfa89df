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
#include <QThread>
#include <QTimer>

#include <atomic>

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

void registerBenchHandlers(Engine &engine)
{
    (void)engine.registry().registerCondition(QStringLiteral("check"),
                                              [](StepContext) -> QCoro::Task<Result<bool>> { co_return true; });
    (void)engine.registry().registerAction(QStringLiteral("noop"),
                                           [](StepContext) -> QCoro::Task<ActionResult> { co_return ActionResult::ok(); });
}

// An extra engine on its own thread and connection, sharing the work through the database
// exactly as another node would.
class ExtraEngine
{
public:
    ExtraEngine(const QString &url, const QString &prefix, std::atomic<int> &completed)
    {
        m_context.moveToThread(&m_thread);
        m_thread.start();
        QMetaObject::invokeMethod(
            &m_context,
            [this, url, prefix, &completed] {
                Result<std::unique_ptr<Store>> store = openStore({ url, prefix });
                if (!store)
                    qFatal("extra engine: %s", qPrintable(store.error().message));
                m_store = std::move(store).value();
                EngineOptions options;
                options.seedDefaults = false;
                options.builtins = false;
                options.pollInterval = std::chrono::milliseconds(20);
                options.onRunComplete = [&completed](const RunCompleteEvent &) { ++completed; };
                m_engine = std::make_unique<Engine>(*m_store, options);
                registerBenchHandlers(*m_engine);
                (void)m_engine->start();
            },
            Qt::BlockingQueuedConnection);
    }
    ~ExtraEngine()
    {
        QMetaObject::invokeMethod(
            &m_context,
            [this] {
                m_engine.reset();
                m_store.reset();
            },
            Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
    }
private:
    QThread m_thread;
    QObject m_context; // lives in m_thread: the engine and its store are made there
    std::unique_ptr<Store> m_store;
    std::unique_ptr<Engine> m_engine;
};

int g_concurrency = EngineOptions().concurrency;

double runsPerSecond(const char *backend, const QString &url, int runs, int engines)
{
    std::unique_ptr<Store> store = open(url);
    std::atomic<int> completed = 0;
    QEventLoop loop;
    EngineOptions options;
    options.seedDefaults = false;
    options.builtins = false;
    options.onRunComplete = [&completed](const RunCompleteEvent &) { ++completed; };
    options.concurrency = g_concurrency;
    Engine engine(*store, options);
    registerBenchHandlers(engine);
    Result<WorkflowDefinition> created = engine.createWorkflow(definition(R"({"tenantId": "bench", "name": "three steps",
        "triggerType": "bench.tick", "steps": [{"type": "condition", "name": "check"},
        {"type": "action", "name": "first", "handler": "noop"}, {"type": "action", "name": "second", "handler": "noop"}]})"));
    if (!created)
        qFatal("create: %s", qPrintable(created.error().message));
    if (Status ok = engine.start(); !ok)
        qFatal("start: %s", qPrintable(ok.error().message));
    std::vector<std::unique_ptr<ExtraEngine>> extras;
    for (int i = 1; i < engines; ++i)
        extras.push_back(std::make_unique<ExtraEngine>(url, store->tablePrefix(), completed));
    QTimer done;
    QObject::connect(&done, &QTimer::timeout, &loop, [&] {
        if (completed >= runs)
            loop.quit();
    });
    done.start(2);

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
    const int count = completed;
    std::printf("%-9s runs end to end (condition, action, action), %d engine%s   %8.0f runs/s   (%d runs in %.2f s, "
                "%.0f %% of a core%s)\n",
                backend, engines, engines == 1 ? " " : "s", count / seconds, count, seconds, 100.0 * cpu / seconds,
                finished ? "" : ", TIMED OUT");
    extras.clear();
    engine.stop();
    return count / seconds;
}

// The machine's figures wander by a fifth from run to run: several trials, and their median.
void runsPerSecondTrials(const char *backend, const QString &url, int runs, int engines, int trials)
{
    std::vector<double> rates;
    for (int i = 0; i < trials; ++i)
        rates.push_back(runsPerSecond(backend, url, runs, engines));
    std::sort(rates.begin(), rates.end());
    std::printf("%-9s runs end to end, %d engine%s: median %.0f runs/s over %d trials (%.0f to %.0f)\n", backend, engines,
                engines == 1 ? "" : "s", rates[rates.size() / 2], trials, rates.front(), rates.back());
}

void delayLateness(const char *backend, const QString &url, int runs, int engines)
{
    std::unique_ptr<Store> store = open(url);
    EngineOptions options;
    options.seedDefaults = false;
    options.builtins = false;
    options.concurrency = 64;
    std::atomic<int> completed = 0;
    QEventLoop loop;
    options.onRunComplete = [&completed](const RunCompleteEvent &) { ++completed; };
    Engine engine(*store, options);
    std::vector<std::unique_ptr<ExtraEngine>> extras;
    for (int i = 1; i < engines; ++i)
        extras.push_back(std::make_unique<ExtraEngine>(url, store->tablePrefix(), completed));
    QTimer done;
    QObject::connect(&done, &QTimer::timeout, &loop, [&] {
        if (completed >= runs)
            loop.quit();
    });
    done.start(2);
    Result<WorkflowDefinition> created = engine.createWorkflow(definition(R"({"tenantId": "bench", "name": "one delay",
        "triggerType": "bench.delay", "steps": [{"type": "delay", "name": "wait", "delayMs": 1000}]})"));
    if (!created)
        qFatal("create: %s", qPrintable(created.error().message));
    if (Status ok = engine.start(); !ok)
        qFatal("start: %s", qPrintable(ok.error().message));
    // All 1000 start together (one batch), so their delays fall due together.
    std::vector<Engine::SignalRequest> batch(size_t(runs),
                                             { { QStringLiteral("bench"), QStringLiteral("bench"), QStringLiteral("bench.delay") },
                                               std::nullopt });
    Result<std::vector<EmitResult>> emitted = engine.emitSignals(batch);
    if (!emitted)
        qFatal("emit: %s", qPrintable(emitted.error().message));
    std::vector<QString> runIds;
    for (const EmitResult &result : emitted.value())
        runIds.push_back(result.runIds.front());
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
    std::printf("%-9s lateness of %d concurrent 1 s delays, %d engine%s   p50 %4lld ms   p99 %4lld ms   max %4lld ms%s\n",
                backend, runs, engines, engines == 1 ? " " : "s", qint64(percentile(0.50)), qint64(percentile(0.99)),
                lateness.empty() ? -1LL : qint64(lateness.back()), finished ? "" : "   (TIMED OUT)");
    extras.clear();
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
    const QCommandLineOption enginesOption(QStringLiteral("engines"),
                                           QStringLiteral("Also measure with this many engines sharing the database "
                                                          "(threads, one connection each, as several nodes would)"),
                                           QStringLiteral("n"), QStringLiteral("4"));
    const QCommandLineOption trialsOption(QStringLiteral("trials"), QStringLiteral("Trials of the runs figure"),
                                          QStringLiteral("n"), QStringLiteral("3"));
    const QCommandLineOption concurrencyOption(QStringLiteral("concurrency"),
                                               QStringLiteral("Handler slots of the measured engine (default: the engine's)"),
                                               QStringLiteral("n"), QString::number(g_concurrency));
    parser.addOptions({ pg, runsOption, enginesOption, trialsOption, concurrencyOption });
    parser.process(app);
    const int runs = parser.value(runsOption).toInt();
    const int engines = std::max(1, parser.value(enginesOption).toInt());
    const int trials = std::max(1, parser.value(trialsOption).toInt());
    g_concurrency = std::max(1, parser.value(concurrencyOption).toInt());

    QTemporaryDir dir;
    const QString sqliteUrl = QStringLiteral("sqlite://") + dir.filePath(QStringLiteral("bench.db"));
    runsPerSecondTrials("sqlite", sqliteUrl, runs, 1, trials);
    delayLateness("sqlite", sqliteUrl, 1000, 1);

    const QString pgUrl = parser.isSet(pg) ? parser.value(pg) : qEnvironmentVariable("VIGIL_TEST_PG_URL");
    if (pgUrl.isEmpty()) {
        std::printf("postgres  not measured: no --pg URL and VIGIL_TEST_PG_URL is not set "
                    "(run through installer/with-postgres.sh)\n");
        return 0;
    }
    runsPerSecondTrials("postgres", pgUrl, runs, 1, trials);
    if (engines > 1)
        runsPerSecondTrials("postgres", pgUrl, runs, engines, trials);
    delayLateness("postgres", pgUrl, 1000, 1);
    if (engines > 1)
        delayLateness("postgres", pgUrl, 1000, engines);
    return 0;
}
