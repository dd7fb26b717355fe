#include "series_key.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace strata {

namespace {

inline bool NeedsEscape(char c) {
  return c == ',' || c == '=' || c == ' ' || c == '#' || c == '\\';
}

// Length of the well-formed UTF-8 sequence starting at p[0] (1..4), or 0 when it is malformed or
// cut off by `avail`.
size_t Utf8SequenceLength(const unsigned char* p, size_t avail) {
  const unsigned char c = p[0];
  if (c < 0x80) return 1;
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // bounds of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;  // overlong
    if (c == 0xED) hi = 0x9F;  // UTF-16 surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;  // overlong
    if (c == 0xF4) hi = 0x8F;  // past U+10FFFF
  } else {
    return 0;
  }
  if (avail < len) return 0;
  if (p[1] < lo || p[1] > hi) return 0;
  for (size_t i = 2; i < len; i++) {
    if (p[i] < 0x80 || p[i] > 0xBF) return 0;
  }
  return len;
}

// True when the 8 bytes at p are all ASCII and none is NUL.
inline bool EightAsciiNonNul(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  constexpr uint64_t kLow = 0x0101010101010101ull;
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  // (w - kLow) & ~w & kHigh is non-zero iff some byte is zero.
  return (w & kHigh) == 0 && ((w - kLow) & ~w & kHigh) == 0;
}

Error KeyError(std::string_view key, const char* what) {
  std::string msg = "invalid series key '";
  AppendSnippet(&msg, key, 200);
  msg += "': ";
  msg += what;
  return Error::Invalid(std::move(msg));
}

// Reads one escaped part of a canonical key starting at *pos into *out, stopping before the first
// unescaped special byte (returned in *term) or at the end (*term = 0). False on a backslash that
// is not followed by one of the five escaped bytes.
bool ReadPart(std::string_view key, size_t* pos, std::string* out, char* term) {
  size_t i = *pos;
  out->clear();
  while (i < key.size()) {
    const char c = key[i];
    if (c == '\\') {
      if (i + 1 >= key.size() || !NeedsEscape(key[i + 1])) return false;
      out->push_back(key[i + 1]);
      i += 2;
    } else if (NeedsEscape(c)) {
      *term = c;
      *pos = i;
      return true;
    } else {
      out->push_back(c);
      i++;
    }
  }
  *term = 0;
  *pos = i;
  return true;
}

Result<SeriesKeyParts> ParseKey(std::string_view key, bool with_field) {
  SeriesKeyParts parts;
  size_t pos = 0;
  char term;
  if (!ReadPart(key, &pos, &parts.measurement, &term))
    return unexpected(KeyError(key, "bad escape"));
  if (parts.measurement.empty()) return unexpected(KeyError(key, "empty measurement"));
  // Each tag has an '=' (an escaped one in a name only makes this larger): one allocation, of the
  // size the tags need, rather than a vector grown tag by tag (a catalog keeps a million of them).
  parts.tags.reserve(static_cast<size_t>(std::count(key.begin() + pos, key.end(), '=')));
  std::string tag_key, tag_value;
  while (term == ',') {
    pos++;
    if (!ReadPart(key, &pos, &tag_key, &term)) return unexpected(KeyError(key, "bad escape"));
    if (tag_key.empty()) return unexpected(KeyError(key, "empty tag key"));
    if (term != '=') return unexpected(KeyError(key, "tag without '='"));
    pos++;
    if (!ReadPart(key, &pos, &tag_value, &term)) return unexpected(KeyError(key, "bad escape"));
    if (tag_value.empty()) return unexpected(KeyError(key, "empty tag value"));
    if (!parts.tags.empty() && !(parts.tags.back().key < tag_key)) {
      return unexpected(KeyError(key, "tags not sorted by key or repeated"));
    }
    parts.tags.push_back(Tag{std::move(tag_key), std::move(tag_value)});
    tag_key.clear();
    tag_value.clear();
  }
  if (with_field) {
    if (term != '#')
      return unexpected(
          KeyError(key, term == 0 ? "missing '#field'" : "unescaped special character"));
    pos++;
    if (!ReadPart(key, &pos, &parts.field, &term)) return unexpected(KeyError(key, "bad escape"));
    if (parts.field.empty()) return unexpected(KeyError(key, "empty field"));
  }
  if (term != 0) return unexpected(KeyError(key, "unescaped special character"));
  return parts;
}

}  // namespace

void AppendEscaped(std::string* dst, std::string_view part) {
  size_t start = 0;
  for (size_t i = 0; i < part.size(); i++) {
    if (NeedsEscape(part[i])) {
      dst->append(part.data() + start, i - start);
      dst->push_back('\\');
      start = i;  // the special byte itself goes out with the next run
    }
  }
  dst->append(part.data() + start, part.size() - start);
}

