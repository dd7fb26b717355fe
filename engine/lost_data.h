// LostData describes points that `strata repair` could not keep: which series (when known), which
// times, how many, and why. A repair report lists one per damaged block, section, WAL record or
// file, so that a user knows exactly what a repaired directory no longer holds. Plain value.
#pragma once

#include <cstdint>
#include <string>

namespace strata {

struct LostData {
  std::string series_key;      // empty when the damage hides which series
  int64_t min_time = INT64_MIN;  // the lost points lie within [min_time, max_time]
  int64_t max_time = INT64_MAX;
  uint64_t points = 0;         // 0 when unknown
  std::string what;            // the damage and where it is, naming the file and offset
};

}  // namespace strata
