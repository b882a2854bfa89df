// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Reads a built-in's step config (already rendered by the engine) against the handler's own
// field list. The engine checked the config before rendering, but a `{{template}}` may still
// render to a value of the wrong type, so the reader checks types and choices again, answers
// the field's declared default when a field is absent, and refuses to read a field the
// handler did not declare (a bug that would hide the field from the editor). The first
// problem is kept as an operator-facing message: `config.timeoutMs: expected an integer`.

#include "workflow/handler.h"

#include <utility>
#include <vector>

namespace vigil::builtins {

class ConfigReader
{
public:
    ConfigReader(std::vector<ConfigField> schema, Json config, QString path = QStringLiteral("config"));

    bool ok() const { return m_error.isEmpty(); }
    const QString &error() const { return m_error; }
    // Records `<path>.<field>: <message>` unless an earlier problem is recorded.
    void fail(const QString &field, const QString &message);

    // The value, else the field's default, else null.
    Json value(const char *name);
    // Typed reads of value(): empty / 0 when there is neither a value nor a default.
    QString string(const char *name);
    std::optional<QString> optionalString(const char *name);
    qint64 integer(const char *name);
    std::optional<qint64> optionalInteger(const char *name);
    QStringList stringList(const char *name);
    // An object whose values must all be strings (HTTP headers, environment variables).
    std::vector<std::pair<QString, QString>> stringMap(const char *name);
    // integer(name), refused outside 1..maximum.
    qint64 timeoutMs(const char *name, qint64 maximum);

private:
    const ConfigField *field(const char *name);

    std::vector<ConfigField> m_schema;
    Json m_config;
    QString m_path;
    QString m_error;
};

} // namespace vigil::builtins
