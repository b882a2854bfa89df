// SPDX-License-Identifier: GPL-3.0-or-later
// The Workflows screen on a real backend: the seeded defaults listed, a workflow created in
// the view and saved (version 1 in the store), edited and saved again (version 2), saving
// refused while invalid, export and import round trip. Screenshots when
// VIGIL_SCREENSHOT_DIR is set.

#include "common/navigator.h"
#include "editor/problemmodel.h"
#include "editor/workflowcanvas.h"
#include "editor/workfloweditor.h"
#include "editor/workflowdocument.h"
#include "editor/workflowlistmodel.h"
#include "editor/workflowsview.h"
#include "settings/settings.h"
#include "support/testbackend.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QListView>
#include <QTableView>
#include <QUndoStack>

using namespace vigil;
using namespace vigil::ui;

// nlohmann's Json converts to anything, which confuses QCOMPARE's overloads: compare by hand.
#define COMPARE_JSON(actual, expected) \
    QVERIFY2((actual) == (expected), qPrintable(QStringLiteral("%1\n  != %2").arg(QString::fromStdString((actual).dump()), QString::fromStdString((expected).dump()))))

namespace {

QString S(const char *text) { return QString::fromUtf8(text); }

// A fresh database holds the default workflows: missed, failed, recovered.
constexpr int kSeeded = 3;

Result<WorkflowDefinition> stored(TestBackend &t, const QString &id)
{
    return TestBackend::await(t.backend->read([id](Store &store) { return store.getDefinition(id); }));
}

} // namespace

class TestWorkflowsView final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void listsTheSeededWorkflows();
    void lastRunFollowsTheRuns();
    void createSaveEditSave();
    void savingIsRefusedWhileInvalid();
    void exportImportRoundTrip();
    void enableSwitchReachesTheEngine();
    void restoreDefaultsAddsWhatIsMissing();
    void screenshots();
    void cleanupTestCase();

private:
    std::unique_ptr<TestBackend> m_t;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Settings> m_settings;
    Navigator m_navigator;
    std::unique_ptr<WorkflowsView> m_view;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
};

void TestWorkflowsView::initTestCase()
{
    m_t = std::make_unique<TestBackend>();
    QVERIFY2(m_t->start(), "backend did not start");
    m_dir = std::make_unique<QTemporaryDir>();
    m_settings = std::make_unique<Settings>(m_dir->filePath(S("settings.ini")));
    m_view = std::make_unique<WorkflowsView>(*m_t->backend, *m_settings, m_navigator);
    m_tester = std::make_unique<QAbstractItemModelTester>(m_view->listModel(),
                                                          QAbstractItemModelTester::FailureReportingMode::QtTest);
    m_view->resize(1280, 800);
    m_view->show();
}

void TestWorkflowsView::restoreDefaultsAddsWhatIsMissing()
{
    // One seeded workflow deleted behind the view's back; Restore defaults brings it back,
    // and says what it did.
    QTRY_VERIFY_WITH_TIMEOUT(m_view->listModel()->rowCount() >= kSeeded, 5000);
    const int before = m_view->listModel()->rowCount();
    const Status deleted
        = TestBackend::await(m_t->backend->engine([](Engine &e) { return e.deleteWorkflow(S("wfd_default_failed")); }));
    QVERIFY2(deleted, deleted ? "" : qPrintable(deleted.error().message));
    QTRY_COMPARE_WITH_TIMEOUT(m_view->listModel()->rowCount(), before - 1, 5000);
    m_view->restoreDefaultsAction()->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(m_view->listModel()->rowCount(), before, 5000);
    QTRY_VERIFY(m_view->statusText().contains(S("Incident on reported failure")));
    m_view->restoreDefaultsAction()->trigger();
    QTRY_VERIFY(m_view->statusText().contains(S("all there")));
    QCOMPARE(m_view->listModel()->rowCount(), before);
}

void TestWorkflowsView::cleanupTestCase()
{
    m_tester.reset();
    m_view.reset();
}

void TestWorkflowsView::listsTheSeededWorkflows()
{
    QTRY_COMPARE_WITH_TIMEOUT(m_view->listModel()->rowCount(), kSeeded, 5000);
    // The first opens by itself, so the screen never starts empty.
    QTRY_VERIFY(!m_view->document()->definition().id.isEmpty());
    QVERIFY(!m_view->document()->isDirty());
    QVERIFY2(m_view->document()->isValid(),
             qPrintable(m_view->document()->problems().empty() ? QString() : m_view->document()->problems().front().text()));
    const QModelIndex version = m_view->listModel()->index(0, WorkflowListModel::VersionColumn);
    QCOMPARE(version.data().toInt(), 1);
    QCOMPARE(m_view->listModel()->index(0, WorkflowListModel::LastRunColumn).data().toString(), S("never ran"));
}

