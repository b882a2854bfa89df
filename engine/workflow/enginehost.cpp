// SPDX-License-Identifier: GPL-3.0-or-later
#include "enginehost.h"

#include "core/logging.h"
#include "model/metatypes.h"

#include <QEventLoop>
#include <QSemaphore>

namespace vigil {

namespace {
// Runs fn on `context`'s thread and waits for it (never from that same thread).
void runBlocking(QObject *context, const std::function<void()> &fn)
{
    QSemaphore done;
    QMetaObject::invokeMethod(
        context,
        [&] {
            fn();
            done.release();
        },
        Qt::QueuedConnection);
    done.acquire();
}
} // namespace

EngineHost::EngineHost(Config config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
{
    registerMetaTypes();
    m_thread.setObjectName(QStringLiteral("vigil-engine"));
    m_worker = new QObject;
    m_worker->moveToThread(&m_thread);
    QObject::connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread.start();
}

EngineHost::~EngineHost()
{
    stop();
    runBlocking(m_worker, [this] {
        delete m_engine;
        m_engine = nullptr;
        m_store.reset(); // the connection belongs to this thread: close it here
    });
    m_thread.quit();
    m_thread.wait();
}

Status EngineHost::start()
{
    Status status;
    runBlocking(m_worker, [&] {
        Result<std::unique_ptr<Store>> store = openStore(m_config.store);
        if (!store) {
            status = store.error();
            return;
        }
        if (Status migrated = store.value()->migrate(); !migrated) {
            status = migrated;
            return;
        }
        m_store = std::move(store).value();
        m_engine = new Engine(*m_store, m_config.engine);
        if (m_config.setup)
            m_config.setup(*m_engine);
        status = m_engine->start();
    });
    return status;
}

void EngineHost::stop()
{
    if (!m_engine)
        return;
    // Shared: if this call gives up waiting, the engine thread may still release it later.
    auto stopped = std::make_shared<QSemaphore>();
    QMetaObject::invokeMethod(
        m_worker,
        [this, stopped] {
            if (!m_engine->isRunning()) {
                stopped->release();
                return;
            }
            QObject::connect(m_engine, &Engine::stopped, m_worker, [stopped] { stopped->release(); },
                             Qt::SingleShotConnection);
            m_engine->stop();
        },
        Qt::QueuedConnection);
    const int margin = 5000;
    if (!stopped->tryAcquire(1, int(m_config.engine.shutdownGrace.count()) + margin))
        qCWarning(lcEngine) << "engine did not stop in time";
}

} // namespace vigil
