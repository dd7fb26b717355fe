// Series index file benchmark (issue 15, series_index_file.h): what the persistent series index
// would cost and give at cardinality_bench's shape, N pods of a Kubernetes-like fleet with one
// field each:
//   k8s,namespace=ns-<i % 100>,node=node-<i % 1000>,pod=pod-<i>#cpu     (IDs 1..N)
// It writes one index file of the N series and prints:
//   (a) the write time and the file's size (bytes per series)
//   (b) open time (wall and CPU) and the RSS the open adds (the footer, block tables and ID table)
//   (c) lookups: a key by Find and a series by ID (mean over 10,000 random ones)
//   (d) the query of issue 15: the series of one namespace (N / 100) as a posting list, and the
//       same intersected with one node (N / 1000 ... as the data allows)
//   (e) listing the values of `pod` (N values) with their series counts (wall and CPU), and the
//       tag keys
// Each phase after the write runs in a fresh child process (fork), so its clocks and RSS start
// clean; the page cache holds the file (it was just written), as after a recent open. A benchmark
// prints figures; it is not a test.
//
//   series_index_bench [--series N] [--dir D] [--repeat R]
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "bench_process.h"
#include "series_index_file.h"
#include "series_key.h"

namespace strata {
namespace {

constexpr const char* kWho = "series_index_bench";

std::string PodKey(uint64_t i) {
  const std::vector<Tag> tags = {{"namespace", "ns-" + std::to_string(i % 100)},
                                 {"node", "node-" + std::to_string(i % 1000)},
                                 {"pod", "pod-" + std::to_string(i)}};
  return MakeSeriesKey("k8s", tags, "cpu");
}

struct Figures {
  double open_s = 0, open_cpu_s = 0, open_rss_mib = 0;
  double find_us = 0, series_us = 0;
  double namespace_ms = 0, namespace_node_ms = 0;
  uint64_t namespace_series = 0, namespace_node_series = 0;
  double list_pods_ms = 0, list_pods_cpu_ms = 0, list_keys_ms = 0;
  uint64_t pods_listed = 0;
};

template <class T>
T Check(Result<T> r) {
  if (!r) bench::Fail(kWho, r.error().ToString());
  return std::move(*r);
}

Figures Measure(const std::string& path, uint64_t n) {
  Figures f;
  const double rss0 = bench::ProcStatusKb("VmRSS:");
  double t = bench::Now(), cpu = bench::CpuSeconds();
  auto file = Check(SeriesIndexFile::Open(Env::Default(), path));
  f.open_s = bench::Now() - t;
  f.open_cpu_s = bench::CpuSeconds() - cpu;
  f.open_rss_mib = (bench::ProcStatusKb("VmRSS:") - rss0) / 1024;
  std::mt19937_64 rng(15);
  constexpr int kLookups = 10'000;
  std::vector<uint64_t> picks(kLookups);
  std::vector<std::string> keys(kLookups);
  for (int i = 0; i < kLookups; i++) {
    picks[i] = rng() % n;
    keys[i] = PodKey(picks[i]);
  }
  t = bench::Now();
  for (int i = 0; i < kLookups; i++) {
    auto s = Check(file->Find(keys[i]));
    if (!s || s->id != picks[i] + 1) bench::Fail(kWho, "Find missed " + keys[i]);
  }
  f.find_us = (bench::Now() - t) / kLookups * 1e6;
  t = bench::Now();
  for (int i = 0; i < kLookups; i++) {
    auto s = Check(file->Series(picks[i] + 1));
    if (!s || s->key != keys[i]) bench::Fail(kWho, "Series missed " + keys[i]);
  }
  f.series_us = (bench::Now() - t) / kLookups * 1e6;
  t = bench::Now();
  const Roaring ns = Check(file->TagValue("k8s", "namespace", "ns-7"));
  f.namespace_ms = (bench::Now() - t) * 1e3;
  f.namespace_series = ns.cardinality();
  t = bench::Now();
  const Roaring both = ns & Check(file->TagValue("k8s", "node", "node-107"));
  f.namespace_node_ms = (bench::Now() - t) * 1e3;
  f.namespace_node_series = both.cardinality();
  t = bench::Now();
  cpu = bench::CpuSeconds();
  f.pods_listed = Check(file->TagValues("k8s", "pod")).size();
  f.list_pods_ms = (bench::Now() - t) * 1e3;
  f.list_pods_cpu_ms = (bench::CpuSeconds() - cpu) * 1e3;
  t = bench::Now();
  const auto tag_keys = Check(file->TagKeys("k8s"));
  f.list_keys_ms = (bench::Now() - t) * 1e3;
  if (tag_keys.size() != 3 || f.pods_listed != n) bench::Fail(kWho, "listings are incomplete");
  return f;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int Main(int argc, char** argv) {
  uint64_t n = 1'000'000;
  int repeat = 3;
  std::string dir = "/tmp/series_index_bench";
  for (int i = 1; i < argc; i++) {
    const std::string a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    if (a == "--series" && v) {
      n = std::stoull(v), i++;
    } else if (a == "--dir" && v) {
      dir = v, i++;
    } else if (a == "--repeat" && v) {
      repeat = std::max(1, std::stoi(v)), i++;
    } else {
      std::fprintf(stderr, "usage: series_index_bench [--series N] [--dir D] [--repeat R]\n");
      return 2;
    }
  }
  if (n < 1000) bench::Fail(kWho, "--series must be at least 1000");
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/idx-0000000000000001.six";
  // The write runs in a child too, so that the parent forks the measuring children without a
  // heap of freed pages that would hide what their opens allocate.
  struct WriteFigures {
    double wall_s, cpu_s;
  };
  const WriteFigures written = bench::InChild<WriteFigures>(
      [&] {
        std::vector<IndexedSeries> series(n);
        for (uint64_t i = 0; i < n; i++) series[i] = {i + 1, PodKey(i), ValueType::kFloat};
        const double t = bench::Now(), cpu = bench::CpuSeconds();
        if (auto s = WriteSeriesIndexFile(Env::Default(), path, std::move(series)); !s) {
          bench::Fail(kWho, s.error().ToString());
        }
        return WriteFigures{bench::Now() - t, bench::CpuSeconds() - cpu};
      },
      kWho);
  const double write_s = written.wall_s, write_cpu = written.cpu_s;
  const double bytes = static_cast<double>(std::filesystem::file_size(path));
  std::vector<Figures> runs;
  for (int r = 0; r < repeat; r++) {
    runs.push_back(bench::InChild<Figures>([&] { return Measure(path, n); }, kWho));
  }
  const auto med = [&](double Figures::*m) {
    std::vector<double> v;
    for (const Figures& f : runs) v.push_back(f.*m);
    return Median(v);
  };
  const Figures& last = runs.back();
  std::printf("Strata series index file: %llu series (k8s pods, one field), %s; medians of %d\n",
              static_cast<unsigned long long>(n), path.c_str(), repeat);
  std::printf("  (a) write                                %8.2f s (%.2f CPU s)\n", write_s,
              write_cpu);
  std::printf("      file size                            %8.1f MiB, %.1f B/series\n",
              bytes / (1 << 20), bytes / static_cast<double>(n));
  std::printf("  (b) open                                 %8.2f ms (%.2f CPU ms), +%.1f MiB RSS\n",
              med(&Figures::open_s) * 1e3, med(&Figures::open_cpu_s) * 1e3,
              med(&Figures::open_rss_mib));
  std::printf("  (c) Find by key                          %8.2f us\n", med(&Figures::find_us));
  std::printf("      Series by ID                         %8.2f us\n", med(&Figures::series_us));
  std::printf("  (d) namespace=ns-7 (%llu series)        %8.3f ms\n",
              static_cast<unsigned long long>(last.namespace_series), med(&Figures::namespace_ms));
  std::printf("      and node=node-107 (%llu series)        %8.3f ms\n",
              static_cast<unsigned long long>(last.namespace_node_series),
              med(&Figures::namespace_node_ms));
  std::printf("  (e) values of pod (%llu)             %8.1f ms (%.1f CPU ms)\n",
              static_cast<unsigned long long>(last.pods_listed), med(&Figures::list_pods_ms),
              med(&Figures::list_pods_cpu_ms));
  std::printf("      tag keys of k8s                      %8.3f ms\n", med(&Figures::list_keys_ms));
  std::filesystem::remove(path);
  return 0;
}

}  // namespace
}  // namespace strata

int main(int argc, char** argv) { return strata::Main(argc, argv); }
