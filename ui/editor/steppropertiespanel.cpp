// SPDX-License-Identifier: GPL-3.0-or-later
#include "steppropertiespanel.h"

#include "backend/backend.h"
#include "editor/jsonedit.h"
#include "editor/workflowdocument.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <limits>

namespace vigil::ui {

namespace {

constexpr int kUnsetInt = std::numeric_limits<int>::min();
constexpr double kUnsetNumber = -1e15;

QString typeLabel(StepType type)
{
    switch (type) {
    case StepType::Action: return StepPropertiesPanel::tr("Action");
    case StepType::Condition: return StepPropertiesPanel::tr("Condition");
    case StepType::Delay: return StepPropertiesPanel::tr("Delay");
    case StepType::Parallel: return StepPropertiesPanel::tr("Parallel");
    }
    return QString();
}

QString defaultText(const ConfigField &field)
{
    return field.defaultValue.is_null() ? StepPropertiesPanel::tr("(not set)")
                                        : StepPropertiesPanel::tr("(default: %1)").arg(QString::fromStdString(field.defaultValue.dump()));
}

} // namespace

StepPropertiesPanel::StepPropertiesPanel(WorkflowDocument *document, QWidget *parent)
    : QWidget(parent)
    , m_document(document)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    connect(m_document, &WorkflowDocument::changed, this, [this] {
        if (!m_path || !stepAt(m_document->definition(), *m_path))
            return setStep(std::nullopt);
        rebuild();
    });
}

StepPropertiesPanel::~StepPropertiesPanel() = default;

void StepPropertiesPanel::setStep(const std::optional<StepPath> &path)
{
    m_path = path;
    m_builtFor.clear();
    rebuild();
}

