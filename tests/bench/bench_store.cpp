// SPDX-License-Identifier: GPL-3.0-or-later
// bench_store [--pg URL] [--rows N]
//
// Throughput of the two hot paths of the Store, on SQLite (a temporary file) and on
// PostgreSQL (--pg URL, else VIGIL_TEST_PG_URL): heartbeat inserts, one row per transaction
// and in group commits of 500, and step claims by 1 and by 4 concurrent claimers, each with
// its own store as the scheduler threads have. Every figure is bounded in time as well as in
// rows, so a slow disk makes the run shorter, not endless. Not a ctest test: it prints.

#include "core/ids.h"
#include "core/isotime.h"
#include "store/store.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QThread>
#include <QUrl>

#include <atomic>
#include <cstdio>
#include <latch>

using namespace vigil;
using namespace std::chrono_literals;

namespace {

constexpr qint64 kSliceMs = 8000; // the most any one figure may take

QString randomPrefix()
{
    QString prefix = QStringLiteral("bench_");
    for (int i = 0; i < 8; ++i)
        prefix += QChar(char16_t(u'a' + QRandomGenerator::global()->bounded(26)));
    return prefix + QLatin1Char('_');
}

void report(const QString &backend, const QString &what, qint64 count, qint64 elapsedMs, const char *unit,
            const QString &note = {})
{
    const double perSecond = elapsedMs > 0 ? count * 1000.0 / elapsedMs : 0.0;
    std::printf("%-9s %-36s %10.0f %-8s (%lld in %.2f s%s)\n", qPrintable(backend), qPrintable(what), perSecond, unit,
                static_cast<long long>(count), elapsedMs / 1000.0, qPrintable(note));
    std::fflush(stdout);
}

void fail(const QString &backend, const QString &what, const Error &error)
{
    std::printf("%-9s %-36s FAILED: %s: %s\n", qPrintable(backend), qPrintable(what),
                qPrintable(errorCodeName(error.code)), qPrintable(error.message));
    std::fflush(stdout);
}

Result<std::unique_ptr<Store>> open(const QString &url, const QString &prefix)
{
    StoreOptions options;
    options.url = url;
    options.tablePrefix = prefix;
    options.busyTimeout = 30s;
    return openStore(options);
}

void benchHeartbeats(Store &store, const QString &backend, int rows, int batchSize)
{
    const QString what = QStringLiteral("heartbeat insert, batch %1").arg(batchSize);
    const QString agentId = QStringLiteral("bench-agent-%1").arg(batchSize);
    Agent agent;
    agent.id = agentId;
    if (auto upserted = store.upsertAgent(agent); !upserted)
        return fail(backend, what, upserted.error());

    std::vector<Heartbeat> batch;
    batch.reserve(batchSize);
    const QDateTime t0 = nowUtc();
    qint64 inserted = 0;
    QElapsedTimer timer;
    timer.start();
    while (inserted < rows && timer.elapsed() < kSliceMs) {
        batch.clear();
        for (int i = 0; i < batchSize; ++i) {
            Heartbeat h;
            h.agentId = agentId;
            h.receivedAt = t0.addMSecs(inserted + i);
            h.kind = HeartbeatKind::Ping;
            h.sourceAddress = QStringLiteral("127.0.0.1");
            batch.push_back(std::move(h));
        }
        if (Status done = store.insertHeartbeats(batch); !done)
            return fail(backend, what, done.error());
        inserted += batchSize;
    }
    const qint64 elapsed = timer.elapsed();
    report(backend, what, inserted, elapsed, "rows/s", inserted < rows ? QStringLiteral(", stopped at the time limit") : QString());
}

void benchClaims(Store &store, const QString &url, const QString &prefix, const QString &backend, int steps,
                 int claimers, int limit)
{
    const QString what = QStringLiteral("step claims, %1 claimer%2, limit %3")
                             .arg(claimers)
                             .arg(claimers == 1 ? QString() : QStringLiteral("s"))
                             .arg(limit);
    WorkflowDefinition definition;
    definition.id = newId(IdPrefix::Definition);
    definition.tenantId = QStringLiteral("bench");
    definition.name = QStringLiteral("bench");
    definition.triggerType = QStringLiteral("bench");
    WorkflowRun run;
    run.id = newId(IdPrefix::Run);
    run.definitionId = definition.id;
    run.tenantId = definition.tenantId;
    run.triggerId = newId(IdPrefix::Trigger);
    run.status = RunStatus::Running;
    run.definitionSnapshot = definition;
    run.createdAt = nowUtc();
    run.updatedAt = run.createdAt;
    const QDateTime due = nowUtc().addSecs(-1);
    std::vector<WorkflowStepRun> rows;
    rows.reserve(steps);
    for (int i = 0; i < steps; ++i) {
        WorkflowStepRun step;
        step.id = newId(IdPrefix::StepRun);
        step.runId = run.id;
        step.tenantId = run.tenantId;
        step.stepIndex = i;
        step.stepName = QStringLiteral("s");
        step.status = StepStatus::Scheduled;
        step.scheduledFor = due;
        step.createdAt = due;
        rows.push_back(std::move(step));
    }
    if (Status created = store.createRun(run, rows); !created)
        return fail(backend, what, created.error());

    std::atomic<qint64> claimed { 0 };
    std::atomic<bool> failed { false };
    QString firstError;
    std::latch ready(claimers + 1);
    std::vector<QThread *> threads;
    QElapsedTimer timer;
    for (int n = 0; n < claimers; ++n) {
        threads.push_back(QThread::create([&, n] {
            auto opened = open(url, prefix);
            ready.arrive_and_wait();
            if (!opened) {
                if (!failed.exchange(true))
                    firstError = opened.error().message;
                return;
            }
            const QString owner = QStringLiteral("bench-%1").arg(n);
            while (timer.elapsed() < kSliceMs && !failed) {
                auto got = opened.value()->claimDueSteps(owner, nowUtc(), 10min, limit);
                if (!got) {
                    if (!failed.exchange(true))
                        firstError = got.error().message;
                    return;
                }
                if (got->empty())
                    return;
                claimed += qint64(got->size());
            }
        }));
        threads.back()->start();
    }
    timer.start();
    ready.arrive_and_wait();
    for (QThread *thread : threads) {
        thread->wait();
        delete thread;
    }
    const qint64 elapsed = timer.elapsed();
    if (failed)
        return fail(backend, what, makeError(ErrorCode::Database, firstError));
    report(backend, what, claimed, elapsed, "claims/s",
           claimed < steps ? QStringLiteral(", stopped at the time limit") : QString());
    // Leave nothing due for the next figure.
    (void)store.skipPendingSteps(run.id, QStringLiteral("bench over"));
}

void benchBackend(const QString &backend, const QString &url, int rows)
{
    const QString prefix = randomPrefix();
    auto opened = open(url, prefix);
    if (!opened)
        return fail(backend, QStringLiteral("open"), opened.error());
    Store &store = *opened.value();
    if (Status migrated = store.migrate(); !migrated)
        return fail(backend, QStringLiteral("migrate"), migrated.error());

    benchHeartbeats(store, backend, rows, 1);
    benchHeartbeats(store, backend, rows, 500);
    benchClaims(store, url, prefix, backend, rows, 1, 1);
    benchClaims(store, url, prefix, backend, rows, 4, 1);
    benchClaims(store, url, prefix, backend, rows, 1, 32);
    benchClaims(store, url, prefix, backend, rows, 4, 32);

    if (backend == QStringLiteral("postgres")) {
        // A shared database: take the benchmark's tables away again.
        auto counts = store.tableCounts();
        opened.value().reset();
        if (counts) {
            const QUrl parsed(url);
            const QString name = QStringLiteral("bench_cleanup");
            {
                QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
                db.setHostName(parsed.host());
                db.setPort(parsed.port(5432));
                db.setUserName(parsed.userName());
                db.setPassword(parsed.password());
                db.setDatabaseName(parsed.path().mid(1));
                if (db.open()) {
                    QSqlQuery query(db);
                    query.exec(QStringLiteral("SET client_min_messages = warning"));
                    for (const auto &entry : counts.value())
                        query.exec(QStringLiteral("DROP TABLE IF EXISTS \"%1\" CASCADE").arg(entry.first));
                }
                db.close();
            }
            QSqlDatabase::removeDatabase(name);
        }
    }
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("vigil.*.info=false"));
    QString pgUrl = qEnvironmentVariable("VIGIL_TEST_PG_URL");
    int rows = 20000;
    const QStringList args = app.arguments();
    for (int i = 1; i < args.size(); ++i) {
        if (args.at(i) == QStringLiteral("--pg") && i + 1 < args.size()) {
            pgUrl = args.at(++i);
        } else if (args.at(i) == QStringLiteral("--rows") && i + 1 < args.size()) {
            rows = qMax(1, args.at(++i).toInt());
        } else {
            std::fprintf(stderr, "usage: bench_store [--pg postgres://user@host:port/db] [--rows N]\n");
            return 2;
        }
    }

    std::printf("bench_store: %d rows or steps per figure, at most %.0f s each\n", rows, kSliceMs / 1000.0);
    QTemporaryDir dir;
    if (!dir.isValid()) {
        std::fprintf(stderr, "bench_store: cannot create a temporary directory\n");
        return 1;
    }
    benchBackend(QStringLiteral("sqlite"), QStringLiteral("sqlite://") + dir.filePath(QStringLiteral("bench.db")),
                 rows);
    if (pgUrl.isEmpty())
        std::printf("postgres  not measured: neither --pg URL nor VIGIL_TEST_PG_URL was given "
                    "(run under installer/with-postgres.sh)\n");
    else
        benchBackend(QStringLiteral("postgres"), pgUrl, rows);
    return 0;
}
