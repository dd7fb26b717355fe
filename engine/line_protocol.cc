#include "line_protocol.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <system_error>

#include "series_key.h"

namespace strata {

namespace {

// Byte classes, as bit masks in kClass.
constexpr uint8_t kMeasurementStop = 1;  // ends a measurement: , space control, or an escape
constexpr uint8_t kKeyStop = 2;          // ends a key or tag value: , = space control, escape
constexpr uint8_t kTokenEnd = 4;         // ends a number, boolean or timestamp: , space CR LF
constexpr uint8_t kControl = 8;          // 0x00-0x1F and 0x7F: never in a name
constexpr uint8_t kNonAscii = 16;        // a name holding one needs its UTF-8 checked
constexpr uint8_t kMeasurementEscapable = 32;  // `\` escapes it in a measurement: , space
constexpr uint8_t kKeyEscapable = 64;          // `\` escapes it in keys and tag values: , = space

struct ClassTable {
  uint8_t c[256] = {};
  constexpr ClassTable() {
    for (int i = 0; i < 0x20; i++) c[i] = kMeasurementStop | kKeyStop | kControl;
    c[0x7F] = kMeasurementStop | kKeyStop | kControl;
    c[static_cast<uint8_t>('\r')] |= kTokenEnd;
    c[static_cast<uint8_t>('\n')] |= kTokenEnd;
    c[static_cast<uint8_t>(',')] =
        kMeasurementStop | kKeyStop | kTokenEnd | kMeasurementEscapable | kKeyEscapable;
    c[static_cast<uint8_t>(' ')] =
        kMeasurementStop | kKeyStop | kTokenEnd | kMeasurementEscapable | kKeyEscapable;
    c[static_cast<uint8_t>('=')] = kKeyStop | kKeyEscapable;
    c[static_cast<uint8_t>('\\')] = kMeasurementStop | kKeyStop;
    for (int i = 0x80; i < 0x100; i++) c[i] = kNonAscii;
  }
};
constexpr ClassTable kClass;

inline uint8_t ClassOf(char c) { return kClass.c[static_cast<uint8_t>(c)]; }

// What ScanName saw in a name.
constexpr unsigned kHasEscape = 1;
constexpr unsigned kHasNonAscii = 2;

// The byte a string escape `\<c>` stands for, or 0 when the backslash is literal before `c`.
inline char StringUnescaped(char c) {
  switch (c) {
    case '"':
      return '"';
    case '\\':
      return '\\';
    case 'n':
      return '\n';
    case 't':
      return '\t';
    case 'r':
      return '\r';
    default:
      return 0;
  }
}

// The first 8 bytes of `s`, zero-padded, as a big-endian number: when two prefixes differ they
// order the names as a byte-wise comparison would.
inline uint64_t KeyPrefix(std::string_view s) {
  uint64_t v = 0;
  if (s.size() >= 8) {
    std::memcpy(&v, s.data(), 8);
    if constexpr (std::endian::native == std::endian::little) v = std::byteswap(v);
    return v;
  }
  for (size_t i = 0; i < s.size(); i++) v |= uint64_t{static_cast<uint8_t>(s[i])} << (56 - 8 * i);
  return v;
}

// A fingerprint for equality tests: equal names have equal fingerprints.
inline uint64_t KeyFingerprint(std::string_view s) {
  uint64_t last = 0;
  if (s.size() >= 8) std::memcpy(&last, s.data() + s.size() - 8, 8);
  return (KeyPrefix(s) * 0x9E3779B97F4A7C15ull) ^ (last * 0xC2B2AE3D27D4EB4Full) ^ s.size();
}

// Exact conversion of short plain decimals ("81.84", "-3", ".5", "1."), the common case. With at
// most 15 digits the mantissa and the power of ten are exact doubles, so one IEEE division gives
// the correctly rounded value, as std::from_chars does (Clinger's fast path). False when `s` is not
// of that form.
bool ParseShortDecimal(const char* first, const char* last, double* out) {
  static constexpr double kPow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  const char* c = first;
  const bool negative = c < last && *c == '-';
  if (negative) c++;
  uint64_t mantissa = 0;
  int digits = 0;
  const char* point = nullptr;
  for (; c < last; c++) {
    if (*c >= '0' && *c <= '9') {
      mantissa = mantissa * 10 + static_cast<uint64_t>(*c - '0');
      if (++digits > 15) return false;
    } else if (*c == '.' && point == nullptr) {
      point = c;
    } else {
      return false;
    }
  }
  if (digits == 0) return false;
  const size_t scale = point == nullptr ? 0 : static_cast<size_t>(last - point - 1);
  const double v = static_cast<double>(mantissa) / kPow10[scale];
  *out = negative ? -v : v;
  return true;
}

bool IsNanOrInf(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  if (s.size() > 8) return false;
  char lower[8];
  for (size_t i = 0; i < s.size(); i++) {
    lower[i] = (s[i] >= 'A' && s[i] <= 'Z') ? static_cast<char>(s[i] - 'A' + 'a') : s[i];
  }
  const std::string_view l(lower, s.size());
  return l == "nan" || l == "inf" || l == "infinity";
}

// For a float literal that std::from_chars reported out of range: true when its magnitude is huge
// (overflow to Inf) rather than tiny (underflow to zero). `s` is
// -?[0-9]*\.?[0-9]*([eE][+-]?[0-9]+)?
bool FloatLiteralOverflows(std::string_view s) {
  size_t i = (!s.empty() && s[0] == '-') ? 1 : 0;
  // Decimal exponent of the first non-zero digit, relative to the decimal point.
  int64_t magnitude = 0;
  bool seen_point = false, seen_nonzero = false;
  for (; i < s.size() && s[i] != 'e' && s[i] != 'E'; i++) {
    if (s[i] == '.') {
      seen_point = true;
    } else if (!seen_nonzero) {
      if (s[i] != '0') {
        seen_nonzero = true;
        if (!seen_point) magnitude++;
      } else if (seen_point) {
        magnitude--;
      }
    } else if (!seen_point) {
      magnitude++;
    }
  }
  int64_t exponent = 0;
  if (i < s.size()) {
    i++;
    bool negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
    for (; i < s.size(); i++) {
      if (exponent < 1'000'000'000) exponent = exponent * 10 + (s[i] - '0');
    }
    if (negative) exponent = -exponent;
  }
  return magnitude + exponent > 0;
}

}  // namespace

// Memory for unescaped copies of names and strings. Blocks never move, so views into them stay
// valid until Reset(); once warm, a line needs no new block.
class LineProtocolParser::Arena {
 public:
  char* Allocate(size_t n) {
    while (current_ < blocks_.size()) {
      if (sizes_[current_] - used_ >= n) {
        char* p = blocks_[current_].get() + used_;
        used_ += n;
        return p;
      }
      current_++;
      used_ = 0;
    }
    const size_t size = std::max<size_t>({n, 4096, sizes_.empty() ? 0 : 2 * sizes_.back()});
    blocks_.push_back(std::make_unique_for_overwrite<char[]>(size));
    sizes_.push_back(size);
    current_ = blocks_.size() - 1;
    used_ = n;
    return blocks_.back().get();
  }
  void Reset() {
    current_ = 0;
    used_ = 0;
  }

