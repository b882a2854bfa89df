// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// --import FILE (vigild and vigil): one workflow definition or a JSON array of them, in
// Pulse's format. All are checked before any is stored, so a file with one bad definition
// changes nothing.

#include "core/result.h"

namespace vigil {

class EngineHost;

// Blocks until the engine stored them (call it at start, not from an event loop).
Status importWorkflows(EngineHost &engine, const QString &path);

} // namespace vigil
