// The `strata` module: INSERT overwrite semantics, DELETE and UPDATE of exactly the matching rows,
// pushdown (EXPLAIN QUERY PLAN and results equal to a plain SQLite table), and transactions.
#include "sql_test_util.h"

#include <random>

namespace {

class WriteTest : public SqlTest {
 protected:
  sqlite3* db_ = nullptr;
  void SetUp() override {
    SqlTest::SetUp();
    db_ = Open();
    ASSERT_EQ(Exec(db_, kCpu), "");
  }
  Strings All(sqlite3* db = nullptr) {
    return Rows(db ? db : db_, "SELECT * FROM cpu ORDER BY hostname, region, time");
  }

  // A plain table `ref` with cpu's columns and upsert semantics, to compare cpu with.
  void CreateRef() {
    ASSERT_EQ(Exec(db_, "CREATE TABLE ref(time INTEGER, hostname TEXT, region TEXT, usage_user "
                        "REAL, load INTEGER, status TEXT, up BOOLEAN, PRIMARY KEY(hostname, "
                        "region, time))"),
              "");
  }
  // n random rows (one of 40 hours, host h0.., one of `regions`, a load) into cpu and ref.
  void InsertIntoBoth(std::mt19937* rng, int n, int hosts, const std::vector<std::string>& regions) {
    for (int i = 0; i < n; i++) {
      const long long time = static_cast<long long>((*rng)() % 40) * 3'600'000'000'000LL;
      const std::string host = "h" + std::to_string((*rng)() % static_cast<unsigned>(hosts));
      const std::string& region = regions[(*rng)() % regions.size()];
      const std::string vals = std::to_string(time) + ",'" + host + "','" + region + "'," +
                               std::to_string((*rng)() % 100);
      ASSERT_EQ(Exec(db_, "INSERT INTO cpu(time,hostname,region,load) VALUES(" + vals + ")"), "");
      ASSERT_EQ(Exec(db_, "INSERT INTO ref(time,hostname,region,load) VALUES(" + vals +
                              ") ON CONFLICT DO UPDATE SET load = excluded.load"),
                "");
    }
  }
  // Each query ("%s" for the table, wherever it occurs) gives the same rows on cpu as on ref.
  void ExpectSameAsRef(const std::vector<std::string>& queries, const std::string& when) {
    for (const std::string& q : queries) {
      std::string a = q, b = q;
      for (size_t at; (at = a.find("%s")) != std::string::npos;) a.replace(at, 2, "cpu");
      for (size_t at; (at = b.find("%s")) != std::string::npos;) b.replace(at, 2, "ref");
      EXPECT_EQ(Rows(db_, a), Rows(db_, b)) << q << when;
    }
  }
};

TEST_F(WriteTest, InsertOfAnExistingRowOverwritesGivenFieldsAndKeepsOthers) {
  EXPECT_EQ(Exec(db_, "INSERT INTO cpu VALUES(1,'a','eu',1.5,3,'ok',1)"), "");
  EXPECT_EQ(Exec(db_, "INSERT INTO cpu(time,hostname,region,load,status) VALUES(1,'a','eu',9,NULL)"), "");
  EXPECT_EQ(All(), Strings{"1|a|eu|1.5|9|ok|1"});
  EXPECT_EQ(Exec(db_, "INSERT OR ABORT INTO cpu(time,hostname,region,up) VALUES(1,'a','eu',0)"),
            "");
  EXPECT_EQ(All(), Strings{"1|a|eu|1.5|9|ok|0"});
  // INSERT OR REPLACE replaces the row whole, as for a plain table.
  EXPECT_EQ(Exec(db_, "INSERT OR REPLACE INTO cpu(time,hostname,region,up) VALUES(1,'a','eu',1)"),
            "");
  EXPECT_EQ(All(), Strings{"1|a|eu|NULL|NULL|NULL|1"});
}

TEST_F(WriteTest, InsertOrIgnoreKeepsAndInsertOrReplaceReplacesAnExistingRowAsAPlainTable) {
  CreateRef();
  const std::string rows[] = {
      "(1,'a','eu',1.5,1,'x',1)",      "(2,'a','eu',2.5,NULL,NULL,0)",
      "(1,'a','eu',9.5,NULL,NULL,NULL)", "(1,'a','us',NULL,7,NULL,NULL)",
      "(2,'a','eu',NULL,NULL,'y',NULL)",
  };
  const std::string verbs[] = {"INSERT OR IGNORE", "INSERT OR REPLACE", "REPLACE"};
  for (const std::string& verb : verbs) {
    for (const char* table : {"cpu", "ref"}) {
      ASSERT_EQ(Exec(db_, std::string("DELETE FROM ") + table), "");
      ASSERT_EQ(Exec(db_, std::string("INSERT INTO ") + table + " VALUES" + rows[0]), "");
      // In one transaction, and again after a flush, so that the existing row is pending in one
      // case and stored in the other.
      ASSERT_EQ(Exec(db_, "BEGIN"), "");
      for (size_t i = 1; i < 3; i++) {
        ASSERT_EQ(Exec(db_, verb + " INTO " + table + " VALUES" + rows[i]), "") << verb;
      }
      ASSERT_EQ(Exec(db_, "COMMIT"), "");
      ASSERT_EQ(One(db_, "SELECT strata_flush()"), "NULL");
      for (size_t i = 3; i < 5; i++) {
        ASSERT_EQ(Exec(db_, verb + " INTO " + table + " VALUES" + rows[i]), "") << verb;
      }
    }
    ExpectSameAsRef({"SELECT * FROM %s ORDER BY hostname, region, time"}, " after " + verb);
  }
}

TEST_F(WriteTest, DeleteAndUpdateAffectExactlyTheMatchingRows) {
  EXPECT_EQ(Exec(db_, "INSERT INTO cpu VALUES(1,'a','eu',1,1,'x',1),(2,'a','eu',2,2,'y',0),"
                      "(1,'b','eu',3,3,'z',1),(1,'a','us',4,4,'w',1)"),
            "");
  EXPECT_EQ(Exec(db_, "DELETE FROM cpu WHERE hostname='a' AND region='eu' AND time=1"), "");
  EXPECT_EQ(sqlite3_changes(db_), 1);
  EXPECT_EQ(All(), (Strings{"2|a|eu|2.0|2|y|0", "1|a|us|4.0|4|w|1", "1|b|eu|3.0|3|z|1"}));
  EXPECT_EQ(Exec(db_, "UPDATE cpu SET load = load * 10, status = NULL WHERE usage_user > 2.5"), "");
  EXPECT_EQ(sqlite3_changes(db_), 2);
  EXPECT_EQ(All(), (Strings{"2|a|eu|2.0|2|y|0", "1|a|us|4.0|40|NULL|1", "1|b|eu|3.0|30|NULL|1"}));
  // Changing the key moves the row with all its fields.
  EXPECT_EQ(Exec(db_, "UPDATE cpu SET hostname = 'c', time = 9 WHERE hostname = 'b'"), "");
  EXPECT_EQ(All(), (Strings{"2|a|eu|2.0|2|y|0", "1|a|us|4.0|40|NULL|1", "9|c|eu|3.0|30|NULL|1"}));
  // Setting every field NULL deletes the row.
  EXPECT_EQ(Exec(db_, "UPDATE cpu SET usage_user=NULL, load=NULL, status=NULL, up=NULL WHERE time=2"), "");
  EXPECT_EQ(All(), (Strings{"1|a|us|4.0|40|NULL|1", "9|c|eu|3.0|30|NULL|1"}));
  EXPECT_EQ(Exec(db_, "DELETE FROM cpu WHERE load > 35 OR hostname = 'zz'"), "");
  EXPECT_EQ(All(), (Strings{"9|c|eu|3.0|30|NULL|1"}));
  Close(db_);
  db_ = Open();
  EXPECT_EQ(All(), (Strings{"9|c|eu|3.0|30|NULL|1"}));
}

TEST_F(WriteTest, RowsWithExtraTagsHaveTheirOwnIdentity) {
  // Line protocol can write a series with a tag the table does not declare.
  EXPECT_EQ(Exec(db_, "INSERT INTO cpu VALUES(1,'a','eu',1,1,'x',1)"), "");
  EXPECT_EQ(Exec(db_, "CREATE VIRTUAL TABLE other USING strata(hostname TAG, region TAG, rack TAG, "
                      "load INTEGER, dir='test.db.strata')"),
            "");
  EXPECT_EQ(Exec(db_, "DROP TABLE other"), "");
  // (other's rows lived in measurement 'other'; cpu is unaffected)
  EXPECT_EQ(All(), Strings{"1|a|eu|1.0|1|x|1"});
}

// Tag predicates (!=, LIKE, GLOB) narrow the series the engine reads (EXPLAIN QUERY PLAN names them)
// and SQLite re-checks every row: results equal the plain table's for case differences, '_' and
// '%' in patterns and values, empty patterns, pending rows in a transaction (series without a tag:
// VtabTest.TagPredicatesNeverSelectASeriesWithoutTheTag). Values with NUL bytes are left to SQLite.
TEST_F(WriteTest, TagPredicatesNarrowTheScanAndMatchAPlainTable) {
  CreateRef();
  const char* rows[] = {
      "1,'web-1','eu'", "2,'web-22','us'", "3,'Web-3','eu'", "4,'WEB-4','EU'", "5,'db-1','eu'",
      "6,'web%x','us'", "7,'web_y','eu'", "8,'webzz','e_u'", "9,'a','e%'", "10,'web-1','us'"};
  auto insert = [&](const std::string& vals) {
    ASSERT_EQ(Exec(db_, "INSERT INTO cpu(time,hostname,region,load) VALUES(" + vals + ",1)"), "");
    ASSERT_EQ(Exec(db_, "INSERT INTO ref(time,hostname,region,load) VALUES(" + vals + ",1)"), "");
  };
  for (const char* r : rows) insert(r);
  const std::vector<std::string> queries = {
      "SELECT time, hostname, region FROM %s WHERE hostname != 'web-1' ORDER BY time",
      "SELECT time, hostname, region FROM %s WHERE region != 'eu' ORDER BY time",
      "SELECT time, hostname, region FROM %s WHERE region <> 'eu' AND hostname != 'a' ORDER BY time",
      "SELECT time FROM %s WHERE hostname LIKE 'web-%' ORDER BY time",
      "SELECT time FROM %s WHERE hostname LIKE 'WEB-%' ORDER BY time",
      "SELECT time FROM %s WHERE hostname LIKE 'web_1' ORDER BY time",
      "SELECT time FROM %s WHERE hostname LIKE 'web%x' ORDER BY time",
      "SELECT time FROM %s WHERE hostname LIKE 'web_%' ORDER BY time",
      "SELECT time FROM %s WHERE hostname LIKE '%1' ORDER BY time",
      "SELECT time FROM %s WHERE hostname LIKE '' ORDER BY time",
      "SELECT time FROM %s WHERE hostname LIKE '%' ORDER BY time",
      "SELECT time FROM %s WHERE region LIKE 'E%' ORDER BY time",
      "SELECT time FROM %s WHERE hostname LIKE 'web!_%' ESCAPE '!' ORDER BY time",
      "SELECT time FROM %s WHERE hostname GLOB 'web-*' ORDER BY time",
      "SELECT time FROM %s WHERE hostname GLOB 'WEB-*' ORDER BY time",
      "SELECT time FROM %s WHERE hostname GLOB 'web[_%]*' ORDER BY time",
      "SELECT time FROM %s WHERE hostname GLOB 'web-?' ORDER BY time",
      "SELECT time FROM %s WHERE hostname GLOB '' ORDER BY time",
      "SELECT time FROM %s WHERE hostname GLOB 'web-1' AND region != 'us' ORDER BY time",
      "SELECT time FROM %s WHERE hostname != 5 ORDER BY time",
      "SELECT time FROM %s WHERE hostname != NULL ORDER BY time",
      "SELECT time FROM %s WHERE hostname LIKE (SELECT 'web' || '-%') ORDER BY time",
      "SELECT hostname, count(*) FROM %s WHERE hostname LIKE 'w%' GROUP BY hostname ORDER BY 1",
  };
  ExpectSameAsRef(queries, "");
  ASSERT_EQ(Exec(db_, "PRAGMA case_sensitive_like = ON"), "");
  ExpectSameAsRef(queries, " (case_sensitive_like)");
  ASSERT_EQ(Exec(db_, "PRAGMA case_sensitive_like = OFF"), "");
  ASSERT_EQ(Exec(db_, "BEGIN"), "");
  insert("12,'web-9','eu'");
  insert("13,'db-9','us'");
  ExpectSameAsRef(queries, " (pending rows)");
  ASSERT_EQ(Exec(db_, "COMMIT"), "");
  ExpectSameAsRef(queries, " (committed)");

  // The plan names each pushed predicate: ! (!=), L (LIKE), G (GLOB) with the tag column.
  auto plan = [&](const std::string& where) {
    return Rows(db_, "EXPLAIN QUERY PLAN SELECT * FROM cpu WHERE " + where)[0];
  };
  EXPECT_NE(plan("hostname != 'a'").find("INDEX 0:!0"), std::string::npos) << plan("hostname != 'a'");
  EXPECT_NE(plan("region LIKE 'e%'").find("INDEX 0:L1"), std::string::npos);
  EXPECT_NE(plan("hostname GLOB 'web-*'").find("INDEX 0:G0"), std::string::npos);
  // Equality is preferred in cost: both taken, = first in the plan's order of constraints.
  EXPECT_NE(plan("hostname = 'a' AND region != 'eu'").find("T0!1"), std::string::npos);
}

TEST_F(WriteTest, PushdownShowsInThePlanAndMatchesAPlainTable) {
  ASSERT_EQ(Exec(db_, "CREATE TABLE ref(time INTEGER, hostname TEXT, region TEXT, usage_user REAL, "
                      "load INTEGER, status TEXT, up BOOLEAN, PRIMARY KEY(hostname, region, time))"),
            "");
  std::mt19937 rng(7);
  ASSERT_EQ(Exec(db_, "BEGIN"), "");
  for (int i = 0; i < 400; i++) {
    const std::string host = "h" + std::to_string(rng() % 5);
    const std::string region = rng() % 2 ? "eu" : "us";
    const long long t = static_cast<long long>(rng() % 50) * 3'600'000'000'000LL;  // across shards
    const std::string load = rng() % 4 ? std::to_string(rng() % 100) : "NULL";
    const std::string usage = rng() % 4 ? std::to_string(rng() % 1000) + ".5" : "NULL";
    if (load == "NULL" && usage == "NULL") continue;
    const std::string vals = std::to_string(t) + ",'" + host + "','" + region + "'," + usage + "," + load;
    ASSERT_EQ(Exec(db_, "INSERT INTO cpu(time,hostname,region,usage_user,load) VALUES(" + vals + ")"), "");
    // The plain table with the same overwrite semantics.
    ASSERT_EQ(Exec(db_, "INSERT INTO ref(time,hostname,region,usage_user,load) VALUES(" + vals +
                            ") ON CONFLICT DO UPDATE SET usage_user=coalesce(excluded.usage_user,"
                            "usage_user), load=coalesce(excluded.load, load)"),
              "");
  }
  ASSERT_EQ(Exec(db_, "COMMIT"), "");
  const char* wheres[] = {
      "",
      "WHERE hostname = 'h1'",
      "WHERE hostname IN ('h1','h3') AND region = 'eu'",
      "WHERE time >= 36000000000000 AND time < 72000000000000",
      "WHERE time BETWEEN 3600000000000 AND 36000000000000 AND hostname = 'h2'",
      "WHERE time = 7200000000000",
      "WHERE time > 7200000000000.5 AND time <= 1.8e14",
      "WHERE time > '5' AND hostname = 'h0'",
      "WHERE hostname = 'h1' AND hostname = 'h2'",
      "WHERE hostname IN ('h1') AND hostname IN ('h1','h4')",
      "WHERE hostname = 'h1' OR time < 10000000000000",
      "WHERE load > 50 AND region = 'us'",
      "WHERE hostname = 'H1' COLLATE NOCASE",
      "WHERE hostname > 'h2'",
      "WHERE time IS NULL",
      "WHERE time = NULL",
  };
  for (const char* w : wheres) {
    for (const char* order : {"ORDER BY hostname, region, time", "ORDER BY time, hostname, region"}) {
      const std::string q = std::string(" ") + w + " " + order;
      EXPECT_EQ(Rows(db_, "SELECT * FROM cpu" + q), Rows(db_, "SELECT * FROM ref" + q)) << q;
    }
    const std::string agg = std::string("SELECT hostname, count(*), sum(load), max(usage_user) FROM ");
    EXPECT_EQ(Rows(db_, agg + "cpu " + w + " GROUP BY hostname ORDER BY 1"),
              Rows(db_, agg + "ref " + w + " GROUP BY hostname ORDER BY 1"))
        << w;
  }
  // ORDER BY time with every tag pinned is consumed; the order is right.
  const std::string pinned = " WHERE hostname = 'h1' AND region = 'eu' ORDER BY time";
  EXPECT_EQ(Rows(db_, "SELECT * FROM cpu" + pinned), Rows(db_, "SELECT * FROM ref" + pinned));
  const Strings plan = Rows(db_, "EXPLAIN QUERY PLAN SELECT * FROM cpu" + pinned);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_NE(plan[0].find("VIRTUAL TABLE INDEX 1:T0T1"), std::string::npos) << plan[0];
  const Strings plan2 = Rows(db_, "EXPLAIN QUERY PLAN SELECT * FROM cpu WHERE time >= 5 AND time < 9 "
                                  "AND hostname IN ('a','b') ORDER BY time");
  EXPECT_NE(plan2[0].find("INDEX 0:]<I0"), std::string::npos) << plan2[0];
  EXPECT_NE(plan2.back().find("TEMP B-TREE"), std::string::npos);
  // A join uses the tag constraint.
  EXPECT_EQ(Exec(db_, "CREATE TABLE hosts(name TEXT)"), "");
  EXPECT_EQ(Exec(db_, "INSERT INTO hosts VALUES('h1'),('h3')"), "");
  EXPECT_EQ(Exec(db_, "ANALYZE hosts"), "");  // so SQLite knows hosts is small
  const std::string join = "SELECT h.name, count(*) FROM hosts h JOIN %s c ON c.hostname = h.name "
                           "GROUP BY h.name ORDER BY 1";
  auto fmt = [&](const char* t) {
    std::string s = join;
    s.replace(s.find("%s"), 2, t);
    return s;
  };
  EXPECT_EQ(Rows(db_, fmt("cpu")), Rows(db_, fmt("ref")));
  bool uses_index = false;
  for (const auto& line : Rows(db_, "EXPLAIN QUERY PLAN " + fmt("cpu"))) {
    uses_index = uses_index || line.find("INDEX 0:T0") != std::string::npos;
  }
  EXPECT_TRUE(uses_index);
  // After a flush and a reopen: the same.
  EXPECT_EQ(One(db_, "SELECT strata_flush()"), "NULL");
  Close(db_);
  db_ = Open();
  EXPECT_EQ(Rows(db_, "SELECT * FROM cpu ORDER BY hostname, region, time"),
            Rows(db_, "SELECT * FROM ref ORDER BY hostname, region, time"));
}

TEST_F(WriteTest, TagsPastTheTwentySixthArePushedDownToo) {
  // 30 tag columns t0..t29: a plan names a tag by its number, so every one can be pushed down.
  std::string cols, plain, tag_list;
  for (int k = 0; k < 30; k++) {
    cols += "t" + std::to_string(k) + " TAG, ";
    plain += "t" + std::to_string(k) + " TEXT, ";
    tag_list += (k == 0 ? "" : ", ") + std::string("t") + std::to_string(k);
  }
  ASSERT_EQ(Exec(db_, "CREATE VIRTUAL TABLE wide USING strata(" + cols + "v INTEGER)"), "");
  ASSERT_EQ(Exec(db_, "CREATE TABLE wref(time INTEGER, " + plain + "v INTEGER)"), "");
  std::mt19937 rng(11);
  for (int i = 0; i < 200; i++) {
    std::string vals = std::to_string(i % 20);
    for (int k = 0; k < 30; k++) vals += ",'" + std::to_string(rng() % (k < 27 ? 1 : 4)) + "'";
    vals += "," + std::to_string(i);
    ASSERT_EQ(Exec(db_, "INSERT OR REPLACE INTO wide VALUES(" + vals + ")"), "");
    ASSERT_EQ(Exec(db_, "DELETE FROM wref WHERE (time, " + tag_list + ") = (SELECT " + vals.substr(
                            0, vals.rfind(',')) + ")"),
              "");
    ASSERT_EQ(Exec(db_, "INSERT INTO wref VALUES(" + vals + ")"), "");
  }
  const std::string where = " WHERE t29 = '1' AND t28 IN ('0', '3') AND time >= 5";
  const std::string q = "SELECT time, t27, t28, t29, v FROM %s" + where + " ORDER BY t27, t28";
  auto on = [&](const char* t) {
    std::string s = q;
    s.replace(s.find("%s"), 2, t);
    return s;
  };
  const Strings plan = Rows(db_, "EXPLAIN QUERY PLAN " + on("wide"));
  ASSERT_EQ(plan.size(), 1u) << plan.back();  // the ORDER BY is consumed: no sorter
  EXPECT_NE(plan[0].find("INDEX 0:T29I28]|27,28"), std::string::npos) << plan[0];
  EXPECT_EQ(Rows(db_, on("wide") + ", time, v"), Rows(db_, on("wref") + ", time, v"));
  EXPECT_FALSE(Rows(db_, on("wref")).empty());
}

TEST_F(WriteTest, OrderByTimeStaysCorrectWhenUndeclaredTagsSplitATagSet) {
  // Another database declares cpu with an extra tag `rack` over the same directory.
  sqlite3* aux = Open("aux.db");
  ASSERT_EQ(Exec(aux, "CREATE VIRTUAL TABLE cpu USING strata(hostname TAG, region TAG, rack TAG, "
                      "load INTEGER, dir='test.db.strata')"),
            "");
  ASSERT_EQ(Exec(aux, "INSERT INTO cpu VALUES(5,'a','eu','r1',50),(1,'a','eu','r2',10)"), "");
  ASSERT_EQ(Exec(db_, "INSERT INTO cpu(time,hostname,region,load) VALUES(3,'a','eu',30),(7,'a','eu',70)"), "");
  const std::string q = "SELECT time, load FROM cpu WHERE hostname='a' AND region='eu' ORDER BY time";
  EXPECT_NE(One(db_, "EXPLAIN QUERY PLAN " + q).find("INDEX 1:T0T1"), std::string::npos);
  EXPECT_EQ(Rows(db_, q), (Strings{"1|10", "3|30", "5|50", "7|70"}));
  // Rows of the extra-tag series have their own identity: deleting one leaves the others.
  EXPECT_EQ(Exec(db_, "DELETE FROM cpu WHERE time = 5"), "");
  EXPECT_EQ(Rows(db_, q), (Strings{"1|10", "3|30", "7|70"}));
  EXPECT_EQ(Rows(aux, "SELECT time, rack FROM cpu ORDER BY time"), (Strings{"1|r2", "3|NULL", "7|NULL"}));
}

// ---- transactions --------------------------------------------------------------------------------

TEST_F(WriteTest, OrderByTimeDescMatchesAPlainTableWithPendingRowsAndAcrossSources) {
  CreateRef();
  std::mt19937 rng(11);
  auto insert = [&](int n) { InsertIntoBoth(&rng, n, 3, {"us", "eu"}); };
  const std::vector<std::string> queries = {
      "SELECT * FROM %s WHERE hostname = 'h1' AND region = 'eu' ORDER BY time DESC",
      "SELECT * FROM %s WHERE hostname = 'h1' AND region = 'eu' ORDER BY time DESC LIMIT 3",
      "SELECT time, load FROM %s WHERE hostname = 'h1' AND region = 'eu' AND time < 72000000000000 "
      "ORDER BY time DESC LIMIT 1",
      "SELECT time FROM %s WHERE hostname = 'h2' ORDER BY time DESC",  // two tag sets
      "SELECT time FROM %s WHERE hostname = 'h2' ORDER BY time",
      "SELECT time, load FROM %s WHERE hostname = 'h0' AND region = 'us' ORDER BY time LIMIT 4",
      "SELECT h, (SELECT time FROM %s WHERE hostname = h ORDER BY time DESC LIMIT 1) FROM "
      "(SELECT 'h0' AS h UNION ALL SELECT 'h1' UNION ALL SELECT 'h9')",
      // LIMIT goes to the engine (per tag set) only with the order consumed, no OFFSET and every
      // constraint applied by the table; the others keep SQLite's LIMIT alone.
      "SELECT time, region FROM %s WHERE hostname = 'h2' ORDER BY time DESC LIMIT 5",
      "SELECT time, load FROM %s WHERE hostname = 'h1' AND region = 'eu' ORDER BY time DESC "
      "LIMIT 2 OFFSET 3",
      "SELECT time, load FROM %s WHERE hostname = 'h1' AND region = 'eu' AND load > 50 ORDER BY "
      "time DESC LIMIT 2",
      "SELECT time FROM %s WHERE hostname = 'h1' AND time >= 7200000000000 ORDER BY time LIMIT 0",
      "SELECT time FROM %s WHERE hostname = 'h0' AND time >= 7200000000000 AND time <= "
      "90000000000000 ORDER BY time LIMIT 3",
      "SELECT time FROM %s WHERE hostname = 'h0' ORDER BY time DESC LIMIT -1",
  };
  auto check = [&](const std::string& when) { ExpectSameAsRef(queries, when); };
  insert(300);
  EXPECT_EQ(One(db_, "SELECT strata_flush()"), "NULL");  // segments in two shard windows ...
  insert(100);                                          // ... and MemStores
  check("");
  const Strings plan = Rows(db_, "EXPLAIN QUERY PLAN SELECT time FROM cpu WHERE hostname = 'h1' "
                                 "ORDER BY time DESC LIMIT 1");
  ASSERT_EQ(plan.size(), 1u);  // consumed: no TEMP B-TREE line
  EXPECT_NE(plan[0].find("INDEX 3:T0$/0000"), std::string::npos) << plan[0];  // LIMIT taken
  for (const char* q : {"SELECT time FROM cpu WHERE hostname = 'h1' ORDER BY time DESC LIMIT 1 "
                        "OFFSET 1",
                        "SELECT time FROM cpu WHERE hostname = 'h1' AND load > 1 ORDER BY time "
                        "LIMIT 1",
                        "SELECT time FROM cpu WHERE hostname = 'h1' LIMIT 1"}) {
    const Strings p = Rows(db_, std::string("EXPLAIN QUERY PLAN ") + q);
    ASSERT_FALSE(p.empty());
    EXPECT_EQ(p[0].find('$'), std::string::npos) << q << ": " << p[0];  // LIMIT left to SQLite
  }
  EXPECT_EQ(Exec(db_, "BEGIN"), "");
  insert(60);
  const std::string del = " WHERE hostname = 'h1' AND time < 36000000000000";
  EXPECT_EQ(Exec(db_, "DELETE FROM cpu" + del), "");
  EXPECT_EQ(Exec(db_, "DELETE FROM ref" + del), "");
  check(" (pending rows)");
  EXPECT_EQ(Exec(db_, "COMMIT"), "");
  check(" (committed)");
  // A limited scan's rows are collected before the statement changes the table.
  for (const std::string t : {"cpu", "ref"}) {
    EXPECT_EQ(Exec(db_, "INSERT INTO " + t + "(time,hostname,region,load) SELECT time + 1, "
                        "hostname, region, load + 1 FROM " + t + " WHERE hostname = 'h1' AND "
                        "region = 'us' ORDER BY time DESC LIMIT 4"),
              "");
  }
  check(" (after INSERT ... SELECT)");
}

TEST_F(WriteTest, OrderByAndGroupByOfTagsMatchAPlainTableWithoutASorter) {
  CreateRef();
  std::mt19937 rng(5);
  auto insert = [&](int n) { InsertIntoBoth(&rng, n, 5, {"ap", "eu", "us"}); };
  // Every output is determined by the ORDER BY (equal keys give equal rows).
  const std::vector<std::string> queries = {
      "SELECT hostname, count(*), sum(load), max(time) FROM %s GROUP BY hostname",
      "SELECT region, hostname, count(*), min(load) FROM %s GROUP BY region, hostname ORDER BY "
      "region, hostname",
      "SELECT hostname, region, avg(load) FROM %s WHERE time >= 36000000000000 GROUP BY "
      "hostname, region ORDER BY hostname, region",
      "SELECT region FROM %s ORDER BY region",
      "SELECT DISTINCT region, hostname FROM %s ORDER BY region, hostname",
      "SELECT hostname, count(*) FROM %s WHERE region = 'eu' GROUP BY hostname",
      "SELECT region, count(*) FROM %s WHERE hostname IN ('h1', 'h3') GROUP BY region",
      "SELECT hostname, time FROM %s ORDER BY hostname, time",  // not consumed: SQLite sorts
  };
  auto check = [&](const std::string& when) { ExpectSameAsRef(queries, when); };
  insert(300);
  EXPECT_EQ(One(db_, "SELECT strata_flush()"), "NULL");  // segments in two shard windows ...
  insert(100);                                          // ... and MemStores
  check("");
  for (const char* q : {"SELECT hostname, count(*) FROM cpu GROUP BY hostname",
                        "SELECT * FROM cpu WHERE region = 'eu' ORDER BY hostname, region"}) {
    const Strings plan = Rows(db_, std::string("EXPLAIN QUERY PLAN ") + q);
    ASSERT_EQ(plan.size(), 1u) << q << ": " << plan.back();  // no TEMP B-TREE line
    EXPECT_NE(plan[0].find("|0"), std::string::npos) << q << ": " << plan[0];  // by hostname
  }
  EXPECT_EQ(Exec(db_, "BEGIN"), "");  // pending rows: the cursor sorts what it merged
  insert(60);
  const std::string del = " WHERE hostname = 'h2' AND time < 36000000000000";
  EXPECT_EQ(Exec(db_, "DELETE FROM cpu" + del), "");
  EXPECT_EQ(Exec(db_, "DELETE FROM ref" + del), "");
  check(" (pending rows)");
  EXPECT_EQ(Exec(db_, "COMMIT"), "");
  check(" (committed)");

  // A change made while an ordered scan is open: the scan goes on in order, over the rows of its
  // start (SQLite leaves open whether it sees the change).
  const Strings before = Rows(db_, "SELECT hostname FROM cpu ORDER BY hostname");
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db_, "SELECT hostname FROM cpu ORDER BY hostname", -1, &stmt,
                               nullptr),
            SQLITE_OK);
  Strings during;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    during.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
    if (during.size() == 5) {
      EXPECT_EQ(Exec(db_, "INSERT INTO cpu(time,hostname,region,load) VALUES(1,'h0','zz',1)"), "");
    }
  }
  EXPECT_EQ(sqlite3_finalize(stmt), SQLITE_OK);
  EXPECT_EQ(during, before);

  // A tag set without an ordering tag (written by a table that declares fewer tags) sorts first.
  const std::string rows_without_rack = One(db_, "SELECT count(*) FROM cpu");
  sqlite3* aux = Open("aux.db");
  ASSERT_EQ(Exec(aux, "CREATE VIRTUAL TABLE cpu USING strata(hostname TAG, region TAG, rack TAG, "
                      "load INTEGER, dir='test.db.strata')"),
            "");
  ASSERT_EQ(Exec(aux, "INSERT INTO cpu VALUES(5,'h1','eu','r2',50),(6,'h1','eu','r1',60)"), "");
  EXPECT_EQ(Rows(aux, "SELECT rack, count(*) FROM cpu GROUP BY rack"),
            (Strings{"NULL|" + rows_without_rack, "r1|1", "r2|1"}));
  EXPECT_EQ(Rows(aux, "SELECT DISTINCT rack, hostname FROM cpu WHERE hostname = 'h1' ORDER BY "
                      "rack, hostname"),
            (Strings{"NULL|h1", "r1|h1", "r2|h1"}));
}

