// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The admin API of DESIGN.md ("HTTP interface"), on the collector's http::Server: bearer
// token, JSON in and out, `items`/`nextCursor` paging, validation messages with field
// paths, 409 for transitions the state machine forbids, 404 for unknown ids. Its database
// work runs on the engine thread (EngineHost::call), never on the collector thread; the
// answer is sent from the collector thread when it is ready.

#include <QString>

#include <functional>

namespace vigil {

class EngineHost;
struct Agent;

namespace http {
class Server;
class Responder;
}

struct AdminApiHooks
{
    // The liveness side (the collector) learns of agent changes made through the API.
    // Called on the collector thread after the store committed the change.
    std::function<void(const Agent &)> agentConfigured; // PUT /api/v1/agents/{id}
    std::function<void(const QString &)> agentDeleted;  // DELETE /api/v1/agents/{id}
    // POST /api/v1/agents/{id}/pause|resume: the collector owns agent state; it answers the
    // responder with the updated agent (or 404) once the change is stored.
    std::function<void(const QString &id, bool pause, http::Responder &&)> pauseResume;
    // Extra Prometheus text appended to GET /metrics (the collector's own figures).
    std::function<QByteArray()> collectorMetrics;
    // GET /healthz details: false answers 503.
    std::function<bool()> healthy;
};

// Installs every /api/v1 route, /metrics and /healthz on `server`. An empty token refuses
// every admin request (401); /metrics and /healthz need none (see adminapi.cpp). Call it on
// the server's thread after engine.start(): the engine's /metrics figures count what the
// running engine announces from then on. `engine` must outlive `server`.
void installAdminApi(http::Server &server, EngineHost &engine, const QString &token, AdminApiHooks hooks);

} // namespace vigil
