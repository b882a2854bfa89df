// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// `{{…}}` templates in the string fields of a step's config, so built-ins can say
// "https://hooks.example/{{trigger.resourceId}}" without code. A template is a dotted path
// into the scope object {"trigger": envelope, "run": {"id", "context", ...}, "config":
// workflow config}: {{trigger.resourceId}}, {{trigger.payload.misses}},
// {{run.context.check.status}}, {{config.severity}}; array elements by index
// ({{trigger.payload.hosts.0}}). Whitespace inside the braces is ignored.
// Strings render as themselves, numbers and booleans as JSON text, objects and arrays as
// compact JSON. A path with no value is an error naming the template, not an empty string:
// a webhook to the wrong URL is worse than a failed step.

#include "model/json.h"

namespace vigil {

Result<QString> renderTemplate(QStringView text, const Json &scope);

// Renders every string inside `value` (objects and arrays recursively; keys untouched).
// A string that is exactly one template ("{{trigger.payload}}") becomes the JSON value itself,
// keeping its type. Errors name the config path: `config.url: no value for {{trigger.nope}}`.
Result<Json> renderTemplates(const Json &value, const Json &scope, const QString &path = QStringLiteral("config"));

} // namespace vigil
