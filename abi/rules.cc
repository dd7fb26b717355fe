// The engine's rules that clients apply too, exported so that every layer and binding applies the
// same ones instead of a copy (abi/README.md, "Rules"): durations, times as text, series keys and
// their escaping, UTF-8, and what a data directory is and which path names it.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "data_dir.h"
#include "errors.h"
#include "identity_file.h"
#include "options.h"
#include "series_key.h"
#include "strata.h"
#include "tags.h"
#include "time_text.h"

using namespace strata_abi;

static_assert(STRATA_TIME_TEXT_BYTES == strata::kMaxTimeTextBytes + 1);

namespace {

// A heap copy of s for the caller to strata_free; null when out of memory.
char* HeapCopy(const std::string& s) {
  char* copy = static_cast<char*>(std::malloc(s.size() + 1));
  if (copy != nullptr) std::memcpy(copy, s.c_str(), s.size() + 1);
  return copy;
}

// strata_parse_series_key's result in one allocation: the struct, its tags, then every string.
strata_series_key_parts* NewParts(const strata::SeriesKeyParts& p, bool with_field,
                                  size_t tagset_len) {
  size_t size = sizeof(strata_series_key_parts) + p.tags.size() * sizeof(strata_tag) +
                p.measurement.size() + 1 + (with_field ? p.field.size() + 1 : 0);
  for (const strata::Tag& t : p.tags) size += t.key.size() + t.value.size() + 2;
  char* block = static_cast<char*>(std::malloc(size));
  if (block == nullptr) return nullptr;
  auto* parts = reinterpret_cast<strata_series_key_parts*>(block);
  auto* tags = reinterpret_cast<strata_tag*>(block + sizeof(strata_series_key_parts));
  char* text = reinterpret_cast<char*>(tags + p.tags.size());
  auto put = [&](const std::string& s) {
    std::memcpy(text, s.c_str(), s.size() + 1);
    const char* at = text;
    text += s.size() + 1;
    return at;
  };
  parts->measurement = put(p.measurement);
  for (size_t i = 0; i < p.tags.size(); i++) {
    tags[i].key = put(p.tags[i].key);
    tags[i].value = put(p.tags[i].value);
  }
  parts->tags = tags;
  parts->ntags = p.tags.size();
  parts->field = with_field ? put(p.field) : nullptr;
  parts->tagset_len = tagset_len;
  return parts;
}

}  // namespace

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

int strata_parse_time(const char* text, size_t len, int64_t* out) {
  return Guard([&] {
    if (out == nullptr) return NullArg("strata_parse_time", "out");
    *out = 0;
    if (text == nullptr && len > 0) return NullArg("strata_parse_time", "text");
    auto t = strata::ParseTimeText(std::string_view(text == nullptr ? "" : text, len));
    if (!t) return FromError(t.error());
    *out = *t;
    return STRATA_OK;
  });
}

int strata_format_time(int64_t time_ns, char* buf, size_t cap) {
  return Guard([&] {
    if (buf == nullptr) return NullArg("strata_format_time", "buf");
    if (cap < STRATA_TIME_TEXT_BYTES) {
      if (cap > 0) buf[0] = '\0';
      return SetError(STRATA_INVALID, "strata_format_time: cap is " + std::to_string(cap) +
                                          ", less than STRATA_TIME_TEXT_BYTES (" +
                                          std::to_string(STRATA_TIME_TEXT_BYTES) + ")");
    }
    const std::string text = strata::FormatTimeText(time_ns);
    std::memcpy(buf, text.c_str(), text.size() + 1);
    return STRATA_OK;
  });
}