 private:
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::vector<size_t> sizes_;
  size_t current_ = 0;
  size_t used_ = 0;
};

// The cursor over one Parse() call's input.
struct LineProtocolParser::State {
  LineProtocolParser* parser;
  const char* p;
  const char* end;
  size_t line_no;
  const char* line_start;
  int64_t unit;  // ns per timestamp unit

  Error Fail(const char* pos, std::string_view what) const {
    return FailAt(line_no, line_start, pos, what);
  }

  Error FailAt(size_t line, const char* start, const char* pos, std::string_view what) const {
    std::string msg = "line " + std::to_string(line) + ", column " +
                      std::to_string(static_cast<size_t>(pos - start) + 1) + ": ";
    msg.append(what);
    msg += ", near '";
    const char* eol =
        static_cast<const char*>(std::memchr(pos, '\n', static_cast<size_t>(end - pos)));
    if (eol == nullptr) {
      eol = end;
    } else if (eol > pos && eol[-1] == '\r') {
      eol--;
    }
    if (eol > pos) {
      AppendSnippet(&msg, std::string_view(pos, static_cast<size_t>(eol - pos)), 30);
    } else {  // at the end of the line: show what precedes
      const char* from = static_cast<size_t>(pos - start) > 30 ? pos - 30 : start;
      AppendSnippet(&msg, std::string_view(from, static_cast<size_t>(pos - from)), 30);
    }
    msg += "'";
    return Error::Invalid(std::move(msg));
  }

