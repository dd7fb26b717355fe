// `strata`, the command-line tool of a Strata data directory:
//   strata import [--options 'k=v;...'] [--batch-lines N] [--precision P] [--no-flush]
//                 DIR FILE...
//   strata serve DIR [--listen ADDR:PORT] [...]   (examples/serve/)
//   strata verify DIR
//   strata repair [--shard-duration D] DIR
//   strata stats [--json] DIR
//   strata backup DIR DEST
//   strata query DIR MEASUREMENT [--tag k=v]... [--field F]... [--start T] [--end T] [--limit N]
//                [--ns]
// `verify` reads and decodes every file directly, without opening the engine: it never changes
// anything, and works on a directory another process holds open. `repair` works offline: it takes
// the directory's lock, as the other commands do by opening the engine. Errors print "strata: <message>" and exit 1; bad usage exits 2.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backup.h"
#include "directory_check.h"
#include "identity_file.h"
#include "line_protocol.h"
#include "manifest.h"
#include "serve/serve_command.h"
#include "options.h"
#include "repair.h"
#include "segment_reader.h"
#include "storage_engine.h"
#include "time_text.h"
#include "wal.h"
#include "write_batch.h"

namespace strata {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

constexpr char kUsage[] =
    "usage:\n"
    "  strata import [--options 'k=v;...'] [--batch-lines N] [--precision P] [--no-flush]\n"
    "                DIR FILE...\n"
    "      Ingest InfluxDB line protocol (FILE '-' reads stdin) in batches of N lines\n"
    "      (default 5000), then flush the MemStores to segments (unless --no-flush).\n"
    "      P is the unit of the timestamps: ns (default), us, ms or s.\n"
    "  strata serve DIR [--listen ADDR:PORT] [options]\n"
    "      Serve the InfluxDB write API, Prometheus remote write and SQL queries over HTTP\n"
    "      (strata serve --help lists the options).\n"
    "  strata verify DIR\n"
    "      Read and decode every WAL, catalog, manifest and segment file, checking each\n"
    "      against the others, without changing anything (safe on a directory in use).\n"
    "      Exit 0 when the directory opens and reads completely, 1 when damaged.\n"
    "  strata repair [--shard-duration D] DIR\n"
    "      Mend a damaged directory (offline): keep every intact block, record and file,\n"
    "      move what is replaced into DIR/quarantine/, and report exactly what is lost.\n"
    "      --shard-duration is needed only when the STRATA identity file is damaged.\n"
    "  strata stats [--json] DIR\n"
    "      Shards, MemStores and segments of a data directory.\n"
    "  strata backup DIR DEST\n"
    "      Copy DIR into the new directory DEST, consistently (segments hard-linked when\n"
    "      DEST is on the same file system). A process that has DIR open backs it up\n"
    "      itself: strata_backup(), db.backup() or SQL's strata_backup('dest.db').\n"
    "  strata query DIR MEASUREMENT [--tag k=v]... [--field F]... [--start T] [--end T]\n"
    "               [--limit N] [--ns]\n"
    "      Print points as series<TAB>time<TAB>value. T is nanoseconds since the epoch or\n"
    "      ISO-8601 (2016-01-01T00:00:00Z); --end is inclusive. A repeated tag key means\n"
    "      any of the values. --ns prints times as nanoseconds.\n"
    "  strata help\n";

int Usage(const std::string& why = {}) {
  if (!why.empty()) std::fprintf(stderr, "strata: %s\n", why.c_str());
  std::fputs(kUsage, stderr);
  return kExitUsage;
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "strata: %s\n", message.c_str());
  return kExitError;
}

// ---- formatting ----------------------------------------------------------------------------------

std::string HumanBytes(double bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    u++;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), u == 0 ? "%.0f %s" : "%.1f %s", bytes, kUnits[u]);
  return buf;
}

// 1234567 -> "1,234,567".
std::string Grouped(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); i++) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

