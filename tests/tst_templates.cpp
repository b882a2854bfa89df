// SPDX-License-Identifier: GPL-3.0-or-later
// {{…}} rendering in step configs: one row per case, against one scope shaped like the
// engine's ({"trigger": envelope, "run": {...}, "config": workflow config}).
// An empty expected error means the text must render.

#include "workflow/templates.h"

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

const Json &scope()
{
    static const Json value = [] {
        Json built = json(R"({
        "trigger": {
            "resourceId": "db-1",
            "payload": {
                "a": {"b": 7},
                "misses": 3, "ratio": 2.5, "ok": true, "down": false, "none": null,
                "hosts": ["h1", "h2"],
                "checks": [{"name": "ping"}, {"name": "http"}],
                "byKey": {"0": "zero"},
                "obj": {"x": 1, "y": [1, 2]},
                "braces": "{{config.key}}",
                "größe": "groß",
                "😀": "smile"
            }
        },
        "run": {"id": "run-9", "context": {"step": {"x": "done"}}},
        "config": {"key": "v", "severity": "high", "token": "s3cr3t"}
    })");
        // Set here, not in the raw string above: moc 6.4 takes \" inside a raw string literal
        // for an escape, loses track of the literal and then finds no class to process.
        built["trigger"]["payload"]["quote"] = "say \"hi\"";
        return built;
    }();
    return value;
}

} // namespace