  // A line ends at LF, CRLF, a CR that ends the input, or the end of the input.
  bool AtLineEnd() const {
    return p == end || *p == '\n' || (*p == '\r' && (p + 1 == end || p[1] == '\n'));
  }

  // Advances past the line end at p (REQUIRES AtLineEnd()) and starts the next line.
  void NextLine() {
    if (p == end) return;
    p += (*p == '\r' && p + 1 < end) ? 2 : 1;
    line_no++;
    line_start = p;
  }

  // Scans from p to the first byte of class `stop` that no backslash escapes (or the end). A
  // backslash escapes the byte after it when that byte is of class `escapable`; before any other
  // byte it is a plain byte of the name. Sets kHasEscape and kHasNonAscii in *flags when the name
  // holds an escape or a non-ASCII byte.
  const char* ScanName(uint8_t stop, uint8_t escapable, unsigned* flags) const {
    const char* q = p;
    const uint8_t mask = stop | kNonAscii;
    for (;;) {
      while (q < end && !(ClassOf(*q) & mask)) q++;
      if (q == end) break;
      if (ClassOf(*q) & kNonAscii) {
        *flags |= kHasNonAscii;
        q++;
      } else if (*q == '\\') {
        if (q + 1 < end && (ClassOf(q[1]) & escapable)) {
          *flags |= kHasEscape;
          q += 2;
        } else {
          q++;
        }
      } else {
        break;
      }
    }
    return q;
  }

  // After a name: a control character at p that does not end the line is an error.
  Status CheckNoControl(const char* what) const {
    if (p == end || !(ClassOf(*p) & kControl) || AtLineEnd()) return OkStatus();
    char msg[64];
    std::snprintf(msg, sizeof msg, "control character 0x%02X in %s", static_cast<uint8_t>(*p),
                  what);
    return unexpected(Fail(p, msg));
  }

  // ValidateName for a non-empty name; plain short ASCII needs no further check.
  Status CheckName(const char* what, std::string_view name, unsigned flags, const char* pos) const {
    if (!(flags & kHasNonAscii) && name.size() <= kMaxNameBytes) [[likely]] {
      return OkStatus();
    }
    if (auto st = ValidateName(what, name); !st) return unexpected(Fail(pos, st.error().message()));
    return OkStatus();
  }

  // `raw` without its escapes: a view of the input when it has none, else a copy in the arena.
  // `escapable` as for ScanName.
  std::string_view Unescape(std::string_view raw, uint8_t escapable, unsigned flags) {
    if (!(flags & kHasEscape)) return raw;
    char* out = parser->arena_->Allocate(raw.size());
    size_t n = 0;
    for (size_t i = 0; i < raw.size(); i++) {
      if (raw[i] == '\\' && i + 1 < raw.size() && (ClassOf(raw[i + 1]) & escapable)) i++;
      out[n++] = raw[i];
    }
    return std::string_view(out, n);
  }

