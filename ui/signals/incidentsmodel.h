// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Incidents, newest first, open, resolved or all, a page (200) at a time. Incidents have no
// frame of their own: workflows open and resolve them, so the view reloads on run frames.

#include "store/store.h"

#include <QAbstractTableModel>

namespace vigil::ui {

class Backend;

class IncidentsModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Columns { TitleColumn, SeverityColumn, ResourceColumn, OpenedColumn, ResolvedColumn, RunColumn,
                   ColumnCount };
    enum Roles { IncidentIdRole = Qt::UserRole, RunIdRole, StatusRole /* int(IncidentStatus) */ };
    static constexpr int kPageSize = 200;

    explicit IncidentsModel(Backend &backend, QObject *parent = nullptr);

    // nullopt: open and resolved.
    void setStatus(std::optional<IncidentStatus> status);
    std::optional<IncidentStatus> status() const { return m_filter.status; }
    // Reads the first page again (as many rows as were loaded are re-read page by page on
    // scrolling); keeps nothing stale.
    void reload();
    bool hasMore() const { return !m_nextCursor.isEmpty(); }
    const Incident &incident(int row) const { return m_incidents[size_t(row)]; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

Q_SIGNALS:
    void pageLoaded();
    void loadFailed(const QString &message);

private:
    void loadPage(const QString &cursor, bool replace);

    Backend &m_backend;
    IncidentFilter m_filter;
    std::vector<Incident> m_incidents;
    QString m_nextCursor;
    bool m_loading = false;
    quint64 m_generation = 0;
};

} // namespace vigil::ui
