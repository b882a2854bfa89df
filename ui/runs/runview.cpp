// SPDX-License-Identifier: GPL-3.0-or-later
#include "runs/runview.h"

#include "backend/backend.h"
#include "common/icons.h"
#include "common/navigator.h"
#include "common/presentation.h"
#include "runs/jsonview.h"
#include "runs/messagebar.h"
#include "runs/runcontrol.h"
#include "runs/timelinelayout.h"
#include "runs/timelineview.h"

#include <QAction>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTimer>
#include <QToolBar>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace vigil::ui {

struct RunView::Detail
{
    Status status;
    WorkflowRun run;
    std::vector<WorkflowStepRun> steps;
    std::vector<StepAttempt> attempts;
    std::vector<ExecutionLog> logs;
    std::vector<RunTimelineEntry> entries;
};

namespace {

QTreeWidget *makeList(const QStringList &headers, QWidget *parent)
{
    auto *list = new QTreeWidget(parent);
    list->setRootIsDecorated(false);
    list->setAlternatingRowColors(true);
    list->setUniformRowHeights(true);
    list->setHeaderLabels(headers);
    list->header()->setStretchLastSection(true);
    return list;
}

} // namespace

RunView::RunView(Backend &backend, Navigator &navigator, const QString &runId, QWidget *parent)
    : QWidget(parent)
    , m_backend(backend)
    , m_navigator(navigator)
    , m_runId(runId)
    , m_header(new QLabel(this))
    , m_messages(new MessageBar(this))
    , m_timeline(new TimelineView(this))
    , m_tabs(new QTabWidget(this))
    , m_entries(makeList({ tr("Time"), tr("Event"), tr("Step"), tr("Detail") }, this))
    , m_logs(makeList({ tr("Time"), tr("Level"), tr("Message"), tr("Data") }, this))
    , m_detail(new JsonView(this))
    , m_reloadTimer(new QTimer(this))
{
    setWindowTitle(tr("Run %1").arg(runId));
    m_header->setTextFormat(Qt::RichText);
    m_header->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_header->setContentsMargins(6, 4, 6, 4);

    m_retry = new QAction(icon(Icon::Retry), tr("&Retry"), this);
    m_retry->setShortcut(Qt::CTRL | Qt::Key_R);
    m_cancel = new QAction(icon(Icon::Cancel), tr("&Cancel"), this);
    m_cancel->setShortcut(Qt::CTRL | Qt::Key_Period);
    m_replay = new QAction(icon(Icon::Replay), tr("Re&play"), this);
    m_replay->setShortcut(Qt::CTRL | Qt::SHIFT | Qt::Key_R);
    m_dryRun = new QAction(icon(Icon::DryRun), tr("&Dry-run replay"), this);
    m_dryRun->setShortcut(Qt::CTRL | Qt::Key_D);
    auto *zoomIn = new QAction(icon(Icon::ZoomIn), tr("Zoom in"), this);
    zoomIn->setShortcut(QKeySequence::ZoomIn);
    auto *zoomOut = new QAction(icon(Icon::ZoomOut), tr("Zoom out"), this);
    zoomOut->setShortcut(QKeySequence::ZoomOut);
    auto *zoomFit = new QAction(icon(Icon::ZoomFit), tr("Fit"), this);
    zoomFit->setShortcut(Qt::CTRL | Qt::Key_0);
    auto *refresh = new QAction(icon(Icon::Refresh), tr("Refresh"), this);
    refresh->setShortcut(QKeySequence::Refresh);
    for (QAction *action : { m_retry, m_cancel, m_replay, m_dryRun, zoomIn, zoomOut, zoomFit, refresh }) {
        action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        addAction(action);
    }
    connect(m_retry, &QAction::triggered, this, &RunView::retry);
    connect(m_cancel, &QAction::triggered, this, &RunView::cancel);
    connect(m_replay, &QAction::triggered, this, [this] { replay(false); });
    connect(m_dryRun, &QAction::triggered, this, [this] { replay(true); });
    connect(zoomIn, &QAction::triggered, m_timeline, &TimelineView::zoomIn);
    connect(zoomOut, &QAction::triggered, m_timeline, &TimelineView::zoomOut);
    connect(zoomFit, &QAction::triggered, m_timeline, &TimelineView::zoomToFit);
    connect(refresh, &QAction::triggered, this, &RunView::reload);

    auto *toolbar = new QToolBar(this);
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->addActions({ m_retry, m_cancel, m_replay, m_dryRun });
    toolbar->addSeparator();
    toolbar->addActions({ zoomIn, zoomOut, zoomFit, refresh });

    m_tabs->addTab(m_entries, tr("Timeline"));
    m_tabs->addTab(m_logs, tr("Logs"));
    m_tabs->addTab(m_detail, tr("Step result"));
    m_splitter = new QSplitter(Qt::Vertical, this);
    m_splitter->addWidget(m_timeline);
    m_splitter->addWidget(m_tabs);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 2);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(toolbar);
    layout->addWidget(m_header);
    layout->addWidget(m_messages);
    layout->addWidget(m_splitter, 1);

    connect(m_timeline, &TimelineView::stepClicked, this, &RunView::showStep);

    // Live: frames name the runs and steps that changed; re-read at most every 500 ms.
    m_reloadTimer->setSingleShot(true);
    m_reloadTimer->setInterval(kReloadDelayMs);
    connect(m_reloadTimer, &QTimer::timeout, this, &RunView::reload);
    connect(&m_backend, &Backend::runsChanged, this, [this](const QList<WorkflowRun> &runs) {
        for (const WorkflowRun &run : runs) {
            if (run.id == m_runId)
                return scheduleReload();
        }
    });
    connect(&m_backend, &Backend::stepsChanged, this, [this](const QList<WorkflowStepRun> &steps) {
        for (const WorkflowStepRun &step : steps) {
            if (step.runId == m_runId)
                return scheduleReload();
        }
    });
    updateActions();
    reload();
}

