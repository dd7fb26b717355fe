#include "point.h"

#include <gtest/gtest.h>

namespace strata {
namespace {

TEST(SortAndDedupe, LastWriteWinsOnEqualTimestamps) {
  Column c;
  c.type = ValueType::kInt;
  c.times = {5, 1, 5, 3, 1};
  c.nums = {50, 10, 51, 30, 11};
  SortAndDedupe(&c);
  EXPECT_EQ(c.times, (std::vector<int64_t>{1, 3, 5}));
  EXPECT_EQ(c.nums, (std::vector<uint64_t>{11, 30, 51}));
}

TEST(SortAndDedupe, StringColumnsKeepTheirValues) {
  Column c;
  c.type = ValueType::kString;
  c.times = {2, 1, 2};
  c.strs = {"a", "b", "c"};
  SortAndDedupe(&c);
  EXPECT_EQ(c.times, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(c.strs, (std::vector<std::string>{"b", "c"}));
}

TEST(SortAndDedupe, IncreasingColumnIsUntouched) {
  Column c;
  c.times = {1, 2, 3};
  c.nums = {7, 8, 9};
  SortAndDedupe(&c);
  EXPECT_EQ(c.nums, (std::vector<uint64_t>{7, 8, 9}));
}

}  // namespace
}  // namespace strata
