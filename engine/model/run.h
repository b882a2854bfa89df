// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Runs, step runs, timeline entries and execution logs, in Pulse's JSON shape, with the
// durable-scheduling fields Vigil adds to step runs (attempt, lease owner and expiry).

#include "model/workflow.h"

namespace vigil {

enum class RunStatus { Pending, Running, Waiting, Completed, Failed, Canceled };
QString toString(RunStatus status);
std::optional<RunStatus> runStatusFromString(QStringView text);
bool isTerminal(RunStatus status);
// Pulse's state machine: pending -> running, canceled; running -> waiting, completed,
// failed, canceled; waiting -> running, canceled; failed -> running (retry).
bool isAllowedTransition(RunStatus from, RunStatus to);

enum class StepStatus { Pending, Scheduled, Running, Completed, Failed, Skipped };
QString toString(StepStatus status);
std::optional<StepStatus> stepStatusFromString(QStringView text);

struct WorkflowRun
{
    QString id;
    QString definitionId;
    QString tenantId;
    QString triggerId;
    RunStatus status = RunStatus::Pending;
    Json context = Json::object();
    int currentStepIndex = 0;
    bool isReplay = false;
    bool isDryRun = false; // beyond Pulse: a dry-run replay skips every action and delay
    WorkflowDefinition definitionSnapshot;
    QDateTime startedAt;
    QDateTime completedAt;
    QDateTime failedAt;
    QDateTime canceledAt;
    std::optional<QString> cancelReason;
    QDateTime createdAt;
    QDateTime updatedAt;
};

struct WorkflowStepRun
{
    QString id;
    QString runId;
    QString tenantId;
    int stepIndex = 0;
    StepType stepType = StepType::Action;
    QString stepName;
    StepStatus status = StepStatus::Pending;
    QDateTime scheduledFor;
    QDateTime startedAt;
    QDateTime completedAt;
    Json result; // null when absent
    std::optional<QString> errorMessage;
    std::optional<int> branchIndex;
    std::optional<QString> parentStepRunId;
    QDateTime createdAt;
    // Beyond Pulse: durable scheduling.
    int attempt = 0;      // raised by each claim
    int attemptFloor = 0; // attempt when retryRun last reset it: maxAttempts counts from here
    std::optional<QString> leaseOwner;
    QDateTime leaseExpiresAt;
};

// One attempt of a step (beyond Pulse: every attempt is recorded, and shown as a bar).
enum class AttemptStatus { Running, Completed, Failed, TimedOut, Canceled, Lost, Skipped };
QString toString(AttemptStatus status);
std::optional<AttemptStatus> attemptStatusFromString(QStringView text);

struct StepAttempt
{
    QString stepRunId;
    QString runId;
    int attempt = 1;
    QString owner;
    QDateTime scheduledFor; // when it was due: startedAt - scheduledFor is its lateness
    QDateTime startedAt;
    QDateTime endedAt;
    AttemptStatus status = AttemptStatus::Running;
    std::optional<QString> error;
};

enum class TimelineType {
    RunCreated,
    RunCompleted,
    RunFailed,
    RunCanceled,
    StepScheduled,
    StepStarted,
    StepCompleted,
    StepFailed,
    StepSkipped,
    Log,
    // Beyond Pulse:
    StepRetrying, // an attempt failed and another is scheduled
    RunRetried,   // retryRun resumed a failed run
};
QString toString(TimelineType type);
std::optional<TimelineType> timelineTypeFromString(QStringView text);

struct RunTimelineEntry
{
    QDateTime timestamp;
    TimelineType type = TimelineType::Log;
    std::optional<int> stepIndex;
    std::optional<QString> stepName;
    std::optional<QString> stepType;
    Json detail; // null when absent
};

enum class LogLevel { Info, Warn, Error };
QString toString(LogLevel level);
std::optional<LogLevel> logLevelFromString(QStringView text);

struct ExecutionLog
{
    QString id;
    QString runId;
    std::optional<QString> stepRunId;
    QString tenantId;
    LogLevel level = LogLevel::Info;
    QString message;
    Json data; // null when absent
    QDateTime createdAt;
};

Json toJson(const WorkflowRun &run);
Json toJson(const WorkflowStepRun &step);
Json toJson(const RunTimelineEntry &entry);
Json toJson(const StepAttempt &attempt);
Json toJson(const ExecutionLog &log);
template<> Result<WorkflowRun> fromJson<WorkflowRun>(const Json &json);
template<> Result<WorkflowStepRun> fromJson<WorkflowStepRun>(const Json &json);
template<> Result<RunTimelineEntry> fromJson<RunTimelineEntry>(const Json &json);
template<> Result<ExecutionLog> fromJson<ExecutionLog>(const Json &json);
template<> Result<StepAttempt> fromJson<StepAttempt>(const Json &json);

} // namespace vigil