bool ParseUint(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::string FormatValue(const Column& c, size_t i) {
  switch (c.type) {
    case ValueType::kFloat: {
      char buf[40];
      auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), BitsFloat(c.nums[i]));
      return ec == std::errc() ? std::string(buf, p) : "?";
    }
    case ValueType::kInt:
      return std::to_string(static_cast<int64_t>(c.nums[i]));
    case ValueType::kBool:
      return c.nums[i] != 0 ? "true" : "false";
    case ValueType::kString: {
      std::string out;
      for (char ch : c.strs[i]) {
        if (ch == '\n') {
          out += "\\n";
        } else if (ch == '\t') {
          out += "\\t";
        } else if (ch == '\\') {
          out += "\\\\";
        } else {
          out += ch;
        }
      }
      return out;
    }
  }
  return "?";
}

Result<std::shared_ptr<StorageEngine>> OpenExisting(const std::string& dir, const Options& options) {
  if (!HasIdentityFile(Env::Default(), dir)) {
    return unexpected(Error::NotFound(dir + " is not a Strata data directory (no STRATA file)"));
  }
  return StorageEngine::Open(dir, options);
}

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// ---- import --------------------------------------------------------------------------------------

// Finds line boundaries in line-protocol text the way the parser sees them: a newline inside a
// double-quoted string field value does not end the line. Lines without a '"' (nearly all of them)
// take a memchr fast path.
class LineSplitter {
 public:
  // Returns the offset just past the end of the line starting at `start` (past its '\n'), or 0 when
  // the line is not complete in `text` (more input is needed; at end of input the rest is a line).
  static size_t LineEnd(std::string_view text, size_t start) {
    const char* base = text.data();
    const char* nl =
        static_cast<const char*>(std::memchr(base + start, '\n', text.size() - start));
    if (nl == nullptr) return 0;
    if (std::memchr(base + start, '"', static_cast<size_t>(nl - (base + start))) == nullptr) {
      return static_cast<size_t>(nl - base) + 1;
    }
    return SlowLineEnd(text, start);
  }

 private:
  static size_t SlowLineEnd(std::string_view t, size_t i) {
    const size_t n = t.size();
    while (i < n && (t[i] == ' ' || t[i] == '\t')) i++;
    if (i < n && t[i] == '#') {
      const void* nl = std::memchr(t.data() + i, '\n', n - i);
      return nl == nullptr ? 0 : static_cast<size_t>(static_cast<const char*>(nl) - t.data()) + 1;
    }
    enum { kSeries, kFields, kTime } section = kSeries;
    while (i < n) {
      const char c = t[i];
      if (c == '\n') return i + 1;
      if (c == '\\' && section != kTime) {  // escapes only , = and space (line_protocol.h)
        i += (i + 1 < n && (t[i + 1] == ',' || t[i + 1] == '=' || t[i + 1] == ' ')) ? 2 : 1;
        continue;
      }
      if (c == ' ') {
        if (section == kSeries) {
          section = kFields;
        } else if (section == kFields) {
          section = kTime;
        }
      } else if (c == '=' && section == kFields && i + 1 < n && t[i + 1] == '"') {
        i += 2;  // inside a string: only \" and \\ are escapes; newlines belong to it
        while (i < n && t[i] != '"') i += (t[i] == '\\' && i + 1 < n) ? 2 : 1;
        if (i >= n) return 0;
      }
      i++;
    }
    return 0;
  }
};

class ProgressLine {
 public:
  ProgressLine() : tty_(isatty(STDERR_FILENO) == 1), start_(std::chrono::steady_clock::now()) {
    last_ = start_;
  }

