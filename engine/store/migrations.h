// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The schema, as an ordered list of versioned steps. One list serves both backends: the DDL
// is written once with a few type tokens that each backend spells its own way (times are
// TIMESTAMPTZ on PostgreSQL and epoch milliseconds in an INTEGER on SQLite, JSON is JSONB or
// TEXT, booleans BOOLEAN or INTEGER 0/1). Every name a step creates, indexes included, starts
// with the table prefix, so two prefixes share one database without touching each other.
// A released step never changes; a schema change is a new step at the end.

#include "store/store.h"

#include <QString>
#include <QStringList>
#include <vector>

namespace vigil {

struct Migration
{
    int version = 0;
    QString description;
    QStringList statements; // DDL, prefix and types already substituted
};

// Oldest first; versions count up from 1 without gaps.
std::vector<Migration> migrations(Backend backend, const QString &prefix);

// CREATE TABLE IF NOT EXISTS for <prefix>schema_version(version, applied_at, description).
QString schemaVersionTableDdl(Backend backend, const QString &prefix);

// The tables of one prefix, without it, in the stable order of Store::tableCounts().
QStringList tableNames();

} // namespace vigil
