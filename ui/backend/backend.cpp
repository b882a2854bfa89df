// SPDX-License-Identifier: GPL-3.0-or-later
#include "backend/backend.h"

#include "api/adminapi.h"
#include "core/logging.h"
#include "heartbeat/collectorhost.h"
#include "heartbeat/demofleet.h"
#include "heartbeat/signing.h"
#include "workflow/importer.h"

#include <QHash>
#include <QPromise>
#include <QThread>
#include <QTimer>

namespace vigil::ui {

namespace {

constexpr int kFrameIntervalMs = 100; // at most ten frames a second

// Lives on the engine thread: keeps the latest of each run, step and workflow the engine
// announced, and hands them to the Backend as one frame per tick.
class EngineFrames final : public QObject
{
public:
    EngineFrames(Engine &engine, Backend *backend) : QObject(&engine), m_engine(engine), m_backend(backend)
    {
        connect(&engine, &Engine::runChanged, this, [this](const WorkflowRun &run) {
            WorkflowRun head = run;
            // Views need the head and the workflow's name; the steps are read on demand.
            head.definitionSnapshot = slimDefinition(run);
            m_runs.insert(run.id, std::move(head));
            arm();
        });
        connect(&engine, &Engine::stepChanged, this, [this](const WorkflowStepRun &step) {
            m_steps.insert(step.id, step);
            arm();
        });
        connect(&engine, &Engine::signalEmitted, this, [this](const TriggerEnvelope &signal) {
            m_signals.push_back(signal);
            arm();
        });
        connect(&engine, &Engine::workflowChanged, this, [this](const QString &id) {
            m_names.remove(id); // renamed, perhaps
            if (!m_workflows.contains(id))
                m_workflows.push_back(id);
            arm();
        });
        connect(&engine, &Engine::notificationRequested, this,
                [this](const QString &title, const QString &body, const QString &severity) {
                    QMetaObject::invokeMethod(
                        m_backend, [b = m_backend, title, body, severity] { Q_EMIT b->notificationRequested(title, body, severity); },
                        Qt::QueuedConnection);
                });
        m_timer.setSingleShot(true);
        m_timer.setInterval(kFrameIntervalMs);
        connect(&m_timer, &QTimer::timeout, this, [this] { send(); });
    }

private:
    // The engine announces run heads (without their snapshot): name them from a cache.
    WorkflowDefinition slimDefinition(const WorkflowRun &run)
    {
        WorkflowDefinition slim;
        slim.id = run.definitionId;
        if (!run.definitionSnapshot.name.isEmpty()) {
            slim.name = run.definitionSnapshot.name;
            slim.version = run.definitionSnapshot.version;
            slim.triggerType = run.definitionSnapshot.triggerType;
            m_names.insert(run.definitionId, slim);
            return slim;
        }
        auto cached = m_names.constFind(run.definitionId);
        if (cached != m_names.constEnd())
            return *cached;
        if (Result<WorkflowDefinition> definition = m_engine.store().getDefinition(run.definitionId)) {
            slim.name = definition->name;
            slim.version = definition->version;
            slim.triggerType = definition->triggerType;
        } else {
            slim.name = run.definitionId; // deleted since: its id is all there is
        }
        m_names.insert(run.definitionId, slim);
        return slim;
    }

    void arm()
    {
        if (!m_timer.isActive())
            m_timer.start();
    }

    void send()
    {
        QList<WorkflowRun> runs = m_runs.values();
        QList<WorkflowStepRun> steps = m_steps.values();
        QList<TriggerEnvelope> signalList = std::move(m_signals);
        QStringList workflows = std::move(m_workflows);
        m_runs.clear();
        m_steps.clear();
        m_signals.clear();
        m_workflows.clear();
        QMetaObject::invokeMethod(
            m_backend,
            [b = m_backend, runs = std::move(runs), steps = std::move(steps), signalList = std::move(signalList),
             workflows = std::move(workflows)] {
                if (!signalList.isEmpty())
                    Q_EMIT b->signalsEmitted(signalList);
                if (!runs.isEmpty())
                    Q_EMIT b->runsChanged(runs);
                if (!steps.isEmpty())
                    Q_EMIT b->stepsChanged(steps);
                if (!workflows.isEmpty())
                    Q_EMIT b->workflowsChanged(workflows);
            },
            Qt::QueuedConnection);
    }

