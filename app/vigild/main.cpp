// SPDX-License-Identifier: GPL-3.0-or-later
// vigild: the engine and collector without a GUI, for servers and for several nodes on one
// PostgreSQL. Parses options, wires the parts, runs until SIGINT/SIGTERM.

#include "config/commonoptions.h"
#include "core/logging.h"
#include "core/shutdownsignals.h"
#include "store/databasereport.h"
#include "store/store.h"
#include "workflow/enginehost.h"

#include <QCommandLineParser>
#include <QCoreApplication>

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

    qCInfo(lcApp).noquote() << "database ready:" << store.value()->describe();
    store.value().reset(); // the engine thread opens its own connection

    EngineHost::Config config;
    config.store = { options->databaseUrl, options->tablePrefix };
    EngineHost engine(config);
    if (const Status started = engine.start(); !started)
        return fail(QStringLiteral("cannot start the engine: %1").arg(started.error().message));
    qCInfo(lcApp) << "engine running";

    QObject::connect(&shutdown, &ShutdownSignals::shutdownRequested, &app, [&engine](int number) {
        qCInfo(lcApp) << "signal" << number << "received, shutting down";
        engine.stop(); // running handlers get the shutdown grace to finish
        QCoreApplication::quit();
    });
    return app.exec();
}
