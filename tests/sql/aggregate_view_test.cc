// The aggregate view `m(fn, every)`: exact results on a small table (every aggregate, every type,
// buckets, the time of a group, which groups exist), its errors, and that it is read-only. Random comparisons with GROUP
// BY over a plain table are in differential_test.cc.
#include "sql_test_util.h"

namespace {

constexpr const char* kTable =
    "CREATE VIRTUAL TABLE m USING strata(host TAG, v REAL, n INTEGER, s TEXT, b BOOLEAN)";
constexpr long long kHour = 3600000000000LL;

class AggregateViewTest : public SqlTest {
 protected:
  // host a: two points in hour 0 and one in hour 1; host b: one point with only n.
  sqlite3* Seeded() {
    sqlite3* db = Open();
    EXPECT_EQ(Exec(db, kTable), "");
    EXPECT_EQ(Exec(db, "INSERT INTO m VALUES (0,'a',1.5,1,'x',1), (10,'a',2.5,2,'y',0), "
                       "(" + std::to_string(kHour) + ",'a',4.0,NULL,'a',1), (5,'b',NULL,7,NULL,NULL)"),
              "");
    return db;
  }
  static Strings View(sqlite3* db, const std::string& args, const std::string& where = "") {
    return Rows(db, "SELECT host, time, v, n, s, b FROM m(" + args + ")" + where + " ORDER BY host, time");
  }
};

TEST_F(AggregateViewTest, EveryAggregateOverOneBucketPerTagSet) {
  sqlite3* db = Seeded();
  const std::string h = std::to_string(kHour);
  EXPECT_EQ(View(db, "'count'"), (Strings{"a|0|3|2|3|3", "b|5|0|1|0|0"}));
  EXPECT_EQ(View(db, "'sum'"), (Strings{"a|0|8.0|3|NULL|2", "b|5|NULL|7|NULL|NULL"}));
  EXPECT_EQ(View(db, "'mean'"), (Strings{"a|0|2.66666666666667|1.5|NULL|0.666666666666667",
                                         "b|5|NULL|7.0|NULL|NULL"}));
  EXPECT_EQ(View(db, "'AVG'"), View(db, "'mean'"));
  EXPECT_EQ(View(db, "'min'"), (Strings{"a|0|1.5|1|a|0", "b|5|NULL|7|NULL|NULL"}));
  EXPECT_EQ(View(db, "'max'"), (Strings{"a|0|4.0|2|y|1", "b|5|NULL|7|NULL|NULL"}));
  EXPECT_EQ(View(db, "'first'"), (Strings{"a|0|1.5|1|x|1", "b|5|NULL|7|NULL|NULL"}));
  // last: each field's newest value; the row's time is the group's newest point.
  EXPECT_EQ(View(db, "'last'"), (Strings{"a|" + h + "|4.0|2|a|1", "b|5|NULL|7|NULL|NULL"}));
  EXPECT_EQ(Rows(db, "SELECT typeof(v), typeof(n), typeof(b) FROM m('sum') WHERE host = 'a'"),
            Strings{"real|integer|integer"});
}

TEST_F(AggregateViewTest, GroupsAreThoseWithAPointOfAFieldTheStatementReads) {
  sqlite3* db = Seeded();
  const std::string h = std::to_string(kHour);
  // b has no v: reading only v, it has no group.
  EXPECT_EQ(Rows(db, "SELECT host, time, v FROM m('count', '1h') ORDER BY host, time"),
            (Strings{"a|0|2", "a|" + h + "|1"}));
  EXPECT_EQ(Rows(db, "SELECT host, time, n FROM m('last') ORDER BY host"), (Strings{"a|10|2", "b|5|7"}));
  EXPECT_EQ(Rows(db, "SELECT host, time, v FROM m('first') WHERE v > 1"), (Strings{"a|0|1.5"}));
  // Reading no field: every declared field counts.
  EXPECT_EQ(Rows(db, "SELECT host, time FROM m('max', '1h') ORDER BY host, time"),
            (Strings{"a|0", "a|" + h, "b|0"}));
}

TEST_F(AggregateViewTest, BucketsAreAlignedToTheEpochAndTimeSelectsPoints) {
  sqlite3* db = Seeded();
  const std::string h = std::to_string(kHour);
  EXPECT_EQ(View(db, "'count', '1h'"), (Strings{"a|0|2|2|2|2", "a|" + h + "|1|0|1|1", "b|0|0|1|0|0"}));
  EXPECT_EQ(View(db, "'sum', " + h), View(db, "'sum', '60m'"));
  // The time range selects points before they are aggregated: the bucket starting at 0 keeps its
  // start as time although only the point at 10 is in range.
  EXPECT_EQ(View(db, "'count', '1h'", " WHERE time > 5 AND time < " + h), (Strings{"a|0|1|1|1|1"}));
  EXPECT_EQ(View(db, "'max', '1h'", " WHERE host IN ('b', 'zz')"), (Strings{"b|0|NULL|7|NULL|NULL"}));
  // The view's arguments can also be given as constraints on its hidden columns.
  EXPECT_EQ(Rows(db, "SELECT host, v, _strata_aggregate, _strata_every FROM m "
                     "WHERE _strata_aggregate = 'sum' AND _strata_every = '1h' AND host = 'a'"),
            (Strings{"a|4.0|sum|1h", "a|4.0|sum|1h"}));
  // Other conditions filter the view's rows, as HAVING would.
  EXPECT_EQ(View(db, "'count', '1h'", " WHERE v >= 2"), (Strings{"a|0|2|2|2|2"}));
}

TEST_F(AggregateViewTest, ReadsThePendingRowsOfTheOpenTransaction) {
  sqlite3* db = Seeded();
  ASSERT_EQ(Exec(db, "BEGIN; INSERT INTO m VALUES (20,'a',10,10,'z',1); DELETE FROM m WHERE host = 'b';"
                     "UPDATE m SET v = 100 WHERE time = 0"),
            "");
  EXPECT_EQ(View(db, "'sum'"), (Strings{"a|0|116.5|13|NULL|3"}));
  ASSERT_EQ(Exec(db, "ROLLBACK"), "");
  EXPECT_EQ(View(db, "'sum'"), (Strings{"a|0|8.0|3|NULL|2", "b|5|NULL|7|NULL|NULL"}));
  ASSERT_EQ(One(db, "SELECT strata_flush()"), "NULL");
  EXPECT_EQ(View(db, "'sum'"), (Strings{"a|0|8.0|3|NULL|2", "b|5|NULL|7|NULL|NULL"}));
}

TEST_F(AggregateViewTest, BadArgumentsAreRejectedAndTheViewIsReadOnly) {
  sqlite3* db = Seeded();
  const Strings before = Rows(db, "SELECT * FROM m ORDER BY host, time");
  EXPECT_NE(Exec(db, "SELECT * FROM m('median')").find("unknown aggregate 'median'"), std::string::npos);
  EXPECT_NE(Exec(db, "SELECT * FROM m(NULL)").find("unknown aggregate NULL"), std::string::npos);
  EXPECT_NE(Exec(db, "SELECT * FROM m('sum', 'fortnight')").find("view's bucket width (its second argument): bad width 'fortnight'"),
            std::string::npos);
  const std::string negative = Exec(db, "SELECT * FROM m('sum', -5)");
  EXPECT_NE(negative.find("bucket width (its second argument): width must be positive"),
            std::string::npos);
  EXPECT_EQ(negative.find("_strata"), std::string::npos) << negative;  // no internal column names
  EXPECT_NE(Exec(db, "SELECT * FROM m WHERE _strata_every = '1h'").find("a bucket width needs an aggregate"),
            std::string::npos);
  EXPECT_NE(Exec(db, "SELECT * FROM m('sum', '1h', 3)").find("at most two arguments"), std::string::npos);
  EXPECT_NE(Exec(db, "DELETE FROM m WHERE _strata_aggregate = 'sum'").find("have no key: the view is read-only"),
            std::string::npos);
  EXPECT_NE(Exec(db, "UPDATE m SET v = 1 WHERE _strata_aggregate = 'max'").find("read-only"),
            std::string::npos);
  EXPECT_NE(Exec(db, "INSERT INTO m(time, host, v, _strata_aggregate) VALUES (1, 'a', 1, 'sum')")
                .find("aggregate of the aggregate view cannot be written"),
            std::string::npos);
  EXPECT_NE(Exec(db, "CREATE VIRTUAL TABLE bad USING strata(h TAG, _strata_every REAL)").find("reserved"),
            std::string::npos);
  EXPECT_EQ(Rows(db, "SELECT * FROM m ORDER BY host, time"), before);
}

TEST_F(AggregateViewTest, BucketsAtTheEndsOfTheInt64RangeAsTimeBucket) {
  // The last bucket reaches past INT64_MAX and the first starts before INT64_MIN (reported at
  // INT64_MIN, as time_bucket() does). Before, a point at INT64_MAX made the view loop forever.
  sqlite3* db = Open();
  EXPECT_EQ(Exec(db, kTable), "");
  const long long first_day = INT64_MIN / (24 * kHour) * (24 * kHour);  // the oldest storable
  EXPECT_EQ(Exec(db, "INSERT INTO m(time, host, v, s) VALUES (9223372036854775807,'a',1,'x'), "
                     "(9223372036854775806,'a',2,'y'), (" + std::to_string(first_day) +
                     ",'a',3,'z'), (" + std::to_string(first_day + 5) + ",'a',4,'w')"),
            "");
  EXPECT_EQ(Rows(db, "SELECT time, v, s FROM m('max', '7d') ORDER BY time"),
            Rows(db, "SELECT time_bucket('7d', time) AS bucket, max(v), max(s) FROM m "
                     "GROUP BY bucket ORDER BY bucket"));
  EXPECT_EQ(Rows(db, "SELECT time, v, s FROM m('count', '7d') ORDER BY time"),
            (Strings{"-9223372036854775808|2|2", "9223200000000000000|2|2"}));
  EXPECT_EQ(Rows(db, "SELECT time, v, s FROM m('max', '7d') ORDER BY time"),
            (Strings{"-9223372036854775808|4.0|z", "9223200000000000000|2.0|y"}));
  EXPECT_EQ(View(db, "'count', 9223372036854775807"),
            (Strings{"a|-9223372036854775807|2|0|2|0", "a|0|1|0|1|0",
                     "a|9223372036854775807|1|0|1|0"}));
  EXPECT_EQ(View(db, "'mean', '1h'"),
            (Strings{"a|-9223286400000000000|3.5|NULL|NULL|NULL",
                     "a|9223369200000000000|1.5|NULL|NULL|NULL"}));
  EXPECT_EQ(One(db, "SELECT time_bucket('1h', -9223372036854775808)"), "-9223372036854775808");
}

TEST_F(AggregateViewTest, IntegerSumOverflowIsAnError) {
  sqlite3* db = Open();
  ASSERT_EQ(Exec(db, kTable), "");
  ASSERT_EQ(Exec(db, "INSERT INTO m(time, host, n) VALUES (1, 'a', 9223372036854775807), (2, 'a', 1)"), "");
  EXPECT_NE(Exec(db, "SELECT * FROM m('sum')").find("integer overflow in the sum of n"), std::string::npos);
  EXPECT_EQ(Rows(db, "SELECT n FROM m('mean')"), Strings{"4.61168601842739e+18"});
}

// The data: what `time` conditions mean for the view. Ranges ANDed at the top of WHERE
// select the points before aggregating; time =, IN, an OR of equalities, other operators, and an
// OR that SQLite runs as several scans of the view (MULTI-INDEX OR) are refused; conditions SQLite
// applies itself
// (expressions of time, fields) filter the view's rows, whose time is the bucket's start, as
// HAVING would. Each answer is compared with GROUP BY over a plain table of the same rows.
class AggregateViewTimeTest : public SqlTest {
 protected:
  sqlite3* Seeded() {
    sqlite3* db = Open();
    EXPECT_EQ(Exec(db, "CREATE VIRTUAL TABLE m USING strata(host TAG, region TAG, usage REAL);"
                       "CREATE TABLE r(time INTEGER, host TEXT, region TEXT, usage REAL)"),
              "");
    const char* rows = "(10,'a','eu',1), (20,'a','eu',2), (30,'a','us',4), (15,'b','eu',16), "
                       "(25,'b','us',32)";
    EXPECT_EQ(Exec(db, std::string("INSERT INTO m VALUES ") + rows), "");
    EXPECT_EQ(Exec(db, std::string("INSERT INTO r VALUES ") + rows), "");
    return db;
  }
  // The view m('sum', every) under `where`, sorted.
  static Strings View(sqlite3* db, const std::string& every, const std::string& where) {
    return Rows(db, "SELECT host, region, time, usage FROM m('sum', " + every + ") WHERE " +
                        where + " ORDER BY host, region, time");
  }
  // The same with GROUP BY: `points` selects the points, `having` filters the groups (whose time
  // is the bucket's start, or the oldest point's without a width).
  static Strings Plain(sqlite3* db, const std::string& every, const std::string& points,
                       const std::string& having = "1") {
    const std::string t = every == "NULL" ? "min(time)" : "time_bucket(" + every + ", time)";
    return Rows(db, "SELECT * FROM (SELECT host, region, " + t + " AS time, sum(usage) AS usage "
                    "FROM r WHERE " + points + " GROUP BY host, region" +
                    (every == "NULL" ? "" : ", 3") + ") WHERE " + having +
                    " ORDER BY host, region, time");
  }
};

TEST_F(AggregateViewTimeTest, RangesSelectPointsAndOtherConditionsFilterRows) {
  sqlite3* db = Seeded();
  for (const std::string every : {"'1h'", "NULL", "'10ns'"}) {
    for (const std::string w :
         {"time >= 10 AND time < 25", "time BETWEEN 15 AND 25", "time > 10 AND time <= 30",
          "time > 10 AND (host = 'a' OR region = 'us')", "(host = 'a' OR region = 'us')",
          "host IN ('a', 'b') AND time <= 20",
          "(host = 'b' OR region = 'eu') AND time < 26 AND time > 11"}) {
      EXPECT_EQ(View(db, every, w), Plain(db, every, w)) << every << ": " << w;
    }
    // A time as text is the time INSERT would store.
    EXPECT_EQ(View(db, every, "time >= '1970-01-01T00:00:00.000000015Z'"),
              Plain(db, every, "time >= 15")) << every;
    // Expressions of time and conditions on fields see the rows.
    EXPECT_EQ(View(db, every, "time >= 15 AND time + 0 < 20"),
              Plain(db, every, "time >= 15", "time + 0 < 20")) << every;
    EXPECT_EQ(View(db, every, "time < 26 AND usage > 3"), Plain(db, every, "time < 26", "usage > 3"))
        << every;
    EXPECT_EQ(View(db, every, "host = 'a' OR usage > 10"),
              Plain(db, every, "1", "host = 'a' OR usage > 10")) << every;
  }
  // One group per tag set and hour: (a, eu) has two points, counted whole.
  EXPECT_EQ(View(db, "'1h'", "time >= 0"),
            (Strings{"a|eu|0|3.0", "a|us|0|4.0", "b|eu|0|16.0", "b|us|0|32.0"}));
}

TEST_F(AggregateViewTimeTest, TimeConditionsThatCannotSelectPointsAreRefused) {
  sqlite3* db = Seeded();
  for (const std::string every : {"'1h'", "NULL"}) {
    for (const std::string w :
         {"time IN (10, 20)", "time = 10 OR time = 20", "time = 10 AND time + 0 = 0",
          "time = 10", "time != 10", "time IS 10", "time IS NULL",
          "(host = 'a' AND time < 15) OR (host = 'b' AND time > 20)",
          "(host = 'b' AND time > 20) OR (host = 'a' AND time < 15)",
          "(host = 'a' AND time < 15) OR (region = 'us' AND time < 16)"}) {
      const std::string err = Exec(db, "SELECT host, region, time, usage FROM m('sum', " + every +
                                           ") WHERE " + w);
      EXPECT_EQ(err.rfind("strata: m: ", 0), 0u) << every << ": " << w;
      EXPECT_NE(err.find("aggregate view"), std::string::npos)
          << every << ": " << w << " -> " << (err.empty() ? "rows" : err);
    }
  }
  // A point at one time: a closed range.
  EXPECT_EQ(View(db, "'1h'", "time BETWEEN 10 AND 10"), (Strings{"a|eu|0|1.0"}));
  EXPECT_NE(Exec(db, "SELECT * FROM m('sum') WHERE time = 10").find("write time BETWEEN t AND t"),
            std::string::npos);
}

}  // namespace

