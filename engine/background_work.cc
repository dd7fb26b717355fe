#include "background_work.h"

#include <algorithm>
#include <chrono>

#include "logger.h"

namespace strata {

BackgroundWork::BackgroundWork(Env* env, const Options& options, std::string dir,
                               ShardRouter* router, Hooks hooks)
    : env_(env),
      options_(options),
      dir_(std::move(dir)),
      router_(router),
      hooks_(std::move(hooks)) {}

BackgroundWork::~BackgroundWork() { Stop(); }

void BackgroundWork::Start() {
  flush_thread_ = std::thread([this] { FlushThreadMain(); });
  for (int i = 0; i < options_.compaction_threads; i++) {
    compaction_threads_.emplace_back([this] { CompactionThreadMain(); });
  }
}

void BackgroundWork::Stop() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  flush_cv_.SignalAll();
  flush_done_cv_.SignalAll();
  compact_cv_.SignalAll();
  if (flush_thread_.joinable()) flush_thread_.join();
  for (auto& t : compaction_threads_) t.join();
  compaction_threads_.clear();
}

void BackgroundWork::FreezeAndSchedule(const std::shared_ptr<Shard>& shard) {
  uint64_t bytes = 0;
  if (!shard->Freeze(&bytes)) return;
  frozen_bytes_ += bytes;
  {
    MutexLock lock(&mu_);
    flush_queue_.push_back(shard);
  }
  flush_cv_.Signal();
}

Status BackgroundWork::WaitForFlushCapacity() {
  MutexLock lock(&mu_);
  // Writers wait while two MemStores' worth is frozen and not yet flushed: one MemStore being
  // flushed does not hold them up (the flush thread keeps pace on average), a flush thread that
  // falls behind does, and memory stays bounded by about one active MemStore per busy shard plus
  // two frozen ones.
  while (!error_.has_value() && !stopping_ &&
         frozen_bytes_.load() >= 2 * options_.memstore_bytes) {
    flush_done_cv_.Wait(&mu_);
  }
  if (error_) return unexpected(*error_);
  return OkStatus();
}

Status BackgroundWork::WaitForFlushed(const std::vector<std::shared_ptr<Shard>>& shards) {
  auto any_frozen = [&] {
    return std::any_of(shards.begin(), shards.end(), [](const auto& s) { return s->HasFrozen(); });
  };
  MutexLock lock(&mu_);
  while (!error_.has_value() && !stopping_ && any_frozen()) flush_done_cv_.Wait(&mu_);
  if (error_) return unexpected(*error_);
  return OkStatus();
}

Status BackgroundWork::error() const {
  MutexLock lock(&mu_);
  if (error_) return unexpected(*error_);
  return OkStatus();
}

void BackgroundWork::SetError(const Error& e) {
  {
    MutexLock lock(&mu_);
    if (!error_) {
      error_ = Error(e.code(), "writes are stopped after an earlier failure: " + e.message());
      Log(dir_ + ": " + error_->ToString());
    }
  }
  flush_done_cv_.SignalAll();
}

void BackgroundWork::FlushThreadMain() {
  const auto tick = std::chrono::milliseconds(
      options_.sync == SyncMode::kNormal ? options_.sync_interval_ms : 1000);
  MutexLock lock(&mu_);
  while (true) {
    if (!stopping_ && flush_queue_.empty()) flush_cv_.WaitFor(&mu_, tick);
    if (stopping_) return;
    while (!flush_queue_.empty() && !error_) {
      auto shard = std::move(flush_queue_.front());
      flush_queue_.pop_front();
      lock.Unlock();
      FlushShard(shard);
      lock.Lock();
      flush_done_cv_.SignalAll();
    }
    lock.Unlock();
    if (options_.sync == SyncMode::kNormal) hooks_.sync_log();
    if (options_.retention_ns > 0) DropExpiredShards();
    lock.Lock();
  }
}

void BackgroundWork::FlushShard(const std::shared_ptr<Shard>& shard) {
  uint64_t released = 0;
  Status s = OkStatus();
  while (s && shard->HasFrozen()) {
    s = shard->FlushOldestFrozen(&released);
    if (s) flushes_++;
  }
  frozen_bytes_ -= released;  // exactly what Freeze added for these MemStores
  if (!s) SetError(s.error());
  hooks_.after_flush();
  if (hooks_.checkpoint_due && hooks_.checkpoint_due()) {
    {
      MutexLock lock(&mu_);
      checkpoint_queued_ = true;
    }
    compact_cv_.Signal();
  }
  // A damaged shard is not merged until `strata repair` (Shard::Compact would refuse).
  if (shard->SegmentCount() < kCompactionTrigger || shard->Damage()) return;
  {
    MutexLock lock(&mu_);
    if (std::find(compact_queue_.begin(), compact_queue_.end(), shard) != compact_queue_.end()) {
      return;
    }
    compact_queue_.push_back(shard);
  }
  compact_cv_.Signal();
}

void BackgroundWork::DropExpiredShards() {
  for (const auto& shard : router_->RemoveEndedBefore(env_->NowNanos() - options_.retention_ns)) {
    Log("retention: dropping shard " + shard->dir());
    if (auto s = env_->RemoveDirRecursive(shard->dir()); !s) Log(s.error().ToString());
  }
}

void BackgroundWork::CompactionThreadMain() {
  MutexLock lock(&mu_);
  while (true) {
    while (!stopping_ && compact_queue_.empty() && !checkpoint_queued_) compact_cv_.Wait(&mu_);
    if (stopping_) return;
    if (checkpoint_queued_) {
      checkpoint_queued_ = false;
      lock.Unlock();
      // A failed checkpoint loses nothing (the catalog log still holds every registration); it
      // is logged, and tried again after a later flush.
      if (auto s = hooks_.checkpoint(); !s) {
        Log("catalog checkpoint failed: " + s.error().ToString());
      }
      lock.Lock();
      continue;
    }
    auto shard = std::move(compact_queue_.front());
    compact_queue_.pop_front();
    lock.Unlock();
    if (auto s = shard->Compact(); !s) {
      // A failed merge loses nothing (its inputs stay); it is logged, and retried after the next
      // flush of the shard.
      Log("compaction of " + shard->dir() + " failed: " + s.error().ToString());
    } else {
      compactions_++;
    }
    lock.Lock();
  }
}

}  // namespace strata
