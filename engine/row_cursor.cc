#include "row_cursor.h"

#include <algorithm>

namespace strata {

QuerySnapshot RowCursor::OrderTagSets(QuerySnapshot snapshot,
                                      const std::vector<std::string>& keys) {
  if (keys.empty()) return snapshot;
  auto& series = snapshot.series;
  std::vector<std::pair<size_t, size_t>> groups;  // [begin, end) of each tag set's series
  for (size_t i = 0; i < series.size(); i++) {
    if (i == 0 || series[i]->tagset_id != series[i - 1]->tagset_id) groups.emplace_back(i, i);
    groups.back().second = i + 1;
  }
  auto value = [](const SeriesInfo* s, const std::string& key) -> const std::string* {
    for (const Tag& t : s->tags) {
      if (t.key == key) return &t.value;
    }
    return nullptr;
  };
  std::stable_sort(groups.begin(), groups.end(), [&](const auto& a, const auto& b) {
    for (const std::string& key : keys) {
      const std::string* va = value(series[a.first], key);
      const std::string* vb = value(series[b.first], key);
      if (vb == nullptr) {
        if (va != nullptr) return false;
        continue;
      }
      if (va == nullptr) return true;
      if (const int c = va->compare(*vb); c != 0) return c < 0;
    }
    return false;
  });
  std::vector<const SeriesInfo*> ordered;
  ordered.reserve(series.size());
  for (const auto& [begin, end] : groups) {
    ordered.insert(ordered.end(), series.begin() + begin, series.begin() + end);
  }
  series = std::move(ordered);
  return snapshot;
}

RowCursor::RowCursor(QuerySnapshot snapshot, RowOptions options) {
  Restart(std::move(snapshot), std::move(options));
}

void RowCursor::Restart(QuerySnapshot snapshot, RowOptions options) {
  snap_ = OrderTagSets(std::move(snapshot), options.tagset_order);
  options_ = std::move(options);
  const auto& series = snap_.series;
  const auto& presence = options_.presence_only;
  times_only_.resize(series.size());
  tagset_count_ = 0;
  for (size_t i = 0; i < series.size(); i++) {
    if (i == 0 || series[i]->tagset_id != series[i - 1]->tagset_id) tagset_count_++;
    times_only_[i] = std::find(presence.begin(), presence.end(), series[i]->field) != presence.end();
  }
  group_begin_ = group_end_ = 0;
  started_ = false;
  done_ = false;
  windows_left_ = 0;
  slice_edge_ = 0;
  rows_in_tagset_ = 0;
  time_ = 0;
  aligned_ = false;
  aligned_times_ = nullptr;
  aligned_pos_ = aligned_index_ = 0;
  // The columns keep their buffers for the next tag set's reads, unless a long read left them big;
  // nothing of them is unread.
  for (Column& c : columns_) {
    c.clear();
    if (c.times.capacity() > kKeptColumnPoints) c = Column();
  }
  std::fill(pos_.begin(), pos_.end(), 0);
}

bool RowCursor::NextTagSet() {
  const auto& series = snap_.series;
  if (started_) group_begin_ = group_end_;
  started_ = true;
  if (group_begin_ >= series.size()) return false;
  group_end_ = group_begin_ + 1;
  while (group_end_ < series.size() &&
         series[group_end_]->tagset_id == series[group_begin_]->tagset_id) {
    group_end_++;
  }
  const size_t n = group_end_ - group_begin_;
  aligned_ = false;
  columns_.resize(n);
  pos_.assign(n, 0);
  index_.assign(n, 0);
  present_.assign(n, 0);
  for (size_t i = 0; i < n; i++) {
    columns_[i].clear();
    columns_[i].type = series[group_begin_ + i]->type;
    columns_[i].times_only = times_only_[group_begin_ + i] != 0;
  }
  windows_left_ = snap_.shards.size();
  slice_edge_ = options_.descending ? snap_.max_time : snap_.min_time;
  rows_in_tagset_ = 0;
  return true;
}

void RowCursor::SkipRestOfTagSet() {
  windows_left_ = 0;
  for (Column& c : columns_) c.clear();
  std::fill(pos_.begin(), pos_.end(), 0);
  aligned_ = false;
}

void RowCursor::CheckAligned() {
  aligned_ = false;
  const Column* first = nullptr;
  for (const Column& c : columns_) {
    if (c.empty()) continue;
    if (first == nullptr) {
      first = &c;
    } else if (c.size() != first->size() ||
               !std::equal(c.times.begin(), c.times.end(), first->times.begin())) {
      return;
    }
  }
  if (first == nullptr) return;
  aligned_ = true;
  aligned_times_ = first;
  aligned_pos_ = options_.descending ? first->size() : 0;
  for (size_t i = 0; i < columns_.size(); i++) present_[i] = !columns_[i].empty();
}

Result<bool> RowCursor::ReadFields(const ShardSnapshot& shard, int64_t min_t, int64_t max_t) {
  bool any = false;
  for (size_t i = 0; i < columns_.size(); i++) {
    columns_[i].clear();
    const uint64_t id = snap_.series[group_begin_ + i]->id;
    STRATA_RETURN_IF_ERROR(shard.Read(id, min_t, max_t, &columns_[i]));
    pos_[i] = options_.descending ? columns_[i].size() : 0;
    any |= !columns_[i].empty();
  }
  CheckAligned();
  return any;
}

bool RowCursor::ReadNewestFields(const ShardSnapshot& shard, bool* any) {
  *any = false;
  for (size_t i = 0; i < columns_.size(); i++) {
    columns_[i].clear();
    const uint64_t id = snap_.series[group_begin_ + i]->id;
    if (!shard.ReadNewest(id, snap_.min_time, snap_.max_time, &columns_[i])) {
      aligned_ = false;
      return false;
    }
    pos_[i] = columns_[i].size();
    *any |= !columns_[i].empty();
  }
  CheckAligned();
  return true;
}

int64_t RowCursor::KeepNewestRow() {
  int64_t newest = INT64_MIN;
  for (const Column& c : columns_) {
    if (!c.empty()) newest = std::max(newest, c.times.back());
  }
  for (size_t i = 0; i < columns_.size(); i++) {
    if (!columns_[i].empty() && columns_[i].times.back() != newest) columns_[i].clear();
    pos_[i] = columns_[i].size();
  }
  CheckAligned();
  return newest;
}

Result<bool> RowCursor::LoadNextWindow() {
  while (true) {
    if (windows_left_ == 0 && !NextTagSet()) return false;
    if (windows_left_ == 0) continue;  // no shards
    const ShardSnapshot& shard = *snap_.shards[snap_.shards.size() - windows_left_];
    const int64_t lo = slice_edge_;
    int64_t hi = snap_.max_time;
    if (options_.limit_per_tagset != 0) {
      for (size_t i = group_begin_; i < group_end_; i++) {
        const std::optional<int64_t> end = shard.EarliestBlockEnd(snap_.series[i]->id, lo);
        if (end && *end < hi) hi = *end;
      }
    }
    if (hi == snap_.max_time) {  // the window's last slice
      windows_left_--;
      slice_edge_ = snap_.min_time;
    } else {
      slice_edge_ = hi + 1;
    }
    STRATA_ASSIGN_OR_RETURN(bool any, ReadFields(shard, lo, hi));
    if (any) return true;
  }
}

Result<bool> RowCursor::LoadPrevSlice() {
  while (true) {
    if (windows_left_ == 0 && !NextTagSet()) return false;
    if (windows_left_ == 0) continue;  // no shards
    const ShardSnapshot& shard = *snap_.shards[windows_left_ - 1];
    const int64_t hi = slice_edge_;
    bool any = false;
    if (hi == snap_.max_time && ReadNewestFields(shard, &any)) {
      if (!any || options_.limit_per_tagset == 1) {
        windows_left_--;  // the window's newest row, if any, is all the tag set needs of it
        if (any) return true;
        continue;
      }
      // The newest row comes from what is loaded; the rest of the window is read in slices below
      // its time.
      const int64_t newest = KeepNewestRow();
      if (newest == snap_.min_time) {
        windows_left_--;
        slice_edge_ = snap_.max_time;
      } else {
        slice_edge_ = newest - 1;
      }
      return true;
    }
    int64_t lo = snap_.min_time;
    for (size_t i = group_begin_; i < group_end_; i++) {
      const std::optional<int64_t> start = shard.LatestBlockStart(snap_.series[i]->id, hi);
      if (start && *start > lo) lo = *start;
    }
    if (lo == snap_.min_time) {  // the window's last slice
      windows_left_--;
      slice_edge_ = snap_.max_time;
    } else {
      slice_edge_ = lo - 1;
    }
    STRATA_ASSIGN_OR_RETURN(any, ReadFields(shard, lo, hi));
    if (any) return true;
  }
}

bool RowCursor::NextRowForward() {
  if (aligned_) {
    if (aligned_pos_ >= aligned_times_->size()) return false;
    aligned_index_ = aligned_pos_++;
    time_ = aligned_times_->times[aligned_index_];
    return true;
  }
  int64_t t = 0;
  bool found = false;
  for (size_t i = 0; i < columns_.size(); i++) {
    if (pos_[i] < columns_[i].size() && (!found || columns_[i].times[pos_[i]] < t)) {
      t = columns_[i].times[pos_[i]];
      found = true;
    }
  }
  if (!found) return false;
  time_ = t;
  for (size_t i = 0; i < columns_.size(); i++) {
    present_[i] = pos_[i] < columns_[i].size() && columns_[i].times[pos_[i]] == t;
    if (present_[i]) index_[i] = pos_[i]++;
  }
  return true;
}

bool RowCursor::NextRowBackward() {
  if (aligned_) {
    if (aligned_pos_ == 0) return false;
    aligned_index_ = --aligned_pos_;
    time_ = aligned_times_->times[aligned_index_];
    return true;
  }
  int64_t t = 0;
  bool found = false;
  for (size_t i = 0; i < columns_.size(); i++) {
    if (pos_[i] > 0 && (!found || columns_[i].times[pos_[i] - 1] > t)) {
      t = columns_[i].times[pos_[i] - 1];
      found = true;
    }
  }
  if (!found) return false;
  time_ = t;
  for (size_t i = 0; i < columns_.size(); i++) {
    present_[i] = pos_[i] > 0 && columns_[i].times[pos_[i] - 1] == t;
    if (present_[i]) index_[i] = --pos_[i];
  }
  return true;
}

Result<size_t> RowCursor::NextBlock(size_t max) {
  STRATA_ASSIGN_OR_RETURN(bool more, Next());
  if (!more) return 0;
  if (!aligned_ || options_.descending) return 1;
  // Next() took the block's first row of the aligned window: take more of its rows, within the
  // window and the tag set's limit.
  size_t n = std::min(max, aligned_times_->size() - aligned_index_);
  const size_t limit = options_.limit_per_tagset;
  if (limit != 0) n = std::min(n, limit - rows_in_tagset_ + 1);
  aligned_pos_ = aligned_index_ + n;
  rows_in_tagset_ += n - 1;
  return n;
}

Result<bool> RowCursor::Next() {
  const size_t limit = options_.limit_per_tagset;
  while (!done_) {
    if (limit != 0 && rows_in_tagset_ >= limit) {
      SkipRestOfTagSet();
    } else if (options_.descending ? NextRowBackward() : NextRowForward()) {
      rows_in_tagset_++;
      return true;
    }
    auto loaded = options_.descending ? LoadPrevSlice() : LoadNextWindow();
    if (loaded && *loaded) continue;
    done_ = true;
    for (Column& c : columns_) c.clear();
    if (!loaded) return unexpected(loaded.error());
  }
  return false;
}

}  // namespace strata
