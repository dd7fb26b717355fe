// Ingest benchmark of issue 2: the data of `shared/bench/tsbs_cpu.py --hosts 100 --hours 24`
// (100 hosts x 10 TSBS cpu float fields x 8,640 timestamps 10 s apart = 8.64 M points, the 10 TSBS
// tags per host), generated in-process and deterministically (the same shape, not the same random
// numbers as the Python script: values random-walk in [0, 100] and are rounded to 2 decimals), or
// read from a line-protocol file with --file. It prints, with the targets beside them:
//   (a) structured ingest: WriteBatch::AddRow, batches of 5,000 rows, sync=full -> points/s
//   (b) line-protocol ingest: WriteLines, 5,000-line batches, sync=full -> points/s (text generated
//       in memory before the clock starts)
//   (c) bytes on disk per point after Flush (segment files; whole directory)
//   (d) peak RSS of the structured run (ru_maxrss and VmHWM), memstore_bytes as given
//   (e) a scan of every point back through Query -> points/s
// Each run happens in a fresh child process (fork) so that peaks and caches of one run do not leak
// into the next; the parent only orchestrates. A benchmark prints figures; it is not a test.
//
//   ingest_bench [--hosts N] [--hours H] [--file F.lp] [--dir D] [--repeat N]
//                [--memstore-bytes SIZE] [--batch-rows N] [--keep] [--phase all|structured|lines]
//                [--sync full|normal|off] [--write-lines OUT.lp]
// (--phase structured runs (a), (c), (d) and (e); --phase lines runs (b) only: for profiling.)
// --write-lines OUT.lp writes the generated data as line protocol and exits (the demo's fallback
// when shared/bench/tsbs_cpu.py is absent).
#include <array>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bench_process.h"
#include "line_protocol.h"
#include "options.h"
#include "storage_engine.h"
#include "write_batch.h"

namespace strata {
namespace {

namespace fs = std::filesystem;

// ---- configuration -------------------------------------------------------------------------------

struct Config {
  int hosts = 100;
  double hours = 24;
  std::string file;
  std::string dir;
  int repeat = 1;
  uint64_t memstore_bytes = 64ull << 20;
  size_t batch_rows = 5000;
  bool keep = false;
  std::string phase = "all";  // all | structured (with the scan) | lines
  std::string write_lines;    // write the generated line protocol to this file and exit
  SyncMode sync = SyncMode::kFull;  // --sync, to see what fsync costs; the targets are for full
};

constexpr const char* kName = "ingest_bench";

[[noreturn]] void Die(const std::string& msg) { bench::Fail(kName, msg); }

template <class T>
void Check(const Result<T>& r, const char* what) {
  if (!r) Die(std::string(what) + ": " + r.error().ToString());
}

using bench::CpuSeconds;
using bench::Now;
using bench::ProcStatusKb;
using bench::ResetHwm;

// ---- the TSBS cpu data set ------------------------------------------------------------------------

constexpr const char* kFields[] = {"usage_user",    "usage_system", "usage_idle",  "usage_nice",
                                   "usage_iowait",  "usage_irq",    "usage_softirq",
                                   "usage_steal",   "usage_guest",  "usage_guest_nice"};
constexpr int kFieldCount = 10;
constexpr const char* kTagKeys[] = {"hostname", "region", "datacenter", "rack", "os", "arch",
                                    "team", "service", "service_version", "service_environment"};
struct Region {
  const char* name;
  std::vector<const char*> dcs;
};
const std::vector<Region>& Regions() {
  static const std::vector<Region> r = {
      {"us-east-1", {"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1e"}},
      {"us-west-1", {"us-west-1a", "us-west-1b"}},
      {"us-west-2", {"us-west-2a", "us-west-2b", "us-west-2c"}},
      {"eu-west-1", {"eu-west-1a", "eu-west-1b", "eu-west-1c"}},
      {"eu-central-1", {"eu-central-1a", "eu-central-1b"}},
      {"ap-southeast-1", {"ap-southeast-1a", "ap-southeast-1b"}},
      {"ap-southeast-2", {"ap-southeast-2a", "ap-southeast-2b"}},
      {"ap-northeast-1", {"ap-northeast-1a", "ap-northeast-1c"}},
      {"sa-east-1", {"sa-east-1a", "sa-east-1b", "sa-east-1c"}}};
  return r;
}
constexpr const char* kOses[] = {"Ubuntu16.10", "Ubuntu16.04LTS", "Ubuntu15.10"};
constexpr const char* kArches[] = {"x64", "x86"};
constexpr const char* kTeams[] = {"SF", "NYC", "LON", "CHI"};
constexpr const char* kEnvs[] = {"production", "staging", "test"};
constexpr int64_t kStartNs = 1451606400LL * 1'000'000'000;  // 2016-01-01T00:00:00Z
constexpr int64_t kIntervalNs = 10LL * 1'000'000'000;

// The generated data set: per host its tags (in TSBS order, as in the text), per (step, host,
// field) a value in hundredths (0..10000), so that 8.64 M values take 17 MB.
struct CpuData {
  int hosts = 0;
  int64_t steps = 0;
  std::vector<std::vector<Tag>> tags;
  std::vector<uint16_t> hundredths;  // [step][host][field]

