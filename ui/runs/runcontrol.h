// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Retry, cancel and replay of several runs or signals in one trip to the engine thread,
// shared by the runs list, the run view and the signals log. Errors come back as
// translated lines for the view's message bar, never swallowed.

#include <QFuture>
#include <QStringList>

namespace vigil::ui {

class Backend;

struct ControlOutcome
{
    QStringList runIds; // changed runs (retry, cancel) or new ones (replay)
    QStringList errors; // one translated line per refused run or signal
};

QFuture<ControlOutcome> retryRuns(Backend &backend, const QStringList &runIds);
QFuture<ControlOutcome> cancelRuns(Backend &backend, const QStringList &runIds);
// New runs of each stored signal, marked replay (and dry run).
QFuture<ControlOutcome> replaySignals(Backend &backend, const QStringList &triggerIds, bool dryRun);

} // namespace vigil::ui
