// SPDX-License-Identifier: GPL-3.0-or-later
// demo_load URL AGENTS [SECONDS]: a fleet of AGENTS simulated agents, each heartbeating once
// a second over HTTP to the collector at URL, from a process of its own so the process
// being measured (bench_dashboard) does not pay for the load. Prints the delivered and
// failed counts each second on stdout.

#include "heartbeat/demofleet.h"

#include <QCoreApplication>
#include <QTimer>

#include <cstdio>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 3) {
        std::fprintf(stderr, "usage: demo_load URL AGENTS [SECONDS]\n");
        return 2;
    }
    vigil::DemoFleetOptions options;
    options.baseUrl = QUrl(args.at(1));
    options.agents = args.at(2).toInt();
    options.fixedIntervalSecs = 1;
    options.connections = std::max(4, options.agents / 250);
    const int seconds = args.size() > 3 ? args.at(3).toInt() : 0;
    vigil::DemoFleet fleet(options);
    fleet.start();
    QTimer report;
    quint64 lastDelivered = 0;
    QObject::connect(&report, &QTimer::timeout, &app, [&] {
        const quint64 delivered = fleet.delivered();
        std::printf("delivered %llu (+%llu/s) failed %llu\n", static_cast<unsigned long long>(delivered),
                    static_cast<unsigned long long>(delivered - lastDelivered),
                    static_cast<unsigned long long>(fleet.failed()));
        std::fflush(stdout);
        lastDelivered = delivered;
    });
    report.start(1000);
    if (seconds > 0)
        QTimer::singleShot(seconds * 1000, &app, &QCoreApplication::quit);
    return app.exec();
}
