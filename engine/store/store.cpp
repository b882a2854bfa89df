// SPDX-License-Identifier: GPL-3.0-or-later
#include "store.h"

namespace vigil {

Result<std::unique_ptr<Store>> openStore(const StoreOptions &)
{
    return makeError(ErrorCode::Internal, QStringLiteral("store not implemented"));
}

QString defaultDatabaseUrl()
{
    return {};
}

} // namespace vigil
