// SPDX-License-Identifier: GPL-3.0-or-later
#include "templates.h"

#include <algorithm>
#include <optional>

namespace vigil {

namespace {

constexpr QLatin1String kOpen("{{");
constexpr QLatin1String kClose("}}");

// The value at the dotted path, or nullptr. `inner` is the text between the braces.
const Json *lookup(QStringView inner, const Json &scope)
{
    const Json *current = &scope;
    for (QStringView segment : inner.trimmed().split(QLatin1Char('.'))) {
        if (current->is_object()) {
            const auto member = current->find(toStd(segment.toString()));
            if (member == current->end())
                return nullptr;
            current = &*member;
        } else if (current->is_array()) {
            // Digits only: "-1", "+1" or " 1" are not indexes, whatever toULongLong accepts.
            const bool digits = !segment.isEmpty()
                && std::all_of(
                    segment.begin(), segment.end(), [](QChar c) { return c.isDigit() && c.unicode() < 128; });
            bool ok = false;
            const qulonglong index = digits ? segment.toULongLong(&ok) : 0;
            if (!ok || index >= current->size())
                return nullptr;
            current = &(*current)[size_t(index)];
        } else {
            return nullptr;
        }
    }
    return current;
}

QString render(const Json &value)
{
    if (value.is_string())
        return fromStd(value.get_ref<const std::string &>());
    return dumpJsonString(value);
}

Error templateError(const QString &path, const QString &message)
{
    return makeError(ErrorCode::Invalid, path.isEmpty() ? message : path + QStringLiteral(": ") + message);
}

QString noValue(QStringView inner)
{
    return QStringLiteral("no value for {{") + inner + QStringLiteral("}}");
}

// The template's inner text if `text` is one template and nothing else, so the caller can
// substitute the value with its JSON type instead of its text.
std::optional<QStringView> wholeTemplate(QStringView text)
{
    if (text.size() < 4 || !text.startsWith(kOpen) || !text.endsWith(kClose))
        return std::nullopt;
    if (text.indexOf(kClose, 2) != text.size() - 2)
        return std::nullopt;
    return text.mid(2, text.size() - 4);
}

Result<Json> renderAt(const Json &value, const Json &scope, const QString &path)
{
    if (value.is_string()) {
        const std::string &utf8 = value.get_ref<const std::string &>();
        if (utf8.find("{{") == std::string::npos)
            return value; // spares two UTF-8 round trips for the usual, template-free string
        const QString text = fromStd(utf8);
        if (const std::optional<QStringView> inner = wholeTemplate(text);
            inner && !inner->trimmed().isEmpty()) {
            if (const Json *found = lookup(*inner, scope))
                return *found;
            return templateError(path, noValue(*inner));
        }
        Result<QString> rendered = renderTemplate(text, scope);
        if (!rendered)
            return templateError(path, rendered.error().message);
        return Json(toStd(rendered.value()));
    }
    if (value.is_object()) {
        Json out = Json::object();
        for (auto it = value.begin(); it != value.end(); ++it) {
            const QString key = fromStd(it.key());
            Result<Json> member
                = renderAt(it.value(), scope, path.isEmpty() ? key : path + QLatin1Char('.') + key);
            if (!member)
                return member.error();
            out[it.key()] = std::move(member).value();
        }
        return out;
    }
    if (value.is_array()) {
        Json out = Json::array();
        for (size_t i = 0; i < value.size(); ++i) {
            Result<Json> item
                = renderAt(value[i], scope, path + QLatin1Char('[') + QString::number(i) + QLatin1Char(']'));
            if (!item)
                return item.error();
            out.push_back(std::move(item).value());
        }
        return out;
    }
    return value;
}

} // namespace

Result<QString> renderTemplate(QStringView text, const Json &scope)
{
    // Most config strings hold no template: hand them back untouched.
    qsizetype open = text.indexOf(kOpen);
    if (open < 0)
        return text.toString();

    QString out;
    out.reserve(text.size());
    qsizetype done = 0;
    while (open >= 0) {
        const qsizetype close = text.indexOf(kClose, open + 2);
        if (close < 0)
            return makeError(ErrorCode::Invalid, QStringLiteral("unterminated {{ at offset %1").arg(open));
        const QStringView inner = text.mid(open + 2, close - open - 2);
        if (inner.trimmed().isEmpty())
            return makeError(ErrorCode::Invalid, QStringLiteral("empty template at offset %1").arg(open));
        const Json *value = lookup(inner, scope);
        if (!value)
            return makeError(ErrorCode::Invalid, noValue(inner));
        out += text.mid(done, open - done);
        out += render(*value);
        done = close + 2;
        open = text.indexOf(kOpen, done);
    }
    out += text.mid(done);
    return out;
}

Result<Json> renderTemplates(const Json &value, const Json &scope, const QString &path)
{
    try {
        return renderAt(value, scope, path);
    } catch (const Json::exception &e) {
        return makeError(
            ErrorCode::Internal, QStringLiteral("rendering templates: %1").arg(QString::fromUtf8(e.what())));
    }
}

} // namespace vigil