  uint64_t points() const { return static_cast<uint64_t>(steps) * hosts * kFieldCount; }
  uint64_t rows() const { return static_cast<uint64_t>(steps) * hosts; }
  double value(uint64_t row, int field) const {
    return hundredths[row * kFieldCount + field] / 100.0;  // correctly rounded, as parsing "12.34"
  }
  int64_t time(uint64_t row) const { return kStartNs + static_cast<int64_t>(row / hosts) * kIntervalNs; }
};

CpuData GenerateCpu(int hosts, double hours) {
  CpuData d;
  d.hosts = hosts;
  d.steps = static_cast<int64_t>(hours * 3600 / 10);
  std::mt19937_64 rng(123);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  auto uniform = [&] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  for (int i = 0; i < hosts; i++) {
    const Region& region = Regions()[pick(Regions().size())];
    std::vector<std::string> v = {"host_" + std::to_string(i),
                                  region.name,
                                  region.dcs[pick(region.dcs.size())],
                                  std::to_string(pick(100)),
                                  kOses[pick(3)],
                                  kArches[pick(2)],
                                  kTeams[pick(4)],
                                  std::to_string(pick(20)),
                                  std::to_string(pick(2)),
                                  kEnvs[pick(3)]};
    std::vector<Tag> t;
    for (int k = 0; k < 10; k++) t.push_back(Tag{kTagKeys[k], v[k]});
    d.tags.push_back(std::move(t));
  }
  std::vector<double> walk(static_cast<size_t>(hosts) * kFieldCount);
  for (double& x : walk) x = uniform() * 100;
  d.hundredths.resize(d.points());
  size_t out = 0;
  for (int64_t s = 0; s < d.steps; s++) {
    for (double& x : walk) {
      // Box-Muller, sigma 1: deterministic across standard libraries.
      const double g = std::sqrt(-2 * std::log(1 - uniform())) * std::cos(2 * M_PI * uniform());
      x = std::clamp(x + g, 0.0, 100.0);
      d.hundredths[out++] = static_cast<uint16_t>(std::lround(x * 100));
    }
  }
  return d;
}

// The line-protocol text of `d`, exactly as tsbs_cpu.py formats it.
std::string CpuText(const CpuData& d) {
  std::vector<std::string> prefixes;
  for (const auto& tags : d.tags) {
    std::string p = "cpu";
    for (const Tag& t : tags) p += "," + t.key + "=" + t.value;
    prefixes.push_back(p + " ");
  }
  size_t row_bytes = 1 + 20 + 1;  // ' ', the timestamp, '\n'
  for (const char* f : kFields) row_bytes += std::strlen(f) + 1 + 6 + 1;  // "name=100.00,"
  size_t total = 0;
  for (uint64_t row = 0; row < d.rows(); row++) total += prefixes[row % d.hosts].size() + row_bytes;
  std::string text;
  text.reserve(total);  // exact upper bound: growing would double the peak RSS
  char buf[32];
  for (uint64_t row = 0; row < d.rows(); row++) {
    text += prefixes[row % d.hosts];
    for (int f = 0; f < kFieldCount; f++) {
      if (f > 0) text += ',';
      text += kFields[f];
      text += '=';
      const unsigned h = d.hundredths[row * kFieldCount + f];
      auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), h / 100);
      *p++ = '.';
      *p++ = static_cast<char>('0' + h % 100 / 10);
      *p++ = static_cast<char>('0' + h % 10);
      text.append(buf, p);
    }
    text += ' ';
    auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), d.time(row));
    text.append(buf, p);
    text += '\n';
  }
  return text;
}

