// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A simulated fleet for demos and benchmarks (`vigil --demo N`, `vigild --demo N`): N agents
// that register through the admin API and send real heartbeats over HTTP to a collector,
// with the seed-004 stats shape. Their behaviour is drawn from a seed, so a given N always
// looks the same: most are steady, some flap (skip beats, go late, sometimes down), a few
// die for a while and come back (missed, then recovered), and cron-like jobs report
// /start and success, or /fail now and then.
//
// Runs on a thread of its own (no network on the caller's thread). RAII: the destructor
// stops it and joins the thread.

#include <QString>
#include <QUrl>

#include <memory>

namespace vigil {

struct DemoFleetOptions
{
    QUrl baseUrl;        // the collector, e.g. http://127.0.0.1:8787
    QString token;       // admin API token, to register the agents' tenant/environment/tags
    int agents = 24;
    quint32 seed = 1;
    // Every agent beats at this interval instead of its drawn one (benchmarks: 1 s), and
    // behaves steadily.
    int fixedIntervalSecs = 0;
    int connections = 0; // parallel HTTP connections; 0 = chosen from the fleet's size
};

class DemoFleet final
{
public:
    explicit DemoFleet(DemoFleetOptions options);
    ~DemoFleet();
    DemoFleet(const DemoFleet &) = delete;
    DemoFleet &operator=(const DemoFleet &) = delete;

    void start();
    void stop();

    // Heartbeats answered 2xx / answered otherwise or not at all, so far.
    quint64 delivered() const;
    quint64 failed() const;

private:
    class Worker;
    struct State;
    std::unique_ptr<State> d;
};

} // namespace vigil
