// SPDX-License-Identifier: GPL-3.0-or-later
#include "runs/runcontrol.h"

#include "backend/backend.h"

#include <QCoreApplication>

namespace vigil::ui {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("vigil::ui::RunControl", text);
}

} // namespace

QFuture<ControlOutcome> retryRuns(Backend &backend, const QStringList &runIds)
{
    return backend.engine([runIds](Engine &engine) {
        ControlOutcome outcome;
        for (const QString &id : runIds) {
            const Result<WorkflowRun> run = engine.retryRun(id);
            if (run)
                outcome.runIds << id;
            else
                outcome.errors << tr("Could not retry %1: %2").arg(id, run.error().message);
        }
        return outcome;
    });
}

QFuture<ControlOutcome> cancelRuns(Backend &backend, const QStringList &runIds)
{
    const QString reason = tr("canceled from the dashboard");
    return backend.engine([runIds, reason](Engine &engine) {
        ControlOutcome outcome;
        for (const QString &id : runIds) {
            const Result<WorkflowRun> run = engine.cancelRun(id, reason);
            if (run)
                outcome.runIds << id;
            else
                outcome.errors << tr("Could not cancel %1: %2").arg(id, run.error().message);
        }
        return outcome;
    });
}

QFuture<ControlOutcome> replaySignals(Backend &backend, const QStringList &triggerIds, bool dryRun)
{
    return backend.engine([triggerIds, dryRun](Engine &engine) {
        ControlOutcome outcome;
        for (const QString &id : triggerIds) {
            const Result<std::vector<QString>> runs = engine.replay(id, ReplayOptions { dryRun });
            if (!runs) {
                outcome.errors << tr("Could not replay signal %1: %2").arg(id, runs.error().message);
                continue;
            }
            for (const QString &run : *runs)
                outcome.runIds << run;
            if (runs->empty())
                outcome.errors << tr("Replaying signal %1 started no run: no enabled workflow matches it.").arg(id);
        }
        return outcome;
    });
}

} // namespace vigil::ui
