// SPDX-License-Identifier: GPL-3.0-or-later
#include "commonoptions.h"

#include "heartbeat/signing.h"

#include "store/store.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QSettings>

#include <memory>

namespace vigil {

QString ListenAddress::toString() const
{
    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol
        ? QLatin1Char('[') + address.toString() + QLatin1Char(']')
        : address.toString();
    return host + QLatin1Char(':') + QString::number(port);
}

Result<ListenAddress> parseListenAddress(QStringView text)
{
    const qsizetype colon = text.lastIndexOf(QLatin1Char(':'));
    if (colon < 0)
        return makeError(ErrorCode::Invalid, QStringLiteral("listen address \"%1\" needs a port, e.g. 127.0.0.1:8787").arg(text));
    QStringView host = text.left(colon);
    const QStringView portText = text.mid(colon + 1);
    bool ok = false;
    const uint port = portText.toUInt(&ok);
    if (!ok || port > 65535)
        return makeError(ErrorCode::Invalid, QStringLiteral("listen address \"%1\": bad port \"%2\"").arg(text, portText));
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    ListenAddress listen;
    listen.port = quint16(port);
    if (host.isEmpty() || host == u"*") {
        listen.address = QHostAddress::Any;
    } else if (host == u"localhost") {
        listen.address = QHostAddress::LocalHost;
    } else if (!listen.address.setAddress(host.toString())) {
        return makeError(ErrorCode::Invalid, QStringLiteral("listen address \"%1\": \"%2\" is not an IP address").arg(text, host));
    }
    return listen;
}

CommonOptionParser::CommonOptionParser()
    : m_db(QStringLiteral("db"),
           QCoreApplication::translate("CommonOptions",
                                       "Database URL: sqlite:///path/vigil.db or postgres://user:pass@host:port/db "
                                       "(env VIGIL_DB; default: vigil.db in the application data folder)."),
           QStringLiteral("url"))
    , m_listen(QStringLiteral("listen"),
               QCoreApplication::translate("CommonOptions",
                                           "Address and port of the HTTP interface (env VIGIL_LISTEN; default 127.0.0.1:8787)."),
               QStringLiteral("addr:port"))
    , m_token(QStringLiteral("token"),
              QCoreApplication::translate("CommonOptions", "Bearer token of the admin API (env VIGIL_TOKEN)."),
              QStringLiteral("token"))
    , m_prefix(QStringLiteral("table-prefix"),
               QCoreApplication::translate("CommonOptions",
                                           "Prefix of every table name (env VIGIL_TABLE_PREFIX; default vigil_)."),
               QStringLiteral("prefix"))
    , m_config(QStringLiteral("config"),
               QCoreApplication::translate("CommonOptions", "Settings file to read instead of the default one."),
               QStringLiteral("file"))
{
}

void CommonOptionParser::addTo(QCommandLineParser &parser) const
{
    parser.addOptions({ m_db, m_listen, m_token, m_prefix, m_config });
}

QString ensureToken(CommonOptions &options, bool *generated)
{
    if (generated)
        *generated = false;
    if (!options.token.isEmpty())
        return options.token;
    std::unique_ptr<QSettings> settings = options.settingsFile.isEmpty()
        ? std::make_unique<QSettings>()
        : std::make_unique<QSettings>(options.settingsFile, QSettings::IniFormat);
    options.token = settings->value(QStringLiteral("http/token")).toString();
    if (options.token.isEmpty()) {
        options.token = QString::fromLatin1(signing::generateKey());
        settings->setValue(QStringLiteral("http/token"), options.token);
        settings->sync();
        if (generated)
            *generated = true;
    }
    return options.token;
}

Result<CommonOptions> CommonOptionParser::resolve(const QCommandLineParser &parser,
                                                  const QProcessEnvironment &environment) const
{
    CommonOptions options;
    options.settingsFile = parser.value(m_config);
    std::unique_ptr<QSettings> settings = options.settingsFile.isEmpty()
        ? std::make_unique<QSettings>()
        : std::make_unique<QSettings>(options.settingsFile, QSettings::IniFormat);

    auto pick = [&](const QCommandLineOption &option, const char *env, const char *key) -> QString {
        if (parser.isSet(option))
            return parser.value(option);
        const QString fromEnv = environment.value(QString::fromLatin1(env));
        if (!fromEnv.isEmpty())
            return fromEnv;
        return settings->value(QString::fromLatin1(key)).toString();
    };

    options.databaseUrl = pick(m_db, "VIGIL_DB", "database/url");
    if (options.databaseUrl.isEmpty())
        options.databaseUrl = defaultDatabaseUrl();

    const QString listen = pick(m_listen, "VIGIL_LISTEN", "http/listen");
    if (!listen.isEmpty()) {
        Result<ListenAddress> parsed = parseListenAddress(listen);
        if (!parsed)
            return parsed.error();
        options.listen = parsed.value();
    }
    options.token = pick(m_token, "VIGIL_TOKEN", "http/token");
    const QString prefix = pick(m_prefix, "VIGIL_TABLE_PREFIX", "database/tablePrefix");
    if (!prefix.isEmpty())
        options.tablePrefix = prefix;
    return options;
}

} // namespace vigil