TEST_F(WriteTest, CommitRollbackAndReadYourWrites) {
  sqlite3* other = Open();
  EXPECT_EQ(Exec(db_, "BEGIN"), "");
  EXPECT_EQ(Exec(db_, "INSERT INTO cpu(time,hostname,region,load) VALUES(1,'a','eu',1)"), "");
  EXPECT_EQ(All(), Strings{"1|a|eu|NULL|1|NULL|NULL"});  // read-your-writes
  EXPECT_EQ(All(other), Strings{});                       // invisible to others
  EXPECT_EQ(Exec(db_, "COMMIT"), "");
  EXPECT_EQ(All(other), Strings{"1|a|eu|NULL|1|NULL|NULL"});

  EXPECT_EQ(Exec(db_, "BEGIN"), "");
  EXPECT_EQ(Exec(db_, "INSERT INTO cpu(time,hostname,region,load) VALUES(2,'a','eu',2)"), "");
  EXPECT_EQ(Exec(db_, "DELETE FROM cpu WHERE time = 1"), "");
  EXPECT_EQ(Exec(db_, "UPDATE cpu SET status = 's' WHERE time = 2"), "");
  EXPECT_EQ(All(), Strings{"2|a|eu|NULL|2|s|NULL"});
  EXPECT_EQ(All(other), Strings{"1|a|eu|NULL|1|NULL|NULL"});
  EXPECT_EQ(Exec(db_, "ROLLBACK"), "");
  EXPECT_EQ(All(), Strings{"1|a|eu|NULL|1|NULL|NULL"});
  Close(db_);
  db_ = Open();
  EXPECT_EQ(All(), Strings{"1|a|eu|NULL|1|NULL|NULL"});
}

