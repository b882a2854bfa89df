// SPDX-License-Identifier: GPL-3.0-or-later
#include "fleet/fleetview.h"

#include "common/icons.h"
#include "common/navigator.h"
#include "common/presentation.h"
#include "common/recordtable.h"
#include "fleet/agentdetail.h"
#include "fleet/fleetfiltermodel.h"
#include "fleet/fleetmodel.h"
#include "fleet/tiledelegate.h"
#include "settings/settings.h"

#include <QActionGroup>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPainter>
#include <QStackedWidget>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace vigil::ui {

namespace {

constexpr AgentState kChipStates[] = { AgentState::Up, AgentState::Late, AgentState::Down, AgentState::New,
                                       AgentState::Paused };

QIcon stateDot(AgentState state)
{
    QPixmap pixmap(12, 12);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(Qt::NoPen);
    painter.setBrush(stateColor(state));
    painter.drawEllipse(QRectF(1, 1, 10, 10));
    return QIcon(pixmap);
}

const QString kHeaderState = QStringLiteral("fleet/header");

} // namespace

FleetView::FleetView(Backend &backend, Settings &settings, Navigator &navigator, QWidget *parent)
    : QWidget(parent), m_backend(backend), m_settings(settings), m_navigator(navigator)
{
    m_model = new FleetModel(&backend, this);
    m_filter = new FleetFilterModel(this);
    m_filter->setSourceModel(m_model);

    auto *layout = new QVBoxLayout(this);
    auto *bar = new QWidget(this);
    buildFilterBar(bar);
    layout->addWidget(bar);

    m_tiles = new QListView(this);
    m_tiles->setViewMode(QListView::IconMode);
    m_tiles->setResizeMode(QListView::Adjust);
    m_tiles->setMovement(QListView::Static);
    m_tiles->setUniformItemSizes(true);
    m_tiles->setLayoutMode(QListView::Batched); // lays 10 000 tiles out in slices
    m_tiles->setBatchSize(500);
    m_tiles->setSpacing(2);
    m_tiles->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_tiles->setItemDelegate(new TileDelegate(m_tiles));
    m_tiles->setModel(m_filter);
    // The age column is the one the model's one-second tick touches: showing it makes the
    // tiles repaint their "last seen" without any timer of their own.
    m_tiles->setModelColumn(FleetModel::LastSeenColumn);
    m_tiles->setAccessibleName(tr("Agents as tiles"));

    m_table = new QTableView(this);
    m_table->setModel(m_filter);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(FleetModel::IdColumn, Qt::AscendingOrder);
    setUpRecordTable(m_table);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->horizontalHeader()->setStretchLastSection(false);
    m_table->horizontalHeader()->setSectionResizeMode(FleetModel::TagsColumn, QHeaderView::Stretch);
    m_table->setColumnWidth(FleetModel::StateColumn, 90);
    m_table->setColumnWidth(FleetModel::IdColumn, 220);
    m_table->setColumnWidth(FleetModel::TenantColumn, 110);
    m_table->setColumnWidth(FleetModel::EnvironmentColumn, 110);
    m_table->setColumnWidth(FleetModel::LastSeenColumn, 110);
    m_table->setAccessibleName(tr("Agents as a table"));
    if (const QByteArray header = m_settings.viewState(kHeaderState); !header.isEmpty())
        m_table->horizontalHeader()->restoreState(header);

    m_stack = new QStackedWidget(this);
    m_stack->addWidget(m_tiles);
    m_stack->addWidget(m_table);
    layout->addWidget(m_stack, 1);
    setShowTiles(m_settings.fleetTiles());

    connect(m_tiles, &QAbstractItemView::activated, this, &FleetView::openIndex);
    connect(m_table, &QAbstractItemView::activated, this, &FleetView::openIndex);
    connect(&m_navigator, &Navigator::openAgent, this, [this](const QString &id) { showAgent(id); });

    connect(m_model, &FleetModel::countsChanged, this, &FleetView::updateChips);
    connect(m_model, &FleetModel::facetsChanged, this, &FleetView::refillCombos);
    connect(m_filter, &FleetFilterModel::statesChanged, this, &FleetView::updateChips);
    for (auto signal : { &QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved })
        connect(m_filter, signal, this, &FleetView::updateShown);
    connect(m_filter, &QAbstractItemModel::modelReset, this, &FleetView::updateShown);
    connect(m_filter, &QAbstractItemModel::layoutChanged, this, &FleetView::updateShown);
    connect(&m_settings, &Settings::changed, this, [this](Settings::Key key) {
        if (key == Settings::Key::FleetTiles && m_settings.fleetTiles() != showsTiles())
            setShowTiles(m_settings.fleetTiles());
    });
    updateChips();
    updateShown();
}

FleetView::~FleetView()
{
    m_settings.setViewState(kHeaderState, m_table->horizontalHeader()->saveState());
}

