// The CommitPipeline makes PreparedWrites durable and visible, in LSN order. Writers queue; the
// writer at the head leads: it appends every queued write's record to the directory's WAL (up to
// kMaxGroupBytes) and syncs once for all of them per the sync mode (group commit), then applies
// them to the shards through `apply`. It applies on its own thread while the apply thread is idle;
// behind queued work, and for writes committed with `apply_in_background` (WriteAndClear), the
// apply thread applies them after the writers have returned. A reader that must see every
// acknowledged write first waits for it to be applied (WaitForCommittedApplied).
//
// Ownership: the pipeline owns the WAL and the apply thread. A committed PreparedWrite is moved
// into the pipeline and destroyed once applied; one that failed to commit stays with its writer.
// A write that borrows its batch's columns is applied before Commit returns.
//
// Locks, taken in this order when nested: writers_mu_ (the commit queue), wal_mu_ (the log and its
// LSNs), apply_mu_ (the apply queue). Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "catalog.h"
#include "column_pool.h"
#include "env.h"
#include "mutex.h"
#include "options.h"
#include "prepared_write.h"
#include "result.h"
#include "shard.h"
#include "shard_router.h"
#include "wal.h"

namespace strata {

class CommitPipeline {
 public:
  // Applies a committed write to the shards (deletes first). Called in LSN order, one at a time.
  using ApplyFn = std::function<void(const PreparedWrite& write, uint64_t lsn)>;
  // Told when appending to or syncing the log failed: the log may end in a partial record, and
  // no later write may be acknowledged.
  using FailFn = std::function<void(const Error& error)>;

  struct LogStats {
    uint64_t last_lsn = 0;
    uint64_t bytes = 0;
    uint64_t files = 0;
    uint64_t syncs = 0;
  };

  // `wal` is replayed (records up to `last_lsn` are in the shards); the catalog is synced before
  // each group's records are (unless sync is off), as they name its series.
  CommitPipeline(Env* env, const Options& options, Catalog* catalog, std::unique_ptr<Wal> wal,
                 uint64_t last_lsn, ApplyFn apply, FailFn fail);
  // Stop(), then syncs the log if it holds records not yet synced.
  ~CommitPipeline();
  CommitPipeline(const CommitPipeline&) = delete;
  CommitPipeline& operator=(const CommitPipeline&) = delete;

  void StartApplyThread();
  // Applies what is queued, then stops the apply thread. No Commit may follow.
  void Stop() EXCLUDES(apply_mu_);

  // Logs `*write` and applies it, and takes it (*write is null) when it returns OK: applied before
  // then, or with `apply_in_background` by the apply thread (REQUIRES: the write does not borrow
  // its batch; waits first while the apply queue is full). On error *write is the caller's still
  // and nothing of it is logged; an error of the log also goes to `fail`.
  [[nodiscard]] Status Commit(std::unique_ptr<PreparedWrite>* write, bool apply_in_background)
      EXCLUDES(writers_mu_, wal_mu_, apply_mu_);

  // Holds the log still (no record appended, no file deleted) while `pin` runs with the LSN of the
  // newest committed record, once every record up to it is applied: what `pin` sees of the shards
  // and the log files is exactly the writes up to that LSN (a backup's point, backup_point.h). A
  // failure of the log is reported to `fail` under the same hold, so `pin` can check for it.
  [[nodiscard]] Status HoldAtCommittedPoint(const std::function<Status(uint64_t lsn)>& pin)
      EXCLUDES(wal_mu_, apply_mu_);
  // Waits until every write acknowledged so far is applied to the shards.
  void WaitForCommittedApplied() const EXCLUDES(apply_mu_) { WaitForApplied(committed_lsn_); }

  // A column for a batch in place of one a write takes; see PreparedWrite.
  ColumnPool* column_pool() { return &column_pool_; }

  // Syncs the log if it holds records not yet synced (for SyncMode::kNormal's periodic sync).
  void SyncIfDirty() EXCLUDES(wal_mu_);
  // Deletes the log files whose records are all in segments, per `router`'s shards. Returns the
  // shard whose unflushed points keep more than a few files alive (the caller should flush it),
  // or null.
  std::shared_ptr<Shard> DeleteObsoleteFiles(const ShardRouter& router) EXCLUDES(wal_mu_);
  LogStats log_stats() const EXCLUDES(wal_mu_);

 private:
  struct Writer;
  struct PendingApply {
    std::unique_ptr<PreparedWrite> write;
    uint64_t lsn;
  };
  static constexpr size_t kMaxGroupBytes = 8u << 20;  // a group stops growing past this much log
  static constexpr uint64_t kMaxQueuedApplyPoints = 1u << 20;

  // Queues w; returns once a leader (w itself, or another writer) has committed it.
  Status CommitInGroup(Writer* w) EXCLUDES(writers_mu_, wal_mu_, apply_mu_);
  // Logs the group's records, setting each writer's lsn.
  Status AppendGroup(const std::vector<Writer*>& group) EXCLUDES(wal_mu_);
  // Whether the records appended at `now` (0 unless SyncMode::kNormal) are synced now.
  bool SyncDue(int64_t now) const REQUIRES(wal_mu_);
  // Applies the logged group here or queues it for the apply thread, in LSN order.
  void ApplyGroup(const std::vector<Writer*>& group) EXCLUDES(apply_mu_);
  void WaitForApplied(uint64_t lsn) const EXCLUDES(apply_mu_);
  void WaitForApplyCapacity() EXCLUDES(apply_mu_);
  void ApplyThreadMain() EXCLUDES(apply_mu_);

  Env* const env_;
  const Options options_;
  Catalog* const catalog_;
  const ApplyFn apply_;
  const FailFn fail_;
  ColumnPool column_pool_;

  Mutex writers_mu_ ACQUIRED_BEFORE(wal_mu_);
  std::deque<Writer*> writers_ GUARDED_BY(writers_mu_);  // the commit queue; the head leads

  mutable Mutex wal_mu_ ACQUIRED_BEFORE(apply_mu_);
  const std::unique_ptr<Wal> wal_ PT_GUARDED_BY(wal_mu_);
  uint64_t last_lsn_ GUARDED_BY(wal_mu_);     // the newest record's LSN
  int64_t last_sync_ns_ GUARDED_BY(wal_mu_) = 0;
  bool wal_dirty_ GUARDED_BY(wal_mu_) = false;  // records appended but not synced
  std::atomic<uint64_t> wal_syncs_{0};

  std::atomic<uint64_t> committed_lsn_;  // every record up to it is logged (and acknowledged)
  std::atomic<uint64_t> applied_lsn_;    // every record up to it is applied to the shards

  mutable Mutex apply_mu_;
  CondVar apply_cv_;               // on apply_mu_: work for the apply thread, or Stop
  mutable CondVar apply_done_cv_;  // on apply_mu_: applied_lsn_ moved
  std::deque<PendingApply> apply_queue_ GUARDED_BY(apply_mu_);
  size_t apply_pending_ GUARDED_BY(apply_mu_) = 0;  // queued plus being applied
  uint64_t apply_queued_points_ GUARDED_BY(apply_mu_) = 0;
  bool apply_stopping_ GUARDED_BY(apply_mu_) = false;
  std::thread apply_thread_;
};

}  // namespace strata
