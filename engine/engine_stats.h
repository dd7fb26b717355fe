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
  // Memory that grows with the number of series, estimated (Catalog::Memory): the series registry
  // and the tag index. (Per-series MemStore state is part of each shard's memstore bytes.)
  uint64_t catalog_series_bytes = 0;
  uint64_t tag_index_bytes = 0;
  std::string background_error;  // empty when none
  std::vector<ShardStats> shards;
};

// One JSON object: every field above (background_error null when empty; read_only and
// reader_loads only for a reader), "shards" as an array of objects, and the totals segment_bytes,
// segment_points, memstore_bytes (active plus frozen), segment_index_bytes (the open segments'
// in-memory indexes) and series_memory_bytes (catalog_series_bytes plus tag_index_bytes).
std::string EngineStatsJson(const EngineStats& stats);

}  // namespace strata
