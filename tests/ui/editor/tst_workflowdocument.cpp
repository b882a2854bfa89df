// SPDX-License-Identifier: GPL-3.0-or-later
// The editor's document: the Pulse README's workflows built through the same commands the
// UI pushes, undone to the empty start, redone, exported; the dirty marker; validation
// problems on the right node paths.

#include "backend/backend.h"
#include "editor/problemmodel.h"
#include "editor/workflowdocument.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>
#include <QUndoStack>

using namespace vigil;
using namespace vigil::ui;

// nlohmann's Json converts to anything, which confuses QCOMPARE's overloads: compare by hand.
#define COMPARE_JSON(actual, expected) \
    QVERIFY2((actual) == (expected), qPrintable(QStringLiteral("%1\n  != %2").arg(QString::fromStdString((actual).dump()), QString::fromStdString((expected).dump()))))

namespace {

QString S(const char *text) { return QString::fromUtf8(text); }

// The handlers the README's examples register, by hand (Vigil's built-ins differ).
Catalog readmeCatalog()
{
    Catalog catalog;
    catalog.triggerTypes = { S("heartbeat.missed"), S("alert.triggered") };
    for (const char *name : { "create_incident", "send_email", "send_slack", "send_sms", "mark_notified" })
        catalog.actions.push_back(HandlerInfo { S(name), QString(), false, {} });
    catalog.actions.push_back(HandlerInfo { S("notify"), QString(), false,
                                            { ConfigField { S("title"), ConfigField::Type::String, true, Json(), QString(), {} },
                                              ConfigField { S("severity"), ConfigField::Type::String, false, Json(), QString(),
                                                            { S("info"), S("error") } } } });
    catalog.conditions.push_back(HandlerInfo { S("is_still_failing"), QString(), false, {} });
    return catalog;
}

Json parsed(const char *text) { return Json::parse(text); }

} // namespace

class TestWorkflowDocument final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void incidentOnMissedHeartbeat();
    void multiChannelAlert();
    void dirtyFollowsTheSavedState();
    void typingMergesIntoOneUndoStep();
    void moveIntoAndOutOfBranches();
    void problemsLandOnTheirNodes();
    void problemModel();
    void parseDefinitions();

private:
    Catalog m_catalog = readmeCatalog();
};

// Every edit a user makes to build the README's first example, then undo to the empty
// start, redo, and the export is the README's JSON.
void TestWorkflowDocument::incidentOnMissedHeartbeat()
{
    WorkflowDocument doc(&m_catalog);
    const Json empty = doc.toJson();
    QVERIFY(!doc.isDirty());

    QVERIFY(doc.setProperty(WorkflowProperty::TenantId, "workspace_1"));
    QVERIFY(doc.setProperty(WorkflowProperty::Name, "Incident on missed heartbeat"));
    QVERIFY(doc.setProperty(WorkflowProperty::TriggerType, "heartbeat.missed"));
    QVERIFY(doc.setProperty(WorkflowProperty::EnvironmentFilter, "production"));
    QVERIFY(doc.setProperty(WorkflowProperty::ResourceTypeFilter, "service"));
    QVERIFY(doc.setProperty(WorkflowProperty::Config, Json { { "severity", "high" } }));

    QVERIFY(doc.insertStep(StepPath::top(0), doc.makeStep(StepType::Delay)));
    QVERIFY(doc.setStepField(StepPath::top(0), StepField::Name, "wait_5m"));
    QVERIFY(doc.setStepField(StepPath::top(0), StepField::DelayMs, 300000));
    // Inserted out of order, then moved: the move command is part of the history too.
    QVERIFY(doc.insertStep(StepPath::top(1), doc.makeStep(StepType::Action, S("create_incident"))));
    QVERIFY(doc.setStepField(StepPath::top(1), StepField::Name, "create_incident"));
    QVERIFY(doc.setStepField(StepPath::top(1), StepField::Handler, Json()));
    QVERIFY(doc.insertStep(StepPath::top(2), doc.makeStep(StepType::Condition, S("is_still_failing"))));
    QVERIFY(doc.setStepField(StepPath::top(2), StepField::Name, "is_still_failing"));
    QVERIFY(doc.setStepField(StepPath::top(2), StepField::Handler, Json()));
    QCOMPARE(doc.moveUp(StepPath::top(2)), std::optional<StepPath>(StepPath::top(1)));
    QVERIFY(doc.isDirty());
    QVERIFY2(doc.isValid(), qPrintable(doc.problems().empty() ? QString() : doc.problems().front().text()));

    const Json expected = parsed(R"({
        "tenantId": "workspace_1", "name": "Incident on missed heartbeat", "triggerType": "heartbeat.missed",
        "environmentFilter": "production", "resourceTypeFilter": "service",
        "steps": [
            { "type": "delay", "name": "wait_5m", "delayMs": 300000 },
            { "type": "condition", "name": "is_still_failing" },
            { "type": "action", "name": "create_incident" } ],
        "config": { "severity": "high" }, "isEnabled": true, "version": 1 })");
    COMPARE_JSON(doc.toJson(), expected);

    QUndoStack *stack = doc.undoStack();
    const int edits = stack->count();
    QCOMPARE(edits, 16);
    while (stack->canUndo())
        stack->undo();
    COMPARE_JSON(doc.toJson(), empty);
    QVERIFY(!doc.isDirty()); // back at the state it was loaded in
    while (stack->canRedo())
        stack->redo();
    COMPARE_JSON(doc.toJson(), expected);
    QVERIFY(doc.isDirty());
}

