// SalvageSegment reads what is intact in a damaged segment file (format: segment_format.h), for
// `strata repair`. With a readable index it keeps every block whose checksum and decoding hold and
// reports each other block as lost (series, time range, point count). With a damaged header,
// index or footer it walks the file from the first section on, trusting only checksummed section
// headers and blocks: after a damaged stretch it resynchronises on the next valid section header
// or block, and reports what it skipped (with the series and times where they are known, else the
// segment's time range as the manifest gives it). The walk reads format 1 only. A format-2 segment
// that does not open is salvaged by its index when that can still be found and parsed (a damaged
// footer or header leaves it usable), row group by row group; else, as its row groups name no
// series, it is reported lost whole (its time range and point count from the manifest). Never
// writes. Stateless: thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "env.h"
#include "lost_data.h"
#include "point.h"
#include "result.h"

namespace strata {

struct SalvagedSeries {
  uint64_t id;
  std::string key;
  Column points;  // sorted, strictly increasing times
};

struct SegmentSalvage {
  std::vector<SalvagedSeries> series;  // sorted by key, each with at least one point
  std::vector<LostData> lost;
};

// `min_time`, `max_time` and `points`: the segment's time range and point count from its
// manifest entry (points 0: unknown), which bound what an unreadable stretch may have held; a walk
// that recovers all `points` reports no stretch of unknown series (it was the index). IO errors
// only; damage is what the result reports.
[[nodiscard]] Result<SegmentSalvage> SalvageSegment(Env* env, const std::string& path,
                                                    int64_t min_time, int64_t max_time,
                                                    uint64_t points);

}  // namespace strata
