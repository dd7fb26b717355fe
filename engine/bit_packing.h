// Bit packing: unsigned integers stored at a fixed bit width, back to back, low bits first, in a
// little-endian bit stream (value i occupies bits [i*w, (i+1)*w) of the stream). n values at width
// w take PackedBytes(n, w) = ceil(n*w/8) bytes; width 0 takes no bytes and every value is 0. The
// unit from which int_sequence_codec.h builds its frame-of-reference forms. Stateless functions:
// thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace strata {

// Bits needed to hold v: 0 for 0, else 64 - countl_zero(v).
int BitWidth(uint64_t v);

inline size_t PackedBytes(size_t n, int width) {
  return (n * static_cast<size_t>(width) + 7) / 8;
}

// Appends PackedBytes(n, width) bytes holding v[0..n) at `width` bits each. REQUIRES: 0 <= width
// <= 64 and every v[i] < 2^width.
void PackBits(const uint64_t* v, size_t n, int width, std::string* out);

// Reads n values of `width` bits from p, which holds at least PackedBytes(n, width) bytes, into
// out[0..n). REQUIRES: 0 <= width <= 64. Never reads past p + PackedBytes(n, width).
void UnpackBits(const char* p, size_t n, int width, uint64_t* out);

}  // namespace strata
