// SPDX-License-Identifier: GPL-3.0-or-later
// The expression condition: `{path, op, value}`, where path is a JSON pointer (RFC 6901) into
// {"trigger": the signal, "context": the run's context, "config": the workflow's config}.
// "Act after 3 misses" is {"path": "/trigger/payload/misses", "op": ">=", "value": 3}.

#include "builtins_p.h"
#include "configreader.h"
#include "workflow/registry.h"

namespace vigil::builtins {

namespace {

const QStringList &operators()
{
    static const QStringList ops = { QStringLiteral("=="), QStringLiteral("!="), QStringLiteral("<"),
        QStringLiteral("<="), QStringLiteral(">"), QStringLiteral(">="), QStringLiteral("contains"),
        QStringLiteral("exists") };
    return ops;
}

std::vector<ConfigField> expressionSchema()
{
    using T = ConfigField::Type;
    return {
        field("path", T::String, true, Json(),
            QStringLiteral(
                "A JSON pointer into {\"trigger\", \"context\", \"config\"}, e.g. "
                "/trigger/payload/misses or /context/check/status. A path that leads nowhere makes "
                "the condition false.")),
        field("op", T::String, true, Json(),
            QStringLiteral(
                "The comparison. Numbers compare numerically and strings lexicographically; other "
                "values only with == and !=. contains: a substring of a string or an element of an "
                "array. exists: the path leads to a value (value is ignored)."),
            operators()),
        field("value", T::Any, false, Json(), QStringLiteral("The value to compare with (any JSON value).")),
    };
}

bool compare(const QString &op, const Json &actual, const Json &expected)
{
    const bool numbers = actual.is_number() && expected.is_number();
    const bool strings = actual.is_string() && expected.is_string();
    // nlohmann compares int, unsigned and float values numerically, and strings bytewise
    // (UTF-8 byte order is code point order).
    if (op == QLatin1String("=="))
        return actual == expected;
    if (op == QLatin1String("!="))
        return actual != expected;
    if (op == QLatin1String("contains")) {
        if (strings)
            return actual.get_ref<const std::string &>().find(expected.get_ref<const std::string &>())
                != std::string::npos;
        if (actual.is_array())
            return std::any_of(
                actual.begin(), actual.end(), [&](const Json &item) { return item == expected; });
        return false;
    }
    if (!numbers && !strings)
        return false; // no order between mismatched or structured values
    if (op == QLatin1String("<"))
        return actual < expected;
    if (op == QLatin1String("<="))
        return actual <= expected;
    if (op == QLatin1String(">"))
        return actual > expected;
    if (op == QLatin1String(">="))
        return actual >= expected;
    return false;
}

// Scalars as they are; a whole object or array only by its kind (a payload can be large).
Json shownValue(const Json &value)
{
    if (value.is_object())
        return "(object)";
    if (value.is_array())
        return "(array)";
    return value;
}

QCoro::Task<Result<bool>> expression(StepContext ctx)
{
    ConfigReader config(expressionSchema(), ctx.stepConfig);
    const QString path = config.string("path");
    const QString op = config.string("op");
    const Json expected = config.value("value");
    if (!config.ok())
        co_return makeError(ErrorCode::Invalid, config.error());

    std::optional<Json::json_pointer> pointer;
    try {
        pointer.emplace(toStd(path));
    } catch (const Json::exception &) {
        co_return makeError(ErrorCode::Invalid,
            QStringLiteral("config.path: \"%1\" is not a JSON pointer (it must be empty or start "
                           "with \"/\", and \"~\" must be followed by 0 or 1)")
                .arg(path));
    }

    const Json scope { { "trigger", toJson(ctx.trigger) }, { "context", ctx.run.context },
        { "config", ctx.config } };
    std::optional<Json> actual;
    try {
        if (scope.contains(*pointer))
            actual = scope.at(*pointer);
    } catch (const Json::exception &) {
        // An array index that is not a number ("/trigger/payload/hosts/x"): leads nowhere.
    }

    const bool result = actual && (op == QLatin1String("exists") || compare(op, *actual, expected));
    Json data { { "path", toStd(path) }, { "op", toStd(op) }, { "result", result } };
    if (actual)
        data["actual"] = shownValue(*actual);
    if (op != QLatin1String("exists"))
        data["value"] = shownValue(expected);
    ctx.log(QStringLiteral("expression %1 %2: %3")
                .arg(path, op, result ? QStringLiteral("true") : QStringLiteral("false")),
        data);
    co_return result;
}

} // namespace

void registerExpression(Registry &registry)
{
    ConditionOptions options;
    options.configSchema = expressionSchema();
    options.description
        = QStringLiteral("Compares a value of the signal, the run's context or the workflow's "
                         "config, found by a JSON pointer, with a value.");
    expectRegistered(registry.registerCondition(QStringLiteral("expression"), expression, std::move(options)),
        "expression");
}

} // namespace vigil::builtins
