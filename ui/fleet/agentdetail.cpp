// SPDX-License-Identifier: GPL-3.0-or-later
#include "fleet/agentdetail.h"

#include "backend/backend.h"
#include "common/icons.h"
#include "common/navigator.h"
#include "common/presentation.h"
#include "fleet/chartstyle.h"
#include "fleet/pingcommands.h"

#include <QApplication>
#include <QButtonGroup>
#include <QChart>
#include <QChartView>
#include <QClipboard>
#include <QDateTimeAxis>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGridLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QTabWidget>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <functional>
#include <QValueAxis>

#include <algorithm>
#include <map>
#include <tuple>

namespace vigil::ui {

namespace {

const QString kIntervalMeasure = QStringLiteral("interval");
constexpr int kLogRows = 500;
constexpr int kRefreshMs = 2000; // live re-reads at most every 2 s
// The collector's frames name an agent when its state changes, not on every heartbeat, so
// a visible detail also re-reads on its own this often.
constexpr int kPollMs = 5000;

struct HeartbeatWindow
{
    std::vector<Heartbeat> beats; // newest first
    bool truncated = false;
};

// Pages through the agent's heartbeats, newest first, until `older` says a beat is past what
// is wanted, the history ends, or `most` are read. Runs on the read thread.
Result<HeartbeatWindow> readHeartbeats(Store &store, const QString &id, int pageSize, int most,
                                       const std::function<bool(const Heartbeat &)> &older)
{
    HeartbeatWindow window;
    PageRequest page;
    page.limit = pageSize;
    for (;;) {
        Result<Page<Heartbeat>> beats = store.listHeartbeats(id, page);
        if (!beats)
            return beats.error();
        for (Heartbeat &beat : beats->items) {
            if (older(beat))
                return window;
            window.beats.push_back(std::move(beat));
            if (int(window.beats.size()) >= most) {
                window.truncated = true;
                return window;
            }
        }
        if (beats->nextCursor.isEmpty())
            return window;
        page.cursor = beats->nextCursor;
    }
}

// Every numeric leaf of a stats object, by its dotted path ("cpu.cpu_usage").
void flatten(const Json &json, const QString &prefix, std::vector<std::pair<QString, double>> &out)
{
    if (json.is_object()) {
        for (auto it = json.begin(); it != json.end(); ++it) {
            const QString key = fromStd(it.key());
            flatten(it.value(), prefix.isEmpty() ? key : prefix + QLatin1Char('.') + key, out);
        }
    } else if (json.is_number()) {
        out.emplace_back(prefix, json.get<double>());
    }
}

QString measureTitle(const QString &measure)
{
    static const std::map<QString, const char *> known = {
        { QStringLiteral("interval"), QT_TRANSLATE_NOOP("vigil::ui::AgentDetail", "Heartbeat interval (s)") },
        { QStringLiteral("cpu.cpu_usage"), QT_TRANSLATE_NOOP("vigil::ui::AgentDetail", "CPU usage (%)") },
        { QStringLiteral("memory.memory_usage"), QT_TRANSLATE_NOOP("vigil::ui::AgentDetail", "Memory (MiB)") },
        { QStringLiteral("threads.threads"), QT_TRANSLATE_NOOP("vigil::ui::AgentDetail", "Threads") },
        { QStringLiteral("fds.fds"), QT_TRANSLATE_NOOP("vigil::ui::AgentDetail", "Open file descriptors") },
        { QStringLiteral("files.files"), QT_TRANSLATE_NOOP("vigil::ui::AgentDetail", "Open files") },
    };
    if (const auto it = known.find(measure); it != known.end())
        return QCoreApplication::translate("vigil::ui::AgentDetail", it->second);
    return measure;
}

QPlainTextEdit *commandBox(QWidget *parent)
{
    auto *box = new QPlainTextEdit(parent);
    box->setReadOnly(true);
    box->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    box->setLineWrapMode(QPlainTextEdit::NoWrap);
    return box;
}

} // namespace

AgentDetail::AgentDetail(Backend &backend, Navigator &navigator, const QString &agentId, QWidget *parent)
    : QDialog(parent), m_backend(backend), m_navigator(navigator), m_agentId(agentId)
{
    setWindowFlag(Qt::Window);
    setWindowTitle(tr("Agent %1").arg(agentId));
    m_refresh = new QTimer(this);
    m_refresh->setSingleShot(true);
    m_refresh->setInterval(kRefreshMs);
    connect(m_refresh, &QTimer::timeout, this, [this] {
        reloadAgent();
        reloadNewHeartbeats();
    });
    auto *poll = new QTimer(this);
    poll->setInterval(kPollMs);
    connect(poll, &QTimer::timeout, this, [this] {
        if (isVisible() && !m_refresh->isActive())
            m_refresh->start(0);
    });
    poll->start();
    buildUi();
    connect(&m_backend, &Backend::agentsChanged, this, &AgentDetail::onFrame);
    reloadAgent();
    reloadHeartbeats();
    reloadIncidents();
}

AgentDetail::~AgentDetail() = default;

void AgentDetail::buildUi()
{
    auto *layout = new QVBoxLayout(this);

    auto *header = new QHBoxLayout;
    m_state = new QLabel(this);
    m_state->setMinimumWidth(90);
    m_state->setAlignment(Qt::AlignCenter);
    m_state->setMargin(4);
    header->addWidget(m_state);
    auto *titles = new QVBoxLayout;
    m_title = new QLabel(m_agentId, this);
    QFont big = font();
    big.setBold(true);
    big.setPointSizeF(big.pointSizeF() * 1.4);
    m_title->setFont(big);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    titles->addWidget(m_title);
    m_summary = new QLabel(this);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    titles->addWidget(m_summary);
    header->addLayout(titles, 1);
    layout->addLayout(header);

    auto *toolbar = new QToolBar(this);
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_pause = toolbar->addAction(icon(Icon::Pause), tr("Pause"), this, &AgentDetail::togglePause);
    m_pause->setShortcut(QKeySequence(tr("Ctrl+P")));
    m_pause->setEnabled(false);
    m_rotate = toolbar->addAction(icon(Icon::Key), tr("Rotate key…"), this, &AgentDetail::rotateKey);
    m_rotate->setShortcut(QKeySequence(tr("Ctrl+K")));
    m_delete = toolbar->addAction(icon(Icon::Delete), tr("Delete…"), this, &AgentDetail::deleteAgent);
    m_delete->setShortcut(QKeySequence::Delete);
    toolbar->addSeparator();
    QAction *refresh = toolbar->addAction(icon(Icon::Refresh), tr("Refresh"), this, [this] {
        reloadAgent();
        reloadHeartbeats();
        reloadIncidents();
    });
    refresh->setShortcut(QKeySequence::Refresh);
    for (QAction *action : toolbar->actions())
        if (!action->shortcut().isEmpty())
            action->setToolTip(action->text().remove(QStringLiteral("…")) + QStringLiteral(" (")
                               + action->shortcut().toString(QKeySequence::NativeText) + QLatin1Char(')'));
    layout->addWidget(toolbar);

    m_message = new QLabel(this);
    m_message->setWordWrap(true);
    m_message->hide();
    layout->addWidget(m_message);

    m_tabs = new QTabWidget(this);
    m_tabs->addTab(buildChartsTab(), tr("Charts"));

    auto *logPage = new QWidget(this);
    auto *logLayout = new QVBoxLayout(logPage);
    auto *logNote = new QLabel(tr("Heartbeats received, newest first (the latest %1 of the chart window). The store "
                                  "keeps no state-change log: stretches without a heartbeat longer than the agent's "
                                  "interval + grace are shown as missed; the current state and since when are at the "
                                  "top.")
                                   .arg(kLogRows),
                               logPage);
    logNote->setWordWrap(true);
    logLayout->addWidget(logNote);
    m_log = new QTreeWidget(logPage);
    m_log->setRootIsDecorated(false);
    m_log->setUniformRowHeights(true);
    m_log->setHeaderLabels({ tr("Received"), tr("Kind"), tr("Exit code"), tr("Duration"), tr("Message") });
    m_log->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_log->header()->setStretchLastSection(true);
    logLayout->addWidget(m_log);
    m_tabs->addTab(logPage, tr("History"));

    auto *incidentPage = new QWidget(this);
    auto *incidentLayout = new QVBoxLayout(incidentPage);
    m_incidents = new QTreeWidget(incidentPage);
    m_incidents->setRootIsDecorated(false);
    m_incidents->setHeaderLabels({ tr("Opened"), tr("Title"), tr("Severity"), tr("Status"), tr("Resolved") });
    m_incidents->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_incidents->setToolTip(tr("Double-click an incident to open the run that opened it."));
    connect(m_incidents, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem *item) {
        if (const QString run = item->data(0, Qt::UserRole).toString(); !run.isEmpty())
            Q_EMIT m_navigator.openRun(run);
    });
    incidentLayout->addWidget(m_incidents);
    m_tabs->addTab(incidentPage, tr("Incidents"));

