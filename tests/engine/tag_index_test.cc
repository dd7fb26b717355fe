// TagIndex::Match: filters are AND-ed, the values of one filter and the fields are OR-ed. The index
// either probes a small result against the posting lists or merges the lists; both must give what
// a brute-force filter over every series gives.
#include "tag_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

namespace strata {
namespace {

struct Series {
  std::vector<Tag> tags;
  std::string field;
};

bool Matches(const Series& s, const std::vector<TagFilter>& filters,
             const std::vector<std::string>& fields) {
  for (const TagFilter& f : filters) {
    const auto tag = std::find_if(s.tags.begin(), s.tags.end(), [&](const Tag& t) { return t.key == f.key; });
    if (tag == s.tags.end() ||
        std::find(f.values.begin(), f.values.end(), tag->value) == f.values.end()) {
      return false;
    }
  }
  return fields.empty() || std::find(fields.begin(), fields.end(), s.field) != fields.end();
}

TEST(TagIndexTest, MatchEqualsABruteForceFilterForSelectiveAndBroadQueries) {
  TagIndex index;
  std::mt19937 rng(3);
  std::vector<Series> all;
  all.reserve(2000);  // the index keeps views of the strings it is given: they must not move
  for (uint64_t id = 1; id <= 2000; id++) {
    Series s;
    s.tags = {{"host", "h" + std::to_string(rng() % 50)}, {"region", rng() % 2 ? "eu" : "us"}};
    if (rng() % 3 == 0) s.tags.push_back({"rack", "r" + std::to_string(rng() % 4)});
    s.field = "f" + std::to_string(rng() % 10);
    all.push_back(s);
    index.Add(id, "m", all.back().tags, all.back().field);
  }
  const char* keys[] = {"host", "region", "rack", "missing"};
  for (int q = 0; q < 400; q++) {
    std::vector<TagFilter> filters(rng() % 3);
    for (TagFilter& f : filters) {
      f.key = keys[rng() % 4];
      const size_t n = rng() % 4;  // 0 values: matches nothing
      for (size_t i = 0; i < n; i++) {
        f.values.push_back(f.key == "host" ? "h" + std::to_string(rng() % 60)
                           : f.key == "region" ? (rng() % 2 ? "eu" : "us")
                                               : "r" + std::to_string(rng() % 5));
      }
    }
    std::vector<std::string> fields(rng() % 5);
    for (std::string& f : fields) f = "f" + std::to_string(rng() % 12);
    std::vector<uint64_t> want;
    for (size_t i = 0; i < all.size(); i++) {
      if (Matches(all[i], filters, fields)) want.push_back(i + 1);
    }
    EXPECT_EQ(index.Match("m", filters, fields), want) << "query " << q;
  }
  EXPECT_TRUE(index.Match("other", {}, {}).empty());
  EXPECT_EQ(index.Match("m", {}, {}).size(), all.size());
}

// TagKeys and TagValues list what a brute-force count over the series gives: each key with its
// number of values and of series, each value with its series, sorted bytewise (empty values and
// bytes above 0x7f included); a removed measurement lists nothing.
TEST(TagIndexTest, TagKeysAndValuesCountWhatTheSeriesHold) {
  TagIndex index;
  std::mt19937 rng(7);
  std::vector<Series> all;
  all.reserve(3000);
  const std::string odd_values[] = {"", "\xc3\xa9t\xc3\xa9", "Z", "a b", "a,b"};
  for (uint64_t id = 1; id <= 3000; id++) {
    Series s;
    s.tags = {{"host", "h" + std::to_string(rng() % 700)}};
    if (rng() % 2) s.tags.push_back({"zone", odd_values[rng() % 5]});
    std::sort(s.tags.begin(), s.tags.end(), [](const Tag& a, const Tag& b) { return a.key < b.key; });
    s.field = rng() % 2 ? "usage" : "idle";
    all.push_back(s);
    index.Add(id, "m", all.back().tags, all.back().field);
  }
  std::map<std::string, std::map<std::string, size_t>> want;  // key -> value -> series
  for (const Series& s : all) {
    for (const Tag& t : s.tags) want[t.key][t.value]++;
  }
  std::vector<TagKeyInfo> want_keys;
  for (const auto& [key, values] : want) {
    size_t series = 0;
    for (const auto& [value, n] : values) series += n;
    want_keys.push_back({key, values.size(), series});
  }
  EXPECT_EQ(index.TagKeys("m"), want_keys);
  for (const auto& [key, values] : want) {
    std::vector<TagValueInfo> want_values;
    for (const auto& [value, n] : values) want_values.push_back({value, n});
    EXPECT_EQ(index.TagValues("m", key), want_values) << key;
  }
  EXPECT_TRUE(index.TagValues("m", "missing").empty());
  EXPECT_TRUE(index.TagKeys("other").empty());
  EXPECT_TRUE(index.TagValues("other", "host").empty());
  index.RemoveMeasurement("m");
  EXPECT_TRUE(index.TagKeys("m").empty());
  EXPECT_TRUE(index.TagValues("m", "host").empty());
}

}  // namespace
}  // namespace strata
