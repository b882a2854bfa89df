// SPDX-License-Identifier: GPL-3.0-or-later
#include "heartbeat/livenesstracker.h"

#include "core/isotime.h"
#include "workflow/cron.h"

namespace vigil::liveness {

namespace {

QString isoMs(qint64 ms)
{
    return ms ? toIsoUtc(QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC)) : QString();
}

// One line for a notification about a failure: the exit code, and the message's last
// non-empty line (a job's output ends with its error), cut to 200 characters.
QString failureSummary(std::optional<int> exitCode, const std::optional<QString> &message)
{
    QString line;
    if (message) {
        const QStringList lines = message->split(QLatin1Char('\n'));
        for (auto it = lines.crbegin(); it != lines.crend() && line.isEmpty(); ++it)
            line = it->trimmed();
        if (line.size() > 200)
            line = line.left(199) + QChar(0x2026);
    }
    const QString what = exitCode ? QStringLiteral("exit code %1").arg(*exitCode) : QStringLiteral("reported a failure");
    return line.isEmpty() ? what : what + QStringLiteral(": ") + line;
}

} // namespace

Tracker::Tracker() = default;
Tracker::~Tracker() = default;

const Entry *Tracker::find(const QString &id) const
{
    auto it = m_entries.find(id);
    return it == m_entries.end() ? nullptr : &it->second;
}

qint64 Tracker::expectedAfter(const Entry &entry, qint64 afterMs) const
{
    if (entry.schedule) {
        const Result<QTimeZone> zone = CronExpression::zone(entry.timezone);
        const QDateTime next = entry.schedule->nextAfter(QDateTime::fromMSecsSinceEpoch(afterMs, Qt::UTC),
                                                         zone ? zone.value() : QTimeZone::utc());
        if (next.isValid())
            return next.toMSecsSinceEpoch();
        return afterMs + 365LL * 24 * 3600 * 1000; // never fires: check again in a year
    }
    return afterMs + entry.intervalMs;
}

void Tracker::schedule(Entry &entry, qint64 deadlineMs)
{
    ++entry.generation;
    entry.deadlineMs = deadlineMs;
    if (deadlineMs > 0)
        m_heap.push(Due { deadlineMs, entry.generation, entry.id });
}

Change Tracker::changeOf(const Entry &entry) const
{
    Change change;
    change.agentId = entry.id;
    change.state = entry.state;
    change.lastSeenMs = entry.lastSeenMs;
    change.misses = entry.misses;
    change.stateChangedMs = entry.stateChangedMs;
    return change;
}

void Tracker::setState(Entry &entry, AgentState state, qint64 atMs, Change &change)
{
    if (entry.state != state) {
        --m_counts[std::size_t(entry.state)];
        ++m_counts[std::size_t(state)];
        entry.state = state;
        entry.stateChangedMs = atMs;
        change.stateChanged = true;
    }
    change.state = entry.state;
    change.stateChangedMs = entry.stateChangedMs;
}

static void copyConfig(Entry &entry, const Agent &agent)
{
    entry.tenantId = agent.tenantId;
    entry.environment = agent.environment;
    entry.intervalMs = qint64(std::max(1, agent.intervalSecs)) * 1000;
    entry.graceMs = qint64(std::max(0, agent.graceSecs)) * 1000;
    entry.key = agent.hmacKey ? std::optional<QByteArray>(agent.hmacKey->toUtf8()) : std::nullopt;
    entry.schedule.reset();
    entry.timezone = agent.timezone.value_or(QString());
    if (agent.schedule) {
        if (Result<CronExpression> cron = CronExpression::parse(*agent.schedule))
            entry.schedule = std::make_shared<const CronExpression>(std::move(cron).value());
    }
}

void Tracker::load(const std::vector<Agent> &agents, qint64 nowMs)
{
    m_entries.clear();
    m_heap = {};
    m_counts = {};
    m_entries.reserve(agents.size());
    for (const Agent &agent : agents)
        configure(agent, nowMs);
}

