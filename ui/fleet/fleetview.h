// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The Fleet screen: a filter bar (search, tenant, environment, tag, and clickable counts by
// state that toggle the state filter), then the agents as tiles or as a sortable table
// (the choice is remembered). Double-click or Enter asks the Navigator for the agent; the
// view answers Navigator::openAgent itself by opening (or raising) that agent's detail
// window, so every view can open an agent the same way.

#include "model/agent.h"

#include <QHash>
#include <QPointer>
#include <QWidget>

#include <map>

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QListView;
class QStackedWidget;
class QTableView;
class QToolButton;

namespace vigil::ui {

class AgentDetail;
class Backend;
class FleetFilterModel;
class FleetModel;
class Navigator;
class Settings;

class FleetView final : public QWidget
{
    Q_OBJECT
public:
    FleetView(Backend &backend, Settings &settings, Navigator &navigator, QWidget *parent = nullptr);
    ~FleetView() override;

    FleetModel *model() const { return m_model; }
    FleetFilterModel *filterModel() const { return m_filter; }
    bool showsTiles() const;
    void setShowTiles(bool tiles);
    QListView *tilesView() const { return m_tiles; }
    QTableView *tableView() const { return m_table; }
    // Opens (or raises) the agent's detail window; answers it.
    AgentDetail *showAgent(const QString &agentId);

private:
    void buildFilterBar(QWidget *bar);
    void refillCombos();
    void updateChips();
    void updateShown();
    void openIndex(const QModelIndex &proxyIndex);

    Backend &m_backend;
    Settings &m_settings;
    Navigator &m_navigator;
    FleetModel *m_model = nullptr;
    FleetFilterModel *m_filter = nullptr;
    QLineEdit *m_search = nullptr;
    QComboBox *m_tenant = nullptr;
    QComboBox *m_environment = nullptr;
    QComboBox *m_tag = nullptr;
    std::map<AgentState, QToolButton *> m_chips;
    QLabel *m_shown = nullptr;
    QAction *m_tilesAction = nullptr;
    QAction *m_tableAction = nullptr;
    QStackedWidget *m_stack = nullptr;
    QListView *m_tiles = nullptr;
    QTableView *m_table = nullptr;
    QHash<QString, QPointer<AgentDetail>> m_details;
};

} // namespace vigil::ui
