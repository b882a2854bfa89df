// SPDX-License-Identifier: GPL-3.0-or-later
// http::Server over real loopback sockets: its own limits (connection cap, idle timeout,
// body size), 405 with Allow, JSON 404, HEAD without a body, and answers sent later.

#include "http/httpserver.h"
#include "model/json.h"

#include <QHttpServerRequest>
#include <QTcpSocket>
#include <QTimer>
#include <QtTest>

#include <memory>

using namespace vigil;

namespace {

// A raw client that reads whatever the server writes (no waitFor*: the server shares this
// thread's event loop, which the QTRY macros keep running).
struct Client
{
    QTcpSocket socket;
    QByteArray received;
    explicit Client(quint16 port)
    {
        QObject::connect(&socket, &QTcpSocket::readyRead, &socket, [this] { received += socket.readAll(); });
        socket.connectToHost(QHostAddress::LocalHost, port);
    }
    bool connected() const { return socket.state() == QAbstractSocket::ConnectedState; }
};

} // namespace

class TestHttpServer : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<http::Server> m_server;
    quint16 m_port = 0;
    std::vector<http::Responder> m_parked;

private Q_SLOTS:
    void init()
    {
        http::Limits limits;
        limits.maxBody = 1024;
        limits.maxConnections = 2;
        limits.idleTimeout = std::chrono::milliseconds(400);
        m_server = std::make_unique<http::Server>(limits);
        m_server->route(int(http::Method::Get) | int(http::Method::Post), QStringLiteral("/echo/{word}"),
                        http::SyncHandler([](const QHttpServerRequest &request, const http::PathArgs &args) {
                            return http::Response::json(200, Json { { "word", args.at(0).toStdString() },
                                                               { "bytes", request.body().size() } });
                        }));
        m_server->route(int(http::Method::Post), QStringLiteral("/later"),
                        http::Handler([this](const QHttpServerRequest &, const http::PathArgs &, http::Responder &&r) {
                            m_parked.push_back(std::move(r));
                        }));
        Result<quint16> port = m_server->listen(QHostAddress::LocalHost, 0);
        QVERIFY(port);
        m_port = *port;
    }

    void cleanup()
    {
        m_parked.clear();
        m_server.reset();
    }

    void routesDecodeSegments()
    {
        Client client(m_port);
        QTRY_VERIFY(client.connected());
        client.socket.write("GET /echo/web%2001 HTTP/1.1\r\nHost: x\r\n\r\n");
        QTRY_VERIFY(client.received.contains("\"word\":\"web 01\""));
        QVERIFY(client.received.startsWith("HTTP/1.1 200"));
    }

    void wrongMethodIs405WithAllow()
    {
        Client client(m_port);
        QTRY_VERIFY(client.connected());
        client.socket.write("DELETE /echo/a HTTP/1.1\r\nHost: x\r\n\r\n");
        QTRY_VERIFY(client.received.contains("method_not_allowed"));
        QVERIFY(client.received.startsWith("HTTP/1.1 405"));
        QVERIFY(client.received.contains("Allow: GET, HEAD, POST"));
    }

    void unknownPathIsJson404()
    {
        Client client(m_port);
        QTRY_VERIFY(client.connected());
        client.socket.write("GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n");
        QTRY_VERIFY(client.received.contains("\"not_found\""));
        QVERIFY(client.received.startsWith("HTTP/1.1 404"));
    }

    void headHasNoBody()
    {
        Client client(m_port);
        QTRY_VERIFY(client.connected());
        client.socket.write("HEAD /echo/a HTTP/1.1\r\nHost: x\r\n\r\nGET /echo/b HTTP/1.1\r\nHost: x\r\n\r\n");
        QTRY_VERIFY(client.received.contains("\"word\":\"b\""));
        QVERIFY(!client.received.contains("\"word\":\"a\""));
    }

    void bodyOverTheLimitIs413AndTheConnectionLives()
    {
        Client client(m_port);
        QTRY_VERIFY(client.connected());
        const QByteArray body(2000, 'x');
        client.socket.write("POST /echo/a HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n" + body);
        QTRY_VERIFY(client.received.contains("too_large"));
        QVERIFY(client.received.startsWith("HTTP/1.1 413"));
        client.received.clear();
        client.socket.write("POST /echo/a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
        QTRY_VERIFY(client.received.contains("\"bytes\":3"));
    }

    void hugeDeclaredBodyIsRefusedAtOnce()
    {
        Client client(m_port);
        QTRY_VERIFY(client.connected());
        // Far over the hard cap: refused from the headers, before any body is sent.
        client.socket.write("POST /echo/a HTTP/1.1\r\nHost: x\r\nContent-Length: 500000000\r\n\r\n");
        QTRY_VERIFY(client.received.startsWith("HTTP/1.1 413"));
        QTRY_VERIFY(!client.connected());
    }

    void connectionCapRefusesTheThird()
    {
        Client a(m_port);
        Client b(m_port);
        QTRY_VERIFY(a.connected() && b.connected());
        QTRY_COMPARE(m_server->openConnections(), 2);
        Client c(m_port);
        QTRY_VERIFY(c.received.startsWith("HTTP/1.1 503"));
        QVERIFY(c.received.contains("too many open connections"));
        QTRY_VERIFY(!c.connected());
        QVERIFY(a.connected()); // the first two are untouched
    }

    void idleConnectionsAreClosed()
    {
        Client idle(m_port);
        QTRY_VERIFY(idle.connected());
        QElapsedTimer waited;
        waited.start();
        QTRY_VERIFY_WITH_TIMEOUT(!idle.connected(), 3000);
        QVERIFY2(waited.elapsed() >= 300, qPrintable(QString::number(waited.elapsed())));
        QTRY_COMPARE(m_server->openConnections(), 0);
    }

    void answersCanComeLater()
    {
        Client client(m_port);
        QTRY_VERIFY(client.connected());
        client.socket.write("POST /later HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
        QTRY_COMPARE(m_parked.size(), std::size_t(1));
        QTest::qWait(50);
        QVERIFY(client.received.isEmpty());
        m_parked.front().send(http::Response::json(202, Json { { "status", "stored" } }));
        QTRY_VERIFY(client.received.startsWith("HTTP/1.1 202"));
        // A client that left: sending to it does nothing (and does not crash).
        Client gone(m_port);
        QTRY_VERIFY(gone.connected());
        gone.socket.write("POST /later HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
        QTRY_COMPARE(m_parked.size(), std::size_t(2));
        gone.socket.abort();
        QTRY_VERIFY(!m_parked.back().isOpen());
        m_parked.back().send(http::Response::json(202, Json { { "status", "stored" } }));
    }
};

QTEST_GUILESS_MAIN(TestHttpServer)
#include "tst_httpserver.moc"
