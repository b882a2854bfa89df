// SPDX-License-Identifier: GPL-3.0-or-later
// Incidents opened and resolved by real workflows (the built-in create/resolve_incident),
// listed open / resolved / all; double-click opens the run that opened one.

#include "signals/incidentsview.h"

#include "common/navigator.h"
#include "signals/incidentsmodel.h"
#include "support/testbackend.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QDir>
#include <QTableView>

using namespace vigil;
using namespace vigil::ui;

class TestIncidentsView final : public QObject
{
    Q_OBJECT
private:
    std::unique_ptr<TestBackend> m_t;

    void createWorkflow(const char *type, const char *steps)
    {
        Json json = Json::object();
        json["tenantId"] = "default";
        json["name"] = type;
        json["triggerType"] = type;
        json["steps"] = Json::parse(steps);
        const Result<WorkflowDefinition> parsed = fromJson<WorkflowDefinition>(json);
        QVERIFY(parsed.ok());
        const Result<WorkflowDefinition> created = TestBackend::await(
            m_t->backend->engine([definition = parsed.value()](Engine &e) { return e.createWorkflow(definition); }));
        QVERIFY2(created.ok(), created.ok() ? "" : qPrintable(created.error().message));
    }

    QString emitOne(const QString &type, const QString &resource)
    {
        TriggerInput input;
        input.tenantId = QStringLiteral("default");
        input.source = QStringLiteral("test");
        input.type = type;
        input.resourceType = QStringLiteral("agent");
        input.resourceId = resource;
        const Result<EmitResult> emitted
            = TestBackend::await(m_t->backend->engine([input](Engine &e) { return e.emitSignal(input); }));
        return emitted && !emitted->runIds.empty() ? emitted->runIds.front() : QString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_t = std::make_unique<TestBackend>([](BackendOptions &options) { options.engine.seedDefaults = false; });
        QVERIFY2(m_t->start(), "backend did not start");
        createWorkflow("test.down", "[{\"type\":\"action\",\"name\":\"create_incident\",\"config\":"
                                    "{\"severity\":\"high\"}}]");
        createWorkflow("test.up", "[{\"type\":\"action\",\"name\":\"resolve_incident\"}]");
    }

    void cleanupTestCase() { m_t.reset(); }

    void openResolvedAll()
    {
        Navigator navigator;
        QSignalSpy opened(&navigator, &Navigator::openRun);
        IncidentsView view(*m_t->backend, navigator);
        IncidentsModel *model = view.model();
        QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);

        const QString first = emitOne(QStringLiteral("test.down"), QStringLiteral("agent-1"));
        emitOne(QStringLiteral("test.down"), QStringLiteral("agent-2"));
        QVERIFY(!first.isEmpty());
        // Run frames refresh the list (rate-limited).
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 2, 10000);
        QCOMPARE(model->data(model->index(1, IncidentsModel::TitleColumn)).toString(), QStringLiteral("agent-1: test.down"));
        QCOMPARE(model->data(model->index(1, IncidentsModel::SeverityColumn)).toString(), QStringLiteral("high"));

        emitOne(QStringLiteral("test.up"), QStringLiteral("agent-1"));
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 1, 10000);
        view.statusFilter()->setCurrentIndex(1); // resolved
        QTRY_COMPARE(model->rowCount(), 1);
        QCOMPARE(toString(model->incident(0).status), toString(IncidentStatus::Resolved));
        view.statusFilter()->setCurrentIndex(2); // all
        QTRY_COMPARE(model->rowCount(), 2);

        const int row = model->incident(0).runId == first ? 0 : 1;
        QCOMPARE(model->incident(row).runId.value_or(QString()), first);
        Q_EMIT view.table()->doubleClicked(model->index(row, 0));
        QCOMPARE(opened.size(), 1);
        QCOMPARE(opened.first().first().toString(), first);

        view.resize(1280, 800);
        view.show();
        QDir().mkpath(QDir::temp().filePath(QStringLiteral("vigil-shots")));
        view.grab().save(QDir::temp().filePath(QStringLiteral("vigil-shots/incidentsview.png")));
    }
};

QTEST_MAIN(TestIncidentsView)
#include "tst_incidentsview.moc"
