// Segments of format 1 stay readable: engine/data/format1.sst is a format-1 segment checked in
// (written by the format-1 writer, SegmentWriterOptions::format_version = 1, which is the writer
// of the code before format 2), and it must keep opening, reading and verifying with the points
// of checked_in_segment.h; and a shard whose only segment is of format 1 is rewritten as format 2 by compaction.
// DISABLED_Regenerate rewrites the file (run with --gtest_also_run_disabled_tests
// --gtest_filter='*Regenerate'); never regenerate it to make the test pass.
#include <gtest/gtest.h>

#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "engine/checked_in_segment.h"
#include "engine/engine_test_util.h"
#include "env.h"
#include "segment_format.h"
#include "segment_reader.h"
#include "segment_writer.h"

namespace strata {
namespace {

const std::string kPath = std::string(STRATA_TEST_DATA_DIR) + "/format1.sst";

TEST(Format1SegmentTest, CheckedInFormat1SegmentReadsAndVerifies) {
  auto r = SegmentReader::Open(Env::Default(), kPath);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ((*r)->format_version(), kSegmentFormatV1);
  ExpectHoldsCheckedInContent(**r);
}

// The segment files of the shard directory `dir`.
std::vector<std::string> SegmentFiles(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".sst") out.push_back(e.path().string());
  }
  return out;
}

// A shard whose only segment is of format 1 reads as before, and compaction rewrites it as format
// 2 with the same points.
TEST(Format1SegmentTest, CompactionRewritesALoneFormat1Segment) {
  testing::TempDir dir;
  const std::string shard = dir.Sub("db") + "/shards/m/0";
  constexpr int kPoints = 2000;
  {
    auto db = StorageEngine::Open(dir.Sub("db"), Options());
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    const std::vector<Tag> tags = {{"h", "a"}};
    WriteBatch b;
    for (int i = 0; i < kPoints; i++) {
      ASSERT_TRUE(b.AddFloat("m", tags, "f", 1000 + i, i * 0.5));
      ASSERT_TRUE(b.AddString("m", tags, "s", 1000 + 2 * i, i % 3 ? "up" : ""));
    }
    ASSERT_TRUE((*db)->Write(b));
    ASSERT_TRUE((*db)->Flush());
  }
  // Rewrite the flushed segment, in place, as format 1 holding the same series and points.
  const std::vector<std::string> files = SegmentFiles(shard);
  ASSERT_EQ(files.size(), 1u);
  {
    auto r = SegmentReader::Open(Env::Default(), files[0]);
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ((*r)->format_version(), kSegmentFormatVersion);
    std::vector<FixtureSeries> all;
    for (const SeriesIndexEntry& e : (*r)->index()) {
      FixtureSeries s{{e.id, std::string(e.key), e.type}, Column{}};
      s.points.type = e.type;
      ASSERT_TRUE((*r)->Read(e, std::numeric_limits<int64_t>::min(),
                             std::numeric_limits<int64_t>::max(), &s.points));
      all.push_back(std::move(s));
    }
    SegmentWriterOptions options;
    options.format_version = kSegmentFormatV1;
    auto w = SegmentWriter::Create(Env::Default(), files[0] + ".v1", (*r)->id(),
                                   (*r)->created_at(), options);
    ASSERT_TRUE(w.has_value());
    for (const FixtureSeries& s : all) ASSERT_TRUE((*w)->Add(s.series, s.points));
    ASSERT_TRUE((*w)->Finish().has_value());
    std::filesystem::rename(files[0] + ".v1", files[0]);
  }
  auto db = StorageEngine::Open(dir.Sub("db"), Options());
  ASSERT_TRUE(db.has_value()) << db.error().ToString();
  auto count = [&]() {
    QueryRequest q;
    q.measurement = "m";
    q.min_time = 0;
    q.max_time = std::numeric_limits<int64_t>::max();
    auto cursor = (*db)->Query(q);
    EXPECT_TRUE(cursor.has_value());
    size_t n = 0;
    while (cursor.has_value()) {
      auto more = (*cursor)->Next();
      EXPECT_TRUE(more.has_value());
      if (!more.has_value() || !*more) break;
      n += (*cursor)->points().size();
    }
    return n;
  };
  EXPECT_EQ(count(), 2u * kPoints);
  ASSERT_TRUE((*db)->Compact());
  EXPECT_EQ(count(), 2u * kPoints);
  const std::vector<std::string> after = SegmentFiles(shard);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_NE(after[0], files[0]);
  auto r = SegmentReader::Open(Env::Default(), after[0]);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ((*r)->format_version(), kSegmentFormatVersion);
  EXPECT_EQ((*r)->point_count(), 2u * kPoints);
}

TEST(Format1SegmentTest, DISABLED_Regenerate) {
  SegmentWriterOptions options;
  options.format_version = kSegmentFormatV1;
  (void)Env::Default()->RemoveFile(kPath);
  auto w = SegmentWriter::Create(Env::Default(), kPath, 1, 1'700'000'000'000'000'000, options);
  ASSERT_TRUE(w.has_value());
  for (const FixtureSeries& s : CheckedInSegmentContent()) {
    ASSERT_TRUE((*w)->Add(s.series, s.points));
  }
  ASSERT_TRUE((*w)->Finish().has_value());
}

}  // namespace
}  // namespace strata
