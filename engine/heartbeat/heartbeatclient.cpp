// SPDX-License-Identifier: GPL-3.0-or-later
#include "heartbeat/heartbeatclient.h"

#include "heartbeat/signing.h"
#include "model/json.h"

#include <QCoroNetworkReply>
#include <QDateTime>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTimer>
#include <QUrlQuery>
#include <memory>

namespace vigil {

namespace {

// Enough for any error the collector sends; a larger answer is not read further.
constexpr qint64 kMaxAnswerBytes = 64 * 1024;

struct DeleteLater
{
    void operator()(QObject *object) const
    {
        if (object)
            object->deleteLater();
    }
};

// The message of a `{"error": {"code", "message"}}` answer, or empty.
QString collectorMessage(const QByteArray &body)
{
    const Result<Json> json = parseJson(body);
    if (!json || !json->is_object())
        return {};
    const auto error = json->find("error");
    if (error == json->end() || !error->is_object())
        return {};
    const auto message = error->find("message");
    if (message == error->end() || !message->is_string())
        return {};
    return fromStd(message->get<std::string>());
}

std::optional<std::chrono::seconds> retryAfter(const QNetworkReply &reply)
{
    bool ok = false;
    const qint64 seconds = reply.rawHeader("Retry-After").trimmed().toLongLong(&ok);
    if (!ok || seconds < 0)
        return std::nullopt;
    return std::chrono::seconds(seconds);
}

} // namespace

QString PostOutcome::describe() const
{
    if (status == 0)
        return error;
    const QString head = QStringLiteral("HTTP %1").arg(status);
    return error.isEmpty() ? head : head + QStringLiteral(": ") + error;
}

QUrl heartbeatUrl(const QUrl &base, const QString &agentId, const QString &suffix, const QString &rid)
{
    QUrl url = base;
    QString path = base.path();
    while (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    path += QStringLiteral("/heartbeat/") + agentId;
    if (!suffix.isEmpty())
        path += QLatin1Char('/') + suffix;
    url.setPath(path);
    if (!rid.isEmpty())
        url.setQuery(QUrlQuery { { QStringLiteral("rid"), rid } });
    return url;
}

HeartbeatClient::HeartbeatClient(QObject *parent)
    : QObject(parent)
    , m_network(new QNetworkAccessManager(this))
{ }

HeartbeatClient::~HeartbeatClient() = default;

QCoro::Task<PostOutcome> HeartbeatClient::post(QUrl url, QByteArray key, QByteArray body)
{
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setHeader(QNetworkRequest::UserAgentHeader, QByteArrayLiteral("vigil-agent/" VIGIL_VERSION));
    if (!key.isEmpty()) {
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        request.setRawHeader(signing::timestampHeader, QByteArray::number(now));
        request.setRawHeader(signing::signatureHeader, signing::sign(key, now, body));
    }
    // deleteLater, never delete: the coroutine resumes inside the reply's finished().
    const std::unique_ptr<QNetworkReply, DeleteLater> reply(m_network->post(request, body));

    bool timedOut = false;
    {
        QTimer timer;
        timer.setSingleShot(true);
        QNetworkReply *raw = reply.get();
        // Queued: the reply finishes from the event loop, not inside the timer's signal.
        connect(&timer, &QTimer::timeout, raw, [raw, &timedOut] {
            timedOut = true;
            QMetaObject::invokeMethod(raw, &QNetworkReply::abort, Qt::QueuedConnection);
        });
        timer.start(m_timeout);
        co_await reply.get();
    }

    PostOutcome outcome;
    const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (timedOut) {
        outcome.error = QStringLiteral("no answer within %1 ms").arg(m_timeout.count());
    } else if (!status.isValid()) {
        outcome.error = reply->errorString();
    } else {
        outcome.status = status.toInt();
        outcome.retryAfter = retryAfter(*reply);
        if (!outcome.ok())
            outcome.error = collectorMessage(reply->read(kMaxAnswerBytes));
    }
    co_return outcome;
}

} // namespace vigil