void TestWorkflowDocument::multiChannelAlert()
{
    WorkflowDocument doc(&m_catalog);
    const Json empty = doc.toJson();
    doc.setProperty(WorkflowProperty::TenantId, "workspace_1");
    doc.setProperty(WorkflowProperty::Name, "Multi-channel alert");
    doc.setProperty(WorkflowProperty::TriggerType, "alert.triggered");
    doc.setProperty(WorkflowProperty::Config, parsed(R"({"alertEmail":"oncall@company.com",
        "slackChannel":"#alerts","phoneNumber":"+1234567890"})"));

    QVERIFY(doc.insertStep(StepPath::top(0), doc.makeStep(StepType::Parallel)));
    const StepPath parallel = StepPath::top(0);
    QCOMPARE(int(stepAt(doc.definition(), parallel)->branches.size()), 2);
    QVERIFY(doc.setStepField(parallel, StepField::Name, "notify_all"));
    QVERIFY(doc.addBranch(parallel));
    const char *channels[] = { "send_email", "send_slack", "send_sms" };
    for (int b = 0; b < 3; ++b) {
        const StepPath inner = parallel.child(b, 0);
        QVERIFY(doc.setStepField(inner, StepField::Name, channels[b]));
        QVERIFY(doc.setStepField(inner, StepField::Handler, Json()));
    }
    QVERIFY(doc.insertStep(StepPath::top(1), doc.makeStep(StepType::Action, S("mark_notified"))));
    QVERIFY(doc.setStepField(StepPath::top(1), StepField::Name, "mark_notified"));
    QVERIFY(doc.setStepField(StepPath::top(1), StepField::Handler, Json()));
    QVERIFY2(doc.isValid(), qPrintable(doc.problems().empty() ? QString() : doc.problems().front().text()));

    const Json expected = parsed(R"({
        "tenantId": "workspace_1", "name": "Multi-channel alert", "triggerType": "alert.triggered",
        "steps": [
            { "type": "parallel", "name": "notify_all", "branches": [
                [ { "type": "action", "name": "send_email" } ],
                [ { "type": "action", "name": "send_slack" } ],
                [ { "type": "action", "name": "send_sms" } ] ] },
            { "type": "action", "name": "mark_notified" } ],
        "config": { "alertEmail": "oncall@company.com", "slackChannel": "#alerts", "phoneNumber": "+1234567890" },
        "isEnabled": true, "version": 1 })");
    COMPARE_JSON(doc.toJson(), expected);
    while (doc.undoStack()->canUndo())
        doc.undoStack()->undo();
    COMPARE_JSON(doc.toJson(), empty);
    while (doc.undoStack()->canRedo())
        doc.undoStack()->redo();
    COMPARE_JSON(doc.toJson(), expected);

    // Removing a branch and a step undo too.
    QVERIFY(doc.removeBranch(parallel, 1));
    QVERIFY(doc.removeStep(StepPath::top(1)));
    QCOMPARE(int(doc.definition().steps.size()), 1);
    doc.undoStack()->undo();
    doc.undoStack()->undo();
    COMPARE_JSON(doc.toJson(), expected);
}

