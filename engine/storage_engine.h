// The StorageEngine is one data directory opened for reading and writing: the entry point of the C
// ABI, the SQLite module and the tools. It validates and routes writes (PreparedWrite), commits
// them through the write-ahead log and applies them to the shards' MemStores in log order
// (CommitPipeline: one log for the directory, so a batch spanning shards commits atomically, and
// concurrent writers share one fsync), flushes full MemStores and merges segments in background
// threads (BackgroundWork), and answers queries from snapshots; a read or flush first waits for
// every acknowledged write to be applied. engine/README.md describes the whole design.
//
// Directory layout:  STRATA (identity file)  LOCK  catalog/  wal/  shards/<measurement>/<window>/
//
// Open() of a directory this process already has open returns the same engine (options of later
// opens are ignored); another process gets Code::kLocked. With options.read_only (kReader, or
// kAuto when the lock is held elsewhere or the storage cannot be written) the engine is a
// *reader*: it takes no lock, changes no file, follows what another process writes through a
// DirectoryReader (directory_reader.h), and refuses writes, deletes, flushes, compactions and
// backups with Code::kReadOnly. The engine closes when the last shared_ptr goes. Thread-safe: any
// number of threads may write, query, flush at once.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "backup_point.h"
#include "catalog.h"
#include "directory_reader.h"
#include "engine_stats.h"
#include "env.h"
#include "line_protocol.h"
#include "options.h"
#include "query_cursor.h"
#include "result.h"
#include "row_cursor.h"
#include "shard_router.h"
#include "wal_entry.h"
#include "wal_format.h"
#include "write_batch.h"

namespace strata {

class BackgroundWork;
class CommitPipeline;
class PreparedWrite;
class Wal;
struct WalReplayStats;

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
  // directory this process has open is shared: the same engine, with the first open's options
  // (one writer engine and one reader engine per directory). options.read_only chooses the
  // mode: kWriter (Locked when another process writes the directory, ReadOnly when its storage
  // cannot be written), kReader (NotFound for a directory without an identity file: a reader
  // creates nothing), kAuto (the writer's engine if this process has one or can take the lock,
  // else a reader).
  [[nodiscard]] static Result<std::shared_ptr<StorageEngine>> Open(const std::string& dir,
                                                                   const Options& options);

  // Commits the batch atomically; durable per `sync` when it returns OK. TypeConflict when a field
  // already holds another type (nothing is written); Invalid for points outside the retention
  // period or the routable time range. The batch's points are left as they are; its series
  // remember their catalog IDs, so a batch refilled after ClearPoints() resolves none again.
  [[nodiscard]] Status Write(WriteBatch& batch);
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
  // Drops a measurement: its data (every shard of it), its series and field types and its
  // declaration (Catalog::Drop), all or nothing. Its series IDs are never handed out again; a
  // measurement of the same name written later is a new one, with types of its own.
  [[nodiscard]] Status DropMeasurement(const std::string& measurement);
  // Records that `measurement` is declared with `schema` (Catalog::Declare), durably.
  [[nodiscard]] Status DeclareMeasurement(const std::string& measurement, const std::string& schema);

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

  // True for a reader (see above).
  bool read_only() const { return reader_ != nullptr; }
  const Catalog& catalog() const { return *catalog_; }
  // The catalog with every series registered so far: for a reader, once it has looked for the
  // writer's newest writes as a query does (an error when that reload fails).
  [[nodiscard]] Result<const Catalog*> CurrentCatalog() const;
  const Options& options() const { return options_; }
  const std::string& dir() const { return dir_; }

 private:
  StorageEngine(std::string dir, const Options& options);
  // The engine of `canonical` in options.read_only's mode (kWriter or kReader): the one this
  // process has open, or a new one.
  static Result<std::shared_ptr<StorageEngine>> OpenShared(const std::string& canonical,
                                                           const Options& options);
  // Opens everything and checks it (changing no file), then recovers and starts the threads.
  Status Init();
  // A reader's open: the identity file, the catalog, then the first view (changing no file).
  Status InitReader();
  // Code::kReadOnly for `what` (a write, a flush...) through a reader.
  Error ReadOnlyError(const std::string& what) const;
  // The shards a read sees: a writer's, or the current view's (kept alive by *view).
  Result<ShardRouter*> ReadRouter(std::shared_ptr<const ReaderView>* view) const;
  // Stats of a reader: its current view (a failed reload is reported as the background error).
  EngineStats ReaderStats() const;
  // Opens the WAL and checks each record against the catalog and shards (changing no file).
  Result<std::unique_ptr<Wal>> OpenAndCheckWal();
  static void LogTruncatedTail(const WalReplayStats& stats);
  // Removes the shards that hold only points of dropped series (a drop interrupted by a crash).
  Status FinishInterruptedDrops();
  // Replays the WAL into the shards; returns the last LSN.
  Result<uint64_t> Recover(Wal* wal);

  // Write and WriteAndClear: prepares the batch and commits it, applied in the background with
  // `take_columns`.
  Status PrepareAndCommit(WriteBatch* batch, bool take_columns);
  // Applies a committed write to the shards (deletes first); the pipeline's ApplyFn.
  void ApplyCommitted(const PreparedWrite& write, uint64_t lsn);
  // Deletes WAL files that are all in segments; schedules a flush of a shard that pins many.
  void DeleteObsoleteWal();

  const std::string dir_;
  Options options_;  // shard_duration_ns settled by Init, nothing changed after it
  Env* const env_;
  std::unique_ptr<FileLock> lock_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<ShardRouter> router_;
  // Each calls into the other: the destructor stops both before either goes.
  std::unique_ptr<BackgroundWork> background_;
  std::unique_ptr<CommitPipeline> pipeline_;
  // A reader's: then router_, background_ and pipeline_ are null.
  std::unique_ptr<DirectoryReader> reader_;

  std::atomic<uint64_t> points_written_{0};
  std::atomic<uint64_t> batches_written_{0};
};

}  // namespace strata
