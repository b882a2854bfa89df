// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The embedded default: one SQLite file in WAL mode (readers never wait for the writer),
// synchronous=NORMAL unless the URL asks for ?synchronous=full, foreign keys on, and the
// busy timeout of StoreOptions. Times are INTEGER epoch milliseconds, JSON is TEXT and
// booleans are 0/1. Write transactions start with BEGIN IMMEDIATE, and a claim is one
// autocommit UPDATE ... RETURNING: SQLite takes the write lock before that statement reads,
// so concurrent claimers, each on its own connection, never take the same step.

#include "store/sqlstore.h"

#include <memory>

namespace vigil {

class SqliteStore final : public SqlStore
{
public:
    SqliteStore(DatabaseUrl url, const StoreOptions &options);
    ~SqliteStore() override;

    Result<int> checkpoint() override;

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
    bool failedStatementAbortsTransaction() const override { return false; }
    bool canLoseConnection() const override { return false; }
    bool forwardOnly() const override { return true; }
    ErrorCode errorCodeFor(const QSqlError &error) const override;
    Status writeHeartbeatBatch(const HeartbeatBatch &batch, std::vector<bool> &applied, const QDateTime &now) override;
    void closingConnection() override;

private:
    // The heartbeat group commit's two statements, prepared with SQLite's C API on the
    // connection QtSql opened (see sqlitestore.cpp for why).
    struct Native;
    std::unique_ptr<Native> m_native;
};

} // namespace vigil