RunView::~RunView() = default;

void RunView::fitSplitter()
{
    // Once, for the first steps and on screen: a lane per step, as many as fit in 60 % of the
    // height; after that the operator's own split stands.
    if (m_sized || m_timeline->timeline().lanes.empty() || !m_splitter->isVisible())
        return;
    m_sized = true;
    const int total = m_splitter->height();
    const int lowest = m_timeline->minimumHeight();
    const int timeline = std::clamp(m_timeline->lanesHeight() + 8, lowest, std::max(lowest, total * 6 / 10));
    m_splitter->setSizes({ timeline, std::max(0, total - timeline) });
}

void RunView::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    fitSplitter();
}

void RunView::scheduleReload()
{
    if (!m_reloadTimer->isActive())
        m_reloadTimer->start();
}

void RunView::reload()
{
    if (m_reading) {
        scheduleReload(); // one read at a time; the next one picks up what changed meanwhile
        return;
    }
    m_reading = true;
    const quint64 request = ++m_request;
    const QString id = m_runId;
    m_backend
        .read([id](Store &store) {
            Detail detail;
            Result<WorkflowRun> run = store.getRun(id);
            if (!run) {
                detail.status = run.error();
                return detail;
            }
            detail.run = std::move(run).value();
            Result<std::vector<WorkflowStepRun>> steps = store.getRunSteps(id);
            Result<std::vector<StepAttempt>> attempts = store.getRunAttempts(id);
            Result<std::vector<ExecutionLog>> logs = store.getRunLogs(id);
            for (const Status &status : { Status(steps ? Status() : Status(steps.error())),
                                          Status(attempts ? Status() : Status(attempts.error())),
                                          Status(logs ? Status() : Status(logs.error())) }) {
                if (!status)
                    detail.status = status;
            }
            if (steps)
                detail.steps = std::move(steps).value();
            if (attempts)
                detail.attempts = std::move(attempts).value();
            if (logs)
                detail.logs = std::move(logs).value();
            return detail;
        })
        .then(this, [this, request, id](QFuture<Detail> future) {
            if (future.resultCount() == 0 || request != m_request) {
                m_reading = false;
                return;
            }
            Detail detail = future.result();
            // The timeline entries are the engine's derivation of the same rows.
            m_backend.engine([id](Engine &engine) { return engine.getRunTimeline(id); })
                .then(this, [this, request, detail](QFuture<Result<std::vector<RunTimelineEntry>>> entries) mutable {
                    m_reading = false;
                    if (request != m_request)
                        return;
                    if (entries.resultCount() > 0) {
                        if (entries.result())
                            detail.entries = entries.result().value();
                        else if (detail.status)
                            detail.status = entries.result().error();
                    }
                    apply(detail);
                });
        });
}

