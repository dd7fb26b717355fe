#include "write_batch.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "line_protocol.h"
#include "series_key.h"

namespace strata {
namespace {

const WriteBatch::Series* FindSeries(const WriteBatch& b, const std::string& key) {
  for (const auto& s : b.series()) {
    if (s.key == key) return &s;
  }
  return nullptr;
}

Status AddLines(WriteBatch* b, std::string_view text) {
  LineProtocolParser parser;
  return parser.Parse(text, 0, [b](const ParsedLine& line) { return b->AddLine(line); });
}

TEST(WriteBatch, PointsKeepTheOrderAddedWithDuplicatesAndOutOfOrderTimes) {
  WriteBatch b;
  const std::vector<Tag> tags = {{"host", "a"}};
  const int64_t times[] = {30, 10, 10, 20, INT64_MAX, INT64_MIN + 1, 10};
  for (size_t i = 0; i < std::size(times); i++) {
    ASSERT_TRUE(b.AddInt("cpu", tags, "n", times[i], static_cast<int64_t>(i)));
  }
  ASSERT_EQ(b.series().size(), 1u);
  const Column& c = b.series()[0].points;
  EXPECT_EQ(c.times, std::vector<int64_t>(std::begin(times), std::end(times)));
  EXPECT_EQ(c.nums, (std::vector<uint64_t>{0, 1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(b.point_count(), std::size(times));
}

TEST(WriteBatch, TagOrderDoesNotMatterAndNamesTheSameSeries) {
  WriteBatch b;
  const std::vector<Tag> ab = {{"a", "1"}, {"b", "2"}};
  const std::vector<Tag> ba = {{"b", "2"}, {"a", "1"}};
  ASSERT_TRUE(b.AddFloat("m", ab, "f", 1, 1.5));
  ASSERT_TRUE(b.AddFloat("m", ba, "f", 2, 2.5));
  ASSERT_EQ(b.series().size(), 1u);
  ASSERT_EQ(b.tagsets().size(), 1u);
  EXPECT_EQ(b.series()[0].key, MakeSeriesKey("m", ab, "f"));
  EXPECT_EQ(b.tagsets()[0].tags, ab);  // sorted by key
  EXPECT_EQ(b.series()[0].points.size(), 2u);
}

TEST(WriteBatch, EachFieldOfATagSetIsItsOwnSeries) {
  WriteBatch b;
  const std::vector<Tag> tags = {{"host", "a"}};
  ASSERT_TRUE(b.AddFloat("cpu", tags, "user", 1, 0.5));
  ASSERT_TRUE(b.AddString("cpu", tags, "state", 1, ""));
  ASSERT_TRUE(b.AddString("cpu", tags, "state", 2, ""));  // repeated empty strings
  ASSERT_TRUE(b.AddBool("cpu", {}, "up", 1, true));     // no tags: another tag set
  EXPECT_EQ(b.tagsets().size(), 2u);
  ASSERT_EQ(b.series().size(), 3u);
  const auto* state = FindSeries(b, MakeSeriesKey("cpu", tags, "state"));
  ASSERT_NE(state, nullptr);
  EXPECT_EQ(state->points.type, ValueType::kString);
  EXPECT_EQ(state->points.strs, (std::vector<std::string>{"", ""}));
  EXPECT_EQ(b.point_count(), 4u);
}

TEST(WriteBatch, ATypeConflictWithinTheBatchIsRefusedAndChangesNothing) {
  WriteBatch b;
  const std::vector<Tag> tags = {{"host", "a"}};
  ASSERT_TRUE(b.AddFloat("cpu", tags, "v", 1, 1.0));
  Status s = b.AddInt("cpu", tags, "v", 2, 7);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kTypeConflict);
  EXPECT_NE(s.error().message().find("'v'"), std::string::npos) << s.error().message();
  EXPECT_EQ(b.point_count(), 1u);
  EXPECT_EQ(b.series()[0].points.size(), 1u);
  // The same field in another tag set is another series: no conflict within the batch.
  EXPECT_TRUE(b.AddInt("cpu", std::vector<Tag>{{"host", "b"}}, "v", 2, 7));
}

TEST(WriteBatch, ARowIsAddedWhollyOrNotAtAll) {
  WriteBatch b;
  const TagView tags[] = {{"host", "a"}};
  const FieldValue ok[] = {{"x", ValueType::kFloat, FloatBits(1.0), {}},
                           {"y", ValueType::kInt, 5, {}}};
  ASSERT_TRUE(b.AddRow("m", tags, 10, ok));
  // y now has another type: the whole row is refused, x gets no second point.
  const FieldValue conflict[] = {{"x", ValueType::kFloat, FloatBits(2.0), {}},
                                 {"y", ValueType::kString, 0, "s"}};
  ASSERT_FALSE(b.AddRow("m", tags, 11, conflict));
  const FieldValue nan[] = {{"x", ValueType::kFloat, FloatBits(std::nan("")), {}}};
  ASSERT_FALSE(b.AddRow("m", tags, 12, nan));
  EXPECT_EQ(b.point_count(), 2u);
  for (const auto& s : b.series()) EXPECT_EQ(s.points.times, std::vector<int64_t>{10});
}

TEST(WriteBatch, RefusesBadValuesAndNamesNamingWhatIsWrong) {
  WriteBatch b;
  const double inf = std::numeric_limits<double>::infinity();
  Status s = b.AddFloat("m", {}, "f", 1, inf);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kInvalid);
  EXPECT_NE(s.error().message().find("infinite"), std::string::npos) << s.error().message();
  EXPECT_FALSE(b.AddFloat("", {}, "f", 1, 1.0));  // empty measurement
  EXPECT_FALSE(b.AddFloat("m", {}, "", 1, 1.0));  // empty field
  const std::vector<Tag> dup = {{"k", "1"}, {"k", "2"}};
  EXPECT_FALSE(b.AddFloat("m", dup, "f", 1, 1.0));
  const std::vector<Tag> long_tag = {{"k", std::string(kMaxSeriesKeyBytes, 'v')}};
  s = b.AddFloat("m", long_tag, "f", 1, 1.0);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find("longer than"), std::string::npos) << s.error().message();
  EXPECT_EQ(b.point_count(), 0u);
  EXPECT_TRUE(b.empty());
}

TEST(WriteBatch, SeriesForGivesStableIndexesAndAppendColumnChecksEverything) {
  WriteBatch b;
  const TagView tags[] = {{"dev", "7"}};
  auto i = b.SeriesFor("iot", tags, "temp", ValueType::kFloat);
  ASSERT_TRUE(i.has_value());
  auto again = b.SeriesFor("iot", tags, "temp", ValueType::kFloat);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*i, *again);
  auto conflict = b.SeriesFor("iot", tags, "temp", ValueType::kInt);
  ASSERT_FALSE(conflict.has_value());
  EXPECT_EQ(conflict.error().code(), Code::kTypeConflict);

