// SPDX-License-Identifier: GPL-3.0-or-later
#include "http/httpserver.h"

#include "core/logging.h"
#include "model/json.h"

#include <QAbstractHttpServer>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QMetaEnum>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QUrl>

#include <unordered_map>

namespace vigil::http {

namespace {

using StatusCode = QHttpServerResponder::StatusCode;

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 400: return QByteArrayLiteral("Bad Request");
    case 401: return QByteArrayLiteral("Unauthorized");
    case 404: return QByteArrayLiteral("Not Found");
    case 405: return QByteArrayLiteral("Method Not Allowed");
    case 408: return QByteArrayLiteral("Request Timeout");
    case 413: return QByteArrayLiteral("Payload Too Large");
    case 503: return QByteArrayLiteral("Service Unavailable");
    default: return QByteArrayLiteral("Error");
    }
}

// A whole response written straight to a socket, for refusals made before Qt's server has
// parsed a request (too many connections, a body over the limit).
void writeRaw(QTcpSocket *socket, int status, const QString &code, const QString &message)
{
    const Response response = Response::error(status, code, message);
    QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) + "\r\n";
    out += "Content-Type: application/json\r\nConnection: close\r\nContent-Length: "
        + QByteArray::number(response.body.size()) + "\r\n\r\n" + response.body;
    socket->write(out);
    socket->disconnectFromHost();
}

QString methodList(Methods methods)
{
    QStringList names;
    if (methods & int(Method::Get))
        names << QStringLiteral("GET") << QStringLiteral("HEAD");
    else if (methods & int(Method::Head))
        names << QStringLiteral("HEAD");
    if (methods & int(Method::Post))
        names << QStringLiteral("POST");
    if (methods & int(Method::Put))
        names << QStringLiteral("PUT");
    if (methods & int(Method::Delete))
        names << QStringLiteral("DELETE");
    return names.join(QStringLiteral(", "));
}

Method methodOf(QHttpServerRequest::Method method)
{
    switch (method) {
    case QHttpServerRequest::Method::Get: return Method::Get;
    case QHttpServerRequest::Method::Head: return Method::Head;
    case QHttpServerRequest::Method::Post: return Method::Post;
    case QHttpServerRequest::Method::Put: return Method::Put;
    case QHttpServerRequest::Method::Delete: return Method::Delete;
    default: return Method(0);
    }
}

struct Route
{
    Methods methods = 0;
    QStringList segments; // "{}" marks a placeholder
    Handler handler;
};

// What the server knows of one connection, for the limits.
struct Connection
{
    qint64 requestBytes = 0; // received since the last response was written
    qint64 lastActivityMs = 0;
};

} // namespace

// ---- Response -----------------------------------------------------------------------

Response Response::json(int status, const nlohmann::json &body)
{
    Response response;
    response.status = status;
    response.body = dumpJson(body);
    return response;
}

Response Response::noContent()
{
    Response response;
    response.status = 204;
    response.contentType.clear();
    return response;
}

Response Response::error(int status, const QString &code, const QString &message)
{
    Json body;
    body["error"] = { { "code", toStd(code) }, { "message", toStd(message) } };
    return json(status, body);
}

int statusFor(ErrorCode code)
{
    switch (code) {
    case ErrorCode::Invalid: return 400;
    case ErrorCode::NotFound: return 404;
    case ErrorCode::Conflict: return 409;
    case ErrorCode::Unauthorized: return 401;
    case ErrorCode::TooLarge: return 413;
    case ErrorCode::Unavailable: return 503;
    case ErrorCode::Database:
    case ErrorCode::Internal: return 500;
    }
    return 500;
}

Response Response::error(const Error &error)
{
    Response response = Response::error(statusFor(error.code), errorCodeName(error.code), error.message);
    if (error.code == ErrorCode::Unavailable)
        response.withHeader("Retry-After", "1");
    return response;
}

Response &Response::withHeader(QByteArray name, QByteArray value)
{
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
}

QByteArray header(const QHttpServerRequest &request, const QByteArray &name)
{
    return request.value(name);
}

// ---- Responder ----------------------------------------------------------------------

