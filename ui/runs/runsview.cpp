// SPDX-License-Identifier: GPL-3.0-or-later
#include "runs/runsview.h"

#include "backend/backend.h"
#include "common/icons.h"
#include "common/navigator.h"
#include "common/presentation.h"
#include "common/recordtable.h"
#include "runs/messagebar.h"
#include "runs/runcontrol.h"
#include "runs/runsmodel.h"
#include "settings/settings.h"

#include <QAction>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPixmap>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

namespace vigil::ui {

namespace {

const QString kViewStateName = QStringLiteral("runs/table");

enum class Range { All, Hour, Day, Week };

} // namespace

RunsView::RunsView(Backend &backend, Settings &settings, Navigator &navigator, QWidget *parent)
    : QWidget(parent)
    , m_backend(backend)
    , m_settings(settings)
    , m_navigator(navigator)
    , m_model(new RunsModel(backend, this))
    , m_table(new QTableView(this))
    , m_messages(new MessageBar(this))
    , m_status(new QComboBox(this))
    , m_workflow(new QComboBox(this))
    , m_tenant(new QLineEdit(this))
    , m_range(new QComboBox(this))
    , m_count(new QLabel(this))
{
    m_status->addItem(tr("Any status"));
    for (RunStatus status : { RunStatus::Pending, RunStatus::Running, RunStatus::Waiting, RunStatus::Completed,
             RunStatus::Failed, RunStatus::Canceled }) {
        QPixmap swatch(12, 12);
        swatch.fill(runStatusColor(status));
        m_status->addItem(QIcon(swatch), runStatusName(status), toString(status));
    }
    m_workflow->addItem(tr("Any workflow"));
    m_workflow->setMinimumContentsLength(18);
    m_tenant->setPlaceholderText(tr("Tenant"));
    m_tenant->setClearButtonEnabled(true);
    m_tenant->setMaximumWidth(m_tenant->fontMetrics().averageCharWidth() * 24);
    m_range->addItem(tr("All time"), int(Range::All));
    m_range->addItem(tr("Last hour"), int(Range::Hour));
    m_range->addItem(tr("Last 24 hours"), int(Range::Day));
    m_range->addItem(tr("Last 7 days"), int(Range::Week));

    m_open = new QAction(icon(Icon::Open), tr("&Open"), this);
    m_open->setShortcut(Qt::Key_Return);
    m_retry = new QAction(icon(Icon::Retry), tr("&Retry"), this);
    m_retry->setShortcut(Qt::CTRL | Qt::Key_R);
    m_retry->setToolTip(tr("Retry the selected failed runs (Ctrl+R)"));
    m_replay = new QAction(icon(Icon::Replay), tr("Re&play"), this);
    m_replay->setShortcut(Qt::CTRL | Qt::SHIFT | Qt::Key_R);
    m_replay->setToolTip(tr("Replay the signals of the selected runs (Ctrl+Shift+R)"));
    m_dryRun = new QAction(icon(Icon::DryRun), tr("&Dry-run replay"), this);
    m_dryRun->setShortcut(Qt::CTRL | Qt::Key_D);
    m_dryRun->setToolTip(tr("Replay the signals without running actions or delays (Ctrl+D)"));
    m_cancel = new QAction(icon(Icon::Cancel), tr("&Cancel"), this);
    m_cancel->setShortcut(Qt::CTRL | Qt::Key_Period);
    m_cancel->setToolTip(tr("Cancel the selected runs that have not ended (Ctrl+.)"));
    m_refresh = new QAction(icon(Icon::Refresh), tr("Re&fresh"), this);
    m_refresh->setShortcut(QKeySequence::Refresh);
    for (QAction *action : { m_open, m_retry, m_replay, m_dryRun, m_cancel, m_refresh }) {
        action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        addAction(action);
    }
    connect(m_open, &QAction::triggered, this, [this] {
        const QModelIndex current = m_table->currentIndex();
        if (current.isValid())
            openRun(m_model->run(current.row()).id);
    });
    connect(m_retry, &QAction::triggered, this, &RunsView::retrySelected);
    connect(m_replay, &QAction::triggered, this, [this] { replaySelected(false); });
    connect(m_dryRun, &QAction::triggered, this, [this] { replaySelected(true); });
    connect(m_cancel, &QAction::triggered, this, &RunsView::cancelSelected);
    connect(m_refresh, &QAction::triggered, m_model, &RunsModel::reload);

    auto *toolbar = new QToolBar(this);
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->addWidget(m_status);
    toolbar->addWidget(m_workflow);
    toolbar->addWidget(m_tenant);
    toolbar->addWidget(m_range);
    toolbar->addSeparator();
    toolbar->addActions({ m_retry, m_replay, m_dryRun, m_cancel });
    toolbar->addSeparator();
    toolbar->addAction(m_refresh);

    m_table->setModel(m_model);
    setUpRecordTable(m_table);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setSectionsMovable(true);
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_table->addActions({ m_open, m_retry, m_replay, m_dryRun, m_cancel });
    const QByteArray state = m_settings.viewState(kViewStateName);
    if (state.isEmpty() || !m_table->horizontalHeader()->restoreState(state)) {
        const int em = m_table->fontMetrics().averageCharWidth();
        const int widths[RunsModel::ColumnCount] = { 18, 28, 14, 36, 26, 14, 12, 36 };
        for (int column = 0; column < RunsModel::ColumnCount; ++column)
            m_table->setColumnWidth(column, widths[column] * em);
    }
    connect(m_table, &QTableView::doubleClicked, this,
            [this](const QModelIndex &index) { openRun(m_model->run(index.row()).id); });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &RunsView::updateActions);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &RunsView::updateActions);
    connect(m_model, &QAbstractItemModel::modelReset, this, &RunsView::updateActions);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, &RunsView::updateCount);
    connect(m_model, &QAbstractItemModel::modelReset, this, &RunsView::updateCount);
    connect(m_model, &RunsModel::pageLoaded, this, &RunsView::updateCount);
    connect(m_model, &RunsModel::loadFailed, m_messages, &MessageBar::showError);
    connect(m_model, &RunsModel::workflowsLoaded, this, &RunsView::fillWorkflows);

    connect(m_status, &QComboBox::currentIndexChanged, this, &RunsView::applyFilter);
    connect(m_workflow, &QComboBox::currentIndexChanged, this, &RunsView::applyFilter);
    connect(m_range, &QComboBox::currentIndexChanged, this, &RunsView::applyFilter);
    connect(m_tenant, &QLineEdit::editingFinished, this, &RunsView::applyFilter);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(toolbar);
    layout->addWidget(m_messages);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_count);
    m_count->setContentsMargins(6, 0, 6, 2);
    updateActions();
    updateCount();
}

