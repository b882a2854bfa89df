// SPDX-License-Identifier: GPL-3.0-or-later
// The signals Vigil raises itself, registered as triggers (Pulse's registerTrigger) with the
// payloads the liveness tracker sends, so that the editor offers them and a hand-made emit
// of one with a wrong payload is refused.

#include "workflow/builtins/builtins_p.h"
#include "workflow/registry.h"

namespace vigil::builtins {

namespace {
Json integer(int minimum)
{
    return Json { { "type", "integer" }, { "minimum", minimum } };
}

void expectTrigger(const Status &status, const char *type)
{
    if (!status)
        qFatal("cannot register trigger %s: %s", type, qPrintable(status.error().message));
}
} // namespace

void registerHeartbeatTriggers(Registry &registry)
{
    TriggerRegistration missed;
    missed.source = QStringLiteral("heartbeat");
    missed.resourceType = QStringLiteral("agent");
    missed.description = QStringLiteral("An agent sent no heartbeat within its interval and grace; raised again "
                                        "each further interval, with misses raised by one.");
    missed.payloadSchema = Json { { "type", "object" },
                                  { "required", Json::array({ "misses" }) },
                                  { "properties",
                                    { { "misses", integer(1) }, { "intervalSecs", integer(0) }, { "graceSecs", integer(0) } } } };
    expectTrigger(registry.registerTrigger(QStringLiteral("heartbeat.missed"), missed), "heartbeat.missed");

    TriggerRegistration recovered;
    recovered.source = QStringLiteral("heartbeat");
    recovered.resourceType = QStringLiteral("agent");
    recovered.description = QStringLiteral("A heartbeat arrived from an agent that was down.");
    recovered.payloadSchema = Json { { "type", "object" },
                                     { "properties",
                                       { { "downSince", { { "type", "string" }, { "format", "date-time" } } },
                                         { "downForMs", integer(0) },
                                         { "downFor", { { "type", "string" } } },
                                         { "misses", integer(0) } } } };
    expectTrigger(registry.registerTrigger(QStringLiteral("heartbeat.recovered"), recovered), "heartbeat.recovered");

    TriggerRegistration failed;
    failed.source = QStringLiteral("heartbeat");
    failed.resourceType = QStringLiteral("agent");
    failed.description = QStringLiteral("An agent reported a failure: /fail, or a non-zero exit code.");
    failed.payloadSchema = Json { { "type", "object" },
                                  { "properties",
                                    { { "exitCode", { { "type", "integer" } } },
                                      { "message", { { "type", Json::array({ "string", "null" }) } } },
                                      { "summary", { { "type", "string" } } } } } };
    expectTrigger(registry.registerTrigger(QStringLiteral("heartbeat.failed"), failed), "heartbeat.failed");
}

} // namespace vigil::builtins
