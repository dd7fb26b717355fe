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

// A repeated match is answered from the catalog's cache of recent matches: it must still be the
// result of the request given (requests that differ only by where a name ends are different), and
// a newly registered series must show in it.
TEST(Catalog, RepeatedMatchesSeeNewSeriesAndTellRequestsApart) {
  testing::TempDir tmp;
  auto catalog = Catalog::Open(Env::Default(), tmp.Sub("catalog"));
  ASSERT_TRUE(catalog.has_value()) << catalog.error().ToString();
  auto add = [&](const std::string& host, const std::string& field) {
    const std::vector<Tag> tags = {{"host", host}};
    const std::string key = MakeSeriesKey("m", tags, field);
    const SeriesSpec spec = {key, "m", tags, field, ValueType::kFloat};
    uint64_t id = 0;
    ASSERT_TRUE((*catalog)->Resolve({&spec, 1}, &id));
  };
  auto keys = [&](const std::vector<TagFilter>& filters, const std::vector<std::string>& fields) {
    std::vector<std::string> out;
    for (const SeriesInfo* s : (*catalog)->Match("m", filters, fields)) out.push_back(s->key);
    return out;
  };
  add("a", "f");
  add("ab", "f");
  const std::vector<TagFilter> host_a = {{"host", {"a"}}};
  for (int round = 0; round < 2; round++) {
    EXPECT_EQ(keys(host_a, {}), std::vector<std::string>{"m,host=a#f"});
    EXPECT_EQ(keys({{"host", {"ab"}}}, {}), std::vector<std::string>{"m,host=ab#f"});
    EXPECT_EQ(keys({{"host", {"a", "b"}}}, {}), std::vector<std::string>{"m,host=a#f"});
    EXPECT_EQ(keys({}, {"f"}), (std::vector<std::string>{"m,host=a#f", "m,host=ab#f"}));
  }
  add("a", "g");
  EXPECT_EQ(keys(host_a, {}), (std::vector<std::string>{"m,host=a#f", "m,host=a#g"}));
  EXPECT_EQ(keys(host_a, {"g"}), std::vector<std::string>{"m,host=a#g"});
  EXPECT_EQ(keys({}, {"f"}), (std::vector<std::string>{"m,host=a#f", "m,host=ab#f"}));
}

}  // namespace
}  // namespace strata
