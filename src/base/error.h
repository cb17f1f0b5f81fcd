// skiff::Error and skiff::Result<T>: the one error taxonomy of the project.
// Errors are values: a code from Errc, a message that carries context ("config.json: process.args: must
// not be empty"), and the errno when one caused it. Result<T> holds either a T or an Error; it owns its
// contents and is cheap to move. The Errc -> HTTP status mapping lives in src/server, nowhere else.
#pragma once

#include <cerrno>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace skiff {

enum class Errc {
  kInvalidArgument,     // bad input from the caller (HTTP 400)
  kNotFound,            // no such object (404)
  kAlreadyExists,       // an object with that name/id exists (409)
  kConflict,            // the object is in a state that forbids this (409)
  kPermissionDenied,    // EPERM/EACCES (403)
  kUnavailable,         // a dependency is not reachable right now (503)
  kUnsupported,         // valid request this build/kernel cannot do (501)
  kCancelled,           // the operation was interrupted
  kDataLoss,            // a digest mismatch, a corrupt file
  kInternal,            // anything else (500)
};

std::string_view ErrcName(Errc code);
// An errno as Go prints it (so as Docker and runc word their errors): "no such file or directory".
std::string GoErrnoText(int err);

class Error {
 public:
  Error(Errc code, std::string message, int sys_errno = 0)
      : code_(code), message_(std::move(message)), errno_(sys_errno) {}

  // Maps an errno to the closest Errc and appends strerror: "mkdir /x: Permission denied".
  static Error FromErrno(int err, std::string_view context);
  // Same, with the current errno.
  static Error Sys(std::string_view context) { return FromErrno(errno, context); }

  Errc code() const { return code_; }
  const std::string& message() const { return message_; }
  int sys_errno() const { return errno_; }

  // Prefixes context: Error(kNotFound, "x").Wrap("open config") -> "open config: x".
  Error Wrap(std::string_view context) const&;
  Error Wrap(std::string_view context) &&;

 private:
  Errc code_;
  std::string message_;
  int errno_;
};

// Result<T>: a T or an Error. Construct from either; test with ok() or operator bool.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT
  template <class U>
    requires(std::is_constructible_v<T, U &&> && !std::is_same_v<std::decay_t<U>, T> &&
             !std::is_same_v<std::decay_t<U>, Error>)
  Result(U&& u) : v_(std::in_place_index<0>, T(std::forward<U>(u))) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

  T value_or(T other) const& { return ok() ? value() : std::move(other); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : err_(std::move(error)), has_err_(true) {}  // NOLINT
  bool ok() const { return !has_err_; }
  explicit operator bool() const { return ok(); }
  void value() const {}
  const Error& error() const& { return err_; }
  Error&& error() && { return std::move(err_); }

 private:
  Error err_{Errc::kInternal, ""};
  bool has_err_ = false;
};

using Status = Result<void>;
inline Status Ok() { return Status(); }

}  // namespace skiff

// SKIFF_TRY(expr): evaluates a Result; on error returns the Error from the enclosing function, else yields
// the value (usable as an expression: `auto fd = SKIFF_TRY(OpenFile(p));`).
#define SKIFF_TRY(expr)                                   \
  ({                                                      \
    auto&& skiff_try_r_ = (expr);                         \
    if (!skiff_try_r_.ok()) return std::move(skiff_try_r_).error(); \
    std::move(skiff_try_r_).value();                      \
  })

// SKIFF_TRY_CTX(expr, ctx): as SKIFF_TRY, wrapping the error with a context string.
#define SKIFF_TRY_CTX(expr, ctx)                                      \
  ({                                                                  \
    auto&& skiff_try_r_ = (expr);                                     \
    if (!skiff_try_r_.ok()) return std::move(skiff_try_r_).error().Wrap(ctx); \
    std::move(skiff_try_r_).value();                                  \
  })
