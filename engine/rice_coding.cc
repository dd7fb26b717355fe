#include "rice_coding.h"

#include <algorithm>
#include <bit>
#include <string_view>
#include <vector>

namespace strata {

bool GetRiceCodes(Decoder* d, size_t n, int k, uint64_t* out) {
  std::string_view low;
  if (!d->GetBytes(PackedBytes(n, k), &low)) return false;
  UnpackBits(low.data(), n, k, out);
  // The quotients: each set bit of the stream ends one, after as many zero bits as its value.
  // Escaped values (a gap of kRiceEscape) are noted and completed from the escape varints.
  thread_local std::vector<size_t> escaped;  // scratch, reused by each reading thread
  escaped.clear();
  const auto* p = reinterpret_cast<const unsigned char*>(d->position());
  const size_t avail = d->remaining();
  size_t i = 0;
  uint64_t gap = 0;  // zero bits since the last set bit
  size_t byte = 0;
  while (i < n) {
    if (byte >= avail) return false;
    const size_t take = std::min<size_t>(8, avail - byte);
    uint64_t word = LoadLittleEndian(p + byte, take);
    int consumed = 0;  // bits of word before the current code
    while (word != 0 && i < n) {
      const int at = std::countr_zero(word);
      gap += static_cast<uint64_t>(at - consumed);
      if (gap > kRiceEscape) return false;
      if (gap == kRiceEscape) escaped.push_back(i);
      out[i++] |= gap << k;
      gap = 0;
      consumed = at + 1;
      word &= word - 1;
    }
    if (i == n) {
      byte += static_cast<size_t>((consumed + 7) / 8);
      // The padding after the last code, to its byte's end, is zero.
      if (consumed % 8 != 0 && (p[byte - 1] >> (consumed % 8)) != 0) return false;
      break;
    }
    gap += static_cast<uint64_t>(static_cast<int>(take) * 8 - consumed);
    if (gap > kRiceEscape) return false;
    byte += take;
  }
  if (!d->Skip(byte)) return false;
  for (size_t at : escaped) {
    uint64_t extra = 0;
    const uint64_t max_quotient = ~uint64_t{0} >> k;
    if (!d->GetVarint64(&extra) || max_quotient < kRiceEscape ||
        extra > max_quotient - kRiceEscape) {
      return false;
    }
    out[at] += extra << k;  // the quotient was stored as kRiceEscape
  }
  return true;
}

}  // namespace strata
