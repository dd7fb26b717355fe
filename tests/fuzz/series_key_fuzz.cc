// Fuzz target for series keys. ParseSeriesKey accepts only canonical text, so whatever it accepts
// must be rebuilt byte for byte by MakeSeriesKey; parts cut from the input and joined with
// MakeSeriesKey must parse back to themselves; ValidateName must agree with IsValidUtf8 and its
// message must be valid UTF-8. A violation calls abort().
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "series_key.h"

namespace {

void Check(bool ok) {
  if (!ok) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto parts = strata::ParseSeriesKey(text)) {
    Check(strata::MakeSeriesKey(parts->measurement, parts->tags, parts->field) == text);
  } else {
    Check(parts.error().code() == strata::Code::kInvalid);
    Check(strata::IsValidUtf8(parts.error().message()));
  }
  if (auto parts = strata::ParseTagSetKey(text)) {
    Check(parts->field.empty());
    Check(strata::MakeTagSetKey(parts->measurement, parts->tags) == text);
  }

  if (auto st = strata::ValidateName("name", text); st) {
    Check(!text.empty() && strata::IsValidUtf8(text) && text.find('\0') == std::string_view::npos);
  } else {
    Check(strata::IsValidUtf8(st.error().message()));
  }

  // Cut the input at 0xff bytes into measurement, field and tag keys and values.
  std::vector<std::string> pieces(1);
  for (char c : text) {
    if (static_cast<uint8_t>(c) == 0xff) {
      pieces.emplace_back();
    } else {
      pieces.back().push_back(c);
    }
  }
  if (pieces.size() >= 2) {
    strata::SeriesKeyParts want;
    want.measurement = pieces[0];
    want.field = pieces[1];
    for (size_t i = 2; i + 1 < pieces.size(); i += 2)
      want.tags.push_back({pieces[i], pieces[i + 1]});
    std::stable_sort(want.tags.begin(), want.tags.end(),
                     [](const strata::Tag& a, const strata::Tag& b) { return a.key < b.key; });
    want.tags.erase(
        std::unique(want.tags.begin(), want.tags.end(),
                    [](const strata::Tag& a, const strata::Tag& b) { return a.key == b.key; }),
        want.tags.end());
    bool nonempty = !want.measurement.empty() && !want.field.empty();
    for (const strata::Tag& t : want.tags)
      nonempty = nonempty && !t.key.empty() && !t.value.empty();
    const std::string key = strata::MakeSeriesKey(want.measurement, want.tags, want.field);
    auto back = strata::ParseSeriesKey(key);
    Check(back.has_value() == nonempty);
    if (back) Check(*back == want);
  }

  std::string snippet;
  strata::AppendSnippet(&snippet, text, 100);
  Check(strata::IsValidUtf8(snippet));
  return 0;
}
