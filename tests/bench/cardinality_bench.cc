// Cardinality benchmark of issue 15: N series x K points each, written as line protocol through
// StorageEngine::WriteLines with sync=normal and otherwise default options. The series are pods of
// a Kubernetes-like fleet, one float field each:
//   k8s,namespace=ns-<i % 100>,node=node-<i % 1000>,pod=pod-<i> cpu=<2-decimal gauge> <time>
// so `pod` has N values and each `namespace` value selects N / 100 series (10,000 at the default
// N). The K timestamps are 10 s apart; each one is written for every series in turn (a scrape), in
// batches of --batch lines whose text is generated outside the timed WriteLines calls. It prints:
//   (a) ingest points/s (WriteLines time only), and the final Flush apart
//   (b) peak RSS of the ingest run (VmHWM, reset before the engine opens) and the engine's
//       memory as strata_stats_json reports it
//   (c) bytes per point on disk after Flush and after Compact: segments, catalog (the series
//       index), WAL and the rest separately
//   (d) reopen time and RSS right after open, after Flush and after Compact
//   (e) a query selecting the N / 100 series of one namespace at one timestamp (first and second run)
//   (f) listing the values of the N-value tag with their series (Catalog::TagValues, which
//       strata_list_tags and SQL's strata_tags call), after reopen
// Each phase runs in a fresh child process (fork) of a parent that holds nothing, so RSS figures
// are the child's own. A benchmark prints figures; it is not a test.
//
//   cardinality_bench [--series N] [--points K] [--batch LINES] [--repeat R] [--dir D] [--keep]
//   cardinality_bench --reopen DIR [--repeat R]
//   cardinality_bench --ingest-only [--series N] [--points K] [--batch LINES] [--dir D] [--keep]
// The second form only reopens DIR (a run directory kept by --keep) R times, each in a fresh child,
// and prints (d), (e) and (f): for profiling an open without ingesting again. The third runs one
// ingest (a) and (b) in this process, without a child, so that a heap profiler (heaptrack,
// valgrind's massif), which follows no fork, sees it.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_process.h"
#include "options.h"
#include "storage_engine.h"

namespace strata {
namespace {

namespace fs = std::filesystem;

struct Config {
  uint64_t series = 1'000'000;
  uint64_t points = 10;  // per series
  uint64_t batch = 10'000;
  int repeat = 1;
  std::string dir;
  bool keep = false;
  std::string reopen;  // --reopen: only reopen this kept run directory
  bool ingest_only = false;  // --ingest-only: one ingest in this process (for heap profilers)
};

constexpr int64_t kStartNs = 1'700'000'000LL * 1'000'000'000;
constexpr int64_t kIntervalNs = 10LL * 1'000'000'000;
constexpr uint64_t kNamespaces = 100;
constexpr uint64_t kNodes = 1000;

constexpr const char* kName = "cardinality_bench";

[[noreturn]] void Die(const std::string& msg) { bench::Fail(kName, msg); }

template <class T>
void Check(const Result<T>& r, const char* what) {
  if (!r) Die(std::string(what) + ": " + r.error().ToString());
}

using bench::CpuSeconds;
using bench::Now;
using bench::ProcStatusKb;
using bench::ResetHwm;

// What one child process reports back over a pipe (plain doubles).
struct Figures {
  double points = 0;
  double seconds = 0;        // ingest (WriteLines calls only), or open
  double cpu_seconds = 0;    // ingest: CPU of every thread, the text generation left out
  double flush_seconds = 0;  // the final Flush, or Compact
  double hwm_kb = 0;         // VmHWM since the engine was about to open
  double rss_kb = 0;         // VmRSS after open (reopen runs)
  double stats_memory = 0;   // the engine's own accounting: memstore_bytes of strata_stats_json
  // its parts: memstore_bytes, series_memory_bytes, segment_index_bytes
  double stats_memstore = 0, stats_series = 0, stats_index = 0;
  double segments = 0, catalog = 0, wal = 0, other = 0;  // bytes on disk
  double query_ms = 0, query2_ms = 0, query_points = 0;
  double list_ms = 0, list_values = 0;  // the values of `pod` with their series
};

void DiskUsage(const std::string& dir, Figures* f) {
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const double size = static_cast<double>(e.file_size());
    const std::string rel = fs::relative(e.path(), dir).string();
    const std::string name = e.path().filename().string();
    if (name.starts_with("seg-") && name.ends_with(".sst")) {
      f->segments += size;
    } else if (rel.starts_with("catalog/")) {
      f->catalog += size;
    } else if (rel.starts_with("wal/")) {
      f->wal += size;
    } else {
      f->other += size;
    }
  }
}

Figures InChild(const std::function<Figures()>& fn) { return bench::InChild(fn, kName); }

Options BenchOptions() {
  Options o;
  o.sync = SyncMode::kNormal;
  return o;
}

void AppendNumber(std::string* out, uint64_t v) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, p);
}

