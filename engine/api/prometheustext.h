// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Prometheus text exposition format 0.0.4, the few pieces GET /metrics needs: a writer that
// puts `# HELP` / `# TYPE` before each family and escapes label values, and a histogram with
// fixed buckets (`_bucket{le=...}` cumulative, `_sum`, `_count`). Not thread-safe: the
// owner guards it.

#include <QByteArray>
#include <QString>

#include <utility>
#include <vector>

namespace vigil::prometheus {

inline constexpr char kContentType[] = "text/plain; version=0.0.4; charset=utf-8";

using Labels = std::vector<std::pair<QByteArray, QString>>;

class Text
{
public:
    // Starts a family; `type` is counter, gauge or histogram.
    void family(const QByteArray &name, const QByteArray &type, const QByteArray &help);
    void sample(const QByteArray &name, const Labels &labels, double value);
    QByteArray take() { return std::move(m_out); }

private:
    QByteArray m_out;
};

class Histogram
{
public:
    explicit Histogram(std::vector<double> upperBounds);
    void observe(double value);
    // The family's samples (call family() first).
    void write(Text &text, const QByteArray &name, const Labels &labels) const;

private:
    std::vector<double> m_bounds;
    std::vector<quint64> m_counts; // per bucket, not cumulative; the last is +Inf
    double m_sum = 0;
    quint64 m_count = 0;
};

// 1 ms to 5 min: from a log step to a slow webhook with retries.
std::vector<double> durationBuckets();

} // namespace vigil::prometheus
