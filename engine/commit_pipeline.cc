#include "commit_pipeline.h"

#include <algorithm>

#include "logger.h"

namespace strata {

// One thread waiting in the commit queue. The leader that commits it fills in lsn, status and
// queued, then sets done; until then the writer only waits.
struct CommitPipeline::Writer {
  Writer(std::unique_ptr<PreparedWrite>* w, bool background)
      : write(w), apply_in_background(background) {}

  std::unique_ptr<PreparedWrite>* const write;  // moved to the apply queue when queued
  const bool apply_in_background;
  uint64_t lsn = 0;
  bool queued = false;  // the apply thread applies it
  Status status;
  bool done = false;
  CondVar cv;  // on writers_mu_
};

CommitPipeline::CommitPipeline(Env* env, const Options& options, Catalog* catalog,
                               std::unique_ptr<Wal> wal, uint64_t last_lsn, ApplyFn apply,
                               FailFn fail)
    : env_(env),
      options_(options),
      catalog_(catalog),
      apply_(std::move(apply)),
      fail_(std::move(fail)),
      wal_(std::move(wal)),
      last_lsn_(last_lsn),
      committed_lsn_(last_lsn),
      applied_lsn_(last_lsn) {}

CommitPipeline::~CommitPipeline() {
  Stop();
  MutexLock lock(&wal_mu_);
  if (wal_dirty_) {
    if (auto s = wal_->Sync(); !s) Log("closing " + wal_->dir() + ": " + s.error().ToString());
  }
}

void CommitPipeline::StartApplyThread() {
  apply_thread_ = std::thread([this] { ApplyThreadMain(); });
}

void CommitPipeline::Stop() {
  {
    MutexLock lock(&apply_mu_);
    apply_stopping_ = true;  // the apply thread empties its queue first
  }
  apply_cv_.SignalAll();
  if (apply_thread_.joinable()) apply_thread_.join();
}

Status CommitPipeline::Commit(std::unique_ptr<PreparedWrite>* write, bool apply_in_background) {
  const bool borrows = (*write)->borrows_batch();
  if (apply_in_background) WaitForApplyCapacity();
  Writer w(write, apply_in_background);
  STRATA_RETURN_IF_ERROR(CommitInGroup(&w));
  // A write queued behind others returns once it is applied when it borrows its batch's columns,
  // as the caller may change the batch next.
  if (w.queued && borrows) WaitForApplied(w.lsn);
  if (!w.queued) write->reset();  // applied here: done with it
  return OkStatus();
}

Status CommitPipeline::CommitInGroup(Writer* w) {
  MutexLock lock(&writers_mu_);
  writers_.push_back(w);
  while (!w->done && writers_.front() != w) w->cv.Wait(&writers_mu_);
  if (w->done) return w->status;

  // This thread leads: it commits every queued writer, up to kMaxGroupBytes, with one sync.
  std::vector<Writer*> group;
  size_t bytes = 0;
  for (Writer* x : writers_) {
    const size_t size = (*x->write)->payload().size();
    if (!group.empty() && bytes + size > kMaxGroupBytes) break;
    group.push_back(x);
    bytes += size;
  }
  lock.Unlock();
  Status s = AppendGroup(group);
  if (s) ApplyGroup(group);
  lock.Lock();
  for (Writer* x : group) {
    writers_.pop_front();
    if (x != w) {
      x->status = s;
      x->done = true;
      x->cv.Signal();
    }
  }
  if (!writers_.empty()) writers_.front()->cv.Signal();
  return s;
}

Status CommitPipeline::AppendGroup(const std::vector<Writer*>& group) {
  MutexLock lock(&wal_mu_);
  Status s = options_.sync == SyncMode::kOff ? OkStatus() : catalog_->Sync();
  for (Writer* x : group) {
    if (!s) break;
    x->lsn = ++last_lsn_;
    s = wal_->Append(WalRecordType::kWrite, x->lsn, (*x->write)->payload());
  }
  if (s) {
    wal_dirty_ = true;
    const int64_t now = options_.sync == SyncMode::kNormal ? env_->NowNanos() : 0;
    if (SyncDue(now)) {
      s = wal_->Sync();
      wal_syncs_++;
      last_sync_ns_ = now;
      wal_dirty_ = !s;
    }
  }
  if (!s) {
    // The log may now end in a partial record: no further write may be acknowledged.
    fail_(s.error());
    return s;
  }
  committed_lsn_ = group.back()->lsn;
  return OkStatus();
}

bool CommitPipeline::SyncDue(int64_t now) const {
  switch (options_.sync) {
    case SyncMode::kFull: return true;
    case SyncMode::kNormal: return now - last_sync_ns_ >= options_.sync_interval_ms * 1'000'000;
    case SyncMode::kOff: return false;
  }
  return false;
}

void CommitPipeline::ApplyGroup(const std::vector<Writer*>& group) {
  // Records apply in LSN order: here while the apply thread has nothing to do, else (and for
  // every write applied in the background) after what it has, by it. Groups commit one after
  // another, so no other thread applies or queues meanwhile.
  MutexLock lock(&apply_mu_);
  bool queue = apply_pending_ > 0;
  for (Writer* x : group) {
    if (!queue && !x->apply_in_background) {
      lock.Unlock();
      apply_(**x->write, x->lsn);
      lock.Lock();
      applied_lsn_ = x->lsn;
      apply_done_cv_.SignalAll();
      continue;
    }
    queue = true;
    x->queued = true;
    apply_queued_points_ += (*x->write)->points();
    apply_queue_.push_back(PendingApply{std::move(*x->write), x->lsn});
    apply_pending_++;
  }
  lock.Unlock();
  if (queue) apply_cv_.SignalAll();
}

void CommitPipeline::ApplyThreadMain() {
  MutexLock lock(&apply_mu_);
  while (true) {
    while (!apply_stopping_ && apply_queue_.empty()) apply_cv_.Wait(&apply_mu_);
    if (apply_queue_.empty()) return;  // stopping, with nothing left to apply
    PendingApply next = std::move(apply_queue_.front());
    apply_queue_.pop_front();
    lock.Unlock();
    apply_(*next.write, next.lsn);
    const uint64_t points = next.write->points();
    next.write->RecycleColumns(&column_pool_);
    next.write.reset();
    lock.Lock();
    applied_lsn_ = next.lsn;
    apply_pending_--;
    apply_queued_points_ -= points;
    apply_done_cv_.SignalAll();
  }
}

Status CommitPipeline::HoldAtCommittedPoint(const std::function<Status(uint64_t lsn)>& pin) {
  MutexLock lock(&wal_mu_);
  const uint64_t lsn = committed_lsn_;
  WaitForApplied(lsn);  // applying takes no wal_mu_
  return pin(lsn);
}

void CommitPipeline::WaitForApplied(uint64_t lsn) const {
  if (applied_lsn_ >= lsn) return;
  MutexLock lock(&apply_mu_);
  while (applied_lsn_ < lsn) apply_done_cv_.Wait(&apply_mu_);
}

void CommitPipeline::WaitForApplyCapacity() {
  MutexLock lock(&apply_mu_);
  while (apply_queued_points_ >= kMaxQueuedApplyPoints) apply_done_cv_.Wait(&apply_mu_);
}

void CommitPipeline::SyncIfDirty() {
  MutexLock lock(&wal_mu_);
  if (!wal_dirty_) return;
  if (auto s = wal_->Sync(); !s) {
    fail_(s.error());
    return;
  }
  wal_dirty_ = false;
  wal_syncs_++;
  last_sync_ns_ = env_->NowNanos();
}

std::shared_ptr<Shard> CommitPipeline::DeleteObsoleteFiles(const ShardRouter& router) {
  std::shared_ptr<Shard> pinning;
  uint64_t wal_bytes;
  {
    MutexLock lock(&wal_mu_);  // no record is appended meanwhile
    // Read how far records are applied before asking the shards what they still hold: every
    // record up to `applied` is then reflected in some shard's OldestUnflushedLsn, and a record
    // appended but not yet applied (> applied) is never deleted.
    const uint64_t applied = applied_lsn_;
    uint64_t oldest = UINT64_MAX;
    for (const auto& shard : router.All()) {
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
  // A shard that receives little keeps the log from shrinking: it should be flushed once the log
  // grows past a few files, so the WAL (and the time to replay it) stays bounded.
  if (wal_bytes > 4 * options_.wal_segment_bytes) return pinning;
  return nullptr;
}

CommitPipeline::LogStats CommitPipeline::log_stats() const {
  MutexLock lock(&wal_mu_);
  return LogStats{last_lsn_, wal_->total_bytes(), wal_->file_count(), wal_syncs_};
}

}  // namespace strata
