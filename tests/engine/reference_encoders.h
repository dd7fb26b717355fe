// The encoders of segment format 2 as main wrote them before issue 19's ingest work (commit 11113db:
// bit_packing.cc's PackBits, int_sequence_codec.cc's planner and encoders, float_transforms.cc's
// DecimalExponent and EncodeXor, float_codec.cc's EncodeFloats, column_codec.cc's time and value
// column encoders), their logic kept unchanged as the oracle of codec_planner_test.cc: the engine's faster
// encoders must write exactly these bytes. Test-only; never change it to follow the engine (a
// change of format is a new format version, with its own fixtures). Format 5 (`rice` = true below)
// adds one candidate, the Rice form (written plainly bit by bit), to the same planner, and time
// columns without their first time; with `rice` false every function is format 2's, unchanged.
// Stateless: thread-safe.
#pragma once

#include <zlib.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "coding.h"
#include "float_transforms.h"
#include "packed_codec.h"
#include "point.h"
#include "segment_format.h"

namespace strata::reference {

inline int BitWidth(uint64_t v) { return v == 0 ? 0 : 64 - std::countl_zero(v); }

inline size_t PackedBytes(size_t n, int width) { return (n * static_cast<size_t>(width) + 7) / 8; }

inline void PackBits(const uint64_t* v, size_t n, int width, std::string* out) {
  if (width == 0 || n == 0) return;
  const size_t start = out->size();
  out->resize(start + PackedBytes(n, width), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out->data() + start);
  size_t bit = 0;
  for (size_t i = 0; i < n; i++, bit += static_cast<size_t>(width)) {
    uint64_t x = v[i];
    size_t byte = bit >> 3;
    int shift = static_cast<int>(bit & 7);
    int left = width;
    p[byte++] |= static_cast<unsigned char>(x << shift);
    int done = 8 - shift;
    while (done < left) {
      p[byte++] = static_cast<unsigned char>(x >> done);
      done += 8;
    }
  }
}

inline size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

inline uint64_t Sub(int64_t a, int64_t b) {
  return static_cast<uint64_t>(a) - static_cast<uint64_t>(b);
}

enum class Form : uint8_t { kConstant = 0, kFor = 1, kRuns = 2, kPatched = 3, kRice = 4 };

struct Plan {
  Form form = Form::kConstant;
  int64_t base = 0;
  int width = 0;
  size_t runs = 0;
  size_t bytes = 0;
};

inline size_t RunsSize(const int64_t* v, size_t n, size_t* runs) {
  size_t bytes = 1, r = 0;
  int64_t prev = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && v[j] == v[i]) j++;
    bytes += VarintSize(ZigZag(static_cast<int64_t>(Sub(v[i], prev)))) + VarintSize(j - i - 1);
    prev = v[i];
    r++;
    i = j;
  }
  *runs = r;
  return bytes + VarintSize(r);
}

inline size_t PatchBytes(const int64_t* v, size_t n, int64_t base, int width, size_t* patches) {
  size_t bytes = 0, p = 0;
  size_t prev = static_cast<size_t>(-1);
  for (size_t i = 0; i < n; i++) {
    const uint64_t high = Sub(v[i], base) >> width;
    if (high == 0) continue;
    bytes += VarintSize(i - prev - 1) + VarintSize(high);
    prev = i;
    p++;
  }
  *patches = p;
  return bytes;
}

inline Plan PlanForBase(const int64_t* v, size_t n, int64_t base) {
  std::array<size_t, 65> hist{};
  for (size_t i = 0; i < n; i++) hist[BitWidth(Sub(v[i], base))]++;
  int max_width = 64;
  while (max_width > 0 && hist[max_width] == 0) max_width--;
  const size_t head = 1 + VarintSize(ZigZag(base)) + 1;
  Plan plan;
  plan.base = base;
  plan.form = Form::kFor;
  plan.width = max_width;
  plan.bytes = head + PackedBytes(n, max_width);
  std::array<int, 65> widths{};
  size_t distinct = 0;
  for (int x = max_width; x >= 0; x--) {
    if (hist[x] != 0) widths[distinct++] = x;
  }
  size_t above = 0, patch_bytes = 0;
  int best_w = max_width;
  size_t best_estimate = plan.bytes;
  for (int w = max_width - 1; w >= 0; w--) {
    above += hist[w + 1];
    patch_bytes = 0;
    for (size_t k = 0; k < distinct && widths[k] > w; k++) {
      patch_bytes += hist[widths[k]] * (2 + (widths[k] - w) / 7);
    }
    const size_t estimate = head + VarintSize(above) + PackedBytes(n, w) + patch_bytes;
    if (estimate < best_estimate) {
      best_estimate = estimate;
      best_w = w;
    }
  }
  if (best_w < max_width) {
    size_t patches = 0;
    const size_t pb = PatchBytes(v, n, base, best_w, &patches);
    const size_t bytes = head + VarintSize(patches) + PackedBytes(n, best_w) + pb;
    if (bytes < plan.bytes) {
      plan.form = Form::kPatched;
      plan.width = best_w;
      plan.bytes = bytes;
    }
  }
  return plan;
}

