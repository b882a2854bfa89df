// SPDX-License-Identifier: GPL-3.0-or-later
#include "api/prometheustext.h"

#include <cmath>

namespace vigil::prometheus {

namespace {

QByteArray number(double value)
{
    if (std::isinf(value))
        return value > 0 ? QByteArrayLiteral("+Inf") : QByteArrayLiteral("-Inf");
    if (std::isnan(value))
        return QByteArrayLiteral("NaN");
    if (value == std::floor(value) && std::fabs(value) < 1e15)
        return QByteArray::number(qint64(value));
    return QByteArray::number(value, 'g', 15);
}

QByteArray escaped(const QString &value)
{
    QByteArray out;
    const QByteArray utf8 = value.toUtf8();
    out.reserve(utf8.size());
    for (const char c : utf8) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

} // namespace

void Text::family(const QByteArray &name, const QByteArray &type, const QByteArray &help)
{
    m_out += "# HELP " + name + ' ' + help + "\n# TYPE " + name + ' ' + type + '\n';
}

void Text::sample(const QByteArray &name, const Labels &labels, double value)
{
    m_out += name;
    if (!labels.empty()) {
        m_out += '{';
        for (size_t i = 0; i < labels.size(); ++i) {
            if (i)
                m_out += ',';
            m_out += labels[i].first + "=\"" + escaped(labels[i].second) + '"';
        }
        m_out += '}';
    }
    m_out += ' ' + number(value) + '\n';
}

Histogram::Histogram(std::vector<double> upperBounds)
    : m_bounds(std::move(upperBounds))
    , m_counts(m_bounds.size() + 1, 0)
{
}

void Histogram::observe(double value)
{
    size_t bucket = 0;
    while (bucket < m_bounds.size() && value > m_bounds[bucket])
        ++bucket;
    ++m_counts[bucket];
    m_sum += value;
    ++m_count;
}

void Histogram::write(Text &text, const QByteArray &name, const Labels &labels) const
{
    quint64 cumulative = 0;
    for (size_t i = 0; i <= m_bounds.size(); ++i) {
        cumulative += m_counts[i];
        Labels withLe = labels;
        withLe.emplace_back(QByteArrayLiteral("le"),
                            QString::fromLatin1(i < m_bounds.size() ? number(m_bounds[i]) : QByteArrayLiteral("+Inf")));
        text.sample(name + "_bucket", withLe, double(cumulative));
    }
    text.sample(name + "_sum", labels, m_sum);
    text.sample(name + "_count", labels, double(m_count));
}

std::vector<double> durationBuckets()
{
    return { 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300 };
}

} // namespace vigil::prometheus