// A line-protocol file parsed up front for the structured run.
struct FileRows {
  struct TagSet {
    std::string measurement;
    std::vector<Tag> tags;
  };
  struct Field {
    uint32_t name;  // into names
    ValueType type;
    uint64_t num;
    uint32_t str;   // into strs, for kString
  };
  struct Row {
    uint32_t tagset;
    uint32_t first_field;
    uint32_t field_count;
    int64_t time;
  };
  std::vector<TagSet> tagsets;
  std::vector<std::string> names;
  std::vector<std::string> strs;
  std::vector<Field> fields;
  std::vector<Row> rows;
};

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Die("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

FileRows ParseFileRows(const std::string& text) {
  FileRows f;
  std::unordered_map<std::string, uint32_t> tagset_ids, name_ids;
  LineProtocolParser parser;
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  Status s = parser.Parse(text, now, [&](const ParsedLine& line) -> Status {
    auto [it, added] = tagset_ids.try_emplace(std::string(line.series_section),
                                              static_cast<uint32_t>(f.tagsets.size()));
    if (added) {
      FileRows::TagSet ts{std::string(line.measurement), {}};
      for (const auto& [k, v] : line.tags) ts.tags.push_back(Tag{std::string(k), std::string(v)});
      f.tagsets.push_back(std::move(ts));
    }
    f.rows.push_back({it->second, static_cast<uint32_t>(f.fields.size()),
                      static_cast<uint32_t>(line.fields.size()), line.time});
    for (const ParsedField& pf : line.fields) {
      auto [nit, nadded] =
          name_ids.try_emplace(std::string(pf.key), static_cast<uint32_t>(f.names.size()));
      if (nadded) f.names.emplace_back(pf.key);
      uint32_t str = 0;
      if (pf.type == ValueType::kString) {
        str = static_cast<uint32_t>(f.strs.size());
        f.strs.emplace_back(pf.str);
      }
      f.fields.push_back({nit->second, pf.type, pf.num, str});
    }
    return OkStatus();
  });
  Check(s, "parse --file");
  return f;
}

// Byte ranges of `lines_per_chunk` whole lines each (a string value spanning lines would be cut;
// the benchmark data has none).
std::vector<std::string_view> Chunks(std::string_view text, size_t lines_per_chunk) {
  std::vector<std::string_view> out;
  size_t begin = 0, pos = 0, lines = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    if (++lines == lines_per_chunk || pos == text.size()) {
      out.push_back(text.substr(begin, pos - begin));
      begin = pos;
      lines = 0;
    }
  }
  return out;
}

// ---- measurements --------------------------------------------------------------------------------

// What one child process reports back over a pipe (plain doubles).
struct Figures {
  double points = 0;
  double seconds = 0;        // ingest until the last Write returned, or the scan
  double flush_seconds = 0;  // the final Flush
  double open_seconds = 0;
  double segment_bytes = 0;
  double dir_bytes = 0;
  double maxrss_kb = 0;
  double hwm_kb = 0;
  double input_bytes = 0;  // data the child held in memory besides the engine
  double checksum = 0;
  double build_seconds = 0;  // structured run: of `seconds`, filling WriteBatches (Add*)
  double cpu_seconds = 0;    // user + system CPU of the whole process during `seconds`
  double input_rss_kb = 0;   // VmRSS once the input is ready, before the engine opens
};

double VmHwmKb() { return ProcStatusKb("VmHWM:"); }

void RecordRss(Figures* f) {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  f->maxrss_kb = static_cast<double>(ru.ru_maxrss);
  f->hwm_kb = VmHwmKb();
}

