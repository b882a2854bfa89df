// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The options every Vigil program shares (DESIGN.md "Programs"): --db, --listen, --token,
// --table-prefix, --config. Each resolves from the command-line flag, then the environment
// (VIGIL_DB, VIGIL_LISTEN, VIGIL_TOKEN, VIGIL_TABLE_PREFIX), then the settings file, then
// the built-in default — so a systemd unit, a container and a desktop user each configure
// Vigil the way they are used to.

#include "core/result.h"

#include <QCommandLineOption>
#include <QHostAddress>
#include <QProcessEnvironment>
#include <QString>

class QCommandLineParser;

namespace vigil {

struct ListenAddress
{
    QHostAddress address = QHostAddress::LocalHost;
    quint16 port = 8787;
    QString toString() const;
};

// "127.0.0.1:8787", "0.0.0.0:80", "[::1]:8787", ":8787" (all interfaces); port 0 = any free one.
Result<ListenAddress> parseListenAddress(QStringView text);

struct CommonOptions
{
    QString databaseUrl;
    ListenAddress listen;
    QString token; // empty: generated on first start (collector issue)
    QString tablePrefix = QStringLiteral("vigil_");
    QString settingsFile; // empty: the platform default (QSettings, organisation "Vigil")
};

// The admin token: options.token if set; otherwise the one kept in the settings file, or a
// new random one saved there (first start). `generated` tells the caller to print it.
QString ensureToken(CommonOptions &options, bool *generated = nullptr);

class CommonOptionParser
{
public:
    CommonOptionParser();
    void addTo(QCommandLineParser &parser) const;
    // `parser` must have been processed. The environment is a parameter so tests need not
    // touch the real one.
    Result<CommonOptions> resolve(const QCommandLineParser &parser,
                                  const QProcessEnvironment &environment = QProcessEnvironment::systemEnvironment()) const;

private:
    QCommandLineOption m_db;
    QCommandLineOption m_listen;
    QCommandLineOption m_token;
    QCommandLineOption m_prefix;
    QCommandLineOption m_config;
};

} // namespace vigil