// The lines [first, first + count) of the data set: line j is series j % N at step j / N.
void Lines(const Config& c, uint64_t first, uint64_t count, std::string* out) {
  out->clear();
  for (uint64_t j = first; j < first + count; j++) {
    const uint64_t i = j % c.series, step = j / c.series;
    out->append("k8s,namespace=ns-");
    AppendNumber(out, i % kNamespaces);
    out->append(",node=node-");
    AppendNumber(out, i % kNodes);
    out->append(",pod=pod-");
    AppendNumber(out, i);
    out->append(" cpu=");
    // A gauge in hundredths that moves a little at each step.
    const uint64_t h = (i * 7919 + step * (i % 13 + 1) * 37) % 10000;
    AppendNumber(out, h / 100);
    out->push_back('.');
    out->push_back(static_cast<char>('0' + h % 100 / 10));
    out->push_back(static_cast<char>('0' + h % 10));
    out->push_back(' ');
    AppendNumber(out, static_cast<uint64_t>(kStartNs + static_cast<int64_t>(step) * kIntervalNs));
    out->push_back('\n');
  }
}

// The engine's accounted memory, from its stats JSON: the MemStores' bytes and, where the engine
// reports them, the per-series structures' (series_memory_bytes) and the open segments' indexes
// (segment_index_bytes).
double StatsMemory(const StorageEngine& engine, Figures* f = nullptr) {
  const nlohmann::json j = nlohmann::json::parse(engine.StatsJson());
  const double memstore = j.value("memstore_bytes", 0.0);
  const double series = j.value("series_memory_bytes", 0.0);
  const double index = j.value("segment_index_bytes", 0.0);
  if (f != nullptr) {
    f->stats_memstore = memstore;
    f->stats_series = series;
    f->stats_index = index;
  }
  return memstore + series + index;
}

Figures IngestRun(const Config& c, const std::string& dir) {
  Figures fig;
  std::string text;
  text.reserve(c.batch * 80);
  ResetHwm();
  auto engine = StorageEngine::Open(dir, BenchOptions());
  Check(engine, "open");
  const uint64_t total = c.series * c.points;
  const double c0 = CpuSeconds(RUSAGE_SELF);
  double generating = 0;
  for (uint64_t first = 0; first < total; first += c.batch) {
    const double g0 = CpuSeconds(RUSAGE_THREAD);
    Lines(c, first, std::min(c.batch, total - first), &text);
    generating += CpuSeconds(RUSAGE_THREAD) - g0;
    const double t0 = Now();
    Check((*engine)->WriteLines(text), "WriteLines");
    fig.seconds += Now() - t0;
  }
  fig.cpu_seconds = CpuSeconds(RUSAGE_SELF) - c0 - generating;
  fig.stats_memory = StatsMemory(**engine, &fig);
  const double t1 = Now();
  Check((*engine)->Flush(), "Flush");
  fig.flush_seconds = Now() - t1;
  fig.points = static_cast<double>((*engine)->Stats().points_written);
  engine->reset();
  fig.hwm_kb = ProcStatusKb("VmHWM:");
  DiskUsage(dir, &fig);
  return fig;
}

