// A RowCursor yields the row view of a query (DESIGN section 1): all fields of one tag set at one
// timestamp form a row, a field without a value at that time is absent (NULL in SQL), and a row
// exists when at least one field has a value. Rows come in (tag set key, time) order. For each tag
// set and shard window it reads every field's points from the snapshot and merges them by time, so
// it holds one tag set's window at a time. One thread at a time; REQUIRES: the StorageEngine
// that made it outlives it.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "query_cursor.h"

namespace strata {

class RowCursor {
 public:
  explicit RowCursor(QuerySnapshot snapshot);

  // Moves to the next row; false at the end. An error (a corrupt block) ends the cursor.
  [[nodiscard]] Result<bool> Next();

  int64_t time() const { return time_; }
  // The tag set of the current row (tags, measurement, tagset_key) through any of its series.
  const SeriesInfo& tagset() const { return *snap_.series[group_begin_]; }
  // The series of the current tag set: one per field present in this tag set.
  size_t field_count() const { return group_end_ - group_begin_; }
  const SeriesInfo& field(size_t i) const { return *snap_.series[group_begin_ + i]; }
  // Whether field i has a value in the current row, and where: column(i) at index value_index(i).
  bool has_value(size_t i) const { return present_[i]; }
  const Column& column(size_t i) const { return columns_[i]; }
  size_t value_index(size_t i) const { return pos_[i] - 1; }

 private:
  // Loads the next (tag set, window) with any points. False at the end.
  Result<bool> LoadNextWindow();

  const QuerySnapshot snap_;
  size_t group_begin_ = 0, group_end_ = 0;  // current tag set: series [begin, end)
  size_t shard_index_ = 0;                  // next window to load for the current tag set
  bool started_ = false;
  std::vector<Column> columns_;             // per field of the tag set, this window's points
  std::vector<size_t> pos_;                 // per field, the next unread point
  std::vector<bool> present_;
  int64_t time_ = 0;
};

}  // namespace strata
