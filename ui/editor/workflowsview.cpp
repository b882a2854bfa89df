// SPDX-License-Identifier: GPL-3.0-or-later
#include "workflowsview.h"

#include "backend/backend.h"
#include "common/icons.h"
#include "common/navigator.h"
#include "editor/testrundialog.h"
#include "editor/workflowcanvas.h"
#include "editor/workfloweditor.h"
#include "editor/workflowdocument.h"
#include "editor/workflowlistmodel.h"
#include "settings/settings.h"

#include <QAction>
#include <QCloseEvent>
#include <QFile>
#include <QFileDialog>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QSplitter>
#include <QTableView>
#include <QToolBar>
#include <QUndoStack>
#include <QVBoxLayout>

namespace vigil::ui {

namespace {

struct ListAnswer
{
    Result<Page<WorkflowDefinition>> definitions = makeError(ErrorCode::Internal, QString());
    QList<WorkflowRun> lastRuns;
};

} // namespace

WorkflowsView::WorkflowsView(Backend &backend, Settings &settings, Navigator &navigator, QWidget *parent)
    : QWidget(parent)
    , m_backend(backend)
    , m_settings(settings)
    , m_navigator(navigator)
    , m_document(new WorkflowDocument(&backend.catalog(), this))
    , m_editor(new WorkflowEditor(m_document, this))
    , m_model(new WorkflowListModel(this))
    , m_list(new QTableView(this))
    , m_status(new QLabel(this))
{
    auto *toolbar = new QToolBar(this);
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    auto mk = [this, toolbar](Icon which, const QString &text, const QKeySequence &shortcut = {}) {
        auto *action = toolbar->addAction(icon(which), text);
        action->setShortcut(shortcut);
        action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        addAction(action);
        return action;
    };
    m_new = mk(Icon::New, tr("&New"), QKeySequence::New);
    m_save = mk(Icon::Save, tr("&Save"), QKeySequence::Save);
    toolbar->addSeparator();
    m_undo = m_document->undoStack()->createUndoAction(this, tr("&Undo"));
    m_undo->setIcon(icon(Icon::Undo));
    m_undo->setShortcut(QKeySequence::Undo);
    m_undo->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_redo = m_document->undoStack()->createRedoAction(this, tr("&Redo"));
    m_redo->setIcon(icon(Icon::Redo));
    m_redo->setShortcut(QKeySequence::Redo);
    m_redo->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    toolbar->addAction(m_undo);
    toolbar->addAction(m_redo);
    addAction(m_undo);
    addAction(m_redo);
    toolbar->addSeparator();
    m_import = mk(Icon::Import, tr("&Import…"), QKeySequence(Qt::CTRL | Qt::Key_I));
    m_export = mk(Icon::Export, tr("&Export…"), QKeySequence(Qt::CTRL | Qt::Key_E));
    m_restoreDefaults = mk(Icon::Refresh, tr("Restore defaults"));
    m_restoreDefaults->setToolTip(tr("Create again the default workflows that are missing (incident on missed "
                                     "heartbeat, incident on reported failure, resolve on recovery); those "
                                     "present stay as they are"));
    toolbar->addSeparator();
    m_toggleEnabled = mk(Icon::Pause, tr("Disable"));
    m_testRun = mk(Icon::TestRun, tr("&Test run…"), QKeySequence(Qt::CTRL | Qt::Key_T));
    m_delete = mk(Icon::Delete, tr("Delete workflow"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Delete));
    // The tool bar holds what fits; the step actions are on the canvas' context menu.

    m_list->setModel(m_model);
    m_list->setObjectName(QStringLiteral("workflowList"));
    m_list->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_list->verticalHeader()->hide();
    m_list->horizontalHeader()->setStretchLastSection(true);
    m_list->horizontalHeader()->setSectionResizeMode(WorkflowListModel::NameColumn, QHeaderView::Stretch);
    m_list->horizontalHeader()->setSectionResizeMode(WorkflowListModel::LastRunColumn, QHeaderView::ResizeToContents);
    m_list->horizontalHeader()->setSectionResizeMode(WorkflowListModel::VersionColumn, QHeaderView::ResizeToContents);
    m_list->horizontalHeader()->setSectionResizeMode(WorkflowListModel::EnabledColumn, QHeaderView::ResizeToContents);
    m_list->horizontalHeader()->setSectionResizeMode(WorkflowListModel::TriggerColumn, QHeaderView::ResizeToContents);
    m_list->horizontalHeader()->setStretchLastSection(false);
    m_list->setWordWrap(false);

    m_status->setObjectName(QStringLiteral("workflowStatus"));
    m_status->setWordWrap(true);
    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setObjectName(QStringLiteral("workflowsSplitter"));
    splitter->addWidget(m_list);
    auto *right = new QWidget(this);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addWidget(m_editor, 1);
    rightLayout->addWidget(m_status);
    splitter->addWidget(right);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({ 420, 860 });
    if (const QByteArray state = m_settings.viewState(QStringLiteral("workflows/splitter")); !state.isEmpty())
        splitter->restoreState(state);
    connect(splitter, &QSplitter::splitterMoved, this, [this, splitter] {
        m_settings.setViewState(QStringLiteral("workflows/splitter"), splitter->saveState());
    });
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(toolbar);
    layout->addWidget(splitter, 1);

    connect(m_new, &QAction::triggered, this, &WorkflowsView::newWorkflow);
    connect(m_save, &QAction::triggered, this, [this] { save(); });
    connect(m_import, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Import workflows"), QString(),
                                                          tr("Pulse workflow JSON (*.json);;All files (*)"));
        if (!path.isEmpty() && confirmDiscard())
            importFile(path);
    });
    connect(m_export, &QAction::triggered, this, [this] {
        const QString suggested = m_document->definition().name.isEmpty() ? QStringLiteral("workflow.json")
                                                                          : m_document->definition().name + QStringLiteral(".json");
        const QString path = QFileDialog::getSaveFileName(this, tr("Export workflow"), suggested,
                                                          tr("Pulse workflow JSON (*.json)"));
        if (!path.isEmpty())
            exportFile(path);
    });
    connect(m_delete, &QAction::triggered, this, &WorkflowsView::deleteCurrent);
    connect(m_toggleEnabled, &QAction::triggered, this, [this] {
        const WorkflowDefinition &definition = m_document->definition();
        if (!definition.id.isEmpty())
            setEnabled(definition.id, !definition.isEnabled);
    });
    connect(m_testRun, &QAction::triggered, this, &WorkflowsView::testRun);
    connect(m_restoreDefaults, &QAction::triggered, this, &WorkflowsView::restoreDefaults);
    connect(m_model, &WorkflowListModel::enableRequested, this, &WorkflowsView::setEnabled);
    connect(m_list->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) {
                if (m_selecting || !current.isValid())
                    return;
                const QString id = current.data(WorkflowListModel::DefinitionIdRole).toString();
                if (id != m_document->definition().id)
                    openWorkflow(id);
            });
    connect(m_document, &WorkflowDocument::dirtyChanged, this, &WorkflowsView::updateActions);
    connect(m_document, &WorkflowDocument::problemsChanged, this, &WorkflowsView::updateActions);
    connect(&m_backend, &Backend::workflowsChanged, this, &WorkflowsView::reload);
    connect(&m_backend, &Backend::runsChanged, m_model, &WorkflowListModel::noteRuns);
    connect(&m_backend, &Backend::started, this, [this] {
        m_document->setCatalog(&m_backend.catalog());
        reload();
    });
    connect(&m_navigator, &Navigator::openWorkflow, this, &WorkflowsView::openWorkflow);
    if (m_backend.isStarted())
        reload();
    updateActions();
}

