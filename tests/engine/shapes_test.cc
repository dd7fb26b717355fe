// Every shape of tests/shapes/shaped_data.h through every engine path that stores points: the
// block codecs, WAL record payloads, the MemStore, segment files, compaction, reopen (issue 13).
#include <gtest/gtest.h>

#include <algorithm>

#include "block_codec.h"
#include "engine/engine_test_util.h"
#include "memstore.h"
#include "packed_codec.h"
#include "segment_format.h"
#include "segment_reader.h"
#include "segment_writer.h"
#include "series_key.h"
#include "shapes/shaped_data.h"
#include "wal_entry.h"

namespace strata {
namespace {

using shapes::Shape;

constexpr int64_t kFirstTime = 1704067200000000000;  // 2024-01-01

void ExpectSameColumn(const Column& want, const Column& got, const std::string& what) {
  ASSERT_EQ(want.type, got.type) << what;
  ASSERT_EQ(want.times, got.times) << what;
  ASSERT_EQ(want.nums, got.nums) << what;
  ASSERT_EQ(want.strs, got.strs) << what;
}

Column Slice(const Column& c, size_t begin, size_t end) {
  Column out;
  out.type = c.type;
  for (size_t i = begin; i < end; i++) out.AppendFrom(c, i);
  return out;
}

// The block codecs on the points a segment block holds: sorted, at most kMaxBlockPoints at a time.
TEST(Shapes, EveryBlockEncodingRoundTripsEveryShape) {
  for (const Shape& shape : shapes::AllShapes(shapes::InterestingLengths())) {
    const Column want = shapes::Expected(shapes::Generate(shape, 7, kFirstTime));
    for (BlockEncoding encoding : {BlockEncoding::kRaw, BlockEncoding::kPacked}) {
      for (size_t begin = 0; begin < want.size(); begin += kMaxBlockPoints) {
        const size_t end = std::min(want.size(), begin + kMaxBlockPoints);
        std::string bytes;
        EncodeBlock(want, begin, end, &bytes, encoding);
        Column got;
        got.type = want.type;
        const std::string what = shapes::Name(shape) + " encoding " +
                                 std::to_string(static_cast<int>(encoding)) + " block at " +
                                 std::to_string(begin);
        ASSERT_TRUE(DecodeBlock(encoding, want.type, bytes, static_cast<uint32_t>(end - begin),
                                &got))
            << what;
        ExpectSameColumn(Slice(want, begin, end), got, what);
        Column times_only;
        times_only.type = want.type;
        times_only.times_only = true;
        ASSERT_TRUE(DecodeBlock(encoding, want.type, bytes, static_cast<uint32_t>(end - begin),
                                &times_only))
            << what;
        ASSERT_EQ(Slice(want, begin, end).times, times_only.times) << what;
      }
    }
  }
}

// WAL records carry a batch's columns as written: unsorted, with duplicate times, one column of
// any length.
TEST(Shapes, WriteRecordsRoundTripEveryShapeAsWritten) {
  for (const Shape& shape : shapes::AllShapes(shapes::InterestingLengths())) {
    const Column written = shapes::Generate(shape, 11, kFirstTime);
    WritePart part{"m", 0, {SeriesPoints{7, &written}}};
    std::string payload;
    EncodeWriteRecord({}, std::span<const WritePart>(&part, 1), &payload);
    DecodedWrite decoded;
    ASSERT_TRUE(DecodeWriteRecord(payload, &decoded)) << shapes::Name(shape);
    ASSERT_EQ(decoded.parts.size(), 1u);
    ASSERT_EQ(decoded.parts[0].series.size(), 1u);
    ExpectSameColumn(written, *decoded.parts[0].series[0].points, shapes::Name(shape));
  }
}

TEST(Shapes, MemStoreKeepsTheLastWriteOfEveryShape) {
  for (const Shape& shape : shapes::AllShapes({1, 2, 1025, 5000})) {
    const Column written = shapes::Generate(shape, 13, kFirstTime);
    MemStore mem;
    // In two writes, so that duplicates and descending times also meet across writes.
    const size_t half = written.size() / 2;
    mem.Add(1, Slice(written, 0, half));
    mem.Add(1, Slice(written, half, written.size()));
    Column got;
    ASSERT_TRUE(mem.Read(1, INT64_MIN, INT64_MAX, &got));
    ExpectSameColumn(shapes::Expected(written), got, shapes::Name(shape));
  }
}

TEST(Shapes, SegmentsRoundTripEveryShape) {
  testing::TempDir dir;
  const auto all = shapes::AllShapes(shapes::InterestingLengths());
  std::vector<std::pair<std::string, Column>> series;  // sorted by key
  for (const Shape& shape : all) {
    series.emplace_back("m,shape=" + shapes::Name(shape) + "#v",
                        shapes::Expected(shapes::Generate(shape, 17, kFirstTime)));
  }
  std::sort(series.begin(), series.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  const std::string path = dir.Sub("seg.sst");
  auto writer = SegmentWriter::Create(Env::Default(), path, 1, 0);
  ASSERT_TRUE(writer.has_value());
  for (size_t i = 0; i < series.size(); i++) {
    ASSERT_TRUE((*writer)->Add(SegmentSeries{i + 1, series[i].first, series[i].second.type},
                               series[i].second));
  }
  ASSERT_TRUE((*writer)->Finish().has_value());
  auto reader = SegmentReader::Open(Env::Default(), path);
  ASSERT_TRUE(reader.has_value()) << reader.error().ToString();
  ASSERT_TRUE((*reader)->Verify()) << (*reader)->Verify().error().ToString();
  for (size_t i = 0; i < series.size(); i++) {
    const SeriesIndexEntry* e = (*reader)->Find(i + 1);
    ASSERT_NE(e, nullptr);
    Column got;
    got.type = e->type;
    auto s = (*reader)->Read(*e, INT64_MIN, INT64_MAX, &got);
    ASSERT_TRUE(s) << series[i].first << ": " << s.error().ToString();
    ExpectSameColumn(series[i].second, got, series[i].first);
  }
}

// Every shape as a series of one data directory, written in batches of up to 700 points (so that
// duplicates and descending times meet across batches and WAL records), then read back from the
// MemStores, after a flush, after a compaction and after a reopen (from segments), and once more
// after a reopen that replays the WAL.
class ShapesEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const Shape& shape : shapes::AllShapes({1, 2, 1023, 1025, 2049, 5000})) {
      shapes_.push_back(shape);
      written_.push_back(shapes::Generate(shape, 19, kFirstTime));
    }
  }

