// BackgroundWork runs an engine's work that no writer waits for: the flush thread writes frozen
// MemStores to segments, then lets the WAL drop what they held (`after_flush`); every tick (the
// sync interval under SyncMode::kNormal, else a second) it syncs the log (`sync_log`, kNormal
// only) and drops the shards that retention has expired; and the compaction threads merge a
// shard's segments once it has kCompactionTrigger of them, and write the catalog's checkpoint
// when a flush finds one due (`checkpoint_due`, then `checkpoint`).
//
// Errors are never swallowed: a failed flush (or a log failure reported through SetError) is kept
// as the background error, which every later write returns. A failed merge loses nothing (its
// inputs stay) and is retried after the shard's next flush.
//
// Writers are held back (WaitForFlushCapacity) while two MemStores' worth of memory is frozen and
// not yet flushed. Thread-safe. The shards, router and env must outlive it; Stop() before they go.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "env.h"
#include "mutex.h"
#include "options.h"
#include "result.h"
#include "shard.h"
#include "shard_router.h"

namespace strata {

class BackgroundWork {
 public:
  struct Hooks {
    std::function<void()> after_flush;  // deletes the log files that flushes made obsolete
    std::function<void()> sync_log;     // syncs the log if it holds unsynced records
    std::function<bool()> checkpoint_due;   // whether the catalog has a checkpoint to write
    std::function<Status()> checkpoint;     // writes it
  };
  static constexpr size_t kCompactionTrigger = 8;  // segments in a shard that start a merge

  // `dir` names the data directory in log lines.
  BackgroundWork(Env* env, const Options& options, std::string dir, ShardRouter* router,
                 Hooks hooks);
  ~BackgroundWork();  // Stop()
  BackgroundWork(const BackgroundWork&) = delete;
  BackgroundWork& operator=(const BackgroundWork&) = delete;

  void Start();
  // Stops and joins the threads (a flush or merge under way finishes first). Idempotent.
  void Stop() EXCLUDES(mu_);

  // Freezes the shard's active MemStore (unless it is empty) and queues it for the flush thread.
  void FreezeAndSchedule(const std::shared_ptr<Shard>& shard) EXCLUDES(mu_);
  // Waits while too much is frozen and not flushed; returns the background error if there is one.
  [[nodiscard]] Status WaitForFlushCapacity() EXCLUDES(mu_);
  // Waits until none of `shards` has a frozen MemStore (or there is a background error, returned).
  [[nodiscard]] Status WaitForFlushed(const std::vector<std::shared_ptr<Shard>>& shards)
      EXCLUDES(mu_);

  // OK, or the first failure of background work (the message says writes are stopped).
  [[nodiscard]] Status error() const EXCLUDES(mu_);
  void SetError(const Error& e) EXCLUDES(mu_);

  uint64_t flushes() const { return flushes_; }
  uint64_t compactions() const { return compactions_; }

 private:
  void FlushThreadMain() EXCLUDES(mu_);
  // Flushes every frozen MemStore of `shard`; queues it for a merge when it has enough segments.
  void FlushShard(const std::shared_ptr<Shard>& shard) EXCLUDES(mu_);
  void DropExpiredShards();
  void CompactionThreadMain() EXCLUDES(mu_);

  Env* const env_;
  const Options options_;
  const std::string dir_;
  ShardRouter* const router_;
  const Hooks hooks_;

  mutable Mutex mu_;
  // All three wait on mu_.
  CondVar flush_cv_;       // work for the flush thread, or Stop
  CondVar flush_done_cv_;  // a flush finished, an error was set, or Stop
  CondVar compact_cv_;     // work for the compaction threads, or Stop
  std::deque<std::shared_ptr<Shard>> flush_queue_ GUARDED_BY(mu_);
  std::deque<std::shared_ptr<Shard>> compact_queue_ GUARDED_BY(mu_);
  bool checkpoint_queued_ GUARDED_BY(mu_) = false;  // a compaction thread is to write it
  std::optional<Error> error_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread flush_thread_;
  std::vector<std::thread> compaction_threads_;  // options_.compaction_threads of them

  std::atomic<uint64_t> frozen_bytes_{0};  // frozen by FreezeAndSchedule, not yet flushed
  std::atomic<uint64_t> flushes_{0};
  std::atomic<uint64_t> compactions_{0};
};

}  // namespace strata
