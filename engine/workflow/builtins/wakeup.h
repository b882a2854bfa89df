// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A one-shot wake-up a handler coroutine awaits (`co_await wakeup;`) until fire() is called.
// The coroutine is resumed later from the event loop, never inside the caller of fire(): a
// handler woken from QProcess::finished, a QTimer or a CancellationSource may then destroy
// that object, and the engine, which cancels handlers while it walks its table of running
// steps, never sees a handler finish inside cancel(). Keep it on the coroutine's frame: a
// QCoro 0.8 frame is not destroyed while it is suspended, so the queued resume finds it.

#include <QObject>
#include <coroutine>
#include <utility>

namespace vigil::builtins {

class Wakeup final : public QObject
{
public:
    bool isFired() const { return m_fired; }

    void fire()
    {
        if (m_fired)
            return;
        m_fired = true;
        if (m_waiter)
            QMetaObject::invokeMethod(
                this, [this] { std::exchange(m_waiter, {}).resume(); }, Qt::QueuedConnection);
    }

    auto operator co_await() noexcept
    {
        struct Awaiter
        {
            Wakeup &wakeup;
            bool await_ready() const noexcept { return wakeup.m_fired; }
            void await_suspend(std::coroutine_handle<> waiter) noexcept { wakeup.m_waiter = waiter; }
            void await_resume() const noexcept { }
        };
        return Awaiter { *this };
    }

private:
    std::coroutine_handle<> m_waiter;
    bool m_fired = false;
};

} // namespace vigil::builtins
