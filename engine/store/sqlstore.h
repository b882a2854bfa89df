// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The Store over QtSql, shared by both backends: almost all of Vigil's SQL reads the same on
// SQLite 3.40 and PostgreSQL 15 (ON CONFLICT, RETURNING, partial indexes), so it is written
// once here. SqliteStore and PostgresStore supply only what differs: DDL types, how times,
// booleans and JSON are bound and read, the claim query, transaction start, migration lock
// and connection setup.
//
// Plumbing: one uniquely named QSqlDatabase per store; every statement is prepared once per
// SQL text and cached (QPSQL pays a PREPARE round trip per prepare()); SQL text names tables
// as {p}name and the validated prefix is substituted when the statement is first prepared.
// A failed statement answers an Error carrying what was being done and the database's own
// message; when the connection turns out to be gone it answers Unavailable, and the next
// call reconnects (clearing the statement cache) before doing anything else.

#include "store/databaseurl.h"
#include "store/store.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStringList>
#include <QVariant>
#include <algorithm>
#include <memory>
#include <unordered_map>

namespace vigil {

// A value bound to a named placeholder (":id").
struct Bind
{
    const char *name;
    QVariant value;
};
using Binds = std::vector<Bind>;

// The result of one executed cached statement. Finishes the statement when it goes out of
// scope, so that SQLite never keeps a read snapshot (or a write lock) open behind our back.
class SqlRows
{
public:
    explicit SqlRows(QSqlQuery *query)
        : m_query(query)
    { }
    SqlRows(SqlRows &&other) noexcept
        : m_query(std::exchange(other.m_query, nullptr))
    { }
    SqlRows(const SqlRows &) = delete;
    SqlRows &operator=(const SqlRows &) = delete;
    SqlRows &operator=(SqlRows &&) = delete;
    ~SqlRows();

    bool next() { return m_query->next(); }
    QVariant value(int column) const { return m_query->value(column); }
    bool isNull(int column) const { return m_query->isNull(column); }
    QString text(int column) const { return m_query->value(column).toString(); }
    std::optional<QString> optText(int column) const;
    qint64 integer(int column) const { return m_query->value(column).toLongLong(); }
    std::optional<qint64> optInteger(int column) const;
    bool boolean(int column) const { return m_query->value(column).toBool(); }
    int numRowsAffected() const { return m_query->numRowsAffected(); }
    // Set when fetching a row failed (next() answered false because of it).
    QSqlError lastError() const { return m_query->lastError(); }

private:
    QSqlQuery *m_query;
};

class SqlStore : public Store
{
public:
    ~SqlStore() override;

    // Opens the connection and sets the session up; openStore() calls it once.
    Status open();

    Backend backend() const final { return m_backend; }
    QString describe() const final { return m_url.describe(); }
    QString tablePrefix() const final { return m_prefix; }

    Status migrate() override;
    Result<int> schemaVersion() override;
    Result<std::vector<std::pair<QString, qint64>>> tableCounts() override;
    Status transaction(const std::function<Status()> &body) override;

    Result<SignalInsert> insertSignal(
        const TriggerEnvelope &envelope, std::chrono::milliseconds dedupWindow) override;
    Status insertSignals(const std::vector<TriggerEnvelope> &signals) override;
    Result<TriggerEnvelope> getSignal(const QString &id) override;
    Result<Page<TriggerEnvelope>> listSignals(const SignalFilter &filter, const PageRequest &page) override;

    Status createDefinition(const WorkflowDefinition &definition) override;
    Result<WorkflowDefinition> updateDefinition(
        const WorkflowDefinition &definition, std::optional<int> expectedVersion) override;
    Result<WorkflowDefinition> getDefinition(const QString &id) override;
    Result<Page<WorkflowDefinition>> listDefinitions(
        const DefinitionFilter &filter, const PageRequest &page) override;
    Result<std::vector<WorkflowDefinition>> enabledDefinitionsFor(
        const QString &tenantId, const QString &triggerType) override;
    Result<std::vector<WorkflowDefinition>> cronDefinitions() override;
    Status setDefinitionEnabled(const QString &id, bool enabled) override;
    Status deleteDefinition(const QString &id) override;
    Result<WorkflowDefinition> restoreDefinition(const WorkflowDefinition &definition) override;

