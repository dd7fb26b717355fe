// Time buckets, as time_bucket() and the aggregate view's `every` have them: a positive width in
// ns, buckets aligned to multiples of it from the epoch. Stateless and thread-safe.
#pragma once

#include <sqlite3ext.h>

#include <cstdint>
#include <string>

namespace strata_sql {

// A positive width in ns: an integer, or a duration text ('30s', '1m', '1h'). False with *err.
bool ParseWidth(sqlite3_value* v, int64_t* ns, std::string* err);
// The bucket of `width` (> 0) that holds `time`: *start (INT64_MIN for the first, partial bucket
// of the int64 range, which starts before it) and *end, exclusive; false when the bucket reaches
// past INT64_MAX (then *end is meaningless).
bool BucketOf(int64_t time, int64_t width, int64_t* start, int64_t* end);

}  // namespace strata_sql
