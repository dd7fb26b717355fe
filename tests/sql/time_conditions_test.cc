// Conditions on `time` take every form INSERT takes for a time (integer ns, integral REAL, text as
// strata_parse_time reads it: integer ns or ISO-8601), converted by the same function (ToTime),
// and SQLite does not compare the converted value again; text that is not a time is an error.
// UPDATE ... SET time = NULL is an error (NULL is "now" only for an INSERT).
#include "sql_test_util.h"

namespace {

constexpr long long kDay0 = 1704067200000000000LL;  // 2024-01-01T00:00:00Z
constexpr long long kSecond = 1000000000LL;

class TimeConditionsTest : public SqlTest {
 protected:
  // Host a: one point every 30 s over 2024-01-01 00:00:00 .. 00:02:00; one point the next day.
  sqlite3* Seeded() {
    sqlite3* db = Open();
    EXPECT_EQ(Exec(db, "CREATE VIRTUAL TABLE m USING strata(host TAG, v REAL)"), "");
    EXPECT_EQ(Exec(db, "INSERT INTO m VALUES ('2024-01-01T00:00:00Z', 'a', 0), "
                       "('2024-01-01T00:00:30Z', 'a', 1), ('2024-01-01T00:01:00Z', 'a', 2), "
                       "('2024-01-01T00:01:30Z', 'a', 3), ('2024-01-01T00:02:00Z', 'a', 4), "
                       "('2024-01-02T00:00:00Z', 'a', 5), ('2023-12-31T23:59:59.5Z', 'b', 9)"),
              "");
    return db;
  }
  static Strings Vs(sqlite3* db, const std::string& where) {
    return Rows(db, "SELECT v FROM m WHERE " + where + " ORDER BY time");
  }
};

TEST_F(TimeConditionsTest, IsoTextComparesAsTheTimeInsertWouldStore) {
  sqlite3* db = Seeded();
  EXPECT_EQ(Vs(db, "time >= '2024-01-01T00:00:00Z'"), (Strings{"0.0", "1.0", "2.0", "3.0", "4.0", "5.0"}));
  EXPECT_EQ(Vs(db, "time < '2024-01-01T00:01:00Z'"), (Strings{"9.0", "0.0", "1.0"}));
  EXPECT_EQ(Vs(db, "time <= '2024-01-01T00:01:00Z' AND time > '2024-01-01T00:00:00Z'"),
            (Strings{"1.0", "2.0"}));
  EXPECT_EQ(Vs(db, "time = '2024-01-01T00:00:30Z'"), Strings{"1.0"});
  EXPECT_EQ(Vs(db, "time BETWEEN '2024-01-01T00:00:30Z' AND '2024-01-01T00:01:30Z'"),
            (Strings{"1.0", "2.0", "3.0"}));
  EXPECT_EQ(Vs(db, "time IN ('2024-01-01T00:00:30Z', '2024-01-02T00:00:00Z', "
                   "'2024-01-01T00:01:30+00:00')"),
            (Strings{"1.0", "3.0", "5.0"}));
  EXPECT_EQ(Vs(db, "time = '2023-12-31T23:59:59.5Z'"), Strings{"9.0"});
  // Every form INSERT takes means the same time.
  const std::string t30 = std::to_string(kDay0 + 30 * kSecond);
  for (const std::string& v : Strings{t30, "'" + t30 + "'", t30 + ".0", "'2024-01-01T00:00:30Z'"}) {
    EXPECT_EQ(Vs(db, "time = " + v), Strings{"1.0"}) << v;
    EXPECT_EQ(Vs(db, "time > " + v + " AND time < '2024-01-01T00:01:30Z'"), Strings{"2.0"}) << v;
  }
  // With a tag pinned (time order streamed), and in a join with the value from another table.
  EXPECT_EQ(Rows(db, "SELECT v FROM m WHERE host = 'a' AND time >= '2024-01-01T00:01:00Z' "
                     "ORDER BY time DESC LIMIT 2"),
            (Strings{"5.0", "4.0"}));
  EXPECT_EQ(Exec(db, "CREATE TABLE want(t TEXT); INSERT INTO want VALUES ('2024-01-01T00:01:00Z'), "
                     "('2024-01-01T00:02:00Z')"),
            "");
  EXPECT_EQ(Rows(db, "SELECT m.v FROM want JOIN m ON m.time = want.t ORDER BY 1"),
            (Strings{"2.0", "4.0"}));
  // NULL compares with nothing, as in SQL.
  EXPECT_EQ(Vs(db, "time >= NULL"), Strings{});
}

TEST_F(TimeConditionsTest, TextThatIsNotATimeIsAnError) {
  sqlite3* db = Seeded();
  for (const std::string w : {"time >= 'yesterday'", "time < '2024-13-01T00:00:00Z'",
                              "time = '2024-02-30T00:00:00Z'", "time IN ('2024-01-01T00:00:30Z', 'x')",
                              "time BETWEEN '2024-01-01' AND 'soon'", "time > x'00'"}) {
    const std::string err = Exec(db, "SELECT v FROM m WHERE " + w);
    EXPECT_EQ(err.rfind("strata: m: ", 0), 0u) << w << " -> " << (err.empty() ? "rows" : err);
  }
  EXPECT_NE(Exec(db, "SELECT v FROM m WHERE time >= 'yesterday'").find("yesterday"),
            std::string::npos);
}

TEST_F(TimeConditionsTest, UpdateToANullTimeIsAnErrorAndInsertWithoutATimeIsNow) {
  sqlite3* db = Seeded();
  const std::string err = Exec(db, "UPDATE m SET time = NULL WHERE v = 1");
  EXPECT_NE(err.find("strata: m.time: cannot be set to NULL"), std::string::npos) << err;
  EXPECT_EQ(Vs(db, "time = '2024-01-01T00:00:30Z'"), Strings{"1.0"});
  // INSERT: a missing or NULL time is the current time.
  const std::string before = One(db, "SELECT CAST((julianday('now') - 2440587.5) * 86400 AS INTEGER)");
  ASSERT_EQ(Exec(db, "INSERT INTO m(host, v) VALUES ('now', 1); "
                     "INSERT INTO m(time, host, v) VALUES (NULL, 'now2', 2)"),
            "");
  const long long start = std::stoll(before) * kSecond;
  for (const char* host : {"now", "now2"}) {
    const long long t = std::stoll(One(db, std::string("SELECT time FROM m WHERE host = '") + host + "'"));
    EXPECT_GE(t, start - 2 * kSecond) << host;
    EXPECT_LE(t, start + 120 * kSecond) << host;
  }
}

}  // namespace
