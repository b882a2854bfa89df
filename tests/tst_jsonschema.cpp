// SPDX-License-Identifier: GPL-3.0-or-later
// Trigger payload schemas: one row per rule, each with the exact message an operator sees.
// An empty expected message means the schema (or value) must be accepted.

#include "workflow/jsonschema.h"

#include <QtTest>

using namespace vigil;

namespace {

Json json(const QByteArray &text)
{
    Result<Json> parsed = parseJson(text);
    if (!parsed)
        qFatal("bad test JSON %s: %s", text.constData(), qPrintable(parsed.error().message));
    return parsed.value();
}

QString messageOf(const Status &status)
{
    return status.ok() ? QString() : status.error().message;
}

// {"items": {"items": ... {} ...}} with `levels` nested schemas below the root.
QByteArray nestedItems(int levels)
{
    return QByteArray("{\"items\": ").repeated(levels) + "{}" + QByteArray("}").repeated(levels);
}

QString itemsPath(int levels)
{
    QStringList parts;
    for (int i = 0; i < levels; ++i)
        parts.append(QStringLiteral("items"));
    return parts.join(QLatin1Char('.'));
}

} // namespace

class TestJsonSchema : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void checkSchema_data()
    {
        QTest::addColumn<QByteArray>("schema");
        QTest::addColumn<QString>("message");

        QTest::newRow("empty schema") << QByteArray("{}") << QString();
        QTest::newRow("every keyword") << QByteArray(R"({
                "title": "missed heartbeat", "description": "what the agent sends",
                "type": "object", "required": ["misses", "lastSeenAt"],
                "properties": {
                    "misses": {"type": "integer", "minimum": 1, "maximum": 100},
                    "ratio": {"type": "number", "minimum": 0.5, "maximum": 0.5},
                    "level": {"enum": ["low", "high", 3, null, {"a": [1]}]},
                    "lastSeenAt": {"type": "string", "format": "date-time"},
                    "hosts": {"type": "array", "items": {"type": ["string", "null"]}}
                }})") << QString();
        QTest::newRow("required empty") << QByteArray(R"({"required": []})") << QString();
        QTest::newRow("properties empty") << QByteArray(R"({"properties": {}})") << QString();
        QTest::newRow("nested 64 levels") << nestedItems(64) << QString();

        QTest::newRow("schema an array") << QByteArray("[]") << QStringLiteral("expected an object");
        QTest::newRow("schema a boolean") << QByteArray("true") << QStringLiteral("expected an object");
        QTest::newRow("nested 65 levels")
            << nestedItems(65) << itemsPath(65) + QStringLiteral(": nested deeper than 64 levels");

        QTest::newRow("unsupported keyword at root") << QByteArray(R"({"type": "string", "pattern": "^a"})")
                                                     << QStringLiteral("unsupported keyword \"pattern\"");
        QTest::newRow("unsupported keyword in a property")
            << QByteArray(R"({"properties": {"misses": {"type": "integer", "exclusiveMinimum": 0}}})")
            << QStringLiteral("properties.misses: unsupported keyword \"exclusiveMinimum\"");
        QTest::newRow("unsupported keyword in items") << QByteArray(
            R"({"items": {"$ref": "defs.json"}})") << QStringLiteral("items: unsupported keyword \"$ref\"");
        QTest::newRow("additionalProperties refused, not ignored")
            << QByteArray(R"({"additionalProperties": false})")
            << QStringLiteral("unsupported keyword \"additionalProperties\"");

        QTest::newRow("type a number") << QByteArray(
            R"({"type": 1})") << QStringLiteral("type: expected a type name or an array of type names");
        QTest::newRow("type an object") << QByteArray(
            R"({"type": {}})") << QStringLiteral("type: expected a type name or an array of type names");
        QTest::newRow("type unknown name")
            << QByteArray(R"({"type": "strin"})") << QStringLiteral("type: unknown type \"strin\"");
        QTest::newRow("type names are case-sensitive")
            << QByteArray(R"({"type": "String"})") << QStringLiteral("type: unknown type \"String\"");
        QTest::newRow("type union with unknown name") << QByteArray(R"({"type": ["string", "float"]})")
                                                      << QStringLiteral("type[1]: unknown type \"float\"");
        QTest::newRow("type union with non-string")
            << QByteArray(R"({"type": [null]})") << QStringLiteral("type[0]: expected a type name");
        QTest::newRow("type union empty")
            << QByteArray(R"({"type": []})") << QStringLiteral("type: expected at least one type name");

        QTest::newRow("required not an array") << QByteArray(R"({"required": "name"})")
                                               << QStringLiteral("required: expected an array of strings");
        QTest::newRow("required with a number")
            << QByteArray(R"({"required": ["a", 2]})") << QStringLiteral("required[1]: expected a string");

        QTest::newRow("properties not an object")
            << QByteArray(R"({"properties": ["a"]})") << QStringLiteral("properties: expected an object");
        QTest::newRow("property schema not an object") << QByteArray(R"({"properties": {"a": "string"}})")
                                                       << QStringLiteral("properties.a: expected an object");
        QTest::newRow("error deep in properties")
            << QByteArray(R"({"properties": {"check": {"properties": {"code": {"type": "int"}}}}})")
            << QStringLiteral("properties.check.properties.code.type: unknown type \"int\"");

        QTest::newRow("items tuple form") << QByteArray(R"({"items": [{"type": "string"}]})")
                                          << QStringLiteral("items: expected an object");
        QTest::newRow("error inside items")
            << QByteArray(R"({"items": {"properties": {"a": {"minimum": "1"}}}})")
            << QStringLiteral("items.properties.a.minimum: expected a number");

        QTest::newRow("enum not an array")
            << QByteArray(R"({"enum": "low"})") << QStringLiteral("enum: expected an array");
        QTest::newRow("enum empty") << QByteArray(R"({"enum": []})")
                                    << QStringLiteral("enum: expected at least one value");

        QTest::newRow("minimum a string (header example)")
            << QByteArray(R"({"properties": {"misses": {"minimum": "1"}}})")
            << QStringLiteral("properties.misses.minimum: expected a number");
        QTest::newRow("maximum null")
            << QByteArray(R"({"maximum": null})") << QStringLiteral("maximum: expected a number");
        QTest::newRow("maximum below minimum") << QByteArray(R"({"minimum": 5, "maximum": 1})")
                                               << QStringLiteral("maximum: 1 is below the minimum 5");
        QTest::newRow("maximum below minimum, floats")
            << QByteArray(R"({"minimum": 0.5, "maximum": 0.25})")
            << QStringLiteral("maximum: 0.25 is below the minimum 0.5");

        QTest::newRow("format not a string")
            << QByteArray(R"({"format": 1})") << QStringLiteral("format: expected a string");
        QTest::newRow("format unsupported")
            << QByteArray(R"({"format": "email"})") << QStringLiteral("format: unsupported format \"email\"");
        QTest::newRow("format date only")
            << QByteArray(R"({"format": "date"})") << QStringLiteral("format: unsupported format \"date\"");

        QTest::newRow("description not a string")
            << QByteArray(R"({"description": 1})") << QStringLiteral("description: expected a string");
        QTest::newRow("title not a string") << QByteArray(R"({"properties": {"a": {"title": []}}})")
                                            << QStringLiteral("properties.a.title: expected a string");
    }

    void checkSchema()
    {
        QFETCH(QByteArray, schema);
        QFETCH(QString, message);

        const Status status = vigil::checkSchema(json(schema));
        QCOMPARE(messageOf(status), message);
        if (!status)
            QCOMPARE(status.error().code, ErrorCode::Invalid);
    }

    void validate_data()
    {
        QTest::addColumn<QByteArray>("schema");
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<QString>("root");
        QTest::addColumn<QString>("message");

        const QString payload = QStringLiteral("payload");

        QTest::newRow("empty schema, object")
            << QByteArray("{}") << QByteArray(R"({"a": [1]})") << payload << QString();
        QTest::newRow("empty schema, null") << QByteArray("{}") << QByteArray("null") << payload << QString();
        QTest::newRow("empty schema, string")
            << QByteArray("{}") << QByteArray(R"("x")") << payload << QString();
        QTest::newRow("title and description ignored")
            << QByteArray(R"({"title": "t", "description": "d", "type": "string"})") << QByteArray(R"("x")")
            << payload << QString();

        // type, one name
        QTest::newRow("string ok") << QByteArray(R"({"type": "string"})") << QByteArray(R"("x")") << payload
                                   << QString();
        QTest::newRow("string vs number") << QByteArray(R"({"type": "string"})") << QByteArray("5") << payload
                                          << QStringLiteral("payload: expected a string, got 5");
        QTest::newRow("number ok, float")
            << QByteArray(R"({"type": "number"})") << QByteArray("2.5") << payload << QString();
        QTest::newRow("number ok, integer")
            << QByteArray(R"({"type": "number"})") << QByteArray("-3") << payload << QString();
        QTest::newRow("number vs numeric string")
            << QByteArray(R"({"type": "number"})") << QByteArray(R"("3")") << payload
            << QStringLiteral("payload: expected a number, got \"3\"");
        QTest::newRow("integer ok") << QByteArray(R"({"type": "integer"})") << QByteArray("3") << payload
                                    << QString();
        QTest::newRow("integer ok, negative")
            << QByteArray(R"({"type": "integer"})") << QByteArray("-4") << payload << QString();
        QTest::newRow("integer ok, whole float")
            << QByteArray(R"({"type": "integer"})") << QByteArray("3.0") << payload << QString();
        QTest::newRow("integer ok, huge unsigned")
            << QByteArray(R"({"type": "integer"})") << QByteArray("18446744073709551615") << payload
            << QString();
        QTest::newRow("integer vs fraction")
            << QByteArray(R"({"type": "integer"})") << QByteArray("2.5") << payload
            << QStringLiteral("payload: expected an integer, got 2.5");
        QTest::newRow("integer vs string (header example)")
            << QByteArray(R"({"properties": {"misses": {"type": "integer"}}})")
            << QByteArray(R"({"misses": "three"})") << payload
            << QStringLiteral("payload.misses: expected an integer, got \"three\"");
        QTest::newRow("boolean ok") << QByteArray(R"({"type": "boolean"})") << QByteArray("false") << payload
                                    << QString();
        QTest::newRow("boolean vs string")
            << QByteArray(R"({"type": "boolean"})") << QByteArray(R"("true")") << payload
            << QStringLiteral("payload: expected a boolean, got \"true\"");
        QTest::newRow("boolean vs 0") << QByteArray(R"({"type": "boolean"})") << QByteArray("0") << payload
                                      << QStringLiteral("payload: expected a boolean, got 0");
        QTest::newRow("object ok") << QByteArray(R"({"type": "object"})") << QByteArray("{}") << payload
                                   << QString();
        QTest::newRow("object vs array")
            << QByteArray(R"({"type": "object"})") << QByteArray("[1, 2]") << payload
            << QStringLiteral("payload: expected an object, got [1,2]");
        QTest::newRow("array ok") << QByteArray(R"({"type": "array"})") << QByteArray("[]") << payload
                                  << QString();
        QTest::newRow("array vs object")
            << QByteArray(R"({"type": "array"})") << QByteArray(R"({"a": 1})") << payload
            << QStringLiteral("payload: expected an array, got {\"a\":1}");
        QTest::newRow("null ok") << QByteArray(R"({"type": "null"})") << QByteArray("null") << payload
                                 << QString();
        QTest::newRow("null vs 0") << QByteArray(R"({"type": "null"})") << QByteArray("0") << payload
                                   << QStringLiteral("payload: expected null, got 0");

        // type unions
        QTest::newRow("union, second matches")
            << QByteArray(R"({"type": ["string", "null"]})") << QByteArray("null") << payload << QString();
        QTest::newRow("union, first matches")
            << QByteArray(R"({"type": ["string", "null"]})") << QByteArray(R"("x")") << payload << QString();
        QTest::newRow("union of two, none matches")
            << QByteArray(R"({"type": ["string", "null"]})") << QByteArray("5") << payload
            << QStringLiteral("payload: expected a string or null, got 5");
        QTest::newRow("union of three, none matches")
            << QByteArray(R"({"type": ["integer", "boolean", "array"]})") << QByteArray(R"("x")") << payload
            << QStringLiteral("payload: expected an integer, a boolean or an array, got \"x\"");
        QTest::newRow("union integer|string vs fraction")
            << QByteArray(R"({"type": ["integer", "string"]})") << QByteArray("1.5") << payload
            << QStringLiteral("payload: expected an integer or a string, got 1.5");

        // required
        const QByteArray heartbeat = R"({"type": "object", "required": ["misses", "lastSeenAt"]})";
        QTest::newRow("required present")
            << heartbeat << QByteArray(R"({"misses": 1, "lastSeenAt": "x"})") << payload << QString();
        QTest::newRow("required present as null")
            << heartbeat << QByteArray(R"({"misses": 1, "lastSeenAt": null})") << payload << QString();
        QTest::newRow("required missing (header example)")
            << heartbeat << QByteArray(R"({"misses": 1})") << payload
            << QStringLiteral("payload: missing required property \"lastSeenAt\"");
        QTest::newRow("required, first missing reported first")
            << heartbeat << QByteArray("{}") << payload
            << QStringLiteral("payload: missing required property \"misses\"");
        QTest::newRow("required ignores non-objects")
            << QByteArray(R"({"required": ["a"]})") << QByteArray("5") << payload << QString();
        QTest::newRow("required in a nested object")
            << QByteArray(R"({"properties": {"check": {"required": ["status"]}}})")
            << QByteArray(R"({"check": {}})") << payload
            << QStringLiteral("payload.check: missing required property \"status\"");

        // properties
        const QByteArray nested = R"({"properties": {"check": {"properties": {"result": {"properties":
            {"code": {"type": "integer"}}}}}}})";
        QTest::newRow("nested property path")
            << nested << QByteArray(R"({"check": {"result": {"code": "500"}}})") << payload
            << QStringLiteral("payload.check.result.code: expected an integer, got \"500\"");
        QTest::newRow("nested property ok")
            << nested << QByteArray(R"({"check": {"result": {"code": 500}}})") << payload << QString();
        QTest::newRow("absent property not checked")
            << nested << QByteArray(R"({"check": {}})") << payload << QString();
        QTest::newRow("additional properties allowed")
            << QByteArray(R"({"properties": {"a": {"type": "string"}}})")
            << QByteArray(R"({"a": "x", "b": 1})") << payload << QString();
        QTest::newRow("properties ignore non-objects")
            << QByteArray(R"({"properties": {"a": {"type": "string"}}})") << QByteArray("[1]") << payload
            << QString();

        // items
        QTest::newRow("items path (header example)")
            << QByteArray(R"({"properties": {"items": {"type": "array", "items": {"type": "string"}}}})")
            << QByteArray(R"({"items": ["a", "b", 5]})") << payload
            << QStringLiteral("payload.items[2]: expected a string, got 5");
        QTest::newRow("items all match") << QByteArray(R"({"items": {"type": "string"}})")
                                         << QByteArray(R"(["a", "b"])") << payload << QString();
        QTest::newRow("items of an empty array")
            << QByteArray(R"({"items": {"type": "string"}})") << QByteArray("[]") << payload << QString();
        QTest::newRow("nested arrays")
            << QByteArray(R"({"items": {"items": {"type": "integer"}}})") << QByteArray("[[1], [2, true]]")
            << payload << QStringLiteral("payload[1][1]: expected an integer, got true");
        QTest::newRow("array of objects")
            << QByteArray(R"({"items": {"required": ["name"], "properties": {"name": {"type": "string"}}}})")
            << QByteArray(R"([{"name": "a"}, {"name": 2}])") << payload
            << QStringLiteral("payload[1].name: expected a string, got 2");
        QTest::newRow("required inside items")
            << QByteArray(R"({"items": {"required": ["name"]}})") << QByteArray(R"([{}])") << payload
            << QStringLiteral("payload[0]: missing required property \"name\"");
        QTest::newRow("items ignore non-arrays")
            << QByteArray(R"({"items": {"type": "string"}})") << QByteArray("{}") << payload << QString();

        // enum
        const QByteArray levels = R"({"properties": {"level": {"enum": ["low", "high"]}}})";
        QTest::newRow("enum match") << levels << QByteArray(R"({"level": "low"})") << payload << QString();
        QTest::newRow("enum mismatch (header example)")
            << levels << QByteArray(R"({"level": "extreme"})") << payload
            << QStringLiteral("payload.level: \"extreme\" is not one of \"low\", \"high\"");
        QTest::newRow("enum is case-sensitive")
            << levels << QByteArray(R"({"level": "Low"})") << payload
            << QStringLiteral("payload.level: \"Low\" is not one of \"low\", \"high\"");
        QTest::newRow("enum compares types")
            << QByteArray(R"({"enum": [1, 2]})") << QByteArray(R"("1")") << payload
            << QStringLiteral("payload: \"1\" is not one of 1, 2");
        QTest::newRow("enum 1.0 equals 1")
            << QByteArray(R"({"enum": [1, 2]})") << QByteArray("1.0") << payload << QString();
        QTest::newRow("enum null") << QByteArray(R"({"enum": [null]})") << QByteArray("null") << payload
                                   << QString();
        QTest::newRow("enum of objects, member order irrelevant")
            << QByteArray(R"({"enum": [{"a": 1, "b": [2, 3]}]})") << QByteArray(R"({"b": [2, 3], "a": 1})")
            << payload << QString();
        QTest::newRow("enum of objects mismatch")
            << QByteArray(R"({"enum": [{"a": 1}, null]})") << QByteArray(R"({"a": 2})") << payload
            << QStringLiteral("payload: {\"a\":2} is not one of {\"a\":1}, null");
        QTest::newRow("enum of arrays, order matters")
            << QByteArray(R"({"enum": [[1, 2]]})") << QByteArray("[2, 1]") << payload
            << QStringLiteral("payload: [2,1] is not one of [1,2]");
        QTest::newRow("type checked before enum")
            << QByteArray(R"({"type": "string", "enum": ["a"]})") << QByteArray("5") << payload
            << QStringLiteral("payload: expected a string, got 5");

        // minimum / maximum, inclusive
        const QByteArray misses
            = R"({"properties": {"misses": {"type": "integer", "minimum": 1, "maximum": 10}}})";
        QTest::newRow("below minimum (header example)")
            << misses << QByteArray(R"({"misses": 0})") << payload
            << QStringLiteral("payload.misses: 0 is below the minimum 1");
        QTest::newRow("at minimum") << misses << QByteArray(R"({"misses": 1})") << payload << QString();
        QTest::newRow("at maximum") << misses << QByteArray(R"({"misses": 10})") << payload << QString();
        QTest::newRow("above maximum") << misses << QByteArray(R"({"misses": 11})") << payload
                                       << QStringLiteral("payload.misses: 11 is above the maximum 10");
        QTest::newRow("float below float minimum")
            << QByteArray(R"({"minimum": 0.5})") << QByteArray("0.4") << payload
            << QStringLiteral("payload: 0.4 is below the minimum 0.5");
        QTest::newRow("float at integer minimum")
            << QByteArray(R"({"minimum": 1})") << QByteArray("1.0") << payload << QString();
        QTest::newRow("negative below zero") << QByteArray(R"({"minimum": 0})") << QByteArray("-1") << payload
                                             << QStringLiteral("payload: -1 is below the minimum 0");
        QTest::newRow("huge unsigned above negative maximum")
            << QByteArray(R"({"maximum": -1})") << QByteArray("18446744073709551615") << payload
            << QStringLiteral("payload: 18446744073709551615 is above the maximum -1");
        QTest::newRow("exact above 2^53")
            << QByteArray(R"({"maximum": 9007199254740992})") << QByteArray("9007199254740993") << payload
            << QStringLiteral("payload: 9007199254740993 is above the maximum 9007199254740992");
        QTest::newRow("minimum ignores strings")
            << QByteArray(R"({"minimum": 5})") << QByteArray(R"("1")") << payload << QString();

        // format: date-time
        const QByteArray seen
            = R"({"properties": {"lastSeenAt": {"type": "string", "format": "date-time"}}})";
        QTest::newRow("date-time Z") << seen << QByteArray(R"({"lastSeenAt": "2024-03-01T10:00:00Z"})")
                                     << payload << QString();
        QTest::newRow("date-time milliseconds")
            << seen << QByteArray(R"({"lastSeenAt": "2024-03-01T10:00:00.123Z"})") << payload << QString();
        QTest::newRow("date-time offset")
            << seen << QByteArray(R"({"lastSeenAt": "2024-03-01T10:00:00+02:00"})") << payload << QString();
        QTest::newRow("date-time word (header example)")
            << seen << QByteArray(R"({"lastSeenAt": "yesterday"})") << payload
            << QStringLiteral("payload.lastSeenAt: \"yesterday\" is not an ISO-8601 date-time");
        QTest::newRow("date-time without zone")
            << seen << QByteArray(R"({"lastSeenAt": "2024-03-01T10:00:00"})") << payload
            << QStringLiteral("payload.lastSeenAt: \"2024-03-01T10:00:00\" is not an ISO-8601 date-time");
        QTest::newRow("date only") << seen << QByteArray(R"({"lastSeenAt": "2024-03-01"})") << payload
                                   << QStringLiteral(
                                          "payload.lastSeenAt: \"2024-03-01\" is not an ISO-8601 date-time");
        QTest::newRow("impossible date")
            << seen << QByteArray(R"({"lastSeenAt": "2024-02-30T10:00:00Z"})") << payload
            << QStringLiteral("payload.lastSeenAt: \"2024-02-30T10:00:00Z\" is not an ISO-8601 date-time");
        QTest::newRow("trailing junk")
            << seen << QByteArray(R"({"lastSeenAt": "2024-03-01T10:00:00Zjunk"})") << payload
            << QStringLiteral("payload.lastSeenAt: \"2024-03-01T10:00:00Zjunk\" is not an "
                              "ISO-8601 date-time");
        QTest::newRow("format ignores non-strings")
            << QByteArray(R"({"format": "date-time"})") << QByteArray("5") << payload << QString();

        // roots
        QTest::newRow("empty root") << QByteArray(R"({"type": "string"})") << QByteArray("5") << QString()
                                    << QStringLiteral("expected a string, got 5");
        QTest::newRow("empty root, property")
            << QByteArray(R"({"properties": {"misses": {"type": "integer"}}})")
            << QByteArray(R"({"misses": "x"})") << QString()
            << QStringLiteral("misses: expected an integer, got \"x\"");
        QTest::newRow("empty root, element")
            << QByteArray(R"({"items": {"type": "string"}})") << QByteArray(R"(["a", 1])") << QString()
            << QStringLiteral("[1]: expected a string, got 1");
        QTest::newRow("empty root, required")
            << QByteArray(R"({"required": ["a"]})") << QByteArray("{}") << QString()
            << QStringLiteral("missing required property \"a\"");
        QTest::newRow("other root") << QByteArray(R"({"properties": {"a": {"type": "null"}}})")
                                    << QByteArray(R"({"a": 1})") << QStringLiteral("body")
                                    << QStringLiteral("body.a: expected null, got 1");

        // messages
        QTest::newRow("unicode in values")
            << QByteArray(R"({"enum": ["größe"]})") << QByteArray(R"("groß ✓")") << payload
            << QStringLiteral("payload: \"groß ✓\" is not one of \"größe\"");
        QTest::newRow("unicode property name")
            << QByteArray(R"({"properties": {"größe": {"type": "integer"}}})")
            << QByteArray(R"({"größe": "L"})") << payload
            << QStringLiteral("payload.größe: expected an integer, got \"L\"");
        QTest::newRow("long value truncated") << QByteArray(R"({"type": "number"})")
                                              << QByteArray("\"") + QByteArray(100, 'x') + "\"" << payload
                                              << QStringLiteral("payload: expected a number, got \"")
                + QString(59, QLatin1Char('x')) + QChar(0x2026);
        QTest::newRow("truncation keeps surrogate pairs whole")
            << QByteArray(R"({"type": "number"})")
            << QByteArray("\"") + QByteArray(58, 'x') + QByteArray("😀😀\"") << payload
            << QStringLiteral("payload: expected a number, got \"") + QString(58, QLatin1Char('x'))
                + QChar(0x2026);
        QTest::newRow("invalid schema refused")
            << QByteArray(R"({"properties": {"misses": {"minimum": "1"}}})") << QByteArray(R"({"misses": 5})")
            << payload << QStringLiteral("invalid schema: properties.misses.minimum: expected a number");
    }

    void validate()
    {
        QFETCH(QByteArray, schema);
        QFETCH(QByteArray, value);
        QFETCH(QString, root);
        QFETCH(QString, message);

        const Status status = validateAgainstSchema(json(schema), json(value), root);
        QCOMPARE(messageOf(status), message);
        if (!status)
            QCOMPARE(status.error().code, ErrorCode::Invalid);
    }

    void defaultRootIsPayload()
    {
        const Status status = validateAgainstSchema(json(R"({"type": "string"})"), json("1"));
        QCOMPARE(messageOf(status), QStringLiteral("payload: expected a string, got 1"));
    }
};

QTEST_GUILESS_MAIN(TestJsonSchema)
#include "tst_jsonschema.moc"
