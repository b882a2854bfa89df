// SPDX-License-Identifier: GPL-3.0-or-later
#include "heartbeat/statssampler.h"

#include "model/json.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <cmath>
#include <sys/statvfs.h>
#include <unistd.h>

namespace vigil {

namespace {

constexpr double kMiB = 1024.0 * 1024.0;
constexpr double kGiB = kMiB * 1024.0;

double oneDecimal(double value)
{
    return std::round(value * 10.0) / 10.0;
}

std::optional<QByteArray> readFile(const QString &path)
{
    QFile file(path);
    // procfs files report size 0: read until the end instead of trusting size().
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    return file.readAll();
}

// The value of a "Name:\tvalue unit" line of /proc/<pid>/status, as its first number.
std::optional<quint64> statusField(const QByteArray &status, QByteArrayView name)
{
    for (const QByteArray &line : status.split('\n')) {
        if (!line.startsWith(name) || line.size() <= name.size() || line[name.size()] != ':')
            continue;
        const QList<QByteArray> parts = line.mid(name.size() + 1).simplified().split(' ');
        bool ok = false;
        const quint64 value = parts.value(0).toULongLong(&ok);
        if (ok)
            return value;
    }
    return std::nullopt;
}

// utime + stime of /proc/<pid>/stat (fields 14 and 15). The command name (field 2) sits in
// parentheses and may itself hold spaces and parentheses, so count from the last ')'.
std::optional<quint64> cpuTicks(const QByteArray &stat)
{
    const qsizetype close = stat.lastIndexOf(')');
    if (close < 0)
        return std::nullopt;
    const QList<QByteArray> fields = stat.mid(close + 1).simplified().split(' ');
    // fields[0] is field 3 (state), so field n is fields[n - 3].
    bool userOk = false;
    bool systemOk = false;
    const quint64 user = fields.value(14 - 3).toULongLong(&userOk);
    const quint64 system = fields.value(15 - 3).toULongLong(&systemOk);
    if (!userOk || !systemOk)
        return std::nullopt;
    return user + system;
}

} // namespace

std::optional<DiskSpace> statDiskSpace(const QString &path)
{
    struct statvfs info = {};
    if (::statvfs(QFile::encodeName(path).constData(), &info) != 0)
        return std::nullopt;
    const quint64 unit = info.f_frsize ? info.f_frsize : info.f_bsize;
    return DiskSpace { quint64(info.f_blocks) * unit, quint64(info.f_blocks - info.f_bfree) * unit,
        quint64(info.f_bavail) * unit };
}

StatsSampler::StatsSampler(Measures measures, Sources sources)
    : m_measures(measures)
    , m_sources(std::move(sources))
{
    if (m_sources.ticksPerSecond <= 0)
        m_sources.ticksPerSecond = ::sysconf(_SC_CLK_TCK);
}

std::optional<double> StatsSampler::cpuPercent()
{
    const QString path = m_sources.procRoot + QStringLiteral("/self/stat");
    const std::optional<QByteArray> stat = readFile(path);
    const std::optional<quint64> ticks = stat ? cpuTicks(*stat) : std::nullopt;
    if (!ticks) {
        m_problems.append(QStringLiteral("cpu: cannot read the process's CPU time from %1").arg(path));
        return std::nullopt;
    }
    const Clock::time_point now = m_sources.now();
    const auto previous = std::exchange(m_lastCpu, std::make_pair(*ticks, now));
    if (!previous || *ticks < previous->first)
        return 0.0;
    const double wallSeconds = std::chrono::duration<double>(now - previous->second).count();
    if (wallSeconds <= 0.0)
        return 0.0;
    const double cpuSeconds = double(*ticks - previous->first) / double(m_sources.ticksPerSecond);
    return oneDecimal(100.0 * cpuSeconds / wallSeconds);
}

Json StatsSampler::sample()
{
    m_problems.clear();
    Json stats = Json::object();
    const QString self = m_sources.procRoot + QStringLiteral("/self");

    if (m_measures.cpu) {
        if (const std::optional<double> percent = cpuPercent())
            stats["cpu"] = { { "cpu_usage", *percent } };
    }

    if (m_measures.memory || m_measures.threads) {
        const QString path = self + QStringLiteral("/status");
        const std::optional<QByteArray> status = readFile(path);
        const auto field = [&](const char *measure, QByteArrayView name) -> std::optional<quint64> {
            const std::optional<quint64> value = status ? statusField(*status, name) : std::nullopt;
            if (!value)
                m_problems.append(QStringLiteral("%1: no %2 line in %3")
                                      .arg(QLatin1String(measure), QString::fromLatin1(name), path));
            return value;
        };
        if (m_measures.memory) {
            if (const std::optional<quint64> rssKiB = field("memory", "VmRSS"))
                stats["memory"] = { { "memory_usage", oneDecimal(double(*rssKiB) * 1024.0 / kMiB) } };
        }
        if (m_measures.threads) {
            if (const std::optional<quint64> threads = field("threads", "Threads"))
                stats["threads"] = { { "threads", *threads } };
        }
    }

    if (m_measures.disk) {
        if (const std::optional<DiskSpace> disk = m_sources.diskSpace(m_sources.diskPath)) {
            stats["disk"] = { { "disk_total", oneDecimal(double(disk->totalBytes) / kGiB) },
                { "disk_used", oneDecimal(double(disk->usedBytes) / kGiB) },
                { "disk_free", oneDecimal(double(disk->freeBytes) / kGiB) } };
        } else {
            m_problems.append(
                QStringLiteral("disk: cannot read the file system of %1").arg(m_sources.diskPath));
        }
    }

    if (m_measures.files || m_measures.fds) {
        const QString path = self + QStringLiteral("/fd");
        const QDir fdDir(path);
        if (!fdDir.exists()) {
            m_problems.append(QStringLiteral("files, fds: cannot list %1").arg(path));
        } else {
            // Listing the directory opens a descriptor of its own, counted like any other (as
            // ls /proc/self/fd and psutil do).
            const QStringList entries
                = fdDir.entryList(QDir::AllEntries | QDir::System | QDir::NoDotAndDotDot);
            if (m_measures.fds)
                stats["fds"] = { { "fds", entries.size() } };
            if (m_measures.files) {
                // An fd entry is a link; following it (stat, not lstat) reaches the open file
                // itself, even a deleted one. Sockets, pipes and anonymous inodes lead nowhere.
                qint64 files = 0;
                for (const QString &entry : entries) {
                    if (QFileInfo(fdDir.filePath(entry)).isFile())
                        ++files;
                }
                stats["files"] = { { "files", files } };
            }
        }
    }
    return stats;
}

} // namespace vigil
