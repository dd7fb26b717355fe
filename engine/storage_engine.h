// The StorageEngine is one data directory opened for reading and writing: the entry point of the C
// ABI, the SQLite module and the tools. It validates and routes writes, commits them through the
// write-ahead log (one log for the directory, so a batch spanning shards commits atomically, and
// concurrent writers share one fsync: group commit), applies them to shard MemStores in log order
// (on the committing thread, or on its apply thread for WriteAndClear and while that thread has
// work; a read or flush first waits for every acknowledged write to be applied), flushes full
// MemStores in a background thread, merges a shard's segments in compaction threads once it has
// kCompactionTrigger of them, and answers queries from snapshots.
//
// Directory layout:  STRATA (identity file)  LOCK  catalog/  wal/  shards/<measurement>/<window>/
//
// Open() of a directory this process already has open returns the same engine (options of later
// opens are ignored); another process gets Code::kLocked. The engine closes when the last
// shared_ptr goes. Thread-safe: any number of threads may write, query, flush at once.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "backup_point.h"
#include "catalog.h"
#include "env.h"
#include "line_protocol.h"
#include "options.h"
#include "query_cursor.h"
#include "result.h"
#include "row_cursor.h"
#include "wal_entry.h"
#include "shard_router.h"
#include "wal.h"
#include "write_batch.h"

namespace strata {

struct EngineStats {
  std::string dir;
  uint64_t series = 0;
  uint64_t last_lsn = 0;
  uint64_t wal_bytes = 0;
  uint64_t wal_files = 0;
  uint64_t points_written = 0;
  uint64_t batches_written = 0;
  uint64_t wal_syncs = 0;
  uint64_t flushes = 0;
  uint64_t compactions = 0;
  std::string background_error;  // empty when none
  std::vector<ShardStats> shards;
};

class StorageEngine {
 public:
  ~StorageEngine();
  StorageEngine(const StorageEngine&) = delete;
  StorageEngine& operator=(const StorageEngine&) = delete;

  // Opens the data directory, creating it when it does not exist or is empty; a non-empty directory
  // without Strata's identity file is refused (Invalid). Recovers: opens the shards' segments,
  // replays the WAL past each shard's flush point (a torn tail is truncated and logged; corruption
  // before it is a Corrupt error). The shard duration is the directory's, recorded in its identity
  // file when it is created: options.shard_duration_ns 0 takes it, another value is Invalid once
  // the directory holds points (before, it replaces the recorded one). A
  // directory this process has open is shared: the same engine, with the first open's options.
  [[nodiscard]] static Result<std::shared_ptr<StorageEngine>> Open(const std::string& dir,
                                                                   const Options& options);

  // Commits the batch atomically; durable per `sync` when it returns OK. TypeConflict when a field
  // already holds another type (nothing is written); Invalid for points outside the retention
  // period or the routable time range.
  [[nodiscard]] Status Write(const WriteBatch& batch);
  // The oldest time a write takes now: the start of the shard window holding now - retention, or
  // without retention the oldest routable time (the start of the first whole shard window of the
  // int64 range, within a shard duration above INT64_MIN). Write refuses a batch with an older
  // point (the one bound the write path checks).
  int64_t OldestWritableTime() const;
  // As Write, then leaves the batch as after ClearPoints(): the engine takes the points instead
  // of copying them, and its apply thread places them in the MemStores after this returns; every
  // read, flush or write that starts after it returns still sees them. On error the batch is
  // unchanged.
  [[nodiscard]] Status WriteAndClear(WriteBatch& batch);
  // Parses InfluxDB line protocol (timestamps in `precision` units) and writes every line as one
  // atomic batch; a malformed line fails the whole call (Invalid, the message starting "line N, "
  // and naming the column when the text is malformed, "line N: " when a name or value is refused).
  // Lines without a timestamp get the current time, rounded down to the precision.
  [[nodiscard]] Status WriteLines(std::string_view text,
                                  Precision precision = Precision::kNanosecond);
  // Deletes the points of the matching series in [min_time, max_time]. Atomic and durable like a
  // write; it affects only points written before it. (A WriteBatch can carry deletes too.)
  [[nodiscard]] Status Delete(const QueryRequest& what);
  // Removes a measurement's data: every shard of it. Its series and field types stay registered.
  [[nodiscard]] Status DropMeasurement(const std::string& measurement);

  // Points of the matching series, series by series (QueryCursor), or as rows: the fields of one
  // tag set merged by timestamp (RowCursor, ordered and read as `options` say). Both read a
  // snapshot taken by this call.
  [[nodiscard]] Result<std::unique_ptr<QueryCursor>> Query(const QueryRequest& q);
  [[nodiscard]] Result<std::unique_ptr<RowCursor>> QueryRows(const QueryRequest& q,
                                                             RowOptions options = {});
  [[nodiscard]] Result<QuerySnapshot> Snapshot(const QueryRequest& q);

  // Writes every MemStore to segments and waits for it.
  [[nodiscard]] Status Flush();
  // Flush, then merge each shard's segments into one. A damaged shard (Shard::Damage) is left as
  // it is, and once the others are merged the call returns its Corrupt error.
  [[nodiscard]] Status Compact();

  // The directory's state at one instant, pinned for a backup (backup_point.h, backup.h): every
  // write acknowledged before the call is in it, none that starts after. Blocks commits only
  // while it reads the shards' manifests and opens the WAL files.
  [[nodiscard]] Result<BackupPoint> TakeBackupPoint();

  EngineStats Stats() const;
  std::string StatsJson() const;
  // Checks every checksum of every segment; returns the problems found (empty: all good).
  std::vector<std::string> Verify() const;

  const Catalog& catalog() const { return *catalog_; }
  const Options& options() const { return options_; }
  const std::string& dir() const { return dir_; }

