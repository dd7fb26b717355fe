#include "directory_totals.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>

#include <nlohmann/json.hpp>

#include "shard_router.h"
#include "time_text.h"

namespace strata::cli {
namespace {

namespace fs = std::filesystem;

// The bytes of the regular files under `path` (0 when it does not exist). Files that vanish
// while they are counted (a compaction replacing segments) are skipped.
uint64_t BytesUnder(const fs::path& path) {
  std::error_code ec;
  uint64_t total = 0;
  for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code size_ec;
    if (!it->is_regular_file(size_ec)) continue;
    const uintmax_t size = it->file_size(size_ec);
    if (!size_ec) total += size;
  }
  return total;
}

Result<MeasurementTotals> GatherMeasurement(const StorageEngine& engine, const std::string& name,
                                            std::vector<ShardStats> shards) {
  MeasurementTotals m;
  m.name = name;
  std::set<uint64_t> tagsets;
  STRATA_ASSIGN_OR_RETURN(const std::vector<const SeriesInfo*> series,
                          engine.catalog().Match(name, {}, {}));
  for (const SeriesInfo* s : series) {
    m.series++;
    tagsets.insert(s->tagset_id);
  }
  m.tagsets = tagsets.size();
  std::sort(shards.begin(), shards.end(), [](const ShardStats& a, const ShardStats& b) {
    return a.window_start < b.window_start;
  });
  const fs::path dir = fs::path(engine.dir()) / "shards" / ShardRouter::EscapeMeasurement(name);
  for (ShardStats& s : shards) {
    ShardTotals t;
    t.disk_bytes = BytesUnder(dir / std::to_string(s.window_start));
    m.segment_points += s.segment_points;
    m.memstore_points += s.active_points;
    m.segments += s.segment_count;
    m.disk_bytes += t.disk_bytes;
    t.stats = std::move(s);
    m.shards.push_back(std::move(t));
  }
  m.points = m.segment_points + m.memstore_points;
  return m;
}

}  // namespace

Result<DirectoryTotals> GatherTotals(const StorageEngine& engine) {
  EngineStats st = engine.Stats();
  DirectoryTotals d;
  d.dir = st.dir;
  d.series = st.series;
  d.wal_bytes = st.wal_bytes;
  d.wal_files = st.wal_files;
  d.last_lsn = st.last_lsn;
  d.background_error = st.background_error;
  std::map<std::string, std::vector<ShardStats>> by_measurement;
  for (const std::string& m : engine.catalog().Measurements()) by_measurement[m];
  for (ShardStats& s : st.shards) by_measurement[s.measurement].push_back(std::move(s));
  for (auto& [name, shards] : by_measurement) {
    STRATA_ASSIGN_OR_RETURN(MeasurementTotals m, GatherMeasurement(engine, name, std::move(shards)));
    d.measurements.push_back(std::move(m));
    d.points += d.measurements.back().points;
    d.segment_points += d.measurements.back().segment_points;
    d.memstore_points += d.measurements.back().memstore_points;
    d.segments += d.measurements.back().segments;
  }
  d.catalog_bytes = BytesUnder(fs::path(engine.dir()) / "catalog");
  d.disk_bytes = BytesUnder(engine.dir());
  return d;
}

std::string TotalsJson(const DirectoryTotals& d) {
  nlohmann::ordered_json j;
  j["dir"] = d.dir;
  j["series"] = d.series;
  j["points"] = d.points;
  j["segment_points"] = d.segment_points;
  j["memstore_points"] = d.memstore_points;
  j["segments"] = d.segments;
  j["disk_bytes"] = d.disk_bytes;
  j["wal_bytes"] = d.wal_bytes;
  j["wal_files"] = d.wal_files;
  j["catalog_bytes"] = d.catalog_bytes;
  j["last_lsn"] = d.last_lsn;
  j["background_error"] =
      d.background_error.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(d.background_error);
  j["measurements"] = nlohmann::ordered_json::array();
  for (const MeasurementTotals& m : d.measurements) {
    nlohmann::ordered_json shards = nlohmann::ordered_json::array();
    for (const ShardTotals& t : m.shards) {
      const ShardStats& s = t.stats;
      shards.push_back({{"window_start", s.window_start},
                        {"window_start_text", FormatTimeText(s.window_start)},
                        {"points", s.segment_points + s.active_points},
                        {"segment_points", s.segment_points},
                        {"memstore_points", s.active_points},
                        {"segments", s.segment_count},
                        {"segment_bytes", s.segment_bytes},
                        {"disk_bytes", t.disk_bytes},
                        {"tombstones", s.tombstones},
                        {"damage", s.damage.empty() ? nlohmann::ordered_json()
                                                    : nlohmann::ordered_json(s.damage)}});
    }
    j["measurements"].push_back({{"name", m.name},
                                 {"series", m.series},
                                 {"tagsets", m.tagsets},
                                 {"points", m.points},
                                 {"segment_points", m.segment_points},
                                 {"memstore_points", m.memstore_points},
                                 {"segments", m.segments},
                                 {"disk_bytes", m.disk_bytes},
                                 {"shards", std::move(shards)}});
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace strata::cli
