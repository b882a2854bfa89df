// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Icons for every action: the desktop's icon theme when it has one, else a standard icon of
// the Qt style (always there, also offscreen and under Xvfb).

#include <QIcon>

namespace vigil::ui {

enum class Icon {
    Fleet, Runs, Workflows, Signals, Incidents, Overview, Settings,
    Pause, Resume, Edit, Delete, Key, Copy, Refresh,
    Retry, Replay, DryRun, Cancel, Open,
    New, Save, Import, Export, Undo, Redo, Validate, TestRun,
    Tiles, Table, Quit, About, ZoomIn, ZoomOut, ZoomFit,
};

QIcon icon(Icon which);

} // namespace vigil::ui
