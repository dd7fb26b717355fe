// A RowCursor yields the row view of a query (engine/README.md, section 1): all fields of one tag
// set at one timestamp form a row, a field without a value at that time is absent (NULL in SQL),
// and a row exists when at least one field has a value. Rows come in tag set key order and, within
// a tag set, by time: ascending, or newest first with RowOptions::descending.
//
// Ascending, it reads each tag set's fields one whole shard window at a time and merges them by
// time. Descending, it walks the windows newest first and each window in time slices going
// backwards, so that the newest rows cost about one decoded block per field and segment: a slice
// [lo, hi] starts at the latest segment block start <= hi among the tag set's fields
// (ShardSnapshot::LatestBlockStart), or at the query's min_time when there is none; the next slice
// ends at lo - 1. Either way it holds one tag set's window (or slice) at a time.
//
// With RowOptions::limit_per_tagset, the cursor leaves a tag set as soon as it has returned that
// many of its rows, without reading the rest of it; ascending then reads forward slices too (a
// slice ends at the earliest segment block end >= its start, ShardSnapshot::EarliestBlockEnd), so
// the first rows of a tag set cost about one block per field and segment in either direction.
// Descending, each window first asks for every field's newest point (ShardSnapshot::ReadNewest),
// which reads no block once the segments know their series' newest values: the window's newest row
// comes from those, and only the rows after it are read in slices (below its time). So "the
// newest row of every tag set" (limit 1), or a caller that stops after the first row, reads no
// block at all; the window is read in slices from the start only when ReadNewest cannot answer.
//
// With RowOptions::tagset_order the tag sets come in the order of the given tags' values instead.
//
// One thread at a time; REQUIRES: the StorageEngine that made it outlives it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "query_cursor.h"

namespace strata {

struct RowOptions {
  // Within each tag set, newest row first. Tag sets keep their order.
  bool descending = false;
  // Names of fields of which the caller needs only whether they have a value in a row. Their
  // columns are times-only (point.h), so segment blocks' values are not decoded: has_value() is
  // exact, but column() holds no value for them. Rows are the same as without this option.
  std::vector<std::string> presence_only;
  // At most this many rows per tag set (0: no limit): the first ones in the cursor's order, as
  // if each tag set's rows were truncated, but the rest of the tag set is never read.
  size_t limit_per_tagset = 0;
  // Tag keys: tag sets come ordered by their values of these keys (bytewise; a tag set without
  // the key sorts before every value), the first key first, and by tag set key among equals,
  // instead of by tag set key alone.
  std::vector<std::string> tagset_order;
};

class RowCursor {
 public:
  explicit RowCursor(QuerySnapshot snapshot, RowOptions options = {});

  // Starts over as a new cursor of `snapshot` and `options` would, reusing this one's buffers (a
  // client running many small queries, such as a join's lookups, saves their allocations).
  void Restart(QuerySnapshot snapshot, RowOptions options = {});

  // Moves to the next row; false at the end. An error (a corrupt block) ends the cursor.
  [[nodiscard]] Result<bool> Next();
  // Moves to the next block: up to `max` (>= 1) consecutive rows of one tag set in which each field
  // has a value in every row or in none, and returns how many (0 at the end). Ascending reads of
  // a window whose fields share their times give long blocks; other rows come one per block. The
  // block's first row is the current row (time(), value_index()); row k of the block has time
  // block_times()[k] and field i's value at column(i) index value_index(i) + k. Next() and
  // NextBlock() may be mixed: each continues after what the other returned.
  [[nodiscard]] Result<size_t> NextBlock(size_t max);
  const int64_t* block_times() const {
    return aligned_ ? aligned_times_->times.data() + aligned_index_ : &time_;
  }

