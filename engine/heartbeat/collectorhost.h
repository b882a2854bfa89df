// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Runs a Collector on the collector thread (DESIGN.md "Threads"). RAII: the destructor
// stops it gracefully and joins the thread.

#include "heartbeat/collector.h"

#include <QThread>

namespace vigil {

class CollectorHost final : public QObject
{
    Q_OBJECT
public:
    CollectorHost(CollectorOptions options, EngineHost *engine, QObject *parent = nullptr);
    ~CollectorHost() override;

    // Starts the collector on its thread; blocks until it listens (or failed).
    Result<quint16> start();
    // Stops accepting, commits and answers what was accepted; blocks until done.
    void stop();

    // For queued connections to its signals (agentsChanged). Call nothing on it directly.
    Collector *collector() const { return m_collector; }
    // Runs fn on the collector thread and waits for it (metrics, counters).
    template<typename Fn>
    auto blockingCall(Fn fn) -> std::invoke_result_t<Fn, Collector &>
    {
        using R = std::invoke_result_t<Fn, Collector &>;
        if constexpr (std::is_void_v<R>) {
            QMetaObject::invokeMethod(m_collector, [&] { fn(*m_collector); }, Qt::BlockingQueuedConnection);
        } else {
            R result {};
            QMetaObject::invokeMethod(m_collector, [&] { result = fn(*m_collector); }, Qt::BlockingQueuedConnection);
            return result;
        }
    }

private:
    QThread m_thread;
    Collector *m_collector = nullptr;
    bool m_started = false;
};

} // namespace vigil
