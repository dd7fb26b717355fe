// A parser of InfluxDB 2.x line protocol, the text form of points that strata_write_lines() takes:
//   measurement[,tag=value...] field=value[,field=value...] [timestamp]
// It hands each data line to a callback as views into the input (or into its own scratch memory
// where escapes had to be removed), so a warm parser allocates nothing per line or field. Every
// name passes ValidateName, tags come sorted by key, and NaN/Inf, out-of-range integers, duplicate
// keys and malformed text are Invalid errors that give the line and byte column. A
// LineProtocolParser is reusable and one-thread-at-a-time; separate parsers may run concurrently.
//
// Grammar details: the measurement escapes `,` and space; tag keys, tag values and field keys
// escape
// `,` `=` and space; `\\` is one backslash in all of them and any other backslash is literal. Field
// values: floats (1.5, -1e3, 1., .5, and a bare 1), integers 3i, unsigned 3u (stored as an integer,
// so at most INT64_MAX), booleans t T true True TRUE f F false False FALSE, and double-quoted
// strings that escape `"` and `\` and may span lines. The optional timestamp is a signed int64 in
// ns. Lines end with LF or CRLF; blank lines and lines whose first non-blank byte is '#' are
// skipped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "point.h"
#include "result.h"

namespace strata {

using ParsedField = FieldValue;  // key unescaped

struct ParsedLine {
  size_t line_number;               // 1-based, of the line's first byte
  std::string_view series_section;  // raw input bytes of "measurement[,tags]" exactly as written
  std::string_view measurement;     // unescaped
  std::vector<std::pair<std::string_view, std::string_view>>
      tags;                         // unescaped, sorted by key, unique
  std::vector<ParsedField> fields;  // unescaped keys, in input order, unique within the line
  int64_t time;                     // ns; the caller's default_time when the line has none
};

class LineProtocolParser {
 public:
  LineProtocolParser();
  ~LineProtocolParser();
  LineProtocolParser(const LineProtocolParser&) = delete;
  LineProtocolParser& operator=(const LineProtocolParser&) = delete;

  // Parses every line of `text`, calling fn(line) for each data line in order. The views in the
  // ParsedLine point into `text` or into this parser and are valid only during that call. Stops at
  // the first error: a malformed line gives Invalid("line 3, column 17: <what>, near '<snippet>'")
  // (columns count bytes from 1), and an error returned by fn is passed through unchanged. Lines
  // before the failing one have been handed to fn already.
  [[nodiscard]] Status Parse(std::string_view text, int64_t default_time,
                             const std::function<Status(const ParsedLine&)>& fn);

 private:
  class Arena;
  struct State;

  std::unique_ptr<Arena> arena_;  // unescaped copies; reset per line
  ParsedLine line_;
  // Per-line working storage, kept to reuse its capacity.
  struct KeyPos {
    std::string_view key;
    std::string_view value;
    const char* pos;  // raw position of the key, for error columns
    uint64_t prefix;  // tags: KeyPrefix(key), for ordering; fields: KeyFingerprint(key)
  };
  std::vector<KeyPos> tag_work_;
  std::vector<KeyPos> field_work_;
};

}  // namespace strata
