// SPDX-License-Identifier: GPL-3.0-or-later
#include "configreader.h"

#include <cmath>
#include <limits>

namespace vigil::builtins {

namespace {

std::optional<qint64> wholeNumber(const Json &value)
{
    if (value.is_number_unsigned()) {
        const auto u = value.get<std::uint64_t>();
        if (u > std::uint64_t(std::numeric_limits<qint64>::max()))
            return std::nullopt;
        return qint64(u);
    }
    if (value.is_number_integer())
        return value.get<qint64>();
    // A template that rendered a JavaScript-style 5000.0 still means 5000.
    if (value.is_number_float()) {
        const double d = value.get<double>();
        if (std::isfinite(d) && d == std::floor(d) && std::abs(d) <= 9.0e15)
            return qint64(d);
    }
    return std::nullopt;
}

// Without the "{{" leniency of checkConfig: this config is rendered already.
QString typeProblem(const Json &value, ConfigField::Type type)
{
    switch (type) {
    case ConfigField::Type::String:
        return value.is_string() ? QString() : QStringLiteral("expected a string");
    case ConfigField::Type::Integer:
        return wholeNumber(value) ? QString() : QStringLiteral("expected an integer");
    case ConfigField::Type::Number:
        return value.is_number() ? QString() : QStringLiteral("expected a number");
    case ConfigField::Type::Boolean:
        return value.is_boolean() ? QString() : QStringLiteral("expected true or false");
    case ConfigField::Type::Object:
        return value.is_object() ? QString() : QStringLiteral("expected an object");
    case ConfigField::Type::Array:
        return value.is_array() ? QString() : QStringLiteral("expected an array");
    case ConfigField::Type::StringList:
        if (value.is_array()
            && std::all_of(value.begin(), value.end(), [](const Json &item) { return item.is_string(); }))
            return {};
        return QStringLiteral("expected an array of strings");
    case ConfigField::Type::Any:
        return {};
    }
    return QStringLiteral("has an unknown field type");
}

} // namespace

ConfigReader::ConfigReader(std::vector<ConfigField> schema, Json config, QString path)
    : m_schema(std::move(schema))
    , m_config(config.is_null() ? Json::object() : std::move(config))
    , m_path(std::move(path))
{
    if (!m_config.is_object()) {
        m_error = m_path + QStringLiteral(": expected an object");
        m_config = Json::object();
        return;
    }
    for (auto it = m_config.begin(); it != m_config.end(); ++it) {
        const QString key = fromStd(it.key());
        const bool known = std::any_of(
            m_schema.begin(), m_schema.end(), [&](const ConfigField &f) { return f.name == key; });
        if (!known)
            fail(key, QStringLiteral("unknown field"));
    }
    for (const ConfigField &f : m_schema) {
        const auto it = m_config.find(toStd(f.name));
        if (it == m_config.end() || it->is_null()) {
            if (f.required)
                fail(f.name, QStringLiteral("is required"));
            continue;
        }
        if (const QString problem = typeProblem(*it, f.type); !problem.isEmpty()) {
            fail(f.name, problem);
            continue;
        }
        if (!f.choices.isEmpty() && it->is_string() && !f.choices.contains(fromStd(it->get<std::string>())))
            fail(f.name,
                QStringLiteral("\"%1\" is not one of %2")
                    .arg(fromStd(it->get<std::string>()), f.choices.join(QStringLiteral(", "))));
    }
}

void ConfigReader::fail(const QString &field, const QString &message)
{
    if (m_error.isEmpty())
        m_error = m_path + QLatin1Char('.') + field + QStringLiteral(": ") + message;
}

const ConfigField *ConfigReader::field(const char *name)
{
    const QString key = QString::fromLatin1(name);
    for (const ConfigField &f : m_schema) {
        if (f.name == key)
            return &f;
    }
    Q_ASSERT_X(false, "ConfigReader", name);
    fail(key, QStringLiteral("is read by the handler but not declared in its configSchema (a bug)"));
    return nullptr;
}

Json ConfigReader::value(const char *name)
{
    const ConfigField *f = field(name);
    if (!f)
        return Json();
    const auto it = m_config.find(name);
    if (it != m_config.end() && !it->is_null())
        return *it;
    return f->defaultValue;
}

QString ConfigReader::string(const char *name)
{
    return optionalString(name).value_or(QString());
}

std::optional<QString> ConfigReader::optionalString(const char *name)
{
    const Json v = value(name);
    if (!v.is_string())
        return std::nullopt; // absent, or a type problem the constructor recorded
    return fromStd(v.get<std::string>());
}

qint64 ConfigReader::integer(const char *name)
{
    return optionalInteger(name).value_or(0);
}

std::optional<qint64> ConfigReader::optionalInteger(const char *name)
{
    return wholeNumber(value(name));
}

QStringList ConfigReader::stringList(const char *name)
{
    QStringList out;
    const Json v = value(name);
    if (!v.is_array())
        return out;
    for (const Json &item : v) {
        if (item.is_string())
            out.append(fromStd(item.get<std::string>()));
    }
    return out;
}

std::vector<std::pair<QString, QString>> ConfigReader::stringMap(const char *name)
{
    std::vector<std::pair<QString, QString>> out;
    const Json v = value(name);
    if (!v.is_object())
        return out;
    for (auto it = v.begin(); it != v.end(); ++it) {
        const QString key = fromStd(it.key());
        if (!it->is_string()) {
            fail(QString::fromLatin1(name) + QLatin1Char('.') + key, QStringLiteral("expected a string"));
            continue;
        }
        out.emplace_back(key, fromStd(it->get<std::string>()));
    }
    return out;
}

qint64 ConfigReader::timeoutMs(const char *name, qint64 maximum)
{
    const qint64 ms = integer(name);
    if (ok() && (ms < 1 || ms > maximum))
        fail(QString::fromLatin1(name),
            QStringLiteral("must be between 1 and %1 ms, got %2").arg(maximum).arg(ms));
    return ms;
}

} // namespace vigil::builtins
