#include "shard_router.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "catalog.h"
#include "engine/engine_test_util.h"
#include "shard_windows.h"

namespace strata {
namespace {

constexpr int64_t kHour = 3'600'000'000'000;

TEST(ShardWindows, WindowsAreFloorDivisionAlsoForNegativeTimes) {
  const ShardWindows w(kHour);
  EXPECT_EQ(w.Start(0), 0);
  EXPECT_EQ(w.Start(kHour - 1), 0);
  EXPECT_EQ(w.Start(kHour), kHour);
  EXPECT_EQ(w.Start(-1), -kHour);
  EXPECT_EQ(w.Start(-kHour), -kHour);
  EXPECT_EQ(w.Start(-kHour - 1), -2 * kHour);
  EXPECT_TRUE(w.IsStart(-kHour));
  EXPECT_FALSE(w.IsStart(-kHour + 1));
  EXPECT_EQ(w.End(-kHour), 0);
}

TEST(ShardWindows, TheInt64ExtremesAreRoutedOrRefusedNeverWrapped) {
  const ShardWindows w(kHour);
  const int64_t first = w.FirstStart();
  EXPECT_GE(first, INT64_MIN);
  EXPECT_LT(first - INT64_MIN, kHour);
  EXPECT_EQ(first % kHour, 0);
  EXPECT_FALSE(w.Routable(INT64_MIN));
  EXPECT_FALSE(w.Routable(first - 1));
  EXPECT_EQ(w.Start(INT64_MIN), INT64_MIN);  // not routable
  EXPECT_TRUE(w.Routable(first));
  EXPECT_EQ(w.Start(first), first);
  // The last window is partial; its end saturates instead of wrapping.
  const int64_t last = w.Start(INT64_MAX);
  EXPECT_LE(last, INT64_MAX);
  EXPECT_GT(last, INT64_MAX - kHour);
  EXPECT_EQ(w.End(last), INT64_MAX);
  // A duration of 1 ns: every time is its own window, and INT64_MIN is one.
  const ShardWindows ns(1);
  EXPECT_TRUE(ns.Routable(INT64_MIN));
  EXPECT_EQ(ns.Start(INT64_MIN), INT64_MIN);
  EXPECT_EQ(ns.Start(INT64_MAX), INT64_MAX);
}

class ShardRouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto catalog = Catalog::Open(env_, tmp_.Sub("catalog"));
    ASSERT_TRUE(catalog.has_value()) << catalog.error().ToString();
    catalog_ = std::move(*catalog);
    options_.shard_duration_ns = kHour;
    router_ = std::make_unique<ShardRouter>(env_, options_, tmp_.Sub("shards"), catalog_.get());
    ASSERT_TRUE(router_->LoadExisting());
  }

  std::shared_ptr<Shard> Get(const std::string& m, int64_t time) {
    auto shard = router_->GetOrCreate(m, router_->WindowStart(time));
    EXPECT_TRUE(shard.has_value()) << shard.error().ToString();
    return shard.has_value() ? *shard : nullptr;
  }
  static std::vector<int64_t> Starts(const std::vector<std::shared_ptr<Shard>>& shards) {
    std::vector<int64_t> out;
    for (const auto& s : shards) out.push_back(s->window_start());
    return out;
  }

  Env* env_ = Env::Default();
  testing::TempDir tmp_;
  Options options_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<ShardRouter> router_;
};

TEST_F(ShardRouterTest, TimesOfOneWindowShareAShardAndTheBoundaryStartsTheNext) {
  auto a = Get("cpu", 0);
  auto b = Get("cpu", kHour - 1);
  auto c = Get("cpu", kHour);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(c->window_start(), kHour);
  EXPECT_EQ(c->window_end(), 2 * kHour);
  EXPECT_NE(Get("mem", 0), a);  // another measurement, another shard
  EXPECT_EQ(router_->All().size(), 3u);
}