// The Rice codes of rice_coding.h: low parts packed, quotients in unary one bit at a time, then
// the escapes.
inline void PutRiceCodesPlainly(const int64_t* v, size_t n, int64_t base, int k,
                                std::string* out) {
  std::vector<uint64_t> z(n), low(n);
  for (size_t i = 0; i < n; i++) {
    z[i] = ZigZag(static_cast<int64_t>(Sub(v[i], base)));
    low[i] = k == 0 ? 0 : z[i] & ((uint64_t{1} << k) - 1);
  }
  PackBits(low.data(), n, k, out);
  std::vector<bool> bits;
  for (size_t i = 0; i < n; i++) {
    const uint64_t q = z[i] >> k;
    for (uint64_t b = 0; b < std::min<uint64_t>(q, 32); b++) bits.push_back(false);
    bits.push_back(true);
  }
  for (size_t at = 0; at < bits.size(); at += 8) {
    unsigned char byte = 0;
    for (size_t b = 0; b < 8 && at + b < bits.size(); b++) byte |= bits[at + b] << b;
    out->push_back(static_cast<char>(byte));
  }
  for (size_t i = 0; i < n; i++) {
    if ((z[i] >> k) >= 32) PutVarint64(out, (z[i] >> k) - 32);
  }
}

// Format 5's Rice candidate (int_sequence_codec.h): base the midpoint, k from w - 4 to w - 2 for
// values spanning w bits, each k's size counted code by code.
inline Plan RicePlan(const int64_t* v, size_t n, int64_t lo, int64_t hi) {
  Plan plan;
  plan.form = Form::kRice;
  plan.base = static_cast<int64_t>(static_cast<uint64_t>(lo) + Sub(hi, lo) / 2);
  const int w = BitWidth(Sub(hi, lo));
  size_t best_bytes = ~size_t{0};
  for (int k = std::max(w - 4, 0); k <= w - 2; k++) {
    std::string codes;
    PutRiceCodesPlainly(v, n, plan.base, k, &codes);
    if (codes.size() < best_bytes) {
      best_bytes = codes.size();
      plan.width = k;
    }
  }
  plan.bytes = 1 + VarintSize(ZigZag(plan.base)) + 1 + best_bytes;
  return plan;
}

inline Plan MakePlan(const int64_t* v, size_t n, bool rice = false) {
  const int64_t lo = *std::min_element(v, v + n);
  const int64_t hi = *std::max_element(v, v + n);
  Plan plan;
  plan.base = lo;
  if (lo == hi) {
    plan.bytes = 1 + VarintSize(ZigZag(lo));
    return plan;
  }
  plan = PlanForBase(v, n, lo);
  if (n >= 16 && plan.width > 0) {
    std::vector<int64_t> sorted(v, v + n);
    const size_t most = std::min<size_t>(n / 8, 64);
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<ptrdiff_t>(most), sorted.end());
    std::sort(sorted.begin(), sorted.begin() + static_cast<ptrdiff_t>(most) + 1);
    for (size_t t = 1; t <= most; t = t < 4 ? t + 1 : t * 2) {
      if (sorted[t] == sorted[t - 1]) continue;
      const Plan candidate = PlanForBase(v, n, sorted[t]);
      if (candidate.bytes < plan.bytes) plan = candidate;
    }
  }
  size_t runs = 0;
  const size_t run_bytes = RunsSize(v, n, &runs);
  if (run_bytes < plan.bytes) {
    plan.form = Form::kRuns;
    plan.runs = runs;
    plan.bytes = run_bytes;
  }
  if (rice && n >= 8 && Sub(hi, lo) >= 2) {
    const Plan candidate = RicePlan(v, n, lo, hi);
    if (candidate.bytes + candidate.bytes / 32 < plan.bytes) plan = candidate;
  }
  return plan;
}

