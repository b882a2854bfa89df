// SPDX-License-Identifier: GPL-3.0-or-later
#include "builtins.h"

#include "workflow/registry.h"

namespace vigil {

void registerBuiltins(Registry &)
{
}

} // namespace vigil
