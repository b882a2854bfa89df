// SPDX-License-Identifier: GPL-3.0-or-later
#include "fleet/pingcommands.h"

#include "model/agent.h"

namespace vigil::ui {

namespace {

// Agent ids are [A-Za-z0-9._:@-] (isValidAgentId): safe in a URL path and in a shell word.
QString heartbeatUrl(const QString &baseUrl, const QString &agentId)
{
    QString base = baseUrl;
    while (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    return base + QStringLiteral("/heartbeat/") + agentId;
}

// Single-quoted for sh: safe for any text.
QString shellQuote(const QString &text)
{
    QString quoted = text;
    quoted.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

} // namespace

QString defaultKeyFile(const QString &agentId)
{
    return QStringLiteral("/etc/vigil/") + agentId + QStringLiteral(".key");
}

QString curlCommand(const QString &baseUrl, const QString &agentId)
{
    return QStringLiteral("curl -fsS -X POST ") + heartbeatUrl(baseUrl, agentId);
}

QString signedCurlCommand(const QString &baseUrl, const QString &agentId, const QString &keyFile)
{
    const QString lines[] = {
        QStringLiteral("BODY='{}'"),
        QStringLiteral("TS=$(date +%s)"),
        QStringLiteral("SIG=$(printf '%s.%s' \"$TS\" \"$BODY\" | openssl dgst -sha256 -hmac \"$(cat ")
            + shellQuote(keyFile) + QStringLiteral(")\" -r | cut -d' ' -f1)"),
        QStringLiteral("curl -fsS -X POST ") + heartbeatUrl(baseUrl, agentId)
            + QStringLiteral(" -H 'Content-Type: application/json' -H \"X-Vigil-Timestamp: $TS\""
                             " -H \"X-Vigil-Signature: sha256=$SIG\" --data \"$BODY\""),
    };
    QString out;
    for (const QString &line : lines)
        out += line + QLatin1Char('\n');
    out.chop(1);
    return out;
}

QString agentCommand(const QString &baseUrl, const QString &agentId, const QString &keyFile, int intervalSecs)
{
    QString command = QStringLiteral("vigil-agent --url ") + baseUrl + QStringLiteral(" --id ") + agentId;
    if (!keyFile.isEmpty())
        command += QStringLiteral(" --key-file ") + shellQuote(keyFile);
    command += QStringLiteral(" --interval ") + QString::number(intervalSecs);
    return command;
}

} // namespace vigil::ui