  void Update(uint64_t points, uint64_t bytes, bool force = false) {
    auto now = std::chrono::steady_clock::now();
    if (!force && now - last_ < std::chrono::seconds(1)) return;
    last_ = now;
    const double secs = SecondsSince(start_);
    std::fprintf(stderr, "%simported %s points, %s points/s, %.1f MB read%s", tty_ ? "\r" : "",
                 Grouped(points).c_str(), Grouped(Rate(points, secs)).c_str(), bytes / 1e6,
                 tty_ ? "\033[K" : "\n");
    pending_ = tty_;
  }
  // Ends a refreshed line so that what follows starts on a line of its own.
  void Break() {
    if (pending_) std::fputc('\n', stderr);
    pending_ = false;
  }
  double elapsed() const { return SecondsSince(start_); }
  static uint64_t Rate(uint64_t n, double secs) {
    return secs > 0 ? static_cast<uint64_t>(static_cast<double>(n) / secs) : 0;
  }

 private:
  const bool tty_;
  const std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
  bool pending_ = false;
};

struct ImportState {
  ImportState(StorageEngine* e, size_t lines, Precision p)
      : engine(e), batch_lines(lines), precision(p) {}
  StorageEngine* const engine;
  const size_t batch_lines;
  const Precision precision;
  LineProtocolParser parser;
  WriteBatch batch;
  uint64_t points = 0;
  uint64_t batches = 0;
  uint64_t bytes_read = 0;
  ProgressLine progress;
};

// "line 17, column 3: <what>" from the parser, renumbered to `first_line` + 16.
std::string AbsoluteLineMessage(const std::string& msg, uint64_t first_line) {
  constexpr std::string_view kPrefix = "line ";
  if (msg.rfind(kPrefix, 0) != 0) return msg;
  uint64_t rel = 0;
  const char* b = msg.data() + kPrefix.size();
  auto [p, ec] = std::from_chars(b, msg.data() + msg.size(), rel);
  if (ec != std::errc() || rel == 0) return msg;
  return "line " + std::to_string(first_line + rel - 1) + std::string(p, msg.data() + msg.size());
}

// Parses and writes one chunk of whole lines; `first_line` is the absolute number of its first line.
Status ImportChunk(ImportState* st, const std::string& name, std::string_view chunk,
                   uint64_t first_line) {
  st->batch.Clear();
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  uint64_t bad_line = 0;
  auto add = [&](const ParsedLine& line) -> Status {
    Status s = st->batch.AddLine(line);
    if (!s) bad_line = first_line + line.line_number - 1;
    return s;
  };
  Status parsed = st->parser.Parse(chunk, now, st->precision, add);
  std::string where;
  Error error(Code::kOk, "");
  if (!parsed) {
    error = parsed.error();
    where = bad_line != 0 ? name + ": line " + std::to_string(bad_line) + ": " + error.message()
                          : name + ": " + AbsoluteLineMessage(error.message(), first_line);
  } else {
    Status written = st->engine->Write(st->batch);
    if (written) {
      st->points += st->batch.point_count();
      st->batches++;
      return OkStatus();
    }
    error = written.error();
    const uint64_t lines = static_cast<uint64_t>(std::count(chunk.begin(), chunk.end(), '\n'));
    where = name + ": lines " + std::to_string(first_line) + "-" +
            std::to_string(first_line + (lines > 0 ? lines - 1 : 0)) + ": " + error.ToString();
  }
  where += "; import stopped: the " + Grouped(st->points) + " points of the " +
           std::to_string(st->batches) + " batch(es) before line " + std::to_string(first_line) +
           " are written, nothing from that line on is";
  return unexpected(Error(error.code(), where));
}