std::string MakeTagSetKey(std::string_view measurement, std::span<const Tag> sorted_tags) {
  size_t n = measurement.size();
  for (const Tag& t : sorted_tags) n += t.key.size() + t.value.size() + 2;
  std::string key;
  key.reserve(n + n / 8);
  AppendEscaped(&key, measurement);
  for (const Tag& t : sorted_tags) {
    key.push_back(',');
    AppendEscaped(&key, t.key);
    key.push_back('=');
    AppendEscaped(&key, t.value);
  }
  return key;
}

std::string MakeSeriesKey(std::string_view measurement, std::span<const Tag> sorted_tags,
                          std::string_view field) {
  std::string key = MakeTagSetKey(measurement, sorted_tags);
  key.push_back('#');
  AppendEscaped(&key, field);
  return key;
}

Result<SeriesKeyParts> ParseSeriesKey(std::string_view key) { return ParseKey(key, true); }

Result<SeriesKeyParts> ParseTagSetKey(std::string_view key) { return ParseKey(key, false); }

bool IsValidUtf8(std::string_view s) {
  const char* p = s.data();
  const char* end = p + s.size();
  while (p < end) {
    if (end - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      if ((w & 0x8080808080808080ull) == 0) {
        p += 8;
        continue;
      }
    }
    const size_t len =
        Utf8SequenceLength(reinterpret_cast<const unsigned char*>(p), static_cast<size_t>(end - p));
    if (len == 0) return false;
    p += len;
  }
  return true;
}

Status ValidateName(std::string_view what, std::string_view name) {
  const char* problem = nullptr;
  if (name.empty()) {
    problem = "must not be empty";
  } else if (name.size() > kMaxNameBytes) {
    problem = "longer than 65536 bytes";
  } else {
    // Fast path: runs of ASCII without NUL.
    const char* p = name.data();
    const char* end = p + name.size();
    while (end - p >= 8 && EightAsciiNonNul(p)) p += 8;
    for (; p < end; p++) {
      const unsigned char c = static_cast<unsigned char>(*p);
      if (c == 0) {
        problem = "contains a NUL byte";
        break;
      }
      if (c >= 0x80) {
        const size_t len = Utf8SequenceLength(reinterpret_cast<const unsigned char*>(p),
                                              static_cast<size_t>(end - p));
        if (len == 0) {
          problem = "not valid UTF-8";
          break;
        }
        p += len - 1;
      }
    }
  }
  if (problem == nullptr) return OkStatus();
  std::string msg = "invalid ";
  msg.append(what);
  msg += " '";
  AppendSnippet(&msg, name, 64);
  msg += "': ";
  msg += problem;
  return unexpected(Error::Invalid(std::move(msg)));
}

Status NormalizeTags(std::vector<Tag>* tags) {
  for (const Tag& t : *tags) {
    STRATA_RETURN_IF_ERROR(ValidateName("tag key", t.key));
    STRATA_RETURN_IF_ERROR(ValidateName("tag value", t.value));
  }
  std::stable_sort(tags->begin(), tags->end(),
                   [](const Tag& a, const Tag& b) { return a.key < b.key; });
  for (size_t i = 1; i < tags->size(); i++) {
    if ((*tags)[i - 1].key == (*tags)[i].key) {
      std::string msg = "duplicate tag key '";
      AppendSnippet(&msg, (*tags)[i].key, 64);
      msg += "'";
      return unexpected(Error::Invalid(std::move(msg)));
    }
  }
  return OkStatus();
}

void AppendSnippet(std::string* dst, std::string_view s, size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  const size_t n = std::min(s.size(), max_bytes);
  size_t i = 0;
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      dst->push_back(static_cast<char>(c));
      i++;
      continue;
    }
    if (c >= 0x80) {
      const size_t len =
          Utf8SequenceLength(reinterpret_cast<const unsigned char*>(s.data() + i), n - i);
      if (len > 0) {
        dst->append(s.data() + i, len);
        i += len;
        continue;
      }
    }
    if (c == '\n') {
      dst->append("\\n");
    } else if (c == '\r') {
      dst->append("\\r");
    } else if (c == '\t') {
      dst->append("\\t");
    } else {
      dst->append("\\x");
      dst->push_back(kHex[c >> 4]);
      dst->push_back(kHex[c & 15]);
    }
    i++;
  }
  if (n < s.size()) dst->append("...");
}

size_t TagSetKeyLength(std::string_view series_key) {
  for (size_t i = 0; i < series_key.size(); i++) {
    if (series_key[i] == '\\') {
      i++;  // the escaped byte
    } else if (series_key[i] == '#') {
      return i;
    }
  }
  return series_key.size();
}

}  // namespace strata
