// SPDX-License-Identifier: GPL-3.0-or-later
#include "heartbeat/collector.h"

#include "core/isotime.h"
#include "core/logging.h"
#include "heartbeat/livenesstracker.h"
#include "heartbeat/signing.h"
#include "api/prometheustext.h"
#include "store/storethread.h"
#include "workflow/enginehost.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QHttpServerRequest>
#include <QMutex>
#include <QPointer>
#include <QSet>
#include <QThread>
#include <QTimer>

#include <atomic>
#include <unordered_map>

namespace vigil {

namespace {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QDateTime fromMs(qint64 ms)
{
    return ms ? QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC) : QDateTime();
}

QString signalType(liveness::SignalKind kind)
{
    switch (kind) {
    case liveness::SignalKind::Missed: return QStringLiteral("heartbeat.missed");
    case liveness::SignalKind::Recovered: return QStringLiteral("heartbeat.recovered");
    case liveness::SignalKind::Failed: return QStringLiteral("heartbeat.failed");
    case liveness::SignalKind::None: break;
    }
    return QString();
}

// What a heartbeat request says, parsed and checked before anything is stored.
struct Beat
{
    HeartbeatKind kind = HeartbeatKind::Ping;
    std::optional<int> exitCode;
    std::optional<QString> message;
    Json stats;
    std::optional<int> intervalSecs;
    std::optional<QString> tenantId;
    std::optional<QString> environment;
    std::optional<QString> rid;
};

constexpr qsizetype kMaxMessage = 10 * 1024;

// The signature check for an agent with a key (none: nothing to check).
Status checkSignature(const liveness::Entry &entry, const QByteArray &timestamp, const QByteArray &signature,
                      const QByteArray &body)
{
    if (!entry.key)
        return {};
    return signing::verify(*entry.key, timestamp, signature, body, QDateTime::currentDateTimeUtc());
}

Result<Beat> parseBeat(const QHttpServerRequest &request, HeartbeatKind kind, std::optional<int> exitCode)
{
    Beat beat;
    beat.kind = kind;
    beat.exitCode = exitCode;
    const QString rid = request.query().queryItemValue(QStringLiteral("rid"), QUrl::FullyDecoded);
    if (!rid.isEmpty()) {
        if (rid.size() > 128)
            return makeError(ErrorCode::Invalid, QStringLiteral("rid: at most 128 characters"));
        beat.rid = rid;
    }
    const QByteArray body = request.body();
    if (body.trimmed().isEmpty())
        return beat;
    const QByteArray type = request.value("Content-Type").toLower();
    const QByteArray start = body.trimmed().left(1);
    if (!type.contains("json") && start != "{" && start != "[") {
        // A plain-text body is the message (healthchecks.io's convention for /fail, /log...).
        beat.message = QString::fromUtf8(body.right(kMaxMessage));
        return beat;
    }
    Result<Json> json = parseJson(body);
    if (!json)
        return makeError(ErrorCode::Invalid, QStringLiteral("body: %1").arg(json.error().message));
    if (!json->is_object())
        return makeError(ErrorCode::Invalid, QStringLiteral("body: expected a JSON object"));
    JsonReader reader(*json, QString());
    if (std::optional<Json> stats = reader.object("stats"))
        beat.stats = std::move(*stats);
    const std::optional<QString> status = reader.string("status");
    const std::optional<QString> message = reader.string("message");
    const std::optional<qint64> interval = reader.integer("intervalSecs");
    beat.tenantId = reader.string("tenantId");
    beat.environment = reader.string("environment");
    const std::optional<qint64> code = reader.integer("exitCode");
    if (!reader.ok())
        return reader.error();
    if (message)
        beat.message = message->right(kMaxMessage);
    if (interval) {
        if (*interval < 1 || *interval > 366 * 24 * 3600)
            return makeError(ErrorCode::Invalid, QStringLiteral("intervalSecs: expected 1 to 31622400, got %1").arg(*interval));
        beat.intervalSecs = int(*interval);
    }
    if (beat.tenantId && (beat.tenantId->isEmpty() || beat.tenantId->size() > 128))
        return makeError(ErrorCode::Invalid, QStringLiteral("tenantId: expected 1 to 128 characters"));
    if (status && kind == HeartbeatKind::Ping) {
        const QString s = status->toLower();
        if (s == QLatin1String("fail") || s == QLatin1String("failed") || s == QLatin1String("down")
            || s == QLatin1String("error")) {
            beat.kind = code ? HeartbeatKind::Exit : HeartbeatKind::Fail;
        } else if (s != QLatin1String("up") && s != QLatin1String("ok")) {
            return makeError(ErrorCode::Invalid,
                             QStringLiteral("status: expected \"up\", \"ok\", \"fail\" or \"down\", got \"%1\"").arg(*status));
        }
    }
    if (code && kind == HeartbeatKind::Ping) {
        if (*code < 0 || *code > 255)
            return makeError(ErrorCode::Invalid, QStringLiteral("exitCode: expected 0 to 255"));
        beat.kind = HeartbeatKind::Exit;
        beat.exitCode = int(*code);
    }
    return beat;
}

struct Waiter
{
    std::optional<http::Responder> responder;
    qint64 startedNs = 0;
    QString agentId;
    // Instead of a responder: told when the batch committed (pause/resume, from the API or
    // the dashboard, answer the stored agent).
    std::function<void(const Status &)> committed;
};

struct Raise
{
    liveness::Change change;
    std::optional<std::size_t> guardedUpdate; // index in the batch's updates
};

// A group commit and everything that waits on it.
struct Pending
{
    HeartbeatBatch batch;
    std::unordered_map<QString, std::size_t> updateIndex; // agent -> its entry in batch.updates
    std::vector<Waiter> waiters;
    std::vector<Raise> raises;
    QSet<QString> registered; // agents this batch registers

