#include "float_transforms.h"

#include <bit>
#include <cmath>

#include "point.h"

namespace strata {
namespace {

constexpr double kPowersOfTen[kMaxPowerOfTen + 1] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5,
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

}  // namespace

double PowerOfTen(int e) { return kPowersOfTen[e]; }

// The exponent is raised as values need it, so it is the smallest that fits all of them; the
// values before the last raise are scaled again with the final exponent (-1 in the odd case
// where one of them does not fit it).
int DecimalExponent(const uint64_t* bits, size_t n, int max_exponent,
                    std::vector<int64_t>* scaled) {
  scaled->resize(n);
  int64_t* k = scaled->data();
  int e = 0;
  size_t raised_at = 0;  // values before it were scaled with a smaller exponent
  for (size_t i = 0; i < n; i++) {
    while (!ScalesExactly(bits[i], e, &k[i])) {
      if (++e > max_exponent) return -1;
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
  const size_t old = out->size();
  out->resize_and_overwrite(old + (n - 1) * 9, [&](char* buf, size_t) {
    char* p = buf + old;
    for (size_t i = 1; i < n; i++) {
      const uint64_t x = bits[i] ^ bits[i - 1];
      if (x == 0) {
        *p++ = static_cast<char>(0x80);
        continue;
      }
      const int lead = std::countl_zero(x) / 8;
      const int trail = std::countr_zero(x) / 8;
      *p++ = static_cast<char>(lead << 4 | trail);
      for (int b = 7 - lead; b >= trail; b--) *p++ = static_cast<char>(x >> (8 * b));
    }
    return static_cast<size_t>(p - buf);
  });
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
    if (x == 0 || std::countl_zero(x) / 8 != lead || std::countr_zero(x) / 8 != trail) {
      return false;
    }
    out[i] = out[i - 1] ^ x;
  }
  return true;
}

}  // namespace strata
