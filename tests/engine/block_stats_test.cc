// Block statistics in segment formats 3 and 4 (block_stats.h): each format's stored form of the
// statistics of real block shapes decodes to exactly the statistics computed from the block (so
// the aggregate view reads the same from either), format 4's is no longer than format 3's on
// decimal gauges, and forged entries that cannot belong to their block are refused.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "block_stats.h"
#include "coding.h"
#include "segment_format.h"

namespace strata {
namespace {

constexpr uint32_t kFormats[] = {kSegmentFormatV3, kSegmentFormatVersion};

Column Block(ValueType type, size_t n, const std::function<uint64_t(size_t)>& value) {
  Column c;
  c.type = type;
  for (size_t i = 0; i < n; i++) {
    c.times.push_back(static_cast<int64_t>(i) * 10);
    c.nums.push_back(value(i));
  }
  return c;
}

uint64_t Fl(double v) { return FloatBits(v); }
uint64_t In(int64_t v) { return static_cast<uint64_t>(v); }

// The block shapes: constant columns, decimal gauges, random walks, extremes.
std::vector<Column> Shapes() {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  std::vector<Column> all;
  const auto f = ValueType::kFloat;
  const auto i = ValueType::kInt;
  all.push_back(Block(f, 360, [](size_t) { return Fl(1.5); }));
  all.push_back(Block(f, 360, [](size_t) { return Fl(0.0); }));
  all.push_back(Block(f, 200, [](size_t) { return Fl(-0.0); }));
  all.push_back(Block(f, 360, [](size_t k) { return Fl(static_cast<double>((k * 7919) % 10000) / 100); }));
  all.push_back(Block(f, 1024, [](size_t k) {
    return Fl(-static_cast<double>((k * 104729) % 1000003) / 1000);
  }));
  // A random walk of 2-decimal values, as tsbs_cpu.py writes.
  all.push_back(Block(f, 360, [](size_t k) {
    double v = 50.0;
    for (size_t j = 0; j <= k; j++) v += ((j * 2654435761u) % 201 - 100.0) / 100;
    return Fl(std::round(v * 100) / 100);
  }));
  all.push_back(Block(f, 300, [](size_t k) { return Fl(std::pow(k * 0.1, 3)); }));  // e = 255
  all.push_back(Block(f, 150, [](size_t k) { return Fl(k % 2 ? 1e300 : -1e300); }));  // sum inf
  all.push_back(Block(f, 150, [](size_t k) { return Fl(k % 2 ? 8.9e17 : 8.99e17); }));  // huge k
  all.push_back(Block(f, 150, [](size_t k) { return Fl(k == 5 ? kInf : 1.25); }));
  all.push_back(Block(f, 150, [](size_t k) { return Fl(k == 5 ? -kInf : 1.25); }));
  all.push_back(Block(f, 150, [](size_t k) { return Fl(k == 0 ? std::nan("") : 2.0); }));
  all.push_back(Block(f, 150, [](size_t k) { return Fl(k == 149 ? std::nan("") : 2.0); }));
  all.push_back(Block(f, 150, [](size_t k) { return Fl(k * 1e-10); }));
  all.push_back(Block(i, 360, [](size_t) { return In(7); }));
  all.push_back(Block(i, 360, [](size_t k) { return In(static_cast<int64_t>(k * k) - 5000); }));
  all.push_back(Block(i, 200, [](size_t k) { return In(k % 2 ? kMax - k : kMin + k); }));
  all.push_back(Block(i, 200, [](size_t) { return In(kMax); }));
  all.push_back(Block(i, 200, [](size_t) { return In(kMin); }));
  all.push_back(Block(i, 1024, [](size_t k) { return In(kMin + static_cast<int64_t>(k % 3)); }));
  all.push_back(Block(ValueType::kBool, 400, [](size_t k) { return k % 3 == 0 ? 1u : 0u; }));
  all.push_back(Block(ValueType::kBool, 128, [](size_t) { return 1u; }));
  all.push_back(Block(ValueType::kBool, 128, [](size_t) { return 0u; }));
  return all;
}

TEST(BlockStatsTest, EveryShapeRoundTripsInBothFormats) {
  for (const Column& c : Shapes()) {
    const BlockStats s = ComputeBlockStats(c, 0, c.size());
    for (uint32_t format : kFormats) {
      SCOPED_TRACE("format " + std::to_string(format) + ", " + std::to_string(c.size()) +
                   " rows of type " + std::to_string(static_cast<int>(c.type)) + ", first " +
                   std::to_string(c.nums[0]));
      std::string bytes;
      EncodeBlockStats(format, c.type, c.size(), s, &bytes);
      Decoder d(bytes);
      BlockStats back;
      ASSERT_TRUE(DecodeBlockStats(&d, format, c.type, c.size(), &back));
      EXPECT_EQ(back, s);  // bit for bit: NaN, -0.0 and infinities included
      EXPECT_EQ(d.remaining(), 0u);
      // Every truncation is refused.
      for (size_t n = 0; n < bytes.size(); n++) {
        Decoder t(std::string_view(bytes).substr(0, n));
        EXPECT_FALSE(DecodeBlockStats(&t, format, c.type, c.size(), &back)) << n;
      }
    }
  }
}

TEST(BlockStatsTest, Format4IsSmallerOnDecimalGauges) {
  size_t v3 = 0, v4 = 0;
  for (const Column& c : Shapes()) {
    const BlockStats s = ComputeBlockStats(c, 0, c.size());
    std::string a, b;
    EncodeBlockStats(kSegmentFormatV3, c.type, c.size(), s, &a);
    EncodeBlockStats(kSegmentFormatVersion, c.type, c.size(), s, &b);
    v3 += a.size();
    v4 += b.size();
  }
  EXPECT_LT(v4, v3);
  // The random walk of 2-decimal values (tsbs_cpu.py's shape): format 3 takes 19 bytes here.
  const Column walk = Shapes()[5];
  const BlockStats s = ComputeBlockStats(walk, 0, walk.size());
  std::string a, b;
  EncodeBlockStats(kSegmentFormatV3, walk.type, walk.size(), s, &a);
  EncodeBlockStats(kSegmentFormatVersion, walk.type, walk.size(), s, &b);
  EXPECT_LE(b.size() + 4, a.size()) << a.size() << " " << b.size();
}

// Entries that pass the index CRC but cannot belong to their block are refused in format 4 too.
TEST(BlockStatsTest, Format4RefusesImpossibleEntries) {
  const Column ints = Block(ValueType::kInt, 200, [](size_t k) { return In(static_cast<int64_t>(k)); });
  const BlockStats s = ComputeBlockStats(ints, 0, ints.size());
  auto refused = [&](const BlockStats& bad, ValueType type) {
    std::string bytes;
    EncodeBlockStats(kSegmentFormatVersion, type, ints.size(), bad, &bytes);
    Decoder d(bytes);
    BlockStats back;
    return !DecodeBlockStats(&d, kSegmentFormatVersion, type, ints.size(), &back);
  };
  BlockStats bad = s;
  bad.isum = s.max_prefix + 1;
  EXPECT_TRUE(refused(bad, ValueType::kInt));
  bad = s;
  bad.isum = -1;  // below rows x min
  EXPECT_TRUE(refused(bad, ValueType::kInt));
  bad = s;
  bad.max = 2;  // a boolean of 2
  bad.isum = 1;
  bad.min_prefix = 0;
  bad.max_prefix = 1;
  EXPECT_TRUE(refused(bad, ValueType::kBool));
  // A first value above max: format 4 stores it as min + a difference, forged past max.
  std::string bytes;
  PutVarsint64(&bytes, 0);  // min
  PutVarint64(&bytes, 10);  // max - min
  PutVarint64(&bytes, 11);  // first - min: above max
  PutVarint64(&bytes, 0);
  bytes.append(std::string(3, '\0'));
  Decoder d(bytes);
  BlockStats back;
  EXPECT_FALSE(DecodeBlockStats(&d, kSegmentFormatVersion, ValueType::kInt, 200, &back));
  // A float entry with a difference that leaves the scaled range.
  std::string fb;
  PutFixed8(&fb, 2);
  PutVarsint64(&fb, 8'000'000'000'000'000);
  PutVarint64(&fb, 2'000'000'000'000'000);
  PutVarint64(&fb, 0);
  PutVarint64(&fb, 0);
  fb.append(std::string(2, '\0'));
  Decoder fd(fb);
  EXPECT_FALSE(DecodeBlockStats(&fd, kSegmentFormatVersion, ValueType::kFloat, 200, &back));
}

}  // namespace
}  // namespace strata
