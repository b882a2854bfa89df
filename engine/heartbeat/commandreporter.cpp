// SPDX-License-Identifier: GPL-3.0-or-later
#include "heartbeat/commandreporter.h"

#include "core/logging.h"
#include "heartbeat/heartbeatclient.h"
#include "heartbeat/heartbeatsender.h"
#include "model/json.h"

#include <QCoroSignal>
#include <QCoroTimer>
#include <QProcess>
#include <QUuid>
#include <algorithm>
#include <csignal>
#include <cstdio>

namespace vigil {

namespace {

constexpr int kCannotStart = 127;
constexpr int kKilledBySignal = 128;

void writeTo(FILE *stream, const QByteArray &data)
{
    std::fwrite(data.constData(), 1, size_t(data.size()), stream);
    std::fflush(stream);
}

} // namespace

void OutputTail::append(const QByteArray &data)
{
    m_data += data;
    // Trim now and then rather than on every chunk: a chatty command costs one copy per limit.
    if (m_data.size() > 2 * m_limit) {
        m_data.remove(0, m_data.size() - m_limit);
        m_truncated = true;
    }
}

QString OutputTail::text() const
{
    qsizetype start = std::max<qsizetype>(0, m_data.size() - m_limit);
    const bool cut = m_truncated || start > 0;
    // Never start inside a UTF-8 sequence: skip continuation bytes (10xxxxxx).
    while (cut && start < m_data.size() && (uchar(m_data[start]) & 0xC0) == 0x80)
        ++start;
    const QString text = QString::fromUtf8(m_data.mid(start));
    return cut ? QStringLiteral("…") + text : text;
}

QByteArray reportBody(const QString &message, qsizetype maxBytes)
{
    QString kept = message;
    bool cut = false;
    for (;;) {
        const QByteArray body
            = dumpJson(Json { { "message", toStd(cut ? QStringLiteral("…") + kept : kept) } });
        if (body.size() <= maxBytes || kept.isEmpty())
            return body;
        // Escapes make the JSON up to six times the text: keep the share of the text that
        // should fit, and keep its end (the error is usually in the last lines).
        const double share = double(maxBytes - 16) / double(body.size());
        kept = kept.right(std::clamp<qsizetype>(qsizetype(double(kept.size()) * share), 0, kept.size() - 1));
        cut = true;
    }
}

CommandReporter::CommandReporter(AgentConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_client(new HeartbeatClient(this))
{ }

CommandReporter::~CommandReporter() = default;

void CommandReporter::forwardSignal(int signalNumber)
{
    if (m_process && m_process->processId() > 0)
        ::kill(pid_t(m_process->processId()), signalNumber);
    else if (!m_stopSignal)
        m_stopSignal = signalNumber;
}

QCoro::Task<> CommandReporter::report(QString suffix, QString rid, QByteArray body, int attempts)
{
    const QPointer<CommandReporter> self(this);
    const HeartbeatBackoff backoff;
    const std::vector<HeartbeatTarget> targets = m_config.targets;
    HeartbeatClient *client = m_client;
    for (const HeartbeatTarget &target : targets) {
        if (target.type != HeartbeatTarget::Type::Vigil)
            continue;
        const QUrl url = heartbeatUrl(target.url, target.agentId, suffix, rid);
        for (int attempt = 0; attempt < attempts; ++attempt) {
            if (attempt > 0)
                co_await QCoro::sleepFor(backoff.delay(attempt - 1));
            const PostOutcome outcome = co_await client->post(url, target.key, body);
            if (!self)
                co_return;
            if (outcome.ok())
                break;
            if (!outcome.retryable() || attempt + 1 == attempts) {
                qCWarning(lcAgent).noquote()
                    << QStringLiteral("could not report %1: %2").arg(url.toString(), outcome.describe());
                break;
            }
        }
    }
}

QCoro::Task<CommandOutcome> CommandReporter::run(QString program, QStringList arguments)
{
    const QPointer<CommandReporter> self(this);
    const QString rid = QUuid::createUuid().toString(QUuid::WithoutBraces);
    co_await report(QStringLiteral("start"), rid, {}, 1);
    if (!self)
        co_return CommandOutcome { kCannotStart, QStringLiteral("stopped") };

    OutputTail tail(kOutputTailBytes);
    QProcess process;
    m_process = &process;
    process.setProgram(program);
    process.setArguments(arguments);
    process.setInputChannelMode(QProcess::ForwardedInputChannel);
    // Read our way (not ForwardedChannels) to keep the tail, then pass everything on.
    connect(&process, &QProcess::readyReadStandardOutput, &process, [&process, &tail] {
        const QByteArray data = process.readAllStandardOutput();
        writeTo(stdout, data);
        tail.append(data);
    });
    connect(&process, &QProcess::readyReadStandardError, &process, [&process, &tail] {
        const QByteArray data = process.readAllStandardError();
        writeTo(stderr, data);
        tail.append(data);
    });

    CommandOutcome outcome { kCannotStart, {} };
    QString note;
    if (m_stopSignal) {
        // Stopped while /start was under way: the job is not begun at all.
        outcome.exitCode = kKilledBySignal + m_stopSignal;
        note = QStringLiteral("stopped by signal %1 before the command started").arg(m_stopSignal);
    } else {
        process.start();
        // Blocks for the fork and exec only; nothing else runs in exec mode meanwhile.
        if (!process.waitForStarted(-1)) {
            outcome.startError = process.errorString();
            note = QStringLiteral("cannot start %1: %2").arg(program, outcome.startError);
        } else {
            // Nothing has run the event loop since the start, so finished() cannot have gone yet.
            if (process.state() != QProcess::NotRunning)
                co_await qCoro(&process, &QProcess::finished);
            if (!self)
                co_return CommandOutcome { kCannotStart, QStringLiteral("stopped") };
            if (process.exitStatus() == QProcess::NormalExit) {
                outcome.exitCode = process.exitCode();
            } else {
                // Qt gives the signal's number as the exit code of a crash.
                outcome.exitCode = kKilledBySignal + process.exitCode();
                note = QStringLiteral("killed by signal %1").arg(process.exitCode());
            }
        }
    }
    m_process.clear();

    if (outcome.exitCode == 0) {
        co_await report(QStringLiteral("0"), rid, {}, 3);
    } else {
        QString message = tail.text();
        if (!note.isEmpty())
            message += (message.isEmpty() || message.endsWith(QLatin1Char('\n')) ? QString()
                                                                                 : QStringLiteral("\n"))
                + QLatin1Char('[') + note + QLatin1Char(']');
        co_await report(QString::number(outcome.exitCode), rid, reportBody(message), 3);
    }
    co_return outcome;
}

} // namespace vigil
