// How `strata query` prints points, one a line: the output formats and the time formats, and
// the one place each is defined.
//   tsv    series<TAB>time<TAB>value, the series key as the engine writes it
//          (measurement,tag=v,...#field); in strings \n, \t and \\ stand for LF, TAB, backslash.
//   csv    the same three columns after a header line "series,time,value", RFC 4180 quoting.
//   jsonl  {"measurement":..,"tags":{..},"field":..,"time":..,"value":..} per point; value a
//          JSON number, boolean or string; time a string (iso) or an integer (ns).
//   lp     InfluxDB line protocol, one point a line, time always in ns: `strata import` of the
//          output writes the same points (the same types, values and times) again.
// Times are ISO-8601 in UTC (engine/time_text.h) or integer nanoseconds since the epoch.
// Stateless; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "catalog.h"
#include "point.h"
#include "result.h"

namespace strata::cli {

enum class OutputFormat { kTsv, kCsv, kJsonLines, kLineProtocol };
enum class TimeFormat { kIso, kNanoseconds };

// "tsv", "csv", "jsonl", "lp"; nullopt otherwise.
std::optional<OutputFormat> ParseOutputFormat(std::string_view name);
// "iso", "ns"; nullopt otherwise.
std::optional<TimeFormat> ParseTimeFormat(std::string_view name);

// The line that opens the output ("series,time,value\n" for csv), or empty.
std::string OutputHeader(OutputFormat format);

// Appends point i of `points`, a point of `series`, as one line ending in '\n'. Invalid for a
// point line protocol cannot hold (a name ending in a backslash, a measurement starting with '#').
[[nodiscard]] Status AppendPoint(OutputFormat format, TimeFormat time_format,
                                 const SeriesInfo& series, const Column& points, size_t i,
                                 std::string* out);

}  // namespace strata::cli
