// Test data with the shapes real time series have, for every value type: constant values, empty
// strings, two alternating values, long runs, counters, random values, extremes (INT64_MIN/MAX,
// +-DBL_MAX, denormals, -0.0), long and unicode strings; lengths of 1, 2, every block boundary +-1
// and many blocks; regular, jittered, dense (1 ns apart) and descending times, and duplicate
// timestamps. Uniformly random data hid a decoder bound that repeated strings broke (issue 13), so
// every path that stores points is tested with these: codecs, WAL records, MemStores, segments,
// compaction, reopen, the C ABI, SQL, Python and `strata import` (the last three through the
// `shape_gen` tool, which prints the same data as line protocol and as the expected result).
// Pure functions of their arguments: the same shape and seed always give the same points.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "point.h"

namespace strata::shapes {

enum class Values {
  kConstant,     // one value throughout
  kEmpty,        // strings only: every value ""
  kAlternating,  // two values in turn ("open", "closed"; 0 and 1; ...)
  kRuns,         // runs of one value, 1 to 500 long
  kCounter,      // increasing, with an occasional reset to 0 (numbers) or "req-<n>" (strings)
  kRandom,       // uniformly random bits (valid UTF-8 strings for text paths)
  kDecimal,      // floats only: gauges with two decimals, a random walk
  kExtremes,     // the edges of the type: INT64_MIN/MAX, +-DBL_MAX, denormals, -0.0, huge strings
  kUnicode,      // strings only: a few repeated non-ASCII strings
};

enum class Times {
  kRegular,     // every 10 s
  kJittered,    // every 10 s, plus or minus up to 1 ms of nanosecond jitter
  kDense,       // 1 ns apart
  kDescending,  // every 10 s, written newest first
  kDuplicates,  // every 10 s, each timestamp written twice (the second value wins)
};

struct Shape {
  ValueType type;
  Values values;
  Times times;
  size_t length;  // distinct timestamps
};

// "string/alternating/regular/1025": unique among the shapes, usable as a tag value.
std::string Name(const Shape& s);

// Whether `values` makes sense for `type` (kEmpty and kUnicode are strings only, kDecimal floats).
bool Applies(ValueType type, Values values);

// Lengths around the segment block boundary (1024 points) and the packed codec's modes.
const std::vector<size_t>& InterestingLengths();

// Every applicable (type, values, times) with each of `lengths`.
std::vector<Shape> AllShapes(const std::vector<size_t>& lengths);

// The points of `shape` in the order a writer sends them: times as Times says (descending, or
// each written twice), values as Values says; `first_time` is the oldest timestamp. With
// `text_safe`, strings are valid UTF-8 without NUL bytes (for SQL TEXT, line protocol, Python).
Column Generate(const Shape& shape, uint64_t seed, int64_t first_time, bool text_safe = false);

// What a store holds once the points of Generate are written: sorted by time, one point per
// timestamp, the one written last winning.
Column Expected(const Column& written);

}  // namespace strata::shapes