void Tracker::configure(const Agent &agent, qint64 nowMs)
{
    auto [it, inserted] = m_entries.try_emplace(agent.id);
    Entry &entry = it->second;
    const bool cronChanged = !inserted && (entry.schedule ? entry.schedule->toString() : QString())
        != agent.schedule.value_or(QString());
    const qint64 oldInterval = entry.intervalMs;
    const qint64 oldGrace = entry.graceMs;
    copyConfig(entry, agent);
    if (inserted) {
        entry.id = agent.id;
        entry.state = agent.state;
        entry.lastSeenMs = agent.lastSeenAt.isValid() ? agent.lastSeenAt.toMSecsSinceEpoch() : 0;
        entry.misses = agent.misses;
        entry.stateChangedMs = agent.stateChangedAt.isValid() ? agent.stateChangedAt.toMSecsSinceEpoch() : nowMs;
        entry.downSinceMs = agent.state == AgentState::Down ? entry.stateChangedMs : 0;
        ++m_counts[std::size_t(entry.state)];
        // A fresh interval (or slot) + grace from now, whatever happened while nobody listened.
        if (entry.state != AgentState::New && entry.state != AgentState::Paused) {
            entry.expectedMs = expectedAfter(entry, nowMs);
            schedule(entry, entry.expectedMs + (entry.state == AgentState::Up ? 0 : entry.graceMs));
        }
        return;
    }
    // A changed interval, grace or schedule takes effect from the last heartbeat.
    if ((cronChanged || oldInterval != entry.intervalMs || oldGrace != entry.graceMs) && entry.deadlineMs > 0) {
        const qint64 base = entry.lastSeenMs ? entry.lastSeenMs : nowMs;
        entry.expectedMs = expectedAfter(entry, base);
        if (entry.state == AgentState::Up)
            schedule(entry, std::max(entry.expectedMs, nowMs));
        else
            schedule(entry, std::max(entry.expectedMs + entry.graceMs, nowMs));
    }
}

void Tracker::adopt(const Agent &agent, qint64 nowMs)
{
    auto it = m_entries.find(agent.id);
    if (it == m_entries.end()) {
        configure(agent, nowMs);
        return;
    }
    Entry &entry = it->second;
    copyConfig(entry, agent);
    Change ignored;
    setState(entry, agent.state, agent.stateChangedAt.isValid() ? agent.stateChangedAt.toMSecsSinceEpoch() : nowMs,
             ignored);
    entry.lastSeenMs = agent.lastSeenAt.isValid() ? agent.lastSeenAt.toMSecsSinceEpoch() : 0;
    entry.misses = agent.misses;
    if (entry.state == AgentState::New || entry.state == AgentState::Paused || !entry.lastSeenMs) {
        schedule(entry, 0);
        return;
    }
    entry.expectedMs = expectedAfter(entry, entry.lastSeenMs);
    const qint64 due = entry.state == AgentState::Up ? entry.expectedMs : entry.expectedMs + entry.graceMs;
    schedule(entry, std::max(due, nowMs));
}

void Tracker::remove(const QString &id)
{
    auto it = m_entries.find(id);
    if (it == m_entries.end())
        return;
    --m_counts[std::size_t(it->second.state)];
    m_entries.erase(it); // its heap entries go stale and are dropped when they surface
}

std::optional<Change> Tracker::pause(const QString &id, qint64 nowMs)
{
    auto it = m_entries.find(id);
    if (it == m_entries.end())
        return std::nullopt;
    Entry &entry = it->second;
    Change change = changeOf(entry);
    setState(entry, AgentState::Paused, nowMs, change);
    entry.misses = 0;
    change.misses = 0;
    schedule(entry, 0);
    return change;
}

std::optional<Change> Tracker::resume(const QString &id, qint64 nowMs)
{
    auto it = m_entries.find(id);
    if (it == m_entries.end())
        return std::nullopt;
    Entry &entry = it->second;
    Change change = changeOf(entry);
    if (entry.state != AgentState::Paused)
        return change;
    // Resumed agents start afresh, as after a restart: a full interval + grace from now.
    setState(entry, entry.lastSeenMs ? AgentState::Up : AgentState::New, nowMs, change);
    if (entry.state == AgentState::Up) {
        entry.expectedMs = expectedAfter(entry, nowMs);
        schedule(entry, entry.expectedMs);
    }
    return change;
}

