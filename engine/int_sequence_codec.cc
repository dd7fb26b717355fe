#include "int_sequence_codec.h"

#include <algorithm>
#include <array>
#include <optional>
#include <vector>

#include "bit_packing.h"
#include "rice_coding.h"

namespace strata {
namespace {

uint64_t Sub(int64_t a, int64_t b) { return static_cast<uint64_t>(a) - static_cast<uint64_t>(b); }

// What the encoder decided for one sequence: enough to write it without planning again.
struct Plan {
  IntSequenceForm form = IntSequenceForm::kConstant;
  int64_t base = 0;
  int width = 0;       // kFor, kPatched: the bit width; kRice: the parameter k
  size_t runs = 0;     // kRuns: the number of runs
  size_t patches = 0;  // kPatched: the number of patches
  size_t bytes = 0;    // exact encoded size
};

size_t RunsSize(const int64_t* v, size_t n, size_t* runs) {
  size_t bytes = 1, r = 0;
  int64_t prev = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && v[j] == v[i]) j++;
    bytes += VarintLength(ZigZag(static_cast<int64_t>(Sub(v[i], prev)))) + VarintLength(j - i - 1);
    prev = v[i];
    r++;
    i = j;
  }
  *runs = r;
  return bytes + VarintLength(r);
}

// VarintLength without a loop or branch, for the loop below.
size_t VarintSizeOf(uint64_t v) { return static_cast<size_t>(BitWidth(v | 1) + 6) / 7; }

// Exact bytes of the patched form's patch list at `width` (< 64), of which `expected` patches
// (the histogram's count of wider values). Few patches take a branch per value, which then
// predicts well; many take none (which values are patches follows the data).
size_t PatchBytes(const int64_t* v, size_t n, int64_t base, int width, size_t expected,
                  size_t* patches) {
  size_t bytes = 0, p = 0;
  size_t prev = static_cast<size_t>(-1);
  if (expected * 8 < n) {
    for (size_t i = 0; i < n; i++) {
      const uint64_t high = Sub(v[i], base) >> width;
      if (high == 0) continue;
      bytes += VarintLength(i - prev - 1) + VarintLength(high);
      prev = i;
      p++;
    }
  } else {
    for (size_t i = 0; i < n; i++) {
      const uint64_t high = Sub(v[i], base) >> width;
      const size_t is_patch = high != 0;
      bytes += is_patch * (VarintSizeOf(i - prev - 1) + VarintSizeOf(high));
      p += is_patch;
      prev = is_patch ? i : prev;
    }
  }
  *patches = p;
  return bytes;
}

// hist[x] = the number of values whose offset from the base is x bits wide.
using WidthHistogram = std::array<size_t, 65>;

// The planners below take a `limit`: a plan of fewer bytes than `limit` is exact; one of `limit`
// bytes or more may come back as any plan of at least `limit` bytes (the caller only needs to know
// that it loses), so that candidates which cannot come under the limit are not sized. Among
// candidates the first smallest wins, so a candidate that cannot be smaller than both the best so
// far and the limit may be skipped without changing an exact result.
constexpr size_t kNoLimit = ~size_t{0};

// The fewest values the Rice form is sized for (int_sequence_codec.h).
constexpr size_t kMinRiceValues = 8;

// A Rice-coded column decodes at about 0.7x the speed of a bit-packed one: the form wins only when
// the other forms take more than this many bytes, a 32nd more than it (int_sequence_codec.h).
size_t RiceMargin(size_t rice_bytes) { return rice_bytes + rice_bytes / 32; }

