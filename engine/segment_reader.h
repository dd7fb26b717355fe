// SegmentReader gives random access to one immutable segment file (format: segment_format.h): Open
// reads and validates header, footer and the whole index once (kept as a SegmentSeriesIndex:
// entries whose keys and blocks are views into the reader's buffers, segment_series_index.h), then
// Read fetches one series' points in a time range by reading only the blocks whose range overlaps.
// The file is untrusted: any damage is reported as Error::Corrupt naming the file and offset; a
// reader never crashes, never allocates more than the file's size suggests, and never returns wrong
// data. Immutable after Open; Read and Verify are thread-safe (pread). Share it through shared_ptr
// so that snapshots can pin it while compaction retires the file. Reads may go through a BlockCache
// (block_cache.h), which holds verified, decoded blocks keyed by instance_id(). The one mutable
// part is the memo of each series' newest value (ReadNewest), allocated and filled in on first use
// and thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "block_cache.h"
#include "block_stats.h"
#include "env.h"
#include "mutex.h"
#include "point.h"
#include "result.h"
#include "segment_series_index.h"

namespace strata {

class SegmentReader {
 public:
  // Reads header, footer and index, checking magic, version, CRCs and the index's consistency.
  // NotFound/IO when the file cannot be opened; Corrupt (naming the file and offset) when damaged.
  [[nodiscard]] static Result<std::shared_ptr<SegmentReader>> Open(Env* env,
                                                                   const std::string& path);

  SegmentReader(const SegmentReader&) = delete;
  SegmentReader& operator=(const SegmentReader&) = delete;

  uint64_t id() const { return id_; }
  // Unique among the readers this process opened (never reused; unlike id(), which a copied or
  // restored file can share): the identity of this reader's blocks in a BlockCache.
  uint64_t instance_id() const { return instance_id_; }
  int64_t created_at() const { return created_at_; }
  int64_t min_time() const { return min_time_; }  // INT64_MAX when the segment has no series
  int64_t max_time() const { return max_time_; }  // INT64_MIN when the segment has no series
  uint64_t point_count() const { return point_count_; }
  uint64_t file_bytes() const { return file_->Size(); }
  uint32_t format_version() const { return version_; }
  // The block's key in a BlockCache: its offset, and in format 2 also its slot (the fields of a
  // row group share its offset).
  uint64_t CacheKey(const BlockRef& b) const;

  const std::string& path() const { return file_->path(); }
  // The open file: it stays readable (and linkable, while it has a name) after compaction
  // removes its name, for as long as this reader lives.
  const RandomAccessFile& file() const { return *file_; }

  // Sorted by key (bytewise). Keys and blocks are views into this reader (segment_series_index.h).
  const std::vector<SeriesIndexEntry>& index() const { return index_.entries(); }
  // Heap bytes of the in-memory index (entries, keys, blocks, statistics, lookups).
  size_t IndexMemoryBytes() const;
  // The statistics of block `b` (an element of an entry's blocks), or nullptr when it has none
  // (formats 1 and 2, strings, blocks under kStatsMinRows rows). Checked against the index CRC.
  const BlockStats* Stats(const BlockRef& b) const {
    return b.stats == BlockRef::kNoStats ? nullptr : &index_.stats()[b.stats];
  }
  // The entry of `series_id`, or nullptr. O(1) when the segment's ids are dense, else O(log n).
  const SeriesIndexEntry* Find(uint64_t series_id) const;

  // Appends to *out the points with min_t <= time <= max_t, in time order, reading only the blocks
  // whose range overlaps. REQUIRES: `entry` is an element of index(); out->type == entry.type
  // (Invalid otherwise). Every block read is checked (CRC, header against index, decoded times
  // strictly increasing and within the block's range); on Corrupt, *out is left as it was. A
  // times-only *out (point.h) gets only the times: the blocks' values are not decoded.
  //
  // With a `cache`, each block is looked up there first (a full block also serves a times-only
  // read); a missed block is read and checked exactly as without one, decoded whole (times only
  // for a times-only *out) and inserted once it passed every check. Contiguous misses are still
  // fetched with one pread. A corrupt block is never cached, so it is reported on every read.
  // A non-null `fill_budget` bounds the bytes (BlockCache::Charge) this read inserts, and is
  // decreased by them; once it is 0, misses are decoded straight into *out and not inserted
  // (leveldb's ReadOptions::fill_cache = false), so that a scan does not flush the cache.
  [[nodiscard]] Status Read(const SeriesIndexEntry& entry, int64_t min_t, int64_t max_t,
                            Column* out, BlockCache* cache = nullptr,
                            uint64_t* fill_budget = nullptr) const;

  // A window of the file, for a caller that reads whole series in key order (a compaction): in a
  // segment their blocks lie at increasing offsets, so ReadAll through a ReadAhead reads the file
  // kReadAheadBytes at a time, one pread for many small series instead of one for each. Belongs
  // to one reader and one thread; holds at most max(kReadAheadBytes, the longest read) bytes.
  struct ReadAhead {
    uint64_t begin = 0;       // file offset of bytes[0]
    std::vector<char> bytes;  // the file's bytes from `begin` on
  };
  static constexpr size_t kReadAheadBytes = 1 << 20;
  // Read(entry, INT64_MIN, INT64_MAX, out) without a cache, its blocks taken from *ahead, which is
  // refilled from the first block that it does not hold. The same checks and errors as Read.
  [[nodiscard]] Status ReadAll(const SeriesIndexEntry& entry, Column* out, ReadAhead* ahead) const;

