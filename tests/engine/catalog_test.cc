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
    const std::vector<const SeriesInfo*> matched = (*catalog)->Match("m", filters, {}).value();
    for (const SeriesInfo* s : matched) got.push_back(s->key);
    if (filters.empty()) {
      EXPECT_EQ(got, want);
    } else {
      EXPECT_EQ(got,
                (std::vector<std::string>{"m,host=abcdefghijklmnop#f", "m,host=abcdefghijklmnop#f2",
                                          "m,host=abcdefghijklmnop#g"}));
    }
  }
  EXPECT_TRUE((*catalog)->Match("nothing", {}, {}).value().empty());
}

// A repeated match is answered from the catalog's cache of recent matches: it must still be the
// result of the request given (requests that differ only by where a name ends are different), and
// a newly registered series must show in it.
// A batch of new series is one log record: reopened, salvaged and rebuilt catalogs hold every
// series of it with its ID, tags and tag set, and the memory figures grow with the series.
TEST(Catalog, ABatchOfNewSeriesSurvivesReopenAndSalvage) {
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("catalog");
  std::vector<std::vector<Tag>> tags;
  std::vector<std::string> keys;
  for (int i = 0; i < 500; i++) {
    // Long and short, repeated and empty-looking values; two fields per tag set.
    tags.push_back({{"pod", "pod-" + std::to_string(i) + (i % 3 == 0 ? std::string(40, 'x') : "")},
                    {"zone", i % 2 == 0 ? "a" : "b"}});
  }
  std::vector<SeriesSpec> specs;
  for (int i = 0; i < 500; i++) {
    for (const char* field : {"cpu", "mem"}) keys.push_back(MakeSeriesKey("k8s", tags[i], field));
  }
  for (int i = 0; i < 1000; i++) {
    specs.push_back(SeriesSpec{keys[i], "k8s", tags[i / 2], i % 2 == 0 ? "cpu" : "mem",
                               i % 2 == 0 ? ValueType::kFloat : ValueType::kInt});
  }
  std::vector<uint64_t> ids(specs.size());
  {
    auto catalog = Catalog::Open(Env::Default(), dir);
    ASSERT_TRUE(catalog.has_value()) << catalog.error().ToString();
    ASSERT_TRUE((*catalog)->FinishRecovery());
    const Catalog::MemoryUsage empty = (*catalog)->Memory();
    // The first series alone, then the rest (with a repeat of the first) in one call.
    ASSERT_TRUE((*catalog)->Resolve({specs.data(), 1}, ids.data()));
    ASSERT_TRUE((*catalog)->Resolve(specs, ids.data()));
    ASSERT_TRUE((*catalog)->Sync());
    for (size_t i = 0; i < ids.size(); i++) EXPECT_EQ(ids[i], i + 1);
    const Catalog::MemoryUsage full = (*catalog)->Memory();
    EXPECT_GT(full.series_bytes, empty.series_bytes + 1000 * sizeof(SeriesInfo));
    EXPECT_GT(full.tag_index_bytes, empty.tag_index_bytes + 1000 * sizeof(uint64_t));
  }
  auto check = [&](const Catalog& c) {
    ASSERT_EQ(c.series_count(), 1000u);
    for (size_t i = 0; i < 1000; i++) {
      const SeriesInfo* s = c.Series(i + 1).value();
      ASSERT_NE(s, nullptr);
      EXPECT_EQ(s->key, keys[i]);
      EXPECT_EQ(s->tags, tags[i / 2]);
      EXPECT_EQ(s->tagset_key, MakeTagSetKey("k8s", tags[i / 2]));
      EXPECT_EQ(s->tagset_id, i / 2 + 1);
      EXPECT_EQ(s->type, specs[i].type);
    }
    EXPECT_EQ(c.Match("k8s", {{"zone", {"b"}}}, {"mem"}).value().size(), 250u);
    EXPECT_EQ(c.Match("k8s", {{"pod", {"pod-7"}}}, {}).value().size(), 2u);
  };
  {
    auto reopened = Catalog::Open(Env::Default(), dir);
    ASSERT_TRUE(reopened.has_value()) << reopened.error().ToString();
    check(**reopened);
  }
  auto salvage = Catalog::SalvageRecords(Env::Default(), dir);
  ASSERT_TRUE(salvage.has_value()) << salvage.error().ToString();
  EXPECT_FALSE(salvage->damage.has_value());
  size_t series_records = 0;
  for (const Catalog::Record& r : salvage->records) series_records += r.series_id != 0;
  EXPECT_EQ(series_records, 1000u);
  const std::string rebuilt = tmp.Sub("rebuilt");
  ASSERT_TRUE(Catalog::WriteRecords(Env::Default(), rebuilt, salvage->records));
  auto reread = Catalog::OpenReadOnly(Env::Default(), rebuilt);
  ASSERT_TRUE(reread.has_value()) << reread.error().ToString();
  check(**reread);
}

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
    const std::vector<const SeriesInfo*> matched = (*catalog)->Match("m", filters, fields).value();
    for (const SeriesInfo* s : matched) out.push_back(s->key);
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
