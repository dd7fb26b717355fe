// Segments of format 3 (block statistics in format 3's form) stay readable after format 4:
// engine/data/format3.sst is a format-3 segment checked in, written by the code of main before
// format 4 (`strata import` of `tsbs_cpu.py --hosts 2 --hours 1` plus 400 rows of a tag set
// cpu,host=zz with INTEGER fields near both int64 limits, a BOOLEAN, FLOATs that are not decimal,
// constant and -0.0, and a STRING: 28 series, 10,400 points). Never regenerate it to make a test
// pass. Its statistics must decode to the statistics of its blocks, and format 4 (what compaction
// writes) must carry the very same statistics, in fewer bytes.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "coding.h"
#include "engine/engine_test_util.h"
#include "engine/segment_rewrite.h"
#include "env.h"
#include "segment_format.h"
#include "segment_reader.h"
#include "segment_writer.h"

namespace strata {
namespace {

const std::string kPath = std::string(STRATA_TEST_DATA_DIR) + "/format3.sst";

// Every block of `r` with statistics has those of its points; returns how many have them.
size_t ExpectStatsMatchBlocks(const SegmentReader& r) {
  size_t with_stats = 0;
  for (const SeriesIndexEntry& e : r.index()) {
    for (size_t k = 0; k < e.blocks.size(); k++) {
      const BlockStats* st = r.Stats(e.blocks[k]);
      EXPECT_EQ(st != nullptr, HasBlockStats(e.type, e.blocks[k].count)) << e.key;
      if (st == nullptr) continue;
      with_stats++;
      Column block;
      block.type = e.type;
      EXPECT_TRUE(r.ReadBlock(e, k, &block).has_value());
      EXPECT_EQ(*st, ComputeBlockStats(block, 0, block.size())) << e.key << " block " << k;
    }
  }
  return with_stats;
}

TEST(Format3SegmentTest, CheckedInFormat3SegmentReadsWithItsStatistics) {
  auto r = SegmentReader::Open(Env::Default(), kPath);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ((*r)->format_version(), kSegmentFormatV3);
  EXPECT_EQ((*r)->index().size(), 28u);
  uint64_t points = 0;
  for (const SeriesIndexEntry& e : (*r)->index()) points += e.point_count;
  EXPECT_EQ(points, 10'400u);
  EXPECT_GE(ExpectStatsMatchBlocks(**r), 27u);  // every numeric field has a block of >= 128 rows
  EXPECT_TRUE((*r)->Verify().has_value());
}

// The writer's format-3 path (SegmentWriterOptions::format_version = 3, for tests) is the writer
// of the code before format 4: it writes the checked-in file byte for byte.
TEST(Format3SegmentTest, TheFormat3WriterStillWritesTheCheckedInBytes) {
  auto r = SegmentReader::Open(Env::Default(), kPath);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  testing::TempDir dir;
  const std::string checked_in = ReadWholeFile(kPath);
  RewriteSegment(**r, checked_in, kSegmentFormatV3, dir.Sub("x.sst"));
  EXPECT_EQ(ReadWholeFile(dir.Sub("x.sst")), checked_in);
}

// Format 4 of the same content: the same points, the same statistics block for block, fewer bytes.
TEST(Format3SegmentTest, Format4CarriesTheSameStatisticsInFewerBytes) {
  auto r3 = SegmentReader::Open(Env::Default(), kPath);
  ASSERT_TRUE(r3.has_value()) << r3.error().ToString();
  testing::TempDir dir;
  const std::string checked_in = ReadWholeFile(kPath);
  RewriteSegment(**r3, checked_in, kSegmentFormatV4, dir.Sub("x.sst"));
  auto r4 = SegmentReader::Open(Env::Default(), dir.Sub("x.sst"));
  ASSERT_TRUE(r4.has_value()) << r4.error().ToString();
  EXPECT_EQ((*r4)->format_version(), kSegmentFormatV4);
  ASSERT_EQ((*r4)->index().size(), (*r3)->index().size());
  size_t compared = 0;
  for (size_t s = 0; s < (*r3)->index().size(); s++) {
    const SeriesIndexEntry& a = (*r3)->index()[s];
    const SeriesIndexEntry& b = (*r4)->index()[s];
    EXPECT_EQ(a.key, b.key);
    ASSERT_EQ(a.blocks.size(), b.blocks.size());
    for (size_t k = 0; k < a.blocks.size(); k++) {
      const BlockStats* x = (*r3)->Stats(a.blocks[k]);
      const BlockStats* y = (*r4)->Stats(b.blocks[k]);
      ASSERT_EQ(x == nullptr, y == nullptr) << a.key;
      if (x == nullptr) continue;
      EXPECT_EQ(*x, *y) << a.key << " block " << k;
      compared++;
    }
  }
  EXPECT_GT(compared, 0u);
  EXPECT_GT(ExpectStatsMatchBlocks(**r4), 0u);
  EXPECT_TRUE((*r4)->Verify().has_value());
  EXPECT_LT(ReadWholeFile(dir.Sub("x.sst")).size(), checked_in.size());
}

}  // namespace
}  // namespace strata