    bool isEmpty() const
    {
        return batch.heartbeats.empty() && batch.updates.empty() && batch.newAgents.empty() && waiters.empty();
    }
};

} // namespace

struct Collector::Private
{
    Collector *q = nullptr;
    CollectorOptions options;
    EngineHost *engine = nullptr;
    http::Server server;
    liveness::Tracker tracker;
    QElapsedTimer clock;

    // The writer thread and its own store connection.
    QThread writerThread;
    QObject *writerContext = nullptr;
    std::unique_ptr<Store> writerStore;
    // SQLite: no group commit waits for a checkpoint of the WAL (one inside a commit held
    // its answers for tens of ms). A thread of its own copies the WAL into the database on
    // its own connection, without waiting for the writer. That alone never lets a busy
    // writer start the WAL over (it can only when nothing is left to copy as it begins), so
    // once the WAL holds 32 MiB the writer, after answering a batch, copies the last few
    // frames itself; its next commit then starts the WAL from the beginning.
    std::unique_ptr<StoreThread> checkpointer;
    QTimer checkpointTimer;
    bool checkpointing = false;
    std::atomic<int> walFrames = 0; // as the last checkpoint found the WAL

    // The batch being filled. This thread adds to it under the lock; the writer takes it
    // whole as soon as its previous commit is done. Handing it over from this thread instead
    // left the writer idle for about as long as a commit takes: the "committed" event waited
    // behind the requests this thread's event loop was reading.
    QMutex pendingMutex;
    Pending pending;             // guarded by pendingMutex
    bool writerDraining = false; // guarded: the writer has a drain queued or running
    int batchesInFlight = 0;     // guarded: taken by the writer, not yet answered
    QTimer flushTimer;
    bool flushQueued = false;

    QTimer deadlineTimer;
    QTimer publishTimer;
    QTimer retentionTimer;
    QTimer selfTimer;
    QSet<QString> dirty;

    // Unknown ids waiting for the database's answer (another node may know them).
    std::unordered_map<QString, std::vector<std::function<void()>>> lookups;
    QHash<QString, qint64> runStarts; // agentId|rid -> /start time (ms)

    bool stopping = false;
    Counters counters;
    std::map<QString, quint64> rejected; // by reason
    prometheus::Histogram ingestLatency { { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5 } };
    prometheus::Histogram detectionLateness { { 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5 } };
    std::vector<qint64> lateness; // ring of the last detections, ms
    std::size_t latenessNext = 0;
    prometheus::Histogram batchSizes { { 1, 10, 50, 100, 500, 1000, 2500, 5000, 10000 } };

    // ---- writer --------------------------------------------------------------------
    template<typename Job>
    void onWriter(Job job)
    {
        QMetaObject::invokeMethod(writerContext, std::move(job), Qt::QueuedConnection);
    }
    template<typename Fn>
    void onCollector(Fn fn)
    {
        QMetaObject::invokeMethod(q, std::move(fn), Qt::QueuedConnection);
    }

    // ---- ingest --------------------------------------------------------------------
    void handle(const QHttpServerRequest &request, const http::PathArgs &args, http::Responder &&responder,
                HeartbeatKind kind, std::optional<int> exitCode);
    void reject(http::Responder &&responder, const QString &reason, const Error &error)
    {
        ++rejected[reason];
        responder.send(http::Response::error(error));
    }
    void accept(const QString &id, Beat beat, const QHostAddress &source, std::optional<http::Responder> responder,
                qint64 startedNs);
    Agent registration(const QString &id, const Beat &beat) const;
    void lookUp(const QString &id, std::function<void()> retry);
    void addUpdate(const liveness::Change &change, const std::optional<Json> &stats, bool guarded);
    void scheduleFlush();
    void flush();
    void drain();
    void committed(const Result<std::vector<bool>> &result, Pending done);
    void raiseSignals(const std::vector<Raise> &raises);

    // ---- liveness ------------------------------------------------------------------
    void armDeadline();
    void onDeadline();
    void publish();
    void pauseResume(const QString &id, bool pause, std::function<void(Result<Agent>)> done);
    void selfBeat();
    void sweepRetention();
    void checkpoint();
};

