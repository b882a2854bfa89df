// SPDX-License-Identifier: GPL-3.0-or-later
#include "handler.h"

#include "model/enumnames.h"

#include <QSet>

namespace vigil {

namespace {
const char *const kFieldTypeNames[] = { "string", "integer", "number", "boolean", "object", "array", "stringList", "any" };

bool hasType(const Json &value, ConfigField::Type type)
{
    switch (type) {
    case ConfigField::Type::String: return value.is_string();
    case ConfigField::Type::Integer: return value.is_number_integer();
    case ConfigField::Type::Number: return value.is_number();
    case ConfigField::Type::Boolean: return value.is_boolean();
    case ConfigField::Type::Object: return value.is_object();
    case ConfigField::Type::Array: return value.is_array();
    case ConfigField::Type::StringList:
        return value.is_array() && std::all_of(value.begin(), value.end(), [](const Json &item) { return item.is_string(); });
    case ConfigField::Type::Any: return true;
    }
    return false;
}

QString expected(ConfigField::Type type)
{
    switch (type) {
    case ConfigField::Type::String: return QStringLiteral("a string");
    case ConfigField::Type::Integer: return QStringLiteral("an integer");
    case ConfigField::Type::Number: return QStringLiteral("a number");
    case ConfigField::Type::Boolean: return QStringLiteral("true or false");
    case ConfigField::Type::Object: return QStringLiteral("an object");
    case ConfigField::Type::Array: return QStringLiteral("an array");
    case ConfigField::Type::StringList: return QStringLiteral("an array of strings");
    case ConfigField::Type::Any: return QStringLiteral("any value");
    }
    return {};
}
} // namespace

QString toString(ConfigField::Type type)
{
    return detail::enumName(kFieldTypeNames, type);
}

Json toJson(const ConfigField &field)
{
    Json out = Json::object();
    out["name"] = toStd(field.name);
    out["type"] = toStd(toString(field.type));
    out["required"] = field.required;
    if (!field.defaultValue.is_null())
        out["default"] = field.defaultValue;
    out["description"] = toStd(field.description);
    if (!field.choices.isEmpty()) {
        Json choices = Json::array();
        for (const QString &choice : field.choices)
            choices.push_back(toStd(choice));
        out["choices"] = std::move(choices);
    }
    return out;
}

Status checkConfig(const std::vector<ConfigField> &schema, const Json &config, const QString &path)
{
    if (config.is_null())
        return checkConfig(schema, Json::object(), path);
    if (!config.is_object())
        return makeError(ErrorCode::Invalid, path + QStringLiteral(": expected an object"));
    QSet<QString> known;
    for (const ConfigField &field : schema) {
        known.insert(field.name);
        const QString fieldPath = path + QLatin1Char('.') + field.name;
        const auto it = config.find(toStd(field.name));
        if (it == config.end() || it->is_null()) {
            if (field.required)
                return makeError(ErrorCode::Invalid, fieldPath + QStringLiteral(": is required"));
            continue;
        }
        // A string may hold a {{template}} for any type: it is checked after rendering.
        const bool templated = it->is_string() && fromStd(it->get<std::string>()).contains(QStringLiteral("{{"));
        if (!templated && !hasType(*it, field.type))
            return makeError(ErrorCode::Invalid, fieldPath + QStringLiteral(": expected %1").arg(expected(field.type)));
        if (!templated && !field.choices.isEmpty() && it->is_string()
            && !field.choices.contains(fromStd(it->get<std::string>())))
            return makeError(ErrorCode::Invalid, fieldPath + QStringLiteral(": \"%1\" is not one of %2")
                                                           .arg(fromStd(it->get<std::string>()),
                                                                field.choices.join(QStringLiteral(", "))));
    }
    for (auto it = config.begin(); it != config.end(); ++it) {
        if (!known.contains(fromStd(it.key())))
            return makeError(ErrorCode::Invalid,
                             path + QLatin1Char('.') + fromStd(it.key()) + QStringLiteral(": unknown field"));
    }
    return {};
}

} // namespace vigil
