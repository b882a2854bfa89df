// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The workflow's own properties, shown when no step is selected: name, description, tenant,
// trigger type (from the catalog, or any), filters, cron with its time zone and a preview
// of the next five firings, config JSON, enabled. Every edit pushes a document command.

#include <QWidget>

#include <functional>
#include <vector>

class QLabel;

namespace vigil::ui {

class WorkflowDocument;

class WorkflowPropertiesPanel final : public QWidget
{
    Q_OBJECT
public:
    explicit WorkflowPropertiesPanel(WorkflowDocument *document, QWidget *parent = nullptr);
    ~WorkflowPropertiesPanel() override;

    // "Next: ..." lines for the cron preview (empty expression: nothing).
    static QString cronPreview(const QString &expression, const QString &zoneId, const QDateTime &after);

private:
    void refresh();

    WorkflowDocument *m_document;
    QLabel *m_cronPreview = nullptr;
    std::vector<std::function<void()>> m_refreshers;
};

} // namespace vigil::ui
