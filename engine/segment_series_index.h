// SegmentSeriesIndex is a segment's in-memory index (what SegmentReader::Open parses): one
// SeriesIndexEntry per series, sorted by key, whose key and blocks are views into two buffers the
// index owns: every key back to back in one character buffer, every BlockRef in one array, each
// series' blocks contiguous. A series thus costs its entry, its key's bytes and its blocks, with
// no allocation of its own (an entry with a std::string key and a std::vector of blocks cost two
// allocations and about twice the memory; at a million series that was most of an open segment).
//
// Built in two steps: Add/AddBlocks/MutableEntry while parsing (entries' key and blocks are not
// set yet; Key and Blocks give them by position), then Finish, which points every entry's views
// into the buffers. After Finish the index is immutable; moving it keeps the views valid (the
// buffers are vectors, whose moves keep their storage). Not thread-safe while built; after Finish,
// const access from any thread is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "block_stats.h"
#include "point.h"

namespace strata {

// 40 bytes (a reader holds one per block of each series): keep the members in this order.
struct BlockRef {
  uint64_t offset;             // file offset of the block's encoding byte (format 2: row group)
  int64_t min_time, max_time;  // first and last timestamp, inclusive
  uint32_t count;              // points, 1..kMaxBlockPoints
  // Format 2 only (0 in format 1): the row group's bytes, this series' value column in it, and
  // the group's number of value columns.
  uint32_t length = 0;
  uint16_t slot = 0;
  uint16_t slots = 0;
  // Format 3 only: this field's BlockStats in the index's stats (block_stats.h), or kNoStats.
  static constexpr uint32_t kNoStats = UINT32_MAX;
  uint32_t stats = kNoStats;
};
static_assert(sizeof(BlockRef) == 40);

// A view of a series' blocks (contiguous BlockRefs owned by a SegmentSeriesIndex): what a
// std::vector<BlockRef> offers for reading.
class BlockSpan {
 public:
  BlockSpan() = default;
  BlockSpan(const BlockRef* data, size_t size) : data_(data), size_(size) {}
  const BlockRef* begin() const { return data_; }
  const BlockRef* end() const { return data_ + size_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const BlockRef& operator[](size_t k) const { return data_[k]; }
  const BlockRef& front() const { return data_[0]; }
  const BlockRef& back() const { return data_[size_ - 1]; }

 private:
  const BlockRef* data_ = nullptr;
  size_t size_ = 0;
};

struct SeriesIndexEntry {
  uint64_t id;
  std::string_view key;  // in the owning SegmentSeriesIndex's key buffer
  ValueType type;
  uint64_t section_offset;  // file offset of the section header (format 2: of its first group)
  uint64_t point_count;
  int64_t min_time, max_time;  // inclusive
  BlockSpan blocks;            // in time order, non-overlapping; in the owning SegmentSeriesIndex
};

class SegmentSeriesIndex {
 public:
  SegmentSeriesIndex() = default;
  SegmentSeriesIndex(SegmentSeriesIndex&&) = default;
  SegmentSeriesIndex& operator=(SegmentSeriesIndex&&) = default;
  SegmentSeriesIndex(const SegmentSeriesIndex&) = delete;
  SegmentSeriesIndex& operator=(const SegmentSeriesIndex&) = delete;

  // Building. Reserve is a hint (series, key bytes, blocks).
  void Reserve(size_t series, size_t key_bytes, size_t blocks);
  // Appends a series whose key is key_head followed by key_tail; returns its position. The caller
  // sets the entry's other fields through MutableEntry.
  size_t Add(uint64_t id, std::string_view key_head, std::string_view key_tail, ValueType type);
  // Gives series `s` (which has no blocks yet) n contiguous blocks, value-initialised; returns the
  // position of the first in the block array (MutableBlock reaches them).
  size_t AddBlocks(size_t s, size_t n);
  SeriesIndexEntry& MutableEntry(size_t s) { return entries_[s]; }
  BlockRef& MutableBlock(size_t b) { return blocks_[b]; }
  std::vector<BlockStats>* mutable_stats() { return &stats_; }
  // Valid while building and after (a view that the next Add may invalidate while building).
  std::string_view Key(size_t s) const;
  BlockSpan Blocks(size_t s) const;
  // Points every entry's key and blocks into the buffers; gives back spare capacity of more than
  // an eighth of a buffer.
  void Finish();

  // After Finish.
  const std::vector<SeriesIndexEntry>& entries() const { return entries_; }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  const SeriesIndexEntry& operator[](size_t s) const { return entries_[s]; }
  const std::vector<BlockStats>& stats() const { return stats_; }
  // Heap bytes held (entries, keys, blocks, statistics).
  size_t MemoryBytes() const;

 private:
  // Per series while building: where its key and blocks are in the buffers.
  struct Place {
    size_t key_begin;
    uint32_t key_size;
    uint32_t block_count;
    size_t block_begin;
  };
  std::vector<SeriesIndexEntry> entries_;
  std::vector<char> keys_;
  std::vector<BlockRef> blocks_;
  std::vector<BlockStats> stats_;
  std::vector<Place> places_;  // emptied by Finish
};

}  // namespace strata
