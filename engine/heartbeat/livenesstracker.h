// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Liveness of the fleet, as pure logic over explicit times (so tests drive the clock):
// every agent that is expected to report has one deadline, kept in a min-heap; the owner
// sleeps until nextDeadline() and calls expire(now), which touches only the agents that are
// due. Nothing here ever scans the fleet after load().
//
// The states (DESIGN.md "Heartbeats"): an agent is late once its expected time has passed
// without a heartbeat (lastSeenAt + interval, or the next firing of its cron schedule), and
// down after the grace on top; going down raises `heartbeat.missed` with misses = 1, and
// every further interval (or cron slot) without a heartbeat raises it again with misses + 1.
// A heartbeat after a miss (or a failure report) raises `heartbeat.recovered`; a failure
// report raises `heartbeat.failed`. New agents (never heard) and paused ones have no
// deadline and raise nothing.

#include "model/agent.h"

#include <array>
#include <memory>
#include <optional>
#include <queue>
#include <unordered_map>
#include <vector>

namespace vigil {

class CronExpression;

namespace liveness {

enum class SignalKind { None, Missed, Recovered, Failed };

// One agent's change: its new state fields (written to the store) and the signal it raises.
struct Change
{
    QString agentId;
    AgentState state = AgentState::Up;
    qint64 lastSeenMs = 0; // epoch ms; 0 = never
    int misses = 0;
    bool stateChanged = false;
    qint64 stateChangedMs = 0;
    SignalKind signal = SignalKind::None;
    Json payload;          // the signal's payload
    QString dedupKey;      // agent, last-seen time and miss count
    qint64 deadlineMs = 0; // for a miss: the deadline it was due at (lateness)
};

struct Entry
{
    QString id;
    QString tenantId;
    std::optional<QString> environment;
    qint64 intervalMs = 60000;
    qint64 graceMs = 60000;
    std::shared_ptr<const CronExpression> schedule; // cron agents; null = every interval
    QString timezone;
    std::optional<QByteArray> key;
    AgentState state = AgentState::New;
    qint64 lastSeenMs = 0;
    int misses = 0;
    qint64 downSinceMs = 0;
    qint64 stateChangedMs = 0;
    qint64 expectedMs = 0; // cron agents: the slot the next deadline belongs to
    qint64 deadlineMs = 0; // 0 = none
    quint32 generation = 0;
};

class Tracker
{
public:
    Tracker();
    ~Tracker();

    // Loads the fleet at start. Vigil heard nobody while it was down, so every agent that
    // is expected to report gets a fresh interval (or cron slot) + grace from `nowMs` before
    // it can be declared missed: an outage never fires a storm of misses.
    void load(const std::vector<Agent> &agents, qint64 nowMs);

    // Adds an agent or takes a changed configuration (interval, grace, key, schedule,
    // tenant...). State fields are taken only for a new entry.
    void configure(const Agent &agent, qint64 nowMs);
    // Takes the stored state of an agent another node heard (its lastSeenAt is newer).
    void adopt(const Agent &agent, qint64 nowMs);
    void remove(const QString &id);
    std::optional<Change> pause(const QString &id, qint64 nowMs);
    std::optional<Change> resume(const QString &id, qint64 nowMs);

    const Entry *find(const QString &id) const;
    std::size_t size() const { return m_entries.size(); }

    // A heartbeat at `atMs`. Ping and exit code 0 mean alive; Fail and a non-zero exit code
    // mean the job reported a failure; Start and Log change nothing. Unknown ids: nullopt.
    std::optional<Change> heartbeat(const QString &id, HeartbeatKind kind, qint64 atMs,
                                    std::optional<int> exitCode = std::nullopt,
                                    const std::optional<QString> &message = std::nullopt);

    // The earliest pending deadline; nullopt when nothing is expected.
    std::optional<qint64> nextDeadline();
    // Applies every deadline at or before `nowMs`; at most `limit` changes per call (the
    // rest stay due), so a huge wave is handled in slices.
    std::vector<Change> expire(qint64 nowMs, std::size_t limit = 100000);

    // Agents by state (the metrics' gauge); counted incrementally.
    const std::array<int, 5> &stateCounts() const { return m_counts; }

private:
    struct Due
    {
        qint64 at;
        quint32 generation;
        QString id;
        bool operator>(const Due &other) const { return at > other.at; }
    };

    void schedule(Entry &entry, qint64 deadlineMs);
    qint64 expectedAfter(const Entry &entry, qint64 afterMs) const;
    void setState(Entry &entry, AgentState state, qint64 atMs, Change &change);
    Change changeOf(const Entry &entry) const;

    std::unordered_map<QString, Entry> m_entries;
    quint64 m_failureSequence = 0;
    std::priority_queue<Due, std::vector<Due>, std::greater<>> m_heap;
    std::array<int, 5> m_counts {};
};

} // namespace liveness
} // namespace vigil
