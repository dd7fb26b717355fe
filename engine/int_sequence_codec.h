// The int64 sequence codec: a sequence of n signed 64-bit integers (n known to the reader) in the
// smallest of four forms, chosen by the encoder. The building block of column_codec.h for times,
// integers, decimal floats, bools and dictionary codes.
//
//   sequence = form u8, then
//     0 constant  [v: zigzag varint]                               every value is v
//     1 for       [base: zigzag varint][width u8, 0..64][n values v - base (as u64), bit-packed
//                 at width: bit_packing.h]                         frame of reference
//     2 runs      [run count r: varint, 1..n] then r x ([value - previous run's value (wrapping,
//                 the first against 0): zigzag varint][length - 1: varint]), lengths summing to n
//     3 patched   [base: zigzag varint][width u8, 0..63][patch count p: varint, 1..n]
//                 [n low parts, bit-packed at width][p x ([index gap: varint][high part: varint])]
//                 value i = base + (low_i | high_i << width); the patched indexes strictly
//                 increase (gap = index - previous index - 1, the first against -1); high != 0
//     4 rice      [base: zigzag varint][k u8, 0..63][z_i = zigzag(value i - base) for the n values,
//                 as Rice codes at parameter k: rice_coding.h's low parts, quotients and escapes]
//                                                                          (segment format 5 on)
//
// The Rice form spends about the entropy of values spread around a centre (the noise of a gauge's
// deltas), where the frame of reference spends the width of the widest on each. Its encoder takes
// the midpoint of the minimum and maximum as the base and tries the parameters k from w - 4 to
// w - 2 (at least 0), w = bitwidth(max - min): a bell-shaped spread spans 4 to 6 deviations and
// suits k = log2(deviation); the smallest k on equal sizes. It is sized when n >= 8 and
// max - min >= 2, and wins when every other form takes more than r + r/32 bytes (r its size,
// rounded down): a Rice-coded column decodes at about 0.7x the speed of a bit-packed one, which a
// percent or two of bytes (a uniform spread whose range is not a power of two) does not pay for.
// The encoder sizes it first and the other forms only where they can still win against it.
//
// The patched form (PFOR) takes its width from the histogram of the values' widths, so that a few
// outliers go to the patch list instead of widening every value; its base may lie above the
// lowest values (a counter's reset), which then wrap to large offsets and are patched too. All arithmetic wraps, so any
// int64 sequence round-trips. The encoder plans without writing: each candidate (base, width,
// form, difference order) is sized arithmetically, and one whose lower bound cannot beat the best
// so far is not sized at all; the choice, ties included, is the format's, byte for byte
// (tests/engine/codec_planner_test.cc holds the first encoder as its oracle). Decoding treats its input as untrusted: it reads exactly one
// sequence of n values and never reads outside its input. Stateless functions: thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "coding.h"

namespace strata {

enum class IntSequenceForm : uint8_t {
  kConstant = 0,
  kFor = 1,
  kRuns = 2,
  kPatched = 3,
  kRice = 4,
};

// The forms an encoder may choose: segment formats 2 to 4 know forms 0 to 3 (kFormat2), format 5
// adds the Rice form (kFormat5). The segment writer passes its format's; decoders read every form.
enum class IntForms : uint8_t { kFormat2, kFormat5 };

// The bytes EncodeIntSequence(v, n, ...) appends, without encoding (the column codec compares
// candidate transforms by it). n == 0 encodes to nothing.
size_t IntSequenceSize(const int64_t* v, size_t n, IntForms forms = IntForms::kFormat5);

// Appends the smallest form (of `forms`) of v[0..n) to *out; nothing when n == 0.
void EncodeIntSequence(const int64_t* v, size_t n, std::string* out,
                       IntForms forms = IntForms::kFormat5);

// Reads one sequence of n values from *d into out[0..n). False when the bytes are not a valid
// sequence of n values (d's position is then unspecified).
[[nodiscard]] bool DecodeIntSequence(Decoder* d, size_t n, int64_t* out);

// A sequence after differencing of order 0, 1 or 2 (values, deltas, or delta-of-deltas, all
// wrapping), whichever encodes smallest:
//   differenced = order u8 (0..2) | the first min(order, n) values: zigzag varints
//                 | sequence of the n - order differences of that order (as above)
void EncodeDifferenced(const int64_t* v, size_t n, std::string* out,
                       IntForms forms = IntForms::kFormat5);
// The inverse: reads n values into out[0..n). False when malformed.
[[nodiscard]] bool DecodeDifferenced(Decoder* d, size_t n, int64_t* out);

}  // namespace strata
