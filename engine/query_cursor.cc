#include "query_cursor.h"

namespace strata {

QueryCursor::QueryCursor(QuerySnapshot snapshot) : snap_(std::move(snapshot)) {}

Result<bool> QueryCursor::Next() {
  while (series_index_ < snap_.series.size()) {
    if (shard_index_ >= snap_.shards.size()) {
      series_index_++;
      shard_index_ = 0;
      continue;
    }
    const SeriesInfo& s = *snap_.series[series_index_];
    points_.clear();
    points_.type = s.type;
    const ShardSnapshot& shard = *snap_.shards[shard_index_++];
    if (auto st = shard.Read(s.id, snap_.min_time, snap_.max_time, &points_); !st) {
      series_index_ = snap_.series.size();
      return unexpected(st.error());
    }
    if (!points_.empty()) return true;
  }
  return false;
}

}  // namespace strata