    Status createRun(const WorkflowRun &run, const std::vector<WorkflowStepRun> &steps) override;
    Status createRuns(const std::vector<NewRun> &runs) override;
    Result<WorkflowRun> getRun(const QString &id) override;
    Result<WorkflowRun> getRunHead(const QString &id) override;
    Result<std::vector<WorkflowRun>> getRunHeads(const std::vector<QString> &ids) override;
    Result<Page<WorkflowRun>> listRuns(const RunFilter &filter, const PageRequest &page) override;
    Result<WorkflowRun> transitionRun(const QString &id, RunStatus to, const RunPatch &patch) override;
    Result<std::vector<std::optional<WorkflowRun>>> transitionRuns(const std::vector<RunMove> &moves) override;
    Status updateRunProgress(const QString &id, const RunPatch &patch) override;

    Status insertStepRuns(const std::vector<WorkflowStepRun> &steps) override;
    Result<WorkflowStepRun> getStepRun(const QString &id) override;
    Result<std::vector<WorkflowStepRun>> getRunSteps(const QString &runId) override;
    Result<std::vector<WorkflowStepRun>> claimDueSteps(
        const QString &owner, const QDateTime &now, std::chrono::milliseconds lease, int limit) override;
    Result<std::vector<WorkflowStepRun>> claimDueDelays(const QString &owner, const QDateTime &now,
        const QDateTime &horizon, std::chrono::milliseconds lease, int limit) override;
    Result<bool> renewLease(
        const QString &stepRunId, const QString &owner, int attempt, const QDateTime &expiresAt) override;
    Status finishStep(const StepFinish &finish) override;
    Result<int> reclaimExpiredLeases(const QDateTime &now) override;
    Result<std::optional<QDateTime>> nextDueAt() override;
    Result<int> skipPendingSteps(const QString &runId, const QString &reason) override;
    Status rescheduleStep(const QString &stepRunId, const QDateTime &at) override;

    Result<std::vector<CompletionOutcome>> completeSteps(const std::vector<StepCompletion> &batch) override;
    Status parkStep(const QString &stepRunId, const QString &owner, int attempt) override;
    Result<bool> finishParkedStep(const QString &stepRunId, StepStatus status, const QDateTime &at,
        const Json &result, const std::optional<QString> &errorMessage) override;
    Status reopenParkedStep(const QString &stepRunId) override;
    Result<std::vector<WorkflowStepRun>> parkedSteps(int limit) override;
    Result<std::vector<QString>> skipSteps(
        const std::vector<QString> &stepRunIds, const QString &reason, const QDateTime &at) override;
    Result<Json> mergeRunContext(const QString &runId, const QString &key, const Json &value) override;
    Status recordAttemptStarts(const std::vector<StepAttempt> &attempts) override;
    Status recordAttemptEnd(const StepAttempt &attempt) override;
    Result<std::vector<StepAttempt>> getRunAttempts(const QString &runId) override;

    Status appendLogs(const std::vector<ExecutionLog> &logs) override;
    Result<std::vector<ExecutionLog>> getRunLogs(const QString &runId) override;

    Result<Agent> upsertAgent(const Agent &agent) override;
    Result<Agent> getAgent(const QString &id) override;
    Result<Page<Agent>> listAgents(const AgentFilter &filter, const PageRequest &page) override;
    Result<std::vector<Agent>> allAgents() override;
    Status updateAgentStates(const std::vector<AgentStateUpdate> &updates) override;
    Result<std::vector<bool>> commitHeartbeats(const HeartbeatBatch &batch) override;
    Status deleteAgent(const QString &id) override;

    Status insertHeartbeats(const std::vector<Heartbeat> &heartbeats) override;
    Result<Page<Heartbeat>> listHeartbeats(const QString &agentId, const PageRequest &page) override;
    Result<qint64> deleteHeartbeatsBefore(const QDateTime &cutoff) override;

    Result<IncidentOpen> openIncident(const Incident &incident) override;
    Result<std::vector<Incident>> resolveIncidents(const QString &tenantId, const QString &resourceId,
        const std::optional<QString> &definitionId, const QDateTime &at,
        const std::optional<QString> &resolvedByRunId) override;
    Result<Incident> getIncident(const QString &id) override;
    Result<Page<Incident>> listIncidents(const IncidentFilter &filter, const PageRequest &page) override;

protected:
    SqlStore(Backend backend, DatabaseUrl url, const StoreOptions &options);

