// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Errors inside the engine are values, never exceptions: every fallible call returns a
// Result<T> (or Status for Result<void>) carrying a code the HTTP layer can map to a
// status, and a message meant for an operator (it names the field, the row or the
// database's own complaint). Modelled on the expected<T, E> idiom (qt-creator utils/expected.h);
// C++20 has no std::expected yet.

#include <QString>

#include <utility>
#include <variant>

namespace vigil {

enum class ErrorCode {
    Invalid,      // the caller's input is wrong (HTTP 400)
    NotFound,     // no such id (404)
    Conflict,     // forbidden state transition, stale version, lost lease (409)
    Unauthorized, // bad token or signature (401)
    TooLarge,     // body or field over its limit (413)
    Unavailable,  // the database or a peer cannot be reached right now (503)
    Database,     // the database refused a statement (500)
    Internal,     // a bug (500)
};

struct Error
{
    ErrorCode code = ErrorCode::Internal;
    QString message;
};

inline Error makeError(ErrorCode code, QString message)
{
    return Error { code, std::move(message) };
}

QString errorCodeName(ErrorCode code); // "invalid", "not_found", ...

template<typename T>
class [[nodiscard]] Result
{
public:
    Result(const T &value) : m_data(std::in_place_index<0>, value) { }
    Result(T &&value) : m_data(std::in_place_index<0>, std::move(value)) { }
    Result(Error error) : m_data(std::in_place_index<1>, std::move(error)) { }

    bool ok() const { return m_data.index() == 0; }
    explicit operator bool() const { return ok(); }

    const T &value() const & { return std::get<0>(m_data); }
    T &value() & { return std::get<0>(m_data); }
    // By value, so `for (auto &x : f().value())` does not dangle.
    T value() && { return std::get<0>(std::move(m_data)); }
    const T *operator->() const { return &std::get<0>(m_data); }
    T *operator->() { return &std::get<0>(m_data); }
    const T &operator*() const & { return value(); }
    T &operator*() & { return value(); }

    const Error &error() const { return std::get<1>(m_data); }
    T valueOr(T fallback) const & { return ok() ? value() : std::move(fallback); }

private:
    std::variant<T, Error> m_data;
};

template<>
class [[nodiscard]] Result<void>
{
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)), m_ok(false) { }

    bool ok() const { return m_ok; }
    explicit operator bool() const { return m_ok; }
    const Error &error() const { return m_error; }

private:
    Error m_error;
    bool m_ok = true;
};

using Status = Result<void>;

} // namespace vigil