Status ImportFile(ImportState* st, const std::string& path) {
  const bool is_stdin = path == "-";
  const std::string name = is_stdin ? "<stdin>" : path;
  int fd = is_stdin ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return unexpected(Error::IO("open " + path, errno));
  struct Closer {
    int fd;
    bool owned;
    ~Closer() {
      if (owned) ::close(fd);
    }
  } closer{fd, !is_stdin};

  constexpr size_t kReadSize = 4 << 20;
  std::string buf;
  size_t begin = 0;        // start of the pending chunk in buf
  size_t scanned = 0;      // end of the last complete line found after `begin`
  size_t lines = 0;        // complete lines in [begin, scanned)
  uint64_t first_line = 1;  // absolute number of the line at `begin`
  bool eof = false;
  auto flush_chunk = [&](size_t end) -> Status {
    std::string_view chunk(buf.data() + begin, end - begin);
    STRATA_RETURN_IF_ERROR(ImportChunk(st, name, chunk, first_line));
    first_line += static_cast<uint64_t>(std::count(chunk.begin(), chunk.end(), '\n'));
    begin = end;
    lines = 0;
    st->progress.Update(st->points, st->bytes_read);
    return OkStatus();
  };
  while (true) {
    // Cut whole-line chunks out of what has been read.
    while (true) {
      size_t e = LineSplitter::LineEnd(buf, scanned);
      if (e == 0) break;
      scanned = e;
      if (++lines == st->batch_lines) STRATA_RETURN_IF_ERROR(flush_chunk(scanned));
    }
    if (eof) break;
    // Drop what was written and read more.
    buf.erase(0, begin);
    scanned -= begin;
    begin = 0;
    const size_t old = buf.size();
    buf.resize(old + kReadSize);
    ssize_t n;
    do {
      n = ::read(fd, buf.data() + old, kReadSize);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return unexpected(Error::IO("read " + name, errno));
    buf.resize(old + static_cast<size_t>(n));
    st->bytes_read += static_cast<uint64_t>(n);
    if (n == 0) eof = true;
  }
  if (begin < buf.size()) STRATA_RETURN_IF_ERROR(flush_chunk(buf.size()));
  return OkStatus();
}

int CmdImport(const std::vector<std::string>& args) {
  std::string options_text;
  uint64_t batch_lines = 5000;
  bool flush = true;
  Precision precision = Precision::kNanosecond;
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); i++) {
    const std::string& a = args[i];
    if (a == "--options" || a == "--batch-lines" || a == "--precision") {
      if (i + 1 >= args.size()) return Usage(a + " needs a value");
      const std::string& v = args[++i];
      if (a == "--options") {
        options_text = v;
      } else if (a == "--precision") {
        auto p = ParsePrecision(v);
        if (!p) return Usage("--precision: " + p.error().message());
        precision = *p;
      } else if (!ParseUint(v, &batch_lines) || batch_lines == 0) {
        return Usage("--batch-lines: '" + v + "' is not a positive integer");
      }
    } else if (a == "--no-flush") {
      flush = false;
    } else if (a.size() > 1 && a[0] == '-' && a != "-") {
      return Usage("import: unknown flag " + a);
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() < 2) return Usage("import needs DIR and at least one FILE");
  auto options = ParseOptions(options_text);
  if (!options) return Fail(options.error().message());
  auto engine = StorageEngine::Open(positional[0], *options);
  if (!engine) return Fail(engine.error().ToString());

  ImportState st(engine->get(), batch_lines, precision);
  for (size_t f = 1; f < positional.size(); f++) {
    if (Status s = ImportFile(&st, positional[f]); !s) {
      st.progress.Break();
      return Fail(s.error().message());
    }
  }
  const double ingest_secs = st.progress.elapsed();
  st.progress.Update(st.points, st.bytes_read, /*force=*/true);
  st.progress.Break();
  double flush_secs = 0;
  if (flush) {
    auto t0 = std::chrono::steady_clock::now();
    if (Status s = (*engine)->Flush(); !s) return Fail("flush: " + s.error().ToString());
    flush_secs = SecondsSince(t0);
  }
  char flushed[64] = "";
  if (flush) std::snprintf(flushed, sizeof(flushed), ", then flushed in %.2f s", flush_secs);
  std::fprintf(stderr,
               "import done: %s points in %s batches from %zu file(s), %.1f MB in %.2f s "
               "(%s points/s)%s\n",
               Grouped(st.points).c_str(), Grouped(st.batches).c_str(), positional.size() - 1,
               st.bytes_read / 1e6, ingest_secs,
               Grouped(ProgressLine::Rate(st.points, ingest_secs)).c_str(), flushed);
  return kExitOk;
}

