// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The selected step's properties, built from its handler's config schema: a typed field per
// ConfigField, the handler from the catalog, retry policy, timeout, onFalse, delay. Every
// edit pushes a document command at once (the commands merge consecutive edits of a field).
// The form is rebuilt only when the step, its kind or its handler changes; otherwise values
// are refreshed in place so typing keeps its focus.

#include "editor/steppath.h"

#include <QWidget>

class QFormLayout;

namespace vigil::ui {

class WorkflowDocument;

class StepPropertiesPanel final : public QWidget
{
    Q_OBJECT
public:
    explicit StepPropertiesPanel(WorkflowDocument *document, QWidget *parent = nullptr);
    ~StepPropertiesPanel() override;

    void setStep(const std::optional<StepPath> &path);
    std::optional<StepPath> step() const { return m_path; }

private:
    void rebuild();
    void refresh();
    void addConfigFields(QFormLayout *form);

    WorkflowDocument *m_document;
    std::optional<StepPath> m_path;
    QString m_builtFor; // path + type + handler the form was built for
    QWidget *m_body = nullptr;
    std::vector<std::function<void()>> m_refreshers; // put the document's values into the widgets
};

} // namespace vigil::ui
