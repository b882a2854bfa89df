// SPDX-License-Identifier: GPL-3.0-or-later
#include "builtins.h"

#include "builtins_p.h"
#include "core/logging.h"

namespace vigil {

namespace builtins {

void expectRegistered(const Status &status, const char *name)
{
    if (!status)
        qCCritical(lcEngine).noquote()
            << "built-in" << name << "was not registered:" << status.error().message;
}

bool appendCapped(QByteArray &buffer, const QByteArray &chunk)
{
    const qsizetype room = std::max<qsizetype>(0, kOutputLimit - buffer.size());
    if (chunk.size() <= room) {
        buffer.append(chunk);
        return true;
    }
    buffer.append(chunk.left(room));
    return false;
}

QString decodeText(const QByteArray &bytes)
{
    return QString::fromUtf8(bytes);
}

} // namespace builtins

void registerBuiltins(Registry &registry)
{
    builtins::registerBasicActions(registry);
    builtins::registerHttp(registry);
    builtins::registerRunCommand(registry);
    builtins::registerIncidents(registry);
    builtins::registerExpression(registry);
    builtins::registerHeartbeatTriggers(registry);
}

} // namespace vigil