int strata_series_key(const char* measurement, const strata_tag* tags, size_t ntags,
                      const char* field, char* buf, size_t cap, size_t* len) {
  return Guard([&] {
    constexpr const char* kFn = "strata_series_key";
    if (len == nullptr) return NullArg(kFn, "len");
    *len = 0;
    if (measurement == nullptr) return NullArg(kFn, "measurement");
    if (buf == nullptr && cap > 0) return NullArg(kFn, "buf");
    Tags views;
    if (int rc = views.Init(kFn, tags, ntags); rc != STRATA_OK) return rc;
    std::vector<strata::Tag> sorted;
    sorted.reserve(ntags);
    for (const strata::TagView& t : views.views()) {
      sorted.push_back(strata::Tag{std::string(t.key), std::string(t.value)});
    }
    std::sort(sorted.begin(), sorted.end(),
              [](const strata::Tag& a, const strata::Tag& b) { return a.key < b.key; });
    for (size_t i = 1; i < sorted.size(); i++) {
      if (sorted[i - 1].key == sorted[i].key) {
        return SetError(STRATA_INVALID, std::string(kFn) + ": tag key '" + sorted[i].key +
                                            "' is given twice");
      }
    }
    const std::string key = field == nullptr
                                ? strata::MakeTagSetKey(measurement, sorted)
                                : strata::MakeSeriesKey(measurement, sorted, field);
    *len = key.size();
    if (key.size() < cap) std::memcpy(buf, key.c_str(), key.size() + 1);
    return STRATA_OK;
  });
}

int strata_parse_series_key(const char* key, size_t len, strata_series_key_parts** out) {
  return Guard([&] {
    if (out == nullptr) return NullArg("strata_parse_series_key", "out");
    *out = nullptr;
    if (key == nullptr && len > 0) return NullArg("strata_parse_series_key", "key");
    const std::string_view text(key == nullptr ? "" : key, len);
    bool with_field = true;
    auto parts = strata::ParseSeriesKey(text);
    if (!parts) {
      auto tagset = strata::ParseTagSetKey(text);
      if (!tagset) return FromError(parts.error());
      parts = std::move(tagset);
      with_field = false;
    }
    // A canonical key's field is escaped after the tag set's key and a '#'.
    size_t tagset_len = text.size();
    if (with_field) {
      std::string escaped;
      strata::AppendEscaped(&escaped, parts->field);
      tagset_len = text.size() - escaped.size() - 1;
    }
    *out = NewParts(*parts, with_field, tagset_len);
    if (*out == nullptr) return SetStaticError(STRATA_NOMEM, "out of memory");
    return STRATA_OK;
  });
}

int strata_valid_utf8(const char* text, size_t len) {
  if (text == nullptr) return len == 0 ? 1 : 0;
  return strata::IsValidUtf8(std::string_view(text, len)) ? 1 : 0;
}

int strata_is_data_directory(const char* dir, int* out) {
  return Guard([&] {
    if (out == nullptr) return NullArg("strata_is_data_directory", "out");
    *out = 0;
    if (dir == nullptr) return NullArg("strata_is_data_directory", "dir");
    *out = strata::HasIdentityFile(strata::Env::Default(), dir) ? 1 : 0;
    return STRATA_OK;
  });
}

int strata_canonical_options(const char* options, char** out) {
  return Guard([&] {
    if (out == nullptr) return NullArg("strata_canonical_options", "out");
    *out = nullptr;
    auto parsed = strata::ParseOptions(options == nullptr ? "" : options);
    if (!parsed) return FromError(parsed.error());
    *out = HeapCopy(strata::FormatOptions(*parsed));
    if (*out == nullptr) return SetStaticError(STRATA_NOMEM, "out of memory");
    return STRATA_OK;
  });
}

int strata_canonical_dir(const char* dir, char** out) {
  return Guard([&] {
    if (out == nullptr) return NullArg("strata_canonical_dir", "out");
    *out = nullptr;
    if (dir == nullptr) return NullArg("strata_canonical_dir", "dir");
    auto canonical = strata::CanonicalDataDir(dir);
    if (!canonical) return FromError(canonical.error());
    *out = HeapCopy(*canonical);
    if (*out == nullptr) return SetStaticError(STRATA_NOMEM, "out of memory");
    return STRATA_OK;
  });
}

}  // extern "C"
