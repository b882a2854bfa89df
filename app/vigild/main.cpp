// SPDX-License-Identifier: GPL-3.0-or-later
// vigild: the engine and collector without a GUI, for servers and for several nodes on one
// PostgreSQL. Parses options, wires the parts, runs until SIGINT/SIGTERM.

#include "api/adminapi.h"
#include "config/commonoptions.h"
#include "core/logging.h"
#include "core/shutdownsignals.h"
#include "store/databasereport.h"
#include "store/store.h"
#include "heartbeat/collectorhost.h"
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
    const QCommandLineOption noAutoRegister(
        QStringLiteral("no-auto-register"),
        QCoreApplication::translate("vigild", "Answer 404 to heartbeats of unknown agents instead of registering them."));
    const QCommandLineOption importFile(
        QStringLiteral("import"),
        QCoreApplication::translate("vigild", "Load workflow definitions (one, or a JSON array) from FILE at start."),
        QStringLiteral("file"));
    const QCommandLineOption retentionDays(
        QStringLiteral("retention-days"),
        QCoreApplication::translate("vigild", "Keep heartbeat history this many days (default 7)."),
        QStringLiteral("days"), QStringLiteral("7"));
    parser.addOptions({ noAutoRegister, importFile, retentionDays });
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

    bool retentionOk = false;
    const int retention = parser.value(retentionDays).toInt(&retentionOk);
    if (!retentionOk || retention < 1)
        return fail(QStringLiteral("--retention-days: expected a whole number of days, at least 1"), 2);

    qCInfo(lcApp).noquote() << "database ready:" << store.value()->describe();
    store.value().reset(); // the engine thread opens its own connection

    EngineHost::Config config;
    config.store = { options->databaseUrl, options->tablePrefix };
    EngineHost engine(config);
    if (const Status started = engine.start(); !started)
        return fail(QStringLiteral("cannot start the engine: %1").arg(started.error().message));
    qCInfo(lcApp) << "engine running";

    if (parser.isSet(importFile)) {
        if (const Status imported = importWorkflows(engine, parser.value(importFile)); !imported)
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
    collectorOptions.autoRegister = !parser.isSet(noAutoRegister);
    collectorOptions.retention = std::chrono::hours(24 * retention);
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

    QObject::connect(&shutdown, &ShutdownSignals::shutdownRequested, &app, [&engine, &collector](int number) {
        qCInfo(lcApp) << "signal" << number << "received, shutting down";
        collector.stop(); // stop accepting, commit and answer what was accepted
        engine.stop();    // running handlers get the shutdown grace to finish
        QCoreApplication::quit();
    });
    return app.exec();
}
