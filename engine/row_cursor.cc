#include "row_cursor.h"

namespace strata {

RowCursor::RowCursor(QuerySnapshot snapshot) : snap_(std::move(snapshot)) {}

Result<bool> RowCursor::LoadNextWindow() {
  const auto& series = snap_.series;
  while (true) {
    if (!started_ || shard_index_ >= snap_.shards.size()) {
      if (started_) group_begin_ = group_end_;
      started_ = true;
      if (group_begin_ >= series.size()) return false;
      group_end_ = group_begin_ + 1;
      while (group_end_ < series.size() &&
             series[group_end_]->tagset_key == series[group_begin_]->tagset_key) {
        group_end_++;
      }
      shard_index_ = 0;
      if (snap_.shards.empty()) continue;
    }
    const ShardSnapshot& shard = *snap_.shards[shard_index_++];
    const size_t n = group_end_ - group_begin_;
    columns_.resize(n);
    pos_.assign(n, 0);
    present_.assign(n, false);
    bool any = false;
    for (size_t i = 0; i < n; i++) {
      columns_[i].clear();
      columns_[i].type = series[group_begin_ + i]->type;
      STRATA_RETURN_IF_ERROR(
          shard.Read(series[group_begin_ + i]->id, snap_.min_time, snap_.max_time, &columns_[i]));
      any |= !columns_[i].empty();
    }
    if (any) return true;
  }
}

Result<bool> RowCursor::Next() {
  while (true) {
    int64_t t = INT64_MAX;
    bool found = false;
    for (size_t i = 0; i < columns_.size(); i++) {
      if (pos_[i] < columns_[i].size() && (!found || columns_[i].times[pos_[i]] < t)) {
        t = columns_[i].times[pos_[i]];
        found = true;
      }
    }
    if (found) {
      time_ = t;
      for (size_t i = 0; i < columns_.size(); i++) {
        present_[i] = pos_[i] < columns_[i].size() && columns_[i].times[pos_[i]] == t;
        if (present_[i]) pos_[i]++;
      }
      return true;
    }
    auto loaded = LoadNextWindow();
    if (!loaded) {
      columns_.clear();
      group_begin_ = group_end_ = snap_.series.size();
      started_ = true;
      shard_index_ = snap_.shards.size();
      return unexpected(loaded.error());
    }
    if (!*loaded) {
      columns_.clear();
      return false;
    }
  }
}

}  // namespace strata