void StepPropertiesPanel::rebuild()
{
    const WorkflowStep *step = m_path ? stepAt(m_document->definition(), *m_path) : nullptr;
    const QString key = step ? m_path->toString() + QLatin1Char('|') + toString(step->type) + QLatin1Char('|')
                                   + step->handlerName() + QLatin1Char('|') + QString::number(step->branches.size())
                             : QString();
    if (key == m_builtFor && m_body)
        return refresh();
    m_builtFor = key;
    m_refreshers.clear();
    delete m_body;
    m_body = new QWidget(this);
    layout()->addWidget(m_body);
    auto *outer = new QVBoxLayout(m_body);
    outer->setContentsMargins(0, 0, 0, 0);
    if (!step) {
        outer->addStretch();
        return;
    }
    const StepPath path = *m_path;
    WorkflowDocument *doc = m_document;
    auto current = [doc, path]() { return stepAt(doc->definition(), path); };

    auto *general = new QGroupBox(tr("%1 step").arg(typeLabel(step->type)), m_body);
    auto *form = new QFormLayout(general);
    outer->addWidget(general);

    auto *pathLabel = new QLabel(path.toString(), general);
    pathLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(tr("Path:"), pathLabel);

    auto *name = new QLineEdit(general);
    name->setObjectName(QStringLiteral("stepName"));
    form->addRow(tr("&Name:"), name);
    connect(name, &QLineEdit::textEdited, this,
            [doc, path](const QString &text) { doc->setStepField(path, StepField::Name, toStd(text)); });
    m_refreshers.push_back([name, current] {
        if (!name->hasFocus() && name->text() != current()->name)
            name->setText(current()->name);
    });

    if (step->type == StepType::Action || step->type == StepType::Condition) {
        const bool isAction = step->type == StepType::Action;
        auto *handler = new QComboBox(general);
        handler->setObjectName(QStringLiteral("stepHandler"));
        handler->addItem(tr("(same as the step name)"), QString());
        const Catalog *catalog = doc->catalog();
        const HandlerInfo *info = nullptr;
        if (catalog) {
            for (const HandlerInfo &one : isAction ? catalog->actions : catalog->conditions)
                handler->addItem(one.name, one.name);
            info = isAction ? catalog->action(step->handlerName()) : catalog->condition(step->handlerName());
        }
        const QString chosen = step->handler.value_or(QString());
        if (handler->findData(chosen) < 0)
            handler->addItem(tr("%1 (not registered)").arg(chosen), chosen);
        handler->setCurrentIndex(handler->findData(chosen));
        form->addRow(isAction ? tr("&Action:") : tr("&Condition:"), handler);
        connect(handler, &QComboBox::activated, this, [doc, path, handler](int index) {
            const QString value = handler->itemData(index).toString();
            doc->setStepField(path, StepField::Handler, value.isEmpty() ? Json() : Json(toStd(value)));
        });
        if (info && !info->description.isEmpty()) {
            auto *about = new QLabel(info->description, general);
            about->setWordWrap(true);
            about->setForegroundRole(QPalette::PlaceholderText);
            form->addRow(QString(), about);
        }
        addConfigFields(form);
    }

    if (step->type == StepType::Delay) {
        auto *delay = new QSpinBox(general);
        delay->setObjectName(QStringLiteral("stepDelay"));
        delay->setRange(0, int(std::min<qint64>(kMaxDelayMs / 1000, std::numeric_limits<int>::max())));
        delay->setSuffix(tr(" s"));
        delay->setSpecialValueText(tr("(not set)"));
        form->addRow(tr("&Delay:"), delay);
        connect(delay, &QSpinBox::valueChanged, this, [doc, path](int seconds) {
            doc->setStepField(path, StepField::DelayMs, seconds == 0 ? Json() : Json(qint64(seconds) * 1000));
        });
        m_refreshers.push_back([delay, current] {
            const QSignalBlocker block(delay);
            if (!delay->hasFocus())
                delay->setValue(int(current()->delayMs.value_or(0) / 1000));
        });
    }

    if (step->type == StepType::Condition) {
        auto *row = new QWidget(general);
        auto *h = new QHBoxLayout(row);
        h->setContentsMargins(0, 0, 0, 0);
        auto *kind = new QComboBox(row);
        kind->setObjectName(QStringLiteral("stepOnFalse"));
        kind->addItem(tr("Complete the run"), QStringLiteral("complete"));
        kind->addItem(tr("Skip the next step"), QStringLiteral("skip"));
        kind->addItem(tr("Skip the next N steps"), QStringLiteral("n"));
        auto *count = new QSpinBox(row);
        count->setRange(1, 100);
        h->addWidget(kind, 1);
        h->addWidget(count);
        form->addRow(tr("When &false:"), row);
        auto push = [doc, path, kind, count] {
            const QString which = kind->currentData().toString();
            doc->setStepField(path, StepField::OnFalse,
                              which == QLatin1String("n") ? Json(count->value()) : Json(toStd(which)));
        };
        connect(kind, &QComboBox::activated, this, push);
        connect(count, &QSpinBox::valueChanged, this, push);
        m_refreshers.push_back([kind, count, current] {
            const QSignalBlocker b1(kind);
            const QSignalBlocker b2(count);
            const std::optional<OnFalse> onFalse = current()->onFalse;
            const OnFalse::Kind k = onFalse ? onFalse->kind : OnFalse::Kind::Complete;
            kind->setCurrentIndex(k == OnFalse::Kind::Complete ? 0 : (k == OnFalse::Kind::Skip ? 1 : 2));
            count->setEnabled(k == OnFalse::Kind::SkipSteps);
            if (onFalse && k == OnFalse::Kind::SkipSteps)
                count->setValue(onFalse->steps);
        });
    }

    if (step->type == StepType::Action || step->type == StepType::Condition) {
        auto *timeout = new QSpinBox(general);
        timeout->setObjectName(QStringLiteral("stepTimeout"));
        timeout->setRange(0, std::numeric_limits<int>::max());
        timeout->setSingleStep(1000);
        timeout->setSuffix(tr(" ms"));
        timeout->setSpecialValueText(tr("(none)"));
        form->addRow(tr("&Timeout:"), timeout);
        connect(timeout, &QSpinBox::valueChanged, this, [doc, path](int ms) {
            doc->setStepField(path, StepField::TimeoutMs, ms == 0 ? Json() : Json(qint64(ms)));
        });
        m_refreshers.push_back([timeout, current] {
            const QSignalBlocker block(timeout);
            if (!timeout->hasFocus())
                timeout->setValue(int(current()->timeoutMs.value_or(0)));
        });

        auto *retry = new QGroupBox(tr("&Retry on failure"), m_body);
        retry->setObjectName(QStringLiteral("stepRetry"));
        retry->setCheckable(true);
        auto *retryForm = new QFormLayout(retry);
        auto *attempts = new QSpinBox(retry);
        attempts->setRange(1, 10);
        auto *backoff = new QSpinBox(retry);
        backoff->setRange(100, 300000);
        backoff->setSingleStep(500);
        backoff->setSuffix(tr(" ms"));
        retryForm->addRow(tr("Max attempts:"), attempts);
        retryForm->addRow(tr("Backoff:"), backoff);
        outer->addWidget(retry);
        auto push = [doc, path, retry, attempts, backoff] {
            doc->setStepField(path, StepField::RetryPolicy,
                              retry->isChecked() ? Json { { "maxAttempts", attempts->value() }, { "backoffMs", backoff->value() } }
                                                 : Json());
        };
        connect(retry, &QGroupBox::toggled, this, push);
        connect(attempts, &QSpinBox::valueChanged, this, push);
        connect(backoff, &QSpinBox::valueChanged, this, push);
        m_refreshers.push_back([retry, attempts, backoff, current] {
            const QSignalBlocker b1(retry);
            const QSignalBlocker b2(attempts);
            const QSignalBlocker b3(backoff);
            const std::optional<RetryPolicy> policy = current()->retryPolicy;
            retry->setChecked(bool(policy));
            for (QObject *child : retry->children()) {
                if (auto *w = qobject_cast<QWidget *>(child))
                    w->setEnabled(bool(policy));
            }
            attempts->setValue(policy ? policy->maxAttempts : 3);
            backoff->setValue(int(policy ? policy->backoffMs : 1000));
        });
    }

    if (step->type == StepType::Parallel) {
        auto *row = new QWidget(general);
        auto *h = new QHBoxLayout(row);
        h->setContentsMargins(0, 0, 0, 0);
        auto *add = new QPushButton(tr("Add branch"), row);
        auto *remove = new QPushButton(tr("Remove last branch"), row);
        remove->setEnabled(step->branches.size() > 2);
        h->addWidget(add);
        h->addWidget(remove);
        h->addStretch();
        form->addRow(tr("Branches: %1").arg(step->branches.size()), row);
        connect(add, &QPushButton::clicked, this, [doc, path] { doc->addBranch(path); });
        connect(remove, &QPushButton::clicked, this, [doc, path, current] {
            doc->removeBranch(path, int(current()->branches.size()) - 1);
        });
    }

    // Problems of this step, in words, next to its fields.
    auto *problems = new QLabel(m_body);
    problems->setWordWrap(true);
    problems->setStyleSheet(QStringLiteral("color: #d92d20"));
    outer->addWidget(problems);
    m_refreshers.push_back([problems, doc, path] {
        QStringList lines;
        for (const ValidationProblem &problem : doc->problemsOf(path))
            lines << problem.text();
        problems->setText(lines.join(QLatin1Char('\n')));
        problems->setVisible(!lines.isEmpty());
    });
    outer->addStretch();
    refresh();
}

