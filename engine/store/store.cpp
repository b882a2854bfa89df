// SPDX-License-Identifier: GPL-3.0-or-later
#include "store.h"

#include "store/databaseurl.h"
#include "store/postgresstore.h"
#include "store/sqlitestore.h"

#include <QStandardPaths>

namespace vigil {

Result<std::unique_ptr<Store>> openStore(const StoreOptions &options)
{
    if (!isValidTablePrefix(options.tablePrefix))
        return makeError(ErrorCode::Invalid,
            QStringLiteral("table prefix \"%1\" is not allowed: it must match [A-Za-z_][A-Za-z0-9_]{0,30}")
                .arg(options.tablePrefix));
    Result<DatabaseUrl> url = parseDatabaseUrl(options.url);
    if (!url)
        return url.error();
    std::unique_ptr<SqlStore> store;
    if (url->backend == Backend::Sqlite)
        store = std::make_unique<SqliteStore>(std::move(url).value(), options);
    else
        store = std::make_unique<PostgresStore>(std::move(url).value(), options);
    if (Status opened = store->open(); !opened)
        return opened.error();
    return std::unique_ptr<Store>(std::move(store));
}

QString defaultDatabaseUrl()
{
    return QStringLiteral("sqlite://") + QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)
        + QStringLiteral("/vigil.db");
}

} // namespace vigil
