// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A thread with a Store of its own, for reads that must not wait behind the engine (the
// dashboard's lists and charts). call() queues a function onto that thread and answers a
// QFuture; a widget continues on it with QFuture::then(context, ...). The store is opened
// on the first call; if that fails, the function is not run and the future holds the error
// (the function must answer a Result or a Status). A thread made with `ready = false` holds
// every call until setReady(): the dashboard's views ask for data at once, but the schema
// exists only once the engine migrated it. RAII: the destructor closes the connection on
// its own thread and joins it.

#include "store/store.h"

#include <QFuture>
#include <QPromise>
#include <QThread>

#include <functional>
#include <memory>
#include <vector>

namespace vigil {

class StoreThread final : public QObject
{
    Q_OBJECT
public:
    explicit StoreThread(StoreOptions options, const QString &name = QStringLiteral("vigil-reads"),
                         bool ready = true, QObject *parent = nullptr);
    ~StoreThread() override;

    template<typename Fn>
    auto call(Fn fn) -> QFuture<std::invoke_result_t<Fn, Store &>>
    {
        using R = std::invoke_result_t<Fn, Store &>;
        auto promise = std::make_shared<QPromise<R>>();
        QFuture<R> future = promise->future();
        promise->start();
        QMetaObject::invokeMethod(
            m_worker,
            [this, promise, fn = std::move(fn)]() mutable {
                auto job = [this, promise, fn = std::move(fn)]() mutable {
                    if (Status opened = ensureOpen(); !opened)
                        promise->addResult(R(opened.error()));
                    else
                        promise->addResult(fn(*m_store));
                    promise->finish();
                };
                if (m_ready)
                    job();
                else
                    m_held.push_back(std::move(job));
            },
            Qt::QueuedConnection);
        return future;
    }

    // Runs the held calls, in order, and every later one at once.
    void setReady();

private:
    Status ensureOpen(); // on the worker thread

    StoreOptions m_options;
    QThread m_thread;
    QObject *m_worker = nullptr;
    std::unique_ptr<Store> m_store;
    // Worker-thread state.
    bool m_ready = true;
    std::vector<std::function<void()>> m_held;
};

} // namespace vigil