Collector::Collector(CollectorOptions options, EngineHost *engine, QObject *parent)
    : QObject(parent), d(std::make_unique<Private>())
{
    qRegisterMetaType<QList<vigil::AgentSnapshot>>();
    d->q = this;
    d->options = std::move(options);
    d->engine = engine;
    d->clock.start();
    d->flushTimer.setSingleShot(true);
    connect(&d->flushTimer, &QTimer::timeout, this, [this] {
        d->flushQueued = false;
        d->flush();
    });
    d->deadlineTimer.setSingleShot(true);
    d->deadlineTimer.setTimerType(Qt::PreciseTimer);
    connect(&d->deadlineTimer, &QTimer::timeout, this, [this] { d->onDeadline(); });
    d->publishTimer.setInterval(100);
    connect(&d->publishTimer, &QTimer::timeout, this, [this] { d->publish(); });
    connect(&d->retentionTimer, &QTimer::timeout, this, [this] { d->sweepRetention(); });
    connect(&d->selfTimer, &QTimer::timeout, this, [this] { d->selfBeat(); });
    d->checkpointTimer.setInterval(100);
    d->checkpointTimer.setSingleShot(true);
    connect(&d->checkpointTimer, &QTimer::timeout, this, [this] { d->checkpoint(); });
}

void Collector::Private::checkpoint()
{
    if (checkpointing)
        return;
    checkpointing = true;
    checkpointer->call([](Store &store) { return store.checkpoint(); })
        .then(q, [this](const Result<int> &frames) {
            checkpointing = false;
            if (!frames) {
                qCWarning(lcCollector).noquote() << "checkpoint:" << frames.error().message;
                return;
            }
            walFrames = *frames;
        });
}

void Collector::Private::sweepRetention()
{
    const QDateTime cutoff = QDateTime::currentDateTimeUtc().addSecs(-qint64(options.retention.count()) * 3600);
    onWriter([this, cutoff] {
        if (Result<qint64> removed = writerStore->deleteHeartbeatsBefore(cutoff); !removed)
            qCWarning(lcCollector).noquote() << "retention:" << removed.error().message;
        else if (*removed > 0)
            qCInfo(lcCollector) << "retention removed" << *removed << "heartbeats";
    });
}

Collector::~Collector()
{
    if (!d->stopping)
        stop();
}

bool Collector::isStopping() const
{
    return d->stopping;
}

quint16 Collector::port() const
{
    return d->server.port();
}

Collector::Counters Collector::counters() const
{
    return d->counters;
}

std::vector<qint64> Collector::recentLateness() const
{
    return d->lateness;
}

Result<quint16> Collector::start()
{
    // The writer's store lives on the writer thread (Qt's rule for QSqlDatabase).
    d->writerThread.setObjectName(QStringLiteral("vigil-writer"));
    d->writerContext = new QObject;
    d->writerContext->moveToThread(&d->writerThread);
    connect(&d->writerThread, &QThread::finished, d->writerContext, &QObject::deleteLater);
    d->writerThread.start();

    Result<std::vector<Agent>> fleet = makeError(ErrorCode::Internal, QString());
    Status opened;
    QMetaObject::invokeMethod(
        d->writerContext,
        [&] {
            StoreOptions writerOptions = d->options.store;
            writerOptions.autoCheckpoint = false; // checkpointer's job (SQLite)
            Result<std::unique_ptr<Store>> store = openStore(writerOptions);
            if (!store) {
                opened = store.error();
                return;
            }
            d->writerStore = std::move(store).value();
            fleet = d->writerStore->allAgents();
        },
        Qt::BlockingQueuedConnection);
    if (!opened)
        return opened.error();
    if (!fleet)
        return fleet.error();
    if (d->writerStore->backend() == Backend::Sqlite) {
        d->checkpointer = std::make_unique<StoreThread>(d->options.store, QStringLiteral("vigil-checkpoint"));
    }
    // One pass: every agent gets a fresh interval + grace from now (see Tracker::load).
    d->tracker.load(*fleet, nowMs());
    qCInfo(lcCollector) << "tracking" << fleet->size() << "agents";

    using http::Method;
    const int getPost = int(Method::Get) | int(Method::Post);
    auto route = [this](HeartbeatKind kind) {
        return http::Handler([this, kind](const QHttpServerRequest &request, const http::PathArgs &args,
                                          http::Responder &&responder) {
            d->handle(request, args, std::move(responder), kind, std::nullopt);
        });
    };
    d->server.route(getPost, QStringLiteral("/heartbeat/{id}"), route(HeartbeatKind::Ping));
    d->server.route(getPost, QStringLiteral("/heartbeat/{id}/start"), route(HeartbeatKind::Start));
    d->server.route(getPost, QStringLiteral("/heartbeat/{id}/fail"), route(HeartbeatKind::Fail));
    d->server.route(getPost, QStringLiteral("/heartbeat/{id}/log"), route(HeartbeatKind::Log));
    d->server.route(getPost, QStringLiteral("/heartbeat/{id}/{exitCode}"),
                    http::Handler([this](const QHttpServerRequest &request, const http::PathArgs &args,
                                         http::Responder &&responder) {
                        bool ok = false;
                        const int code = args.at(1).toInt(&ok);
                        if (!ok || code < 0 || code > 255 || args.at(1).size() > 3) {
                            d->reject(std::move(responder), QStringLiteral("bad_request"),
                                      makeError(ErrorCode::NotFound,
                                                QStringLiteral("no such endpoint: expected /heartbeat/{id}/start, "
                                                               "/fail, /log or an exit code 0-255")));
                            return;
                        }
                        d->handle(request, args, std::move(responder), HeartbeatKind::Exit, code);
                    }));
    d->server.route(int(Method::Get), QStringLiteral("/status/{id}"),
                    http::SyncHandler([this](const QHttpServerRequest &, const http::PathArgs &args) {
                        const QString &id = args.at(0);
                        if (Status valid = checkAgentId(id); !valid)
                            return http::Response::error(valid.error());
                        const liveness::Entry *entry = d->tracker.find(id);
                        if (!entry)
                            return http::Response::error(404, QStringLiteral("not_found"),
                                                         QStringLiteral("agent %1 not found").arg(id));
                        Json body = { { "id", toStd(id) }, { "state", toStd(toString(entry->state)) },
                                      { "misses", entry->misses } };
                        body["lastSeenAt"] = entry->lastSeenMs ? Json(toStd(toIsoUtc(fromMs(entry->lastSeenMs)))) : Json();
                        body["alive"] = entry->state != AgentState::Down;
                        return http::Response::json(entry->state == AgentState::Down ? 503 : 200, body);
                    }));
    if (d->options.installRoutes)
        d->options.installRoutes(d->server, *this);

    Result<quint16> port = d->server.listen(d->options.address, d->options.port);
    if (!port)
        return port;
    d->armDeadline();
    d->publishTimer.start();
    d->retentionTimer.start(int(std::chrono::milliseconds(d->options.retentionSweep).count()));
    d->sweepRetention();
    if (!d->options.selfAgentId.isEmpty()) {
        d->selfTimer.start(d->options.selfIntervalSecs * 1000);
        d->selfBeat();
    }
    qCInfo(lcCollector).noquote() << "listening on" << d->options.address.toString() + QLatin1Char(':')
            + QString::number(*port);
    return port;
}