    m_tabs->addTab(buildSettingsTab(), tr("Settings"));
    m_tabs->addTab(buildPingTab(), tr("How to ping"));
    layout->addWidget(m_tabs, 1);
}

QWidget *AgentDetail::buildChartsTab()
{
    auto *page = new QWidget(this);
    auto *layout = new QVBoxLayout(page);
    auto *row = new QHBoxLayout;
    auto *group = new QButtonGroup(page);
    const std::pair<Window, QString> windows[] = {
        { Window::Minutes15, tr("15 min") }, { Window::Hour1, tr("1 h") }, { Window::Hours24, tr("24 h") }
    };
    for (const auto &[window, label] : windows) {
        auto *button = new QToolButton(page);
        button->setText(label);
        button->setCheckable(true);
        button->setChecked(window == m_window);
        group->addButton(button);
        connect(button, &QToolButton::clicked, this, [this, window = window] { setWindow(window); });
        row->addWidget(button);
    }
    m_chartNote = new QLabel(page);
    row->addSpacing(12);
    row->addWidget(m_chartNote, 1);
    layout->addLayout(row);

    auto *scroll = new QScrollArea(page);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    m_chartArea = new QWidget(scroll);
    m_chartGrid = new QGridLayout(m_chartArea);
    m_chartGrid->setContentsMargins(0, 0, 0, 0);
    scroll->setWidget(m_chartArea);
    layout->addWidget(scroll, 1);
    chartFor(kIntervalMeasure);
    return page;
}

