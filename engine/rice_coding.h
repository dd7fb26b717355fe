// Rice codes (Golomb codes whose parameter is a power of two, 2^k): unsigned integers of a
// bell-shaped or geometric spread in about as many bits as their entropy, where bit packing
// (bit_packing.h) spends the width of the largest on every value. The unit from which
// int_sequence_codec.h builds its Rice form.
//
// The code of z at parameter k (0..kMaxRiceParameter), with q = z >> k:
//   q < kRiceEscape:  q zero bits, a one bit, then the k low bits of z        (q + 1 + k bits)
//   otherwise:        kRiceEscape zero bits, then the 64 bits of z            (kRiceEscape + 64)
// Codes follow each other in a little-endian bit stream, low bits first (as bit_packing.h), and
// the stream is padded with zero bits to a whole byte. Stateless functions: thread-safe.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace strata {

inline constexpr int kRiceEscape = 32;
inline constexpr int kMaxRiceParameter = 63;

// The bits of z's code at parameter k.
inline size_t RiceCodeBits(uint64_t z, int k) {
  const uint64_t q = z >> k;
  return q < kRiceEscape ? static_cast<size_t>(q) + 1 + static_cast<size_t>(k)
                         : kRiceEscape + 64;
}

// Appends a little-endian bit stream, 8 bytes at a time. Not thread-safe; one per stream.
class BitWriter {
 public:
  explicit BitWriter(std::string* out) : out_(out) {}

  // Appends the `width` low bits of x. REQUIRES: 0 <= width <= 64 and x < 2^width.
  void Put(uint64_t x, int width) {
    if (width == 0) return;
    acc_ |= x << filled_;
    filled_ += width;
    if (filled_ >= 64) {
      Store(acc_);
      filled_ -= 64;
      acc_ = filled_ == 0 ? 0 : x >> (width - filled_);  // the bits of x that did not fit
    }
  }

  // Appends the bits still held, padded with zero bits to a whole byte. Call once, at the end.
  void Finish() {
    for (; filled_ > 0; filled_ -= 8, acc_ >>= 8) out_->push_back(static_cast<char>(acc_));
    filled_ = 0;
    acc_ = 0;
  }

 private:
  void Store(uint64_t word) {
    if constexpr (std::endian::native == std::endian::big) word = __builtin_bswap64(word);
    char bytes[8];
    std::memcpy(bytes, &word, 8);
    out_->append(bytes, 8);
  }

  std::string* out_;
  uint64_t acc_ = 0;
  int filled_ = 0;  // bits of acc_ in use, 0..63
};

// Appends the codes of value_at(0..n) at parameter k, padded to a whole byte. REQUIRES: 0 <= k
// <= kMaxRiceParameter.
template <class ValueAt>
void PutRiceCodes(size_t n, int k, std::string* out, ValueAt value_at) {
  BitWriter bits(out);
  const uint64_t low_mask = (uint64_t{1} << k) - 1;
  for (size_t i = 0; i < n; i++) {
    const uint64_t z = value_at(i);
    const uint64_t q = z >> k;
    if (q < kRiceEscape) {
      bits.Put(uint64_t{1} << q, static_cast<int>(q) + 1);
      bits.Put(z & low_mask, k);
    } else {
      bits.Put(0, kRiceEscape);
      bits.Put(z, 64);
    }
  }
  bits.Finish();
}

// Reads n codes at parameter k from the stream at p, of which `avail` bytes may be read, into
// out[0..n). Returns the bytes the stream takes (its codes and padding), or 0 when the codes run
// past `avail` bytes or the padding is not zero. Never reads past p + avail. REQUIRES: n >= 1,
// 0 <= k <= kMaxRiceParameter.
size_t GetRiceCodes(const char* p, size_t avail, size_t n, int k, uint64_t* out);

}  // namespace strata
