// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// `vigil-agent exec -- CMD ARGS...`: wraps a job (a cron script, a backup) the way
// healthchecks.io's runners do. Pings /start, runs the command with our stdin, stdout and
// stderr passed through, then reports /0 on success or /{exitCode} with the tail of the
// command's combined output as the message; both pings carry one random `rid`, so the
// collector pairs them and knows the duration. The command's exit code is the answer: 127
// when it cannot be started, 128 + N when signal N killed it (as a shell reports it).
// Heartbeats that cannot be delivered are warned about and never change that code: the
// monitoring must not break the job it watches. Stdout targets are skipped here (stdout is
// the command's).

#include "heartbeat/agentconfig.h"

#include <QByteArray>
#include <QCoroTask>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>

class QProcess;

namespace vigil {

class HeartbeatClient;

// The last `limit` bytes of a stream, as text that starts on a whole UTF-8 character.
class OutputTail
{
public:
    explicit OutputTail(qsizetype limit)
        : m_limit(limit)
    { }
    void append(const QByteArray &data);
    bool truncated() const { return m_truncated; }
    // "…" first when the start of the stream was cut.
    QString text() const;

private:
    qsizetype m_limit;
    QByteArray m_data;
    bool m_truncated = false;
};

inline constexpr qsizetype kOutputTailBytes = 4096;
inline constexpr qsizetype kMaxReportBodyBytes = 10 * 1024;

// {"message": message} compact, cut from the front until it fits in `maxBytes`.
QByteArray reportBody(const QString &message, qsizetype maxBytes = kMaxReportBodyBytes);

struct CommandOutcome
{
    int exitCode = 0;
    QString startError; // why the command could not be started (exit code 127)
};

class CommandReporter final : public QObject
{
    Q_OBJECT
public:
    explicit CommandReporter(AgentConfig config, QObject *parent = nullptr);
    ~CommandReporter() override;

    // Runs the command to its end and answers its exit code (see above).
    QCoro::Task<CommandOutcome> run(QString program, QStringList arguments);
    // Passes SIGTERM or SIGINT on to the running command: it ends, and its end is reported.
    // Before the command started, it is not started at all (and reported as ended by it).
    void forwardSignal(int signalNumber);

private:
    QCoro::Task<> report(QString suffix, QString rid, QByteArray body, int attempts);

    AgentConfig m_config;
    HeartbeatClient *m_client = nullptr;
    QPointer<QProcess> m_process;
    int m_stopSignal = 0;
};

} // namespace vigil
