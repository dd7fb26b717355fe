// SummaryCursor (summary_cursor.h) and block statistics (block_stats.h), differentially: an
// aggregate folded from a SummaryCursor that takes the summary of every block lying wholly inside
// a bucket must equal, bit for bit, the same fold over a SummaryCursor that takes none (every
// piece as points), for count, sum, min, max, first and last, over data in segments, in the
// MemStore, in overlapping segments, under deletes, with duplicate timestamps and with integers
// near the int64 limits; and the pieces must hold exactly the points a plain query returns.
#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "block_stats.h"
#include "engine/engine_test_util.h"
#include "segment_format.h"
#include "storage_engine.h"
#include "summary_cursor.h"

namespace strata {
namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kT0 = 1'451'606'400 * kSec;  // 2016-01-01, as the TSBS-like benchmark

int64_t FloorDiv(int64_t t, int64_t w) { return t / w - (t % w != 0 && t < 0 ? 1 : 0); }

// The aggregates of one field in one bucket, folded as the SQL module's aggregate view folds them
// (sqlite_vtab/aggregator.h): a float sum adds each piece's sum; integer sums are exact, with the
// overflow of a running int64 sum noted.
struct Agg {
  int64_t count = 0, first_time = 0, last_time = 0;
  double fsum = 0;
  Int128 isum = 0;
  bool overflow = false;
  uint64_t min = 0, max = 0, first = 0, last = 0;  // Column::nums form
  bool operator==(const Agg& o) const {
    // Compare floats by bits: "the same answer" includes the same rounding.
    return count == o.count && first_time == o.first_time && last_time == o.last_time &&
           FloatBits(fsum) == FloatBits(o.fsum) && isum == o.isum && overflow == o.overflow &&
           min == o.min && max == o.max && first == o.first && last == o.last;
  }
};

bool Outside(Int128 v) { return v < INT64_MIN || v > INT64_MAX; }

// (series key, bucket start) -> Agg.
using Folded = std::map<std::pair<std::string, int64_t>, Agg>;

struct FoldResult {
  Folded groups;
  size_t summaries = 0;  // pieces taken as summaries
  std::map<std::string, std::vector<testing::PointValue>> points;  // the points pieces held
};

void FoldPoints(const Column& c, size_t i, size_t stop, Agg* a) {
  const bool had = a->count > 0;
  if (!had) a->first_time = c.times[i], a->first = c.nums[i];
  a->last_time = c.times[stop - 1];
  a->last = c.nums[stop - 1];
  a->count += static_cast<int64_t>(stop - i);
  if (c.type == ValueType::kFloat) {
    double sum = 0.0;
    double lo = had ? BitsFloat(a->min) : BitsFloat(c.nums[i]);
    double hi = had ? BitsFloat(a->max) : lo;
    for (size_t k = i; k < stop; k++) {
      const double v = BitsFloat(c.nums[k]);
      sum += v;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    a->fsum += sum;
    a->min = FloatBits(lo);
    a->max = FloatBits(hi);
    return;
  }
  int64_t lo = had ? static_cast<int64_t>(a->min) : static_cast<int64_t>(c.nums[i]);
  int64_t hi = had ? static_cast<int64_t>(a->max) : lo;
  for (size_t k = i; k < stop; k++) {
    const int64_t v = static_cast<int64_t>(c.nums[k]);
    a->isum += v;
    a->overflow = a->overflow || Outside(a->isum);
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  a->min = static_cast<uint64_t>(lo);
  a->max = static_cast<uint64_t>(hi);
}

void FoldSummary(ValueType type, const BlockSummary& s, Agg* a) {
  const bool had = a->count > 0;
  if (!had) a->first_time = s.first_time, a->first = s.stats.first;
  a->last_time = s.last_time;
  a->last = s.stats.last;
  a->count += s.count;
  if (type == ValueType::kFloat) {
    a->fsum += BitsFloat(s.stats.fsum);
    const double lo = BitsFloat(s.stats.min), hi = BitsFloat(s.stats.max);
    a->min = FloatBits(had ? std::min(BitsFloat(a->min), lo) : lo);
    a->max = FloatBits(had ? std::max(BitsFloat(a->max), hi) : hi);
    return;
  }
  a->overflow = a->overflow || Outside(a->isum + s.stats.min_prefix) ||
                Outside(a->isum + s.stats.max_prefix);
  a->isum += s.stats.isum;
  const auto i64 = [](uint64_t v) { return static_cast<int64_t>(v); };
  a->min = static_cast<uint64_t>(had ? std::min(i64(a->min), i64(s.stats.min)) : i64(s.stats.min));
  a->max = static_cast<uint64_t>(had ? std::max(i64(a->max), i64(s.stats.max)) : i64(s.stats.max));
}

// Folds the query's points into buckets of `width` (epoch-aligned), taking summaries when
// `use_stats`.
FoldResult Fold(StorageEngine& db, const QueryRequest& q, int64_t width, bool use_stats) {
  FoldResult out;
  auto snap = db.Snapshot(q);
  EXPECT_TRUE(snap.has_value());
  if (!snap) return out;
  SummaryCursor::Accept accept;
  if (use_stats) {
    accept = [width](int64_t first, int64_t last) {
      return FloorDiv(first, width) == FloorDiv(last, width);
    };
  }
  SummaryCursor cur(std::move(*snap), accept);
  while (true) {
    auto more = cur.Next();
    EXPECT_TRUE(more.has_value()) << more.error().ToString();
    if (!more || !*more) break;
    const std::string& key = cur.series().key;
    if (const BlockSummary* s = cur.summary()) {
      out.summaries++;
      EXPECT_EQ(FloorDiv(s->first_time, width), FloorDiv(s->last_time, width));
      FoldSummary(cur.series().type, *s, &out.groups[{key, FloorDiv(s->first_time, width)}]);
      continue;
    }
    const Column& c = cur.points();
    for (size_t i = 0; i < c.size(); i++) out.points[key].push_back({c.times[i], c.nums[i], ""});
    for (size_t i = 0; i < c.size();) {
      const int64_t bucket = FloorDiv(c.times[i], width);
      size_t stop = i;
      while (stop < c.size() && FloorDiv(c.times[stop], width) == bucket) stop++;
      FoldPoints(c, i, stop, &out.groups[{key, bucket}]);
      i = stop;
    }
  }
  return out;
}

class SummaryCursorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = StorageEngine::Open(dir_.Sub("db"), Options());
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    db_ = std::move(*db);
  }

  // Writes `hosts` hosts x `n` rows at `step` seconds from kT0 + offset: a float gauge with two
  // decimals, an integer counter from `int_base`, a boolean. `salt` varies the values.
  void WriteRows(int hosts, int n, int64_t step, int64_t offset, int salt,
                 int64_t int_base = 0) {
    WriteBatch b;
    for (int h = 0; h < hosts; h++) {
      const std::vector<Tag> tags = {{"host", "h" + std::to_string(h)}};
      for (int i = 0; i < n; i++) {
        const int64_t t = kT0 + offset + i * step * kSec + (i % 7 == 3 ? 123 : 0);  // jitter
        const double v = std::round(50 + 40 * std::sin((i + salt) * 0.01 + h) * 100) / 100;
        ASSERT_TRUE(b.AddFloat("cpu", tags, "usage", t, v));
        ASSERT_TRUE(b.AddInt("cpu", tags, "n", t, int_base + (i + salt) * (h + 1)));
        ASSERT_TRUE(b.AddBool("cpu", tags, "up", t, (i + salt) % 5 != 0));
      }
    }
    ASSERT_TRUE(db_->Write(b));
  }

  QueryRequest Query(int64_t min_t = INT64_MIN, int64_t max_t = INT64_MAX) const {
    QueryRequest q;
    q.measurement = "cpu";
    q.min_time = min_t;
    q.max_time = max_t;
    return q;
  }

  // Folds with and without summaries over several bucket widths and ranges and expects the same
  // answers and the same points as a plain query; returns the summaries taken.
  size_t ExpectSameWithAndWithoutStats() {
    size_t summaries = 0;
    const std::vector<std::pair<int64_t, int64_t>> ranges = {
        {INT64_MIN, INT64_MAX},
        {kT0 + 12'345 * kSec + 17, kT0 + 30 * 3600 * kSec + 7},  // cuts blocks at both ends
        {kT0 + 3600 * kSec, kT0 + 5 * 3600 * kSec - 1},           // aligned with blocks
    };
    for (int64_t width : {3600 * kSec, 600 * kSec, 7 * 60 * kSec, 86'400 * kSec, 2 * 3600 * kSec}) {
      for (const auto& [lo, hi] : ranges) {
        const QueryRequest q = Query(lo, hi);
        const FoldResult with = Fold(*db_, q, width, true);
        const FoldResult without = Fold(*db_, q, width, false);
        EXPECT_EQ(without.summaries, 0u);
        EXPECT_TRUE(with.groups == without.groups)
            << "width " << width << " range " << lo << ".." << hi;
        EXPECT_EQ(without.points, testing::QueryAll(*db_, q));
        summaries += with.summaries;
      }
    }
    return summaries;
  }

  testing::TempDir dir_;
  std::shared_ptr<StorageEngine> db_;
};

TEST_F(SummaryCursorTest, FlushedBlocksAreSummarizedWithTheSameAnswers) {
  WriteRows(3, 2 * 8640, 10, 0, 0);
  ASSERT_TRUE(db_->Flush());
  EXPECT_GT(ExpectSameWithAndWithoutStats(), 0u);
  // Hour buckets over a day of 10 s rows: every block is cut at the hours (engine/README.md,
  // section 10.8), so each is summarized whole.
  const FoldResult hours = Fold(*db_, Query(kT0, kT0 + 86'400 * kSec - 1), 3600 * kSec, true);
  EXPECT_TRUE(hours.points.empty());
  EXPECT_EQ(hours.summaries, 3u * 3 * 24);
}

TEST_F(SummaryCursorTest, MemStorePointsOverABlockMakeItDecoded) {
  WriteRows(2, 8640, 10, 0, 0);
  ASSERT_TRUE(db_->Flush());
  // Overwrites (same timestamps, other values) inside hour 3, and new points later.
  WriteRows(2, 30, 10, 3 * 3600 * kSec, 99);
  WriteRows(2, 100, 10, 30 * 3600 * kSec, 7);
  EXPECT_GT(ExpectSameWithAndWithoutStats(), 0u);
  // Decoded: hour 3 (its 360 points merged with the MemStore's 30, of which some have other times
  // as their jitter differs) and the 100 new points; every other hour is summarized.
  const FoldResult hours = Fold(*db_, Query(), 3600 * kSec, true);
  const size_t decoded = hours.points.at("cpu,host=h0#usage").size();
  EXPECT_GE(decoded, 360u + 100u);
  EXPECT_LE(decoded, 360u + 30u + 100u);
  EXPECT_EQ(hours.summaries, 2u * 3 * 23);
}

TEST_F(SummaryCursorTest, OverlappingSegmentsAndDuplicateTimestampsKeepTheNewestValue) {
  WriteRows(2, 8640, 10, 0, 0);
  ASSERT_TRUE(db_->Flush());
  WriteRows(2, 500, 10, 5 * 3600 * kSec, 31);  // overwrites in a second segment
  ASSERT_TRUE(db_->Flush());
  EXPECT_GT(ExpectSameWithAndWithoutStats(), 0u);
  ASSERT_TRUE(db_->Compact());
  EXPECT_GT(ExpectSameWithAndWithoutStats(), 0u);
}

TEST_F(SummaryCursorTest, DeletesMakeTheBlocksTheyTouchDecoded) {
  WriteRows(2, 8640, 10, 0, 0);
  ASSERT_TRUE(db_->Flush());
  QueryRequest del = Query(kT0 + 7 * 3600 * kSec + 5 * kSec, kT0 + 7 * 3600 * kSec + 500 * kSec);
  ASSERT_TRUE(db_->Delete(del));
  EXPECT_GT(ExpectSameWithAndWithoutStats(), 0u);
  ASSERT_TRUE(db_->Flush());
  ASSERT_TRUE(db_->Compact());
  EXPECT_GT(ExpectSameWithAndWithoutStats(), 0u);
}

TEST_F(SummaryCursorTest, IntegerSumsNearTheLimitsOverflowAlike) {
  // Counters near INT64_MAX (whose sums overflow in some buckets) and near INT64_MIN.
  WriteRows(1, 4000, 10, 0, 0, INT64_MAX / 200);
  WriteRows(1, 4000, 10, 20 * 3600 * kSec, 0, INT64_MIN / 3000);
  ASSERT_TRUE(db_->Flush());
  EXPECT_GT(ExpectSameWithAndWithoutStats(), 0u);
  const FoldResult day = Fold(*db_, Query(), 86'400 * kSec, true);
  bool overflowed = false;
  for (const auto& [k, a] : day.groups) overflowed |= a.overflow;
  EXPECT_TRUE(overflowed);
}

TEST(BlockStatsTest, EncodedStatsDecodeToThemselves) {
  Column c;
  c.type = ValueType::kInt;
  for (int i = 0; i < 200; i++) {
    c.times.push_back(i);
    c.nums.push_back(static_cast<uint64_t>(i % 2 ? INT64_MAX - i : INT64_MIN + i));
  }
  const BlockStats s = ComputeBlockStats(c, 0, c.size());
  std::string bytes;
  EncodeBlockStats(kSegmentFormatVersion, ValueType::kInt, c.size(), s, &bytes);
  Decoder d(bytes);
  BlockStats back;
  ASSERT_TRUE(DecodeBlockStats(&d, kSegmentFormatVersion, ValueType::kInt, c.size(), &back));
  EXPECT_EQ(back, s);
  EXPECT_EQ(d.remaining(), 0u);
  // A sum that cannot belong to the block's values is refused.
  BlockStats bad = s;
  bad.isum = s.max_prefix + 1;
  std::string bad_bytes;
  EncodeBlockStats(kSegmentFormatVersion, ValueType::kInt, c.size(), bad, &bad_bytes);
  Decoder bd(bad_bytes);
  EXPECT_FALSE(DecodeBlockStats(&bd, kSegmentFormatVersion, ValueType::kInt, c.size(), &back));
}

}  // namespace
}  // namespace strata
