// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A cancellation token handed to every handler: a coroutine cannot be cancelled from the
// outside (QCoro), so the engine asks it to stop. It fires on timeout, on cancelRun, when a
// parallel sibling fails, on shutdown, and when the step's lease is lost to another node.
// Handlers either poll isCanceled() or connect to the source's canceled() signal (e.g. to
// abort a QNetworkReply or kill a QProcess). Lives in the engine thread.

#include <QObject>
#include <QPointer>
#include <QSharedPointer>
#include <QString>

namespace vigil {

class CancellationSource final : public QObject
{
    Q_OBJECT
public:
    bool isCanceled() const { return m_canceled; }
    QString reason() const { return m_reason; }
    void cancel(const QString &reason)
    {
        if (m_canceled)
            return;
        m_canceled = true;
        m_reason = reason;
        Q_EMIT canceled(reason);
    }

Q_SIGNALS:
    void canceled(const QString &reason);

private:
    bool m_canceled = false;
    QString m_reason;
};

class CancellationToken
{
public:
    CancellationToken() : m_source(QSharedPointer<CancellationSource>::create()) { }
    bool isCanceled() const { return m_source->isCanceled(); }
    QString reason() const { return m_source->reason(); }
    void cancel(const QString &reason) const { m_source->cancel(reason); }
    // Connect to canceled(reason) with a context object.
    CancellationSource *source() const { return m_source.data(); }

private:
    QSharedPointer<CancellationSource> m_source;
};

} // namespace vigil