    // ---- what each backend supplies ------------------------------------------------
    virtual QString driverName() const = 0;
    // Database name, host, connect options: everything set before QSqlDatabase::open().
    virtual void configureConnection(QSqlDatabase &db) const = 0;
    // Runs once after every (re)connect: PRAGMAs, session time zone.
    virtual Status setUpSession() = 0;
    virtual QVariant bindTime(const QDateTime &time) const = 0; // invalid -> NULL
    virtual QDateTime readTime(const QVariant &value) const = 0; // NULL -> invalid; UTC, ms
    virtual QVariant bindBool(bool value) const = 0;
    // Starts a write transaction (SQLite: BEGIN IMMEDIATE, so it never fails half-way on a lock upgrade).
    virtual QString beginStatement() const = 0;
    // Serialises concurrent migrate() calls; runs first inside each migration's transaction.
    virtual Status lockMigrations() = 0;
    // One placeholder :name (the table's full name); answers one row when the table exists.
    virtual QString tableExistsSql() const = 0;
    // Runs a claim statement (claimSql or claimDelaysSql) with its attempt records.
    Result<std::vector<WorkflowStepRun>> claim(
        const QString &sql, const Binds &binds, const QString &owner, const QDateTime &now, const char *what);
    // Claims due steps: placeholders :owner, :now, :expires, :limit; answers stepColumns().
    virtual QString claimSql() const = 0;
    // Claims delay steps due by :horizon, starting them at the later of their due time and
    // :now: placeholders as claimSql plus :horizon; answers stepColumns().
    virtual QString claimDelaysSql() const = 0;
    // A condition on the agents table with the placeholder :tag.
    virtual QString tagConditionSql() const = 0;
    // An expression giving insertion order of step runs, attempts and logs rows.
    virtual QString insertionOrderSql() const = 0;
    // Sets context[:key] = :value (JSON text) in one statement for run :id, RETURNING the
    // new context. Empty when the key cannot be expressed (the caller falls back).
    virtual QString mergeContextSql(const QString &key) const = 0;
    // Whether claimSql() also inserts the claimed steps' attempt records.
    virtual bool claimRecordsAttempts() const { return false; }
    // Set-based forms of completeSteps' statements, each taking one parameter :batch (a JSON
    // array; see sqlstoreengine.cpp for its fields). Empty (the default): completeSteps runs
    // the per-step statements, which cost nothing extra where there is no round trip.
    // finishBatchSql answers the ids it accepted; it also takes :next (the next step rows,
    // each with "after": the finish it follows) and writes them and the runs' progress for
    // the accepted finishes.
    virtual QString finishBatchSql() const { return {}; }
    virtual QString insertStepsBatchSql() const { return {}; }
    virtual QString progressBatchSql() const { return {}; }
    virtual QString insertRunsBatchSql() const { return {}; }
    virtual QString insertSignalsBatchSql() const { return {}; }
    // Agent state updates of a heartbeat batch; answers the `idx` of each applied row.
    virtual QString agentStatesBatchSql() const { return {}; }
    // A whole heartbeat batch without registrations in one statement, so that it needs no
    // transaction of its own: :beats (the history rows) and :batch (as agentStatesBatchSql);
    // answers the `idx` of each applied update.
    virtual QString heartbeatBatchSql() const { return {}; }
    // Writes a heartbeat batch's history rows and agent state updates inside the open
    // transaction, setting applied[i] for each update that applied (its guard held). The
    // shared statements by default; a backend may write them a faster way of its own.
    virtual Status writeHeartbeatBatch(const HeartbeatBatch &batch, std::vector<bool> &applied, const QDateTime &now);
    // Called before the connection is closed (reconnect, destruction): a backend drops what
    // it prepared on the connection outside QtSql.
    virtual void closingConnection() { }
    // transitionRuns in one statement: :batch is a JSON array of {rid, dest, allowed} (allowed:
    // the statuses it may leave, as ",a,b,"), :now the time; answers runHeadColumns().
    virtual QString transitionRunsSql() const = 0;
    // The snapshot's JSON text, cached by definition id and version (it never changes).
    QVariant snapshotText(const WorkflowDefinition &definition);
    // Whether a failed statement aborts the whole transaction (PostgreSQL: it does, and a
    // later COMMIT then silently rolls back).
    virtual bool failedStatementAbortsTransaction() const = 0;
    // Whether the connection can drop (a server), so that errors are probed for it.
    virtual bool canLoseConnection() const = 0;
    // Whether statements fetch rows one by one (SQLite) instead of the whole result at once.
    virtual bool forwardOnly() const = 0;
    // The error code for a statement error that did not lose the connection.
    virtual ErrorCode errorCodeFor(const QSqlError &error) const = 0;

