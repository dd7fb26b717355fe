// Round trips and edge cases of the format-2 codecs: bit packing, the int64 sequence codec, the
// float codec and the column codec (times, ints, floats, bools, strings), and that malformed input
// is refused rather than misread.
#include "column_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "bit_packing.h"
#include "coding.h"
#include "float_codec.h"
#include "int_sequence_codec.h"
#include "segment_format.h"

namespace strata {
namespace {

constexpr int64_t kMin64 = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax64 = std::numeric_limits<int64_t>::max();

std::vector<int64_t> IntSequenceRoundTrip(const std::vector<int64_t>& v) {
  std::string bytes;
  EncodeIntSequence(v.data(), v.size(), &bytes);
  EXPECT_EQ(bytes.size(), IntSequenceSize(v.data(), v.size()));
  std::vector<int64_t> got(v.size());
  Decoder d(bytes);
  EXPECT_TRUE(DecodeIntSequence(&d, v.size(), got.data()));
  EXPECT_EQ(d.remaining(), 0u);
  return got;
}

TEST(BitPackingTest, RoundTripsEveryWidth) {
  std::mt19937_64 rng(7);
  for (int w = 0; w <= 64; w++) {
    for (size_t n : {0, 1, 7, 8, 9, 63, 64, 65, 1024}) {
      std::vector<uint64_t> v(n);
      for (auto& x : v) x = w == 64 ? rng() : (w == 0 ? 0 : rng() & ((uint64_t{1} << w) - 1));
      std::string bytes;
      PackBits(v.data(), n, w, &bytes);
      ASSERT_EQ(bytes.size(), PackedBytes(n, w));
      std::vector<uint64_t> got(n, 12345);
      UnpackBits(bytes.data(), n, w, got.data());
      ASSERT_EQ(got, v) << "width " << w << " n " << n;
    }
  }
}

TEST(IntSequenceTest, ChoosesTheFormThatFits) {
  auto form_of = [](const std::vector<int64_t>& v) {
    std::string bytes;
    EncodeIntSequence(v.data(), v.size(), &bytes);
    return static_cast<IntSequenceForm>(bytes[0]);
  };
  EXPECT_EQ(form_of(std::vector<int64_t>(1000, 42)), IntSequenceForm::kConstant);
  std::vector<int64_t> small;
  for (int i = 0; i < 1000; i++) small.push_back(i % 13);
  EXPECT_EQ(form_of(small), IntSequenceForm::kFor);
  std::vector<int64_t> runs(500, 3);
  runs.resize(1000, 1000000);
  EXPECT_EQ(form_of(runs), IntSequenceForm::kRuns);
  std::vector<int64_t> outliers = small;
  outliers[17] = 1ll << 40;
  outliers[900] = -(1ll << 50);
  EXPECT_EQ(form_of(outliers), IntSequenceForm::kPatched);
  EXPECT_EQ(IntSequenceRoundTrip(outliers), outliers);
}

TEST(IntSequenceTest, RoundTripsEdgeCases) {
  const std::vector<std::vector<int64_t>> cases = {
      {},
      {0},
      {kMin64},
      {kMax64},
      {kMin64, kMax64, 0, -1, 1, kMax64, kMin64},
      std::vector<int64_t>(1024, kMin64),
      {5, 5, 5, 6, 6, 6, 6, 5},
  };
  for (const auto& v : cases) EXPECT_EQ(IntSequenceRoundTrip(v), v);
  std::mt19937_64 rng(3);
  for (int trial = 0; trial < 200; trial++) {
    std::vector<int64_t> v(1 + rng() % 1024);
    const int bits = static_cast<int>(rng() % 64);
    for (auto& x : v) x = static_cast<int64_t>(rng() >> bits) - (trial % 2 ? 0 : (1ll << 20));
    for (int k = 0; k < 3; k++) v[rng() % v.size()] = static_cast<int64_t>(rng());
    ASSERT_EQ(IntSequenceRoundTrip(v), v) << "trial " << trial;
  }
}

TEST(IntSequenceTest, DifferencedRoundTripsAndPicksDeltasForCounters) {
  std::vector<int64_t> counter;
  int64_t c = 1'000'000'000'000;
  for (int i = 0; i < 1024; i++) {
    c += 1000 + i % 7;
    if (i == 500) c = 12;  // a reset
    counter.push_back(c);
  }
  std::string bytes;
  EncodeDifferenced(counter.data(), counter.size(), &bytes);
  EXPECT_LT(bytes.size(), 600u);  // ~3 bits a value, not 40
  std::vector<int64_t> got(counter.size());
  Decoder d(bytes);
  ASSERT_TRUE(DecodeDifferenced(&d, counter.size(), got.data()));
  EXPECT_EQ(got, counter);
  for (size_t n : {0, 1, 2, 3}) {
    std::vector<int64_t> v = {kMax64, kMin64, 7};
    v.resize(n);
    std::string b;
    EncodeDifferenced(v.data(), n, &b);
    std::vector<int64_t> g(n);
    Decoder dd(b);
    ASSERT_TRUE(DecodeDifferenced(&dd, n, g.data()));
    EXPECT_EQ(g, v);
  }
}

std::vector<uint64_t> FloatRoundTrip(const std::vector<double>& values, size_t* bytes_out = nullptr) {
  std::vector<uint64_t> bits;
  for (double v : values) bits.push_back(FloatBits(v));
  std::string bytes;
  EncodeFloats(bits.data(), bits.size(), &bytes);
  if (bytes_out != nullptr) *bytes_out = bytes.size();
  std::vector<uint64_t> got(bits.size());
  Decoder d(bytes);
  EXPECT_TRUE(DecodeFloats(&d, bits.size(), got.data()));
  EXPECT_EQ(d.remaining(), 0u);
  EXPECT_EQ(got, bits);
  return got;
}

TEST(FloatCodecTest, KeepsEveryBitPattern) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  FloatRoundTrip({0.0});
  FloatRoundTrip({-0.0, 0.0, -0.0});
  FloatRoundTrip({nan, inf, -inf, 1.5, std::numeric_limits<double>::denorm_min(),
                  std::numeric_limits<double>::max(), std::numeric_limits<double>::lowest()});
  FloatRoundTrip({std::bit_cast<double>(uint64_t{0x7ff0000000000001}), 1.0});  // NaN payload
  FloatRoundTrip({0.1, 0.2, 0.30000000000000004, 1e-300, 123456789.123456789});
}

TEST(FloatCodecTest, DecimalsTakeAboutAByteAValue) {
  std::vector<double> gauge;
  std::mt19937 rng(1);
  double v = 50.0;
  for (int i = 0; i < 1024; i++) {
    v += (static_cast<int>(rng() % 201) - 100) / 100.0;
    gauge.push_back(std::round(v * 100) / 100);
  }
  size_t bytes = 0;
  FloatRoundTrip(gauge, &bytes);
  EXPECT_LT(bytes, 1100u);
  std::vector<double> constant(1024, 21.5);
  FloatRoundTrip(constant, &bytes);
  EXPECT_LT(bytes, 8u);
}

Column Ints(ValueType type, const std::vector<int64_t>& v) {
  Column c;
  c.type = type;
  for (size_t i = 0; i < v.size(); i++) {
    c.times.push_back(static_cast<int64_t>(i));
    c.nums.push_back(static_cast<uint64_t>(v[i]));
  }
  return c;
}

Column Strings(const std::vector<std::string>& v) {
  Column c;
  c.type = ValueType::kString;
  for (size_t i = 0; i < v.size(); i++) {
    c.times.push_back(static_cast<int64_t>(i));
    c.strs.push_back(v[i]);
  }
  return c;
}

size_t ValueRoundTrip(const Column& c) {
  std::string bytes;
  EncodeValueColumn(c, 0, c.size(), &bytes);
  Column got;
  got.type = c.type;
  EXPECT_TRUE(DecodeValueColumn(bytes, c.type, c.size(), &got));
  EXPECT_EQ(got.nums, c.nums);
  EXPECT_EQ(got.strs, c.strs);
  return bytes.size();
}

// Round-trips t through both time-column forms (format 5's takes its first time from the index);
// returns format 5's size.
size_t TimeRoundTrip(const std::vector<int64_t>& t) {
  std::string old_form;
  EncodeTimeColumn(t.data(), t.size(), &old_form, IntForms::kFormat2);
  std::vector<int64_t> got(t.size());
  EXPECT_TRUE(DecodeTimeColumn(old_form, t.size(), 12345, got.data()));  // form 0: t[0] stored
  EXPECT_EQ(got, t);
  std::string bytes;
  EncodeTimeColumn(t.data(), t.size(), &bytes);
  EXPECT_TRUE(DecodeTimeColumn(bytes, t.size(), t[0], got.data()));
  EXPECT_EQ(got, t);
  // Form 1 leaves out t[0]'s varint; its differences take no more bytes than form 0's.
  EXPECT_LE(bytes.size() + VarintLength(ZigZag(t[0])), old_form.size());
  return bytes.size();
}

TEST(ColumnCodecTest, TimesOfEveryCadence) {
  EXPECT_LE(TimeRoundTrip({kMin64}), 13u);  // form, 10-byte varint, divisor, order
  TimeRoundTrip({kMax64});
  TimeRoundTrip({kMin64, kMax64});
  TimeRoundTrip({kMin64, -1, 0, kMax64});
  std::vector<int64_t> regular, jitter, ms, dup_free_burst;
  std::mt19937_64 rng(5);
  for (int i = 0; i < 1024; i++) {
    regular.push_back(1'700'000'000'000'000'000 + i * 10'000'000'000ll);
    jitter.push_back(1'700'000'000'000'000'000 + i * 1'000'000'000ll +
                     static_cast<int64_t>(rng() % 2'000'000));  // ~2 ms of jitter in ns
    ms.push_back(1'700'000'000'000'000'000 + i * 1'000'000'000ll +
                 static_cast<int64_t>(rng() % 3) * 1'000'000);  // whole milliseconds
    dup_free_burst.push_back(i < 512 ? i : 1'000'000 + i);
  }
  EXPECT_LT(TimeRoundTrip(regular), 24u);
  EXPECT_LT(TimeRoundTrip(jitter), 1024u * 23 / 8 + 64);  // ~22 bits a timestamp
  EXPECT_LT(TimeRoundTrip(ms), 1024u * 3 / 8 + 64);     // the divisor takes out 10^6
  TimeRoundTrip(dup_free_burst);
}

TEST(ColumnCodecTest, IntsBoolsAndFloats) {
  ValueRoundTrip(Ints(ValueType::kInt, {kMin64}));
  ValueRoundTrip(Ints(ValueType::kInt, {kMin64, kMax64, 0, kMin64}));
  EXPECT_LT(ValueRoundTrip(Ints(ValueType::kInt, std::vector<int64_t>(1024, 7))), 8u);
  std::vector<int64_t> counter;
  for (int i = 0; i < 1024; i++) counter.push_back(i < 600 ? 1'000'000 + 4096ll * i : 4096ll * i);
  EXPECT_LT(ValueRoundTrip(Ints(ValueType::kInt, counter)), 64u);  // constant delta, one reset
  std::vector<int64_t> bools;
  for (int i = 0; i < 1024; i++) bools.push_back((i * 7919) % 3 == 0);
  EXPECT_LE(ValueRoundTrip(Ints(ValueType::kBool, bools)), 1024u / 8 + 8);
  EXPECT_LT(ValueRoundTrip(Ints(ValueType::kBool, std::vector<int64_t>(1024, 1))), 8u);
  Column f = Ints(ValueType::kFloat, {});
  for (double v : {1.5, -0.0, std::nan(""), 2.25}) {
    f.times.push_back(static_cast<int64_t>(f.times.size()));
    f.nums.push_back(FloatBits(v));
  }
  ValueRoundTrip(f);
}

TEST(ColumnCodecTest, Strings) {
  ValueRoundTrip(Strings({""}));
  ValueRoundTrip(Strings({"", "", ""}));
  ValueRoundTrip(Strings({"héllo", "日本語", "\xF0\x9F\x98\x80", std::string("a\0b", 3)}));
  std::vector<std::string> states;
  for (int i = 0; i < 1024; i++) states.push_back(i % 10 == 0 ? "sleeping" : "running");
  EXPECT_LT(ValueRoundTrip(Strings(states)), 200u);
  std::vector<std::string> distinct;
  for (int i = 0; i < 300; i++) distinct.push_back("value-" + std::to_string(i * 7919));
  EXPECT_LT(ValueRoundTrip(Strings(distinct)), 300u * 11);
  ValueRoundTrip(Strings({std::string(100000, 'x'), std::string(100000, 'x'), "y"}));
}

TEST(ColumnCodecTest, MalformedInputIsRefusedNeverMisread) {
  std::vector<std::string> states;
  for (int i = 0; i < 100; i++) states.push_back(i % 3 ? "a" : "bb");
  const Column cols[] = {Strings(states), Ints(ValueType::kInt, {1, 5, 9, 1000, -3}),
                         Ints(ValueType::kBool, {1, 0, 0, 1}),
                         Ints(ValueType::kFloat, {4607182418800017408, 4611686018427387904})};
  for (const Column& c : cols) {
    std::string bytes;
    EncodeValueColumn(c, 0, c.size(), &bytes);
    for (size_t cut = 0; cut < bytes.size(); cut++) {
      Column got;
      got.type = c.type;
      EXPECT_FALSE(DecodeValueColumn(bytes.substr(0, cut), c.type, c.size(), &got)) << cut;
      EXPECT_TRUE(got.nums.empty() && got.strs.empty());
    }
    Column got;
    got.type = c.type;
    EXPECT_FALSE(DecodeValueColumn(bytes + "x", c.type, c.size(), &got));
    // Every single-byte change either fails or decodes to the same count of values.
    for (size_t i = 0; i < bytes.size(); i++) {
      std::string b = bytes;
      b[i] ^= 0x5a;
      Column g;
      g.type = c.type;
      if (DecodeValueColumn(b, c.type, c.size(), &g)) {
        EXPECT_EQ(g.size() + g.nums.size() + g.strs.size(), c.size());
      }
    }
  }
  // A dictionary that repeats a large entry past kMaxBlockValueBytes is refused.
  std::string bomb;
  PutFixed8(&bomb, 0);  // dictionary
  PutVarint64(&bomb, 1);
  PutLengthPrefixed(&bomb, std::string(1 << 20, 'z'));
  PutFixed8(&bomb, 0);  // constant codes
  PutVarint64(&bomb, 0);
  Column got;
  got.type = ValueType::kString;
  EXPECT_FALSE(DecodeValueColumn(bomb, ValueType::kString, kMaxBlockPoints, &got));
  EXPECT_TRUE(DecodeValueColumn(bomb, ValueType::kString, 4, &got));
}

}  // namespace
}  // namespace strata
