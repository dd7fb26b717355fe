#include "int_sequence_codec.h"

#include <algorithm>
#include <array>
#include <vector>

#include "bit_packing.h"

namespace strata {
namespace {

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

uint64_t Sub(int64_t a, int64_t b) { return static_cast<uint64_t>(a) - static_cast<uint64_t>(b); }

// What the encoder decided for one sequence.
struct Plan {
  IntSequenceForm form = IntSequenceForm::kConstant;
  int64_t base = 0;
  int width = 0;
  size_t runs = 0;
  size_t bytes = 0;  // exact encoded size
};

size_t RunsSize(const int64_t* v, size_t n, size_t* runs) {
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

// Exact bytes of the patched form's patch list at `width`.
size_t PatchBytes(const int64_t* v, size_t n, int64_t base, int width, size_t* patches) {
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

// The frame-of-reference plan (patched or not) for values taken relative to `base`: values below
// the base wrap to 64-bit offsets and become patches, like the values wider than the width.
Plan PlanForBase(const int64_t* v, size_t n, int64_t base) {
  std::array<size_t, 65> hist{};
  for (size_t i = 0; i < n; i++) hist[BitWidth(Sub(v[i], base))]++;
  int max_width = 64;
  while (max_width > 0 && hist[max_width] == 0) max_width--;
  const size_t head = 1 + VarintSize(ZigZag(base)) + 1;
  Plan plan;
  plan.base = base;
  plan.form = IntSequenceForm::kFor;
  plan.width = max_width;
  plan.bytes = head + PackedBytes(n, max_width);
  // Patched candidates: values wider than w become patches of about 2 + (width - w) / 7 bytes.
  // Only the widths that occur are summed over: a short block (blocks are cut at aligned times)
  // must not pay 64 x 64 steps per plan.
  std::array<int, 65> widths{};  // the widths that occur, descending
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
      plan.form = IntSequenceForm::kPatched;
      plan.width = best_w;
      plan.bytes = bytes;
    }
  }
  return plan;
}

Plan MakePlan(const int64_t* v, size_t n) {
  const int64_t lo = *std::min_element(v, v + n);
  const int64_t hi = *std::max_element(v, v + n);
  Plan plan;
  plan.base = lo;
  if (lo == hi) {
    plan.bytes = 1 + VarintSize(ZigZag(lo));
    return plan;
  }
  plan = PlanForBase(v, n, lo);
  // A few low outliers (a counter's reset, a negative spike) would widen every value measured
  // from the minimum: also try bases above the lowest few values, which then become patches.
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
    plan.form = IntSequenceForm::kRuns;
    plan.runs = runs;
    plan.bytes = run_bytes;
  }
  return plan;
}

}  // namespace

size_t IntSequenceSize(const int64_t* v, size_t n) { return n == 0 ? 0 : MakePlan(v, n).bytes; }