    // ---- plumbing for the backends -------------------------------------------------
    // Prepares (cached), binds and executes `sql`, where {p} stands for the table prefix.
    Result<SqlRows> exec(const QString &sql, const Binds &binds, const char *what);
    // Executes uncached SQL without values (DDL, PRAGMA, SET, transaction control).
    Status execDirect(const QString &sql, const char *what);
    // The step run columns in the order the shared code reads them, each prefixed by `alias`.
    static QString stepColumns(const QString &alias = {});
    static QString runHeadColumns(); // the run's columns with NULL for its snapshot

    const DatabaseUrl &url() const { return m_url; }
    const StoreOptions &options() const { return m_options; }
    // The driver's own connection handle (QSqlDriver::handle()); invalid when not connected.
    QVariant nativeHandle() const;
    // `sql` with {p} replaced by the table prefix.
    QString withPrefix(QString sql) const;
    // Turns a statement error into an Error, noting a lost connection.
    Error fail(const QSqlError &error, const char *what);
    // Reconnects first when the connection was lost.
    Status ensureConnected(const char *what);

private:
    struct Filter
    {
        QStringList conditions;
        Binds binds;
        void add(const QString &condition, const char *name, const QVariant &value)
        {
            conditions.append(condition);
            binds.push_back({ name, value });
        }
    };

    // The cached prepared statement for `sql`, reconnecting first when the connection was lost.
    Result<QSqlQuery *> statement(const QString &sql, const char *what);
    // Executes an already bound cached statement.
    Status execPrepared(QSqlQuery *query, const char *what);

    QVariant bindJson(const Json &value) const; // null -> NULL
    static QVariant bindString(const QString &value); // never NULL (a null QString would be)
    static QVariant bindText(const std::optional<QString> &value); // nullopt -> NULL
    static QVariant bindInt(const std::optional<qint64> &value);
    Result<Json> readJson(const QVariant &value, const char *column) const;
    static QString signalColumns();

    Status connect();
    Status reconnect();
    void clearStatements();
    bool connectionLost(const QSqlError &error);

    Status begin();
    Status commit();
    void rollback();
    // Runs `body` (answering a Result) in a transaction, or inside the caller's when one is open.
    template<typename F> auto inTransaction(F &&body) -> decltype(body());

    template<typename T> using Reader = Result<T> (SqlStore::*)(const SqlRows &) const;
    template<typename T>
    Result<std::vector<T>> readAll(Result<SqlRows> rows, Reader<T> read, const char *what);
    // The first row, or NotFound with `notFound` as the message.
    template<typename T>
    Result<T> readOne(Result<SqlRows> rows, Reader<T> read, const char *what, const QString &notFound);
    // One page: `select` is "SELECT <columns> FROM <table>", `filter` already holds the
    // condition for rows after the cursor; reads limit + 1 rows to know whether more follow.
    template<typename T, typename CursorOf>
    Result<Page<T>> fetchPage(const QString &select, Filter filter, const QString &orderBy, int limit,
        Reader<T> read, CursorOf cursorOf, const char *what);
    // Pages by text id, newest first (ids are time-ordered): the cursor is the last id.
    template<typename T>
    Result<Page<T>> fetchPageById(
        const QString &select, Filter filter, const PageRequest &page, Reader<T> read, const char *what);