// The frame-of-reference plan (patched or not) for values taken relative to `base`, given their
// width histogram: values below the base wrap to 64-bit offsets and become patches, like the
// values wider than the width.
Plan PlanFromHistogram(const int64_t* v, size_t n, int64_t base, const WidthHistogram& hist,
                       size_t limit) {
  int max_width = 64;
  while (max_width > 0 && hist[max_width] == 0) max_width--;
  const size_t head = 1 + VarintLength(ZigZag(base)) + 1;
  Plan plan;
  plan.base = base;
  plan.form = IntSequenceForm::kFor;
  plan.width = max_width;
  plan.bytes = head + PackedBytes(n, max_width);
  // Patched candidates: values wider than w become patches of about 2 + (width - w) / 7 bytes.
  // The sum is carried from w + 1 to w: each value wider than w + 1 adds a byte when (its width
  // - w) reaches a multiple of 7, so the histogram is also summed by width modulo 7.
  size_t above = 0, patch_bytes = 0;
  std::array<size_t, 7> above_by_residue{};  // counts of widths > w + 1, by width % 7
  int best_w = max_width;
  size_t best_estimate = plan.bytes;
  for (int w = max_width - 1; w >= 0; w--) {
    above += hist[w + 1];
    patch_bytes += 2 * hist[w + 1] + above_by_residue[static_cast<size_t>(w % 7)];
    above_by_residue[static_cast<size_t>((w + 1) % 7)] += hist[w + 1];
    const size_t estimate = head + VarintLength(above) + PackedBytes(n, w) + patch_bytes;
    if (estimate < best_estimate) {
      best_estimate = estimate;
      best_w = w;
    }
  }
  if (best_w < max_width) {
    // The patched form's size has a lower bound from the histogram: its patches are the values
    // wider than best_w, each an index gap (a byte at least) and a high part of x - best_w bits.
    size_t expected = 0, lower = head + PackedBytes(n, best_w);
    for (int x = best_w + 1; x <= max_width; x++) {
      expected += hist[x];
      lower += hist[x] * (1 + VarintLength(uint64_t{1} << (x - best_w - 1)));
    }
    lower += VarintLength(expected);
    // The limit only rules out a patched form of a non-zero width: at width 0, whether the
    // patched form wins decides whether MakePlan tries other bases.
    if (lower >= (best_w > 0 ? std::min(plan.bytes, limit) : plan.bytes)) return plan;
    size_t patches = 0;
    const size_t pb = PatchBytes(v, n, base, best_w, expected, &patches);
    const size_t bytes = head + VarintLength(patches) + PackedBytes(n, best_w) + pb;
    if (bytes < plan.bytes) {
      plan.form = IntSequenceForm::kPatched;
      plan.width = best_w;
      plan.patches = patches;
      plan.bytes = bytes;
    }
  }
  return plan;
}

Plan PlanForBase(const int64_t* v, size_t n, int64_t base, size_t limit) {
  // Four histograms, summed at the end: most values share a width or two, and one histogram would
  // make each increment wait for the previous one's store.
  WidthHistogram part[4] = {};
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    part[0][BitWidth(Sub(v[i], base))]++;
    part[1][BitWidth(Sub(v[i + 1], base))]++;
    part[2][BitWidth(Sub(v[i + 2], base))]++;
    part[3][BitWidth(Sub(v[i + 3], base))]++;
  }
  for (; i < n; i++) part[0][BitWidth(Sub(v[i], base))]++;
  for (size_t x = 0; x < part[0].size(); x++) part[0][x] += part[1][x] + part[2][x] + part[3][x];
  return PlanFromHistogram(v, n, base, part[0], limit);
}

// A finer histogram of the offsets from the minimum: offsets 0..7 exactly, then each power of two
// [2^(k-1), 2^k) cut in 8 buckets by the 3 bits below the top one. It gives the width histogram,
// and bounds the size of the plans for bases above the minimum (BaseAboveMinimumCannotWin)
// without a pass over the values for each.
class OffsetHistogram {
 public:
  static constexpr size_t kBuckets = 8 + 61 * 8;

  static size_t Bucket(uint64_t x) {
    if (x < 8) return static_cast<size_t>(x);
    const int k = BitWidth(x);  // 4..64
    return 8 + static_cast<size_t>(k - 4) * 8 + static_cast<size_t>((x >> (k - 4)) & 7);
  }
  // The smallest offset of bucket b; b == kBuckets gives 0 (2^64 wrapped), see Upper.
  static uint64_t Lower(size_t b) {
    if (b < 8) return b;
    const size_t k = (b - 8) / 8 + 4;
    return (8 + (b - 8) % 8) << (k - 4);
  }
  // The largest offset of bucket b.
  static uint64_t Upper(size_t b) { return b + 1 == kBuckets ? ~uint64_t{0} : Lower(b + 1) - 1; }

