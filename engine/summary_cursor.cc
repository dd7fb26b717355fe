#include "summary_cursor.h"

namespace strata {

SummaryCursor::SummaryCursor(QuerySnapshot snapshot, Accept accept)
    : snap_(std::move(snapshot)), accept_(std::move(accept)) {}

Result<bool> SummaryCursor::NextPieces() {
  pieces_.clear();
  piece_index_ = 0;
  while (series_index_ < snap_.series.size()) {
    if (shard_index_ >= snap_.shards.size()) {
      series_index_++;
      shard_index_ = 0;
      continue;
    }
    shard_ = snap_.shards[shard_index_++].get();
    const Status st = shard_->Pieces(series().id, snap_.min_time, snap_.max_time, &pieces_);
    if (!st) {
      series_index_ = snap_.series.size();
      return unexpected(st.error());
    }
    if (!pieces_.empty()) return true;
  }
  return false;
}

Result<bool> SummaryCursor::Next() {
  summarized_ = false;
  while (true) {
    if (piece_index_ >= pieces_.size()) {
      STRATA_ASSIGN_OR_RETURN(bool more, NextPieces());
      if (!more) return false;
    }
    const SeriesPiece& p = pieces_[piece_index_++];
    if (p.stats != nullptr && accept_) {
      const BlockRef& b = p.entry->blocks[p.block];
      if (accept_(b.min_time, b.max_time)) {
        summary_ = BlockSummary{b.count, b.min_time, b.max_time, *p.stats};
        summarized_ = true;
        return true;
      }
    }
    points_.clear();
    points_.type = series().type;
    if (const Status st = shard_->ReadPiece(series().id, p, &points_); !st) {
      series_index_ = snap_.series.size();
      pieces_.clear();
      return unexpected(st.error());
    }
    if (!points_.empty()) return true;
  }
}

}  // namespace strata
