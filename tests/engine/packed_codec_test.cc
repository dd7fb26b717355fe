#include "packed_codec.h"

#include <gtest/gtest.h>

#include "block_codec.h"

#include <cmath>
#include <limits>
#include <random>

namespace strata {
namespace {

Column RoundTrip(const Column& in) {
  std::string bytes;
  EncodePacked(in, 0, in.size(), &bytes);
  Column out;
  out.type = in.type;
  EXPECT_TRUE(DecodePacked(in.type, bytes, static_cast<uint32_t>(in.size()), &out));
  return out;
}

void ExpectSame(const Column& a, const Column& b) {
  EXPECT_EQ(a.times, b.times);
  EXPECT_EQ(a.nums, b.nums);
  EXPECT_EQ(a.strs, b.strs);
}

Column Times(ValueType type, std::vector<int64_t> times) {
  Column c;
  c.type = type;
  c.times = std::move(times);
  return c;
}

TEST(PackedCodec, RegularDecimalSeriesTakesAboutTwoBytesAPoint) {
  Column c = Times(ValueType::kFloat, {});
  std::mt19937_64 rng(1);
  std::normal_distribution<double> step(0, 1);
  double v = 50;
  for (int i = 0; i < 1024; i++) {
    c.times.push_back(1451606400000000000 + i * 10000000000LL);
    v = std::clamp(v + step(rng), 0.0, 100.0);
    c.nums.push_back(FloatBits(std::round(v * 100) / 100));
  }
  std::string bytes;
  EncodePacked(c, 0, c.size(), &bytes);
  EXPECT_LT(bytes.size(), 2.5 * c.size()) << bytes.size();
  ExpectSame(RoundTrip(c), c);
}

// The float mode byte after the times of c's payload, and the decimal exponent byte (mode 0) or -1.
std::pair<int, int> FloatModeAndExponent(const Column& c) {
  // The times part is as long as in an integer payload of zeros, whose deltas take a byte each.
  Column zeros = Times(ValueType::kInt, c.times);
  zeros.nums.assign(c.size(), 0);
  std::string zero_bytes;
  EncodePacked(zeros, 0, zeros.size(), &zero_bytes);
  const size_t at = zero_bytes.size() - c.size();
  std::string bytes;
  EncodePacked(c, 0, c.size(), &bytes);
  const int mode = static_cast<uint8_t>(bytes.at(at));
  return {mode, mode == 0 ? static_cast<uint8_t>(bytes.at(at + 1)) : -1};
}

TEST(PackedCodec, DecimalExponentIsTheSmallestThatFitsEveryValue) {
  // The exponent rises from 0 to 3 at the third value; the values before it are scaled again.
  Column c = Times(ValueType::kFloat, {1, 2, 3, 4, 5});
  for (double v : {1.0, 2.5, 3.125, -4.0, 0.001}) c.nums.push_back(FloatBits(v));
  EXPECT_EQ(FloatModeAndExponent(c), std::make_pair(0, 3));
  ExpectSame(RoundTrip(c), c);

  Column whole = Times(ValueType::kFloat, {1, 2, 3});
  for (double v : {7.0, -3.0, 1e15}) whole.nums.push_back(FloatBits(v));
  EXPECT_EQ(FloatModeAndExponent(whole), std::make_pair(0, 0));
  ExpectSame(RoundTrip(whole), whole);

  // One value with no short decimal form sends the whole block to XOR, wherever it is.
  for (size_t at : {size_t{0}, size_t{2}, size_t{4}}) {
    Column mixed = c;
    mixed.nums[at] = FloatBits(1.0 / 3);
    EXPECT_EQ(FloatModeAndExponent(mixed).first, 1) << at;
    ExpectSame(RoundTrip(mixed), mixed);
  }
}

TEST(PackedCodec, ArbitraryFloatBitsRoundTripThroughXor) {
  Column c = Times(ValueType::kFloat, {});
  std::mt19937_64 rng(2);
  const double specials[] = {0.0, -0.0, 1e308, -1e-308, 5e-324, 0.1, 1.0 / 3,
                             std::numeric_limits<double>::quiet_NaN(), 123.456e-7};
  for (int i = 0; i < 500; i++) {
    c.times.push_back(static_cast<int64_t>(rng()));  // irregular, even unsorted: the codec keeps order
    c.nums.push_back(i % 3 == 0 ? FloatBits(specials[i % 9]) : rng());
  }
  ExpectSame(RoundTrip(c), c);
}

TEST(PackedCodec, IntegersIncludingExtremesRoundTrip) {
  Column c = Times(ValueType::kInt, {INT64_MIN, -1, 0, 1, INT64_MAX, INT64_MAX, 7});
  for (int64_t v : {INT64_MAX, INT64_MIN, int64_t{0}, int64_t{-5}, INT64_MIN, int64_t{3}, int64_t{3}}) {
    c.nums.push_back(static_cast<uint64_t>(v));
  }
  ExpectSame(RoundTrip(c), c);
}

TEST(PackedCodec, BoolsPackEightToAByte) {
  Column c = Times(ValueType::kBool, {});
  for (int i = 0; i < 100; i++) {
    c.times.push_back(i);
    c.nums.push_back(i % 3 == 0);
  }
  std::string bytes;
  EncodePacked(c, 0, c.size(), &bytes);
  EXPECT_EQ(bytes.size(), 5u + 13u);  // times 0..99: first, (1 x1), (0 x98); 100 bits
  ExpectSame(RoundTrip(c), c);
}

TEST(PackedCodec, StringsRoundTripCompressedOrNot) {
  Column small = Times(ValueType::kString, {1, 2});
  small.strs = {"", "x"};
  ExpectSame(RoundTrip(small), small);
  Column big = Times(ValueType::kString, {});
  for (int i = 0; i < 300; i++) {
    big.times.push_back(i);
    big.strs.push_back(i % 2 ? "status: ok" : std::string("status: degraded\0!", 18));
  }
  std::string bytes;
  EncodePacked(big, 0, big.size(), &bytes);
  EXPECT_LT(bytes.size(), 1000u);
  ExpectSame(RoundTrip(big), big);
}

TEST(PackedCodec, DamagedPayloadsAreRejectedOrDecodeWithoutOverreading) {
  for (ValueType type : {ValueType::kFloat, ValueType::kInt, ValueType::kBool, ValueType::kString}) {
    Column c = Times(type, {});
    for (int i = 0; i < 40; i++) {
      c.times.push_back(1000 + i * 10 + (i % 7 == 0));
      if (type == ValueType::kString) {
        c.strs.push_back("value number " + std::to_string(i));
      } else {
        c.nums.push_back(type == ValueType::kBool ? i % 2 : type == ValueType::kFloat
                                                               ? FloatBits(i * 0.25)
                                                               : static_cast<uint64_t>(i * i));
      }
    }
    std::string bytes;
    EncodePacked(c, 0, c.size(), &bytes);
    for (size_t cut = 0; cut < bytes.size(); cut++) {
      Column out;
      out.type = type;
      EXPECT_FALSE(DecodePacked(type, bytes.substr(0, cut), 40, &out)) << "cut " << cut;
      EXPECT_TRUE(out.empty());
    }
    for (size_t i = 0; i < bytes.size(); i++) {
      std::string bad = bytes;
      bad[i] = static_cast<char>(bad[i] ^ 0x5a);
      Column out;
      out.type = type;
      if (DecodePacked(type, bad, 40, &out)) {
        EXPECT_EQ(out.size(), 40u);  // a decodable flip yields exactly 40 points (the CRC catches it)
      } else {
        EXPECT_TRUE(out.empty());
      }
    }
    Column out;
    out.type = type;
    EXPECT_FALSE(DecodePacked(type, bytes, 41, &out));
    EXPECT_FALSE(DecodePacked(type, bytes + "x", 40, &out));
  }
}

// A times-only column gets the block's times, and no values, in every encoding and type; a raw
// block whose fixed-width values part has the wrong length is still rejected.
TEST(BlockCodec, TimesOnlyDecodesTimesAndSkipsValues) {
  for (BlockEncoding enc : {BlockEncoding::kRaw, BlockEncoding::kPacked}) {
    for (ValueType type :
         {ValueType::kFloat, ValueType::kInt, ValueType::kBool, ValueType::kString}) {
      Column in = Times(type, {-5, 0, 7, 1000, 1001, 5000});
      for (size_t i = 0; i < in.size(); i++) {
        if (type == ValueType::kString) {
          in.strs.push_back(std::string(i * 20, 'x'));  // long enough for zlib
        } else {
          in.nums.push_back(type == ValueType::kBool ? i % 2
                                                     : FloatBits(static_cast<double>(i) / 8));
        }
      }
      std::string bytes;
      EncodeBlock(in, 0, in.size(), &bytes, enc);
      Column out = Times(type, {});
      out.times_only = true;
      ASSERT_TRUE(DecodeBlock(enc, type, bytes, static_cast<uint32_t>(in.size()), &out));
      EXPECT_EQ(out.times, in.times);
      EXPECT_TRUE(out.nums.empty() && out.strs.empty());
      if (enc == BlockEncoding::kRaw && type != ValueType::kString) {
        Column bad = Times(type, {});
        bad.times_only = true;
        EXPECT_FALSE(DecodeBlock(enc, type, bytes.substr(0, bytes.size() - 1),
                                 static_cast<uint32_t>(in.size()), &bad));
        EXPECT_TRUE(bad.times.empty());
      }
    }
  }
}

}  // namespace
}  // namespace strata
