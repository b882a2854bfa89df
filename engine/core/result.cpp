// SPDX-License-Identifier: GPL-3.0-or-later
#include "result.h"

namespace vigil {

QString errorCodeName(ErrorCode code)
{
    switch (code) {
    case ErrorCode::Invalid: return QStringLiteral("invalid");
    case ErrorCode::NotFound: return QStringLiteral("not_found");
    case ErrorCode::Conflict: return QStringLiteral("conflict");
    case ErrorCode::Unauthorized: return QStringLiteral("unauthorized");
    case ErrorCode::TooLarge: return QStringLiteral("too_large");
    case ErrorCode::Unavailable: return QStringLiteral("unavailable");
    case ErrorCode::Database: return QStringLiteral("database");
    case ErrorCode::Internal: break;
    }
    return QStringLiteral("internal");
}

} // namespace vigil
