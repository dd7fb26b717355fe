// Errors of the C ABI: the thread-local message behind strata_errmsg(), and strata_status_name().
#include "errors.h"

namespace strata_abi {
namespace {

constexpr char kEmpty[] = "";

thread_local std::string t_message;
thread_local const char* t_errmsg = kEmpty;  // t_message.c_str() or a static string

}  // namespace

int SetError(int code, std::string message) {
  try {
    t_message = std::move(message);
    t_errmsg = t_message.c_str();
  } catch (...) {
    t_errmsg = "out of memory while formatting an error message";
  }
  return code;
}

int SetStaticError(int code, const char* message) {
  t_errmsg = message;
  return code;
}

int FromError(const strata::Error& e) { return SetError(static_cast<int>(e.code()), e.message()); }

int NullArg(const char* function, const char* arg) {
  return SetError(STRATA_INVALID, std::string(function) + ": " + arg + " is NULL");
}

}  // namespace strata_abi

extern "C" {

const char* strata_errmsg(void) { return strata_abi::t_errmsg; }

const char* strata_status_name(int code) {
  switch (code) {
    case STRATA_OK: return "STRATA_OK";
    case STRATA_ERROR: return "STRATA_ERROR";
    case STRATA_INVALID: return "STRATA_INVALID";
    case STRATA_IO: return "STRATA_IO";
    case STRATA_CORRUPT: return "STRATA_CORRUPT";
    case STRATA_LOCKED: return "STRATA_LOCKED";
    case STRATA_NOT_FOUND: return "STRATA_NOT_FOUND";
    case STRATA_TYPE_CONFLICT: return "STRATA_TYPE_CONFLICT";
    case STRATA_NOMEM: return "STRATA_NOMEM";
    case STRATA_READONLY: return "STRATA_READONLY";
    case STRATA_ROW: return "STRATA_ROW";
    case STRATA_DONE: return "STRATA_DONE";
  }
  return nullptr;
}

}  // extern "C"
