// A DirectoryReader follows a data directory that another process may be writing, without that
// process's help and without changing, creating or locking any file: the read-only open
// (engine/README.md, section 12). It loads a *view* of the directory at one LSN N: every shard's
// manifest with its segments opened, plus the WAL records past each shard's flushed_lsn up to N
// applied to in-memory MemStores. A view holds every write with LSN <= N and none after, so a
// batch (one WAL record, CRC-checked) is in it whole or not at all; a torn or half-written tail of
// the log is not yet visible.
//
// How a load stays consistent while the writer goes on: it reads the WAL first, then the catalog
// (every series a read record names is registered before the record is written), then the
// manifests. A manifest whose flushed_lsn is past the last record read while the WAL changed
// during the load, or a listed segment that could not be opened (a compaction removed it between
// the manifest read and the open), means the writer moved meanwhile, and the load starts again;
// with the WAL unchanged and no manifest changed since it was read, what was read is the state the
// writer's own recovery would start from. An unchanged WAL listing alone is not enough: from an
// empty WAL directory, a batch can be appended to a new file, flushed by every shard and its file
// deleted during the load, leaving the listing as it was while the manifests read before the flush
// lack the batch and those read after hold it (a torn view); reading the manifests again after the
// listing catches that. A WAL file removed before the load listed it is one whose records every
// shard had flushed, so the manifests read after hold them. Files stay open
// while a view uses them, so a writer that deletes them (compaction, retention, WAL cleanup) takes
// their names only: the view reads them to the end (POSIX unlink semantics).
//
// Current() reloads the view when `reader_staleness_ms` has passed since the last check and the
// WAL or catalog log changed (names and sizes). Thread-safe: a view is immutable once published
// (its MemStores are never written after the load), and loads are serialised.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "block_cache.h"
#include "catalog.h"
#include "env.h"
#include "mutex.h"
#include "options.h"
#include "result.h"
#include "shard_router.h"
#include "shard_windows.h"

namespace strata {

// One consistent state of a followed directory. Immutable; shared by the queries reading it.
struct ReaderView {
  std::shared_ptr<ShardRouter> router;  // the shards, their segments open
  uint64_t lsn = 0;                     // every write with LSN <= lsn is in the view, none after
  uint64_t wal_bytes = 0;               // the WAL as the load read it
  uint64_t wal_files = 0;
  uint64_t loads = 0;                   // how many views this reader has loaded, this one included
};

class DirectoryReader {
 public:
  // Follows `dir` (its identity file already read: options.shard_duration_ns is the directory's)
  // through `catalog`, a read-only catalog (Catalog::OpenReadOnly) that must outlive the reader.
  // Loads the first view: an error when it cannot (Corrupt for damage found on every attempt).
  [[nodiscard]] static Result<std::unique_ptr<DirectoryReader>> Open(Env* env,
                                                                     const Options& options,
                                                                     std::string dir,
                                                                     Catalog* catalog);

  // The view a query reads: the last one, or a newer one when the staleness has passed and the
  // directory's logs changed. An error when a needed reload fails.
  [[nodiscard]] Result<std::shared_ptr<const ReaderView>> Current();
  // The last view loaded, without looking for a newer one.
  std::shared_ptr<const ReaderView> Last() const;
  const ShardWindows& windows() const { return windows_; }

  // Loads attempted before a load gives up (each one restarted because the writer moved).
  static constexpr int kMaxLoadAttempts = 20;

 private:
  // The logs' file names and sizes: a view is reloaded only when they changed.
  using Fingerprint = std::vector<std::pair<std::string, uint64_t>>;

  DirectoryReader(Env* env, const Options& options, std::string dir, Catalog* catalog);
  Result<Fingerprint> TakeFingerprint() const;
  // One log's part of it: `log` is kWalDirName or kCatalogDirName.
  Result<Fingerprint> ListLog(const char* log) const;
  // Loads a view, starting again (up to kMaxLoadAttempts) while the writer moves under it.
  Result<std::shared_ptr<ReaderView>> Load() REQUIRES(mu_);
  // One attempt: the view, or nullptr with *why when it must start again.
  Result<std::shared_ptr<ReaderView>> LoadOnce(bool last_attempt, std::string* why);
  // Reads each loaded shard's manifest again: an IO error when one has flushed since the load.
  Status SameFlushPoints(const ShardRouter& router) const;

  Env* const env_;
  const Options options_;  // read_only is kReader
  const std::string dir_;
  Catalog* const catalog_;
  const ShardWindows windows_;
  const std::shared_ptr<BlockCache> block_cache_;  // shared by every view; may be null

  mutable Mutex mu_;  // held across a load: one at a time
  std::shared_ptr<const ReaderView> view_ GUARDED_BY(mu_);
  Fingerprint fingerprint_ GUARDED_BY(mu_);  // of the logs when view_ was loaded
  int64_t checked_ns_ GUARDED_BY(mu_) = 0;   // when the logs were last compared
  uint64_t loads_ GUARDED_BY(mu_) = 0;
};

}  // namespace strata
