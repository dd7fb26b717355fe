// TagIndex::Match: filters are AND-ed, the values of one filter and the fields are OR-ed. The index
// either probes a small result against the posting lists or merges the lists; both must give what
// a brute-force filter over every series gives.
#include "tag_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

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

}  // namespace
}  // namespace strata
