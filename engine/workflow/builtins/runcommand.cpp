// SPDX-License-Identifier: GPL-3.0-or-later
// run_command: starts a program through QProcess, never through a shell, and only a program
// on the allowlist of settings (commands/allowlist). A timeout or a cancel kills the
// program's whole process group, so a script's children do not outlive the step.

#include "builtins_p.h"
#include "configreader.h"
#include "wakeup.h"
#include "workflow/registry.h"

#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QTimer>

#ifdef Q_OS_UNIX
#include <csignal>
#include <unistd.h>
#endif

namespace vigil::builtins {

namespace {

// How long a killed program may take to be reaped before the handler stops waiting for it.
constexpr int kReapGraceMs = 5000;

// The absolute path a program name stands for, or empty when it names nothing runnable.
// A bare name goes through PATH; an absolute path keeps its file name, with only its
// directory resolved (/bin is a link to /usr/bin on Debian): resolving the file too would let
// one allowed name of a multi-call binary (busybox) admit every other name linked to it.
// A relative path with a slash ("../bin/echo") depends on the working directory: never.
QString resolveProgram(const QString &program)
{
    QString path;
    if (QDir::isAbsolutePath(program))
        path = QDir::cleanPath(program);
    else if (!program.isEmpty() && !program.contains(QLatin1Char('/')))
        path = QStandardPaths::findExecutable(program);
    if (path.isEmpty())
        return {};
    const QFileInfo info(path);
    const QString directory = QFileInfo(info.absolutePath()).canonicalFilePath();
    if (directory.isEmpty())
        return {};
    const QString resolved = QDir(directory).filePath(info.fileName());
    const QFileInfo target(resolved);
    if (!target.isFile() || !target.isExecutable())
        return {};
    return resolved;
}

Result<QString> allowedProgram(const QString &program, const QStringList &allowlist)
{
    const QString resolved = resolveProgram(program);
    if (!resolved.isEmpty()) {
        for (const QString &entry : allowlist) {
            if (resolveProgram(entry) == resolved)
                return resolved;
        }
    } else if (allowlist.contains(program)) {
        return makeError(ErrorCode::NotFound, QStringLiteral("program \"%1\" was not found").arg(program));
    }
    return makeError(ErrorCode::Unauthorized,
        QStringLiteral("program \"%1\" is not on the run_command allowlist (settings: commands/allowlist)")
            .arg(program));
}

void killProcessGroup(QProcess &process)
{
#ifdef Q_OS_UNIX
    // The child made itself a group leader (see the child process modifier below).
    if (const qint64 pid = process.processId(); pid > 0)
        ::kill(-pid_t(pid), SIGKILL);
#endif
    process.kill();
}

std::vector<ConfigField> runCommandSchema()
{
    using T = ConfigField::Type;
    return {
        field("program", T::String, true, Json(),
            QStringLiteral("The program: a bare name found on PATH or an absolute path. It must be on the "
                           "allowlist in settings (commands/allowlist); no shell is involved.")),
        field("args", T::StringList, false, Json(),
            QStringLiteral("The program's arguments, one string each.")),
        field("workingDirectory", T::String, false, Json(), QStringLiteral("The directory to run it in.")),
        field("env", T::Object, false, Json(),
            QStringLiteral("Environment variables (name to string value) added to Vigil's environment.")),
        field("timeoutMs", T::Integer, false, 60000,
            QStringLiteral("Kill the program (and its children) and fail after this many milliseconds.")),
        field("stdin", T::String, false, Json(),
            QStringLiteral("Text written to the program's standard input.")),
    };
}

QCoro::Task<ActionResult> runCommand(StepContext ctx)
{
    ConfigReader config(runCommandSchema(), ctx.stepConfig);
    const QString program = config.string("program");
    const QStringList args = config.stringList("args");
    const std::optional<QString> workingDirectory = config.optionalString("workingDirectory");
    const auto env = config.stringMap("env");
    const qint64 timeoutMs = config.timeoutMs("timeoutMs", kMaxTimeoutMs);
    const std::optional<QString> input = config.optionalString("stdin");
    if (!config.ok())
        co_return ActionResult::failure(config.error());
    if (!ctx.services)
        co_return ActionResult::failure(QStringLiteral("run_command: no engine services"));
    const Result<QString> path = allowedProgram(program, ctx.services->commandAllowlist());
    if (!path)
        co_return ActionResult::failure(path.error().message);
    for (const auto &[name, value] : env) {
        // "A=B" would set A; a NUL would cut the entry short.
        if (name.isEmpty() || name.contains(u'=') || name.contains(u'\0') || value.contains(u'\0'))
            co_return ActionResult::failure(
                QStringLiteral("config.env: \"%1\" is not a usable environment variable").arg(name));
    }
    if (workingDirectory && !QFileInfo(*workingDirectory).isDir())
        co_return ActionResult::failure(
            QStringLiteral("config.workingDirectory: \"%1\" is not a directory").arg(*workingDirectory));
    if (ctx.cancel.isCanceled())
        co_return ActionResult::failure(QStringLiteral("canceled: %1").arg(ctx.cancel.reason()));

    QByteArray out;
    QByteArray err;
    bool truncated = false;
    bool timedOut = false;
    bool canceled = false;
    Wakeup done;
    QTimer deadline;
    QTimer reapGrace;
    // Declared last, so it goes first, and its connections with it.
    QProcess process;

    process.setProgram(*path);
    process.setArguments(args);
    if (workingDirectory)
        process.setWorkingDirectory(*workingDirectory);
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const auto &[name, value] : env)
        environment.insert(name, value);
    process.setProcessEnvironment(environment);
#ifdef Q_OS_UNIX
    process.setChildProcessModifier([] { ::setpgid(0, 0); });
#endif

