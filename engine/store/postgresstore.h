// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// PostgreSQL 15 over QPSQL, for several vigild/vigil processes sharing one database.
// Times are TIMESTAMPTZ (the session runs in UTC), JSON is JSONB, booleans BOOLEAN. Steps are
// claimed with FOR UPDATE SKIP LOCKED, migrations serialise on an advisory lock keyed on the
// table prefix. QPSQL sends bound values as escaped literals in EXECUTE, so the SQL avoids the jsonb `?`
// operator (a placeholder to Qt) and writes CAST(x AS type) next to placeholders.

#include "store/sqlstore.h"

namespace vigil {

class PostgresStore final : public SqlStore
{
public:
    PostgresStore(DatabaseUrl url, const StoreOptions &options);

protected:
    QString driverName() const override;
    void configureConnection(QSqlDatabase &db) const override;
    Status setUpSession() override;
    QVariant bindTime(const QDateTime &time) const override;
    QDateTime readTime(const QVariant &value) const override;
    QVariant bindBool(bool value) const override;
    QString beginStatement() const override;
    Status lockMigrations() override;
    QString tableExistsSql() const override;
    QString claimSql() const override;
    QString claimDelaysSql() const override;
    QString transitionRunsSql() const override;
    QString tagConditionSql() const override;
    QString insertionOrderSql() const override;
    QString mergeContextSql(const QString &key) const override;
    bool claimRecordsAttempts() const override;
    QString finishBatchSql() const override;
    QString insertStepsBatchSql() const override;
    QString progressBatchSql() const override;
    QString insertRunsBatchSql() const override;
    QString insertSignalsBatchSql() const override;
    QString agentStatesBatchSql() const override;
    QString heartbeatBatchSql() const override;
    bool failedStatementAbortsTransaction() const override { return true; }
    bool canLoseConnection() const override { return true; }
    bool forwardOnly() const override { return false; }
    ErrorCode errorCodeFor(const QSqlError &error) const override;
};

} // namespace vigil
