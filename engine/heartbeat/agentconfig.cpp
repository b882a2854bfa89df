// SPDX-License-Identifier: GPL-3.0-or-later
#include "heartbeat/agentconfig.h"

#include "model/agent.h"
#include "model/json.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <algorithm>
#include <initializer_list>

namespace vigil {

namespace {

const QString kDefaultUrl = QStringLiteral("http://127.0.0.1:8787");

// Reports the first key of the reader's object that is not in `known`.
void rejectUnknownKeys(JsonReader &reader, std::initializer_list<const char *> known)
{
    if (!reader.isObject())
        return;
    for (auto it = reader.json().begin(); it != reader.json().end(); ++it) {
        const bool isKnown
            = std::any_of(known.begin(), known.end(), [&](const char *k) { return it.key() == k; });
        if (!isKnown) {
            QStringList names;
            for (const char *k : known)
                names.append(QLatin1String(k));
            reader.fail(reader.pathOf(it.key().c_str()),
                QStringLiteral("unknown key (expected one of: %1)").arg(names.join(QStringLiteral(", "))));
            return;
        }
    }
}

std::chrono::seconds clampInterval(qint64 seconds)
{
    return std::chrono::seconds(std::max<qint64>(seconds, kMinHeartbeatInterval.count()));
}

// An http(s) URL with a host, or the reason it is not one.
Result<QUrl> collectorUrl(const QString &text)
{
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty())
        return makeError(
            ErrorCode::Invalid, QStringLiteral("\"%1\" is not a URL like %2").arg(text, kDefaultUrl));
    if (url.scheme() != u"http" && url.scheme() != u"https")
        return makeError(
            ErrorCode::Invalid, QStringLiteral("\"%1\": the scheme must be http or https").arg(text));
    if (url.hasQuery() || url.hasFragment())
        return makeError(ErrorCode::Invalid,
            QStringLiteral("\"%1\": give the collector's base URL, without a query or fragment").arg(text));
    return url;
}

QString invalidIdMessage(const QString &id)
{
    return QStringLiteral("\"%1\" is not an agent id (1 to 128 of A-Z a-z 0-9 . _ : @ -)").arg(id);
}

void parseMeasures(const Json &object, Measures &measures, JsonReader &parent)
{
    JsonReader reader(object, parent.pathOf("measures"));
    rejectUnknownKeys(reader, { "cpu", "memory", "disk", "threads", "files", "fds" });
    const auto read = [&reader](const char *key, bool &flag) {
        if (const std::optional<bool> value = reader.boolean(key))
            flag = *value;
    };
    read("cpu", measures.cpu);
    read("memory", measures.memory);
    read("disk", measures.disk);
    read("threads", measures.threads);
    read("files", measures.files);
    read("fds", measures.fds);
    if (!reader.ok())
        parent.fail({}, reader.error().message);
}

std::optional<HeartbeatTarget> parseTarget(const Json &object, const QString &path, JsonReader &parent)
{
    JsonReader reader(object, path);
    rejectUnknownKeys(reader, { "type", "config" });
    const std::optional<QString> type = reader.string("type", true);
    const std::optional<Json> config = reader.object("config");
    HeartbeatTarget target;
    if (reader.ok() && type == u"vigil") {
        target.url = QUrl(kDefaultUrl);
        const Json empty = Json::object();
        JsonReader settings(config ? *config : empty, reader.pathOf("config"));
        rejectUnknownKeys(settings, { "url", "agentId", "keyFile" });
        if (const std::optional<QString> url = settings.string("url")) {
            const Result<QUrl> parsed = collectorUrl(*url);
            if (parsed)
                target.url = parsed.value();
            else
                settings.fail(settings.pathOf("url"), parsed.error().message);
        }
        if (const std::optional<QString> id = settings.string("agentId")) {
            if (isValidAgentId(*id))
                target.agentId = *id;
            else
                settings.fail(settings.pathOf("agentId"), invalidIdMessage(*id));
        }
        if (const std::optional<QString> keyFile = settings.string("keyFile"))
            target.keyFile = *keyFile;
        if (!settings.ok())
            reader.fail({}, settings.error().message);
    } else if (reader.ok() && type == u"stdout") {
        target.type = HeartbeatTarget::Type::Stdout;
        if (config && !config->empty())
            reader.fail(reader.pathOf("config"), QStringLiteral("the stdout target takes no settings"));
    } else if (reader.ok()) {
        reader.fail(reader.pathOf("type"),
            QStringLiteral("unknown target type \"%1\" (expected vigil or stdout)").arg(*type));
    }
    if (!reader.ok()) {
        parent.fail({}, reader.error().message);
        return std::nullopt;
    }
    return target;
}

void parseHeartbeat(AgentConfig &config, JsonReader &reader)
{
    rejectUnknownKeys(reader, { "intervalSecs", "measures", "targets" });
    if (const std::optional<qint64> seconds = reader.integer("intervalSecs")) {
        if (*seconds > kMaxHeartbeatInterval.count())
            reader.fail(reader.pathOf("intervalSecs"),
                QStringLiteral("at most %1 (a day)").arg(kMaxHeartbeatInterval.count()));
        config.interval = clampInterval(*seconds);
    }
    if (const std::optional<Json> measures = reader.object("measures"))
        parseMeasures(*measures, config.measures, reader);
    if (const std::optional<Json> targets = reader.any("targets")) {
        const QString path = reader.pathOf("targets");
        if (!targets->is_array()) {
            reader.fail(path, QStringLiteral("expected an array of targets"));
        } else if (targets->empty()) {
            reader.fail(path, QStringLiteral("needs at least one target (vigil or stdout)"));
        } else {
            config.targets.clear();
            for (size_t i = 0; i < targets->size() && reader.ok(); ++i) {
                if (auto target = parseTarget((*targets)[i], path + QStringLiteral("[%1]").arg(i), reader))
                    config.targets.push_back(std::move(*target));
            }
        }
    }
}

Result<QByteArray> readKeyFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return makeError(
            ErrorCode::Invalid, QStringLiteral("cannot read key file %1: %2").arg(path, file.errorString()));
    const QByteArray key = file.read(64 * 1024).trimmed();
    if (key.isEmpty())
        return makeError(ErrorCode::Invalid, QStringLiteral("key file %1 is empty").arg(path));
    return key;
}

} // namespace

