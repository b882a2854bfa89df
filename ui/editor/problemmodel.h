// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The validation problems of the document, for the list under the canvas.

#include "workflow/validation.h"

#include <QAbstractListModel>

namespace vigil::ui {

class ProblemModel final : public QAbstractListModel
{
    Q_OBJECT
public:
    enum Roles { PathRole = Qt::UserRole, MessageRole, StepPathRole /* the node's path, or empty */ };
    using QAbstractListModel::QAbstractListModel;

    void setProblems(std::vector<ValidationProblem> problems);
    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;

private:
    std::vector<ValidationProblem> m_problems;
};

} // namespace vigil::ui