    Engine &m_engine;
    Backend *m_backend;
    QHash<QString, WorkflowDefinition> m_names;
    QHash<QString, WorkflowRun> m_runs;
    QHash<QString, WorkflowStepRun> m_steps;
    QList<TriggerEnvelope> m_signals;
    QStringList m_workflows;
    QTimer m_timer;
};

HandlerInfo handlerInfo(const QString &name, const QString &description, const std::vector<ConfigField> &schema,
                        bool replaySafe)
{
    return HandlerInfo { name, description, replaySafe, schema };
}

} // namespace

const HandlerInfo *Catalog::action(const QString &name) const
{
    for (const HandlerInfo &info : actions) {
        if (info.name == name)
            return &info;
    }
    return nullptr;
}

const HandlerInfo *Catalog::condition(const QString &name) const
{
    for (const HandlerInfo &info : conditions) {
        if (info.name == name)
            return &info;
    }
    return nullptr;
}

Backend::Backend(BackendOptions options, QObject *parent) : QObject(parent), m_options(std::move(options))
{
    registerMetaTypes();
    qRegisterMetaType<vigil::ui::CollectorTotals>();
    qRegisterMetaType<QList<vigil::AgentSnapshot>>();
    m_options.collector.store = m_options.store;
    // Reads wait for the engine's migration (a fresh database has no tables before it).
    m_reads = std::make_unique<StoreThread>(m_options.store, QStringLiteral("vigil-reads"), false);
    EngineHost::Config config;
    config.store = m_options.store;
    config.engine = m_options.engine;
    config.setup = [this](Engine &engine) { new EngineFrames(engine, this); };
    m_engineHost = std::make_unique<EngineHost>(std::move(config));

    CollectorOptions collectorOptions = m_options.collector;
    EngineHost *engineHost = m_engineHost.get();
    const QString token = m_options.collector.token;
    // The dashboard serves the same admin API as vigild, so scripts and vigil-agent work
    // against either.
    collectorOptions.installRoutes = [engineHost, token](http::Server &server, Collector &collector) {
        installAdminApi(server, *engineHost, token, collector.adminHooks());
    };
    m_collectorHost = std::make_unique<CollectorHost>(std::move(collectorOptions), engineHost);
    connect(m_collectorHost->collector(), &Collector::agentsChanged, this, &Backend::agentsChanged,
            Qt::QueuedConnection);

    m_totalsTimer = new QTimer(this);
    m_totalsTimer->setInterval(1000);
    connect(m_totalsTimer, &QTimer::timeout, this, &Backend::sampleTotals);
}

Backend::~Backend()
{
    if (m_starter) {
        m_starter->wait();
        delete m_starter;
    }
    m_demo.reset();
    m_collectorHost.reset();
    m_engineHost.reset();
    m_reads.reset();
}

void Backend::start()
{
    if (m_starter)
        return;
    // The engine's and collector's start() block until their thread finished starting (a
    // migration on a remote PostgreSQL may take seconds): wait for them on a thread of our
    // own, never on the GUI thread.
    m_starter = QThread::create([this] {
        Status status = m_engineHost->start();
        if (status && !m_options.importFile.isEmpty())
            status = importWorkflows(*m_engineHost, m_options.importFile);
        if (status) {
            Result<quint16> port = m_collectorHost->start();
            if (!port)
                status = makeError(port.error().code, QStringLiteral("cannot listen on %1:%2: %3")
                                                          .arg(m_options.collector.address.toString())
                                                          .arg(m_options.collector.port)
                                                          .arg(port.error().message));
            else
                m_port = *port;
        }
        if (status) {
            QFuture<std::pair<Catalog, QString>> info = m_engineHost->call([](Engine &engine) {
                Catalog catalog;
                Registry &registry = engine.registry();
                catalog.triggerTypes = registry.triggerTypes();
                for (const QString &name : registry.actionNames()) {
                    const Registry::Action *action = registry.action(name);
                    catalog.actions.push_back(handlerInfo(name, action->options.description,
                                                          action->options.configSchema, action->options.replaySafe));
                }
                for (const QString &name : registry.conditionNames()) {
                    const Registry::Condition *condition = registry.condition(name);
                    catalog.conditions.push_back(
                        handlerInfo(name, condition->options.description, condition->options.configSchema, true));
                }
                return std::make_pair(std::move(catalog), engine.store().describe());
            });
            info.waitForFinished();
            if (info.resultCount() > 0) {
                m_catalog = info.result().first;
                m_databaseDescription = info.result().second;
            }
        }
        if (status)
            m_reads->setReady();
        QMetaObject::invokeMethod(this, [this, status] { finishStart(status); }, Qt::QueuedConnection);
    });
    m_starter->setObjectName(QStringLiteral("vigil-start"));
    m_starter->start();
}

void Backend::finishStart(const Status &status)
{
    if (!status) {
        qCWarning(lcApp).noquote() << "cannot start:" << status.error().message;
        Q_EMIT startFailed(status.error().message);
        return;
    }
    m_started = true;
    qCInfo(lcApp).noquote() << "listening on" << listenAddress();
    m_totalsTimer->start();
    if (m_options.demoAgents > 0) {
        DemoFleetOptions demo;
        demo.baseUrl = QUrl(baseUrl());
        demo.token = token();
        demo.agents = m_options.demoAgents;
        m_demo = std::make_unique<DemoFleet>(demo);
        m_demo->start();
    }
    Q_EMIT started();
}

QString Backend::listenAddress() const
{
    const QHostAddress &address = m_options.collector.address;
    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol ? QLatin1Char('[') + address.toString() + QLatin1Char(']')
                                                                             : address.toString();
    return host + QLatin1Char(':') + QString::number(m_port ? m_port : m_options.collector.port);
}

QString Backend::baseUrl() const
{
    QHostAddress address = m_options.collector.address;
    // Listening on every interface: reach it on loopback.
    if (address == QHostAddress::Any || address == QHostAddress::AnyIPv4)
        address = QHostAddress::LocalHost;
    else if (address == QHostAddress::AnyIPv6)
        address = QHostAddress::LocalHostIPv6;
    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol ? QLatin1Char('[') + address.toString() + QLatin1Char(']')
                                                                             : address.toString();
    return QStringLiteral("http://") + host + QLatin1Char(':') + QString::number(m_port ? m_port : m_options.collector.port);
}

void Backend::sampleTotals()
{
    Collector *collector = m_collectorHost->collector();
    QMetaObject::invokeMethod(
        collector,
        [collector, self = QPointer<Backend>(this)] {
            const Collector::Counters counters = collector->counters();
            CollectorTotals totals;
            totals.sampledAtMs = QDateTime::currentMSecsSinceEpoch();
            totals.accepted = counters.accepted;
            totals.stored = counters.stored;
            totals.signalsRaised = counters.signalsRaised;
            if (self)
                QMetaObject::invokeMethod(self, [self, totals] { if (self) Q_EMIT self->totalsSampled(totals); }, Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

QFuture<Result<Agent>> Backend::setPaused(const QString &id, bool pause)
{
    auto promise = std::make_shared<QPromise<Result<Agent>>>();
    promise->start();
    QFuture<Result<Agent>> future = promise->future();
    Collector *collector = m_collectorHost->collector();
    QMetaObject::invokeMethod(
        collector,
        [collector, promise, id, pause] {
            collector->setPaused(id, pause, [promise](const Result<Agent> &agent) {
                promise->addResult(agent);
                promise->finish();
            });
        },
        Qt::QueuedConnection);
    return future;
}

QFuture<Result<Agent>> Backend::saveAgent(const Agent &agent)
{
    Collector *collector = m_collectorHost->collector();
    return m_engineHost->call([agent, collector](Engine &engine) -> Result<Agent> {
        if (Status valid = checkAgentId(agent.id); !valid)
            return valid.error();
        Result<Agent> stored = engine.store().upsertAgent(agent);
        if (stored)
            QMetaObject::invokeMethod(collector, [collector, a = *stored] { collector->agentConfigured(a); }, Qt::QueuedConnection);
        return stored;
    });
}

QFuture<Status> Backend::deleteAgent(const QString &id)
{
    Collector *collector = m_collectorHost->collector();
    return m_engineHost->call([id, collector](Engine &engine) -> Status {
        Status deleted = engine.store().deleteAgent(id);
        if (deleted)
            QMetaObject::invokeMethod(collector, [collector, id] { collector->agentDeleted(id); }, Qt::QueuedConnection);
        return deleted;
    });
}

QFuture<Result<Agent>> Backend::rotateKey(const QString &id)
{
    Collector *collector = m_collectorHost->collector();
    return m_engineHost->call([id, collector](Engine &engine) -> Result<Agent> {
        Result<Agent> agent = engine.store().getAgent(id);
        if (!agent)
            return agent;
        agent->hmacKey = QString::fromLatin1(signing::generateKey());
        Result<Agent> stored = engine.store().upsertAgent(*agent);
        if (stored)
            QMetaObject::invokeMethod(collector, [collector, a = *stored] { collector->agentConfigured(a); }, Qt::QueuedConnection);
        return stored;
    });
}

} // namespace vigil::ui
