// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The agent's own health as seed 004's nested stats object, read from procfs and statvfs
// (Linux). Only the enabled measures appear; a measure whose source cannot be read is left
// out and named in problems(), so one unreadable file never costs the whole heartbeat.
//
//   {"cpu":     {"cpu_usage": 12.5},          percent of one core, this process (user + system
//                                              time) between two samples over the wall time
//                                              between them; 0.0 at the first sample; > 100
//                                              when several threads run at once (as top shows)
//    "memory":  {"memory_usage": 84.2},        resident set size (VmRSS) in MiB
//    "disk":    {"disk_total": 512.0,          GiB of the file system holding diskPath; used
//                "disk_used": 210.4,           as df counts it (blocks - free blocks), free as
//                "disk_free": 301.6},          available to unprivileged users, so total can
//                                              exceed used + free by the reserved blocks
//    "threads": {"threads": 14},               this process's threads (Threads: of status)
//    "files":   {"files": 23},                 open descriptors that are regular files
//    "fds":     {"fds": 31}}                   open descriptors (entries of self/fd)
//
// Fractional values are rounded to one decimal. The sources are injectable (a procfs root,
// a disk path, a statvfs stand-in and a clock), so tests read fixture files.

#include <QString>
#include <QStringList>
#include <chrono>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <optional>

namespace vigil {

using Json = nlohmann::json;

struct Measures
{
    bool cpu = true;
    bool memory = true;
    bool disk = false;
    bool threads = false;
    bool files = false;
    bool fds = false;

    bool operator==(const Measures &) const = default;
};

struct DiskSpace
{
    quint64 totalBytes = 0;
    quint64 usedBytes = 0;
    quint64 freeBytes = 0;
};

// statvfs(2) on `path`; nullopt when it fails.
std::optional<DiskSpace> statDiskSpace(const QString &path);

// Where a StatsSampler reads from.
struct SamplerSources
{
    QString procRoot = QStringLiteral("/proc"); // reads self/stat, self/status, self/fd
    QString diskPath = QStringLiteral("/");
    std::function<std::optional<DiskSpace>(const QString &)> diskSpace = statDiskSpace;
    std::function<std::chrono::steady_clock::time_point()> now
        = [] { return std::chrono::steady_clock::now(); };
    long ticksPerSecond = 0; // 0: sysconf(_SC_CLK_TCK)
};

class StatsSampler
{
public:
    using Clock = std::chrono::steady_clock;
    using Sources = SamplerSources;

    explicit StatsSampler(Measures measures = {}, Sources sources = {});

    void setMeasures(const Measures &measures) { m_measures = measures; }
    const Measures &measures() const { return m_measures; }

    Json sample();
    // What the last sample() left out and why ("cpu: cannot read /proc/self/stat").
    const QStringList &problems() const { return m_problems; }

private:
    std::optional<double> cpuPercent();

    Measures m_measures;
    Sources m_sources;
    QStringList m_problems;
    // The CPU baseline: the process's ticks at the previous sample, and when it was taken.
    std::optional<std::pair<quint64, Clock::time_point>> m_lastCpu;
};

} // namespace vigil
