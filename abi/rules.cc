// The engine's rules of text that clients apply too, exported so that every binding applies the
// same ones (abi/README.md, "Rules"): durations.
#include "errors.h"
#include "options.h"
#include "strata.h"

using namespace strata_abi;

extern "C" {

int strata_parse_duration(const char* text, int64_t* out) {
  return Guard([&] {
    if (out == nullptr) return NullArg("strata_parse_duration", "out");
    *out = 0;
    if (text == nullptr) return NullArg("strata_parse_duration", "text");
    auto d = strata::ParseDuration(text);
    if (!d) return FromError(d.error());
    *out = *d;
    return STRATA_OK;
  });
}

}  // extern "C"