void TestWorkflowDocument::dirtyFollowsTheSavedState()
{
    WorkflowDocument doc(&m_catalog);
    QSignalSpy dirty(&doc, &WorkflowDocument::dirtyChanged);
    WorkflowDefinition stored;
    stored.id = S("wfd_1");
    stored.tenantId = S("t");
    stored.name = S("stored");
    stored.triggerType = S("heartbeat.missed");
    stored.version = 3;
    doc.load(stored);
    QVERIFY(!doc.isDirty());
    doc.setProperty(WorkflowProperty::Description, "first");
    QVERIFY(doc.isDirty());
    QCOMPARE(dirty.size(), 1);
    QCOMPARE(dirty.last().first().toBool(), true);
    // Saved: clean, and the stored version is taken.
    WorkflowDefinition saved = doc.definition();
    saved.version = 4;
    doc.markSaved(saved);
    QVERIFY(!doc.isDirty());
    QCOMPARE(doc.definition().version, 4);
    QCOMPARE(dirty.last().first().toBool(), false);
    // An edit after saving, undone: clean again; undone past the save: dirty.
    doc.setProperty(WorkflowProperty::TenantId, "other");
    QVERIFY(doc.isDirty());
    doc.undoStack()->undo();
    QVERIFY(!doc.isDirty());
    doc.undoStack()->undo();
    QVERIFY(doc.isDirty());
    QVERIFY(!doc.definition().description);
    doc.undoStack()->redo();
    QVERIFY(!doc.isDirty());
    // An import is unsaved until saved: no state of its history is clean.
    doc.load(stored, false);
    QVERIFY(doc.isDirty());
}

void TestWorkflowDocument::typingMergesIntoOneUndoStep()
{
    WorkflowDocument doc(&m_catalog);
    doc.insertStep(StepPath::top(0), doc.makeStep(StepType::Action, S("notify")));
    const int before = doc.undoStack()->count();
    for (const char *typed : { "n", "no", "not", "noti" })
        doc.setStepField(StepPath::top(0), StepField::ConfigKey, typed, S("title"));
    QCOMPARE(doc.undoStack()->count(), before + 1);
    COMPARE_JSON(stepAt(doc.definition(), StepPath::top(0))->config, Json({ { "title", "noti" } }));
    // Another field is another undo step; undoing the typing removes the key entirely.
    doc.setStepField(StepPath::top(0), StepField::TimeoutMs, 5000);
    QCOMPARE(doc.undoStack()->count(), before + 2);
    doc.undoStack()->undo();
    doc.undoStack()->undo();
    QVERIFY(stepAt(doc.definition(), StepPath::top(0))->config.is_null());
    // Typed back to what it was: the merged command is obsolete and leaves no undo step.
    doc.undoStack()->redo();
    const int withTitle = doc.undoStack()->index();
    doc.setStepField(StepPath::top(0), StepField::TimeoutMs, 1000);
    doc.setStepField(StepPath::top(0), StepField::TimeoutMs, Json());
    QCOMPARE(doc.undoStack()->index(), withTitle);
}

void TestWorkflowDocument::moveIntoAndOutOfBranches()
{
    WorkflowDocument doc(&m_catalog);
    doc.insertStep(StepPath::top(0), doc.makeStep(StepType::Action, S("create_incident"))); // create_incident_1
    doc.insertStep(StepPath::top(1), doc.makeStep(StepType::Parallel));                      // branches [a], [b]
    const QString moved = doc.definition().steps[0].name;
    // Dragged into the second branch, after its step (read before the move: top(1) is the parallel).
    QVERIFY(doc.moveStep(StepPath::top(0), StepPath::top(1).child(1, 1)));
    QCOMPARE(int(doc.definition().steps.size()), 1);
    QCOMPARE(stepAt(doc.definition(), StepPath::top(0).child(1, 1))->name, moved);
    // A parallel step cannot go inside itself.
    QVERIFY(!doc.moveStep(StepPath::top(0), StepPath::top(0).child(0, 0)));
    // Alt+Down at the end of a branch takes it out, after the parallel step.
    QCOMPARE(doc.moveDown(StepPath::top(0).child(1, 1)), std::optional<StepPath>(StepPath::top(1)));
    QCOMPARE(doc.definition().steps[1].name, moved);
    // Alt+Up at the top moves nothing.
    QVERIFY(!doc.moveUp(StepPath::top(0)));
    doc.undoStack()->undo();
    doc.undoStack()->undo();
    QCOMPARE(doc.definition().steps[0].name, moved);
}

