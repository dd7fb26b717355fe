#include "float_codec.h"

#include <bit>
#include <cmath>
#include <vector>

#include "int_sequence_codec.h"
#include "point.h"

namespace strata {
namespace {

enum FloatForm : uint8_t { kDecimal = 0, kXor = 1, kRaw = 2 };

constexpr double kPowersOfTen[kMaxDecimalExponent + 1] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5,
                                                          1e6, 1e7, 1e8, 1e9, 1e10};

// Rounds r (|r| < 2^53) to a nearby integer; callers check that the result is exact.
inline int64_t RoundToInt(double r) { return static_cast<int64_t>(r < 0 ? r - 0.5 : r + 0.5); }

// Whether the double with these bits is (double)k / 10^e for an integer k (then *k is that k).
inline bool ScalesExactly(uint64_t bits, int e, int64_t* k) {
  const double r = BitsFloat(bits) * kPowersOfTen[e];
  if (!(std::fabs(r) < 9.0e15)) return false;
  *k = RoundToInt(r);
  return FloatBits(static_cast<double>(*k) / kPowersOfTen[e]) == bits;
}

// The smallest exponent e for which every value is (double)k / 10^e (the k in *scaled), or -1.
// The exponent is raised as values need it; the values before the last raise are scaled again.
int DecimalExponent(const uint64_t* bits, size_t n, std::vector<int64_t>* scaled) {
  scaled->resize(n);
  int64_t* k = scaled->data();
  int e = 0;
  size_t raised_at = 0;
  for (size_t i = 0; i < n; i++) {
    while (!ScalesExactly(bits[i], e, &k[i])) {
      if (++e > kMaxDecimalExponent) return -1;
      raised_at = i;
    }
  }
  for (size_t i = 0; i < raised_at; i++) {
    if (!ScalesExactly(bits[i], e, &k[i])) return -1;
  }
  return e;
}

void EncodeXor(const uint64_t* bits, size_t n, std::string* out) {
  PutFixed64(out, bits[0]);
  for (size_t i = 1; i < n; i++) {
    const uint64_t x = bits[i] ^ bits[i - 1];
    if (x == 0) {
      out->push_back(static_cast<char>(0x80));
      continue;
    }
    const int lead = std::countl_zero(x) / 8;
    const int trail = std::countr_zero(x) / 8;
    out->push_back(static_cast<char>(lead << 4 | trail));
    for (int b = 7 - lead; b >= trail; b--) out->push_back(static_cast<char>(x >> (8 * b)));
  }
}

bool DecodeXor(Decoder* d, size_t n, uint64_t* out) {
  if (!d->GetFixed64(&out[0])) return false;
  for (size_t i = 1; i < n; i++) {
    uint8_t control = 0;
    if (!d->GetFixed8(&control)) return false;
    if (control == 0x80) {
      out[i] = out[i - 1];
      continue;
    }
    const int lead = control >> 4, trail = control & 15;
    if (lead + trail >= 8) return false;
    std::string_view bytes;
    if (!d->GetBytes(static_cast<size_t>(8 - lead - trail), &bytes)) return false;
    uint64_t x = 0;
    for (char c : bytes) x = x << 8 | static_cast<uint8_t>(c);
    x <<= 8 * trail;
    // A canonical encoding: the counted zero bytes are the XOR's exactly (x != 0).
    if (x == 0 || std::countl_zero(x) / 8 != lead || std::countr_zero(x) / 8 != trail) {
      return false;
    }
    out[i] = out[i - 1] ^ x;
  }
  return true;
}

}  // namespace

void EncodeFloats(const uint64_t* bits, size_t n, std::string* out) {
  std::vector<int64_t> scaled;
  const int e = DecimalExponent(bits, n, &scaled);
  std::string decimal;
  if (e >= 0) {
    PutFixed8(&decimal, kDecimal);
    PutFixed8(&decimal, static_cast<uint8_t>(e));
    EncodeDifferenced(scaled.data(), n, &decimal);
  }
  std::string x;
  PutFixed8(&x, kXor);
  EncodeXor(bits, n, &x);
  const std::string* best = &x;
  if (e >= 0 && decimal.size() <= x.size()) best = &decimal;
  if (best->size() > 1 + 8 * n) {
    PutFixed8(out, kRaw);
    for (size_t i = 0; i < n; i++) PutFixed64(out, bits[i]);
    return;
  }
  out->append(*best);
}

bool DecodeFloats(Decoder* d, size_t n, uint64_t* out) {
  uint8_t form = 0;
  if (!d->GetFixed8(&form)) return false;
  switch (form) {
    case kDecimal: {
      uint8_t e = 0;
      if (!d->GetFixed8(&e) || e > kMaxDecimalExponent) return false;
      auto* k = reinterpret_cast<int64_t*>(out);
      if (!DecodeDifferenced(d, n, k)) return false;
      const double p = kPowersOfTen[e];
      for (size_t i = 0; i < n; i++) out[i] = FloatBits(static_cast<double>(k[i]) / p);
      return true;
    }
    case kXor:
      return DecodeXor(d, n, out);
    case kRaw:
      for (size_t i = 0; i < n; i++) {
        if (!d->GetFixed64(&out[i])) return false;
      }
      return true;
    default:
      return false;
  }
}

}  // namespace strata