RunsView::~RunsView()
{
    m_settings.setViewState(kViewStateName, m_table->horizontalHeader()->saveState());
}

void RunsView::openRun(const QString &id)
{
    if (!id.isEmpty())
        Q_EMIT m_navigator.openRun(id);
}

void RunsView::showRuns(const QString &definitionId, const QString &status, const QString &signalId)
{
    const QSignalBlocker blockStatus(m_status);
    const QSignalBlocker blockWorkflow(m_workflow);
    const QSignalBlocker blockRange(m_range);
    m_status->setCurrentIndex(std::max(0, m_status->findData(status)));
    int workflow = m_workflow->findData(definitionId);
    if (workflow < 0 && !definitionId.isEmpty()) {
        m_workflow->addItem(m_model->workflowName(definitionId), definitionId);
        workflow = m_workflow->count() - 1;
    }
    m_workflow->setCurrentIndex(std::max(0, workflow));
    m_range->setCurrentIndex(0);
    m_tenant->clear();
    m_signalId = signalId;
    applyFilter();
}

void RunsView::applyFilter()
{
    RunFilter filter;
    if (const QString status = m_status->currentData().toString(); !status.isEmpty())
        filter.status = runStatusFromString(status);
    if (const QString workflow = m_workflow->currentData().toString(); !workflow.isEmpty())
        filter.definitionId = workflow;
    if (const QString tenant = m_tenant->text().trimmed(); !tenant.isEmpty())
        filter.tenantId = tenant;
    if (!m_signalId.isEmpty())
        filter.triggerId = m_signalId;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    switch (Range(m_range->currentData().toInt())) {
    case Range::All: break;
    case Range::Hour: filter.createdAfter = now.addSecs(-3600); break;
    case Range::Day: filter.createdAfter = now.addDays(-1); break;
    case Range::Week: filter.createdAfter = now.addDays(-7); break;
    }
    m_model->setFilter(filter);
}

