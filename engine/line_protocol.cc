#include "line_protocol.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>
#include <string>
#include <system_error>

#include "series_key.h"

namespace strata {

namespace {

// Byte classes, as bit masks in kClass.
constexpr uint8_t kMeasurementStop = 1;  // ends a measurement: , space LF, or starts an escape
constexpr uint8_t kKeyStop = 2;   // ends a tag key/value or field key: , = space LF, or escape
constexpr uint8_t kTokenEnd = 4;  // ends a number, boolean or timestamp: , space tab CR LF
constexpr uint8_t kSpace = 8;     // space or tab
constexpr uint8_t kSuspect = 16;  // NUL or non-ASCII: a name holding one needs ValidateName

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
  }
};
constexpr ClassTable kClass;

inline uint8_t ClassOf(char c) { return kClass.c[static_cast<uint8_t>(c)]; }

// Bytes that a backslash escapes in a measurement (`,` space `\`) and in keys and tag values
// (`,` `=` space `\`).
inline bool MeasurementEscapable(char c) { return c == ',' || c == ' ' || c == '\\'; }
inline bool KeyEscapable(char c) { return c == ',' || c == '=' || c == ' ' || c == '\\'; }
inline bool StringEscapable(char c) { return c == '"' || c == '\\'; }

bool IsNanOrInf(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  std::string lower(s.size(), ' ');
  for (size_t i = 0; i < s.size(); i++) {
    lower[i] = (s[i] >= 'A' && s[i] <= 'Z') ? static_cast<char>(s[i] - 'A' + 'a') : s[i];
  }
  return lower == "nan" || lower == "inf" || lower == "infinity";
}

// For a decimal float literal that std::from_chars reported out of range: true when its magnitude
// is huge (overflow to Inf) rather than tiny (underflow to zero). `s` matches
// -?[0-9]*\.?[0-9]*([eE][+-]?[0-9]+)?.
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

// Memory for unescaped copies of names and strings. Blocks are never moved, so views into them stay
// valid until Reset(); after warm-up a line needs no new block.
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
  size_t line_no = 1;
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
    } else {
      const char* from = static_cast<size_t>(pos - start) > 30 ? pos - 30 : start;
      AppendSnippet(&msg, std::string_view(from, static_cast<size_t>(pos - from)), 30);
    }
    msg += "'";
    return Error::Invalid(std::move(msg));
  }

  Error Wrap(const char* pos, const Error& e) const { return Fail(pos, e.message()); }

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

  // Scans from p to the first unescaped byte of class `stop` (or the end), noting escapes.
  const char* ScanName(uint8_t stop, bool* escaped) {
    const char* q = p;
    for (;;) {
      while (q < end && !(ClassOf(*q) & stop)) q++;
      if (q < end && *q == '\\') {
        *escaped = true;
        q += (q + 1 < end && q[1] != '\n') ? 2 : 1;
        continue;
      }
      // The CR of a CRLF line end is not part of the name.
      if (q < end && *q == '\n' && q > p && q[-1] == '\r') q--;
      return q;
    }
  }

  // `raw` with its escapes removed: a view of the input when there are none, else a copy in the
  // arena.
  template <bool (*Escapable)(char)>
  std::string_view Unescape(std::string_view raw, bool escaped) {
    if (!escaped) return raw;
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
  bool escaped = false;
  p = ScanName(kMeasurementStop, &escaped);
  if (p == start) return unexpected(Fail(p, "missing measurement"));
  line->measurement = Unescape<MeasurementEscapable>(std::string_view(start, p - start), escaped);
  if (auto st = ValidateName("measurement", line->measurement); !st) {
    return unexpected(Wrap(start, st.error()));
  }
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
  work.clear();
  while (p < end && *p == ',') {
    p++;
    const char* key_start = p;
    bool escaped = false;
    p = ScanName(kKeyStop, &escaped);
    if (p == key_start) return unexpected(Fail(p, "missing tag key"));
    if (p == end || *p != '=') return unexpected(Fail(p, "missing '=' after tag key"));
    const std::string_view key =
        Unescape<KeyEscapable>(std::string_view(key_start, p - key_start), escaped);
    if (auto st = ValidateName("tag key", key); !st) return unexpected(Wrap(key_start, st.error()));
    p++;
    const char* value_start = p;
    escaped = false;
    p = ScanName(kKeyStop, &escaped);
    if (p == value_start) return unexpected(Fail(p, "missing tag value"));
    if (p < end && *p == '=') return unexpected(Fail(p, "unescaped '=' in tag value"));
    const std::string_view value =
        Unescape<KeyEscapable>(std::string_view(value_start, p - value_start), escaped);
    if (auto st = ValidateName("tag value", value); !st) {
      return unexpected(Wrap(value_start, st.error()));
    }
    work.push_back(KeyPos{key, value, key_start});
  }

  bool sorted = true;
  for (size_t i = 1; i < work.size() && sorted; i++) sorted = work[i - 1].key < work[i].key;
  if (!sorted) {
    std::sort(work.begin(), work.end(), [](const KeyPos& a, const KeyPos& b) {
      return a.key != b.key ? a.key < b.key : a.pos < b.pos;
    });
    const char* dup = nullptr;  // the first repeated key in the text
    for (size_t i = 1; i < work.size(); i++) {
      if (work[i - 1].key == work[i].key && (dup == nullptr || work[i].pos < dup))
        dup = work[i].pos;
    }
    if (dup != nullptr) return unexpected(Fail(dup, "duplicate tag key"));
  }
  line->tags.clear();
  for (const KeyPos& t : work) line->tags.emplace_back(t.key, t.value);
  return OkStatus();
}

