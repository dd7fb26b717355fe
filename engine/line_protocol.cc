#include "line_protocol.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstddef>
#include <cstring>
#include <limits>
#include <string>
#include <system_error>

#include "series_key.h"

namespace strata {

namespace {

// Byte classes, as bit masks in kClass.
constexpr uint8_t kMeasurementStop = 1;  // ends a measurement: , space LF, or starts an escape
constexpr uint8_t kKeyStop = 2;          // ends a tag key/value or field key: , = space LF, escape
constexpr uint8_t kTokenEnd = 4;         // ends a number, boolean or timestamp: , space tab CR LF
constexpr uint8_t kSpace = 8;            // space or tab
constexpr uint8_t kSuspect = 16;         // NUL or non-ASCII: a name holding one needs ValidateName

struct ClassTable {
  uint8_t c[256] = {};
  constexpr ClassTable() {
    c[static_cast<uint8_t>(',')] = kMeasurementStop | kKeyStop | kTokenEnd;
    c[static_cast<uint8_t>(' ')] = kMeasurementStop | kKeyStop | kTokenEnd | kSpace;
    c[static_cast<uint8_t>('\n')] = kMeasurementStop | kKeyStop | kTokenEnd;
    c[static_cast<uint8_t>('\\')] = kMeasurementStop | kKeyStop;
    c[static_cast<uint8_t>('=')] = kKeyStop;
    c[static_cast<uint8_t>('\t')] = kTokenEnd | kSpace;
    c[static_cast<uint8_t>('\r')] = kTokenEnd;
    c[0] = kSuspect;
    for (int i = 0x80; i < 0x100; i++) c[i] = kSuspect;
  }
};
constexpr ClassTable kClass;

inline uint8_t ClassOf(char c) { return kClass.c[static_cast<uint8_t>(c)]; }

// Bytes that a backslash escapes in a measurement (`,` space `\`), in keys and tag values
// (`,` `=` space `\`) and in strings (`"` `\`).
inline bool MeasurementEscapable(char c) { return c == ',' || c == ' ' || c == '\\'; }
inline bool KeyEscapable(char c) { return c == ',' || c == '=' || c == ' ' || c == '\\'; }
inline bool StringEscapable(char c) { return c == '"' || c == '\\'; }

// What ScanName saw in a name.
constexpr unsigned kHasEscape = 1;
constexpr unsigned kHasSuspect = 2;

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

  bool AtLineEnd() const {
    return p == end || *p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n');
  }

  // Advances past a LF or CRLF at p (REQUIRES AtLineEnd()) and starts the next line.
  void NextLine() {
    if (p == end) return;
    p += (*p == '\r') ? 2 : 1;
    line_no++;
    line_start = p;
  }

  // Scans from p to the first unescaped byte of class `stop` (or the end). Sets kHasEscape and
  // kHasSuspect in *flags when the name holds a backslash, or a NUL or non-ASCII byte.
  const char* ScanName(uint8_t stop, unsigned* flags) const {
    const char* q = p;
    const uint8_t mask = stop | kSuspect;
    for (;;) {
      while (q < end && !(ClassOf(*q) & mask)) q++;
      if (q == end) break;
      if (ClassOf(*q) & kSuspect) {
        *flags |= kHasSuspect;
        q++;
      } else if (*q == '\\') {
        *flags |= kHasEscape;
        if (q + 1 < end && q[1] != '\n') {
          if (ClassOf(q[1]) & kSuspect) *flags |= kHasSuspect;
          q += 2;
        } else {
          q++;
        }
      } else {
        break;
      }
    }
    // The CR of a CRLF line end is not part of the name.
    if (q < end && *q == '\n' && q > p && q[-1] == '\r') q--;
    return q;
  }

  // ValidateName for a non-empty name; plain short ASCII needs no further check.
  Status CheckName(const char* what, std::string_view name, unsigned flags, const char* pos) const {
    if (!(flags & kHasSuspect) && name.size() <= kMaxNameBytes) [[likely]] {
      return OkStatus();
    }
    if (auto st = ValidateName(what, name); !st) return unexpected(Fail(pos, st.error().message()));
    return OkStatus();
  }

  // `raw` without its escapes: a view of the input when it has none, else a copy in the arena.
  template <bool (*Escapable)(char)>
  std::string_view Unescape(std::string_view raw, unsigned flags) {
    if (!(flags & kHasEscape)) return raw;
    char* out = parser->arena_->Allocate(raw.size());
    size_t n = 0;
    for (size_t i = 0; i < raw.size(); i++) {
      if (raw[i] == '\\' && i + 1 < raw.size() && Escapable(raw[i + 1])) i++;
      out[n++] = raw[i];
    }
    return std::string_view(out, n);
  }

