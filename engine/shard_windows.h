// ShardWindows is the arithmetic of a data directory's time windows: each shard holds one
// measurement's points of one window [start, start + shard duration). Window starts are the
// multiples of the duration; the int64 range's first, partial window is not routable, so that the
// window of every routable time is whole and its start routable too. The one definition of these
// rules, for the router, recovery and `strata verify`. Immutable: thread-safe.
#pragma once

#include <cstdint>

#include "coding.h"

namespace strata {

class ShardWindows {
 public:
  // REQUIRES: duration_ns > 0.
  explicit ShardWindows(int64_t duration_ns)
      : duration_(duration_ns), first_start_(INT64_MIN / duration_ns * duration_ns) {}

  int64_t duration() const { return duration_; }
  // The start of the first window that lies wholly in the int64 range: the smallest multiple of
  // the duration not below INT64_MIN. Routable times are those from it on.
  int64_t FirstStart() const { return first_start_; }
  bool Routable(int64_t time) const { return time >= first_start_; }
  // Start of the window holding `time` (floor division, also for negative times); INT64_MIN for a
  // time that is not routable.
  int64_t Start(int64_t time) const {
    if (!Routable(time)) return INT64_MIN;
    int64_t q = time / duration_;
    if (time % duration_ != 0 && time < 0) q--;
    return q * duration_;  // >= first_start_, as time is routable
  }
  // Whether `start` is the start of a routable window.
  bool IsStart(int64_t start) const { return Routable(start) && Start(start) == start; }
  // The end (exclusive) of the window starting at `start`, saturated at INT64_MAX.
  int64_t End(int64_t start) const { return SaturatingAdd(start, duration_); }

 private:
  int64_t duration_;
  int64_t first_start_;
};

}  // namespace strata
