// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// vigil-agent's configuration: seed 004's heartbeat section, the file it comes from, and
// the command-line overrides laid over it.
//
//   {"heartbeat": {"intervalSecs": 5,
//                  "measures": {"cpu": true, "memory": true, "disk": false,
//                               "threads": false, "files": false, "fds": false},
//                  "targets": [{"type": "vigil", "config": {"url": "http://127.0.0.1:8787",
//                                                           "agentId": "web-01",
//                                                           "keyFile": "/etc/vigil/agent.key"}},
//                              {"type": "stdout"}]}}
//
// Defaults for what is absent: interval 5 s (anything below 1 s is raised to 1 s, seed
// 004's floor), cpu and memory on and the rest off, one vigil target at
// http://127.0.0.1:8787 named after the host. Other top-level sections are left alone (the
// file may be shared); inside "heartbeat" an unknown key is an error, so a typo
// ("intervalSec") is reported instead of silently falling back to a default. Errors name the
// field's path ("heartbeat.targets[1].config.url: ...").
//
// A key file holds the agent's HMAC key as text (the hex string the collector answered);
// surrounding whitespace is dropped and the remaining bytes are the key. A relative keyFile
// is relative to the config file's folder.

#include "core/result.h"
#include "heartbeat/statssampler.h"

#include <QByteArray>
#include <QString>
#include <QUrl>
#include <chrono>
#include <optional>
#include <vector>

namespace vigil {

inline constexpr std::chrono::seconds kDefaultHeartbeatInterval { 5 };
inline constexpr std::chrono::seconds kMinHeartbeatInterval { 1 };
inline constexpr std::chrono::seconds kMaxHeartbeatInterval { 86400 };

struct HeartbeatTarget
{
    enum class Type { Vigil, Stdout };
    Type type = Type::Vigil;
    // Vigil targets only.
    QUrl url;
    QString agentId; // empty: the host name (resolved by resolveAgentConfig)
    QString keyFile;
    QByteArray key; // empty: unsigned

    bool operator==(const HeartbeatTarget &) const = default;
};

struct AgentConfig
{
    std::chrono::seconds interval = kDefaultHeartbeatInterval;
    Measures measures;
    std::vector<HeartbeatTarget> targets;

    bool operator==(const AgentConfig &) const = default;
};

// What the command line lays over the file; every set field applies to every vigil target
// (a --url with no vigil target in the file adds one).
struct AgentOverrides
{
    std::optional<QString> url;
    std::optional<QString> agentId;
    std::optional<QByteArray> key;
    std::optional<QString> keyFile;
    std::optional<std::chrono::seconds> interval;
};

// The default configuration (no file).
AgentConfig defaultAgentConfig();

// Parses a config file's text. Key files are not read here (see resolveAgentConfig).
Result<AgentConfig> parseAgentConfig(const QByteArray &text);

// The configuration the agent runs with: the file at `path` (none when empty) parsed, the
// overrides applied, empty agent ids replaced by `hostName`, and key files read (relative to
// the file's folder). Errors name the file and the field.
Result<AgentConfig> resolveAgentConfig(
    const QString &path, const AgentOverrides &overrides, const QString &hostName);

} // namespace vigil
