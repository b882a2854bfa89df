// SPDX-License-Identifier: GPL-3.0-or-later
#include "http/prometheus.h"

#include <algorithm>
#include <cmath>

namespace vigil::prometheus {

QByteArray number(double value)
{
    if (std::isinf(value))
        return value > 0 ? QByteArrayLiteral("+Inf") : QByteArrayLiteral("-Inf");
    if (value == std::floor(value) && std::abs(value) < 1e15)
        return QByteArray::number(qint64(value));
    return QByteArray::number(value, 'g', 10);
}

Histogram::Histogram(std::vector<double> bounds) : m_bounds(std::move(bounds)), m_counts(m_bounds.size() + 1, 0)
{
    std::sort(m_bounds.begin(), m_bounds.end());
}

void Histogram::observe(double value)
{
    const auto it = std::lower_bound(m_bounds.begin(), m_bounds.end(), value);
    ++m_counts[std::size_t(it - m_bounds.begin())];
    m_sum += value;
    ++m_count;
}

QByteArray Histogram::text(const char *name, const char *help, const QByteArray &labels) const
{
    const QByteArray base(name);
    const QByteArray prefix = labels.isEmpty() ? QByteArray() : labels + ',';
    QByteArray out = "# HELP " + base + ' ' + help + "\n# TYPE " + base + " histogram\n";
    quint64 cumulative = 0;
    for (std::size_t i = 0; i < m_bounds.size(); ++i) {
        cumulative += m_counts[i];
        out += base + "_bucket{" + prefix + "le=\"" + number(m_bounds[i]) + "\"} " + QByteArray::number(cumulative) + '\n';
    }
    out += base + "_bucket{" + prefix + "le=\"+Inf\"} " + QByteArray::number(m_count) + '\n';
    const QByteArray braces = labels.isEmpty() ? QByteArray() : '{' + labels + '}';
    out += base + "_sum" + braces + ' ' + number(m_sum) + '\n';
    out += base + "_count" + braces + ' ' + QByteArray::number(m_count) + '\n';
    return out;
}

double Histogram::quantile(double q) const
{
    if (m_count == 0)
        return 0;
    const double target = q * double(m_count);
    quint64 cumulative = 0;
    for (std::size_t i = 0; i < m_bounds.size(); ++i) {
        cumulative += m_counts[i];
        if (double(cumulative) >= target)
            return m_bounds[i];
    }
    return INFINITY;
}

} // namespace vigil::prometheus
