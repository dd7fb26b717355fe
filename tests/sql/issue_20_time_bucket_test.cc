// Issue 20: calendar-aware time_bucket. Months and years ('1mo', '3mo', '1y', '5y'), an origin
// (weeks from Monday, months from the 15th), a fixed UTC offset as the zone, strata_format_time,
// and the aggregate view's `every` cutting time by the same rule. Every expected boundary is
// computed by hand (month lengths, leap years 2000 and 2024, the non-leap 1900, times before
// 1970).
#include <string>

#include "sql_test_util.h"

namespace {

using Strings = std::vector<std::string>;

class TimeBucketTest : public SqlTest {
 protected:
  // The bucket start of time_bucket(args...) as RFC 3339 text.
  static std::string Bucket(sqlite3* db, const std::string& args) {
    return One(db, "SELECT strata_format_time(time_bucket(" + args + "))");
  }
};

TEST_F(TimeBucketTest, FormatTimeWritesRfc3339InUtc) {
  sqlite3* db = Open(":memory:");
  EXPECT_EQ(One(db, "SELECT strata_format_time(0), strata_format_time(-1), "
                    "strata_format_time(1451606410500000000), strata_format_time(NULL), "
                    "strata_format_time('2024-01-01 02:00:00+02:00')"),
            "1970-01-01T00:00:00Z|1969-12-31T23:59:59.999999999Z|2016-01-01T00:00:10.5Z|NULL|"
            "2024-01-01T00:00:00Z");
  EXPECT_NE(Exec(db, "SELECT strata_format_time('yesterday')").find("strata_format_time"),
            std::string::npos);
}

TEST_F(TimeBucketTest, MonthsFollowTheCalendar) {
  sqlite3* db = Open(":memory:");
  // 2024-02-01T00:00:00Z is 1706745600 s: 2024-01-01 (1704067200) plus January's 31 days.
  EXPECT_EQ(One(db, "SELECT time_bucket('1mo', '2024-02-29T23:59:59.999999999Z')"),
            "1706745600000000000");
  EXPECT_EQ(Bucket(db, "'1mo', '2024-02-29T23:59:59.999999999Z'"), "2024-02-01T00:00:00Z");
  EXPECT_EQ(Bucket(db, "'1mo', '2024-03-01T00:00:00Z'"), "2024-03-01T00:00:00Z");  // a start is in
  EXPECT_EQ(Bucket(db, "'1mo', strata_time('2024-03-01T00:00:00Z') - 1"), "2024-02-01T00:00:00Z");
  EXPECT_EQ(Bucket(db, "'1mo', '2023-02-28T12:00:00Z'"), "2023-02-01T00:00:00Z");
  EXPECT_EQ(Bucket(db, "'1mo', '2023-03-01T00:00:00Z'"), "2023-03-01T00:00:00Z");
  EXPECT_EQ(Bucket(db, "'1mo', '2000-02-29T12:00:00Z'"), "2000-02-01T00:00:00Z");  // 2000 leaps
  EXPECT_EQ(Bucket(db, "'1mo', '1900-02-28T23:59:59Z'"), "1900-02-01T00:00:00Z");  // 1900 not
  EXPECT_EQ(Bucket(db, "'1mo', '1900-03-01T00:00:00Z'"), "1900-03-01T00:00:00Z");
  EXPECT_EQ(Bucket(db, "'1mo', '2024-12-31T23:59:59Z'"), "2024-12-01T00:00:00Z");
  // Quarters and half years count from January 1970.
  EXPECT_EQ(Bucket(db, "'3mo', '2024-05-15T00:00:00Z'"), "2024-04-01T00:00:00Z");
  EXPECT_EQ(Bucket(db, "'3mo', '2024-12-31T23:59:59Z'"), "2024-10-01T00:00:00Z");
  EXPECT_EQ(Bucket(db, "'6mo', '2024-06-30T00:00:00Z'"), "2024-01-01T00:00:00Z");
  EXPECT_EQ(Bucket(db, "' 6mo ', '2024-07-01T00:00:00Z'"), "2024-07-01T00:00:00Z");
}

TEST_F(TimeBucketTest, YearsFollowTheCalendar) {
  sqlite3* db = Open(":memory:");
  EXPECT_EQ(Bucket(db, "'1y', '2024-12-31T23:59:59.999999999Z'"), "2024-01-01T00:00:00Z");
  EXPECT_EQ(Bucket(db, "'1y', '2025-01-01T00:00:00Z'"), "2025-01-01T00:00:00Z");
  EXPECT_EQ(Bucket(db, "'5y', '2024-06-01T00:00:00Z'"), "2020-01-01T00:00:00Z");  // 1970 + 50
  EXPECT_EQ(Bucket(db, "'12mo', '2024-06-01T00:00:00Z'"), "2024-01-01T00:00:00Z");
}

TEST_F(TimeBucketTest, NegativeTimesFallInTheMonthBefore1970) {
  sqlite3* db = Open(":memory:");
  // 1969-12-01 is 31 days before the epoch, 1969-01-01 365 days.
  EXPECT_EQ(One(db, "SELECT time_bucket('1mo', -1), time_bucket('1y', -1)"),
            "-2678400000000000|-31536000000000000");
  EXPECT_EQ(Bucket(db, "'1mo', '1969-12-01T00:00:00Z'"), "1969-12-01T00:00:00Z");
  EXPECT_EQ(Bucket(db, "'1mo', strata_time('1969-12-01T00:00:00Z') - 1"), "1969-11-01T00:00:00Z");
  EXPECT_EQ(Bucket(db, "'3mo', '1969-12-31T00:00:00Z'"), "1969-10-01T00:00:00Z");
  EXPECT_EQ(Bucket(db, "'5y', '1969-06-01T00:00:00Z'"), "1965-01-01T00:00:00Z");
  // The ends of the int64 range: the oldest bucket starts at INT64_MIN (1677-09-21T00:12:43Z).
  EXPECT_EQ(One(db, "SELECT time_bucket('1mo', -9223372036854775808)"), "-9223372036854775808");
  EXPECT_EQ(Bucket(db, "'1mo', 9223372036854775807"), "2262-04-01T00:00:00Z");
}

TEST_F(TimeBucketTest, AnOriginMovesTheBuckets) {
  sqlite3* db = Open(":memory:");
  // 1970-01-01 was a Thursday: by default weeks start on Thursdays; a Monday origin gives ISO
  // weeks. 2024-01-03 is a Wednesday.
  EXPECT_EQ(Bucket(db, "'1w', '2024-01-03T12:00:00Z'"), "2023-12-28T00:00:00Z");
  EXPECT_EQ(Bucket(db, "'1w', '2024-01-03T12:00:00Z', '2024-01-01'"), "2024-01-01T00:00:00Z");
  EXPECT_EQ(Bucket(db, "'1w', '2024-01-03T12:00:00Z', '1970-01-05T00:00:00Z'"),
            "2024-01-01T00:00:00Z");
  EXPECT_EQ(Bucket(db, "'1w', '2023-12-31T23:59:59Z', '2024-01-01'"), "2023-12-25T00:00:00Z");
  EXPECT_EQ(Bucket(db, "'1d', '2024-05-05T05:00:00Z', '2024-01-01T06:00:00Z'"),
            "2024-05-04T06:00:00Z");
  EXPECT_EQ(One(db, "SELECT time_bucket(10, 7, 3), time_bucket(10, 2, 3), time_bucket(10, -8, 3)"),
            "3|-7|-17");
  EXPECT_EQ(Bucket(db, "'1w', '2024-01-03T12:00:00Z', NULL"), "2023-12-28T00:00:00Z");
  // Months from the 15th.
  EXPECT_EQ(Bucket(db, "'1mo', '2024-03-10T00:00:00Z', '2024-01-15'"), "2024-02-15T00:00:00Z");
  EXPECT_EQ(Bucket(db, "'1mo', '2024-03-15T00:00:00Z', '2024-01-15'"), "2024-03-15T00:00:00Z");
  EXPECT_EQ(Bucket(db, "'1mo', '2024-01-14T23:59:59Z', '2024-01-15'"), "2023-12-15T00:00:00Z");
  EXPECT_EQ(Bucket(db, "'1mo', '1969-12-20T00:00:00Z', '2024-01-15'"), "1969-12-15T00:00:00Z");
  EXPECT_EQ(Bucket(db, "'1y', '2024-03-31T00:00:00Z', '2000-04-01'"), "2023-04-01T00:00:00Z");
  EXPECT_EQ(Bucket(db, "'3mo', '2024-03-31T00:00:00Z', '2000-02-01'"), "2024-02-01T00:00:00Z");
  EXPECT_NE(Exec(db, "SELECT time_bucket('1mo', 0, '2024-01-29')").find("day 1-28"),
            std::string::npos);
  EXPECT_NE(Exec(db, "SELECT time_bucket('1h', 0, 'noon')").find("bad origin"), std::string::npos);
}

TEST_F(TimeBucketTest, AZoneIsAFixedOffsetFromUtc) {
  sqlite3* db = Open(":memory:");
  // Days and months of UTC+02:00: they start at 22:00 UTC of the day before.
  EXPECT_EQ(Bucket(db, "'1d', '2024-01-01T23:00:00Z', NULL, '+02:00'"), "2024-01-01T22:00:00Z");
  EXPECT_EQ(Bucket(db, "'1d', '2024-01-01T21:59:59Z', NULL, '+02:00'"), "2023-12-31T22:00:00Z");
  EXPECT_EQ(Bucket(db, "'1mo', '2024-02-29T22:30:00Z', NULL, '+02:00'"), "2024-02-29T22:00:00Z");
  EXPECT_EQ(Bucket(db, "'1mo', '2024-02-29T21:30:00Z', NULL, '+0200'"), "2024-01-31T22:00:00Z");
  // UTC-05:00: 2024-03-01T03:00Z is 22:00 on 29 February there.
  EXPECT_EQ(Bucket(db, "'1mo', '2024-03-01T03:00:00Z', NULL, '-05:00'"), "2024-02-01T05:00:00Z");
  EXPECT_EQ(Bucket(db, "'1y', '2024-12-31T19:00:00Z', NULL, '+05:30'"), "2024-12-31T18:30:00Z");
  EXPECT_EQ(Bucket(db, "'1y', '2024-12-31T18:00:00Z', NULL, '+05:30'"), "2023-12-31T18:30:00Z");
  EXPECT_EQ(Bucket(db, "'1mo', '2024-02-10T00:00:00Z', NULL, 'Z'"), "2024-02-01T00:00:00Z");
  EXPECT_EQ(Bucket(db, "'1mo', '2024-02-10T00:00:00Z', NULL, NULL"), "2024-02-01T00:00:00Z");
  // An origin is a time: with a zone, months from the 15th at 00:00 in that zone.
  EXPECT_EQ(Bucket(db, "'1mo', '2024-03-14T23:00:00Z', '2024-01-15T00:00:00+02:00', '+02:00'"),
            "2024-03-14T22:00:00Z");
  EXPECT_NE(Exec(db, "SELECT time_bucket('1d', 0, NULL, 'Europe/Berlin')").find("bad zone"),
            std::string::npos);
  EXPECT_NE(Exec(db, "SELECT time_bucket('1d', 0, NULL, '+24:00')").find("bad zone"),
            std::string::npos);
}

TEST_F(TimeBucketTest, WidthsThatAreNeitherAreRefused) {
  sqlite3* db = Open(":memory:");
  for (const char* w : {"'1month'", "'mo'", "'0mo'", "'-1y'", "'1 y'", "'1Y'"}) {
    EXPECT_NE(Exec(db, std::string("SELECT time_bucket(") + w + ", 0)").find("width"),
              std::string::npos)
        << w;
  }
  EXPECT_EQ(One(db, "SELECT time_bucket('1h', 3700000000000), time_bucket(10, -5)"),
            "3600000000000|-10");
}

TEST_F(TimeBucketTest, TheAggregateViewCutsMonthsAsTimeBucket) {
  sqlite3* db = Open();
  ASSERT_EQ(Exec(db, "CREATE VIRTUAL TABLE m USING strata(host TAG, v REAL)"), "");
  ASSERT_EQ(Exec(db, "INSERT INTO m VALUES ('2024-01-31T23:59:59.999999999Z','a',1), "
                     "('2024-02-01T00:00:00Z','a',2), ('2024-02-29T12:00:00Z','a',4), "
                     "('2024-03-01T00:00:00Z','a',8), ('1969-12-31T23:59:59Z','a',16), "
                     "('2024-02-15T00:00:00Z','b',32)"),
            "");
  EXPECT_EQ(Rows(db, "SELECT host, strata_format_time(time), v FROM m('sum', '1mo') "
                     "ORDER BY host, time"),
            (Strings{"a|1969-12-01T00:00:00Z|16.0", "a|2024-01-01T00:00:00Z|1.0",
                     "a|2024-02-01T00:00:00Z|6.0", "a|2024-03-01T00:00:00Z|8.0",
                     "b|2024-02-01T00:00:00Z|32.0"}));
  EXPECT_EQ(Rows(db, "SELECT host, time, v FROM m('count', '1mo') ORDER BY host, time"),
            Rows(db, "SELECT host, time_bucket('1mo', time) AS b, count(v) FROM m "
                     "GROUP BY host, b ORDER BY host, b"));
  EXPECT_EQ(Rows(db, "SELECT host, strata_format_time(time), v FROM m('sum', '1y') ORDER BY host, time"),
            (Strings{"a|1969-01-01T00:00:00Z|16.0", "a|2024-01-01T00:00:00Z|15.0",
                     "b|2024-01-01T00:00:00Z|32.0"}));
}

}  // namespace