  // REQUIRES: every v[i] >= base and v[i] - base <= span.
  OffsetHistogram(const int64_t* v, size_t n, int64_t base, uint64_t span)
      : top_(Bucket(span) + 1) {
    // Only the buckets up to the span's are used: a narrow block clears and sums a few dozen.
    // Counted in four interleaved parts, as PlanForBase does, then summed.
    std::array<size_t, kBuckets> part[3];
    for (auto* c : {&count_, &part[0], &part[1], &part[2]}) {
      std::fill(c->begin(), c->begin() + static_cast<ptrdiff_t>(top_), 0);
    }
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
      count_[Bucket(Sub(v[i], base))]++;
      part[0][Bucket(Sub(v[i + 1], base))]++;
      part[1][Bucket(Sub(v[i + 2], base))]++;
      part[2][Bucket(Sub(v[i + 3], base))]++;
    }
    for (; i < n; i++) count_[Bucket(Sub(v[i], base))]++;
    for (size_t b = 0; b < top_; b++) count_[b] += part[0][b] + part[1][b] + part[2][b];
    size_t sum = 0;
    at_least_[top_] = 0;
    for (size_t b = top_; b-- > 0;) {
      sum += count_[b];
      at_least_[b] = sum;
    }
  }

  WidthHistogram Widths() const {
    WidthHistogram hist{};
    // Buckets 0..7 hold the offsets 0..7; the 8 buckets of width k (>= 4) follow from bucket 8.
    for (size_t b = 0; b < top_ && b < 8; b++) hist[BitWidth(b)] += count_[b];
    for (size_t b = 8; b < top_; b++) hist[(b - 8) / 8 + 4] += count_[b];
    return hist;
  }

  // A lower bound of the number of offsets >= x: those in the buckets that lie wholly at or
  // above x.
  size_t CountAtLeast(uint64_t x) const {
    size_t b = Bucket(x);
    if (Lower(b) < x) b++;
    return b < top_ ? at_least_[b] : 0;
  }

  // The bucket holding the offset of rank r (0 = the smallest): the first bucket b with more
  // than r offsets in buckets 0..b. REQUIRES: r < n.
  size_t BucketOfRank(size_t r) const {
    const size_t n = at_least_[0];
    const auto first = at_least_.begin() + 1;
    return static_cast<size_t>(
        std::partition_point(first, first + static_cast<ptrdiff_t>(top_),
                             [&](size_t above) { return above >= n - r; }) -
        first);
  }

 private:
  size_t top_;                                // buckets [top_, kBuckets) are empty
  std::array<size_t, kBuckets> count_;        // [0, top_) in use
  std::array<size_t, kBuckets + 1> at_least_;  // at_least_[b]: offsets in buckets b..top_ - 1
};

// The smallest zigzag varint of an int64 in [a, c].
size_t SmallestVarintIn(int64_t a, int64_t c) {
  if (a <= 0 && c >= 0) return 1;
  return VarintLength(a > 0 ? ZigZag(a) : ZigZag(c));
}

// Whether the plan for the base b = the value of rank t (t values lie below it; its offset from
// the minimum lo is somewhere in the bucket of rank t) is certainly not smaller than `bytes`. A
// lower bound of its size: the t values below b wrap to offsets of at least 2^63 (when b - lo <=
// 2^63), so the frame of reference takes 64 bits a value, and the patched form at width w pays
// for them at least 1 + varint(2^(63 - w)) bytes each; each value at least 2^w + (b - lo) above lo
// is a patch too, of at least 1 + varint((its offset from lo - (b - lo)) >> w) bytes (its offset
// taken as the lowest of its histogram bucket, or of its width); plus the header, the patch count
// and the packed low parts.
//
// The widths are bounded from the widest that may win down: the bound at w without its packed
// low parts and its varints beyond a byte (the wrapped values' patches and 2 bytes a value at or
// above the threshold) bounds every narrower width too, as neither term shrinks when w does, so
// the narrower widths are ruled out together once it reaches `bytes`.
bool BaseAboveMinimumCannotWin(const OffsetHistogram& fine, const WidthHistogram& widths,
                               int max_width, size_t n, int64_t lo, int64_t hi, size_t t,
                               size_t bytes) {
  const size_t bucket = fine.BucketOfRank(t);
  const uint64_t d_high = OffsetHistogram::Upper(bucket);  // b - lo <= d_high
  const uint64_t d_low = std::max<uint64_t>(OffsetHistogram::Lower(bucket), 1);
  if (d_high > uint64_t{1} << 63) return false;  // the values below b may not wrap that far
  const int64_t b_low = static_cast<int64_t>(static_cast<uint64_t>(lo) + d_low);
  const int64_t b_high =
      Sub(hi, lo) <= d_high ? hi : static_cast<int64_t>(static_cast<uint64_t>(lo) + d_high);
  const size_t head = 1 + SmallestVarintIn(b_low, b_high) + 1;
  if (head + PackedBytes(n, 64) < bytes) return false;
  // The widths below `top` may pack under `bytes`; from `top` up none does.
  int top = 0;
  while (top < 64 && head + 1 + PackedBytes(n, top) < bytes) top++;
  for (int w = top - 1; w >= 0; w--) {
    size_t patch_bytes = t * (1 + VarintSizeOf(uint64_t{1} << (63 - w)));
    const uint64_t step = uint64_t{1} << w;
    size_t wide_bytes = 0;  // the varints' bytes beyond the first
    if (step <= ~uint64_t{0} - d_high) {
      const uint64_t threshold = step + d_high;  // offsets from lo at or above it are patches
      patch_bytes += 2 * fine.CountAtLeast(threshold);
      // The widths that lie wholly above the threshold: their high parts' varints beyond 1 byte
      // (only a high part of 8 bits or more, from a width of w + 8 or more, takes 2 bytes).
      for (int k = max_width; k >= w + 8 && (uint64_t{1} << (k - 1)) >= threshold; k--) {
        wide_bytes += widths[k] * (VarintSizeOf(((uint64_t{1} << (k - 1)) - d_high) >> w) - 1);
      }
    }
    if (head + 1 + PackedBytes(n, w) + patch_bytes + wide_bytes < bytes) return false;
    if (head + 1 + patch_bytes >= bytes) return true;  // and so for every narrower w
  }
  return true;
}