QWidget *AgentDetail::buildSettingsTab()
{
    auto *outer = new QWidget(this);
    auto *outerLayout = new QHBoxLayout(outer);
    auto *page = new QWidget(outer);
    page->setMaximumWidth(560); // a form, not a banner: fields as wide as their content needs
    outerLayout->addWidget(page, 0, Qt::AlignTop);
    outerLayout->addStretch(1);
    auto *form = new QFormLayout(page);
    m_interval = new QSpinBox(page);
    m_interval->setRange(1, 366 * 24 * 3600);
    m_interval->setSuffix(tr(" s"));
    m_interval->setObjectName(QStringLiteral("interval"));
    form->addRow(tr("&Interval:"), m_interval);
    m_grace = new QSpinBox(page);
    m_grace->setRange(0, 366 * 24 * 3600);
    m_grace->setSuffix(tr(" s"));
    form->addRow(tr("&Grace:"), m_grace);
    m_tenant = new QLineEdit(page);
    m_tenant->setMaxLength(128);
    form->addRow(tr("&Tenant:"), m_tenant);
    m_environment = new QLineEdit(page);
    m_environment->setPlaceholderText(tr("none"));
    form->addRow(tr("&Environment:"), m_environment);
    m_tags = new QLineEdit(page);
    m_tags->setPlaceholderText(tr("comma-separated, e.g. web, eu-west"));
    m_tags->setObjectName(QStringLiteral("tags"));
    form->addRow(tr("T&ags:"), m_tags);
    auto *buttons = new QHBoxLayout;
    m_save = new QPushButton(icon(Icon::Save), tr("&Save"), page);
    m_save->setObjectName(QStringLiteral("save"));
    m_save->setShortcut(QKeySequence::Save);
    m_save->setToolTip(tr("Save (%1)").arg(QKeySequence(QKeySequence::Save).toString(QKeySequence::NativeText)));
    connect(m_save, &QPushButton::clicked, this, &AgentDetail::save);
    buttons->addWidget(m_save);
    m_saveStatus = new QLabel(page);
    buttons->addWidget(m_saveStatus, 1);
    form->addRow(QString(), buttons);
    const auto edited = [this] {
        if (!m_filling)
            m_formDirty = true;
    };
    connect(m_interval, &QSpinBox::valueChanged, this, edited);
    connect(m_grace, &QSpinBox::valueChanged, this, edited);
    for (QLineEdit *edit : { m_tenant, m_environment, m_tags })
        connect(edit, &QLineEdit::textEdited, this, edited);
    return outer;
}

