// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What an admin API request brings, checked before anything reaches the engine: query
// parameters (filters, `limit`, `cursor`) against the names a route takes, JSON bodies that
// must be objects, and agent ids. Every refusal is an Invalid error that names the
// parameter or field, answered as 400.
//
// Cursors are opaque to clients: the store's cursor (or an offset, for lists the engine
// answers whole) tagged with the list it belongs to, base64url-encoded. A cursor that does
// not decode, or that came from another list, is refused instead of silently paging from
// somewhere else.

#include "model/json.h"
#include "store/store.h"

#include <QStringList>
#include <QUrlQuery>

#include <initializer_list>
#include <optional>

class QHttpServerRequest;

namespace vigil::api {

inline constexpr int kMaxLimit = 1000;
inline constexpr int kDefaultLimit = 50;

class QueryParams
{
public:
    // `allowed`: the filter names this route takes (limit and cursor are always allowed).
    // Any other name is refused, so a typo (`?state=` on runs) is not silently ignored.
    QueryParams(const QHttpServerRequest &request, const QStringList &allowed);

    std::optional<QString> text(const char *name);
    std::optional<bool> boolean(const char *name);
    // One of an enum's names (the model's toString/fromString pair, found by ADL).
    template<typename E>
    std::optional<E> choice(const char *name, std::optional<E> (*parse)(QStringView));
    // limit (1..1000, default 50) and cursor (decoded; empty for the first page).
    PageRequest page(QStringView list);
    // The same, for lists answered whole by the engine and paged here: the cursor is an offset.
    std::optional<qsizetype> offset(QStringView list, int *limit);

    bool ok() const { return m_error.isEmpty(); }
    Error error() const { return makeError(ErrorCode::Invalid, m_error); }

private:
    void fail(const QString &message);

    QUrlQuery m_query;
    QString m_error;
};

// The client's form of a store cursor of `list`; null JSON for an empty one (the last page).
Json encodeCursor(QStringView list, const QString &storeCursor);

// The request's body as a JSON object. An empty body answers an empty object when
// `required` is false; malformed JSON answers the parser's message.
Result<Json> objectBody(const QByteArray &body, bool required);

// A small body with a fixed set of fields (cancel's `reason`, replay's `dryRun`): optional,
// an object, and without other fields, so that a typo does not pass silently.
Result<Json> smallBody(const QByteArray &body, std::initializer_list<const char *> known);

// {"items": [...], "nextCursor": ...} of a store page.
template<typename T>
Json pageJson(const Page<T> &page, QStringView list)
{
    Json items = Json::array();
    for (const T &item : page.items)
        items.push_back(toJson(item));
    return Json { { "items", std::move(items) }, { "nextCursor", encodeCursor(list, page.nextCursor) } };
}

// The same for a list answered whole: the items from `offset`, at most `limit` of them.
template<typename T>
Json sliceJson(const std::vector<T> &all, qsizetype offset, int limit, QStringView list)
{
    Json items = Json::array();
    const qsizetype end = std::min<qsizetype>(qsizetype(all.size()), offset + limit);
    for (qsizetype i = offset; i < end; ++i)
        items.push_back(toJson(all[size_t(i)]));
    const QString next = end < qsizetype(all.size()) ? QString::number(end) : QString();
    return Json { { "items", std::move(items) }, { "nextCursor", encodeCursor(list, next) } };
}

template<typename E>
std::optional<E> QueryParams::choice(const char *name, std::optional<E> (*parse)(QStringView))
{
    const std::optional<QString> value = text(name);
    if (!value)
        return std::nullopt;
    if (const std::optional<E> parsed = parse(*value))
        return parsed;
    QStringList names;
    for (int i = 0; !toString(E(i)).isEmpty(); ++i)
        names << toString(E(i));
    fail(QStringLiteral("%1: unknown value \"%2\" (expected %3)")
             .arg(QLatin1String(name), *value, names.join(QStringLiteral(", "))));
    return std::nullopt;
}

} // namespace vigil::api