TEST_F(WriteTest, BulkInsertsKeepTheirOrderAgainstDeletesReadsAndSavepoints) {
  // INSERTs outside savepoints are appended to a log that is folded into the ordered pending rows
  // when a DELETE, UPDATE, read or savepoint needs them: the order of the operations must hold.
  EXPECT_EQ(Exec(db_, "BEGIN"), "");
  EXPECT_EQ(Exec(db_, "INSERT INTO cpu(time,hostname,region,load) VALUES(1,'a','eu',1)"), "");
  EXPECT_EQ(Exec(db_, "INSERT INTO cpu(time,hostname,region,load) VALUES(1,'a','eu',2)"), "");
  EXPECT_EQ(All(), Strings{"1|a|eu|NULL|2|NULL|NULL"});  // the later INSERT wins
  EXPECT_EQ(Exec(db_, "INSERT INTO cpu(time,hostname,region,up) VALUES(1,'a','eu',1)"), "");
  EXPECT_EQ(Exec(db_, "DELETE FROM cpu WHERE time = 1"), "");
  EXPECT_EQ(Exec(db_, "INSERT INTO cpu(time,hostname,region,status) VALUES(1,'a','eu','back')"), "");
  // A numeric tag value takes the ordered path; the same tag set as text then takes the log.
  EXPECT_EQ(Exec(db_, "INSERT INTO cpu(time,hostname,region,load) VALUES(2,'a',7,3)"), "");
  EXPECT_EQ(Exec(db_, "INSERT INTO cpu(time,hostname,region,load) VALUES(2,'a','7',4)"), "");
  EXPECT_NE(Exec(db_, "INSERT INTO cpu(time,hostname,region,load) VALUES(3,'a','',5)"), "");
  EXPECT_NE(Exec(db_, "INSERT INTO cpu(time,hostname,region,load) VALUES(3,'a','eu','x')"), "");
  EXPECT_EQ(Exec(db_, "SAVEPOINT sp"), "");
  EXPECT_EQ(Exec(db_, "INSERT INTO cpu(time,hostname,region,load) VALUES(3,'b','eu',5)"), "");
  EXPECT_EQ(Exec(db_, "ROLLBACK TO sp"), "");
  EXPECT_EQ(Exec(db_, "RELEASE sp"), "");
  EXPECT_EQ(Exec(db_, "INSERT INTO cpu(time,hostname,region,load) VALUES(4,'b','eu',6)"), "");
  const Strings want{"2|a|7|NULL|4|NULL|NULL", "1|a|eu|NULL|NULL|back|NULL",
                     "4|b|eu|NULL|6|NULL|NULL"};
  EXPECT_EQ(All(), want);
  EXPECT_EQ(Exec(db_, "COMMIT"), "");
  EXPECT_EQ(All(), want);
  Close(db_);
  db_ = Open();
  EXPECT_EQ(All(), want);
}

