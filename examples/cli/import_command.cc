// `strata import`: InfluxDB line protocol from files or stdin into a data directory, in atomic
// batches of whole lines. A line that cannot be written (malformed, or refused by the engine: a
// type conflict, a time outside retention) never costs the lines around it: every line before it
// is written; the import then stops there, or with --skip-errors reports the line and goes on.
// Lines are numbered as a text editor numbers them (a newline inside a string value counts).
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
    "usage: strata import [--options 'k=v;...'] [--batch-lines N] [--precision P]\n"
    "                     [--skip-errors] [--no-flush] DIR FILE...\n"
    "  Ingest InfluxDB line protocol (FILE '-' reads stdin) in atomic batches of N lines\n"
    "  (default 5000), then flush the MemStores to segments (unless --no-flush). DIR is\n"
    "  created when it does not exist. P is the unit of the timestamps: ns (default), us, ms\n"
    "  or s. A line that is malformed or refused (a field type conflict, a time outside\n"
    "  retention) is reported with its file and line number; every line before it is\n"
    "  written. The import stops there, or with --skip-errors skips the line and goes on.\n"
    "  Exit 1 when any line was bad.\n";

struct ImportState {
  ImportState(StorageEngine* e, size_t lines, Precision p, bool skip)
      : engine(e), batch_lines(lines), precision(p), skip_errors(skip) {}
  StorageEngine* const engine;
  const size_t batch_lines;
  const Precision precision;
  const bool skip_errors;
  LineProtocolParser parser;
  WriteBatch batch;
  uint64_t points = 0;
  uint64_t batches = 0;
  uint64_t bytes_read = 0;
  uint64_t bad_lines = 0;
  ProgressLine progress;
};

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

uint64_t Newlines(std::string_view text) {
  return static_cast<uint64_t>(std::count(text.begin(), text.end(), '\n'));
}

// The line number N of the parser's "line N, column C: ..." (0 when the message has none).
uint64_t ParserLine(const std::string& msg) {
  constexpr std::string_view kPrefix = "line ";
  if (msg.rfind(kPrefix, 0) != 0) return 0;
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(msg.data() + kPrefix.size(), msg.data() + msg.size(), n);
  return ec == std::errc() ? n : 0;
}

// The parser's message with its line number (relative to `text`) made absolute.
std::string AbsoluteLineMessage(const std::string& msg, uint64_t first_line) {
  const uint64_t rel = ParserLine(msg);
  if (rel == 0) return msg;
  const size_t digits_end = msg.find_first_not_of("0123456789", 5);
  return "line " + std::to_string(first_line + rel - 1) +
         (digits_end == std::string::npos ? "" : msg.substr(digits_end));
}

// The [begin, end) of the whole line of `text` that holds its physical line `rel` (1-based).
std::pair<size_t, size_t> LineSpan(std::string_view text, uint64_t rel) {
  size_t begin = 0;
  uint64_t line = 1;
  while (begin < text.size()) {
    const size_t end = LineSplitter::LineEndOrTail(text, begin);
    const uint64_t next = line + Newlines(text.substr(begin, end - begin));
    if (rel < next || end == text.size()) return {begin, end};
    begin = end;
    line = next;
  }
  return {text.size(), text.size()};
}

// Counts the bad line; returns OK to go on (--skip-errors), or the error that stops the import.
Status BadLine(ImportState* st, Code code, const std::string& where) {
  st->bad_lines++;
  if (st->skip_errors) {
    st->progress.Break();
    std::fprintf(stderr, "strata: %s (skipped)\n", where.c_str());
    return OkStatus();
  }
  return unexpected(Error(code, where + "; import stopped: every line before it is written (" +
                                    Grouped(st->points) + " points), nothing from it on"));
}

// Lines of the input, as text with the absolute number of its first line.
struct LineRange {
  std::string_view text;
  uint64_t first_line;
};

// Writes the lines of `range` one batch each, so that only the lines the engine refuses are lost
// (each reported by BadLine). Other errors (I/O) stop the import.
Status WriteLineByLine(ImportState* st, const std::string& name, LineRange range) {
  const int64_t now = NowNs();
  for (size_t begin = 0; begin < range.text.size();) {
    const size_t end = LineSplitter::LineEndOrTail(range.text, begin);
    const std::string_view line = range.text.substr(begin, end - begin);
    const uint64_t number = range.first_line + Newlines(range.text.substr(0, begin));
    begin = end;
    st->batch.Clear();
    Status s = st->parser.Parse(line, now, st->precision,
                                [st](const ParsedLine& l) { return st->batch.AddLine(l); });
    if (s && st->batch.point_count() == 0) continue;  // a comment or an empty line
    if (s) s = st->engine->Write(st->batch);
    if (s) {
      st->points += st->batch.point_count();
      st->batches++;
      continue;
    }
    const Code code = s.error().code();
    if (code != Code::kInvalid && code != Code::kTypeConflict) {
      return unexpected(
          Error(code, name + ": line " + std::to_string(number) + ": " + s.error().ToString()));
    }
    STRATA_RETURN_IF_ERROR(
        BadLine(st, code, name + ": line " + std::to_string(number) + ": " + s.error().message()));
  }
  return OkStatus();
}

