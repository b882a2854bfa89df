// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Vigil's one HTTP server (the collector thread's): QHttpServer 6.4 kept behind this small
// class so the rest of the code never meets its quirks. What it adds to Qt's server:
//   - routing with `{name}` segments and a 405 with `Allow` for a known path and a wrong
//     method (6.4 answers 404 by itself), JSON errors `{"error": {"code", "message"}}` for
//     unknown paths;
//   - limits of our own: bodies over maxBody get 413 (refused from Content-Length before the
//     body is read, or cut off once the bytes exceed it), at most maxConnections open
//     connections, and idle connections closed after idleTimeout;
//   - answers that can come later: a handler gets a Responder it may keep (the heartbeat
//     group commit answers once the batch committed); a Responder whose client went away
//     sends nothing.
// Handlers run on the thread that owns the Server.

#include "core/result.h"

#include <QHostAddress>
#include <QObject>

#include <chrono>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

class QHttpServerRequest;
class QHttpServerResponder;
class QTcpSocket;

namespace vigil::http {

struct Response
{
    int status = 200;
    QByteArray contentType = QByteArrayLiteral("application/json");
    QByteArray body;
    std::vector<std::pair<QByteArray, QByteArray>> headers; // extra headers

    static Response json(int status, const nlohmann::json &body);
    static Response noContent();
    // {"error": {"code": code, "message": message}}
    static Response error(int status, const QString &code, const QString &message);
    // The status that fits the error's code (Invalid 400, NotFound 404, Conflict 409,
    // Unauthorized 401, TooLarge 413, Unavailable 503 with Retry-After, else 500).
    static Response error(const Error &error);
    Response &withHeader(QByteArray name, QByteArray value);
};

int statusFor(ErrorCode code);

// Answers one request, now or later; move-only. send() does nothing once the client left.
class Responder
{
public:
    Responder(QHttpServerResponder &&responder, bool headRequest);
    Responder(Responder &&other) noexcept;
    Responder &operator=(Responder &&other) noexcept;
    ~Responder();

    void send(const Response &response);
    bool isOpen() const;
    // Called with the status of what send() answers (the server's counters).
    void setObserver(std::shared_ptr<std::function<void(int)>> observer);

private:
    struct State;
    std::unique_ptr<State> d;
};

enum class Method { Get = 1, Head = 2, Post = 4, Put = 8, Delete = 16 };
using Methods = int; // Method values or-ed

// Path segments bound to the route's `{name}` placeholders, percent-decoded, in order.
using PathArgs = QStringList;
using Handler = std::function<void(const QHttpServerRequest &, const PathArgs &, Responder &&)>;
using SyncHandler = std::function<Response(const QHttpServerRequest &, const PathArgs &)>;

struct Limits
{
    qint64 maxBody = 64 * 1024;
    int maxConnections = 1024;
    std::chrono::milliseconds idleTimeout = std::chrono::seconds(60);
};

class Server final : public QObject
{
    Q_OBJECT
public:
    explicit Server(Limits limits = {}, QObject *parent = nullptr);
    ~Server() override;

    // Binds; port 0 picks a free one. Answers the bound port.
    Result<quint16> listen(const QHostAddress &address, quint16 port);
    // Closes the listening socket; open connections are kept until they finish.
    void stopListening();
    // Closes every connection once its pending answers are written (waiting at most
    // `timeout`, with the event loop running).
    void closeAll(std::chrono::milliseconds timeout);
    quint16 port() const;

    // Routes match in the order they were added; a GET route answers HEAD too (no body).
    // `pattern` is a path such as "/api/v1/runs/{id}/cancel".
    void route(Methods methods, const QString &pattern, Handler handler);
    void route(Methods methods, const QString &pattern, SyncHandler handler);
    // Called for every answered request with its status (the metrics' counters).
    void setObserver(std::function<void(int status)> observer);

    int openConnections() const;

    struct Private;

private:
    std::unique_ptr<Private> d;
};

// The request's header value (case-insensitive name); empty when absent.
QByteArray header(const QHttpServerRequest &request, const QByteArray &name);

} // namespace vigil::http
