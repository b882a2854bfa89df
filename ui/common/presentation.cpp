// SPDX-License-Identifier: GPL-3.0-or-later
#include "common/presentation.h"

#include <QCoreApplication>

namespace vigil::ui {

namespace {
// A context of its own rather than a local tr() helper: lupdate files unqualified tr() calls
// under the enclosing class or namespace, so it would miss "vigil::ui::Presentation".
struct PresentationText
{
    Q_DECLARE_TR_FUNCTIONS(vigil::ui::Presentation)
};
} // namespace

QColor stateColor(AgentState state)
{
    switch (state) {
    case AgentState::New: return QColor(0x6c, 0x8e, 0xbf);
    case AgentState::Up: return QColor(0x2e, 0xa0, 0x43);
    case AgentState::Late: return QColor(0xe0, 0x9b, 0x1b);
    case AgentState::Down: return QColor(0xd1, 0x34, 0x38);
    case AgentState::Paused: return QColor(0x8a, 0x8f, 0x98);
    }
    return Qt::gray;
}

QColor runStatusColor(RunStatus status)
{
    switch (status) {
    case RunStatus::Pending: return QColor(0x8a, 0x8f, 0x98);
    case RunStatus::Running: return QColor(0x2f, 0x7e, 0xd8);
    case RunStatus::Waiting: return QColor(0x9b, 0x6b, 0xd6);
    case RunStatus::Completed: return QColor(0x2e, 0xa0, 0x43);
    case RunStatus::Failed: return QColor(0xd1, 0x34, 0x38);
    case RunStatus::Canceled: return QColor(0x6b, 0x6f, 0x76);
    }
    return Qt::gray;
}

QColor stepStatusColor(StepStatus status)
{
    switch (status) {
    case StepStatus::Pending: return QColor(0x8a, 0x8f, 0x98);
    case StepStatus::Scheduled: return QColor(0x9b, 0x6b, 0xd6);
    case StepStatus::Running: return QColor(0x2f, 0x7e, 0xd8);
    case StepStatus::Completed: return QColor(0x2e, 0xa0, 0x43);
    case StepStatus::Failed: return QColor(0xd1, 0x34, 0x38);
    case StepStatus::Skipped: return QColor(0xb0, 0xb4, 0xba);
    }
    return Qt::gray;
}

QColor attemptStatusColor(AttemptStatus status)
{
    switch (status) {
    case AttemptStatus::Running: return stepStatusColor(StepStatus::Running);
    case AttemptStatus::Completed: return stepStatusColor(StepStatus::Completed);
    case AttemptStatus::Failed: return stepStatusColor(StepStatus::Failed);
    case AttemptStatus::TimedOut: return QColor(0xe0, 0x6c, 0x1b);
    case AttemptStatus::Canceled: return runStatusColor(RunStatus::Canceled);
    case AttemptStatus::Lost: return QColor(0xa0, 0x52, 0x2d);
    case AttemptStatus::Skipped: return stepStatusColor(StepStatus::Skipped);
    }
    return Qt::gray;
}

QString stateName(AgentState state)
{
    switch (state) {
    case AgentState::New:
        return PresentationText::tr("new");
    case AgentState::Up:
        return PresentationText::tr("up");
    case AgentState::Late:
        return PresentationText::tr("late");
    case AgentState::Down:
        return PresentationText::tr("down");
    case AgentState::Paused:
        return PresentationText::tr("paused");
    }
    return {};
}

QString runStatusName(RunStatus status)
{
    switch (status) {
    case RunStatus::Pending:
        return PresentationText::tr("pending");
    case RunStatus::Running:
        return PresentationText::tr("running");
    case RunStatus::Waiting:
        return PresentationText::tr("waiting");
    case RunStatus::Completed:
        return PresentationText::tr("completed");
    case RunStatus::Failed:
        return PresentationText::tr("failed");
    case RunStatus::Canceled:
        return PresentationText::tr("canceled");
    }
    return {};
}

QString stepStatusName(StepStatus status)
{
    switch (status) {
    case StepStatus::Pending:
        return PresentationText::tr("pending");
    case StepStatus::Scheduled:
        return PresentationText::tr("scheduled");
    case StepStatus::Running:
        return PresentationText::tr("running");
    case StepStatus::Completed:
        return PresentationText::tr("completed");
    case StepStatus::Failed:
        return PresentationText::tr("failed");
    case StepStatus::Skipped:
        return PresentationText::tr("skipped");
    }
    return {};
}

QString formatAge(qint64 ageMs)
{
    if (ageMs < 0)
        return PresentationText::tr("never");
    const qint64 s = ageMs / 1000;
    if (s < 2)
        return PresentationText::tr("just now");
    if (s < 120)
        return PresentationText::tr("%1 s ago").arg(s);
    if (s < 7200)
        return PresentationText::tr("%1 min ago").arg(s / 60);
    if (s < 172800)
        return PresentationText::tr("%1 h ago").arg(s / 3600);
    return PresentationText::tr("%1 d ago").arg(s / 86400);
}

QString formatDuration(qint64 ms)
{
    if (ms < 1000)
        return PresentationText::tr("%1 ms").arg(ms);
    if (ms < 60000)
        return PresentationText::tr("%1 s").arg(double(ms) / 1000.0, 0, 'f', 1);
    const qint64 s = ms / 1000;
    if (s < 3600)
        return PresentationText::tr("%1 min %2 s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    return PresentationText::tr("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60, 2, 10, QLatin1Char('0'));
}

QString formatTime(const QDateTime &time, bool precise)
{
    if (!time.isValid())
        return QStringLiteral("—");
    return time.toLocalTime().toString(precise ? QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")
                                               : QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

} // namespace vigil::ui
