// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The text `vigild --check-db` prints: where the database is, its schema version, and
// each table's row count.

#include "core/result.h"

namespace vigil {

class Store;

Result<QString> databaseReport(Store &store);

} // namespace vigil
