#include "series_key.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace strata {
namespace {

TEST(SeriesKey, PlainKeyHasNoEscapes) {
  std::vector<Tag> tags = {{"host", "a"}, {"region", "eu"}};
  EXPECT_EQ(MakeSeriesKey("cpu", tags, "usage"), "cpu,host=a,region=eu#usage");
  EXPECT_EQ(MakeTagSetKey("cpu", tags), "cpu,host=a,region=eu");
  EXPECT_EQ(MakeSeriesKey("cpu", {}, "usage"), "cpu#usage");
}

TEST(SeriesKey, EverySpecialByteIsEscapedInEveryPart) {
  std::vector<Tag> tags = {{"k,= #\\", "v,= #\\"}};
  EXPECT_EQ(MakeSeriesKey("m,= #\\", tags, "f,= #\\"),
            "m\\,\\=\\ \\#\\\\,k\\,\\=\\ \\#\\\\=v\\,\\=\\ \\#\\\\#f\\,\\=\\ \\#\\\\");
}

TEST(SeriesKey, AppendEscapedAppendsToExistingText) {
  std::string s = "x";
  AppendEscaped(&s, "a b");
  AppendEscaped(&s, "");
  AppendEscaped(&s, "plain");
  EXPECT_EQ(s, "xa\\ bplain");
}

TEST(SeriesKey, ParseInvertsMake) {
  std::vector<Tag> tags = {{"a#", "1 2"}, {"b", "x=y"}};
  std::string key = MakeSeriesKey("we,ird", tags, "f\\g");
  auto parts = ParseSeriesKey(key);
  ASSERT_TRUE(parts.has_value()) << parts.error().message();
  EXPECT_EQ(parts->measurement, "we,ird");
  EXPECT_EQ(parts->tags, tags);
  EXPECT_EQ(parts->field, "f\\g");
}

TEST(SeriesKey, TagSetKeyParsesWithoutField) {
  auto parts = ParseTagSetKey("cpu,host=a");
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(parts->measurement, "cpu");
  EXPECT_EQ(parts->tags, (std::vector<Tag>{{"host", "a"}}));
  EXPECT_EQ(parts->field, "");
  EXPECT_FALSE(ParseTagSetKey("cpu,host=a#f").has_value());
  EXPECT_FALSE(ParseSeriesKey("cpu,host=a").has_value());
}

TEST(SeriesKey, MalformedKeysAreInvalid) {
  const char* bad[] = {
      "",               // empty
      "#f",             // empty measurement
      "cpu",            // no field
      "cpu#",           // empty field
      "cpu,#f",         // empty tag key
      "cpu,a#f",        // tag without '='
      "cpu,a=#f",       // empty tag value
      "cpu,b=1,a=2#f",  // unsorted
      "cpu,a=1,a=2#f",  // repeated
      "cpu#f#g",        // second '#'
      "cpu#f g",        // unescaped space
      "cp u#f",         // unescaped space
      "cpu=x#f",        // unescaped '='
      "cpu,a=b=c#f",    // unescaped '=' in a value
      "cpu#f,g",        // unescaped ',' in the field
      "cpu\\x#f",       // escape of an ordinary byte
      "cpu#f\\",        // trailing backslash
  };
  for (const char* k : bad) {
    auto r = ParseSeriesKey(k);
    EXPECT_FALSE(r.has_value()) << k;
    if (!r) {
      EXPECT_EQ(r.error().code(), Code::kInvalid);
      EXPECT_NE(r.error().message().find("invalid series key"), std::string::npos);
    }
  }
}

TEST(SeriesKey, RandomPartsRoundTrip) {
  std::mt19937_64 rng(42);
  // Specials, a quote, UTF-8 bytes (mixed at random into invalid sequences too), 0x01 and NUL.
  const std::string alphabet = std::string("ab,= #\\\"\xc3\xa9\x01", 12);
  auto random_part = [&]() {
    std::string s;
    const size_t n = 1 + rng() % 8;
    for (size_t i = 0; i < n; i++) s.push_back(alphabet[rng() % alphabet.size()]);
    return s;
  };
  for (int iter = 0; iter < 5000; iter++) {
    SeriesKeyParts parts;
    parts.measurement = random_part();
    parts.field = random_part();
    std::vector<Tag> tags;
    const size_t ntags = rng() % 4;
    for (size_t i = 0; i < ntags; i++) tags.push_back({random_part(), random_part()});
    std::sort(tags.begin(), tags.end(), [](const Tag& a, const Tag& b) { return a.key < b.key; });
    tags.erase(std::unique(tags.begin(), tags.end(),
                           [](const Tag& a, const Tag& b) { return a.key == b.key; }),
               tags.end());
    parts.tags = tags;
    const std::string key = MakeSeriesKey(parts.measurement, parts.tags, parts.field);
    auto back = ParseSeriesKey(key);
    ASSERT_TRUE(back.has_value()) << key << ": " << back.error().message();
    EXPECT_EQ(*back, parts) << key;
    EXPECT_EQ(MakeSeriesKey(back->measurement, back->tags, back->field), key);
  }
}

TEST(SeriesKey, RandomBytesNeverParseToAnotherKey) {
  std::mt19937_64 rng(7);
  const std::string alphabet = "ab,=#\\ ";
  for (int iter = 0; iter < 20000; iter++) {
    std::string key;
    const size_t n = rng() % 12;
    for (size_t i = 0; i < n; i++) key.push_back(alphabet[rng() % alphabet.size()]);
    auto parts = ParseSeriesKey(key);
    if (parts) {
      EXPECT_EQ(MakeSeriesKey(parts->measurement, parts->tags, parts->field), key);
    }
  }
}

TEST(ValidateName, AcceptsAsciiAndUtf8) {
  EXPECT_TRUE(ValidateName("measurement", "cpu").has_value());
  EXPECT_TRUE(ValidateName("measurement", "température \xe2\x82\xac \xf0\x9f\x98\x80").has_value());
  EXPECT_TRUE(ValidateName("tag key", std::string(kMaxNameBytes, 'x')).has_value());
}

TEST(ValidateName, EmptyNameIsInvalid) {
  auto st = ValidateName("tag value", "");
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code(), Code::kInvalid);
  EXPECT_EQ(st.error().message(), "invalid tag value '': must not be empty");
}