TEST_F(WriteTest, CommitBatchKeepsItsSeriesAcrossTransactionsAndRenewsThemPastItsBound) {
  // Commits reuse one batch whose series references the insert log caches; past 100,000 series
  // the batch is renewed and every cached reference must be resolved again, whatever order the
  // tag sets come in afterwards.
  std::string fields, values;
  for (int i = 0; i < 10; i++) {
    fields += ", f" + std::to_string(i) + " REAL";
    values += ", i + " + std::to_string(i) + ".5";
  }
  ASSERT_EQ(Exec(db_, "CREATE VIRTUAL TABLE wide USING strata(host TAG" + fields + ")"), "");
  ASSERT_EQ(Exec(db_, "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 9999) "
                      "INSERT INTO wide SELECT 1, 'h' || i" + values + " FROM n"),
            "");  // 10,000 tag sets x 10 fields
  ASSERT_EQ(Exec(db_, "BEGIN; INSERT INTO wide(time, host, f0, f9) VALUES(2, 'h5', 5, 59);"
                      "INSERT INTO wide(time, host, f0, f9) VALUES(2, 'h0', 0, 9); COMMIT"),
            "");
  ASSERT_EQ(Exec(db_, "INSERT INTO wide(time, host, f1) VALUES(3, 'h0', 1)"), "");
  const Strings want{"1|h0|0.5|9.5", "2|h0|0.0|9.0", "3|h0|NULL|NULL", "1|h5|5.5|14.5",
                     "2|h5|5.0|59.0"};
  const std::string query = "SELECT time, host, f0, f9 FROM wide WHERE host IN ('h0', 'h5') "
                            "ORDER BY host, time";
  EXPECT_EQ(Rows(db_, query), want);
  EXPECT_EQ(One(db_, "SELECT count(*), sum(f3) FROM wide"), "10003|50030000.0");
  Close(db_);
  db_ = Open();
  EXPECT_EQ(Rows(db_, query), want);
}