void RunsView::fillWorkflows()
{
    const QString current = m_workflow->currentData().toString();
    const QSignalBlocker block(m_workflow);
    m_workflow->clear();
    m_workflow->addItem(tr("Any workflow"));
    for (const auto &[id, name] : m_model->workflows())
        m_workflow->addItem(name, id);
    m_workflow->setCurrentIndex(std::max(0, m_workflow->findData(current)));
}

QStringList RunsView::selectedIds(const std::function<bool(int row)> &keep) const
{
    QStringList ids;
    for (const QModelIndex &index : m_table->selectionModel()->selectedRows()) {
        if (keep(index.row()))
            ids << m_model->run(index.row()).id;
    }
    return ids;
}

void RunsView::updateActions()
{
    bool retry = false, replay = false, cancel = false;
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    for (const QModelIndex &index : rows) {
        const WorkflowRun &run = m_model->run(index.row());
        // Failed -> running is retry; waiting -> running is the engine's own wake-up.
        retry = retry || (run.status == RunStatus::Failed && isAllowedTransition(run.status, RunStatus::Running));
        replay = replay || !run.triggerId.isEmpty();
        cancel = cancel || !isTerminal(run.status);
    }
    m_open->setEnabled(!rows.isEmpty());
    m_retry->setEnabled(retry);
    m_replay->setEnabled(replay);
    m_dryRun->setEnabled(replay);
    m_cancel->setEnabled(cancel);
}

void RunsView::updateCount()
{
    const int rows = m_model->rowCount();
    m_count->setText(m_model->hasMore() ? tr("%n runs loaded; scroll for more", nullptr, rows)
                                        : tr("%n runs", nullptr, rows));
}

void RunsView::finishControl(const ControlOutcome &outcome, const QString &done)
{
    if (!outcome.errors.isEmpty())
        m_messages->showError(outcome.errors.join(QLatin1Char('\n')));
    else
        m_messages->showInfo(done);
}

void RunsView::retrySelected()
{
    const QStringList ids = selectedIds([this](int row) { return m_model->run(row).status == RunStatus::Failed; });
    if (ids.isEmpty())
        return;
    retryRuns(m_backend, ids).then(this, [this](QFuture<ControlOutcome> future) {
        if (future.resultCount() > 0)
            finishControl(future.result(), tr("Runs retried: %n", nullptr, int(future.result().runIds.size())));
    });
}

void RunsView::replaySelected(bool dryRun)
{
    QStringList triggers;
    for (const QModelIndex &index : m_table->selectionModel()->selectedRows()) {
        const QString trigger = m_model->run(index.row()).triggerId;
        if (!trigger.isEmpty() && !triggers.contains(trigger))
            triggers << trigger;
    }
    if (triggers.isEmpty())
        return;
    replaySignals(m_backend, triggers, dryRun).then(this, [this, dryRun](QFuture<ControlOutcome> future) {
        if (future.resultCount() == 0)
            return;
        const int count = int(future.result().runIds.size());
        finishControl(future.result(), dryRun ? tr("Dry-run replays started: %n", nullptr, count)
                                              : tr("Replays started: %n", nullptr, count));
    });
}

void RunsView::cancelSelected()
{
    const QStringList ids = selectedIds([this](int row) { return !isTerminal(m_model->run(row).status); });
    if (ids.isEmpty())
        return;
    cancelRuns(m_backend, ids).then(this, [this](QFuture<ControlOutcome> future) {
        if (future.resultCount() > 0)
            finishControl(future.result(), tr("Runs canceled: %n", nullptr, int(future.result().runIds.size())));
    });
}

} // namespace vigil::ui
