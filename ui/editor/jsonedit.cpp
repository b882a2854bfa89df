// SPDX-License-Identifier: GPL-3.0-or-later
#include "jsonedit.h"

#include <QFontDatabase>
#include <QLabel>
#include <QPlainTextEdit>
#include <QVBoxLayout>

namespace vigil::ui {

JsonEdit::JsonEdit(Accept accept, QWidget *parent)
    : QWidget(parent)
    , m_accept(accept)
    , m_text(new QPlainTextEdit(this))
    , m_error(new QLabel(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    m_text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_text->setTabChangesFocus(true);
    m_text->setMinimumHeight(60);
    m_text->setMaximumHeight(140);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #d92d20"));
    m_error->hide();
    layout->addWidget(m_text);
    layout->addWidget(m_error);
    connect(m_text, &QPlainTextEdit::textChanged, this, &JsonEdit::check);
}

void JsonEdit::setValue(const Json &value)
{
    if (isEditing())
        return;
    const QString text = value.is_null() ? QString() : QString::fromStdString(value.dump(2));
    if (text == m_text->toPlainText())
        return;
    m_setting = true;
    m_text->setPlainText(text);
    m_setting = false;
    m_error->hide();
}

bool JsonEdit::isEditing() const { return m_text->hasFocus(); }

void JsonEdit::check()
{
    if (m_setting)
        return;
    const QString text = m_text->toPlainText().trimmed();
    if (text.isEmpty()) {
        m_error->hide();
        Q_EMIT edited(Json());
        return;
    }
    const Result<Json> parsed = parseJson(text);
    QString error;
    if (!parsed)
        error = tr("Not valid JSON: %1").arg(parsed.error().message);
    else if ((m_accept == Accept::Object && !parsed->is_object()) || (m_accept == Accept::Array && !parsed->is_array())
             || (m_accept == Accept::ObjectOrArray && !parsed->is_object() && !parsed->is_array()))
        error = m_accept == Accept::Array ? tr("Expected a JSON array") : tr("Expected a JSON object");
    m_error->setText(error);
    m_error->setVisible(!error.isEmpty());
    if (error.isEmpty())
        Q_EMIT edited(parsed.value());
}

} // namespace vigil::ui
