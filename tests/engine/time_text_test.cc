// The one set of tests of how a time reads as text (time_text.h): the CLI, the C ABI and the
// SQLite module all parse and format times with these functions.
#include "time_text.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

namespace strata {
namespace {

constexpr int64_t kJan2016 = 1451606400000000000;  // 2016-01-01T00:00:00Z

int64_t Parsed(const std::string& text) {
  auto t = ParseTimeText(text);
  EXPECT_TRUE(t.has_value()) << text << ": " << t.error().message();
  return t.value_or(0);
}

std::string Refusal(const std::string& text) {
  auto t = ParseTimeText(text);
  EXPECT_FALSE(t.has_value()) << text << " gave " << t.value_or(0);
  return t ? "" : t.error().message();
}

TEST(TimeText, IntegerNanosecondsAreTakenAsThey) {
  EXPECT_EQ(Parsed("0"), 0);
  EXPECT_EQ(Parsed("1451606400000000000"), kJan2016);
  EXPECT_EQ(Parsed("-5"), -5);
  EXPECT_EQ(Parsed("+5"), 5);
  EXPECT_EQ(Parsed("  42 \n"), 42);
  EXPECT_EQ(Parsed("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(Parsed("-9223372036854775808"), INT64_MIN);
}

TEST(TimeText, IsoFormsAreAccepted) {
  EXPECT_EQ(Parsed("2016-01-01"), kJan2016);
  EXPECT_EQ(Parsed("2016-01-01T00:00:00Z"), kJan2016);
  EXPECT_EQ(Parsed("2016-01-01t00:00:00z"), kJan2016);
  EXPECT_EQ(Parsed("2016-01-01 00:00"), kJan2016);
  EXPECT_EQ(Parsed(" 2016-01-01T00:00:00Z "), kJan2016);
  EXPECT_EQ(Parsed("2016-01-01T00:00:10.5Z"), kJan2016 + 10'500'000'000);
  EXPECT_EQ(Parsed("2016-01-01T00:00:10,000000001Z"), kJan2016 + 10'000'000'001);
  EXPECT_EQ(Parsed("2016-01-01T00:00:00.1000000000Z"), kJan2016 + 100'000'000);  // trailing zeros
  EXPECT_EQ(Parsed("2016-01-01T01:00:00+01:00"), kJan2016);
  EXPECT_EQ(Parsed("2015-12-31T23:00:00-0100"), kJan2016);
  EXPECT_EQ(Parsed("2016-02-29T00:00:00Z"), kJan2016 + 59 * 86400 * 1'000'000'000LL);  // leap year
  EXPECT_EQ(Parsed("1969-12-31T23:59:59.999999999Z"), -1);
}

TEST(TimeText, TextThatIsNoTimeIsRefusedSayingWhy) {
  const std::string expected = "expected integer nanoseconds or ISO-8601 text";
  for (const char* text :
       {"", " ", "yesterday", "1-2", "+-5", "5+", "99999999999999999999", "2016-13-01",
        "2016-00-10", "2016-01-00", "2016-1-01", "2016-01-01T", "2016-01-01T24:00:00Z",
        "2016-01-01T00:60:00Z", "2016-01-01T23:59:60Z", "2016-01-01T00:00:00.Z",
        "2016-01-01T00:00:00.0000000001Z", "2016-01-01Z", "2016-01-01T00:00:00+24:00",
        "2016-01-01T00:00:00+01", "2016-01-01T00:00:00ZZ", "2016-01-01x00:00"}) {
    const std::string message = Refusal(text);
    EXPECT_EQ(message.rfind(std::string("cannot use '") + text + "' as a time: ", 0), 0u)
        << message;
    EXPECT_NE(message.find(expected), std::string::npos) << text << ": " << message;
  }
}

TEST(TimeText, DatesThatDoNotExistAreRefused) {
  EXPECT_EQ(Refusal("2016-02-30T00:00:00Z"),
            "cannot use '2016-02-30T00:00:00Z' as a time: 2016-02 has no day 30");
  EXPECT_NE(Refusal("2015-02-29").find("2015-02 has no day 29"), std::string::npos);
  EXPECT_NE(Refusal("1900-02-29").find("1900-02 has no day 29"), std::string::npos);
  EXPECT_NE(Refusal("2016-04-31").find("2016-04 has no day 31"), std::string::npos);
  EXPECT_EQ(Parsed("2000-02-29"), 951782400000000000);
}

TEST(TimeText, IsoTimesOutsideTheWholeSecondsOfInt64AreRefused) {
  EXPECT_EQ(Parsed("1677-09-21T00:12:44Z"), -9223372036000000000);
  EXPECT_EQ(Parsed("2262-04-11T23:47:15.999999999Z"), 9223372035999999999);
  const std::string range =
      "outside 1677-09-21T00:12:44Z to 2262-04-11T23:47:15.999999999Z, the text times int64 ns "
      "hold";
  for (const char* text : {"2262-04-11T23:47:16Z", "1677-09-21T00:12:43.999Z", "9999-12-31",
                           "0000-01-01", "2262-04-12T01:00:00+01:00"}) {
    EXPECT_NE(Refusal(text).find(range), std::string::npos) << text;
  }
}

TEST(TimeText, LongTextIsQuotedInPart) {
  const std::string message = Refusal(std::string(500, 'x'));
  EXPECT_LT(message.size(), 200u);
  EXPECT_NE(message.find("xxx...' as a time"), std::string::npos) << message;
}

TEST(TimeText, FormatGivesUtcWithTheFractionItNeeds) {
  EXPECT_EQ(FormatTimeText(kJan2016), "2016-01-01T00:00:00Z");
  EXPECT_EQ(FormatTimeText(kJan2016 + 10'500'000'000), "2016-01-01T00:00:10.5Z");
  EXPECT_EQ(FormatTimeText(1), "1970-01-01T00:00:00.000000001Z");
  EXPECT_EQ(FormatTimeText(-1), "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(FormatTimeText(INT64_MIN), "1677-09-21T00:12:43.145224192Z");
  EXPECT_EQ(FormatTimeText(INT64_MAX), "2262-04-11T23:47:16.854775807Z");
  EXPECT_EQ(FormatTimeText(INT64_MIN).size(), kMaxTimeTextBytes);
}

TEST(TimeText, ParseReadsBackWhatFormatWrites) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int64_t> any(-9223372036000000000, 9223372035999999999);
  for (int i = 0; i < 20000; i++) {
    int64_t t = any(rng);
    if (i % 4 == 1) t -= t % 1'000'000'000;  // whole seconds
    if (i % 4 == 2) t -= t % 1'000;          // microseconds
    EXPECT_EQ(Parsed(FormatTimeText(t)), t) << FormatTimeText(t);
  }
}

}  // namespace
}  // namespace strata
