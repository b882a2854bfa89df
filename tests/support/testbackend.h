// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A real Backend for dashboard tests: a fresh SQLite file in a temporary directory, the
// collector on a free loopback port, a known token. Start it and wait:
//
//     TestBackend t;
//     QVERIFY2(t.start(), "backend did not start");
//     t.backend->engine([](vigil::Engine &e) { ... }).waitForFinished();

#include "backend/backend.h"

#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

struct TestBackend
{
    QTemporaryDir dir;
    std::unique_ptr<vigil::ui::Backend> backend;

    explicit TestBackend(const std::function<void(vigil::ui::BackendOptions &)> &adjust = {})
    {
        QStandardPaths::setTestModeEnabled(true);
        vigil::ui::BackendOptions options;
        options.store.url = QStringLiteral("sqlite:///") + dir.filePath(QStringLiteral("vigil.db")).mid(1);
        options.collector.address = QHostAddress::LocalHost;
        options.collector.port = 0;
        options.collector.token = QStringLiteral("test-token");
        options.engine.pollInterval = std::chrono::milliseconds(200);
        if (adjust)
            adjust(options);
        backend = std::make_unique<vigil::ui::Backend>(options);
    }

    // Starts and waits (up to 20 s) for started(); false on startFailed or timeout.
    bool start()
    {
        QSignalSpy started(backend.get(), &vigil::ui::Backend::started);
        QSignalSpy failed(backend.get(), &vigil::ui::Backend::startFailed);
        backend->start();
        for (int i = 0; i < 200 && started.isEmpty() && failed.isEmpty(); ++i)
            QTest::qWait(100);
        if (!failed.isEmpty())
            qWarning("backend failed to start: %s", qPrintable(failed.first().first().toString()));
        return !started.isEmpty();
    }

    // Waits for a QFuture's result without blocking the event loop.
    template<typename T>
    static T await(QFuture<T> future, int timeoutMs = 10000)
    {
        QElapsedTimer clock;
        clock.start();
        while (!future.isFinished() && clock.elapsed() < timeoutMs)
            QTest::qWait(10);
        return future.result();
    }
};
