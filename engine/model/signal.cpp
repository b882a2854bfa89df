// SPDX-License-Identifier: GPL-3.0-or-later
#include "signal.h"

namespace vigil {

namespace {

void writeInput(Json &out, const TriggerInput &input)
{
    out["tenantId"] = toStd(input.tenantId);
    out["source"] = toStd(input.source);
    out["type"] = toStd(input.type);
    putString(out, "resourceType", input.resourceType);
    putString(out, "resourceId", input.resourceId);
    putString(out, "environment", input.environment);
    out["payload"] = input.payload.is_null() ? Json::object() : input.payload;
}

void readInput(JsonReader &reader, TriggerInput &input)
{
    input.tenantId = reader.string("tenantId", true).value_or(QString());
    input.source = reader.string("source", true).value_or(QString());
    input.type = reader.string("type", true).value_or(QString());
    input.resourceType = reader.string("resourceType");
    input.resourceId = reader.string("resourceId");
    input.environment = reader.string("environment");
    input.payload = reader.object("payload").value_or(Json::object());
}

} // namespace

Json toJson(const TriggerInput &input)
{
    Json out = Json::object();
    writeInput(out, input);
    return out;
}

Json toJson(const TriggerEnvelope &envelope)
{
    Json out = Json::object();
    out["id"] = toStd(envelope.id);
    writeInput(out, envelope);
    putTime(out, "createdAt", envelope.createdAt);
    putString(out, "dedupKey", envelope.dedupKey);
    return out;
}

template<>
Result<TriggerInput> fromJson<TriggerInput>(const Json &json)
{
    JsonReader reader(json, QString());
    TriggerInput input;
    readInput(reader, input);
    if (!reader.ok())
        return reader.error();
    return input;
}

template<>
Result<TriggerEnvelope> fromJson<TriggerEnvelope>(const Json &json)
{
    JsonReader reader(json, QString());
    TriggerEnvelope envelope;
    envelope.id = reader.string("id", true).value_or(QString());
    readInput(reader, envelope);
    envelope.createdAt = reader.time("createdAt").value_or(QDateTime());
    envelope.dedupKey = reader.string("dedupKey");
    if (!reader.ok())
        return reader.error();
    return envelope;
}

} // namespace vigil
