// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The options of the programs that run a collector (vigild and vigil), beyond the common
// ones: --no-auto-register, --retention-days, --import FILE, --demo N. Flags win over the
// settings file (collector/autoRegister, collector/retentionDays), which the dashboard's
// settings dialog writes.

#include "core/result.h"

#include <QCommandLineOption>

class QCommandLineParser;

namespace vigil {

struct ServerOptions
{
    bool autoRegister = true;
    int retentionDays = 7;
    QString importFile;
    int demoAgents = 0;
};

class ServerOptionParser
{
public:
    ServerOptionParser();
    void addTo(QCommandLineParser &parser) const;
    // `settingsFile` empty: the platform's settings.
    Result<ServerOptions> resolve(const QCommandLineParser &parser, const QString &settingsFile) const;

private:
    QCommandLineOption m_noAutoRegister;
    QCommandLineOption m_retentionDays;
    QCommandLineOption m_import;
    QCommandLineOption m_demo;
};

} // namespace vigil
