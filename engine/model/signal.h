// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Signals (Pulse: triggers). A TriggerInput is what a caller emits; the TriggerEnvelope is
// the stored form with its id and time. Field names are Pulse's.

#include "model/json.h"

namespace vigil {

struct TriggerInput
{
    QString tenantId;
    QString source;
    QString type;
    std::optional<QString> resourceType;
    std::optional<QString> resourceId;
    std::optional<QString> environment;
    Json payload = Json::object();
};

struct TriggerEnvelope : TriggerInput
{
    QString id;
    QDateTime createdAt;
    // Beyond Pulse: an emit's idempotency key; a second emit with the same key inside the
    // dedup window returns the first envelope and starts nothing.
    std::optional<QString> dedupKey;
};

Json toJson(const TriggerInput &input);
Json toJson(const TriggerEnvelope &envelope);
template<> Result<TriggerInput> fromJson<TriggerInput>(const Json &json);
template<> Result<TriggerEnvelope> fromJson<TriggerEnvelope>(const Json &json);

} // namespace vigil