WorkflowsView::~WorkflowsView() = default;

QString WorkflowsView::statusText() const { return m_status->text(); }

void WorkflowsView::setStatus(const QString &text, bool error)
{
    m_status->setText(text);
    m_status->setForegroundRole(error ? QPalette::BrightText : QPalette::WindowText);
    m_status->setStyleSheet(error ? QStringLiteral("color: #d92d20") : QString());
}

void WorkflowsView::updateActions()
{
    const WorkflowDefinition &definition = m_document->definition();
    const bool stored = !definition.id.isEmpty();
    const bool valid = m_document->isValid();
    m_save->setEnabled(valid && (m_document->isDirty() || !stored));
    m_save->setToolTip(valid ? tr("Save (%1)").arg(m_save->shortcut().toString(QKeySequence::NativeText))
                             : tr("Fix the problems listed under the canvas before saving"));
    m_delete->setEnabled(stored);
    m_toggleEnabled->setEnabled(stored);
    m_toggleEnabled->setText(definition.isEnabled ? tr("Disable") : tr("Enable"));
    m_toggleEnabled->setIcon(icon(definition.isEnabled ? Icon::Pause : Icon::Resume));
    m_testRun->setEnabled(stored);
    QString state;
    if (!valid)
        state = tr("Cannot save: %n problem(s), listed under the canvas.", nullptr, int(m_document->problems().size()));
    else if (m_document->isDirty())
        state = stored ? tr("Unsaved changes to version %1.").arg(definition.version) : tr("Not saved yet.");
    else if (stored)
        state = tr("Saved: version %1.").arg(definition.version);
    if (!state.isEmpty() || m_status->text().isEmpty())
        setStatus(state, !valid);
}

