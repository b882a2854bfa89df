// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The signals log: filters by type and tenant, the paged table, the selected signal's
// payload as indented JSON, Replay and Dry-run replay, and "Show runs" of the signal.

#include <QWidget>

class QAction;
class QLineEdit;
class QTableView;

namespace vigil::ui {

class Backend;
class JsonView;
class MessageBar;
class Navigator;
class SignalsModel;

class SignalsView final : public QWidget
{
    Q_OBJECT
public:
    SignalsView(Backend &backend, Navigator &navigator, QWidget *parent = nullptr);

    SignalsModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    JsonView *payload() const { return m_payload; }
    MessageBar *messageBar() const { return m_messages; }
    QAction *replayAction() const { return m_replay; }
    QAction *dryRunAction() const { return m_dryRun; }
    QAction *showRunsAction() const { return m_showRuns; }

public Q_SLOTS:
    // Selects the signal when it is loaded (the navigator's openSignal).
    void showSignal(const QString &signalId);
    void replaySelected(bool dryRun = false);

private:
    void applyFilter();
    void currentChanged();
    QString currentId() const;

    Backend &m_backend;
    Navigator &m_navigator;
    SignalsModel *m_model = nullptr;
    QTableView *m_table = nullptr;
    JsonView *m_payload = nullptr;
    MessageBar *m_messages = nullptr;
    QLineEdit *m_type = nullptr;
    QLineEdit *m_tenant = nullptr;
    QAction *m_replay = nullptr;
    QAction *m_dryRun = nullptr;
    QAction *m_showRuns = nullptr;
};

} // namespace vigil::ui
