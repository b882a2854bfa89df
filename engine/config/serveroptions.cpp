// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/serveroptions.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QSettings>

#include <memory>

namespace vigil {

ServerOptionParser::ServerOptionParser()
    // QCoreApplication::translate with the literal context, not a tr() helper: lupdate files a
    // helper's calls under the wrong context.
    : m_noAutoRegister(QStringLiteral("no-auto-register"),
        QCoreApplication::translate("vigil::ServerOptionParser",
            "Answer 404 to heartbeats of unknown agents instead of registering them."))
    , m_retentionDays(QStringLiteral("retention-days"),
          QCoreApplication::translate("vigil::ServerOptionParser",
              "Keep heartbeat history this many days (default 7)."),
          QStringLiteral("days"))
    , m_import(QStringLiteral("import"),
          QCoreApplication::translate("vigil::ServerOptionParser",
              "Load workflow definitions (one, or a JSON array) from FILE at start."),
          QStringLiteral("file"))
    , m_demo(QStringLiteral("demo"),
          QCoreApplication::translate("vigil::ServerOptionParser",
              "Run N simulated agents that send real heartbeats over HTTP "
              "(steady, flapping, dying, cron jobs)."),
          QStringLiteral("N"))
{
}

void ServerOptionParser::addTo(QCommandLineParser &parser) const
{
    parser.addOptions({ m_noAutoRegister, m_retentionDays, m_import, m_demo });
}

Result<ServerOptions> ServerOptionParser::resolve(const QCommandLineParser &parser, const QString &settingsFile) const
{
    std::unique_ptr<QSettings> settings = settingsFile.isEmpty()
        ? std::make_unique<QSettings>()
        : std::make_unique<QSettings>(settingsFile, QSettings::IniFormat);
    ServerOptions options;
    options.autoRegister = parser.isSet(m_noAutoRegister)
        ? false
        : settings->value(QStringLiteral("collector/autoRegister"), true).toBool();

    const QString retention = parser.isSet(m_retentionDays)
        ? parser.value(m_retentionDays)
        : settings->value(QStringLiteral("collector/retentionDays"), 7).toString();
    bool ok = false;
    options.retentionDays = retention.toInt(&ok);
    if (!ok || options.retentionDays < 1)
        return makeError(ErrorCode::Invalid, QStringLiteral("--retention-days: expected a whole number of days, at least 1"));

    options.importFile = parser.value(m_import);
    if (parser.isSet(m_demo)) {
        options.demoAgents = parser.value(m_demo).toInt(&ok);
        if (!ok || options.demoAgents < 1 || options.demoAgents > 100000)
            return makeError(ErrorCode::Invalid, QStringLiteral("--demo: expected a number of agents from 1 to 100000"));
    }
    return options;
}

} // namespace vigil
