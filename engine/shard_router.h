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
#include "options.h"
#include "shard.h"

namespace strata {

class ShardRouter {
 public:
  // Every shard's snapshot reads go through `block_cache` (null: none).
  ShardRouter(Env* env, const Options& options, std::string shards_dir, Catalog* catalog,
              std::shared_ptr<BlockCache> block_cache = nullptr);

  // Opens every shard found on disk. A measurement directory that no catalog measurement maps to
  // holds no data that was ever acknowledged (series are registered before their points) and is
  // skipped with a log line.
  [[nodiscard]] Status LoadExisting();

  // Start of the window holding `time` (floor division, also for negative times). Times in the
  // first, partial window of the int64 range map to INT64_MIN; writes there are refused
  // (see Routable).
  int64_t WindowStart(int64_t time) const;
  bool Routable(int64_t time) const {
    // time - INT64_MIN, computed without overflow.
    return static_cast<uint64_t>(time) - static_cast<uint64_t>(INT64_MIN) >=
           static_cast<uint64_t>(options_.shard_duration_ns);
  }
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

  // The directory name of a measurement.
  static std::string EscapeMeasurement(std::string_view measurement);

 private:
  std::string ShardDir(const std::string& measurement, int64_t window_start) const;

  Env* const env_;
  const Options options_;
  const std::string shards_dir_;
  Catalog* const catalog_;
  const std::shared_ptr<BlockCache> block_cache_;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int64_t>, std::shared_ptr<Shard>> shards_;  // GUARDED_BY(mu_)
};

}  // namespace strata
