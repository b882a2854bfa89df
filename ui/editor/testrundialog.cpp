// SPDX-License-Identifier: GPL-3.0-or-later
#include "testrundialog.h"

#include "model/workflow.h"

#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace vigil::ui {

Json TestRunDialog::sampleFor(const WorkflowDefinition &definition)
{
    const QString now = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
    Json sample {
        { "tenantId", toStd(definition.tenantId) },
        { "source", "editor" },
        { "type", toStd(definition.triggerType) },
        { "resourceType", toStd(definition.resourceTypeFilter.value_or(QStringLiteral("agent"))) },
        { "resourceId", "sample-agent" },
        { "payload", Json { { "lastSeenAt", toStd(now) }, { "downForMs", 60000 } } },
    };
    if (definition.environmentFilter)
        sample["environment"] = toStd(*definition.environmentFilter);
    return sample;
}

TestRunDialog::TestRunDialog(const WorkflowDefinition &definition, QWidget *parent)
    : QDialog(parent)
    , m_text(new QPlainTextEdit(this))
    , m_error(new QLabel(this))
{
    setWindowTitle(tr("Test run of %1").arg(definition.name));
    auto *layout = new QVBoxLayout(this);
    auto *about = new QLabel(tr("The sample signal below starts one dry run of the saved workflow: conditions are "
                                "evaluated, actions and delays are skipped, no other workflow runs."),
                             this);
    about->setWordWrap(true);
    layout->addWidget(about);
    m_text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_text->setPlainText(QString::fromStdString(sampleFor(definition).dump(2)));
    layout->addWidget(m_text, 1);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #d92d20"));
    layout->addWidget(m_error);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Start dry run"));
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        const Result<TriggerInput> parsed = input();
        if (!parsed) {
            m_error->setText(parsed.error().message);
            return;
        }
        accept();
    });
    resize(560, 420);
}

Result<TriggerInput> TestRunDialog::input() const
{
    const Result<Json> json = parseJson(m_text->toPlainText());
    if (!json)
        return json.error();
    if (!json->is_object())
        return makeError(ErrorCode::Invalid, tr("expected a JSON object"));
    JsonReader reader(json.value(), QString());
    TriggerInput input;
    input.tenantId = reader.string("tenantId", true).value_or(QString());
    input.source = reader.string("source", true).value_or(QString());
    input.type = reader.string("type", true).value_or(QString());
    input.resourceType = reader.string("resourceType");
    input.resourceId = reader.string("resourceId");
    input.environment = reader.string("environment");
    input.payload = reader.object("payload").value_or(Json::object());
    if (!reader.ok())
        return reader.error();
    return input;
}

} // namespace vigil::ui
