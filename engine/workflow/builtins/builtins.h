// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Vigil's built-in handlers, so an operator can build useful workflows without C++.
// Actions: log, http_request, run_command, emit_signal, create_incident,
// resolve_incident, set_agent_state, notify. Conditions: agent_down, expression,
// http_check. Each declares its config fields (for the editor's forms and for checkConfig).

namespace vigil {

class Registry;

void registerBuiltins(Registry &registry);

} // namespace vigil
