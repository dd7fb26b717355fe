// A QueryCursor walks the result of a query, one chunk at a time: the points of one series inside
// one shard window, in (series key, time) order, newest source winning on equal timestamps and
// deletes applied. It reads from the snapshots taken when the query started, so writes, flushes and
// compactions that happen meanwhile do not disturb it. One thread at a time. REQUIRES: the
// StorageEngine that made it outlives it (SeriesInfo pointers belong to its catalog).
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

// What a query reads: the matching series, sorted by key (so the fields of one tag set are
// adjacent), and a snapshot of every shard the time range touches, in time order.
struct QuerySnapshot {
  std::vector<const SeriesInfo*> series;
  std::vector<std::shared_ptr<ShardSnapshot>> shards;
  int64_t min_time = std::numeric_limits<int64_t>::min();
  int64_t max_time = std::numeric_limits<int64_t>::max();
};

class QueryCursor {
 public:
  explicit QueryCursor(QuerySnapshot snapshot);

  // Moves to the next non-empty chunk. Returns false at the end; an error (e.g. a corrupt block)
  // ends the cursor.
  [[nodiscard]] Result<bool> Next();
  const SeriesInfo& series() const { return *snap_.series[series_index_]; }
  const Column& points() const { return points_; }
  // The series the cursor will visit, in order.
  const std::vector<const SeriesInfo*>& all_series() const { return snap_.series; }

 private:
  const QuerySnapshot snap_;
  size_t series_index_ = 0;
  size_t shard_index_ = 0;  // next shard to read for series_index_
  Column points_;
};

}  // namespace strata