AdminApiHooks Collector::adminHooks()
{
    AdminApiHooks hooks;
    hooks.agentConfigured = [this](const Agent &agent) { agentConfigured(agent); };
    hooks.agentDeleted = [this](const QString &id) { agentDeleted(id); };
    hooks.pauseResume = [this](const QString &id, bool pause, http::Responder &&responder) {
        auto shared = std::make_shared<http::Responder>(std::move(responder));
        setPaused(id, pause, [shared](const Result<Agent> &agent) {
            shared->send(agent ? http::Response::json(200, toJson(*agent)) : http::Response::error(agent.error()));
        });
    };
    hooks.collectorMetrics = [this] { return metricsText(); };
    hooks.healthy = [this] { return !d->stopping && d->writerStore != nullptr; };
    return hooks;
}

void Collector::agentConfigured(const Agent &agent)
{
    d->tracker.configure(agent, nowMs());
    d->dirty.insert(agent.id);
    d->armDeadline();
}

void Collector::agentDeleted(const QString &id)
{
    d->tracker.remove(id);
    d->dirty.insert(id);
}

void Collector::setPaused(const QString &id, bool pause, std::function<void(Result<Agent>)> done)
{
    d->pauseResume(id, pause, std::move(done));
}

void Collector::Private::handle(const QHttpServerRequest &request, const http::PathArgs &args,
                                http::Responder &&responder, HeartbeatKind kind, std::optional<int> exitCode)
{
    const qint64 startedNs = clock.nsecsElapsed();
    if (stopping) {
        reject(std::move(responder), QStringLiteral("shutting_down"),
               makeError(ErrorCode::Unavailable, QStringLiteral("the collector is shutting down")));
        return;
    }
    const QString id = args.at(0);
    if (Status valid = checkAgentId(id); !valid) {
        reject(std::move(responder), QStringLiteral("bad_id"), valid.error());
        return;
    }
    if (request.body().size() > options.limits.maxBody) {
        reject(std::move(responder), QStringLiteral("too_large"),
               makeError(ErrorCode::TooLarge, QStringLiteral("the body has %1 bytes; at most %2 are accepted")
                                                  .arg(request.body().size())
                                                  .arg(options.limits.maxBody)));
        return;
    }
    Result<Beat> beat = parseBeat(request, kind, exitCode);
    if (!beat) {
        reject(std::move(responder), QStringLiteral("bad_request"), beat.error());
        return;
    }
    const liveness::Entry *entry = tracker.find(id);
    if (!entry) {
        // Another node (or the API) may know it: ask the database once, then come back.
        auto shared = std::make_shared<http::Responder>(std::move(responder));
        auto requestCopy = std::make_shared<Beat>(std::move(beat).value());
        const QHostAddress source = request.remoteAddress();
        const QByteArray timestamp = request.value(signing::timestampHeader);
        const QByteArray signature = request.value(signing::signatureHeader);
        const QByteArray body = request.body();
        lookUp(id, [this, id, shared, requestCopy, source, timestamp, signature, body, startedNs] {
            const liveness::Entry *found = tracker.find(id);
            if (!found) {
                if (!options.autoRegister) {
                    reject(std::move(*shared), QStringLiteral("unknown_agent"),
                           makeError(ErrorCode::NotFound,
                                     QStringLiteral("agent %1 not found (auto-registration is off)").arg(id)));
                    return;
                }
                const Agent agent = registration(id, *requestCopy);
                tracker.configure(agent, nowMs());
                {
                    QMutexLocker lock(&pendingMutex);
                    pending.batch.newAgents.push_back(agent);
                    pending.registered.insert(id);
                }
                qCInfo(lcCollector) << "registered agent" << id;
            } else if (Status verified = checkSignature(*found, timestamp, signature, body); !verified) {
                reject(std::move(*shared), QStringLiteral("signature"), verified.error());
                return;
            }
            accept(id, std::move(*requestCopy), source, std::move(*shared), startedNs);
        });
        return;
    }
    // Headers are looked up only for agents with a key: each lookup scans them all.
    if (Status verified = entry->key ? checkSignature(*entry, request.value(signing::timestampHeader),
                                                      request.value(signing::signatureHeader), request.body())
                                     : Status();
        !verified) {
        reject(std::move(responder), QStringLiteral("signature"), verified.error());
        return;
    }
    accept(id, std::move(beat).value(), request.remoteAddress(), std::move(responder), startedNs);
}

