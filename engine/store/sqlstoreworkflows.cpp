// SPDX-License-Identifier: GPL-3.0-or-later
// The workflow half of SqlStore: signals, definitions, runs, step runs and execution logs.
#include "core/isotime.h"
#include "sqlstore.h"

namespace vigil {

namespace {

// Column lists, in the order the read*() functions below take them.
const QLatin1String kDefinitionColumns(
    "id, tenant_id, name, description, trigger_type, environment_filter, resource_type_filter, steps, "
    "config, "
    "is_enabled, cron_expression, cron_timezone, version, created_at, updated_at");
const QLatin1String kRunColumns(
    "id, definition_id, tenant_id, trigger_id, status, context, current_step_index, is_replay, is_dry_run, "
    "definition_snapshot, started_at, completed_at, failed_at, canceled_at, cancel_reason, created_at, "
    "updated_at");
const char *const kStepColumnNames[] = { "id", "run_id", "tenant_id", "step_index", "step_type", "step_name",
    "status", "scheduled_for", "started_at", "completed_at", "result", "error_message", "branch_index",
    "parent_step_run_id", "created_at", "attempt", "lease_owner", "lease_expires_at", "attempt_floor" };
const QLatin1String kLogColumns("id, run_id, step_run_id, tenant_id, level, message, data, created_at");

QString quoted(const QString &text)
{
    return QLatin1Char('\'') + text + QLatin1Char('\'');
}

QDateTime orNow(const QDateTime &time)
{
    return time.isValid() ? time : nowUtc();
}

Json stepsToJson(const std::vector<WorkflowStep> &steps)
{
    Json out = Json::array();
    for (const WorkflowStep &step : steps)
        out.push_back(toJson(step));
    return out;
}

// When a step was due: what "oldest due first" sorts on.
QDateTime dueTime(const WorkflowStepRun &step)
{
    return step.scheduledFor.isValid() ? step.scheduledFor : step.createdAt;
}

} // namespace

QString SqlStore::signalColumns()
{
    return QStringLiteral("id, tenant_id, source, type, resource_type, resource_id, environment, payload, "
                          "created_at, dedup_key");
}

QString SqlStore::stepColumns(const QString &alias)
{
    QStringList columns;
    for (const char *name : kStepColumnNames)
        columns.append(alias + QLatin1String(name));
    return columns.join(QStringLiteral(", "));
}

// ---- rows -------------------------------------------------------------------------

Result<TriggerEnvelope> SqlStore::readSignal(const SqlRows &row) const
{
    TriggerEnvelope signal;
    signal.id = row.text(0);
    signal.tenantId = row.text(1);
    signal.source = row.text(2);
    signal.type = row.text(3);
    signal.resourceType = row.optText(4);
    signal.resourceId = row.optText(5);
    signal.environment = row.optText(6);
    Result<Json> payload = readJson(row.value(7), "payload");
    if (!payload)
        return payload.error();
    signal.payload = std::move(payload).value();
    signal.createdAt = readTime(row.value(8));
    signal.dedupKey = row.optText(9);
    return signal;
}

Result<WorkflowDefinition> SqlStore::readDefinition(const SqlRows &row) const
{
    WorkflowDefinition definition;
    definition.id = row.text(0);
    definition.tenantId = row.text(1);
    definition.name = row.text(2);
    definition.description = row.optText(3);
    definition.triggerType = row.text(4);
    definition.environmentFilter = row.optText(5);
    definition.resourceTypeFilter = row.optText(6);
    Result<Json> steps = readJson(row.value(7), "steps");
    if (!steps)
        return steps.error();
    if (!steps->is_array())
        return makeError(
            ErrorCode::Database, QStringLiteral("definition %1: steps is not an array").arg(definition.id));
    for (std::size_t i = 0; i < steps->size(); ++i) {
        Result<WorkflowStep> step = workflowStepFromJson((*steps)[i], QStringLiteral("steps[%1]").arg(i));
        if (!step)
            return makeError(ErrorCode::Database,
                QStringLiteral("definition %1: %2").arg(definition.id, step.error().message));
        definition.steps.push_back(std::move(step).value());
    }
    Result<Json> config = readJson(row.value(8), "config");
    if (!config)
        return config.error();
    definition.config = std::move(config).value();
    definition.isEnabled = row.boolean(9);
    definition.cronExpression = row.optText(10);
    definition.cronTimezone = row.optText(11);
    definition.version = int(row.integer(12));
    definition.createdAt = readTime(row.value(13));
    definition.updatedAt = readTime(row.value(14));
    return definition;
}

Result<WorkflowRun> SqlStore::readRun(const SqlRows &row) const
{
    WorkflowRun run;
    run.id = row.text(0);
    run.definitionId = row.text(1);
    run.tenantId = row.text(2);
    run.triggerId = row.text(3);
    const std::optional<RunStatus> status = runStatusFromString(row.text(4));
    if (!status)
        return makeError(
            ErrorCode::Database, QStringLiteral("run %1: unknown status \"%2\"").arg(run.id, row.text(4)));
    run.status = *status;
    Result<Json> context = readJson(row.value(5), "context");
    if (!context)
        return context.error();
    run.context = std::move(context).value();
    run.currentStepIndex = int(row.integer(6));
    run.isReplay = row.boolean(7);
    run.isDryRun = row.boolean(8);
    if (!row.isNull(9)) { // NULL: a head read (getRunHead, transitionRun) left it out
        Result<Json> snapshot = readJson(row.value(9), "definition_snapshot");
        if (!snapshot)
            return snapshot.error();
        Result<WorkflowDefinition> definition = fromJson<WorkflowDefinition>(*snapshot);
        if (!definition)
            return makeError(ErrorCode::Database,
                QStringLiteral("run %1: definition snapshot: %2").arg(run.id, definition.error().message));
        run.definitionSnapshot = std::move(definition).value();
    }
    run.startedAt = readTime(row.value(10));
    run.completedAt = readTime(row.value(11));
    run.failedAt = readTime(row.value(12));
    run.canceledAt = readTime(row.value(13));
    run.cancelReason = row.optText(14);
    run.createdAt = readTime(row.value(15));
    run.updatedAt = readTime(row.value(16));
    return run;
}

Result<WorkflowStepRun> SqlStore::readStep(const SqlRows &row) const
{
    WorkflowStepRun step;
    step.id = row.text(0);
    step.runId = row.text(1);
    step.tenantId = row.text(2);
    step.stepIndex = int(row.integer(3));
    const std::optional<StepType> type = stepTypeFromString(row.text(4));
    if (!type)
        return makeError(
            ErrorCode::Database, QStringLiteral("step %1: unknown type \"%2\"").arg(step.id, row.text(4)));
    step.stepType = *type;
    step.stepName = row.text(5);
    const std::optional<StepStatus> status = stepStatusFromString(row.text(6));
    if (!status)
        return makeError(
            ErrorCode::Database, QStringLiteral("step %1: unknown status \"%2\"").arg(step.id, row.text(6)));
    step.status = *status;
    step.scheduledFor = readTime(row.value(7));
    step.startedAt = readTime(row.value(8));
    step.completedAt = readTime(row.value(9));
    Result<Json> result = readJson(row.value(10), "result");
    if (!result)
        return result.error();
    step.result = std::move(result).value();
    step.errorMessage = row.optText(11);
    if (const std::optional<qint64> branch = row.optInteger(12))
        step.branchIndex = int(*branch);
    step.parentStepRunId = row.optText(13);
    step.createdAt = readTime(row.value(14));
    step.attempt = int(row.integer(15));
    step.leaseOwner = row.optText(16);
    step.leaseExpiresAt = readTime(row.value(17));
    step.attemptFloor = int(row.integer(18));
    return step;
}

Result<ExecutionLog> SqlStore::readLog(const SqlRows &row) const
{
    ExecutionLog log;
    log.id = row.text(0);
    log.runId = row.text(1);
    log.stepRunId = row.optText(2);
    log.tenantId = row.text(3);
    const std::optional<LogLevel> level = logLevelFromString(row.text(4));
    if (!level)
        return makeError(
            ErrorCode::Database, QStringLiteral("log %1: unknown level \"%2\"").arg(log.id, row.text(4)));
    log.level = *level;
    log.message = row.text(5);
    Result<Json> data = readJson(row.value(6), "data");
    if (!data)
        return data.error();
    log.data = std::move(data).value();
    log.createdAt = readTime(row.value(7));
    return log;
}

Result<bool> SqlStore::rowExists(const QString &table, const QString &id, const char *what)
{
    Result<SqlRows> rows
        = exec(QStringLiteral("SELECT 1 FROM {p}") + table + QStringLiteral(" WHERE id = :id"),
            { { ":id", id } }, what);
    if (!rows)
        return rows.error();
    if (rows->next())
        return true;
    if (rows->lastError().isValid())
        return fail(rows->lastError(), what);
    return false;
}

// ---- signals ----------------------------------------------------------------------

Result<SignalInsert> SqlStore::insertSignal(
    const TriggerEnvelope &envelope, std::chrono::milliseconds dedupWindow)
{
    TriggerEnvelope stored = envelope;
    stored.createdAt = orNow(envelope.createdAt);
    if (stored.dedupKey && stored.dedupKey->isEmpty())
        stored.dedupKey.reset();
    const Binds binds = { { ":id", bindString(stored.id) }, { ":tenant_id", bindString(stored.tenantId) },
        { ":source", bindString(stored.source) }, { ":type", bindString(stored.type) },
        { ":resource_type", bindText(stored.resourceType) }, { ":resource_id", bindText(stored.resourceId) },
        { ":environment", bindText(stored.environment) }, { ":payload", bindJson(stored.payload) },
        { ":created_at", bindTime(stored.createdAt) }, { ":dedup_key", bindText(stored.dedupKey) } };
    const QString insert = QStringLiteral(
        "INSERT INTO {p}triggers (id, tenant_id, source, type, resource_type, resource_id, environment, "
        "payload, "
        "created_at, dedup_key, live_dedup_key) VALUES (:id, :tenant_id, :source, :type, :resource_type, "
        ":resource_id, :environment, :payload, :created_at, :dedup_key, :dedup_key)");
    if (!stored.dedupKey) {
        if (Result<SqlRows> rows = exec(insert, binds, "insert signal"); !rows)
            return rows.error();
        return SignalInsert { stored, true };
    }

    // live_dedup_key is the key while it still deduplicates (dedup_key stays as stored): a
    // key older than the window is released first, then the insert goes through unless a
    // signal holding the key exists. The unique index makes this atomic across processes;
    // the loop covers the key being released by someone else between our insert and read.
    const QDateTime cutoff = stored.createdAt.addMSecs(-qint64(dedupWindow.count()));
    return inTransaction([&]() -> Result<SignalInsert> {
        for (int attempt = 0; attempt < 3; ++attempt) {
            Result<SqlRows> released
                = exec(QStringLiteral("UPDATE {p}triggers SET live_dedup_key = NULL "
                                      "WHERE live_dedup_key = :dedup_key AND created_at < :cutoff"),
                    { { ":dedup_key", *stored.dedupKey }, { ":cutoff", bindTime(cutoff) } },
                    "insert signal: release an expired dedup key");
            if (!released)
                return released.error();
            Result<SqlRows> inserted = exec(insert
                    + QStringLiteral(" ON CONFLICT (live_dedup_key) WHERE live_dedup_key IS NOT NULL "
                                     "DO NOTHING RETURNING id"),
                binds, "insert signal");
            if (!inserted)
                return inserted.error();
            if (inserted->next())
                return SignalInsert { stored, true };
            Result<TriggerEnvelope> existing = readOne(
                exec(QStringLiteral("SELECT ") + signalColumns()
                        + QStringLiteral(" FROM {p}triggers WHERE live_dedup_key = :dedup_key"),
                    { { ":dedup_key", *stored.dedupKey } }, "insert signal: read the earlier signal"),
                &SqlStore::readSignal, "insert signal: read the earlier signal", QString());
            if (existing)
                return SignalInsert { std::move(existing).value(), false };
            if (existing.error().code != ErrorCode::NotFound)
                return existing.error();
        }
        return makeError(ErrorCode::Conflict,
            QStringLiteral("insert signal: dedup key \"%1\" kept changing hands").arg(*stored.dedupKey));
    });
}

Result<TriggerEnvelope> SqlStore::getSignal(const QString &id)
{
    return readOne(
        exec(QStringLiteral("SELECT ") + signalColumns() + QStringLiteral(" FROM {p}triggers WHERE id = :id"),
            { { ":id", id } }, "get signal"),
        &SqlStore::readSignal, "get signal", QStringLiteral("signal %1 not found").arg(id));
}

Result<Page<TriggerEnvelope>> SqlStore::listSignals(const SignalFilter &filter, const PageRequest &page)
{
    Filter where;
    if (filter.tenantId)
        where.add(QStringLiteral("tenant_id = :tenant_id"), ":tenant_id", *filter.tenantId);
    if (filter.type)
        where.add(QStringLiteral("type = :type"), ":type", *filter.type);
    if (filter.resourceId)
        where.add(QStringLiteral("resource_id = :resource_id"), ":resource_id", *filter.resourceId);
    return fetchPageById(QStringLiteral("SELECT ") + signalColumns() + QStringLiteral(" FROM {p}triggers"),
        std::move(where), page, &SqlStore::readSignal, "list signals");
}

// ---- workflow definitions ---------------------------------------------------------

Binds SqlStore::definitionBinds(const WorkflowDefinition &definition) const
{
    return { { ":id", bindString(definition.id) }, { ":tenant_id", bindString(definition.tenantId) },
        { ":name", bindString(definition.name) }, { ":description", bindText(definition.description) },
        { ":trigger_type", bindString(definition.triggerType) },
        { ":environment_filter", bindText(definition.environmentFilter) },
        { ":resource_type_filter", bindText(definition.resourceTypeFilter) },
        { ":steps", bindJson(stepsToJson(definition.steps)) }, { ":config", bindJson(definition.config) },
        { ":is_enabled", bindBool(definition.isEnabled) },
        { ":cron_expression", bindText(definition.cronExpression) },
        { ":cron_timezone", bindText(definition.cronTimezone) } };
}

Status SqlStore::createDefinition(const WorkflowDefinition &definition)
{
    Binds binds = definitionBinds(definition);
    const QDateTime createdAt = orNow(definition.createdAt);
    binds.push_back({ ":version", definition.version });
    binds.push_back({ ":created_at", bindTime(createdAt) });
    binds.push_back(
        { ":updated_at", bindTime(definition.updatedAt.isValid() ? definition.updatedAt : createdAt) });
    Result<SqlRows> rows = exec(
        QStringLiteral(
            "INSERT INTO {p}workflow_definitions (id, tenant_id, name, description, trigger_type, "
            "environment_filter, resource_type_filter, steps, config, is_enabled, cron_expression, "
            "cron_timezone, version, created_at, updated_at) VALUES (:id, :tenant_id, :name, :description, "
            ":trigger_type, :environment_filter, :resource_type_filter, :steps, :config, :is_enabled, "
            ":cron_expression, :cron_timezone, :version, :created_at, :updated_at)"),
        binds, "create definition");
    if (!rows)
        return rows.error();
    return {};
}

namespace {
// What an update writes: every field but id and createdAt, and a new version.
const QString kDefinitionChange = QStringLiteral(
    "tenant_id = :tenant_id, name = :name, description = :description, trigger_type = :trigger_type, "
    "environment_filter = :environment_filter, resource_type_filter = :resource_type_filter, steps = :steps, "
    "config = :config, is_enabled = :is_enabled, cron_expression = :cron_expression, "
    "cron_timezone = :cron_timezone, version = version + 1, updated_at = :updated_at");
} // namespace

Result<WorkflowDefinition> SqlStore::restoreDefinition(const WorkflowDefinition &definition)
{
    Binds binds = definitionBinds(definition);
    binds.push_back({ ":updated_at", bindTime(nowUtc()) });
    return readOne(exec(QStringLiteral("UPDATE {p}workflow_definitions SET ") + kDefinitionChange
                            + QStringLiteral(", deleted_at = NULL WHERE id = :id AND deleted_at IS NOT NULL RETURNING ")
                            + kDefinitionColumns,
                        binds, "restore definition"),
                   &SqlStore::readDefinition, "restore definition",
                   QStringLiteral("no deleted definition %1").arg(definition.id));
}

Result<WorkflowDefinition> SqlStore::updateDefinition(
    const WorkflowDefinition &definition, std::optional<int> expectedVersion)
{
    Binds binds = definitionBinds(definition);
    binds.push_back({ ":updated_at", bindTime(nowUtc()) });
    QString sql = QStringLiteral("UPDATE {p}workflow_definitions SET ") + kDefinitionChange
        + QStringLiteral(" WHERE id = :id AND deleted_at IS NULL");
    if (expectedVersion) {
        sql += QStringLiteral(" AND version = :expected_version");
        binds.push_back({ ":expected_version", *expectedVersion });
    }
    sql += QStringLiteral(" RETURNING ") + kDefinitionColumns;
    Result<WorkflowDefinition> updated = readOne(
        exec(sql, binds, "update definition"), &SqlStore::readDefinition, "update definition", QString());
    if (updated || updated.error().code != ErrorCode::NotFound)
        return updated;

    // Nothing changed: unknown (or deleted), or at another version.
    Result<SqlRows> current = exec(QStringLiteral("SELECT version FROM {p}workflow_definitions "
                                                  "WHERE id = :id AND deleted_at IS NULL"),
        { { ":id", definition.id } }, "update definition");
    if (!current)
        return current.error();
    if (!current->next())
        return makeError(ErrorCode::NotFound, QStringLiteral("definition %1 not found").arg(definition.id));
    return makeError(ErrorCode::Conflict,
        QStringLiteral("definition %1 is at version %2, not %3")
            .arg(definition.id)
            .arg(current->integer(0))
            .arg(expectedVersion.value_or(-1)));
}

Result<WorkflowDefinition> SqlStore::getDefinition(const QString &id)
{
    return readOne(
        exec(QStringLiteral("SELECT ") + kDefinitionColumns
                + QStringLiteral(" FROM {p}workflow_definitions WHERE id = :id AND deleted_at IS NULL"),
            { { ":id", id } }, "get definition"),
        &SqlStore::readDefinition, "get definition", QStringLiteral("definition %1 not found").arg(id));
}

Result<Page<WorkflowDefinition>> SqlStore::listDefinitions(
    const DefinitionFilter &filter, const PageRequest &page)
{
    Filter where;
    where.conditions.append(QStringLiteral("deleted_at IS NULL"));
    if (filter.tenantId)
        where.add(QStringLiteral("tenant_id = :tenant_id"), ":tenant_id", *filter.tenantId);
    if (filter.triggerType)
        where.add(QStringLiteral("trigger_type = :trigger_type"), ":trigger_type", *filter.triggerType);
    if (filter.isEnabled)
        where.add(QStringLiteral("is_enabled = :is_enabled"), ":is_enabled", bindBool(*filter.isEnabled));
    return fetchPageById(
        QStringLiteral("SELECT ") + kDefinitionColumns + QStringLiteral(" FROM {p}workflow_definitions"),
        std::move(where), page, &SqlStore::readDefinition, "list definitions");
}

Result<std::vector<WorkflowDefinition>> SqlStore::enabledDefinitionsFor(
    const QString &tenantId, const QString &triggerType)
{
    return readAll(exec(QStringLiteral("SELECT ") + kDefinitionColumns
                           + QStringLiteral(" FROM {p}workflow_definitions WHERE tenant_id = :tenant_id AND "
                                            "trigger_type = :trigger_type AND is_enabled = :is_enabled AND "
                                            "deleted_at IS NULL ORDER BY id"),
                       { { ":tenant_id", tenantId }, { ":trigger_type", triggerType },
                           { ":is_enabled", bindBool(true) } },
                       "enabled definitions"),
        &SqlStore::readDefinition, "enabled definitions");
}

Result<std::vector<WorkflowDefinition>> SqlStore::cronDefinitions()
{
    return readAll(
        exec(QStringLiteral("SELECT ") + kDefinitionColumns
                + QStringLiteral(" FROM {p}workflow_definitions WHERE cron_expression IS NOT NULL AND "
                                 "cron_expression <> '' AND is_enabled = :is_enabled AND "
                                 "deleted_at IS NULL ORDER BY id"),
            { { ":is_enabled", bindBool(true) } }, "cron definitions"),
        &SqlStore::readDefinition, "cron definitions");
}

Status SqlStore::setDefinitionEnabled(const QString &id, bool enabled)
{
    Result<SqlRows> rows = exec(QStringLiteral("UPDATE {p}workflow_definitions SET is_enabled = :is_enabled, "
                                               "updated_at = :now WHERE id = :id AND deleted_at IS NULL"),
        { { ":is_enabled", bindBool(enabled) }, { ":now", bindTime(nowUtc()) }, { ":id", id } },
        enabled ? "enable definition" : "disable definition");
    if (!rows)
        return rows.error();
    if (rows->numRowsAffected() == 0)
        return makeError(ErrorCode::NotFound, QStringLiteral("definition %1 not found").arg(id));
    return {};
}

Status SqlStore::deleteDefinition(const QString &id)
{
    const QVariant now = bindTime(nowUtc());
    Result<SqlRows> rows
        = exec(QStringLiteral("UPDATE {p}workflow_definitions SET deleted_at = :now, updated_at = :now "
                              "WHERE id = :id AND deleted_at IS NULL"),
            { { ":now", now }, { ":id", id } }, "delete definition");
    if (!rows)
        return rows.error();
    if (rows->numRowsAffected() == 0)
        return makeError(ErrorCode::NotFound, QStringLiteral("definition %1 not found").arg(id));
    return {};
}

// ---- runs -------------------------------------------------------------------------

Status SqlStore::createRun(const WorkflowRun &run, const std::vector<WorkflowStepRun> &steps)
{
    const QDateTime createdAt = orNow(run.createdAt);
    const Binds binds = { { ":id", bindString(run.id) }, { ":definition_id", bindString(run.definitionId) },
        { ":tenant_id", bindString(run.tenantId) }, { ":trigger_id", bindString(run.triggerId) },
        { ":status", toString(run.status) }, { ":context", bindJson(run.context) },
        { ":current_step_index", run.currentStepIndex }, { ":is_replay", bindBool(run.isReplay) },
        { ":is_dry_run", bindBool(run.isDryRun) },
        { ":definition_snapshot", snapshotText(run.definitionSnapshot) },
        { ":started_at", bindTime(run.startedAt) }, { ":completed_at", bindTime(run.completedAt) },
        { ":failed_at", bindTime(run.failedAt) }, { ":canceled_at", bindTime(run.canceledAt) },
        { ":cancel_reason", bindText(run.cancelReason) }, { ":created_at", bindTime(createdAt) },
        { ":updated_at", bindTime(run.updatedAt.isValid() ? run.updatedAt : createdAt) } };
    return inTransaction([&]() -> Status {
        Result<SqlRows> rows = exec(
            QStringLiteral(
                "INSERT INTO {p}workflow_runs (id, definition_id, tenant_id, trigger_id, status, context, "
                "current_step_index, is_replay, is_dry_run, definition_snapshot, started_at, completed_at, "
                "failed_at, canceled_at, cancel_reason, created_at, updated_at) VALUES (:id, :definition_id, "
                ":tenant_id, :trigger_id, :status, :context, :current_step_index, :is_replay, :is_dry_run, "
                ":definition_snapshot, :started_at, :completed_at, :failed_at, :canceled_at, :cancel_reason, "
                ":created_at, :updated_at)"),
            binds, "create run");
        if (!rows)
            return rows.error();
        for (const WorkflowStepRun &step : steps) {
            if (Status inserted = insertStep(step); !inserted)
                return inserted;
        }
        return {};
    });
}

Result<WorkflowRun> SqlStore::getRun(const QString &id)
{
    return readOne(exec(QStringLiteral("SELECT ") + kRunColumns
                           + QStringLiteral(" FROM {p}workflow_runs WHERE id = :id"),
                       { { ":id", id } }, "get run"),
        &SqlStore::readRun, "get run", QStringLiteral("run %1 not found").arg(id));
}

QString SqlStore::runHeadColumns()
{
    static const QString columns
        = QString(kRunColumns).replace(QStringLiteral("definition_snapshot"), QStringLiteral("NULL"));
    return columns;
}

Result<std::vector<WorkflowRun>> SqlStore::getRunHeads(const std::vector<QString> &ids)
{
    // Chunks of 16 ids with one cached statement per chunk size.
    constexpr size_t kChunk = 16;
    std::vector<WorkflowRun> heads;
    heads.reserve(ids.size());
    for (size_t start = 0; start < ids.size(); start += kChunk) {
        const size_t count = std::min(kChunk, ids.size() - start);
        QStringList placeholders;
        Binds binds;
        for (size_t i = 0; i < count; ++i) {
            static const char *const names[kChunk] = { ":i0", ":i1", ":i2",  ":i3",  ":i4",  ":i5",  ":i6",  ":i7",
                                                       ":i8", ":i9", ":i10", ":i11", ":i12", ":i13", ":i14", ":i15" };
            placeholders << QLatin1String(names[i]);
            binds.push_back({ names[i], ids[start + i] });
        }
        Result<std::vector<WorkflowRun>> chunk
            = readAll(exec(QStringLiteral("SELECT ") + runHeadColumns() + QStringLiteral(" FROM {p}workflow_runs WHERE id IN (")
                               + placeholders.join(QStringLiteral(", ")) + QLatin1Char(')'),
                           binds, "get run heads"),
                      &SqlStore::readRun, "get run heads");
        if (!chunk)
            return chunk.error();
        std::move(chunk->begin(), chunk->end(), std::back_inserter(heads));
    }
    return heads;
}

Result<WorkflowRun> SqlStore::getRunHead(const QString &id)
{
    return readOne(exec(QStringLiteral("SELECT ") + runHeadColumns()
                           + QStringLiteral(" FROM {p}workflow_runs WHERE id = :id"),
                       { { ":id", id } }, "get run"),
        &SqlStore::readRun, "get run", QStringLiteral("run %1 not found").arg(id));
}

Result<Page<WorkflowRun>> SqlStore::listRuns(const RunFilter &filter, const PageRequest &page)
{
    Filter where;
    if (filter.status)
        where.add(QStringLiteral("status = :status"), ":status", toString(*filter.status));
    if (filter.tenantId)
        where.add(QStringLiteral("tenant_id = :tenant_id"), ":tenant_id", *filter.tenantId);
    if (filter.definitionId)
        where.add(QStringLiteral("definition_id = :definition_id"), ":definition_id", *filter.definitionId);
    if (filter.triggerId)
        where.add(QStringLiteral("trigger_id = :trigger_id"), ":trigger_id", *filter.triggerId);
    if (filter.createdAfter)
        where.add(QStringLiteral("created_at >= :created_after"), ":created_after", bindTime(*filter.createdAfter));
    if (filter.createdBefore)
        where.add(QStringLiteral("created_at < :created_before"), ":created_before", bindTime(*filter.createdBefore));
    return fetchPageById(QStringLiteral("SELECT ") + kRunColumns + QStringLiteral(" FROM {p}workflow_runs"),
        std::move(where), page, &SqlStore::readRun, "list runs");
}

namespace {

// The SET clauses of a RunPatch, with their binds.
void addRunPatch(
    const RunPatch &patch, QStringList &sets, Binds &binds, const std::function<QVariant(const Json &)> &json)
{
    if (patch.currentStepIndex) {
        sets.append(QStringLiteral("current_step_index = :current_step_index"));
        binds.push_back({ ":current_step_index", *patch.currentStepIndex });
    }
    if (patch.context) {
        sets.append(QStringLiteral("context = :context"));
        binds.push_back({ ":context", json(*patch.context) });
    }
    if (patch.cancelReason) {
        sets.append(QStringLiteral("cancel_reason = :cancel_reason"));
        binds.push_back({ ":cancel_reason", *patch.cancelReason });
    }
}

} // namespace

Result<WorkflowRun> SqlStore::transitionRun(const QString &id, RunStatus to, const RunPatch &patch)
{
    const auto json = [this](const Json &value) { return bindJson(value); };
    QStringList sets = { QStringLiteral("status = :to"), QStringLiteral("updated_at = :now") };
    Binds binds = { { ":to", toString(to) }, { ":now", bindTime(nowUtc()) }, { ":id", id } };
    switch (to) {
    case RunStatus::Running:
        sets.append(QStringLiteral("started_at = COALESCE(started_at, :now)"));
        break;
    case RunStatus::Completed:
        sets.append(QStringLiteral("completed_at = :now"));
        break;
    case RunStatus::Failed:
        sets.append(QStringLiteral("failed_at = :now"));
        break;
    case RunStatus::Canceled:
        sets.append(QStringLiteral("canceled_at = :now"));
        break;
    case RunStatus::Pending:
    case RunStatus::Waiting:
        break;
    }
    addRunPatch(patch, sets, binds, json);

    // The guard: only rows whose current status may move to `to`, in the same statement.
    QStringList from;
    for (RunStatus status : { RunStatus::Pending, RunStatus::Running, RunStatus::Waiting,
             RunStatus::Completed, RunStatus::Failed, RunStatus::Canceled }) {
        if (isAllowedTransition(status, to))
            from.append(quoted(toString(status)));
    }
    if (!from.isEmpty()) {
        Result<WorkflowRun> updated = readOne(
            exec(QStringLiteral("UPDATE {p}workflow_runs SET ") + sets.join(QStringLiteral(", "))
                    + QStringLiteral(" WHERE id = :id AND status IN (") + from.join(QStringLiteral(", "))
                    + QStringLiteral(") RETURNING ") + runHeadColumns(),
                binds, "transition run"),
            &SqlStore::readRun, "transition run", QString());
        if (updated || updated.error().code != ErrorCode::NotFound)
            return updated;
    }

    Result<SqlRows> current = exec(QStringLiteral("SELECT status FROM {p}workflow_runs WHERE id = :id"),
        { { ":id", id } }, "transition run");
    if (!current)
        return current.error();
    if (!current->next())
        return makeError(ErrorCode::NotFound, QStringLiteral("run %1 not found").arg(id));
    return makeError(ErrorCode::Conflict,
        QStringLiteral("run %1 cannot go from %2 to %3").arg(id, current->text(0), toString(to)));
}

Result<std::vector<std::optional<WorkflowRun>>> SqlStore::transitionRuns(const std::vector<RunMove> &moves)
{
    std::vector<std::optional<WorkflowRun>> moved(moves.size());
    if (moves.empty())
        return moved;
    Json rows = Json::array();
    QHash<QString, std::size_t> index;
    for (std::size_t i = 0; i < moves.size(); ++i) {
        if (index.contains(moves[i].runId))
            return makeError(ErrorCode::Invalid, QStringLiteral("transition runs: run %1 twice").arg(moves[i].runId));
        index.insert(moves[i].runId, i);
        QString allowed = QStringLiteral(",");
        for (RunStatus status : { RunStatus::Pending, RunStatus::Running, RunStatus::Waiting, RunStatus::Completed,
                 RunStatus::Failed, RunStatus::Canceled }) {
            if (isAllowedTransition(status, moves[i].to))
                allowed += toString(status) + QLatin1Char(',');
        }
        rows.push_back(Json { { "rid", toStd(moves[i].runId) }, { "dest", toStd(toString(moves[i].to)) },
            { "allowed", toStd(allowed) } });
    }
    Result<std::vector<WorkflowRun>> updated = readAll(exec(transitionRunsSql(),
                                                           { { ":batch", QString::fromUtf8(dumpJson(rows)) },
                                                               { ":now", bindTime(nowUtc()) } },
                                                           "transition runs"),
        &SqlStore::readRun, "transition runs");
    if (!updated)
        return updated.error();
    for (WorkflowRun &run : updated.value()) {
        if (const auto it = index.constFind(run.id); it != index.cend())
            moved[*it] = std::move(run);
    }
    return moved;
}

Status SqlStore::updateRunProgress(const QString &id, const RunPatch &patch)
{
    QStringList sets = { QStringLiteral("updated_at = :now") };
    Binds binds = { { ":now", bindTime(nowUtc()) }, { ":id", id } };
    addRunPatch(patch, sets, binds, [this](const Json &value) { return bindJson(value); });
    Result<SqlRows> rows = exec(QStringLiteral("UPDATE {p}workflow_runs SET ")
            + sets.join(QStringLiteral(", ")) + QStringLiteral(" WHERE id = :id"),
        binds, "update run");
    if (!rows)
        return rows.error();
    if (rows->numRowsAffected() == 0)
        return makeError(ErrorCode::NotFound, QStringLiteral("run %1 not found").arg(id));
    return {};
}

// ---- step runs --------------------------------------------------------------------

Status SqlStore::insertStep(const WorkflowStepRun &step)
{
    static const QString sql = []() -> QString {
        QStringList placeholders;
        for (const char *name : kStepColumnNames)
            placeholders.append(QLatin1Char(':') + QLatin1String(name));
        return QStringLiteral("INSERT INTO {p}workflow_step_runs (") + stepColumns()
            + QStringLiteral(") VALUES (") + placeholders.join(QStringLiteral(", ")) + QLatin1Char(')');
    }();
    Result<SqlRows> rows = exec(sql,
        { { ":id", bindString(step.id) }, { ":run_id", bindString(step.runId) },
            { ":tenant_id", bindString(step.tenantId) }, { ":step_index", step.stepIndex },
            { ":step_type", toString(step.stepType) }, { ":step_name", bindString(step.stepName) },
            { ":status", toString(step.status) }, { ":scheduled_for", bindTime(step.scheduledFor) },
            { ":started_at", bindTime(step.startedAt) }, { ":completed_at", bindTime(step.completedAt) },
            { ":result", bindJson(step.result) }, { ":error_message", bindText(step.errorMessage) },
            { ":branch_index", step.branchIndex ? QVariant(*step.branchIndex) : QVariant() },
            { ":parent_step_run_id", bindText(step.parentStepRunId) },
            { ":created_at", bindTime(orNow(step.createdAt)) }, { ":attempt", step.attempt },
            { ":lease_owner", bindText(step.leaseOwner) },
            { ":lease_expires_at", bindTime(step.leaseExpiresAt) }, { ":attempt_floor", step.attemptFloor } },
        "insert step run");
    if (!rows)
        return rows.error();
    return {};
}

Status SqlStore::insertStepRuns(const std::vector<WorkflowStepRun> &steps)
{
    if (steps.empty())
        return {};
    return inTransaction([&]() -> Status {
        for (const WorkflowStepRun &step : steps) {
            if (Status inserted = insertStep(step); !inserted)
                return inserted;
        }
        return {};
    });
}

Result<WorkflowStepRun> SqlStore::getStepRun(const QString &id)
{
    return readOne(exec(QStringLiteral("SELECT ") + stepColumns()
                           + QStringLiteral(" FROM {p}workflow_step_runs WHERE id = :id"),
                       { { ":id", id } }, "get step run"),
        &SqlStore::readStep, "get step run", QStringLiteral("step run %1 not found").arg(id));
}

Result<std::vector<WorkflowStepRun>> SqlStore::getRunSteps(const QString &runId)
{
    return readAll(
        exec(QStringLiteral("SELECT ") + stepColumns()
                + QStringLiteral(" FROM {p}workflow_step_runs WHERE run_id = :run_id ORDER BY created_at, ")
                + insertionOrderSql(),
            { { ":run_id", runId } }, "get run steps"),
        &SqlStore::readStep, "get run steps");
}

Result<std::vector<WorkflowStepRun>> SqlStore::claimDueSteps(
    const QString &owner, const QDateTime &now, std::chrono::milliseconds lease, int limit)
{
    if (!now.isValid())
        return makeError(ErrorCode::Invalid, QStringLiteral("claim due steps: no time given"));
    if (limit <= 0)
        return std::vector<WorkflowStepRun>();
    return claim(claimSql(),
        { { ":owner", bindString(owner) }, { ":now", bindTime(now) },
            { ":expires", bindTime(now.addMSecs(qint64(lease.count()))) }, { ":limit", std::min(limit, 1000) } },
        owner, now, "claim due steps");
}

Result<std::vector<WorkflowStepRun>> SqlStore::claimDueDelays(const QString &owner, const QDateTime &now,
    const QDateTime &horizon, std::chrono::milliseconds lease, int limit)
{
    if (!now.isValid() || !horizon.isValid())
        return makeError(ErrorCode::Invalid, QStringLiteral("claim due delays: no time given"));
    if (limit <= 0)
        return std::vector<WorkflowStepRun>();
    return claim(claimDelaysSql(),
        { { ":owner", bindString(owner) }, { ":now", bindTime(now) }, { ":horizon", bindTime(horizon) },
            { ":expires", bindTime(horizon.addMSecs(qint64(lease.count()))) },
            { ":limit", std::min(limit, 5000) } },
        owner, now, "claim due delays");
}

Result<std::vector<WorkflowStepRun>> SqlStore::claim(
    const QString &sql, const Binds &binds, const QString &owner, const QDateTime &now, const char *what)
{
    // The claim and its attempt records commit together, so the history names the owner
    // and start of an attempt even when its process dies right after the claim.
    const auto claimRows = [&]() -> Result<std::vector<WorkflowStepRun>> {
        Result<std::vector<WorkflowStepRun>> claimed = readAll(exec(sql, binds, what), &SqlStore::readStep, what);
        if (!claimed)
            return claimed;
        // RETURNING keeps no order
        std::stable_sort(claimed->begin(), claimed->end(),
            [](const WorkflowStepRun &a, const WorkflowStepRun &b) { return dueTime(a) < dueTime(b); });
        if (claimRecordsAttempts())
            return claimed;
        std::vector<StepAttempt> attempts;
        attempts.reserve(claimed->size());
        for (const WorkflowStepRun &step : claimed.value()) {
            attempts.push_back(StepAttempt { step.id, step.runId, step.attempt, owner, dueTime(step),
                step.startedAt.isValid() ? step.startedAt : now });
        }
        if (Status recorded = recordAttemptStarts(attempts); !recorded)
            return recorded.error();
        return claimed;
    };
    return claimRecordsAttempts() ? claimRows() : inTransaction(claimRows);
}

Result<bool> SqlStore::renewLease(
    const QString &stepRunId, const QString &owner, int attempt, const QDateTime &expiresAt)
{
    Result<SqlRows> rows
        = exec(QStringLiteral("UPDATE {p}workflow_step_runs SET lease_expires_at = :expires "
                              "WHERE id = :id AND status = 'running' AND lease_owner = :owner AND "
                              "attempt = :attempt"),
            { { ":expires", bindTime(expiresAt) }, { ":id", stepRunId }, { ":owner", bindString(owner) },
                { ":attempt", attempt } },
            "renew lease");
    if (!rows)
        return rows.error();
    return rows->numRowsAffected() > 0;
}

Status SqlStore::finishStep(const StepFinish &finish)
{
    if (finish.status != StepStatus::Completed && finish.status != StepStatus::Failed
        && finish.status != StepStatus::Skipped && finish.status != StepStatus::Scheduled)
        return makeError(ErrorCode::Invalid,
            QStringLiteral("finish step %1: cannot finish as %2")
                .arg(finish.stepRunId, toString(finish.status)));
    const QDateTime at = orNow(finish.at);
    QStringList sets = { QStringLiteral("status = :status"), QStringLiteral("lease_owner = NULL"),
        QStringLiteral("lease_expires_at = NULL") };
    Binds binds = { { ":status", toString(finish.status) }, { ":at", bindTime(at) },
        { ":id", finish.stepRunId }, { ":owner", bindString(finish.owner) }, { ":attempt", finish.attempt } };
    if (finish.status == StepStatus::Scheduled)
        sets.append(QStringLiteral("scheduled_for = :at")); // retry later; the error stays for the operator
    else
        sets.append(QStringLiteral("completed_at = :at"));
    if (!finish.result.is_null()) {
        sets.append(QStringLiteral("result = :result"));
        binds.push_back({ ":result", bindJson(finish.result) });
    }
    if (finish.errorMessage) {
        sets.append(QStringLiteral("error_message = :error_message"));
        binds.push_back({ ":error_message", bindText(finish.errorMessage) });
    } else if (finish.status == StepStatus::Completed) {
        sets.append(QStringLiteral("error_message = NULL")); // an earlier attempt's error is history now
    }
    Result<SqlRows> rows
        = exec(QStringLiteral("UPDATE {p}workflow_step_runs SET ") + sets.join(QStringLiteral(", "))
                + QStringLiteral(" WHERE id = :id AND status = 'running' AND lease_owner = :owner "
                                 "AND attempt = :attempt"),
            binds, "finish step");
    if (!rows)
        return rows.error();
    if (rows->numRowsAffected() > 0)
        return {};
    return stepConflict(finish.stepRunId,
        QStringLiteral("step run %1: lease lost (not running under %2, attempt %3)")
            .arg(finish.stepRunId, finish.owner)
            .arg(finish.attempt),
        "finish step");
}

Result<int> SqlStore::reclaimExpiredLeases(const QDateTime &now)
{
    Result<SqlRows> rows
        = exec(QStringLiteral("UPDATE {p}workflow_step_runs SET status = 'scheduled', "
                              "scheduled_for = :now, lease_owner = NULL, lease_expires_at = NULL "
                              "WHERE status = 'running' AND lease_expires_at < :now"),
            { { ":now", bindTime(orNow(now)) } }, "reclaim expired leases");
    if (!rows)
        return rows.error();
    return rows->numRowsAffected();
}

Result<std::optional<QDateTime>> SqlStore::nextDueAt()
{
    // Each minimum is the first entry of a partial index.
    Result<SqlRows> rows = exec(
        QStringLiteral("SELECT (SELECT MIN(created_at) FROM {p}workflow_step_runs "
                       "WHERE status IN ('pending', 'scheduled') AND scheduled_for IS NULL), "
                       "(SELECT MIN(scheduled_for) FROM {p}workflow_step_runs "
                       "WHERE status IN ('pending', 'scheduled')), "
                       "(SELECT MIN(lease_expires_at) FROM {p}workflow_step_runs WHERE status = 'running')"),
        {}, "next due time");
    if (!rows)
        return rows.error();
    if (!rows->next())
        return fail(rows->lastError(), "next due time");
    std::optional<QDateTime> earliest;
    for (int column = 0; column < 3; ++column) {
        const QDateTime time = readTime(rows->value(column));
        if (time.isValid() && (!earliest || time < *earliest))
            earliest = time;
    }
    return earliest;
}

Result<int> SqlStore::skipPendingSteps(const QString &runId, const QString &reason)
{
    Result<SqlRows> rows
        = exec(QStringLiteral("UPDATE {p}workflow_step_runs SET status = 'skipped', "
                              "error_message = :reason, completed_at = :now "
                              "WHERE run_id = :run_id AND status IN ('pending', 'scheduled')"),
            { { ":reason", bindString(reason) }, { ":now", bindTime(nowUtc()) }, { ":run_id", runId } },
            "skip pending steps");
    if (!rows)
        return rows.error();
    return rows->numRowsAffected();
}

Status SqlStore::rescheduleStep(const QString &stepRunId, const QDateTime &at)
{
    Result<SqlRows> rows
        = exec(QStringLiteral("UPDATE {p}workflow_step_runs SET status = 'scheduled', "
                              "scheduled_for = :at, error_message = NULL, completed_at = NULL, "
                              "lease_owner = NULL, lease_expires_at = NULL, attempt_floor = attempt "
                              "WHERE id = :id AND status IN ('failed', 'skipped')"),
            { { ":at", bindTime(orNow(at)) }, { ":id", stepRunId } }, "reschedule step");
    if (!rows)
        return rows.error();
    if (rows->numRowsAffected() > 0)
        return {};
    Result<SqlRows> current = exec(QStringLiteral("SELECT status FROM {p}workflow_step_runs WHERE id = :id"),
        { { ":id", stepRunId } }, "reschedule step");
    if (!current)
        return current.error();
    if (!current->next())
        return makeError(ErrorCode::NotFound, QStringLiteral("step run %1 not found").arg(stepRunId));
    return makeError(ErrorCode::Conflict,
        QStringLiteral("step run %1 is %2: only a failed or skipped step can be "
                       "rescheduled")
            .arg(stepRunId, current->text(0)));
}

// ---- execution logs ---------------------------------------------------------------

Status SqlStore::appendLogs(const std::vector<ExecutionLog> &logs)
{
    if (logs.empty())
        return {};
    return inTransaction([&]() -> Status {
        for (const ExecutionLog &log : logs) {
            Result<SqlRows> rows = exec(QStringLiteral("INSERT INTO {p}execution_logs (") + kLogColumns
                    + QStringLiteral(
                        ") VALUES (:id, :run_id, :step_run_id, :tenant_id, :level, :message, :data, "
                        ":created_at)"),
                { { ":id", bindString(log.id) }, { ":run_id", bindString(log.runId) },
                    { ":step_run_id", bindText(log.stepRunId) }, { ":tenant_id", bindString(log.tenantId) },
                    { ":level", toString(log.level) }, { ":message", bindString(log.message) },
                    { ":data", bindJson(log.data) }, { ":created_at", bindTime(orNow(log.createdAt)) } },
                "append log");
            if (!rows)
                return rows.error();
        }
        return {};
    });
}

Result<std::vector<ExecutionLog>> SqlStore::getRunLogs(const QString &runId)
{
    return readAll(
        exec(QStringLiteral("SELECT ") + kLogColumns
                + QStringLiteral(" FROM {p}execution_logs WHERE run_id = :run_id ORDER BY created_at, ")
                + insertionOrderSql(),
            { { ":run_id", runId } }, "get run logs"),
        &SqlStore::readLog, "get run logs");
}

} // namespace vigil
