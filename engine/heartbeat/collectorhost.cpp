// SPDX-License-Identifier: GPL-3.0-or-later
#include "heartbeat/collectorhost.h"

namespace vigil {

CollectorHost::CollectorHost(CollectorOptions options, EngineHost *engine, QObject *parent) : QObject(parent)
{
    m_thread.setObjectName(QStringLiteral("vigil-collector"));
    m_thread.start();
    // Built on its thread: its timers, server and sockets must belong to that thread.
    auto *context = new QObject;
    context->moveToThread(&m_thread);
    QMetaObject::invokeMethod(
        context, [&] { m_collector = new Collector(std::move(options), engine); }, Qt::BlockingQueuedConnection);
    context->deleteLater();
}

CollectorHost::~CollectorHost()
{
    stop();
    QMetaObject::invokeMethod(m_collector, [c = m_collector] { delete c; }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

Result<quint16> CollectorHost::start()
{
    Result<quint16> port = makeError(ErrorCode::Internal, QStringLiteral("not started"));
    QMetaObject::invokeMethod(m_collector, [&] { port = m_collector->start(); }, Qt::BlockingQueuedConnection);
    m_started = port.ok();
    return port;
}

void CollectorHost::stop()
{
    if (!m_started)
        return;
    m_started = false;
    QMetaObject::invokeMethod(m_collector, [this] { m_collector->stop(); }, Qt::BlockingQueuedConnection);
}

} // namespace vigil