Agent Collector::Private::registration(const QString &id, const Beat &beat) const
{
    Agent agent;
    agent.id = id;
    agent.tenantId = beat.tenantId.value_or(QStringLiteral("default"));
    agent.environment = beat.environment;
    agent.intervalSecs = beat.intervalSecs.value_or(options.defaultIntervalSecs);
    agent.graceSecs = agent.intervalSecs;
    agent.state = AgentState::New;
    agent.stateChangedAt = QDateTime::currentDateTimeUtc();
    return agent;
}

void Collector::Private::lookUp(const QString &id, std::function<void()> retry)
{
    auto [it, first] = lookups.try_emplace(id);
    it->second.push_back(std::move(retry));
    if (!first)
        return;
    onWriter([this, id] {
        Result<Agent> agent = writerStore->getAgent(id);
        onCollector([this, id, agent] {
            if (agent && !tracker.find(id))
                tracker.configure(*agent, nowMs());
            if (!agent && agent.error().code != ErrorCode::NotFound)
                qCWarning(lcCollector).noquote() << "looking up agent" << id << ":" << agent.error().message;
            auto waiting = std::move(lookups[id]);
            lookups.erase(id);
            for (auto &retry : waiting)
                retry();
        });
    });
}

// Called with pendingMutex held.
void Collector::Private::addUpdate(const liveness::Change &change, const std::optional<Json> &stats, bool guarded)
{
    AgentStateUpdate update;
    update.id = change.agentId;
    update.state = change.state;
    update.lastSeenAt = fromMs(change.lastSeenMs);
    update.misses = change.misses;
    if (change.stateChanged)
        update.stateChangedAt = fromMs(change.stateChangedMs);
    if (stats)
        update.lastStats = stats;
    update.guarded = guarded;
    if (guarded)
        update.expectLastSeenAt = fromMs(change.lastSeenMs);
    auto [it, inserted] = pending.updateIndex.try_emplace(change.agentId, pending.batch.updates.size());
    if (inserted) {
        pending.batch.updates.push_back(std::move(update));
        return;
    }
    AgentStateUpdate &existing = pending.batch.updates[it->second];
    if (!update.stateChangedAt.isValid())
        update.stateChangedAt = existing.stateChangedAt;
    if (!update.lastStats)
        update.lastStats = existing.lastStats;
    // A heartbeat in the same batch makes the guard moot: it is ours.
    update.guarded = existing.guarded && guarded;
    existing = std::move(update);
}