QWidget *AgentDetail::buildPingTab()
{
    auto *page = new QWidget(this);
    auto *layout = new QVBoxLayout(page);
    const auto addCommand = [this, page, layout](const QString &title, QPlainTextEdit *&box) {
        auto *row = new QHBoxLayout;
        row->addWidget(new QLabel(title, page), 1);
        auto *copy = new QPushButton(icon(Icon::Copy), tr("Copy"), page);
        row->addWidget(copy);
        layout->addLayout(row);
        box = commandBox(page);
        layout->addWidget(box);
        connect(copy, &QPushButton::clicked, this, [box] { QGuiApplication::clipboard()->setText(box->toPlainText()); });
    };
    addCommand(tr("One heartbeat with curl:"), m_curl);
    addCommand(tr("Or run the Vigil agent on the host:"), m_agentLine);
    m_keyNote = new QLabel(page);
    m_keyNote->setWordWrap(true);
    layout->addWidget(m_keyNote);
    layout->addStretch(1);
    updatePing();
    return page;
}

void AgentDetail::updatePing()
{
    const bool signedBeats = m_agent.hmacKey.has_value();
    const QString keyFile = defaultKeyFile(m_agentId);
    const QString url = m_backend.baseUrl();
    m_curl->setPlainText(signedBeats ? signedCurlCommand(url, m_agentId, keyFile) : curlCommand(url, m_agentId));
    m_agentLine->setPlainText(agentCommand(url, m_agentId, signedBeats ? keyFile : QString(), m_agent.intervalSecs));
    for (QPlainTextEdit *box : { m_curl, m_agentLine }) {
        const int lines = int(box->toPlainText().count(QLatin1Char('\n'))) + 1;
        // Room for the lines and a horizontal scroll bar, no more.
        box->setFixedHeight(box->fontMetrics().lineSpacing() * (lines + 1) + 2 * box->frameWidth() + 12);
    }
    m_keyNote->setText(signedBeats
                           ? tr("This agent signs its heartbeats: its key must be in %1 on the host (the key is shown "
                                "once, when it is rotated).")
                                 .arg(keyFile)
                           : tr("This agent has no key, so its heartbeats are not signed. Rotate the key to require "
                                "signed heartbeats."));
}

QString AgentDetail::pingText() const
{
    return m_curl->toPlainText() + QLatin1Char('\n') + m_agentLine->toPlainText();
}

void AgentDetail::onFrame(const QList<AgentSnapshot> &frame)
{
    const bool ours = std::any_of(frame.begin(), frame.end(), [this](const AgentSnapshot &s) { return s.id == m_agentId; });
    if (ours && !m_refresh->isActive())
        m_refresh->start(kRefreshMs);
}

void AgentDetail::reloadAgent()
{
    const QString id = m_agentId;
    m_backend.read([id](Store &store) { return store.getAgent(id); }).then(this, [this](Result<Agent> agent) {
        if (!agent) {
            m_message->setText(tr("Cannot read the agent: %1").arg(agent.error().message));
            m_message->show();
            return;
        }
        showAgent(*agent);
    });
}

