// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/mainwindow.h"

#include "backend/backend.h"
#include "common/icons.h"
#include "settings/settings.h"

#include <QCloseEvent>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QStackedWidget>
#include <QStatusBar>
#include <QHBoxLayout>

namespace vigil::ui {

MainWindow::MainWindow(Backend &backend, Settings &settings, QWidget *parent)
    : QMainWindow(parent)
    , m_backend(backend)
    , m_settings(settings)
{
    setWindowTitle(tr("Vigil"));
    auto *central = new QWidget(this);
    auto *layout = new QHBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    m_sidebar = new QListWidget(central);
    m_sidebar->setFixedWidth(150);
    m_stack = new QStackedWidget(central);
    layout->addWidget(m_sidebar);
    layout->addWidget(m_stack, 1);
    setCentralWidget(central);
    connect(m_sidebar, &QListWidget::currentRowChanged, m_stack, &QStackedWidget::setCurrentIndex);

    m_counts = new QLabel(this);
    m_listen = new QLabel(this);
    m_database = new QLabel(this);
    statusBar()->addWidget(m_counts, 1);
    statusBar()->addPermanentWidget(m_listen);
    statusBar()->addPermanentWidget(m_database);
    m_counts->setText(tr("Starting…"));

    connect(&m_backend, &Backend::started, this, &MainWindow::onStarted);
    connect(&m_backend, &Backend::startFailed, this, &MainWindow::onStartFailed);
    restoreGeometry(m_settings.windowGeometry());
}

MainWindow::~MainWindow() = default;

void MainWindow::addView(View view, QWidget *widget, const QIcon &icon, const QString &title, const QKeySequence &shortcut)
{
    Q_UNUSED(view);
    Q_UNUSED(shortcut);
    m_stack->addWidget(widget);
    new QListWidgetItem(icon, title, m_sidebar);
}

void MainWindow::showView(View view)
{
    m_sidebar->setCurrentRow(int(view));
}

QWidget *MainWindow::viewWidget(View view) const
{
    return m_stack->widget(int(view));
}

void MainWindow::createMenus() { }

void MainWindow::onStarted()
{
    m_listen->setText(tr("Listening on %1").arg(m_backend.listenAddress()));
    m_database->setText(m_backend.databaseDescription());
}

void MainWindow::onStartFailed(const QString &message)
{
    m_counts->setText(tr("Cannot start: %1").arg(message));
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    m_settings.setWindowGeometry(saveGeometry());
    m_settings.setWindowState(saveState());
    QMainWindow::closeEvent(event);
}

} // namespace vigil::ui