TEST_F(ShardRouterTest, NegativeTimesAndTheExtremesGetWholeWindows) {
  auto minus_one = Get("cpu", -1);
  EXPECT_EQ(minus_one->window_start(), -kHour);
  EXPECT_EQ(minus_one->window_end(), 0);
  auto first = Get("cpu", router_->FirstWindowStart());
  EXPECT_EQ(first->window_start(), router_->FirstWindowStart());
  auto last = Get("cpu", INT64_MAX);
  EXPECT_EQ(last->window_end(), INT64_MAX);
  EXPECT_EQ(Starts(router_->ShardsFor("cpu", INT64_MIN, INT64_MAX)),
            (std::vector<int64_t>{router_->FirstWindowStart(), -kHour,
                                  router_->WindowStart(INT64_MAX)}));
}

TEST_F(ShardRouterTest, ShardsForVisitsExactlyTheOverlappingWindowsInTimeOrder) {
  for (int64_t h = -2; h <= 2; h++) Get("cpu", h * kHour);
  Get("cpu2", 0);  // a measurement sorting right after: never included
  EXPECT_EQ(Starts(router_->ShardsFor("cpu", 0, 0)), std::vector<int64_t>{0});
  EXPECT_EQ(Starts(router_->ShardsFor("cpu", -1, 0)), (std::vector<int64_t>{-kHour, 0}));
  EXPECT_EQ(Starts(router_->ShardsFor("cpu", kHour - 1, kHour)),
            (std::vector<int64_t>{0, kHour}));
  EXPECT_EQ(Starts(router_->ShardsFor("cpu", INT64_MIN, INT64_MAX)),
            (std::vector<int64_t>{-2 * kHour, -kHour, 0, kHour, 2 * kHour}));
  EXPECT_TRUE(router_->ShardsFor("cpu", 5, 4).empty());  // an empty range
  EXPECT_TRUE(router_->ShardsFor("cp", INT64_MIN, INT64_MAX).empty());
  EXPECT_TRUE(router_->ShardsFor("cpu", 10 * kHour, INT64_MAX).empty());
}

TEST_F(ShardRouterTest, RetentionAndDropForgetExactlyTheirShards) {
  for (int64_t h = 0; h < 4; h++) Get("cpu", h * kHour);
  Get("mem", 0);
  // A window ending at the cutoff is expired; one ending after it is kept.
  auto expired = router_->RemoveEndedBefore(2 * kHour);
  EXPECT_EQ(Starts(expired), (std::vector<int64_t>{0, kHour, 0}));
  EXPECT_EQ(Starts(router_->All()), (std::vector<int64_t>{2 * kHour, 3 * kHour}));
  auto dropped = router_->RemoveMeasurement("cpu");
  EXPECT_EQ(dropped.size(), 2u);
  EXPECT_TRUE(router_->All().empty());
  // A forgotten window is created afresh on the next write.
  EXPECT_EQ(Get("cpu", 0)->window_start(), 0);
}

TEST_F(ShardRouterTest, MeasurementNamesBecomeOneSafePathComponent) {
  EXPECT_EQ(ShardRouter::EscapeMeasurement("cpu_load-1"), "cpu_load-1");
  EXPECT_EQ(ShardRouter::EscapeMeasurement("a/b"), "a%2Fb");
  EXPECT_EQ(ShardRouter::EscapeMeasurement(".."), "%2E%2E");
  EXPECT_EQ(ShardRouter::EscapeMeasurement(std::string("a\0b", 3)), "a%00b");
  const std::string long_a = ShardRouter::EscapeMeasurement(std::string(500, 'a'));
  const std::string long_b = ShardRouter::EscapeMeasurement(std::string(499, 'a') + "b");
  EXPECT_LE(long_a.size(), 120u);
  EXPECT_NE(long_a, long_b);  // the hash tells long names apart
}

TEST_F(ShardRouterTest, ReopeningFindsTheShardsOfCatalogMeasurements) {
  const std::vector<Tag> tags;
  const SeriesSpec spec{"cpu#f", "cpu", tags, "f", ValueType::kFloat};
  uint64_t id = 0;
  ASSERT_TRUE(catalog_->Resolve(std::span<const SeriesSpec>(&spec, 1), &id));
  Get("cpu", -kHour);
  Get("cpu", kHour);
  router_ = std::make_unique<ShardRouter>(env_, options_, tmp_.Sub("shards"), catalog_.get());
  ASSERT_TRUE(router_->LoadExisting());
  EXPECT_EQ(Starts(router_->All()), (std::vector<int64_t>{-kHour, kHour}));
}

}  // namespace
}  // namespace strata