std::optional<Change> Tracker::heartbeat(const QString &id, HeartbeatKind kind, qint64 atMs,
                                         std::optional<int> exitCode, const std::optional<QString> &message)
{
    auto it = m_entries.find(id);
    if (it == m_entries.end())
        return std::nullopt;
    Entry &entry = it->second;
    Change change = changeOf(entry);
    if (kind == HeartbeatKind::Start || kind == HeartbeatKind::Log)
        return change;
    const bool failure = kind == HeartbeatKind::Fail || (kind == HeartbeatKind::Exit && exitCode.value_or(0) != 0);
    entry.lastSeenMs = std::max(entry.lastSeenMs, atMs);
    change.lastSeenMs = entry.lastSeenMs;
    if (entry.state == AgentState::Paused)
        return change; // recorded, nothing raised, no deadline
    const bool wasDown = entry.state == AgentState::Down;
    if (failure) {
        if (!wasDown)
            entry.downSinceMs = atMs;
        setState(entry, AgentState::Down, atMs, change);
        change.signal = SignalKind::Failed;
        change.payload = Json::object();
        if (message)
            change.payload["message"] = toStd(*message);
        else
            change.payload["message"] = nullptr;
        if (exitCode)
            change.payload["exitCode"] = *exitCode;
        change.payload["summary"] = toStd(failureSummary(exitCode, message));
        // Two failures of one agent can arrive within the same millisecond (a job's /fail,
        // then its exit code): both are real. Only the node that received a failure raises
        // it, so a local sequence number keeps them apart without losing the dedup of a
        // repeated raise.
        change.dedupKey = QStringLiteral("failed|%1|%2|%3").arg(id).arg(atMs).arg(++m_failureSequence);
    } else {
        if (wasDown) {
            change.signal = SignalKind::Recovered;
            const qint64 downForMs = std::max<qint64>(0, atMs - entry.downSinceMs);
            change.payload = { { "downSince", toStd(isoMs(entry.downSinceMs)) },
                               { "downForMs", downForMs },
                               { "downFor", toStd(durationText(downForMs)) },
                               { "misses", entry.misses } };
            change.dedupKey = QStringLiteral("recovered|%1|%2").arg(id).arg(atMs);
            entry.downSinceMs = 0;
        }
        entry.misses = 0;
        change.misses = 0;
        setState(entry, AgentState::Up, atMs, change);
    }
    entry.expectedMs = expectedAfter(entry, entry.lastSeenMs);
    // After a failure report the agent is down already; its next miss counts from the slot.
    schedule(entry, failure ? entry.expectedMs + entry.graceMs : entry.expectedMs);
    return change;
}

std::optional<qint64> Tracker::nextDeadline()
{
    while (!m_heap.empty()) {
        const Due &top = m_heap.top();
        auto it = m_entries.find(top.id);
        if (it != m_entries.end() && it->second.generation == top.generation)
            return top.at;
        m_heap.pop(); // stale: the agent heartbeated, changed or went away since
    }
    return std::nullopt;
}

std::vector<Change> Tracker::expire(qint64 nowMs, std::size_t limit)
{
    std::vector<Change> changes;
    while (!m_heap.empty() && changes.size() < limit) {
        const Due top = m_heap.top();
        if (top.at > nowMs)
            break;
        m_heap.pop();
        auto it = m_entries.find(top.id);
        if (it == m_entries.end() || it->second.generation != top.generation)
            continue;
        Entry &entry = it->second;
        Change change = changeOf(entry);
        change.deadlineMs = top.at;
        if (entry.state == AgentState::Up) {
            setState(entry, AgentState::Late, top.at, change);
            schedule(entry, entry.expectedMs + entry.graceMs);
        } else if (entry.state == AgentState::Late || entry.state == AgentState::Down) {
            if (entry.state == AgentState::Late)
                entry.downSinceMs = top.at;
            setState(entry, AgentState::Down, top.at, change);
            ++entry.misses;
            change.misses = entry.misses;
            change.signal = SignalKind::Missed;
            change.payload = { { "lastSeenAt", entry.lastSeenMs ? Json(toStd(isoMs(entry.lastSeenMs))) : Json() },
                               { "intervalSecs", entry.intervalMs / 1000 },
                               { "graceSecs", entry.graceMs / 1000 },
                               { "misses", entry.misses } };
            change.dedupKey = QStringLiteral("missed|%1|%2|%3").arg(entry.id).arg(entry.lastSeenMs).arg(entry.misses);
            // The next miss: one more interval (or the next cron slot) without a heartbeat.
            entry.expectedMs = expectedAfter(entry, entry.expectedMs);
            schedule(entry, std::max(entry.expectedMs + entry.graceMs, top.at + 1));
        } else {
            continue; // new or paused: nothing expected
        }
        changes.push_back(std::move(change));
    }
    return changes;
}

} // namespace vigil::liveness