class TestTemplates : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void renderTemplate_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        QTest::addColumn<QString>("error");

        QTest::newRow("no template") << QStringLiteral("plain text") << QStringLiteral("plain text")
                                     << QString();
        QTest::newRow("empty text") << QString() << QString() << QString();
        QTest::newRow("lone braces left as is")
            << QStringLiteral("a { b } c {x} }{ {trigger.resourceId}")
            << QStringLiteral("a { b } c {x} }{ {trigger.resourceId}") << QString();
        QTest::newRow("closing pair alone")
            << QStringLiteral("}} done") << QStringLiteral("}} done") << QString();
        QTest::newRow("lone braces beside a template")
            << QStringLiteral("{ {{config.key}} }") << QStringLiteral("{ v }") << QString();

        // each scope root
        QTest::newRow("trigger.resourceId") << QStringLiteral("https://hooks.example/{{trigger.resourceId}}")
                                            << QStringLiteral("https://hooks.example/db-1") << QString();
        QTest::newRow("trigger.payload.a.b")
            << QStringLiteral("{{trigger.payload.a.b}}") << QStringLiteral("7") << QString();
        QTest::newRow("run.context.step.x") << QStringLiteral("step said {{run.context.step.x}}")
                                            << QStringLiteral("step said done") << QString();
        QTest::newRow("run.id") << QStringLiteral("{{run.id}}") << QStringLiteral("run-9") << QString();
        QTest::newRow("config.key") << QStringLiteral("[{{config.key}}]") << QStringLiteral("[v]")
                                    << QString();
        QTest::newRow("array index") << QStringLiteral("{{trigger.payload.hosts.1}}") << QStringLiteral("h2")
                                     << QString();
        QTest::newRow("array index then key")
            << QStringLiteral("{{trigger.payload.checks.0.name}}") << QStringLiteral("ping") << QString();
        QTest::newRow("digits name an object key")
            << QStringLiteral("{{trigger.payload.byKey.0}}") << QStringLiteral("zero") << QString();

        // whitespace and several templates
        QTest::newRow("whitespace inside")
            << QStringLiteral("{{  trigger.resourceId\t}}") << QStringLiteral("db-1") << QString();
        QTest::newRow("whitespace outside kept")
            << QStringLiteral("  {{config.key}}  ") << QStringLiteral("  v  ") << QString();
        QTest::newRow("multiple templates") << QStringLiteral(
            "{{config.severity}}: {{ trigger.resourceId }} missed {{trigger.payload.misses}} beats")
                                            << QStringLiteral("high: db-1 missed 3 beats") << QString();
        QTest::newRow("adjacent templates")
            << QStringLiteral("{{config.key}}{{config.key}}") << QStringLiteral("vv") << QString();

        // how values render
        QTest::newRow("integer") << QStringLiteral("{{trigger.payload.misses}}") << QStringLiteral("3")
                                 << QString();
        QTest::newRow("float") << QStringLiteral("{{trigger.payload.ratio}}") << QStringLiteral("2.5")
                               << QString();
        QTest::newRow("true") << QStringLiteral("{{trigger.payload.ok}}") << QStringLiteral("true")
                              << QString();
        QTest::newRow("false") << QStringLiteral("{{trigger.payload.down}}") << QStringLiteral("false")
                               << QString();
        QTest::newRow("null") << QStringLiteral("{{trigger.payload.none}}") << QStringLiteral("null")
                              << QString();
        QTest::newRow("object as compact JSON") << QStringLiteral("{{trigger.payload.obj}}")
                                                << QStringLiteral(R"({"x":1,"y":[1,2]})") << QString();
        QTest::newRow("array as compact JSON")
            << QStringLiteral("{{trigger.payload.hosts}}") << QStringLiteral(R"(["h1","h2"])") << QString();
        QTest::newRow("string raw, no quotes or escapes")
            << QStringLiteral("{{trigger.payload.quote}}") << QStringLiteral(R"(say "hi")") << QString();
        QTest::newRow("rendered text is not rendered again")
            << QStringLiteral("x {{trigger.payload.braces}}") << QStringLiteral("x {{config.key}}")
            << QString();

        // unicode
        QTest::newRow("unicode key and value") << QStringLiteral("Größe: {{trigger.payload.größe}} ✓")
                                               << QStringLiteral("Größe: groß ✓") << QString();
        QTest::newRow("non-BMP key") << QStringLiteral("{{trigger.payload.😀}}") << QStringLiteral("smile")
                                     << QString();

        // no value
        QTest::newRow("missing key") << QStringLiteral("https://x/{{trigger.nope}}") << QString()
                                     << QStringLiteral("no value for {{trigger.nope}}");
        QTest::newRow("error quotes the text as written") << QStringLiteral(
            "{{ trigger.nope }}") << QString() << QStringLiteral("no value for {{ trigger.nope }}");
        QTest::newRow("unknown root")
            << QStringLiteral("{{env.HOME}}") << QString() << QStringLiteral("no value for {{env.HOME}}");
        QTest::newRow("index out of range") << QStringLiteral("{{trigger.payload.hosts.2}}") << QString()
                                            << QStringLiteral("no value for {{trigger.payload.hosts.2}}");
        QTest::newRow("negative index") << QStringLiteral("{{trigger.payload.hosts.-1}}") << QString()
                                        << QStringLiteral("no value for {{trigger.payload.hosts.-1}}");
        QTest::newRow("signed index") << QStringLiteral("{{trigger.payload.hosts.+1}}") << QString()
                                      << QStringLiteral("no value for {{trigger.payload.hosts.+1}}");
        QTest::newRow("name on an array") << QStringLiteral("{{trigger.payload.hosts.first}}") << QString()
                                          << QStringLiteral("no value for {{trigger.payload.hosts.first}}");
        QTest::newRow("into a string") << QStringLiteral("{{trigger.resourceId.length}}") << QString()
                                       << QStringLiteral("no value for {{trigger.resourceId.length}}");
        QTest::newRow("into null") << QStringLiteral("{{trigger.payload.none.x}}") << QString()
                                   << QStringLiteral("no value for {{trigger.payload.none.x}}");
        QTest::newRow("into a number") << QStringLiteral("{{trigger.payload.misses.0}}") << QString()
                                       << QStringLiteral("no value for {{trigger.payload.misses.0}}");
        QTest::newRow("empty segment") << QStringLiteral("{{trigger..resourceId}}") << QString()
                                       << QStringLiteral("no value for {{trigger..resourceId}}");
        QTest::newRow("trailing dot")
            << QStringLiteral("{{trigger.}}") << QString() << QStringLiteral("no value for {{trigger.}}");
        QTest::newRow("second template missing")
            << QStringLiteral("{{config.key}} {{config.nope}}") << QString()
            << QStringLiteral("no value for {{config.nope}}");
        QTest::newRow("triple braces") << QStringLiteral("{{{config.key}}}") << QString()
                                       << QStringLiteral("no value for {{{config.key}}");

        // malformed
        QTest::newRow("unterminated") << QStringLiteral("abc {{trigger.resourceId") << QString()
                                      << QStringLiteral("unterminated {{ at offset 4");
        QTest::newRow("unterminated after a good one") << QStringLiteral(
            "{{config.key}} and {{x }") << QString() << QStringLiteral("unterminated {{ at offset 19");
        QTest::newRow("offset counts UTF-16 units")
            << QStringLiteral("😀é {{") << QString() << QStringLiteral("unterminated {{ at offset 4");
        QTest::newRow("empty template")
            << QStringLiteral("{{}}") << QString() << QStringLiteral("empty template at offset 0");
        QTest::newRow("blank template")
            << QStringLiteral("x {{   }}") << QString() << QStringLiteral("empty template at offset 2");
    }

    void renderTemplate()
    {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        QFETCH(QString, error);

        const Result<QString> rendered = vigil::renderTemplate(text, scope());
        QCOMPARE(rendered.ok() ? QString() : rendered.error().message, error);
        if (rendered) {
            QCOMPARE(rendered.value(), expected);
        } else {
            QCOMPARE(rendered.error().code, ErrorCode::Invalid);
        }
    }

    void renderTemplates_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("expected");
        QTest::addColumn<QString>("error");

        const QString config = QStringLiteral("config");

        // Ordinary literals for URLs: moc 6.4 reads // inside a raw string literal as a comment.
        QTest::newRow("strings in objects, keys untouched")
            << QByteArray("{\"url\": \"https://x/{{trigger.resourceId}}\","
                          " \"headers\": {\"{{config.key}}\": \"Bearer {{config.token}}\"}}")
            << config
            << QByteArray(
                   "{\"url\": \"https://x/db-1\", \"headers\": {\"{{config.key}}\": \"Bearer s3cr3t\"}}")
            << QString();
        QTest::newRow("strings in arrays") << QByteArray(
            R"({"args": ["a", "{{config.key}}!", {"x": "n={{trigger.payload.misses}}"}, ["{{run.id}}-"]]})")
                                           << config
                                           << QByteArray(R"({"args": ["a", "v!", {"x": "n=3"}, ["run-9-"]]})")
                                           << QString();
        QTest::newRow("other scalars pass through")
            << QByteArray(R"({"n": 5, "f": 1.5, "b": false, "z": null, "e": {}, "a": []})") << config
            << QByteArray(R"({"n": 5, "f": 1.5, "b": false, "z": null, "e": {}, "a": []})") << QString();
        QTest::newRow("top-level string") << QByteArray(R"("id {{trigger.resourceId}}")") << config
                                          << QByteArray(R"("id db-1")") << QString();
        QTest::newRow("top-level number") << QByteArray("42") << config << QByteArray("42") << QString();

        // a string that is exactly one template keeps the value's type
        QTest::newRow("whole: integer") << QByteArray(R"({"count": "{{trigger.payload.misses}}"})") << config
                                        << QByteArray(R"({"count": 3})") << QString();
        QTest::newRow("whole: float") << QByteArray(R"({"r": "{{trigger.payload.ratio}}"})") << config
                                      << QByteArray(R"({"r": 2.5})") << QString();
        QTest::newRow("whole: boolean") << QByteArray(R"({"ok": "{{trigger.payload.ok}}"})") << config
                                        << QByteArray(R"({"ok": true})") << QString();
        QTest::newRow("whole: null") << QByteArray(R"({"n": "{{trigger.payload.none}}"})") << config
                                     << QByteArray(R"({"n": null})") << QString();
        QTest::newRow("whole: object") << QByteArray(R"({"body": "{{trigger.payload.obj}}"})") << config
                                       << QByteArray(R"({"body": {"x": 1, "y": [1, 2]}})") << QString();
        QTest::newRow("whole: array") << QByteArray(R"({"to": "{{trigger.payload.hosts}}"})") << config
                                      << QByteArray(R"({"to": ["h1", "h2"]})") << QString();
        QTest::newRow("whole: string stays a string")
            << QByteArray(R"({"id": "{{trigger.resourceId}}"})") << config << QByteArray(R"({"id": "db-1"})")
            << QString();
        QTest::newRow("whole: whitespace inside the braces")
            << QByteArray(R"({"count": "{{ trigger.payload.misses }}"})") << config
            << QByteArray(R"({"count": 3})") << QString();
        QTest::newRow("whole: inside an array")
            << QByteArray(R"(["{{trigger.payload.misses}}"])") << config << QByteArray("[3]") << QString();
        QTest::newRow("whole: value holding braces is not rendered again")
            << QByteArray(R"({"s": "{{trigger.payload.braces}}"})") << config
            << QByteArray(R"({"s": "{{config.key}}"})") << QString();
        QTest::newRow("not whole: leading space") << QByteArray(R"({"count": " {{trigger.payload.misses}}"})")
                                                  << config << QByteArray(R"({"count": " 3"})") << QString();
        QTest::newRow("not whole: two templates")
            << QByteArray(R"({"count": "{{trigger.payload.misses}}{{trigger.payload.misses}}"})") << config
            << QByteArray(R"({"count": "33"})") << QString();
        QTest::newRow("unicode") << QByteArray(R"({"größe": "{{trigger.payload.größe}} ✓"})") << config
                                 << QByteArray(R"({"größe": "groß ✓"})") << QString();

        // errors name the config path
        QTest::newRow("error in a nested object")
            << QByteArray(R"({"url": "ok", "headers": {"Authorization": "Bearer {{config.nope}}"}})")
            << config << QByteArray()
            << QStringLiteral("config.headers.Authorization: no value for {{config.nope}}");
        QTest::newRow("error in an array")
            << QByteArray(R"({"args": ["a", "b", "{{trigger.nope}}"]})") << config << QByteArray()
            << QStringLiteral("config.args[2]: no value for {{trigger.nope}}");
        QTest::newRow("error in an array of objects")
            << QByteArray(R"({"items": [{"url": "x"}, {"url": "{{ trigger.nope }}"}]})") << config
            << QByteArray() << QStringLiteral("config.items[1].url: no value for {{ trigger.nope }}");
        QTest::newRow("error in a whole template")
            << QByteArray(R"({"count": "{{trigger.payload.nope}}"})") << config << QByteArray()
            << QStringLiteral("config.count: no value for {{trigger.payload.nope}}");
        QTest::newRow("unterminated")
            << QByteArray("{\"url\": \"https://{{trigger.resourceId\"}") << config << QByteArray()
            << QStringLiteral("config.url: unterminated {{ at offset 8");
        QTest::newRow("empty whole template") << QByteArray(R"({"x": "{{ }}"})") << config << QByteArray()
                                              << QStringLiteral("config.x: empty template at offset 0");
        QTest::newRow("unicode key in the path")
            << QByteArray(R"({"größe": "{{nope}}"})") << config << QByteArray()
            << QStringLiteral("config.größe: no value for {{nope}}");
        QTest::newRow("other path") << QByteArray(R"({"a": "{{nope}}"})") << QStringLiteral("steps[1].config")
                                    << QByteArray()
                                    << QStringLiteral("steps[1].config.a: no value for {{nope}}");
        QTest::newRow("empty path, nested")
            << QByteArray(R"({"headers": {"a": "{{nope}}"}})") << QString() << QByteArray()
            << QStringLiteral("headers.a: no value for {{nope}}");
        QTest::newRow("empty path, array") << QByteArray(R"(["{{nope}}"])") << QString() << QByteArray()
                                           << QStringLiteral("[0]: no value for {{nope}}");
        QTest::newRow("empty path, top-level string")
            << QByteArray(R"("{{nope}}")") << QString() << QByteArray()
            << QStringLiteral("no value for {{nope}}");
    }

    void renderTemplates()
    {
        QFETCH(QByteArray, value);
        QFETCH(QString, path);
        QFETCH(QByteArray, expected);
        QFETCH(QString, error);

        const Result<Json> rendered = vigil::renderTemplates(json(value), scope(), path);
        QCOMPARE(rendered.ok() ? QString() : rendered.error().message, error);
        if (rendered) {
            // Compact dumps differ between 3 and "3", so this compares types too.
            QCOMPARE(dumpJsonString(rendered.value()), dumpJsonString(json(expected)));
        } else {
            QCOMPARE(rendered.error().code, ErrorCode::Invalid);
        }
    }

    void renderTemplatesDefaultPathIsConfig()
    {
        const Result<Json> rendered = vigil::renderTemplates(json(R"({"url": "{{nope}}"})"), scope());
        QVERIFY(!rendered);
        QCOMPARE(rendered.error().message, QStringLiteral("config.url: no value for {{nope}}"));
    }
};

QTEST_GUILESS_MAIN(TestTemplates)
#include "tst_templates.moc"
