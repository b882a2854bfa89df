// SPDX-License-Identifier: GPL-3.0-or-later
#include "ids.h"

#include <QRandomGenerator>

namespace vigil {

namespace {
constexpr char32_t kCrockford[] = U"0123456789abcdefghjkmnpqrstvwxyz";
}

QString newId(QStringView prefix)
{
    return newId(prefix, QDateTime::currentDateTimeUtc());
}

QString newId(QStringView prefix, const QDateTime &at)
{
    QString id;
    id.reserve(prefix.size() + 27);
    id.append(prefix);
    id.append(QLatin1Char('_'));
    quint64 ms = quint64(at.toMSecsSinceEpoch()) & ((quint64(1) << 50) - 1);
    for (int i = 9; i >= 0; --i)
        id.append(QChar(char16_t(kCrockford[(ms >> (5 * i)) & 31])));
    quint64 random[2];
    QRandomGenerator::global()->fillRange(random);
    quint64 bits = random[0];
    for (int i = 0; i < 16; ++i) {
        if (i == 12)
            bits = random[1]; // 12 * 5 = 60 bits taken from the first word
        id.append(QChar(char16_t(kCrockford[bits & 31])));
        bits >>= 5;
    }
    return id;
}

} // namespace vigil