void DiskUsage(const std::string& dir, Figures* f) {
  f->segment_bytes = f->dir_bytes = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const double size = static_cast<double>(e.file_size());
    f->dir_bytes += size;
    const std::string name = e.path().filename().string();
    if (name.rfind("seg-", 0) == 0 && name.ends_with(".sst")) f->segment_bytes += size;
  }
}

Figures InChild(const std::function<Figures()>& fn) { return bench::InChild(fn, kName); }

Options BenchOptions(const Config& c) {
  Options o;
  o.sync = c.sync;
  o.memstore_bytes = c.memstore_bytes;
  return o;
}

Figures StructuredRun(const Config& c, const std::string& dir) {
  Figures fig;
  WriteBatch batch;
  std::shared_ptr<StorageEngine> engine;
  auto open = [&] {
    fig.input_rss_kb = ProcStatusKb("VmRSS:");
    ResetHwm();
    auto e = StorageEngine::Open(dir, BenchOptions(c));
    Check(e, "open");
    engine = std::move(*e);
  };
  if (c.file.empty()) {
    const CpuData d = GenerateCpu(c.hosts, c.hours);
    fig.input_bytes = static_cast<double>(d.hundredths.size() * sizeof(uint16_t));
    // Rows are added with WriteBatch::AddRow: the tags of a row are looked up once.
    std::vector<std::vector<strata::TagView>> views(d.hosts);
    for (int h = 0; h < d.hosts; h++) {
      for (const auto& t : d.tags[h]) views[h].push_back(strata::TagView{t.key, t.value});
    }
    std::array<strata::FieldValue, kFieldCount> fields;
    open();
    const double t0 = Now(), c0 = CpuSeconds();
    for (uint64_t row = 0; row < d.rows();) {
      const double b0 = Now();
      batch.Clear();
      const uint64_t end = std::min<uint64_t>(d.rows(), row + c.batch_rows);
      for (; row < end; row++) {
        const int64_t t = d.time(row);
        for (int f = 0; f < kFieldCount; f++) {
          fields[f] = strata::FieldValue{kFields[f], strata::ValueType::kFloat,
                                         strata::FloatBits(d.value(row, f)), {}};
        }
        Check(batch.AddRow("cpu", views[row % d.hosts], t, fields), "AddRow");
      }
      fig.build_seconds += Now() - b0;
      Check(engine->Write(batch), "Write");
      fig.points += static_cast<double>(batch.point_count());
    }
    fig.seconds = Now() - t0;
    fig.cpu_seconds = CpuSeconds() - c0;
  } else {
    const FileRows rows = ParseFileRows(ReadWholeFile(c.file));
    fig.input_bytes = static_cast<double>(rows.fields.size() * sizeof(FileRows::Field) +
                                          rows.rows.size() * sizeof(FileRows::Row));
    open();
    const double t0 = Now(), c0 = CpuSeconds();
    for (size_t r = 0; r < rows.rows.size();) {
      const double b0 = Now();
      batch.Clear();
      const size_t end = std::min(rows.rows.size(), r + c.batch_rows);
      for (; r < end; r++) {
        const FileRows::Row& row = rows.rows[r];
        const FileRows::TagSet& ts = rows.tagsets[row.tagset];
        for (uint32_t i = 0; i < row.field_count; i++) {
          const FileRows::Field& f = rows.fields[row.first_field + i];
          Check(batch.Add(ts.measurement, ts.tags, rows.names[f.name], row.time, f.type, f.num,
                          f.type == ValueType::kString ? rows.strs[f.str] : std::string_view()),
                "Add");
        }
      }
      fig.build_seconds += Now() - b0;
      Check(engine->Write(batch), "Write");
      fig.points += static_cast<double>(batch.point_count());
    }
    fig.seconds = Now() - t0;
    fig.cpu_seconds = CpuSeconds() - c0;
  }
  const double t1 = Now();
  Check(engine->Flush(), "Flush");
  fig.flush_seconds = Now() - t1;
  engine.reset();
  RecordRss(&fig);
  DiskUsage(dir, &fig);
  return fig;
}

