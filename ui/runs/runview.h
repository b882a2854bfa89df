// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// One run: its timeline (a bar per step attempt, branches as lanes), the timeline entries,
// the execution logs and the selected step's result or error; Retry, Cancel, Replay and
// Dry-run replay as the state machine allows. Re-reads itself (at most twice a second)
// while frames say the run or its steps changed.

#include "model/run.h"

#include <QWidget>

template<typename T>
class QFuture;
class QAction;
class QLabel;
class QSplitter;
class QTabWidget;
class QTimer;
class QTreeWidget;

namespace vigil::ui {

class Backend;
class JsonView;
class MessageBar;
class Navigator;
class TimelineView;
struct ControlOutcome;

class RunView final : public QWidget
{
    Q_OBJECT
public:
    static constexpr int kReloadDelayMs = 500;

    RunView(Backend &backend, Navigator &navigator, const QString &runId, QWidget *parent = nullptr);
    ~RunView() override;

    QString runId() const { return m_runId; }
    const WorkflowRun &run() const { return m_run; }
    bool isLoaded() const { return m_loaded; }
    TimelineView *timeline() const { return m_timeline; }
    MessageBar *messageBar() const { return m_messages; }
    JsonView *stepDetail() const { return m_detail; }
    QTreeWidget *entries() const { return m_entries; }
    QTreeWidget *logs() const { return m_logs; }
    QAction *retryAction() const { return m_retry; }
    QAction *cancelAction() const { return m_cancel; }
    QAction *replayAction() const { return m_replay; }
    QAction *dryRunAction() const { return m_dryRun; }

public Q_SLOTS:
    void reload();
    void showStep(const QString &stepRunId);
    void retry();
    void cancel();
    void replay(bool dryRun = false);

Q_SIGNALS:
    void loaded();
    // After a replay or retry, when the operator declined to open the new run (tests).
    void controlFinished(const QStringList &runIds);

protected:
    void showEvent(QShowEvent *event) override;

private:
    struct Detail;
    void apply(const Detail &detail);
    void fitSplitter();
    void scheduleReload();
    void updateActions();
    void offerToOpen(const QStringList &runIds, const QString &question);
    // Retry and cancel of this run: errors in the message bar, then a reload.
    void showControlOutcome(QFuture<ControlOutcome> control);

    Backend &m_backend;
    Navigator &m_navigator;
    QString m_runId;
    WorkflowRun m_run;
    std::vector<WorkflowStepRun> m_steps;
    bool m_loaded = false;
    bool m_reading = false;
    quint64 m_request = 0; // drops a reply older than the last one shown
    QLabel *m_header = nullptr;
    MessageBar *m_messages = nullptr;
    TimelineView *m_timeline = nullptr;
    QSplitter *m_splitter = nullptr;
    bool m_sized = false; // the splitter was fitted to the first timeline
    QTabWidget *m_tabs = nullptr;
    QTreeWidget *m_entries = nullptr;
    QTreeWidget *m_logs = nullptr;
    JsonView *m_detail = nullptr;
    QTimer *m_reloadTimer = nullptr;
    QAction *m_retry = nullptr;
    QAction *m_cancel = nullptr;
    QAction *m_replay = nullptr;
    QAction *m_dryRun = nullptr;
};

} // namespace vigil::ui
