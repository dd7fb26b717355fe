// `strata stats [--json] DIR`: what the directory holds (directory_totals.h), per measurement
// and per shard, with its totals.
#include <cstdio>
#include <string>
#include <vector>

#include "commands.h"
#include "directory_totals.h"
#include "text_format.h"
#include "time_text.h"

namespace strata::cli {
namespace {

constexpr char kUsage[] =
    "usage: strata stats [--json] DIR\n"
    "  What the directory holds: per measurement its series, tag sets, points, segments and\n"
    "  bytes on disk, then per shard (time window), and the totals. Points are counted as\n"
    "  stored: a point overwritten or deleted since its shard's last compaction still counts.\n"
    "  --json prints one JSON object with the same figures. A directory another process is\n"
    "  writing is read without stopping it (read-only: as of the writes committed so far).\n";

std::string Bytes(uint64_t n) { return HumanBytes(static_cast<double>(n)); }

void PrintMeasurements(const DirectoryTotals& d) {
  std::printf("\n%-16s %8s %8s %6s %14s %5s %12s\n", "MEASUREMENT", "SERIES", "TAGSETS", "SHARDS",
              "POINTS", "SEGS", "ON DISK");
  for (const MeasurementTotals& m : d.measurements) {
    std::printf("%-16s %8s %8s %6zu %14s %5llu %12s\n", m.name.c_str(), Grouped(m.series).c_str(),
                Grouped(m.tagsets).c_str(), m.shards.size(), Grouped(m.points).c_str(),
                static_cast<unsigned long long>(m.segments), Bytes(m.disk_bytes).c_str());
  }
}

void PrintShards(const DirectoryTotals& d) {
  std::printf("\n%-16s %-21s %14s %12s %5s %12s %12s %5s\n", "MEASUREMENT", "WINDOW START",
              "POINTS", "MEM POINTS", "SEGS", "SEG BYTES", "ON DISK", "TOMBS");
  size_t shards = 0;
  uint64_t mem_points = 0, seg_bytes = 0, disk = 0, tombstones = 0;
  for (const MeasurementTotals& m : d.measurements) {
    for (const ShardTotals& t : m.shards) {
      const ShardStats& s = t.stats;
      std::printf("%-16s %-21s %14s %12s %5llu %12s %12s %5llu\n", m.name.c_str(),
                  FormatTimeText(s.window_start).c_str(),
                  Grouped(s.segment_points + s.active_points).c_str(),
                  Grouped(s.active_points).c_str(),
                  static_cast<unsigned long long>(s.segment_count), Bytes(s.segment_bytes).c_str(),
                  Bytes(t.disk_bytes).c_str(), static_cast<unsigned long long>(s.tombstones));
      if (!s.damage.empty()) std::printf("  damaged: %s\n", s.damage.c_str());
      shards++;
      mem_points += s.active_points;
      seg_bytes += s.segment_bytes;
      disk += t.disk_bytes;
      tombstones += s.tombstones;
    }
  }
  std::printf("%-16s %-21s %14s %12s %5llu %12s %12s %5llu\n",
              ("total (" + std::to_string(shards) + ")").c_str(), "", Grouped(d.points).c_str(),
              Grouped(mem_points).c_str(), static_cast<unsigned long long>(d.segments),
              Bytes(seg_bytes).c_str(), Bytes(disk).c_str(),
              static_cast<unsigned long long>(tombstones));
  if (d.points > 0 && seg_bytes > 0 && mem_points == 0) {
    std::printf("segment bytes per point: %.2f\n",
                static_cast<double>(seg_bytes) / static_cast<double>(d.points));
  }
}

int Run(const std::vector<std::string>& args) {
  bool json = false;
  std::vector<std::string> positional;
  for (const std::string& a : args) {
    if (a == "--json") {
      json = true;
    } else if (a.starts_with("--")) {
      return UsageError("stats", "unknown flag " + a);
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() != 1) return UsageError("stats", "needs exactly DIR");
  auto engine = OpenExisting(positional[0], ReadingOptions());
  if (!engine) return Fail(engine.error().ToString());
  auto totals = GatherTotals(**engine);
  if (!totals) return Fail(totals.error().ToString());
  const DirectoryTotals& d = *totals;
  if (json) {
    std::printf("%s\n", TotalsJson(d).c_str());
    return kExitOk;
  }
  std::printf("data directory %s\n", d.dir.c_str());
  std::printf("%zu measurement(s), %s series, %s points, %llu segment(s); %s on disk "
              "(WAL %s in %llu file(s), catalog %s)\n",
              d.measurements.size(), Grouped(d.series).c_str(), Grouped(d.points).c_str(),
              static_cast<unsigned long long>(d.segments), Bytes(d.disk_bytes).c_str(),
              Bytes(d.wal_bytes).c_str(), static_cast<unsigned long long>(d.wal_files),
              Bytes(d.catalog_bytes).c_str());
  if (!d.background_error.empty()) {
    std::printf("background error: %s\n", d.background_error.c_str());
  }
  PrintMeasurements(d);
  PrintShards(d);
  return kExitOk;
}

}  // namespace

const Command kStatsCommand = {"stats", "what a directory holds: series, points, bytes on disk",
                               kUsage, Run};

}  // namespace strata::cli
