// SPDX-License-Identifier: GPL-3.0-or-later
#include "runs/messagebar.h"

#include "common/icons.h"
#include "common/presentation.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QStyle>
#include <QToolButton>

namespace vigil::ui {

MessageBar::MessageBar(QWidget *parent)
    : QFrame(parent)
    , m_icon(new QLabel(this))
    , m_text(new QLabel(this))
    , m_close(new QToolButton(this))
{
    setFrameShape(QFrame::StyledPanel);
    m_text->setWordWrap(true);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_close->setIcon(style()->standardIcon(QStyle::SP_DialogCloseButton));
    m_close->setAutoRaise(true);
    m_close->setToolTip(tr("Close"));
    connect(m_close, &QToolButton::clicked, this, &QWidget::hide);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(6, 4, 4, 4);
    layout->addWidget(m_icon);
    layout->addWidget(m_text, 1);
    layout->addWidget(m_close, 0, Qt::AlignTop);
    hide();
}

void MessageBar::showError(const QString &text)
{
    present(text, true);
}

void MessageBar::showInfo(const QString &text)
{
    present(text, false);
}

QString MessageBar::text() const
{
    return m_text->text();
}

void MessageBar::present(const QString &text, bool error)
{
    m_error = error;
    const QStyle::StandardPixmap kind = error ? QStyle::SP_MessageBoxCritical : QStyle::SP_MessageBoxInformation;
    const int size = style()->pixelMetric(QStyle::PM_SmallIconSize, nullptr, this);
    m_icon->setPixmap(style()->standardIcon(kind).pixmap(size, size));
    m_text->setText(text);
    // Only the frame takes the state colour; the text keeps the palette's, so it reads on
    // light and dark themes alike.
    const QColor accent = error ? runStatusColor(RunStatus::Failed) : runStatusColor(RunStatus::Running);
    setStyleSheet(QStringLiteral("vigil--ui--MessageBar { border: 1px solid %1; border-left: 4px solid %1; }")
                      .arg(accent.name()));
    show();
}

} // namespace vigil::ui
