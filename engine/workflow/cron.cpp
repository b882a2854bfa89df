// SPDX-License-Identifier: GPL-3.0-or-later
#include "cron.h"

// Placeholder: implemented in the cron work item.
namespace vigil {

Result<CronExpression> CronExpression::parse(QStringView)
{
    return makeError(ErrorCode::Internal, QStringLiteral("cron not implemented"));
}

Result<QTimeZone> CronExpression::zone(QStringView ianaId)
{
    if (ianaId.isEmpty())
        return QTimeZone::utc();
    QTimeZone tz(ianaId.toUtf8());
    if (!tz.isValid())
        return makeError(ErrorCode::Invalid, QStringLiteral("unknown time zone \"%1\"").arg(ianaId));
    return tz;
}

QDateTime CronExpression::nextAfter(const QDateTime &, const QTimeZone &) const { return {}; }
QDateTime CronExpression::latestAtOrBefore(const QDateTime &, const QDateTime &, const QTimeZone &) const { return {}; }
std::vector<QDateTime> CronExpression::nextFirings(const QDateTime &, const QTimeZone &, int) const { return {}; }
bool CronExpression::matchesLocal(const QDateTime &) const { return false; }

} // namespace vigil