TEST_F(WriteTest, TablesOfOneMeasurementWithOtherTagsKeepTheirRowsApart) {
  // aux.cpu names the same measurement in the same directory with its tags in another order: the
  // same values in declaration order are another tag set.
  ASSERT_EQ(Exec(db_, "ATTACH '" + Path("aux.db") + "' AS aux"), "");
  ASSERT_EQ(Exec(db_, "CREATE VIRTUAL TABLE aux.cpu USING strata(region TAG, hostname TAG, "
                      "usage_user REAL, load INTEGER, status TEXT, up BOOLEAN, dir='test.db.strata')"),
            "");
  ASSERT_EQ(Exec(db_, "BEGIN; INSERT INTO main.cpu(time, hostname, region, load) VALUES(1, 'x', 'y', 1);"
                      "INSERT INTO aux.cpu(time, region, hostname, load) VALUES(1, 'x', 'y', 2); COMMIT"),
            "");
  EXPECT_EQ(Rows(db_, "SELECT hostname, region, load FROM main.cpu ORDER BY hostname"),
            (Strings{"x|y|1", "y|x|2"}));
}

TEST_F(WriteTest, TablesOfOneMeasurementInOneConnectionDeclareTheSameFields) {
  // Pending rows keep their values by field index: a second table of the measurement and
  // directory with other fields would write them under the wrong names, so it is refused.
  ASSERT_EQ(Exec(db_, "INSERT INTO cpu(time, hostname, region, load) VALUES(1, 'a', 'eu', 1)"), "");
  ASSERT_EQ(Exec(db_, "ATTACH '" + Path("aux.db") + "' AS aux"), "");
  const std::string err =
      Exec(db_, "CREATE VIRTUAL TABLE aux.cpu USING strata(hostname TAG, region TAG, load INTEGER, "
                "usage_user REAL, status TEXT, up BOOLEAN, dir='test.db.strata')");
  EXPECT_NE(err.find("is in use by this connection with the fields (usage_user REAL, load INTEGER, "
                     "status TEXT, up BOOLEAN): the tables of one measurement and directory in one "
                     "connection must declare the same fields"),
            std::string::npos)
      << err;
  ASSERT_EQ(Exec(db_, "INSERT INTO cpu(time, hostname, region, load) VALUES(2, 'a', 'eu', 2)"), "");
  EXPECT_EQ(All(), (Strings{"1|a|eu|NULL|1|NULL|NULL", "2|a|eu|NULL|2|NULL|NULL"}));
  // Once no table uses it, the next table of the measurement declares the fields afresh (here
  // main.disk keeps the connection's hold on the directory, and so its overlays, meanwhile).
  ASSERT_EQ(Exec(db_, "CREATE VIRTUAL TABLE disk USING strata(host TAG, used INTEGER, "
                      "dir='mem.strata')"),
            "");
  ASSERT_EQ(Exec(db_, "CREATE VIRTUAL TABLE aux.mem USING strata(host TAG, used INTEGER, "
                      "dir='mem.strata')"),
            "");
  ASSERT_EQ(Exec(db_, "INSERT INTO aux.mem VALUES(1, 'h', 10)"), "");
  ASSERT_EQ(Exec(db_, "DETACH aux"), "");
  ASSERT_EQ(Exec(db_, "ATTACH '" + Path("aux2.db") + "' AS aux2"), "");
  ASSERT_EQ(Exec(db_, "CREATE VIRTUAL TABLE aux2.mem USING strata(host TAG, free INTEGER, "
                      "used INTEGER, dir='mem.strata')"),
            "");
  ASSERT_EQ(Exec(db_, "INSERT INTO aux2.mem VALUES(2, 'h', 5, 6)"), "");
  EXPECT_EQ(Rows(db_, "SELECT time, free, used FROM aux2.mem"), (Strings{"1|NULL|10", "2|5|6"}));
}

