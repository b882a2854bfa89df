// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// "Test run": an editable sample signal (type = the workflow's trigger type, payload
// pre-filled) that the view hands to Engine::testRun, a dry run of this one workflow.

#include "model/signal.h"
#include "model/workflow.h"

#include <QDialog>

class QLabel;
class QPlainTextEdit;

namespace vigil::ui {

class TestRunDialog final : public QDialog
{
    Q_OBJECT
public:
    explicit TestRunDialog(const WorkflowDefinition &definition, QWidget *parent = nullptr);

    // The sample for a definition: its tenant, trigger type, filters, and a payload with
    // the fields Vigil's heartbeat signals carry.
    static Json sampleFor(const WorkflowDefinition &definition);
    // The edited signal; an error names what is wrong with the text.
    Result<TriggerInput> input() const;

private:
    QPlainTextEdit *m_text;
    QLabel *m_error;
};

} // namespace vigil::ui