void Collector::Private::accept(const QString &id, Beat beat, const QHostAddress &source,
                                std::optional<http::Responder> responder, qint64 startedNs)
{
    const qint64 at = nowMs();
    Heartbeat heartbeat;
    heartbeat.agentId = id;
    heartbeat.receivedAt = fromMs(at);
    heartbeat.kind = beat.kind;
    heartbeat.exitCode = beat.exitCode;
    heartbeat.message = beat.message;
    heartbeat.stats = beat.stats;
    if (!source.isNull())
        heartbeat.sourceAddress = source.toString();
    heartbeat.rid = beat.rid;
    if (beat.rid) {
        const QString key = id + QLatin1Char('|') + *beat.rid;
        if (beat.kind == HeartbeatKind::Start) {
            if (runStarts.size() > 100000)
                runStarts.clear(); // unpaired starts never pile up without bound
            runStarts.insert(key, at);
        } else if (beat.kind != HeartbeatKind::Log) {
            if (auto it = runStarts.find(key); it != runStarts.end()) {
                heartbeat.durationMs = at - it.value();
                runStarts.erase(it);
            }
        }
    }
    std::optional<liveness::Change> change
        = tracker.heartbeat(id, beat.kind, at, beat.exitCode, beat.message);
    const bool changesAgent = change && beat.kind != HeartbeatKind::Start && beat.kind != HeartbeatKind::Log;
    Waiter waiter;
    waiter.responder = std::move(responder);
    waiter.startedNs = startedNs;
    waiter.agentId = id;
    {
        QMutexLocker lock(&pendingMutex);
        pending.batch.heartbeats.push_back(std::move(heartbeat));
        if (changesAgent) {
            addUpdate(*change, beat.stats.is_null() ? std::nullopt : std::optional<Json>(beat.stats), false);
            if (change->signal != liveness::SignalKind::None)
                pending.raises.push_back(Raise { *change, std::nullopt });
        }
        pending.waiters.push_back(std::move(waiter));
    }
    if (changesAgent) {
        // Every heartbeat, not only state changes: the dashboard shows last-seen ages and
        // interval sparklines. Frames coalesce them (one snapshot per agent per frame).
        dirty.insert(id);
        armDeadline();
    }
    ++counters.accepted;
    scheduleFlush();
}

void Collector::Private::scheduleFlush()
{
    if (flushQueued)
        return;
    {
        QMutexLocker lock(&pendingMutex);
        if (writerDraining)
            return; // the writer takes the batch as its commit in flight ends
        if (pending.batch.heartbeats.size() + pending.batch.updates.size() >= std::size_t(options.maxBatch)) {
            lock.unlock();
            flush();
            return;
        }
    }
    flushQueued = true;
    flushTimer.start(0); // after the requests already read in this turn of the loop
}

void Collector::Private::flush()
{
    flushTimer.stop();
    flushQueued = false;
    {
        QMutexLocker lock(&pendingMutex);
        if (writerDraining || pending.isEmpty())
            return;
        writerDraining = true;
    }
    onWriter([this] { drain(); });
}

// On the writer thread: commit the pending batch, then come back for the next one.
void Collector::Private::drain()
{
    auto job = std::make_shared<Pending>();
    {
        QMutexLocker lock(&pendingMutex);
        if (pending.isEmpty()) {
            writerDraining = false;
            return;
        }
        std::swap(*job, pending);
        ++batchesInFlight;
    }
    int frames = walFrames.load();
    const bool restartWal = frames > 8192 && walFrames.compare_exchange_strong(frames, 0);
    Result<std::vector<bool>> result = writerStore->commitHeartbeats(job->batch);
    onCollector([this, job = std::move(job), result = std::move(result)] { committed(result, std::move(*job)); });
    if (restartWal)
        (void)writerStore->checkpoint(); // once; the checkpointer's next pass measures the WAL again
    // Queued, not looped: lookups and retention sweeps get their turn between batches.
    onWriter([this] { drain(); });
}

void Collector::Private::committed(const Result<std::vector<bool>> &result, Pending done)
{
    {
        QMutexLocker lock(&pendingMutex);
        --batchesInFlight;
    }
    const qint64 heartbeats = qint64(done.batch.heartbeats.size());
    batchSizes.observe(double(heartbeats));
    if (checkpointer && !checkpointTimer.isActive())
        checkpointTimer.start(); // a checkpoint 100 ms after a commit; none while idle
    if (!result) {
        qCWarning(lcCollector).noquote() << "cannot store" << heartbeats << "heartbeats:" << result.error().message;
        // Not stored: the agents retry (503 + Retry-After). Agents registered by this batch
        // are forgotten so their next heartbeat registers them again.
        for (const QString &id : std::as_const(done.registered))
            tracker.remove(id);
        const Error error = makeError(ErrorCode::Unavailable,
                                      QStringLiteral("the database cannot take heartbeats right now: %1")
                                          .arg(result.error().message));
        for (Waiter &waiter : done.waiters) {
            if (waiter.committed)
                waiter.committed(error);
            else if (waiter.responder)
                reject(std::move(*waiter.responder), QStringLiteral("unavailable"), error);
        }
    } else {
        counters.stored += quint64(heartbeats);
        static const http::Response stored = http::Response::json(202, Json { { "status", "stored" } });
        for (Waiter &waiter : done.waiters) {
            if (waiter.committed) {
                waiter.committed(Status());
                continue;
            }
            if (!waiter.responder)
                continue;
            waiter.responder->send(stored);
            ingestLatency.observe(double(clock.nsecsElapsed() - waiter.startedNs) / 1e9);
        }
        // Guarded updates that did not apply: another node heard these agents. Take what
        // the database knows instead of raising a miss.
        std::vector<QString> stale;
        std::vector<Raise> confirmed;
        confirmed.reserve(done.raises.size());
        for (Raise &raise : done.raises) {
            if (raise.guardedUpdate && *raise.guardedUpdate < result->size() && !(*result)[*raise.guardedUpdate]) {
                stale.push_back(raise.change.agentId);
                continue;
            }
            confirmed.push_back(std::move(raise));
        }
        const std::vector<AgentStateUpdate> &updates = done.batch.updates;
        for (std::size_t i = 0; i < updates.size(); ++i) {
            if (updates[i].guarded && !(*result)[i]
                && std::find(stale.begin(), stale.end(), updates[i].id) == stale.end())
                stale.push_back(updates[i].id);
        }
        if (!stale.empty()) {
            onWriter([this, stale] {
                std::vector<Agent> fresh;
                for (const QString &id : stale) {
                    if (Result<Agent> agent = writerStore->getAgent(id))
                        fresh.push_back(std::move(agent).value());
                }
                onCollector([this, fresh] {
                    for (const Agent &agent : fresh) {
                        tracker.adopt(agent, nowMs());
                        dirty.insert(agent.id);
                    }
                    armDeadline();
                });
            });
        }
        raiseSignals(confirmed);
    }
}

