// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Signed heartbeats (seed 003): the agent sends X-Vigil-Timestamp (unix seconds) and
// X-Vigil-Signature: sha256=<hex HMAC-SHA256(key, timestamp + "." + body)>. Both sides
// use these functions, so the agent and the collector can never disagree on the format.

#include "core/result.h"

#include <QByteArray>
#include <QDateTime>

#include <chrono>

namespace vigil::signing {

inline constexpr char timestampHeader[] = "X-Vigil-Timestamp";
inline constexpr char signatureHeader[] = "X-Vigil-Signature";
inline constexpr std::chrono::seconds maxSkew { 300 };

// The header value: "sha256=" followed by 64 lowercase hex digits.
QByteArray sign(const QByteArray &key, qint64 unixSeconds, const QByteArray &body);

// Checks a request's headers against `key` at `now`. Unauthorized with the reason
// ("missing X-Vigil-Signature", "timestamp is 412 s away from the server's clock",
// "signature does not match") otherwise. The comparison takes the same time whatever
// the number of matching leading bytes.
Status verify(const QByteArray &key, const QByteArray &timestampHeaderValue,
              const QByteArray &signatureHeaderValue, const QByteArray &body, const QDateTime &now);

// Constant-time equality of two byte strings (length leaks, content does not).
bool constantTimeEquals(const QByteArray &a, const QByteArray &b);

// A fresh random key, 32 bytes as 64 hex digits (what `generateKey` answers).
QByteArray generateKey();

} // namespace vigil::signing