void AgentDetail::showAgent(const Agent &agent)
{
    const bool stateChanged = m_loaded && agent.state != m_agent.state;
    const bool first = !m_loaded;
    m_agent = agent;
    m_loaded = true;
    const QColor color = stateColor(agent.state);
    m_state->setText(stateName(agent.state));
    m_state->setStyleSheet(QStringLiteral("QLabel { background: %1; color: white; border-radius: 4px; font-weight: bold; }")
                               .arg(color.name()));
    QStringList parts;
    parts << tr("tenant %1").arg(agent.tenantId);
    if (agent.environment)
        parts << tr("environment %1").arg(*agent.environment);
    if (!agent.tags.isEmpty())
        parts << tr("tags %1").arg(agent.tags.join(QStringLiteral(", ")));
    parts << tr("every %1, grace %2").arg(formatDuration(qint64(agent.intervalSecs) * 1000),
                                          formatDuration(qint64(agent.graceSecs) * 1000));
    parts << (agent.lastSeenAt.isValid() ? tr("last seen %1").arg(formatTime(agent.lastSeenAt)) : tr("never seen"));
    if (agent.stateChangedAt.isValid())
        parts << tr("%1 since %2").arg(stateName(agent.state), formatTime(agent.stateChangedAt));
    if (agent.misses > 0)
        parts << tr("%n missed", nullptr, agent.misses);
    m_summary->setText(parts.join(QStringLiteral(" · ")));

    const bool paused = agent.state == AgentState::Paused;
    m_pause->setEnabled(true);
    m_pause->setText(paused ? tr("Resume") : tr("Pause"));
    m_pause->setIcon(icon(paused ? Icon::Resume : Icon::Pause));

    if (first || !m_formDirty) {
        m_filling = true;
        m_interval->setValue(agent.intervalSecs);
        m_grace->setValue(agent.graceSecs);
        m_tenant->setText(agent.tenantId);
        m_environment->setText(agent.environment.value_or(QString()));
        m_tags->setText(agent.tags.join(QStringLiteral(", ")));
        m_filling = false;
    }
    updatePing();
    if (stateChanged)
        reloadIncidents();
    Q_EMIT agentLoaded();
}

qint64 AgentDetail::windowMs() const
{
    switch (m_window) {
    case Window::Minutes15: return 15 * 60 * 1000;
    case Window::Hour1: return 60 * 60 * 1000;
    case Window::Hours24: return 24 * 60 * 60 * 1000;
    }
    return 60 * 60 * 1000;
}

void AgentDetail::setWindow(Window window)
{
    if (m_window == window)
        return;
    m_window = window;
    reloadHeartbeats();
}

void AgentDetail::reloadHeartbeats()
{
    const quint64 request = ++m_request;
    const QString id = m_agentId;
    const qint64 cutoff = QDateTime::currentMSecsSinceEpoch() - windowMs();
    m_reading = true;
    m_backend
        .read([id, cutoff](Store &store) {
            return readHeartbeats(store, id, 1000, kMaxHeartbeats, [=](const Heartbeat &beat) { return beat.receivedAt.toMSecsSinceEpoch() < cutoff; });
        })
        .then(this, [this, request](Result<HeartbeatWindow> window) {
            if (request != m_request)
                return; // the window changed meanwhile
            m_reading = false;
            if (!window) {
                m_chartNote->setText(tr("Cannot read heartbeats: %1").arg(window.error().message));
                return;
            }
            mergeHeartbeats(std::move(window->beats), true, window->truncated);
        });
}

void AgentDetail::reloadNewHeartbeats()
{
    if (m_reading)
        return; // a full read is under way and brings these too
    if (m_beats.empty() || m_truncated) {
        reloadHeartbeats();
        return;
    }
    const quint64 request = ++m_request;
    const QString id = m_agentId;
    const qint64 newest = m_beats.back().id;
    m_reading = true;
    m_backend
        .read([id, newest](Store &store) {
            return readHeartbeats(store, id, 200, kMaxHeartbeats, [=](const Heartbeat &beat) { return beat.id <= newest; });
        })
        .then(this, [this, request](Result<HeartbeatWindow> window) {
            if (request != m_request)
                return;
            m_reading = false;
            if (!window)
                return; // the next frame tries again
            if (window->truncated) {
                reloadHeartbeats();
                return;
            }
            mergeHeartbeats(std::move(window->beats), false, false);
        });
}

