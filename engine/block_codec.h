// Block codecs: how the points of one segment block become payload bytes and back. Every block
// records its BlockEncoding (segment_format.h), so a new codec (Gorilla XOR floats, delta-of-delta
// timestamps, packed bools, zlib strings) is added as a new enumerator plus a case in EncodeBlock /
// DecodeBlock, and old segments stay readable. Decoding treats its input as untrusted: it validates
// lengths before touching bytes and never reads outside `bytes`. Stateless functions: thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "point.h"

namespace strata {

// Pinned numbers, stored in every block. Never renumber.
enum class BlockEncoding : uint8_t {
  kRaw = 0,     // fixed-width times and values; byte layout in segment_format.h
  kPacked = 1,  // delta-of-delta times, decimal/XOR floats, delta ints, bit bools, zlib strings:
                // packed_codec.h
};

inline bool IsKnownBlockEncoding(uint8_t e) {
  return e <= static_cast<uint8_t>(BlockEncoding::kPacked);
}

// The encoding EncodeBlock produces.
inline constexpr BlockEncoding kDefaultBlockEncoding = BlockEncoding::kPacked;

// Appends to *out the payload of points [begin, end) of `col` in `encoding`.
// REQUIRES: begin <= end <= col.size(); col's value array matches col.type.
void EncodeBlock(const Column& col, size_t begin, size_t end, std::string* out,
                 BlockEncoding encoding = kDefaultBlockEncoding);

// Decodes a payload of `count` points of type `type` and appends them to *out (out->type must be
// `type`). Returns false, leaving *out as it was, when the encoding is unknown or `bytes` is not
// exactly a valid payload of `count` points. Does not check time order; callers do. For a
// times-only *out (point.h) only the times are decoded: the values part is skipped unchecked
// (kRaw still checks its length where it is fixed).
[[nodiscard]] bool DecodeBlock(BlockEncoding encoding, ValueType type, std::string_view bytes,
                               uint32_t count, Column* out);

}  // namespace strata
