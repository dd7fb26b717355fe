#include "shard.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>

#include "catalog.h"
#include "engine/engine_test_util.h"
#include "series_key.h"

namespace strata {
namespace {

// One shard driven directly, as the engine's write path and flush thread do, so that a test
// controls which sources hold what: segments (flushed, sometimes compacted), frozen MemStores
// left unflushed, the active MemStore, and delete tombstones between them.
class ShardSnapshotTest : public ::testing::Test {
 protected:
  static constexpr int64_t kSteps = 600;
  static constexpr int64_t kLate = 30;  // writes at step `now` go to [now - kLate, now]

  void SetUp() override {
    auto catalog = Catalog::Open(env_, tmp_.Sub("catalog"));
    ASSERT_TRUE(catalog.has_value()) << catalog.error().ToString();
    catalog_ = std::move(*catalog);
    const std::vector<Tag> tags = {{"h", "a"}};
    const std::string keys[2] = {MakeSeriesKey("m", tags, "f"), MakeSeriesKey("m", tags, "s")};
    const SeriesSpec specs[2] = {{keys[0], "m", tags, "f", ValueType::kFloat},
                                 {keys[1], "m", tags, "s", ValueType::kString}};
    ASSERT_TRUE(catalog_->Resolve(specs, ids_));
    auto shard = Shard::Open(env_, Options(), tmp_.Sub("shard"), "m", 0, catalog_.get(),
                             std::make_shared<BlockCache>(1 << 20));
    ASSERT_TRUE(shard.has_value()) << shard.error().ToString();
    shard_ = *shard;
  }

  int64_t Uniform(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }

  // A few points of series k at recent times, out of order and with duplicates, overwriting
  // points of earlier writes.
  void WriteRandom(size_t k, int64_t now) {
    Column c;
    c.type = k == 0 ? ValueType::kFloat : ValueType::kString;
    for (int64_t n = Uniform(1, 30); n > 0; n--) {
      c.times.push_back(Uniform(std::max<int64_t>(0, now - kLate), now));
      const int64_t v = Uniform(-1000, 1000);
      if (k == 0) {
        c.nums.push_back(FloatBits(static_cast<double>(v) / 8));
      } else {
        c.strs.push_back("v" + std::to_string(v));
      }
    }
    const SeriesPoints points[1] = {{ids_[k], &c}};
    shard_->ApplyWrite(++lsn_, points);
  }

  // One point of the float series.
  void WritePoint(int64_t t, double v) {
    Column c;
    c.times = {t};
    c.nums = {FloatBits(v)};
    const SeriesPoints points[1] = {{ids_[0], &c}};
    shard_->ApplyWrite(++lsn_, points);
  }
  void FlushAll() {
    shard_->Freeze();
    while (shard_->HasFrozen()) ASSERT_TRUE(shard_->FlushOldestFrozen());
  }
  // "time=value" of the float series' newest point by ReadNewest, "none", or "declined".
  std::string Newest() {
    auto snap = shard_->Snapshot(std::span<const uint64_t>(ids_, 1), 0, 1000);
    Column c;
    if (!snap->ReadNewest(ids_[0], 0, 1000, &c)) return "declined";
    if (c.empty()) return "none";
    return std::to_string(c.times[0]) + "=" + std::to_string(BitsFloat(c.nums[0]));
  }

