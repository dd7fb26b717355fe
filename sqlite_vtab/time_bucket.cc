#include "time_bucket.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include "convert.h"
#include "strata.h"

namespace strata_sql {

bool BucketOf(int64_t time, int64_t width, int64_t* start, int64_t* end) {
  int64_t r = time % width;
  if (r < 0) r += width;
  if (__builtin_sub_overflow(time, r, start)) *start = INT64_MIN;
  return !__builtin_add_overflow(time, width - r, end);
}

bool ParseWidth(sqlite3_value* v, int64_t* ns, std::string* err) {
  int64_t width = 0;
  if (sqlite3_value_type(v) == SQLITE_INTEGER) {
    width = sqlite3_value_int64(v);
  } else {
    const unsigned char* text = sqlite3_value_text(v);
    if (sqlite3_value_type(v) != SQLITE_TEXT || text == nullptr ||
        strata_parse_duration(reinterpret_cast<const char*>(text), &width) != STRATA_OK) {
      *err = "bad width " + Describe(v) +
             " (expected a duration like '30s', '1m', '1h' or integer nanoseconds)";
      return false;
    }
  }
  if (width <= 0) {
    *err = "width must be positive, got " + Describe(v);
    return false;
  }
  *ns = width;
  return true;
}

}  // namespace strata_sql
