#include "bit_packing.h"

#include <bit>
#include <cstring>

namespace strata {

namespace {

// The common case, width <= 56: one 8-byte load per value holds all its bits.
void UnpackNarrow(const unsigned char* p, size_t bytes, size_t n, int width, uint64_t* out) {
  const uint64_t mask = (uint64_t{1} << width) - 1;
  size_t bit = 0;
  size_t i = 0;
  // Values whose 8-byte load stays inside the buffer take the fast path.
  const size_t safe_bits = bytes >= 8 ? (bytes - 8) * 8 : 0;
  for (; i < n && bit < safe_bits; i++) {
    uint64_t w;
    std::memcpy(&w, p + (bit >> 3), 8);
    if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
    out[i] = (w >> (bit & 7)) & mask;
    bit += static_cast<size_t>(width);
  }
  for (; i < n; i++, bit += static_cast<size_t>(width)) {
    const size_t byte = bit >> 3;
    out[i] = (LoadLittleEndian(p + byte, bytes - byte) >> (bit & 7)) & mask;
  }
}

}  // namespace

void UnpackBits(const char* data, size_t n, int width, uint64_t* out) {
  if (n == 0) return;  // out may be null (an empty vector's data())
  if (width == 0) {
    std::memset(out, 0, n * sizeof(uint64_t));
    return;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  const size_t bytes = PackedBytes(n, width);
  if (width <= 56) {
    UnpackNarrow(p, bytes, n, width, out);
    return;
  }
  const uint64_t mask = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
  size_t bit = 0;
  for (size_t i = 0; i < n; i++, bit += static_cast<size_t>(width)) {
    const size_t byte = bit >> 3;
    const int shift = static_cast<int>(bit & 7);
    uint64_t lo = LoadLittleEndian(p + byte, bytes - byte) >> shift;
    // Bits past the first 8 bytes, when shift + width > 64.
    if (shift + width > 64) lo |= static_cast<uint64_t>(p[byte + 8]) << (64 - shift);
    out[i] = lo & mask;
  }
}

}  // namespace strata
