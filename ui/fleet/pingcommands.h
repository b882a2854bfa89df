// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// "How to ping" an agent: the exact command lines an operator pastes on the host. Kept out
// of the Q_OBJECT files because they hold shell text moc 6.4 trips over.

#include <QString>

namespace vigil::ui {

// A plain heartbeat (agents without a key).
QString curlCommand(const QString &baseUrl, const QString &agentId);
// A signed heartbeat: X-Vigil-Timestamp and X-Vigil-Signature computed with openssl from
// the key in `keyFile`, over timestamp + "." + body (vigil::signing's format).
QString signedCurlCommand(const QString &baseUrl, const QString &agentId, const QString &keyFile);
// The vigil-agent daemon; `keyFile` empty: unsigned.
QString agentCommand(const QString &baseUrl, const QString &agentId, const QString &keyFile, int intervalSecs);
// Where the commands above expect the agent's key.
QString defaultKeyFile(const QString &agentId);

} // namespace vigil::ui