 private:
  struct Writer;
  struct Prepared;

  StorageEngine(std::string dir, const Options& options);
  Status Init();
  // Sets options_.shard_duration_ns to the directory's, recorded in the identity file, or to the
  // asked one (or the default) when the file holds none, or holds another but the directory holds
  // no points yet (HoldsNoPoints); returns whether the identity file must then be written. Invalid
  // when another one is asked otherwise, or the directory is not empty and not Strata's. Reads
  // only.
  Result<bool> SettleShardDuration();
  // No shard window directory and no WAL file with bytes: nothing is laid out by a shard duration.
  Result<bool> HoldsNoPoints();
  static void LogTruncatedTail(const WalReplayStats& stats);
  Status Recover();
  // Decodes a WAL record into *decoded and checks it against the catalog and the shard windows:
  // Corrupt, naming the record, unless recovery can apply it.
  Status CheckRecord(WalRecordType type, uint64_t lsn, std::string_view payload,
                     DecodedWrite* decoded) const;
  Status ApplyRecord(WalRecordType type, uint64_t lsn, std::string_view payload);

  struct PendingApply;

  Result<std::unique_ptr<Prepared>> PrepareWrite(const WriteBatch& batch);
  // Commits p through the group commit; with take_from (WriteAndClear), p's columns are taken
  // from that batch once the record is logged, and p is applied by the apply thread.
  Status Commit(std::unique_ptr<Prepared> p, WriteBatch* take_from);
  Status CommitInGroup(Writer* w);
  Status WriteGroup(const std::vector<Writer*>& group);
  // Applies a committed record to the shards (deletes first).
  void ApplyCommitted(const Prepared& p, uint64_t lsn);
  // Moves the batch's columns that p's parts point at into p (giving the batch spare columns).
  // REQUIRES: apply_mu_ held; the batch's writer is waiting in Commit.
  void TakeColumns(Prepared* p, WriteBatch* batch);
  void ApplyPrepared(const Prepared& p, uint64_t lsn);
  void ApplyThreadMain();
  // Waits until every record up to `lsn` is applied to the shards.
  void WaitForApplied(uint64_t lsn) const;
  // Waits while the apply queue holds kMaxQueuedApplyPoints points or more.
  void WaitForApplyCapacity();
  void ApplyDeleteRecord(const DeleteRecord& rec, uint64_t lsn, bool recovering);
  void FreezeAndSchedule(const std::shared_ptr<Shard>& shard);
  Status WaitForFlushCapacity();
  Status BackgroundError() const;
  void SetBackgroundError(const Error& e);
  void DeleteObsoleteWal();

  void FlushThreadMain();
  void CompactionThreadMain();

  const std::string dir_;
  Options options_;  // shard_duration_ns settled by Init, nothing changed after it
  Env* const env_;
  std::unique_ptr<FileLock> lock_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<ShardRouter> router_;

  mutable std::mutex wal_mu_;  // guards wal_ (leader appends and syncs; flusher deletes files)
  std::unique_ptr<Wal> wal_;   // GUARDED_BY(wal_mu_)
  uint64_t last_lsn_ = 0;      // GUARDED_BY(wal_mu_)
  std::atomic<uint64_t> applied_lsn_{0};  // every record up to it is applied to the shards
  std::atomic<uint64_t> committed_lsn_{0};  // every record up to it is logged (and acknowledged)
  int64_t last_sync_ns_ = 0;   // GUARDED_BY(wal_mu_)
  bool wal_dirty_ = false;     // GUARDED_BY(wal_mu_): appended but not synced

  // The apply thread: records committed while it has work, or by WriteAndClear, in LSN order.
  static constexpr uint64_t kMaxQueuedApplyPoints = 1u << 20;
  mutable std::mutex apply_mu_;
  std::condition_variable apply_cv_;                  // work for the apply thread
  mutable std::condition_variable apply_done_cv_;     // applied_lsn_ moved
  std::deque<PendingApply> apply_queue_;              // GUARDED_BY(apply_mu_)
  size_t apply_pending_ = 0;        // GUARDED_BY(apply_mu_): queued plus being applied
  uint64_t apply_queued_points_ = 0;  // GUARDED_BY(apply_mu_)
  bool apply_stopping_ = false;       // GUARDED_BY(apply_mu_)
  // Columns of applied WriteAndClear records, emptied, for the next taken batch to refill.
  static constexpr size_t kMaxSpareColumns = 4096;
  std::vector<Column> spare_columns_;  // GUARDED_BY(apply_mu_)
  std::thread apply_thread_;

  mutable std::mutex mu_;
  std::deque<Writer*> writers_;                       // GUARDED_BY(mu_): the commit queue
  std::condition_variable flush_cv_;                  // wakes the flush thread
  std::condition_variable flush_done_cv_;             // a flush finished (back-pressure, Flush())
  std::deque<std::shared_ptr<Shard>> flush_queue_;    // GUARDED_BY(mu_)
  std::optional<Error> bg_error_;                     // GUARDED_BY(mu_)
  bool stopping_ = false;                             // GUARDED_BY(mu_)
  std::thread flush_thread_;
  std::deque<std::shared_ptr<Shard>> compact_queue_;  // GUARDED_BY(mu_)
  std::condition_variable compact_cv_;
  std::vector<std::thread> compaction_threads_;       // options_.compaction_threads of them

  std::atomic<uint64_t> frozen_bytes_{0};
  std::atomic<uint64_t> points_written_{0};
  std::atomic<uint64_t> batches_written_{0};
  std::atomic<uint64_t> wal_syncs_{0};
  std::atomic<uint64_t> flushes_{0};
  std::atomic<uint64_t> compactions_{0};
};

}  // namespace strata
