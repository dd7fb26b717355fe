// SQL value <-> engine value, with loss checks (README.md, "Values"): a value is stored only when
// the field's type holds it exactly.
//   REAL     REAL (finite); INTEGER when the double represents it exactly; TEXT that reads entirely
//            as a finite number (same rule).
//   INTEGER  INTEGER; integral REAL within int64; TEXT that reads entirely as such a number.
//   BOOLEAN  0/1 as INTEGER or REAL; TEXT 'true'/'false'/'1'/'0' (any case).
//   TEXT     TEXT; INTEGER and REAL as SQLite renders them (text affinity).
//   BLOB is never converted. Tags are TEXT (numbers rendered), non-empty, valid UTF-8, no NUL.
//   time     INTEGER ns; integral REAL; TEXT as the engine reads a time (strata_parse_time: integer
//            ns or an ISO-8601 date-time); NULL = now.
#include "convert.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <cerrno>
#include <chrono>
#include <new>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "strata.h"

namespace strata_sql {
namespace {

constexpr double kTwo63 = 9223372036854775808.0;

std::string TextOf(sqlite3_value* v) {
  const unsigned char* t = sqlite3_value_text(v);
  return t == nullptr ? std::string()
                      : std::string(reinterpret_cast<const char*>(t), sqlite3_value_bytes(v));
}

std::string Trimmed(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) b++;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) e--;
  return s.substr(b, e - b);
}

// Whole-string integer.
bool ParseInt(const std::string& s, int64_t* out) {
  const std::string t = Trimmed(s);
  if (t.empty() || t.find_first_not_of("+-0123456789") != std::string::npos) return false;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(t.c_str(), &end, 10);
  if (errno != 0 || end != t.c_str() + t.size()) return false;
  *out = v;
  return true;
}

// Whole-string finite decimal number (no hex, inf or nan).
bool ParseDouble(const std::string& s, double* out) {
  const std::string t = Trimmed(s);
  if (t.empty() || t.find_first_not_of("+-0123456789.eE") != std::string::npos) return false;
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size() || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

bool DoubleToInt(double d, int64_t* out) {
  if (!std::isfinite(d) || d != std::trunc(d) || d < -kTwo63 || d >= kTwo63) return false;
  *out = static_cast<int64_t>(d);
  return true;
}

bool IntToDouble(int64_t i, double* out) {
  const double d = static_cast<double>(i);
  if (d >= kTwo63 || static_cast<int64_t>(d) != i) return false;
  *out = d;
  return true;
}

std::string FieldTypeName(int type) {
  switch (type) {
    case STRATA_FLOAT: return "a REAL";
    case STRATA_INT: return "an INTEGER";
    case STRATA_BOOL: return "a BOOLEAN";
    case STRATA_STRING: return "a TEXT";
  }
  return "an unknown";
}

}  // namespace