// ---- verify --------------------------------------------------------------------------------------

// Prints the findings of a check, DAMAGED or note; returns how many are damage.
size_t PrintFindings(const DirectoryReport& r) {
  size_t damaged = 0;
  for (const CheckFinding& f : r.findings) {
    std::printf("%s %s\n", f.damage ? "DAMAGED" : "note:", f.message.c_str());
    damaged += f.damage ? 1 : 0;
  }
  return damaged;
}

int CmdVerify(const std::vector<std::string>& args) {
  if (args.size() != 1 || args[0].starts_with("--")) return Usage("verify needs exactly DIR");
  const std::string dir = args[0];
  Env* env = Env::Default();
  auto report = CheckDirectory(env, dir);
  // A live writer may change files while they are read: what looks damaged is checked again.
  if (report && report->live && report->damaged()) report = CheckDirectory(env, dir);
  if (!report) return Fail(report.error().ToString());
  const DirectoryReport& r = *report;
  const size_t damaged = PrintFindings(r);
  if (r.live) {
    std::printf("note: another process has the directory open: files may change while they are "
                "read\n");
  }
  std::printf(
      "verify %s: %llu catalog file(s) with %llu series, %llu WAL file(s) with %llu record(s), "
      "%llu manifest(s), %llu segment(s) (%s, %s points in %llu blocks, every one decoded): %s\n",
      dir.c_str(), static_cast<unsigned long long>(r.catalog_files),
      static_cast<unsigned long long>(r.catalog_series),
      static_cast<unsigned long long>(r.wal_files), static_cast<unsigned long long>(r.wal_records),
      static_cast<unsigned long long>(r.manifests), static_cast<unsigned long long>(r.segments),
      HumanBytes(static_cast<double>(r.segment_bytes)).c_str(),
      Grouped(r.segment_points).c_str(), static_cast<unsigned long long>(r.blocks),
      damaged == 0 ? "no damage found"
                   : (std::to_string(damaged) + " problem(s) found; `strata repair " + dir +
                      "` salvages what is intact").c_str());
  return damaged == 0 ? kExitOk : kExitError;
}

// ---- repair --------------------------------------------------------------------------------------

std::string DescribeLoss(const LostData& lost) {
  std::string out = lost.series_key.empty() ? "unknown series" : "series '" + lost.series_key + "'";
  if (lost.min_time != INT64_MIN || lost.max_time != INT64_MAX) {
    out += ", times " + std::to_string(lost.min_time) + " to " + std::to_string(lost.max_time);
  }
  if (lost.points > 0) out += ", " + Grouped(lost.points) + " point(s)";
  return out + ": " + lost.what;
}

int CmdRepair(const std::vector<std::string>& args) {
  RepairOptions options;
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); i++) {
    if (args[i] == "--shard-duration" && i + 1 < args.size()) {
      auto d = ParseDuration(args[++i]);
      if (!d) return Usage("repair: --shard-duration: " + d.error().message());
      options.shard_duration_ns = *d;
    } else if (args[i].starts_with("--")) {
      return Usage("repair: unknown flag " + args[i]);
    } else {
      positional.push_back(args[i]);
    }
  }
  if (positional.size() != 1) return Usage("repair needs exactly DIR");
  const std::string& dir = positional[0];
  auto before = CheckDirectory(Env::Default(), dir);
  if (!before) return Fail(before.error().ToString());
  if (!before->damaged()) {
    std::printf("repair %s: no damage found; nothing changed\n", dir.c_str());
    return kExitOk;
  }
  PrintFindings(*before);
  auto report = RepairDirectory(Env::Default(), dir, options);
  if (!report) return Fail(report.error().ToString());
  for (const std::string& a : report->actions) std::printf("repaired: %s\n", a.c_str());
  for (const LostData& lost : report->lost) std::printf("LOST %s\n", DescribeLoss(lost).c_str());
  std::printf("repair %s: done, %zu change(s), %zu loss(es) reported%s%s; the directory now "
              "passes verify\n",
              dir.c_str(), report->actions.size(), report->lost.size(),
              report->quarantine.empty() ? "" : "; the replaced files are in ",
              report->quarantine.c_str());
  return kExitOk;
}