  int64_t time() const { return time_; }
  // The tag set of the current row (tags, measurement, tagset_key) through any of its series.
  const SeriesInfo& tagset() const { return *snap_.series[group_begin_]; }
  // The series of the current tag set: one per field present in this tag set.
  size_t field_count() const { return group_end_ - group_begin_; }
  const SeriesInfo& field(size_t i) const { return *snap_.series[group_begin_ + i]; }
  // The number of tag sets the query matched (each has a series of a requested field; some may
  // have no row in the time range).
  size_t tagset_count() const { return tagset_count_; }
  // Whether field i has a value in the current row, and where: column(i) at index value_index(i)
  // (no value when column(i).times_only, i.e. the field is in RowOptions::presence_only).
  bool has_value(size_t i) const { return present_[i] != 0; }
  const Column& column(size_t i) const { return columns_[i]; }
  size_t value_index(size_t i) const { return aligned_ ? aligned_index_ : index_[i]; }

 private:
  // `snapshot` with its series' tag sets in the order RowOptions::tagset_order asks for (as it is
  // when that is empty). Series of one tag set stay together and keep their order.
  static QuerySnapshot OrderTagSets(QuerySnapshot snapshot, const std::vector<std::string>& keys);
  // Moves to the next tag set and prepares its columns. False at the end.
  bool NextTagSet();
  // Reads every field of the current tag set in [min_t, max_t] from `shard` into columns_ and
  // rewinds pos_. Whether any field has a point.
  Result<bool> ReadFields(const ShardSnapshot& shard, int64_t min_t, int64_t max_t);
  // Descending, at the start of a window: loads each field's newest point of `shard` in the
  // query's range (ShardSnapshot::ReadNewest) into columns_ and rewinds pos_; what the window's
  // newest row needs. False when some field's point cannot be known that way, and the window is
  // to be read in slices. *any: whether any field has one.
  bool ReadNewestFields(const ShardSnapshot& shard, bool* any);
  // After ReadNewestFields found points: keeps only those of the newest row (the others may have
  // newer points of other fields before them) and returns its time.
  int64_t KeepNewestRow();
  // Drops what is loaded of the current tag set and the windows it has left, so that the next
  // load moves to the next tag set.
  void SkipRestOfTagSet();
  // Ascending: loads the next (tag set, window) with any points, or with limit_per_tagset the
  // next (tag set, window, slice). False at the end.
  Result<bool> LoadNextWindow();
  // Descending: loads the next (tag set, window, slice) with any points. False at the end.
  Result<bool> LoadPrevSlice();
  // Sets aligned_ after a load: whether every loaded column with points has the same times.
  // Then each row has all of those fields at one index, and the rows are a walk of that index
  // instead of a merge (the common case: fields written together, row by row).
  void CheckAligned();
  // The next row of the loaded columns, smallest / largest time first. False when they are used up.
  bool NextRowForward();
  bool NextRowBackward();

  // Restart keeps columns of up to this many points' capacity (a point read's, a short range's).
  static constexpr size_t kKeptColumnPoints = 4096;

  QuerySnapshot snap_;
  RowOptions options_;
  std::vector<uint8_t> times_only_;  // per snap_.series: in options_.presence_only
  size_t tagset_count_ = 0;
  size_t group_begin_ = 0, group_end_ = 0;  // current tag set: series [begin, end)
  bool started_ = false;
  bool done_ = false;
  size_t windows_left_ = 0;  // windows of the current tag set not read to their end
  // The bound of the next slice of the current window: descending its upper bound, ascending
  // (sliced only with limit_per_tagset) its lower bound.
  int64_t slice_edge_ = 0;
  size_t rows_in_tagset_ = 0;    // rows of the current tag set returned so far
  std::vector<Column> columns_;  // per field of the tag set, this window's (slice's) points
  // Per field, the unread points: ascending [pos_, size), descending [0, pos_).
  std::vector<size_t> pos_;
  std::vector<size_t> index_;  // per field, the current row's value index (when present)
  std::vector<uint8_t> present_;
  int64_t time_ = 0;
  // With aligned_, pos_ and index_ are unused: the loaded rows are the points of the column
  // aligned_times_ (unread: ascending [aligned_pos_, size), descending [0, aligned_pos_)), present_
  // is fixed for them, and every field's value index is aligned_index_.
  bool aligned_ = false;
  const Column* aligned_times_ = nullptr;
  size_t aligned_pos_ = 0;
  size_t aligned_index_ = 0;
};

}  // namespace strata
