// The content of the checked-in segments of older formats (engine/data/format1.sst, format2.sst),
// by formula, and the check that a reader of one holds exactly it. Both files hold the same
// content: all four types, a series of two blocks, repeated and empty strings, negative ints,
// fractional floats. Never change the formula: the files were written from it.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "coding.h"
#include "segment_reader.h"
#include "segment_writer.h"

namespace strata {

struct FixtureSeries {
  SegmentSeries series;
  Column points;
};

inline std::vector<FixtureSeries> CheckedInSegmentContent() {
  std::vector<FixtureSeries> all;
  auto add = [&](uint64_t id, std::string key, ValueType type, size_t n, auto value) {
    FixtureSeries s{{id, std::move(key), type}, Column{}};
    s.points.type = type;
    for (size_t i = 0; i < n; i++) {
      s.points.times.push_back(1'700'000'000'000'000'000 + static_cast<int64_t>(i) * 10'000'000'000);
      value(i, &s.points);
    }
    all.push_back(std::move(s));
  };
  add(3, "cpu,host=a#count", ValueType::kInt, 300, [](size_t i, Column* c) {
    c->nums.push_back(static_cast<uint64_t>(static_cast<int64_t>(i * i) - 1000));
  });
  add(1, "cpu,host=a#usage", ValueType::kFloat, 1500,
      [](size_t i, Column* c) { c->nums.push_back(FloatBits(static_cast<double>(i) * 0.25)); });
  add(2, "cpu,host=b#up", ValueType::kBool, 50,
      [](size_t i, Column* c) { c->nums.push_back(i % 3 == 0 ? 1 : 0); });
  add(4, "proc,name=x#state", ValueType::kString, 20, [](size_t i, Column* c) {
    const char* states[] = {"run", "sleep", ""};
    c->strs.push_back(states[i % 3]);
  });
  return all;
}

// Expects `r` to hold CheckedInSegmentContent(), series by series, point by point, and to verify.
inline void ExpectHoldsCheckedInContent(const SegmentReader& r) {
  const std::vector<FixtureSeries> want = CheckedInSegmentContent();
  ASSERT_EQ(r.index().size(), want.size());
  for (size_t s = 0; s < want.size(); s++) {
    const SeriesIndexEntry& e = r.index()[s];
    EXPECT_EQ(e.key, want[s].series.key);
    EXPECT_EQ(e.id, want[s].series.id);
    ASSERT_EQ(e.type, want[s].series.type);
    Column got;
    got.type = e.type;
    ASSERT_TRUE(r.Read(e, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
                       &got)
                    .has_value());
    EXPECT_EQ(got.times, want[s].points.times) << e.key;
    EXPECT_EQ(got.nums, want[s].points.nums) << e.key;
    EXPECT_EQ(got.strs, want[s].points.strs) << e.key;
  }
  EXPECT_EQ(r.index()[1].blocks.size(), 2u);  // 1500 points: two blocks
  EXPECT_TRUE(r.Verify().has_value());
}

}  // namespace strata