void EncodeIntSequence(const int64_t* v, size_t n, std::string* out) {
  if (n == 0) return;
  const Plan plan = MakePlan(v, n);
  PutFixed8(out, static_cast<uint8_t>(plan.form));
  if (plan.form == IntSequenceForm::kRuns) {
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
  if (plan.form == IntSequenceForm::kConstant) return;
  PutFixed8(out, static_cast<uint8_t>(plan.width));
  std::vector<uint64_t> low(n);
  const uint64_t mask = plan.width == 64 ? ~uint64_t{0} : (uint64_t{1} << plan.width) - 1;
  for (size_t i = 0; i < n; i++) low[i] = Sub(v[i], plan.base) & mask;
  if (plan.form == IntSequenceForm::kFor) {
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

namespace {

bool DecodeRuns(Decoder* d, size_t n, int64_t* out) {
  uint64_t runs = 0;
  if (!d->GetVarint64(&runs) || runs == 0 || runs > n) return false;
  size_t at = 0;
  uint64_t value = 0;
  for (uint64_t r = 0; r < runs; r++) {
    int64_t delta = 0;
    uint64_t len = 0;
    if (!d->GetVarsint64(&delta) || !d->GetVarint64(&len) || len >= n - at) return false;
    value += static_cast<uint64_t>(delta);
    std::fill(out + at, out + at + len + 1, static_cast<int64_t>(value));
    at += len + 1;
  }
  return at == n;
}

// Reads the bit-packed low parts of the frame-of-reference forms into out (as u64).
bool GetPacked(Decoder* d, size_t n, int width, int64_t* out) {
  const size_t bytes = PackedBytes(n, width);
  std::string_view packed;
  if (!d->GetBytes(bytes, &packed)) return false;
  UnpackBits(packed.data(), n, width, reinterpret_cast<uint64_t*>(out));
  return true;
}

}  // namespace

bool DecodeIntSequence(Decoder* d, size_t n, int64_t* out) {
  if (n == 0) return true;
  uint8_t form = 0;
  if (!d->GetFixed8(&form)) return false;
  if (form == static_cast<uint8_t>(IntSequenceForm::kRuns)) return DecodeRuns(d, n, out);
  int64_t base = 0;
  if (form > static_cast<uint8_t>(IntSequenceForm::kPatched) || !d->GetVarsint64(&base)) {
    return false;
  }
  if (form == static_cast<uint8_t>(IntSequenceForm::kConstant)) {
    std::fill(out, out + n, base);
    return true;
  }
  uint8_t width = 0;
  if (!d->GetFixed8(&width) || width > 64) return false;
  uint64_t patches = 0;
  const bool patched = form == static_cast<uint8_t>(IntSequenceForm::kPatched);
  if (patched && (width > 63 || !d->GetVarint64(&patches) || patches == 0 || patches > n)) {
    return false;
  }
  if (!GetPacked(d, n, width, out)) return false;
  auto* u = reinterpret_cast<uint64_t*>(out);
  if (patched) {
    size_t index = static_cast<size_t>(-1);
    for (uint64_t k = 0; k < patches; k++) {
      uint64_t gap = 0, high = 0;
      if (!d->GetVarint64(&gap) || !d->GetVarint64(&high) || high == 0 ||
          gap >= n - (index + 1) || (width > 0 && (high >> (64 - width)) != 0)) {
        return false;
      }
      index += gap + 1;
      u[index] |= high << width;
    }
  }
  const uint64_t b = static_cast<uint64_t>(base);
  for (size_t i = 0; i < n; i++) u[i] += b;
  return true;
}

namespace {

constexpr int kMaxDifferenceOrder = 2;

// d[i] = v[i + 1] - v[i], wrapping, for i < n - 1.
void Difference(const int64_t* v, size_t n, int64_t* d) {
  for (size_t i = 0; i + 1 < n; i++) d[i] = static_cast<int64_t>(Sub(v[i + 1], v[i]));
}

}  // namespace

void EncodeDifferenced(const int64_t* v, size_t n, std::string* out) {
  // orders[k] holds the differences of order k (n - k values).
  std::vector<int64_t> orders[kMaxDifferenceOrder + 1];
  orders[0].assign(v, v + n);
  int best = 0;
  size_t best_bytes = IntSequenceSize(v, n);
  for (int k = 1; k <= kMaxDifferenceOrder && static_cast<size_t>(k) < n; k++) {
    orders[k].resize(n - k);
    Difference(orders[k - 1].data(), n - k + 1, orders[k].data());
    size_t bytes = IntSequenceSize(orders[k].data(), n - k);
    for (int j = 0; j < k; j++) bytes += VarintSize(ZigZag(orders[j][0]));
    if (bytes < best_bytes) {
      best_bytes = bytes;
      best = k;
    }
  }
  PutFixed8(out, static_cast<uint8_t>(best));
  for (int j = 0; j < best; j++) PutVarsint64(out, orders[j][0]);
  EncodeIntSequence(orders[best].data(), n - best, out);
}

bool DecodeDifferenced(Decoder* d, size_t n, int64_t* out) {
  uint8_t order = 0;
  if (!d->GetFixed8(&order) || order > kMaxDifferenceOrder || (order != 0 && order >= n)) {
    return false;
  }
  int64_t first[kMaxDifferenceOrder] = {};
  for (int j = 0; j < order; j++) {
    if (!d->GetVarsint64(&first[j])) return false;
  }
  // The differences of the highest order land at out[order..n); each integration step turns the
  // tail from order k into order k - 1, with first[k - 1] in front.
  if (!DecodeIntSequence(d, n - order, out + order)) return false;
  auto* u = reinterpret_cast<uint64_t*>(out);
  for (int k = order; k >= 1; k--) {
    u[k - 1] = static_cast<uint64_t>(first[k - 1]);
    for (size_t i = static_cast<size_t>(k); i < n; i++) u[i] += u[i - 1];
  }
  return true;
}

}  // namespace strata
