// `strata stats [--json] DIR`: the shards, MemStores and segments of a data directory.
#include <algorithm>
#include <cstdio>
#include <string>
#include <tuple>
#include <vector>

#include "commands.h"
#include "text_format.h"
#include "time_text.h"

namespace strata::cli {
namespace {

constexpr char kUsage[] =
    "usage: strata stats [--json] DIR\n"
    "  Shards, MemStores and segments of a data directory.\n";

std::string Bytes(uint64_t n) { return HumanBytes(static_cast<double>(n)); }

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
  auto engine = OpenExisting(positional[0], Options());
  if (!engine) return Fail(engine.error().ToString());
  if (json) {
    std::printf("%s\n", (*engine)->StatsJson().c_str());
    return kExitOk;
  }
  EngineStats st = (*engine)->Stats();
  std::sort(st.shards.begin(), st.shards.end(), [](const ShardStats& a, const ShardStats& b) {
    return std::tie(a.measurement, a.window_start) < std::tie(b.measurement, b.window_start);
  });
  std::printf("data directory %s\n", st.dir.c_str());
  std::printf("series %s, WAL %llu file(s) %s, last LSN %llu\n", Grouped(st.series).c_str(),
              static_cast<unsigned long long>(st.wal_files), Bytes(st.wal_bytes).c_str(),
              static_cast<unsigned long long>(st.last_lsn));
  if (!st.background_error.empty()) std::printf("background error: %s\n", st.background_error.c_str());
  std::printf("\n%-16s %-21s %12s %12s %7s %5s %12s %14s %5s\n", "MEASUREMENT", "WINDOW START",
              "MEMSTORE", "MEM POINTS", "FROZEN", "SEGS", "SEG BYTES", "SEG POINTS", "TOMBS");
  ShardStats total;
  for (const ShardStats& s : st.shards) {
    std::printf("%-16s %-21s %12s %12s %7llu %5llu %12s %14s %5llu\n", s.measurement.c_str(),
                FormatTimeText(s.window_start).c_str(),
                Bytes(s.active_bytes + s.frozen_bytes).c_str(), Grouped(s.active_points).c_str(),
                static_cast<unsigned long long>(s.frozen_count),
                static_cast<unsigned long long>(s.segment_count), Bytes(s.segment_bytes).c_str(),
                Grouped(s.segment_points).c_str(), static_cast<unsigned long long>(s.tombstones));
    total.active_bytes += s.active_bytes + s.frozen_bytes;
    total.active_points += s.active_points;
    total.frozen_count += s.frozen_count;
    total.segment_count += s.segment_count;
    total.segment_bytes += s.segment_bytes;
    total.segment_points += s.segment_points;
    total.tombstones += s.tombstones;
  }
  std::printf("%-16s %-21s %12s %12s %7llu %5llu %12s %14s %5llu\n",
              ("total (" + std::to_string(st.shards.size()) + ")").c_str(), "",
              Bytes(total.active_bytes).c_str(), Grouped(total.active_points).c_str(),
              static_cast<unsigned long long>(total.frozen_count),
              static_cast<unsigned long long>(total.segment_count),
              Bytes(total.segment_bytes).c_str(), Grouped(total.segment_points).c_str(),
              static_cast<unsigned long long>(total.tombstones));
  if (total.segment_points > 0) {
    std::printf("segment bytes per point: %.2f\n",
                static_cast<double>(total.segment_bytes) / static_cast<double>(total.segment_points));
  }
  return kExitOk;
}

}  // namespace

const Command kStatsCommand = {"stats", "shards, MemStores and segments of a directory", kUsage,
                               Run};

}  // namespace strata::cli
