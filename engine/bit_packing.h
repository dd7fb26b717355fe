// Bit packing: unsigned integers stored at a fixed bit width, back to back, low bits first, in a
// little-endian bit stream (value i occupies bits [i*w, (i+1)*w) of the stream). n values at width
// w take PackedBytes(n, w) = ceil(n*w/8) bytes; width 0 takes no bytes and every value is 0. The
// unit from which int_sequence_codec.h builds its frame-of-reference forms. Stateless functions:
// thread-safe.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace strata {

// Bits needed to hold v: 0 for 0, else 64 - countl_zero(v). Inline: the planner of
// int_sequence_codec.h calls it once per value and candidate.
inline int BitWidth(uint64_t v) { return 64 - std::countl_zero(v); }

// Loads up to 8 bytes at p (fewer when `avail` < 8, the missing high bytes zero), little-endian.
inline uint64_t LoadLittleEndian(const unsigned char* p, size_t avail) {
  if (avail >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
    return w;
  }
  uint64_t w = 0;
  for (size_t i = 0; i < avail; i++) w |= static_cast<uint64_t>(p[i]) << (8 * i);
  return w;
}

inline size_t PackedBytes(size_t n, int width) {
  return (n * static_cast<size_t>(width) + 7) / 8;
}

// Appends PackedBytes(n, width) bytes holding value_at(0..n) at `width` bits each: the one
// packer, for callers that compute the values as they go (no array of them). The values gather in
// a 64-bit accumulator, stored 8 bytes at a time. REQUIRES: 0 <= width <= 64 and every value <
// 2^width.
template <class ValueAt>
void PackBitsOf(size_t n, int width, std::string* out, ValueAt value_at) {
  if (width == 0 || n == 0) return;
  const size_t start = out->size();
  out->resize(start + PackedBytes(n, width));
  auto* p = reinterpret_cast<unsigned char*>(out->data() + start);
  uint64_t acc = 0;
  int filled = 0;  // bits of acc in use, 0..63
  for (size_t i = 0; i < n; i++) {
    const uint64_t x = value_at(i);
    acc |= x << filled;
    filled += width;
    if (filled >= 64) {
      uint64_t word = acc;
      if constexpr (std::endian::native == std::endian::big) word = __builtin_bswap64(word);
      std::memcpy(p, &word, 8);
      p += 8;
      filled -= 64;
      // The bits of x that did not fit (none when x ended the word exactly).
      acc = filled == 0 ? 0 : x >> (width - filled);
    }
  }
  for (; filled > 0; filled -= 8, acc >>= 8) *p++ = static_cast<unsigned char>(acc);
}

// Appends PackedBytes(n, width) bytes holding v[0..n) at `width` bits each. REQUIRES: 0 <= width
// <= 64 and every v[i] < 2^width.
inline void PackBits(const uint64_t* v, size_t n, int width, std::string* out) {
  PackBitsOf(n, width, out, [v](size_t i) { return v[i]; });
}

// Reads n values of `width` bits from p, which holds at least PackedBytes(n, width) bytes, into
// out[0..n). REQUIRES: 0 <= width <= 64. Never reads past p + PackedBytes(n, width).
void UnpackBits(const char* p, size_t n, int width, uint64_t* out);

}  // namespace strata
