// SPDX-License-Identifier: GPL-3.0-or-later
// The engine's API: lifecycle, emit and matching, queries, workflow management.

#include "engine_p.h"

#include "core/ids.h"
#include "core/isotime.h"
#include "core/logging.h"
#include "workflow/builtins/builtins.h"
#include "workflow/jsonschema.h"
#include "workflow/validation.h"

#include <QHostInfo>

namespace vigil {

namespace {

QString defaultOwnerId()
{
    return QStringLiteral("%1:%2:%3")
        .arg(QHostInfo::localHostName())
        .arg(QCoreApplication::applicationPid())
        .arg(newId(u"o").right(6));
}

} // namespace

Engine::Private::Private(Engine *q, Store &store, EngineOptions options)
    : q(q)
    , db(store)
    , options(std::move(options))
{
    if (this->options.ownerId.isEmpty())
        this->options.ownerId = defaultOwnerId();
    this->options.concurrency = std::max(1, this->options.concurrency);
    wakeTimer.setSingleShot(true);
    stopTimer.setSingleShot(true);
    cronTimer.setSingleShot(true);
    delayTimer.setSingleShot(true);
    delayTimer.setTimerType(Qt::PreciseTimer);
    QObject::connect(&wakeTimer, &QTimer::timeout, q, [this] {
        delaysMayBeDue = true;
        pump();
    });
    QObject::connect(&pollTimer, &QTimer::timeout, q, [this] {
        delaysMayBeDue = true; // other processes' delays, and ours after a failed claim
        pump();
    });
    QObject::connect(&delayTimer, &QTimer::timeout, q, [this] { endHeldDelays(); });
    QObject::connect(&leaseTimer, &QTimer::timeout, q, [this] { renewLeases(); });
    QObject::connect(&cronTimer, &QTimer::timeout, q, [this] { fireDueCron(); });
    QObject::connect(&sweepTimer, &QTimer::timeout, q, [this] { sweepParkedSteps(); });
    QObject::connect(&stopTimer, &QTimer::timeout, q, [this] {
        // Grace is over: cancel what still runs and hand its steps back.
        const QStringList ids = inflight.keys();
        for (const QString &id : ids) {
            const auto it = inflight.constFind(id);
            if (it == inflight.cend())
                continue;
            const int attempt = it->attempt;
            const CancellationToken token = it->cancel;
            AttemptOutcome canceled { AttemptOutcome::Kind::Canceled };
            canceled.error = QStringLiteral("shutdown");
            canceled.release = true;
            decide(id, attempt, canceled); // first, so the step is released, not failed
            token.cancel(QStringLiteral("shutdown"));
        }
        flushCommits();
        finishStop();
    });
}

void Engine::Private::notify(const QString &title, const QString &body, const QString &severity)
{
    qCInfo(lcEngine).noquote() << "notify:" << severity << title << "-" << body;
    Q_EMIT q->notificationRequested(title, body, severity);
}

Result<TriggerEnvelope> Engine::Private::emitSignal(const TriggerInput &input, const std::optional<QString> &dedupKey)
{
    Result<EmitResult> emitted = emit(input, dedupKey);
    if (!emitted)
        return emitted.error();
    return emitted->trigger;
}

void Engine::Private::log(const QString &runId, const std::optional<QString> &stepRunId, const QString &tenantId,
                          LogLevel level, const QString &message, const Json &data)
{
    ExecutionLog entry { newId(IdPrefix::Log), runId, stepRunId, tenantId, level, message, data, nowUtc() };
    if (Status ok = db.appendLogs({ entry }); !ok)
        qCWarning(lcEngine).noquote() << "execution log lost:" << message << "-" << ok.error().message;
}

Status Engine::Private::checkPayload(const TriggerInput &input) const
{
    const TriggerRegistration *registration = registry.trigger(input.type);
    if (!registration || registration->payloadSchema.is_null())
        return {};
    return validateAgainstSchema(registration->payloadSchema, input.payload, QStringLiteral("payload"));
}

Status Engine::Private::checkInput(const TriggerInput &input) const
{
    for (const auto &[field, value] : { std::pair { "tenantId", &input.tenantId }, std::pair { "source", &input.source },
                                        std::pair { "type", &input.type } }) {
        if (value->trimmed().isEmpty())
            return makeError(ErrorCode::Invalid, QStringLiteral("%1: is required").arg(QLatin1String(field)));
    }
    if (!input.payload.is_null() && !input.payload.is_object())
        return makeError(ErrorCode::Invalid, QStringLiteral("payload: expected an object"));
    return checkPayload(input);
}

Result<EmitResult> Engine::Private::emit(const TriggerInput &input, const std::optional<QString> &dedupKey)
{
    Result<std::vector<EmitResult>> results = emitMany({ Engine::SignalRequest { input, dedupKey } });
    if (!results)
        return results.error();
    return std::move(results->front());
}

Result<std::vector<EmitResult>> Engine::Private::emitMany(const std::vector<Engine::SignalRequest> &requests)
{
    for (size_t i = 0; i < requests.size(); ++i) {
        if (Status ok = checkInput(requests[i].input); !ok)
            return requests.size() == 1 ? ok.error()
                                        : makeError(ErrorCode::Invalid,
                                                    QStringLiteral("signals[%1]: %2").arg(i).arg(ok.error().message));
    }
    const QDateTime now = nowUtc();
    std::vector<EmitResult> results(requests.size());
    std::vector<WorkflowRun> started;
    // A signal and its runs commit together: a crash never leaves a signal whose runs were
    // lost. A batch shares one commit.
    const Status committed = db.transaction([&]() -> Status {
        started.clear();
        std::vector<TriggerEnvelope> plain; // no dedupKey: stored in one batch
        std::vector<NewRun> planned;
        for (size_t i = 0; i < requests.size(); ++i) {
            TriggerEnvelope envelope;
            static_cast<TriggerInput &>(envelope) = requests[i].input;
            if (envelope.payload.is_null())
                envelope.payload = Json::object();
            envelope.createdAt = now;
            envelope.id = newId(IdPrefix::Trigger, now);
            envelope.dedupKey = requests[i].dedupKey;
            if (envelope.dedupKey) {
                Result<SignalInsert> inserted = db.insertSignal(envelope);
                if (!inserted)
                    return inserted.error();
                results[i] = EmitResult { inserted->envelope, {}, !inserted->inserted };
                if (results[i].deduplicated)
                    continue;
            } else {
                results[i] = EmitResult { envelope, {}, false };
                plain.push_back(envelope);
            }
            Result<std::vector<NewRun>> runs = planRuns(results[i].trigger, false, false);
            if (!runs)
                return runs.error();
            for (NewRun &one : runs.value()) {
                results[i].runIds.push_back(one.run.id);
                planned.push_back(std::move(one));
            }
        }
        if (Status stored = db.insertSignals(plain); !stored)
            return stored;
        if (Status created = db.createRuns(planned); !created)
            return created;
        started = adoptRuns(planned);
        return {};
    });
    if (!committed) {
        for (const WorkflowRun &run : started)
            snapshots.remove(run.id);
        return committed.error();
    }
    for (const EmitResult &result : results) {
        if (result.deduplicated)
            continue;
        triggerCache.insert(result.trigger.id, result.trigger);
        Q_EMIT q->signalEmitted(result.trigger);
    }
    for (const WorkflowRun &run : started)
        Q_EMIT q->runChanged(run);
    if (!started.empty())
        schedulePump(); // a run that opens with a delay is found by the pump's nextDueAt
    return results;
}

Result<std::vector<WorkflowDefinition>> Engine::Private::matchingDefinitions(const QString &tenantId, const QString &type)
{
    // Every emit needs them and they rarely change: keep them a second. Local edits clear
    // the cache at once; other processes' edits are seen within the second.
    const QString key = tenantId + QLatin1Char('\n') + type;
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    if (const auto it = definitionCache.constFind(key); it != definitionCache.cend() && nowMs - it->loadedAtMs < 1000)
        return it->definitions;
    Result<std::vector<WorkflowDefinition>> loaded = db.enabledDefinitionsFor(tenantId, type);
    if (!loaded)
        return loaded.error();
    if (definitionCache.size() > 1000)
        definitionCache.clear();
    definitionCache.insert(key, CachedDefinitions { loaded.value(), nowMs });
    return loaded;
}

Result<std::vector<NewRun>> Engine::Private::planRuns(const TriggerEnvelope &trigger, bool isReplay, bool isDryRun)
{
    Result<std::vector<WorkflowDefinition>> definitions = matchingDefinitions(trigger.tenantId, trigger.type);
    if (!definitions)
        return definitions.error();
    std::vector<NewRun> planned;
    const QDateTime now = nowUtc();
    for (const WorkflowDefinition &definition : definitions.value()) {
        if (definition.environmentFilter && definition.environmentFilter != trigger.environment)
            continue;
        if (definition.resourceTypeFilter && definition.resourceTypeFilter != trigger.resourceType)
            continue;
        if (definition.steps.empty())
            continue;
        planned.push_back(planRun(definition, trigger, isReplay, isDryRun, now));
    }
    return planned;
}

NewRun Engine::Private::planRun(const WorkflowDefinition &definition, const TriggerEnvelope &trigger, bool isReplay,
                                bool isDryRun, const QDateTime &now)
{
    NewRun one;
    WorkflowRun &run = one.run;
    run.id = newId(IdPrefix::Run, now);
    run.definitionId = definition.id;
    run.tenantId = trigger.tenantId;
    run.triggerId = trigger.id;
    run.isReplay = isReplay;
    run.isDryRun = isDryRun;
    run.createdAt = now;
    run.updatedAt = now;
    run.definitionSnapshot = definition;
    const WorkflowStepRun first = newStepRow(run, definition.steps.front(), 0, std::nullopt, std::nullopt, now);
    if (first.status == StepStatus::Scheduled) {
        // A run that opens with a delay starts out running and waiting.
        run.status = RunStatus::Waiting;
        run.startedAt = now;
    }
    one.steps = { first };
    return one;
}

std::vector<WorkflowRun> Engine::Private::adoptRuns(std::vector<NewRun> &planned)
{
    std::vector<WorkflowRun> heads;
    heads.reserve(planned.size());
    for (NewRun &one : planned) {
        if (snapshots.size() > 20000)
            snapshots.clear();
        snapshots.insert(one.run.id, std::make_shared<const WorkflowDefinition>(std::move(one.run.definitionSnapshot)));
        one.run.definitionSnapshot = WorkflowDefinition(); // views get heads; the snapshot is cached
        heads.push_back(one.run);
    }
    return heads;
}

Result<std::vector<WorkflowRun>> Engine::Private::startRuns(const TriggerEnvelope &trigger, bool isReplay, bool isDryRun)
{
    Result<std::vector<NewRun>> planned = planRuns(trigger, isReplay, isDryRun);
    if (!planned)
        return planned.error();
    if (Status created = db.createRuns(planned.value()); !created)
        return created.error();
    return adoptRuns(planned.value());
}

Result<TriggerEnvelope> Engine::Private::cachedTrigger(const QString &id)
{
    if (const auto it = triggerCache.constFind(id); it != triggerCache.cend())
        return *it;
    Result<TriggerEnvelope> trigger = db.getSignal(id);
    if (trigger) {
        if (triggerCache.size() > 10000)
            triggerCache.clear();
        triggerCache.insert(id, trigger.value());
    }
    return trigger;
}

namespace {

// The workflows a fresh database starts with, under fixed ids (two nodes seeding at once
// collide on them instead of doubling the set).
std::vector<WorkflowDefinition> defaultWorkflows(const QDateTime &now)
{
    auto make = [&](const char *id, const char *name, const char *description, const char *triggerType,
                    std::vector<WorkflowStep> steps) {
        WorkflowDefinition definition;
        definition.id = QString::fromLatin1(id);
        definition.tenantId = QStringLiteral("default");
        definition.name = QString::fromLatin1(name);
        definition.description = QString::fromLatin1(description);
        definition.triggerType = QString::fromLatin1(triggerType);
        definition.resourceTypeFilter = QStringLiteral("agent");
        definition.steps = std::move(steps);
        definition.createdAt = definition.updatedAt = now;
        return definition;
    };
    auto step = [](const char *name, Json config) {
        WorkflowStep s;
        s.name = QString::fromLatin1(name);
        s.config = std::move(config);
        return s;
    };
    // A further miss or failure of an agent whose incident is open finds that incident
    // ("already open"); the condition ends such runs before notify, so the operator hears of
    // an outage once, not every interval.
    auto onlyNewIncident = [] {
        WorkflowStep s;
        s.type = StepType::Condition;
        s.name = QStringLiteral("new_incident");
        s.handler = QStringLiteral("expression");
        s.config = Json { { "path", "/context/create_incident/created" }, { "op", "==" }, { "value", true } };
        return s;
    };
    const WorkflowDefinition missed = make(
        "wfd_default_missed_heartbeat", "Incident on missed heartbeat",
        "Opens an incident when an agent misses its heartbeat, and notifies the operator once.", "heartbeat.missed",
        { step("create_incident", Json { { "title", "{{trigger.resourceId}} missed its heartbeat" }, { "severity", "high" } }),
          onlyNewIncident(),
          step("notify", Json { { "title", "{{trigger.resourceId}} is down" },
                                { "body", "No heartbeat since {{trigger.payload.lastSeenAt}}" },
                                { "severity", "error" } }) });
    const WorkflowDefinition failed = make(
        "wfd_default_failed", "Incident on reported failure",
        "Opens an incident when an agent or job reports a failure (/fail or a non-zero exit code), and "
        "notifies the operator once.",
        "heartbeat.failed",
        { step("create_incident", Json { { "title", "{{trigger.resourceId}} failed" }, { "severity", "high" } }),
          onlyNewIncident(),
          step("notify", Json { { "title", "{{trigger.resourceId}} failed" },
                                { "body", "{{trigger.payload.summary}}" },
                                { "severity", "error" } }) });
    const WorkflowDefinition recovered = make(
        "wfd_default_recovered", "Resolve on recovery",
        "Resolves the agent's open incidents when its heartbeat comes back, and notifies the operator.",
        "heartbeat.recovered",
        { step("resolve_incident", Json::object()),
          step("notify", Json { { "title", "{{trigger.resourceId}} recovered" },
                                { "body", "Down for {{trigger.payload.downFor}}" },
                                { "severity", "info" } }) });
    return { missed, failed, recovered };
}

} // namespace

Status Engine::Private::seedDefaultWorkflows()
{
    const auto counts = db.tableCounts();
    if (!counts)
        return counts.error();
    for (const auto &[table, count] : counts.value()) {
        if (table == db.tablePrefix() + QStringLiteral("workflow_definitions") && count > 0)
            return {}; // not a fresh database: the operator's choices stand, deletions included
    }
    // Two processes starting on a fresh shared database race here; the ids are fixed, so
    // the loser finds the winner's rows and creates nothing.
    const Result<std::vector<WorkflowDefinition>> seeded = storeMissingDefaults();
    return seeded ? Status() : Status(seeded.error());
}

Result<std::vector<WorkflowDefinition>> Engine::Private::storeMissingDefaults()
{
    std::vector<WorkflowDefinition> restored;
    for (const WorkflowDefinition &definition : defaultWorkflows(nowUtc())) {
        const Result<WorkflowDefinition> stored = db.getDefinition(definition.id);
        if (stored)
            continue; // there, as the operator left it
        if (stored.error().code != ErrorCode::NotFound)
            return stored.error();
        // Deleted: back under its id, as a new version with today's steps. Never there: new.
        Result<WorkflowDefinition> revived = db.restoreDefinition(definition);
        if (!revived && revived.error().code != ErrorCode::NotFound)
            return revived.error();
        if (!revived) {
            if (Status created = db.createDefinition(definition); !created) {
                if (db.getDefinition(definition.id))
                    continue; // another node stored it meanwhile
                return created.error();
            }
            revived = definition;
        }
        restored.push_back(std::move(revived).value());
    }
    return restored;
}

Result<std::vector<WorkflowDefinition>> Engine::restoreDefaultWorkflows()
{
    Result<std::vector<WorkflowDefinition>> restored = d->storeMissingDefaults();
    if (restored) {
        for (const WorkflowDefinition &definition : restored.value())
            (void)d->afterDefinitionChange(definition.id, {});
    }
    return restored;
}

Status Engine::Private::afterDefinitionChange(const QString &definitionId, Status change)
{
    if (!change)
        return change;
    forgetDefinitions();
    rescheduleCron(definitionId);
    Q_EMIT q->workflowChanged(definitionId);
    return {};
}

Result<std::vector<WorkflowRun>> Engine::Private::allRuns(const RunFilter &filter)
{
    std::vector<WorkflowRun> runs;
    PageRequest page { 1000, QString() };
    do {
        Result<Page<WorkflowRun>> chunk = db.listRuns(filter, page);
        if (!chunk)
            return chunk.error();
        std::move(chunk->items.begin(), chunk->items.end(), std::back_inserter(runs));
        page.cursor = chunk->nextCursor;
    } while (!page.cursor.isEmpty());
    return runs;
}

void Engine::Private::finishStop()
{
    if (!running)
        return;
    running = false;
    stopping = false;
    stopTimer.stop();
    qCInfo(lcEngine) << "engine stopped";
    Q_EMIT q->stopped();
}

// ---- Engine ----------------------------------------------------------------------------

Engine::Engine(Store &store, EngineOptions options, QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>(this, store, std::move(options)))
{
    if (d->options.builtins)
        registerBuiltins(d->registry);
}

Engine::~Engine()
{
    // Handlers still running hold tokens; cancel them so they stop touching us. Copies
    // first: a handler that finishes inside cancel() changes the hash.
    std::vector<CancellationToken> tokens;
    for (const InFlight &entry : std::as_const(d->inflight))
        tokens.push_back(entry.cancel);
    d->inflight.clear();
    d->m_pending.clear();
    for (const CancellationToken &token : tokens)
        token.cancel(QStringLiteral("engine destroyed"));
}

Registry &Engine::registry() { return d->registry; }
Store &Engine::store() { return d->db; }

Status Engine::registerTrigger(const QString &type, TriggerRegistration registration)
{
    return d->registry.registerTrigger(type, std::move(registration));
}

Status Engine::registerAction(const QString &name, ActionHandler handler, ActionOptions options)
{
    return d->registry.registerAction(name, std::move(handler), std::move(options));
}

Status Engine::registerCondition(const QString &name, ConditionHandler handler, ConditionOptions options)
{
    return d->registry.registerCondition(name, std::move(handler), std::move(options));
}
const EngineOptions &Engine::options() const { return d->options; }
QString Engine::ownerId() const { return d->options.ownerId; }
bool Engine::isRunning() const { return d->running; }
int Engine::runningHandlers() const { return int(d->inflight.size()); }

Status Engine::start()
{
    if (d->running)
        return {};
    if (d->options.seedDefaults) {
        if (Status seeded = d->seedDefaultWorkflows(); !seeded)
            return seeded;
    }
    d->running = true;
    d->stopping = false;
    d->delaysMayBeDue = true;
    d->pollTimer.start(int(d->options.pollInterval.count()));
    d->leaseTimer.start(int(std::max<qint64>(100, d->options.lease.count() / 3)));
    d->restoreCron();
    d->sweepParkedSteps();
    d->sweepTimer.start(int(std::max<qint64>(1000, d->options.pollInterval.count() * 10)));
    d->schedulePump();
    qCInfo(lcEngine).noquote() << "engine started as" << d->options.ownerId << "with concurrency" << d->options.concurrency;
    return {};
}

void Engine::stop()
{
    if (!d->running || d->stopping)
        return;
    d->stopping = true;
    d->wakeTimer.stop();
    d->pollTimer.stop();
    d->cronTimer.stop();
    d->sweepTimer.stop();
    d->delayTimer.stop();
    d->releaseHeldDelays();
    if (d->inflight.isEmpty()) {
        d->finishStop();
        return;
    }
    d->stopTimer.start(int(d->options.shutdownGrace.count()));
}

Result<EmitResult> Engine::emitSignal(const TriggerInput &input, const std::optional<QString> &dedupKey)
{
    return d->emit(input, dedupKey);
}

Result<std::vector<EmitResult>> Engine::emitSignals(const std::vector<SignalRequest> &requests)
{
    if (requests.empty())
        return std::vector<EmitResult>();
    return d->emitMany(requests);
}

Result<WorkflowRun> Engine::getRun(const QString &runId) { return d->db.getRun(runId); }

Result<std::vector<WorkflowStepRun>> Engine::getRunSteps(const QString &runId)
{
    if (Result<WorkflowRun> run = d->db.getRun(runId); !run)
        return run.error();
    return d->db.getRunSteps(runId);
}

Result<std::vector<WorkflowRun>> Engine::getRunsByTrigger(const QString &triggerId)
{
    RunFilter filter;
    filter.triggerId = triggerId;
    return d->allRuns(filter);
}

Result<TriggerEnvelope> Engine::getTrigger(const QString &triggerId) { return d->db.getSignal(triggerId); }

Result<std::vector<ExecutionLog>> Engine::getRunLogs(const QString &runId)
{
    if (Result<WorkflowRun> run = d->db.getRun(runId); !run)
        return run.error();
    return d->db.getRunLogs(runId);
}

Result<std::vector<RunTimelineEntry>> Engine::getRunTimeline(const QString &runId)
{
    Result<WorkflowRun> run = d->db.getRun(runId);
    if (!run)
        return run.error();
    Result<std::vector<WorkflowStepRun>> steps = d->db.getRunSteps(runId);
    if (!steps)
        return steps.error();
    Result<std::vector<StepAttempt>> attempts = d->db.getRunAttempts(runId);
    if (!attempts)
        return attempts.error();
    Result<std::vector<ExecutionLog>> logs = d->db.getRunLogs(runId);
    if (!logs)
        return logs.error();
    return buildTimeline(run.value(), steps.value(), attempts.value(), logs.value());
}

Result<std::vector<WorkflowRun>> Engine::getFailedRuns(const std::optional<QString> &tenantId)
{
    RunFilter filter;
    filter.status = RunStatus::Failed;
    filter.tenantId = tenantId;
    return d->allRuns(filter);
}

Status Engine::checkWorkflow(const WorkflowDefinition &definition) const
{
    if (Status ok = checkDefinition(definition); !ok)
        return ok;
    return d->registry.checkHandlers(definition);
}

Result<WorkflowDefinition> Engine::createWorkflow(WorkflowDefinition definition)
{
    if (Status ok = checkWorkflow(definition); !ok)
        return ok.error();
    const QDateTime now = nowUtc();
    definition.id = newId(IdPrefix::Definition, now);
    definition.version = 1;
    definition.createdAt = definition.updatedAt = now;
    if (Status created = d->db.createDefinition(definition); !created)
        return created.error();
    (void)d->afterDefinitionChange(definition.id, {});
    return definition;
}

Result<WorkflowDefinition> Engine::updateWorkflow(WorkflowDefinition definition, std::optional<int> expectedVersion)
{
    if (Status ok = checkWorkflow(definition); !ok)
        return ok.error();
    Result<WorkflowDefinition> updated = d->db.updateDefinition(definition, expectedVersion);
    if (!updated)
        return updated.error();
    (void)d->afterDefinitionChange(updated->id, {});
    return updated;
}

Status Engine::deleteWorkflow(const QString &definitionId)
{
    return d->afterDefinitionChange(definitionId, d->db.deleteDefinition(definitionId));
}

Status Engine::enableWorkflow(const QString &definitionId)
{
    return d->afterDefinitionChange(definitionId, d->db.setDefinitionEnabled(definitionId, true));
}

Status Engine::disableWorkflow(const QString &definitionId)
{
    return d->afterDefinitionChange(definitionId, d->db.setDefinitionEnabled(definitionId, false));
}

Result<WorkflowDefinition> Engine::getWorkflow(const QString &definitionId) { return d->db.getDefinition(definitionId); }

} // namespace vigil
