// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// JSON plumbing shared by the value types: nlohmann::json as the one in-memory form of
// arbitrary JSON (payloads, configs, contexts, results), conversions to and from Qt types,
// and the fromJson<T>() entry point each value type specialises. Parsing never throws:
// it answers a Result whose message names the path of the first bad field
// ("steps[1].delayMs: expected an integer").

#include "core/result.h"

#include <nlohmann/json.hpp>

#include <QDateTime>
#include <QString>
#include <QStringList>

#include <optional>
#include <string>

namespace vigil {

using Json = nlohmann::json;

inline std::string toStd(const QString &s) { return s.toStdString(); }
inline QString fromStd(const std::string &s) { return QString::fromStdString(s); }

// Parses text; the error names the byte offset. Never throws.
Result<Json> parseJson(const QByteArray &text);
Result<Json> parseJson(const QString &text);
// Compact UTF-8 text (what the stores and the HTTP API write).
QByteArray dumpJson(const Json &value);
QString dumpJsonString(const Json &value);

// Every value type T has `Json toJson(const T &)` and a specialisation of this template.
template<typename T>
Result<T> fromJson(const Json &json);

// A cursor over a JSON object that records the path for error messages. Getters return
// nullopt when the key is absent or null, and set the first error when the type is wrong.
class JsonReader
{
public:
    JsonReader(const Json &object, QString path);

    bool isObject() const;
    const Json &json() const { return m_json; }
    const QString &path() const { return m_path; }
    QString pathOf(const char *key) const;
    bool has(const char *key) const;

    std::optional<QString> string(const char *key, bool required = false);
    std::optional<qint64> integer(const char *key, bool required = false);
    std::optional<bool> boolean(const char *key, bool required = false);
    std::optional<QDateTime> time(const char *key, bool required = false);
    std::optional<QStringList> stringList(const char *key, bool required = false);
    std::optional<Json> object(const char *key, bool required = false);
    std::optional<Json> any(const char *key, bool required = false);

    void fail(const QString &path, const QString &message);
    bool ok() const { return m_error.isEmpty(); }
    Error error() const { return makeError(ErrorCode::Invalid, m_error); }

private:
    const Json *lookup(const char *key, bool required);

    const Json &m_json;
    QString m_path;
    QString m_error;
};

// JSON for optional values: absent fields are omitted by toJson, never written as null.
void putString(Json &out, const char *key, const std::optional<QString> &value);
void putTime(Json &out, const char *key, const QDateTime &value);

} // namespace vigil