bool WorkflowsView::confirmDiscard()
{
    if (!m_document->isDirty())
        return true;
    const auto answer = QMessageBox::question(
        this, tr("Unsaved changes"),
        tr("The workflow \"%1\" has unsaved changes. Discard them?").arg(m_document->definition().name),
        QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Cancel);
    return answer == QMessageBox::Discard;
}

void WorkflowsView::closeEvent(QCloseEvent *event)
{
    if (confirmDiscard())
        event->accept();
    else
        event->ignore();
}

void WorkflowsView::reload()
{
    const quint64 request = ++m_reloadId;
    m_backend
        .read([](Store &store) {
            ListAnswer answer;
            answer.definitions = store.listDefinitions(DefinitionFilter {}, PageRequest { 1000, QString() });
            if (!answer.definitions)
                return answer;
            // One newest-first run per definition: a handful of indexed queries, once per reload.
            for (const WorkflowDefinition &definition : answer.definitions->items) {
                RunFilter filter;
                filter.definitionId = definition.id;
                const auto runs = store.listRuns(filter, PageRequest { 1, QString() });
                if (runs && !runs->items.empty())
                    answer.lastRuns.push_back(runs->items.front());
            }
            return answer;
        })
        .then(this, [this, request](const ListAnswer &answer) {
            if (request != m_reloadId)
                return;
            if (!answer.definitions) {
                setStatus(tr("Could not load workflows: %1").arg(answer.definitions.error().message), true);
                return;
            }
            m_selecting = true;
            m_model->setDefinitions(answer.definitions->items);
            m_model->setLastRuns(answer.lastRuns);
            m_selecting = false;
            showInList(m_document->definition().id);
            // Nothing open yet: open the first, so the screen never starts empty.
            if (m_document->definition().id.isEmpty() && !m_document->isDirty() && m_model->rowCount() > 0
                && m_document->definition().steps.empty())
                openWorkflow(m_model->definitions().front().id);
            Q_EMIT reloaded();
        });
}

void WorkflowsView::showInList(const QString &definitionId)
{
    m_selecting = true;
    const int row = m_model->rowOf(definitionId);
    if (row >= 0)
        m_list->selectRow(row);
    else
        m_list->clearSelection();
    m_selecting = false;
}

void WorkflowsView::openWorkflow(const QString &definitionId)
{
    const int row = m_model->rowOf(definitionId);
    if (row < 0 || !confirmDiscard()) {
        showInList(m_document->definition().id);
        return;
    }
    m_document->load(m_model->definitions()[size_t(row)]);
    m_editor->select(std::nullopt);
    showInList(definitionId);
    setStatus(QString());
    updateActions();
}

void WorkflowsView::newWorkflow()
{
    if (!confirmDiscard())
        return;
    WorkflowDefinition definition;
    definition.tenantId = QStringLiteral("default");
    definition.name = tr("New workflow");
    const Catalog &catalog = m_backend.catalog();
    definition.triggerType = catalog.triggerTypes.isEmpty() ? QStringLiteral("heartbeat.missed") : catalog.triggerTypes.front();
    m_document->load(definition, false);
    m_editor->select(std::nullopt);
    showInList(QString());
    setStatus(QString());
    updateActions();
}

QFuture<void> WorkflowsView::save()
{
    if (!m_document->isValid()) {
        setStatus(tr("Cannot save: %1").arg(m_document->problems().front().text()), true);
        return QtFuture::makeReadyFuture();
    }
    const WorkflowDefinition definition = m_document->definition();
    const bool create = definition.id.isEmpty();
    m_save->setEnabled(false);
    setStatus(tr("Saving…"));
    return m_backend
        .engine([definition, create](Engine &engine) {
            return create ? engine.createWorkflow(definition) : engine.updateWorkflow(definition, definition.version);
        })
        .then(this, [this](const Result<WorkflowDefinition> &stored) {
            if (!stored) {
                setStatus(stored.error().code == ErrorCode::Conflict
                              ? tr("Not saved: the workflow was changed elsewhere (%1). Reload it, then edit again.")
                                    .arg(stored.error().message)
                              : tr("Not saved: %1").arg(stored.error().message),
                          true);
                updateActions();
                return;
            }
            m_document->markSaved(stored.value());
            updateActions();
            setStatus(tr("Saved: version %1.").arg(stored->version));
            Q_EMIT saved(stored->id, stored->version);
            reload();
        });
}