void RunView::apply(const Detail &detail)
{
    if (!detail.status)
        m_messages->showError(tr("Could not read run %1: %2").arg(m_runId, detail.status.error().message));
    if (detail.run.id.isEmpty())
        return;
    m_run = detail.run;
    m_steps = detail.steps;
    m_loaded = true;

    const QDateTime end = m_run.completedAt.isValid() ? m_run.completedAt
                          : m_run.failedAt.isValid()  ? m_run.failedAt
                                                      : m_run.canceledAt;
    QStringList marks;
    if (m_run.isReplay)
        marks << tr("replay");
    if (m_run.isDryRun)
        marks << tr("dry run");
    const QString started = m_run.startedAt.isValid() ? formatTime(m_run.startedAt) : tr("not started");
    const QString duration = m_run.startedAt.isValid()
        ? formatDuration(m_run.startedAt.msecsTo(end.isValid() ? end : QDateTime::currentDateTimeUtc()))
        : QString();
    m_header->setText(tr("<b>%1</b> &nbsp; <span style=\"color:%2\">●</span> %3 &nbsp; %4 &nbsp; %5 %6<br/>"
                         "<small>%7 · tenant %8 · signal %9</small>")
                          .arg(m_run.definitionSnapshot.name.toHtmlEscaped(), runStatusColor(m_run.status).name(),
                               runStatusName(m_run.status), started, duration,
                               marks.isEmpty() ? QString() : QStringLiteral("(") + marks.join(QStringLiteral(", ")) + QLatin1Char(')'),
                               m_run.id, m_run.tenantId.toHtmlEscaped(),
                               m_run.triggerId.isEmpty() ? tr("none") : m_run.triggerId));
    if (m_run.cancelReason)
        m_header->setToolTip(tr("Canceled: %1").arg(*m_run.cancelReason));

    m_timeline->setTimeline(layoutTimeline(m_run, detail.steps, detail.attempts, QDateTime::currentDateTimeUtc()));
    fitSplitter();

    m_entries->clear();
    QList<QTreeWidgetItem *> entryItems;
    entryItems.reserve(qsizetype(detail.entries.size()));
    for (const RunTimelineEntry &entry : detail.entries) {
        auto *item = new QTreeWidgetItem({ formatTime(entry.timestamp, true), toString(entry.type),
                                           entry.stepName.value_or(QString()),
                                           entry.detail.is_null() ? QString() : QString::fromStdString(entry.detail.dump()) });
        entryItems.append(item);
    }
    m_entries->addTopLevelItems(entryItems);
    m_logs->clear();
    QList<QTreeWidgetItem *> logItems;
    for (const ExecutionLog &log : detail.logs) {
        auto *item = new QTreeWidgetItem({ formatTime(log.createdAt, true), toString(log.level), log.message,
                                           log.data.is_null() ? QString() : QString::fromStdString(log.data.dump()) });
        if (log.level == LogLevel::Error)
            item->setForeground(1, runStatusColor(RunStatus::Failed));
        logItems.append(item);
    }
    m_logs->addTopLevelItems(logItems);
    for (QTreeWidget *list : { m_entries, m_logs }) {
        for (int column = 0; column < list->columnCount() - 1; ++column)
            list->resizeColumnToContents(column);
    }
    if (!m_timeline->selectedStep().isEmpty())
        showStep(m_timeline->selectedStep());
    updateActions();
    Q_EMIT loaded();
}