// The `most` + 1 smallest values, sorted, in *smallest: the bases the planner tries above the
// minimum lo are among them. Only the values in the histogram's buckets up to that of rank `most`
// are selected from (usually a few more than `most`).
void SmallestValues(const int64_t* v, size_t n, int64_t lo, const OffsetHistogram& fine,
                    size_t most, std::vector<int64_t>* smallest) {
  const uint64_t upper = OffsetHistogram::Upper(fine.BucketOfRank(most));
  smallest->resize(n);
  int64_t* out = smallest->data();
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {  // without a branch: which values qualify follows the data
    out[k] = v[i];
    k += Sub(v[i], lo) <= upper;
  }
  smallest->resize(k);
  std::nth_element(smallest->begin(), smallest->begin() + static_cast<ptrdiff_t>(most),
                   smallest->end());
  std::sort(smallest->begin(), smallest->begin() + static_cast<ptrdiff_t>(most) + 1);
}

// The minimum, maximum and number of runs of a sequence: what MakePlan starts from.
struct SequenceShape {
  int64_t lo = 0;
  int64_t hi = 0;
  size_t runs = 0;
};

// The shape of v[0..n) (n >= 1) in one pass, in two interleaved halves (each minimum and maximum
// waits on the previous one's compare).
SequenceShape ShapeOf(const int64_t* v, size_t n) {
  int64_t lo = v[0], hi = v[0], lo2 = v[0], hi2 = v[0];
  size_t changes = 0, changes2 = 0;
  size_t i = 1;
  for (; i + 2 <= n; i += 2) {
    lo = std::min(lo, v[i]);
    hi = std::max(hi, v[i]);
    changes += v[i] != v[i - 1];
    lo2 = std::min(lo2, v[i + 1]);
    hi2 = std::max(hi2, v[i + 1]);
    changes2 += v[i + 1] != v[i];
  }
  for (; i < n; i++) {
    lo = std::min(lo, v[i]);
    hi = std::max(hi, v[i]);
    changes += v[i] != v[i - 1];
  }
  return {std::min(lo, lo2), std::max(hi, hi2), changes + changes2 + 1};
}

