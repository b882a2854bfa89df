// SPDX-License-Identifier: GPL-3.0-or-later
// vigild: the engine and collector without a GUI, for servers and for several nodes on one
// PostgreSQL. Parses options, wires the parts, runs until SIGINT/SIGTERM.

#include "api/adminapi.h"
#include "config/commonoptions.h"
#include "config/serveroptions.h"
#include "core/logging.h"
#include "core/shutdownsignals.h"
#include "store/databasereport.h"
#include "store/store.h"
#include "heartbeat/collectorhost.h"
#include "heartbeat/demofleet.h"
#include "model/workflow.h"
#include "workflow/enginehost.h"
#include "workflow/importer.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QHostInfo>

#include <cstdio>

using namespace vigil;

namespace {
int fail(const QString &message, int code = 1)
{
    std::fprintf(stderr, "vigild: %s\n", qPrintable(message));
    return code;
}

} // namespace

int main(int argc, char *argv[])
{
    // Headless: Qt's own event dispatcher costs less per event than the glib one, and the
    // engine runs many short events.
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    // First, so that a SIGTERM during start-up is held (in the self-pipe) until the event
    // loop runs, instead of killing the process half-way.
    ShutdownSignals shutdown;
    QCoreApplication::setOrganizationName(QStringLiteral("Vigil"));
    QCoreApplication::setApplicationName(QStringLiteral("vigild"));
    QCoreApplication::setApplicationVersion(QStringLiteral(VIGIL_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QCoreApplication::translate(
        "vigild", "Vigil's engine and heartbeat collector, headless."));
    parser.addHelpOption();
    parser.addVersionOption();
    CommonOptionParser common;
    common.addTo(parser);
    const QCommandLineOption checkDb(QStringLiteral("check-db"),
                                     QCoreApplication::translate("vigild",
                                                                 "Open and migrate the database, print its schema "
                                                                 "version and each table's row count, and exit."));
    parser.addOption(checkDb);
    ServerOptionParser server;
    server.addTo(parser);
    parser.process(app);

    const Result<CommonOptions> options = common.resolve(parser);
    if (!options)
        return fail(options.error().message, 2);
    if (!parser.isSet(checkDb))
        qCInfo(lcApp) << "vigild" << VIGIL_VERSION << "starting";

    Result<std::unique_ptr<Store>> store = openStore({ options->databaseUrl, options->tablePrefix });
    if (!store)
        return fail(QStringLiteral("cannot open the database: %1").arg(store.error().message));
    if (const Status migrated = store.value()->migrate(); !migrated)
        return fail(QStringLiteral("cannot migrate %1: %2").arg(store.value()->describe(), migrated.error().message));

    if (parser.isSet(checkDb)) {
        const Result<QString> report = databaseReport(*store.value());
        if (!report)
            return fail(report.error().message);
        std::fputs(qPrintable(report.value()), stdout);
        return 0;
    }

    const Result<ServerOptions> serverOptions = server.resolve(parser, options->settingsFile);
    if (!serverOptions)
        return fail(serverOptions.error().message, 2);

    qCInfo(lcApp).noquote() << "database ready:" << store.value()->describe();
    store.value().reset(); // the engine thread opens its own connection

    EngineHost::Config config;
    config.store = { options->databaseUrl, options->tablePrefix };
    EngineHost engine(config);
    if (const Status started = engine.start(); !started)
        return fail(QStringLiteral("cannot start the engine: %1").arg(started.error().message));
    qCInfo(lcApp) << "engine running";

    if (!serverOptions->importFile.isEmpty()) {
        if (const Status imported = importWorkflows(engine, serverOptions->importFile); !imported)
            return fail(imported.error().message);
    }

    CommonOptions resolved = options.value();
    bool generated = false;
    const QString token = ensureToken(resolved, &generated);
    if (generated)
        qCInfo(lcApp).noquote() << "generated an admin API token (kept in the settings):" << token;

    CollectorOptions collectorOptions;
    collectorOptions.store = config.store;
    collectorOptions.address = resolved.listen.address;
    collectorOptions.port = resolved.listen.port;
    collectorOptions.token = token;
    collectorOptions.autoRegister = serverOptions->autoRegister;
    collectorOptions.retention = std::chrono::hours(24 * serverOptions->retentionDays);
    collectorOptions.selfAgentId = QStringLiteral("vigild@") + QHostInfo::localHostName();
    collectorOptions.installRoutes = [&engine, token](http::Server &server, Collector &collector) {
        installAdminApi(server, engine, token, collector.adminHooks());
    };
    CollectorHost collector(collectorOptions, &engine);
    const Result<quint16> port = collector.start();
    if (!port)
        return fail(QStringLiteral("cannot start the collector: %1").arg(port.error().message));
    // Tests and scripts read the bound port from this line (with --listen ...:0).
    qCInfo(lcApp).noquote() << "listening on" << QStringLiteral("%1:%2").arg(resolved.listen.address.toString()).arg(*port);

    std::unique_ptr<DemoFleet> demo;
    if (serverOptions->demoAgents > 0) {
        DemoFleetOptions demoOptions;
        const QHostAddress address = resolved.listen.address == QHostAddress::Any || resolved.listen.address == QHostAddress::AnyIPv4
            ? QHostAddress(QHostAddress::LocalHost)
            : resolved.listen.address;
        demoOptions.baseUrl = QUrl(QStringLiteral("http://%1:%2").arg(address.toString()).arg(*port));
        demoOptions.token = token;
        demoOptions.agents = serverOptions->demoAgents;
        demo = std::make_unique<DemoFleet>(demoOptions);
        demo->start();
        qCInfo(lcApp) << "demo fleet of" << serverOptions->demoAgents << "agents started";
    }

    QObject::connect(&shutdown, &ShutdownSignals::shutdownRequested, &app, [&engine, &collector, &demo](int number) {
        qCInfo(lcApp) << "signal" << number << "received, shutting down";
        demo.reset();
        collector.stop(); // stop accepting, commit and answer what was accepted
        engine.stop();    // running handlers get the shutdown grace to finish
        QCoreApplication::quit();
    });
    return app.exec();
}