void TestWorkflowsView::lastRunFollowsTheRuns()
{
    // A run started by a signal shows in the list as it happens (the backend's frames), not
    // only after the next reload of the workflows.
    QTRY_COMPARE_WITH_TIMEOUT(m_view->listModel()->rowCount(), kSeeded, 5000);
    int row = -1;
    for (int i = 0; i < m_view->listModel()->rowCount(); ++i) {
        if (m_view->listModel()->index(i, WorkflowListModel::TriggerColumn).data().toString() == S("heartbeat.missed"))
            row = i;
    }
    QVERIFY(row >= 0);
    const QModelIndex lastRun = m_view->listModel()->index(row, WorkflowListModel::LastRunColumn);
    QCOMPARE(lastRun.data().toString(), S("never ran"));
    QSignalSpy reloads(m_view.get(), &WorkflowsView::reloaded);
    TriggerInput input { S("default"), S("heartbeat"), S("heartbeat.missed") };
    input.resourceType = S("agent");
    input.resourceId = S("web-07");
    input.payload = Json { { "misses", 1 }, { "lastSeenAt", "2026-11-26T09:00:00.000Z" } };
    const auto emitted = TestBackend::await(m_t->backend->engine([input](Engine &e) { return e.emitSignal(input); }));
    QVERIFY2(emitted, emitted ? "" : qPrintable(emitted.error().message));
    QTRY_COMPARE_WITH_TIMEOUT(lastRun.data(WorkflowListModel::LastRunStatusRole).toString(), S("completed"), 10000);
    QCOMPARE(reloads.size(), 0);
}

void TestWorkflowsView::createSaveEditSave()
{
    m_view->newWorkflow();
    WorkflowDocument *doc = m_view->document();
    QVERIFY(doc->isDirty());
    QVERIFY(doc->definition().id.isEmpty());
    doc->setProperty(WorkflowProperty::Name, "Log misses");
    doc->setProperty(WorkflowProperty::TriggerType, "heartbeat.missed");
    // The editor's own insert (what Insert and the palette do) selects the new step.
    m_view->editor()->insertKindAt(S("action"), StepPath::top(0));
    QCOMPARE(m_view->editor()->canvas()->selectedPath(), std::optional<StepPath>(StepPath::top(0)));
    QVERIFY(doc->setStepField(StepPath::top(0), StepField::Handler, "log"));
    QVERIFY(!doc->isValid()); // log needs a message
    QVERIFY(!m_view->saveAction()->isEnabled());
    QVERIFY(doc->setStepField(StepPath::top(0), StepField::ConfigKey, "{{trigger.resourceId}} missed", S("message")));
    QVERIFY2(doc->isValid(), qPrintable(doc->problems().empty() ? QString() : doc->problems().front().text()));
    QVERIFY(m_view->saveAction()->isEnabled());

    QSignalSpy saved(m_view.get(), &WorkflowsView::saved);
    m_view->saveAction()->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(saved.size(), 1, 5000);
    const QString id = saved.first().at(0).toString();
    QCOMPARE(saved.first().at(1).toInt(), 1);
    QVERIFY(!doc->isDirty());
    QCOMPARE(doc->definition().id, id);
    auto inStore = stored(*m_t, id);
    QVERIFY(inStore);
    QCOMPARE(inStore->version, 1);
    QCOMPARE(inStore->steps.front().config.value("message", std::string()), std::string("{{trigger.resourceId}} missed"));
    QTRY_COMPARE_WITH_TIMEOUT(m_view->listModel()->rowCount(), kSeeded + 1, 5000);
    QTRY_COMPARE(m_view->listView()->currentIndex().data(WorkflowListModel::DefinitionIdRole).toString(), id);

    doc->setProperty(WorkflowProperty::Description, "edited");
    QVERIFY(doc->isDirty());
    QVERIFY(m_view->statusText().contains(S("Unsaved")));
    m_view->save();
    QTRY_COMPARE_WITH_TIMEOUT(saved.size(), 2, 5000);
    QCOMPARE(saved.last().at(1).toInt(), 2);
    QCOMPARE(doc->definition().version, 2);
    QVERIFY(m_view->statusText().contains(S("version 2")));
    inStore = stored(*m_t, id);
    QVERIFY(inStore);
    QCOMPARE(inStore->version, 2);
    QCOMPARE(inStore->description.value_or(QString()), S("edited"));
    QTRY_COMPARE(m_view->listModel()->index(m_view->listModel()->rowOf(id), WorkflowListModel::VersionColumn).data().toInt(), 2);
    // Undo past the save makes it dirty again; redo makes it clean.
    doc->undoStack()->undo();
    QVERIFY(doc->isDirty());
    doc->undoStack()->redo();
    QVERIFY(!doc->isDirty());
}