// The Rice plan of v[0..n) (int_sequence_codec.h: base, parameter), exact below `limit`; a plan
// of `limit` bytes or more otherwise. REQUIRES: n >= 1, lo < hi.
Plan PlanRice(const int64_t* v, size_t n, const SequenceShape& shape, size_t limit) {
  Plan plan;
  plan.form = IntSequenceForm::kRice;
  plan.base = static_cast<int64_t>(static_cast<uint64_t>(shape.lo) + Sub(shape.hi, shape.lo) / 2);
  const int64_t base = plan.base;
  const size_t head = 1 + VarintLength(ZigZag(base)) + 1;
  // A bell-shaped spread of n values spans 4 to 6 of its standard deviations, and suits about
  // k = log2(its deviation): 2 to 4 below the span's width (int_sequence_codec.h).
  const int width = BitWidth(Sub(shape.hi, shape.lo));  // 2..64
  const int first = std::max(width - 4, 0);
  const int last = width - 2;
  // Every code takes k + 1 bits at least.
  if (head + PackedBytes(n, first + 1) >= limit) {
    plan.bytes = std::max(limit, head + PackedBytes(n, first + 1));
    return plan;
  }
  // Without escapes the quotients take n + (the sum of z >> k) bits: three sums of shifts, with
  // no branch. An escape at the smallest k (a quotient reaching kRiceEscape sets a bit of `high`)
  // sends the sizing to a pass that counts each quotient and escape.
  size_t bytes[3] = {};
  uint64_t q0 = 0, q1 = 0, q2 = 0, high = 0;
  const int k1 = std::min(first + 1, last), k2 = last;
  for (size_t i = 0; i < n; i++) {
    const uint64_t z = ZigZag(static_cast<int64_t>(Sub(v[i], base)));
    q0 += z >> first;
    q1 += z >> k1;
    q2 += z >> k2;
    high |= z >> first;
  }
  if (high < kRiceEscape) {
    bytes[0] = RiceBytes(n, first, n + q0, 0);
    bytes[k1 - first] = RiceBytes(n, k1, n + q1, 0);
    bytes[k2 - first] = RiceBytes(n, k2, n + q2, 0);
  } else {
    for (int k = first; k <= last; k++) {
      size_t quotient_bits = 0, escape_bytes = 0;
      for (size_t i = 0; i < n; i++) {
        const uint64_t q = ZigZag(static_cast<int64_t>(Sub(v[i], base))) >> k;
        quotient_bits += std::min<uint64_t>(q, kRiceEscape) + 1;
        if (q >= kRiceEscape) escape_bytes += VarintLength(q - kRiceEscape);
      }
      bytes[k - first] = RiceBytes(n, k, quotient_bits, escape_bytes);
    }
  }
  plan.width = first;
  size_t best = bytes[0];
  for (int k = first + 1; k <= last; k++) {
    if (bytes[k - first] < best) {
      best = bytes[k - first];
      plan.width = k;
    }
  }
  plan.bytes = head + best;
  return plan;
}

// The smallest encoding of v[0..n) in the forms before Rice: the frame of reference from the
// minimum or from a base above a few low outliers (patched or not), or runs; the first of equal
// sizes in that order. Bases and forms that a lower bound of their size rules out are not sized;
// exact below `limit` (see kNoLimit). `shape`: ShapeOf(v, n), lo < hi; `fine`: the offsets'
// histogram when n >= 16, else null.
Plan PlanWithoutRice(const int64_t* v, size_t n, const SequenceShape& shape,
                     const OffsetHistogram* fine, size_t limit) {
  const int64_t lo = shape.lo, hi = shape.hi;
  Plan plan;
  if (fine == nullptr) {
    plan = PlanForBase(v, n, lo, limit);
  } else {
    const WidthHistogram widths = fine->Widths();
    plan = PlanFromHistogram(v, n, lo, widths, limit);
    const int max_width = BitWidth(Sub(hi, lo));
    // A few low outliers (a counter's reset, a negative spike) would widen every value measured
    // from the minimum: also try bases above the lowest few values, which then become patches.
    if (plan.width > 0) {
      thread_local std::vector<int64_t> smallest;  // scratch, reused by each flush thread
      bool sorted = false;
      const size_t most = std::min<size_t>(n / 8, 64);
      for (size_t t = 1; t <= most; t = t < 4 ? t + 1 : t * 2) {
        if (BaseAboveMinimumCannotWin(*fine, widths, max_width, n, lo, hi, t,
                                      std::min(plan.bytes, limit))) {
          continue;
        }
        if (!sorted) {
          SmallestValues(v, n, lo, *fine, most, &smallest);
          sorted = true;
        }
        if (smallest[t] == smallest[t - 1]) continue;
        const Plan candidate = PlanForBase(v, n, smallest[t], limit);
        if (candidate.bytes < plan.bytes) plan = candidate;
      }
    }
  }
  // The runs form takes at least 2 bytes, then 2 a run: most sequences rule it out unsized.
  if (2 + 2 * shape.runs < std::min(plan.bytes, limit)) {
    size_t runs = 0;
    const size_t run_bytes = RunsSize(v, n, &runs);
    if (run_bytes < plan.bytes) {
      plan.form = IntSequenceForm::kRuns;
      plan.runs = runs;
      plan.bytes = run_bytes;
    }
  }
  return plan;
}

