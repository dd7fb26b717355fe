// A QueryCursor walks the result of a query, one chunk at a time: the points of one series inside
// one shard window, in (series key, time) order, newest source winning on equal timestamps and
// deletes applied. It reads from the snapshots taken when the query started, so writes, flushes and
// compactions that happen meanwhile do not disturb it. One thread at a time.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "catalog.h"
#include "result.h"
#include "shard.h"

namespace strata {

struct QueryRequest {
  std::string measurement;
  std::vector<TagFilter> tags;      // all must match
  std::vector<std::string> fields;  // empty: every field
  int64_t min_time = std::numeric_limits<int64_t>::min();  // inclusive
  int64_t max_time = std::numeric_limits<int64_t>::max();  // inclusive
};

class QueryCursor {
 public:
  QueryCursor(std::vector<const SeriesInfo*> series, std::vector<std::shared_ptr<ShardSnapshot>> shards,
              int64_t min_t, int64_t max_t);

  // Moves to the next non-empty chunk. Returns false at the end; an error (e.g. a corrupt block)
  // ends the cursor.
  [[nodiscard]] Result<bool> Next();
  const SeriesInfo& series() const { return *series_[series_index_]; }
  const Column& points() const { return points_; }
  // The series the cursor will visit, in order.
  const std::vector<const SeriesInfo*>& all_series() const { return series_; }

 private:
  std::vector<const SeriesInfo*> series_;                 // sorted by key
  std::vector<std::shared_ptr<ShardSnapshot>> shards_;    // in time order
  int64_t min_t_, max_t_;
  size_t series_index_ = 0;
  size_t shard_index_ = 0;  // next shard to read for series_index_
  Column points_;
};

}  // namespace strata
