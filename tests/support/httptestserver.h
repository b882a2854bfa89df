// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A small HTTP/1.1 server on a free loopback port for suites that test a client: it records
// every request it reads (with when it arrived) and answers what the suite's responder says,
// optionally after a delay or never (for timeouts and cancellation). Every answer closes its
// connection; a connection the client closes before an answer is counted (aborts). It lives
// in the test's thread, so the test must keep the event loop running (QTRY_*,
// QSignalSpy::wait) while a client talks to it.

#include <QElapsedTimer>
#include <QHash>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <algorithm>
#include <functional>
#include <vector>

namespace vigil::test {

class HttpTestServer final : public QObject
{
public:
    struct Request
    {
        QByteArray method;
        QByteArray target; // path and query, as sent
        QHash<QByteArray, QByteArray> headers; // names lower-cased
        QByteArray body;
        qint64 receivedMs = 0; // since the server started
        QByteArray path() const
        {
            return target.left(target.indexOf('?') < 0 ? target.size() : target.indexOf('?'));
        }
        QByteArray query() const
        {
            return target.indexOf('?') < 0 ? QByteArray() : target.mid(target.indexOf('?') + 1);
        }
    };
    struct Reply
    {
        int status = 202;
        QByteArray body = "{}";
        QByteArray contentType = "application/json";
        QByteArray extraHeaders; // "Name: value\r\n" lines
        int delayMs = 0;
        bool never = false; // keep the connection open without an answer
    };
    using Responder = std::function<Reply(const Request &)>;

    bool start()
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] { accept(); });
        m_clock.start();
        return m_server.listen(QHostAddress::LocalHost, 0);
    }
    quint16 port() const { return m_server.serverPort(); }
    QString url(const QString &path = {}) const
    {
        return QStringLiteral("http://127.0.0.1:%1%2").arg(port()).arg(path);
    }
    void setResponder(Responder responder) { m_responder = std::move(responder); }
    // Every request answered with `status` (and `extraHeaders`).
    void answerAll(int status, QByteArray body = "{}", QByteArray extraHeaders = {})
    {
        m_responder = [=](const Request &) {
            return Reply { status, body, "application/json", extraHeaders };
        };
    }
    qint64 elapsedMs() const { return m_clock.elapsed(); }
    int requestsTo(const QByteArray &path) const
    {
        return int(std::count_if(
            requests.begin(), requests.end(), [&](const Request &r) { return r.path() == path; }));
    }
    const Request &last() const { return requests.back(); }

    std::vector<Request> requests;
    int closedUnanswered = 0;

private:
    void accept()
    {
        while (QTcpSocket *socket = m_server.nextPendingConnection()) {
            socket->setParent(this);
            connect(socket, &QTcpSocket::readyRead, this, [this, socket] { read(socket); });
            connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
                if (!socket->property("answered").toBool())
                    ++closedUnanswered;
                socket->deleteLater();
            });
        }
    }

    void read(QTcpSocket *socket)
    {
        QByteArray buffer = socket->property("buffer").toByteArray() + socket->readAll();
        socket->setProperty("buffer", buffer);
        const qsizetype headEnd = buffer.indexOf("\r\n\r\n");
        if (headEnd < 0)
            return;
        const QList<QByteArray> lines = buffer.left(headEnd).split('\n');
        Request request;
        const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
        request.method = requestLine.value(0);
        request.target = requestLine.value(1);
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines[i].indexOf(':');
            if (colon > 0)
                request.headers.insert(
                    lines[i].left(colon).trimmed().toLower(), lines[i].mid(colon + 1).trimmed());
        }
        const qsizetype length = request.headers.value("content-length", "0").toLongLong();
        if (buffer.size() < headEnd + 4 + length)
            return;
        request.body = buffer.mid(headEnd + 4, length);
        request.receivedMs = m_clock.elapsed();
        socket->setProperty("buffer", QByteArray());
        requests.push_back(request);
        const Reply reply = m_responder ? m_responder(request) : Reply {};
        if (reply.never)
            return;
        const QPointer<QTcpSocket> target(socket);
        const bool head = request.method == "HEAD";
        QTimer::singleShot(reply.delayMs, this, [target, reply, head] {
            if (target)
                answer(*target, reply, head);
        });
    }

    static void answer(QTcpSocket &socket, const Reply &reply, bool head)
    {
        socket.setProperty("answered", true);
        socket.write("HTTP/1.1 " + QByteArray::number(reply.status) + " Test\r\nContent-Type: "
            + reply.contentType + "\r\nContent-Length: " + QByteArray::number(reply.body.size())
            + "\r\nConnection: close\r\n" + reply.extraHeaders + "\r\n" + (head ? QByteArray() : reply.body));
        socket.disconnectFromHost();
    }

    QTcpServer m_server;
    QElapsedTimer m_clock;
    Responder m_responder;
};

} // namespace vigil::test
