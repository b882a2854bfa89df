// SPDX-License-Identifier: GPL-3.0-or-later
#include "api/apirequest.h"

#include <QHttpServerRequest>

namespace vigil::api {

namespace {

const QLatin1String kLimit("limit");
const QLatin1String kCursor("cursor");

} // namespace

QueryParams::QueryParams(const QHttpServerRequest &request, const QStringList &allowed)
    : m_query(request.query())
{
    for (const auto &[key, value] : m_query.queryItems(QUrl::FullyDecoded)) {
        Q_UNUSED(value);
        if (key != kLimit && key != kCursor && !allowed.contains(key)) {
            QStringList known = allowed;
            known << kLimit << kCursor;
            fail(QStringLiteral("%1: unknown query parameter (this list takes %2)")
                     .arg(key, known.join(QStringLiteral(", "))));
            return;
        }
        if (m_query.allQueryItemValues(key).size() > 1) {
            fail(QStringLiteral("%1: given more than once").arg(key));
            return;
        }
    }
}

void QueryParams::fail(const QString &message)
{
    if (m_error.isEmpty())
        m_error = message;
}

std::optional<QString> QueryParams::text(const char *name)
{
    const QString key = QLatin1String(name);
    if (!m_query.hasQueryItem(key))
        return std::nullopt;
    const QString value = m_query.queryItemValue(key, QUrl::FullyDecoded);
    if (value.isEmpty())
        return std::nullopt; // `?status=` is no filter, as HTML forms send it
    return value;
}

std::optional<bool> QueryParams::boolean(const char *name)
{
    const std::optional<QString> value = text(name);
    if (!value)
        return std::nullopt;
    if (*value == u"true")
        return true;
    if (*value == u"false")
        return false;
    fail(QStringLiteral("%1: expected true or false, got \"%2\"").arg(QLatin1String(name), *value));
    return std::nullopt;
}

PageRequest QueryParams::page(QStringView list)
{
    PageRequest page { kDefaultLimit, QString() };
    if (const std::optional<QString> limit = text("limit")) {
        bool ok = false;
        const int value = limit->toInt(&ok);
        if (!ok || value < 1 || value > kMaxLimit) {
            fail(QStringLiteral("limit: expected an integer from 1 to %1, got \"%2\"").arg(kMaxLimit).arg(*limit));
            return page;
        }
        page.limit = value;
    }
    if (const std::optional<QString> cursor = text("cursor")) {
        const auto decoded = QByteArray::fromBase64Encoding(
            cursor->toLatin1(), QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
        const QString text = decoded ? QString::fromUtf8(*decoded) : QString();
        const QString tag = list.toString() + QLatin1Char('\n');
        if (!decoded || !text.startsWith(tag) || text.size() == tag.size()) {
            fail(QStringLiteral("cursor: not a cursor of this list (pass the nextCursor it answered)"));
            return page;
        }
        page.cursor = text.mid(tag.size());
    }
    return page;
}

std::optional<qsizetype> QueryParams::offset(QStringView list, int *limit)
{
    const PageRequest request = page(list);
    *limit = request.limit;
    if (!ok() || request.cursor.isEmpty())
        return ok() ? std::optional<qsizetype>(0) : std::nullopt;
    bool valid = false;
    const qsizetype at = request.cursor.toLongLong(&valid);
    if (!valid || at < 0) {
        fail(QStringLiteral("cursor: not a cursor of this list (pass the nextCursor it answered)"));
        return std::nullopt;
    }
    return at;
}

Json encodeCursor(QStringView list, const QString &storeCursor)
{
    if (storeCursor.isEmpty())
        return Json();
    const QByteArray text = QString(list.toString() + QLatin1Char('\n') + storeCursor).toUtf8();
    return Json(text.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals).toStdString());
}

Result<Json> objectBody(const QByteArray &body, bool required)
{
    if (body.trimmed().isEmpty()) {
        if (required)
            return makeError(ErrorCode::Invalid, QStringLiteral("body: expected a JSON object, got nothing"));
        return Json::object();
    }
    Result<Json> parsed = parseJson(body);
    if (!parsed)
        return parsed;
    if (!parsed->is_object())
        return makeError(ErrorCode::Invalid,
                         QStringLiteral("body: expected a JSON object, got %1").arg(QLatin1String(parsed->type_name())));
    return parsed;
}

Result<Json> smallBody(const QByteArray &body, std::initializer_list<const char *> known)
{
    Result<Json> parsed = objectBody(body, false);
    if (!parsed)
        return parsed;
    for (auto it = parsed->begin(); it != parsed->end(); ++it) {
        if (std::none_of(known.begin(), known.end(), [&](const char *name) { return it.key() == name; }))
            return makeError(ErrorCode::Invalid, QStringLiteral("%1: unknown field").arg(fromStd(it.key())));
    }
    return parsed;
}

} // namespace vigil::api