struct Responder::State
{
    State(QHttpServerResponder &&r, bool head) : responder(std::move(r)), head(head)
    {
        socket = responder.socket();
    }
    QHttpServerResponder responder;
    QPointer<QTcpSocket> socket;
    bool head = false;
    bool sent = false;
    std::shared_ptr<std::function<void(int)>> observer;
};

Responder::Responder(QHttpServerResponder &&responder, bool headRequest)
    : d(std::make_unique<State>(std::move(responder), headRequest))
{
}
Responder::Responder(Responder &&other) noexcept = default;
void Responder::setObserver(std::shared_ptr<std::function<void(int)>> observer)
{
    if (d)
        d->observer = std::move(observer);
}
Responder &Responder::operator=(Responder &&other) noexcept = default;
Responder::~Responder() = default;

bool Responder::isOpen() const
{
    return d && !d->sent && d->socket && d->socket->state() == QAbstractSocket::ConnectedState;
}

void Responder::send(const Response &response)
{
    if (!d || d->sent)
        return;
    d->sent = true;
    if (d->observer && *d->observer)
        (*d->observer)(response.status);
    if (!d->socket || d->socket->state() != QAbstractSocket::ConnectedState)
        return;
    QHttpServerResponder &r = d->responder;
    r.writeStatusLine(static_cast<StatusCode>(response.status));
    if (!response.contentType.isEmpty())
        r.writeHeader(QByteArrayLiteral("Content-Type"), response.contentType);
    for (const auto &[name, value] : response.headers)
        r.writeHeader(name, value);
    if (response.status != 204) // RFC 9110 8.6: a 204 carries no Content-Length
        r.writeHeader(QByteArrayLiteral("Content-Length"), QByteArray::number(response.body.size()));
    if (d->head || response.status == 204 || response.body.isEmpty())
        r.writeBody(QByteArray());
    else
        r.writeBody(response.body);
}

// ---- the server ---------------------------------------------------------------------

namespace {

// Qt's server, answering through our routes.
class Core final : public QAbstractHttpServer
{
public:
    explicit Core(Server::Private *owner) : m_owner(owner) { }

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    Server::Private *m_owner;
};

// The listening socket: counts connections, closes idle ones, and cuts bodies over the
// limit before Qt's server buffers them. Its readyRead slot is connected before the HTTP
// server's, so it sees each chunk first.
class Listener final : public QTcpServer
{
public:
    Listener(Server::Private *owner) : m_owner(owner) { }

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    Server::Private *m_owner;
};

} // namespace

struct Server::Private
{
    Server *q = nullptr;
    Limits limits;
    Core core { this };
    QPointer<Listener> listener;
    std::vector<Route> routes;
    std::unordered_map<QTcpSocket *, Connection> connections;
    QElapsedTimer clock;
    QTimer idleSweep;
    std::shared_ptr<std::function<void(int)>> observer = std::make_shared<std::function<void(int)>>();

    void dispatch(const QHttpServerRequest &request, Responder &&responder);
    qint64 hardCap() const { return std::max<qint64>(limits.maxBody * 16, 1024 * 1024); }
    void onReadyRead(QTcpSocket *socket);
    void sweepIdle();
    void refuse(QTcpSocket *socket, int status, const QString &code, const QString &message)
    {
        if (*observer)
            (*observer)(status);
        socket->readAll(); // Qt's server must not see the rest
        writeRaw(socket, status, code, message);
    }
};

bool Core::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    const bool head = request.method() == QHttpServerRequest::Method::Head;
    Responder responder(makeResponder(request, socket), head);
    m_owner->dispatch(request, std::move(responder));
    return true;
}

void Core::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    handleRequest(request, socket);
}

