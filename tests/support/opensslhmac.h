// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// HMAC-SHA256 computed by another implementation than ours: the openssl command line tool,
// run as a process, so a test can check vigil::signing against it. The key goes in as hex
// (keys may hold any byte); the message through stdin.

#include <QByteArray>
#include <QProcess>
#include <QRegularExpression>

namespace vigil::test {

// Lowercase hex of HMAC-SHA256(key, message), or an empty array (the reason in `error`).
inline QByteArray opensslHmacSha256(
    const QByteArray &key, const QByteArray &message, QString *error = nullptr)
{
    QProcess openssl;
    openssl.start(QStringLiteral("openssl"),
        { QStringLiteral("dgst"), QStringLiteral("-sha256"), QStringLiteral("-mac"), QStringLiteral("HMAC"),
            QStringLiteral("-macopt"), QStringLiteral("hexkey:") + QString::fromLatin1(key.toHex()) });
    if (!openssl.waitForStarted(10000)) {
        if (error)
            *error = QStringLiteral("cannot run openssl (install-deps.sh test installs it): ")
                + openssl.errorString();
        return {};
    }
    openssl.write(message);
    openssl.closeWriteChannel();
    openssl.waitForFinished(10000);
    const QString out = QString::fromLatin1(openssl.readAllStandardOutput());
    // "HMAC-SHA2-256(stdin)= 5bdc..." (OpenSSL 3) or "(stdin)= 5bdc..." (older).
    const QRegularExpressionMatch match
        = QRegularExpression(QStringLiteral("= ([0-9a-f]{64})\\s*$")).match(out);
    if (!match.hasMatch()) {
        if (error)
            *error = QStringLiteral("unexpected openssl output: ") + out
                + QString::fromLatin1(openssl.readAllStandardError());
        return {};
    }
    return match.captured(1).toLatin1();
}

} // namespace vigil::test
