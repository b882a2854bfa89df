// SPDX-License-Identifier: GPL-3.0-or-later
// vigil-agent: sends this host's heartbeats to the collector (periodic, or --once), or wraps
// a command (exec -- CMD ARGS...) and reports its start and end. Parses options, wires the
// parts, runs until done or until SIGINT/SIGTERM.

#include "core/logging.h"
#include "core/shutdownsignals.h"
#include "heartbeat/agentconfig.h"
#include "heartbeat/commandreporter.h"
#include "heartbeat/heartbeatsender.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QSysInfo>
#include <cstdio>

using namespace vigil;

namespace {

constexpr int kUsageError = 2;

// The translation context of what the agent says to its user.
struct VigilAgent
{
    Q_DECLARE_TR_FUNCTIONS(VigilAgent)
};

int fail(const QString &message, int code)
{
    std::fprintf(stderr, "vigil-agent: %s\n", qPrintable(message));
    return code;
}

// Queued, so an answer that is ready before the event loop runs still ends it.
void exitLater(int code)
{
    QMetaObject::invokeMethod(
        QCoreApplication::instance(), [code] { QCoreApplication::exit(code); }, Qt::QueuedConnection);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    // First, so that a signal during start-up waits in the self-pipe for the event loop.
    ShutdownSignals shutdown;
    QCoreApplication::setOrganizationName(QStringLiteral("Vigil"));
    QCoreApplication::setApplicationName(QStringLiteral("vigil-agent"));
    QCoreApplication::setApplicationVersion(QStringLiteral(VIGIL_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(VigilAgent::tr(
        "Sends this host's heartbeats to a Vigil collector, or runs a command and reports its start and "
        "its end (exec -- CMD ARGS...)."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption configOption(QStringLiteral("config"),
        VigilAgent::tr("Agent config file (seed 004's heartbeat section); reloaded when it changes."),
        QStringLiteral("file"));
    const QCommandLineOption urlOption(QStringLiteral("url"),
        VigilAgent::tr("Collector base URL (default http://127.0.0.1:8787)."), QStringLiteral("url"));
    const QCommandLineOption idOption(
        QStringLiteral("id"), VigilAgent::tr("Agent id (default: the host name)."), QStringLiteral("id"));
    const QCommandLineOption keyOption(QStringLiteral("key"),
        VigilAgent::tr(
            "HMAC key to sign heartbeats with (env VIGIL_AGENT_KEY; a key file keeps it out of ps)."),
        QStringLiteral("key"));
    const QCommandLineOption keyFileOption(
        QStringLiteral("key-file"), VigilAgent::tr("File holding the HMAC key."), QStringLiteral("file"));
    const QCommandLineOption intervalOption(QStringLiteral("interval"),
        VigilAgent::tr("Seconds between heartbeats (default 5, at least 1)."), QStringLiteral("seconds"));
    const QCommandLineOption onceOption(QStringLiteral("once"),
        VigilAgent::tr("Send one heartbeat and exit: 0 when the collector accepted it, 1 otherwise."));
    parser.addOptions(
        { configOption, urlOption, idOption, keyOption, keyFileOption, intervalOption, onceOption });
    parser.addPositionalArgument(QStringLiteral("exec"),
        VigilAgent::tr(
            "exec -- CMD ARGS...: run CMD, report /start, then /0 or /EXITCODE with the end of its output, "
            "and exit with its exit code (127 when it cannot start)."),
        QStringLiteral("[exec -- CMD ARGS...]"));
    // Everything after "exec" belongs to the command, options included.
    parser.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsPositionalArguments);
    parser.process(app);

    QStringList command = parser.positionalArguments();
    const bool execMode = !command.isEmpty();
    if (execMode) {
        if (command.takeFirst() != u"exec")
            return fail(VigilAgent::tr("unknown command \"%1\"; the only one is exec -- CMD ARGS...")
                            .arg(parser.positionalArguments().constFirst()),
                kUsageError);
        if (!command.isEmpty() && command.constFirst() == u"--")
            command.removeFirst();
        if (command.isEmpty())
            return fail(VigilAgent::tr("exec needs a command: exec -- CMD ARGS..."), kUsageError);
        if (parser.isSet(onceOption))
            return fail(VigilAgent::tr("--once and exec do not go together"), kUsageError);
    }

    AgentOverrides overrides;
    if (parser.isSet(urlOption))
        overrides.url = parser.value(urlOption);
    if (parser.isSet(idOption))
        overrides.agentId = parser.value(idOption);
    if (parser.isSet(keyOption))
        overrides.key = parser.value(keyOption).toUtf8();
    else if (qEnvironmentVariableIsSet("VIGIL_AGENT_KEY"))
        overrides.key = qgetenv("VIGIL_AGENT_KEY").trimmed();
    if (parser.isSet(keyFileOption))
        overrides.keyFile = parser.value(keyFileOption);
    if (parser.isSet(intervalOption)) {
        bool ok = false;
        const qint64 seconds = parser.value(intervalOption).toLongLong(&ok);
        if (!ok || seconds < 1)
            return fail(
                VigilAgent::tr("--interval takes a whole number of seconds, at least 1"), kUsageError);
        overrides.interval = std::chrono::seconds(seconds);
    }
    if (overrides.key && overrides.key->isEmpty())
        return fail(VigilAgent::tr("the key is empty"), kUsageError);

    const QString configPath = parser.value(configOption);
    const QString hostName = QSysInfo::machineHostName();
    Result<AgentConfig> config = resolveAgentConfig(configPath, overrides, hostName);
    if (!config)
        return fail(config.error().message, kUsageError);

    if (execMode) {
        CommandReporter reporter(config.value());
        QObject::connect(
            &shutdown, &ShutdownSignals::shutdownRequested, &reporter, &CommandReporter::forwardSignal);
        const QString program = command.takeFirst();
        QCoro::connect(reporter.run(program, command), &app, [program](const CommandOutcome &outcome) {
            if (!outcome.startError.isEmpty())
                fail(
                    VigilAgent::tr("cannot start %1: %2").arg(program, outcome.startError), outcome.exitCode);
            exitLater(outcome.exitCode);
        });
        return app.exec();
    }

    HeartbeatSender sender(std::move(config).value());
    if (parser.isSet(onceOption)) {
        QObject::connect(&shutdown, &ShutdownSignals::shutdownRequested, &app, [] { exitLater(1); });
        QCoro::connect(sender.sendOnce(), &app, [](bool delivered) { exitLater(delivered ? 0 : 1); });
        return app.exec();
    }

    if (!configPath.isEmpty())
        sender.watchConfigFile(configPath, overrides, hostName);
    QObject::connect(&shutdown, &ShutdownSignals::shutdownRequested, &app, [&sender](int number) {
        qCInfo(lcAgent) << "signal" << number << "received, stopping";
        sender.stop();
        QCoreApplication::quit();
    });
    qCInfo(lcAgent).noquote() << "vigil-agent" << VIGIL_VERSION << "sending every"
                              << sender.config().interval.count() << "s";
    sender.start();
    return app.exec();
}