void Listener::incomingConnection(qintptr descriptor)
{
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return;
    }
    Server::Private *d = m_owner;
    if (int(d->connections.size()) >= d->limits.maxConnections) {
        qCWarning(lcHttp) << "refusing a connection: already" << d->connections.size() << "open";
        d->refuse(socket, 503, QStringLiteral("unavailable"),
                  QStringLiteral("too many open connections (at most %1)").arg(d->limits.maxConnections));
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        return;
    }
    d->connections.emplace(socket, Connection { 0, d->clock.elapsed() });
    connect(socket, &QTcpSocket::readyRead, this, [d, socket] { d->onReadyRead(socket); });
    connect(socket, &QTcpSocket::bytesWritten, this, [d, socket] {
        auto it = d->connections.find(socket);
        if (it != d->connections.end()) {
            it->second.requestBytes = 0; // an answer went out: the next bytes are a new request
            it->second.lastActivityMs = d->clock.elapsed();
        }
    });
    connect(socket, &QObject::destroyed, this, [d, socket] { d->connections.erase(socket); });
    connect(socket, &QTcpSocket::disconnected, this, [d, socket] { d->connections.erase(socket); });
    addPendingConnection(socket);
}

void Server::Private::onReadyRead(QTcpSocket *socket)
{
    auto it = connections.find(socket);
    if (it == connections.end())
        return;
    Connection &connection = it->second;
    connection.lastActivityMs = clock.elapsed();
    const qint64 available = socket->bytesAvailable();
    if (connection.requestBytes == 0) {
        // A request starts: refuse a declared length over the limit before reading the body.
        const QByteArray head = socket->peek(qMin<qint64>(available, 8192));
        const qsizetype end = head.indexOf("\r\n\r\n");
        const QByteArray headers = (end < 0 ? head : head.left(end)).toLower();
        const qsizetype at = headers.indexOf("\r\ncontent-length:");
        if (at >= 0) {
            const qsizetype lineEnd = headers.indexOf("\r\n", at + 2);
            const QByteArray value = headers.mid(at + 17, lineEnd < 0 ? -1 : lineEnd - at - 17).trimmed();
            bool ok = false;
            const qint64 length = value.toLongLong(&ok);
            // Up to a hard cap the body is read and answered 413 like any error (the client,
            // still sending, would not see an answer on a closed connection); beyond it, the
            // connection is refused at once.
            if (ok && length > hardCap()) {
                refuse(socket, 413, QStringLiteral("too_large"),
                       QStringLiteral("the body has %1 bytes; at most %2 are accepted").arg(length).arg(limits.maxBody));
                return;
            }
        }
    }
    connection.requestBytes += available;
    // Headers are small; a request that goes on far past the body limit (chunked, or a lying
    // Content-Length) is cut off.
    if (connection.requestBytes > hardCap() + 16 * 1024) {
        refuse(socket, 413, QStringLiteral("too_large"),
               QStringLiteral("the request exceeds %1 bytes").arg(hardCap() + 16 * 1024));
    }
}

void Server::Private::sweepIdle()
{
    const qint64 now = clock.elapsed();
    std::vector<QTcpSocket *> idle;
    for (const auto &[socket, connection] : connections) {
        if (now - connection.lastActivityMs > limits.idleTimeout.count())
            idle.push_back(socket);
    }
    for (QTcpSocket *socket : idle) {
        qCDebug(lcHttp) << "closing an idle connection from" << socket->peerAddress().toString();
        connections.erase(socket);
        socket->disconnectFromHost();
    }
}