inline size_t IntSequenceSize(const int64_t* v, size_t n, bool rice = false) {
  return n == 0 ? 0 : MakePlan(v, n, rice).bytes;
}

inline void EncodeIntSequence(const int64_t* v, size_t n, std::string* out, bool rice = false) {
  if (n == 0) return;
  const Plan plan = MakePlan(v, n, rice);
  PutFixed8(out, static_cast<uint8_t>(plan.form));
  if (plan.form == Form::kRuns) {
    PutVarint64(out, plan.runs);
    int64_t prev = 0;
    for (size_t i = 0; i < n;) {
      size_t j = i + 1;
      while (j < n && v[j] == v[i]) j++;
      PutVarsint64(out, static_cast<int64_t>(Sub(v[i], prev)));
      PutVarint64(out, j - i - 1);
      prev = v[i];
      i = j;
    }
    return;
  }
  PutVarsint64(out, plan.base);
  if (plan.form == Form::kConstant) return;
  PutFixed8(out, static_cast<uint8_t>(plan.width));
  if (plan.form == Form::kRice) {
    PutRiceCodesPlainly(v, n, plan.base, plan.width, out);
    return;
  }
  std::vector<uint64_t> low(n);
  const uint64_t mask = plan.width == 64 ? ~uint64_t{0} : (uint64_t{1} << plan.width) - 1;
  for (size_t i = 0; i < n; i++) low[i] = Sub(v[i], plan.base) & mask;
  if (plan.form == Form::kFor) {
    PackBits(low.data(), n, plan.width, out);
    return;
  }
  size_t patches = 0;
  (void)PatchBytes(v, n, plan.base, plan.width, &patches);
  PutVarint64(out, patches);
  PackBits(low.data(), n, plan.width, out);
  size_t prev = static_cast<size_t>(-1);
  for (size_t i = 0; i < n; i++) {
    const uint64_t high = Sub(v[i], plan.base) >> plan.width;
    if (high == 0) continue;
    PutVarint64(out, i - prev - 1);
    PutVarint64(out, high);
    prev = i;
  }
}

inline void EncodeDifferenced(const int64_t* v, size_t n, std::string* out, bool rice = false) {
  constexpr int kMaxDifferenceOrder = 2;
  std::vector<int64_t> orders[kMaxDifferenceOrder + 1];
  orders[0].assign(v, v + n);
  int best = 0;
  size_t best_bytes = IntSequenceSize(v, n, rice);
  for (int k = 1; k <= kMaxDifferenceOrder && static_cast<size_t>(k) < n; k++) {
    orders[k].resize(n - k);
    for (size_t i = 0; i + 1 < n - k + 1; i++) {
      orders[k][i] = static_cast<int64_t>(Sub(orders[k - 1][i + 1], orders[k - 1][i]));
    }
    size_t bytes = IntSequenceSize(orders[k].data(), n - k, rice);
    for (int j = 0; j < k; j++) bytes += VarintSize(ZigZag(orders[j][0]));
    if (bytes < best_bytes) {
      best_bytes = bytes;
      best = k;
    }
  }
  PutFixed8(out, static_cast<uint8_t>(best));
  for (int j = 0; j < best; j++) PutVarsint64(out, orders[j][0]);
  EncodeIntSequence(orders[best].data(), n - best, out, rice);
}

// float_transforms.cc
inline int64_t RoundToInt(double r) { return static_cast<int64_t>(r < 0 ? r - 0.5 : r + 0.5); }

inline bool ScalesExactly(uint64_t bits, int e, int64_t* k) {
  const double r = BitsFloat(bits) * PowerOfTen(e);
  if (!(std::fabs(r) < 9.0e15)) return false;
  *k = RoundToInt(r);
  return FloatBits(static_cast<double>(*k) / PowerOfTen(e)) == bits;
}