void StepPropertiesPanel::addConfigFields(QFormLayout *form)
{
    const WorkflowStep *step = stepAt(m_document->definition(), *m_path);
    const Catalog *catalog = m_document->catalog();
    const HandlerInfo *info = !catalog ? nullptr
        : step->type == StepType::Action ? catalog->action(step->handlerName())
                                         : catalog->condition(step->handlerName());
    const StepPath path = *m_path;
    WorkflowDocument *doc = m_document;
    auto value = [doc, path](const QString &key) { return stepField(*stepAt(doc->definition(), path), StepField::ConfigKey, key); };
    auto set = [doc, path](const QString &key, const Json &v) { doc->setStepField(path, StepField::ConfigKey, v, key); };
    QWidget *parent = form->parentWidget();

    if (info) {
        for (const ConfigField &field : info->configSchema) {
            const QString key = field.name;
            QString label = field.name + (field.required ? QStringLiteral(" *:") : QStringLiteral(":"));
            QWidget *editor = nullptr;
            if (field.type == ConfigField::Type::String && !field.choices.isEmpty()) {
                auto *combo = new QComboBox(parent);
                combo->addItem(defaultText(field), QString());
                for (const QString &choice : field.choices)
                    combo->addItem(choice, choice);
                connect(combo, &QComboBox::activated, this, [combo, set, key](int index) {
                    const QString v = combo->itemData(index).toString();
                    set(key, v.isEmpty() ? Json() : Json(toStd(v)));
                });
                m_refreshers.push_back([combo, value, key] {
                    const Json v = value(key);
                    const QString text = v.is_string() ? fromStd(v.get<std::string>()) : QString();
                    int index = combo->findData(text);
                    if (index < 0) { // a template or a value the schema does not list
                        combo->addItem(text, text);
                        index = combo->count() - 1;
                    }
                    combo->setCurrentIndex(index);
                });
                editor = combo;
            } else if (field.type == ConfigField::Type::String) {
                auto *line = new QLineEdit(parent);
                line->setPlaceholderText(defaultText(field));
                connect(line, &QLineEdit::textEdited, this,
                        [set, key](const QString &text) { set(key, text.isEmpty() ? Json() : Json(toStd(text))); });
                m_refreshers.push_back([line, value, key] {
                    const Json v = value(key);
                    const QString text = v.is_string() ? fromStd(v.get<std::string>()) : (v.is_null() ? QString() : fromStd(v.dump()));
                    if (!line->hasFocus() && line->text() != text)
                        line->setText(text);
                });
                editor = line;
            } else if (field.type == ConfigField::Type::Integer) {
                auto *spin = new QSpinBox(parent);
                spin->setRange(kUnsetInt, std::numeric_limits<int>::max());
                spin->setSpecialValueText(defaultText(field));
                connect(spin, &QSpinBox::valueChanged, this,
                        [set, key](int v) { set(key, v == kUnsetInt ? Json() : Json(v)); });
                m_refreshers.push_back([spin, value, key] {
                    const QSignalBlocker block(spin);
                    const Json v = value(key);
                    if (!spin->hasFocus())
                        spin->setValue(v.is_number() ? v.get<int>() : kUnsetInt);
                });
                editor = spin;
            } else if (field.type == ConfigField::Type::Number) {
                auto *spin = new QDoubleSpinBox(parent);
                spin->setRange(kUnsetNumber, 1e15);
                spin->setDecimals(3);
                spin->setSpecialValueText(defaultText(field));
                connect(spin, &QDoubleSpinBox::valueChanged, this,
                        [set, key](double v) { set(key, v <= kUnsetNumber ? Json() : Json(v)); });
                m_refreshers.push_back([spin, value, key] {
                    const QSignalBlocker block(spin);
                    const Json v = value(key);
                    if (!spin->hasFocus())
                        spin->setValue(v.is_number() ? v.get<double>() : kUnsetNumber);
                });
                editor = spin;
            } else if (field.type == ConfigField::Type::Boolean) {
                // Three states: absent (the handler's default), true, false.
                auto *combo = new QComboBox(parent);
                combo->addItem(defaultText(field));
                combo->addItem(tr("true"));
                combo->addItem(tr("false"));
                connect(combo, &QComboBox::activated, this,
                        [set, key](int index) { set(key, index == 0 ? Json() : Json(index == 1)); });
                m_refreshers.push_back([combo, value, key] {
                    const Json v = value(key);
                    combo->setCurrentIndex(v.is_boolean() ? (v.get<bool>() ? 1 : 2) : 0);
                });
                editor = combo;
            } else {
                const JsonEdit::Accept accept = field.type == ConfigField::Type::Object ? JsonEdit::Accept::Object
                    : (field.type == ConfigField::Type::Array || field.type == ConfigField::Type::StringList)
                    ? JsonEdit::Accept::Array
                    : JsonEdit::Accept::Any;
                auto *json = new JsonEdit(accept, parent);
                json->textEdit()->setPlaceholderText(defaultText(field));
                connect(json, &JsonEdit::edited, this, [set, key](const Json &v) { set(key, v); });
                m_refreshers.push_back([json, value, key] { json->setValue(value(key)); });
                editor = json;
            }
            editor->setObjectName(QStringLiteral("config_") + key);
            editor->setToolTip(field.description);
            auto *labelWidget = new QLabel(label, parent);
            labelWidget->setToolTip(field.description);
            form->addRow(labelWidget, editor);
        }
    }
    // The whole config as JSON: for handlers the catalog does not know, keys outside the
    // schema, and templates in typed fields.
    auto *whole = new JsonEdit(JsonEdit::Accept::Object, parent);
    whole->setObjectName(QStringLiteral("stepConfigJson"));
    whole->textEdit()->setPlaceholderText(tr("{ } (no config)"));
    connect(whole, &JsonEdit::edited, this, [doc, path](const Json &v) { doc->setStepField(path, StepField::Config, v); });
    m_refreshers.push_back([whole, doc, path] { whole->setValue(stepAt(doc->definition(), path)->config); });
    form->addRow(info ? tr("Config as JSON:") : tr("Config (JSON):"), whole);
}

void StepPropertiesPanel::refresh()
{
    for (const auto &refresher : m_refreshers)
        refresher();
}

} // namespace vigil::ui
