#include "catalog.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engine/engine_test_util.h"
#include "series_key.h"

namespace strata {
namespace {

// Match returns series in bytewise key order, whatever the keys share or where they differ:
// within their first bytes after the common prefix or only later, one a prefix of another,
// bytes above 0x7f.
TEST(Catalog, MatchSortsSeriesByKeyBytewise) {
  testing::TempDir tmp;
  auto catalog = Catalog::Open(Env::Default(), tmp.Sub("catalog"));
  ASSERT_TRUE(catalog.has_value()) << catalog.error().ToString();
  const std::vector<std::string> values = {"abcdefghijklmnop",
                                           "abcdefghijklmnoq",
                                           "abcdefghijklmno",
                                           "abcdefghijklmnopq",
                                           "abcdefghij",
                                           "abcdefgh",
                                           "abcdefghiJ",
                                           "abc\xc3\xa9",
                                           "abc def",
                                           "abc,def",
                                           "abc",
                                           "abd"};
  std::vector<std::string> want;
  for (const std::string& v : values) {
    for (const std::string field : {"f", "f2", "g"}) {
      const std::vector<Tag> tags = {{"host", v}};
      const std::string key = MakeSeriesKey("m", tags, field);
      const SeriesSpec spec = {key, "m", tags, field, ValueType::kFloat};
      uint64_t id = 0;
      ASSERT_TRUE((*catalog)->Resolve({&spec, 1}, &id));
      want.push_back(key);
    }
  }
  std::sort(want.begin(), want.end());
  for (const std::vector<TagFilter>& filters :
       {std::vector<TagFilter>{}, std::vector<TagFilter>{{"host", {"abcdefghijklmnop"}}}}) {
    std::vector<std::string> got;
    for (const SeriesInfo* s : (*catalog)->Match("m", filters, {})) got.push_back(s->key);
    if (filters.empty()) {
      EXPECT_EQ(got, want);
    } else {
      EXPECT_EQ(got,
                (std::vector<std::string>{"m,host=abcdefghijklmnop#f", "m,host=abcdefghijklmnop#f2",
                                          "m,host=abcdefghijklmnop#g"}));
    }
  }
  EXPECT_TRUE((*catalog)->Match("nothing", {}, {}).empty());
}

}  // namespace
}  // namespace strata
