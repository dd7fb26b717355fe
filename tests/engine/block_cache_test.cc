#include "block_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

namespace strata {
namespace {

// A float block of n points at times base, base + 1, ...; values base*1000 + i.
std::shared_ptr<const Column> Block(size_t n, int64_t base = 0, bool times_only = false) {
  auto c = std::make_shared<Column>();
  c->type = ValueType::kFloat;
  c->times_only = times_only;
  c->times.reserve(n);
  if (!times_only) c->nums.reserve(n);
  for (size_t i = 0; i < n; i++) {
    c->times.push_back(base + static_cast<int64_t>(i));
    if (!times_only) c->nums.push_back(static_cast<uint64_t>(base) * 1000 + i);
  }
  return c;
}

TEST(BlockCache, HitReturnsTheInsertedBlock) {
  BlockCache cache(1 << 20);
  auto b = Block(100, 7);
  EXPECT_EQ(cache.Lookup(1, 64, false), nullptr);
  cache.Insert(1, 64, b);
  auto hit = cache.Lookup(1, 64, false);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->times, b->times);
  EXPECT_EQ(hit->nums, b->nums);
  // Other readers, offsets: misses.
  EXPECT_EQ(cache.Lookup(2, 64, false), nullptr);
  EXPECT_EQ(cache.Lookup(1, 65, false), nullptr);
  EXPECT_EQ(cache.entry_count(), 1u);
  EXPECT_EQ(cache.usage(), BlockCache::Charge(*b));
}

TEST(BlockCache, FullBlockServesTimesOnlyButNotTheReverse) {
  BlockCache cache(1 << 20);
  cache.Insert(1, 10, Block(50, 0, /*times_only=*/true));
  EXPECT_EQ(cache.Lookup(1, 10, false), nullptr);
  auto t = cache.Lookup(1, 10, true);
  ASSERT_NE(t, nullptr);
  EXPECT_TRUE(t->times_only);
  cache.Insert(1, 20, Block(50, 100));
  auto full = cache.Lookup(1, 20, true);
  ASSERT_NE(full, nullptr);
  EXPECT_FALSE(full->times_only);
  EXPECT_EQ(full->nums.size(), 50u);
}

TEST(BlockCache, EvictsLeastRecentlyUsedByBytes) {
  const uint64_t charge = BlockCache::Charge(*Block(100));
  BlockCache cache(3 * charge);  // room for exactly three
  for (uint64_t off = 0; off < 3; off++)
    cache.Insert(1, off, Block(100, static_cast<int64_t>(off)));
  EXPECT_EQ(cache.entry_count(), 3u);
  ASSERT_NE(cache.Lookup(1, 0, false), nullptr);  // 0 is now the most recent; 1 the oldest
  cache.Insert(1, 3, Block(100, 3));
  EXPECT_EQ(cache.entry_count(), 3u);
  EXPECT_LE(cache.usage(), cache.capacity());
  EXPECT_EQ(cache.Lookup(1, 1, false), nullptr);
  EXPECT_NE(cache.Lookup(1, 0, false), nullptr);
  EXPECT_NE(cache.Lookup(1, 2, false), nullptr);
  EXPECT_NE(cache.Lookup(1, 3, false), nullptr);
  // A bigger block pushes out as many as it needs.
  cache.Insert(1, 4, Block(250, 4));
  EXPECT_LE(cache.usage(), cache.capacity());
  EXPECT_NE(cache.Lookup(1, 4, false), nullptr);
  EXPECT_EQ(cache.entry_count(), 1u);
  // One larger than the whole cache is not stored and evicts nothing.
  cache.Insert(1, 5, Block(1000, 5));
  EXPECT_EQ(cache.Lookup(1, 5, false), nullptr);
  EXPECT_NE(cache.Lookup(1, 4, false), nullptr);
}

TEST(BlockCache, ReinsertReplacesWithoutDoubleCharging) {
  BlockCache cache(1 << 20);
  cache.Insert(1, 0, Block(10, 1));
  cache.Insert(1, 0, Block(10, 2));
  EXPECT_EQ(cache.entry_count(), 1u);
  EXPECT_EQ(cache.usage(), BlockCache::Charge(*Block(10)));
  EXPECT_EQ(cache.Lookup(1, 0, false)->times.front(), 2);
}

TEST(BlockCache, CapacityZeroStoresNothing) {
  BlockCache cache(0);
  cache.Insert(1, 0, Block(1));
  EXPECT_EQ(cache.Lookup(1, 0, false), nullptr);
  EXPECT_EQ(cache.Lookup(1, 0, true), nullptr);
  EXPECT_EQ(cache.entry_count(), 0u);
  EXPECT_EQ(cache.usage(), 0u);
}

TEST(BlockCache, EvictedBlockStaysValidForItsHolder) {
  const uint64_t charge = BlockCache::Charge(*Block(100));
  BlockCache cache(charge);
  cache.Insert(1, 0, Block(100, 5));
  auto held = cache.Lookup(1, 0, false);
  cache.Insert(1, 1, Block(100, 6));
  EXPECT_EQ(cache.Lookup(1, 0, false), nullptr);
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(held->times.front(), 5);
  EXPECT_EQ(held->nums.back(), 5099u);
}

// Threads insert and look up overlapping keys in a cache too small for them all: every hit must
// be the block inserted for that key, and the byte bound must hold throughout.
TEST(BlockCache, ConcurrentLookupAndInsert) {
  const uint64_t charge = BlockCache::Charge(*Block(64));
  BlockCache cache(40 * charge);
  constexpr int kThreads = 8;
  constexpr int kOps = 20000;
  std::atomic<int> bad{0};
  std::atomic<uint64_t> hits{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&, t] {
      uint64_t x = 0x9E3779B97F4A7C15ull * (t + 1);
      for (int i = 0; i < kOps; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        const uint64_t reader = x % 3, off = (x >> 8) % 50;
        const int64_t base = static_cast<int64_t>(reader * 1000 + off);
        if (auto b = cache.Lookup(reader, off, (x >> 20) & 1); b != nullptr) {
          hits++;
          if (b->times.size() != 64 || b->times.front() != base ||
              (!b->times_only && b->nums.back() != static_cast<uint64_t>(base) * 1000 + 63)) {
            bad++;
          }
        } else {
          cache.Insert(reader, off, Block(64, base, (x >> 21) & 1));
        }
        if (cache.usage() > cache.capacity()) bad++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(hits.load(), 0u);
  // Times-only blocks are the smallest entries.
  EXPECT_LE(cache.entry_count(), cache.capacity() / BlockCache::Charge(*Block(64, 0, true)));
  EXPECT_GE(cache.entry_count(), 40u);
}

}  // namespace
}  // namespace strata