void AgentDetail::mergeHeartbeats(std::vector<Heartbeat> newestFirst, bool replace, bool truncated)
{
    std::reverse(newestFirst.begin(), newestFirst.end());
    if (replace) {
        m_beats = std::move(newestFirst);
        m_truncated = truncated;
    } else {
        m_beats.insert(m_beats.end(), std::make_move_iterator(newestFirst.begin()),
                       std::make_move_iterator(newestFirst.end()));
    }
    // The window slides: drop what fell out of it, and keep the cap.
    const qint64 cutoff = QDateTime::currentMSecsSinceEpoch() - windowMs();
    const auto firstKept = std::find_if(m_beats.begin(), m_beats.end(),
                                        [cutoff](const Heartbeat &b) { return b.receivedAt.toMSecsSinceEpoch() >= cutoff; });
    m_beats.erase(m_beats.begin(), firstKept);
    if (int(m_beats.size()) > kMaxHeartbeats) {
        m_beats.erase(m_beats.begin(), m_beats.end() - kMaxHeartbeats);
        m_truncated = true;
    }
    rebuildCharts();
    rebuildLog();
    Q_EMIT heartbeatsLoaded();
}

AgentDetail::Chart &AgentDetail::chartFor(const QString &measure)
{
    auto it = m_charts.find(measure);
    if (it != m_charts.end())
        return *it;
    Chart chart;
    chart.view = makeChartView(measureTitle(measure), m_chartArea);
    chart.series = new QLineSeries;
    chart.series->setName(measureTitle(measure));
    chart.series->setPointsVisible(false);
    QPen pen = chart.series->pen();
    pen.setWidthF(1.6);
    pen.setColor(measure == kIntervalMeasure ? stateColor(AgentState::Up) : palette().link().color());
    chart.series->setPen(pen);
    chart.view->chart()->addSeries(chart.series);
    std::tie(chart.x, chart.y) = addTimeAxes(chart.view->chart());
    chart.series->attachAxis(chart.x);
    chart.series->attachAxis(chart.y);
    applyPalette(chart.view->chart(), this);
    const int position = int(m_chartOrder.size());
    m_chartGrid->addWidget(chart.view, position / 2, position % 2);
    m_chartOrder.append(measure);
    return *m_charts.insert(measure, chart);
}

void AgentDetail::rebuildCharts()
{
    std::map<QString, QList<QPointF>> points;
    QList<QPointF> &intervals = points[kIntervalMeasure];
    std::vector<std::pair<QString, double>> leaves;
    qint64 previous = 0;
    for (const Heartbeat &beat : m_beats) {
        const qint64 at = beat.receivedAt.toMSecsSinceEpoch();
        if (previous)
            intervals.append(QPointF(qreal(at), (at - previous) / 1000.0));
        previous = at;
        if (beat.stats.is_null())
            continue;
        leaves.clear();
        flatten(beat.stats, QString(), leaves);
        for (const auto &[name, value] : leaves)
            points[name].append(QPointF(qreal(at), value));
    }
    const QDateTime now = QDateTime::currentDateTime();
    const QDateTime from = now.addMSecs(-windowMs());
    const QString format = m_window == Window::Minutes15 ? QStringLiteral("HH:mm:ss") : QStringLiteral("HH:mm");
    for (const auto &[name, list] : points) {
        Chart &chart = chartFor(name);
        chart.series->replace(list);
        double top = 0;
        for (const QPointF &p : list)
            top = std::max(top, p.y());
        chart.y->setRange(0, top > 0 ? top * 1.15 : 1.0);
        chart.y->applyNiceNumbers();
        chart.x->setRange(from, now);
        chart.x->setFormat(format);
    }
    // A measure that vanished from the window keeps its chart, empty.
    for (const QString &name : std::as_const(m_chartOrder)) {
        if (points.find(name) == points.end()) {
            Chart &chart = m_charts[name];
            chart.series->clear();
            chart.x->setRange(from, now);
        }
    }
    QString note = tr("%n heartbeat(s) in the window", nullptr, int(m_beats.size()));
    if (m_truncated)
        note += QStringLiteral(" · ") + tr("only the latest %1 are charted").arg(kMaxHeartbeats);
    m_chartNote->setText(note);
}

