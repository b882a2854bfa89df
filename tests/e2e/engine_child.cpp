// SPDX-License-Identifier: GPL-3.0-or-later
// A process that runs the workflow engine on a database, for the crash test:
//   engine_child --db URL seed N    creates the crash workflow and emits N signals (no engine)
//   engine_child --db URL run       runs the engine until no run is left unfinished, exit 0
// Its handlers leave traces in files next to the database, so the test can kill it at the
// right moment (during the delay, while the slow action runs) and count executions.

#include "store/store.h"
#include "workflow/engine.h"

#include <QCoreApplication>
#include <QCoroTimer>
#include <QFile>
#include <QFileInfo>
#include <QTimer>

#include <cstdio>

using namespace vigil;

namespace {

QString g_traceDir;

void trace(const QString &file, const QString &line)
{
    QFile out(g_traceDir + QLatin1Char('/') + file);
    if (out.open(QIODevice::Append)) {
        out.write((line + QLatin1Char('\n')).toUtf8());
        out.flush();
    }
}

QCoro::Task<ActionResult> recordStep(StepContext ctx)
{
    trace(QStringLiteral("executions.txt"), ctx.step.stepName + QLatin1Char(' ') + ctx.step.id);
    co_return ActionResult::ok(Json { { "at", ctx.step.stepName.toStdString() } });
}

QCoro::Task<ActionResult> slowStep(StepContext ctx)
{
    trace(QStringLiteral("slow-started.txt"), ctx.step.id + QLatin1Char(' ') + QString::number(ctx.step.attempt));
    co_await QCoro::sleepFor(std::chrono::milliseconds(1500));
    trace(QStringLiteral("executions.txt"), ctx.step.stepName + QLatin1Char(' ') + ctx.step.id);
    co_return ActionResult::ok();
}

bool unfinishedRuns(Store &store)
{
    for (RunStatus status : { RunStatus::Pending, RunStatus::Running, RunStatus::Waiting }) {
        RunFilter filter;
        filter.status = status;
        Result<Page<WorkflowRun>> page = store.listRuns(filter, PageRequest { 1, QString() });
        if (!page || !page->items.empty())
            return true;
    }
    return false;
}

} // namespace

int main(int argc, char *argv[])
{
    qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 4 || args.at(1) != u"--db") {
        std::fprintf(stderr, "usage: engine_child --db URL seed N | run\n");
        return 2;
    }
    const QString url = args.at(2);
    const QString mode = args.at(3);
    g_traceDir = QFileInfo(url.mid(int(qstrlen("sqlite://")))).absolutePath();
    if (!url.startsWith(QStringLiteral("sqlite://")) && args.size() > 5)
        g_traceDir = args.at(5);

    Result<std::unique_ptr<Store>> store = openStore({ url });
    if (!store || !store.value()->migrate()) {
        std::fprintf(stderr, "engine_child: cannot open %s\n", qPrintable(url));
        return 1;
    }
    EngineOptions options;
    options.seedDefaults = false;
    options.builtins = false;
    options.lease = std::chrono::milliseconds(800);
    options.pollInterval = std::chrono::milliseconds(100);
    options.shutdownGrace = std::chrono::milliseconds(100);
    Engine engine(*store.value(), options);
    (void)engine.registry().registerAction(QStringLiteral("record"), recordStep);
    (void)engine.registry().registerAction(QStringLiteral("slow"), slowStep);

    if (mode == u"seed") {
        Result<WorkflowDefinition> definition = fromJson<WorkflowDefinition>(Json::parse(R"({
            "tenantId": "crash", "name": "crash test", "triggerType": "crash.test",
            "steps": [{"type": "action", "name": "first", "handler": "record"},
                      {"type": "delay", "name": "wait", "delayMs": 1500},
                      {"type": "action", "name": "work", "handler": "slow"},
                      {"type": "action", "name": "last", "handler": "record"}]})"));
        Result<WorkflowDefinition> created = engine.createWorkflow(definition.value());
        if (!created) {
            std::fprintf(stderr, "engine_child: %s\n", qPrintable(created.error().message));
            return 1;
        }
        const int count = args.size() > 4 ? args.at(4).toInt() : 1;
        for (int i = 0; i < count; ++i) {
            if (Result<EmitResult> emitted = engine.emitSignal({ QStringLiteral("crash"), QStringLiteral("test"), QStringLiteral("crash.test") });
                !emitted) {
                std::fprintf(stderr, "engine_child: %s\n", qPrintable(emitted.error().message));
                return 1;
            }
        }
        return 0;
    }

    if (Status started = engine.start(); !started) {
        std::fprintf(stderr, "engine_child: %s\n", qPrintable(started.error().message));
        return 1;
    }
    std::fprintf(stderr, "engine_child: running as %s\n", qPrintable(engine.ownerId()));
    QTimer check;
    QObject::connect(&check, &QTimer::timeout, &app, [&] {
        if (!unfinishedRuns(*store.value()))
            app.quit();
    });
    check.start(100);
    return app.exec();
}