// ---- stats ---------------------------------------------------------------------------------------

int CmdStats(const std::vector<std::string>& args) {
  bool json = false;
  std::vector<std::string> positional;
  for (const std::string& a : args) {
    if (a == "--json") {
      json = true;
    } else if (a.starts_with("--")) {
      return Usage("stats: unknown flag " + a);
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() != 1) return Usage("stats needs exactly DIR");
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
              static_cast<unsigned long long>(st.wal_files),
              HumanBytes(static_cast<double>(st.wal_bytes)).c_str(),
              static_cast<unsigned long long>(st.last_lsn));
  if (!st.background_error.empty()) std::printf("background error: %s\n", st.background_error.c_str());
  std::printf("\n%-16s %-21s %12s %12s %7s %5s %12s %14s %5s\n", "MEASUREMENT", "WINDOW START",
              "MEMSTORE", "MEM POINTS", "FROZEN", "SEGS", "SEG BYTES", "SEG POINTS", "TOMBS");
  ShardStats total;
  for (const ShardStats& s : st.shards) {
    std::printf("%-16s %-21s %12s %12s %7llu %5llu %12s %14s %5llu\n", s.measurement.c_str(),
                FormatTimeText(s.window_start).c_str(),
                HumanBytes(static_cast<double>(s.active_bytes + s.frozen_bytes)).c_str(),
                Grouped(s.active_points).c_str(), static_cast<unsigned long long>(s.frozen_count),
                static_cast<unsigned long long>(s.segment_count),
                HumanBytes(static_cast<double>(s.segment_bytes)).c_str(),
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
              HumanBytes(static_cast<double>(total.active_bytes)).c_str(),
              Grouped(total.active_points).c_str(),
              static_cast<unsigned long long>(total.frozen_count),
              static_cast<unsigned long long>(total.segment_count),
              HumanBytes(static_cast<double>(total.segment_bytes)).c_str(),
              Grouped(total.segment_points).c_str(),
              static_cast<unsigned long long>(total.tombstones));
  if (total.segment_points > 0) {
    std::printf("segment bytes per point: %.2f\n",
                static_cast<double>(total.segment_bytes) / static_cast<double>(total.segment_points));
  }
  return kExitOk;
}

// ---- query ---------------------------------------------------------------------------------------

int CmdQuery(const std::vector<std::string>& args) {
  QueryRequest q;
  uint64_t limit = UINT64_MAX;
  bool ns_times = false;
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>> tags;
  for (size_t i = 0; i < args.size(); i++) {
    const std::string& a = args[i];
    if (a == "--ns") {
      ns_times = true;
      continue;
    }
    if (!a.starts_with("--")) {
      positional.push_back(a);
      continue;
    }
    if (a != "--tag" && a != "--field" && a != "--start" && a != "--end" && a != "--limit") {
      return Usage("query: unknown flag " + a);
    }
    if (i + 1 >= args.size()) return Usage(a + " needs a value");
    const std::string& v = args[++i];
    if (a == "--tag") {
      size_t eq = v.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == v.size()) {
        return Usage("--tag: '" + v + "' is not key=value");
      }
      tags[v.substr(0, eq)].push_back(v.substr(eq + 1));
    } else if (a == "--field") {
      q.fields.push_back(v);
    } else if (a == "--limit") {
      if (!ParseUint(v, &limit)) return Usage("--limit: '" + v + "' is not a count");
    } else {
      auto t = ParseTimeText(v);
      if (!t) return Usage(a + ": " + t.error().message());
      (a == "--start" ? q.min_time : q.max_time) = *t;
    }
  }
  if (positional.size() != 2) return Usage("query needs DIR and MEASUREMENT");
  q.measurement = positional[1];
  for (auto& [k, vs] : tags) q.tags.push_back(TagFilter{k, std::move(vs)});
  auto engine = OpenExisting(positional[0], Options());
  if (!engine) return Fail(engine.error().ToString());
  auto cursor = (*engine)->Query(q);
  if (!cursor) return Fail(cursor.error().ToString());
  uint64_t printed = 0;
  std::string line;
  while (printed < limit) {
    Result<bool> more = (*cursor)->Next();
    if (!more) return Fail(more.error().ToString());
    if (!*more) break;
    const Column& c = (*cursor)->points();
    const std::string& key = (*cursor)->series().key;
    for (size_t i = 0; i < c.size() && printed < limit; i++, printed++) {
      line = key;
      line += '\t';
      line += ns_times ? std::to_string(c.times[i]) : FormatTimeText(c.times[i]);
      line += '\t';
      line += FormatValue(c, i);
      line += '\n';
      std::fwrite(line.data(), 1, line.size(), stdout);
    }
  }
  if (std::fflush(stdout) != 0) return Fail(std::string("write: ") + std::strerror(errno));
  return kExitOk;
}

