#include "row_cursor.h"

#include <gtest/gtest.h>

#include "engine/engine_test_util.h"
#include "storage_engine.h"

namespace strata {
namespace {

constexpr int64_t kDay = 86400LL * 1000000000LL;

// "tagset@time: field=value ..." for every row.
std::vector<std::string> Rows(StorageEngine& db, const QueryRequest& q) {
  std::vector<std::string> out;
  auto cursor = db.QueryRows(q);
  EXPECT_TRUE(cursor.has_value());
  while (true) {
    auto more = (*cursor)->Next();
    EXPECT_TRUE(more.has_value());
    if (!more || !*more) break;
    RowCursor& r = **cursor;
    std::string row = r.tagset().tagset_key + "@" + std::to_string(r.time()) + ":";
    for (size_t i = 0; i < r.field_count(); i++) {
      if (!r.has_value(i)) continue;
      const Column& c = r.column(i);
      row += " " + r.field(i).field + "=" +
             (c.type == ValueType::kString ? c.strs[r.value_index(i)]
                                           : std::to_string(c.nums[r.value_index(i)]));
    }
    out.push_back(row);
  }
  return out;
}

TEST(RowCursor, MergesFieldsOfOneTagSetByTime) {
  testing::TempDir tmp;
  auto db = StorageEngine::Open(tmp.Sub("db"), Options());
  ASSERT_TRUE(db.has_value());
  ASSERT_TRUE((*db)->WriteLines(
      "cpu,host=a user=1i,sys=2i 10\n"
      "cpu,host=a user=3i 20\n"
      "cpu,host=a sys=4i 30\n"
      "cpu,host=b user=5i,note=\"x\" 10\n"));
  ASSERT_TRUE((*db)->Flush());
  ASSERT_TRUE((*db)->WriteLines("cpu,host=a user=6i 10\n"));  // overwrites one field of a row
  QueryRequest q;
  q.measurement = "cpu";
  EXPECT_EQ(Rows(**db, q), (std::vector<std::string>{
                               "cpu,host=a@10: sys=2 user=6",
                               "cpu,host=a@20: user=3",
                               "cpu,host=a@30: sys=4",
                               "cpu,host=b@10: note=x user=5",
                           }));
}

TEST(RowCursor, WalksShardWindowsInTimeOrderPerTagSet) {
  testing::TempDir tmp;
  auto db = StorageEngine::Open(tmp.Sub("db"), Options());
  ASSERT_TRUE(db.has_value());
  const std::string t1 = std::to_string(kDay + 5), t2 = std::to_string(2 * kDay + 5);
  ASSERT_TRUE((*db)->WriteLines("m,h=b v=2i " + t2 + "\nm,h=a v=1i " + t2 + "\nm,h=a v=0i " + t1 +
                                "\n"));
  QueryRequest q;
  q.measurement = "m";
  EXPECT_EQ(Rows(**db, q), (std::vector<std::string>{"m,h=a@" + t1 + ": v=0", "m,h=a@" + t2 + ": v=1",
                                                      "m,h=b@" + t2 + ": v=2"}));
  q.min_time = 2 * kDay;
  EXPECT_EQ(Rows(**db, q).size(), 2u);
}

}  // namespace
}  // namespace strata
