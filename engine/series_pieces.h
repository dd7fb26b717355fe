// A SeriesPiece is one part of a series' points over a time range in one shard snapshot
// (ShardSnapshot::Pieces): the pieces of a range, in time order, hold exactly the points
// ShardSnapshot::Read returns for it. A piece is either one segment block that no other source
// touches within its time range (no other segment's block, no MemStore point, no delete of the
// series), so that its points are the block's own and the block's statistics (block_stats.h)
// describe them; or a span whose points come from a merged read of every source (newest wins on
// equal timestamps, deletes applied). Which pieces a range has depends on the stored data alone,
// never on whether blocks carry statistics. A plain value; it points into the snapshot's segment
// readers, so it is valid while that snapshot lives.
#pragma once

#include <cstddef>
#include <cstdint>

#include "block_stats.h"
#include "segment_reader.h"

namespace strata {

struct SeriesPiece {
  int64_t min_t, max_t;                    // inclusive, within the range asked for
  const SegmentReader* reader = nullptr;   // the block's segment; null for a merged span
  const SeriesIndexEntry* entry = nullptr; // ... its series entry
  size_t block = 0;                        // ... and the block's position in entry->blocks
  // The block's statistics when it has them and lies wholly inside the range (so its points are
  // all in the piece); else null.
  const BlockStats* stats = nullptr;
};

}  // namespace strata
