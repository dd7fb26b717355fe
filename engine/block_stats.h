// Block statistics of segment formats 3 and 4 (segment_format.h; engine/README.md, sections 10.8
// and 10.9): a
// summary of one numeric field's values in one block, kept in the segment index, from which an
// aggregate over the whole block (count, sum, mean, min, max, first, last) follows without decoding
// the block. The count and the first and last times are the block's own (BlockRef); a BlockStats
// holds the rest. Only blocks of at least kStatsMinRows rows of a FLOAT, INTEGER or BOOLEAN field
// carry one (a smaller block decodes quickly, and its summary would cost more bytes than it saves).
// Plain values and stateless functions: thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "coding.h"
#include "point.h"

namespace strata {

// A 128-bit integer (GCC and Clang; __extension__ keeps -Wpedantic quiet).
__extension__ typedef __int128 Int128;

// A block of fewer rows has no statistics.
inline constexpr uint32_t kStatsMinRows = 128;

// Values are stored as Column::nums holds them: FloatBits for FLOAT, two's complement for INTEGER,
// 0 or 1 for BOOLEAN.
struct BlockStats {
  uint64_t min = 0, max = 0;      // smallest and largest value (std::min / std::max in time order)
  uint64_t first = 0, last = 0;   // the values at the block's first and last time
  // FLOAT: the values' sum as doubles, added in time order starting from 0.0 (FloatBits).
  uint64_t fsum = 0;
  // INTEGER and BOOLEAN: the exact sum, and the least and greatest prefix sum (v0, v0 + v1, ...),
  // with which a running int64 sum can tell whether adding the block one value at a time would
  // have overflowed.
  Int128 isum = 0, min_prefix = 0, max_prefix = 0;

  bool operator==(const BlockStats&) const = default;
};

// Whether a block of `rows` rows of a field of `type` has statistics in a segment of format 3 or later.
inline bool HasBlockStats(ValueType type, uint64_t rows) {
  return type != ValueType::kString && rows >= kStatsMinRows;
}

// The statistics of points [begin, end) of `col` (a FLOAT, INTEGER or BOOLEAN column, values in
// time order). REQUIRES: begin < end <= col.size().
BlockStats ComputeBlockStats(const Column& col, size_t begin, size_t end);

// Appends the stored form of `stats` of a block of `rows` rows of a field of `type` in segment
// `format` (kSegmentFormatV3, or V4 and later; layouts in segment_format.h).
void EncodeBlockStats(uint32_t format, ValueType type, uint64_t rows, const BlockStats& stats,
                      std::string* out);
// Reads one stored BlockStats of a block of `rows` rows in segment `format`; false when truncated
// or inconsistent (min > max, a first or last value outside [min, max], prefix sums that cannot
// belong to `rows` values, booleans other than 0 and 1). Both formats decode the same statistics.
[[nodiscard]] bool DecodeBlockStats(Decoder* d, uint32_t format, ValueType type, uint64_t rows,
                                    BlockStats* out);

}  // namespace strata
