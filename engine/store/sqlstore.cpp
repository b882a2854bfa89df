// SPDX-License-Identifier: GPL-3.0-or-later
// The shared Store plumbing: connection, statement cache, errors, transactions and schema.
// The data methods live in sqlstoreworkflows.cpp and sqlstorefleet.cpp.
#include "sqlstore.h"

#include "core/isotime.h"
#include "core/logging.h"
#include "store/migrations.h"

#include <QSqlDriver>

#include <atomic>

namespace vigil {

SqlRows::~SqlRows()
{
    if (m_query)
        m_query->finish();
}

std::optional<QString> SqlRows::optText(int column) const
{
    const QVariant value = m_query->value(column);
    if (value.isNull())
        return std::nullopt;
    return value.toString();
}

std::optional<qint64> SqlRows::optInteger(int column) const
{
    const QVariant value = m_query->value(column);
    if (value.isNull())
        return std::nullopt;
    return value.toLongLong();
}

SqlStore::SqlStore(Backend backend, DatabaseUrl url, const StoreOptions &options)
    : m_backend(backend)
    , m_url(std::move(url))
    , m_options(options)
    , m_prefix(options.tablePrefix)
{ }

SqlStore::~SqlStore()
{
    // Every QSqlQuery must be gone before the connection is removed (Qt's rule).
    clearStatements();
    if (m_db.isValid())
        m_db.close();
    m_db = QSqlDatabase();
    if (!m_connectionName.isEmpty())
        QSqlDatabase::removeDatabase(m_connectionName);
}

Status SqlStore::open()
{
    if (!QSqlDatabase::isDriverAvailable(driverName()))
        return makeError(ErrorCode::Unavailable,
            QStringLiteral("the Qt SQL driver %1 is not installed (Debian: libqt6sql6-%2)")
                .arg(driverName(),
                    m_backend == Backend::Sqlite ? QStringLiteral("sqlite") : QStringLiteral("psql")));
    static std::atomic<quint64> counter { 0 };
    m_connectionName = QStringLiteral("vigil-store-%1").arg(++counter);
    m_db = QSqlDatabase::addDatabase(driverName(), m_connectionName);
    configureConnection(m_db);
    return connect();
}

Status SqlStore::connect()
{
    if (!m_db.open()) {
        m_broken = true;
        return makeError(ErrorCode::Unavailable,
            QStringLiteral("cannot open %1: %2").arg(describe(), m_db.lastError().text()));
    }
    m_broken = false;
    if (Status session = setUpSession(); !session) {
        clearStatements();
        m_db.close();
        m_broken = true;
        return session;
    }
    return {};
}

Status SqlStore::reconnect()
{
    qCInfo(lcStore, "reconnecting to %ls", qUtf16Printable(describe()));
    clearStatements();
    m_db.close();
    return connect();
}

void SqlStore::clearStatements()
{
    closingConnection();
    m_statements.clear();
}

QVariant SqlStore::nativeHandle() const
{
    if (!m_db.isOpen() || !m_db.driver())
        return {};
    return m_db.driver()->handle();
}

Status SqlStore::ensureConnected(const char *what)
{
    if (!m_broken)
        return {};
    if (m_inTransaction)
        return makeError(ErrorCode::Unavailable,
            QLatin1String(what) + QStringLiteral(": the database connection was lost in this transaction"));
    if (Status reconnected = reconnect(); !reconnected)
        return makeError(
            ErrorCode::Unavailable, QLatin1String(what) + QStringLiteral(": ") + reconnected.error().message);
    return {};
}

QString SqlStore::withPrefix(QString sql) const
{
    return sql.replace(QLatin1String("{p}"), m_prefix);
}

Result<QSqlQuery *> SqlStore::statement(const QString &sql, const char *what)
{
    if (Status connected = ensureConnected(what); !connected)
        return connected.error();
    if (const auto it = m_statements.find(sql); it != m_statements.end())
        return it->second.get();
    auto query = std::make_unique<QSqlQuery>(m_db);
    query->setForwardOnly(forwardOnly());
    if (!query->prepare(withPrefix(sql)))
        return fail(query->lastError(), what);
    QSqlQuery *raw = query.get();
    m_statements.emplace(sql, std::move(query));
    return raw;
}

Result<SqlRows> SqlStore::exec(const QString &sql, const Binds &binds, const char *what)
{
    Result<QSqlQuery *> query = statement(sql, what);
    if (!query)
        return query.error();
    for (const Bind &bind : binds)
        (*query)->bindValue(QLatin1String(bind.name), bind.value);
    if (Status done = execPrepared(*query, what); !done)
        return done.error();
    return SqlRows(*query);
}

Status SqlStore::execPrepared(QSqlQuery *query, const char *what)
{
    if (query->exec())
        return {};
    Error error = fail(query->lastError(), what);
    query->finish();
    return error;
}

Status SqlStore::execDirect(const QString &sql, const char *what)
{
    if (Status connected = ensureConnected(what); !connected)
        return connected;
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    if (!query.exec(sql))
        return fail(query.lastError(), what);
    return {};
}

Error SqlStore::fail(const QSqlError &error, const char *what)
{
    const QString message = QLatin1String(what) + QStringLiteral(": ") + error.text().trimmed();
    ErrorCode code = ErrorCode::Database;
    if (connectionLost(error)) {
        m_broken = true;
        code = ErrorCode::Unavailable;
        qCWarning(
            lcStore, "connection to %ls lost: %ls", qUtf16Printable(describe()), qUtf16Printable(message));
    } else {
        code = errorCodeFor(error);
    }
    Error out = makeError(code, message);
    if (m_inTransaction && !m_transactionError)
        m_transactionError = out;
    qCDebug(lcStoreSql, "%ls", qUtf16Printable(message));
    return out;
}

bool SqlStore::connectionLost(const QSqlError &error)
{
    if (!canLoseConnection())
        return false;
    if (error.type() == QSqlError::ConnectionError)
        return true;
    const QString state = error.nativeErrorCode();
    // Class 08: connection exception; 57P01-57P04: the server shut down or restarts.
    if (state.startsWith(QLatin1String("08")) || state.startsWith(QLatin1String("57P")))
        return true;
    // A statement that failed in a transaction aborted it, so a probe would fail as well;
    // an error without SQLSTATE is the client library's own (the socket is gone).
    if (m_inTransaction)
        return state.isEmpty();
    if (!m_db.isOpen()) // QPSQL reports the connection's status here
        return true;
    QSqlQuery probe(m_db);
    return !probe.exec(QStringLiteral("SELECT 1"));
}

// ---- transactions -----------------------------------------------------------------

Status SqlStore::begin()
{
    if (Status begun = execDirect(beginStatement(), "begin transaction"); !begun)
        return begun;
    m_inTransaction = true;
    m_transactionError.reset();
    return {};
}

Status SqlStore::commit()
{
    if (m_transactionError && failedStatementAbortsTransaction()) {
        const Error first = *m_transactionError;
        rollback();
        return makeError(
            first.code, QStringLiteral("transaction rolled back after an earlier error: ") + first.message);
    }
    if (Status committed = execDirect(QStringLiteral("COMMIT"), "commit"); !committed) {
        rollback();
        return committed;
    }
    m_inTransaction = false;
    m_transactionError.reset();
    return {};
}

void SqlStore::rollback()
{
    if (!m_broken) {
        QSqlQuery query(m_db);
        if (!query.exec(QStringLiteral("ROLLBACK"))) {
            fail(query.lastError(), "rollback");
            qCWarning(lcStore, "rollback failed: %ls", qUtf16Printable(query.lastError().text()));
        }
    }
    m_inTransaction = false;
    m_transactionError.reset();
}

Status SqlStore::transaction(const std::function<Status()> &body)
{
    if (!body)
        return makeError(ErrorCode::Invalid, QStringLiteral("transaction: no body"));
    if (m_inTransaction)
        return makeError(
            ErrorCode::Internal, QStringLiteral("transaction: not re-entrant (already in a transaction)"));
    return inTransaction([&body]() -> Status { return body(); });
}

// ---- schema -----------------------------------------------------------------------

Status SqlStore::migrate()
{
    if (m_inTransaction)
        return makeError(ErrorCode::Internal, QStringLiteral("migrate: not allowed inside a transaction"));
    const std::vector<Migration> steps = migrations(m_backend, m_prefix);
    // Up to date: nothing to lock, nothing to write.
    const Result<int> current = schemaVersion();
    if (!current)
        return current.error();
    if (*current >= steps.back().version)
        return {};
    const QString versionTable = schemaVersionTableDdl(m_backend, m_prefix);
    Status status;
    for (const Migration &migration : steps) {
        status = inTransaction([&]() -> Status {
            if (Status locked = lockMigrations(); !locked)
                return locked;
            if (Status created = execDirect(versionTable, "migrate: create schema_version"); !created)
                return created;
            Result<SqlRows> applied
                = exec(QStringLiteral("SELECT version FROM {p}schema_version WHERE version = :version"),
                    { { ":version", migration.version } }, "migrate: read schema_version");
            if (!applied)
                return applied.error();
            if (applied->next())
                return {};
            for (const QString &ddl : migration.statements) {
                if (Status done = execDirect(ddl, "migrate"); !done)
                    return makeError(done.error().code,
                        QStringLiteral("schema version %1 (%2): %3")
                            .arg(migration.version)
                            .arg(migration.description, done.error().message));
            }
            Result<SqlRows> recorded
                = exec(QStringLiteral("INSERT INTO {p}schema_version (version, applied_at, description) "
                                      "VALUES (:version, :applied_at, :description)"),
                    { { ":version", migration.version }, { ":applied_at", bindTime(nowUtc()) },
                        { ":description", migration.description } },
                    "migrate: record schema version");
            if (!recorded)
                return recorded.error();
            qCInfo(lcStore, "%ls: applied schema version %d (%ls)", qUtf16Printable(describe()),
                migration.version, qUtf16Printable(migration.description));
            return {};
        });
        if (!status)
            break;
    }
    // Statements prepared against the old schema (or in a rolled-back migration) go.
    clearStatements();
    return status;
}

Result<int> SqlStore::schemaVersion()
{
    Result<SqlRows> exists = exec(tableExistsSql(),
        { { ":name", QString(m_prefix + QStringLiteral("schema_version")) } }, "schema version");
    if (!exists)
        return exists.error();
    if (!exists->next())
        return 0;
    Result<SqlRows> rows
        = exec(QStringLiteral("SELECT MAX(version) FROM {p}schema_version"), {}, "schema version");
    if (!rows)
        return rows.error();
    if (!rows->next())
        return 0;
    return int(rows->integer(0));
}

Result<std::vector<std::pair<QString, qint64>>> SqlStore::tableCounts()
{
    const QStringList tables = tableNames();
    QStringList counts;
    for (const QString &table : tables)
        counts.append(QStringLiteral("(SELECT COUNT(*) FROM {p}") + table + QLatin1Char(')'));
    Result<SqlRows> rows
        = exec(QStringLiteral("SELECT ") + counts.join(QStringLiteral(", ")), {}, "count rows");
    if (!rows)
        return rows.error();
    if (!rows->next())
        return fail(rows->lastError(), "count rows");
    std::vector<std::pair<QString, qint64>> out;
    for (int i = 0; i < tables.size(); ++i)
        out.emplace_back(m_prefix + tables.at(i), rows->integer(i));
    return out;
}

// ---- binding and reading ----------------------------------------------------------

QVariant SqlStore::bindJson(const Json &value) const
{
    if (value.is_null())
        return QVariant();
    return dumpJsonString(value);
}

QVariant SqlStore::bindString(const QString &value)
{
    return value.isNull() ? QStringLiteral("") : value;
}

QVariant SqlStore::bindText(const std::optional<QString> &value)
{
    if (!value)
        return QVariant();
    // A null QString would be bound as SQL NULL.
    return value->isNull() ? QStringLiteral("") : *value;
}

QVariant SqlStore::bindInt(const std::optional<qint64> &value)
{
    return value ? QVariant(qlonglong(*value)) : QVariant();
}

Result<Json> SqlStore::readJson(const QVariant &value, const char *column) const
{
    if (value.isNull())
        return Json();
    Result<Json> parsed = parseJson(value.toString());
    if (!parsed)
        return makeError(ErrorCode::Database,
            QStringLiteral("column %1 holds malformed JSON: %2")
                .arg(QLatin1String(column), parsed.error().message));
    return parsed;
}

} // namespace vigil
