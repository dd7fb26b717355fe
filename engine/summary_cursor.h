// A SummaryCursor walks a query's points as QueryCursor does (series by series, shard window by
// shard window, in time order, newest source winning on equal timestamps, deletes applied), but
// piece by piece (series_pieces.h), and gives a piece that is one whole segment block with
// statistics as its summary instead of its points when the caller accepts it: what an aggregate
// needs to fold a block that lies wholly inside one of its buckets without decoding it. Every other
// piece comes as its points. The pieces do not depend on which blocks carry statistics, so a fold
// that treats each piece alike gets the same answer with and without them. Reads the snapshots
// taken when the query started. One thread at a time. REQUIRES: the StorageEngine that made the
// snapshot outlives the cursor (SeriesInfo pointers belong to its catalog).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "block_stats.h"
#include "query_cursor.h"
#include "result.h"
#include "series_pieces.h"

namespace strata {

// A whole block of points, summarized.
struct BlockSummary {
  uint32_t count;
  int64_t first_time, last_time;  // of its first and last point
  BlockStats stats;
};

class SummaryCursor {
 public:
  // Whether the caller takes the summary of a block whose points run from `first_time` to
  // `last_time` (e.g. both in one bucket) rather than its points.
  using Accept = std::function<bool(int64_t first_time, int64_t last_time)>;

  // `accept` null: every piece comes as points.
  SummaryCursor(QuerySnapshot snapshot, Accept accept);

  // Moves to the next piece that is a summary or holds points. Returns false at the end; an error
  // (e.g. a corrupt block) ends the cursor.
  [[nodiscard]] Result<bool> Next();
  const SeriesInfo& series() const { return *snap_.series[series_index_]; }
  // The current piece's summary, or null when it comes as points().
  const BlockSummary* summary() const { return summarized_ ? &summary_ : nullptr; }
  const Column& points() const { return points_; }

 private:
  // Plans the pieces of the next (series, shard) pair with any; false at the end.
  Result<bool> NextPieces();

  const QuerySnapshot snap_;
  const Accept accept_;
  size_t series_index_ = 0;
  size_t shard_index_ = 0;  // next shard to plan for series_index_
  const ShardSnapshot* shard_ = nullptr;  // whose pieces_ are being walked
  std::vector<SeriesPiece> pieces_;
  size_t piece_index_ = 0;  // next piece of pieces_
  bool summarized_ = false;
  BlockSummary summary_{};
  Column points_;
};

}  // namespace strata
