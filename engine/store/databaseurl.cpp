// SPDX-License-Identifier: GPL-3.0-or-later
#include "databaseurl.h"

#include <QRegularExpression>
#include <QUrl>
#include <QUrlQuery>

namespace vigil {

namespace {

const QLatin1String kSqliteScheme("sqlite:");

Error invalid(const QString &message)
{
    return makeError(ErrorCode::Invalid, message);
}

QString joinParameters(const QList<std::pair<QString, QString>> &parameters)
{
    QString out;
    for (const auto &[key, value] : parameters) {
        if (key.compare(QLatin1String("password"), Qt::CaseInsensitive) == 0)
            continue;
        out += (out.isEmpty() ? QLatin1Char('?') : QLatin1Char('&')) + key + QLatin1Char('=') + value;
    }
    return out;
}

Result<QList<std::pair<QString, QString>>> parseQuery(const QString &query)
{
    QList<std::pair<QString, QString>> out;
    static const QRegularExpression keyPattern(
        QRegularExpression::anchoredPattern(QStringLiteral("[A-Za-z_][A-Za-z0-9_]*")));
    const QList<std::pair<QString, QString>> items = QUrlQuery(query).queryItems(QUrl::FullyDecoded);
    for (const auto &[key, value] : items) {
        if (!keyPattern.match(key).hasMatch())
            return invalid(QStringLiteral("database URL: bad parameter name \"%1\"").arg(key));
        out.append({ key, value });
    }
    return out;
}

Result<DatabaseUrl> parseSqlite(const QString &text)
{
    DatabaseUrl url;
    url.backend = Backend::Sqlite;
    QString rest = text.mid(kSqliteScheme.size());
    QString query;
    if (const qsizetype q = rest.indexOf(QLatin1Char('?')); q >= 0) {
        query = rest.mid(q + 1);
        rest.truncate(q);
    }
    if (rest.startsWith(QLatin1String("//")))
        rest.remove(0, 2);
    if (rest == QLatin1String(":memory:")) {
        url.inMemory = true;
        url.path = rest;
    } else {
        url.path = QUrl::fromPercentEncoding(rest.toUtf8());
        if (url.path.isEmpty())
            return invalid(
                QStringLiteral("database URL: no SQLite file in \"%1\" (expected sqlite:///abs/path.db, "
                               "sqlite://relative/path.db or sqlite::memory:)")
                    .arg(text));
    }
    Result<QList<std::pair<QString, QString>>> parameters = parseQuery(query);
    if (!parameters)
        return parameters.error();
    url.parameters = std::move(parameters).value();
    for (const auto &[key, value] : url.parameters) {
        if (key != QLatin1String("synchronous"))
            return invalid(
                QStringLiteral("database URL: unknown SQLite parameter \"%1\" (known: synchronous)")
                    .arg(key));
        static const QStringList modes = { QStringLiteral("off"), QStringLiteral("normal"),
            QStringLiteral("full"), QStringLiteral("extra") };
        if (!modes.contains(value.toLower()))
            return invalid(
                QStringLiteral("database URL: synchronous must be off, normal, full or extra, not \"%1\"")
                    .arg(value));
    }
    return url;
}

Result<DatabaseUrl> parsePostgres(const QString &text)
{
    const QString usage = QStringLiteral(" (expected postgres://user:password@host:port/database)");
    const QUrl parsed(text, QUrl::StrictMode);
    // QUrl::errorString() quotes the whole URL, password included: never pass it on.
    if (!parsed.isValid())
        return invalid(QStringLiteral("database URL: malformed PostgreSQL URL") + usage);
    DatabaseUrl url;
    url.backend = Backend::Postgres;
    url.host = parsed.host(QUrl::FullyDecoded);
    url.port = parsed.port(5432);
    if (url.port <= 0 || url.port > 65535)
        return invalid(QStringLiteral("database URL: bad port") + usage);
    url.user = parsed.userName(QUrl::FullyDecoded);
    url.password = parsed.password(QUrl::FullyDecoded);
    url.database = parsed.path(QUrl::FullyDecoded);
    if (url.database.startsWith(QLatin1Char('/')))
        url.database.remove(0, 1);
    if (url.database.contains(QLatin1Char('/')))
        return invalid(QStringLiteral("database URL: bad database name \"%1\"").arg(url.database) + usage);
    if (!parsed.fragment().isEmpty())
        return invalid(QStringLiteral("database URL: unexpected fragment") + usage);
    Result<QList<std::pair<QString, QString>>> parameters = parseQuery(parsed.query(QUrl::FullyEncoded));
    if (!parameters)
        return parameters.error();
    url.parameters = std::move(parameters).value();
    // libpq would fall back to its local socket; an URL naming no server is more likely a
    // mistake. A socket directory can still be given as ?host=/var/run/postgresql.
    if (url.host.isEmpty() && !url.hasParameter(QStringLiteral("host")))
        return invalid(QStringLiteral("database URL: no PostgreSQL host") + usage);
    for (const auto &[key, value] : url.parameters) {
        // QPSQL turns ';' in its connect options into spaces, so a value holding one would be cut.
        if (value.contains(QLatin1Char(';')))
            return invalid(QStringLiteral("database URL: parameter %1 may not contain ';'").arg(key));
    }
    return url;
}

} // namespace

QString DatabaseUrl::parameter(const QString &key, const QString &fallback) const
{
    for (const auto &[k, v] : parameters) {
        if (k == key)
            return v;
    }
    return fallback;
}

bool DatabaseUrl::hasParameter(const QString &key) const
{
    for (const auto &[k, v] : parameters) {
        if (k == key)
            return true;
    }
    return false;
}

QString DatabaseUrl::describe() const
{
    if (backend == Backend::Sqlite) {
        if (inMemory)
            return QStringLiteral("sqlite::memory:") + joinParameters(parameters);
        return QStringLiteral("sqlite://") + path + joinParameters(parameters);
    }
    QString out = QStringLiteral("postgres://");
    if (!user.isEmpty())
        out += user + QLatin1Char('@');
    out += host.contains(QLatin1Char(':')) ? QLatin1Char('[') + host + QLatin1Char(']') : host;
    out += QLatin1Char(':') + QString::number(port) + QLatin1Char('/') + database;
    return out + joinParameters(parameters);
}

Result<DatabaseUrl> parseDatabaseUrl(const QString &url)
{
    const QString text = url.trimmed();
    if (text.isEmpty())
        return invalid(QStringLiteral("database URL is empty"));
    if (text.startsWith(kSqliteScheme, Qt::CaseInsensitive))
        return parseSqlite(text);
    if (text.startsWith(QLatin1String("postgres://"), Qt::CaseInsensitive)
        || text.startsWith(QLatin1String("postgresql://"), Qt::CaseInsensitive))
        return parsePostgres(text);
    const qsizetype colon = text.indexOf(QLatin1Char(':'));
    return invalid(QStringLiteral("database URL: unknown scheme \"%1\" (expected sqlite: or postgres://)")
                       .arg(colon > 0 ? text.left(colon) : QString()));
}

bool isValidTablePrefix(const QString &prefix)
{
    static const QRegularExpression pattern(
        QRegularExpression::anchoredPattern(QStringLiteral("[A-Za-z_][A-Za-z0-9_]{0,30}")));
    return pattern.match(prefix).hasMatch();
}

} // namespace vigil
