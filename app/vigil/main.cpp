// SPDX-License-Identifier: GPL-3.0-or-later
// vigil: the desktop dashboard. Parses the common options and shows the main window; the
// store, engine and collector run in worker threads (never on the GUI thread).

#include "app/mainwindow.h"
#include "backend/backend.h"
#include "config/commonoptions.h"
#include "config/serveroptions.h"
#include "settings/settings.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QHostInfo>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>

#include <cstdio>

using namespace vigil;

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Vigil"));
    QApplication::setApplicationName(QStringLiteral("vigil"));
    QApplication::setApplicationVersion(QStringLiteral(VIGIL_VERSION));

    QTranslator qtTranslator;
    if (qtTranslator.load(QLocale(), QStringLiteral("qtbase"), QStringLiteral("_"),
                          QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QApplication::installTranslator(&qtTranslator);
    QTranslator translator;
    if (translator.load(QLocale(), QStringLiteral("vigil"), QStringLiteral("_"), QStringLiteral(":/i18n")))
        QApplication::installTranslator(&translator);

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate("vigil", "Vigil: fleet liveness and workflow runs."));
    parser.addHelpOption();
    parser.addVersionOption();
    CommonOptionParser common;
    common.addTo(parser);
    ServerOptionParser server;
    server.addTo(parser);
    parser.process(app);
    const Result<CommonOptions> options = common.resolve(parser);
    if (!options) {
        std::fprintf(stderr, "vigil: %s\n", qPrintable(options.error().message));
        return 2;
    }
    const Result<ServerOptions> serverOptions = server.resolve(parser, options->settingsFile);
    if (!serverOptions) {
        std::fprintf(stderr, "vigil: %s\n", qPrintable(serverOptions.error().message));
        return 2;
    }

    CommonOptions resolved = options.value();
    ui::Settings settings(resolved.settingsFile);
    ui::BackendOptions backendOptions;
    backendOptions.store = { resolved.databaseUrl, resolved.tablePrefix };
    backendOptions.engine.commandAllowlist = settings.commandAllowlist();
    backendOptions.collector.address = resolved.listen.address;
    backendOptions.collector.port = resolved.listen.port;
    backendOptions.collector.token = ensureToken(resolved);
    backendOptions.collector.autoRegister = serverOptions->autoRegister;
    backendOptions.collector.retention = std::chrono::hours(24 * serverOptions->retentionDays);
    backendOptions.collector.selfAgentId = QStringLiteral("vigil@") + QHostInfo::localHostName();
    backendOptions.importFile = serverOptions->importFile;
    backendOptions.demoAgents = serverOptions->demoAgents;
    ui::Backend backend(backendOptions);
    ui::MainWindow window(backend, settings);
    window.show();
    backend.start();
    return app.exec();
}
