// Issue 13 through SQL: the snippet that made a directory unreadable, and every shape of
// tests/shapes/shaped_data.h (text-safe strings) INSERTed through the module and read back after
// the MemStore, a flush, a compaction and a reopen.
#include <algorithm>
#include <cstring>
#include <map>

#include "shapes/shaped_data.h"
#include "sql_test_util.h"

namespace {

using strata::Column;
using strata::ValueType;
using strata::shapes::Shape;

constexpr int64_t kFirstTime = 1704067200000000000;

TEST_F(SqlTest, RepeatedTextValuesReadBackAfterFlush) {
  sqlite3* db = Open();
  ASSERT_EQ(Exec(db, "CREATE VIRTUAL TABLE m USING strata(dev TAG, st TEXT)"), "");
  ASSERT_EQ(Exec(db,
                 "WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM c WHERE i<999) "
                 "INSERT INTO m SELECT 1704067200000000000+i*10000000000,'dev0','ok' FROM c"),
            "");
  ASSERT_EQ(Exec(db, "SELECT strata_flush()"), "");
  EXPECT_EQ(One(db, "SELECT count(*), min(st), max(st) FROM m"), "1000|ok|ok");
  Close(db);
  db = Open();
  EXPECT_EQ(One(db, "SELECT count(*), min(st), max(st) FROM m"), "1000|ok|ok");
}

// Without a flush the values live in the WAL, whose records a reopen decodes.
TEST_F(SqlTest, RepeatedTextValuesSurviveAReopenFromTheWal) {
  sqlite3* db = Open();
  // sync='normal': the records reach the WAL file at each COMMIT, without an fsync each.
  ASSERT_EQ(Exec(db, "CREATE VIRTUAL TABLE m USING strata(dev TAG, st TEXT, sync='normal')"), "");
  ASSERT_EQ(Exec(db, "CREATE VIRTUAL TABLE r USING strata(dev TAG, v REAL, sync='normal')"), "");
  sqlite3_stmt* insert = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "INSERT INTO m VALUES (?, 'dev0', ?)", -1, &insert, nullptr),
            SQLITE_OK);
  for (int i = 0; i < 2000; i++) {  // one-row autocommit transactions
    sqlite3_bind_int64(insert, 1, kFirstTime + i * 10'000'000'000LL);
    sqlite3_bind_text(insert, 2, i % 2 ? "closed" : "open", -1, SQLITE_STATIC);
    ASSERT_EQ(sqlite3_step(insert), SQLITE_DONE) << sqlite3_errmsg(db);
    sqlite3_reset(insert);
  }
  sqlite3_finalize(insert);
  ASSERT_EQ(Exec(db, "INSERT INTO r VALUES (1, 'dev0', 2.5)"), "");
  Close(db);
  db = Open();
  EXPECT_EQ(One(db, "SELECT count(*), sum(st = 'open'), sum(st = 'closed') FROM m"),
            "2000|1000|1000");
  EXPECT_EQ(One(db, "SELECT v FROM r"), "2.5");
  EXPECT_EQ(Exec(db, "DROP TABLE m"), "");
}

class SqlShapesTest : public SqlTest {
 protected:
  static const char* SqlType(ValueType t) {
    switch (t) {
      case ValueType::kFloat: return "REAL";
      case ValueType::kInt: return "INTEGER";
      case ValueType::kBool: return "BOOLEAN";
      case ValueType::kString: return "TEXT";
    }
    return "?";
  }
  static std::string Table(ValueType t) { return std::string("t_") + strata::ValueTypeName(t); }

  void SetUp() override {
    SqlTest::SetUp();
    for (const Shape& s : strata::shapes::AllShapes({1, 2, 1023, 1025, 2049})) {
      shapes_.push_back(s);
      written_.push_back(strata::shapes::Generate(s, 23, kFirstTime, /*text_safe=*/true));
    }
  }

  void CreateTables(sqlite3* db) {
    for (ValueType t : {ValueType::kFloat, ValueType::kInt, ValueType::kBool, ValueType::kString}) {
      ASSERT_EQ(Exec(db, "CREATE VIRTUAL TABLE " + Table(t) + " USING strata(shape TAG, v " +
                             SqlType(t) + ")"),
                "");
    }
  }