void Collector::Private::raiseSignals(const std::vector<Raise> &list)
{
    if (list.empty() || !engine)
        return;
    std::vector<Engine::SignalRequest> requests;
    requests.reserve(list.size());
    for (const Raise &raise : list) {
        const liveness::Entry *entry = tracker.find(raise.change.agentId);
        Engine::SignalRequest request;
        request.input.tenantId = entry ? entry->tenantId : QStringLiteral("default");
        request.input.source = QStringLiteral("heartbeat");
        request.input.type = signalType(raise.change.signal);
        request.input.resourceType = QStringLiteral("agent");
        request.input.resourceId = raise.change.agentId;
        if (entry)
            request.input.environment = entry->environment;
        request.input.payload = raise.change.payload;
        request.dedupKey = raise.change.dedupKey;
        requests.push_back(std::move(request));
        switch (raise.change.signal) {
        case liveness::SignalKind::Missed: ++counters.missedRaised; break;
        case liveness::SignalKind::Recovered: ++counters.recoveredRaised; break;
        case liveness::SignalKind::Failed: ++counters.failedRaised; break;
        case liveness::SignalKind::None: break;
        }
    }
    const std::size_t count = requests.size();
    QPointer<Collector> self = q;
    engine->call([requests = std::move(requests)](Engine &e) { return e.emitSignals(requests); })
        .then(q, [this, self, count](const Result<std::vector<EmitResult>> &emitted) {
            if (!self)
                return;
            if (!emitted) {
                qCWarning(lcCollector).noquote() << "cannot raise" << count << "signals:" << emitted.error().message;
                return;
            }
            counters.signalsRaised += emitted->size();
        });
}

void Collector::Private::armDeadline()
{
    const std::optional<qint64> next = tracker.nextDeadline();
    if (!next) {
        deadlineTimer.stop();
        return;
    }
    const qint64 wait = std::max<qint64>(0, *next - nowMs());
    if (deadlineTimer.isActive() && deadlineTimer.remainingTime() <= wait)
        return;
    deadlineTimer.start(int(std::min<qint64>(wait, 24LL * 3600 * 1000)));
}

void Collector::Private::onDeadline()
{
    const qint64 now = nowMs();
    // Slices keep the event loop (and heartbeat answers) moving during a huge wave.
    std::vector<liveness::Change> changes = tracker.expire(now, 5000);
    QMutexLocker lock(&pendingMutex);
    for (liveness::Change &change : changes) {
        detectionLateness.observe(double(now - change.deadlineMs) / 1000.0);
        if (lateness.size() < 100000)
            lateness.push_back(now - change.deadlineMs);
        else
            lateness[latenessNext++ % lateness.size()] = now - change.deadlineMs;
        addUpdate(change, std::nullopt, true);
        dirty.insert(change.agentId);
        if (change.signal != liveness::SignalKind::None) {
            const std::size_t index = pending.updateIndex[change.agentId];
            pending.raises.push_back(Raise { std::move(change), index });
        }
    }
    lock.unlock();
    if (!changes.empty())
        scheduleFlush();
    if (changes.size() == 5000)
        deadlineTimer.start(0);
    else
        armDeadline();
}

void Collector::Private::publish()
{
    if (dirty.isEmpty())
        return;
    QList<AgentSnapshot> snapshots;
    snapshots.reserve(dirty.size());
    for (const QString &id : std::as_const(dirty)) {
        AgentSnapshot snapshot;
        snapshot.id = id;
        if (const liveness::Entry *entry = tracker.find(id)) {
            snapshot.state = entry->state;
            snapshot.lastSeenMs = entry->lastSeenMs;
            snapshot.misses = entry->misses;
        }
        snapshots.push_back(snapshot);
    }
    dirty.clear();
    Q_EMIT q->agentsChanged(snapshots);
}

