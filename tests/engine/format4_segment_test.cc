// Segments of format 4 stay readable after format 5 (engine/README.md 10.10):
// engine/data/format4.sst is a format-4 segment checked in, written by `strata import` of main
// before format 5 (`tsbs_cpu.py --hosts 2 --hours 1` plus 400 rows of a tag set cpu,host=zz with
// jittered nanosecond times, INTEGER fields near both int64 limits and a growing counter, a
// BOOLEAN in runs, FLOATs that are not decimal, constant and -0.0, and a STRING with repeats and
// an empty value: 28 series, 10,400 points). Never regenerate it to make a test pass. The
// format-4 writer (SegmentWriterOptions::format_version = 4, for tests) must still write it byte
// for byte, and format 5 (what compaction writes) must carry the same points in fewer bytes.
#include <gtest/gtest.h>

#include <string>

#include "coding.h"
#include "engine/engine_test_util.h"
#include "engine/segment_rewrite.h"
#include "env.h"
#include "segment_format.h"
#include "segment_reader.h"
#include "segment_writer.h"

namespace strata {
namespace {

const std::string kPath = std::string(STRATA_TEST_DATA_DIR) + "/format4.sst";

TEST(Format4SegmentTest, CheckedInFormat4SegmentReadsAndVerifies) {
  auto r = SegmentReader::Open(Env::Default(), kPath);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ((*r)->format_version(), kSegmentFormatV4);
  EXPECT_EQ((*r)->index().size(), 28u);
  uint64_t points = 0;
  for (const SeriesIndexEntry& e : (*r)->index()) points += e.point_count;
  EXPECT_EQ(points, 10'400u);
  EXPECT_TRUE((*r)->Verify().has_value());
}

TEST(Format4SegmentTest, TheFormat4WriterStillWritesTheCheckedInBytes) {
  auto r = SegmentReader::Open(Env::Default(), kPath);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  testing::TempDir dir;
  const std::string checked_in = ReadWholeFile(kPath);
  RewriteSegment(**r, checked_in, kSegmentFormatV4, dir.Sub("x.sst"));
  EXPECT_EQ(ReadWholeFile(dir.Sub("x.sst")), checked_in);
}

// Format 5 of the same content: every series with the same points and statistics, fewer bytes.
TEST(Format4SegmentTest, Format5HoldsTheSamePointsInFewerBytes) {
  auto r4 = SegmentReader::Open(Env::Default(), kPath);
  ASSERT_TRUE(r4.has_value()) << r4.error().ToString();
  testing::TempDir dir;
  const std::string checked_in = ReadWholeFile(kPath);
  RewriteSegment(**r4, checked_in, kSegmentFormatVersion, dir.Sub("x.sst"));
  auto r5 = SegmentReader::Open(Env::Default(), dir.Sub("x.sst"));
  ASSERT_TRUE(r5.has_value()) << r5.error().ToString();
  EXPECT_EQ((*r5)->format_version(), kSegmentFormatVersion);
  ASSERT_EQ((*r5)->index().size(), (*r4)->index().size());
  for (size_t s = 0; s < (*r4)->index().size(); s++) {
    const SeriesIndexEntry& a = (*r4)->index()[s];
    const SeriesIndexEntry& b = (*r5)->index()[s];
    ASSERT_EQ(a.key, b.key);
    Column x, y;
    x.type = a.type;
    y.type = b.type;
    ASSERT_TRUE((*r4)->Read(a, INT64_MIN, INT64_MAX, &x).has_value());
    ASSERT_TRUE((*r5)->Read(b, INT64_MIN, INT64_MAX, &y).has_value());
    EXPECT_EQ(x.times, y.times) << a.key;
    EXPECT_EQ(x.nums, y.nums) << a.key;
    EXPECT_EQ(x.strs, y.strs) << a.key;
    ASSERT_EQ(a.blocks.size(), b.blocks.size()) << a.key;
    for (size_t k = 0; k < a.blocks.size(); k++) {
      const BlockStats* p = (*r4)->Stats(a.blocks[k]);
      const BlockStats* q = (*r5)->Stats(b.blocks[k]);
      ASSERT_EQ(p == nullptr, q == nullptr) << a.key;
      if (p != nullptr) {
        EXPECT_EQ(*p, *q) << a.key << " block " << k;
      }
    }
  }
  EXPECT_TRUE((*r5)->Verify().has_value());
  EXPECT_LT(ReadWholeFile(dir.Sub("x.sst")).size(), checked_in.size());
}

}  // namespace
}  // namespace strata
