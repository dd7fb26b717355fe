// Byte identity of the format-2 encoders (issue 19's ingest work): the engine's planner and
// encoders, rewritten for speed, must write exactly the bytes main wrote before the rewrite
// (reference_encoders.h keeps those encoders as the oracle). Every shape that steers the planner
// to another choice is covered: constants, runs, counters and their resets, jittered and regular
// timestamps, INT64_MIN/MAX, low and high outliers, every bit width, decimals of 0 to 10 digits,
// NaN, infinities and -0.0, empty, repeated and distinct strings, bools, single values. A format
// change shows here as a mismatch, with the shape and size that differ.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "bit_packing.h"
#include "coding.h"
#include "column_codec.h"
#include "float_codec.h"
#include "int_sequence_codec.h"
#include "reference_encoders.h"
#include "zlib_compress.h"

namespace strata {
namespace {

constexpr int64_t kMin64 = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax64 = std::numeric_limits<int64_t>::max();

// The lengths every shape is cut to: single values, the planner's n < 16 and n / 8 limits,
// partial and whole miniblocks of bit packing, a full block.
const size_t kLengths[] = {1, 2, 3, 5, 8, 15, 16, 17, 31, 64, 100, 127, 128, 129, 500, 1000, 1024};

using Shape = std::function<int64_t(size_t i, std::mt19937_64& rng)>;

struct NamedShape {
  const char* name;
  Shape value;
};

// Integer shapes, chosen so that each of the sequence forms (constant, frame of reference,
// runs, patched, a base above low outliers) and each difference order wins somewhere.
std::vector<NamedShape> IntShapes() {
  return {
      {"zero", [](size_t, std::mt19937_64&) { return int64_t{0}; }},
      {"constant", [](size_t, std::mt19937_64&) { return int64_t{-123456789}; }},
      {"min", [](size_t, std::mt19937_64&) { return kMin64; }},
      {"max", [](size_t, std::mt19937_64&) { return kMax64; }},
      {"min_max_alternating", [](size_t i, std::mt19937_64&) { return i % 2 ? kMin64 : kMax64; }},
      {"extremes_random",
       [](size_t, std::mt19937_64& r) {
         const int64_t pick[] = {kMin64, kMax64, 0, -1, 1, kMin64 + 1, kMax64 - 1};
         return pick[r() % 7];
       }},
      {"long_runs", [](size_t i, std::mt19937_64&) { return static_cast<int64_t>(i / 100) * 7; }},
      {"short_runs", [](size_t i, std::mt19937_64& r) { return static_cast<int64_t>(i / 3 + r() % 2); }},
      {"counter",
       [c = int64_t{1'000'000}](size_t, std::mt19937_64& r) mutable {
         return c += static_cast<int64_t>(r() % 5000);
       }},
      {"counter_with_resets",
       [c = int64_t{0}](size_t i, std::mt19937_64& r) mutable {
         if (i % 300 == 299) c = 0;
         return c += static_cast<int64_t>(r() % 1000);
       }},
      {"regular_ticks", [](size_t i, std::mt19937_64&) { return static_cast<int64_t>(i) * 10; }},
      {"gauge_walk",
       [g = int64_t{5000}](size_t, std::mt19937_64& r) mutable {
         return g += static_cast<int64_t>(r() % 201) - 100;
       }},
      {"low_outliers",
       [](size_t i, std::mt19937_64& r) {
         return i % 97 == 5 ? -static_cast<int64_t>(r() % 1'000'000'000) : 1000 + static_cast<int64_t>(r() % 64);
       }},
      {"few_low_outliers",
       [](size_t i, std::mt19937_64& r) {
         return i == 3 || i == 40 ? kMin64 + static_cast<int64_t>(i) : static_cast<int64_t>(r() % 256);
       }},
      {"high_outliers",
       [](size_t i, std::mt19937_64& r) {
         return i % 50 == 7 ? static_cast<int64_t>(r() >> 3) : static_cast<int64_t>(r() % 16);
       }},
      {"triangular",
       [](size_t, std::mt19937_64& r) {
         return static_cast<int64_t>(r() % 2'000'000) - static_cast<int64_t>(r() % 2'000'000);
       }},
      {"jittered_deltas",
       [prev = int64_t{0}](size_t, std::mt19937_64& r) mutable {
         const int64_t j = static_cast<int64_t>(r() % 1'000'000);
         const int64_t d = 10'000'000'000 + j - prev;
         prev = j;
         return d;
       }},
      {"random_64", [](size_t, std::mt19937_64& r) { return static_cast<int64_t>(r()); }},
      {"random_signed_small", [](size_t, std::mt19937_64& r) { return static_cast<int64_t>(r() % 21) - 10; }},
      {"two_values", [](size_t, std::mt19937_64& r) { return static_cast<int64_t>(r() % 2) * 1000; }},
      {"bool_sparse", [](size_t, std::mt19937_64& r) { return static_cast<int64_t>(r() % 50 == 0); }},
      {"bool_random", [](size_t, std::mt19937_64& r) { return static_cast<int64_t>(r() % 2); }},
      {"spread_wide_span",
       [](size_t i, std::mt19937_64& r) {
         return i % 2 ? kMax64 - static_cast<int64_t>(r() % 100) : kMin64 + static_cast<int64_t>(r() % 100);
       }},
  };
}

// Shapes whose values have exactly `width` random bits (plus a few outliers of other widths), so
// that every width and every patch width is planned.
std::vector<int64_t> WidthShape(int width, size_t n, uint64_t seed, bool outliers) {
  std::mt19937_64 rng(seed);
  const uint64_t mask = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
  std::vector<int64_t> v(n);
  for (size_t i = 0; i < n; i++) {
    v[i] = static_cast<int64_t>(rng() & mask);
    if (outliers && rng() % 40 == 0) v[i] = static_cast<int64_t>(rng() >> (rng() % 64));
    if (outliers && rng() % 60 == 0) v[i] = -static_cast<int64_t>(rng() >> (rng() % 64));
  }
  return v;
}

std::vector<int64_t> Generate(const NamedShape& shape, size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Shape f = shape.value;  // a fresh copy of its state
  std::vector<int64_t> v(n);
  for (size_t i = 0; i < n; i++) v[i] = f(i, rng);
  return v;
}

std::string Hex(const std::string& s, size_t from) {
  static const char* digits = "0123456789abcdef";
  std::string h;
  for (size_t i = from; i < s.size() && i < from + 24; i++) {
    h += digits[static_cast<uint8_t>(s[i]) >> 4];
    h += digits[static_cast<uint8_t>(s[i]) & 15];
  }
  return h;
}

// Compares two encodings, naming the first differing byte.
::testing::AssertionResult SameBytes(const std::string& want, const std::string& got) {
  if (want == got) return ::testing::AssertionSuccess();
  size_t at = 0;
  while (at < want.size() && at < got.size() && want[at] == got[at]) at++;
  return ::testing::AssertionFailure()
         << "sizes " << want.size() << " (reference) and " << got.size() << ", first difference at byte "
         << at << ": reference " << Hex(want, at) << " vs " << Hex(got, at);
}

// The engine's forms of segment format 2 (the reference without Rice) and of format 5 (with).
constexpr IntForms kBothForms[] = {IntForms::kFormat2, IntForms::kFormat5};

std::string FormsName(IntForms forms) {
  return forms == IntForms::kFormat5 ? "format 5" : "format 2";
}

void ExpectIntEncodersMatch(const std::vector<int64_t>& v, const std::string& what) {
  SCOPED_TRACE(what + ", n=" + std::to_string(v.size()));
  for (IntForms forms : kBothForms) {
    SCOPED_TRACE(FormsName(forms));
    const bool rice = forms == IntForms::kFormat5;
    std::string want, got;
    reference::EncodeIntSequence(v.data(), v.size(), &want, rice);
    EncodeIntSequence(v.data(), v.size(), &got, forms);
    EXPECT_TRUE(SameBytes(want, got)) << "EncodeIntSequence";
    EXPECT_EQ(IntSequenceSize(v.data(), v.size(), forms), want.size());
    want.clear();
    got.clear();
    reference::EncodeDifferenced(v.data(), v.size(), &want, rice);
    EncodeDifferenced(v.data(), v.size(), &got, forms);
    EXPECT_TRUE(SameBytes(want, got)) << "EncodeDifferenced";
  }
}

TEST(CodecPlannerTest, BitPackingMatchesReferenceAtEveryWidth) {
  std::mt19937_64 rng(11);
  for (int w = 0; w <= 64; w++) {
    for (size_t n : {0, 1, 2, 7, 8, 9, 63, 64, 65, 1023, 1024}) {
      const uint64_t mask = w == 64 ? ~uint64_t{0} : (uint64_t{1} << w) - 1;
      std::vector<uint64_t> v(n);
      for (auto& x : v) x = rng() & mask;
      if (n > 0) v[0] = mask;  // the widest value in the first slot
      std::string want = "prefix", got = "prefix";
      reference::PackBits(v.data(), n, w, &want);
      PackBits(v.data(), n, w, &got);
      EXPECT_TRUE(SameBytes(want, got)) << "width " << w << ", n " << n;
    }
  }
}

TEST(CodecPlannerTest, IntSequencesMatchReferenceOnEveryShape) {
  uint64_t seed = 1;
  for (const NamedShape& shape : IntShapes()) {
    for (size_t n : kLengths) ExpectIntEncodersMatch(Generate(shape, n, seed++), shape.name);
  }
}

TEST(CodecPlannerTest, IntSequencesMatchReferenceAtEveryWidth) {
  for (int width = 0; width <= 64; width++) {
    for (size_t n : {16, 17, 100, 1024}) {
      for (bool outliers : {false, true}) {
        ExpectIntEncodersMatch(WidthShape(width, n, static_cast<uint64_t>(width) * 31 + n, outliers),
                               "width " + std::to_string(width) + (outliers ? " with outliers" : ""));
      }
    }
  }
}

// Random mixtures: a base shape with a random number of low and high outliers, many seeds. The
// planner's bases above the minimum are tried exactly when the low outliers number 1 to 64.
TEST(CodecPlannerTest, IntSequencesMatchReferenceWithRandomOutliers) {
  std::mt19937_64 rng(99);
  for (int round = 0; round < 400; round++) {
    const size_t n = 16 + rng() % 1009;
    const int width = static_cast<int>(rng() % 40);
    std::vector<int64_t> v = WidthShape(width, n, rng(), false);
    const size_t low = rng() % 80, high = rng() % 80;
    const int low_width = static_cast<int>(rng() % 63);
    for (size_t k = 0; k < low; k++) v[rng() % n] = -static_cast<int64_t>(rng() >> (63 - low_width)) - 1;
    for (size_t k = 0; k < high; k++) {
      int64_t& x = v[rng() % n];
      x = static_cast<int64_t>(static_cast<uint64_t>(x) + (rng() >> (rng() % 63 + 1)));  // wraps
    }
    if (round % 3 == 0) std::sort(v.begin(), v.end());
    ExpectIntEncodersMatch(v, "random outliers, round " + std::to_string(round));
  }
}

// Sequences whose difference orders come close: a random shape with outliers (and, in some
// rounds, low outliers as resets), integrated once or twice, so that orders 1 and 2 are planned
// under the limit the lower orders set (EncodeDifferenced) on every path: patched widths, bases
// above the minimum, runs, and sizes a byte either side of the limit.
TEST(CodecPlannerTest, DifferenceOrdersPlannedUnderALimitMatchReference) {
  std::mt19937_64 rng(2024);
  for (int round = 0; round < 600; round++) {
    const size_t n = 16 + rng() % 600;
    const int width = static_cast<int>(rng() % 24);
    std::vector<int64_t> v = WidthShape(width, n, rng(), round % 2 == 0);
    const size_t resets = rng() % 4 == 0 ? 1 + rng() % 8 : 0;
    for (size_t k = 0; k < resets; k++) v[rng() % n] = -static_cast<int64_t>(rng() % 100000);
    if (round % 5 == 0) {
      for (size_t i = 0; i < n; i++) v[i] = v[i] / 64 * 64;  // runs of equal differences
    }
    const int integrations = round % 3;
    for (int k = 0; k < integrations; k++) {
      for (size_t i = 1; i < n; i++) v[i] = static_cast<int64_t>(static_cast<uint64_t>(v[i]) + static_cast<uint64_t>(v[i - 1]));
    }
    ExpectIntEncodersMatch(v, "integrated " + std::to_string(integrations) + "x, round " + std::to_string(round));
  }
}

// Ties between difference orders, which the lower order wins whichever order is planned first:
// many short sequences (their small sizes often tie), walks (the encoder plans order 1 first)
// and noise (order 0 first). The reference's sizes show that ties of both pairs occur.
TEST(CodecPlannerTest, TiedDifferenceOrdersMatchReference) {
  std::mt19937_64 rng(7);
  size_t ties01 = 0, ties12 = 0;
  for (int round = 0; round < 20000; round++) {
    const size_t n = 2 + rng() % 40;
    const int64_t step = 1 + static_cast<int64_t>(rng() % 300);
    int64_t x = static_cast<int64_t>(rng() % 100000) - 50000;
    std::vector<int64_t> v(n);
    for (size_t i = 0; i < n; i++) {
      if (round % 2 == 0) {
        x += static_cast<int64_t>(rng() % static_cast<uint64_t>(2 * step + 1)) - step;
        v[i] = x;
      } else {
        v[i] = x + static_cast<int64_t>(rng() % static_cast<uint64_t>(step));
      }
    }
    std::vector<int64_t> d1(n - 1), d2(n - 1);
    for (size_t i = 0; i + 1 < n; i++) d1[i] = v[i + 1] - v[i];
    for (size_t i = 0; i + 2 < n; i++) d2[i] = d1[i + 1] - d1[i];
    const size_t s0 = reference::IntSequenceSize(v.data(), n);
    const size_t s1 =
        reference::VarintSize(ZigZag(v[0])) + reference::IntSequenceSize(d1.data(), n - 1);
    ties01 += s0 == s1;
    if (n > 2) {
      const size_t s2 = reference::VarintSize(ZigZag(v[0])) +
                        reference::VarintSize(ZigZag(d1[0])) +
                        reference::IntSequenceSize(d2.data(), n - 2);
      ties12 += s1 == s2;
    }
    ExpectIntEncodersMatch(v, "tie round " + std::to_string(round));
  }
  EXPECT_GT(ties01, 0u);
  EXPECT_GT(ties12, 0u);
}

// Rice against the other forms at its margin (it wins only when they take more than r + r/32
// bytes): the engine sizes Rice first and plans the others under that margin, so a sequence whose
// sizes fall just inside or just outside it, or on it, tests that rule. Uniform spreads mixed
// with bell-shaped noise give both sides; as they are, as walks (order 1 planned first, the
// others under its limit) and as walks of walks. The reference's sizes show that every case
// occurs.
TEST(CodecPlannerTest, RiceAtItsMarginMatchesReference) {
  std::mt19937_64 rng(19);
  std::normal_distribution<double> bell(0, 1);
  size_t wins_narrowly = 0, on_margin = 0, loses_inside = 0;
  for (int round = 0; round < 2000; round++) {
    const size_t n = 16 + rng() % 400;
    const uint64_t range = 3 + rng() % 3000;
    const double bell_share = static_cast<double>(rng() % 100) / 100;
    std::vector<int64_t> v(n);
    for (auto& x : v) {
      x = static_cast<double>(rng() % 1000) / 1000 < bell_share
              ? static_cast<int64_t>(std::llround(bell(rng) * static_cast<double>(range) / 5))
              : static_cast<int64_t>(rng() % range);
    }
    const auto lo = *std::min_element(v.begin(), v.end());
    const auto hi = *std::max_element(v.begin(), v.end());
    if (hi - lo >= 2) {
      const size_t r = reference::RicePlan(v.data(), n, lo, hi).bytes;
      const size_t other = reference::IntSequenceSize(v.data(), n, false);
      const size_t margin = r + r / 32;
      wins_narrowly += margin < other && other <= margin + 2;
      on_margin += other == margin;
      loses_inside += r <= other && other < margin;
    }
    ExpectIntEncodersMatch(v, "noise round " + std::to_string(round));
    std::vector<int64_t> walk(n);
    int64_t at = static_cast<int64_t>(rng() % 100000);
    for (size_t i = 0; i < n; i++) walk[i] = at += v[i] - lo - static_cast<int64_t>(range / 2);
    ExpectIntEncodersMatch(walk, "walk round " + std::to_string(round));
    at = 0;
    for (auto& x : walk) x = at += x;
    ExpectIntEncodersMatch(walk, "walk of walks round " + std::to_string(round));
  }
  EXPECT_GT(wins_narrowly, 0u);
  EXPECT_GT(on_margin, 0u);
  EXPECT_GT(loses_inside, 0u);
}

// The shapes above must steer the planner to each of its choices, or identity would be tested on
// too few paths: every sequence form, and a patched plan whose base lies above the minimum (a
// counter's reset or a low outlier sent to the patch list).
TEST(CodecPlannerTest, ShapesReachEveryPlannerChoice) {
  bool form_seen[5] = {};
  bool base_above_minimum = false;
  auto note = [&](const std::vector<int64_t>& v) {
    std::string rice_bytes;
    EncodeIntSequence(v.data(), v.size(), &rice_bytes, IntForms::kFormat5);
    form_seen[static_cast<uint8_t>(rice_bytes[0])] = true;
    std::string bytes;  // format 2's forms, which the Rice form would hide on some shapes
    EncodeIntSequence(v.data(), v.size(), &bytes, IntForms::kFormat2);
    const auto form = static_cast<uint8_t>(bytes[0]);
    ASSERT_LT(form, 4);
    form_seen[form] = true;
    if (form == static_cast<uint8_t>(IntSequenceForm::kPatched)) {
      Decoder d(std::string_view(bytes).substr(1));
      int64_t base = 0;
      ASSERT_TRUE(d.GetVarsint64(&base));
      if (base > *std::min_element(v.begin(), v.end())) base_above_minimum = true;
    }
  };
  uint64_t seed = 1;
  for (const NamedShape& shape : IntShapes()) {
    for (size_t n : kLengths) note(Generate(shape, n, seed++));
  }
  for (int width = 0; width <= 64; width++) note(WidthShape(width, 1024, static_cast<uint64_t>(width), true));
  for (int f = 0; f < 5; f++) EXPECT_TRUE(form_seen[f]) << "form " << f << " never chosen";
  EXPECT_TRUE(base_above_minimum) << "no shape plans a base above its minimum";
}

void ExpectTimesMatch(const std::vector<int64_t>& t, const std::string& what) {
  SCOPED_TRACE(what + ", n=" + std::to_string(t.size()));
  for (IntForms forms : kBothForms) {
    std::string want, got;
    reference::EncodeTimeColumn(t.data(), t.size(), &want, forms == IntForms::kFormat5);
    EncodeTimeColumn(t.data(), t.size(), &got, forms);
    EXPECT_TRUE(SameBytes(want, got)) << FormsName(forms);
  }
}

TEST(CodecPlannerTest, TimeColumnsMatchReference) {
  const int64_t start = 1'700'000'000'000'000'000;
  const int64_t steps[] = {1, 3, 7, 1000, 1'000'000, 10'000'000'000, 60'000'000'000, 86'400'000'000'000};
  uint64_t seed = 5;
  for (size_t n : kLengths) {
    for (int64_t step : steps) {
      for (int64_t jitter : {int64_t{0}, int64_t{1}, int64_t{1000}, int64_t{1'000'000}}) {
        std::mt19937_64 rng(seed++);
        std::vector<int64_t> t(n);
        for (size_t i = 0; i < n; i++) {
          t[i] = start + static_cast<int64_t>(i) * step +
                 (jitter > 0 ? static_cast<int64_t>(rng() % static_cast<uint64_t>(jitter)) : 0);
        }
        ExpectTimesMatch(t, "step " + std::to_string(step) + " jitter " + std::to_string(jitter));
        // Gaps: a missing stretch, and whole multiples of the step with jitter on the divisor.
        if (n > 4) {
          for (size_t i = n / 2; i < n; i++) t[i] += 37 * step;
          ExpectTimesMatch(t, "gap, step " + std::to_string(step));
        }
      }
    }
    // Extremes: the widest spans (deltas that do not fit int64), equal times, negative times.
    ExpectTimesMatch(std::vector<int64_t>(n, kMin64), "all INT64_MIN");
    std::vector<int64_t> t(n);
    for (size_t i = 0; i < n; i++) t[i] = i % 2 ? kMax64 : kMin64;
    ExpectTimesMatch(t, "alternating extremes");
    for (size_t i = 0; i < n; i++) t[i] = -static_cast<int64_t>(n - i) * 6;
    ExpectTimesMatch(t, "negative times, common divisor 6");
    for (size_t i = 0; i < n; i++) t[i] = static_cast<int64_t>(i * i) * 4;
    ExpectTimesMatch(t, "quadratic times");
  }
}

Column FloatColumn(const std::vector<double>& v) {
  Column c;
  c.type = ValueType::kFloat;
  for (double x : v) {
    c.times.push_back(0);
    c.nums.push_back(FloatBits(x));
  }
  return c;
}

void ExpectColumnMatches(const Column& c, const std::string& what) {
  SCOPED_TRACE(what + ", n=" + std::to_string(c.size()));
  // The whole column, and a range that does not start at 0.
  for (size_t begin : {size_t{0}, c.size() / 3}) {
    if (begin >= c.size()) continue;
    for (IntForms forms : kBothForms) {
      std::string want, got;
      reference::EncodeValueColumn(c, begin, c.size(), &want, forms == IntForms::kFormat5);
      EncodeValueColumn(c, begin, c.size(), &got, forms);
      EXPECT_TRUE(SameBytes(want, got)) << "from row " << begin << ", " << FormsName(forms);
    }
  }
}

TEST(CodecPlannerTest, FloatColumnsMatchReference) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (size_t n : kLengths) {
    std::mt19937_64 rng(n);
    for (int digits = 0; digits <= 11; digits++) {
      const double scale = std::pow(10.0, digits);
      std::vector<double> v(n);
      double g = 50;
      for (auto& x : v) {
        g += (static_cast<int>(rng() % 201) - 100) / 100.0;
        x = std::round(g * scale) / scale;
      }
      ExpectColumnMatches(FloatColumn(v), std::to_string(digits) + "-digit gauge");
      // One value with more digits than the rest raises the exponent late.
      if (n > 2) {
        v[n - 2] = std::round(g * scale * 10) / (scale * 10) + 1 / (scale * 10);
        ExpectColumnMatches(FloatColumn(v), std::to_string(digits) + "-digit gauge, raised late");
      }
    }
    std::vector<double> v(n);
    for (auto& x : v) x = std::ldexp(static_cast<double>(rng() >> 11), -53) * 1000;
    ExpectColumnMatches(FloatColumn(v), "random doubles (XOR)");
    for (size_t i = 0; i < n; i++) v[i] = i % 5 == 0 ? nan : i % 5 == 1 ? -0.0 : i % 5 == 2 ? inf : -inf;
    ExpectColumnMatches(FloatColumn(v), "NaN, -0.0, infinities");
    for (size_t i = 0; i < n; i++) v[i] = i % 7 == 0 ? -0.0 : 0.0;
    ExpectColumnMatches(FloatColumn(v), "zeros of both signs");
    for (size_t i = 0; i < n; i++) v[i] = 1e300 * static_cast<double>(i % 3) - 5e-324 * static_cast<double>(i % 2);
    ExpectColumnMatches(FloatColumn(v), "huge and subnormal");
    std::fill(v.begin(), v.end(), 81.84);
    ExpectColumnMatches(FloatColumn(v), "constant decimal");
    for (size_t i = 0; i < n; i++) v[i] = 9.0e15 / std::pow(10.0, static_cast<double>(i % 4)) + static_cast<double>(i);
    ExpectColumnMatches(FloatColumn(v), "near the decimal bound");
    Column bits;
    bits.type = ValueType::kFloat;
    for (size_t i = 0; i < n; i++) {
      bits.times.push_back(0);
      bits.nums.push_back(rng());  // any bit pattern, NaN payloads included
    }
    ExpectColumnMatches(bits, "random bit patterns (raw)");
  }
}

TEST(CodecPlannerTest, IntAndBoolColumnsMatchReference) {
  uint64_t seed = 77;
  for (const NamedShape& shape : IntShapes()) {
    for (size_t n : kLengths) {
      Column c;
      c.type = ValueType::kInt;
      for (int64_t x : Generate(shape, n, seed++)) {
        c.times.push_back(0);
        c.nums.push_back(static_cast<uint64_t>(x));
      }
      ExpectColumnMatches(c, std::string("int ") + shape.name);
    }
  }
  for (size_t n : kLengths) {
    std::mt19937_64 rng(n);
    for (int every : {1, 2, 10, 1000}) {
      Column c;
      c.type = ValueType::kBool;
      for (size_t i = 0; i < n; i++) {
        c.times.push_back(0);
        c.nums.push_back(rng() % static_cast<uint64_t>(every) == 0 ? 1 : 0);
      }
      ExpectColumnMatches(c, "bools, 1 in " + std::to_string(every));
    }
  }
}

TEST(CodecPlannerTest, StringColumnsMatchReference) {
  for (size_t n : kLengths) {
    std::mt19937_64 rng(n + 3);
    const std::vector<std::function<std::string(size_t)>> shapes = {
        [](size_t) { return std::string(); },
        [](size_t) { return std::string("running"); },
        [](size_t i) { return std::string(i % 10 == 0 ? "sleeping" : "running"); },
        [](size_t i) { return "host-" + std::to_string(i); },
        [&rng](size_t) { return std::to_string(rng()); },
        [&rng](size_t) { return std::string(rng() % 300, static_cast<char>('a' + rng() % 26)); },
        [](size_t i) { return std::string(i % 3 == 0 ? "" : "x"); },
        [&rng](size_t) { return "state-" + std::to_string(rng() % 5); },
    };
    for (size_t s = 0; s < shapes.size(); s++) {
      Column c;
      c.type = ValueType::kString;
      for (size_t i = 0; i < n; i++) {
        c.times.push_back(0);
        c.strs.push_back(shapes[s](i));
      }
      ExpectColumnMatches(c, "string shape " + std::to_string(s));
    }
  }
}

// The per-thread zlib stream (zlib_compress.h) writes what compress2 writes, at both levels the
// engine uses (format 2's columns and the segment index at 9, format 1's strings at the default),
// for one call after another on the same stream.
TEST(CodecPlannerTest, ZlibStreamMatchesCompress2) {
  std::mt19937_64 rng(3);
  for (int level : {Z_DEFAULT_COMPRESSION, Z_BEST_COMPRESSION, 1}) {
    for (size_t size : {0, 1, 63, 64, 100, 1000, 4096, 70000, 300000}) {
      for (int alphabet : {1, 4, 256}) {
        std::string in(size, '\0');
        for (auto& c : in) c = static_cast<char>(rng() % static_cast<uint64_t>(alphabet));
        uLongf bound = compressBound(static_cast<uLong>(in.size()));
        std::string want(bound, '\0');
        ASSERT_EQ(compress2(reinterpret_cast<Bytef*>(want.data()), &bound,
                            reinterpret_cast<const Bytef*>(in.data()), static_cast<uLong>(in.size()), level),
                  Z_OK);
        want.resize(bound);
        std::string got = "stale";
        ASSERT_TRUE(ZlibCompress(in, level, &got));
        EXPECT_TRUE(SameBytes(want, got)) << "level " << level << ", " << size << " bytes";
      }
    }
  }
  std::string out;
  EXPECT_FALSE(ZlibCompress("x", 10, &out));
}

}  // namespace
}  // namespace strata
