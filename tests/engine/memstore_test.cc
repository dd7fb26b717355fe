#include "memstore.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace strata {
namespace {

Column Ints(std::vector<int64_t> times, std::vector<uint64_t> nums) {
  Column c;
  c.type = ValueType::kInt;
  c.times = std::move(times);
  c.nums = std::move(nums);
  return c;
}

Column Strings(std::vector<int64_t> times, std::vector<std::string> strs) {
  Column c;
  c.type = ValueType::kString;
  c.times = std::move(times);
  c.strs = std::move(strs);
  return c;
}

Column ReadAll(MemStore& m, uint64_t id) {
  Column out;
  EXPECT_TRUE(m.Read(id, INT64_MIN, INT64_MAX, &out));
  return out;
}

TEST(MemStore, ReadsAreSortedAndTheLastWriteOfATimeWins) {
  MemStore m;
  m.Add(1, Ints({30, 10, 20}, {3, 1, 2}));
  m.Add(1, Ints({20, 40, 10}, {22, 4, 11}));  // 20 and 10 again: the newer values win
  const Column c = ReadAll(m, 1);
  EXPECT_EQ(c.type, ValueType::kInt);
  EXPECT_EQ(c.times, (std::vector<int64_t>{10, 20, 30, 40}));
  EXPECT_EQ(c.nums, (std::vector<uint64_t>{11, 22, 3, 4}));
  EXPECT_EQ(m.point_count(), 6u);  // counts what was added: an upper bound of what is held
}

TEST(MemStore, ReadKeepsTheInclusiveRangeAtTheInt64Extremes) {
  MemStore m;
  m.Add(7, Ints({INT64_MAX, INT64_MIN, 0, -1}, {4, 1, 3, 2}));
  Column all = ReadAll(m, 7);
  EXPECT_EQ(all.times, (std::vector<int64_t>{INT64_MIN, -1, 0, INT64_MAX}));
  Column some;
  ASSERT_TRUE(m.Read(7, -1, 0, &some));
  EXPECT_EQ(some.times, (std::vector<int64_t>{-1, 0}));
  Column last;
  ASSERT_TRUE(m.Read(7, INT64_MAX, INT64_MAX, &last));
  EXPECT_EQ(last.nums, std::vector<uint64_t>{4});
  Column none;
  EXPECT_FALSE(m.Read(8, INT64_MIN, INT64_MAX, &none));  // no such series
}

TEST(MemStore, EraseRemovesAnInclusiveRangeOfOneSeriesOnly) {
  MemStore m;
  m.Add(1, Ints({1, 2, 3, 4, 5}, {1, 2, 3, 4, 5}));
  m.Add(2, Ints({1, 2, 3}, {1, 2, 3}));
  m.Erase(1, 2, 4);
  m.Erase(3, INT64_MIN, INT64_MAX);  // unknown series: nothing happens
  EXPECT_EQ(ReadAll(m, 1).times, (std::vector<int64_t>{1, 5}));
  EXPECT_EQ(ReadAll(m, 2).times, (std::vector<int64_t>{1, 2, 3}));
  // Points added after an erase are there, also inside the erased range.
  m.Add(1, Ints({3}, {33}));
  EXPECT_EQ(ReadAll(m, 1).times, (std::vector<int64_t>{1, 3, 5}));
}

TEST(MemStore, StringsWithRepeatsAndEmptiesRoundTrip) {
  MemStore m;
  m.Add(5, Strings({2, 1, 3, 4}, {"b", "", "b", std::string(100, 'x')}));
  const Column c = ReadAll(m, 5);
  EXPECT_EQ(c.type, ValueType::kString);
  EXPECT_EQ(c.strs, (std::vector<std::string>{"", "b", "b", std::string(100, 'x')}));
}

TEST(MemStore, MemoryAccountingGrowsWithPointsAndFollowsSortsAndErases) {
  MemStore m;
  EXPECT_EQ(m.ApproximateBytes(), 0u);
  EXPECT_TRUE(m.empty());
  m.Add(1, Column{ValueType::kInt, false, {}, {}, {}});  // no points: nothing held
  EXPECT_EQ(m.ApproximateBytes(), 0u);
  std::vector<int64_t> times;
  std::vector<uint64_t> nums;
  for (int64_t t = 0; t < 10000; t++) {
    times.push_back(t);
    nums.push_back(static_cast<uint64_t>(t));
  }
  m.Add(1, Ints(times, nums));
  const size_t one = m.ApproximateBytes();
  EXPECT_GE(one, 10000 * (sizeof(int64_t) + sizeof(uint64_t)));
  EXPECT_LT(one, 4 * 10000 * (sizeof(int64_t) + sizeof(uint64_t)));
  m.Add(2, Ints(times, nums));
  EXPECT_GE(m.ApproximateBytes(), one + 10000 * (sizeof(int64_t) + sizeof(uint64_t)));
  // Long strings count their heap bytes.
  const size_t before = m.ApproximateBytes();
  m.Add(3, Strings({1, 2}, {std::string(1000, 'a'), std::string(1000, 'b')}));
  EXPECT_GE(m.ApproximateBytes(), before + 2000);
  // Erasing changes the estimate by what the series' column now holds: never more, and what the
  // other series hold stays counted.
  const size_t before_erase = m.ApproximateBytes();
  m.Erase(1, INT64_MIN, INT64_MAX);
  EXPECT_LE(m.ApproximateBytes(), before_erase);
  EXPECT_GE(m.ApproximateBytes(), 10000 * (sizeof(int64_t) + sizeof(uint64_t)) + 2000);
  EXPECT_FALSE(m.empty());
}

TEST(MemStore, SealSortsEverySeriesAndSealedReadsMatch) {
  MemStore m;
  m.Add(1, Ints({3, 1, 2, 1}, {3, 1, 2, 10}));
  m.Add(2, Strings({5, 5}, {"old", "new"}));
  m.Seal();
  EXPECT_TRUE(m.sealed());
  const Column* one = m.SealedSeries(1);
  ASSERT_NE(one, nullptr);
  EXPECT_EQ(one->times, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(one->nums, (std::vector<uint64_t>{10, 2, 3}));
  Column two;
  ASSERT_TRUE(m.ReadSealed(2, 5, 5, &two));
  EXPECT_EQ(two.strs, std::vector<std::string>{"new"});
  EXPECT_EQ(m.SealedSeries(3), nullptr);
  std::vector<uint64_t> ids = m.SeriesIds();
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<uint64_t>{1, 2}));
}

}  // namespace
}  // namespace strata
