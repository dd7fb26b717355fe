// Finds line boundaries in line-protocol text the way the parser (engine/line_protocol.h) sees
// them: a newline inside a double-quoted string field value does not end the line. Lines without
// a '"' (nearly all of them) take a memchr fast path. Stateless and thread-safe.
#pragma once

#include <cstddef>
#include <cstring>
#include <string_view>

namespace strata::cli {

class LineSplitter {
 public:
  // Returns the offset just past the end of the line starting at `start` (past its '\n'), or 0 when
  // the line is not complete in `text` (more input is needed; at end of input the rest is a line).
  static size_t LineEnd(std::string_view text, size_t start) {
    const char* base = text.data();
    const char* nl =
        static_cast<const char*>(std::memchr(base + start, '\n', text.size() - start));
    if (nl == nullptr) return 0;
    if (std::memchr(base + start, '"', static_cast<size_t>(nl - (base + start))) == nullptr) {
      return static_cast<size_t>(nl - base) + 1;
    }
    return SlowLineEnd(text, start);
  }
  // LineEnd, except that an incomplete last line ends at the end of `text` (it is the last line of
  // the input).
  static size_t LineEndOrTail(std::string_view text, size_t start) {
    const size_t end = LineEnd(text, start);
    return end == 0 ? text.size() : end;
  }

 private:
  static size_t SlowLineEnd(std::string_view t, size_t i) {
    const size_t n = t.size();
    while (i < n && (t[i] == ' ' || t[i] == '\t')) i++;
    if (i < n && t[i] == '#') {
      const void* nl = std::memchr(t.data() + i, '\n', n - i);
      return nl == nullptr ? 0 : static_cast<size_t>(static_cast<const char*>(nl) - t.data()) + 1;
    }
    enum { kSeries, kFields, kTime } section = kSeries;
    while (i < n) {
      const char c = t[i];
      if (c == '\n') return i + 1;
      if (c == '\\' && section != kTime) {  // escapes only , = and space (line_protocol.h)
        i += (i + 1 < n && (t[i + 1] == ',' || t[i + 1] == '=' || t[i + 1] == ' ')) ? 2 : 1;
        continue;
      }
      if (c == ' ') {
        if (section == kSeries) {
          section = kFields;
        } else if (section == kFields) {
          section = kTime;
        }
      } else if (c == '=' && section == kFields && i + 1 < n && t[i + 1] == '"') {
        i += 2;  // inside a string: only \" and \\ are escapes; newlines belong to it
        while (i < n && t[i] != '"') i += (t[i] == '\\' && i + 1 < n) ? 2 : 1;
        if (i >= n) return 0;
      }
      i++;
    }
    return 0;
  }
};

}  // namespace strata::cli
