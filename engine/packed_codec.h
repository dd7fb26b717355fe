// The packed block codec (BlockEncoding::kPacked): compact encodings for regular time series.
//
//   payload   = times values
//   times     = [first time: zigzag varint]
//               then the delta-of-deltas of the remaining count-1 times (dod_1 = t_1 - t_0,
//               dod_i = (t_i - t_{i-1}) - (t_{i-1} - t_{i-2})) as runs:
//               [dod: zigzag varint][run length: varint] ..., run lengths summing to count-1
//               (a perfectly regular series is one run, whatever its length)
//   float     = [0][exponent e: u8, 0..9][k_0: zigzag varint][k_i - k_{i-1}: zigzag varint]...
//                 when every value v equals (double)k / 10^e for an integer k (decimals as gauges
//                 usually are: 81.84 is 8184 / 10^2); decoded by that same division
//             | [1][v_0: fixed64 bits] then per value the XOR x with the previous bits:
//                 [control u8: high nibble = leading zero bytes of x, low = trailing zero bytes]
//                 [the 8 - lead - trail bytes in between, most significant first]; x == 0 is
//                 control 0x80 with no bytes
//   int       = [v_0: zigzag varint][v_i - v_{i-1} (wrapping): zigzag varint]...
//   bool      = ceil(count / 8) bytes, bit i of the block in byte i/8, bit i%8 (low first)
//   string    = [0][each: varint length + bytes]
//             | [1][length of the mode-0 body: varint][length of the zlib stream: varint]
//               [zlib stream of that body]; only when the body is at most kMaxZlibRatio times
//               the stream (zlib's own limit is about 1032:1, so this always holds in practice)
//
// Decoding treats its input as untrusted, and every bound it checks is one the encoder guarantees
// (MaxPackedPoints): a payload EncodePacked produced always decodes. Stateless functions:
// thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "point.h"

namespace strata {

// The largest ratio of a string body to its zlib stream that the encoder stores compressed.
inline constexpr uint64_t kMaxZlibRatio = 1024;

// The most points a payload of `bytes` bytes of `type` can hold, which bounds what a damaged
// count can make the decoder allocate. A true bound of the encoder's output: a float or integer
// takes at least one byte, a bool one bit, a string one byte of its uncompressed body, which is at
// most kMaxZlibRatio times the payload.
uint64_t MaxPackedPoints(ValueType type, size_t bytes);

// Appends the packed payload of points [begin, end) of `col` to *out.
void EncodePacked(const Column& col, size_t begin, size_t end, std::string* out);

// Appends `count` decoded points to *out. False, with *out unchanged, when `bytes` is not exactly
// a valid payload of `count` points of `type`. For a times-only *out only the times are decoded
// (they come first) and the values part is neither decoded nor checked.
[[nodiscard]] bool DecodePacked(ValueType type, std::string_view bytes, uint64_t count, Column* out);

}  // namespace strata
