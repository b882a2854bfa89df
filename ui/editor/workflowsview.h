// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The Workflows screen: the stored workflows on the left (name, trigger, enabled switch,
// version, last run), the editor of the selected one on the right, and the commands that
// move a definition between the two: New, Save (create, or update with the version it was
// loaded at, so a concurrent edit is refused, not overwritten), Import/Export of Pulse JSON,
// Undo/Redo, Delete, Enable/Disable and a Test run (a dry run from a sample signal).

#include <QFuture>
#include <QWidget>

class QAction;
class QLabel;
class QTableView;

namespace vigil::ui {

class Backend;
class Navigator;
class Settings;
class WorkflowDocument;
class WorkflowEditor;
class WorkflowListModel;

class WorkflowsView final : public QWidget
{
    Q_OBJECT
public:
    WorkflowsView(Backend &backend, Settings &settings, Navigator &navigator, QWidget *parent = nullptr);
    ~WorkflowsView() override;

    WorkflowDocument *document() const { return m_document; }
    WorkflowEditor *editor() const { return m_editor; }
    WorkflowListModel *listModel() const { return m_model; }
    QTableView *listView() const { return m_list; }
    QString statusText() const;
    QAction *saveAction() const { return m_save; }
    QAction *restoreDefaultsAction() const { return m_restoreDefaults; }

    // Reloads the list (and the last-run column); keeps the selection.
    void reload();
    // Opens a stored workflow in the editor (asks before discarding unsaved edits).
    void openWorkflow(const QString &definitionId);
    // A blank workflow in the editor, unsaved.
    void newWorkflow();
    // Saves the document: create or update. The future finishes when the engine answered.
    QFuture<void> save();
    // Pulse JSON: one definition opens in the editor unsaved; several are created at once.
    bool importFile(const QString &path);
    bool exportFile(const QString &path) const;
    // True when there are no unsaved edits or the user agreed to drop them (asks).
    bool confirmDiscard();

Q_SIGNALS:
    void reloaded();
    void saved(const QString &definitionId, int version);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    // false when the user cancelled; true when there was nothing to lose or it may go.
    void setStatus(const QString &text, bool error = false);
    void updateActions();
    void deleteCurrent();
    void setEnabled(const QString &definitionId, bool enabled);
    void testRun();
    void restoreDefaults();
    void showInList(const QString &definitionId);

    Backend &m_backend;
    Settings &m_settings;
    Navigator &m_navigator;
    WorkflowDocument *m_document;
    WorkflowEditor *m_editor;
    WorkflowListModel *m_model;
    QTableView *m_list;
    QLabel *m_status;
    QAction *m_new;
    QAction *m_save;
    QAction *m_import;
    QAction *m_export;
    QAction *m_undo;
    QAction *m_redo;
    QAction *m_delete;
    QAction *m_toggleEnabled;
    QAction *m_testRun;
    QAction *m_restoreDefaults;
    quint64 m_reloadId = 0; // drops a stale list answer
    bool m_selecting = false;
};

} // namespace vigil::ui
