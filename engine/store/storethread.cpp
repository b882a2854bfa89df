// SPDX-License-Identifier: GPL-3.0-or-later
#include "storethread.h"

#include <QSemaphore>

namespace vigil {

StoreThread::StoreThread(StoreOptions options, const QString &name, bool ready, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_ready(ready)
{
    m_thread.setObjectName(name);
    m_worker = new QObject;
    m_worker->moveToThread(&m_thread);
    QObject::connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread.start();
}

StoreThread::~StoreThread()
{
    QSemaphore closed;
    QMetaObject::invokeMethod(
        m_worker,
        [this, &closed] {
            m_held.clear(); // never started: their futures are cancelled
            m_store.reset(); // the connection belongs to the worker thread
            closed.release();
        },
        Qt::QueuedConnection);
    closed.acquire();
    m_thread.quit();
    m_thread.wait();
}

void StoreThread::setReady()
{
    QMetaObject::invokeMethod(
        m_worker,
        [this] {
            m_ready = true;
            std::vector<std::function<void()>> held = std::move(m_held);
            m_held.clear();
            for (auto &job : held)
                job();
        },
        Qt::QueuedConnection);
}

Status StoreThread::ensureOpen()
{
    if (m_store)
        return {};
    Result<std::unique_ptr<Store>> store = openStore(m_options);
    if (!store)
        return store.error();
    m_store = std::move(store).value();
    return {};
}

} // namespace vigil
