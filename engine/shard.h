// A Shard holds one measurement's points for one time window [window_start, window_end): its active
// MemStore, the frozen MemStores waiting to be flushed, its immutable segment files, delete tombstones
// and the manifest that lists them, all under `shards/<measurement>/<window start>/`.
//
// Write path: the engine's commit leader applies WAL records to the shard in LSN order (ApplyWrite,
// ApplyDelete); a full MemStore is frozen (Freeze) and written to a segment by the flush thread
// (FlushOldestFrozen), which then records it in the manifest together with `flushed_lsn`, the LSN up to
// which this shard's part of the WAL is no longer needed. Reads take a ShardSnapshot, which pins the
// segments and frozen MemStores it saw and copies what it needs of the active MemStore.
//
// Thread-safety: all public methods are thread-safe. mu_ guards the in-memory state; flushes and
// compactions write their segments without holding it and serialise only the manifest swap
// (manifest_mu_), so a compaction never holds up a flush.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "block_cache.h"
#include "catalog.h"
#include "env.h"
#include "manifest.h"
#include "memstore.h"
#include "mutex.h"
#include "options.h"
#include "result.h"
#include "segment_reader.h"
#include "segment_writer.h"
#include "series_pieces.h"
#include "wal_entry.h"

namespace strata {

struct ShardBackupPoint;  // backup_point.h

struct ShardStats {
  std::string measurement;
  int64_t window_start = 0;
  uint64_t active_bytes = 0;
  uint64_t active_points = 0;
  uint64_t frozen_count = 0;
  uint64_t frozen_bytes = 0;
  uint64_t segment_count = 0;
  uint64_t segment_bytes = 0;
  uint64_t segment_points = 0;
  // Heap bytes of the open segments' in-memory indexes (SegmentReader::IndexMemoryBytes): about
  // 130 bytes plus the key for each series of each segment, the memory a shard of many series
  // holds beyond its MemStores.
  uint64_t segment_index_bytes = 0;
  uint64_t tombstones = 0;
  uint64_t flushed_lsn = 0;
  std::string damage;  // empty, or why reads of part of the shard fail (see Shard::Open)
};

// A consistent view of one shard for reads; keeps what it references alive. Thread-compatible.
class ShardSnapshot {
 public:
  static constexpr uint64_t kScanFillFraction = 8;

  // Appends to *out (whose type the caller set) the series' points with min_t <= time <= max_t,
  // merged across sources (newest wins on equal timestamps) with tombstones applied. A times-only
  // *out gets only their times, and segment blocks' values are not decoded. Segment blocks come
  // from, and go to, the engine's block cache; once this snapshot has inserted 1/kScanFillFraction
  // of the cache's capacity, further misses are read without filling it (a scan keeps the cache).
  // On an error *out is as it came.
  [[nodiscard]] Status Read(uint64_t series_id, int64_t min_t, int64_t max_t, Column* out) const;
  // The series' newest point in [min_t, max_t], i.e. the last point Read would append, from each
  // source's newest point alone: a MemStore's last point in range, or a segment's newest point
  // (SegmentReader::ReadNewest: no block read but the first for each series and segment); the
  // newest of them wins, on equal timestamps the newest source. Appends that point to *out, or
  // nothing when the series has none in range, and returns true. Returns false with *out
  // unchanged when that point cannot be known this way: a segment holds points of the series
  // after max_t, a delete newer than a source covers that source's newest point in range, or the
  // segment's newest value cannot be read (Read then reports why). Then use Read.
  // REQUIRES: out->type is the series' type.
  bool ReadNewest(uint64_t series_id, int64_t min_t, int64_t max_t, Column* out) const;
  // The latest start time (BlockRef::min_time) <= at_or_before among the series' blocks in the
  // snapshot's segments; nullopt when there is none. MemStore sources do not count. Reading
  // [that start, at_or_before] decodes at most one block of the series per segment, which is how
  // a backward scan finds its next cheap time slice. Reads only the segments' in-memory indexes.
  std::optional<int64_t> LatestBlockStart(uint64_t series_id, int64_t at_or_before) const;
  // The mirror image, for a forward scan: the earliest end time (BlockRef::max_time) >=
  // at_or_after among the series' segment blocks, nullopt when there is none. Reading
  // [at_or_after, that end] decodes at most one block of the series per segment.
  std::optional<int64_t> EarliestBlockEnd(uint64_t series_id, int64_t at_or_after) const;
  // Appends to *out the pieces (series_pieces.h) of the series' points in [min_t, max_t], in time
  // order: what Read would return, cut into single blocks that no other source touches and merged
  // spans. Reads only the segments' in-memory indexes and the MemStores' times; fails only as Read
  // does on a damaged shard. A delete of the series anywhere in a block's range makes that block
  // part of a merged span, whatever its age.
  [[nodiscard]] Status Pieces(uint64_t series_id, int64_t min_t, int64_t max_t,
                              std::vector<SeriesPiece>* out) const;
  // Appends the points of `piece` (from Pieces of this snapshot and `series_id`) to *out, as Read
  // of its range would, through the same block cache. REQUIRES and errors: as Read.
  [[nodiscard]] Status ReadPiece(uint64_t series_id, const SeriesPiece& piece, Column* out) const;
  int64_t window_start() const { return window_start_; }

