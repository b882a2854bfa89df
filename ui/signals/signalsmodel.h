// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The signals log, newest first, a page (200) at a time as the view scrolls; new signals
// from the frames that fit the filter go on top.

#include "store/store.h"

#include <QAbstractTableModel>
#include <QHash>

namespace vigil::ui {

class Backend;

class SignalsModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Columns { TimeColumn, TypeColumn, TenantColumn, SourceColumn, ResourceColumn, EnvironmentColumn, IdColumn,
                   ColumnCount };
    enum Roles { SignalIdRole = Qt::UserRole, TypeRole, TenantRole };
    static constexpr int kPageSize = 200;

    explicit SignalsModel(Backend &backend, QObject *parent = nullptr);

    void setFilter(const SignalFilter &filter);
    const SignalFilter &filter() const { return m_filter; }
    void reload();
    bool hasMore() const { return !m_nextCursor.isEmpty(); }
    const TriggerEnvelope &signal(int row) const { return m_signals[size_t(row)]; }
    static bool matches(const SignalFilter &filter, const TriggerEnvelope &signal);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

public Q_SLOTS:
    void applySignals(const QList<vigil::TriggerEnvelope> &signals);

Q_SIGNALS:
    void pageLoaded();
    void loadFailed(const QString &message);

private:
    void loadPage(const QString &cursor);

    Backend &m_backend;
    SignalFilter m_filter;
    std::vector<TriggerEnvelope> m_signals;
    QHash<QString, int> m_rowById;
    QString m_nextCursor;
    bool m_loading = false;
    quint64 m_generation = 0;
};

} // namespace vigil::ui