// Opens the directory (timed), reads RSS, runs the tag query twice; with `compact`, then compacts
// and measures the disk.
Figures ReopenRun(const std::string& dir, bool compact) {
  Figures fig;
  ResetHwm();
  const double t0 = Now();
  auto engine = StorageEngine::Open(dir, BenchOptions());
  Check(engine, "reopen");
  fig.seconds = Now() - t0;
  fig.rss_kb = ProcStatusKb("VmRSS:");
  fig.stats_memory = StatsMemory(**engine);
  for (int run = 0; run < 2; run++) {
    QueryRequest q;
    q.measurement = "k8s";
    q.tags.push_back(TagFilter{"namespace", {"ns-7"}});
    q.min_time = q.max_time = kStartNs + 3 * kIntervalNs;
    const double q0 = Now();
    auto cursor = (*engine)->Query(q);
    Check(cursor, "Query");
    double points = 0;
    for (;;) {
      Result<bool> more = (*cursor)->Next();
      Check(more, "QueryCursor::Next");
      if (!*more) break;
      points += static_cast<double>((*cursor)->points().size());
    }
    (run == 0 ? fig.query_ms : fig.query2_ms) = (Now() - q0) * 1e3;
    fig.query_points = points;
  }
  // (f) What strata_list_tags(db, "k8s", "pod") lists: the tag index's values, sorted.
  {
    const double l0 = Now();
    auto catalog = (*engine)->CurrentCatalog();
    Check(catalog, "CurrentCatalog");
    const std::vector<TagValueInfo> values = (*catalog)->TagValues("k8s", "pod").value();
    fig.list_ms = (Now() - l0) * 1e3;
    fig.list_values = static_cast<double>(values.size());
  }
  if (compact) {
    const double t1 = Now();
    Check((*engine)->Compact(), "Compact");
    fig.flush_seconds = Now() - t1;
  }
  engine->reset();
  fig.hwm_kb = ProcStatusKb("VmHWM:");
  if (compact) DiskUsage(dir, &fig);
  return fig;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

bool ParseFlags(int argc, char** argv, Config* c) {
  for (int i = 1; i < argc; i++) {
    const std::string a = argv[i];
    if (a == "--keep") {
      c->keep = true;
      continue;
    }
    if (a == "--ingest-only") {
      c->ingest_only = true;
      continue;
    }
    if (i + 1 >= argc) return false;
    const std::string v = argv[++i];
    if (a == "--reopen") {
      c->reopen = v;
    } else if (a == "--series") {
      c->series = std::strtoull(v.c_str(), nullptr, 10);
    } else if (a == "--points") {
      c->points = std::strtoull(v.c_str(), nullptr, 10);
    } else if (a == "--batch") {
      c->batch = std::strtoull(v.c_str(), nullptr, 10);
    } else if (a == "--repeat") {
      c->repeat = std::atoi(v.c_str());
    } else if (a == "--dir") {
      c->dir = v;
    } else {
      return false;
    }
  }
  return c->series > 0 && c->points > 0 && c->batch > 0 && c->repeat > 0;
}

struct Run {
  Figures ingest, reopen_flushed, reopen_compacted, compact;
};

void PrintReport(const Config& c, const std::vector<Run>& runs) {
  constexpr double kMiB = 1024.0 * 1024.0;
  auto med = [&](Figures Run::*phase, auto get) {
    std::vector<double> xs;
    for (const Run& r : runs) xs.push_back(get(r.*phase));
    return Median(xs);
  };
  const double points = runs[0].ingest.points;
  auto row = [](const char* what, const std::string& value, const char* target) {
    std::printf("  %-52s %22s   %s\n", what, value.c_str(), target);
  };
  auto fmt = [](const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), f, v);
    return std::string(buf);
  };
  auto bytes_row = [&](const char* what, Figures Run::*phase) {
    const double seg = med(phase, [](const Figures& f) { return f.segments; });
    const double cat = med(phase, [](const Figures& f) { return f.catalog; });
    const double wal = med(phase, [](const Figures& f) { return f.wal; });
    const double other = med(phase, [](const Figures& f) { return f.other; });
    row(what, fmt("%.2f B", (seg + cat + wal + other) / points), "<= 3 B after compaction");
    std::printf("      segments %.2f, catalog %.2f, WAL %.2f, other %.2f B/point\n", seg / points,
                cat / points, wal / points, other / points);
  };
  std::printf("\n%.0f points (%llu series x %llu); medians of %d run(s); MiB = 2^20 bytes\n", points,
              static_cast<unsigned long long>(c.series), static_cast<unsigned long long>(c.points),
              static_cast<int>(runs.size()));
  row("(a) ingest, WriteLines, sync=normal",
      fmt("%.3f M pts/s", med(&Run::ingest, [](const Figures& f) { return f.points / f.seconds; }) / 1e6),
      ">= 1.5 M pts/s");
  row("    points per CPU second (all threads)",
      fmt("%.3f M pts/s", med(&Run::ingest, [](const Figures& f) { return f.points / f.cpu_seconds; }) / 1e6),
      "");
  row("    final Flush", fmt("%.2f s", med(&Run::ingest, [](const Figures& f) { return f.flush_seconds; })), "");
  row("(b) peak RSS of the ingest (VmHWM)",
      fmt("%.0f MiB", med(&Run::ingest, [](const Figures& f) { return f.hwm_kb; }) / 1024), "<= 1024 MiB");
  row("    engine's accounted memory before Flush",
      fmt("%.0f MiB", med(&Run::ingest, [](const Figures& f) { return f.stats_memory; }) / kMiB), "");
  std::printf("      memstores %.0f, series %.0f, segment indexes %.0f MiB\n",
              med(&Run::ingest, [](const Figures& f) { return f.stats_memstore; }) / kMiB,
              med(&Run::ingest, [](const Figures& f) { return f.stats_series; }) / kMiB,
              med(&Run::ingest, [](const Figures& f) { return f.stats_index; }) / kMiB);
  bytes_row("(c) on disk after Flush, per point", &Run::ingest);
  bytes_row("    on disk after Compact, per point", &Run::compact);
  row("    Compact", fmt("%.2f s", med(&Run::compact, [](const Figures& f) { return f.flush_seconds; })), "");
  for (auto [what, phase] : {std::pair{"(d) reopen after Flush", &Run::reopen_flushed},
                             std::pair{"    reopen after Compact", &Run::reopen_compacted}}) {
    row(what, fmt("%.3f s", med(phase, [](const Figures& f) { return f.seconds; })), "<= 1 s");
    row("      RSS after open",
        fmt("%.0f MiB", med(phase, [](const Figures& f) { return f.rss_kb; }) / 1024), "<= 200 MiB");
  }
  row("(e) query: one namespace at one timestamp",
      fmt("%.1f ms", med(&Run::reopen_compacted, [](const Figures& f) { return f.query_ms; })),
      "<= 10 ms");
  row("    the same query again",
      fmt("%.1f ms", med(&Run::reopen_compacted, [](const Figures& f) { return f.query2_ms; })), "");
  row("    points it returned",
      fmt("%.0f", med(&Run::reopen_compacted, [](const Figures& f) { return f.query_points; })), "");
  row("(f) listing the values of `pod` (strata_list_tags)",
      fmt("%.1f ms", med(&Run::reopen_compacted, [](const Figures& f) { return f.list_ms; })),
      "<= 200 ms");
  row("    values it listed",
      fmt("%.0f", med(&Run::reopen_compacted, [](const Figures& f) { return f.list_values; })), "");
}

