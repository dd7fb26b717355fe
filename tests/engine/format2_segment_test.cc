// Segments of format 2 written before block statistics (format 3) stay readable:
// engine/data/format2.sst is a format-2 segment checked in, written by the code of main before
// format 3 (SegmentWriter's default then: segment id 1, created at 1.7e18, the content of
// checked_in_segment.h, as format1.sst). Never regenerate it to make a test pass. It must keep
// opening, reading and verifying with those points, and its blocks have no statistics
// (aggregates decode them).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "coding.h"
#include "engine/checked_in_segment.h"
#include "engine/engine_test_util.h"
#include "env.h"
#include "segment_format.h"
#include "segment_reader.h"
#include "segment_writer.h"

namespace strata {
namespace {

const std::string kPath = std::string(STRATA_TEST_DATA_DIR) + "/format2.sst";

TEST(Format2SegmentTest, CheckedInPreStatisticsSegmentReadsAndVerifies) {
  auto r = SegmentReader::Open(Env::Default(), kPath);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ((*r)->format_version(), kSegmentFormatV2);
  ExpectHoldsCheckedInContent(**r);
  for (const SeriesIndexEntry& e : (*r)->index()) {
    for (const BlockRef& b : e.blocks) EXPECT_EQ((*r)->Stats(b), nullptr) << e.key;
  }
}

// The writer's format-2 path (SegmentWriterOptions::format_version = 2, for tests) is the writer
// of the code before format 3: it writes the checked-in file byte for byte.
TEST(Format2SegmentTest, TheFormat2WriterStillWritesTheCheckedInBytes) {
  testing::TempDir dir;
  SegmentWriterOptions options;
  options.format_version = kSegmentFormatV2;
  auto w = SegmentWriter::Create(Env::Default(), dir.Sub("x.sst"), 1, 1'700'000'000'000'000'000,
                                 options);
  ASSERT_TRUE(w.has_value());
  for (const FixtureSeries& s : CheckedInSegmentContent()) {
    ASSERT_TRUE((*w)->Add(s.series, s.points));
  }
  ASSERT_TRUE((*w)->Finish().has_value());
  auto read = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  EXPECT_EQ(read(dir.Sub("x.sst")), read(kPath));
}

// The same content written now (format 3) reads the same, and its large numeric blocks carry
// statistics that match their points.
TEST(Format2SegmentTest, Format3OfTheSameContentHasMatchingStatistics) {
  testing::TempDir dir;
  auto w = SegmentWriter::Create(Env::Default(), dir.Sub("x.sst"), 1, 1, SegmentWriterOptions());
  ASSERT_TRUE(w.has_value());
  for (const FixtureSeries& s : CheckedInSegmentContent()) {
    ASSERT_TRUE((*w)->Add(s.series, s.points));
  }
  ASSERT_TRUE((*w)->Finish().has_value());
  auto r = SegmentReader::Open(Env::Default(), dir.Sub("x.sst"));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ((*r)->format_version(), kSegmentFormatVersion);
  size_t with_stats = 0;
  for (const SeriesIndexEntry& e : (*r)->index()) {
    for (size_t k = 0; k < e.blocks.size(); k++) {
      const BlockStats* st = (*r)->Stats(e.blocks[k]);
      EXPECT_EQ(st != nullptr, HasBlockStats(e.type, e.blocks[k].count)) << e.key;
      if (st == nullptr) continue;
      with_stats++;
      Column block;
      block.type = e.type;
      ASSERT_TRUE((*r)->ReadBlock(e, k, &block).has_value());
      EXPECT_EQ(*st, ComputeBlockStats(block, 0, block.size())) << e.key << " block " << k;
    }
  }
  EXPECT_GT(with_stats, 0u);
  EXPECT_TRUE((*r)->Verify().has_value());
}

// A damaged statistics entry (any byte of the index that holds it) is caught by the index CRC:
// Open reports Corrupt naming the file. (Entries that pass the CRC but cannot belong to their
// block are refused by DecodeBlockStats: summary_cursor_test.cc.)
TEST(Format2SegmentTest, DamagedStatisticsAreCorrupt) {
  testing::TempDir dir;
  const std::string path = dir.Sub("x.sst");
  {
    auto w = SegmentWriter::Create(Env::Default(), path, 1, 1, SegmentWriterOptions());
    ASSERT_TRUE(w.has_value());
    Column c;
    c.type = ValueType::kInt;
    for (int i = 0; i < 300; i++) {
      c.times.push_back(1'000'000'000LL * i);
      c.nums.push_back(static_cast<uint64_t>(i * 3));
    }
    ASSERT_TRUE((*w)->Add({1, "m#v", ValueType::kInt}, c));
    ASSERT_TRUE((*w)->Finish().has_value());
  }
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const uint64_t index_at = DecodeFixed64(bytes.data() + bytes.size() - kFooterSize + 32);
  const uint64_t index_len = DecodeFixed64(bytes.data() + bytes.size() - kFooterSize + 40);
  int corrupt = 0;
  for (uint64_t at = index_at; at < index_at + index_len; at++) {
    std::string bad = bytes;
    bad[at] ^= 0x10;
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bad;
    auto r = SegmentReader::Open(Env::Default(), path);
    ASSERT_FALSE(r.has_value()) << "flip at " << at;
    EXPECT_EQ(r.error().code(), Code::kCorrupt);
    EXPECT_NE(r.error().ToString().find(path), std::string::npos);
    corrupt++;
  }
  EXPECT_GT(corrupt, 0);
}

}  // namespace
}  // namespace strata
