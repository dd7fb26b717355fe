// Segments of format 1 stay readable: engine/data/format1.sst is a format-1 segment checked in
// (written by the format-1 writer, SegmentWriterOptions::format_version = 1, which is the writer
// of the code before format 2), and it must keep opening, reading and verifying with the points
// below. DISABLED_Regenerate rewrites it (run with --gtest_also_run_disabled_tests
// --gtest_filter='*Regenerate'); never regenerate it to make the test pass.
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "env.h"
#include "segment_format.h"
#include "segment_reader.h"
#include "segment_writer.h"

namespace strata {
namespace {

struct FixtureSeries {
  SegmentSeries series;
  Column points;
};

// The fixture's content, by formula: all four types, a series of two blocks, repeated and empty
// strings, negative ints, fractional floats.
std::vector<FixtureSeries> Format1Content() {
  std::vector<FixtureSeries> all;
  auto add = [&](uint64_t id, std::string key, ValueType type, size_t n, auto value) {
    FixtureSeries s{{id, std::move(key), type}, Column{}};
    s.points.type = type;
    for (size_t i = 0; i < n; i++) {
      s.points.times.push_back(1'700'000'000'000'000'000 + static_cast<int64_t>(i) * 10'000'000'000);
      value(i, &s.points);
    }
    all.push_back(std::move(s));
  };
  add(3, "cpu,host=a#count", ValueType::kInt, 300, [](size_t i, Column* c) {
    c->nums.push_back(static_cast<uint64_t>(static_cast<int64_t>(i * i) - 1000));
  });
  add(1, "cpu,host=a#usage", ValueType::kFloat, 1500,
      [](size_t i, Column* c) { c->nums.push_back(FloatBits(static_cast<double>(i) * 0.25)); });
  add(2, "cpu,host=b#up", ValueType::kBool, 50,
      [](size_t i, Column* c) { c->nums.push_back(i % 3 == 0 ? 1 : 0); });
  add(4, "proc,name=x#state", ValueType::kString, 20, [](size_t i, Column* c) {
    const char* states[] = {"run", "sleep", ""};
    c->strs.push_back(states[i % 3]);
  });
  return all;
}

const std::string kPath = std::string(STRATA_TEST_DATA_DIR) + "/format1.sst";

TEST(Format1SegmentTest, CheckedInFormat1SegmentReadsAndVerifies) {
  auto r = SegmentReader::Open(Env::Default(), kPath);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ((*r)->format_version(), kSegmentFormatV1);
  const std::vector<FixtureSeries> want = Format1Content();
  ASSERT_EQ((*r)->index().size(), want.size());
  for (size_t s = 0; s < want.size(); s++) {
    const SeriesIndexEntry& e = (*r)->index()[s];
    EXPECT_EQ(e.key, want[s].series.key);
    EXPECT_EQ(e.id, want[s].series.id);
    ASSERT_EQ(e.type, want[s].series.type);
    Column got;
    got.type = e.type;
    ASSERT_TRUE((*r)->Read(e, std::numeric_limits<int64_t>::min(),
                           std::numeric_limits<int64_t>::max(), &got)
                    .has_value());
    EXPECT_EQ(got.times, want[s].points.times) << e.key;
    EXPECT_EQ(got.nums, want[s].points.nums) << e.key;
    EXPECT_EQ(got.strs, want[s].points.strs) << e.key;
  }
  EXPECT_EQ((*r)->index()[1].blocks.size(), 2u);  // 1500 points: two blocks
  EXPECT_TRUE((*r)->Verify().has_value());
}

TEST(Format1SegmentTest, DISABLED_Regenerate) {
  SegmentWriterOptions options;
  options.format_version = kSegmentFormatV1;
  (void)Env::Default()->RemoveFile(kPath);
  auto w = SegmentWriter::Create(Env::Default(), kPath, 1, 1'700'000'000'000'000'000, options);
  ASSERT_TRUE(w.has_value());
  for (const FixtureSeries& s : Format1Content()) ASSERT_TRUE((*w)->Add(s.series, s.points));
  ASSERT_TRUE((*w)->Finish().has_value());
}

}  // namespace
}  // namespace strata
