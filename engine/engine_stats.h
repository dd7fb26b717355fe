// EngineStats is a snapshot of an open data directory's counters and of each shard's state
// (StorageEngine::Stats), and EngineStatsJson its JSON text, which strata_stats_json returns and
// `strata stats` prints. A plain value; the function is stateless and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "shard.h"

namespace strata {

struct EngineStats {
  std::string dir;
  bool read_only = false;     // a reader (StorageEngine::read_only)
  uint64_t reader_loads = 0;  // a reader: views loaded so far (DirectoryReader)
  uint64_t series = 0;
  uint64_t last_lsn = 0;
  uint64_t wal_bytes = 0;
  uint64_t wal_files = 0;
  uint64_t points_written = 0;
  uint64_t batches_written = 0;
  uint64_t wal_syncs = 0;
  uint64_t flushes = 0;
  uint64_t compactions = 0;
  std::string background_error;  // empty when none
  std::vector<ShardStats> shards;
};

// One JSON object: every field above (read_only and reader_loads only for a reader) (background_error null when empty), "shards" as an array of
// objects, and the totals segment_bytes, segment_points and memstore_bytes (active plus frozen).
std::string EngineStatsJson(const EngineStats& stats);

}  // namespace strata
