// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// One logging category per subsystem, debug off by default
// (enable with QT_LOGGING_RULES="vigil.store.debug=true").

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcStore)
Q_DECLARE_LOGGING_CATEGORY(lcStoreSql)
Q_DECLARE_LOGGING_CATEGORY(lcEngine)
Q_DECLARE_LOGGING_CATEGORY(lcApp)
Q_DECLARE_LOGGING_CATEGORY(lcHttp)
Q_DECLARE_LOGGING_CATEGORY(lcCollector)
Q_DECLARE_LOGGING_CATEGORY(lcAgent)