  Status ParseLine(int64_t default_time, ParsedLine* line);
  Status ParseTags(ParsedLine* line);
  Status ParseFields(ParsedLine* line);
  Status ParseFieldValue(ParsedField* field);
  Status ParseNumber(std::string_view token, const char* pos, ParsedField* field);
  Status ParseTimestamp(int64_t default_time, ParsedLine* line);
};

LineProtocolParser::LineProtocolParser() : arena_(std::make_unique<Arena>()) {}
LineProtocolParser::~LineProtocolParser() = default;

Status LineProtocolParser::Parse(std::string_view text, int64_t default_time,
                                 const std::function<Status(const ParsedLine&)>& fn) {
  State s{this, text.data(), text.data() + text.size(), 1, text.data()};
  while (s.p < s.end) {
    // Leading blanks; blank and comment lines.
    while (s.p < s.end && (*s.p == ' ' || *s.p == '\t' || *s.p == '\r')) s.p++;
    if (s.p == s.end) break;
    if (*s.p == '\n') {
      s.NextLine();
      continue;
    }
    if (*s.p == '#') {
      const char* eol =
          static_cast<const char*>(std::memchr(s.p, '\n', static_cast<size_t>(s.end - s.p)));
      s.p = eol == nullptr ? s.end : eol;
      s.NextLine();
      continue;
    }
    arena_->Reset();
    line_.line_number = s.line_no;
    STRATA_RETURN_IF_ERROR(s.ParseLine(default_time, &line_));
    STRATA_RETURN_IF_ERROR(fn(line_));
    s.NextLine();
  }
  return OkStatus();
}

Status LineProtocolParser::State::ParseLine(int64_t default_time, ParsedLine* line) {
  const char* start = p;
  unsigned flags = 0;
  p = ScanName(kMeasurementStop, &flags);
  if (p == start) return unexpected(Fail(p, "missing measurement"));
  line->measurement = Unescape<MeasurementEscapable>(std::string_view(start, p - start), flags);
  STRATA_RETURN_IF_ERROR(CheckName("measurement", line->measurement, flags, start));
  STRATA_RETURN_IF_ERROR(ParseTags(line));
  line->series_section = std::string_view(start, p - start);

  if (p == end || *p != ' ') return unexpected(Fail(p, "missing fields"));
  while (p < end && (ClassOf(*p) & kSpace)) p++;
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
    p = ScanName(kKeyStop, &flags);
    if (p == key_start) return unexpected(Fail(p, "missing tag key"));
    if (p == end || *p != '=') return unexpected(Fail(p, "missing '=' after tag key"));
    const std::string_view key =
        Unescape<KeyEscapable>(std::string_view(key_start, p - key_start), flags);
    STRATA_RETURN_IF_ERROR(CheckName("tag key", key, flags, key_start));
    p++;
    const char* value_start = p;
    flags = 0;
    p = ScanName(kKeyStop, &flags);
    if (p == value_start) return unexpected(Fail(p, "missing tag value"));
    if (p < end && *p == '=') return unexpected(Fail(p, "unescaped '=' in tag value"));
    const std::string_view value =
        Unescape<KeyEscapable>(std::string_view(value_start, p - value_start), flags);
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
    p = ScanName(kKeyStop, &flags);
    if (p == key_start) return unexpected(Fail(p, "missing field key"));
    if (p == end || *p != '=') return unexpected(Fail(p, "missing '=' after field key"));
    ParsedField field;
    field.key = Unescape<KeyEscapable>(std::string_view(key_start, p - key_start), flags);
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
    if (p < end && (ClassOf(*p) & kSpace)) break;
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
  if (p < end && *p == '"') {
    const size_t start_line_no = line_no;
    const char* start_line_start = line_start;
    unsigned flags = 0;
    const char* q = p + 1;
    for (;;) {
      while (q < end && *q != '"' && *q != '\\' && *q != '\n') q++;
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
      // A backslash escapes `"` and `\`; before anything else it is literal.
      if (q + 1 < end && StringEscapable(q[1])) {
        flags |= kHasEscape;
        q += 2;
      } else {
        q++;
      }
    }
    field->type = ValueType::kString;
    field->str = Unescape<StringEscapable>(std::string_view(p + 1, q - p - 1), flags);
    p = q + 1;
    return OkStatus();
  }

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
  while (p < end && (ClassOf(*p) & kSpace)) p++;
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
  line->time = t;
  while (p < end && (ClassOf(*p) & kSpace)) p++;
  if (!AtLineEnd()) return unexpected(Fail(p, "unexpected text after timestamp"));
  return OkStatus();
}

}  // namespace strata
