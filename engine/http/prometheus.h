// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Prometheus text exposition (format 0.0.4) for the few metric shapes Vigil serves.

#include <QByteArray>

#include <vector>

namespace vigil::prometheus {

// A cumulative histogram with fixed upper bounds (seconds, counts...).
class Histogram
{
public:
    explicit Histogram(std::vector<double> bounds);
    void observe(double value);
    // # HELP, # TYPE, the _bucket lines (le="+Inf" last), _sum and _count.
    QByteArray text(const char *name, const char *help, const QByteArray &labels = {}) const;
    quint64 count() const { return m_count; }
    double sum() const { return m_sum; }
    // The value under which `q` (0..1) of the observations fall, from the buckets (upper bound).
    double quantile(double q) const;

private:
    std::vector<double> m_bounds;
    std::vector<quint64> m_counts; // per bucket, not cumulative; last = above every bound
    double m_sum = 0;
    quint64 m_count = 0;
};

// A number as Prometheus writes it (integers without a fraction, "+Inf").
QByteArray number(double value);

} // namespace vigil::prometheus
