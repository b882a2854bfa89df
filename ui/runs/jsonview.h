// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Indented JSON in a read-only monospace text box. Large documents are cut at kPreviewChars
// with a "Show all" button (STYLE.md 14: a 5 MB payload must not freeze the view).

#include "model/json.h"

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QPushButton;

namespace vigil::ui {

class JsonView final : public QWidget
{
    Q_OBJECT
public:
    static constexpr int kPreviewChars = 64 * 1024;

    explicit JsonView(QWidget *parent = nullptr);

    void setJson(const Json &value);
    // A plain message instead of a document (an error text, "no result").
    void setText(const QString &text);
    void clear();
    QString text() const;
    bool isTruncated() const;

public Q_SLOTS:
    void showAll();

private:
    QPlainTextEdit *m_text = nullptr;
    QLabel *m_note = nullptr;
    QPushButton *m_showAll = nullptr;
    QString m_full;
};

} // namespace vigil::ui
