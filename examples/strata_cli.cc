// `strata`, the command-line tool of a Strata data directory:
//   strata import [--options 'k=v;...'] [--batch-lines N] [--precision P] [--no-flush]
//                 DIR FILE...
//   strata serve DIR [--listen ADDR:PORT] [...]   (examples/serve/)
//   strata verify DIR
//   strata stats [--json] DIR
//   strata query DIR MEASUREMENT [--tag k=v]... [--field F]... [--start T] [--end T] [--limit N]
//                [--ns]
// `verify` reads the files directly, without opening the engine: it works on a directory that
// another process holds open and never changes anything. The other commands open the engine, so
// they take the directory's lock. Errors print "strata: <message>" and exit 1; bad usage exits 2.
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

#include "line_protocol.h"
#include "manifest.h"
#include "serve/serve_command.h"
#include "options.h"
#include "segment_reader.h"
#include "storage_engine.h"
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
    "      Check every checksum of every WAL, catalog, manifest and segment file without\n"
    "      opening the engine (safe on a directory in use). Exit 0 clean, 1 damaged.\n"
    "  strata stats [--json] DIR\n"
    "      Shards, MemStores and segments of a data directory.\n"
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

// Days since 1970-01-01 of a proleptic Gregorian date, and back.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  using namespace std::chrono;
  return sys_days{year{static_cast<int>(y)} / month{m} / day{d}}.time_since_epoch().count();
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  using namespace std::chrono;
  const year_month_day ymd{sys_days{days{z}}};
  *y = static_cast<int>(ymd.year());
  *m = static_cast<unsigned>(ymd.month());
  *d = static_cast<unsigned>(ymd.day());
}

// RFC 3339 in UTC, with a fraction of a second only when there is one: "2016-01-01T00:00:10Z".
std::string IsoTime(int64_t ns) {
  constexpr int64_t kNsPerSec = 1'000'000'000;
  int64_t secs = ns / kNsPerSec;
  int64_t frac = ns % kNsPerSec;
  if (frac < 0) {
    frac += kNsPerSec;
    secs--;
  }
  int64_t days = secs / 86400;
  int64_t sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    days--;
  }
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02d:%02d:%02d", static_cast<long long>(y),
                        m, d, static_cast<int>(sod / 3600), static_cast<int>(sod / 60 % 60),
                        static_cast<int>(sod % 60));
  std::string out(buf, static_cast<size_t>(n));
  if (frac != 0) {
    std::snprintf(buf, sizeof(buf), ".%09lld", static_cast<long long>(frac));
    std::string f = buf;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  out += 'Z';
  return out;
}

