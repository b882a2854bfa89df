// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A dismissable line above a view's content for what the engine refused ("run x cannot go
// from completed to running") or what an action did: errors stay until closed.

#include <QFrame>

class QLabel;
class QToolButton;

namespace vigil::ui {

class MessageBar final : public QFrame
{
    Q_OBJECT
public:
    explicit MessageBar(QWidget *parent = nullptr);

    void showError(const QString &text);
    void showInfo(const QString &text);
    QString text() const;
    bool isError() const { return m_error; }

private:
    void present(const QString &text, bool error);

    QLabel *m_icon = nullptr;
    QLabel *m_text = nullptr;
    QToolButton *m_close = nullptr;
    bool m_error = false;
};

} // namespace vigil::ui
