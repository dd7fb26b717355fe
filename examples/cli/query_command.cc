// `strata query DIR MEASUREMENT [...]`: prints the points of one measurement, series by series
// (sorted by series key), each series in time order, in one of point_format.h's formats. The
// time range is inclusive at both ends, as SQL's `time BETWEEN start AND end` and the C ABI's
// strata_query. A measurement or field the directory does not hold is an error (exit 1), not an
// empty answer; a tag value that matches nothing is an empty answer.
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "commands.h"
#include "point_format.h"
#include "query_cursor.h"
#include "storage_engine.h"
#include "text_format.h"
#include "time_text.h"

namespace strata::cli {
namespace {

constexpr char kUsage[] =
    "usage: strata query DIR MEASUREMENT [--tag k=v]... [--field F]... [--start T] [--end T]\n"
    "                    [--limit N] [--format tsv|csv|jsonl|lp] [--time-format iso|ns]\n"
    "  Print the points of MEASUREMENT, series by series, each in time order. A directory\n"
    "  another process is writing is read without stopping it (every write committed before\n"
    "  the query began).\n"
    "  --tag k=v      only series with this tag; a repeated key means any of its values\n"
    "  --field F      only this field (repeatable; default every field)\n"
    "  --start T, --end T\n"
    "                 only points with start <= time <= end: both ends inclusive, as SQL's\n"
    "                 `time BETWEEN start AND end`. T is nanoseconds since the epoch or\n"
    "                 ISO-8601 (2016-01-01T00:00:00Z; no zone means UTC).\n"
    "  --limit N      at most N points\n"
    "  --format       tsv (default): series<TAB>time<TAB>value; csv: the same with a header;\n"
    "                 jsonl: one JSON object per point (measurement, tags, field, time,\n"
    "                 value); lp: line protocol that `strata import` reads back as the same\n"
    "                 points (times always in ns)\n"
    "  --time-format  iso (default, UTC) or ns; --ns is --time-format ns\n"
    "  An unknown MEASUREMENT or --field is an error (exit 1).\n";

struct QueryArgs {
  QueryRequest request;
  uint64_t limit = UINT64_MAX;
  OutputFormat format = OutputFormat::kTsv;
  TimeFormat time_format = TimeFormat::kIso;
  std::string dir;
};

// Fills *out from the command line; an empty string, or why the usage is wrong.
std::string ParseArgs(const std::vector<std::string>& args, QueryArgs* out) {
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>> tags;
  for (size_t i = 0; i < args.size(); i++) {
    const std::string& a = args[i];
    if (a == "--ns") {
      out->time_format = TimeFormat::kNanoseconds;
      continue;
    }
    if (!a.starts_with("--")) {
      positional.push_back(a);
      continue;
    }
    static const char* const kValued[] = {"--tag",   "--field", "--start",       "--end",
                                          "--limit", "--format", "--time-format"};
    if (std::none_of(std::begin(kValued), std::end(kValued), [&](const char* f) { return a == f; })) {
      return "unknown flag " + a;
    }
    if (i + 1 >= args.size()) return a + " needs a value";
    const std::string& v = args[++i];
    if (a == "--tag") {
      size_t eq = v.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == v.size()) {
        return "--tag: '" + v + "' is not key=value";
      }
      tags[v.substr(0, eq)].push_back(v.substr(eq + 1));
    } else if (a == "--field") {
      out->request.fields.push_back(v);
    } else if (a == "--limit") {
      if (!ParseUint(v, &out->limit)) return "--limit: '" + v + "' is not a count";
    } else if (a == "--format") {
      auto f = ParseOutputFormat(v);
      if (!f) return "--format: '" + v + "' is not tsv, csv, jsonl or lp";
      out->format = *f;
    } else if (a == "--time-format") {
      auto f = ParseTimeFormat(v);
      if (!f) return "--time-format: '" + v + "' is not iso or ns";
      out->time_format = *f;
    } else {
      auto t = ParseTimeText(v);
      if (!t) return a + ": " + t.error().message();
      (a == "--start" ? out->request.min_time : out->request.max_time) = *t;
    }
  }
  if (positional.size() != 2) return "needs DIR and MEASUREMENT";
  out->dir = positional[0];
  out->request.measurement = positional[1];
  for (auto& [k, vs] : tags) out->request.tags.push_back(TagFilter{k, std::move(vs)});
  return "";
}

std::string Joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

// NotFound naming what the directory does hold when the measurement or a field is unknown.
Status CheckNames(const Catalog& catalog, const std::string& dir, const QueryRequest& q) {
  const std::vector<std::string> measurements = catalog.Measurements();
  if (std::find(measurements.begin(), measurements.end(), q.measurement) == measurements.end()) {
    return unexpected(Error::NotFound("no measurement '" + q.measurement + "' in " + dir +
                                      " (it holds: " + Joined(measurements) + ")"));
  }
  std::vector<std::string> fields;
  for (const auto& [name, type] : catalog.Fields(q.measurement)) fields.push_back(name);
  for (const std::string& f : q.fields) {
    if (std::find(fields.begin(), fields.end(), f) == fields.end()) {
      return unexpected(Error::NotFound("measurement '" + q.measurement + "' has no field '" + f +
                                        "' (its fields: " + Joined(fields) + ")"));
    }
  }
  return OkStatus();
}

int Run(const std::vector<std::string>& args) {
  QueryArgs qa;
  if (std::string why = ParseArgs(args, &qa); !why.empty()) return UsageError("query", why);
  if (qa.request.min_time > qa.request.max_time) {
    return UsageError("query", "--start is after --end");
  }
  auto engine = OpenExisting(qa.dir, ReadingOptions());
  if (!engine) return Fail(engine.error().ToString());
  if (Status s = CheckNames((*engine)->catalog(), qa.dir, qa.request); !s) {
    return Fail(s.error().message());
  }
  auto cursor = (*engine)->Query(qa.request);
  if (!cursor) return Fail(cursor.error().ToString());
  uint64_t printed = 0;
  std::string out = OutputHeader(qa.format);
  while (printed < qa.limit) {
    Result<bool> more = (*cursor)->Next();
    if (!more) return Fail(more.error().ToString());
    if (!*more) break;
    const Column& c = (*cursor)->points();
    const SeriesInfo& series = (*cursor)->series();
    for (size_t i = 0; i < c.size() && printed < qa.limit; i++, printed++) {
      if (Status s = AppendPoint(qa.format, qa.time_format, series, c, i, &out); !s) {
        std::fwrite(out.data(), 1, out.size(), stdout);
        return Fail("series '" + series.key + "': " + s.error().message());
      }
      if (out.size() >= (1 << 16)) {
        std::fwrite(out.data(), 1, out.size(), stdout);
        out.clear();
      }
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (std::fflush(stdout) != 0) return Fail(std::string("write: ") + std::strerror(errno));
  return kExitOk;
}

}  // namespace

const Command kQueryCommand = {"query", "print the points of a measurement (tsv, csv, jsonl, lp)",
                               kUsage, Run};

}  // namespace strata::cli
