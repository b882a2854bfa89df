// SPDX-License-Identifier: GPL-3.0-or-later
#include "signals/incidentsview.h"

#include "backend/backend.h"
#include "common/icons.h"
#include "common/navigator.h"
#include "common/recordtable.h"
#include "runs/messagebar.h"
#include "signals/incidentsmodel.h"

#include <QAction>
#include <QComboBox>
#include <QHeaderView>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

namespace vigil::ui {

IncidentsView::IncidentsView(Backend &backend, Navigator &navigator, QWidget *parent)
    : QWidget(parent)
    , m_navigator(navigator)
    , m_model(new IncidentsModel(backend, this))
    , m_table(new QTableView(this))
    , m_status(new QComboBox(this))
    , m_messages(new MessageBar(this))
    , m_refresh(new QTimer(this))
{
    m_status->addItem(tr("Open"), int(IncidentStatus::Open));
    m_status->addItem(tr("Resolved"), int(IncidentStatus::Resolved));
    m_status->addItem(tr("All"), -1);
    connect(m_status, &QComboBox::currentIndexChanged, this, [this] {
        const int status = m_status->currentData().toInt();
        m_model->setStatus(status < 0 ? std::nullopt : std::optional(IncidentStatus(status)));
    });

    auto *open = new QAction(icon(Icon::Open), tr("Open &run"), this);
    open->setShortcut(Qt::Key_Return);
    open->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    auto *refresh = new QAction(icon(Icon::Refresh), tr("Re&fresh"), this);
    refresh->setShortcut(QKeySequence::Refresh);
    refresh->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    addActions({ open, refresh });
    const auto openRun = [this](const QModelIndex &index) {
        if (!index.isValid())
            return;
        if (const QString run = m_model->incident(index.row()).runId.value_or(QString()); !run.isEmpty())
            Q_EMIT m_navigator.openRun(run);
    };
    connect(open, &QAction::triggered, this, [this, openRun] { openRun(m_table->currentIndex()); });
    connect(refresh, &QAction::triggered, m_model, &IncidentsModel::reload);
    connect(m_table, &QTableView::doubleClicked, this, openRun);

    auto *toolbar = new QToolBar(this);
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->addWidget(m_status);
    toolbar->addSeparator();
    toolbar->addActions({ open, refresh });

    m_table->setModel(m_model);
    setUpRecordTable(m_table);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_table->addAction(open);
    const int em = m_table->fontMetrics().averageCharWidth();
    const int widths[IncidentsModel::ColumnCount] = { 40, 10, 28, 26, 26, 34 };
    for (int column = 0; column < IncidentsModel::ColumnCount; ++column)
        m_table->setColumnWidth(column, widths[column] * em);
    connect(m_model, &IncidentsModel::loadFailed, m_messages, &MessageBar::showError);

    // Rate-limited: a burst of run frames refreshes once.
    m_refresh->setSingleShot(true);
    m_refresh->setInterval(kRefreshDelayMs);
    connect(m_refresh, &QTimer::timeout, m_model, &IncidentsModel::reload);
    connect(&backend, &Backend::runsChanged, this, [this] {
        if (!m_refresh->isActive())
            m_refresh->start();
    });

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(toolbar);
    layout->addWidget(m_messages);
    layout->addWidget(m_table, 1);
}

} // namespace vigil::ui
