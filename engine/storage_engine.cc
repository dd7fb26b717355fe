#include "storage_engine.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "backup.h"
#include "coding.h"
#include "data_dir.h"
#include "directory_check.h"
#include "identity_file.h"
#include "line_protocol.h"
#include "logger.h"
#include "wal_entry.h"

namespace strata {
namespace {

std::string ShardDurationConflict(int64_t asked, int64_t own, const std::string& dir) {
  return "shard_duration " + FormatDuration(asked) + " differs from " + FormatDuration(own) +
         ", the one " + dir + " was created with (its shards are laid out by it); give that or none";
}

constexpr char kLockFileName[] = "LOCK";
constexpr size_t kMaxGroupBytes = 8u << 20;  // a commit group stops growing past this much WAL
constexpr size_t kCompactionTrigger = 8;     // segments in a shard that start a background merge

// Engines open in this process, by canonical directory, so that opening a directory twice shares
// one engine instead of failing on our own lock.
std::mutex& RegistryMutex() {
  static std::mutex mu;
  return mu;
}
std::map<std::string, std::weak_ptr<StorageEngine>>& Registry() {
  static auto* registry = new std::map<std::string, std::weak_ptr<StorageEngine>>();
  return *registry;
}

}  // namespace

// A write (or delete) made ready outside the commit queue: series resolved, points split by shard,
// WAL payload encoded.
struct StorageEngine::Prepared {
  std::string payload;
  std::vector<DeleteRecord> deletes;  // applied first
  struct Part {
    std::shared_ptr<Shard> shard;
    std::vector<SeriesPoints> series;
  };
  std::vector<Part> parts;
  std::deque<Column> split;  // columns of series that span windows (stable addresses)
  std::deque<Column> taken;  // WriteAndClear: the batch's columns, moved here at commit
  uint64_t points = 0;
};

// One thread waiting in the commit queue.
struct StorageEngine::Writer {
  Prepared* prepared;
  // WriteAndClear: the batch whose columns the commit takes, and the Prepared the apply queue
  // takes over (so the writer need not wait for the apply).
  WriteBatch* take_from = nullptr;
  std::unique_ptr<Prepared> owned;
  bool queued = false;  // set by the leader: the apply thread applies it
  uint64_t lsn = 0;     // set by the leader
  Status status;
  bool done = false;
  std::condition_variable cv;
};

// A committed record waiting for the apply thread.
struct StorageEngine::PendingApply {
  Prepared* prepared;
  std::unique_ptr<Prepared> owned;  // null when the writer waits for the apply
  uint64_t lsn;
};

StorageEngine::StorageEngine(std::string dir, const Options& options)
    : dir_(std::move(dir)), options_(options), env_(options.env) {}

StorageEngine::~StorageEngine() {
  {
    std::lock_guard lock(apply_mu_);
    apply_stopping_ = true;  // the apply thread empties its queue first
  }
  apply_cv_.notify_all();
  if (apply_thread_.joinable()) apply_thread_.join();
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  flush_cv_.notify_all();
  compact_cv_.notify_all();
  if (flush_thread_.joinable()) flush_thread_.join();
  for (auto& t : compaction_threads_) t.join();
  std::lock_guard lock(wal_mu_);
  if (wal_ != nullptr && wal_dirty_) {
    if (auto s = wal_->Sync(); !s) Log("closing " + dir_ + ": " + s.error().ToString());
  }
}

Result<std::shared_ptr<StorageEngine>> StorageEngine::Open(const std::string& dir,
                                                           const Options& options) {
  STRATA_ASSIGN_OR_RETURN(const std::string canonical, CanonicalDataDir(dir));
  std::lock_guard lock(RegistryMutex());
  auto& registry = Registry();
  if (auto it = registry.find(canonical); it != registry.end()) {
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
  STRATA_RETURN_IF_ERROR(engine->Init());
  registry[canonical] = engine;
  return engine;
}

// An open reads and checks everything it depends on before it changes any file, so that an open
// that fails leaves the directory exactly as it found it (and `strata repair` can work on it):
// the identity file, the catalog, every shard's manifest and segment indexes, and every WAL
// record (decoded and checked against the catalog). Only then does it truncate torn tails, remove
// what a crash left behind, record the shard duration and replay the WAL into the MemStores.
Status StorageEngine::Init() {
  STRATA_RETURN_IF_ERROR(CheckNotIncompleteBackup(env_, dir_));
  STRATA_ASSIGN_OR_RETURN(bool write_identity, SettleShardDuration());
  const bool fresh = !HasIdentityFile(env_, dir_);
  if (fresh) STRATA_RETURN_IF_ERROR(env_->CreateDirs(dir_));
  STRATA_ASSIGN_OR_RETURN(lock_, env_->LockFile(JoinPath(dir_, kLockFileName)));
  if (fresh) {  // nothing to check in a new directory: it is one from now on
    STRATA_RETURN_IF_ERROR(WriteIdentity(env_, dir_, Identity{options_.shard_duration_ns}));
    write_identity = false;
  }
  STRATA_ASSIGN_OR_RETURN(catalog_, Catalog::Open(env_, JoinPath(dir_, "catalog")));
  std::shared_ptr<BlockCache> block_cache;
  if (options_.block_cache_bytes > 0) {
    block_cache = std::make_shared<BlockCache>(options_.block_cache_bytes);
  }
  router_ = std::make_unique<ShardRouter>(env_, options_, JoinPath(dir_, "shards"), catalog_.get(),
                                          std::move(block_cache));
  STRATA_RETURN_IF_ERROR(router_->LoadExisting());
  {
    std::lock_guard lock(wal_mu_);
    STRATA_ASSIGN_OR_RETURN(wal_,
                            Wal::Open(env_, JoinPath(dir_, "wal"), options_.wal_segment_bytes));
    STRATA_RETURN_IF_ERROR(wal_->Replay([&](WalRecordType type, uint64_t lsn,
                                            std::string_view payload) -> Status {
      DecodedWrite decoded;
      return CheckRecord(type, lsn, payload, &decoded);
    }));
  }
  // Everything checked: from here on the open changes files.
  if (write_identity) {
    STRATA_RETURN_IF_ERROR(WriteIdentity(env_, dir_, Identity{options_.shard_duration_ns}));
  }
  STRATA_ASSIGN_OR_RETURN(const WalReplayStats catalog_tail, catalog_->FinishRecovery());
  LogTruncatedTail(catalog_tail);
  for (const auto& shard : router_->All()) STRATA_RETURN_IF_ERROR(shard->RemoveLeftovers());
  STRATA_RETURN_IF_ERROR(Recover());
  DeleteObsoleteWal();  // what replay found already in segments need not be replayed again
  flush_thread_ = std::thread([this] { FlushThreadMain(); });
  apply_thread_ = std::thread([this] { ApplyThreadMain(); });
  for (int i = 0; i < options_.compaction_threads; i++) {
    compaction_threads_.emplace_back([this] { CompactionThreadMain(); });
  }
  return OkStatus();
}

Result<bool> StorageEngine::SettleShardDuration() {
  const int64_t asked = options_.shard_duration_ns;
  auto identity = ReadIdentity(env_, dir_);
  if (!identity) {
    if (identity.error().code() != Code::kNotFound) return unexpected(identity.error());
    if (env_->FileExists(dir_)) {
      STRATA_ASSIGN_OR_RETURN(auto names, env_->ListDir(dir_));
      // A LOCK file and perhaps the identity's temporary file: an open that created the
      // directory and was killed before its identity was in place (WriteFileAtomically).
      const auto left_by_a_first_open = [](const std::string& name) {
        return name == kLockFileName || name == std::string(kIdentityFileName) + ".tmp";
      };
      if (!std::all_of(names.begin(), names.end(), left_by_a_first_open)) {
        return unexpected(Error::Invalid(dir_ + " is not empty and is not a Strata data directory"));
      }
    }
    options_.shard_duration_ns = asked != 0 ? asked : kDefaultShardDurationNs;
    return true;  // a new directory
  }
  const int64_t recorded = identity->shard_duration_ns;
  if (recorded != 0) {
    if (asked == 0 || asked == recorded) {
      options_.shard_duration_ns = recorded;
      return false;
    }
    STRATA_ASSIGN_OR_RETURN(const bool empty, HoldsNoPoints());
    if (!empty) return unexpected(Error::Invalid(ShardDurationConflict(asked, recorded, dir_)));
    // Nothing is laid out by the recorded duration yet: the asked one replaces it.
  }
  // No points yet, or a directory made before the duration was recorded: its shards so far were
  // laid out by the options it was opened with, which this open is taken to repeat.
  options_.shard_duration_ns = asked != 0 ? asked : kDefaultShardDurationNs;
  return true;
}

Result<bool> StorageEngine::HoldsNoPoints() {
  const std::string shards = JoinPath(dir_, "shards");
  if (env_->FileExists(shards)) {
    STRATA_ASSIGN_OR_RETURN(auto measurements, env_->ListDir(shards));
    for (const std::string& m : measurements) {
      STRATA_ASSIGN_OR_RETURN(auto windows, env_->ListDir(JoinPath(shards, m)));
      if (!windows.empty()) return false;
    }
  }
  const std::string wal = JoinPath(dir_, "wal");
  if (env_->FileExists(wal)) {
    STRATA_ASSIGN_OR_RETURN(auto files, env_->ListDir(wal));
    for (const std::string& f : files) {
      STRATA_ASSIGN_OR_RETURN(const uint64_t size, env_->FileSize(JoinPath(wal, f)));
      if (size != 0) return false;
    }
  }
  return true;
}

void StorageEngine::LogTruncatedTail(const WalReplayStats& stats) {
  if (stats.truncated_bytes == 0) return;
  Log("recovery: truncated a torn write of " + std::to_string(stats.truncated_bytes) +
      " bytes at offset " + std::to_string(stats.truncated_at) + " of " + stats.truncated_file +
      " (a write that was never acknowledged)");
}

// ---- recovery -------------------------------------------------------------------------------------

Status StorageEngine::Recover() {
  std::lock_guard lock(wal_mu_);
  for (const auto& shard : router_->All()) last_lsn_ = std::max(last_lsn_, shard->flushed_lsn());
  STRATA_ASSIGN_OR_RETURN(WalReplayStats stats,
                          wal_->Replay([&](WalRecordType type, uint64_t lsn, std::string_view payload) {
                            last_lsn_ = std::max(last_lsn_, lsn);
                            return ApplyRecord(type, lsn, payload);
                          }));
  STRATA_RETURN_IF_ERROR(wal_->FinishReplay());
  applied_lsn_ = last_lsn_;
  committed_lsn_ = last_lsn_;
  LogTruncatedTail(stats);
  return OkStatus();
}

Status StorageEngine::CheckRecord(WalRecordType type, uint64_t lsn, std::string_view payload,
                                  DecodedWrite* decoded) const {
  auto corrupt = [&](const std::string& what) {
    return unexpected(Error(Code::kCorrupt, "WAL record " + std::to_string(lsn) + ": " + what +
                                                "; `strata repair` can cut the log before it"));
  };
  if (type != WalRecordType::kWrite || !DecodeWriteRecord(payload, decoded)) {
    return corrupt("malformed write record");
  }
  if (std::string why = CheckLoggedWrite(*decoded, *catalog_, router_->windows()); !why.empty()) {
    return corrupt(why);
  }
  return OkStatus();
}

Status StorageEngine::ApplyRecord(WalRecordType type, uint64_t lsn, std::string_view payload) {
  DecodedWrite decoded;
  STRATA_RETURN_IF_ERROR(CheckRecord(type, lsn, payload, &decoded));
  for (const DeleteRecord& rec : decoded.deletes) ApplyDeleteRecord(rec, lsn, /*recovering=*/true);
  const int64_t cutoff =
      options_.retention_ns > 0 ? env_->NowNanos() - options_.retention_ns : INT64_MIN;
  for (const WritePart& part : decoded.parts) {
    STRATA_ASSIGN_OR_RETURN(auto shard, router_->GetOrCreate(part.measurement, part.window_start));
    if (shard->window_end() <= cutoff || lsn <= shard->flushed_lsn()) continue;
    shard->ApplyWrite(lsn, part.series);
    if (shard->NeedsFreeze() && shard->Freeze()) {
      // Flush as we go so that replaying a long WAL needs no more memory than normal operation.
      STRATA_RETURN_IF_ERROR(shard->FlushOldestFrozen());
    }
  }
  return OkStatus();
}

void StorageEngine::ApplyDeleteRecord(const DeleteRecord& rec, uint64_t lsn, bool recovering) {
  for (const auto& shard : router_->ShardsFor(rec.measurement, rec.min_time, rec.max_time)) {
    if (recovering && lsn <= shard->flushed_lsn()) continue;
    shard->ApplyDelete(lsn, rec.series_ids, rec.min_time, rec.max_time);
  }
}

// ---- write path -----------------------------------------------------------------------------------

Result<std::unique_ptr<StorageEngine::Prepared>> StorageEngine::PrepareWrite(const WriteBatch& batch) {
  auto p = std::make_unique<Prepared>();
  for (const DeleteSpec& d : batch.deletes()) {
    DeleteRecord rec{d.measurement, d.min_time, d.max_time, {}};
    for (const SeriesInfo* s : catalog_->Match(d.measurement, d.tags, d.fields)) {
      if (d.exact_tags && s->tags.size() != d.tags.size()) continue;
      rec.series_ids.push_back(s->id);
    }
    if (!rec.series_ids.empty()) p->deletes.push_back(std::move(rec));
  }
  const auto& series = batch.series();
  const auto& tagsets = batch.tagsets();
  std::vector<size_t> which;  // the series with points
  for (size_t i = 0; i < series.size(); i++) {
    if (!series[i].points.empty()) which.push_back(i);
  }
  if (which.empty()) {
    if (p->deletes.empty()) return p;  // nothing to log
    EncodeWriteRecord(p->deletes, {}, &p->payload);
#ifdef STRATA_CHECK_ENCODINGS
    STRATA_RETURN_IF_ERROR(CheckWriteRecord(p->payload, p->deletes, {}));
#endif
    return p;
  }

  const int64_t oldest = OldestWritableTime();
  // Route first so that a refused point registers nothing in the catalog.
  std::map<std::pair<std::string, int64_t>, std::vector<std::pair<size_t, const Column*>>> routed;
  for (size_t k = 0; k < which.size(); k++) {
    const WriteBatch::Series& s = series[which[k]];
    const std::string& m = tagsets[s.tagset].measurement;
    const auto [lo, hi] = std::minmax_element(s.points.times.begin(), s.points.times.end());
    if (*lo < oldest) {
      return unexpected(Error::Invalid(
          "time " + std::to_string(*lo) + " of series '" + s.key +
          (router_->Routable(*lo) ? "' is older than the retention period"
                                  : "' is outside the storable range")));
    }
    const int64_t first = router_->WindowStart(*lo);
    if (first == router_->WindowStart(*hi)) {
      routed[{m, first}].emplace_back(k, &s.points);
      continue;
    }
    std::map<int64_t, Column*> by_window;  // a series spanning windows is split
    for (size_t i = 0; i < s.points.size(); i++) {
      const int64_t w = router_->WindowStart(s.points.times[i]);
      Column*& c = by_window[w];
      if (c == nullptr) {
        c = &p->split.emplace_back();
        c->type = s.points.type;
        routed[{m, w}].emplace_back(k, c);
      }
      c->AppendFrom(s.points, i);
    }
  }

  // Series that an earlier write of this batch resolved in this catalog keep their IDs.
  std::vector<uint64_t> ids(which.size());
  std::vector<SeriesSpec> specs;
  std::vector<size_t> unresolved;  // indexes into which / ids
  for (size_t k = 0; k < which.size(); k++) {
    const WriteBatch::Series& s = series[which[k]];
    if (s.catalog_instance == catalog_->instance()) {
      ids[k] = s.catalog_id;
      continue;
    }
    const WriteBatch::TagSet& ts = tagsets[s.tagset];
    specs.push_back(SeriesSpec{s.key, ts.measurement, ts.tags, s.field, s.points.type});
    unresolved.push_back(k);
  }
  if (!specs.empty()) {
    std::vector<uint64_t> resolved(specs.size());
    STRATA_RETURN_IF_ERROR(catalog_->Resolve(specs, resolved.data()));
    for (size_t j = 0; j < unresolved.size(); j++) {
      const WriteBatch::Series& s = series[which[unresolved[j]]];
      ids[unresolved[j]] = resolved[j];
      s.catalog_id = resolved[j];
      s.catalog_instance = catalog_->instance();
    }
  }

  std::vector<WritePart> wal_parts;
  for (auto& [key, list] : routed) {
    STRATA_ASSIGN_OR_RETURN(auto shard, router_->GetOrCreate(key.first, key.second));
    Prepared::Part part{std::move(shard), {}};
    for (const auto& [k, col] : list) part.series.push_back(SeriesPoints{ids[k], col});
    wal_parts.push_back(WritePart{key.first, key.second, part.series});
    p->parts.push_back(std::move(part));
  }
  EncodeWriteRecord(p->deletes, wal_parts, &p->payload);
#ifdef STRATA_CHECK_ENCODINGS
  STRATA_RETURN_IF_ERROR(CheckWriteRecord(p->payload, p->deletes, wal_parts));
#endif
  p->points = batch.point_count();
  return p;
}

int64_t StorageEngine::OldestWritableTime() const {
  const int64_t routable = router_->FirstWindowStart();
  if (options_.retention_ns <= 0) return routable;
  // A window that ends at or before now - retention is expired: the oldest kept one holds it.
  return std::max(routable, router_->WindowStart(env_->NowNanos() - options_.retention_ns));
}

Status StorageEngine::Write(const WriteBatch& batch) {
  STRATA_RETURN_IF_ERROR(BackgroundError());
  STRATA_ASSIGN_OR_RETURN(auto prepared, PrepareWrite(batch));
  if (prepared->parts.empty() && prepared->deletes.empty()) return OkStatus();
  return Commit(std::move(prepared), nullptr);
}

Status StorageEngine::WriteAndClear(WriteBatch& batch) {
  STRATA_RETURN_IF_ERROR(BackgroundError());
  STRATA_ASSIGN_OR_RETURN(auto prepared, PrepareWrite(batch));
  if (!prepared->parts.empty() || !prepared->deletes.empty()) {
    STRATA_RETURN_IF_ERROR(Commit(std::move(prepared), &batch));
  }
  batch.ClearPoints();
  return OkStatus();
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

Status StorageEngine::DropMeasurement(const std::string& measurement) {
  QueryRequest all;
  all.measurement = measurement;
  // The delete goes through the WAL first, so a replay of older WAL records cannot bring the
  // data back; then the shards go.
  STRATA_RETURN_IF_ERROR(Delete(all));
  STRATA_RETURN_IF_ERROR(Flush());
  for (const auto& shard : router_->RemoveMeasurement(measurement)) {
    STRATA_RETURN_IF_ERROR(env_->RemoveDirRecursive(shard->dir()));
  }
  return OkStatus();
}

Status StorageEngine::Commit(std::unique_ptr<Prepared> p, WriteBatch* take_from) {
  STRATA_RETURN_IF_ERROR(WaitForFlushCapacity());
  Writer w;
  w.prepared = p.get();
  if (take_from != nullptr) {
    WaitForApplyCapacity();
    w.take_from = take_from;
    w.owned = std::move(p);
  }
  Status s = CommitInGroup(&w);
  // A write whose apply was queued behind others returns once it is applied, as the caller may
  // change the batch its columns are in (WriteAndClear's columns were taken: no need to wait).
  if (s && w.queued && take_from == nullptr) WaitForApplied(w.lsn);
  return s;
}

Status StorageEngine::CommitInGroup(Writer* writer) {
  Writer& w = *writer;
  std::unique_lock lock(mu_);
  writers_.push_back(&w);
  w.cv.wait(lock, [&] { return w.done || writers_.front() == &w; });
  if (w.done) return w.status;

  // This thread leads: it commits every queued writer, up to kMaxGroupBytes, with one fsync.
  std::vector<Writer*> group;
  size_t bytes = 0;
  for (Writer* x : writers_) {
    if (!group.empty() && bytes + x->prepared->payload.size() > kMaxGroupBytes) break;
    group.push_back(x);
    bytes += x->prepared->payload.size();
  }
  lock.unlock();
  Status s = WriteGroup(group);
  lock.lock();
  for (Writer* x : group) {
    writers_.pop_front();
    if (x != &w) {
      x->status = s;
      x->done = true;
      x->cv.notify_one();
    }
  }
  if (!writers_.empty()) writers_.front()->cv.notify_one();
  return s;
}

Status StorageEngine::WriteGroup(const std::vector<Writer*>& group) {
  std::vector<uint64_t> lsns;
  {
    std::lock_guard lock(wal_mu_);
    Status s = options_.sync == SyncMode::kOff ? OkStatus() : catalog_->Sync();
    for (Writer* x : group) {
      if (!s) break;
      lsns.push_back(++last_lsn_);
      s = wal_->Append(WalRecordType::kWrite, lsns.back(), x->prepared->payload);
    }
    if (s) {
      wal_dirty_ = true;
      const int64_t now = options_.sync == SyncMode::kNormal ? env_->NowNanos() : 0;
      if (options_.sync == SyncMode::kFull ||
          (options_.sync == SyncMode::kNormal &&
           now - last_sync_ns_ >= options_.sync_interval_ms * 1'000'000)) {
        s = wal_->Sync();
        wal_syncs_++;
        last_sync_ns_ = now;
        wal_dirty_ = !s;
      }
    }
    if (!s) {
      // The log may now end in a partial record: no further write may be acknowledged.
      SetBackgroundError(s.error());
      return s;
    }
  }
  committed_lsn_ = lsns.back();
  // Records apply in LSN order: on this thread while the apply thread has nothing to do, else
  // (and for every WriteAndClear) after what it has, by it. Groups commit one after another.
  std::unique_lock lock(apply_mu_);
  bool queue = apply_pending_ > 0;
  for (size_t i = 0; i < group.size(); i++) {
    Writer& x = *group[i];
    x.lsn = lsns[i];
    if (!queue && x.take_from == nullptr) {
      lock.unlock();
      ApplyCommitted(*x.prepared, x.lsn);
      lock.lock();
      applied_lsn_ = x.lsn;
      apply_done_cv_.notify_all();
      continue;
    }
    queue = true;
    x.queued = true;
    if (x.take_from != nullptr) TakeColumns(x.owned.get(), x.take_from);
    apply_queued_points_ += x.prepared->points;
    apply_queue_.push_back(PendingApply{x.prepared, std::move(x.owned), x.lsn});
    apply_pending_++;
  }
  lock.unlock();
  if (queue) apply_cv_.notify_all();
  return OkStatus();
}

void StorageEngine::ApplyCommitted(const Prepared& p, uint64_t lsn) {
  for (const DeleteRecord& rec : p.deletes) ApplyDeleteRecord(rec, lsn, /*recovering=*/false);
  ApplyPrepared(p, lsn);
  points_written_ += p.points;
  batches_written_++;
}

void StorageEngine::TakeColumns(Prepared* p, WriteBatch* batch) {
  // The parts point at the batch's columns (or at p->split): move those columns into p.
  std::unordered_map<const Column*, size_t> series_of;
  for (size_t i = 0; i < batch->series().size(); i++) {
    if (!batch->series()[i].points.empty()) series_of.emplace(&batch->series()[i].points, i);
  }
  std::unordered_map<const Column*, const Column*> moved;
  for (Prepared::Part& part : p->parts) {
    for (SeriesPoints& sp : part.series) {
      auto it = series_of.find(sp.points);
      if (it == series_of.end()) continue;  // a split column, p's already
      auto [m, added] = moved.try_emplace(sp.points, nullptr);
      if (added) {
        // The batch gets a column the apply thread is done with, so that refilling it does not
        // allocate again. REQUIRES: apply_mu_ held.
        Column spare;
        if (!spare_columns_.empty()) {
          spare = std::move(spare_columns_.back());
          spare_columns_.pop_back();
        }
        m->second = &p->taken.emplace_back(batch->TakePoints(it->second, std::move(spare)));
      }
      sp.points = m->second;
    }
  }
}

void StorageEngine::ApplyThreadMain() {
  std::unique_lock lock(apply_mu_);
  while (true) {
    apply_cv_.wait(lock, [&] { return apply_stopping_ || !apply_queue_.empty(); });
    if (apply_queue_.empty()) return;  // stopping, with nothing left to apply
    PendingApply next = std::move(apply_queue_.front());
    apply_queue_.pop_front();
    lock.unlock();
    ApplyCommitted(*next.prepared, next.lsn);
    const uint64_t points = next.prepared->points;
    lock.lock();
    if (next.owned != nullptr) {
      for (Column& c : next.owned->taken) {
        if (spare_columns_.size() >= kMaxSpareColumns) break;
        c.clear();
        spare_columns_.push_back(std::move(c));
      }
    }
    lock.unlock();
    next.owned.reset();
    lock.lock();
    applied_lsn_ = next.lsn;
    apply_pending_--;
    apply_queued_points_ -= points;
    apply_done_cv_.notify_all();
  }
}

void StorageEngine::WaitForApplied(uint64_t lsn) const {
  if (applied_lsn_ >= lsn) return;
  std::unique_lock lock(apply_mu_);
  apply_done_cv_.wait(lock, [&] { return applied_lsn_ >= lsn; });
}

void StorageEngine::WaitForApplyCapacity() {
  std::unique_lock lock(apply_mu_);
  apply_done_cv_.wait(lock, [&] { return apply_queued_points_ < kMaxQueuedApplyPoints; });
}

void StorageEngine::ApplyPrepared(const Prepared& p, uint64_t lsn) {
  for (const Prepared::Part& part : p.parts) {
    part.shard->ApplyWrite(lsn, part.series);
    if (part.shard->NeedsFreeze()) FreezeAndSchedule(part.shard);
  }
}

void StorageEngine::FreezeAndSchedule(const std::shared_ptr<Shard>& shard) {
  uint64_t bytes = 0;
  if (!shard->Freeze(&bytes)) return;
  frozen_bytes_ += bytes;
  {
    std::lock_guard lock(mu_);
    flush_queue_.push_back(shard);
  }
  flush_cv_.notify_one();
}

Status StorageEngine::WaitForFlushCapacity() {
  std::unique_lock lock(mu_);
  // Writers wait while two MemStores' worth is frozen and not yet flushed: one MemStore being
  // flushed does not hold them up (the flush thread keeps pace on average), a flush thread that
  // falls behind does, and memory stays bounded by about one active MemStore per busy shard plus
  // two frozen ones.
  flush_done_cv_.wait(lock, [&] {
    return bg_error_.has_value() || stopping_ || frozen_bytes_.load() < 2 * options_.memstore_bytes;
  });
  if (bg_error_) return unexpected(*bg_error_);
  return OkStatus();
}

Status StorageEngine::BackgroundError() const {
  std::lock_guard lock(mu_);
  if (bg_error_) return unexpected(*bg_error_);
  return OkStatus();
}

void StorageEngine::SetBackgroundError(const Error& e) {
  {
    std::lock_guard lock(mu_);
    if (!bg_error_) {
      bg_error_ = Error(e.code(), "writes are stopped after an earlier failure: " + e.message());
      Log(dir_ + ": " + bg_error_->ToString());
    }
  }
  flush_done_cv_.notify_all();
}

// ---- background flush -------------------------------------------------------------------------

void StorageEngine::FlushThreadMain() {
  const auto tick = std::chrono::milliseconds(
      options_.sync == SyncMode::kNormal ? options_.sync_interval_ms : 1000);
  std::unique_lock lock(mu_);
  while (true) {
    flush_cv_.wait_for(lock, tick, [&] { return stopping_ || !flush_queue_.empty(); });
    if (stopping_) return;
    while (!flush_queue_.empty() && !bg_error_) {
      auto shard = std::move(flush_queue_.front());
      flush_queue_.pop_front();
      lock.unlock();
      uint64_t released = 0;
      Status s = OkStatus();
      while (s && shard->HasFrozen()) {
        s = shard->FlushOldestFrozen(&released);
        if (s) flushes_++;
      }
      frozen_bytes_ -= released;  // exactly what Freeze added for these MemStores
      if (!s) SetBackgroundError(s.error());
      DeleteObsoleteWal();
      // A damaged shard is not merged until `strata repair` (Shard::Compact would refuse).
      const bool compact = shard->SegmentCount() >= kCompactionTrigger && !shard->Damage();
      lock.lock();
      if (compact && std::find(compact_queue_.begin(), compact_queue_.end(), shard) ==
                         compact_queue_.end()) {
        compact_queue_.push_back(shard);
        compact_cv_.notify_one();
      }
      flush_done_cv_.notify_all();
    }
    lock.unlock();
    if (options_.sync == SyncMode::kNormal) {
      std::lock_guard wal_lock(wal_mu_);
      if (wal_dirty_) {
        if (auto s = wal_->Sync(); !s) {
          SetBackgroundError(s.error());
        } else {
          wal_dirty_ = false;
          wal_syncs_++;
          last_sync_ns_ = env_->NowNanos();
        }
      }
    }
    if (options_.retention_ns > 0) {
      for (const auto& shard : router_->RemoveEndedBefore(env_->NowNanos() - options_.retention_ns)) {
        Log("retention: dropping shard " + shard->dir());
        if (auto s = env_->RemoveDirRecursive(shard->dir()); !s) Log(s.error().ToString());
      }
    }
    lock.lock();
  }
}

void StorageEngine::CompactionThreadMain() {
  std::unique_lock lock(mu_);
  while (true) {
    compact_cv_.wait(lock, [&] { return stopping_ || !compact_queue_.empty(); });
    if (stopping_) return;
    auto shard = std::move(compact_queue_.front());
    compact_queue_.pop_front();
    lock.unlock();
    if (auto s = shard->Compact(); !s) {
      // A failed merge loses nothing (its inputs stay); it is logged, and retried after the next
      // flush of the shard.
      Log("compaction of " + shard->dir() + " failed: " + s.error().ToString());
    } else {
      compactions_++;
    }
    lock.lock();
  }
}

void StorageEngine::DeleteObsoleteWal() {
  std::shared_ptr<Shard> pinning;
  uint64_t wal_bytes;
  {
    std::lock_guard lock(wal_mu_);  // no record is appended meanwhile
    // Read how far records are applied before asking the shards what they still hold: every
    // record up to `applied` is then reflected in some shard's OldestUnflushedLsn, and a record
    // appended but not yet applied (> applied) is never deleted.
    const uint64_t applied = applied_lsn_;
    uint64_t oldest = UINT64_MAX;
    for (const auto& shard : router_->All()) {
      const uint64_t lsn = shard->OldestUnflushedLsn();
      if (lsn < oldest) {
        oldest = lsn;
        pinning = shard;
      }
    }
    const uint64_t obsolete = std::min(oldest - 1, applied);
    Status s = OkStatus();
    if (oldest == UINT64_MAX && applied == last_lsn_ && wal_->total_bytes() > 0) {
      s = wal_->Rotate();  // everything is in segments: let the active file go too
    }
    if (s) s = wal_->DeleteObsolete(obsolete);
    if (!s) Log(s.error().ToString());
    wal_bytes = wal_->total_bytes();
  }
  // A shard that receives little keeps the log from shrinking: flush it once the log grows past
  // a few files, so the WAL (and the time to replay it) stays bounded.
  if (pinning != nullptr && wal_bytes > 4 * options_.wal_segment_bytes) FreezeAndSchedule(pinning);
}

Status StorageEngine::Flush() {
  STRATA_RETURN_IF_ERROR(BackgroundError());
  WaitForApplied(committed_lsn_);
  std::vector<std::shared_ptr<Shard>> shards = router_->All();
  for (const auto& shard : shards) FreezeAndSchedule(shard);
  std::unique_lock lock(mu_);
  flush_done_cv_.wait(lock, [&] {
    if (bg_error_ || stopping_) return true;
    for (const auto& shard : shards) {
      if (shard->HasFrozen()) return false;
    }
    return true;
  });
  if (bg_error_) return unexpected(*bg_error_);
  lock.unlock();
  DeleteObsoleteWal();  // also when there was nothing to freeze
  return OkStatus();
}

Status StorageEngine::Compact() {
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
  WaitForApplied(committed_lsn_);  // every write acknowledged before this read is in the shards
  QuerySnapshot snap;
  snap.min_time = q.min_time;
  snap.max_time = q.max_time;
  snap.series = catalog_->Match(q.measurement, q.tags, q.fields);
  if (!snap.series.empty() && q.min_time <= q.max_time) {
    std::vector<uint64_t> ids;
    ids.reserve(snap.series.size());
    for (const SeriesInfo* s : snap.series) ids.push_back(s->id);
    for (const auto& shard : router_->ShardsFor(q.measurement, q.min_time, q.max_time)) {
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

EngineStats StorageEngine::Stats() const {
  WaitForApplied(committed_lsn_);
  EngineStats st;
  st.dir = dir_;
  st.series = catalog_->series_count();
  {
    std::lock_guard lock(wal_mu_);
    st.last_lsn = last_lsn_;
    st.wal_bytes = wal_->total_bytes();
    st.wal_files = wal_->file_count();
  }
  st.points_written = points_written_;
  st.batches_written = batches_written_;
  st.wal_syncs = wal_syncs_;
  st.flushes = flushes_;
  st.compactions = compactions_;
  {
    std::lock_guard lock(mu_);
    if (bg_error_) st.background_error = bg_error_->ToString();
  }
  for (const auto& shard : router_->All()) st.shards.push_back(shard->Stats());
  return st;
}

std::string StorageEngine::StatsJson() const {
  EngineStats st = Stats();
  nlohmann::json j;
  j["dir"] = st.dir;
  j["series"] = st.series;
  j["last_lsn"] = st.last_lsn;
  j["wal_bytes"] = st.wal_bytes;
  j["wal_files"] = st.wal_files;
  j["points_written"] = st.points_written;
  j["batches_written"] = st.batches_written;
  j["wal_syncs"] = st.wal_syncs;
  j["flushes"] = st.flushes;
  j["compactions"] = st.compactions;
  j["background_error"] = st.background_error.empty() ? nlohmann::json() : nlohmann::json(st.background_error);
  uint64_t seg_bytes = 0, seg_points = 0, mem_bytes = 0;
  j["shards"] = nlohmann::json::array();
  for (const ShardStats& s : st.shards) {
    seg_bytes += s.segment_bytes;
    seg_points += s.segment_points;
    mem_bytes += s.active_bytes + s.frozen_bytes;
    j["shards"].push_back({{"measurement", s.measurement},
                           {"window_start", s.window_start},
                           {"memstore_bytes", s.active_bytes},
                           {"memstore_points", s.active_points},
                           {"frozen_memstores", s.frozen_count},
                           {"frozen_bytes", s.frozen_bytes},
                           {"segments", s.segment_count},
                           {"segment_bytes", s.segment_bytes},
                           {"segment_points", s.segment_points},
                           {"tombstones", s.tombstones},
                           {"flushed_lsn", s.flushed_lsn},
                           {"damage", s.damage.empty() ? nlohmann::json() : nlohmann::json(s.damage)}});
  }
  j["segment_bytes"] = seg_bytes;
  j["segment_points"] = seg_points;
  j["memstore_bytes"] = mem_bytes;
  return j.dump();
}

std::vector<std::string> StorageEngine::Verify() const {
  std::vector<std::string> problems;
  for (const auto& shard : router_->All()) {
    auto p = shard->Verify();
    problems.insert(problems.end(), p.begin(), p.end());
  }
  return problems;
}

}  // namespace strata
