// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A small JSON text editor with a parse check: it answers the parsed value only when the
// text parses (and is of an allowed kind), and says why not under the text.

#include "model/json.h"

#include <QWidget>

class QLabel;
class QPlainTextEdit;

namespace vigil::ui {

class JsonEdit final : public QWidget
{
    Q_OBJECT
public:
    enum class Accept { Any, Object, Array, ObjectOrArray };
    explicit JsonEdit(Accept accept = Accept::Any, QWidget *parent = nullptr);

    // Shows `value` (null: empty text) unless the user is editing.
    void setValue(const Json &value);
    bool isEditing() const;
    QPlainTextEdit *textEdit() const { return m_text; }

Q_SIGNALS:
    // A parsed value after each edit that parses; null for empty text.
    void edited(const vigil::Json &value);

private:
    void check();

    Accept m_accept;
    QPlainTextEdit *m_text;
    QLabel *m_error;
    bool m_setting = false;
};

} // namespace vigil::ui
