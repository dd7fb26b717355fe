// What a data directory holds, as `strata stats` reports it: per measurement and per shard, the
// series, points, segments and bytes on disk, and the directory's totals. Gathered from an open
// engine (its catalog and shard statistics) and the sizes of the files on disk; it describes the
// directory, not what this process did (the engine's own counters, points_written and the like,
// count only this process's writes and are not shown).
//
// Points are those held in segments and MemStores, counted as stored: a point overwritten (same
// series and time) or deleted since the last compaction of its shard is counted until the
// compaction merges it away (`strata_compact`, or SELECT strata_compact() in SQL, makes the count
// exact). Reads files while the engine may write them; the sizes are those of one moment.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "shard.h"
#include "storage_engine.h"

namespace strata::cli {

struct ShardTotals {
  ShardStats stats;
  uint64_t disk_bytes = 0;  // every file of the shard's directory (segments, manifest)
};

struct MeasurementTotals {
  std::string name;
  uint64_t series = 0;   // one per tag set and field
  uint64_t tagsets = 0;  // rows of the SQL row view at one time
  uint64_t points = 0;   // segment_points + memstore_points
  uint64_t segment_points = 0;
  uint64_t memstore_points = 0;
  uint64_t segments = 0;
  uint64_t disk_bytes = 0;
  std::vector<ShardTotals> shards;  // in time order
};

struct DirectoryTotals {
  std::string dir;
  uint64_t series = 0;
  uint64_t points = 0;  // segment_points + memstore_points
  uint64_t segment_points = 0;
  uint64_t memstore_points = 0;
  uint64_t segments = 0;
  uint64_t disk_bytes = 0;     // every file under the directory
  uint64_t wal_bytes = 0;
  uint64_t wal_files = 0;
  uint64_t catalog_bytes = 0;
  uint64_t last_lsn = 0;
  std::string background_error;  // empty when none
  std::vector<MeasurementTotals> measurements;  // by name
};

// Fails when the catalog cannot be read.
Result<DirectoryTotals> GatherTotals(const StorageEngine& engine);
// The totals as one JSON object: DirectoryTotals' fields by their names, "measurements" an array
// of MeasurementTotals' fields, each with "shards" (window_start in ns and as text, points,
// segment_points, memstore_points, segments, segment_bytes, disk_bytes, tombstones, damage).
std::string TotalsJson(const DirectoryTotals& totals);

}  // namespace strata::cli
