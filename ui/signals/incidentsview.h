// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Incidents, open, resolved or all; double-click opens the run that opened the incident.
// Workflows open and resolve incidents, so run frames trigger a (rate-limited) refresh.

#include <QWidget>

class QComboBox;
class QTableView;
class QTimer;

namespace vigil::ui {

class Backend;
class IncidentsModel;
class MessageBar;
class Navigator;

class IncidentsView final : public QWidget
{
    Q_OBJECT
public:
    static constexpr int kRefreshDelayMs = 2000;

    IncidentsView(Backend &backend, Navigator &navigator, QWidget *parent = nullptr);

    IncidentsModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    QComboBox *statusFilter() const { return m_status; }

private:
    Navigator &m_navigator;
    IncidentsModel *m_model = nullptr;
    QTableView *m_table = nullptr;
    QComboBox *m_status = nullptr;
    MessageBar *m_messages = nullptr;
    QTimer *m_refresh = nullptr;
};

} // namespace vigil::ui