void TestWorkflowsView::savingIsRefusedWhileInvalid()
{
    WorkflowDocument *doc = m_view->document();
    const int version = doc->definition().version;
    doc->setProperty(WorkflowProperty::Name, "");
    QVERIFY(!doc->isValid());
    QVERIFY(!m_view->saveAction()->isEnabled());
    QVERIFY(m_view->statusText().contains(S("Cannot save")));
    QCOMPARE(m_view->editor()->problemModel()->rowCount(), 1);
    QSignalSpy saved(m_view.get(), &WorkflowsView::saved);
    m_view->save();
    QVERIFY(!QTest::qWaitFor([&] { return !saved.isEmpty(); }, 300));
    QCOMPARE(stored(*m_t, doc->definition().id)->version, version);
    doc->undoStack()->undo();
    QVERIFY(doc->isValid());
}

void TestWorkflowsView::exportImportRoundTrip()
{
    WorkflowDocument *doc = m_view->document();
    const QString path = m_dir->filePath(S("export.json"));
    QVERIFY(m_view->exportFile(path));
    const Json exported = doc->toJson();
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const Json written = Json::parse(file.readAll().toStdString());
    COMPARE_JSON(written, exported);
    file.close();

    QVERIFY(m_view->importFile(path));
    QVERIFY(doc->isDirty());
    QVERIFY(doc->definition().id.isEmpty()); // a new workflow here
    Json imported = doc->toJson();
    Json original = exported;
    for (const char *key : { "id", "version", "createdAt", "updatedAt" }) {
        imported.erase(key);
        original.erase(key);
    }
    COMPARE_JSON(imported, original);
    QSignalSpy saved(m_view.get(), &WorkflowsView::saved);
    m_view->save();
    QTRY_COMPARE_WITH_TIMEOUT(saved.size(), 1, 5000);
    QCOMPARE(saved.first().at(1).toInt(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(m_view->listModel()->rowCount(), kSeeded + 2, 5000);

    // An array imports as several workflows at once.
    QFile many(m_dir->filePath(S("many.json")));
    QVERIFY(many.open(QIODevice::WriteOnly));
    Json list = Json::array({ original, original });
    list[0]["name"] = "first of two";
    list[1]["name"] = "second of two";
    many.write(QByteArray::fromStdString(list.dump()));
    many.close();
    QVERIFY(m_view->importFile(many.fileName()));
    QTRY_COMPARE_WITH_TIMEOUT(m_view->listModel()->rowCount(), kSeeded + 4, 5000);
    QVERIFY(m_view->statusText().contains(S("2")));
}

void TestWorkflowsView::enableSwitchReachesTheEngine()
{
    WorkflowListModel *model = m_view->listModel();
    const QModelIndex enabled = model->index(0, WorkflowListModel::EnabledColumn);
    const QString id = enabled.data(WorkflowListModel::DefinitionIdRole).toString();
    QCOMPARE(enabled.data(Qt::CheckStateRole).toInt(), int(Qt::Checked));
    QVERIFY(model->setData(enabled, Qt::Unchecked, Qt::CheckStateRole));
    QTRY_VERIFY_WITH_TIMEOUT(!stored(*m_t, id)->isEnabled, 5000);
    QTRY_COMPARE(model->index(model->rowOf(id), WorkflowListModel::EnabledColumn).data(Qt::CheckStateRole).toInt(),
                 int(Qt::Unchecked));
    QVERIFY(model->setData(model->index(model->rowOf(id), WorkflowListModel::EnabledColumn), Qt::Checked, Qt::CheckStateRole));
    QTRY_VERIFY_WITH_TIMEOUT(stored(*m_t, id)->isEnabled, 5000);
}

void TestWorkflowsView::screenshots()
{
    // Always grabbed (the grabs must render); kept when VIGIL_SCREENSHOT_DIR names a folder.
    QTemporaryDir scratch;
    const QString dir = qEnvironmentVariableIsEmpty("VIGIL_SCREENSHOT_DIR") ? scratch.path()
                                                                           : qEnvironmentVariable("VIGIL_SCREENSHOT_DIR");
    m_view->openWorkflow(S("wfd_default_missed_heartbeat"));
    QCOMPARE(m_view->document()->definition().id, S("wfd_default_missed_heartbeat"));
    m_view->editor()->select(StepPath::top(1));
    QTest::qWait(100);
    QVERIFY(m_view->grab().save(dir + S("/workflows-default.png")));
    m_view->editor()->select(std::nullopt);
    QTest::qWait(50);
    QVERIFY(m_view->grab().save(dir + S("/workflows-properties.png")));
    // A validation error: the notify step loses its required title.
    m_view->document()->setStepField(StepPath::top(1), StepField::ConfigKey, Json(), S("title"));
    m_view->editor()->select(StepPath::top(1));
    QTest::qWait(100);
    QVERIFY(m_view->grab().save(dir + S("/workflows-invalid.png")));
    m_view->document()->undoStack()->undo();
}

QTEST_MAIN(TestWorkflowsView)
#include "tst_workflowsview.moc"