TEST_F(WriteTest, ChangesMadeWhileAScanIsOpenShowAheadOfItAndNotBehind) {
  // A scan starts without pending changes, reading the engine's rows a block at a time; changes
  // the connection makes meanwhile are merged from the current row on: those ahead of it show,
  // those behind it do not come back.
  std::string values;
  for (int t = 1; t <= 10; t++) {
    for (const char* host : {"a", "b"}) {
      values += std::string(values.empty() ? "" : ",") + "(" + std::to_string(t) + ",'" + host +
                "','eu'," + std::to_string(t) + ".5," + std::to_string(t) + ",'s',1)";
    }
  }
  ASSERT_EQ(Exec(db_, "INSERT INTO cpu VALUES " + values), "");
  ASSERT_EQ(Exec(db_, "BEGIN"), "");
  sqlite3_stmt* scan = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db_, "SELECT hostname, time, load FROM cpu", -1, &scan, nullptr),
            SQLITE_OK);
  Strings seen;
  auto step = [&] {
    if (sqlite3_step(scan) != SQLITE_ROW) return false;
    seen.push_back(std::string(reinterpret_cast<const char*>(sqlite3_column_text(scan, 0))) + "@" +
                   std::to_string(sqlite3_column_int64(scan, 1)) + "=" +
                   std::to_string(sqlite3_column_int64(scan, 2)));
    return true;
  };
  for (int i = 0; i < 5; i++) ASSERT_TRUE(step());  // up to a@5
  ASSERT_EQ(Exec(db_, "INSERT INTO cpu(time,hostname,region,load) VALUES(7,'a','eu',700),"
                      "(3,'a','eu',300),(20,'a','eu',20)"),
            "");
  ASSERT_EQ(Exec(db_, "DELETE FROM cpu WHERE hostname = 'b' AND time = 2"), "");
  while (step()) {
  }
  sqlite3_finalize(scan);
  EXPECT_EQ(seen, (Strings{"a@1=1", "a@2=2", "a@3=3", "a@4=4", "a@5=5", "a@6=6", "a@7=700",
                           "a@8=8", "a@9=9", "a@10=10", "a@20=20", "b@1=1", "b@3=3", "b@4=4",
                           "b@5=5", "b@6=6", "b@7=7", "b@8=8", "b@9=9", "b@10=10"}));
  ASSERT_EQ(Exec(db_, "COMMIT"), "");
  EXPECT_EQ(One(db_, "SELECT load FROM cpu WHERE hostname = 'a' AND time = 3"), "300");
}