  // Every shape's points in transactions of up to 700 rows per shape, in the order written.
  void InsertAll(sqlite3* db) {
    std::vector<size_t> at(written_.size(), 0);
    for (bool more = true; more;) {
      more = false;
      ASSERT_EQ(Exec(db, "BEGIN"), "");
      for (size_t i = 0; i < written_.size(); i++) {
        const Column& c = written_[i];
        const size_t end = std::min(c.size(), at[i] + 700);
        if (at[i] == end) continue;
        more = true;
        sqlite3_stmt* st = nullptr;
        ASSERT_EQ(sqlite3_prepare_v2(db, ("INSERT INTO " + Table(c.type) + " VALUES (?, ?, ?)").c_str(),
                                     -1, &st, nullptr),
                  SQLITE_OK);
        const std::string name = strata::shapes::Name(shapes_[i]);
        for (size_t k = at[i]; k < end; k++) {
          sqlite3_bind_int64(st, 1, c.times[k]);
          sqlite3_bind_text(st, 2, name.c_str(), -1, SQLITE_TRANSIENT);
          if (c.type == ValueType::kFloat) {
            sqlite3_bind_double(st, 3, strata::BitsFloat(c.nums[k]));
          } else if (c.type == ValueType::kString) {
            sqlite3_bind_text(st, 3, c.strs[k].data(), static_cast<int>(c.strs[k].size()),
                              SQLITE_TRANSIENT);
          } else {
            sqlite3_bind_int64(st, 3, static_cast<int64_t>(c.nums[k]));
          }
          ASSERT_EQ(sqlite3_step(st), SQLITE_DONE) << sqlite3_errmsg(db);
          sqlite3_reset(st);
        }
        sqlite3_finalize(st);
        at[i] = end;
      }
      ASSERT_EQ(Exec(db, "COMMIT"), "");
    }
  }

  void ExpectAll(sqlite3* db, const std::string& when) {
    std::map<std::string, Column> got;
    for (ValueType t : {ValueType::kFloat, ValueType::kInt, ValueType::kBool, ValueType::kString}) {
      sqlite3_stmt* st = nullptr;
      ASSERT_EQ(sqlite3_prepare_v2(db, ("SELECT shape, time, v FROM " + Table(t)).c_str(), -1,
                                   &st, nullptr),
                SQLITE_OK);
      int rc;
      while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        Column& c = got[reinterpret_cast<const char*>(sqlite3_column_text(st, 0))];
        c.type = t;
        c.times.push_back(sqlite3_column_int64(st, 1));
        if (t == ValueType::kFloat) {
          c.nums.push_back(strata::FloatBits(sqlite3_column_double(st, 2)));
        } else if (t == ValueType::kString) {
          const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, 2));
          c.strs.emplace_back(p, static_cast<size_t>(sqlite3_column_bytes(st, 2)));
        } else {
          c.nums.push_back(static_cast<uint64_t>(sqlite3_column_int64(st, 2)));
        }
      }
      ASSERT_EQ(rc, SQLITE_DONE) << when << ": " << sqlite3_errmsg(db);
      sqlite3_finalize(st);
    }
    ASSERT_EQ(got.size(), shapes_.size()) << when;
    for (size_t i = 0; i < shapes_.size(); i++) {
      const std::string name = strata::shapes::Name(shapes_[i]);
      const Column want = strata::shapes::Expected(written_[i]);
      const Column& c = got[name];
      ASSERT_EQ(want.times, c.times) << when << ": " << name;
      ASSERT_EQ(want.strs, c.strs) << when << ": " << name;
      ASSERT_EQ(want.nums, c.nums) << when << ": " << name;
    }
  }

  std::vector<Shape> shapes_;
  std::vector<Column> written_;
};

TEST_F(SqlShapesTest, EveryShapeReadsBackThroughSqlAfterFlushCompactionAndReopen) {
  sqlite3* db = Open();
  CreateTables(db);
  InsertAll(db);
  ExpectAll(db, "inserted");
  Close(db);
  db = Open();
  ExpectAll(db, "reopened, replayed");
  ASSERT_EQ(Exec(db, "SELECT strata_flush()"), "");
  ExpectAll(db, "flushed");
  ASSERT_EQ(Exec(db, "SELECT strata_compact()"), "");
  ExpectAll(db, "compacted");
  Close(db);
  db = Open();
  ExpectAll(db, "reopened from segments");
}

}  // namespace