void FleetView::buildFilterBar(QWidget *bar)
{
    auto *row = new QHBoxLayout(bar);
    row->setContentsMargins(0, 0, 0, 0);

    m_search = new QLineEdit(bar);
    m_search->setPlaceholderText(tr("Search id or tag (Ctrl+F)"));
    m_search->setClearButtonEnabled(true);
    m_search->setMinimumWidth(160);
    auto *find = new QAction(this);
    find->setShortcut(QKeySequence::Find);
    find->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(find, &QAction::triggered, m_search, [this] {
        m_search->setFocus();
        m_search->selectAll();
    });
    addAction(find);
    connect(m_search, &QLineEdit::textChanged, m_filter, &FleetFilterModel::setText);
    row->addWidget(m_search);

    auto makeCombo = [bar, row](const QString &name) {
        auto *combo = new QComboBox(bar);
        combo->setAccessibleName(name);
        // A steady width: growing to the longest tag or environment (and to longer words in
        // German) pushed the window wider than the screen. The popup shows the full names.
        combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        combo->setMinimumContentsLength(8);
        row->addWidget(combo);
        return combo;
    };
    m_tenant = makeCombo(tr("Tenant"));
    m_environment = makeCombo(tr("Environment"));
    m_tag = makeCombo(tr("Tag"));
    refillCombos();
    connect(m_tenant, &QComboBox::currentIndexChanged, this,
            [this] { m_filter->setTenant(m_tenant->currentData().toString()); });
    connect(m_environment, &QComboBox::currentIndexChanged, this,
            [this] { m_filter->setEnvironment(m_environment->currentData().toString()); });
    connect(m_tag, &QComboBox::currentIndexChanged, this, [this] { m_filter->setTag(m_tag->currentData().toString()); });

    row->addSpacing(8);
    for (const AgentState state : kChipStates) {
        auto *chip = new QToolButton(bar);
        chip->setCheckable(true);
        chip->setIcon(stateDot(state));
        chip->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
        chip->setToolTip(tr("Show only agents that are %1 (click again to show all)").arg(stateName(state)));
        connect(chip, &QToolButton::clicked, this, [this, state] { m_filter->toggleState(state); });
        m_chips[state] = chip;
        row->addWidget(chip);
    }
    row->addStretch(1);
    m_shown = new QLabel(bar);
    row->addWidget(m_shown);

    auto *group = new QActionGroup(this);
    m_tilesAction = new QAction(icon(Icon::Tiles), tr("Tiles"), group);
    m_tilesAction->setShortcut(QKeySequence(tr("Ctrl+Alt+1")));
    m_tableAction = new QAction(icon(Icon::Table), tr("Table"), group);
    m_tableAction->setShortcut(QKeySequence(tr("Ctrl+Alt+2")));
    for (QAction *action : { m_tilesAction, m_tableAction }) {
        action->setCheckable(true);
        // The window's: focus is often still in the sidebar after Ctrl+2. A hidden view's
        // actions do not fire, so no other view is affected.
        action->setShortcutContext(Qt::WindowShortcut);
        action->setToolTip(action->text() + QStringLiteral(" (") + action->shortcut().toString(QKeySequence::NativeText)
                           + QLatin1Char(')'));
        addAction(action);
        auto *button = new QToolButton(bar);
        button->setDefaultAction(action);
        button->setToolButtonStyle(Qt::ToolButtonIconOnly); // the tooltip names it; the bar must fit
        row->addWidget(button);
    }
    connect(m_tilesAction, &QAction::triggered, this, [this] { setShowTiles(true); });
    connect(m_tableAction, &QAction::triggered, this, [this] { setShowTiles(false); });
}

bool FleetView::showsTiles() const
{
    return m_stack->currentWidget() == m_tiles;
}

void FleetView::setShowTiles(bool tiles)
{
    m_stack->setCurrentWidget(tiles ? static_cast<QWidget *>(m_tiles) : m_table);
    m_tilesAction->setChecked(tiles);
    m_tableAction->setChecked(!tiles);
    if (m_settings.fleetTiles() != tiles)
        m_settings.setFleetTiles(tiles);
}

void FleetView::refillCombos()
{
    const auto refill = [](QComboBox *combo, const QString &any, const QStringList &values) {
        const QString current = combo->currentData().toString();
        QStringList present;
        for (int i = 1; i < combo->count(); ++i)
            present.append(combo->itemData(i).toString());
        if (combo->count() > 0 && present == values)
            return;
        const QSignalBlocker blocker(combo);
        combo->clear();
        combo->addItem(any, QString());
        for (const QString &value : values)
            combo->addItem(value, value);
        // A value that disappeared stays selected until the operator changes it, so the
        // filter and the combo never disagree.
        if (!current.isEmpty() && !values.contains(current))
            combo->addItem(current, current);
        combo->setCurrentIndex(std::max(0, combo->findData(current)));
    };
    refill(m_tenant, tr("All tenants"), m_model->tenants());
    refill(m_environment, tr("All environments"), m_model->environments());
    refill(m_tag, tr("All tags"), m_model->tags());
}

void FleetView::updateChips()
{
    const QSet<AgentState> states = m_filter->states();
    for (const auto &[state, chip] : m_chips) {
        QString name = stateName(state);
        if (!name.isEmpty())
            name[0] = name[0].toUpper();
        chip->setText(QStringLiteral("%1 %2").arg(name).arg(m_model->count(state)));
        chip->setChecked(states.contains(state));
    }
}

void FleetView::updateShown()
{
    m_shown->setText(tr("%1 of %2 agents").arg(m_filter->rowCount()).arg(m_model->rowCount()));
}

void FleetView::openIndex(const QModelIndex &proxyIndex)
{
    if (proxyIndex.isValid())
        Q_EMIT m_navigator.openAgent(proxyIndex.data(FleetModel::IdRole).toString());
}

AgentDetail *FleetView::showAgent(const QString &agentId)
{
    QPointer<AgentDetail> &detail = m_details[agentId];
    if (!detail) {
        detail = new AgentDetail(m_backend, m_navigator, agentId, this);
        detail->setAttribute(Qt::WA_DeleteOnClose);
        detail->resize(1100, 760);
    }
    detail->show();
    detail->raise();
    detail->activateWindow();
    return detail;
}

} // namespace vigil::ui
