#include "result.h"

#include <cstring>

namespace strata {

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kError: return "error";
    case Code::kInvalid: return "invalid";
    case Code::kIO: return "io";
    case Code::kCorrupt: return "corrupt";
    case Code::kLocked: return "locked";
    case Code::kNotFound: return "not found";
    case Code::kTypeConflict: return "type conflict";
    case Code::kNoMem: return "out of memory";
    case Code::kReadOnly: return "read-only";
  }
  return "unknown";
}

Error Error::IO(const std::string& context, int errnum) {
  return Error(Code::kIO, context + ": " + std::strerror(errnum));
}

Error Error::Corrupt(const std::string& path, uint64_t offset, const std::string& what) {
  return Error(Code::kCorrupt, path + " at offset " + std::to_string(offset) + ": " + what);
}

std::string Error::ToString() const { return std::string(CodeName(code_)) + ": " + message_; }

}  // namespace strata