TEST(ValidateName, NulByteIsInvalid) {
  auto st = ValidateName("field name", std::string_view("ab\0cd", 5));
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().message(), "invalid field name 'ab\\x00cd': contains a NUL byte");
}

TEST(ValidateName, NulByteAfterLongAsciiRunIsFound) {
  std::string s(37, 'a');
  s[33] = '\0';
  EXPECT_FALSE(ValidateName("tag key", s).has_value());
}

TEST(ValidateName, MalformedUtf8IsInvalid) {
  const char* bad[] = {
      "\x80",              // lone continuation
      "\xc3",              // truncated
      "\xc0\xaf",          // overlong
      "\xe0\x80\xaf",      // overlong
      "\xed\xa0\x80",      // surrogate
      "\xf4\x90\x80\x80",  // past U+10FFFF
      "\xff",              // never valid
      "abcdefgh\xe2\x82",  // truncated after an ASCII run
  };
  for (const char* b : bad) {
    auto st = ValidateName("measurement", b);
    ASSERT_FALSE(st.has_value()) << b;
    EXPECT_NE(st.error().message().find("not valid UTF-8"), std::string::npos);
    EXPECT_TRUE(IsValidUtf8(st.error().message())) << st.error().message();
  }
}

TEST(ValidateName, OverlongNameIsInvalidAndQuotedByPrefix) {
  auto st = ValidateName("measurement", std::string(kMaxNameBytes + 1, 'x'));
  ASSERT_FALSE(st.has_value());
  EXPECT_NE(st.error().message().find("longer than 65536 bytes"), std::string::npos);
  EXPECT_LT(st.error().message().size(), 200u);
}

TEST(NormalizeTags, SortsByKey) {
  std::vector<Tag> tags = {{"z", "1"}, {"a", "2"}, {"m", "3"}};
  ASSERT_TRUE(NormalizeTags(&tags).has_value());
  EXPECT_EQ(tags, (std::vector<Tag>{{"a", "2"}, {"m", "3"}, {"z", "1"}}));
}

TEST(NormalizeTags, RepeatedKeyIsInvalid) {
  std::vector<Tag> tags = {{"host", "a"}, {"dc", "x"}, {"host", "b"}};
  auto st = NormalizeTags(&tags);
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().message(), "duplicate tag key 'host'");
}

TEST(NormalizeTags, EmptyValueIsInvalid) {
  std::vector<Tag> tags = {{"host", ""}};
  auto st = NormalizeTags(&tags);
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().message(), "invalid tag value '': must not be empty");
}

TEST(AppendSnippet, EscapesControlBytesAndCutsLongText) {
  std::string s;
  AppendSnippet(&s, std::string_view("a\n\t\x01\xff\xc3\xa9", 7), 100);
  EXPECT_EQ(s, "a\\n\\t\\x01\\xff\xc3\xa9");
  s.clear();
  AppendSnippet(&s, "abcdef", 3);
  EXPECT_EQ(s, "abc...");
}

}  // namespace
}  // namespace strata
