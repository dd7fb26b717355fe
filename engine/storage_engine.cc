#include "storage_engine.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "background_work.h"
#include "backup.h"
#include "commit_pipeline.h"
#include "data_dir.h"
#include "directory_check.h"
#include "identity_file.h"
#include "line_protocol.h"
#include "logger.h"
#include "mutex.h"
#include "prepared_write.h"
#include "tag_predicate.h"
#include "wal.h"
#include "wal_entry.h"
#include "wal_replay.h"

namespace strata {
namespace {

// Engines open in this process, by canonical directory and whether a reader, so that opening a
// directory twice shares one engine instead of failing on our own lock.
struct OpenEngines {
  Mutex mu;
  std::map<std::pair<std::string, bool>, std::weak_ptr<StorageEngine>> by_dir GUARDED_BY(mu);
};
OpenEngines& Registry() {
  static auto* registry = new OpenEngines();
  return *registry;
}

}  // namespace

StorageEngine::StorageEngine(std::string dir, const Options& options)
    : dir_(std::move(dir)), options_(options), env_(options.env) {}

StorageEngine::~StorageEngine() {
  // The apply thread empties its queue (scheduling flushes) before the flush thread stops; the
  // pipeline syncs the log when it goes.
  if (pipeline_ != nullptr) pipeline_->Stop();
  if (background_ != nullptr) background_->Stop();
}

Result<std::shared_ptr<StorageEngine>> StorageEngine::Open(const std::string& dir,
                                                           const Options& options) {
  STRATA_ASSIGN_OR_RETURN(const std::string canonical, CanonicalDataDir(dir));
  if (options.read_only != OpenMode::kAuto) return OpenShared(canonical, options);
  Options mode_options = options;
  mode_options.read_only = OpenMode::kWriter;
  auto writer = OpenShared(canonical, mode_options);
  if (writer || (writer.error().code() != Code::kLocked &&
                 writer.error().code() != Code::kReadOnly)) {
    return writer;
  }
  mode_options.read_only = OpenMode::kReader;
  return OpenShared(canonical, mode_options);
}

Result<std::shared_ptr<StorageEngine>> StorageEngine::OpenShared(const std::string& canonical,
                                                                 const Options& options) {
  OpenEngines& registry = Registry();
  MutexLock lock(&registry.mu);
  const auto key = std::make_pair(canonical, options.read_only == OpenMode::kReader);
  if (auto it = registry.by_dir.find(key); it != registry.by_dir.end()) {
    if (auto live = it->second.lock()) {
      // Only the shard duration is the directory's; other options are the first open's.
      const int64_t d = live->options_.shard_duration_ns;
      if (options.shard_duration_ns != 0 && options.shard_duration_ns != d) {
        return unexpected(Error::Invalid(ShardDurationConflict(options.shard_duration_ns, d,
                                                               canonical)));
      }
      return live;
    }
  }
  std::shared_ptr<StorageEngine> engine(new StorageEngine(canonical, options));
  STRATA_RETURN_IF_ERROR(options.read_only == OpenMode::kReader ? engine->InitReader()
                                                                : engine->Init());
  registry.by_dir[key] = engine;
  return engine;
}

Status StorageEngine::InitReader() {
  STRATA_RETURN_IF_ERROR(CheckNotIncompleteBackup(env_, dir_));
  if (!HasIdentityFile(env_, dir_)) {
    return unexpected(Error::NotFound(
        dir_ + " is not a Strata data directory (no STRATA identity file); a read-only open "
               "creates nothing"));
  }
  STRATA_ASSIGN_OR_RETURN(const SettledShardDuration settled,
                          SettleShardDuration(env_, dir_, options_.shard_duration_ns));
  if (settled.write_identity && options_.shard_duration_ns != 0) {
    // The directory holds no point yet; its writer may still change the recorded duration.
    return unexpected(Error::Invalid("read-only open of " + dir_ + ": shard_duration is the "
                                     "directory's; a reader cannot change it"));
  }
  options_.shard_duration_ns = settled.shard_duration_ns;
  STRATA_ASSIGN_OR_RETURN(catalog_, Catalog::OpenReadOnly(env_, JoinPath(dir_, kCatalogDirName)));
  STRATA_ASSIGN_OR_RETURN(reader_, DirectoryReader::Open(env_, options_, dir_, catalog_.get()));
  return OkStatus();
}

Error StorageEngine::ReadOnlyError(const std::string& what) const {
  return Error::ReadOnly("cannot " + what + ": " + dir_ +
                         " is open read-only in this process (read_only=1, or auto while "
                         "another process writes it or its storage cannot be written)");
}

Result<ShardRouter*> StorageEngine::ReadRouter(std::shared_ptr<const ReaderView>* view) const {
  if (reader_ == nullptr) {
    pipeline_->WaitForCommittedApplied();  // every acknowledged write is in the shards
    return router_.get();
  }
  STRATA_ASSIGN_OR_RETURN(*view, reader_->Current());
  return (*view)->router.get();
}

Result<const Catalog*> StorageEngine::CurrentCatalog() const {
  // A reader's catalog catches up when a view is loaded.
  if (reader_ != nullptr) STRATA_RETURN_IF_ERROR(reader_->Current());
  return catalog_.get();
}

// An open reads and checks everything it depends on before it changes any file, so that an open
// that fails leaves the directory exactly as it found it (and `strata repair` can work on it):
// the identity file, the catalog, every shard's manifest and segment indexes, and every WAL
// record (decoded and checked against the catalog). Only then does it truncate torn tails, remove
// what a crash left behind, record the shard duration and replay the WAL into the MemStores.
Status StorageEngine::Init() {
  STRATA_RETURN_IF_ERROR(CheckNotIncompleteBackup(env_, dir_));
  STRATA_ASSIGN_OR_RETURN(const SettledShardDuration settled,
                          SettleShardDuration(env_, dir_, options_.shard_duration_ns));
  options_.shard_duration_ns = settled.shard_duration_ns;
  bool write_identity = settled.write_identity;
  const bool fresh = !HasIdentityFile(env_, dir_);
  if (fresh) STRATA_RETURN_IF_ERROR(env_->CreateDirs(dir_));
  STRATA_ASSIGN_OR_RETURN(lock_, env_->LockFile(JoinPath(dir_, kLockFileName)));
  if (fresh) {  // nothing to check in a new directory: it is one from now on
    STRATA_RETURN_IF_ERROR(WriteIdentity(env_, dir_, Identity{options_.shard_duration_ns}));
    write_identity = false;
  }
  STRATA_ASSIGN_OR_RETURN(catalog_, Catalog::Open(env_, JoinPath(dir_, kCatalogDirName)));
  std::shared_ptr<BlockCache> block_cache;
  if (options_.block_cache_bytes > 0) {
    block_cache = std::make_shared<BlockCache>(options_.block_cache_bytes);
  }
  router_ = std::make_unique<ShardRouter>(env_, options_, JoinPath(dir_, kShardsDirName),
                                          catalog_.get(), std::move(block_cache));
  STRATA_RETURN_IF_ERROR(router_->LoadExisting());
  STRATA_ASSIGN_OR_RETURN(std::unique_ptr<Wal> wal, OpenAndCheckWal());
  // Everything checked: from here on the open changes files.
  if (write_identity) {
    STRATA_RETURN_IF_ERROR(WriteIdentity(env_, dir_, Identity{options_.shard_duration_ns}));
  }
  STRATA_ASSIGN_OR_RETURN(const WalReplayStats catalog_tail, catalog_->FinishRecovery());
  LogTruncatedTail(catalog_tail);
  for (const auto& shard : router_->All()) STRATA_RETURN_IF_ERROR(shard->RemoveLeftovers());
  STRATA_RETURN_IF_ERROR(FinishInterruptedDrops());
  background_ = std::make_unique<BackgroundWork>(
      env_, options_, dir_, router_.get(),
      BackgroundWork::Hooks{.after_flush = [this] { DeleteObsoleteWal(); },
                            .sync_log = [this] { pipeline_->SyncIfDirty(); },
                            .checkpoint_due = [this] { return catalog_->CheckpointDue(); },
                            .checkpoint = [this] { return catalog_->Checkpoint(); }});
  STRATA_ASSIGN_OR_RETURN(const uint64_t last_lsn, Recover(wal.get()));
  pipeline_ = std::make_unique<CommitPipeline>(
      env_, options_, catalog_.get(), std::move(wal), last_lsn,
      [this](const PreparedWrite& write, uint64_t lsn) { ApplyCommitted(write, lsn); },
      [this](const Error& e) { background_->SetError(e); });
  DeleteObsoleteWal();  // what replay found already in segments need not be replayed again
  background_->Start();
  pipeline_->StartApplyThread();
  return OkStatus();
}

Result<std::unique_ptr<Wal>> StorageEngine::OpenAndCheckWal() {
  STRATA_ASSIGN_OR_RETURN(auto wal,
                          Wal::Open(env_, JoinPath(dir_, kWalDirName), options_.wal_segment_bytes));
  STRATA_RETURN_IF_ERROR(
      wal->Replay([&](WalRecordType type, uint64_t lsn, std::string_view payload) -> Status {
        DecodedWrite decoded;
        return CheckWalRecord(type, lsn, payload, *catalog_, router_->windows(), &decoded);
      }));
  return wal;
}

void StorageEngine::LogTruncatedTail(const WalReplayStats& stats) {
  if (stats.truncated_bytes == 0) return;
  Log("recovery: truncated a torn write of " + std::to_string(stats.truncated_bytes) +
      " bytes at offset " + std::to_string(stats.truncated_at) + " of " + stats.truncated_file +
      " (a write that was never acknowledged)");
}

// ---- recovery -------------------------------------------------------------------------------------

Result<uint64_t> StorageEngine::Recover(Wal* wal) {
  uint64_t last_lsn = 0;
  for (const auto& shard : router_->All()) last_lsn = std::max(last_lsn, shard->flushed_lsn());
  const int64_t cutoff =
      options_.retention_ns > 0 ? env_->NowNanos() - options_.retention_ns : INT64_MIN;
  STRATA_ASSIGN_OR_RETURN(
      WalReplayStats stats,
      wal->Replay([&](WalRecordType type, uint64_t lsn, std::string_view payload) -> Status {
        last_lsn = std::max(last_lsn, lsn);
        DecodedWrite decoded;
        STRATA_RETURN_IF_ERROR(
            CheckWalRecord(type, lsn, payload, *catalog_, router_->windows(), &decoded));
        return ReplayWalRecord(decoded, lsn, *catalog_, router_.get(), cutoff,
                               /*flush_as_it_goes=*/true);
      }));
  STRATA_RETURN_IF_ERROR(wal->FinishReplay());
  LogTruncatedTail(stats);
  return last_lsn;
}

// ---- write path -----------------------------------------------------------------------------------

int64_t StorageEngine::OldestWritableTime() const {
  const ShardWindows& windows = reader_ != nullptr ? reader_->windows() : router_->windows();
  const int64_t routable = windows.FirstStart();
  if (options_.retention_ns <= 0) return routable;
  // A window that ends at or before now - retention is expired: the oldest kept one holds it.
  return std::max(routable, windows.Start(env_->NowNanos() - options_.retention_ns));
}

Status StorageEngine::Write(WriteBatch& batch) {
  return PrepareAndCommit(&batch, /*take_columns=*/false);
}

Status StorageEngine::WriteAndClear(WriteBatch& batch) {
  STRATA_RETURN_IF_ERROR(PrepareAndCommit(&batch, /*take_columns=*/true));
  batch.ClearPoints();
  return OkStatus();
}

Status StorageEngine::PrepareAndCommit(WriteBatch* batch, bool take_columns) {
  if (reader_ != nullptr) return unexpected(ReadOnlyError("write"));
  STRATA_RETURN_IF_ERROR(background_->error());
  STRATA_ASSIGN_OR_RETURN(
      std::unique_ptr<PreparedWrite> write,
      PreparedWrite::Prepare(batch, catalog_.get(), router_.get(), OldestWritableTime(),
                             pipeline_->column_pool(), take_columns));
  if (write->empty()) return OkStatus();
  Status s = background_->WaitForFlushCapacity();
  if (s) s = pipeline_->Commit(&write, /*apply_in_background=*/take_columns);
  if (!s) write->ReturnColumns(batch, pipeline_->column_pool());  // the batch is as it was
  return s;
}

void StorageEngine::ApplyCommitted(const PreparedWrite& write, uint64_t lsn) {
  for (const DeleteRecord& rec : write.deletes()) {
    for (const auto& shard : router_->ShardsFor(rec.measurement, rec.min_time, rec.max_time)) {
      shard->ApplyDelete(lsn, rec.series_ids, rec.min_time, rec.max_time);
    }
  }
  for (const PreparedWrite::Part& part : write.parts()) {
    part.shard->ApplyWrite(lsn, part.series);
    if (part.shard->NeedsFreeze()) background_->FreezeAndSchedule(part.shard);
  }
  points_written_ += write.points();
  batches_written_++;
}

Status StorageEngine::WriteLines(std::string_view text, Precision precision) {
  WriteBatch batch;
  LineProtocolParser parser;
  STRATA_RETURN_IF_ERROR(
      parser.Parse(text, env_->NowNanos(), precision, [&](const ParsedLine& line) -> Status {
        Status st = batch.AddLine(line);
        if (!st && st.error().code() == Code::kInvalid) {
          return unexpected(Error::Invalid("line " + std::to_string(line.line_number) + ": " +
                                           st.error().message()));
        }
        return st;
      }));
  return Write(batch);
}

Status StorageEngine::Delete(const QueryRequest& what) {
  if (what.min_time > what.max_time) return OkStatus();
  WriteBatch batch;
  STRATA_RETURN_IF_ERROR(batch.AddDelete(
      DeleteSpec{what.measurement, what.tags, false, what.fields, what.min_time, what.max_time}));
  return Write(batch);
}

// The catalog's drop record is the drop's commit point: once it is synced, the measurement's
// series are dropped for good, wherever their points lie (WAL records, MemStores, segments), and
// removing the shards only frees the space. A crash before it leaves everything as it was; a
// crash after it leaves shards that the next open removes (FinishInterruptedDrops).
Status StorageEngine::DropMeasurement(const std::string& measurement) {
  if (reader_ != nullptr) return unexpected(ReadOnlyError("drop measurement " + measurement));
  STRATA_RETURN_IF_ERROR(background_->error());
  // Every acknowledged write applied and no flush of the measurement's shards under way.
  STRATA_RETURN_IF_ERROR(Flush());
  STRATA_RETURN_IF_ERROR(catalog_->Drop(measurement));
  for (const auto& shard : router_->RemoveMeasurement(measurement)) {
    STRATA_RETURN_IF_ERROR(env_->RemoveDirRecursive(shard->dir()));
  }
  return OkStatus();
}

Status StorageEngine::DeclareMeasurement(const std::string& measurement,
                                         const std::string& schema) {
  if (reader_ != nullptr) return unexpected(ReadOnlyError("declare measurement " + measurement));
  STRATA_RETURN_IF_ERROR(background_->error());
  return catalog_->Declare(measurement, schema);
}

Status StorageEngine::FinishInterruptedDrops() {
  for (const std::string& m : catalog_->DroppedMeasurements()) {
    for (const auto& shard : router_->ShardsFor(m, INT64_MIN, INT64_MAX)) {
      if (!shard->HoldsOnlyDropped()) continue;  // a new measurement of the name writes there too
      Log("removing " + shard->dir() + ": it holds only points of a dropped measurement");
      router_->Remove(shard);
      STRATA_RETURN_IF_ERROR(env_->RemoveDirRecursive(shard->dir()));
    }
  }
  return OkStatus();
}

// ---- flush and compaction -------------------------------------------------------------------------

void StorageEngine::DeleteObsoleteWal() {
  // A shard that receives little keeps the log from shrinking: flush it once the log grows past
  // a few files, so the WAL (and the time to replay it) stays bounded.
  if (auto pinning = pipeline_->DeleteObsoleteFiles(*router_)) {
    background_->FreezeAndSchedule(pinning);
  }
}

Status StorageEngine::Flush() {
  if (reader_ != nullptr) return unexpected(ReadOnlyError("flush"));
  STRATA_RETURN_IF_ERROR(background_->error());
  pipeline_->WaitForCommittedApplied();
  std::vector<std::shared_ptr<Shard>> shards = router_->All();
  for (const auto& shard : shards) background_->FreezeAndSchedule(shard);
  STRATA_RETURN_IF_ERROR(background_->WaitForFlushed(shards));
  DeleteObsoleteWal();  // also when there was nothing to freeze
  return OkStatus();
}

Status StorageEngine::Compact() {
  if (reader_ != nullptr) return unexpected(ReadOnlyError("compact"));
  STRATA_RETURN_IF_ERROR(Flush());
  // Every undamaged shard is merged; the first damage met is reported once they are.
  Status damaged = OkStatus();
  for (const auto& shard : router_->All()) {
    Status s = shard->Compact();
    if (!s && s.error().code() != Code::kCorrupt) return s;
    if (!s && damaged) damaged = s;
  }
  return damaged;
}

// ---- reads --------------------------------------------------------------------------------------

Result<QuerySnapshot> StorageEngine::Snapshot(const QueryRequest& q) {
  if (q.measurement.empty()) return unexpected(Error::Invalid("query needs a measurement"));
  STRATA_RETURN_IF_ERROR(ValidateTagFilters(q.tags));
  std::shared_ptr<const ReaderView> view;  // a reader's shards, alive until the snapshot is taken
  STRATA_ASSIGN_OR_RETURN(ShardRouter* const router, ReadRouter(&view));
  QuerySnapshot snap;
  snap.min_time = q.min_time;
  snap.max_time = q.max_time;
  STRATA_ASSIGN_OR_RETURN(snap.series, catalog_->Match(q.measurement, q.tags, q.fields));
  if (!snap.series.empty() && q.min_time <= q.max_time) {
    std::vector<uint64_t> ids;
    ids.reserve(snap.series.size());
    for (const SeriesInfo* s : snap.series) ids.push_back(s->id);
    for (const auto& shard : router->ShardsFor(q.measurement, q.min_time, q.max_time)) {
      snap.shards.push_back(shard->Snapshot(ids, q.min_time, q.max_time));
    }
  }
  return snap;
}

Result<std::unique_ptr<QueryCursor>> StorageEngine::Query(const QueryRequest& q) {
  STRATA_ASSIGN_OR_RETURN(QuerySnapshot snap, Snapshot(q));
  return std::make_unique<QueryCursor>(std::move(snap));
}

Result<std::unique_ptr<RowCursor>> StorageEngine::QueryRows(const QueryRequest& q,
                                                            RowOptions options) {
  STRATA_ASSIGN_OR_RETURN(QuerySnapshot snap, Snapshot(q));
  return std::make_unique<RowCursor>(std::move(snap), std::move(options));
}

// ---- stats and verification -------------------------------------------------------------------

EngineStats StorageEngine::Stats() const {
  if (reader_ != nullptr) return ReaderStats();
  pipeline_->WaitForCommittedApplied();
  EngineStats st;
  st.dir = dir_;
  st.series = catalog_->series_count();
  const Catalog::MemoryUsage memory = catalog_->Memory();
  st.catalog_series_bytes = memory.series_bytes;
  st.tag_index_bytes = memory.tag_index_bytes;
  const CommitPipeline::LogStats log = pipeline_->log_stats();
  st.last_lsn = log.last_lsn;
  st.wal_bytes = log.bytes;
  st.wal_files = log.files;
  st.wal_syncs = log.syncs;
  st.points_written = points_written_;
  st.batches_written = batches_written_;
  st.flushes = background_->flushes();
  st.compactions = background_->compactions();
  if (Status s = background_->error(); !s) st.background_error = s.error().ToString();
  for (const auto& shard : router_->All()) st.shards.push_back(shard->Stats());
  return st;
}

EngineStats StorageEngine::ReaderStats() const {
  EngineStats st;
  st.dir = dir_;
  st.read_only = true;
  auto current = reader_->Current();
  if (!current) st.background_error = current.error().ToString();
  const std::shared_ptr<const ReaderView> view = current ? *current : reader_->Last();
  st.series = catalog_->series_count();
  st.last_lsn = view->lsn;
  st.wal_bytes = view->wal_bytes;
  st.wal_files = view->wal_files;
  st.reader_loads = view->loads;
  for (const auto& shard : view->router->All()) st.shards.push_back(shard->Stats());
  return st;
}

std::string StorageEngine::StatsJson() const { return EngineStatsJson(Stats()); }

std::vector<std::string> StorageEngine::Verify() const {
  std::vector<std::string> problems;
  std::shared_ptr<const ReaderView> view;
  auto router = ReadRouter(&view);
  if (!router) return {router.error().ToString()};
  for (const auto& shard : (*router)->All()) {
    auto p = shard->Verify();
    problems.insert(problems.end(), p.begin(), p.end());
  }
  return problems;
}

}  // namespace strata
