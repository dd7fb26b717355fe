#include "block_stats.h"

#include <algorithm>
#include <vector>

#include "float_transforms.h"

namespace strata {
namespace {

// The exponent byte of FLOAT statistics whose values are stored as fixed64 bits.
constexpr uint8_t kRawFloats = 0xff;
// Decimal-scaled values are below this in magnitude (float_transforms.h's ScalesExactly).
constexpr int64_t kMaxScaled = 9'000'000'000'000'000;

__extension__ typedef unsigned __int128 UInt128;

// 128-bit zigzag LEB128: at most 19 bytes.
void PutVarsint128(std::string* out, Int128 v) {
  UInt128 u = (static_cast<UInt128>(v) << 1) ^
                        static_cast<UInt128>(v >> 127);
  while (u >= 0x80) {
    out->push_back(static_cast<char>(static_cast<uint8_t>(u) | 0x80));
    u >>= 7;
  }
  out->push_back(static_cast<char>(static_cast<uint8_t>(u)));
}

bool GetVarsint128(Decoder* d, Int128* v) {
  UInt128 u = 0;
  for (int shift = 0; shift < 128; shift += 7) {
    uint8_t byte = 0;
    if (!d->GetFixed8(&byte)) return false;
    if (shift == 126 && byte > 3) return false;
    u |= static_cast<UInt128>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      *v = static_cast<Int128>(u >> 1) ^ -static_cast<Int128>(u & 1);
      return true;
    }
  }
  return false;
}

double F(uint64_t bits) { return BitsFloat(bits); }

}  // namespace

BlockStats ComputeBlockStats(const Column& col, size_t begin, size_t end) {
  BlockStats s;
  s.first = col.nums[begin];
  s.last = col.nums[end - 1];
  if (col.type == ValueType::kFloat) {
    double lo = F(col.nums[begin]), hi = lo, sum = 0.0;
    for (size_t i = begin; i < end; i++) {
      const double v = F(col.nums[i]);
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      sum += v;
    }
    s.min = FloatBits(lo);
    s.max = FloatBits(hi);
    s.fsum = FloatBits(sum);
    return s;
  }
  int64_t lo = static_cast<int64_t>(col.nums[begin]), hi = lo;
  Int128 sum = 0;
  s.min_prefix = s.max_prefix = static_cast<int64_t>(col.nums[begin]);
  for (size_t i = begin; i < end; i++) {
    const int64_t v = static_cast<int64_t>(col.nums[i]);
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    sum += v;
    s.min_prefix = std::min(s.min_prefix, sum);
    s.max_prefix = std::max(s.max_prefix, sum);
  }
  s.min = static_cast<uint64_t>(lo);
  s.max = static_cast<uint64_t>(hi);
  s.isum = sum;
  return s;
}

void EncodeBlockStats(ValueType type, const BlockStats& s, std::string* out) {
  if (type == ValueType::kFloat) {
    const uint64_t values[4] = {s.min, s.max, s.first, s.last};
    std::vector<int64_t> scaled;
    const int e = DecimalExponent(values, 4, kMaxPowerOfTen, &scaled);
    if (e < 0) {
      PutFixed8(out, kRawFloats);
      for (uint64_t v : values) PutFixed64(out, v);
    } else {
      PutFixed8(out, static_cast<uint8_t>(e));
      for (int64_t k : scaled) PutVarsint64(out, k);
    }
    PutFixed64(out, s.fsum);
    return;
  }
  PutVarsint64(out, static_cast<int64_t>(s.min));
  PutVarsint64(out, static_cast<int64_t>(s.max));
  PutVarsint64(out, static_cast<int64_t>(s.first));
  PutVarsint64(out, static_cast<int64_t>(s.last));
  PutVarsint128(out, s.isum);
  PutVarsint128(out, s.min_prefix);
  PutVarsint128(out, s.max_prefix);
}

bool DecodeBlockStats(Decoder* d, ValueType type, uint64_t rows, BlockStats* out) {
  BlockStats s;
  if (type == ValueType::kFloat) {
    uint8_t e = 0;
    if (!d->GetFixed8(&e) || (e > kMaxPowerOfTen && e != kRawFloats)) return false;
    for (uint64_t* v : {&s.min, &s.max, &s.first, &s.last}) {
      int64_t k = 0;
      if (e == kRawFloats) {
        if (!d->GetFixed64(v)) return false;
      } else if (!d->GetVarsint64(&k) || k <= -kMaxScaled || k >= kMaxScaled) {
        return false;
      } else {
        *v = FloatBits(static_cast<double>(k) / PowerOfTen(e));
      }
    }
    if (!d->GetFixed64(&s.fsum)) return false;
    const double lo = F(s.min), hi = F(s.max), first = F(s.first), last = F(s.last);
    if (lo > hi || first < lo || first > hi || last < lo || last > hi) {
      return false;
    }
    *out = s;
    return true;
  }
  int64_t lo = 0, hi = 0, first = 0, last = 0;
  if (!d->GetVarsint64(&lo) || !d->GetVarsint64(&hi) || !d->GetVarsint64(&first) ||
      !d->GetVarsint64(&last) || !GetVarsint128(d, &s.isum) || !GetVarsint128(d, &s.min_prefix) ||
      !GetVarsint128(d, &s.max_prefix)) {
    return false;
  }
  const Int128 n = static_cast<Int128>(rows);
  if (lo > hi || first < lo || first > hi || last < lo || last > hi ||
      (type == ValueType::kBool && (lo < 0 || hi > 1)) || s.min_prefix > s.max_prefix ||
      s.isum < s.min_prefix || s.isum > s.max_prefix || s.isum < n * lo || s.isum > n * hi ||
      s.min_prefix < n * std::min<Int128>(lo, 0) || s.max_prefix > n * std::max<Int128>(hi, 0)) {
    return false;
  }
  s.min = static_cast<uint64_t>(lo);
  s.max = static_cast<uint64_t>(hi);
  s.first = static_cast<uint64_t>(first);
  s.last = static_cast<uint64_t>(last);
  *out = s;
  return true;
}

}  // namespace strata