  Status ParseLine(int64_t default_time, ParsedLine* line);
  Status ParseTags(ParsedLine* line);
  Status ParseFields(ParsedLine* line);
  Status ParseFieldValue(ParsedField* field);
  Status ParseString(ParsedField* field);
  Status ParseNumber(std::string_view token, const char* pos, ParsedField* field);
  Status ParseTimestamp(int64_t default_time, ParsedLine* line);
  Status SkipComment();
};

Result<Precision> ParsePrecision(std::string_view name) {
  for (Precision p : {Precision::kNanosecond, Precision::kMicrosecond, Precision::kMillisecond,
                      Precision::kSecond}) {
    if (name == PrecisionName(p)) return p;
  }
  std::string msg = "unknown precision '";
  AppendSnippet(&msg, name, 30);
  msg += "' (ns, us, ms or s)";
  return unexpected(Error::Invalid(std::move(msg)));
}

std::string_view PrecisionName(Precision p) {
  switch (p) {
    case Precision::kNanosecond:
      return "ns";
    case Precision::kMicrosecond:
      return "us";
    case Precision::kMillisecond:
      return "ms";
    case Precision::kSecond:
      return "s";
  }
  return "ns";
}

int64_t PrecisionNanos(Precision p) {
  switch (p) {
    case Precision::kNanosecond:
      return 1;
    case Precision::kMicrosecond:
      return 1'000;
    case Precision::kMillisecond:
      return 1'000'000;
    case Precision::kSecond:
      return 1'000'000'000;
  }
  return 1;
}

LineProtocolParser::LineProtocolParser() : arena_(std::make_unique<Arena>()) {}
LineProtocolParser::~LineProtocolParser() = default;

Status LineProtocolParser::Parse(std::string_view text, int64_t default_time, Precision precision,
                                 const std::function<Status(const ParsedLine&)>& fn) {
  const int64_t unit = PrecisionNanos(precision);
  // The default time rounded down to a whole unit.
  int64_t rounded_default = default_time - default_time % unit;
  if (default_time % unit < 0) {
    rounded_default = rounded_default >= std::numeric_limits<int64_t>::min() + unit
                          ? rounded_default - unit
                          : rounded_default;
  }
  State s{this, text.data(), text.data() + text.size(), 1, text.data(), unit};
  while (s.p < s.end) {
    // Leading spaces; blank and comment lines.
    while (s.p < s.end && *s.p == ' ') s.p++;
    if (s.p == s.end) break;
    if (s.AtLineEnd()) {
      s.NextLine();
      continue;
    }
    if (*s.p == '#') {
      STRATA_RETURN_IF_ERROR(s.SkipComment());
      s.NextLine();
      continue;
    }
    arena_->Reset();
    line_.line_number = s.line_no;
    STRATA_RETURN_IF_ERROR(s.ParseLine(rounded_default, &line_));
    STRATA_RETURN_IF_ERROR(fn(line_));
    s.NextLine();
  }
  return OkStatus();
}

Status LineProtocolParser::State::SkipComment() {
  while (p < end && !(ClassOf(*p) & kControl)) p++;
  if (!AtLineEnd()) return unexpected(Fail(p, "control character in a comment line"));
  return OkStatus();
}

Status LineProtocolParser::State::ParseLine(int64_t default_time, ParsedLine* line) {
  const char* start = p;
  unsigned flags = 0;
  p = ScanName(kMeasurementStop, kMeasurementEscapable, &flags);
  STRATA_RETURN_IF_ERROR(CheckNoControl("measurement"));
  if (p == start) return unexpected(Fail(p, "missing measurement"));
  line->measurement =
      Unescape(std::string_view(start, p - start), kMeasurementEscapable, flags);
  STRATA_RETURN_IF_ERROR(CheckName("measurement", line->measurement, flags, start));
  STRATA_RETURN_IF_ERROR(ParseTags(line));
  line->series_section = std::string_view(start, p - start);

  if (p == end || *p != ' ') return unexpected(Fail(p, "missing fields"));
  while (p < end && *p == ' ') p++;
  if (AtLineEnd()) return unexpected(Fail(p, "missing fields"));
  STRATA_RETURN_IF_ERROR(ParseFields(line));
  return ParseTimestamp(default_time, line);
}

Status LineProtocolParser::State::ParseTags(ParsedLine* line) {
  std::vector<KeyPos>& work = parser->tag_work_;
  size_t n = 0;
  while (p < end && *p == ',') {
    p++;
    const char* key_start = p;
    unsigned flags = 0;
    p = ScanName(kKeyStop, kKeyEscapable, &flags);
    STRATA_RETURN_IF_ERROR(CheckNoControl("tag key"));
    if (p == key_start) return unexpected(Fail(p, "missing tag key"));
    if (p == end || *p != '=') return unexpected(Fail(p, "missing '=' after tag key"));
    const std::string_view key =
        Unescape(std::string_view(key_start, p - key_start), kKeyEscapable, flags);
    STRATA_RETURN_IF_ERROR(CheckName("tag key", key, flags, key_start));
    p++;
    const char* value_start = p;
    flags = 0;
    p = ScanName(kKeyStop, kKeyEscapable, &flags);
    STRATA_RETURN_IF_ERROR(CheckNoControl("tag value"));
    if (p == value_start) return unexpected(Fail(p, "missing tag value"));
    if (p < end && *p == '=') return unexpected(Fail(p, "unescaped '=' in tag value"));
    const std::string_view value =
        Unescape(std::string_view(value_start, p - value_start), kKeyEscapable, flags);
    STRATA_RETURN_IF_ERROR(CheckName("tag value", value, flags, value_start));
    if (n == work.size()) work.resize(2 * n + 16);
    work[n++] = KeyPos{key, value, key_start, KeyPrefix(key)};
  }

  // Sort by key, stably, so that a repeated key stays after its first occurrence.
  auto less = [](const KeyPos& a, const KeyPos& b) {
    return a.prefix != b.prefix ? a.prefix < b.prefix : a.key < b.key;
  };
  if (n <= 64) {
    for (size_t i = 1; i < n; i++) {
      if (!less(work[i], work[i - 1])) continue;
      const KeyPos t = work[i];
      size_t j = i;
      for (; j > 0 && less(t, work[j - 1]); j--) work[j] = work[j - 1];
      work[j] = t;
    }
  } else {
    std::stable_sort(work.begin(), work.begin() + static_cast<ptrdiff_t>(n), less);
  }
  const char* dup = nullptr;  // the first repeated key in the text
  for (size_t i = 1; i < n; i++) {
    if (work[i - 1].prefix == work[i].prefix && work[i - 1].key == work[i].key &&
        (dup == nullptr || work[i].pos < dup)) {
      dup = work[i].pos;
    }
  }
  if (dup != nullptr) return unexpected(Fail(dup, "duplicate tag key"));
  line->tags.resize(n);
  for (size_t i = 0; i < n; i++) line->tags[i] = {work[i].key, work[i].value};
  return OkStatus();
}

Status LineProtocolParser::State::ParseFields(ParsedLine* line) {
  line->fields.clear();
  std::vector<KeyPos>& work = parser->field_work_;
  size_t n = 0;
  for (;;) {
    const char* key_start = p;
    unsigned flags = 0;
    p = ScanName(kKeyStop, kKeyEscapable, &flags);
    STRATA_RETURN_IF_ERROR(CheckNoControl("field key"));
    if (p == key_start) return unexpected(Fail(p, "missing field key"));
    if (p == end || *p != '=') return unexpected(Fail(p, "missing '=' after field key"));
    ParsedField field;
    field.key = Unescape(std::string_view(key_start, p - key_start), kKeyEscapable, flags);
    STRATA_RETURN_IF_ERROR(CheckName("field key", field.key, flags, key_start));
    p++;
    STRATA_RETURN_IF_ERROR(ParseFieldValue(&field));
    line->fields.push_back(field);
    if (n == work.size()) work.resize(2 * n + 16);
    work[n++] = KeyPos{field.key, {}, key_start, KeyFingerprint(field.key)};
    if (p < end && *p == ',') {
      p++;
      continue;
    }
    if (p < end && *p == ' ') break;
    if (AtLineEnd()) break;
    return unexpected(Fail(p, "expected ',' or ' ' after field value"));
  }

  // Repeated keys: pairwise by fingerprint for the usual handful of fields, by sorting beyond.
  const char* dup = nullptr;  // the first repeated key in the text
  if (n <= 32) {
    for (size_t j = 1; j < n && dup == nullptr; j++) {
      for (size_t i = 0; i < j; i++) {
        if (work[i].prefix == work[j].prefix && work[i].key == work[j].key) {
          dup = work[j].pos;
          break;
        }
      }
    }
  } else {
    std::sort(work.begin(), work.begin() + static_cast<ptrdiff_t>(n),
              [](const KeyPos& a, const KeyPos& b) {
                return a.key != b.key ? a.key < b.key : a.pos < b.pos;
              });
    for (size_t i = 1; i < n; i++) {
      if (work[i - 1].key == work[i].key && (dup == nullptr || work[i].pos < dup)) {
        dup = work[i].pos;
      }
    }
  }
  if (dup != nullptr) return unexpected(Fail(dup, "duplicate field key"));
  return OkStatus();
}

Status LineProtocolParser::State::ParseFieldValue(ParsedField* field) {
  const char* value_start = p;
  field->num = 0;
  field->str = {};
  if (p < end && *p == '"') return ParseString(field);

  const char* q = p;
  while (q < end && !(ClassOf(*q) & kTokenEnd)) q++;
  const std::string_view token(p, q - p);
  if (token.empty()) return unexpected(Fail(p, "missing field value"));
  p = q;
  switch (token[0]) {
    case 't':
    case 'T':
    case 'f':
    case 'F':
      field->type = ValueType::kBool;
      if (token == "t" || token == "T" || token == "true" || token == "True" || token == "TRUE") {
        field->num = 1;
        return OkStatus();
      }
      if (token == "f" || token == "F" || token == "false" || token == "False" ||
          token == "FALSE") {
        return OkStatus();
      }
      return unexpected(Fail(value_start, "invalid boolean value"));
    default:
      return ParseNumber(token, value_start, field);
  }
}

// A double-quoted string at p: may span lines; `\"` `\\` `\n` `\t` `\r` are escapes (see
// StringUnescaped) and any other backslash is literal; the unescaped bytes must be valid UTF-8.
Status LineProtocolParser::State::ParseString(ParsedField* field) {
  const char* value_start = p;
  const size_t start_line_no = line_no;
  const char* start_line_start = line_start;
  bool escaped = false, non_ascii = false;
  const char* q = p + 1;
  for (;;) {
    while (q < end && *q != '"' && *q != '\\' && *q != '\n') {
      non_ascii |= static_cast<uint8_t>(*q) >= 0x80;
      q++;
    }
    if (q == end) {
      return unexpected(
          FailAt(start_line_no, start_line_start, value_start, "unterminated string"));
    }
    if (*q == '"') break;
    if (*q == '\n') {  // strings may span lines
      line_no++;
      line_start = ++q;
      continue;
    }
    if (q + 1 < end && StringUnescaped(q[1]) != 0) {
      escaped = true;
      q += 2;
    } else {
      q++;
    }
  }
  std::string_view raw(p + 1, static_cast<size_t>(q - p - 1));
  if (escaped) {
    char* out = parser->arena_->Allocate(raw.size());
    size_t n = 0;
    for (size_t i = 0; i < raw.size(); i++) {
      char c = raw[i];
      if (c == '\\' && i + 1 < raw.size() && StringUnescaped(raw[i + 1]) != 0) {
        c = StringUnescaped(raw[++i]);
      }
      out[n++] = c;
    }
    raw = std::string_view(out, n);
  }
  if (non_ascii && !IsValidUtf8(raw)) {
    return unexpected(FailAt(start_line_no, start_line_start, value_start,
                             "string field value is not valid UTF-8"));
  }
  field->type = ValueType::kString;
  field->str = raw;
  p = q + 1;
  return OkStatus();
}

Status LineProtocolParser::State::ParseNumber(std::string_view token, const char* pos,
                                              ParsedField* field) {
  const char* first = token.data();
  const char* last = first + token.size();
  const char suffix = token.back();
  if (suffix == 'i') {
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(first, last - 1, v);
    if (ec == std::errc::result_out_of_range && ptr == last - 1) {
      return unexpected(Fail(pos, "integer out of int64 range"));
    }
    if (ec != std::errc() || ptr != last - 1) return unexpected(Fail(pos, "invalid integer value"));
    field->type = ValueType::kInt;
    field->num = static_cast<uint64_t>(v);
    return OkStatus();
  }
  if (suffix == 'u') {
    uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(first, last - 1, v);
    if (ec == std::errc::result_out_of_range && ptr == last - 1) {
      return unexpected(Fail(pos, "unsigned integer out of int64 range"));
    }
    if (ec != std::errc() || ptr != last - 1) {
      return unexpected(Fail(pos, "invalid unsigned integer value"));
    }
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return unexpected(Fail(pos, "unsigned integer out of int64 range"));
    }
    field->type = ValueType::kInt;
    field->num = v;
    return OkStatus();
  }

