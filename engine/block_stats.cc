#include "block_stats.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "float_transforms.h"
#include "segment_format.h"

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

namespace {

// Format 4's predictor of a FLOAT sum: the decimal-scaled sum ksum (the sum's k at exponent e)
// as a double, whose FloatBits differs from the stored sum's by a small correction.
uint64_t PredictedSum(Int128 ksum, int e) {
  return FloatBits(static_cast<double>(ksum) / PowerOfTen(e));
}

// The k nearest the double `sum` at exponent e, or 0 when it is not finite or too large (then
// the correction carries the whole sum).
Int128 ScaledSum(uint64_t sum_bits, int e) {
  const double x = F(sum_bits) * PowerOfTen(e);
  if (!(x > -1e36 && x < 1e36)) return 0;
  return static_cast<Int128>(std::nearbyint(x));
}

// Format 3's entry (segment_format.h).
void EncodeStatsV3(ValueType type, const BlockStats& s, std::string* out) {
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

// Format 4's entry: min, then max, first and last above min; sums relative to rows x min.
void EncodeStatsV4(ValueType type, uint64_t rows, const BlockStats& s, std::string* out) {
  const Int128 n = static_cast<Int128>(rows);
  if (type == ValueType::kFloat) {
    const uint64_t values[4] = {s.min, s.max, s.first, s.last};
    std::vector<int64_t> scaled;
    const int e = DecimalExponent(values, 4, kMaxPowerOfTen, &scaled);
    if (e < 0) {
      PutFixed8(out, kRawFloats);
      for (uint64_t v : values) PutFixed64(out, v);
      PutFixed64(out, s.fsum);
      return;
    }
    PutFixed8(out, static_cast<uint8_t>(e));
    const int64_t kmin = scaled[0];
    PutVarsint64(out, kmin);
    for (size_t i = 1; i < 4; i++) {
      PutVarint64(out, static_cast<uint64_t>(scaled[i]) - static_cast<uint64_t>(kmin));
    }
    const Int128 ksum = ScaledSum(s.fsum, e);
    PutVarsint128(out, static_cast<Int128>(static_cast<UInt128>(ksum) -
                                           static_cast<UInt128>(n * kmin)));
    PutVarsint64(out, static_cast<int64_t>(s.fsum - PredictedSum(ksum, e)));
    return;
  }
  const int64_t lo = static_cast<int64_t>(s.min);
  PutVarsint64(out, lo);
  for (uint64_t v : {s.max, s.first, s.last}) PutVarint64(out, v - s.min);
  PutVarsint128(out, s.isum - n * lo);
  PutVarsint128(out, s.isum - s.min_prefix);
  PutVarsint128(out, s.max_prefix - s.isum);
}

// Reads the four FLOAT values of either format; *e is the exponent byte, *scaled their k.
bool DecodeFloatValues(Decoder* d, uint32_t format, uint8_t* e, int64_t* scaled,
                       BlockStats* s) {
  if (!d->GetFixed8(e) || (*e > kMaxPowerOfTen && *e != kRawFloats)) return false;
  uint64_t* const values[4] = {&s->min, &s->max, &s->first, &s->last};
  for (int i = 0; i < 4; i++) {
    int64_t k = 0;
    if (*e == kRawFloats) {
      if (!d->GetFixed64(values[i])) return false;
      continue;
    }
    if (format == kSegmentFormatV3 || i == 0) {
      if (!d->GetVarsint64(&k)) return false;
    } else {
      // k = min + above stays below kMaxScaled (min is above -kMaxScaled: no wrap).
      uint64_t above = 0;
      if (!d->GetVarint64(&above) ||
          above >= static_cast<uint64_t>(kMaxScaled) - static_cast<uint64_t>(scaled[0])) {
        return false;
      }
      k = static_cast<int64_t>(static_cast<uint64_t>(scaled[0]) + above);
    }
    if (k <= -kMaxScaled || k >= kMaxScaled) return false;
    scaled[i] = k;
    *values[i] = FloatBits(static_cast<double>(k) / PowerOfTen(*e));
  }
  return true;
}

}  // namespace

void EncodeBlockStats(uint32_t format, ValueType type, uint64_t rows, const BlockStats& s,
                      std::string* out) {
  if (format == kSegmentFormatV3) {
    EncodeStatsV3(type, s, out);
  } else {
    EncodeStatsV4(type, rows, s, out);
  }
}

bool DecodeBlockStats(Decoder* d, uint32_t format, ValueType type, uint64_t rows,
                      BlockStats* out) {
  BlockStats s;
  const Int128 n = static_cast<Int128>(rows);
  if (type == ValueType::kFloat) {
    uint8_t e = 0;
    int64_t scaled[4] = {0, 0, 0, 0};
    if (!DecodeFloatValues(d, format, &e, scaled, &s)) return false;
    if (format == kSegmentFormatV3 || e == kRawFloats) {
      if (!d->GetFixed64(&s.fsum)) return false;
    } else {
      Int128 above = 0;
      int64_t correction = 0;
      if (!GetVarsint128(d, &above) || !d->GetVarsint64(&correction)) return false;
      const Int128 ksum = static_cast<Int128>(static_cast<UInt128>(n * scaled[0]) +
                                              static_cast<UInt128>(above));
      s.fsum = PredictedSum(ksum, e) + static_cast<uint64_t>(correction);
    }
    const double lo = F(s.min), hi = F(s.max), first = F(s.first), last = F(s.last);
    if (lo > hi || first < lo || first > hi || last < lo || last > hi) {
      return false;
    }
    *out = s;
    return true;
  }
  int64_t lo = 0, hi = 0, first = 0, last = 0;
  if (format == kSegmentFormatV3) {
    if (!d->GetVarsint64(&lo) || !d->GetVarsint64(&hi) || !d->GetVarsint64(&first) ||
        !d->GetVarsint64(&last) || !GetVarsint128(d, &s.isum) ||
        !GetVarsint128(d, &s.min_prefix) || !GetVarsint128(d, &s.max_prefix)) {
      return false;
    }
  } else {
    uint64_t above[3] = {0, 0, 0};
    Int128 sum_above = 0, below_sum = 0, above_sum = 0;
    if (!d->GetVarsint64(&lo) || !d->GetVarint64(&above[0]) || !d->GetVarint64(&above[1]) ||
        !d->GetVarint64(&above[2]) || !GetVarsint128(d, &sum_above) ||
        !GetVarsint128(d, &below_sum) || !GetVarsint128(d, &above_sum)) {
      return false;
    }
    // Each value lies in [lo, INT64_MAX]; the sums stay within +-2^75 or are refused below.
    constexpr Int128 kLimit = static_cast<Int128>(1) << 100;
    for (uint64_t a : above) {
      if (a > static_cast<uint64_t>(INT64_MAX) - static_cast<uint64_t>(lo)) return false;
    }
    if (sum_above < -kLimit || sum_above > kLimit || below_sum < -kLimit || below_sum > kLimit ||
        above_sum < -kLimit || above_sum > kLimit) {
      return false;
    }
    hi = static_cast<int64_t>(static_cast<uint64_t>(lo) + above[0]);
    first = static_cast<int64_t>(static_cast<uint64_t>(lo) + above[1]);
    last = static_cast<int64_t>(static_cast<uint64_t>(lo) + above[2]);
    s.isum = n * lo + sum_above;
    s.min_prefix = s.isum - below_sum;
    s.max_prefix = s.isum + above_sum;
  }
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
