// SPDX-License-Identifier: GPL-3.0-or-later
#include "runs/jsonview.h"

#include "common/icons.h"

#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace vigil::ui {

JsonView::JsonView(QWidget *parent)
    : QWidget(parent)
    , m_text(new QPlainTextEdit(this))
    , m_note(new QLabel(this))
    , m_showAll(new QPushButton(tr("Show all"), this))
{
    m_text->setReadOnly(true);
    m_text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_text->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_showAll->setIcon(icon(Icon::Open));
    connect(m_showAll, &QPushButton::clicked, this, &JsonView::showAll);

    auto *bar = new QHBoxLayout;
    bar->setContentsMargins(0, 0, 0, 0);
    bar->addWidget(m_note, 1);
    bar->addWidget(m_showAll);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_text, 1);
    layout->addLayout(bar);
    clear();
}

void JsonView::setJson(const Json &value)
{
    setText(QString::fromStdString(value.dump(2, ' ', false, Json::error_handler_t::replace)));
}

void JsonView::setText(const QString &text)
{
    m_full = text;
    const bool cut = m_full.size() > kPreviewChars;
    m_text->setPlainText(cut ? m_full.left(kPreviewChars) + QStringLiteral("\n…") : m_full);
    m_note->setText(cut ? tr("Showing %1 of %2 characters.")
                              .arg(QLocale().toString(kPreviewChars), QLocale().toString(m_full.size()))
                        : QString());
    m_note->setVisible(cut);
    m_showAll->setVisible(cut);
}

void JsonView::clear()
{
    setText(QString());
}

QString JsonView::text() const
{
    return m_text->toPlainText();
}

bool JsonView::isTruncated() const
{
    return m_showAll->isVisibleTo(this);
}

void JsonView::showAll()
{
    m_text->setPlainText(m_full);
    m_note->hide();
    m_showAll->hide();
}

} // namespace vigil::ui
