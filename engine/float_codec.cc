#include "float_codec.h"

#include <vector>

#include "float_transforms.h"
#include "int_sequence_codec.h"
#include "point.h"

namespace strata {
namespace {

enum FloatForm : uint8_t { kDecimal = 0, kXor = 1, kRaw = 2 };

// The smallest the XOR form of bits[0..n) can be, with its form byte: 1 + 8 bytes, then a control
// byte per later value and at least one more for each that differs from the one before.
size_t XorFormLowerBound(const uint64_t* bits, size_t n) {
  size_t changes = 0;
  for (size_t i = 1; i < n; i++) changes += bits[i] != bits[i - 1];
  return 1 + 8 + (n - 1) + changes;
}

}  // namespace

// The forms are written in place, one after the other, and the larger one removed: no buffer per
// form. The decimal form goes first; when it is no larger than the XOR form's lower bound, the
// XOR form is not written at all (the decimal form wins ties).
void EncodeFloats(const uint64_t* bits, size_t n, std::string* out, IntForms forms) {
  thread_local std::vector<int64_t> scaled;  // reused by each flush thread
  const int e = DecimalExponent(bits, n, kMaxDecimalExponent, &scaled);
  const size_t start = out->size();
  size_t best = 0;  // the chosen form's bytes, from start
  if (e >= 0) {
    PutFixed8(out, kDecimal);
    PutFixed8(out, static_cast<uint8_t>(e));
    EncodeDifferenced(scaled.data(), n, out, forms);
    best = out->size() - start;
  }
  if (e < 0 || best > XorFormLowerBound(bits, n)) {
    const size_t xor_start = out->size();
    PutFixed8(out, kXor);
    EncodeXor(bits, n, out);
    const size_t xor_bytes = out->size() - xor_start;
    if (e >= 0 && best <= xor_bytes) {
      out->resize(xor_start);  // the decimal form wins ties
    } else {
      out->erase(start, xor_start - start);
      best = xor_bytes;
    }
  }
  if (best > 1 + 8 * n) {
    out->resize(start);
    PutFixed8(out, kRaw);
    for (size_t i = 0; i < n; i++) PutFixed64(out, bits[i]);
  }
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
