// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The JSON Schema subset a trigger registration may give for its payload (Pulse uses Zod):
// `type` (string, number, integer, boolean, object, array, null, or an array of these),
// `required`, `properties`, `items`, `enum`, `minimum`, `maximum`, and `format: "date-time"`
// (ISO-8601). Unknown keywords are refused when the schema is registered, so a schema never
// silently checks less than its author believes.

#include "model/json.h"

namespace vigil {

// Is `schema` made only of the supported keywords, with well-formed values?
// Errors name the schema path: `properties.misses.minimum: expected a number`.
Status checkSchema(const Json &schema);

// Does `value` satisfy `schema`? The first violation names the value's path from `root`:
// `payload.misses: expected an integer, got "three"`, `payload: missing required property
// "lastSeenAt"`, `payload.level: "extreme" is not one of "low", "high"`,
// `payload.misses: 0 is below the minimum 1`, `payload.items[2]: expected a string, got 5`,
// `payload.lastSeenAt: "yesterday" is not an ISO-8601 date-time`.
Status validateAgainstSchema(const Json &schema, const Json &value, const QString &root = QStringLiteral("payload"));

} // namespace vigil