Figures LineRun(const Config& c, const std::string& dir) {
  Figures fig;
  const std::string text = c.file.empty() ? CpuText(GenerateCpu(c.hosts, c.hours))
                                          : ReadWholeFile(c.file);
  fig.input_bytes = static_cast<double>(text.size());
  const std::vector<std::string_view> chunks = Chunks(text, c.batch_rows);
  fig.input_rss_kb = ProcStatusKb("VmRSS:");
  ResetHwm();
  auto engine = StorageEngine::Open(dir, BenchOptions(c));
  Check(engine, "open");
  const double t0 = Now(), c0 = CpuSeconds();
  for (std::string_view chunk : chunks) Check((*engine)->WriteLines(chunk), "WriteLines");
  fig.seconds = Now() - t0;
  fig.cpu_seconds = CpuSeconds() - c0;
  const double t1 = Now();
  Check((*engine)->Flush(), "Flush");
  fig.flush_seconds = Now() - t1;
  fig.points = static_cast<double>((*engine)->Stats().points_written);
  engine->reset();
  RecordRss(&fig);
  DiskUsage(dir, &fig);
  return fig;
}

Figures ScanRun(const Config& c, const std::string& dir) {
  Figures fig;
  ResetHwm();
  const double t0 = Now();
  auto engine = StorageEngine::Open(dir, BenchOptions(c));
  Check(engine, "open");
  fig.open_seconds = Now() - t0;
  uint64_t sum = 0;
  const double t1 = Now(), c1 = CpuSeconds();
  for (const std::string& m : (*engine)->catalog().Measurements()) {
    QueryRequest q;
    q.measurement = m;
    auto cursor = (*engine)->Query(q);
    Check(cursor, "Query");
    for (;;) {
      Result<bool> more = (*cursor)->Next();
      Check(more, "QueryCursor::Next");
      if (!*more) break;
      const Column& col = (*cursor)->points();
      fig.points += static_cast<double>(col.size());
      for (uint64_t v : col.nums) sum += v;
    }
  }
  fig.seconds = Now() - t1;
  fig.cpu_seconds = CpuSeconds() - c1;
  fig.checksum = static_cast<double>(sum % (1ull << 52));
  engine->reset();
  RecordRss(&fig);
  return fig;
}

std::string FormatG(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string Mpts(double points, double secs) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f M pts/s", secs > 0 ? points / secs / 1e6 : 0.0);
  return buf;
}

void Row(const std::string& what, const std::string& value, const std::string& target,
         int verdict /* 1 ok, 0 missed, -1 none */) {
  std::printf("  %-44s %16s   %-22s %s\n", what.c_str(), value.c_str(), target.c_str(),
              verdict < 0 ? "" : verdict ? "ok" : "MISSED");
}

bool ParseFlags(int argc, char** argv, Config* c) {
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--keep") {
      c->keep = true;
      continue;
    }
    if (i + 1 >= argc) return false;
    std::string v = argv[++i];
    if (a == "--hosts") {
      c->hosts = std::atoi(v.c_str());
    } else if (a == "--hours") {
      c->hours = std::atof(v.c_str());
    } else if (a == "--file") {
      c->file = v;
    } else if (a == "--sync") {
      auto o = ParseOptions("sync=" + v);
      if (!o) return false;
      c->sync = o->sync;
    } else if (a == "--write-lines") {
      c->write_lines = v;
    } else if (a == "--phase") {
      c->phase = v;
    } else if (a == "--dir") {
      c->dir = v;
    } else if (a == "--repeat") {
      c->repeat = std::atoi(v.c_str());
    } else if (a == "--batch-rows") {
      c->batch_rows = static_cast<size_t>(std::atoll(v.c_str()));
    } else if (a == "--memstore-bytes") {
      auto b = ParseByteSize(v);
      if (!b) return false;
      c->memstore_bytes = *b;
    } else {
      return false;
    }
  }
  return c->hosts > 0 && c->hours > 0 && c->repeat > 0 && c->batch_rows > 0 &&
         (c->phase == "all" || c->phase == "structured" || c->phase == "lines");
}

