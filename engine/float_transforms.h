// The two transforms of float columns that both segment formats use, defined once: decimal
// scaling (a value that is exactly (double)k / 10^e becomes the integer k) and the byte-aligned
// XOR of each value's bits with the previous value's. format 1's packed codec (packed_codec.h,
// exponents up to 9) and format 2's float codec (float_codec.h, up to 10) frame them in their own
// ways; the bytes of the XOR form are the same in both:
//   [bits_0: fixed64] then per value the XOR x with the previous bits: [control u8: high nibble =
//   leading zero bytes of x, low nibble = trailing zero bytes][the 8 - lead - trail bytes between
//   them, most significant first]; x == 0 is control 0x80 with no bytes.
// Decoding treats its input as untrusted. Stateless functions: thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "coding.h"

namespace strata {

inline constexpr int kMaxPowerOfTen = 10;  // the largest exponent PowerOfTen knows

// 10^e as a double, exactly. REQUIRES: 0 <= e <= kMaxPowerOfTen.
double PowerOfTen(int e);

// The smallest exponent e <= max_exponent for which every value bits[0..n) is (double)k / 10^e
// for an integer k (the k in *scaled), or -1. REQUIRES: max_exponent <= kMaxPowerOfTen.
int DecimalExponent(const uint64_t* bits, size_t n, int max_exponent,
                    std::vector<int64_t>* scaled);

// Appends the XOR form of bits[0..n) to *out. REQUIRES: n >= 1.
void EncodeXor(const uint64_t* bits, size_t n, std::string* out);

// Reads n >= 1 values of the XOR form into out[0..n). False unless the bytes are the canonical
// XOR form of n values (the counted zero bytes are exactly the XOR's, as EncodeXor writes them).
[[nodiscard]] bool DecodeXor(Decoder* d, size_t n, uint64_t* out);

}  // namespace strata
