// The ShardRouter maps a point to its shard, (measurement, time window of shard_duration), creating
// shards on demand and finding those a query or delete must visit. Shards live in
// `<shards dir>/<escaped measurement>/<window start ns>/`; the escaped name is one safe path component
// whatever the measurement is (no '/', "..", NUL; long names end in a hash). Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "catalog.h"
#include "mutex.h"
#include "options.h"
#include "shard.h"
#include "shard_windows.h"

namespace strata {

class ShardRouter {
 public:
  // Every shard's snapshot reads go through `block_cache` (null: none).
  ShardRouter(Env* env, const Options& options, std::string shards_dir, Catalog* catalog,
              std::shared_ptr<BlockCache> block_cache = nullptr);

  // Opens every shard found on disk (changing no file: see Shard::Open). A measurement directory
  // that no catalog measurement maps to holds no data that was ever acknowledged (series are
  // registered before their points) and is skipped with a log line, as is a name that is not a
  // number; a window that does not start at a multiple of the shard duration is Corrupt.
  [[nodiscard]] Status LoadExisting();

  // The directory's window arithmetic (shard_windows.h).
  const ShardWindows& windows() const { return windows_; }
  int64_t WindowStart(int64_t time) const { return windows_.Start(time); }
  int64_t FirstWindowStart() const { return windows_.FirstStart(); }
  bool Routable(int64_t time) const { return windows_.Routable(time); }
  [[nodiscard]] Result<std::shared_ptr<Shard>> GetOrCreate(const std::string& measurement,
                                                           int64_t window_start);
  // Shards of `measurement` whose window overlaps [min_t, max_t], in time order.
  std::vector<std::shared_ptr<Shard>> ShardsFor(const std::string& measurement, int64_t min_t,
                                                int64_t max_t) const;
  std::vector<std::shared_ptr<Shard>> All() const;
  // Forgets the shards whose window ended at or before `cutoff` and returns them; the caller
  // deletes their directories.
  std::vector<std::shared_ptr<Shard>> RemoveEndedBefore(int64_t cutoff);
  // Forgets every shard of `measurement` and returns them.
  std::vector<std::shared_ptr<Shard>> RemoveMeasurement(const std::string& measurement);
  // Takes `shard` out of the router (its files stay).
  void Remove(const std::shared_ptr<Shard>& shard);

  // The directory name of a measurement.
  static std::string EscapeMeasurement(std::string_view measurement);

 private:
  std::string ShardDir(const std::string& measurement, int64_t window_start) const;

  Env* const env_;
  const Options options_;
  const ShardWindows windows_;
  const std::string shards_dir_;
  Catalog* const catalog_;
  const std::shared_ptr<BlockCache> block_cache_;
  mutable Mutex mu_;
  std::map<std::pair<std::string, int64_t>, std::shared_ptr<Shard>> shards_ GUARDED_BY(mu_);
};

}  // namespace strata
