// SPDX-License-Identifier: GPL-3.0-or-later
#include "logging.h"

Q_LOGGING_CATEGORY(lcStore, "vigil.store", QtInfoMsg)
Q_LOGGING_CATEGORY(lcStoreSql, "vigil.store.sql", QtWarningMsg)
Q_LOGGING_CATEGORY(lcEngine, "vigil.engine", QtInfoMsg)
Q_LOGGING_CATEGORY(lcApp, "vigil.app", QtInfoMsg)
Q_LOGGING_CATEGORY(lcHttp, "vigil.http", QtInfoMsg)
Q_LOGGING_CATEGORY(lcCollector, "vigil.collector", QtInfoMsg)
Q_LOGGING_CATEGORY(lcAgent, "vigil.agent", QtInfoMsg)