void AgentDetail::rebuildLog()
{
    m_log->setUpdatesEnabled(false);
    m_log->clear();
    const qint64 late = (qint64(m_agent.intervalSecs) + m_agent.graceSecs) * 1000;
    const int first = std::max(0, int(m_beats.size()) - kLogRows);
    QList<QTreeWidgetItem *> items;
    const QColor down = stateColor(AgentState::Down);
    for (int i = int(m_beats.size()) - 1; i >= first; --i) {
        const Heartbeat &beat = m_beats[size_t(i)];
        auto *item = new QTreeWidgetItem;
        item->setText(0, formatTime(beat.receivedAt));
        item->setText(1, toString(beat.kind));
        item->setText(2, beat.exitCode ? QString::number(*beat.exitCode) : QString());
        item->setText(3, beat.durationMs ? formatDuration(*beat.durationMs) : QString());
        item->setText(4, beat.message.value_or(QString()).left(300));
        const bool failed = beat.kind == HeartbeatKind::Fail || (beat.exitCode && *beat.exitCode != 0);
        if (failed)
            for (int c = 0; c < 5; ++c)
                item->setForeground(c, down);
        items.append(item);
        if (i > 0 && m_loaded && late > 0) {
            const qint64 gap = beat.receivedAt.toMSecsSinceEpoch() - m_beats[size_t(i - 1)].receivedAt.toMSecsSinceEpoch();
            if (gap > late) {
                auto *missed = new QTreeWidgetItem;
                missed->setText(1, tr("missed"));
                missed->setText(4, tr("no heartbeat for %1 (interval + grace is %2)")
                                       .arg(formatDuration(gap), formatDuration(late)));
                for (int c = 0; c < 5; ++c)
                    missed->setForeground(c, stateColor(AgentState::Late));
                QFont italic = missed->font(4);
                italic.setItalic(true);
                missed->setFont(4, italic);
                items.append(missed);
            }
        }
    }
    m_log->addTopLevelItems(items);
    m_log->setUpdatesEnabled(true);
}

void AgentDetail::reloadIncidents()
{
    const QString id = m_agentId;
    m_backend
        .read([id](Store &store) {
            IncidentFilter filter;
            filter.resourceId = id;
            return store.listIncidents(filter, PageRequest { 100, QString() });
        })
        .then(this, [this](Result<Page<Incident>> page) {
            m_incidents->clear();
            if (!page) {
                auto *item = new QTreeWidgetItem(m_incidents);
                item->setText(1, tr("Cannot read incidents: %1").arg(page.error().message));
                return;
            }
            int open = 0;
            for (const Incident &incident : page->items) {
                auto *item = new QTreeWidgetItem(m_incidents);
                item->setText(0, formatTime(incident.openedAt));
                item->setText(1, incident.title);
                item->setText(2, incident.severity);
                const bool isOpen = incident.status == IncidentStatus::Open;
                open += isOpen ? 1 : 0;
                item->setText(3, isOpen ? tr("open") : tr("resolved"));
                item->setForeground(3, isOpen ? stateColor(AgentState::Down) : stateColor(AgentState::Up));
                item->setText(4, incident.resolvedAt.isValid() ? formatTime(incident.resolvedAt) : QString());
                item->setData(0, Qt::UserRole, incident.runId.value_or(QString()));
            }
            const int index = m_tabs->indexOf(m_incidents->parentWidget());
            m_tabs->setTabText(index, open ? tr("Incidents (%1 open)").arg(open) : tr("Incidents"));
        });
}

void AgentDetail::togglePause()
{
    const bool pause = m_agent.state != AgentState::Paused;
    m_pause->setEnabled(false);
    m_backend.setPaused(m_agentId, pause).then(this, [this](Result<Agent> agent) {
        m_pause->setEnabled(true);
        if (!agent) {
            QMessageBox::warning(this, windowTitle(), tr("Cannot change the agent: %1").arg(agent.error().message));
            return;
        }
        reloadAgent();
    });
}

