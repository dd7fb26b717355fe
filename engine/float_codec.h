// The float column codec: n doubles (as their bit patterns, point.h's FloatBits; n known to the
// reader) in the smallest of three forms:
//
//   floats = form u8, then
//     0 decimal  [e u8, 0..kMaxDecimalExponent][differenced k_0..k_{n-1}: int_sequence_codec.h]
//                every value is exactly the double (double)k_i / 10^e (as gauges with a few
//                decimals are: 81.84 is 8184 / 10^2), e the smallest exponent that fits them all
//     1 xor      the XOR form of float_transforms.h (a Gorilla-like scheme on byte boundaries)
//     2 raw      n x bits: fixed64
//
// Every form keeps the exact bit pattern (NaN payloads, infinities, -0.0). Decoding treats its
// input as untrusted. Stateless functions: thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "coding.h"
#include "int_sequence_codec.h"

namespace strata {

inline constexpr int kMaxDecimalExponent = 10;  // format 2's bound (float_transforms.h)

// Appends the smallest form of bits[0..n) to *out, its integer sequences in `forms`
// (int_sequence_codec.h). REQUIRES: n >= 1.
void EncodeFloats(const uint64_t* bits, size_t n, std::string* out,
                 IntForms forms = IntForms::kFormat5);

// Reads n >= 1 values into out[0..n). False when the bytes are not a valid float column of n.
[[nodiscard]] bool DecodeFloats(Decoder* d, size_t n, uint64_t* out);

}  // namespace strata