Status LineProtocolParser::State::ParseFields(ParsedLine* line) {
  line->fields.clear();
  std::vector<KeyPos>& work = parser->field_work_;
  work.clear();
  for (;;) {
    const char* key_start = p;
    bool escaped = false;
    p = ScanName(kKeyStop, &escaped);
    if (p == key_start) return unexpected(Fail(p, "missing field key"));
    if (p == end || *p != '=') return unexpected(Fail(p, "missing '=' after field key"));
    ParsedField field;
    field.key = Unescape<KeyEscapable>(std::string_view(key_start, p - key_start), escaped);
    if (auto st = ValidateName("field key", field.key); !st) {
      return unexpected(Wrap(key_start, st.error()));
    }
    p++;
    STRATA_RETURN_IF_ERROR(ParseFieldValue(&field));
    line->fields.push_back(field);
    work.push_back(KeyPos{field.key, {}, key_start});
    if (p < end && *p == ',') {
      p++;
      continue;
    }
    if (p < end && (ClassOf(*p) & kSpace)) break;
    if (AtLineEnd()) break;
    return unexpected(Fail(p, "expected ',' or ' ' after field value"));
  }

  // Duplicate keys: pairwise for the usual handful of fields, by sorting beyond that.
  const char* dup = nullptr;
  if (work.size() <= 16) {
    for (size_t j = 1; j < work.size() && dup == nullptr; j++) {
      for (size_t i = 0; i < j; i++) {
        if (work[i].key == work[j].key) {
          dup = work[j].pos;
          break;
        }
      }
    }
  } else {
    std::sort(work.begin(), work.end(), [](const KeyPos& a, const KeyPos& b) {
      return a.key != b.key ? a.key < b.key : a.pos < b.pos;
    });
    for (size_t i = 1; i < work.size(); i++) {
      if (work[i - 1].key == work[i].key && (dup == nullptr || work[i].pos < dup))
        dup = work[i].pos;
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
    const size_t start_line = line_no;
    const char* start_line_start = line_start;
    bool escaped = false;
    const char* q = p + 1;
    for (;;) {
      while (q < end && *q != '"' && *q != '\\' && *q != '\n') q++;
      if (q == end) {
        return unexpected(FailAt(start_line, start_line_start, value_start, "unterminated string"));
      }
      if (*q == '"') break;
      if (*q == '\n') {
        line_no++;
        line_start = ++q;
        continue;
      }
      // A backslash: escapes `"` and `\`, else is literal.
      if (q + 1 < end && StringEscapable(q[1])) {
        escaped = true;
        q += 2;
      } else {
        q++;
      }
    }
    field->type = ValueType::kString;
    field->str = Unescape<StringEscapable>(std::string_view(p + 1, q - p - 1), escaped);
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
        field->num = 0;
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

  // A float: -?digits[.digits][e[+-]digits], checked by hand first because from_chars would also
  // take "inf", "nan" and hexadecimal forms.
  bool well_formed = first[0] == '-' || first[0] == '.' || (first[0] >= '0' && first[0] <= '9');
  for (const char* c = first; c < last && well_formed; c++) {
    well_formed =
        (*c >= '0' && *c <= '9') || *c == '.' || *c == 'e' || *c == 'E' || *c == '-' || *c == '+';
  }
  if (!well_formed) {
    if (IsNanOrInf(token)) return unexpected(Fail(pos, "NaN and Inf are not allowed"));
    return unexpected(Fail(pos, "invalid field value"));
  }
  double v = 0;
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
  field->type = ValueType::kFloat;
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
  if (p == start || ptr != p) return unexpected(Fail(start, "invalid timestamp"));
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
