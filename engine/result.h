// Result<T> is the engine's error channel: either a value or an Error carrying a status code (the same
// numbers as the C ABI's STRATA_* codes), a message and, for corruption, the file and byte offset.
// tl::expected is used when CMake finds it (STRATA_HAVE_TL_EXPECTED), else C++23 std::expected: the two
// have the same API, and this header is the only place that knows which one is in use.
// Error is a plain value type: copyable, thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#if defined(STRATA_HAVE_TL_EXPECTED)
#include <tl/expected.hpp>
namespace strata {
template <class T, class E>
using expected = tl::expected<T, E>;
using tl::unexpected;
}  // namespace strata
#else
#include <expected>
namespace strata {
template <class T, class E>
using expected = std::expected<T, E>;
using std::unexpected;
}  // namespace strata
#endif

namespace strata {

// Pinned numbers, shared with abi/include/strata.h. Never renumber.
enum class Code : int {
  kOk = 0,
  kError = 1,
  kInvalid = 2,
  kIO = 3,
  kCorrupt = 4,
  kLocked = 5,
  kNotFound = 6,
  kTypeConflict = 7,
  kNoMem = 8,
  kReadOnly = 9,
};

const char* CodeName(Code code);

class Error {
 public:
  Error(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Error Internal(std::string msg) { return Error(Code::kError, std::move(msg)); }
  static Error Invalid(std::string msg) { return Error(Code::kInvalid, std::move(msg)); }
  // An I/O failure: "context: strerror(errnum)".
  static Error IO(const std::string& context, int errnum);
  static Error IO(std::string msg) { return Error(Code::kIO, std::move(msg)); }
  // Damaged data in `path` at byte `offset`; the message names both.
  static Error Corrupt(const std::string& path, uint64_t offset, const std::string& what);
  static Error Locked(std::string msg) { return Error(Code::kLocked, std::move(msg)); }
  static Error ReadOnly(std::string msg) { return Error(Code::kReadOnly, std::move(msg)); }
  static Error NotFound(std::string msg) { return Error(Code::kNotFound, std::move(msg)); }
  static Error TypeConflict(std::string msg) { return Error(Code::kTypeConflict, std::move(msg)); }
  static Error NoMem(std::string msg) { return Error(Code::kNoMem, std::move(msg)); }

  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "corrupt: <message>" style text for logs and tools.
  std::string ToString() const;

 private:
  Code code_;
  std::string message_;
};

template <class T>
using Result = expected<T, Error>;
using Status = Result<void>;

inline Status OkStatus() { return {}; }

}  // namespace strata

#define STRATA_CONCAT_INNER(a, b) a##b
#define STRATA_CONCAT(a, b) STRATA_CONCAT_INNER(a, b)

// Returns the error of a Result/Status expression from the enclosing function.
#define STRATA_RETURN_IF_ERROR(expr)                                           \
  do {                                                                         \
    auto&& strata_status_ = (expr);                                            \
    if (!strata_status_) return ::strata::unexpected(strata_status_.error()); \
  } while (0)

// `lhs = *expr` when expr holds a value, else returns its error.
#define STRATA_ASSIGN_OR_RETURN(lhs, expr) \
  STRATA_ASSIGN_OR_RETURN_IMPL(STRATA_CONCAT(strata_result_, __LINE__), lhs, expr)
#define STRATA_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr)                  \
  auto tmp = (expr);                                                  \
  if (!tmp) return ::strata::unexpected(std::move(tmp).error()); \
  lhs = std::move(*tmp)
