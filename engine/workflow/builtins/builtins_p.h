// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What the built-in handlers share: each file registers its own handlers, and every handler
// reads its step's rendered config through a ConfigReader built from the very field list it
// registered, so a field it reads is a field the editor shows.

#include "workflow/handler.h"

namespace vigil {

class Registry;

namespace builtins {

// Output kept from an HTTP body or a process stream: the first 64 KiB.
inline constexpr qsizetype kOutputLimit = 64 * 1024;
// Handler timeouts beyond a day are a typo, not a plan (a step's own timeoutMs still applies).
inline constexpr qint64 kMaxTimeoutMs = 24LL * 60 * 60 * 1000;

void registerBasicActions(Registry &registry); // log, emit_signal, notify
void registerHttp(Registry &registry); // http_request, http_check
void registerRunCommand(Registry &registry); // run_command
void registerIncidents(Registry &registry); // create/resolve_incident, set_agent_state, agent_down
void registerExpression(Registry &registry); // expression
void registerHeartbeatTriggers(Registry &registry); // heartbeat.missed, .recovered, .failed

// One entry of a configSchema, written as a table row.
inline ConfigField field(const char *name, ConfigField::Type type, bool required, Json defaultValue,
    QString description, QStringList choices = {})
{
    return { QString::fromLatin1(name), type, required, std::move(defaultValue), std::move(description),
        std::move(choices) };
}

// Registers a built-in; a refusal is a bug in this folder (a bad name or schema), so it is
// loud in the log rather than a silently missing handler.
void expectRegistered(const Status &status, const char *name);

// Appends what fits under kOutputLimit; false when some of `chunk` was dropped.
bool appendCapped(QByteArray &buffer, const QByteArray &chunk);

// Text for a result: UTF-8 decoded (invalid sequences replaced, so it is always valid JSON text).
QString decodeText(const QByteArray &bytes);

} // namespace builtins
} // namespace vigil
