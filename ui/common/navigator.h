// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// How one view asks for another without knowing it: a view calls openRun(id) (after a
// replay, from an incident, from the editor's test run), the main window routes it.

#include <QObject>

namespace vigil::ui {

class Navigator final : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

Q_SIGNALS:
    void openRun(const QString &runId);
    void openAgent(const QString &agentId);
    void openWorkflow(const QString &definitionId);
    void openSignal(const QString &signalId);
    // Runs view filtered to one workflow, status or signal (empty = any).
    void showRuns(const QString &definitionId, const QString &status, const QString &signalId);
};

} // namespace vigil::ui