 private:
  friend class Shard;
  struct SegmentSource {
    std::shared_ptr<SegmentReader> reader;
    uint64_t max_lsn;
    int64_t max_time;  // of the whole segment
  };
  int64_t window_start_ = 0;
  int64_t min_t_ = 0, max_t_ = 0;                             // the range `active_` was copied for
  std::shared_ptr<BlockCache> block_cache_;                   // may be null
  // Decoded bytes this snapshot may still bring into block_cache_: a scan fills at most
  // kScanFillFraction of the cache, then reads past it (segment_reader.h, fill_cache).
  mutable std::atomic<uint64_t> cache_fill_left_{0};
  std::vector<SegmentSource> segments_;                       // oldest first
  std::vector<std::shared_ptr<const MemStore>> frozen_;       // oldest first, sealed
  std::unordered_map<uint64_t, Column> active_;               // copied at snapshot time
  std::unordered_map<uint64_t, std::vector<Tombstone>> tombstones_;
  std::optional<Error> damage_;  // a damaged segment overlaps the range: every Read fails so
};

class Shard {
 public:
  // Opens (creating if needed; with options.read_only kReader never: a missing directory is an
  // empty shard) the shard in `dir`: reads its manifest and opens the segments it lists, changing
  // no file; RemoveLeftovers() then removes what a crash left behind. A listed
  // segment that is missing, damaged (Corrupt) or names series the catalog does not have does not
  // fail the open: it is kept in the
  // manifest, logged and reported by Stats and Verify, and every read whose range overlaps its
  // time range fails with Corrupt naming it, while reads of other times and of other shards work;
  // the shard is not compacted until `strata repair` salvages the segment. A damaged manifest is
  // Corrupt. Snapshot reads of segments go through `block_cache` (the engine's, shared by all its
  // shards; null: no cache); compaction and Verify read the files directly.
  [[nodiscard]] static Result<std::shared_ptr<Shard>> Open(
      Env* env, const Options& options, std::string dir, std::string measurement,
      int64_t window_start, Catalog* catalog, std::shared_ptr<BlockCache> block_cache = nullptr);

  const std::string& measurement() const { return measurement_; }
  int64_t window_start() const { return window_start_; }
  int64_t window_end() const { return window_end_; }
  const std::string& dir() const { return dir_; }
  uint64_t flushed_lsn() const;
  // Removes, with a log line each, the files a crash left behind: temp files, and segments the
  // manifest never listed (their points are still in the WAL). Called once recovery is sure to
  // succeed, so that a failed open changes nothing.
  [[nodiscard]] Status RemoveLeftovers();
  // Why part of the shard cannot be read (a damaged segment, or a compaction that found damage);
  // nullopt when nothing is known to be damaged.
  std::optional<Error> Damage() const;

  // ---- write path: the commit leader (or recovery), in increasing LSN order ----
  void ApplyWrite(uint64_t lsn, std::span<const SeriesPoints> series);
  void ApplyDelete(uint64_t lsn, const std::vector<uint64_t>& series_ids, int64_t min_t,
                   int64_t max_t);
  // True when the active MemStore has reached memstore_bytes.
  bool NeedsFreeze() const;
  // Seals the active MemStore (if it holds anything not yet flushed, points or tombstones) and
  // starts a fresh one. Returns whether anything was frozen; *bytes (optional) gets the sealed
  // MemStore's size, which FlushOldestFrozen reports again when it is gone.
  bool Freeze(uint64_t* bytes = nullptr);

  // ---- flush thread ----
  bool HasFrozen() const;
  // Writes the oldest frozen MemStore to a new segment (none if it held only tombstones) and
  // records it in the manifest; then drops the MemStore, adding its size to *released_bytes
  // (optional). On error nothing changes.
  [[nodiscard]] Status FlushOldestFrozen(uint64_t* released_bytes = nullptr);
  // Merges every segment into one, applying tombstones and dropping overwritten points. Flushes
  // go on meanwhile; only the final manifest swap is serialised with them. Corrupt, without
  // reading anything, once the shard is known to be damaged (Damage()); a compaction that finds
  // damage records it there.
  [[nodiscard]] Status Compact();
  size_t SegmentCount() const;
  // Whether everything the shard holds belongs to dropped series (Catalog::IsDropped): what a drop
  // interrupted before it removed the shard left. False with a damaged segment.
  bool HoldsOnlyDropped() const;

