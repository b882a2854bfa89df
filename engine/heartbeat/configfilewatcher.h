// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Tells when a file's content has changed, for reloading a config file. QFileSystemWatcher
// alone loses a file that is replaced by a rename (editors, QSaveFile, config management all
// save that way): the watch goes with the old inode. So the folder is watched as well, the
// file's watch is re-added whenever it is missing, and events are coalesced for a moment
// (a non-atomic writer fires several) before the content is compared with what was last
// reported: touching the file, or changing another file in its folder, reports nothing.

#include <QByteArray>
#include <QObject>
#include <QString>
#include <optional>

class QFileSystemWatcher;
class QTimer;

namespace vigil {

class ConfigFileWatcher final : public QObject
{
    Q_OBJECT
public:
    // The current content counts as seen: only later changes are reported.
    explicit ConfigFileWatcher(const QString &path, QObject *parent = nullptr);
    ~ConfigFileWatcher() override;

    const QString &path() const { return m_path; }

Q_SIGNALS:
    // The content differs from the last report (or became unreadable, or readable again).
    void changed();

private:
    std::optional<QByteArray> read() const;
    void rewatch();
    void check();

    QString m_path;
    QFileSystemWatcher *m_watcher = nullptr;
    QTimer *m_settle = nullptr;
    std::optional<QByteArray> m_last;
};

} // namespace vigil
