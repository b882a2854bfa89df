// SPDX-License-Identifier: GPL-3.0-or-later
#include "heartbeat/configfilewatcher.h"

#include <QFile>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QTimer>

namespace vigil {

namespace {
// Long enough to cover a writer's truncate-then-write, short enough to feel immediate.
constexpr int kSettleMs = 150;
} // namespace

ConfigFileWatcher::ConfigFileWatcher(const QString &path, QObject *parent)
    : QObject(parent)
    , m_path(QFileInfo(path).absoluteFilePath())
    , m_watcher(new QFileSystemWatcher(this))
    , m_settle(new QTimer(this))
{
    m_settle->setSingleShot(true);
    m_settle->setInterval(kSettleMs);
    connect(m_settle, &QTimer::timeout, this, &ConfigFileWatcher::check);
    connect(m_watcher, &QFileSystemWatcher::fileChanged, m_settle, qOverload<>(&QTimer::start));
    connect(m_watcher, &QFileSystemWatcher::directoryChanged, m_settle, qOverload<>(&QTimer::start));
    m_watcher->addPath(QFileInfo(m_path).absolutePath());
    rewatch();
    m_last = read();
}

ConfigFileWatcher::~ConfigFileWatcher() = default;

std::optional<QByteArray> ConfigFileWatcher::read() const
{
    QFile file(m_path);
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    return file.readAll();
}

void ConfigFileWatcher::rewatch()
{
    if (!m_watcher->files().contains(m_path) && QFileInfo::exists(m_path))
        m_watcher->addPath(m_path);
}

void ConfigFileWatcher::check()
{
    rewatch();
    std::optional<QByteArray> content = read();
    if (content == m_last)
        return;
    m_last = std::move(content);
    Q_EMIT changed();
}

} // namespace vigil