void RunView::showStep(const QString &stepRunId)
{
    m_timeline->selectStep(stepRunId);
    const auto step = std::find_if(m_steps.begin(), m_steps.end(),
                                   [&](const WorkflowStepRun &s) { return s.id == stepRunId; });
    if (step == m_steps.end()) {
        m_detail->clear();
        return;
    }
    m_tabs->setTabText(2, tr("Step: %1").arg(step->stepName));
    if (step->errorMessage && !step->errorMessage->isEmpty()) {
        Json error = Json::object();
        error["error"] = step->errorMessage->toStdString();
        if (!step->result.is_null())
            error["result"] = step->result;
        m_detail->setJson(error);
    } else if (!step->result.is_null()) {
        m_detail->setJson(step->result);
    } else {
        m_detail->setText(tr("%1 has no result (%2).").arg(step->stepName, stepStatusName(step->status)));
    }
}

void RunView::updateActions()
{
    m_retry->setEnabled(m_loaded && m_run.status == RunStatus::Failed
                        && isAllowedTransition(m_run.status, RunStatus::Running));
    m_cancel->setEnabled(m_loaded && !isTerminal(m_run.status));
    m_replay->setEnabled(m_loaded && !m_run.triggerId.isEmpty());
    m_dryRun->setEnabled(m_replay->isEnabled());
}

void RunView::retry()
{
    showControlOutcome(retryRuns(m_backend, { m_runId }));
}

void RunView::cancel()
{
    showControlOutcome(cancelRuns(m_backend, { m_runId }));
}

void RunView::showControlOutcome(QFuture<ControlOutcome> control)
{
    control.then(this, [this](QFuture<ControlOutcome> future) {
        if (future.resultCount() == 0)
            return;
        const ControlOutcome outcome = future.result();
        if (!outcome.errors.isEmpty())
            m_messages->showError(outcome.errors.join(QLatin1Char('\n')));
        reload();
        Q_EMIT controlFinished(outcome.runIds);
    });
}

void RunView::replay(bool dryRun)
{
    if (m_run.triggerId.isEmpty())
        return;
    replaySignals(m_backend, { m_run.triggerId }, dryRun).then(this, [this, dryRun](QFuture<ControlOutcome> future) {
        if (future.resultCount() == 0)
            return;
        const ControlOutcome outcome = future.result();
        if (!outcome.errors.isEmpty())
            m_messages->showError(outcome.errors.join(QLatin1Char('\n')));
        if (!outcome.runIds.isEmpty())
            offerToOpen(outcome.runIds, dryRun ? tr("The dry-run replay started %n run(s). Open it?", nullptr, int(outcome.runIds.size()))
                                               : tr("The replay started %n run(s). Open it?", nullptr, int(outcome.runIds.size())));
        Q_EMIT controlFinished(outcome.runIds);
    });
}

void RunView::offerToOpen(const QStringList &runIds, const QString &question)
{
    // Window-modal and asynchronous: the view keeps updating behind the question.
    auto *box = new QMessageBox(QMessageBox::Question, tr("Open the new run?"), question,
                                QMessageBox::Open | QMessageBox::Close, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setObjectName(QStringLiteral("openNewRun"));
    const QString first = runIds.first();
    connect(box, &QMessageBox::finished, this, [this, box, first](int) {
        if (box->clickedButton() == box->button(QMessageBox::Open))
            Q_EMIT m_navigator.openRun(first);
    });
    box->open();
}

} // namespace vigil::ui