  const int64_t times[] = {3, 1, 2};
  const double values[] = {0.5, 0.25, 0.125};
  ASSERT_TRUE(b.AppendFloatColumn(*i, times, values));
  const int64_t short_times[] = {4};
  EXPECT_FALSE(b.AppendFloatColumn(*i, short_times, values));  // sizes differ
  const double with_nan[] = {std::nan("")};
  EXPECT_FALSE(b.AppendFloatColumn(*i, short_times, with_nan));
  const uint64_t ints[] = {1};
  EXPECT_FALSE(b.AppendColumn(*i, ValueType::kInt, short_times, ints));  // wrong type
  EXPECT_FALSE(b.AppendColumn(*i + 1, ValueType::kFloat, short_times, ints));  // no such series
  EXPECT_EQ(b.point_count(), 3u);
  EXPECT_EQ(b.series()[*i].points.times, (std::vector<int64_t>{3, 1, 2}));
}

TEST(WriteBatch, ClearPointsKeepsSeriesAndIndexesClearDropsThem) {
  WriteBatch b;
  const TagView tags[] = {{"dev", "7"}};
  auto i = b.SeriesFor("iot", tags, "temp", ValueType::kFloat);
  ASSERT_TRUE(i.has_value());
  const int64_t times[] = {1, 2};
  const double values[] = {1.0, 2.0};
  ASSERT_TRUE(b.AppendFloatColumn(*i, times, values));
  ASSERT_TRUE(b.AddDelete(DeleteSpec{"iot", {}, false, {}, 0, 10}));
  b.ClearPoints();
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.point_count(), 0u);
  EXPECT_TRUE(b.deletes().empty());
  ASSERT_EQ(b.series().size(), 1u);
  EXPECT_TRUE(b.series()[*i].points.empty());
  EXPECT_EQ(b.series()[*i].points.type, ValueType::kFloat);
  ASSERT_TRUE(b.AppendFloatColumn(*i, times, values));  // the index still works
  b.Clear();
  EXPECT_TRUE(b.series().empty());
  EXPECT_TRUE(b.tagsets().empty());
  EXPECT_TRUE(b.empty());
}

