// Fuzz target for the options text: ParseOptions, ParseDuration and ParseByteSize must never crash,
// their errors must be Invalid with a one-line UTF-8 message, and whatever parses must survive a
// round trip through the Format* functions unchanged. A violation calls abort().
#include <cstdint>
#include <cstdlib>
#include <string>

#include "options.h"
#include "series_key.h"

namespace {

void Check(bool ok) {
  if (!ok) abort();
}

void CheckError(const strata::Error& e) {
  Check(e.code() == strata::Code::kInvalid);
  Check(!e.message().empty() && strata::IsValidUtf8(e.message()));
  Check(e.message().find('\n') == std::string::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  auto options = strata::ParseOptions(text);
  if (options) {
    auto again = strata::ParseOptions(strata::FormatOptions(*options));
    Check(again.has_value() && *again == *options);
  } else {
    CheckError(options.error());
  }

  auto duration = strata::ParseDuration(text);
  if (duration) {
    Check(*duration >= 0);
    auto again = strata::ParseDuration(strata::FormatDuration(*duration));
    Check(again.has_value() && *again == *duration);
  } else {
    CheckError(duration.error());
  }

  auto bytes = strata::ParseByteSize(text);
  if (bytes) {
    auto again = strata::ParseByteSize(strata::FormatByteSize(*bytes));
    Check(again.has_value() && *again == *bytes);
  } else {
    CheckError(bytes.error());
  }
  return 0;
}