AgentConfig defaultAgentConfig()
{
    AgentConfig config;
    HeartbeatTarget target;
    target.url = QUrl(kDefaultUrl);
    config.targets.push_back(target);
    return config;
}

Result<AgentConfig> parseAgentConfig(const QByteArray &text)
{
    const Result<Json> json = parseJson(text);
    if (!json)
        return json.error();
    AgentConfig config = defaultAgentConfig();
    if (!json->is_object())
        return makeError(
            ErrorCode::Invalid, QStringLiteral("expected a JSON object with a \"heartbeat\" section"));
    const auto heartbeat = json->find("heartbeat");
    if (heartbeat == json->end() || heartbeat->is_null())
        return config;
    JsonReader reader(*heartbeat, QStringLiteral("heartbeat"));
    parseHeartbeat(config, reader);
    if (!reader.ok())
        return reader.error();
    return config;
}

Result<AgentConfig> resolveAgentConfig(
    const QString &path, const AgentOverrides &overrides, const QString &hostName)
{
    AgentConfig config = defaultAgentConfig();
    QDir keyBase = QDir::current();
    if (!path.isEmpty()) {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            return makeError(
                ErrorCode::Invalid, QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
        Result<AgentConfig> parsed = parseAgentConfig(file.readAll());
        if (!parsed)
            return makeError(ErrorCode::Invalid, path + QStringLiteral(": ") + parsed.error().message);
        config = std::move(parsed).value();
        keyBase = QFileInfo(path).absoluteDir();
    }

    if (overrides.interval) {
        if (*overrides.interval > kMaxHeartbeatInterval)
            return makeError(ErrorCode::Invalid,
                QStringLiteral("--interval: at most %1 (a day)").arg(kMaxHeartbeatInterval.count()));
        config.interval = clampInterval(overrides.interval->count());
    }
    std::optional<QUrl> url;
    if (overrides.url) {
        const Result<QUrl> parsed = collectorUrl(*overrides.url);
        if (!parsed)
            return makeError(ErrorCode::Invalid, QStringLiteral("--url: ") + parsed.error().message);
        url = parsed.value();
    }
    if (overrides.agentId && !isValidAgentId(*overrides.agentId))
        return makeError(ErrorCode::Invalid, QStringLiteral("--id: ") + invalidIdMessage(*overrides.agentId));
    const auto isVigil = [](const HeartbeatTarget &t) { return t.type == HeartbeatTarget::Type::Vigil; };
    if (url && std::none_of(config.targets.begin(), config.targets.end(), isVigil))
        config.targets.push_back(HeartbeatTarget {});

    for (HeartbeatTarget &target : config.targets) {
        if (!isVigil(target))
            continue;
        if (url)
            target.url = *url;
        if (overrides.agentId)
            target.agentId = *overrides.agentId;
        if (target.agentId.isEmpty()) {
            target.agentId = hostName.isEmpty() ? QStringLiteral("localhost") : hostName;
            if (!isValidAgentId(target.agentId))
                return makeError(ErrorCode::Invalid,
                    QStringLiteral("the host name %1; give one with --id or agentId")
                        .arg(invalidIdMessage(target.agentId)));
        }
        if (overrides.key) {
            target.keyFile.clear();
            target.key = *overrides.key;
        } else if (overrides.keyFile) {
            target.keyFile = QDir::current().absoluteFilePath(*overrides.keyFile);
        } else if (!target.keyFile.isEmpty()) {
            target.keyFile = keyBase.absoluteFilePath(target.keyFile);
        }
        if (!target.keyFile.isEmpty()) {
            const Result<QByteArray> key = readKeyFile(target.keyFile);
            if (!key)
                return key.error();
            target.key = key.value();
        }
    }
    return config;
}

} // namespace vigil
