// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A real vigild for end-to-end suites: started on a free port with its own table prefix,
// its stderr kept for failure messages, stopped with SIGTERM.

#include <QElapsedTimer>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTimer>

#include <csignal>
#include <memory>

namespace vigil::test {

struct HttpReply
{
    int status = 0; // 0: no answer
    QByteArray body;
    QList<QNetworkReply::RawHeaderPair> headers;
    QByteArray header(const QByteArray &name) const
    {
        for (const auto &[key, value] : headers) {
            if (key.compare(name, Qt::CaseInsensitive) == 0)
                return value;
        }
        return {};
    }
};

// One blocking request (a nested event loop), for test code.
inline HttpReply httpRequest(QNetworkAccessManager &nam, const QByteArray &method, const QUrl &url,
                             const QByteArray &body = {}, const QList<QPair<QByteArray, QByteArray>> &headers = {},
                             int timeoutMs = 10000)
{
    QNetworkRequest request(url);
    bool hasType = false;
    for (const auto &[name, value] : headers) {
        request.setRawHeader(name, value);
        hasType = hasType || name.compare("Content-Type", Qt::CaseInsensitive) == 0;
    }
    if (!body.isEmpty() && !hasType)
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    // QNAM reads a body after a custom "HEAD"; its own head() does not.
    std::unique_ptr<QNetworkReply> reply(method == "HEAD" ? nam.head(request)
                                                          : nam.sendCustomRequest(request, method, body));
    QEventLoop loop;
    QObject::connect(reply.get(), &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    loop.exec();
    HttpReply out;
    if (!reply->isFinished()) {
        reply->abort();
        return out;
    }
    out.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    out.body = reply->readAll();
    out.headers = reply->rawHeaderPairs();
    return out;
}

class VigildProcess
{
public:
    // `home` keeps settings and data away from the user's.
    bool start(const QString &program, const QString &home, const QStringList &args)
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), home + QStringLiteral("/config"));
        env.insert(QStringLiteral("XDG_DATA_HOME"), home + QStringLiteral("/data"));
        env.insert(QStringLiteral("QT_LOGGING_RULES"), QStringLiteral("vigil.*.debug=false"));
        env.remove(QStringLiteral("VIGIL_DB"));
        process.setProcessEnvironment(env);
        process.setProcessChannelMode(QProcess::SeparateChannels);
        process.start(program, QStringList { QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0") } + args);
        if (!process.waitForStarted(10000))
            return false;
        static const QRegularExpression listening(QStringLiteral("vigil\\.app: listening on [^:]+:(\\d+)"));
        QElapsedTimer waited;
        waited.start();
        while (waited.elapsed() < 30000 && process.state() == QProcess::Running) {
            process.waitForReadyRead(200);
            log += process.readAllStandardError();
            const QRegularExpressionMatch match = listening.match(QString::fromUtf8(log));
            if (match.hasMatch()) {
                port = match.captured(1).toUShort();
                return true;
            }
        }
        return false;
    }
    QUrl url(const QString &path) const { return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(path)); }
    // SIGTERM; answers the exit code (-1 if it crashed or hung).
    int terminate(int timeoutMs = 30000)
    {
        if (process.state() == QProcess::NotRunning)
            return process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
        ::kill(pid_t(process.processId()), SIGTERM);
        if (!process.waitForFinished(timeoutMs)) {
            process.kill();
            process.waitForFinished();
            return -1;
        }
        log += process.readAllStandardError();
        return process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    }
    QByteArray stderrText()
    {
        log += process.readAllStandardError();
        return log;
    }
    ~VigildProcess()
    {
        if (process.state() != QProcess::NotRunning) {
            process.kill();
            process.waitForFinished();
        }
    }

    QProcess process;
    quint16 port = 0;
    QByteArray log;
};

} // namespace vigil::test