std::string Quote(const std::string& s) {
  std::string out = "'";
  size_t n = 0;
  for (char c : s) {
    if (n++ >= 60) {
      out += "...";
      break;
    }
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string Describe(sqlite3_value* v) {
  switch (sqlite3_value_type(v)) {
    case SQLITE_NULL: return "NULL";
    case SQLITE_INTEGER: return std::to_string(sqlite3_value_int64(v));
    case SQLITE_FLOAT: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g", sqlite3_value_double(v));
      return buf;
    }
    case SQLITE_BLOB: return "a BLOB";
    default: return Quote(TextOf(v));
  }
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool ToField(sqlite3_value* v, int type, Value* out, std::string* err) {
  out->type = 0;
  const int st = sqlite3_value_type(v);
  if (st == SQLITE_NULL) return true;
  auto fail = [&] {
    *err = "cannot store " + Describe(v) + " in " + FieldTypeName(type) + " field";
    return false;
  };
  if (st == SQLITE_BLOB) return fail();
  switch (type) {
    case STRATA_FLOAT: {
      double d = 0;
      if (st == SQLITE_FLOAT) {
        d = sqlite3_value_double(v);
        if (!std::isfinite(d)) return fail();
      } else if (st == SQLITE_INTEGER) {
        if (!IntToDouble(sqlite3_value_int64(v), &d)) return fail();
      } else {
        const std::string t = TextOf(v);
        int64_t i = 0;
        if (ParseInt(t, &i)) {
          if (!IntToDouble(i, &d)) return fail();
        } else if (!ParseDouble(t, &d)) {
          return fail();
        }
      }
      out->type = STRATA_FLOAT;
      out->f = d;
      return true;
    }
    case STRATA_INT: {
      int64_t i = 0;
      if (st == SQLITE_INTEGER) {
        i = sqlite3_value_int64(v);
      } else if (st == SQLITE_FLOAT) {
        if (!DoubleToInt(sqlite3_value_double(v), &i)) return fail();
      } else {
        const std::string t = TextOf(v);
        double d = 0;
        if (!ParseInt(t, &i) && !(ParseDouble(t, &d) && DoubleToInt(d, &i))) return fail();
      }
      out->type = STRATA_INT;
      out->i = i;
      return true;
    }
    case STRATA_BOOL: {
      int64_t i = -1;
      if (st == SQLITE_INTEGER) {
        i = sqlite3_value_int64(v);
      } else if (st == SQLITE_FLOAT) {
        const double d = sqlite3_value_double(v);
        if (d == 0.0) i = 0;
        if (d == 1.0) i = 1;
      } else {
        std::string t = Trimmed(TextOf(v));
        for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (t == "true" || t == "1") i = 1;
        if (t == "false" || t == "0") i = 0;
      }
      if (i != 0 && i != 1) return fail();
      out->type = STRATA_BOOL;
      out->i = i;
      return true;
    }
    case STRATA_STRING: {
      out->s = TextOf(v);
      if (!strata_valid_utf8(out->s.data(), out->s.size())) return fail();
      out->type = STRATA_STRING;
      return true;
    }
  }
  return fail();
}

bool ToTag(sqlite3_value* v, std::string* out, std::string* err) {
  const int st = sqlite3_value_type(v);
  if (st == SQLITE_NULL) {
    *err = "a tag cannot be NULL";
    return false;
  }
  if (st == SQLITE_BLOB) {
    *err = "cannot use a BLOB as a tag value";
    return false;
  }
  *out = TextOf(v);
  if (out->empty()) {
    *err = "a tag cannot be empty";
    return false;
  }
  if (out->size() > STRATA_MAX_NAME_BYTES) {
    *err = "cannot use a tag value of " + std::to_string(out->size()) + " bytes: longer than " +
           std::to_string(STRATA_MAX_NAME_BYTES);
    return false;
  }
  if (std::memchr(out->data(), '\0', out->size()) != nullptr) {
    *err = "cannot use " + Quote(*out) + " as a tag value: it contains a NUL byte";
    return false;
  }
  if (!strata_valid_utf8(out->data(), out->size())) {
    *err = "cannot use " + Describe(v) + " as a tag value: not valid UTF-8";
    return false;
  }
  return true;
}

bool ToTime(sqlite3_value* v, int64_t* out, std::string* err) {
  switch (sqlite3_value_type(v)) {
    case SQLITE_NULL: *out = NowNs(); return true;
    case SQLITE_INTEGER: *out = sqlite3_value_int64(v); return true;
    case SQLITE_FLOAT:
      if (DoubleToInt(sqlite3_value_double(v), out)) return true;
      *err = "cannot use " + Describe(v) + " as a time: not an integer number of nanoseconds";
      return false;
    case SQLITE_TEXT: {
      // The engine's rule (strata_parse_time), whose message quotes the text and says why.
      const unsigned char* text = sqlite3_value_text(v);
      if (text == nullptr) throw std::bad_alloc();
      if (strata_parse_time(reinterpret_cast<const char*>(text),
                            static_cast<size_t>(sqlite3_value_bytes(v)), out) == STRATA_OK) {
        return true;
      }
      *err = strata_errmsg();
      return false;
    }
    default: *err = "cannot use a BLOB as a time"; return false;
  }
}

std::string DescribeTime(int64_t time) {
  char text[STRATA_TIME_TEXT_BYTES];
  if (strata_format_time(time, text, sizeof text) != STRATA_OK) return std::to_string(time);
  return std::to_string(time) + " (" + text + ")";
}

void ResultValue(sqlite3_context* ctx, const Value& v) {
  switch (v.type) {
    case STRATA_FLOAT: sqlite3_result_double(ctx, v.f); break;
    case STRATA_INT:
    case STRATA_BOOL: sqlite3_result_int64(ctx, v.i); break;
    case STRATA_STRING:
      sqlite3_result_text64(ctx, v.s.data(), v.s.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      break;
    default: sqlite3_result_null(ctx); break;
  }
}

}  // namespace strata_sql