// Writes st->batch, which holds the lines of `parts`. When the engine refuses it, the lines are
// written one by one (WriteLineByLine). Other errors (I/O) stop the import.
Status WriteParts(ImportState* st, const std::string& name, const std::vector<LineRange>& parts) {
  if (st->batch.point_count() == 0) return OkStatus();
  Status written = st->engine->Write(st->batch);
  if (written) {
    st->points += st->batch.point_count();
    st->batches++;
    return OkStatus();
  }
  const Code code = written.error().code();
  if (code != Code::kInvalid && code != Code::kTypeConflict) {
    const LineRange& last = parts.back();
    return unexpected(Error(code, name + ": lines " + std::to_string(parts.front().first_line) +
                                      "-" + std::to_string(last.first_line + Newlines(last.text)) +
                                      ": " + written.error().ToString()));
  }
  for (const LineRange& part : parts) STRATA_RETURN_IF_ERROR(WriteLineByLine(st, name, part));
  return OkStatus();
}

// Parses one chunk of whole lines, `first_line` the absolute number of its first, into one batch
// and writes it. At a malformed line the lines before it are written and the import stops, or
// with --skip-errors the line is left out and the rest of the chunk goes into the same batch.
Status ImportChunk(ImportState* st, const std::string& name, std::string_view chunk,
                   uint64_t first_line) {
  const int64_t now = NowNs();
  st->batch.Clear();
  std::vector<LineRange> parts;  // the lines in st->batch
  while (!chunk.empty()) {
    uint64_t refused_line = 0;  // relative number of a line the batch refused
    Error refusal(Code::kOk, "");
    Status parsed = st->parser.Parse(chunk, now, st->precision, [&](const ParsedLine& line) {
      Status s = st->batch.AddLine(line);
      if (!s) {
        refused_line = line.line_number;
        refusal = s.error();
      }
      return s;
    });
    if (parsed) {
      parts.push_back({chunk, first_line});
      break;
    }
    const uint64_t rel = refused_line != 0 ? refused_line : ParserLine(parsed.error().message());
    if (rel == 0) return unexpected(Error(parsed.error().code(), name + ": " + parsed.error().message()));
    auto [bad_begin, bad_end] = LineSpan(chunk, rel);
    parts.push_back({chunk.substr(0, bad_begin), first_line});
    if (refused_line != 0 && refusal.code() == Code::kTypeConflict && bad_begin > 0) {
      // The line's field has another type than in lines before it: it starts a batch of its
      // own, where the engine judges it against what those lines wrote.
      STRATA_RETURN_IF_ERROR(WriteParts(st, name, parts));
      parts.clear();
      st->batch.Clear();
      first_line += Newlines(chunk.substr(0, bad_begin));
      chunk.remove_prefix(bad_begin);
      continue;
    }
    const std::string where =
        name + ": " +
        (refused_line != 0 ? "line " + std::to_string(first_line + rel - 1) + ": " + refusal.message()
                           : AbsoluteLineMessage(parsed.error().message(), first_line));
    if (!st->skip_errors) STRATA_RETURN_IF_ERROR(WriteParts(st, name, parts));
    STRATA_RETURN_IF_ERROR(BadLine(st, parsed.error().code(), where));
    first_line += Newlines(chunk.substr(0, bad_end));
    chunk.remove_prefix(bad_end);
  }
  return WriteParts(st, name, parts);
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
  bool skip_errors = false;
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
    } else if (a == "--skip-errors") {
      out->skip_errors = true;
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

  ImportState st(engine->get(), ia.batch_lines, ia.precision, ia.skip_errors);
  Status imported = OkStatus();
  size_t files = 0;
  for (size_t f = 1; f < ia.positional.size() && imported; f++, files++) {
    imported = ImportFile(&st, ia.positional[f]);
  }
  const double ingest_secs = st.progress.elapsed();
  if (imported) st.progress.Update(st.points, st.bytes_read, /*force=*/true);
  st.progress.Break();
  if (!imported) std::fprintf(stderr, "strata: %s\n", imported.error().message().c_str());
  double flush_secs = 0;
  if (ia.flush) {  // what was written is flushed even when the import stopped early
    auto t0 = std::chrono::steady_clock::now();
    if (Status s = (*engine)->Flush(); !s) return Fail("flush: " + s.error().ToString());
    flush_secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  if (!imported) return kExitError;
  char flushed[64] = "";
  if (ia.flush) std::snprintf(flushed, sizeof(flushed), ", then flushed in %.2f s", flush_secs);
  std::fprintf(stderr,
               "import done: %s points in %s batches from %zu file(s), %.1f MB in %.2f s "
               "(%s points/s)%s\n",
               Grouped(st.points).c_str(), Grouped(st.batches).c_str(), files,
               st.bytes_read / 1e6, ingest_secs,
               Grouped(ProgressLine::Rate(st.points, ingest_secs)).c_str(), flushed);
  if (st.bad_lines > 0) {
    return Fail(Grouped(st.bad_lines) + " bad line(s) skipped (listed above)");
  }
  return kExitOk;
}

}  // namespace

const Command kImportCommand = {"import", "write line-protocol files into a directory", kUsage,
                                Run};

}  // namespace strata::cli