TEST_F(WriteTest, FailingStatementInsideATransactionDiscardsOnlyItsRows) {
  EXPECT_EQ(Exec(db_, "BEGIN"), "");
  EXPECT_EQ(Exec(db_, "INSERT INTO cpu(time,hostname,region,load) VALUES(1,'a','eu',1)"), "");
  EXPECT_NE(Exec(db_, "INSERT INTO cpu(time,hostname,region,load) VALUES(2,'a','eu',2),(1,'a','eu',7),"
                      "(3,'a','eu','bad')"),
            "");
  EXPECT_EQ(All(), Strings{"1|a|eu|NULL|1|NULL|NULL"});
  // A row whose last field fails after its REAL and TEXT fields were taken leaves nothing behind.
  EXPECT_NE(Exec(db_, "INSERT INTO cpu VALUES(3,'a','eu',0.5,NULL,'left',2)"), "");
  EXPECT_EQ(Exec(db_, "INSERT INTO cpu(time,hostname,region,load) VALUES(4,'a','eu',4)"), "");
  EXPECT_EQ(Exec(db_, "INSERT INTO cpu(time,hostname,region,status) VALUES(5,'a','eu','kept')"), "");
  EXPECT_EQ(Exec(db_, "COMMIT"), "");
  EXPECT_EQ(All(), (Strings{"1|a|eu|NULL|1|NULL|NULL", "4|a|eu|NULL|4|NULL|NULL",
                            "5|a|eu|NULL|NULL|kept|NULL"}));
  EXPECT_EQ(Exec(db_, "DELETE FROM cpu WHERE time = 5"), "");
  // Autocommit: a failing multi-row statement writes nothing.
  EXPECT_NE(Exec(db_, "INSERT INTO cpu(time,hostname,region,load) VALUES(5,'a','eu',5),(6,'a','eu',1.5)"), "");
  EXPECT_EQ(All(), (Strings{"1|a|eu|NULL|1|NULL|NULL", "4|a|eu|NULL|4|NULL|NULL"}));
}

