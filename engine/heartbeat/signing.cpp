// SPDX-License-Identifier: GPL-3.0-or-later
#include "heartbeat/signing.h"

#include <QMessageAuthenticationCode>
#include <QRandomGenerator>

namespace vigil::signing {

QByteArray sign(const QByteArray &key, qint64 unixSeconds, const QByteArray &body)
{
    QMessageAuthenticationCode mac(QCryptographicHash::Sha256, key);
    mac.addData(QByteArray::number(unixSeconds));
    mac.addData(".", 1);
    mac.addData(body);
    return QByteArrayLiteral("sha256=") + mac.result().toHex();
}

bool constantTimeEquals(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i]);
    return diff == 0;
}

Status verify(const QByteArray &key, const QByteArray &timestampValue, const QByteArray &signatureValue,
              const QByteArray &body, const QDateTime &now)
{
    if (signatureValue.isEmpty())
        return makeError(ErrorCode::Unauthorized, QStringLiteral("missing %1").arg(QLatin1String(signatureHeader)));
    if (timestampValue.isEmpty())
        return makeError(ErrorCode::Unauthorized, QStringLiteral("missing %1").arg(QLatin1String(timestampHeader)));
    bool ok = false;
    const qint64 stamp = timestampValue.trimmed().toLongLong(&ok);
    if (!ok)
        return makeError(ErrorCode::Unauthorized,
                         QStringLiteral("%1 is not unix seconds").arg(QLatin1String(timestampHeader)));
    const qint64 skew = std::abs(now.toSecsSinceEpoch() - stamp);
    if (skew > maxSkew.count())
        return makeError(ErrorCode::Unauthorized,
                         QStringLiteral("timestamp is %1 s away from the server's clock (at most %2 s allowed)")
                             .arg(skew)
                             .arg(maxSkew.count()));
    const QByteArray expected = sign(key, stamp, body);
    // Header values are case-insensitive hex for humans; compare in lower case.
    if (!constantTimeEquals(expected, signatureValue.trimmed().toLower()))
        return makeError(ErrorCode::Unauthorized, QStringLiteral("signature does not match"));
    return {};
}

QByteArray generateKey()
{
    QByteArray raw(32, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(raw.data()), raw.size() / 4);
    return raw.toHex();
}

} // namespace vigil::signing
