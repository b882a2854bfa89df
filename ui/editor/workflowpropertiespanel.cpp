// SPDX-License-Identifier: GPL-3.0-or-later
#include "workflowpropertiespanel.h"

#include "backend/backend.h"
#include "common/presentation.h"
#include "editor/jsonedit.h"
#include "editor/workflowdocument.h"
#include "workflow/cron.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCompleter>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QTimeZone>
#include <QVBoxLayout>

namespace vigil::ui {

namespace {

Json optionalText(const QString &text) { return text.trimmed().isEmpty() ? Json() : Json(toStd(text.trimmed())); }
QString textOf(const Json &value) { return value.is_string() ? fromStd(value.get<std::string>()) : QString(); }

} // namespace

QString WorkflowPropertiesPanel::cronPreview(const QString &expression, const QString &zoneId, const QDateTime &after)
{
    if (expression.trimmed().isEmpty())
        return tr("No schedule: the workflow runs on signals only.");
    const Result<CronExpression> cron = CronExpression::parse(expression);
    if (!cron)
        return tr("Invalid: %1").arg(cron.error().message);
    const Result<QTimeZone> zone = CronExpression::zone(zoneId);
    if (!zone)
        return tr("Invalid: %1").arg(zone.error().message);
    const std::vector<QDateTime> firings = cron->nextFirings(after, zone.value(), 5);
    if (firings.empty())
        return tr("Never fires within five years.");
    QStringList lines { tr("Next firings:") };
    for (const QDateTime &at : firings)
        lines << at.toTimeZone(zone.value()).toString(QStringLiteral("ddd yyyy-MM-dd HH:mm t"));
    return lines.join(QLatin1Char('\n'));
}

WorkflowPropertiesPanel::WorkflowPropertiesPanel(WorkflowDocument *document, QWidget *parent)
    : QWidget(parent)
    , m_document(document)
{
    WorkflowDocument *doc = document;
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    auto *box = new QGroupBox(tr("Workflow"), this);
    auto *form = new QFormLayout(box);
    outer->addWidget(box);

    auto line = [&](const QString &label, WorkflowProperty property, const QString &objectName, bool optional,
                    const QString &placeholder = QString()) {
        auto *edit = new QLineEdit(box);
        edit->setObjectName(objectName);
        edit->setPlaceholderText(placeholder);
        form->addRow(label, edit);
        connect(edit, &QLineEdit::textEdited, this, [doc, property, optional](const QString &text) {
            doc->setProperty(property, optional ? optionalText(text) : Json(toStd(text)));
        });
        m_refreshers.push_back([edit, doc, property] {
            const QString text = textOf(workflowProperty(doc->definition(), property));
            if (!edit->hasFocus() && edit->text() != text)
                edit->setText(text);
        });
        return edit;
    };
    line(tr("&Name:"), WorkflowProperty::Name, QStringLiteral("workflowName"), false);
    line(tr("&Description:"), WorkflowProperty::Description, QStringLiteral("workflowDescription"), true);
    line(tr("&Tenant:"), WorkflowProperty::TenantId, QStringLiteral("workflowTenant"), false, QStringLiteral("default"));

    auto *trigger = new QComboBox(box);
    trigger->setObjectName(QStringLiteral("workflowTrigger"));
    trigger->setEditable(true);
    trigger->setInsertPolicy(QComboBox::NoInsert);
    trigger->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    trigger->setMinimumContentsLength(14);
    if (doc->catalog())
        trigger->addItems(doc->catalog()->triggerTypes);
    form->addRow(tr("T&rigger type:"), trigger);
    connect(trigger, &QComboBox::currentTextChanged, this, [doc, trigger](const QString &text) {
        if (trigger->property("refreshing").toBool())
            return;
        doc->setProperty(WorkflowProperty::TriggerType, toStd(text.trimmed()));
    });
    m_refreshers.push_back([trigger, doc] {
        // The catalog fills in once the backend started.
        if (trigger->count() == 0 && doc->catalog() && !doc->catalog()->triggerTypes.isEmpty()) {
            trigger->setProperty("refreshing", true);
            trigger->addItems(doc->catalog()->triggerTypes);
            trigger->setProperty("refreshing", false);
        }
        const QString text = doc->definition().triggerType;
        if (trigger->lineEdit()->hasFocus() || trigger->currentText() == text)
            return;
        trigger->setProperty("refreshing", true);
        trigger->setEditText(text);
        trigger->setProperty("refreshing", false);
    });

    line(tr("&Environment filter:"), WorkflowProperty::EnvironmentFilter, QStringLiteral("workflowEnvironment"), true,
         tr("any environment"));
    line(tr("Resource t&ype filter:"), WorkflowProperty::ResourceTypeFilter, QStringLiteral("workflowResourceType"), true,
         tr("any resource type"));

    auto *enabled = new QCheckBox(tr("Runs when its trigger fires"), box);
    enabled->setObjectName(QStringLiteral("workflowEnabled"));
    form->addRow(tr("Enabled:"), enabled);
    connect(enabled, &QCheckBox::clicked, this, [doc](bool on) { doc->setProperty(WorkflowProperty::IsEnabled, on); });
    m_refreshers.push_back([enabled, doc] { enabled->setChecked(doc->definition().isEnabled); });

    auto *schedule = new QGroupBox(tr("Schedule"), this);
    auto *scheduleForm = new QFormLayout(schedule);
    outer->addWidget(schedule);
    auto *cron = new QLineEdit(schedule);
    cron->setObjectName(QStringLiteral("workflowCron"));
    cron->setPlaceholderText(tr("minute hour day month weekday, e.g. 0 2 * * *"));
    scheduleForm->addRow(tr("&Cron:"), cron);
    connect(cron, &QLineEdit::textEdited, this,
            [doc](const QString &text) { doc->setProperty(WorkflowProperty::CronExpression, optionalText(text)); });
    m_refreshers.push_back([cron, doc] {
        const QString text = doc->definition().cronExpression.value_or(QString());
        if (!cron->hasFocus() && cron->text() != text)
            cron->setText(text);
    });
    auto *zone = new QComboBox(schedule);
    zone->setObjectName(QStringLiteral("workflowTimeZone"));
    zone->setEditable(true);
    zone->setInsertPolicy(QComboBox::NoInsert);
    // Some IANA ids are long: size to a short name, not to the longest one.
    zone->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    zone->setMinimumContentsLength(14);
    zone->addItem(QString());
    for (const QByteArray &id : QTimeZone::availableTimeZoneIds())
        zone->addItem(QString::fromLatin1(id));
    zone->lineEdit()->setPlaceholderText(tr("UTC"));
    zone->completer()->setCompletionMode(QCompleter::PopupCompletion);
    zone->completer()->setFilterMode(Qt::MatchContains);
    scheduleForm->addRow(tr("Time &zone:"), zone);
    connect(zone, &QComboBox::currentTextChanged, this, [doc, zone](const QString &text) {
        if (!zone->property("refreshing").toBool())
            doc->setProperty(WorkflowProperty::CronTimezone, optionalText(text));
    });
    m_refreshers.push_back([zone, doc] {
        const QString text = doc->definition().cronTimezone.value_or(QString());
        if (zone->lineEdit()->hasFocus() || zone->currentText() == text)
            return;
        zone->setProperty("refreshing", true);
        zone->setEditText(text);
        zone->setProperty("refreshing", false);
    });
    m_cronPreview = new QLabel(schedule);
    m_cronPreview->setObjectName(QStringLiteral("workflowCronPreview"));
    m_cronPreview->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_cronPreview->setWordWrap(true);
    scheduleForm->addRow(QString(), m_cronPreview);
    m_refreshers.push_back([this, doc] {
        const WorkflowDefinition &d = doc->definition();
        m_cronPreview->setText(cronPreview(d.cronExpression.value_or(QString()), d.cronTimezone.value_or(QString()),
                                           QDateTime::currentDateTimeUtc()));
    });

    auto *configBox = new QGroupBox(tr("Workflow config (JSON, ctx.config)"), this);
    auto *configLayout = new QVBoxLayout(configBox);
    auto *config = new JsonEdit(JsonEdit::Accept::Object, configBox);
    config->setObjectName(QStringLiteral("workflowConfig"));
    configLayout->addWidget(config);
    outer->addWidget(configBox);
    connect(config, &JsonEdit::edited, this, [doc](const Json &value) {
        doc->setProperty(WorkflowProperty::Config, value.is_null() ? Json::object() : value);
    });
    m_refreshers.push_back([config, doc] { config->setValue(doc->definition().config); });
    outer->addStretch();

    connect(doc, &WorkflowDocument::changed, this, &WorkflowPropertiesPanel::refresh);
    refresh();
}

WorkflowPropertiesPanel::~WorkflowPropertiesPanel() = default;

void WorkflowPropertiesPanel::refresh()
{
    for (const auto &refresher : m_refreshers)
        refresher();
}

} // namespace vigil::ui