  static std::string Field(ValueType type) { return std::string("f_") + ValueTypeName(type); }

  std::shared_ptr<StorageEngine> Open() {
    Options o;
    o.memstore_bytes = 1 << 20;  // some flushes happen on their own, mid-write
    auto db = StorageEngine::Open(dir_.path(), o);
    EXPECT_TRUE(db.has_value()) << db.error().ToString();
    return db.value_or(nullptr);
  }

  void WriteAll(StorageEngine& db) {
    constexpr size_t kBatchPoints = 700;
    size_t done = 0, total = 0;
    for (const Column& c : written_) total += c.size();
    std::vector<size_t> at(written_.size(), 0);
    while (done < total) {
      WriteBatch batch;
      for (size_t i = 0; i < written_.size(); i++) {
        const Column& c = written_[i];
        const size_t end = std::min(c.size(), at[i] + kBatchPoints);
        if (at[i] == end) continue;
        const std::vector<Tag> tags = {{"shape", shapes::Name(shapes_[i])}};
        for (size_t k = at[i]; k < end; k++) {
          ASSERT_TRUE(batch.Add("shapes", tags, Field(c.type), c.times[k], c.type,
                                c.type == ValueType::kString ? 0 : c.nums[k],
                                c.type == ValueType::kString ? c.strs[k] : ""));
        }
        done += end - at[i];
        at[i] = end;
      }
      auto s = db.Write(batch);
      ASSERT_TRUE(s) << s.error().ToString();
    }
  }

  void ExpectAll(StorageEngine& db, const std::string& when) {
    QueryRequest q;
    q.measurement = "shapes";
    auto cursor = db.Query(q);
    ASSERT_TRUE(cursor.has_value()) << cursor.error().ToString();
    std::map<std::string, Column> got;
    while (true) {
      auto more = (*cursor)->Next();
      ASSERT_TRUE(more.has_value()) << when << ": " << more.error().ToString();
      if (!*more) break;
      Column& c = got[(*cursor)->series().key];
      const Column& p = (*cursor)->points();
      c.type = p.type;
      for (size_t i = 0; i < p.size(); i++) c.AppendFrom(p, i);
    }
    ASSERT_EQ(got.size(), shapes_.size()) << when;
    for (size_t i = 0; i < shapes_.size(); i++) {
      const std::vector<Tag> tags = {{"shape", shapes::Name(shapes_[i])}};
      const std::string key = MakeSeriesKey("shapes", tags, Field(shapes_[i].type));
      ASSERT_TRUE(got.contains(key)) << when << ": " << key;
      ExpectSameColumn(shapes::Expected(written_[i]), got[key], when + ": " + key);
    }
  }

  testing::TempDir dir_;
  std::vector<Shape> shapes_;
  std::vector<Column> written_;
};

TEST_F(ShapesEngineTest, EveryShapeSurvivesFlushCompactionAndReopen) {
  {
    auto db = Open();
    ASSERT_NE(db, nullptr);
    WriteAll(*db);
    ExpectAll(*db, "written");
  }
  {
    auto db = Open();  // replays the WAL
    ASSERT_NE(db, nullptr);
    ExpectAll(*db, "reopened, replayed");
    ASSERT_TRUE(db->Flush());
    ExpectAll(*db, "flushed");
    ASSERT_TRUE(db->Compact());
    ExpectAll(*db, "compacted");
    EXPECT_TRUE(db->Verify().empty());
  }
  auto db = Open();
  ASSERT_NE(db, nullptr);
  ExpectAll(*db, "reopened from segments");
}

}  // namespace
}  // namespace strata
