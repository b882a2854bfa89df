// SPDX-License-Identifier: GPL-3.0-or-later
#include "workflowdocument.h"

#include "backend/backend.h"
#include "editor/editcommands.h"
#include "workflow/handler.h"

#include <QSet>
#include <QUndoStack>

namespace vigil::ui {

// ---- field access -----------------------------------------------------------------------

namespace {

Json optionalString(const std::optional<QString> &value) { return value ? Json(toStd(*value)) : Json(); }
std::optional<QString> toOptionalString(const Json &value)
{
    if (!value.is_string())
        return std::nullopt;
    return fromStd(value.get<std::string>());
}
QString toQString(const Json &value) { return value.is_string() ? fromStd(value.get<std::string>()) : QString(); }
std::optional<qint64> toOptionalInt(const Json &value)
{
    return value.is_number() ? std::optional<qint64>(value.get<qint64>()) : std::nullopt;
}

} // namespace

Json stepField(const WorkflowStep &step, StepField field, const QString &key)
{
    switch (field) {
    case StepField::Name: return toStd(step.name);
    case StepField::Handler: return optionalString(step.handler);
    case StepField::Config: return step.config;
    case StepField::ConfigKey: {
        if (!step.config.is_object())
            return Json();
        const auto it = step.config.find(toStd(key));
        return it == step.config.end() ? Json() : *it;
    }
    case StepField::TimeoutMs: return step.timeoutMs ? Json(*step.timeoutMs) : Json();
    case StepField::DelayMs: return step.delayMs ? Json(*step.delayMs) : Json();
    case StepField::RetryPolicy: return step.retryPolicy ? toJson(*step.retryPolicy) : Json();
    case StepField::OnFalse:
        if (!step.onFalse)
            return Json();
        switch (step.onFalse->kind) {
        case OnFalse::Kind::Complete: return "complete";
        case OnFalse::Kind::Skip: return "skip";
        case OnFalse::Kind::SkipSteps: return step.onFalse->steps;
        }
    }
    return Json();
}

void setStepField(WorkflowStep &step, StepField field, const Json &value, const QString &key)
{
    switch (field) {
    case StepField::Name: step.name = toQString(value); break;
    case StepField::Handler: step.handler = toOptionalString(value); break;
    case StepField::Config: step.config = value.is_object() ? value : Json(); break;
    case StepField::ConfigKey:
        if (value.is_null()) {
            if (step.config.is_object()) {
                step.config.erase(toStd(key));
                if (step.config.empty())
                    step.config = Json(); // back to absent, as it was before the first key
            }
        } else {
            if (!step.config.is_object())
                step.config = Json::object();
            step.config[toStd(key)] = value;
        }
        break;
    case StepField::TimeoutMs: step.timeoutMs = toOptionalInt(value); break;
    case StepField::DelayMs: step.delayMs = toOptionalInt(value); break;
    case StepField::RetryPolicy:
        if (value.is_object()) {
            RetryPolicy policy;
            policy.maxAttempts = value.value("maxAttempts", 1);
            policy.backoffMs = value.value("backoffMs", qint64(1000));
            step.retryPolicy = policy;
        } else {
            step.retryPolicy.reset();
        }
        break;
    case StepField::OnFalse:
        if (value.is_string() && value.get<std::string>() == "skip")
            step.onFalse = OnFalse { OnFalse::Kind::Skip, 1 };
        else if (value.is_string())
            step.onFalse = OnFalse { OnFalse::Kind::Complete, 1 };
        else if (value.is_number())
            step.onFalse = OnFalse { OnFalse::Kind::SkipSteps, value.get<int>() };
        else
            step.onFalse.reset();
        break;
    }
}

Json workflowProperty(const WorkflowDefinition &definition, WorkflowProperty property)
{
    switch (property) {
    case WorkflowProperty::Name: return toStd(definition.name);
    case WorkflowProperty::Description: return optionalString(definition.description);
    case WorkflowProperty::TenantId: return toStd(definition.tenantId);
    case WorkflowProperty::TriggerType: return toStd(definition.triggerType);
    case WorkflowProperty::EnvironmentFilter: return optionalString(definition.environmentFilter);
    case WorkflowProperty::ResourceTypeFilter: return optionalString(definition.resourceTypeFilter);
    case WorkflowProperty::CronExpression: return optionalString(definition.cronExpression);
    case WorkflowProperty::CronTimezone: return optionalString(definition.cronTimezone);
    case WorkflowProperty::Config: return definition.config;
    case WorkflowProperty::IsEnabled: return definition.isEnabled;
    }
    return Json();
}

void setWorkflowProperty(WorkflowDefinition &definition, WorkflowProperty property, const Json &value)
{
    switch (property) {
    case WorkflowProperty::Name: definition.name = toQString(value); break;
    case WorkflowProperty::Description: definition.description = toOptionalString(value); break;
    case WorkflowProperty::TenantId: definition.tenantId = toQString(value); break;
    case WorkflowProperty::TriggerType: definition.triggerType = toQString(value); break;
    case WorkflowProperty::EnvironmentFilter: definition.environmentFilter = toOptionalString(value); break;
    case WorkflowProperty::ResourceTypeFilter: definition.resourceTypeFilter = toOptionalString(value); break;
    case WorkflowProperty::CronExpression: definition.cronExpression = toOptionalString(value); break;
    case WorkflowProperty::CronTimezone: definition.cronTimezone = toOptionalString(value); break;
    case WorkflowProperty::Config: definition.config = value.is_object() ? value : Json::object(); break;
    case WorkflowProperty::IsEnabled: definition.isEnabled = value.is_boolean() && value.get<bool>(); break;
    }
}

// ---- validation -------------------------------------------------------------------------

namespace {

void checkHandlers(const std::vector<WorkflowStep> &steps, const StepPath &sequence, const Catalog &catalog,
                   std::vector<ValidationProblem> &problems)
{
    for (size_t i = 0; i < steps.size(); ++i) {
        const WorkflowStep &step = steps[i];
        StepPath path = sequence;
        path.indices.push_back(int(i));
        const QString base = path.toString();
        if (step.type == StepType::Action || step.type == StepType::Condition) {
            const bool isAction = step.type == StepType::Action;
            const HandlerInfo *info = isAction ? catalog.action(step.handlerName()) : catalog.condition(step.handlerName());
            if (!info) {
                problems.push_back({ base + (step.handler ? QStringLiteral(".handler") : QStringLiteral(".name")),
                                     (isAction ? QStringLiteral("unknown action \"%1\"")
                                               : QStringLiteral("unknown condition \"%1\""))
                                         .arg(step.handlerName()) });
            } else if (Status ok = checkConfig(info->configSchema, step.config, base + QStringLiteral(".config")); !ok) {
                // checkConfig's message is "<path>: <what>"; paths hold no ": ".
                const QString text = ok.error().message;
                const qsizetype split = text.indexOf(QStringLiteral(": "));
                problems.push_back(split < 0 ? ValidationProblem { base + QStringLiteral(".config"), text }
                                             : ValidationProblem { text.left(split), text.mid(split + 2) });
            }
        }
        for (size_t b = 0; b < step.branches.size(); ++b)
            checkHandlers(step.branches[b], path.child(int(b), 0).sequence(), catalog, problems);
    }
}

} // namespace

std::vector<ValidationProblem> validateWithCatalog(const WorkflowDefinition &definition, const Catalog *catalog)
{
    std::vector<ValidationProblem> problems = validateDefinition(definition);
    if (catalog)
        checkHandlers(definition.steps, StepPath(), *catalog, problems);
    // Document order, so the list under the canvas reads top to bottom.
    std::stable_sort(problems.begin(), problems.end(), [](const ValidationProblem &a, const ValidationProblem &b) {
        const auto pa = StepPath::fromProblemPath(a.path);
        const auto pb = StepPath::fromProblemPath(b.path);
        if (bool(pa) != bool(pb))
            return !pa; // definition-level problems first
        return pa && pb && *pa < *pb;
    });
    return problems;
}

// ---- document ---------------------------------------------------------------------------

WorkflowDocument::WorkflowDocument(const Catalog *catalog, QObject *parent)
    : QObject(parent)
    , m_catalog(catalog)
    , m_undo(new QUndoStack(this))
{
    connect(m_undo, &QUndoStack::cleanChanged, this, [this](bool clean) { Q_EMIT dirtyChanged(!clean); });
    revalidate();
}

WorkflowDocument::~WorkflowDocument() = default;

void WorkflowDocument::setCatalog(const Catalog *catalog)
{
    m_catalog = catalog;
    revalidate();
    Q_EMIT problemsChanged();
}

void WorkflowDocument::load(const WorkflowDefinition &definition, bool saved)
{
    // clear(), resetClean() and setClean() announce through cleanChanged -> dirtyChanged.
    m_undo->clear();
    m_definition = definition;
    if (!saved)
        m_undo->resetClean(); // no reachable state is the saved one
    notifyChanged();
}

void WorkflowDocument::markSaved(const WorkflowDefinition &stored)
{
    m_definition.id = stored.id;
    m_definition.version = stored.version;
    m_definition.createdAt = stored.createdAt;
    m_definition.updatedAt = stored.updatedAt;
    m_undo->setClean();
    notifyChanged();
}

bool WorkflowDocument::isDirty() const { return !m_undo->isClean(); }

void WorkflowDocument::notifyChanged()
{
    revalidate();
    Q_EMIT changed();
    Q_EMIT problemsChanged();
}

void WorkflowDocument::revalidate() { m_problems = validateWithCatalog(m_definition, m_catalog); }

std::vector<ValidationProblem> WorkflowDocument::problemsOf(const StepPath &path) const
{
    std::vector<ValidationProblem> out;
    for (const ValidationProblem &problem : m_problems) {
        if (StepPath::fromProblemPath(problem.path) == path)
            out.push_back(problem);
    }
    return out;
}

namespace {

void collectNames(const std::vector<WorkflowStep> &steps, QSet<QString> &names)
{
    for (const WorkflowStep &step : steps) {
        names.insert(step.name);
        for (const auto &branch : step.branches)
            collectNames(branch, names);
    }
}

} // namespace

QString WorkflowDocument::uniqueName(const QString &base) const
{
    QSet<QString> names;
    collectNames(m_definition.steps, names);
    for (int n = 1;; ++n) {
        const QString candidate = QStringLiteral("%1_%2").arg(base).arg(n);
        if (!names.contains(candidate))
            return candidate;
    }
}

WorkflowStep WorkflowDocument::makeStep(StepType type, const QString &handler) const
{
    WorkflowStep step;
    step.type = type;
    switch (type) {
    case StepType::Action:
    case StepType::Condition: {
        const bool isAction = type == StepType::Action;
        QString chosen = handler;
        if (chosen.isEmpty() && m_catalog) {
            const auto &list = isAction ? m_catalog->actions : m_catalog->conditions;
            if (!list.empty())
                chosen = list.front().name;
        }
        step.name = uniqueName(chosen.isEmpty() ? (isAction ? QStringLiteral("action") : QStringLiteral("condition"))
                                                : chosen);
        if (!chosen.isEmpty())
            step.handler = chosen;
        break;
    }
    case StepType::Delay:
        step.name = uniqueName(QStringLiteral("wait"));
        step.delayMs = 60 * 1000;
        break;
    case StepType::Parallel: {
        step.name = uniqueName(QStringLiteral("parallel"));
        // Two branches of one step each: the least that validates, with distinct names.
        WorkflowDocument scratch(m_catalog);
        scratch.m_definition = m_definition;
        for (int b = 0; b < 2; ++b) {
            WorkflowStep inner = scratch.makeStep(StepType::Action);
            scratch.m_definition.steps.push_back(inner);
            step.branches.push_back({ inner });
        }
        break;
    }
    }
    return step;
}

bool WorkflowDocument::insertStep(const StepPath &at, const WorkflowStep &step)
{
    const std::vector<WorkflowStep> *sequence = sequenceAt(m_definition, at.sequence());
    if (!at.isStep() || !sequence || at.index() < 0 || at.index() > int(sequence->size()))
        return false;
    m_undo->push(new InsertStepCommand(this, at, step));
    return true;
}

bool WorkflowDocument::removeStep(const StepPath &path)
{
    if (!stepAt(m_definition, path))
        return false;
    m_undo->push(new RemoveStepCommand(this, path));
    return true;
}

bool WorkflowDocument::moveStep(const StepPath &from, const StepPath &to)
{
    if (!stepAt(m_definition, from) || !to.isStep())
        return false;
    const std::optional<StepPath> landing = pathAfterRemoval(to, from);
    if (!landing || *landing == from)
        return false;
    // Check the landing sequence exists once the step is out.
    WorkflowDefinition probe = m_definition;
    std::vector<WorkflowStep> *source = sequenceAt(probe, from.sequence());
    source->erase(source->begin() + from.index());
    const std::vector<WorkflowStep> *target = sequenceAt(probe, landing->sequence());
    if (!target || landing->index() < 0 || landing->index() > int(target->size()))
        return false;
    m_undo->push(new MoveStepCommand(this, from, *landing));
    return true;
}

std::optional<StepPath> WorkflowDocument::moveUp(const StepPath &path)
{
    if (!stepAt(m_definition, path))
        return std::nullopt;
    StepPath to;
    if (path.index() > 0)
        to = path.withIndex(path.index() - 1);
    else if (path.depth() > 0)
        to = path.parentStep(); // out of the branch, before its parallel step
    else
        return std::nullopt;
    if (!moveStep(path, to))
        return std::nullopt;
    return to;
}

std::optional<StepPath> WorkflowDocument::moveDown(const StepPath &path)
{
    const std::vector<WorkflowStep> *sequence = sequenceAt(m_definition, path.sequence());
    if (!stepAt(m_definition, path))
        return std::nullopt;
    StepPath to;
    StepPath landing;
    if (path.index() + 1 < int(sequence->size())) {
        to = path.withIndex(path.index() + 2); // read before removal
        landing = path.withIndex(path.index() + 1);
    } else if (path.depth() > 0) {
        const StepPath parent = path.parentStep();
        to = parent.withIndex(parent.index() + 1); // out of the branch, after its parallel step
        landing = to;
    } else {
        return std::nullopt;
    }
    if (!moveStep(path, to))
        return std::nullopt;
    return landing;
}

bool WorkflowDocument::setStepField(const StepPath &path, StepField field, const Json &value, const QString &key)
{
    const WorkflowStep *step = stepAt(m_definition, path);
    if (!step || (field == StepField::ConfigKey && key.isEmpty()))
        return false;
    if (vigil::ui::stepField(*step, field, key) == value)
        return false;
    m_undo->push(new SetStepFieldCommand(this, path, field, key, value));
    return true;
}

bool WorkflowDocument::addBranch(const StepPath &parallel, int index)
{
    const WorkflowStep *step = stepAt(m_definition, parallel);
    if (!step || step->type != StepType::Parallel)
        return false;
    if (index < 0 || index > int(step->branches.size()))
        index = int(step->branches.size());
    m_undo->push(new AddBranchCommand(this, parallel, index, { makeStep(StepType::Action) }));
    return true;
}

bool WorkflowDocument::removeBranch(const StepPath &parallel, int index)
{
    const WorkflowStep *step = stepAt(m_definition, parallel);
    if (!step || index < 0 || index >= int(step->branches.size()))
        return false;
    m_undo->push(new RemoveBranchCommand(this, parallel, index));
    return true;
}

bool WorkflowDocument::setProperty(WorkflowProperty property, const Json &value)
{
    if (workflowProperty(m_definition, property) == value)
        return false;
    m_undo->push(new SetWorkflowPropertyCommand(this, property, value));
    return true;
}

Json WorkflowDocument::toJson() const { return vigil::toJson(m_definition); }

Result<std::vector<WorkflowDefinition>> WorkflowDocument::parseDefinitions(const QByteArray &text)
{
    Result<Json> json = parseJson(text);
    if (!json)
        return json.error();
    std::vector<WorkflowDefinition> out;
    const Json list = json->is_array() ? json.value() : Json::array({ json.value() });
    for (size_t i = 0; i < list.size(); ++i) {
        Result<WorkflowDefinition> definition = fromJson<WorkflowDefinition>(list[i]);
        if (!definition) {
            return makeError(ErrorCode::Invalid, json->is_array() ? QStringLiteral("[%1]: %2").arg(i).arg(definition.error().message)
                                                                  : definition.error().message);
        }
        out.push_back(std::move(definition).value());
    }
    return out;
}

} // namespace vigil::ui