// The smallest encoding of v[0..n): the constant, PlanWithoutRice's forms, or (with
// IntForms::kFormat5) Rice codes, which win only when the others take more than RiceMargin of
// them. Exact below `limit` (see kNoLimit). `shape`: ShapeOf(v, n).
//
// Rice is sized first, as it usually wins on the noise it is tried on: the other forms then
// need only be planned under RiceMargin(its bytes) + 1, the sizes at which they still win, so
// that their candidates that cannot are not sized. That gives the same plan as sizing them
// first: a Rice plan under `limit` is exact, and the others come back exact at every size at
// which they win against it.
Plan MakePlan(const int64_t* v, size_t n, const SequenceShape& shape, size_t limit,
              IntForms forms) {
  const int64_t lo = shape.lo, hi = shape.hi;
  if (lo == hi) {
    Plan plan;
    plan.base = lo;
    plan.bytes = 1 + VarintLength(ZigZag(lo));
    return plan;
  }
  std::optional<OffsetHistogram> fine;
  if (n >= 16) fine.emplace(v, n, lo, Sub(hi, lo));
  const OffsetHistogram* offsets = fine ? &*fine : nullptr;
  if (forms != IntForms::kFormat5 || n < kMinRiceValues || Sub(hi, lo) < 2) {
    return PlanWithoutRice(v, n, shape, offsets, limit);
  }
  const Plan rice = PlanRice(v, n, shape, limit);
  // At or above the limit, Rice's plan may be inexact, and loses whenever the others come
  // under the limit.
  if (rice.bytes >= limit) return PlanWithoutRice(v, n, shape, offsets, limit);
  const size_t margin = RiceMargin(rice.bytes);
  const Plan other = PlanWithoutRice(v, n, shape, offsets, margin + 1);
  return other.bytes <= margin ? other : rice;
}

// Appends v[0..n) in the form `plan` chose for it. REQUIRES: n >= 1, plan == MakePlan(v, n, ...)
// and exact (under its limit).
void EncodeWithPlan(const int64_t* v, size_t n, const Plan& plan, std::string* out) {
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
  if (plan.form == IntSequenceForm::kRice) {
    const int64_t base = plan.base;
    PutRiceCodes(n, plan.width, out,
                 [v, base](size_t i) { return ZigZag(static_cast<int64_t>(Sub(v[i], base))); });
    return;
  }
  const uint64_t mask = plan.width == 64 ? ~uint64_t{0} : (uint64_t{1} << plan.width) - 1;
  const int64_t base = plan.base;
  if (plan.form == IntSequenceForm::kPatched) PutVarint64(out, plan.patches);
  PackBitsOf(n, plan.width, out, [v, base, mask](size_t i) { return Sub(v[i], base) & mask; });
  if (plan.form == IntSequenceForm::kFor) return;
  size_t prev = static_cast<size_t>(-1);
  for (size_t i = 0; i < n; i++) {
    const uint64_t high = Sub(v[i], plan.base) >> plan.width;
    if (high == 0) continue;
    PutVarint64(out, i - prev - 1);
    PutVarint64(out, high);
    prev = i;
  }
}

}  // namespace

size_t IntSequenceSize(const int64_t* v, size_t n, IntForms forms) {
  return n == 0 ? 0 : MakePlan(v, n, ShapeOf(v, n), kNoLimit, forms).bytes;
}

