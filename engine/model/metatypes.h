// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The value types that cross threads in queued signals (engine and collector to views).
// registerMetaTypes() runs once before the first cross-thread connection.

#include "model/agent.h"
#include "model/run.h"
#include "model/signal.h"

#include <QMetaType>

Q_DECLARE_METATYPE(vigil::TriggerEnvelope)
Q_DECLARE_METATYPE(vigil::WorkflowRun)
Q_DECLARE_METATYPE(vigil::WorkflowStepRun)
Q_DECLARE_METATYPE(vigil::WorkflowDefinition)
Q_DECLARE_METATYPE(vigil::Agent)
Q_DECLARE_METATYPE(vigil::Incident)

namespace vigil {
void registerMetaTypes();
} // namespace vigil