  testing::TempDir tmp_;
  Env* env_ = Env::Default();
  std::unique_ptr<Catalog> catalog_;
  uint64_t ids_[2] = {0, 0};
  std::shared_ptr<Shard> shard_;
  uint64_t lsn_ = 0;
  std::mt19937_64 rng_{20240612};
};

// Whenever ReadNewest answers, its point is the last one Read returns (none when Read returns
// none), values and all, over every mix of sources the shard goes through: overwrites across
// sources, deletes newer than some of them, frozen MemStores, flushes and compactions.
TEST_F(ShardSnapshotTest, ReadNewestIsTheLastPointOfRead) {
  size_t answered = 0, with_point = 0, checks = 0, with_frozen = 0;
  for (int64_t now = 0; now < kSteps; now++) {
    const int64_t op = Uniform(0, 19);
    if (op < 12) {
      WriteRandom(static_cast<size_t>(Uniform(0, 1)), now);
    } else if (op < 13) {
      const int64_t lo = Uniform(std::max<int64_t>(0, now - 2 * kLate), now);
      const std::vector<uint64_t> which =
          Uniform(0, 2) == 0 ? std::vector<uint64_t>{ids_[0], ids_[1]}
                             : std::vector<uint64_t>{ids_[static_cast<size_t>(Uniform(0, 1))]};
      shard_->ApplyDelete(++lsn_, which, lo, lo + Uniform(0, kLate));
    } else if (op < 16) {
      shard_->Freeze();  // left frozen until a later flush, if any
    } else if (op < 19) {
      ASSERT_TRUE(shard_->FlushOldestFrozen());
    } else if (Uniform(0, 3) == 0) {
      ASSERT_TRUE(shard_->Compact());
    }

    // Half the time past every point, as "the newest point" queries usually are.
    const int64_t min_t = Uniform(std::max<int64_t>(0, now - kLate), now);
    const int64_t max_t = Uniform(0, 1) == 0 ? kSteps : Uniform(min_t, now);
    auto snap = shard_->Snapshot(ids_, min_t, max_t);
    with_frozen += shard_->Stats().frozen_count > 1 ? 1 : 0;
    for (size_t k = 0; k < 2; k++) {
      for (bool times_only : {false, true}) {
        // The snapshot's range, and a narrower one inside it.
        for (int64_t hi : {max_t, Uniform(min_t, max_t)}) {
          SCOPED_TRACE("step " + std::to_string(now) + ", series " + std::to_string(k) +
                       ", range [" + std::to_string(min_t) + ", " + std::to_string(hi) + "]");
          Column all, newest;
          all.type = newest.type = k == 0 ? ValueType::kFloat : ValueType::kString;
          all.times_only = newest.times_only = times_only;
          ASSERT_TRUE(snap->Read(ids_[k], min_t, hi, &all));
          checks++;
          if (!snap->ReadNewest(ids_[k], min_t, hi, &newest)) {
            EXPECT_TRUE(newest.empty());
            continue;
          }
          answered++;
          if (all.empty()) {
            EXPECT_TRUE(newest.empty());
            continue;
          }
          with_point++;
          ASSERT_EQ(newest.size(), 1u);
          EXPECT_EQ(newest.times[0], all.times.back());
          EXPECT_EQ(newest.nums, times_only || k == 1 ? std::vector<uint64_t>{}
                                                      : std::vector<uint64_t>{all.nums.back()});
          EXPECT_EQ(newest.strs, times_only || k == 0 ? std::vector<std::string>{}
                                                      : std::vector<std::string>{all.strs.back()});
        }
      }
    }
  }
  EXPECT_GT(shard_->Stats().segment_count, 1u);
  EXPECT_GT(with_frozen, static_cast<size_t>(kSteps / 4));
  // Enough answers, and enough declined, for the comparison to mean something.
  EXPECT_GT(with_point, checks / 5);
  EXPECT_LT(answered, checks);
}

// On equal newest timestamps the newest source wins, whichever kinds they are; a delete hides
// the points of the sources older than it (ReadNewest then declines, as their older points are
// not known), not those of newer ones.
TEST_F(ShardSnapshotTest, ReadNewestPrefersTheNewestSourceAndHonoursDeletes) {
  EXPECT_EQ(Newest(), "none");
  WritePoint(5, 0.5);
  WritePoint(10, 1);
  FlushAll();
  WritePoint(10, 2);
  FlushAll();
  EXPECT_EQ(shard_->SegmentCount(), 2u);
  EXPECT_EQ(Newest(), "10=2.000000");  // the newer segment
  WritePoint(10, 3);
  shard_->Freeze();
  EXPECT_EQ(Newest(), "10=3.000000");  // a frozen MemStore over the segments
  WritePoint(10, 4);
  EXPECT_EQ(Newest(), "10=4.000000");  // the active MemStore over all
  WritePoint(20, 5);
  FlushAll();
  ASSERT_TRUE(shard_->Compact());
  EXPECT_EQ(shard_->SegmentCount(), 1u);
  EXPECT_EQ(Newest(), "20=5.000000");

  shard_->ApplyDelete(++lsn_, {ids_[0]}, 15, 25);  // hides the segment's newest point
  EXPECT_EQ(Newest(), "declined");
  WritePoint(12, 6);  // newer than the delete: the newest point again, from the MemStore
  EXPECT_EQ(Newest(), "declined");  // the segment's newest (20) is still hidden
  FlushAll();
  ASSERT_TRUE(shard_->Compact());  // applies the delete to the one merged segment
  EXPECT_EQ(Newest(), "12=6.000000");
  shard_->ApplyDelete(++lsn_, {ids_[0]}, 0, 100);
  EXPECT_EQ(Newest(), "declined");
  WritePoint(1, 7);
  FlushAll();
  ASSERT_TRUE(shard_->Compact());
  EXPECT_EQ(Newest(), "1=7.000000");
}

// Read returns what a model of the writes and deletes holds, over every mix of sources, into an
// empty column (the cursor's case, read straight into it) and into one holding points already
// (merged, the read's points winning on equal times).
TEST_F(ShardSnapshotTest, ReadMatchesAModelOfWritesAndDeletes) {
  std::map<int64_t, double> model;
  for (int64_t now = 0; now < kSteps; now++) {
    const int64_t op = Uniform(0, 19);
    if (op < 12) {
      std::map<int64_t, double> points;  // unique times within one write
      for (int64_t n = Uniform(1, 20); n > 0; n--) {
        points[Uniform(std::max<int64_t>(0, now - kLate), now)] =
            static_cast<double>(Uniform(-1000, 1000)) / 8;
      }
      Column c;
      c.type = ValueType::kFloat;
      for (const auto& [t, v] : points) {
        c.times.push_back(t);
        c.nums.push_back(FloatBits(v));
        model[t] = v;
      }
      const SeriesPoints sp[1] = {{ids_[0], &c}};
      shard_->ApplyWrite(++lsn_, sp);
    } else if (op < 13) {
      const int64_t lo = Uniform(std::max<int64_t>(0, now - 2 * kLate), now);
      const int64_t hi = lo + Uniform(0, kLate);
      shard_->ApplyDelete(++lsn_, {ids_[0]}, lo, hi);
      model.erase(model.lower_bound(lo), model.upper_bound(hi));
    } else if (op < 16) {
      shard_->Freeze();
    } else if (op < 19) {
      ASSERT_TRUE(shard_->FlushOldestFrozen());
    } else if (Uniform(0, 3) == 0) {
      ASSERT_TRUE(shard_->Compact());
    }

    const int64_t min_t = Uniform(0, now);
    const int64_t max_t = Uniform(min_t, kSteps);
    auto snap = shard_->Snapshot(std::span<const uint64_t>(ids_, 1), 0, kSteps);
    SCOPED_TRACE("step " + std::to_string(now) + ", range [" + std::to_string(min_t) + ", " +
                 std::to_string(max_t) + "]");
    std::map<int64_t, double> want(model.lower_bound(min_t), model.upper_bound(max_t));
    auto as_map = [](const Column& c) {
      std::map<int64_t, double> m;
      for (size_t i = 0; i < c.size(); i++) m[c.times[i]] = BitsFloat(c.nums[i]);
      EXPECT_TRUE(std::is_sorted(c.times.begin(), c.times.end()));
      EXPECT_EQ(m.size(), c.size());  // no duplicate times
      return m;
    };
    Column empty;
    empty.type = ValueType::kFloat;
    ASSERT_TRUE(snap->Read(ids_[0], min_t, max_t, &empty));
    EXPECT_EQ(as_map(empty), want);

    Column held;  // points at every 7th time, some of which the read overrides
    held.type = ValueType::kFloat;
    std::map<int64_t, double> merged;
    for (int64_t t = 0; t <= kSteps; t += 7) {
      held.times.push_back(t);
      held.nums.push_back(FloatBits(-1));
      merged[t] = -1;
    }
    for (const auto& [t, v] : want) merged[t] = v;
    ASSERT_TRUE(snap->Read(ids_[0], min_t, max_t, &held));
    EXPECT_EQ(as_map(held), merged);
  }
  EXPECT_GT(shard_->Stats().segment_count, 1u);
}

// A corrupt block found by Read fails it with kCorrupt and leaves the column as it came, also
// when an older segment was already read into it.
TEST_F(ShardSnapshotTest, ReadErrorLeavesTheColumnAsItCame) {
  for (int64_t part = 0; part < 2; part++) {
    Column c;
    c.type = ValueType::kFloat;
    for (int64_t t = part * 3000; t < (part + 1) * 3000; t++) {
      c.times.push_back(t);
      c.nums.push_back(FloatBits(static_cast<double>(t) / 3));
    }
    const SeriesPoints sp[1] = {{ids_[0], &c}};
    shard_->ApplyWrite(++lsn_, sp);
    FlushAll();
  }
  ASSERT_EQ(shard_->SegmentCount(), 2u);
  std::vector<std::string> segments;
  for (const auto& e : std::filesystem::directory_iterator(tmp_.Sub("shard"))) {
    if (e.path().filename().string().rfind("seg-", 0) == 0) segments.push_back(e.path().string());
  }
  std::sort(segments.begin(), segments.end());
  ASSERT_EQ(segments.size(), 2u);
  {
    std::fstream f(segments[1], std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(200);  // inside the newer segment's first block
    char ch = 0;
    f.get(ch);
    f.seekp(200);
    f.put(static_cast<char>(ch ^ 0x20));
  }
  auto snap = shard_->Snapshot(std::span<const uint64_t>(ids_, 1), 0, 6000);
  Column empty;
  empty.type = ValueType::kFloat;
  Status s = snap->Read(ids_[0], 0, 6000, &empty);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kCorrupt) << s.error().ToString();
  EXPECT_TRUE(empty.empty());

  Column held;
  held.type = ValueType::kFloat;
  held.times = {1, 7000};
  held.nums = {FloatBits(1), FloatBits(2)};
  s = snap->Read(ids_[0], 0, 6000, &held);
  ASSERT_FALSE(s);
  EXPECT_EQ(held.times, (std::vector<int64_t>{1, 7000}));
  EXPECT_EQ(held.nums, (std::vector<uint64_t>{FloatBits(1), FloatBits(2)}));
}

}  // namespace
}  // namespace strata