  // The lowest LSN whose effect on this shard is only in the WAL; UINT64_MAX when none.
  uint64_t OldestUnflushedLsn() const;

  // ---- backup (backup_point.h) ----
  // The manifest as last written, with each listed segment's open file (null for one that
  // cannot be opened), kept open so that a compaction removing a file does not take it from the
  // backup. Every segment listed holds only points already applied to this shard.
  ShardBackupPoint PinForBackup() const;

  // ---- reads ----
  // Pins the current sources and copies the active MemStore's points of `series_ids` in range.
  std::shared_ptr<ShardSnapshot> Snapshot(std::span<const uint64_t> series_ids, int64_t min_t,
                                          int64_t max_t);
  ShardStats Stats() const;
  // Reads and decodes every block of every segment. Returns the problems found, damaged segments
  // among them.
  std::vector<std::string> Verify() const;

 private:
  struct SegmentHandle {
    std::shared_ptr<SegmentReader> reader;
    ManifestSegment meta;
  };
  struct DamagedSegment {
    ManifestSegment meta;
    Error error;  // why it cannot be opened
  };

  Shard(Env* env, const Options& options, std::string dir, std::string measurement,
        int64_t window_start, Catalog* catalog, std::shared_ptr<BlockCache> block_cache);
  // The series of a new segment, in key order, one at a time: each call sets *series to the next
  // series and *points (cleared, its type set to the series') to its points and returns true, or
  // returns false after the last. Streamed so that a flush or merge of a million series holds no
  // per-series list of what it will write.
  using SeriesStream = std::function<Result<bool>(SegmentSeries* series, Column* points)>;

  Status Load();
  // Corrupt when a series of the segment is not the catalog's series of that ID in this
  // measurement (reads of it would go to the wrong series, or nowhere).
  std::optional<Error> CheckAgainstCatalog(const SegmentReader& reader) const;
  // Compact() once the shard is known to be undamaged.
  Status CompactSegments() REQUIRES(compact_mu_);
  uint64_t AllocateSegmentId();
  // Writes the series of `next` to a new segment; nullopt when none had points.
  Result<std::optional<SegmentHandle>> WriteSegment(const SeriesStream& next, uint64_t max_lsn,
                                                    int level);
  // Applies `edit` to the current manifest, writes it and makes it current. On failure the
  // `added` segment's file is removed and nothing changes.
  Status CommitManifest(const std::function<void(Manifest*)>& edit,
                        const std::optional<SegmentHandle>& added);
  // Writes `m` as the new manifest.
  Status PersistManifest(const Manifest& m) REQUIRES(manifest_mu_);
  // Points of one series from one source after the tombstones that are newer than the source.
  static void ApplyTombstones(const std::vector<Tombstone>* ts, uint64_t source_lsn, Column* col);

  Env* const env_;
  const Options options_;
  const std::string dir_;
  const std::string measurement_;
  const int64_t window_start_;
  const int64_t window_end_;
  Catalog* const catalog_;
  const std::shared_ptr<BlockCache> block_cache_;  // may be null

  Mutex flush_mu_ ACQUIRED_BEFORE(manifest_mu_);    // one flush at a time (in order)
  Mutex compact_mu_ ACQUIRED_BEFORE(manifest_mu_);  // one compaction at a time
  Mutex manifest_mu_ ACQUIRED_BEFORE(mu_);          // the manifest write-and-swap
  mutable Mutex mu_;
  Manifest manifest_ GUARDED_BY(mu_);  // as last written
  std::shared_ptr<MemStore> active_ GUARDED_BY(mu_);
  std::deque<std::shared_ptr<MemStore>> frozen_ GUARDED_BY(mu_);  // oldest first
  std::vector<SegmentHandle> segments_ GUARDED_BY(mu_);           // oldest first
  std::vector<DamagedSegment> damaged_;  // listed segments that could not be opened; const
  std::optional<Error> compaction_damage_ GUARDED_BY(mu_);  // what a compaction found damaged
  std::vector<std::string> leftovers_ GUARDED_BY(mu_);      // files RemoveLeftovers removes
  std::unordered_map<uint64_t, std::vector<Tombstone>> tombstones_ GUARDED_BY(mu_);  // live ones
  uint64_t last_applied_lsn_ GUARDED_BY(mu_) = 0;
};

}  // namespace strata
