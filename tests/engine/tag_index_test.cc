// TagIndex::Match: filters are AND-ed, the values of one filter and the fields are OR-ed. The index
// either probes a small result against the posting lists or merges the lists; both must give what
// a brute-force filter over every series gives.
#include "tag_index.h"

#include "tag_predicate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <regex>
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
    if (tag == s.tags.end()) return false;  // no op matches a series without the key
    const std::string& v = tag->value;
    const bool listed = std::find(f.values.begin(), f.values.end(), v) != f.values.end();
    std::string lower_v = v, lower_p = f.values.empty() ? "" : f.values[0];
    for (char& c : lower_v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (char& c : lower_p) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool ok = false;
    switch (f.op) {
      case TagOp::kIn: ok = listed; break;
      case TagOp::kNotIn: ok = !listed; break;
      case TagOp::kPrefix: ok = v.rfind(f.values[0], 0) == 0; break;
      case TagOp::kPrefixNoCase: ok = lower_v.rfind(lower_p, 0) == 0; break;
      case TagOp::kRegex: ok = std::regex_match(v, std::regex(f.values[0])); break;
    }
    if (!ok) return false;
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
    // Some filters use another op: not in, prefix (of either case), regex.
    const char* patterns[] = {"h1[0-9]", "h(2|3)", "h.*5", "h", "H1", "h4"};
    for (TagFilter& f : filters) {
      f.op = static_cast<TagOp>(rng() % 5);
      if (f.op == TagOp::kPrefix || f.op == TagOp::kPrefixNoCase || f.op == TagOp::kRegex) {
        f.key = rng() % 4 ? "host" : keys[rng() % 4];
        f.values = {patterns[rng() % 6]};
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

// Prefix, regex and the other ops select through the values of the key, never a series without it;
// a bad regex or a prefix with two values is Invalid with a message naming the key (and RE2's).
TEST(TagIndexTest, PredicatesSkipSeriesWithoutTheKeyAndBadOnesAreInvalid) {
  TagIndex index;
  const std::vector<Tag> web1 = {{"host", "web-1"}}, db1 = {{"host", "db-1"}}, none = {};
  const std::string field = "f";
  index.Add(1, "m", web1, field);
  index.Add(2, "m", db1, field);
  index.Add(3, "m", none, field);
  EXPECT_EQ(index.Match("m", {TagFilter{"host", {"web-1"}, TagOp::kNotIn}}, {}),
            std::vector<uint64_t>{2});
  EXPECT_EQ(index.Match("m", {TagFilter{"host", {}, TagOp::kNotIn}}, {}),
            (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(index.Match("m", {TagFilter{"host", {"WEB"}, TagOp::kPrefixNoCase}}, {}),
            std::vector<uint64_t>{1});
  EXPECT_EQ(index.Match("m", {TagFilter{"host", {"[a-z]+-1"}, TagOp::kRegex}}, {}),
            (std::vector<uint64_t>{1, 2}));
  EXPECT_TRUE(index.Match("m", {TagFilter{"host", {"web"}, TagOp::kRegex}}, {}).empty());  // full

  auto bad = ValidateTagFilters({TagFilter{"host", {"web-(["}, TagOp::kRegex}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), Code::kInvalid);
  EXPECT_NE(bad.error().message().find("tag filter on 'host': invalid regex 'web-(['"),
            std::string::npos) << bad.error().message();
  auto two = ValidateTagFilters({TagFilter{"host", {"a", "b"}, TagOp::kPrefix}});
  ASSERT_FALSE(two);
  EXPECT_NE(two.error().message().find("prefix takes exactly one value, got 2"), std::string::npos);
  auto unknown = ValidateTagFilters({TagFilter{"host", {"a"}, static_cast<TagOp>(9)}});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message().find("unknown op 9"), std::string::npos);
  EXPECT_TRUE(ValidateTagFilters({TagFilter{"host", {"a", "b"}, TagOp::kNotIn}}));
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
