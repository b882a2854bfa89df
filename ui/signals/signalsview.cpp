// SPDX-License-Identifier: GPL-3.0-or-later
#include "signals/signalsview.h"

#include "backend/backend.h"
#include "common/icons.h"
#include "common/navigator.h"
#include "common/recordtable.h"
#include "runs/jsonview.h"
#include "runs/messagebar.h"
#include "runs/runcontrol.h"
#include "signals/signalsmodel.h"

#include <QAction>
#include <QHeaderView>
#include <QLineEdit>
#include <QSplitter>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

namespace vigil::ui {

SignalsView::SignalsView(Backend &backend, Navigator &navigator, QWidget *parent)
    : QWidget(parent)
    , m_backend(backend)
    , m_navigator(navigator)
    , m_model(new SignalsModel(backend, this))
    , m_table(new QTableView(this))
    , m_payload(new JsonView(this))
    , m_messages(new MessageBar(this))
    , m_type(new QLineEdit(this))
    , m_tenant(new QLineEdit(this))
{
    m_type->setPlaceholderText(tr("Type, e.g. agent.missed"));
    m_type->setClearButtonEnabled(true);
    m_tenant->setPlaceholderText(tr("Tenant"));
    m_tenant->setClearButtonEnabled(true);
    m_type->setMaximumWidth(m_type->fontMetrics().averageCharWidth() * 32);
    m_tenant->setMaximumWidth(m_tenant->fontMetrics().averageCharWidth() * 24);
    connect(m_type, &QLineEdit::editingFinished, this, &SignalsView::applyFilter);
    connect(m_tenant, &QLineEdit::editingFinished, this, &SignalsView::applyFilter);

    m_replay = new QAction(icon(Icon::Replay), tr("Re&play"), this);
    m_replay->setShortcut(Qt::CTRL | Qt::SHIFT | Qt::Key_R);
    m_dryRun = new QAction(icon(Icon::DryRun), tr("&Dry-run replay"), this);
    m_dryRun->setShortcut(Qt::CTRL | Qt::Key_D);
    m_showRuns = new QAction(icon(Icon::Runs), tr("Show &runs"), this);
    m_showRuns->setShortcut(Qt::Key_Return);
    for (QAction *action : { m_replay, m_dryRun, m_showRuns }) {
        action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        addAction(action);
    }
    connect(m_replay, &QAction::triggered, this, [this] { replaySelected(false); });
    connect(m_dryRun, &QAction::triggered, this, [this] { replaySelected(true); });
    connect(m_showRuns, &QAction::triggered, this, [this] {
        if (const QString id = currentId(); !id.isEmpty())
            Q_EMIT m_navigator.showRuns(QString(), QString(), id);
    });

    auto *toolbar = new QToolBar(this);
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->addWidget(m_type);
    toolbar->addWidget(m_tenant);
    toolbar->addSeparator();
    toolbar->addActions({ m_replay, m_dryRun, m_showRuns });

    m_table->setModel(m_model);
    setUpRecordTable(m_table);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_table->addActions({ m_replay, m_dryRun, m_showRuns });
    const int em = m_table->fontMetrics().averageCharWidth();
    const int widths[SignalsModel::ColumnCount] = { 30, 20, 12, 14, 28, 14, 34 };
    for (int column = 0; column < SignalsModel::ColumnCount; ++column)
        m_table->setColumnWidth(column, widths[column] * em);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &SignalsView::currentChanged);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &SignalsView::currentChanged);
    connect(m_model, &QAbstractItemModel::modelReset, this, &SignalsView::currentChanged);
    connect(m_model, &SignalsModel::loadFailed, m_messages, &MessageBar::showError);
    connect(m_table, &QTableView::doubleClicked, m_showRuns, &QAction::trigger);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_table);
    splitter->addWidget(m_payload);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(toolbar);
    layout->addWidget(m_messages);
    layout->addWidget(splitter, 1);
    currentChanged();
}

void SignalsView::applyFilter()
{
    SignalFilter filter;
    if (const QString type = m_type->text().trimmed(); !type.isEmpty())
        filter.type = type;
    if (const QString tenant = m_tenant->text().trimmed(); !tenant.isEmpty())
        filter.tenantId = tenant;
    m_model->setFilter(filter);
}

QString SignalsView::currentId() const
{
    const QModelIndex current = m_table->currentIndex();
    return current.isValid() ? m_model->signal(current.row()).id : QString();
}

void SignalsView::currentChanged()
{
    const QModelIndex current = m_table->currentIndex();
    const bool any = current.isValid();
    m_replay->setEnabled(any);
    m_dryRun->setEnabled(any);
    m_showRuns->setEnabled(any);
    if (any)
        m_payload->setJson(toJson(m_model->signal(current.row())));
    else
        m_payload->setText(tr("Select a signal to see its payload."));
}

void SignalsView::showSignal(const QString &signalId)
{
    for (int row = 0; row < m_model->rowCount(); ++row) {
        if (m_model->signal(row).id == signalId) {
            m_table->selectRow(row);
            m_table->scrollTo(m_model->index(row, 0));
            return;
        }
    }
    m_messages->showInfo(tr("Signal %1 is not among the loaded ones; scroll or filter to find it.").arg(signalId));
}

void SignalsView::replaySelected(bool dryRun)
{
    QStringList ids;
    for (const QModelIndex &index : m_table->selectionModel()->selectedRows())
        ids << m_model->signal(index.row()).id;
    if (ids.isEmpty() && !currentId().isEmpty())
        ids << currentId();
    if (ids.isEmpty())
        return;
    replaySignals(m_backend, ids, dryRun).then(this, [this, dryRun](QFuture<ControlOutcome> future) {
        if (future.resultCount() == 0)
            return;
        const ControlOutcome outcome = future.result();
        if (!outcome.errors.isEmpty())
            m_messages->showError(outcome.errors.join(QLatin1Char('\n')));
        else
            m_messages->showInfo(dryRun ? tr("Dry-run replays started: %n", nullptr, int(outcome.runIds.size()))
                                        : tr("Replays started: %n", nullptr, int(outcome.runIds.size())));
    });
}

} // namespace vigil::ui
