// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Turns SIGINT and SIGTERM into a Qt signal on the thread that created this object, through
// a self-pipe (the only async-signal-safe way into an event loop), so daemons shut down
// gracefully instead of dying mid-write.

#include <QObject>

class QSocketNotifier;

namespace vigil {

class ShutdownSignals final : public QObject
{
    Q_OBJECT
public:
    explicit ShutdownSignals(QObject *parent = nullptr);
    ~ShutdownSignals() override;

Q_SIGNALS:
    void shutdownRequested(int signalNumber);

private:
    void readSignal();
    QSocketNotifier *m_notifier = nullptr;
};

} // namespace vigil