bool WorkflowsView::importFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        setStatus(tr("Cannot read %1: %2").arg(path, file.errorString()), true);
        return false;
    }
    Result<std::vector<WorkflowDefinition>> parsed = WorkflowDocument::parseDefinitions(file.readAll());
    if (!parsed || parsed->empty()) {
        setStatus(parsed ? tr("%1 holds no workflow.").arg(path) : tr("Cannot import %1: %2").arg(path, parsed.error().message), true);
        return false;
    }
    // Imported definitions are new here: ids and versions belong to the store they came from.
    for (WorkflowDefinition &definition : parsed.value()) {
        definition.id.clear();
        definition.version = 1;
        definition.createdAt = definition.updatedAt = QDateTime();
    }
    if (parsed->size() == 1) {
        m_document->load(parsed->front(), false);
        m_editor->select(std::nullopt);
        showInList(QString());
        updateActions();
        setStatus(tr("Imported \"%1\": not saved yet.").arg(parsed->front().name));
        return true;
    }
    const std::vector<WorkflowDefinition> all = parsed.value();
    m_backend
        .engine([all](Engine &engine) {
            QStringList failures;
            int created = 0;
            for (const WorkflowDefinition &definition : all) {
                const auto result = engine.createWorkflow(definition);
                if (result)
                    ++created;
                else
                    failures << definition.name + QStringLiteral(": ") + result.error().message;
            }
            return std::pair { created, failures };
        })
        .then(this, [this](const std::pair<int, QStringList> &outcome) {
            setStatus(tr("Imported %n workflow(s).", nullptr, outcome.first)
                          + (outcome.second.isEmpty() ? QString() : QLatin1Char(' ') + tr("Refused: %1").arg(outcome.second.join(QStringLiteral("; ")))),
                      !outcome.second.isEmpty());
            reload();
        });
    return true;
}

bool WorkflowsView::exportFile(const QString &path) const
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    return file.write(QByteArray::fromStdString(m_document->toJson().dump(2))) > 0;
}

void WorkflowsView::deleteCurrent()
{
    const WorkflowDefinition definition = m_document->definition();
    if (definition.id.isEmpty())
        return;
    if (QMessageBox::question(this, tr("Delete workflow"),
                              tr("Delete \"%1\"? Its runs keep their copy of it.").arg(definition.name))
        != QMessageBox::Yes)
        return;
    const QString id = definition.id;
    m_backend.engine([id](Engine &engine) { return engine.deleteWorkflow(id); })
        .then(this, [this](const Status &status) {
            if (!status) {
                setStatus(tr("Not deleted: %1").arg(status.error().message), true);
                return;
            }
            m_document->load(WorkflowDefinition());
            setStatus(tr("Deleted."));
            reload();
        });
}

void WorkflowsView::setEnabled(const QString &definitionId, bool enabled)
{
    m_backend
        .engine([definitionId, enabled](Engine &engine) {
            return enabled ? engine.enableWorkflow(definitionId) : engine.disableWorkflow(definitionId);
        })
        .then(this, [this, definitionId, enabled](const Status &status) {
            if (!status) {
                setStatus(tr("Could not change the workflow: %1").arg(status.error().message), true);
            } else if (definitionId == m_document->definition().id) {
                // Stored outside the undo history: enabling is an operation, not an edit.
                m_document->mutableDefinition().isEnabled = enabled;
                m_document->notifyChanged();
                updateActions();
            }
            reload();
        });
}

void WorkflowsView::restoreDefaults()
{
    m_backend.engine([](Engine &engine) { return engine.restoreDefaultWorkflows(); })
        .then(this, [this](const Result<std::vector<WorkflowDefinition>> &restored) {
            if (!restored) {
                setStatus(tr("Could not restore the default workflows: %1").arg(restored.error().message), true);
                return;
            }
            QStringList names;
            for (const WorkflowDefinition &definition : restored.value())
                names << definition.name;
            setStatus(names.isEmpty() ? tr("The default workflows are all there; nothing was changed.")
                                      : tr("Restored %n default workflow(s): %1.", nullptr, int(names.size()))
                                            .arg(names.join(QStringLiteral(", "))));
            reload();
        });
}

void WorkflowsView::testRun()
{
    const WorkflowDefinition &definition = m_document->definition();
    if (definition.id.isEmpty())
        return;
    if (m_document->isDirty()) {
        QMessageBox::information(this, tr("Test run"),
                                 tr("A test run uses the saved workflow. Save your changes first to test them."));
        return;
    }
    TestRunDialog dialog(definition, this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const Result<TriggerInput> input = dialog.input();
    if (!input)
        return;
    const QString id = definition.id;
    const TriggerInput sample = input.value();
    m_backend.engine([id, sample](Engine &engine) { return engine.testRun(id, sample); })
        .then(this, [this](const Result<QString> &runId) {
            if (!runId) {
                setStatus(tr("Test run refused: %1").arg(runId.error().message), true);
                return;
            }
            setStatus(tr("Test run %1 started (dry run).").arg(runId.value()));
            Q_EMIT m_navigator.openRun(runId.value());
        });
}

} // namespace vigil::ui
