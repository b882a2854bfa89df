// SPDX-License-Identifier: GPL-3.0-or-later
#include "jsonschema.h"

#include <QStringList>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace vigil {

namespace {

// Schemas come from trigger registrations over the API; the validators below recurse once per
// level, so a hostile schema must not be able to exhaust the stack.
constexpr int kMaxSchemaDepth = 64;

// Offending values are quoted in messages an operator reads; a whole payload object would
// drown the message.
constexpr qsizetype kMaxQuotedValue = 60;

const char *const kTypeNames[] = { "string", "number", "integer", "boolean", "object", "array", "null" };

bool isKnownType(const std::string &name)
{
    for (const char *known : kTypeNames) {
        if (name == known)
            return true;
    }
    return false;
}

QString join(const QString &path, const QString &child)
{
    return path.isEmpty() ? child : path + QLatin1Char('.') + child;
}

QString indexed(const QString &path, size_t index)
{
    return path + QLatin1Char('[') + QString::number(index) + QLatin1Char(']');
}

Error failure(const QString &path, const QString &message)
{
    return makeError(ErrorCode::Invalid, path.isEmpty() ? message : path + QStringLiteral(": ") + message);
}

QString quoted(const Json &value)
{
    const QString text = dumpJsonString(value);
    if (text.size() <= kMaxQuotedValue)
        return text;
    // Never cut between the two halves of a surrogate pair.
    const qsizetype cut
        = text.at(kMaxQuotedValue - 1).isHighSurrogate() ? kMaxQuotedValue - 1 : kMaxQuotedValue;
    return text.left(cut) + QChar(0x2026);
}

// Exact for every pair of JSON numbers that fit in 64 bits, unlike comparing as doubles
// (which rounds above 2^53) or nlohmann's operator< (which wraps unsigned above INT64_MAX).
int compareNumbers(const Json &a, const Json &b)
{
    if (a.is_number_integer() && b.is_number_integer()) {
        const bool aNegative = a.is_number_unsigned() ? false : a.get<std::int64_t>() < 0;
        const bool bNegative = b.is_number_unsigned() ? false : b.get<std::int64_t>() < 0;
        if (aNegative != bNegative)
            return aNegative ? -1 : 1;
        if (aNegative) {
            const std::int64_t x = a.get<std::int64_t>();
            const std::int64_t y = b.get<std::int64_t>();
            return x < y ? -1 : (x > y ? 1 : 0);
        }
        const std::uint64_t x = a.get<std::uint64_t>();
        const std::uint64_t y = b.get<std::uint64_t>();
        return x < y ? -1 : (x > y ? 1 : 0);
    }
    const double x = a.get<double>();
    const double y = b.get<double>();
    return x < y ? -1 : (x > y ? 1 : 0);
}

// ---- checkSchema -------------------------------------------------------------------------

Status checkType(const Json &type, const QString &path)
{
    const auto checkName = [](const Json &name, const QString &namePath) -> Status {
        if (!name.is_string())
            return failure(namePath, QStringLiteral("expected a type name"));
        const std::string &text = name.get_ref<const std::string &>();
        if (!isKnownType(text))
            return failure(namePath, QStringLiteral("unknown type \"%1\"").arg(fromStd(text)));
        return {};
    };
    if (type.is_string())
        return checkName(type, path);
    if (!type.is_array())
        return failure(path, QStringLiteral("expected a type name or an array of type names"));
    if (type.empty())
        return failure(path, QStringLiteral("expected at least one type name"));
    for (size_t i = 0; i < type.size(); ++i) {
        if (Status status = checkName(type[i], indexed(path, i)); !status)
            return status;
    }
    return {};
}

Status checkSchemaAt(const Json &schema, const QString &path, int depth)
{
    if (!schema.is_object())
        return failure(path, QStringLiteral("expected an object"));
    if (depth > kMaxSchemaDepth)
        return failure(path, QStringLiteral("nested deeper than %1 levels").arg(kMaxSchemaDepth));

    for (auto it = schema.begin(); it != schema.end(); ++it) {
        const std::string &key = it.key();
        const Json &value = it.value();
        const QString keyPath = join(path, fromStd(key));
        if (key == "type") {
            if (Status status = checkType(value, keyPath); !status)
                return status;
        } else if (key == "required") {
            if (!value.is_array())
                return failure(keyPath, QStringLiteral("expected an array of strings"));
            for (size_t i = 0; i < value.size(); ++i) {
                if (!value[i].is_string())
                    return failure(indexed(keyPath, i), QStringLiteral("expected a string"));
            }
        } else if (key == "properties") {
            if (!value.is_object())
                return failure(keyPath, QStringLiteral("expected an object"));
            for (auto property = value.begin(); property != value.end(); ++property) {
                if (Status status
                    = checkSchemaAt(property.value(), join(keyPath, fromStd(property.key())), depth + 1);
                    !status)
                    return status;
            }
        } else if (key == "items") {
            // Only the single-schema form: the tuple form (an array of schemas) is a different
            // rule, and accepting it half-understood would check less than the author meant.
            if (Status status = checkSchemaAt(value, keyPath, depth + 1); !status)
                return status;
        } else if (key == "enum") {
            if (!value.is_array())
                return failure(keyPath, QStringLiteral("expected an array"));
            // An empty enum accepts nothing, which is never what a payload's author means.
            if (value.empty())
                return failure(keyPath, QStringLiteral("expected at least one value"));
        } else if (key == "minimum" || key == "maximum") {
            if (!value.is_number())
                return failure(keyPath, QStringLiteral("expected a number"));
        } else if (key == "format") {
            if (!value.is_string())
                return failure(keyPath, QStringLiteral("expected a string"));
            if (value.get_ref<const std::string &>() != "date-time")
                return failure(keyPath, QStringLiteral("unsupported format %1").arg(quoted(value)));
        } else if (key == "description" || key == "title") {
            if (!value.is_string())
                return failure(keyPath, QStringLiteral("expected a string"));
        } else {
            return failure(path, QStringLiteral("unsupported keyword \"%1\"").arg(fromStd(key)));
        }
    }

    // A range no number satisfies is a typo, not a policy.
    const auto minimum = schema.find("minimum");
    const auto maximum = schema.find("maximum");
    if (minimum != schema.end() && maximum != schema.end() && compareNumbers(*maximum, *minimum) < 0)
        return failure(join(path, QStringLiteral("maximum")),
            QStringLiteral("%1 is below the minimum %2").arg(quoted(*maximum), quoted(*minimum)));
    return {};
}

// ---- validateAgainstSchema ---------------------------------------------------------------

bool hasType(const Json &value, const std::string &type)
{
    if (type == "string")
        return value.is_string();
    if (type == "number")
        return value.is_number();
    if (type == "integer") {
        // 3.0 is an integer to JSON Schema: senders that only have doubles (JavaScript) must pass.
        if (value.is_number_integer())
            return true;
        if (!value.is_number_float())
            return false;
        const double number = value.get<double>();
        return std::isfinite(number) && std::trunc(number) == number;
    }
    if (type == "boolean")
        return value.is_boolean();
    if (type == "object")
        return value.is_object();
    if (type == "array")
        return value.is_array();
    if (type == "null")
        return value.is_null();
    return false;
}

QString typeNoun(const std::string &type)
{
    if (type == "null")
        return QStringLiteral("null");
    const QString name = fromStd(type);
    const bool vowel = type == "integer" || type == "object" || type == "array";
    return (vowel ? QStringLiteral("an ") : QStringLiteral("a ")) + name;
}

// "a string", "a string or null", "a string, a number or null".
QString typeList(const std::vector<std::string> &types)
{
    QStringList nouns;
    for (const std::string &type : types)
        nouns.append(typeNoun(type));
    if (nouns.size() <= 1)
        return nouns.join(QString());
    const QString last = nouns.takeLast();
    return nouns.join(QStringLiteral(", ")) + QStringLiteral(" or ") + last;
}

bool isDateTime(const std::string &text)
{
    const QDateTime time = QDateTime::fromString(fromStd(text), Qt::ISODateWithMs);
    // Qt reads a string without an offset as local time; the payload's author meant some
    // zone we cannot know, so such a string is refused rather than guessed.
    return time.isValid() && time.timeSpec() != Qt::LocalTime;
}

// Assumes checkSchema(schema) passed.
Status validateAt(const Json &schema, const Json &value, const QString &path)
{
    if (const auto type = schema.find("type"); type != schema.end()) {
        std::vector<std::string> types;
        if (type->is_string()) {
            types.push_back(type->get<std::string>());
        } else {
            for (const Json &name : *type)
                types.push_back(name.get<std::string>());
        }
        const bool matches = std::any_of(
            types.begin(), types.end(), [&value](const std::string &name) { return hasType(value, name); });
        if (!matches)
            return failure(path, QStringLiteral("expected %1, got %2").arg(typeList(types), quoted(value)));
    }

    if (const auto allowed = schema.find("enum"); allowed != schema.end()) {
        // nlohmann's == is JSON equality: 1 == 1.0, objects compare member by member.
        if (std::find(allowed->begin(), allowed->end(), value) == allowed->end()) {
            QStringList choices;
            for (const Json &choice : *allowed)
                choices.append(dumpJsonString(choice));
            return failure(path,
                QStringLiteral("%1 is not one of %2").arg(quoted(value), choices.join(QStringLiteral(", "))));
        }
    }

    // Like JSON Schema, each remaining keyword constrains only values of its own kind: a
    // minimum says nothing about a string. `type` is what rules out the other kinds.
    if (value.is_number()) {
        if (const auto minimum = schema.find("minimum");
            minimum != schema.end() && compareNumbers(value, *minimum) < 0)
            return failure(
                path, QStringLiteral("%1 is below the minimum %2").arg(quoted(value), quoted(*minimum)));
        if (const auto maximum = schema.find("maximum");
            maximum != schema.end() && compareNumbers(value, *maximum) > 0)
            return failure(
                path, QStringLiteral("%1 is above the maximum %2").arg(quoted(value), quoted(*maximum)));
    }

    if (value.is_string() && schema.contains("format") && !isDateTime(value.get_ref<const std::string &>()))
        return failure(path, QStringLiteral("%1 is not an ISO-8601 date-time").arg(quoted(value)));

    if (value.is_object()) {
        if (const auto required = schema.find("required"); required != schema.end()) {
            for (const Json &name : *required) {
                if (!value.contains(name.get_ref<const std::string &>()))
                    return failure(
                        path, QStringLiteral("missing required property %1").arg(dumpJsonString(name)));
            }
        }
        if (const auto properties = schema.find("properties"); properties != schema.end()) {
            for (auto property = properties->begin(); property != properties->end(); ++property) {
                const auto member = value.find(property.key());
                if (member == value.end())
                    continue;
                if (Status status
                    = validateAt(property.value(), *member, join(path, fromStd(property.key())));
                    !status)
                    return status;
            }
        }
    }

    if (value.is_array()) {
        if (const auto items = schema.find("items"); items != schema.end()) {
            for (size_t i = 0; i < value.size(); ++i) {
                if (Status status = validateAt(*items, value[i], indexed(path, i)); !status)
                    return status;
            }
        }
    }
    return {};
}

} // namespace

Status checkSchema(const Json &schema)
{
    try {
        return checkSchemaAt(schema, QString(), 0);
    } catch (const Json::exception &e) {
        return makeError(
            ErrorCode::Internal, QStringLiteral("checking the schema: %1").arg(QString::fromUtf8(e.what())));
    }
}

Status validateAgainstSchema(const Json &schema, const Json &value, const QString &root)
{
    // Re-checked here so the validator can rely on well-formed keywords; a schema is a few
    // dozen nodes, cheap next to the run it guards.
    if (Status status = checkSchema(schema); !status)
        return makeError(status.error().code, QStringLiteral("invalid schema: ") + status.error().message);
    try {
        return validateAt(schema, value, root);
    } catch (const Json::exception &e) {
        return makeError(ErrorCode::Internal,
            QStringLiteral("validating against the schema: %1").arg(QString::fromUtf8(e.what())));
    }
}

} // namespace vigil