// --reopen: opens a kept run directory R times and prints each open's figures.
int ReopenOnly(const Config& c) {
  std::vector<double> seconds;
  for (int r = 0; r < c.repeat; r++) {
    const Figures f = InChild([&] { return ReopenRun(c.reopen, false); });
    std::printf("reopen %d: %.3f s, RSS after open %.0f MiB, query %.1f / %.1f ms (%.0f points), "
                "listing %.1f ms (%.0f values)\n",
                r + 1, f.seconds, f.rss_kb / 1024, f.query_ms, f.query2_ms, f.query_points,
                f.list_ms, f.list_values);
    seconds.push_back(f.seconds);
  }
  std::printf("median reopen %.3f s\n", Median(seconds));
  return 0;
}

// --ingest-only: one ingest in this process.
int IngestOnly(const Config& c) {
  const std::string dir = bench::WorkDir(c.dir, "strata-cardinality", kName);
  const std::string run = (fs::path(dir) / "run-0").string();
  fs::remove_all(run);
  const Figures f = IngestRun(c, run);
  std::printf(
      "ingest %.3f M pts/s (%.3f M per CPU s), final Flush %.2f s, peak RSS %.0f MiB, "
      "engine's accounted memory before Flush %.0f MiB (memstores %.0f, series %.0f, "
      "segment indexes %.0f)\n",
      f.points / f.seconds / 1e6, f.points / f.cpu_seconds / 1e6, f.flush_seconds, f.hwm_kb / 1024,
      f.stats_memory / (1024.0 * 1024.0), f.stats_memstore / (1024.0 * 1024.0),
      f.stats_series / (1024.0 * 1024.0), f.stats_index / (1024.0 * 1024.0));
  if (!c.keep) fs::remove_all(c.dir.empty() ? dir : run);
  return 0;
}

