// SPDX-License-Identifier: GPL-3.0-or-later
#include "workflow/importer.h"

#include "core/logging.h"
#include "model/workflow.h"
#include "workflow/enginehost.h"

#include <QFile>

namespace vigil {

Status importWorkflows(EngineHost &engine, const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return makeError(ErrorCode::Invalid, QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    Result<Json> json = parseJson(file.readAll());
    if (!json)
        return makeError(ErrorCode::Invalid, QStringLiteral("%1: %2").arg(path, json.error().message));
    const Json list = json->is_array() ? *json : Json::array({ *json });
    std::vector<WorkflowDefinition> definitions;
    for (std::size_t i = 0; i < list.size(); ++i) {
        Result<WorkflowDefinition> definition = fromJson<WorkflowDefinition>(list[i]);
        if (!definition)
            return makeError(ErrorCode::Invalid, QStringLiteral("%1: [%2]: %3").arg(path).arg(i).arg(definition.error().message));
        definitions.push_back(std::move(definition).value());
    }
    QFuture<Status> done = engine.call([definitions](Engine &e) -> Status {
        for (std::size_t i = 0; i < definitions.size(); ++i) {
            if (Status checked = e.checkWorkflow(definitions[i]); !checked)
                return makeError(ErrorCode::Invalid, QStringLiteral("[%1] %2: %3").arg(i).arg(definitions[i].name, checked.error().message));
        }
        return e.store().transaction([&]() -> Status {
            for (const WorkflowDefinition &definition : definitions) {
                if (Result<WorkflowDefinition> created = e.createWorkflow(definition); !created)
                    return created.error();
                else
                    qCInfo(lcApp).noquote() << "imported workflow" << created->id << created->name;
            }
            return {};
        });
    });
    done.waitForFinished();
    if (done.resultCount() == 0)
        return makeError(ErrorCode::Unavailable, QStringLiteral("the engine is not running"));
    const Status result = done.result();
    if (!result)
        return makeError(result.error().code, QStringLiteral("%1: %2").arg(path, result.error().message));
    return {};
}
} // namespace vigil
