// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The runs list: filters (status, workflow, tenant, time range) that narrow the store's
// query, the paged table, and the actions on a multi-selection: Retry (failed runs),
// Replay and Dry-run replay (of their signals), Cancel (runs not yet ended).

#include <QWidget>

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QTableView;

namespace vigil::ui {

class Backend;
class MessageBar;
class Navigator;
class RunsModel;
class Settings;
struct ControlOutcome;

class RunsView final : public QWidget
{
    Q_OBJECT
public:
    RunsView(Backend &backend, Settings &settings, Navigator &navigator, QWidget *parent = nullptr);
    ~RunsView() override;

    RunsModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    MessageBar *messageBar() const { return m_messages; }
    QAction *retryAction() const { return m_retry; }
    QAction *replayAction() const { return m_replay; }
    QAction *dryRunAction() const { return m_dryRun; }
    QAction *cancelAction() const { return m_cancel; }

public Q_SLOTS:
    // Asks the navigator for the run's view.
    void openRun(const QString &id);
    // Filters to one workflow, status and signal (empty = any), as the navigator asks.
    void showRuns(const QString &definitionId, const QString &status, const QString &signalId);

    void retrySelected();
    void replaySelected(bool dryRun = false);
    void cancelSelected();

private:
    void applyFilter();
    void updateActions();
    void updateCount();
    void fillWorkflows();
    void finishControl(const ControlOutcome &outcome, const QString &done);
    QStringList selectedIds(const std::function<bool(int row)> &keep) const;

    Backend &m_backend;
    Settings &m_settings;
    Navigator &m_navigator;
    RunsModel *m_model = nullptr;
    QTableView *m_table = nullptr;
    MessageBar *m_messages = nullptr;
    QComboBox *m_status = nullptr;
    QComboBox *m_workflow = nullptr;
    QLineEdit *m_tenant = nullptr;
    QComboBox *m_range = nullptr;
    QLabel *m_count = nullptr;
    QString m_signalId; // the navigator's signal filter; no widget of its own
    QAction *m_open = nullptr;
    QAction *m_retry = nullptr;
    QAction *m_replay = nullptr;
    QAction *m_dryRun = nullptr;
    QAction *m_cancel = nullptr;
    QAction *m_refresh = nullptr;
};

} // namespace vigil::ui
