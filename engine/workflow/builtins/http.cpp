// SPDX-License-Identifier: GPL-3.0-or-later
// http_request (a webhook action) and http_check (a condition) share one request path: a
// long-lived QNetworkAccessManager per thread, a body capped while it arrives, our own
// QTimer timeout (QCoro 0.8 crashes when QNAM's transfer timeout aborts an awaited reply)
// and an abort when the step's cancellation token fires.

#include "builtins_p.h"
#include "configreader.h"
#include "workflow/registry.h"

#include <QCoreApplication>
#include <QCoroNetworkReply>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPointer>
#include <QThread>
#include <QTimer>
#include <QUrl>
#include <memory>

namespace vigil::builtins {

namespace {

QNetworkAccessManager &networkAccess()
{
    // QNAM is per thread and must outlive its replies. Created on first use; it goes with the
    // application (main thread) or with its thread, never while a handler might await a reply.
    thread_local QPointer<QNetworkAccessManager> manager;
    if (!manager) {
        manager = new QNetworkAccessManager;
        QCoreApplication *app = QCoreApplication::instance();
        if (app && app->thread() == QThread::currentThread())
            manager->setParent(app);
        else
            QObject::connect(QThread::currentThread(), &QThread::finished, manager, &QObject::deleteLater);
    }
    return *manager;
}

struct DeleteLater
{
    void operator()(QObject *object) const
    {
        if (object)
            object->deleteLater();
    }
};

struct HttpCall
{
    QUrl url;
    QByteArray method;
    std::vector<std::pair<QString, QString>> headers;
    QByteArray body;
    qint64 timeoutMs = 10000;
};

struct HttpOutcome
{
    enum class Kind { Response, NetworkError, TimedOut, Canceled };
    Kind kind = Kind::Response;
    int status = 0;
    QByteArray body; // at most kOutputLimit bytes
    bool truncated = false;
    bool isJson = false;
    QString error; // NetworkError: Qt's text; Canceled: the token's reason
};

// Errors that are transport failures even when a status line arrived (a body cut short,
// a redirect loop); content and server errors (201-299, 401-499) are just the HTTP status.
bool isTransportError(QNetworkReply::NetworkError error)
{
    const int code = int(error);
    return (code >= 1 && code <= 199) || (code >= 301 && code <= 399);
}

QCoro::Task<HttpOutcome> perform(HttpCall call, CancellationToken cancel)
{
    HttpOutcome outcome;
    if (cancel.isCanceled()) {
        outcome.kind = HttpOutcome::Kind::Canceled;
        outcome.error = cancel.reason();
        co_return outcome;
    }

    QNetworkRequest request(call.url);
    for (const auto &[name, value] : call.headers)
        request.setRawHeader(name.toUtf8(), value.toUtf8());
    QNetworkAccessManager &manager = networkAccess();
    QNetworkReply *reply = call.method == "HEAD" ? manager.head(request)
                                                 : manager.sendCustomRequest(request, call.method, call.body);
    // deleteLater, never delete: we resume inside the reply's finished() signal.
    const std::unique_ptr<QNetworkReply, DeleteLater> owner(reply);

    bool timedOut = false;
    {
        // The context of every connection below, so none outlives the locals it touches.
        QObject scope;
        // Read as it arrives and drop what is over the cap, so memory stays bounded.
        const auto drain = [&outcome, reply] {
            if (!reply->isOpen())
                return; // aborted: abort() closes the device
            if (!appendCapped(outcome.body, reply->readAll()))
                outcome.truncated = true;
        };
        QObject::connect(reply, &QIODevice::readyRead, &scope, drain);
        // Both aborts are queued: the handler then resumes from the event loop, never inside
        // our timer's signal nor inside cancel(), which the engine calls while it walks its
        // table of running steps.
        const auto abortLater = [reply] {
            QMetaObject::invokeMethod(
                reply, [reply] { reply->abort(); }, Qt::QueuedConnection);
        };
        QTimer timer;
        timer.setSingleShot(true);
        QObject::connect(&timer, &QTimer::timeout, &scope, [&timedOut, abortLater] {
            timedOut = true;
            abortLater();
        });
        timer.start(int(call.timeoutMs));
        QObject::connect(cancel.source(), &CancellationSource::canceled, &scope, abortLater);

        co_await reply;

        timer.stop();
        drain();
    }

    const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    const bool aborted = reply->error() == QNetworkReply::OperationCanceledError;
    if (aborted && timedOut) {
        outcome.kind = HttpOutcome::Kind::TimedOut;
    } else if (aborted && cancel.isCanceled()) {
        outcome.kind = HttpOutcome::Kind::Canceled;
        outcome.error = cancel.reason();
    } else if (!status.isValid() || isTransportError(reply->error())) {
        outcome.kind = HttpOutcome::Kind::NetworkError;
        outcome.error = reply->errorString();
    } else {
        outcome.status = status.toInt();
        outcome.isJson = reply->header(QNetworkRequest::ContentTypeHeader)
                             .toString()
                             .contains(QLatin1String("json"), Qt::CaseInsensitive);
    }
    co_return outcome;
}

// A URL fit to call, or an operator-facing message.
Result<QUrl> httpUrl(const QString &text)
{
    const QUrl url(text, QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    if (!url.isValid() || (scheme != QLatin1String("http") && scheme != QLatin1String("https"))
        || url.host().isEmpty())
        return makeError(
            ErrorCode::Invalid, QStringLiteral("config.url: \"%1\" is not an http or https URL").arg(text));
    return url;
}

// A header that cannot smuggle another header or a second request in: a template may
// render signal data into it.
QString headerProblem(const QString &name, const QString &value)
{
    static const QString tokenChars = QStringLiteral("!#$%&'*+-.^_`|~");
    const bool nameOk = !name.isEmpty() && std::all_of(name.begin(), name.end(), [](QChar c) {
        return c.unicode() < 128 && (c.isLetterOrNumber() || tokenChars.contains(c));
    });
    if (!nameOk)
        return QStringLiteral("config.headers: \"%1\" is not a header name").arg(name);
    if (std::any_of(
            value.begin(), value.end(), [](QChar c) { return c == u'\r' || c == u'\n' || c == u'\0'; }))
        return QStringLiteral("config.headers.%1: a header value cannot hold a line break").arg(name);
    return {};
}

// For messages and logs: without user info, which may hold a password.
QString shown(const QUrl &url)
{
    return url.toDisplayString(QUrl::RemoveUserInfo);
}

Json responseData(const HttpOutcome &outcome)
{
    Json data = Json::object();
    data["status"] = outcome.status;
    Json body = toStd(decodeText(outcome.body));
    if (outcome.isJson && !outcome.truncated && !outcome.body.isEmpty()) {
        if (Result<Json> parsed = parseJson(outcome.body))
            body = std::move(parsed).value();
    }
    data["body"] = std::move(body);
    if (outcome.truncated)
        data["truncated"] = true;
    return data;
}

std::vector<ConfigField> httpRequestSchema()
{
    using T = ConfigField::Type;
    return {
        field("url", T::String, true, Json(),
            QStringLiteral(
                "The http or https URL to call, e.g. https://hooks.example/{{trigger.resourceId}}.")),
        field("method", T::String, false, "POST", QStringLiteral("The HTTP method."),
            { QStringLiteral("GET"), QStringLiteral("POST"), QStringLiteral("PUT"), QStringLiteral("PATCH"),
                QStringLiteral("DELETE"), QStringLiteral("HEAD") }),
        field("headers", T::Object, false, Json(),
            QStringLiteral("Request headers: header name to string value.")),
        field("body", T::Any, false, Json(),
            QStringLiteral(
                "The request body. An object or array is sent as JSON (Content-Type application/json "
                "unless a header sets it), a string as it is. Not allowed with HEAD.")),
        field("timeoutMs", T::Integer, false, 10000, QStringLiteral("Fail after this many milliseconds.")),
    };
}

std::vector<ConfigField> httpCheckSchema()
{
    using T = ConfigField::Type;
    return {
        field("url", T::String, true, Json(), QStringLiteral("The http or https URL to GET.")),
        field("timeoutMs", T::Integer, false, 5000,
            QStringLiteral("After this many milliseconds without an answer the check is false.")),
        field("expectStatus", T::Integer, false, Json(),
            QStringLiteral("The status that makes the check true; when absent, any 2xx status does.")),
    };
}

QCoro::Task<ActionResult> httpRequest(StepContext ctx)
{
    ConfigReader config(httpRequestSchema(), ctx.stepConfig);
    const QString urlText = config.string("url");
    HttpCall call;
    call.method = config.string("method").toLatin1();
    call.headers = config.stringMap("headers");
    const Json body = config.value("body");
    call.timeoutMs = config.timeoutMs("timeoutMs", kMaxTimeoutMs);
    if (!config.ok())
        co_return ActionResult::failure(config.error());
    Result<QUrl> url = httpUrl(urlText);
    if (!url)
        co_return ActionResult::failure(url.error().message);
    call.url = url.value();
    for (const auto &[name, value] : call.headers) {
        if (const QString problem = headerProblem(name, value); !problem.isEmpty())
            co_return ActionResult::failure(problem);
    }

    if (!body.is_null()) {
        if (call.method == "HEAD")
            co_return ActionResult::failure(QStringLiteral("config.body: a HEAD request carries no body"));
        const bool hasContentType
            = std::any_of(call.headers.begin(), call.headers.end(), [](const auto &header) {
                  return header.first.compare(QLatin1String("content-type"), Qt::CaseInsensitive) == 0;
              });
        if (body.is_string()) {
            call.body = QByteArray::fromStdString(body.get<std::string>());
            if (!hasContentType)
                call.headers.emplace_back(
                    QStringLiteral("Content-Type"), QStringLiteral("text/plain; charset=utf-8"));
        } else {
            call.body = dumpJson(body);
            if (!hasContentType)
                call.headers.emplace_back(QStringLiteral("Content-Type"), QStringLiteral("application/json"));
        }
    }

    const qint64 timeoutMs = call.timeoutMs;
    const HttpOutcome outcome = co_await perform(std::move(call), ctx.cancel);
    switch (outcome.kind) {
    case HttpOutcome::Kind::TimedOut:
        co_return ActionResult::failure(QStringLiteral("timed out after %1 ms").arg(timeoutMs));
    case HttpOutcome::Kind::Canceled:
        co_return ActionResult::failure(QStringLiteral("canceled: %1").arg(outcome.error));
    case HttpOutcome::Kind::NetworkError:
        co_return ActionResult::failure(outcome.error);
    case HttpOutcome::Kind::Response:
        break;
    }
    Json data = responseData(outcome);
    const QString line = QStringLiteral("HTTP %1 from %2").arg(outcome.status).arg(shown(url.value()));
    if (outcome.status < 200 || outcome.status > 299)
        co_return ActionResult::failure(line, std::move(data));
    ctx.log(line, Json { { "status", outcome.status } });
    co_return ActionResult::ok(std::move(data));
}

QCoro::Task<Result<bool>> httpCheck(StepContext ctx)
{
    ConfigReader config(httpCheckSchema(), ctx.stepConfig);
    const QString urlText = config.string("url");
    HttpCall call;
    call.method = "GET";
    call.timeoutMs = config.timeoutMs("timeoutMs", kMaxTimeoutMs);
    const std::optional<qint64> expectStatus = config.optionalInteger("expectStatus");
    if (!config.ok())
        co_return makeError(ErrorCode::Invalid, config.error());
    Result<QUrl> url = httpUrl(urlText);
    if (!url)
        co_return url.error();
    call.url = url.value();

    const qint64 timeoutMs = call.timeoutMs;
    const HttpOutcome outcome = co_await perform(std::move(call), ctx.cancel);
    const QString where = shown(url.value());
    switch (outcome.kind) {
    case HttpOutcome::Kind::Canceled:
        co_return makeError(ErrorCode::Unavailable, QStringLiteral("canceled: %1").arg(outcome.error));
    case HttpOutcome::Kind::TimedOut:
        ctx.log(QStringLiteral("http_check: %1 timed out after %2 ms").arg(where).arg(timeoutMs), Json(),
            LogLevel::Warn);
        co_return false;
    case HttpOutcome::Kind::NetworkError:
        ctx.log(QStringLiteral("http_check: %1: %2").arg(where, outcome.error), Json(), LogLevel::Warn);
        co_return false;
    case HttpOutcome::Kind::Response:
        break;
    }
    const bool passed
        = expectStatus ? outcome.status == *expectStatus : (outcome.status >= 200 && outcome.status <= 299);
    ctx.log(QStringLiteral("http_check: HTTP %1 from %2").arg(outcome.status).arg(where),
        Json { { "status", outcome.status }, { "passed", passed } },
        passed ? LogLevel::Info : LogLevel::Warn);
    co_return passed;
}

} // namespace

void registerHttp(Registry &registry)
{
    ActionOptions request;
    request.replaySafe = false; // a webhook must not fire twice because a run was replayed
    request.configSchema = httpRequestSchema();
    request.description = QStringLiteral("Calls an HTTP endpoint (a webhook). Succeeds on a 2xx answer, with "
                                         "{status, body} (JSON bodies parsed, at most 64 KiB kept).");
    expectRegistered(registry.registerAction(QStringLiteral("http_request"), httpRequest, std::move(request)),
        "http_request");

    ConditionOptions check;
    check.configSchema = httpCheckSchema();
    check.description
        = QStringLiteral("GETs a URL: true on a 2xx answer (or on expectStatus when set), false "
                         "on any other status, a network error or a timeout.");
    expectRegistered(
        registry.registerCondition(QStringLiteral("http_check"), httpCheck, std::move(check)), "http_check");
}

} // namespace vigil::builtins