namespace {

// Block statistics (engine/README.md, section 10.8): after a flush, the view answers blocks that
// lie wholly inside a bucket from their summaries. Its answers must be those of GROUP BY over a
// plain table of the same rows (floats compared to 9 significant digits, as the two add in other
// orders; everything else exactly), for buckets aligned with the blocks and not, ranges that cut
// blocks, points in the MemStore over flushed blocks (overwrites at the same times, new ones),
// and deletes.
class AggregateViewStatsTest : public SqlTest {
 protected:
  static constexpr long long kSec = 1000000000LL;
  static constexpr long long kT0 = 1451606400LL * kSec;

  sqlite3* Seeded() {
    sqlite3* db = Open();
    EXPECT_EQ(Exec(db, "CREATE VIRTUAL TABLE m USING strata(host TAG, v REAL, n INTEGER, b BOOLEAN);"
                       "CREATE TABLE r(time INTEGER, host TEXT, v REAL, n INTEGER, b INTEGER,"
                       " PRIMARY KEY(host, time))"),
              "");
    // Two hosts, 10 s rows for two days, jittered; a gauge with two decimals, a counter, a flag.
    const std::string rows =
        "WITH RECURSIVE i(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM i WHERE k < 17279) "
        "SELECT " + std::to_string(kT0) + " + k * " + std::to_string(10 * kSec) +
        " + (k % 7 = 3) * 123, h.host, round(50 + 40 * sin(k * 0.01 + h.o), 2), "
        "k * 1000 + h.o * 7, (k % 5) != 0 FROM i, (SELECT 'a' AS host, 0 AS o UNION ALL "
        "SELECT 'b', 1) AS h";
    EXPECT_EQ(Exec(db, "BEGIN; INSERT INTO m " + rows + "; INSERT INTO r " + rows + "; COMMIT"), "");
    EXPECT_EQ(Exec(db, "SELECT strata_flush('m')"), "");
    return db;
  }
  // Both tables: the same change.
  static void Both(sqlite3* db, const std::string& sql_m) {
    std::string sql_r = sql_m;
    for (size_t at = 0; (at = sql_r.find(" m ", at)) != std::string::npos;) sql_r[at + 1] = 'r';
    EXPECT_EQ(Exec(db, sql_m), "");
    EXPECT_EQ(Exec(db, sql_r), "");
  }
  // The view m(fn, every) over [lo, hi) against GROUP BY over r.
  static void ExpectSame(sqlite3* db, const std::string& fn, const std::string& every,
                         long long lo, long long hi) {
    const std::string range =
        "time >= " + std::to_string(lo) + " AND time < " + std::to_string(hi);
    const std::string sql_fn = fn == "mean" ? "avg" : fn;
    const auto real = [](const std::string& x) { return "printf('%.9g', " + x + ")"; };
    const std::string view = "SELECT host, time, " + real("v") + ", n, b FROM m('" + fn + "', '" +
                             every + "') WHERE " + range + " ORDER BY host, time";
    const std::string ints = fn == "mean" ? real(sql_fn + "(n)") + ", " + real(sql_fn + "(b)")
                                          : sql_fn + "(n), " + sql_fn + "(b)";
    const std::string plain = "SELECT host, time_bucket('" + every + "', time) AS t, " +
                              real(sql_fn + "(v)") + ", " + ints + " FROM r WHERE " + range +
                              " GROUP BY host, t ORDER BY host, t";
    const std::string view_mean = fn == "mean" ? "SELECT host, time, " + real("v") + ", " +
                                                     real("n") + ", " + real("b") + " FROM m('" +
                                                     fn + "', '" + every + "') WHERE " + range +
                                                     " ORDER BY host, time"
                                               : view;
    EXPECT_EQ(Rows(db, view_mean), Rows(db, plain)) << fn << " every " << every << " " << range;
  }
  static void ExpectSameEverywhere(sqlite3* db) {
    const long long day = 86400 * kSec, hour = 3600 * kSec;
    for (const char* fn : {"count", "sum", "mean", "min", "max"}) {
      for (const char* every : {"1h", "2h", "1d", "10m", "7m"}) {
        ExpectSame(db, fn, every, kT0, kT0 + 2 * day);
        ExpectSame(db, fn, every, kT0 + hour, kT0 + 5 * hour);
        ExpectSame(db, fn, every, kT0 + 12345 * kSec + 17, kT0 + 30 * hour + 7);
      }
    }
  }
};

TEST_F(AggregateViewStatsTest, FlushedBlocksGiveTheAnswersOfGroupBy) {
  sqlite3* db = Seeded();
  ExpectSameEverywhere(db);
}

TEST_F(AggregateViewStatsTest, MemStorePointsAndDeletesOverFlushedBlocks) {
  sqlite3* db = Seeded();
  const std::string h3 = std::to_string(kT0 + 3 * 3600 * kSec);
  // Overwrites inside hour 3 (same times, other values) and a delete inside hour 7.
  Both(db, "UPDATE m SET v = v + 1000, n = n * 3 WHERE time >= " + h3 + " AND time < " + h3 +
               " + " + std::to_string(600 * kSec));
  Both(db, "DELETE FROM m WHERE time > " + std::to_string(kT0 + 7 * 3600 * kSec) + " AND time < " +
               std::to_string(kT0 + 7 * 3600 * kSec + 500 * kSec));
  ExpectSameEverywhere(db);
  EXPECT_EQ(Exec(db, "SELECT strata_flush('m')"), "");
  ExpectSameEverywhere(db);
  EXPECT_EQ(Exec(db, "SELECT strata_compact('m')"), "");
  ExpectSameEverywhere(db);
}

}  // namespace
