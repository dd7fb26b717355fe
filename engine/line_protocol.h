// A parser of InfluxDB line protocol, the text form of points that strata_write_lines() takes:
//   measurement[,tag=value...] field=value[,field=value...] [timestamp]
// It hands each data line to a callback as views into the input (or into its own scratch memory
// where escapes had to be removed), so a warm parser allocates nothing per line or field. Tags come
// sorted by key; malformed text is an Invalid error giving the line and byte column. A
// LineProtocolParser is reusable and one-thread-at-a-time; separate parsers may run concurrently.
//
// The dialect is the one InfluxDB's reference decoder reads (the `lineprotocol` package of
// InfluxData's line-protocol repository), byte for byte; line_protocol_conformance_test.cc (in
// tests/engine) holds one case per rule of InfluxDB's documented syntax. Where Strata differs,
// it refuses what the reference accepts, never the other way round: duplicate tag or field keys,
// NaN/Inf, unsigned integers above INT64_MAX (stored as int64), names over 65,536 bytes or with
// a NUL byte.
//  - Names. A measurement ends at an unescaped `,` or space; a tag key, tag value or field key at
//    an unescaped `,` `=` or space. A backslash escapes exactly those bytes (`\,` `\ `, and `\=`
//    outside the measurement); before any other byte, including another backslash, it is a plain
//    byte of the name and the byte after it is read as usual: `a\\b` is the name `a\\b`, and
//    `two\\\ words` the name `two\\ words`. So a name cannot end in a backslash that precedes a
//    separator: write every possible name through the structured API. Names are non-empty UTF-8
//    without control characters (bytes 0x00-0x1F and 0x7F, TAB included): one is an error.
//  - Separators are single spaces (runs of them allowed); TAB is not whitespace.
//  - Field values: floats (1.5, -1e3, 1., .5, and a bare 1), integers 3i, unsigned 3u,
//    booleans t T true True TRUE f F false False FALSE, and double-quoted strings, which may span
//    lines and must be valid UTF-8 once unescaped. In a string, `\"` is `"`, `\\` is `\`, `\n`
//    LF, `\t` TAB and `\r` CR (as the reference decoder, and its encoder, have it; InfluxDB 1.x
//    and 2.x servers keep those three as two bytes); a backslash before anything else is literal.
//  - The optional timestamp is a signed integer in the precision's unit (ns, us, ms or s), which
//    must fit int64 nanoseconds once scaled. A line without one gets the caller's default time
//    rounded down to the precision.
//  - Lines end with LF, CRLF, or a CR that ends the input; a CR anywhere else is an error. Lines
//    that are empty or spaces only are skipped, and so are comments: lines whose first non-space
//    byte is `#` (a control character in a comment is an error, as in the reference).
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

// The unit of the timestamps in line-protocol text.
enum class Precision { kNanosecond, kMicrosecond, kMillisecond, kSecond };

// "ns", "us", "ms" or "s" (InfluxDB 2.x's names); Invalid otherwise.
[[nodiscard]] Result<Precision> ParsePrecision(std::string_view name);
// The name ParsePrecision takes for `p`.
std::string_view PrecisionName(Precision p);
// Nanoseconds in one unit of `p`.
int64_t PrecisionNanos(Precision p);

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

  // Parses every line of `text`, calling fn(line) for each data line in order. Timestamps are in
  // `precision` units and come out in ns; `default_time` (ns) rounded down to the precision is the
  // time of a line without one. The views in the ParsedLine point into `text` or into this parser
  // and are valid only during that call. Stops at the first error: a malformed line gives
  // Invalid("line 3, column 17: <what>, near '<snippet>'") (columns count bytes from 1), and an
  // error returned by fn is passed through unchanged. Lines before the failing one have been
  // handed to fn already.
  [[nodiscard]] Status Parse(std::string_view text, int64_t default_time, Precision precision,
                             const std::function<Status(const ParsedLine&)>& fn);
  // Parse with nanosecond timestamps.
  [[nodiscard]] Status Parse(std::string_view text, int64_t default_time,
                             const std::function<Status(const ParsedLine&)>& fn) {
    return Parse(text, default_time, Precision::kNanosecond, fn);
  }

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
