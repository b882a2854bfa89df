// SPDX-License-Identifier: GPL-3.0-or-later
#include "problemmodel.h"

#include "common/icons.h"
#include "editor/steppath.h"

#include <QApplication>
#include <QStyle>

namespace vigil::ui {

void ProblemModel::setProblems(std::vector<ValidationProblem> problems)
{
    beginResetModel();
    m_problems = std::move(problems);
    endResetModel();
}

int ProblemModel::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : int(m_problems.size()); }

QVariant ProblemModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ValidationProblem &problem = m_problems[size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole: return problem.text();
    case Qt::ToolTipRole: return problem.text();
    case Qt::DecorationRole: return QApplication::style()->standardIcon(QStyle::SP_MessageBoxWarning);
    case PathRole: return problem.path;
    case MessageRole: return problem.message;
    case StepPathRole: {
        const std::optional<StepPath> path = StepPath::fromProblemPath(problem.path);
        return path ? path->toString() : QString();
    }
    }
    return {};
}

} // namespace vigil::ui
