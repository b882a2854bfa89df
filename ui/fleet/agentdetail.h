// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// One agent up close, in a window of its own: its state and configuration, live charts of
// every measure its heartbeats report and of the intervals between them (last 15 min, 1 h
// or 24 h), the heartbeat log with missed stretches marked, its incidents, and what can be
// done to it: pause or resume, edit interval, grace, tenant, environment and tags, rotate
// its key, delete it, and the exact commands that make a host ping it.

#include "model/agent.h"

#include <QDialog>
#include <QHash>

#include <vector>

class QAction;
class QChartView;
class QDateTimeAxis;
class QGridLayout;
class QLabel;
class QLineEdit;
class QLineSeries;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTimer;
class QTreeWidget;
class QValueAxis;

namespace vigil {
struct AgentSnapshot;
}

namespace vigil::ui {

class Backend;
class Navigator;

class AgentDetail final : public QDialog
{
    Q_OBJECT
public:
    enum class Window { Minutes15, Hour1, Hours24 };

    AgentDetail(Backend &backend, Navigator &navigator, const QString &agentId, QWidget *parent = nullptr);
    ~AgentDetail() override;

    QString agentId() const { return m_agentId; }
    const Agent &agent() const { return m_agent; }
    void setWindow(Window window);

    // What the charts show, for tests: "interval" and every stats leaf ("cpu.cpu_usage").
    QStringList measures() const;
    QLineSeries *series(const QString &measure) const;
    QAction *pauseAction() const { return m_pause; }
    QString pingText() const;

    // The charts' source is heartbeats newer than the window, newest first, at most this many.
    static constexpr int kMaxHeartbeats = 5000;

Q_SIGNALS:
    void agentLoaded();
    void heartbeatsLoaded();
    void deleted();

protected:
    void changeEvent(QEvent *event) override; // charts follow a palette change (dark mode)

private:
    struct Chart
    {
        QChartView *view = nullptr;
        QLineSeries *series = nullptr;
        QDateTimeAxis *x = nullptr;
        QValueAxis *y = nullptr;
    };

    void buildUi();
    QWidget *buildChartsTab();
    QWidget *buildSettingsTab();
    QWidget *buildPingTab();
    void reloadAgent();
    void reloadHeartbeats();
    void reloadNewHeartbeats();
    void reloadIncidents();
    void onFrame(const QList<vigil::AgentSnapshot> &frame);
    void showAgent(const Agent &agent);
    void mergeHeartbeats(std::vector<Heartbeat> newestFirst, bool replace, bool truncated);
    void rebuildCharts();
    void rebuildLog();
    Chart &chartFor(const QString &measure);
    void togglePause();
    void save();
    void rotateKey();
    void deleteAgent();
    void updatePing();
    qint64 windowMs() const;

    Backend &m_backend;
    Navigator &m_navigator;
    QString m_agentId;
    Agent m_agent;
    bool m_loaded = false;
    bool m_formDirty = false; // the operator edited the settings form: frames leave it alone
    bool m_filling = false;
    Window m_window = Window::Minutes15;
    std::vector<Heartbeat> m_beats; // oldest first, within the window
    bool m_truncated = false;
    quint64 m_request = 0; // rising: a window change drops older answers
    bool m_reading = false;
    QTimer *m_refresh = nullptr; // rate-limits live re-reads

    QLabel *m_title = nullptr;
    QLabel *m_state = nullptr;
    QLabel *m_summary = nullptr;
    QLabel *m_message = nullptr;
    QAction *m_pause = nullptr;
    QAction *m_rotate = nullptr;
    QAction *m_delete = nullptr;
    QTabWidget *m_tabs = nullptr;
    QLabel *m_chartNote = nullptr;
    QWidget *m_chartArea = nullptr;
    QGridLayout *m_chartGrid = nullptr;
    QHash<QString, Chart> m_charts;
    QStringList m_chartOrder;
    QTreeWidget *m_log = nullptr;
    QTreeWidget *m_incidents = nullptr;
    QSpinBox *m_interval = nullptr;
    QSpinBox *m_grace = nullptr;
    QLineEdit *m_tenant = nullptr;
    QLineEdit *m_environment = nullptr;
    QLineEdit *m_tags = nullptr;
    QPushButton *m_save = nullptr;
    QLabel *m_saveStatus = nullptr;
    QPlainTextEdit *m_curl = nullptr;
    QPlainTextEdit *m_agentLine = nullptr;
    QLabel *m_keyNote = nullptr;
};

} // namespace vigil::ui
