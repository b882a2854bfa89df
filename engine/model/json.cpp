// SPDX-License-Identifier: GPL-3.0-or-later
#include "json.h"

#include "core/isotime.h"

namespace vigil {

Result<Json> parseJson(const QByteArray &text)
{
    // nlohmann reports the byte offset only through its exception; it is caught right here
    // and never crosses our boundary.
    try {
        return Json::parse(text.constBegin(), text.constEnd());
    } catch (const Json::parse_error &e) {
        return makeError(ErrorCode::Invalid, QStringLiteral("malformed JSON at byte %1: %2")
                                                 .arg(qulonglong(e.byte))
                                                 .arg(QString::fromUtf8(e.what()).section(QLatin1Char(':'), -1).trimmed()));
    } catch (const std::exception &e) {
        return makeError(ErrorCode::Invalid, QStringLiteral("malformed JSON: %1").arg(QString::fromUtf8(e.what())));
    }
}

Result<Json> parseJson(const QString &text)
{
    return parseJson(text.toUtf8());
}

QByteArray dumpJson(const Json &value)
{
    // error_handler::replace: invalid UTF-8 inside strings becomes U+FFFD instead of throwing.
    const std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
    return QByteArray(text.data(), qsizetype(text.size()));
}

QString dumpJsonString(const Json &value)
{
    return QString::fromUtf8(dumpJson(value));
}

JsonReader::JsonReader(const Json &object, QString path)
    : m_json(object)
    , m_path(std::move(path))
{
    if (!m_json.is_object())
        fail(m_path, QStringLiteral("expected an object"));
}

bool JsonReader::isObject() const
{
    return m_json.is_object();
}

QString JsonReader::pathOf(const char *key) const
{
    const QString name = QString::fromLatin1(key);
    return m_path.isEmpty() ? name : m_path + QLatin1Char('.') + name;
}

bool JsonReader::has(const char *key) const
{
    if (!m_json.is_object())
        return false;
    auto it = m_json.find(key);
    return it != m_json.end() && !it->is_null();
}

void JsonReader::fail(const QString &path, const QString &message)
{
    if (!m_error.isEmpty())
        return; // keep the first problem: later ones are often consequences of it
    m_error = path.isEmpty() ? message : path + QStringLiteral(": ") + message;
}

const Json *JsonReader::lookup(const char *key, bool required)
{
    if (!m_json.is_object())
        return nullptr;
    auto it = m_json.find(key);
    if (it == m_json.end() || it->is_null()) {
        if (required)
            fail(pathOf(key), QStringLiteral("is required"));
        return nullptr;
    }
    return &*it;
}

std::optional<QString> JsonReader::string(const char *key, bool required)
{
    const Json *value = lookup(key, required);
    if (!value)
        return std::nullopt;
    if (!value->is_string()) {
        fail(pathOf(key), QStringLiteral("expected a string"));
        return std::nullopt;
    }
    return fromStd(value->get_ref<const std::string &>());
}

std::optional<qint64> JsonReader::integer(const char *key, bool required)
{
    const Json *value = lookup(key, required);
    if (!value)
        return std::nullopt;
    if (value->is_number_integer())
        return value->get<qint64>();
    // 3e3 or 5000.0 are whole numbers written as floats (JavaScript does that): accept them.
    if (value->is_number_float()) {
        const double d = value->get<double>();
        if (d == double(qint64(d)) && d >= -9.0e15 && d <= 9.0e15)
            return qint64(d);
    }
    fail(pathOf(key), QStringLiteral("expected an integer"));
    return std::nullopt;
}

std::optional<bool> JsonReader::boolean(const char *key, bool required)
{
    const Json *value = lookup(key, required);
    if (!value)
        return std::nullopt;
    if (!value->is_boolean()) {
        fail(pathOf(key), QStringLiteral("expected true or false"));
        return std::nullopt;
    }
    return value->get<bool>();
}

std::optional<QDateTime> JsonReader::time(const char *key, bool required)
{
    const std::optional<QString> text = string(key, required);
    if (!text)
        return std::nullopt;
    const QDateTime parsed = fromIsoUtc(*text);
    if (!parsed.isValid()) {
        fail(pathOf(key), QStringLiteral("expected an ISO-8601 time, got \"%1\"").arg(*text));
        return std::nullopt;
    }
    return parsed;
}

std::optional<QStringList> JsonReader::stringList(const char *key, bool required)
{
    const Json *value = lookup(key, required);
    if (!value)
        return std::nullopt;
    if (!value->is_array()) {
        fail(pathOf(key), QStringLiteral("expected an array of strings"));
        return std::nullopt;
    }
    QStringList list;
    for (size_t i = 0; i < value->size(); ++i) {
        const Json &item = (*value)[i];
        if (!item.is_string()) {
            fail(pathOf(key) + QStringLiteral("[%1]").arg(i), QStringLiteral("expected a string"));
            return std::nullopt;
        }
        list.append(fromStd(item.get_ref<const std::string &>()));
    }
    return list;
}

std::optional<Json> JsonReader::object(const char *key, bool required)
{
    const Json *value = lookup(key, required);
    if (!value)
        return std::nullopt;
    if (!value->is_object()) {
        fail(pathOf(key), QStringLiteral("expected an object"));
        return std::nullopt;
    }
    return *value;
}

std::optional<Json> JsonReader::any(const char *key, bool required)
{
    const Json *value = lookup(key, required);
    if (!value)
        return std::nullopt;
    return *value;
}

void putString(Json &out, const char *key, const std::optional<QString> &value)
{
    if (value)
        out[key] = toStd(*value);
}

void putTime(Json &out, const char *key, const QDateTime &value)
{
    if (value.isValid())
        out[key] = toStd(toIsoUtc(value));
}

} // namespace vigil
