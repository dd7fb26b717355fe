// ShardSnapshot::Pieces and ReadPiece (shard.h, series_pieces.h): where a series' points in a
// snapshot come from one block alone, and where sources overlap.
#include <algorithm>

#include "shard.h"

namespace strata {
namespace {

// A time range [lo, hi] in which one source has (or, for a delete, hides) points of the series:
// a segment block (`reader` set) or anything else (a MemStore's points, a delete).
struct SourceSpan {
  int64_t lo, hi;
  const SegmentReader* reader = nullptr;
  const SeriesIndexEntry* entry = nullptr;
  size_t block = 0;
};

// Adds the span of a column's points in [min_t, max_t] (times sorted), if any.
void AddColumnSpan(const std::vector<int64_t>& times, int64_t min_t, int64_t max_t,
                   std::vector<SourceSpan>* spans) {
  auto first = std::lower_bound(times.begin(), times.end(), min_t);
  auto end = std::upper_bound(first, times.end(), max_t);
  if (first != end) spans->push_back(SourceSpan{*first, *(end - 1)});
}

}  // namespace

Status ShardSnapshot::Pieces(uint64_t series_id, int64_t min_t, int64_t max_t,
                             std::vector<SeriesPiece>* out) const {
  if (damage_) return unexpected(*damage_);
  min_t = std::max(min_t, min_t_);
  max_t = std::min(max_t, max_t_);
  if (min_t > max_t) return OkStatus();
  std::vector<SourceSpan> spans;
  for (const SegmentSource& s : segments_) {
    const SeriesIndexEntry* e = s.reader->Find(series_id);
    if (e == nullptr || e->max_time < min_t || e->min_time > max_t) continue;
    auto it = std::lower_bound(e->blocks.begin(), e->blocks.end(), min_t,
                               [](const BlockRef& b, int64_t t) { return b.max_time < t; });
    for (; it != e->blocks.end() && it->min_time <= max_t; ++it) {
      spans.push_back(SourceSpan{std::max(it->min_time, min_t), std::min(it->max_time, max_t),
                                 s.reader.get(), e,
                                 static_cast<size_t>(it - e->blocks.begin())});
    }
  }
  for (const auto& f : frozen_) {
    if (const Column* c = f->SealedSeries(series_id)) AddColumnSpan(c->times, min_t, max_t, &spans);
  }
  if (auto a = active_.find(series_id); a != active_.end()) {
    AddColumnSpan(a->second.times, min_t, max_t, &spans);
  }
  if (auto ts = tombstones_.find(series_id); ts != tombstones_.end()) {
    for (const Tombstone& t : ts->second) {
      if (t.max_time < min_t || t.min_time > max_t) continue;
      spans.push_back(SourceSpan{std::max(t.min_time, min_t), std::min(t.max_time, max_t)});
    }
  }
  std::sort(spans.begin(), spans.end(),
            [](const SourceSpan& a, const SourceSpan& b) { return a.lo < b.lo; });
  // Clusters of spans that overlap (closed ranges); a cluster of one block is a block piece.
  for (size_t i = 0; i < spans.size();) {
    size_t j = i + 1;
    int64_t hi = spans[i].hi;
    while (j < spans.size() && spans[j].lo <= hi) hi = std::max(hi, spans[j++].hi);
    SeriesPiece p{spans[i].lo, hi};
    if (j == i + 1 && spans[i].reader != nullptr) {
      const SourceSpan& s = spans[i];
      const BlockRef& b = s.entry->blocks[s.block];
      p.reader = s.reader;
      p.entry = s.entry;
      p.block = s.block;
      if (b.min_time >= min_t && b.max_time <= max_t) p.stats = s.reader->Stats(b);
    }
    out->push_back(p);
    i = j;
  }
  return OkStatus();
}

Status ShardSnapshot::ReadPiece(uint64_t series_id, const SeriesPiece& piece, Column* out) const {
  if (piece.reader == nullptr) return Read(series_id, piece.min_t, piece.max_t, out);
  uint64_t fill_left = cache_fill_left_.load(std::memory_order_relaxed);
  Status st = piece.reader->Read(*piece.entry, piece.min_t, piece.max_t, out, block_cache_.get(),
                                 &fill_left);
  cache_fill_left_.store(fill_left, std::memory_order_relaxed);
  return st;
}

}  // namespace strata