  // Appends to *out the entry's newest point: time entry.max_time and, unless *out is times-only,
  // its value. The value is read once, the first time it is asked for (as Read of that one time,
  // through `cache` and `fill_budget`), and then kept by this reader for every later call, from
  // any thread; a times-only *out reads nothing. REQUIRES: as Read. On Corrupt *out is left as
  // it was and nothing is kept, so that every call reports the damage.
  [[nodiscard]] Status ReadNewest(const SeriesIndexEntry& entry, Column* out,
                                  BlockCache* cache = nullptr,
                                  uint64_t* fill_budget = nullptr) const;

  // Reads every section header and every block, checks every checksum and decodes every block
  // (`strata verify`). Never uses a cache: it reads the file.
  [[nodiscard]] Status Verify() const;
  // Appends block k of `entry` to *out, checked and decoded as Read does; for `strata repair`,
  // which keeps each intact block of a damaged segment. REQUIRES: as Read; k < blocks.size().
  [[nodiscard]] Status ReadBlock(const SeriesIndexEntry& entry, size_t k, Column* out) const;

 private:
  SegmentReader() = default;
  // Format 1's index; then FinishIndex checks what both formats share and builds the lookups.
  Status ParseIndex(std::string_view index, uint64_t index_offset, uint64_t series_count);
  Status FinishIndex(uint64_t index_offset, uint64_t series_count);
  // The end offset of block k of series `series`.
  uint64_t BlockEnd(size_t series, size_t k) const;
  Status CheckSectionHeader(size_t series) const;
  // Invalid unless `entry` is an element of index() and out.type == entry.type.
  Status CheckReadable(const SeriesIndexEntry& entry, const Column& out) const;
  // Reads and decodes blocks [first, last] of series `series`, keeping points in [min_t, max_t].
  // With `ahead`, the bytes come from that window (ReadAll).
  Status ReadBlocks(size_t series, size_t first, size_t last, int64_t min_t, int64_t max_t,
                    Column* out, ReadAhead* ahead = nullptr) const;
  // The same through `cache`: looks every block up, loads the missing ones (inserting them
  // within `fill_budget`, see Read) and appends, in block order.
  Status ReadBlocksCached(size_t series, size_t first, size_t last, int64_t min_t, int64_t max_t,
                          BlockCache* cache, uint64_t* fill_budget, Column* out) const;
  // Reads blocks [first, last] with one pread and checks their framing: checksum, encoding and
  // header against the index. *data points to the bytes, which start at blocks[first].offset:
  // in *buf, or with `ahead` in its window (refilled, from blocks[first].offset on, when it does
  // not hold them all).
  Status FetchBlocks(size_t series, size_t first, size_t last, ReadAhead* ahead,
                     std::unique_ptr<char[]>* buf, const char** data) const;
  // Decodes checked block k (its bytes at p) appending to *out, and checks its times.
  // On Corrupt, *out may hold part of the block: the caller truncates.
  Status DecodeChecked(size_t series, size_t k, const char* p, Column* out) const;
  Error Corrupt(uint64_t offset, const std::string& what) const;

  std::unique_ptr<RandomAccessFile> file_;
  uint64_t id_ = 0;
  uint32_t version_ = 0;
  uint64_t instance_id_ = 0;
  int64_t created_at_ = 0;
  int64_t min_time_ = 0;
  int64_t max_time_ = 0;
  uint64_t point_count_ = 0;
  SegmentSeriesIndex index_;
  std::vector<uint64_t> section_end_;  // format 1, per series: end of its last block
  // Find's lookup: by_id_, or when the ids are dense enough position_by_id_ (and by_id_ empty).
  std::vector<std::pair<uint64_t, size_t>> by_id_;  // (series id, index position), sorted
  static constexpr uint32_t kNoSeries = UINT32_MAX;
  uint64_t first_id_ = 0;                 // the smallest series id
  std::vector<uint32_t> position_by_id_;  // [id - first_id_]: index position, or kNoSeries

  // A series' newest value, once read: `num`, or for a string series `str`, is written once,
  // under newest_mu_, before `known` is set (release); a reader that sees `known` (acquire) reads
  // it without the lock, as it never changes again.
  struct NewestValue {
    std::atomic<bool> known{false};
    uint64_t num = 0;
    const std::string* str = nullptr;  // an element of newest_strs_
  };
  // Per series, parallel to index_; allocated by the first ReadNewest (most readers of a segment
  // of many series never need it), under newest_once_.
  mutable std::unique_ptr<NewestValue[]> newest_;
  mutable std::once_flag newest_once_;
  mutable Mutex newest_mu_;
  // push_back never moves its elements, which NewestValue::str points to.
  mutable std::deque<std::string> newest_strs_ GUARDED_BY(newest_mu_);
};

}  // namespace strata
