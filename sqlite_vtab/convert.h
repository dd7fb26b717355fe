// SQL values and engine values (README.md, "Values"): an SQL value is stored in a field, a tag or
// the time column only when the target holds it exactly, and engine values go back to SQLite as
// the field's type. Stateless and thread-safe, apart from the sqlite3_value / sqlite3_context they
// are given (one thread at a time, as SQLite's own).
#pragma once

#include <sqlite3ext.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace strata_sql {

// A field's value, or SQL NULL.
struct Value {
  int type = 0;  // 0 (SQL NULL) or STRATA_FLOAT / _INT / _BOOL / _STRING
  double f = 0;
  int64_t i = 0;  // _INT, and _BOOL as 0/1
  std::string s;
};

// Converts an SQL value to a field of type `type` without loss. NULL gives type 0. False with *err
// ("cannot store 'abc' in a REAL field") when it cannot.
bool ToField(sqlite3_value* v, int type, Value* out, std::string* err);
// A tag value: TEXT (numbers rendered as SQLite renders them), non-empty, no NUL, valid UTF-8.
bool ToTag(sqlite3_value* v, std::string* out, std::string* err);
// A timestamp: integer ns, integral REAL, or text as strata_parse_time reads it (integer ns or
// ISO-8601); NULL is the current time.
bool ToTime(sqlite3_value* v, int64_t* out, std::string* err);
// A time for messages: ns and ISO-8601 UTC, "1451606400000000000 (2016-01-01T00:00:00Z)".
std::string DescribeTime(int64_t time);
// The current time in ns.
int64_t NowNs();
// Sets v as the SQL result: NULL for type 0.
void ResultValue(sqlite3_context* ctx, const Value& v);
// A printable excerpt of a value for error messages ("'abc'", "1.5", "NULL", "a BLOB").
std::string Describe(sqlite3_value* v);
// `s` in single quotes (quotes doubled), cut after 60 bytes with "...", for error messages.
std::string Quote(const std::string& s);

}  // namespace strata_sql
