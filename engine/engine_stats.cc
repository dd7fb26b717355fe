#include "engine_stats.h"

#include <nlohmann/json.hpp>

namespace strata {
namespace {

nlohmann::json NullIfEmpty(const std::string& s) {
  return s.empty() ? nlohmann::json() : nlohmann::json(s);
}

nlohmann::json ShardJson(const ShardStats& s) {
  return {{"measurement", s.measurement},
          {"window_start", s.window_start},
          {"memstore_bytes", s.active_bytes},
          {"memstore_points", s.active_points},
          {"frozen_memstores", s.frozen_count},
          {"frozen_bytes", s.frozen_bytes},
          {"segments", s.segment_count},
          {"segment_bytes", s.segment_bytes},
          {"segment_points", s.segment_points},
          {"segment_index_bytes", s.segment_index_bytes},
          {"tombstones", s.tombstones},
          {"flushed_lsn", s.flushed_lsn},
          {"damage", NullIfEmpty(s.damage)}};
}

}  // namespace

std::string EngineStatsJson(const EngineStats& st) {
  nlohmann::json j;
  j["dir"] = st.dir;
  j["series"] = st.series;
  j["last_lsn"] = st.last_lsn;
  j["wal_bytes"] = st.wal_bytes;
  j["wal_files"] = st.wal_files;
  j["points_written"] = st.points_written;
  j["batches_written"] = st.batches_written;
  j["wal_syncs"] = st.wal_syncs;
  j["flushes"] = st.flushes;
  j["compactions"] = st.compactions;
  j["catalog_series_bytes"] = st.catalog_series_bytes;
  j["tag_index_bytes"] = st.tag_index_bytes;
  j["series_memory_bytes"] = st.catalog_series_bytes + st.tag_index_bytes;
  j["background_error"] = NullIfEmpty(st.background_error);
  if (st.read_only) {
    j["read_only"] = true;
    j["reader_loads"] = st.reader_loads;
  }
  uint64_t seg_bytes = 0, seg_points = 0, mem_bytes = 0, index_bytes = 0;
  j["shards"] = nlohmann::json::array();
  for (const ShardStats& s : st.shards) {
    seg_bytes += s.segment_bytes;
    seg_points += s.segment_points;
    mem_bytes += s.active_bytes + s.frozen_bytes;
    index_bytes += s.segment_index_bytes;
    j["shards"].push_back(ShardJson(s));
  }
  j["segment_bytes"] = seg_bytes;
  j["segment_points"] = seg_points;
  j["memstore_bytes"] = mem_bytes;
  j["segment_index_bytes"] = index_bytes;
  return j.dump();
}

}  // namespace strata
