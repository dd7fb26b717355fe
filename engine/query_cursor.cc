#include "query_cursor.h"

namespace strata {

QueryCursor::QueryCursor(std::vector<const SeriesInfo*> series,
                         std::vector<std::shared_ptr<ShardSnapshot>> shards, int64_t min_t,
                         int64_t max_t)
    : series_(std::move(series)), shards_(std::move(shards)), min_t_(min_t), max_t_(max_t) {}

Result<bool> QueryCursor::Next() {
  while (series_index_ < series_.size()) {
    if (shard_index_ >= shards_.size()) {
      series_index_++;
      shard_index_ = 0;
      continue;
    }
    const SeriesInfo& s = *series_[series_index_];
    points_.clear();
    points_.type = s.type;
    const ShardSnapshot& shard = *shards_[shard_index_++];
    if (auto st = shard.Read(s.id, min_t_, max_t_, &points_); !st) {
      series_index_ = series_.size();
      return unexpected(st.error());
    }
    if (!points_.empty()) return true;
  }
  return false;
}

}  // namespace strata