    QObject::connect(&process, &QProcess::readyReadStandardOutput, &done, [&] {
        if (!appendCapped(out, process.readAllStandardOutput()))
            truncated = true;
    });
    QObject::connect(&process, &QProcess::readyReadStandardError, &done, [&] {
        if (!appendCapped(err, process.readAllStandardError()))
            truncated = true;
    });
    QObject::connect(&process, &QProcess::finished, &done, [&done] { done.fire(); });
    QObject::connect(&process, &QProcess::errorOccurred, &done, [&done](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart)
            done.fire(); // no finished() follows
    });
    const auto stop = [&process, &reapGrace] {
        killProcessGroup(process);
        if (!reapGrace.isActive())
            reapGrace.start(kReapGraceMs);
    };
    deadline.setSingleShot(true);
    QObject::connect(&deadline, &QTimer::timeout, &done, [&timedOut, stop] {
        timedOut = true;
        stop();
    });
    reapGrace.setSingleShot(true);
    QObject::connect(&reapGrace, &QTimer::timeout, &done, [&done] { done.fire(); });
    QObject::connect(ctx.cancel.source(), &CancellationSource::canceled, &done, [&canceled, stop] {
        canceled = true;
        stop(); // only sends a signal: the handler resumes later, from the event loop
    });

    process.start(QIODevice::ReadWrite);
    if (input && process.state() != QProcess::NotRunning) // not when it failed to start at once
        process.write(input->toUtf8());
    process.closeWriteChannel(); // EOF for programs that read stdin (cat), after the input
    deadline.start(int(timeoutMs));

    co_await done;

    deadline.stop();
    reapGrace.stop();
    if (!appendCapped(out, process.readAllStandardOutput()))
        truncated = true;
    if (!appendCapped(err, process.readAllStandardError()))
        truncated = true;

    if (process.error() == QProcess::FailedToStart && process.state() == QProcess::NotRunning && !timedOut
        && !canceled)
        co_return ActionResult::failure(
            QStringLiteral("could not start %1: %2").arg(*path, process.errorString()));

    const bool normalExit
        = process.state() == QProcess::NotRunning && process.exitStatus() == QProcess::NormalExit;
    Json data = Json::object();
    data["exitCode"] = normalExit ? Json(process.exitCode()) : Json();
    data["stdout"] = toStd(decodeText(out));
    data["stderr"] = toStd(decodeText(err));
    data["truncated"] = truncated;

    if (timedOut)
        co_return ActionResult::failure(
            QStringLiteral("timed out after %1 ms").arg(timeoutMs), std::move(data));
    if (canceled)
        co_return ActionResult::failure(
            QStringLiteral("canceled: %1").arg(ctx.cancel.reason()), std::move(data));
    if (!normalExit)
        co_return ActionResult::failure(QStringLiteral("%1 crashed").arg(*path), std::move(data));
    if (process.exitCode() != 0)
        co_return ActionResult::failure(
            QStringLiteral("exited with code %1").arg(process.exitCode()), std::move(data));
    ctx.log(QStringLiteral("%1 exited with code 0").arg(*path));
    co_return ActionResult::ok(std::move(data));
}

} // namespace

void registerRunCommand(Registry &registry)
{
    ActionOptions options;
    options.replaySafe = false; // a remediation script must not run again because a run was replayed
    options.configSchema = runCommandSchema();
    options.description = QStringLiteral(
        "Runs a program from the allowlist in settings (no shell) and answers {exitCode, stdout, stderr, "
        "truncated}, each stream cut at 64 KiB. Fails on a non-zero exit code, a crash or the timeout.");
    expectRegistered(registry.registerAction(QStringLiteral("run_command"), runCommand, std::move(options)),
        "run_command");
}

} // namespace vigil::builtins
