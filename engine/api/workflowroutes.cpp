// SPDX-License-Identifier: GPL-3.0-or-later
// The engine's resources on the admin API: workflows, signals and runs (DESIGN.md "HTTP
// interface"). Bodies are Pulse's JSON; every answer is built on the engine thread.

#include "api/adminapi_p.h"
#include "api/apirequest.h"

#include <QHttpServerRequest>

namespace vigil::api {

namespace {

Json idsJson(const std::vector<QString> &ids)
{
    Json out = Json::array();
    for (const QString &id : ids)
        out.push_back(toStd(id));
    return out;
}

Response definitionAnswer(Engine &engine, const QString &id, const Status &change)
{
    if (!change)
        return Response::error(change.error());
    return jsonAnswer(engine.getWorkflow(id));
}

void installWorkflows(ApiContext &api)
{
    listRoute(
        api, QStringLiteral("/api/v1/workflows"), u"workflows",
        { QStringLiteral("tenantId"), QStringLiteral("triggerType"), QStringLiteral("isEnabled") },
        [](QueryParams &query) {
            DefinitionFilter filter;
            filter.tenantId = query.text("tenantId");
            filter.triggerType = query.text("triggerType");
            filter.isEnabled = query.boolean("isEnabled");
            return filter;
        },
        &Store::listDefinitions);

    api.adminRoute(kPost, QStringLiteral("/api/v1/workflows"),
                   [&api](const QHttpServerRequest &request, const PathArgs &, Responder &&responder) {
                       Result<Json> body = objectBody(request.body(), true);
                       Result<WorkflowDefinition> definition =
                           body ? fromJson<WorkflowDefinition>(body.value()) : Result<WorkflowDefinition>(body.error());
                       if (!definition)
                           return responder.send(Response::error(definition.error()));
                       api.answer(std::move(responder), [definition = std::move(definition).value()](Engine &engine) {
                           const Result<WorkflowDefinition> created = engine.createWorkflow(definition);
                           if (!created)
                               return Response::error(created.error());
                           return Response::json(201, toJson(created.value()))
                               .withHeader("Location", "/api/v1/workflows/" + created->id.toUtf8());
                       });
                   });

    // The default workflows that are missing, created again: a database from before one
    // existed, or after one was deleted. Answers {"restored": [definitions created]}.
    api.adminRoute(kPost, QStringLiteral("/api/v1/workflows/defaults"),
                   [&api](const QHttpServerRequest &, const PathArgs &, Responder &&responder) {
                       api.answer(std::move(responder), [](Engine &engine) {
                           const Result<std::vector<WorkflowDefinition>> restored = engine.restoreDefaultWorkflows();
                           if (!restored)
                               return Response::error(restored.error());
                           Json items = Json::array();
                           for (const WorkflowDefinition &definition : restored.value())
                               items.push_back(toJson(definition));
                           return Response::json(200, Json { { "restored", std::move(items) } });
                       });
                   });

    idRoute(api, kGet, QStringLiteral("/api/v1/workflows/{id}"),
            [](Engine &engine, const QString &id) { return jsonAnswer(engine.getWorkflow(id)); });

    // A new version. A `version` in the body is the one the client edited: another
    // version stored meanwhile answers 409 instead of losing that edit.
    api.adminRoute(kPut, QStringLiteral("/api/v1/workflows/{id}"),
                   [&api](const QHttpServerRequest &request, const PathArgs &args, Responder &&responder) {
                       const QString id = args.at(0);
                       Result<Json> body = objectBody(request.body(), true);
                       Result<WorkflowDefinition> definition =
                           body ? fromJson<WorkflowDefinition>(body.value()) : Result<WorkflowDefinition>(body.error());
                       if (definition && !definition->id.isEmpty() && definition->id != id)
                           definition = makeError(ErrorCode::Invalid,
                                                  QStringLiteral("id: \"%1\" does not match the path's \"%2\"")
                                                      .arg(definition->id, id));
                       if (!definition)
                           return responder.send(Response::error(definition.error()));
                       definition->id = id;
                       std::optional<int> expected;
                       if (body->contains("version"))
                           expected = definition->version;
                       api.answer(std::move(responder), [definition = std::move(definition).value(), expected](Engine &engine) {
                           return jsonAnswer(engine.updateWorkflow(definition, expected));
                       });
                   });

    idRoute(api, kDelete, QStringLiteral("/api/v1/workflows/{id}"), [](Engine &engine, const QString &id) {
        const Status deleted = engine.deleteWorkflow(id);
        return deleted ? Response::noContent() : Response::error(deleted.error());
    });

    idRoute(api, kPost, QStringLiteral("/api/v1/workflows/{id}/enable"), [](Engine &engine, const QString &id) {
        return definitionAnswer(engine, id, engine.enableWorkflow(id));
    });
    idRoute(api, kPost, QStringLiteral("/api/v1/workflows/{id}/disable"), [](Engine &engine, const QString &id) {
        return definitionAnswer(engine, id, engine.disableWorkflow(id));
    });
}

void installSignals(ApiContext &api)
{
    // Emit: the body is a TriggerInput plus an optional dedupKey. An emit answered by an
    // earlier one with the same key created nothing: 200 with deduplicated = true.
    api.adminRoute(kPost, QStringLiteral("/api/v1/signals"),
                   [&api](const QHttpServerRequest &request, const PathArgs &, Responder &&responder) {
                       Result<Json> body = objectBody(request.body(), true);
                       Result<TriggerInput> input = body ? fromJson<TriggerInput>(body.value()) : Result<TriggerInput>(body.error());
                       std::optional<QString> dedupKey;
                       if (input) {
                           JsonReader reader(body.value(), QString());
                           dedupKey = reader.string("dedupKey");
                           if (dedupKey && dedupKey->isEmpty())
                               reader.fail(QStringLiteral("dedupKey"), QStringLiteral("must not be empty when given"));
                           if (!reader.ok())
                               input = reader.error();
                       }
                       if (!input)
                           return responder.send(Response::error(input.error()));
                       api.answer(std::move(responder), [input = std::move(input).value(), dedupKey](Engine &engine) {
                           const Result<EmitResult> emitted = engine.emitSignal(input, dedupKey);
                           if (!emitted)
                               return Response::error(emitted.error());
                           Json out { { "trigger", toJson(emitted->trigger) }, { "runIds", idsJson(emitted->runIds) } };
                           if (emitted->deduplicated)
                               out["deduplicated"] = true;
                           return Response::json(emitted->deduplicated ? 200 : 201, out);
                       });
                   });

    listRoute(
        api, QStringLiteral("/api/v1/signals"), u"signals",
        { QStringLiteral("type"), QStringLiteral("resourceId"), QStringLiteral("tenantId") },
        [](QueryParams &query) {
            SignalFilter filter;
            filter.type = query.text("type");
            filter.resourceId = query.text("resourceId");
            filter.tenantId = query.text("tenantId");
            return filter;
        },
        &Store::listSignals);

    idRoute(api, kGet, QStringLiteral("/api/v1/signals/{id}"),
            [](Engine &engine, const QString &id) { return jsonAnswer(engine.getTrigger(id)); });

    api.adminRoute(kPost, QStringLiteral("/api/v1/signals/{id}/replay"),
                   [&api](const QHttpServerRequest &request, const PathArgs &args, Responder &&responder) {
                       Result<Json> body = smallBody(request.body(), { "dryRun" });
                       ReplayOptions options;
                       if (body) {
                           JsonReader reader(body.value(), QString());
                           options.dryRun = reader.boolean("dryRun").value_or(false);
                           if (!reader.ok())
                               body = reader.error();
                       }
                       if (!body)
                           return responder.send(Response::error(body.error()));
                       api.answer(std::move(responder), [id = args.at(0), options](Engine &engine) {
                           const Result<std::vector<QString>> runIds = engine.replay(id, options);
                           return runIds ? Response::json(200, Json { { "runIds", idsJson(runIds.value()) } })
                                         : Response::error(runIds.error());
                       });
                   });
}

void installRuns(ApiContext &api)
{
    listRoute(
        api, QStringLiteral("/api/v1/runs"), u"runs",
        { QStringLiteral("status"), QStringLiteral("tenantId"), QStringLiteral("definitionId"),
          QStringLiteral("triggerId") },
        [](QueryParams &query) {
            RunFilter filter;
            filter.status = query.choice<RunStatus>("status", runStatusFromString);
            filter.tenantId = query.text("tenantId");
            filter.definitionId = query.text("definitionId");
            filter.triggerId = query.text("triggerId");
            return filter;
        },
        &Store::listRuns);

    // The run with its step runs, in creation order.
    idRoute(api, kGet, QStringLiteral("/api/v1/runs/{id}"), [](Engine &engine, const QString &id) {
        const Result<WorkflowRun> run = engine.getRun(id);
        if (!run)
            return Response::error(run.error());
        const Result<std::vector<WorkflowStepRun>> steps = engine.store().getRunSteps(id);
        if (!steps)
            return Response::error(steps.error());
        Json out = toJson(run.value());
        out["steps"] = Json::array();
        for (const WorkflowStepRun &step : steps.value())
            out["steps"].push_back(toJson(step));
        return Response::json(200, out);
    });

    // Timeline and logs come whole from the engine; they are paged here like every list.
    for (const bool timeline : { true, false }) {
        api.adminRoute(
            kGet, timeline ? QStringLiteral("/api/v1/runs/{id}/timeline") : QStringLiteral("/api/v1/runs/{id}/logs"),
            [&api, timeline](const QHttpServerRequest &request, const PathArgs &args, Responder &&responder) {
                const QStringView list = timeline ? u"timeline" : u"logs";
                QueryParams query(request, {});
                int limit = kDefaultLimit;
                const std::optional<qsizetype> offset = query.offset(list, &limit);
                if (!query.ok())
                    return responder.send(Response::error(query.error()));
                api.answer(std::move(responder), [id = args.at(0), timeline, list, at = *offset, limit](Engine &engine) {
                    if (timeline) {
                        const auto entries = engine.getRunTimeline(id);
                        return entries ? Response::json(200, sliceJson(entries.value(), at, limit, list))
                                       : Response::error(entries.error());
                    }
                    const auto logs = engine.getRunLogs(id);
                    return logs ? Response::json(200, sliceJson(logs.value(), at, limit, list))
                                : Response::error(logs.error());
                });
            });
    }

    // Both answer the updated run; a transition the state machine forbids answers 409.
    api.adminRoute(kPost, QStringLiteral("/api/v1/runs/{id}/cancel"),
                   [&api](const QHttpServerRequest &request, const PathArgs &args, Responder &&responder) {
                       Result<Json> body = smallBody(request.body(), { "reason" });
                       QString reason;
                       if (body) {
                           JsonReader reader(body.value(), QString());
                           reason = reader.string("reason").value_or(QString());
                           if (!reader.ok())
                               body = reader.error();
                       }
                       if (!body)
                           return responder.send(Response::error(body.error()));
                       api.answer(std::move(responder), [id = args.at(0), reason](Engine &engine) {
                           return jsonAnswer(engine.cancelRun(id, reason));
                       });
                   });

    api.adminRoute(kPost, QStringLiteral("/api/v1/runs/{id}/retry"),
                   [&api](const QHttpServerRequest &request, const PathArgs &args, Responder &&responder) {
                       if (Result<Json> body = smallBody(request.body(), {}); !body)
                           return responder.send(Response::error(body.error()));
                       api.answer(std::move(responder),
                                  [id = args.at(0)](Engine &engine) { return jsonAnswer(engine.retryRun(id)); });
                   });
}

} // namespace

void installWorkflowRoutes(ApiContext &api)
{
    installWorkflows(api);
    installSignals(api);
    installRuns(api);
}

} // namespace vigil::api
