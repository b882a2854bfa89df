// SPDX-License-Identifier: GPL-3.0-or-later
#include "metatypes.h"

namespace vigil {

void registerMetaTypes()
{
    static const bool once = [] {
        qRegisterMetaType<vigil::TriggerEnvelope>();
        qRegisterMetaType<vigil::WorkflowRun>();
        qRegisterMetaType<vigil::WorkflowStepRun>();
        qRegisterMetaType<vigil::WorkflowDefinition>();
        qRegisterMetaType<vigil::Agent>();
        qRegisterMetaType<vigil::Incident>();
        return true;
    }();
    Q_UNUSED(once);
}

} // namespace vigil
