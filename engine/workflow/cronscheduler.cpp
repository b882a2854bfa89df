// SPDX-License-Identifier: GPL-3.0-or-later
// Cron: each enabled workflow with a cronExpression emits a signal of its triggerType at
// every slot, once per slot even with several processes on one database (the slot is the
// dedupKey). After downtime only the latest missed slot fires, once.

#include "engine_p.h"

#include "core/isotime.h"
#include "core/logging.h"
#include "workflow/cron.h"

namespace vigil {

namespace {

constexpr int kCronRefreshMs = 30000; // also how soon other processes' edits are seen

struct CronPlan
{
    CronExpression expression;
    QTimeZone zone;
};

std::optional<CronPlan> planFor(const WorkflowDefinition &definition)
{
    if (!definition.isEnabled || !definition.cronExpression)
        return std::nullopt;
    Result<CronExpression> expression = CronExpression::parse(*definition.cronExpression);
    Result<QTimeZone> zone = CronExpression::zone(definition.cronTimezone.value_or(QString()));
    if (!expression || !zone)
        return std::nullopt;
    return CronPlan { expression.value(), zone.value() };
}

} // namespace

void Engine::Private::restoreCron()
{
    Result<std::vector<WorkflowDefinition>> definitions = db.cronDefinitions();
    if (!definitions) {
        qCWarning(lcEngine).noquote() << "cron: cannot load schedules:" << definitions.error().message;
        cronTimer.start(kCronRefreshMs);
        return;
    }
    const QDateTime now = nowUtc();
    QHash<QString, QDateTime> next;
    for (const WorkflowDefinition &definition : definitions.value()) {
        const std::optional<CronPlan> plan = planFor(definition);
        if (!plan)
            continue;
        if (!cronNext.contains(definition.id)) {
            // Newly seen (start, or created elsewhere): fire the latest slot missed since
            // the last firing or the last edit, once.
            QDateTime notBefore = definition.updatedAt;
            SignalFilter filter;
            filter.type = definition.triggerType;
            filter.resourceId = definition.id;
            if (Result<Page<TriggerEnvelope>> last = db.listSignals(filter, PageRequest { 1, QString() });
                last && !last->items.empty()) {
                const QDateTime lastSlot = fromIsoUtc(fromStd(last->items.front().payload.value("scheduledFor", std::string())));
                if (lastSlot.isValid() && lastSlot > notBefore)
                    notBefore = lastSlot;
            }
            const QDateTime missed = plan->expression.latestAtOrBefore(now, notBefore, plan->zone);
            if (missed.isValid())
                next.insert(definition.id, missed); // due now: fireDueCron fires it
            else
                next.insert(definition.id, plan->expression.nextAfter(now, plan->zone));
        } else {
            next.insert(definition.id, cronNext.value(definition.id));
        }
    }
    cronNext = next;
    armCronTimer();
}

void Engine::Private::rescheduleCron(const QString &definitionId)
{
    cronNext.remove(definitionId);
    Result<WorkflowDefinition> definition = db.getDefinition(definitionId);
    if (definition) {
        if (const std::optional<CronPlan> plan = planFor(definition.value()))
            cronNext.insert(definitionId, plan->expression.nextAfter(nowUtc(), plan->zone));
    }
    if (running && !stopping)
        armCronTimer();
}

void Engine::Private::armCronTimer()
{
    if (!running || stopping)
        return;
    qint64 waitMs = kCronRefreshMs;
    const QDateTime now = nowUtc();
    for (const QDateTime &due : std::as_const(cronNext)) {
        if (due.isValid())
            waitMs = std::min(waitMs, std::max<qint64>(0, now.msecsTo(due)));
    }
    cronTimer.start(int(waitMs));
}

void Engine::Private::fireDueCron()
{
    if (!running || stopping)
        return;
    const QDateTime now = nowUtc();
    Result<std::vector<WorkflowDefinition>> definitions = db.cronDefinitions();
    if (definitions) {
        for (const WorkflowDefinition &definition : definitions.value()) {
            const QDateTime due = cronNext.value(definition.id);
            const std::optional<CronPlan> plan = planFor(definition);
            if (!plan || !due.isValid() || due > now)
                continue;
            // If the timer woke late across several slots, only the latest one fires.
            QDateTime slot = plan->expression.latestAtOrBefore(now, due.addMSecs(-1), plan->zone);
            if (!slot.isValid())
                slot = due;
            TriggerInput input;
            input.tenantId = definition.tenantId;
            input.source = QStringLiteral("cron");
            input.type = definition.triggerType;
            input.resourceType = QStringLiteral("workflow");
            input.resourceId = definition.id;
            input.payload = Json { { "scheduledFor", toStd(toIsoUtc(slot)) },
                                   { "cronExpression", toStd(*definition.cronExpression) },
                                   { "cronTimezone", toStd(definition.cronTimezone.value_or(QStringLiteral("UTC"))) },
                                   { "lateMs", slot.msecsTo(now) } };
            const QString dedupKey = QStringLiteral("cron:%1:%2").arg(definition.id, toIsoUtc(slot));
            if (Result<EmitResult> emitted = emit(input, dedupKey); !emitted)
                qCWarning(lcEngine).noquote() << "cron: workflow" << definition.id << "did not fire:" << emitted.error().message;
            cronNext.insert(definition.id, plan->expression.nextAfter(now, plan->zone));
        }
    }
    restoreCron(); // picks up schedules created, changed or removed by other processes
}

} // namespace vigil