inline int DecimalExponent(const uint64_t* bits, size_t n, int max_exponent,
                           std::vector<int64_t>* scaled) {
  scaled->resize(n);
  int64_t* k = scaled->data();
  int e = 0;
  size_t raised_at = 0;
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

inline void EncodeXor(const uint64_t* bits, size_t n, std::string* out) {
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

// float_codec.cc (format 2's decimal exponent bound: 10)
inline void EncodeFloats(const uint64_t* bits, size_t n, std::string* out, bool rice = false) {
  enum : uint8_t { kDecimal = 0, kXor = 1, kRaw = 2 };
  std::vector<int64_t> scaled;
  const int e = DecimalExponent(bits, n, 10, &scaled);
  std::string decimal;
  if (e >= 0) {
    PutFixed8(&decimal, kDecimal);
    PutFixed8(&decimal, static_cast<uint8_t>(e));
    EncodeDifferenced(scaled.data(), n, &decimal, rice);
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

// column_codec.cc
inline uint64_t CommonDivisor(const int64_t* t, size_t n) {
  uint64_t g = 0;
  for (size_t i = 1; i < n && g != 1; i++) {
    const uint64_t d = Sub(t[i], t[i - 1]);
    if (d > static_cast<uint64_t>(INT64_MAX)) return 1;
    g = std::gcd(g, d);
  }
  return g == 0 ? 1 : g;
}

inline void EncodeTimeColumn(const int64_t* t, size_t n, std::string* out, bool rice = false) {
  PutFixed8(out, rice ? 1 : 0);  // format 5's form 1 leaves t[0] to the index
  if (!rice) PutVarsint64(out, t[0]);
  const uint64_t g = CommonDivisor(t, n);
  PutVarint64(out, g);
  std::vector<int64_t> q(n - 1);
  for (size_t i = 1; i < n; i++) q[i - 1] = static_cast<int64_t>(Sub(t[i], t[i - 1]) / g);
  EncodeDifferenced(q.data(), n - 1, out, rice);
}

inline std::string DictionaryBody(const Column& col, size_t begin, size_t end, bool rice) {
  std::unordered_map<std::string_view, int64_t> codes;
  std::vector<int64_t> seq(end - begin);
  std::string entries;
  for (size_t i = begin; i < end; i++) {
    auto [it, added] = codes.try_emplace(col.strs[i], static_cast<int64_t>(codes.size()));
    if (added) PutLengthPrefixed(&entries, col.strs[i]);
    seq[i - begin] = it->second;
  }
  if (codes.size() == end - begin && end - begin > 1) return {};
  std::string body;
  PutVarint64(&body, codes.size());
  body.append(entries);
  EncodeIntSequence(seq.data(), seq.size(), &body, rice);
  return body;
}

inline void EncodeStrings(const Column& col, size_t begin, size_t end, std::string* out,
                          bool rice) {
  enum : uint8_t { kDictionary = 0, kPlain = 1, kZlib = 2 };
  constexpr size_t kMinZlibBytes = 64;
  std::string plain;
  for (size_t i = begin; i < end; i++) PutLengthPrefixed(&plain, col.strs[i]);
  std::string dict = DictionaryBody(col, begin, end, rice);
  const bool use_dict = !dict.empty() && dict.size() < plain.size();
  const std::string& body = use_dict ? dict : plain;
  const uint8_t inner = use_dict ? kDictionary : kPlain;
  if (body.size() >= kMinZlibBytes) {
    uLongf bound = compressBound(static_cast<uLong>(body.size()));
    std::string z(bound, '\0');
    if (compress2(reinterpret_cast<Bytef*>(z.data()), &bound,
                  reinterpret_cast<const Bytef*>(body.data()), static_cast<uLong>(body.size()),
                  Z_BEST_COMPRESSION) == Z_OK &&
        bound + 8 < body.size() && body.size() <= kMaxZlibRatio * bound) {
      PutFixed8(out, kZlib);
      PutFixed8(out, inner);
      PutVarint64(out, body.size());
      out->append(z.data(), bound);
      return;
    }
  }
  PutFixed8(out, inner);
  out->append(body);
}

inline void EncodeValueColumn(const Column& col, size_t begin, size_t end, std::string* out,
                              bool rice = false) {
  const size_t n = end - begin;
  switch (col.type) {
    case ValueType::kString:
      EncodeStrings(col, begin, end, out, rice);
      return;
    case ValueType::kFloat:
      PutFixed8(out, 0);
      EncodeFloats(col.nums.data() + begin, n, out, rice);
      return;
    case ValueType::kInt:
      PutFixed8(out, 0);
      EncodeDifferenced(reinterpret_cast<const int64_t*>(col.nums.data() + begin), n, out, rice);
      return;
    case ValueType::kBool:
      PutFixed8(out, 0);
      EncodeIntSequence(reinterpret_cast<const int64_t*>(col.nums.data() + begin), n, out, rice);
      return;
  }
}

}  // namespace strata::reference
