// Write-record payloads (wal_entry.h): round trips, and malformed input rejected without
// over-reading.
#include "wal_entry.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "coding.h"

namespace strata {
namespace {

Column Floats(std::vector<int64_t> times, std::vector<double> values) {
  Column c;
  c.type = ValueType::kFloat;
  c.times = std::move(times);
  for (double v : values) c.nums.push_back(FloatBits(v));
  return c;
}

// "measurement@window series:time=value,..." per decoded series, in record order.
std::vector<std::string> Describe(const DecodedWrite& d) {
  std::vector<std::string> out;
  for (const WritePart& p : d.parts) {
    for (const SeriesPoints& s : p.series) {
      std::string line = p.measurement + "@" + std::to_string(p.window_start) + " " +
                         std::to_string(s.id) + ":";
      for (size_t i = 0; i < s.points->size(); i++) {
        line += std::to_string(s.points->times[i]) + "=" +
                std::to_string(BitsFloat(s.points->nums[i])) + ",";
      }
      out.push_back(line);
    }
  }
  return out;
}

TEST(WalEntry, WriteRecordRoundTripsWithDeletesFirst) {
  const Column a = Floats({1, 2}, {1.5, 2.5});
  const DeleteRecord del{"m", 5, 9, {7, 8}};
  std::string payload;
  EncodeWriteRecord({&del, 1}, std::vector<WritePart>{{"m", 0, {{3, &a}}}}, &payload);
  DecodedWrite d;
  ASSERT_TRUE(DecodeWriteRecord(payload, &d));
  ASSERT_EQ(d.deletes.size(), 1u);
  EXPECT_EQ(d.deletes[0].series_ids, (std::vector<uint64_t>{7, 8}));
  EXPECT_EQ(Describe(d), std::vector<std::string>{"m@0 3:1=1.500000,2=2.500000,"});
}

TEST(WalEntry, TruncatedOrPaddedRecordsAreRejected) {
  const Column a = Floats({1, 2, 3}, {1, 2, 3});
  std::string record;
  EncodeWriteRecord({}, std::vector<WritePart>{{"m", 0, {{3, &a}}}}, &record);
  DecodedWrite d;
  for (size_t n = 0; n < record.size(); n++) {
    EXPECT_FALSE(DecodeWriteRecord(std::string_view(record).substr(0, n), &d)) << n;
  }
  EXPECT_FALSE(DecodeWriteRecord(record + '\x07', &d));
  EXPECT_TRUE(DecodeWriteRecord(record, &d));
}

}  // namespace
}  // namespace strata
