// SPDX-License-Identifier: GPL-3.0-or-later
#include "mainwindow.h"

namespace vigil::ui {

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
{
    setWindowTitle(tr("Vigil"));
}

} // namespace vigil::ui