TEST(WriteBatch, DeletesAreCheckedAndKept) {
  WriteBatch b;
  EXPECT_FALSE(b.AddDelete(DeleteSpec{"", {}, false, {}, 0, 1}));
  EXPECT_FALSE(b.AddDelete(DeleteSpec{"m", {}, false, {}, 5, 4}));
  ASSERT_TRUE(b.AddDelete(DeleteSpec{"m", {}, false, {"f"}, INT64_MIN, INT64_MAX}));
  ASSERT_EQ(b.deletes().size(), 1u);
  EXPECT_FALSE(b.empty());  // a batch of deletes only is not empty
  EXPECT_EQ(b.point_count(), 0u);
}

TEST(WriteBatch, TakePointsMovesAColumnOutAndRestorePointsPutsItBack) {
  WriteBatch b;
  ASSERT_TRUE(b.AddString("m", {}, "s", 1, "one"));
  ASSERT_TRUE(b.AddString("m", {}, "s", 2, "two"));
  Column spare;
  spare.strs = {"left over"};
  Column taken = b.TakePoints(0, std::move(spare));
  EXPECT_EQ(taken.strs, (std::vector<std::string>{"one", "two"}));
  EXPECT_TRUE(b.series()[0].points.empty());  // the spare, cleared
  EXPECT_TRUE(b.series()[0].points.strs.empty());
  EXPECT_EQ(b.series()[0].points.type, ValueType::kString);
  Column back = b.RestorePoints(0, std::move(taken));
  EXPECT_TRUE(back.empty());
  EXPECT_EQ(b.series()[0].points.strs, (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(b.point_count(), 2u);
}

TEST(WriteBatch, RememberedCatalogIdsSurviveClearPoints) {
  WriteBatch b;
  ASSERT_TRUE(b.AddInt("m", {}, "n", 1, 1));
  EXPECT_EQ(b.series()[0].catalog_instance, 0u);
  b.RememberCatalogId(0, /*instance=*/9, /*id=*/42);
  b.ClearPoints();
  ASSERT_TRUE(b.AddInt("m", {}, "n", 2, 2));
  EXPECT_EQ(b.series()[0].catalog_instance, 9u);
  EXPECT_EQ(b.series()[0].catalog_id, 42u);
}

// AddLine finds a tag set by its line's text, then by its canonical key: the same text, or the same
// tags in another order, name one tag set; Clear forgets both, and thousands of tag sets (the
// tables grow) are each found again.
TEST(WriteBatch, AddLineFindsTagSetsByTextAndByKeyAcrossGrowthAndClear) {
  WriteBatch b;
  ASSERT_TRUE(AddLines(&b, "m,b=2,a=1 f=1 10\nm,a=1,b=2 f=2 20\nm,b=2,a=1 f=3 30\nm,a=2 f=4 40\n"));
  ASSERT_EQ(b.tagsets().size(), 2u);
  ASSERT_EQ(b.series().size(), 2u);
  const WriteBatch::Series* s = FindSeries(b, "m,a=1,b=2#f");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->points.times, (std::vector<int64_t>{10, 20, 30}));
  ASSERT_NE(FindSeries(b, "m,a=2#f"), nullptr);

  b.Clear();
  ASSERT_TRUE(AddLines(&b, "m,a=1,b=2 f=5 50\n"));
  ASSERT_EQ(b.tagsets().size(), 1u);
  ASSERT_EQ(b.series().size(), 1u);
  EXPECT_EQ(b.tagsets()[0].key, "m,a=1,b=2");
  EXPECT_EQ(b.point_count(), 1u);

  b.Clear();
  std::string text;
  for (int round = 0; round < 2; round++) {
    for (int i = 0; i < 5000; i++) {
      text += "k8s,pod=pod-" + std::to_string(i) + " cpu=1 " + std::to_string(round + 1) + "\n";
    }
  }
  ASSERT_TRUE(AddLines(&b, text));
  ASSERT_EQ(b.tagsets().size(), 5000u);
  ASSERT_EQ(b.series().size(), 5000u);
  for (int i = 0; i < 5000; i += 499) {
    const WriteBatch::Series* pod = FindSeries(b, "k8s,pod=pod-" + std::to_string(i) + "#cpu");
    ASSERT_NE(pod, nullptr);
    EXPECT_EQ(pod->points.times, (std::vector<int64_t>{1, 2}));
  }
}

}  // namespace
}  // namespace strata