    Result<TriggerEnvelope> readSignal(const SqlRows &row) const;
    Result<WorkflowDefinition> readDefinition(const SqlRows &row) const;
    Result<WorkflowRun> readRun(const SqlRows &row) const;
    Result<WorkflowStepRun> readStep(const SqlRows &row) const;
    Result<ExecutionLog> readLog(const SqlRows &row) const;
    Result<Agent> readAgent(const SqlRows &row) const;
    Result<Heartbeat> readHeartbeat(const SqlRows &row) const;
    Result<Incident> readIncident(const SqlRows &row) const;
    Result<StepAttempt> readAttempt(const SqlRows &row) const;

    Binds definitionBinds(const WorkflowDefinition &definition) const;
    Status insertHeartbeatRows(const std::vector<Heartbeat> &heartbeats);
    Result<bool> updateAgentState(const AgentStateUpdate &update, const QVariant &now);
    Status insertStep(const WorkflowStepRun &step);
    Result<bool> rowExists(const QString &table, const QString &id, const char *what);
    // NotFound when the step does not exist, else Conflict with `conflict`.
    Error stepConflict(const QString &stepRunId, const QString &conflict, const char *what);
    Result<std::optional<Incident>> openIncidentFor(const QString &definitionKey, const QString &resourceId);

    const Backend m_backend;
    const DatabaseUrl m_url;
    const StoreOptions m_options;
    const QString m_prefix;
    QString m_connectionName;
    QSqlDatabase m_db;
    std::unordered_map<QString, std::unique_ptr<QSqlQuery>> m_statements;
    QHash<QString, QVariant> m_snapshotTexts;
    bool m_broken = false; // the connection was lost: reconnect before the next statement
    bool m_inTransaction = false;
    std::optional<Error> m_transactionError; // first failed statement of the open transaction
};

template<typename F> auto SqlStore::inTransaction(F &&body) -> decltype(body())
{
    if (m_inTransaction)
        return body();
    if (Status begun = begin(); !begun)
        return begun.error();
    auto result = body();
    if (!result) {
        rollback();
        return result;
    }
    if (Status committed = commit(); !committed)
        return committed.error();
    return result;
}

template<typename T>
Result<std::vector<T>> SqlStore::readAll(Result<SqlRows> rows, Reader<T> read, const char *what)
{
    if (!rows)
        return rows.error();
    std::vector<T> out;
    while (rows->next()) {
        Result<T> item = (this->*read)(*rows);
        if (!item)
            return item.error();
        out.push_back(std::move(item).value());
    }
    if (rows->lastError().isValid())
        return fail(rows->lastError(), what);
    return out;
}

template<typename T>
Result<T> SqlStore::readOne(Result<SqlRows> rows, Reader<T> read, const char *what, const QString &notFound)
{
    if (!rows)
        return rows.error();
    if (!rows->next()) {
        if (rows->lastError().isValid())
            return fail(rows->lastError(), what);
        return makeError(ErrorCode::NotFound, notFound);
    }
    return (this->*read)(*rows);
}

template<typename T, typename CursorOf>
Result<Page<T>> SqlStore::fetchPage(const QString &select, Filter filter, const QString &orderBy, int limit,
    Reader<T> read, CursorOf cursorOf, const char *what)
{
    limit = std::clamp(limit, 1, 1000);
    QString sql = select;
    if (!filter.conditions.isEmpty())
        sql += QStringLiteral(" WHERE ") + filter.conditions.join(QStringLiteral(" AND "));
    sql += QStringLiteral(" ORDER BY ") + orderBy + QStringLiteral(" LIMIT :limit");
    filter.binds.push_back({ ":limit", limit + 1 });
    Result<std::vector<T>> items = readAll(exec(sql, filter.binds, what), read, what);
    if (!items)
        return items.error();
    Page<T> out;
    out.items = std::move(items).value();
    if (int(out.items.size()) > limit) {
        out.items.pop_back();
        out.nextCursor = cursorOf(out.items.back());
    }
    return out;
}

template<typename T>
Result<Page<T>> SqlStore::fetchPageById(
    const QString &select, Filter filter, const PageRequest &page, Reader<T> read, const char *what)
{
    if (!page.cursor.isEmpty())
        filter.add(QStringLiteral("id < :cursor"), ":cursor", page.cursor);
    return fetchPage(
        select, std::move(filter), QStringLiteral("id DESC"), page.limit, read,
        [](const T &item) { return item.id; }, what);
}

} // namespace vigil
