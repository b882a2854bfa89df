// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What the admin API's route files share: the bearer-token check in front of every
// /api/v1 route, and the one way a handler reaches the engine. A handler parses and checks
// the request on the collector thread, hands a function to the engine thread that does the
// database work and builds the whole answer there (an http::Response, a value), and the
// answer is sent from the collector thread when it arrives. A QFutureWatcher (in the
// collector thread) waits for it, so an engine that does not answer (not started, or
// destroyed meanwhile) is answered 503 instead of leaving the client hanging.

#include "api/adminapi.h"
#include "api/apirequest.h"
#include "api/enginemetrics.h"
#include "http/httpserver.h"
#include "workflow/enginehost.h"

#include <QFutureWatcher>

#include <memory>
#include <type_traits>

namespace vigil::api {

using http::PathArgs;
using http::Responder;
using http::Response;
inline constexpr http::Methods kGet = int(http::Method::Get);
inline constexpr http::Methods kPost = int(http::Method::Post);
inline constexpr http::Methods kPut = int(http::Method::Put);
inline constexpr http::Methods kDelete = int(http::Method::Delete);

// Lives in the collector thread as a child of the server, so the routes (which the server
// owns) never outlive it.
class ApiContext final : public QObject
{
public:
    ApiContext(http::Server &server, EngineHost &engine, const QString &token, AdminApiHooks hooks);

    http::Server &server;
    EngineHost &engine;
    const AdminApiHooks hooks;
    std::shared_ptr<EngineMetrics> metrics; // null when the engine was not started yet

    // An /api/v1 route: the bearer token is checked before `handler` runs.
    void adminRoute(http::Methods methods, const QString &pattern, http::Handler handler);

    // Runs work(Engine &) on the engine thread and then done(result, responder) here.
    template<typename Work, typename Done>
    void later(http::Responder &&responder, Work work, Done done);
    // The common case: work answers the Response to send.
    template<typename Work>
    void answer(http::Responder &&responder, Work work)
    {
        later(std::move(responder), std::move(work),
              [](const http::Response &response, http::Responder &r) { r.send(response); });
    }

    static http::Response engineUnavailable();

private:
    // The 401 to send, or nothing when the request carries the token.
    std::optional<http::Response> refusal(const QHttpServerRequest &request) const;

    QByteArray m_tokenDigest; // SHA-256 of the token; empty: every admin request is refused
};

template<typename Work, typename Done>
void ApiContext::later(http::Responder &&responder, Work work, Done done)
{
    using T = std::invoke_result_t<Work, Engine &>;
    auto *watcher = new QFutureWatcher<T>(this);
    auto pending = std::make_shared<http::Responder>(std::move(responder));
    QObject::connect(watcher, &QFutureWatcherBase::finished, watcher,
                     [watcher, pending, done = std::move(done)]() mutable {
                         watcher->deleteLater();
                         const QFuture<T> future = watcher->future();
                         if (future.isCanceled() || future.resultCount() == 0)
                             pending->send(engineUnavailable());
                         else
                             done(future.result(), *pending);
                     });
    watcher->setFuture(engine.call(std::move(work)));
}

// GET `path`: a paged store list. readFilter(QueryParams &) reads the filters (`params`)
// on the collector thread; (store.*list)(filter, page) runs on the engine thread.
template<typename ReadFilter, typename Filter, typename T>
void listRoute(ApiContext &api, const QString &path, QStringView name, const QStringList &params,
               ReadFilter readFilter, Result<Page<T>> (Store::*list)(const Filter &, const PageRequest &))
{
    api.adminRoute(kGet, path,
                   [&api, name, params, readFilter, list](const QHttpServerRequest &request, const http::PathArgs &,
                                                         http::Responder &&responder) {
                       QueryParams query(request, params);
                       const Filter filter = readFilter(query);
                       const PageRequest page = query.page(name);
                       if (!query.ok())
                           return responder.send(http::Response::error(query.error()));
                       api.answer(std::move(responder), [name, filter, page, list](Engine &engine) {
                           const Result<Page<T>> listed = (engine.store().*list)(filter, page);
                           return listed ? http::Response::json(200, pageJson(listed.value(), name))
                                         : http::Response::error(listed.error());
                       });
                   });
}

// `path` with one {id} and no body: work(engine, id) builds the answer on the engine thread.
template<typename Work>
void idRoute(ApiContext &api, http::Methods methods, const QString &path, Work work)
{
    api.adminRoute(methods, path,
                   [&api, work](const QHttpServerRequest &, const http::PathArgs &args, http::Responder &&responder) {
                       api.answer(std::move(responder), [work, id = args.at(0)](Engine &engine) { return work(engine, id); });
                   });
}

// The routes, by resource.
void installWorkflowRoutes(ApiContext &api); // workflows, signals, runs
void installFleetRoutes(ApiContext &api);    // agents, their heartbeats, incidents

// An engine Result as an answer: the value's JSON with `status`, or the error's status.
template<typename T>
http::Response jsonAnswer(const Result<T> &result, int status = 200)
{
    if (!result)
        return http::Response::error(result.error());
    return http::Response::json(status, toJson(result.value()));
}

} // namespace vigil::api