TEST_F(WriteTest, Savepoints) {
  EXPECT_EQ(Exec(db_, "CREATE VIRTUAL TABLE mem USING strata(host TAG, used INTEGER)"), "");
  EXPECT_EQ(Exec(db_, "SAVEPOINT sp1"), "");
  EXPECT_EQ(Exec(db_, "INSERT INTO cpu(time,hostname,region,load) VALUES(1,'a','eu',1)"), "");
  EXPECT_EQ(Exec(db_, "SAVEPOINT sp2"), "");
  EXPECT_EQ(Exec(db_, "INSERT INTO cpu(time,hostname,region,load) VALUES(2,'a','eu',2)"), "");
  EXPECT_EQ(Exec(db_, "UPDATE cpu SET load = 10 WHERE time = 1"), "");
  EXPECT_EQ(Exec(db_, "INSERT INTO mem VALUES(1,'a',1)"), "");
  EXPECT_EQ(Exec(db_, "ROLLBACK TO sp2"), "");
  EXPECT_EQ(All(), Strings{"1|a|eu|NULL|1|NULL|NULL"});
  EXPECT_EQ(Rows(db_, "SELECT * FROM mem"), Strings{});
  EXPECT_EQ(Exec(db_, "INSERT INTO mem VALUES(2,'a',2)"), "");
  EXPECT_EQ(Exec(db_, "RELEASE sp1"), "");
  EXPECT_EQ(All(), Strings{"1|a|eu|NULL|1|NULL|NULL"});
  EXPECT_EQ(Rows(db_, "SELECT * FROM mem"), Strings{"2|a|2"});
  sqlite3* other = Open();
  EXPECT_EQ(Rows(other, "SELECT * FROM mem"), Strings{"2|a|2"});
}

TEST_F(WriteTest, OneTransactionOverTwoTablesCommitsAsOneBatch) {
  EXPECT_EQ(Exec(db_, "CREATE VIRTUAL TABLE mem USING strata(host TAG, used INTEGER)"), "");
  const std::string before = One(db_, "SELECT json_extract(strata_stats('cpu'), '$.batches_written')");
  sqlite3* other = Open();
  EXPECT_EQ(Exec(db_, "BEGIN"), "");
  EXPECT_EQ(Exec(db_, "INSERT INTO cpu(time,hostname,region,load) VALUES(1,'a','eu',1)"), "");
  EXPECT_EQ(Exec(db_, "INSERT INTO mem VALUES(90000000000000,'a',1)"), "");  // another shard
  EXPECT_EQ(Exec(db_, "DELETE FROM cpu WHERE time = 1"), "");
  EXPECT_EQ(Exec(db_, "INSERT INTO cpu(time,hostname,region,load) VALUES(2,'a','eu',2)"), "");
  EXPECT_EQ(Rows(other, "SELECT count(*) FROM mem"), Strings{"0"});
  EXPECT_EQ(Exec(db_, "COMMIT"), "");
  const std::string after = One(db_, "SELECT json_extract(strata_stats('cpu'), '$.batches_written')");
  EXPECT_EQ(std::stoll(after) - std::stoll(before), 1);
  EXPECT_EQ(All(other), Strings{"2|a|eu|NULL|2|NULL|NULL"});
  EXPECT_EQ(Rows(other, "SELECT * FROM mem"), Strings{"90000000000000|a|1"});
}

TEST_F(WriteTest, ASecondWriterIsLockedOutUntilCommit) {
  sqlite3* other = Open();
  EXPECT_EQ(Exec(db_, "BEGIN"), "");
  EXPECT_EQ(Exec(db_, "INSERT INTO cpu(time,hostname,region,load) VALUES(1,'a','eu',1)"), "");
  EXPECT_NE(Exec(other, "INSERT INTO cpu(time,hostname,region,load) VALUES(2,'a','eu',2)").find("locked"),
            std::string::npos);
  EXPECT_EQ(Exec(db_, "COMMIT"), "");
  EXPECT_EQ(Exec(other, "INSERT INTO cpu(time,hostname,region,load) VALUES(2,'a','eu',2)"), "");
  EXPECT_EQ(All().size(), 2u);
}

// A statement that runs many small lookups on the table (a join's inner loop, correlated subqueries:
// each restarts a scan, reusing the engine cursor a closed scan left) answers as a plain table
// does: before and after a flush, with pending rows in a transaction, and after reopening.
TEST_F(WriteTest, RepeatedLookupsOfJoinsAndSubqueriesMatchAPlainTable) {
  CreateRef();
  ASSERT_EQ(Exec(db_, "CREATE TABLE hosts(h TEXT PRIMARY KEY)"), "");
  for (int h = 0; h <= 6; h++) {  // h6 has no rows
    ASSERT_EQ(Exec(db_, "INSERT INTO hosts VALUES('h" + std::to_string(h) + "')"), "");
  }
  std::mt19937 rng(11);
  InsertIntoBoth(&rng, 300, 6, {"eu", "us"});
  const std::vector<std::string> queries = {
      // The "last point per host" join: a lookup by time per host, of the subquery's newest time.
      "SELECT c.hostname, c.region, c.time, c.load FROM hosts h CROSS JOIN %s c ON c.hostname = h.h "
      "AND c.time = (SELECT time FROM %s WHERE hostname = h.h ORDER BY time DESC LIMIT 1) "
      "ORDER BY 1, 2, 3",
      "SELECT h.h, (SELECT max(time) FROM %s WHERE hostname = h.h), (SELECT load FROM %s WHERE "
      "hostname = h.h AND region = 'eu' ORDER BY time LIMIT 1 OFFSET 1) FROM hosts h ORDER BY 1",
      "SELECT h.h, count(*), sum(c.load) FROM hosts h CROSS JOIN %s c ON c.hostname = h.h AND "
      "c.time BETWEEN 5 * 3600000000000 AND 20 * 3600000000000 GROUP BY h.h ORDER BY 1",
      // A lookup whose constraints admit no row between ones that do.
      "SELECT h.h, (SELECT count(*) FROM %s WHERE hostname = h.h AND (h.h = 'h2' OR "
      "time < 0)), (SELECT count(*) FROM %s WHERE hostname = h.h) FROM hosts h ORDER BY 1"};
  ExpectSameAsRef(queries, " (before a flush)");
  ASSERT_EQ(Exec(db_, "SELECT strata_flush()"), "");
  InsertIntoBoth(&rng, 100, 6, {"eu", "us"});
  ExpectSameAsRef(queries, " (after a flush)");
  ASSERT_EQ(Exec(db_, "BEGIN"), "");
  InsertIntoBoth(&rng, 50, 7, {"eu", "us"});
  ExpectSameAsRef(queries, " (pending rows)");
  ASSERT_EQ(Exec(db_, "COMMIT"), "");
  Close(db_);
  db_ = Open();
  ExpectSameAsRef(queries, " (reopened)");
  // The table's idle engine cursor dies with it: dropped and declared again, it starts empty.
  ASSERT_EQ(Exec(db_, "DROP TABLE cpu"), "");
  ASSERT_EQ(Exec(db_, kCpu), "");
  EXPECT_EQ(Rows(db_, "SELECT h.h, (SELECT count(*) FROM cpu WHERE hostname = h.h) FROM hosts h "
                      "ORDER BY 1 LIMIT 1"),
            Strings{"h0|0"});
}

}  // namespace