int Main(int argc, char** argv) {
  Config c;
  if (!ParseFlags(argc, argv, &c)) {
    std::fprintf(stderr,
                 "usage: ingest_bench [--hosts N] [--hours H] [--file F.lp] [--dir D] [--repeat N]\n"
                 "                    [--memstore-bytes SIZE] [--batch-rows N] [--keep]\n"
                 "                    [--phase all|structured|lines] [--write-lines OUT.lp]\n"
                 "                    [--sync full|normal|off]\n");
    return 2;
  }
  if (!c.write_lines.empty()) {
    const std::string text = CpuText(GenerateCpu(c.hosts, c.hours));
    std::ofstream out(c.write_lines, std::ios::binary);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    if (!out) Die("cannot write " + c.write_lines);
    return 0;
  }
  const bool own_dir = c.dir.empty();
  c.dir = bench::WorkDir(c.dir, "strata-bench", kName);
  const std::string data = c.file.empty()
                               ? std::to_string(c.hosts) + " hosts x " + FormatG(c.hours) +
                                     " h x 10 fields (generated TSBS cpu)"
                               : c.file;
  std::printf("Strata ingest benchmark: %s; memstore_bytes %s, sync=%s, batches of %zu rows/lines, "
              "%ld CPUs, dir %s, %d repeat(s)\n",
              data.c_str(), FormatByteSize(c.memstore_bytes).c_str(), SyncModeName(c.sync), c.batch_rows,
              sysconf(_SC_NPROCESSORS_ONLN), c.dir.c_str(), c.repeat);

  std::vector<Figures> structured, lines, scans;
  for (int r = 0; r < c.repeat; r++) {
    const std::string sdir = (fs::path(c.dir) / ("structured-" + std::to_string(r))).string();
    const std::string ldir = (fs::path(c.dir) / ("lines-" + std::to_string(r))).string();
    fs::remove_all(sdir);
    fs::remove_all(ldir);
    const bool do_structured = c.phase != "lines", do_lines = c.phase != "structured";
    // A skipped phase reports zeros.
    structured.push_back(do_structured ? InChild([&] { return StructuredRun(c, sdir); }) : Figures());
    scans.push_back(do_structured ? InChild([&] { return ScanRun(c, sdir); }) : Figures());
    lines.push_back(do_lines ? InChild([&] { return LineRun(c, ldir); }) : Figures());
    const Figures& s = structured.back();
    const Figures& l = lines.back();
    const Figures& q = scans.back();
    std::printf("run %d:", r + 1);
    if (do_structured) {
      std::printf(" structured %s (+%.2f s flush), scan %s, RSS %.0f MiB;",
                  Mpts(s.points, s.seconds).c_str(), s.flush_seconds,
                  Mpts(q.points, q.seconds).c_str(), s.hwm_kb / 1024);
    }
    if (do_lines) {
      std::printf(" lines %s (+%.2f s flush)", Mpts(l.points, l.seconds).c_str(), l.flush_seconds);
    }
    std::printf("\n");
    if (q.points != s.points) {
      Die("the scan returned " + std::to_string(q.points) + " points, " +
          std::to_string(s.points) + " were written");
    }
    if (!c.keep) {
      fs::remove_all(sdir);
      fs::remove_all(ldir);
    }
  }
  if (own_dir && !c.keep) fs::remove_all(c.dir);

  auto med = [](const std::vector<Figures>& v, double Figures::*m) {
    std::vector<double> xs;
    for (const Figures& f : v) xs.push_back(f.*m);
    return Median(xs);
  };
  auto med_rate = [](const std::vector<Figures>& v, bool with_flush) {
    std::vector<double> xs;
    for (const Figures& f : v) {
      const double secs = f.seconds + (with_flush ? f.flush_seconds : 0);
      xs.push_back(secs > 0 ? f.points / secs : 0);
    }
    return Median(xs);
  };
  const bool have_s = c.phase != "lines", have_l = c.phase != "structured";
  const double points = std::max(structured[0].points, lines[0].points);
  const double s_rate = med_rate(structured, false);
  const double l_rate = med_rate(lines, false);
  const double q_rate = med_rate(scans, false);
  constexpr double kMiB = 1024.0 * 1024.0;
  const double rss_limit = static_cast<double>(c.memstore_bytes) * 3 + 100 * kMiB;
  const double s_rss =
      std::max(med(structured, &Figures::maxrss_kb), med(structured, &Figures::hwm_kb)) * 1024;
  auto fmt = [](const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), f, v);
    return std::string(buf);
  };
  auto share = [&](const std::vector<Figures>& v, double Figures::*part) {
    return fmt("%.0f%%", 100 * med(v, part) / med(v, &Figures::seconds));
  };

  std::printf("\n%s points; medians of %d run(s); MiB = 2^20 bytes\n",
              std::to_string(static_cast<uint64_t>(points)).c_str(), c.repeat);
  std::printf("  %-44s %16s   %-22s\n", "measure", "result", "target");
  if (have_s) {
    Row(std::string("(a) structured ingest, sync=") + SyncModeName(c.sync), Mpts(s_rate, 1), ">= 3 M pts/s", s_rate >= 3e6);
    Row("    the same including the final Flush", Mpts(med_rate(structured, true), 1), "", -1);
    Row("    time spent filling WriteBatches (Add*)", share(structured, &Figures::build_seconds), "",
        -1);
    Row("    CPU seconds per wall second", fmt("%.2f", med(structured, &Figures::cpu_seconds) /
                                                      med(structured, &Figures::seconds)),
        "", -1);
    Row("    points per CPU second (all threads)",
        Mpts(med(structured, &Figures::points), med(structured, &Figures::cpu_seconds)), "", -1);
  }
  if (have_l) {
    Row(std::string("(b) line-protocol ingest, sync=") + SyncModeName(c.sync), Mpts(l_rate, 1), ">= 1.5 M pts/s", l_rate >= 1.5e6);
    Row("    the same including the final Flush", Mpts(med_rate(lines, true), 1), "", -1);
    Row("    CPU seconds per wall second",
        fmt("%.2f", med(lines, &Figures::cpu_seconds) / med(lines, &Figures::seconds)), "", -1);
    Row("    points per CPU second (all threads)",
        Mpts(med(lines, &Figures::points), med(lines, &Figures::cpu_seconds)), "", -1);
  }
  const std::vector<Figures>& disk = have_s ? structured : lines;
  Row("(c) segment bytes per point after Flush",
      fmt("%.2f B", med(disk, &Figures::segment_bytes) / points), "", -1);
  Row("    whole directory bytes per point", fmt("%.2f B", med(disk, &Figures::dir_bytes) / points),
      "", -1);
  if (have_s) {
    Row("(d) peak RSS, structured run (maxrss/VmHWM*)",
        fmt("%.0f", med(structured, &Figures::maxrss_kb) / 1024) + " / " +
            fmt("%.0f MiB", med(structured, &Figures::hwm_kb) / 1024),
        "< " + fmt("%.0f MiB", rss_limit / kMiB), s_rss < rss_limit);
    Row("    RSS with the input ready, before the engine",
        fmt("%.0f MiB", med(structured, &Figures::input_rss_kb) / 1024), "", -1);
  }
  if (have_l) {
    Row("    peak RSS, line-protocol run (VmHWM*)",
        fmt("%.0f MiB", med(lines, &Figures::hwm_kb) / 1024), "", -1);
    Row("    RSS with the text ready, before the engine",
        fmt("%.0f MiB", med(lines, &Figures::input_rss_kb) / 1024), "", -1);
  }
  if (have_s) {
    Row("(e) full scan through Query", Mpts(q_rate, 1), ">= 20 M pts/s", q_rate >= 20e6);
    Row("    open before the scan (recovery)", fmt("%.3f s", med(scans, &Figures::open_seconds)),
        "", -1);
    Row("    peak RSS, scan run (VmHWM*)", fmt("%.0f MiB", med(scans, &Figures::hwm_kb) / 1024), "",
        -1);
  }
  std::printf("  * VmHWM is reset when the input is ready: it is the peak while the engine runs, the\n"
              "    input included; ru_maxrss covers the whole child process. The RSS target is checked\n"
              "    against the larger of the two.\n");
  return 0;
}

}  // namespace
}  // namespace strata

int main(int argc, char** argv) { return strata::Main(argc, argv); }
