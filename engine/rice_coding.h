// Rice codes (Golomb codes whose parameter is a power of two, 2^k): unsigned integers of a
// bell-shaped or geometric spread in about as many bits as their entropy, where bit packing
// (bit_packing.h) spends the width of the largest on every value. The unit from which
// int_sequence_codec.h builds its Rice form.
//
// n values z_i at parameter k (0..kMaxRiceParameter), with q_i = z_i >> k, are stored in three
// parts, so that each decodes without waiting on the others' lengths:
//   low parts   the n values z_i & (2^k - 1), bit-packed at width k (bit_packing.h)
//   quotients   per value, min(q_i, kRiceEscape) zero bits then a one bit, in a little-endian bit
//               stream (low bits first) padded with zero bits to a whole byte
//   escapes     per value with q_i >= kRiceEscape, in order: q_i - kRiceEscape as a varint
// Every quotient ends with a one bit, so the decoder reads them as the gaps between the stream's
// set bits, a word at a time. Stateless functions: thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "bit_packing.h"
#include "coding.h"

namespace strata {

inline constexpr int kRiceEscape = 32;
inline constexpr int kMaxRiceParameter = 63;

// The bytes of the three parts for n values at parameter k whose quotient stream takes
// `quotient_bits` bits (the sum of min(q_i, kRiceEscape) + 1) and whose escapes take
// `escape_bytes`.
inline size_t RiceBytes(size_t n, int k, size_t quotient_bits, size_t escape_bytes) {
  return PackedBytes(n, k) + (quotient_bits + 7) / 8 + escape_bytes;
}

// Appends the three parts for value_at(0..n) at parameter k. REQUIRES: 0 <= k <=
// kMaxRiceParameter.
template <class ValueAt>
void PutRiceCodes(size_t n, int k, std::string* out, ValueAt value_at) {
  const uint64_t low_mask = (uint64_t{1} << k) - 1;
  PackBitsOf(n, k, out, [&](size_t i) { return value_at(i) & low_mask; });
  uint64_t acc = 0;
  int filled = 0;  // bits of acc in use, 0..63
  size_t escapes = 0;
  for (size_t i = 0; i < n; i++) {
    const uint64_t q = value_at(i) >> k;
    const int zeros = q < kRiceEscape ? static_cast<int>(q) : kRiceEscape;
    escapes += q >= kRiceEscape;
    filled += zeros;  // zero bits: nothing to set
    if (filled >= 64) {
      PutFixed64(out, acc);
      acc = 0;
      filled -= 64;
    }
    acc |= uint64_t{1} << filled;
    if (++filled == 64) {
      PutFixed64(out, acc);
      acc = 0;
      filled = 0;
    }
  }
  for (; filled > 0; filled -= 8, acc >>= 8) out->push_back(static_cast<char>(acc));
  for (size_t i = 0; escapes > 0 && i < n; i++) {
    const uint64_t q = value_at(i) >> k;
    if (q < kRiceEscape) continue;
    PutVarint64(out, q - kRiceEscape);
    escapes--;
  }
}

// Reads the three parts of n values at parameter k from *d into out[0..n). False when they are
// not a valid encoding of n values (a part cut short, a gap longer than kRiceEscape, padding that
// is not zero, a bad varint); *d is then at an unspecified position. REQUIRES: n >= 1,
// 0 <= k <= kMaxRiceParameter.
[[nodiscard]] bool GetRiceCodes(Decoder* d, size_t n, int k, uint64_t* out);

}  // namespace strata
