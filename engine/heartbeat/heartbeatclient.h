// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The agent's side of the collector's heartbeat routes (DESIGN.md "HTTP interface"): one
// POST, signed with vigil::signing when the target has a key, bounded by our own timeout
// (QCoro 0.8 crashes when QNAM's transfer timeout aborts an awaited reply), answered as a
// value that says whether it worked and whether trying again could help. The client owns one
// long-lived QNetworkAccessManager; it must outlive the posts it started.

#include <QCoroTask>
#include <QObject>
#include <QString>
#include <QUrl>
#include <chrono>
#include <optional>

class QNetworkAccessManager;

namespace vigil {

struct PostOutcome
{
    int status = 0; // the HTTP status; 0 when none arrived
    QString error; // no answer: why; an error status: the collector's message, if it sent one
    std::optional<std::chrono::seconds> retryAfter;

    bool ok() const { return status >= 200 && status < 300; }
    // No answer, a timeout, too many requests or a server error: the same request may work
    // later. Another 4xx will fail again until the operator fixes something.
    bool retryable() const { return status == 0 || status == 408 || status == 429 || status >= 500; }
    QString describe() const; // "HTTP 401: signature does not match", "Connection refused"
};

// {base}/heartbeat/{agentId}[/{suffix}][?rid={rid}], keeping a path prefix of `base`.
QUrl heartbeatUrl(
    const QUrl &base, const QString &agentId, const QString &suffix = {}, const QString &rid = {});

class HeartbeatClient final : public QObject
{
    Q_OBJECT
public:
    explicit HeartbeatClient(QObject *parent = nullptr);
    ~HeartbeatClient() override;

    void setTimeout(std::chrono::milliseconds timeout) { m_timeout = timeout; }
    std::chrono::milliseconds timeout() const { return m_timeout; }

    // POSTs `body` (JSON, may be empty) to `url`, signed when `key` is not empty.
    QCoro::Task<PostOutcome> post(QUrl url, QByteArray key, QByteArray body);

private:
    QNetworkAccessManager *m_network = nullptr;
    std::chrono::milliseconds m_timeout { 10000 };
};

} // namespace vigil