void Collector::Private::pauseResume(const QString &id, bool pause, std::function<void(Result<Agent>)> done)
{
    const qint64 now = nowMs();
    std::optional<liveness::Change> change = pause ? tracker.pause(id, now) : tracker.resume(id, now);
    if (!change) {
        done(makeError(ErrorCode::NotFound, QStringLiteral("agent %1 not found").arg(id)));
        return;
    }
    QMutexLocker lock(&pendingMutex);
    addUpdate(*change, std::nullopt, false);
    Waiter waiter;
    waiter.agentId = id;
    waiter.committed = [this, id, done = std::move(done)](const Status &status) {
        if (!status) {
            done(status.error());
            return;
        }
        onWriter([this, id, done] {
            Result<Agent> agent = writerStore->getAgent(id);
            onCollector([done, agent] { done(agent); });
        });
    };
    pending.waiters.push_back(std::move(waiter));
    lock.unlock();
    dirty.insert(id);
    armDeadline();
    scheduleFlush();
}

void Collector::Private::selfBeat()
{
    if (stopping)
        return;
    const QString &id = options.selfAgentId;
    Beat beat;
    beat.intervalSecs = options.selfIntervalSecs;
    if (!tracker.find(id)) {
        Agent agent = registration(id, beat);
        agent.graceSecs = options.selfIntervalSecs;
        tracker.configure(agent, nowMs());
        QMutexLocker lock(&pendingMutex);
        pending.batch.newAgents.push_back(agent);
        pending.registered.insert(id);
    }
    accept(id, beat, QHostAddress(), std::nullopt, clock.nsecsElapsed());
}

void Collector::stop()
{
    if (d->stopping)
        return;
    d->stopping = true;
    d->server.stopListening();
    d->selfTimer.stop();
    d->deadlineTimer.stop();
    d->retentionTimer.stop();
    // Commit what was accepted and answer it, then let the answers reach the clients.
    QEventLoop loop;
    QTimer guard;
    guard.setSingleShot(true);
    connect(&guard, &QTimer::timeout, &loop, &QEventLoop::quit);
    guard.start(15000);
    QTimer poll;
    connect(&poll, &QTimer::timeout, &loop, [this, &loop] {
        QMutexLocker lock(&d->pendingMutex);
        const bool writerIdle = !d->writerDraining && d->batchesInFlight == 0;
        const bool empty = d->pending.isEmpty();
        lock.unlock();
        if (writerIdle && empty && d->lookups.empty()) {
            loop.quit();
            return;
        }
        if (!empty)
            d->flush();
    });
    poll.start(5);
    loop.exec();
    d->server.closeAll(std::chrono::seconds(2));
    d->publish();
    d->writerThread.quit();
    d->writerThread.wait();
    d->writerStore.reset(); // its connection was made on the writer thread; nothing runs there now
    d->checkpointTimer.stop();
    d->checkpointer.reset(); // joins its thread; SQLite checkpoints as the last connection closes
    qCInfo(lcCollector) << "stopped:" << d->counters.stored << "heartbeats stored";
    Q_EMIT stopped();
}

QByteArray Collector::metricsText() const
{
    using prometheus::Labels;
    prometheus::Text text;
    static const char *const states[] = { "new", "up", "late", "down", "paused" };
    text.family("vigil_agents", "gauge", "Agents by state.");
    for (std::size_t i = 0; i < 5; ++i)
        text.sample("vigil_agents", Labels { { "state", QString::fromLatin1(states[i]) } }, d->tracker.stateCounts()[i]);
    text.family("vigil_heartbeats_accepted_total", "counter", "Heartbeats stored.");
    text.sample("vigil_heartbeats_accepted_total", {}, double(d->counters.stored));
    text.family("vigil_heartbeats_rejected_total", "counter", "Heartbeats refused, by reason.");
    for (const auto &[reason, count] : d->rejected)
        text.sample("vigil_heartbeats_rejected_total", Labels { { "reason", reason } }, double(count));
    text.family("vigil_liveness_signals_total", "counter", "Liveness signals raised by the collector, by type.");
    text.sample("vigil_liveness_signals_total", Labels { { "type", QStringLiteral("heartbeat.missed") } },
                double(d->counters.missedRaised));
    text.sample("vigil_liveness_signals_total", Labels { { "type", QStringLiteral("heartbeat.recovered") } },
                double(d->counters.recoveredRaised));
    text.sample("vigil_liveness_signals_total", Labels { { "type", QStringLiteral("heartbeat.failed") } },
                double(d->counters.failedRaised));
    text.family("vigil_ingest_latency_seconds", "histogram",
                "Time from a heartbeat's arrival to its answer (after its batch committed).");
    d->ingestLatency.write(text, "vigil_ingest_latency_seconds", {});
    text.family("vigil_detection_lateness_seconds", "histogram",
                "How long after its deadline a late or missed agent was noticed.");
    d->detectionLateness.write(text, "vigil_detection_lateness_seconds", {});
    text.family("vigil_heartbeat_batch_size", "histogram", "Heartbeats per group commit.");
    d->batchSizes.write(text, "vigil_heartbeat_batch_size", {});
    text.family("vigil_http_connections", "gauge", "Open HTTP connections.");
    text.sample("vigil_http_connections", {}, d->server.openConnections());
    return text.take();
}

} // namespace vigil