void EncodeIntSequence(const int64_t* v, size_t n, std::string* out, IntForms forms) {
  if (n == 0) return;
  EncodeWithPlan(v, n, MakePlan(v, n, ShapeOf(v, n), kNoLimit, forms), out);
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

// Reads the Rice form's parameter and codes (after its base) into out.
bool DecodeRice(Decoder* d, size_t n, int64_t base, int64_t* out) {
  uint8_t k = 0;
  if (!d->GetFixed8(&k) || k > kMaxRiceParameter) return false;
  auto* u = reinterpret_cast<uint64_t*>(out);
  if (!GetRiceCodes(d, n, k, u)) return false;
  const uint64_t b = static_cast<uint64_t>(base);
  for (size_t i = 0; i < n; i++) u[i] = b + static_cast<uint64_t>(UnZigZag(u[i]));
  return true;
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
  if (form > static_cast<uint8_t>(IntSequenceForm::kRice) || !d->GetVarsint64(&base)) {
    return false;
  }
  if (form == static_cast<uint8_t>(IntSequenceForm::kRice)) return DecodeRice(d, n, base, out);
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

// d[i] = v[i + 1] - v[i], wrapping, for i < n - 1, and ShapeOf(d, n - 1) in the same pass.
// REQUIRES: n >= 2.
SequenceShape Difference(const int64_t* v, size_t n, int64_t* d) {
  d[0] = static_cast<int64_t>(Sub(v[1], v[0]));
  int64_t lo = d[0], hi = d[0];
  size_t changes = 0;
  for (size_t i = 1; i + 1 < n; i++) {
    d[i] = static_cast<int64_t>(Sub(v[i + 1], v[i]));
    lo = std::min(lo, d[i]);
    hi = std::max(hi, d[i]);
    changes += d[i] != d[i - 1];
  }
  return {lo, hi, changes + 1};
}

// Whether the first differences of v's first few values span less than the values themselves:
// a guess (it decides only which order is planned first, never the bytes). REQUIRES: n >= 2.
bool DifferencesLookNarrower(const int64_t* v, size_t n) {
  const size_t m = std::min<size_t>(n, 32);
  int64_t lo = v[0], hi = v[0];
  const int64_t d0 = static_cast<int64_t>(Sub(v[1], v[0]));
  int64_t dlo = d0, dhi = d0;
  for (size_t i = 1; i < m; i++) {
    lo = std::min(lo, v[i]);
    hi = std::max(hi, v[i]);
    const auto d = static_cast<int64_t>(Sub(v[i], v[i - 1]));
    dlo = std::min(dlo, d);
    dhi = std::max(dhi, d);
  }
  return Sub(dhi, dlo) < Sub(hi, lo);
}

}  // namespace

void EncodeDifferenced(const int64_t* v, size_t n, std::string* out, IntForms forms) {
  if (n == 0) {
    PutFixed8(out, 0);
    return;
  }
  // orders[k] holds the differences of order k (n - k values), after firsts[k] bytes of the
  // lower orders' first values. Scratch reused by each flush thread.
  thread_local std::vector<int64_t> scratch[kMaxDifferenceOrder];
  const int64_t* orders[kMaxDifferenceOrder + 1] = {v};
  size_t firsts[kMaxDifferenceOrder + 1] = {};
  SequenceShape shapes[kMaxDifferenceOrder + 1] = {ShapeOf(v, n)};
  const int top = static_cast<int>(std::min<size_t>(kMaxDifferenceOrder, n - 1));
  for (int k = 1; k <= top; k++) {
    std::vector<int64_t>& d = scratch[k - 1];
    d.resize(n - k);
    shapes[k] = Difference(orders[k - 1], n - k + 1, d.data());
    orders[k] = d.data();
    firsts[k] = firsts[k - 1] + VarintLength(ZigZag(orders[k - 1][0]));
  }
  // The smallest order wins, the lower order on equal sizes. The likely winner is planned first,
  // so that the others are planned under the limit it sets (they must come under it to win) and
  // their losing candidates are not sized; each order's plan is kept, so that the winner is
  // written without planning it again.
  int sequence[kMaxDifferenceOrder + 1] = {0, 1, 2};
  if (top >= 1 && DifferencesLookNarrower(v, n)) std::swap(sequence[0], sequence[1]);
  Plan plans[kMaxDifferenceOrder + 1];
  int best = -1;
  size_t best_bytes = 0;
  for (int i = 0; i <= top; i++) {
    const int k = sequence[i];
    size_t limit = kNoLimit;
    if (best >= 0) {
      const size_t under = k < best ? best_bytes + 1 : best_bytes;  // the sizes that win
      if (firsts[k] >= under) continue;
      limit = under - firsts[k];
    }
    plans[k] = MakePlan(orders[k], n - k, shapes[k], limit, forms);
    const size_t bytes = plans[k].bytes + firsts[k];
    if (best < 0 || bytes < best_bytes || (bytes == best_bytes && k < best)) {
      best = k;
      best_bytes = bytes;
    }
  }
  PutFixed8(out, static_cast<uint8_t>(best));
  for (int j = 0; j < best; j++) PutVarsint64(out, orders[j][0]);
  EncodeWithPlan(orders[best], n - best, plans[best], out);
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
