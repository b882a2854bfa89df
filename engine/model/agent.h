// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The heartbeat side: agents (anything that sends heartbeats), the heartbeats themselves
// (kept as history) and the incidents workflows open for them.

#include "model/json.h"

namespace vigil {

enum class AgentState { New, Up, Late, Down, Paused };
QString toString(AgentState state);
std::optional<AgentState> agentStateFromString(QStringView text);

struct Agent
{
    QString id;
    QString tenantId = QStringLiteral("default");
    std::optional<QString> environment;
    QStringList tags;
    int intervalSecs = 60;
    int graceSecs = 60;
    std::optional<QString> hmacKey; // never written by toJson: answered only when set
    // A cron-style agent (healthchecks.io's cron checks): expected per `schedule` in
    // `timezone` instead of every intervalSecs.
    std::optional<QString> schedule;
    std::optional<QString> timezone;
    AgentState state = AgentState::New;
    QDateTime lastSeenAt;
    int misses = 0; // consecutive missed intervals
    Json lastStats; // seed-004 stats shape; null when none
    QDateTime stateChangedAt;
    QDateTime createdAt;
    QDateTime updatedAt;
};

enum class HeartbeatKind { Ping, Start, Fail, Exit, Log };
QString toString(HeartbeatKind kind);
std::optional<HeartbeatKind> heartbeatKindFromString(QStringView text);

struct Heartbeat
{
    qint64 id = 0; // assigned by the store
    QString agentId;
    QDateTime receivedAt;
    HeartbeatKind kind = HeartbeatKind::Ping;
    std::optional<int> exitCode;
    std::optional<QString> message;
    Json stats; // null when none
    std::optional<QString> sourceAddress;
    std::optional<QString> rid;        // pairs a /start with its finish
    std::optional<qint64> durationMs; // set on the finish of a paired run
};

enum class IncidentStatus { Open, Resolved };
QString toString(IncidentStatus status);
std::optional<IncidentStatus> incidentStatusFromString(QStringView text);

struct Incident
{
    QString id;
    QString tenantId;
    std::optional<QString> definitionId; // the workflow that opened it
    std::optional<QString> runId;
    QString resourceType;
    QString resourceId;
    QString title;
    QString severity = QStringLiteral("medium");
    IncidentStatus status = IncidentStatus::Open;
    Json details; // null when none
    QDateTime openedAt;
    QDateTime resolvedAt;
    std::optional<QString> resolvedByRunId;
    QDateTime updatedAt;
};

// Agent ids: [A-Za-z0-9._:@-]{1,128}, everywhere (collector, API, agent).
bool isValidAgentId(QStringView id);
// Invalid with a message naming the rule when `id` breaks it.
Status checkAgentId(QStringView id);

Json toJson(const Agent &agent); // without hmacKey; `hasKey` tells whether one is set
Json toJson(const Heartbeat &heartbeat);
Json toJson(const Incident &incident);
template<> Result<Agent> fromJson<Agent>(const Json &json);
template<> Result<Heartbeat> fromJson<Heartbeat>(const Json &json);
template<> Result<Incident> fromJson<Incident>(const Json &json);

} // namespace vigil