bool ParseUint(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Reads exactly `n` digits at *p as an unsigned number.
bool Digits(std::string_view s, size_t* p, size_t n, unsigned* out) {
  if (*p + n > s.size()) return false;
  unsigned v = 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[*p + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  *p += n;
  *out = v;
  return true;
}

// Nanoseconds since the epoch, or ISO-8601: YYYY-MM-DD[(T| )hh:mm[:ss[.fraction]]][Z|±hh:mm].
// Without a zone the time is UTC.
std::optional<int64_t> ParseTime(std::string_view s) {
  const size_t sign = !s.empty() && s[0] == '-' ? 1 : 0;
  if (s.size() > sign && s.find_first_not_of("0123456789", sign) == std::string_view::npos) {
    int64_t v;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && p == s.data() + s.size()) return v;
    return std::nullopt;
  }
  size_t p = 0;
  unsigned y, mo, d, h = 0, mi = 0, sec = 0;
  if (!Digits(s, &p, 4, &y) || p >= s.size() || s[p++] != '-' || !Digits(s, &p, 2, &mo) ||
      p >= s.size() || s[p++] != '-' || !Digits(s, &p, 2, &d)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
  int64_t frac_ns = 0;
  if (p < s.size() && (s[p] == 'T' || s[p] == 't' || s[p] == ' ')) {
    p++;
    if (!Digits(s, &p, 2, &h) || p >= s.size() || s[p++] != ':' || !Digits(s, &p, 2, &mi)) {
      return std::nullopt;
    }
    if (p < s.size() && s[p] == ':') {
      p++;
      if (!Digits(s, &p, 2, &sec)) return std::nullopt;
      if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
        p++;
        int64_t scale = 100'000'000;
        size_t start = p;
        while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
          frac_ns += (s[p] - '0') * scale;
          scale /= 10;
          p++;
        }
        if (p == start) return std::nullopt;
      }
    }
    if (h > 23 || mi > 59 || sec > 60) return std::nullopt;
  }
  int64_t offset_s = 0;
  if (p < s.size()) {
    if (s[p] == 'Z' || s[p] == 'z') {
      p++;
    } else if (s[p] == '+' || s[p] == '-') {
      const int zone_sign = s[p] == '-' ? -1 : 1;
      p++;
      unsigned oh, om = 0;
      if (!Digits(s, &p, 2, &oh)) return std::nullopt;
      if (p < s.size() && s[p] == ':') p++;
      if (p < s.size() && !Digits(s, &p, 2, &om)) return std::nullopt;
      offset_s = zone_sign * static_cast<int64_t>(oh * 3600 + om * 60);
    }
  }
  if (p != s.size()) return std::nullopt;
  const int64_t days = DaysFromCivil(y, mo, d);
  const int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_s;
  // Years 0000..9999 stay well inside the int64 nanosecond range only between 1678 and 2262.
  if (secs < -9'223'372'036LL || secs > 9'223'372'035LL) return std::nullopt;
  return secs * 1'000'000'000 + frac_ns;
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

bool IsDataDirectory(const std::string& dir) {
  std::error_code ec;
  return std::filesystem::is_regular_file(std::filesystem::path(dir) / "STRATA", ec);
}

Result<std::shared_ptr<StorageEngine>> OpenExisting(const std::string& dir, const Options& options) {
  if (!IsDataDirectory(dir)) {
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

struct VerifyReport {
  uint64_t wal_files = 0, catalog_files = 0, manifests = 0, segments = 0;
  uint64_t segment_bytes = 0, segment_points = 0;
  uint64_t damaged = 0, notes = 0;

  void Damage(const std::string& what) {
    std::printf("DAMAGED %s\n", what.c_str());
    damaged++;
  }
  void Note(const std::string& what) {
    std::printf("note: %s\n", what.c_str());
    notes++;
  }
};

std::vector<std::string> ListNames(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool IsDir(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec);
}

// A damage line naming `path` once, whatever the error message already says.
std::string Describe(const std::string& path, const Error& e) {
  if (e.message().find(path) != std::string::npos) return e.ToString();
  return path + ": " + e.ToString();
}

void VerifyLog(Env* env, const std::string& dir, uint64_t* files, VerifyReport* r) {
  if (!IsDir(dir)) return;
  for (const std::string& name : ListNames(dir)) {
    uint64_t n;
    if (ParseWalFileName(name, &n)) (*files)++;
  }
  auto problems = Wal::Verify(env, dir);
  if (!problems) problems = Wal::Verify(env, dir);  // a file may have been deleted meanwhile
  if (!problems) {
    r->Damage(Describe(dir, problems.error()));
    return;
  }
  for (const std::string& p : *problems) {
    // A torn tail is what a crash (or an append in progress in another process) leaves; opening
    // the log truncates it, and no acknowledged write is lost with it.
    if (p.rfind("torn tail:", 0) == 0) {
      r->Note(p);
    } else {
      r->Damage(p);
    }
  }
}

void VerifySegment(Env* env, const std::string& path, const ManifestSegment* meta,
                   VerifyReport* r) {
  r->segments++;
  auto reader = SegmentReader::Open(env, path);
  if (!reader) {
    r->Damage(Describe(path, reader.error()));
    return;
  }
  r->segment_bytes += (*reader)->file_bytes();
  r->segment_points += (*reader)->point_count();
  if (Status s = (*reader)->Verify(); !s) {
    r->Damage(Describe(path, s.error()));
    return;
  }
  if (meta != nullptr) {
    if (meta->file_bytes != (*reader)->file_bytes()) {
      r->Damage(path + ": file has " + std::to_string((*reader)->file_bytes()) +
                " bytes, MANIFEST says " + std::to_string(meta->file_bytes));
    } else if (meta->point_count != (*reader)->point_count()) {
      r->Damage(path + ": file holds " + std::to_string((*reader)->point_count()) +
                " points, MANIFEST says " + std::to_string(meta->point_count));
    }
  }
}

void VerifyShard(Env* env, const std::string& dir, VerifyReport* r) {
  const std::string manifest_path = JoinPath(dir, "MANIFEST");
  std::vector<std::string> names = ListNames(dir);
  std::optional<Manifest> manifest;
  if (std::find(names.begin(), names.end(), "MANIFEST") != names.end()) {
    r->manifests++;
    auto m = ReadManifest(env, manifest_path);
    if (m) {
      manifest = std::move(*m);
    } else if (m.error().code() != Code::kNotFound) {
      r->Damage(Describe(manifest_path, m.error()));
    }
  }
  std::map<std::string, const ManifestSegment*> listed;
  if (manifest) {
    for (const ManifestSegment& s : manifest->segments) listed[s.file] = &s;
  }
  for (const auto& [file, meta] : listed) {
    const std::string path = JoinPath(dir, file);
    if (std::find(names.begin(), names.end(), file) == names.end()) {
      // Compaction in another process may have replaced it since the manifest was read.
      auto again = ReadManifest(env, manifest_path);
      bool still_listed =
          again && std::any_of(again->segments.begin(), again->segments.end(),
                               [&](const ManifestSegment& s) { return s.file == file; });
      if (still_listed && !env->FileExists(path)) {
        r->Damage(path + ": listed in " + manifest_path + " but missing");
      }
      continue;
    }
    VerifySegment(env, path, meta, r);
  }
  for (const std::string& name : names) {
    if (name.rfind("seg-", 0) == 0 && !listed.contains(name) && !name.ends_with(".tmp")) {
      r->Note(JoinPath(dir, name) +
              ": not listed in the MANIFEST (left by an interrupted flush or compaction, or "
              "being written now); opening the directory removes it");
    }
  }
}

int CmdVerify(const std::vector<std::string>& args) {
  if (args.size() != 1 || args[0].starts_with("--")) return Usage("verify needs exactly DIR");
  const std::string dir = args[0];
  if (!IsDataDirectory(dir)) return Fail(dir + " is not a Strata data directory (no STRATA file)");
  Env* env = Env::Default();
  VerifyReport r;
  VerifyLog(env, JoinPath(dir, "wal"), &r.wal_files, &r);
  VerifyLog(env, JoinPath(dir, "catalog"), &r.catalog_files, &r);
  const std::string shards = JoinPath(dir, "shards");
  if (IsDir(shards)) {
    for (const std::string& m : ListNames(shards)) {
      const std::string mdir = JoinPath(shards, m);
      if (!IsDir(mdir)) continue;
      for (const std::string& w : ListNames(mdir)) {
        const std::string wdir = JoinPath(mdir, w);
        if (IsDir(wdir)) VerifyShard(env, wdir, &r);
      }
    }
  }
  std::printf(
      "verify %s: %llu WAL file(s), %llu catalog file(s), %llu manifest(s), %llu segment(s) "
      "(%s, %s points): %s\n",
      dir.c_str(), static_cast<unsigned long long>(r.wal_files),
      static_cast<unsigned long long>(r.catalog_files), static_cast<unsigned long long>(r.manifests),
      static_cast<unsigned long long>(r.segments), HumanBytes(static_cast<double>(r.segment_bytes)).c_str(),
      Grouped(r.segment_points).c_str(),
      r.damaged == 0 ? "no damage found"
                     : (std::to_string(r.damaged) + " problem(s) found").c_str());
  return r.damaged == 0 ? kExitOk : kExitError;
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
                IsoTime(s.window_start).c_str(),
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
      auto t = ParseTime(v);
      if (!t) return Usage(a + ": '" + v + "' is not a time (nanoseconds or ISO-8601)");
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
      line += ns_times ? std::to_string(c.times[i]) : IsoTime(c.times[i]);
      line += '\t';
      line += FormatValue(c, i);
      line += '\n';
      std::fwrite(line.data(), 1, line.size(), stdout);
    }
  }
  if (std::fflush(stdout) != 0) return Fail(std::string("write: ") + std::strerror(errno));
  return kExitOk;
}

int Main(int argc, char** argv) {
  if (argc < 2) return Usage();
  const std::string cmd = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (cmd == "import") return CmdImport(args);
  if (cmd == "serve") return serve::ServeCommand(args);
  if (cmd == "verify") return CmdVerify(args);
  if (cmd == "stats") return CmdStats(args);
  if (cmd == "query") return CmdQuery(args);
  if (cmd == "help" || cmd == "--help" || cmd == "-h") return Usage();
  return Usage("unknown command '" + cmd + "'");
}

}  // namespace
}  // namespace strata

int main(int argc, char** argv) { return strata::Main(argc, argv); }
