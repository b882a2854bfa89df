// SPDX-License-Identifier: GPL-3.0-or-later
// The admin API's frame: the bearer token, GET /metrics and GET /healthz; the resources'
// routes are in workflowroutes.cpp and fleetroutes.cpp.
//
// /metrics and /healthz answer without the token, as Prometheus exporters and health probes
// usually do: a scraper or a load balancer should not hold the credential that can delete
// workflows, and neither answer tells more than counts and "ok". Put the listener behind
// the firewall (the default is 127.0.0.1) if the counts themselves are secret.

#include "api/adminapi.h"

#include "api/adminapi_p.h"
#include "api/prometheustext.h"
#include "core/logging.h"
#include "heartbeat/signing.h"

#include <QCryptographicHash>
#include <QHttpServerRequest>

namespace vigil {

namespace api {

namespace {

QByteArray digestOf(const QByteArray &token)
{
    return QCryptographicHash::hash(token, QCryptographicHash::Sha256);
}

} // namespace

ApiContext::ApiContext(http::Server &server, EngineHost &engine, const QString &token, AdminApiHooks hooks)
    : QObject(&server)
    , server(server)
    , engine(engine)
    , hooks(std::move(hooks))
    , m_tokenDigest(token.isEmpty() ? QByteArray() : digestOf(token.toUtf8()))
{
    if (Engine *running = engine.engine())
        metrics = EngineMetrics::attach(*running);
    else
        qCWarning(lcHttp) << "admin API installed before the engine started: /metrics has no engine figures";
}

http::Response ApiContext::engineUnavailable()
{
    return http::Response::error(makeError(ErrorCode::Unavailable, QStringLiteral("the engine is not running")));
}

// Compares digests, not the tokens: equal lengths, so not even the token's length leaks.
std::optional<http::Response> ApiContext::refusal(const QHttpServerRequest &request) const
{
    const QByteArray authorization = http::header(request, "Authorization").trimmed();
    const qsizetype space = authorization.indexOf(' ');
    const bool bearer = space > 0 && authorization.left(space).toLower() == "bearer";
    QString message;
    QByteArray challenge = QByteArrayLiteral("Bearer realm=\"vigil\"");
    if (m_tokenDigest.isEmpty()) {
        message = QStringLiteral("the admin API has no token configured");
    } else if (!bearer) {
        message = authorization.isEmpty() ? QStringLiteral("missing bearer token (Authorization: Bearer <token>)")
                                          : QStringLiteral("the Authorization header is not a bearer token");
    } else if (signing::constantTimeEquals(digestOf(authorization.mid(space + 1).trimmed()), m_tokenDigest)) {
        return std::nullopt;
    } else {
        message = QStringLiteral("invalid bearer token");
        challenge += ", error=\"invalid_token\"";
    }
    return http::Response::error(401, errorCodeName(ErrorCode::Unauthorized), message)
        .withHeader("WWW-Authenticate", challenge);
}

void ApiContext::adminRoute(http::Methods methods, const QString &pattern, http::Handler handler)
{
    server.route(methods, pattern,
                 http::Handler([this, handler = std::move(handler)](const QHttpServerRequest &request,
                                                                    const http::PathArgs &args,
                                                                    http::Responder &&responder) {
                     if (const std::optional<http::Response> refused = refusal(request)) {
                         responder.send(*refused);
                         return;
                     }
                     handler(request, args, std::move(responder));
                 }));
}

namespace {

void installProbes(ApiContext &api)
{
    api.server.route(kGet, QStringLiteral("/metrics"),
                     http::SyncHandler([&api](const QHttpServerRequest &, const http::PathArgs &) {
                         http::Response response;
                         response.contentType = prometheus::kContentType;
                         if (api.metrics)
                             response.body = api.metrics->text();
                         if (api.hooks.collectorMetrics)
                             response.body += api.hooks.collectorMetrics();
                         return response;
                     }));
    // Healthy when the engine thread answers, its engine runs, and the collector says so.
    api.server.route(kGet, QStringLiteral("/healthz"),
                     http::Handler([&api](const QHttpServerRequest &, const http::PathArgs &,
                                          http::Responder &&responder) {
                         api.later(
                             std::move(responder), [](Engine &engine) { return engine.isRunning(); },
                             [&api](bool running, http::Responder &r) {
                                 if (!running) {
                                     r.send(ApiContext::engineUnavailable());
                                 } else if (api.hooks.healthy && !api.hooks.healthy()) {
                                     r.send(http::Response::error(makeError(
                                         ErrorCode::Unavailable, QStringLiteral("the collector is not healthy"))));
                                 } else {
                                     r.send(http::Response::json(200, Json { { "status", "ok" } }));
                                 }
                             });
                     }));
}

} // namespace

} // namespace api

void installAdminApi(http::Server &server, EngineHost &engine, const QString &token, AdminApiHooks hooks)
{
    auto *api = new api::ApiContext(server, engine, token, std::move(hooks));
    if (token.isEmpty())
        qCWarning(lcHttp) << "the admin API has no token: every /api/v1 request is refused";
    api::installWorkflowRoutes(*api);
    api::installFleetRoutes(*api);
    api::installProbes(*api);
}

} // namespace vigil