int Main(int argc, char** argv) {
  Config c;
  if (!ParseFlags(argc, argv, &c)) {
    std::fprintf(stderr, "usage: cardinality_bench [--series N] [--points K] [--batch LINES] "
                         "[--repeat R] [--dir D] [--keep]\n"
                         "       cardinality_bench --reopen DIR [--repeat R]\n"
                         "       cardinality_bench --ingest-only [--series N] [--points K] "
                         "[--batch LINES] [--dir D] [--keep]\n");
    return 2;
  }
  if (!c.reopen.empty()) return ReopenOnly(c);
  if (c.ingest_only) return IngestOnly(c);
  const bool own_dir = c.dir.empty();
  c.dir = bench::WorkDir(c.dir, "strata-cardinality", kName);
  std::printf("Strata cardinality benchmark: %llu series x %llu points, batches of %llu lines, "
              "sync=normal, dir %s\n",
              static_cast<unsigned long long>(c.series), static_cast<unsigned long long>(c.points),
              static_cast<unsigned long long>(c.batch), c.dir.c_str());
  std::vector<Run> runs;
  for (int r = 0; r < c.repeat; r++) {
    const std::string dir = (fs::path(c.dir) / ("run-" + std::to_string(r))).string();
    fs::remove_all(dir);
    Run run;
    run.ingest = InChild([&] { return IngestRun(c, dir); });
    run.reopen_flushed = InChild([&] { return ReopenRun(dir, true); });
    run.compact = run.reopen_flushed;
    run.reopen_compacted = InChild([&] { return ReopenRun(dir, false); });
    std::printf("run %d: ingest %.3f M pts/s (%.3f M per CPU s), peak RSS %.0f MiB, reopen %.2f s (RSS %.0f MiB), "
                "query %.1f ms\n",
                r + 1, run.ingest.points / run.ingest.seconds / 1e6,
                run.ingest.points / run.ingest.cpu_seconds / 1e6, run.ingest.hwm_kb / 1024,
                run.reopen_compacted.seconds, run.reopen_compacted.rss_kb / 1024,
                run.reopen_compacted.query_ms);
    if (run.reopen_compacted.query_points != static_cast<double>(c.series / kNamespaces)) {
      std::printf("  (the query returned %.0f points, expected %llu)\n",
                  run.reopen_compacted.query_points,
                  static_cast<unsigned long long>(c.series / kNamespaces));
    }
    runs.push_back(run);
    if (!c.keep) fs::remove_all(dir);
  }
  if (own_dir && !c.keep) fs::remove_all(c.dir);
  PrintReport(c, runs);
  return 0;
}

}  // namespace
}  // namespace strata

int main(int argc, char** argv) { return strata::Main(argc, argv); }
