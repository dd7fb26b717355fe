// SegmentSeriesIndex (segment_series_index.h), the lean in-memory index of a segment: keys and
// blocks as views into two buffers per reader. Through real segments (many series, multi-field
// tag sets, multi-block series, lookups by key and by id, its memory per series) and through
// ParseSegmentIndex on crafted indexes (precise errors).
#include "segment_series_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engine/engine_test_util.h"
#include "segment_format.h"
#include "segment_index.h"
#include "segment_reader.h"
#include "segment_writer.h"

namespace strata {
namespace {

Column Numbers(size_t n, int64_t first_time) {
  Column c;
  c.type = ValueType::kFloat;
  for (size_t i = 0; i < n; i++) {
    c.times.push_back(first_time + static_cast<int64_t>(i) * 10);
    c.nums.push_back(i * 3 + 1);
  }
  return c;
}

TEST(SegmentSeriesIndex, BuildsViewsThatSurviveAMove) {
  SegmentSeriesIndex index;
  const size_t a = index.Add(7, "m,host=a", "#x", ValueType::kFloat);
  const size_t b = index.Add(9, "m,host=b", "", ValueType::kInt);
  const size_t first_a = index.AddBlocks(a, 2);
  index.MutableBlock(first_a).count = 3;
  index.MutableBlock(first_a + 1).count = 4;
  index.MutableBlock(index.AddBlocks(b, 1)).count = 5;
  EXPECT_EQ(index.Key(a), "m,host=a#x");
  EXPECT_EQ(index.Blocks(a).size(), 2u);
  index.Finish();
  SegmentSeriesIndex moved = std::move(index);
  ASSERT_EQ(moved.size(), 2u);
  EXPECT_EQ(moved[0].key, "m,host=a#x");
  EXPECT_EQ(moved[0].id, 7u);
  ASSERT_EQ(moved[0].blocks.size(), 2u);
  EXPECT_EQ(moved[0].blocks[0].count, 3u);
  EXPECT_EQ(moved[0].blocks.back().count, 4u);
  EXPECT_EQ(moved[1].key, "m,host=b");
  EXPECT_EQ(moved[1].type, ValueType::kInt);
  ASSERT_EQ(moved[1].blocks.size(), 1u);
  EXPECT_EQ(moved[1].blocks.front().count, 5u);
  // Short keys (in a std::string they would sit in its own bytes) stay valid after the move too.
  EXPECT_EQ(moved.Key(1), "m,host=b");
}

// A segment of many series: most with one field and one block, some tag sets with two fields
// (one time group, two slots), some series of several blocks.
class SegmentSeriesIndexSegment : public ::testing::Test {
 protected:
  static constexpr size_t kTagSets = 20000;

  void SetUp() override {
    path_ = dir_.Sub("many.sst");
    auto w = SegmentWriter::Create(Env::Default(), path_, 1, 0);
    ASSERT_TRUE(w.has_value());
    uint64_t id = 100;
    for (size_t t = 0; t < kTagSets; t++) {
      char host[32];
      snprintf(host, sizeof(host), "m,host=h%06zu", t);
      const bool two_fields = t % 100 == 0;
      const bool long_series = t % 1000 == 7;
      const Column points = Numbers(long_series ? 2 * kMaxBlockPoints + 5 : 1, 1000 + t);
      for (const char* field : {"#a", "#b"}) {
        if (field[1] == 'b' && !two_fields) break;
        keys_.push_back(std::string(host) + field);
        ids_.push_back(id);
        points_.push_back(points.size());
        ASSERT_TRUE((*w)->Add(SegmentSeries{id, keys_.back(), ValueType::kFloat}, points));
        id += 1 + t % 3;  // not dense everywhere: gaps of 0 to 2
      }
    }
    ASSERT_TRUE((*w)->Finish().has_value());
  }