// ---- backup --------------------------------------------------------------------------------------

int CmdBackup(const std::vector<std::string>& args) {
  if (args.size() != 2 || args[0].starts_with("--") || args[1].starts_with("--")) {
    return Usage("backup needs exactly DIR and DEST");
  }
  auto engine = OpenExisting(args[0], Options());
  if (!engine) return Fail(engine.error().ToString());
  const auto t0 = std::chrono::steady_clock::now();
  auto last = t0;
  BackupOptions options;
  options.progress = [&](const BackupProgress& p) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last >= std::chrono::seconds(1) && p.bytes_total > 0) {
      last = now;
      std::fprintf(stderr, "backup: %s of %s\n", HumanBytes(static_cast<double>(p.bytes_done)).c_str(),
                   HumanBytes(static_cast<double>(p.bytes_total)).c_str());
    }
    return true;
  };
  auto stats = BackupDataDirectory(**engine, args[1], options);
  if (!stats) return Fail(stats.error().ToString());
  std::fprintf(stderr,
               "backup done: %s up to LSN %llu, %llu file(s) linked (%s), %llu copied (%s) in "
               "%.2f s\n",
               args[1].c_str(), static_cast<unsigned long long>(stats->lsn),
               static_cast<unsigned long long>(stats->files_linked),
               HumanBytes(static_cast<double>(stats->bytes_linked)).c_str(),
               static_cast<unsigned long long>(stats->files_copied),
               HumanBytes(static_cast<double>(stats->bytes_copied)).c_str(), SecondsSince(t0));
  return kExitOk;
}

int Main(int argc, char** argv) {
  if (argc < 2) return Usage();
  const std::string cmd = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (cmd == "import") return CmdImport(args);
  if (cmd == "serve") return serve::ServeCommand(args);
  if (cmd == "verify") return CmdVerify(args);
  if (cmd == "repair") return CmdRepair(args);
  if (cmd == "stats") return CmdStats(args);
  if (cmd == "query") return CmdQuery(args);
  if (cmd == "backup") return CmdBackup(args);
  if (cmd == "help" || cmd == "--help" || cmd == "-h") return Usage();
  return Usage("unknown command '" + cmd + "'");
}

}  // namespace
}  // namespace strata

int main(int argc, char** argv) { return strata::Main(argc, argv); }