void TestWorkflowDocument::problemsLandOnTheirNodes()
{
    WorkflowDocument doc(&m_catalog);
    doc.setProperty(WorkflowProperty::TenantId, "t");
    doc.setProperty(WorkflowProperty::Name, "problems");
    doc.setProperty(WorkflowProperty::TriggerType, "heartbeat.missed");
    doc.insertStep(StepPath::top(0), doc.makeStep(StepType::Parallel)); // branches hold create_incident_1, _2
    const StepPath first = StepPath::top(0).child(0, 0);
    const StepPath second = StepPath::top(0).child(1, 0);
    doc.setStepField(first, StepField::Handler, "create_incident");
    doc.setStepField(second, StepField::Handler, "create_incident");
    QVERIFY2(doc.isValid(), qPrintable(doc.problems().empty() ? QString() : doc.problems().front().text()));

    // A duplicate name in a branch.
    doc.setStepField(second, StepField::Name, toStd(stepAt(doc.definition(), first)->name));
    auto onSecond = doc.problemsOf(second);
    QCOMPARE(int(onSecond.size()), 1);
    QCOMPARE(onSecond.front().path, S("steps[0].branches[1][0].name"));
    QVERIFY(onSecond.front().message.contains(S("duplicate")));
    QVERIFY(doc.problemsOf(first).empty());
    doc.undoStack()->undo();

    // An unknown handler.
    doc.setStepField(second, StepField::Handler, "no_such_action");
    onSecond = doc.problemsOf(second);
    QCOMPARE(int(onSecond.size()), 1);
    QCOMPARE(onSecond.front().path, S("steps[0].branches[1][0].handler"));
    QVERIFY(onSecond.front().message.contains(S("no_such_action")));
    doc.undoStack()->undo();

    // A missing required config field, and an out-of-choices value.
    doc.insertStep(StepPath::top(1), doc.makeStep(StepType::Action, S("notify")));
    auto onNotify = doc.problemsOf(StepPath::top(1));
    QCOMPARE(int(onNotify.size()), 1);
    QCOMPARE(onNotify.front().path, S("steps[1].config.title"));
    QCOMPARE(onNotify.front().message, S("is required"));
    doc.setStepField(StepPath::top(1), StepField::ConfigKey, "down", S("title"));
    QVERIFY(doc.isValid());
    doc.setStepField(StepPath::top(1), StepField::ConfigKey, "loud", S("severity"));
    onNotify = doc.problemsOf(StepPath::top(1));
    QCOMPARE(int(onNotify.size()), 1);
    QCOMPARE(onNotify.front().path, S("steps[1].config.severity"));

    // An onFalse that skips past the end lands on the condition; a definition-level problem on none.
    doc.undoStack()->undo();
    doc.insertStep(StepPath::top(2), doc.makeStep(StepType::Condition, S("is_still_failing")));
    doc.setStepField(StepPath::top(2), StepField::OnFalse, 2);
    QCOMPARE(int(doc.problemsOf(StepPath::top(2)).size()), 1);
    QCOMPARE(doc.problemsOf(StepPath::top(2)).front().path, S("steps[2].onFalse"));
    doc.setProperty(WorkflowProperty::Name, "");
    QCOMPARE(doc.problems().front().path, S("name")); // definition problems come first
}

void TestWorkflowDocument::problemModel()
{
    WorkflowDocument doc(&m_catalog);
    ProblemModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setProblems(doc.problems());
    QVERIFY(model.rowCount() >= 3); // tenant, name, trigger, steps
    doc.setProperty(WorkflowProperty::TenantId, "t");
    doc.setProperty(WorkflowProperty::Name, "n");
    doc.setProperty(WorkflowProperty::TriggerType, "x");
    doc.insertStep(StepPath::top(0), doc.makeStep(StepType::Action, S("notify")));
    model.setProblems(doc.problems());
    QCOMPARE(model.rowCount(), 1);
    const QModelIndex index = model.index(0, 0);
    QCOMPARE(index.data(ProblemModel::PathRole).toString(), S("steps[0].config.title"));
    QCOMPARE(index.data(ProblemModel::StepPathRole).toString(), S("steps[0]"));
    QCOMPARE(index.data().toString(), S("steps[0].config.title: is required"));
}

void TestWorkflowDocument::parseDefinitions()
{
    const auto one = WorkflowDocument::parseDefinitions(R"({"tenantId":"t","name":"a","triggerType":"x","steps":[]})");
    QVERIFY(one);
    QCOMPARE(int(one->size()), 1);
    const auto two = WorkflowDocument::parseDefinitions(R"([{"name":"a","steps":[]},{"name":"b","steps":[]}])");
    QVERIFY(two);
    QCOMPARE(int(two->size()), 2);
    QCOMPARE(two->at(1).name, S("b"));
    const auto bad = WorkflowDocument::parseDefinitions(R"([{"name":"a","steps":[]},{"name":"b","steps":[{"type":"nope"}]}])");
    QVERIFY(!bad);
    QVERIFY2(bad.error().message.startsWith(S("[1]")), qPrintable(bad.error().message));
    QVERIFY(!WorkflowDocument::parseDefinitions("{ not json"));
}

QTEST_MAIN(TestWorkflowDocument)
#include "tst_workflowdocument.moc"
