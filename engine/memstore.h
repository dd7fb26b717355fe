// A MemStore is a shard's in-memory table: series ID -> the points written to it since the last
// freeze, with a running estimate of the heap it holds. Points are appended in arrival order; a series
// that received an out-of-order or duplicate timestamp is sorted (last write wins) lazily, on its next
// read or when the MemStore is sealed. The shard freezes a full MemStore with Seal(), after which it is
// immutable and flushed to a segment in the background.
// Thread-safety: an active MemStore is guarded by its shard's mutex (even Read() sorts in place); a
// sealed one is immutable and its const methods may be called from any thread.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "point.h"

namespace strata {

class MemStore {
 public:
  // Appends the points of one series. REQUIRES: not sealed; one value type per series.
  void Add(uint64_t series_id, const Column& points);
  // Removes the series' points with min_t <= time <= max_t. REQUIRES: not sealed.
  void Erase(uint64_t series_id, int64_t min_t, int64_t max_t);
  // Appends the series' points in [min_t, max_t] to *out (of the series' type, which it sets),
  // sorted and deduplicated. False when the MemStore holds no points of the series. REQUIRES: not
  // sealed (use ReadSealed after Seal).
  bool Read(uint64_t series_id, int64_t min_t, int64_t max_t, Column* out);

  // Sorts every series; the MemStore is immutable from here on.
  void Seal();
  bool sealed() const { return sealed_; }
  bool ReadSealed(uint64_t series_id, int64_t min_t, int64_t max_t, Column* out) const;
  // The sorted points of one series. REQUIRES: sealed. nullptr when absent.
  const Column* SealedSeries(uint64_t series_id) const;

  std::vector<uint64_t> SeriesIds() const;
  size_t ApproximateBytes() const { return bytes_; }
  uint64_t point_count() const { return points_; }
  bool empty() const { return points_ == 0; }

  // LSNs of the first and last WAL records applied; 0 when none. Set by the shard.
  uint64_t first_lsn = 0;
  uint64_t last_lsn = 0;

 private:
  struct Series {
    Column points;
    bool sorted = true;  // strictly increasing times
  };
  static constexpr size_t kSeriesOverhead = sizeof(Series) + 64;  // map node and bucket

  std::unordered_map<uint64_t, Series> series_;
  size_t bytes_ = 0;
  uint64_t points_ = 0;
  bool sealed_ = false;
};

}  // namespace strata