void Server::Private::dispatch(const QHttpServerRequest &request, Responder &&responder)
{
    responder.setObserver(observer);
    if (request.body().size() > limits.maxBody) {
        responder.send(Response::error(413, QStringLiteral("too_large"),
                                       QStringLiteral("the body has %1 bytes; at most %2 are accepted")
                                           .arg(request.body().size())
                                           .arg(limits.maxBody)));
        return;
    }
    const QList<QByteArray> raw = request.url().path(QUrl::FullyEncoded).toLatin1().split('/');
    QStringList segments;
    segments.reserve(raw.size());
    for (const QByteArray &segment : raw) {
        if (!segment.isEmpty())
            segments << QUrl::fromPercentEncoding(segment);
    }
    Method method = methodOf(request.method());
    const bool head = method == Method::Head;
    Methods allowed = 0;
    for (const Route &route : routes) {
        if (route.segments.size() != segments.size())
            continue;
        PathArgs args;
        bool matches = true;
        for (qsizetype i = 0; i < segments.size() && matches; ++i) {
            if (route.segments.at(i) == QLatin1String("{}"))
                args << segments.at(i);
            else
                matches = route.segments.at(i) == segments.at(i);
        }
        if (!matches)
            continue;
        if ((route.methods & int(method)) || (head && (route.methods & int(Method::Get)))) {
            route.handler(request, args, std::move(responder));
            return;
        }
        allowed |= route.methods;
    }
    if (allowed) {
        responder.send(Response::error(405, QStringLiteral("method_not_allowed"),
                                       QStringLiteral("%1 is not allowed here; use %2")
                                           .arg(QString::fromLatin1(QMetaEnum::fromType<QHttpServerRequest::Method>()
                                                                        .valueToKey(int(request.method()))).toUpper(),
                                                methodList(allowed)))
                           .withHeader("Allow", methodList(allowed).toLatin1()));
        return;
    }
    responder.send(Response::error(404, QStringLiteral("not_found"),
                                   QStringLiteral("no such endpoint: %1").arg(request.url().path())));
}

Server::Server(Limits limits, QObject *parent) : QObject(parent), d(std::make_unique<Private>())
{
    d->q = this;
    d->limits = limits;
    d->clock.start();
    d->idleSweep.setInterval(std::max<std::chrono::milliseconds>(
        std::chrono::milliseconds(100), limits.idleTimeout / 4));
    connect(&d->idleSweep, &QTimer::timeout, this, [this] { d->sweepIdle(); });
}

Server::~Server()
{
    // Sockets are children of the listener, which Qt's server owns; close them first so no
    // slot of ours runs on a half-destroyed Private.
    for (auto &[socket, connection] : d->connections)
        QObject::disconnect(socket, nullptr, d->listener, nullptr);
    d->connections.clear();
}

Result<quint16> Server::listen(const QHostAddress &address, quint16 port)
{
    auto listener = std::make_unique<Listener>(d.get());
    if (!listener->listen(address, port))
        return makeError(ErrorCode::Unavailable,
                         QStringLiteral("cannot listen on %1:%2: %3")
                             .arg(address.toString())
                             .arg(port)
                             .arg(listener->errorString()));
    d->listener = listener.get();
    d->core.bind(listener.release()); // Qt's server parents it
    d->idleSweep.start();
    return d->listener->serverPort();
}

void Server::stopListening()
{
    if (d->listener)
        d->listener->close();
}

void Server::closeAll(std::chrono::milliseconds timeout)
{
    std::vector<QPointer<QTcpSocket>> sockets;
    for (const auto &[socket, connection] : d->connections)
        sockets.emplace_back(socket);
    for (const QPointer<QTcpSocket> &socket : sockets) {
        if (socket)
            socket->disconnectFromHost(); // writes what is pending first
    }
    QElapsedTimer waited;
    waited.start();
    while (waited.elapsed() < timeout.count()) {
        bool open = false;
        for (const QPointer<QTcpSocket> &socket : sockets)
            open = open || (socket && socket->state() != QAbstractSocket::UnconnectedState);
        if (!open)
            break;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
    }
}

quint16 Server::port() const
{
    return d->listener ? d->listener->serverPort() : 0;
}

void Server::route(Methods methods, const QString &pattern, Handler handler)
{
    Route route;
    route.methods = methods;
    for (const QString &segment : pattern.split(QLatin1Char('/'), Qt::SkipEmptyParts))
        route.segments << (segment.startsWith(QLatin1Char('{')) ? QStringLiteral("{}") : segment);
    route.handler = std::move(handler);
    d->routes.push_back(std::move(route));
}

void Server::route(Methods methods, const QString &pattern, SyncHandler handler)
{
    route(methods, pattern,
          Handler([handler = std::move(handler)](const QHttpServerRequest &request, const PathArgs &args,
                                                 Responder &&responder) { responder.send(handler(request, args)); }));
}

void Server::setObserver(std::function<void(int)> observer)
{
    *d->observer = std::move(observer);
}

int Server::openConnections() const
{
    return int(d->connections.size());
}

} // namespace vigil::http