  field->type = ValueType::kFloat;
  double v = 0;
  if (ParseShortDecimal(first, last, &v)) {
    field->num = FloatBits(v);
    return OkStatus();
  }
  // -?digits[.digits][e[+-]digits], checked by hand first because from_chars would also take
  // "inf", "nan" and hexadecimal forms.
  bool well_formed = first[0] == '-' || first[0] == '.' || (first[0] >= '0' && first[0] <= '9');
  for (const char* c = first; c < last && well_formed; c++) {
    well_formed =
        (*c >= '0' && *c <= '9') || *c == '.' || *c == 'e' || *c == 'E' || *c == '-' || *c == '+';
  }
  if (!well_formed) {
    if (IsNanOrInf(token)) return unexpected(Fail(pos, "NaN and Inf are not allowed"));
    return unexpected(Fail(pos, "invalid field value"));
  }
  auto [ptr, ec] = std::from_chars(first, last, v, std::chars_format::general);
  if (ptr != last || ec == std::errc::invalid_argument) {
    return unexpected(Fail(pos, "invalid float value"));
  }
  if (ec == std::errc::result_out_of_range) {
    if (FloatLiteralOverflows(token)) {
      return unexpected(Fail(pos, "float out of range (overflows to Inf)"));
    }
    v = first[0] == '-' ? -0.0 : 0.0;  // underflow
  }
  field->num = FloatBits(v);
  return OkStatus();
}

Status LineProtocolParser::State::ParseTimestamp(int64_t default_time, ParsedLine* line) {
  while (p < end && *p == ' ') p++;
  if (AtLineEnd()) {
    line->time = default_time;
    return OkStatus();
  }
  const char* start = p;
  while (p < end && !(ClassOf(*p) & kTokenEnd)) p++;
  int64_t t = 0;
  auto [ptr, ec] = std::from_chars(start, p, t);
  if (ptr != p) return unexpected(Fail(start, "invalid timestamp"));
  if (ec == std::errc::result_out_of_range) {
    return unexpected(Fail(start, "timestamp out of int64 range"));
  }
  if (ec != std::errc()) return unexpected(Fail(start, "invalid timestamp"));
  if (unit != 1) {
    if (t > std::numeric_limits<int64_t>::max() / unit ||
        t < std::numeric_limits<int64_t>::min() / unit) {
      return unexpected(Fail(start, "timestamp out of int64 range once scaled to nanoseconds"));
    }
    t *= unit;
  }
  line->time = t;
  while (p < end && *p == ' ') p++;
  if (!AtLineEnd()) return unexpected(Fail(p, "unexpected text after timestamp"));
  return OkStatus();
}

}  // namespace strata