  testing::TempDir dir_;
  std::string path_;
  std::vector<std::string> keys_;
  std::vector<uint64_t> ids_;
  std::vector<size_t> points_;
};

TEST_F(SegmentSeriesIndexSegment, EntriesKeysBlocksAndLookups) {
  auto r = SegmentReader::Open(Env::Default(), path_);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  const std::vector<SeriesIndexEntry>& index = (*r)->index();
  ASSERT_EQ(index.size(), keys_.size());
  for (size_t s = 0; s < index.size(); s++) {
    const SeriesIndexEntry& e = index[s];
    ASSERT_EQ(e.key, keys_[s]);
    ASSERT_EQ(e.id, ids_[s]);
    ASSERT_EQ(e.point_count, points_[s]);
    ASSERT_EQ(e.blocks.size(), (points_[s] + kMaxBlockPoints - 1) / kMaxBlockPoints);
    uint64_t points = 0;
    for (const BlockRef& b : e.blocks) points += b.count;
    ASSERT_EQ(points, e.point_count);
    ASSERT_EQ(e.min_time, e.blocks.front().min_time);
    ASSERT_EQ(e.max_time, e.blocks.back().max_time);
    ASSERT_EQ(e.section_offset, e.blocks.front().offset);
    ASSERT_EQ((*r)->Find(e.id), &e) << e.key;
  }
  // The two fields of a tag set share its row groups, one slot each.
  const auto a = std::lower_bound(keys_.begin(), keys_.end(), "m,host=h000100#a") - keys_.begin();
  ASSERT_EQ(keys_[a + 1], "m,host=h000100#b");
  EXPECT_EQ(index[a].blocks[0].offset, index[a + 1].blocks[0].offset);
  EXPECT_EQ(index[a].blocks[0].slots, 2u);
  EXPECT_EQ(index[a + 1].blocks[0].slot, 1u);
  // Ids absent from the segment, inside and outside its range.
  EXPECT_EQ((*r)->Find(99), nullptr);
  EXPECT_EQ((*r)->Find(ids_.back() + 1), nullptr);
  for (size_t s = 1; s < ids_.size(); s++) {
    if (ids_[s] > ids_[s - 1] + 1) {
      EXPECT_EQ((*r)->Find(ids_[s] - 1), nullptr);
      break;
    }
  }
  // Reading through the views: a multi-block series, whole.
  const size_t long_one = std::find(keys_.begin(), keys_.end(), "m,host=h001007#a") - keys_.begin();
  Column got;
  got.type = ValueType::kFloat;
  ASSERT_TRUE((*r)->Read(index[long_one], INT64_MIN, INT64_MAX, &got));
  EXPECT_EQ(got.times, Numbers(2 * kMaxBlockPoints + 5, 1000 + 1007).times);
  ASSERT_TRUE((*r)->Verify());
}

TEST_F(SegmentSeriesIndexSegment, CostsLittleMemoryPerSeries) {
  auto r = SegmentReader::Open(Env::Default(), path_);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  // An entry, its key's ~16 bytes, one BlockRef and its lookup slot: about 140 bytes. A key string
  // and a vector of blocks per series (the representation before) cost about 250.
  const double per_series = static_cast<double>((*r)->IndexMemoryBytes()) / keys_.size();
  EXPECT_LT(per_series, 160.0);
  EXPECT_GT(per_series, static_cast<double>(sizeof(SeriesIndexEntry) + sizeof(BlockRef)));
}

// The stored index of a segment of `tag_sets`, plain, and the data region it describes.
std::string Encode(const std::vector<TagSetIndex>& tag_sets) {
  return EncodeSegmentIndex(tag_sets, kSegmentFormatVersion);
}

TagSetIndex OneField(const std::string& key, uint64_t id, uint32_t length) {
  TagSetIndex t;
  t.key = key;
  t.fields.push_back(FieldIndex{"#v", id, ValueType::kFloat});
  TimeGroupIndex g;
  g.fields = {0};
  BlockRef b{};
  b.count = 1;
  b.min_time = b.max_time = 5;
  b.length = length;
  g.blocks.push_back(b);
  t.groups.push_back(g);
  return t;
}

TEST(SegmentSeriesIndexParse, CorruptIndexesAreReportedPrecisely) {
  std::string why;
  {  // Well formed: two tag sets, row groups of 10 and 20 bytes filling [64, 94).
    SegmentSeriesIndex out;
    ASSERT_TRUE(ParseSegmentIndex(Encode({OneField("m,a", 1, 10), OneField("m,b", 2, 20)}), 64, 94,
                                  kSegmentFormatVersion, &out, &why))
        << why;
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[1].key, "m,b#v");
    EXPECT_EQ(out[1].blocks[0].offset, 74u);
  }
  {  // Keys out of order.
    SegmentSeriesIndex out;
    EXPECT_FALSE(ParseSegmentIndex(Encode({OneField("m,b", 1, 10), OneField("m,a", 2, 20)}), 64, 94,
                                   kSegmentFormatVersion, &out, &why));
    EXPECT_EQ(why, "tag set 1: keys out of order at 'm,a#v'");
  }
  {  // A row group past the data region.
    SegmentSeriesIndex out;
    EXPECT_FALSE(ParseSegmentIndex(Encode({OneField("m,a", 1, 10), OneField("m,b", 2, 21)}), 64, 94,
                                   kSegmentFormatVersion, &out, &why));
    EXPECT_EQ(why, "tag set 1: block 0: bad length 21");
  }
  {  // Row groups that do not reach the end of the data region.
    SegmentSeriesIndex out;
    EXPECT_FALSE(ParseSegmentIndex(Encode({OneField("m,a", 1, 10), OneField("m,b", 2, 20)}), 64, 95,
                                   kSegmentFormatVersion, &out, &why));
    EXPECT_EQ(why, "row groups do not fill the data region");
  }
  {  // More blocks than the data region could hold (each row group takes kRowGroupMinSize).
    TagSetIndex t = OneField("m,a", 1, 10);
    BlockRef b = t.groups[0].blocks[0];
    for (int k = 1; k < 3; k++) {
      b.min_time = b.max_time = 5 + k;
      t.groups[0].blocks.push_back(b);
    }
    SegmentSeriesIndex out;
    EXPECT_FALSE(ParseSegmentIndex(Encode({t}), 64, 64 + 2 * kRowGroupMinSize,
                                   kSegmentFormatVersion, &out, &why));
    EXPECT_EQ(why, "tag set 0: bad block count");
  }
  {  // A field in no time group.
    TagSetIndex t = OneField("m,a", 1, 10);
    t.fields.push_back(FieldIndex{"#w", 2, ValueType::kFloat});
    SegmentSeriesIndex out;
    EXPECT_FALSE(ParseSegmentIndex(Encode({t}), 64, 74, kSegmentFormatVersion, &out, &why));
    EXPECT_EQ(why, "tag set 0: field 'm,a#w' is in no time group");
  }
}

}  // namespace
}  // namespace strata
