// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Runs an Engine (and the Store it uses) on a thread of its own, and lets other threads
// call it: call() queues a function onto the engine thread and answers a QFuture, which
// a coroutine can co_await (QCoro) and a widget can watch. Only value types cross. RAII:
// the destructor stops the engine gracefully, then quits and joins the thread.

#include "store/store.h"
#include "workflow/engine.h"

#include <QFuture>
#include <QMetaObject>
#include <QPromise>
#include <QThread>

#include <functional>
#include <memory>

namespace vigil {

class EngineHost final : public QObject
{
    Q_OBJECT
public:
    struct Config
    {
        StoreOptions store;
        EngineOptions engine;
        // Runs on the engine thread before start(): register handlers and triggers here.
        std::function<void(Engine &)> setup;
    };

    explicit EngineHost(Config config, QObject *parent = nullptr);
    ~EngineHost() override;

    // Opens and migrates the store and starts the engine, on the engine thread. Blocks the
    // caller until that is done (call it at program start, not from the GUI's event loop).
    Status start();
    // Graceful stop; blocks until the engine stopped (at most shutdownGrace + a margin).
    void stop();

    // Queues fn(engine) onto the engine thread; the future holds its result. Call start()
    // first: before it, the future finishes without a result.
    template<typename Fn>
    auto call(Fn fn) -> QFuture<std::invoke_result_t<Fn, Engine &>>
    {
        using R = std::invoke_result_t<Fn, Engine &>;
        auto promise = std::make_shared<QPromise<R>>();
        QFuture<R> future = promise->future();
        promise->start();
        QMetaObject::invokeMethod(
            m_worker,
            [this, promise, fn = std::move(fn)]() mutable {
                if (!m_engine) { // called before start(): the future finishes without a result
                    promise->finish();
                    return;
                }
                if constexpr (std::is_void_v<R>) {
                    fn(*m_engine);
                } else {
                    promise->addResult(fn(*m_engine));
                }
                promise->finish();
            },
            Qt::QueuedConnection);
        return future;
    }

    // The engine, for connecting to its signals (queued, from other threads). Do not call
    // its methods from another thread: use call().
    Engine *engine() const { return m_engine; }

private:
    Config m_config;
    QThread m_thread;
    QObject *m_worker = nullptr; // lives in m_thread; parent of nothing
    std::unique_ptr<Store> m_store;
    Engine *m_engine = nullptr;
};

} // namespace vigil
