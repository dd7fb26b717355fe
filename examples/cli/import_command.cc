// `strata import`: InfluxDB line protocol from files or stdin into a data directory, in atomic
// batches of whole lines. A malformed line stops the import; the batches before its batch are
// written.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "commands.h"
#include "line_protocol.h"
#include "line_splitter.h"
#include "progress_line.h"
#include "storage_engine.h"
#include "text_format.h"
#include "write_batch.h"

namespace strata::cli {
namespace {

constexpr char kUsage[] =
    "usage: strata import [--options 'k=v;...'] [--batch-lines N] [--precision P] [--no-flush]\n"
    "                     DIR FILE...\n"
    "  Ingest InfluxDB line protocol (FILE '-' reads stdin) in batches of N lines\n"
    "  (default 5000), then flush the MemStores to segments (unless --no-flush).\n"
    "  P is the unit of the timestamps: ns (default), us, ms or s.\n";

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

uint64_t Newlines(std::string_view text) {
  return static_cast<uint64_t>(std::count(text.begin(), text.end(), '\n'));
}

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
    const uint64_t lines = Newlines(chunk);
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
  size_t begin = 0;         // start of the pending chunk in buf
  size_t scanned = 0;       // end of the last complete line found after `begin`
  size_t lines = 0;         // complete lines in [begin, scanned)
  uint64_t first_line = 1;  // absolute number of the line at `begin`
  bool eof = false;
  auto flush_chunk = [&](size_t end) -> Status {
    std::string_view chunk(buf.data() + begin, end - begin);
    STRATA_RETURN_IF_ERROR(ImportChunk(st, name, chunk, first_line));
    first_line += Newlines(chunk);
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

struct ImportArgs {
  std::string options_text;
  uint64_t batch_lines = 5000;
  bool flush = true;
  Precision precision = Precision::kNanosecond;
  std::vector<std::string> positional;  // DIR FILE...
};

// Fills *out from the command line; an empty string, or why the usage is wrong.
std::string ParseArgs(const std::vector<std::string>& args, ImportArgs* out) {
  for (size_t i = 0; i < args.size(); i++) {
    const std::string& a = args[i];
    if (a == "--options" || a == "--batch-lines" || a == "--precision") {
      if (i + 1 >= args.size()) return a + " needs a value";
      const std::string& v = args[++i];
      if (a == "--options") {
        out->options_text = v;
      } else if (a == "--precision") {
        auto p = ParsePrecision(v);
        if (!p) return "--precision: " + p.error().message();
        out->precision = *p;
      } else if (!ParseUint(v, &out->batch_lines) || out->batch_lines == 0) {
        return "--batch-lines: '" + v + "' is not a positive integer";
      }
    } else if (a == "--no-flush") {
      out->flush = false;
    } else if (a.size() > 1 && a[0] == '-' && a != "-") {
      return "unknown flag " + a;
    } else {
      out->positional.push_back(a);
    }
  }
  return out->positional.size() < 2 ? "needs DIR and at least one FILE" : "";
}

int Run(const std::vector<std::string>& args) {
  ImportArgs ia;
  if (std::string why = ParseArgs(args, &ia); !why.empty()) return UsageError("import", why);
  auto options = ParseOptions(ia.options_text);
  if (!options) return Fail(options.error().message());
  auto engine = StorageEngine::Open(ia.positional[0], *options);
  if (!engine) return Fail(engine.error().ToString());

  ImportState st(engine->get(), ia.batch_lines, ia.precision);
  for (size_t f = 1; f < ia.positional.size(); f++) {
    if (Status s = ImportFile(&st, ia.positional[f]); !s) {
      st.progress.Break();
      return Fail(s.error().message());
    }
  }
  const double ingest_secs = st.progress.elapsed();
  st.progress.Update(st.points, st.bytes_read, /*force=*/true);
  st.progress.Break();
  double flush_secs = 0;
  if (ia.flush) {
    auto t0 = std::chrono::steady_clock::now();
    if (Status s = (*engine)->Flush(); !s) return Fail("flush: " + s.error().ToString());
    flush_secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  char flushed[64] = "";
  if (ia.flush) std::snprintf(flushed, sizeof(flushed), ", then flushed in %.2f s", flush_secs);
  std::fprintf(stderr,
               "import done: %s points in %s batches from %zu file(s), %.1f MB in %.2f s "
               "(%s points/s)%s\n",
               Grouped(st.points).c_str(), Grouped(st.batches).c_str(), ia.positional.size() - 1,
               st.bytes_read / 1e6, ingest_secs,
               Grouped(ProgressLine::Rate(st.points, ingest_secs)).c_str(), flushed);
  return kExitOk;
}

}  // namespace

const Command kImportCommand = {"import", "write line-protocol files into a directory", kUsage,
                                Run};

}  // namespace strata::cli
