// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Enum <-> string for the value types: one table of names per enum, indexed by value, so
// the string forms (Pulse's) are written once.

#include <QLatin1String>
#include <QString>
#include <QStringView>

#include <cstddef>
#include <optional>

namespace vigil::detail {

template<typename E, std::size_t N>
QString enumName(const char *const (&names)[N], E value)
{
    const auto index = std::size_t(value);
    return index < N ? QString::fromLatin1(names[index]) : QString();
}

template<typename E, std::size_t N>
std::optional<E> enumFromName(const char *const (&names)[N], QStringView text)
{
    for (std::size_t i = 0; i < N; ++i) {
        if (text == QLatin1String(names[i]))
            return E(i);
    }
    return std::nullopt;
}

template<std::size_t N>
QString enumChoices(const char *const (&names)[N])
{
    QString out;
    for (std::size_t i = 0; i < N; ++i) {
        if (i)
            out += QStringLiteral(", ");
        out += QLatin1String(names[i]);
    }
    return out;
}

} // namespace vigil::detail
