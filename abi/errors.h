// How the C ABI reports failure (abi/README.md): every entry point returns a STRATA_* status and,
// on failure, leaves a message for strata_errmsg() in thread-local storage; no C++ exception leaves
// an entry point (Guard). Internal to libstrata.so; every function is thread-safe (the message is
// the calling thread's).
#pragma once

#include <exception>
#include <new>
#include <string>

#include "result.h"
#include "strata.h"

namespace strata_abi {

// Sets the calling thread's message and returns `code`.
int SetError(int code, std::string message);
// As SetError, for a message with static storage (no allocation: usable when memory is short).
int SetStaticError(int code, const char* message);
// The engine's error as a status and message.
int FromError(const strata::Error& e);
// STRATA_INVALID with "<function>: <arg> is NULL".
int NullArg(const char* function, const char* arg);
// STRATA_OK, or the error of a failed Status.
inline int ToStatus(const strata::Status& s) { return s ? STRATA_OK : FromError(s.error()); }

// Runs fn (returning a status), turning exceptions into STRATA_NOMEM / STRATA_ERROR with a
// message. Every exported function that can fail runs its body under Guard.
template <class Fn>
int Guard(Fn&& fn) noexcept {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    return SetStaticError(STRATA_NOMEM, "out of memory");
  } catch (const std::exception& e) {
    return SetError(STRATA_ERROR, std::string("internal error: ") + e.what());
  } catch (...) {
    return SetStaticError(STRATA_ERROR, "internal error: unknown exception");
  }
}

}  // namespace strata_abi
