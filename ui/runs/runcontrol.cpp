// SPDX-License-Identifier: GPL-3.0-or-later
#include "runs/runcontrol.h"

#include "backend/backend.h"

#include <QCoreApplication>

namespace vigil::ui {

namespace {

// A context of its own rather than a local tr() helper: lupdate files unqualified tr() calls
// under the enclosing class or namespace, so it would miss "vigil::ui::RunControl".
struct RunControlText
{
    Q_DECLARE_TR_FUNCTIONS(vigil::ui::RunControl)
};

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
                outcome.errors << RunControlText::tr("Could not retry %1: %2").arg(id, run.error().message);
        }
        return outcome;
    });
}

QFuture<ControlOutcome> cancelRuns(Backend &backend, const QStringList &runIds)
{
    const QString reason = RunControlText::tr("canceled from the dashboard");
    return backend.engine([runIds, reason](Engine &engine) {
        ControlOutcome outcome;
        for (const QString &id : runIds) {
            const Result<WorkflowRun> run = engine.cancelRun(id, reason);
            if (run)
                outcome.runIds << id;
            else
                outcome.errors << RunControlText::tr("Could not cancel %1: %2").arg(id, run.error().message);
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
                outcome.errors
                    << RunControlText::tr("Could not replay signal %1: %2").arg(id, runs.error().message);
                continue;
            }
            for (const QString &run : *runs)
                outcome.runIds << run;
            if (runs->empty())
                outcome.errors << RunControlText::tr(
                    "Replaying signal %1 started no run: no enabled workflow matches it.")
                                      .arg(id);
        }
        return outcome;
    });
}

} // namespace vigil::ui