void AgentDetail::save()
{
    Agent agent = m_agent;
    agent.intervalSecs = m_interval->value();
    agent.graceSecs = m_grace->value();
    agent.tenantId = m_tenant->text().trimmed();
    const QString environment = m_environment->text().trimmed();
    agent.environment = environment.isEmpty() ? std::nullopt : std::optional<QString>(environment);
    agent.tags.clear();
    for (const QString &tag : m_tags->text().split(QLatin1Char(','), Qt::SkipEmptyParts))
        if (const QString trimmed = tag.trimmed(); !trimmed.isEmpty() && !agent.tags.contains(trimmed))
            agent.tags.append(trimmed);
    if (agent.tenantId.isEmpty()) {
        m_saveStatus->setText(tr("The tenant cannot be empty."));
        return;
    }
    m_save->setEnabled(false);
    m_saveStatus->setText(tr("Saving…"));
    m_backend.saveAgent(agent).then(this, [this](Result<Agent> stored) {
        m_save->setEnabled(true);
        if (!stored) {
            m_saveStatus->setText(tr("Not saved: %1").arg(stored.error().message));
            return;
        }
        m_saveStatus->setText(tr("Saved."));
        m_formDirty = false;
        showAgent(*stored);
    });
}

void AgentDetail::rotateKey()
{
    const auto answer = QMessageBox::question(
        this, tr("Rotate key"),
        tr("Give %1 a new signing key? Its heartbeats are refused until the host has the new key.").arg(m_agentId));
    if (answer != QMessageBox::Yes)
        return;
    m_backend.rotateKey(m_agentId).then(this, [this](Result<Agent> agent) {
        if (!agent || !agent->hmacKey) {
            QMessageBox::warning(this, tr("Rotate key"),
                                 tr("The key was not rotated: %1").arg(agent ? tr("no key answered") : agent.error().message));
            return;
        }
        showAgent(*agent);
        // Shown once: the dashboard never displays a stored key again.
        QDialog shown(this);
        shown.setWindowTitle(tr("New key for %1").arg(m_agentId));
        auto *layout = new QVBoxLayout(&shown);
        auto *note = new QLabel(tr("Copy this key now: it is not shown again. Put it in %1 on the agent's host.")
                                    .arg(defaultKeyFile(m_agentId)),
                                &shown);
        note->setWordWrap(true);
        layout->addWidget(note);
        auto *key = new QLineEdit(*agent->hmacKey, &shown);
        key->setReadOnly(true);
        key->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
        key->setMinimumWidth(key->fontMetrics().horizontalAdvance(*agent->hmacKey) + 24);
        layout->addWidget(key);
        auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, &shown);
        QPushButton *copy = buttons->addButton(tr("Copy"), QDialogButtonBox::ActionRole);
        copy->setIcon(icon(Icon::Copy));
        const QString value = *agent->hmacKey;
        connect(copy, &QPushButton::clicked, &shown, [value] { QGuiApplication::clipboard()->setText(value); });
        connect(buttons, &QDialogButtonBox::rejected, &shown, &QDialog::reject);
        layout->addWidget(buttons);
        shown.exec();
    });
}

void AgentDetail::deleteAgent()
{
    const auto answer = QMessageBox::warning(
        this, tr("Delete agent"),
        tr("Delete %1 and its heartbeat history? This cannot be undone.").arg(m_agentId),
        QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer != QMessageBox::Yes)
        return;
    m_backend.deleteAgent(m_agentId).then(this, [this](Status status) {
        if (!status) {
            QMessageBox::warning(this, tr("Delete agent"), tr("Not deleted: %1").arg(status.error().message));
            return;
        }
        Q_EMIT deleted();
        close();
    });
}

void AgentDetail::changeEvent(QEvent *event)
{
    QDialog::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange)
        for (auto it = m_charts.cbegin(); it != m_charts.cend(); ++it) {
            applyPalette(it->view->chart(), this);
            if (it.key() != kIntervalMeasure) {
                QPen pen = it->series->pen();
                pen.setColor(palette().link().color());
                it->series->setPen(pen);
            }
        }
}

QStringList AgentDetail::measures() const
{
    return m_chartOrder;
}

QLineSeries *AgentDetail::series(const QString &measure) const
{
    const auto it = m_charts.find(measure);
    return it == m_charts.end() ? nullptr : it->series;
}

} // namespace vigil::ui
