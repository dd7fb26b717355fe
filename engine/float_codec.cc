#include "float_codec.h"

#include <vector>

#include "float_transforms.h"
#include "int_sequence_codec.h"
#include "point.h"

namespace strata {
namespace {

enum FloatForm : uint8_t { kDecimal = 0, kXor = 1, kRaw = 2 };

}  // namespace

void EncodeFloats(const uint64_t* bits, size_t n, std::string* out) {
  std::vector<int64_t> scaled;
  const int e = DecimalExponent(bits, n, kMaxDecimalExponent, &scaled);
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
      const double p = PowerOfTen(e);
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
