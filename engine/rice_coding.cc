#include "rice_coding.h"

#include "bit_packing.h"

namespace strata {
namespace {

// Reads the bit stream p[0..avail) from a bit position on: at least 57 bits of it (64 minus the
// position's offset in its byte), zero past the end. Never reads past p + avail.
class BitPeeker {
 public:
  BitPeeker(const unsigned char* p, size_t avail) : p_(p), avail_(avail) {}

  uint64_t Peek(size_t bit) const {
    const size_t byte = bit >> 3;
    if (byte >= avail_) return 0;
    return LoadLittleEndian(p_ + byte, avail_ - byte) >> (bit & 7);
  }

  // The `width` bits at `bit`. REQUIRES: 0 <= width <= 64.
  uint64_t Read(size_t bit, int width) const {
    if (width <= 32) return Peek(bit) & LowMask(width);
    return (Peek(bit) & LowMask(32)) | (Peek(bit + 32) & LowMask(width - 32)) << 32;
  }

  static uint64_t LowMask(int width) {
    return width >= 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
  }

 private:
  const unsigned char* p_;
  size_t avail_;
};

}  // namespace

size_t GetRiceCodes(const char* data, size_t avail, size_t n, int k, uint64_t* out) {
  const BitPeeker stream(reinterpret_cast<const unsigned char*>(data), avail);
  const size_t end_bit = avail * 8;
  const uint64_t low_mask = BitPeeker::LowMask(k);
  size_t bit = 0;
  for (size_t i = 0; i < n; i++) {
    if (bit >= end_bit) return 0;  // every code takes at least one bit
    const uint64_t word = stream.Peek(bit);  // 57 bits or more
    const int q = std::countr_zero(word);  // 64 when no one bit is in sight
    if (q >= kRiceEscape) {
      out[i] = stream.Read(bit + kRiceEscape, 64);
      bit += kRiceEscape + 64;
      continue;
    }
    const int used = q + 1;  // <= kRiceEscape, inside the word
    const uint64_t low =
        used + k <= 57 ? (word >> used) & low_mask : stream.Read(bit + static_cast<size_t>(used), k);
    out[i] = static_cast<uint64_t>(q) << k | low;
    bit += static_cast<size_t>(used + k);
  }
  if (bit > end_bit) return 0;
  const size_t bytes = (bit + 7) / 8;
  if (bit % 8 != 0 && (stream.Peek(bit) & BitPeeker::LowMask(static_cast<int>(8 - bit % 8))) != 0) {
    return 0;  // padding is zero
  }
  return bytes;
}

}  // namespace strata
