// The `strata` module: creation, reconnection, DROP TABLE, argument and value errors (each checked
// for its message and for leaving stored data untouched), and reads.
#include "sql_test_util.h"

#include <fstream>

#include "catalog.h"

namespace {

// What the catalog of `dir` says of `measurement`: (declared, series).
std::pair<bool, size_t> CatalogOf(const std::string& dir, const std::string& measurement) {
  auto catalog = strata::Catalog::OpenReadOnly(strata::Env::Default(), dir + "/catalog");
  EXPECT_TRUE(catalog) << catalog.error().ToString();
  if (!catalog) return {false, 0};
  return {(*catalog)->Declaration(measurement).has_value(),
          (*catalog)->Match(measurement, {}, {}).value().size()};
}

// Rewrites the catalog of `dir` without its declaration records, as a version that did not
// declare tables left it.
void RemoveDeclarations(const std::string& dir) {
  strata::Env* env = strata::Env::Default();
  auto salvage = strata::Catalog::SalvageRecords(env, dir + "/catalog");
  ASSERT_TRUE(salvage && !salvage->damage);
  std::erase_if(salvage->records, [](const strata::Catalog::Record& r) {
    return r.kind == strata::Catalog::Kind::kDeclare;
  });
  std::filesystem::remove_all(dir + "/catalog");
  ASSERT_TRUE(strata::Catalog::WriteRecords(env, dir + "/catalog", salvage->records));
}

class VtabTest : public SqlTest {
 protected:
  // A database with cpu holding two rows.
  sqlite3* Seeded() {
    sqlite3* db = Open();
    EXPECT_EQ(Exec(db, kCpu), "");
    EXPECT_EQ(Exec(db, "INSERT INTO cpu VALUES(1000,'a','eu',1.5,3,'ok',1),"
                       "(2000,'b','us',2.5,4,'bad',0)"),
              "");
    return db;
  }
  static Strings All(sqlite3* db) { return Rows(db, "SELECT * FROM cpu ORDER BY hostname, time"); }
  const Strings kSeed = {"1000|a|eu|1.5|3|ok|1", "2000|b|us|2.5|4|bad|0"};
};

TEST_F(VtabTest, CreateInsertSelectAndReconnect) {
  sqlite3* db = Seeded();
  EXPECT_EQ(All(db), kSeed);
  EXPECT_TRUE(std::filesystem::exists(Path("test.db.strata/STRATA")));
  Close(db);
  db = Open();
  EXPECT_EQ(All(db), kSeed);
  EXPECT_EQ(Rows(db, "SELECT name FROM pragma_table_info('cpu')"),
            (Strings{"time", "hostname", "region", "usage_user", "load", "status", "up"}));
}

TEST_F(VtabTest, DropTableRemovesTheMeasurementsData) {
  sqlite3* db = Seeded();
  EXPECT_EQ(Exec(db, "CREATE VIRTUAL TABLE mem USING strata(host TAG, used INTEGER)"), "");
  EXPECT_EQ(Exec(db, "INSERT INTO mem VALUES(1,'a',5)"), "");
  // Inside a transaction it is refused: a ROLLBACK would bring the table back without its data.
  for (const char* begin : {"BEGIN", "SAVEPOINT s"}) {
    EXPECT_EQ(Exec(db, begin), "");
    EXPECT_EQ(Exec(db, "INSERT INTO cpu(time,hostname,region,load) VALUES(9,'z','eu',9)"), "");
    EXPECT_EQ(Exec(db, "DROP TABLE cpu"), "database table is locked");
    EXPECT_EQ(Exec(db, "ROLLBACK"), "");
    EXPECT_EQ(All(db), kSeed) << begin;
  }
  EXPECT_EQ(Exec(db, "DROP TABLE cpu"), "");
  EXPECT_EQ(Exec(db, kCpu), "");
  EXPECT_EQ(All(db), Strings{});
  EXPECT_EQ(Rows(db, "SELECT * FROM mem"), Strings{"1|a|5"});
}

TEST_F(VtabTest, RelativeAndExplicitDir) {
  sqlite3* db = Open();
  EXPECT_EQ(Exec(db, "CREATE VIRTUAL TABLE t USING strata(h TAG, v REAL, dir='data', sync=off)"), "");
  EXPECT_EQ(Exec(db, "INSERT INTO t VALUES(1,'x',2)"), "");
  EXPECT_TRUE(std::filesystem::exists(Path("data/STRATA")));
  sqlite3* mem = Open(":memory:");
  // The directory is open in this process with sync=off: a table of it must declare that too.
  const std::string no_options =
      Exec(mem, "CREATE VIRTUAL TABLE t USING strata(h TAG, v REAL, dir='" + Path("data") + "')");
  EXPECT_NE(no_options.find("strata: t: options none differ from 'sync=off', those of the other "
                            "tables of '"),
            std::string::npos)
      << no_options;
  EXPECT_EQ(Exec(mem, "CREATE VIRTUAL TABLE t USING strata(h TAG, v REAL, sync=off, dir='" +
                          Path("data") + "')"),
            "");
  EXPECT_EQ(Rows(mem, "SELECT * FROM t"), Strings{"1|x|2.0"});
}

TEST_F(VtabTest, ADirectoryNamedThroughALinkIsTheSameDirectory) {
  // The module knows a directory by its canonical path (strata_canonical_dir), as the engine does.
  sqlite3* db = Open();
  EXPECT_EQ(Exec(db, "CREATE VIRTUAL TABLE a USING strata(h TAG, v REAL, dir='data', sync=off)"),
            "");
  std::filesystem::create_directory_symlink(Path("data"), Path("link"));
  const std::string err =
      Exec(db, "CREATE VIRTUAL TABLE b USING strata(h TAG, w REAL, dir='link/')");
  EXPECT_NE(err.find("options none differ from 'sync=off', those of the other tables of '" +
                     std::filesystem::canonical(Path("data")).string() + "'"),
            std::string::npos)
      << err;
  EXPECT_EQ(Exec(db, "CREATE VIRTUAL TABLE b USING strata(h TAG, w REAL, dir='link/', sync=off)"),
            "");
  // One directory, so one transaction of the connection over both tables, and one directory for
  // the maintenance functions.
  EXPECT_EQ(Exec(db, "BEGIN; INSERT INTO a VALUES(1,'x',1); INSERT INTO b VALUES(1,'x',2); COMMIT"),
            "");
  EXPECT_EQ(One(db, "SELECT strata_flush()"), "NULL");
  Close(db);
  db = Open();
  EXPECT_EQ(Rows(db, "SELECT a.v, b.w FROM a JOIN b USING (time, h)"), Strings{"1.0|2.0"});
}

TEST_F(VtabTest, DefaultOptionsMeanTheSameAsNone) {
  sqlite3* db = Open();
  EXPECT_EQ(Exec(db, "CREATE VIRTUAL TABLE a USING strata(h TAG, v REAL, shard_duration='1h')"), "");
  EXPECT_EQ(Exec(db, "CREATE VIRTUAL TABLE b USING strata(h TAG, v REAL, shard_duration='60m')"), "");
  EXPECT_EQ(Exec(db, "CREATE VIRTUAL TABLE c USING strata(h TAG, v REAL)"), "");
  EXPECT_EQ(Exec(db, "CREATE VIRTUAL TABLE d USING strata(h TAG, v REAL, sync='full')"), "");
  EXPECT_EQ(Exec(db, "CREATE VIRTUAL TABLE e USING strata(h TAG, v REAL, sync=full, "
                     "sync_interval_ms=1000, retention=0)"),
            "");
  EXPECT_NE(Exec(db, "CREATE VIRTUAL TABLE f USING strata(h TAG, v REAL, sync='off')")
                .find("options 'sync=off' differ from 'shard_duration=1h'"),
            std::string::npos);
  // The directory's shard duration is its own: the engine refuses another.
  EXPECT_NE(Exec(db, "CREATE VIRTUAL TABLE g USING strata(h TAG, v REAL, shard_duration='2h')")
                .find("shard_duration 2h differs from 1h"),
            std::string::npos);
  EXPECT_NE(Exec(db, "CREATE VIRTUAL TABLE h USING strata(h TAG, v REAL, sync='sometimes')")
                .find("sometimes"),
            std::string::npos);
}

TEST_F(VtabTest, TablesOfOneDirectoryDeclareTheSameOptions) {
  // They share one engine: a table declaring other options than the open ones would not get them.
  sqlite3* db = Open();
  EXPECT_EQ(Exec(db, "CREATE VIRTUAL TABLE a USING strata(h TAG, v REAL, sync='normal', "
                     "retention='30d', shard_duration='1h')"),
            "");
  EXPECT_EQ(Exec(db, "INSERT INTO a VALUES(NULL,'x',2)"), "");
  const std::string refused[] = {
      "CREATE VIRTUAL TABLE b USING strata(h TAG, w REAL)",
      "CREATE VIRTUAL TABLE b USING strata(h TAG, w REAL, sync='full', retention='30d', "
      "shard_duration='1h')",
      "CREATE VIRTUAL TABLE b USING strata(h TAG, w REAL, sync='normal', retention='29d')",
  };
  for (const std::string& sql : refused) {
    // (A failed CREATE makes SQLite disconnect every virtual table: the next CREATE connects `a`.)
    const std::string err = Exec(db, sql);
    EXPECT_NE(err.find("differ from 'retention=30d;shard_duration=1h;sync=normal', those of the "
                       "other tables of '"),
              std::string::npos)
        << sql << " -> " << err;
  }
  // Options are compared by what they mean, with defaults filled in: the same ones in another
  // order or spelling, the directory's own shard_duration left out, the defaults given.
  EXPECT_EQ(Exec(db, "CREATE VIRTUAL TABLE b USING strata(h TAG, w REAL, shard_duration='1h', "
                     "sync='normal', retention='30d')"),
            "");
  EXPECT_EQ(Exec(db, "CREATE VIRTUAL TABLE b2 USING strata(h TAG, w REAL, shard_duration='60m', "
                     "sync='normal', retention='720h', memstore_bytes='64MiB')"),
            "");
  EXPECT_EQ(Exec(db, "CREATE VIRTUAL TABLE b3 USING strata(h TAG, w REAL, sync='normal', "
                     "retention='30d', compaction_threads=1)"),
            "");
  EXPECT_EQ(Exec(db, "DROP TABLE b2; DROP TABLE b3"), "");
  EXPECT_EQ(Exec(db, "CREATE VIRTUAL TABLE c USING strata(h TAG, v REAL, dir='other')"), "");
  EXPECT_EQ(Rows(db, "SELECT name FROM sqlite_schema ORDER BY name"), (Strings{"a", "b", "c"}));
  Close(db);
  // In a later session, before any table is used.
  db = Open();
  EXPECT_NE(Exec(db, "CREATE VIRTUAL TABLE d USING strata(h TAG, v REAL)")
                .find("options none differ from 'retention=30d;shard_duration=1h;sync=normal'"),
            std::string::npos);
  Close(db);
  // From another database file, with none of the others open, the directory's shard duration is
  // still checked, by the engine.
  db = Open("other.db");
  const std::string err = Exec(db, "CREATE VIRTUAL TABLE d USING strata(h TAG, v REAL, "
                                   "shard_duration='2h', dir='test.db.strata')");
  EXPECT_NE(err.find("shard_duration 2h differs from 1h, the one "), std::string::npos) << err;
  Close(db);
  db = Open();
  EXPECT_EQ(Rows(db, "SELECT count(*) FROM a"), Strings{"1"});
}

TEST_F(VtabTest, BadTableArgumentsAreRejectedWithPreciseMessages) {
  sqlite3* db = Open();
  struct Case {
    const char* args;
    const char* message;
  } cases[] = {
      {"h TAG, v VARCHAR", "strata: t: column 'v': unknown type 'VARCHAR'"},
      {"h TAG, v", "strata: t: column 'v': missing type"},
      {"h TAG, v REAL, colour='red'", "strata: t: unknown option 'colour'"},
      {"h TAG, v REAL, sync='sometimes'", "sync"},
      {"h TAG, v REAL, memstore_bytes='12x'", "memstore_bytes"},
      {"h TAG, v REAL, sync=off, sync=full", "option 'sync' is given twice"},
      {"h TAG, H REAL", "duplicate column name 'H'"},
      {"time INTEGER, v REAL", "column name 'time' is reserved"},
      {"h TAG", "no field column"},
      {"h TAG, v REAL extra", "unexpected text after the type"},
  };
  for (const Case& c : cases) {
    const std::string err = Exec(db, std::string("CREATE VIRTUAL TABLE t USING strata(") + c.args + ")");
    EXPECT_NE(err.find(c.message), std::string::npos) << c.args << " -> " << err;
  }
  // Names over the 65,536 bytes the engine takes for a measurement, tag key or field name.
  const std::string long_name(65537, 'n');
  EXPECT_NE(Exec(db, "CREATE VIRTUAL TABLE t USING strata(" + long_name + " TAG, v REAL)")
                .find("' is 65537 bytes, longer than 65536"),
            std::string::npos);
  EXPECT_NE(Exec(db, "CREATE VIRTUAL TABLE t USING strata(h TAG, " + long_name + " REAL)")
                .find("' is 65537 bytes, longer than 65536"),
            std::string::npos);
  EXPECT_NE(Exec(db, "CREATE VIRTUAL TABLE " + long_name + " USING strata(h TAG, v REAL)")
                .find(": table name is 65537 bytes, longer than 65536 (it is the measurement"),
            std::string::npos);
  EXPECT_EQ(Rows(db, "SELECT name FROM sqlite_schema"), Strings{});
}

TEST_F(VtabTest, ADroppedTableCanComeBackWithAnotherShardDuration) {
  // Once the directory holds no points, its shard duration is free to change.
  sqlite3* db = Open();
  EXPECT_EQ(Exec(db, "CREATE VIRTUAL TABLE t USING strata(h TAG, v REAL)"), "");
  EXPECT_EQ(Exec(db, "INSERT INTO t VALUES(1,'a',1)"), "");
  EXPECT_EQ(Exec(db, "DROP TABLE t"), "");
  EXPECT_EQ(Exec(db, "CREATE VIRTUAL TABLE t USING strata(h TAG, v REAL, shard_duration='1h')"),
            "");
  EXPECT_EQ(Exec(db, "INSERT INTO t VALUES(7200000000000,'a',2)"), "");
  Close(db);
  db = Open();
  EXPECT_EQ(Rows(db, "SELECT time, v FROM t"), Strings{"7200000000000|2.0"});
  EXPECT_EQ(Exec(db, "CREATE VIRTUAL TABLE u USING strata(h TAG, w REAL, shard_duration='1h')"),
            "");
  EXPECT_NE(Exec(db, "CREATE VIRTUAL TABLE w USING strata(h TAG, w REAL, shard_duration='2h')")
                .find("shard_duration 2h differs from 1h"),
            std::string::npos);
  EXPECT_EQ(Rows(db, "SELECT time, v FROM t"), Strings{"7200000000000|2.0"});
}

TEST_F(VtabTest, InMemoryDatabaseNeedsDir) {
  sqlite3* db = Open(":memory:");
  const std::string err = Exec(db, kCpu);
  EXPECT_NE(err.find("strata: cpu: an in-memory or temporary database needs the dir="), std::string::npos)
      << err;
  const std::string err2 = Exec(db, "CREATE VIRTUAL TABLE temp.t USING strata(h TAG, v REAL)");
  EXPECT_NE(err2.find("needs the dir="), std::string::npos) << err2;
}

TEST_F(VtabTest, ConnectRefusesADirectoryWithoutIdentityFile) {
  sqlite3* db = Seeded();
  Close(db);
  std::filesystem::rename(Path("test.db.strata"), Path("moved"));
  db = Open();
  const std::string err = Exec(db, "SELECT * FROM cpu");
  EXPECT_NE(err.find("is not a Strata data directory (no STRATA identity file)"), std::string::npos)
      << err;
  EXPECT_FALSE(std::filesystem::exists(Path("test.db.strata")));  // nothing was created
  // An existing directory without the identity file is refused too, and left alone.
  std::filesystem::create_directory(Path("test.db.strata"));
  std::ofstream(Path("test.db.strata/precious")) << "x";
  Close(db);
  db = Open();
  EXPECT_NE(Exec(db, "SELECT * FROM cpu").find("no STRATA identity file"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(Path("test.db.strata/STRATA")));
  // Back in place, it reconnects, in the same connection too.
  std::filesystem::remove_all(Path("test.db.strata"));
  std::filesystem::rename(Path("moved"), Path("test.db.strata"));
  EXPECT_EQ(All(db), kSeed);
  Close(db);
  db = Open();
  EXPECT_EQ(All(db), kSeed);
}

// Issue 16: a database restored without its Strata directory (a plain .backup) is not wedged:
// every use of the table says what is missing and how to restore it, and DROP TABLE works.
TEST_F(VtabTest, ATableWhoseDirectoryIsMissingSaysHowToRestoreAndCanBeDropped) {
  sqlite3* db = Seeded();
  Close(db);
  std::filesystem::remove_all(Path("test.db.strata"));
  db = Open();
  for (const char* sql : {"SELECT * FROM cpu", "SELECT count(*) FROM cpu WHERE time > 5",
                          "INSERT INTO cpu(time, hostname, usage_user) VALUES(1, 'a', 1.0)",
                          "DELETE FROM cpu", "UPDATE cpu SET usage_user = 2"}) {
    const std::string err = Exec(db, sql);
    EXPECT_NE(err.find("strata: cpu: its data directory is missing"), std::string::npos)
        << sql << ": " << err;
    EXPECT_NE(err.find("strata_backup('dest.db')"), std::string::npos) << err;
    EXPECT_NE(err.find("DROP TABLE cpu removes the table"), std::string::npos) << err;
  }
  EXPECT_FALSE(std::filesystem::exists(Path("test.db.strata")));  // nothing was created
  EXPECT_EQ(Exec(db, "DROP TABLE cpu"), "");
  EXPECT_EQ(Rows(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'cpu'"), Strings{"0"});
  EXPECT_EQ(Exec(db, kCpu), "");  // and the table can be made again
  EXPECT_EQ(Rows(db, "SELECT count(*) FROM cpu"), Strings{"0"});
}

TEST_F(VtabTest, DeclaredTypeConflictingWithStoredDataIsRejected) {
  sqlite3* db = Seeded();
  const std::string err =
      Exec(db, "CREATE VIRTUAL TABLE cpu2 USING strata(hostname TAG, load REAL, dir='test.db.strata')");
  EXPECT_EQ(err, "");  // another measurement: no conflict
  // Another database's table of the same measurement over the same directory.
  sqlite3* other = Open("other.db");
  const std::string err2 = Exec(other, "CREATE VIRTUAL TABLE cpu USING strata(hostname TAG, "
                                       "region TAG, load REAL, dir='test.db.strata')");
  EXPECT_NE(err2.find("column load is declared REAL but"), std::string::npos) << err2;
  EXPECT_NE(err2.find("already stores INTEGER values for cpu.load"), std::string::npos) << err2;
  EXPECT_EQ(All(db), kSeed);
}

// Issue 20: a dropped table's field types and series go with it: the table made again with other
// types takes them, and none of the old rows comes back (from the WAL, from segments, after a
// reopen or a compaction).
TEST_F(VtabTest, ATableDroppedAndMadeAgainWithOtherTypesStartsEmpty) {
  for (const bool flushed : {false, true}) {
    SCOPED_TRACE(flushed ? "data in segments before the drop" : "data in the WAL only");
    sqlite3* db = Seeded();
    if (flushed) {
      EXPECT_EQ(Exec(db, "SELECT strata_flush('cpu')"), "");
    }
    EXPECT_EQ(Exec(db, "DROP TABLE cpu"), "");
    EXPECT_EQ(Exec(db, "CREATE VIRTUAL TABLE cpu USING strata(hostname TAG, region TAG, "
                       "usage_user INTEGER, load REAL, status INTEGER, up TEXT)"),
              "");
    EXPECT_EQ(All(db), Strings{});
    EXPECT_EQ(Exec(db, "INSERT INTO cpu VALUES(1000,'a','eu',7,0.5,2,'yes'),"
                       "(3000,'c','eu',-1,1e300,0,'')"),
              "");
    const Strings now = {"1000|a|eu|7|0.5|2|yes", "3000|c|eu|-1|1.0e+300|0|"};
    EXPECT_EQ(All(db), now);
    Close(db);
    db = Open();
    EXPECT_EQ(All(db), now);
    EXPECT_EQ(Rows(db, "SELECT typeof(usage_user), typeof(up) FROM cpu LIMIT 1"),
              Strings{"integer|text"});
    EXPECT_EQ(Exec(db, "SELECT strata_compact('cpu')"), "");
    EXPECT_EQ(All(db), now);
    EXPECT_EQ(Exec(db, "DROP TABLE cpu"), "");
    Close(db);
    std::filesystem::remove_all(Path("test.db.strata"));
    std::filesystem::remove(Path("test.db"));
  }
}

// Issue 21: a table whose directory exists but never saw its CREATE (another table made the
// directory: a failover, a replaced directory) is refused with a message that says so, never read
// as empty; DROP TABLE still works.
TEST_F(VtabTest, ATableWhoseDirectoryNeverSawItIsRefusedNotEmpty) {
  sqlite3* db = Seeded();
  Close(db);
  std::filesystem::remove_all(Path("test.db.strata"));
  sqlite3* other = Open("other.db");  // makes a directory of the same name, without cpu
  EXPECT_EQ(Exec(other, "CREATE VIRTUAL TABLE mem USING strata(host TAG, used INTEGER, "
                        "dir='test.db.strata')"),
            "");
  EXPECT_EQ(Exec(other, "INSERT INTO mem VALUES(1,'a',5)"), "");
  db = Open();
  for (const char* sql : {"SELECT * FROM cpu", "SELECT count(*) FROM cpu",
                          "INSERT INTO cpu(time, hostname, region, usage_user) VALUES(1, 'a', 'eu', 1.0)",
                          "DELETE FROM cpu"}) {
    const std::string err = Exec(db, sql);
    EXPECT_NE(err.find("strata: cpu: its data is not in its data directory"), std::string::npos)
        << sql << ": " << err;
    EXPECT_NE(err.find("has never seen this table's CREATE VIRTUAL TABLE"), std::string::npos)
        << err;
    EXPECT_NE(err.find("test.db.strata"), std::string::npos) << err;
    EXPECT_NE(err.find("DROP TABLE cpu removes the table"), std::string::npos) << err;
  }
  EXPECT_EQ(Rows(other, "SELECT * FROM mem"), Strings{"1|a|5"});
  EXPECT_EQ(Exec(db, "DROP TABLE cpu"), "");
  EXPECT_EQ(Rows(other, "SELECT * FROM mem"), Strings{"1|a|5"});  // the other table keeps its data
  EXPECT_EQ(Exec(db, kCpu), "");  // and the table can be made again
  EXPECT_EQ(Rows(db, "SELECT count(*) FROM cpu"), Strings{"0"});
}

// A directory of a version that did not declare its tables: a table with series there is taken
// (and declared), one with nothing there is refused.
TEST_F(VtabTest, ADirectoryWithoutDeclarationsKeepsTheTablesItHoldsDataOf) {
  sqlite3* db = Seeded();
  EXPECT_EQ(Exec(db, "CREATE VIRTUAL TABLE mem USING strata(host TAG, used INTEGER)"), "");
  Close(db);
  EXPECT_EQ(CatalogOf(Path("test.db.strata"), "cpu"), std::make_pair(true, size_t{8}));
  EXPECT_EQ(CatalogOf(Path("test.db.strata"), "mem"), std::make_pair(true, size_t{0}));
  RemoveDeclarations(Path("test.db.strata"));
  EXPECT_EQ(CatalogOf(Path("test.db.strata"), "cpu"), std::make_pair(false, size_t{8}));
  db = Open();
  EXPECT_EQ(All(db), kSeed);
  EXPECT_EQ(Exec(db, "INSERT INTO cpu(time,hostname,region,load) VALUES(9,'z','eu',9)"), "");
  const std::string err = Exec(db, "SELECT * FROM mem");
  EXPECT_NE(err.find("its data is not in its data directory"), std::string::npos) << err;
  Close(db);
  EXPECT_EQ(CatalogOf(Path("test.db.strata"), "cpu"), std::make_pair(true, size_t{9}));
  EXPECT_EQ(CatalogOf(Path("test.db.strata"), "mem"), std::make_pair(false, size_t{0}));
}

TEST_F(VtabTest, BadValuesAreRejectedAndLeaveDataUntouched) {
  sqlite3* db = Seeded();
  struct Case {
    const char* sql;
    const char* message;
  } cases[] = {
      {"INSERT INTO cpu(time,hostname,region,usage_user) VALUES(5,'a','eu','abc')",
       "strata: cpu.usage_user: cannot store 'abc' in a REAL field"},
      {"INSERT INTO cpu(time,hostname,region,load) VALUES(5,'a','eu',1.5)",
       "strata: cpu.load: cannot store 1.5 in an INTEGER field"},
      {"INSERT INTO cpu(time,hostname,region,load) VALUES(5,NULL,'eu',1)",
       "strata: cpu.hostname: a tag cannot be NULL"},
      {"INSERT INTO cpu(time,hostname,region,load) VALUES(5,'','eu',1)",
       "strata: cpu.hostname: a tag cannot be empty"},
      {"INSERT INTO cpu(time,hostname,region,usage_user) VALUES(5,'a','eu',1e999)",
       "strata: cpu.usage_user: cannot store"},
      {"INSERT INTO cpu(time,hostname,region,usage_user) VALUES(5,'a','eu',9007199254740993)",
       "cannot store 9007199254740993 in a REAL field"},
      {"INSERT INTO cpu(time,hostname,region,up) VALUES(5,'a','eu',2)",
       "cannot store 2 in a BOOLEAN field"},
      {"INSERT INTO cpu(time,hostname,region,load) VALUES('2016-13-01T00:00:00Z','a','eu',1)",
       "strata: cpu.time: cannot use '2016-13-01T00:00:00Z' as a time"},
      {"INSERT INTO cpu(time,hostname,region,load) VALUES(1.5,'a','eu',1)",
       "strata: cpu.time: cannot use 1.5 as a time"},
      {"INSERT INTO cpu(time,hostname,region,load) VALUES('2262-04-11T23:47:16Z','a','eu',1)",
       "strata: cpu.time: cannot use '2262-04-11T23:47:16Z' as a time: outside "
       "1677-09-21T00:12:44Z to 2262-04-11T23:47:15.999999999Z, the text times int64 ns hold"},
      {"INSERT INTO cpu(time,hostname,region,load) VALUES('1677-09-21T00:12:43.999Z','a','eu',1)",
       "as a time: outside 1677-09-21T00:12:44Z to"},
      {"INSERT INTO cpu(time,hostname,region) VALUES(5,'a','eu')",
       "a row needs at least one non-NULL field"},
      {"UPDATE cpu SET load = 'x' WHERE hostname = 'a'", "cannot store 'x' in an INTEGER field"},
      {"INSERT INTO cpu(time,hostname,region,load) VALUES(6,'a','eu',1),(7,'a','eu','bad')",
       "cannot store 'bad'"},
  };
  for (const Case& c : cases) {
    const std::string err = Exec(db, c.sql);
    EXPECT_NE(err.find(c.message), std::string::npos) << c.sql << " -> " << err;
    EXPECT_EQ(All(db), kSeed) << c.sql;
  }
  // NaN: SQLite turns it into NULL, so the row has no field.
  EXPECT_NE(Exec(db, "INSERT INTO cpu(time,hostname,region,usage_user) VALUES(5,'a','eu',0.0/0.0)"), "");
  // A tag value over the 65,536-byte limit, and tag values within it that make a series key over
  // the 65,536 bytes segments hold, fail at their statement (on every write path), not at COMMIT.
  const std::string big(65537, 'x'), half(32768, 'x');
  const std::string too_long = "the tags of this row and field 'usage_user' make a series key of ";
  const std::pair<std::string, std::string> long_cases[] = {
      {"INSERT INTO cpu(time,hostname,region,load) VALUES(5,'" + big + "','eu',1)",
       "strata: cpu.hostname: cannot use a tag value of 65537 bytes: longer than 65536"},
      {"INSERT INTO cpu(time,hostname,region,load) VALUES(5,'" + half + "','" + half + "',1)",
       "strata: cpu: " + too_long + "65568 bytes, longer than 65536"},
      // Inside a savepoint (the DELETE joins the table to the transaction first), an INSERT
      // takes the ordered path.
      {"SAVEPOINT s; DELETE FROM cpu WHERE time = -1; SAVEPOINT t; INSERT INTO "
       "cpu(time,hostname,region,load) VALUES(5,'a','" + half + "'||'" + half + "',1)",
       too_long + "65569 bytes"},
      {"ROLLBACK TO s; RELEASE s; UPDATE cpu SET region = '" + half + "', hostname = '" + half +
           "' WHERE hostname = 'a'",
       too_long + "65568 bytes"},
  };
  for (const auto& [sql, message] : long_cases) {
    const std::string err = Exec(db, sql);
    EXPECT_NE(err.find(message), std::string::npos) << sql.substr(0, 80) << " -> " << err;
    EXPECT_EQ(All(db), kSeed) << sql.substr(0, 80);
  }
  EXPECT_EQ(Exec(db, "INSERT INTO cpu(time,hostname,region,load) VALUES(5,'" + half + "','eu',1)"),
            "");  // long, but within both limits
  EXPECT_EQ(One(db, "SELECT strata_flush()"), "NULL");
  EXPECT_EQ(Exec(db, "DELETE FROM cpu WHERE time = 5"), "");
  Close(db);
  db = Open();
  EXPECT_EQ(All(db), kSeed);
}

TEST_F(VtabTest, RowsOlderThanTheRetentionPeriodFailAtTheirStatementNotAtCommit) {
  sqlite3* db = Open();
  EXPECT_EQ(Exec(db, "CREATE VIRTUAL TABLE r USING strata(h TAG, v REAL, retention='1h')"), "");
  EXPECT_EQ(Exec(db, "BEGIN"), "");
  EXPECT_EQ(Exec(db, "INSERT INTO r VALUES(NULL,'a',1)"), "");  // now
  const char* too_old[] = {
      "INSERT INTO r VALUES(1,'a',2)",
      "SAVEPOINT s; INSERT INTO r VALUES('2016-01-01','b',2)",  // the ordered path
      "UPDATE r SET time = 5 WHERE h = 'a'",
  };
  for (const char* sql : too_old) {
    const std::string err = Exec(db, sql);
    EXPECT_NE(err.find("strata: r.time: cannot store "), std::string::npos) << sql << " -> " << err;
    EXPECT_NE(err.find(", the oldest time the data directory takes now (its retention period"),
              std::string::npos)
        << err;
  }
  // Times in messages are shown as ISO-8601 too.
  EXPECT_NE(Exec(db, too_old[0]).find("cannot store 1 (1970-01-01T00:00:00.000000001Z): older than "),
            std::string::npos);
  EXPECT_EQ(Exec(db, "COMMIT"), "");  // the rows of the transaction that were taken
  EXPECT_EQ(Rows(db, "SELECT h, v FROM r"), Strings{"a|1.0"});
}

TEST_F(VtabTest, LosslessConversionsAreAccepted) {
  sqlite3* db = Open();
  EXPECT_EQ(Exec(db, kCpu), "");
  EXPECT_EQ(Exec(db, "INSERT INTO cpu VALUES('1000','a','eu','123',2.0,42,'true'),"
                     "('2016-01-01T00:00:00.5Z','b','eu',7,'8','x','0'),"
                     "('2016-01-01T01:00:00+01:00','c','eu',1,1,1,1.0),"
                     "(NULL,'d','eu',1,1,1,1)"),
            "");
  EXPECT_EQ(Rows(db, "SELECT time, usage_user, load, status, up, typeof(load) FROM cpu "
                     "WHERE hostname IN ('a','b','c') ORDER BY hostname"),
            (Strings{"1000|123.0|2|42|1|integer", "1451606400500000000|7.0|8|x|0|integer",
                     "1451606400000000000|1.0|1|1|1|integer"}));
  const int64_t now = std::stoll(One(db, "SELECT time FROM cpu WHERE hostname='d'"));
  EXPECT_GT(now, 1600000000000000000);
}

TEST_F(VtabTest, FunctionsWork) {
  sqlite3* db = Seeded();
  EXPECT_EQ(One(db, "SELECT time_bucket('1h', 3700000000000), time_bucket(10, -5), "
                    "time_bucket('30s', 61000000000), time_bucket('1m', NULL)"),
            "3600000000000|-10|60000000000|NULL");
  EXPECT_NE(Exec(db, "SELECT time_bucket('fortnight', 1)").find("bad width"), std::string::npos);
  // A constant width is parsed once per statement; a width that varies by row is read per row.
  EXPECT_EQ(Rows(db, "SELECT time_bucket(column1, column2) FROM (VALUES ('1h', 3700000000000), "
                     "('1m', 3700000000000), (7, 3700000000000), ('1h', 7300000000000))"),
            (Strings{"3600000000000", "3660000000000", "3699999999997", "7200000000000"}));
  EXPECT_EQ(One(db, "SELECT strata_time('2016-01-01T00:00:00Z')"), "1451606400000000000");
  EXPECT_EQ(One(db, "SELECT strata_time('1677-09-21T00:12:44Z'), "
                    "strata_time('2262-04-11T23:47:15.999999999Z')"),
            "-9223372036000000000|9223372035999999999");  // the ends of the text times
  EXPECT_EQ(One(db, "SELECT json_extract(strata_stats(), '$.series') > 0"), "1");
  EXPECT_EQ(One(db, "SELECT strata_flush(), strata_compact('cpu')"), "NULL|NULL");
  EXPECT_EQ(All(db), kSeed);
  EXPECT_NE(Exec(db, "SELECT strata_flush('nope')").find("not a strata table"), std::string::npos);
  EXPECT_EQ(Rows(db, "SELECT time_bucket('1h', time) AS b, count(*) FROM cpu GROUP BY b"),
            Strings{"0|2"});
}

// strata_tags lists the tag index of a table: every key and value with its series (a tag set and
// one field: four fields here), committed writes only; `key = ...` lists one key, and gives what
// a filter SQLite applies gives.
TEST_F(VtabTest, StrataTagsListsTagKeysAndValuesFromTheIndex) {
  sqlite3* db = Seeded();
  EXPECT_EQ(Rows(db, "SELECT key, value, series FROM strata_tags('cpu')"),
            (Strings{"hostname|a|4", "hostname|b|4", "region|eu|4", "region|us|4"}));
  EXPECT_EQ(Rows(db, "SELECT value FROM strata_tags('cpu') WHERE key = 'region'"),
            (Strings{"eu", "us"}));
  EXPECT_EQ(Rows(db, "SELECT value FROM strata_tags('cpu') WHERE key || '' = 'region'"),
            (Strings{"eu", "us"}));
  EXPECT_EQ(Rows(db, "SELECT key, count(*), sum(series) FROM strata_tags('cpu') GROUP BY key"),
            (Strings{"hostname|2|8", "region|2|8"}));
  EXPECT_EQ(Rows(db, "SELECT value FROM strata_tags('cpu') ORDER BY key DESC, value DESC"),
            (Strings{"us", "eu", "b", "a"}));
  EXPECT_EQ(Rows(db, "SELECT value FROM strata_tags('cpu') WHERE key = 'nope' OR key = NULL"),
            Strings{});
  EXPECT_EQ(Rows(db, "SELECT c.time, t.series FROM cpu c JOIN strata_tags('cpu') t "
                     "ON t.key = 'hostname' AND t.value = c.hostname ORDER BY c.time"),
            (Strings{"1000|4", "2000|4"}));
  // A row of a new tag set in an open transaction is not listed until its COMMIT.
  EXPECT_EQ(Exec(db, "BEGIN; INSERT INTO cpu(time, hostname, region, load) VALUES (3000, 'c', 'eu', 1)"),
            "");
  EXPECT_EQ(One(db, "SELECT count(*) FROM strata_tags('cpu') WHERE key = 'hostname'"), "2");
  EXPECT_EQ(Exec(db, "COMMIT"), "");
  EXPECT_EQ(Rows(db, "SELECT value, series FROM strata_tags('cpu') WHERE key = 'hostname'"),
            (Strings{"a|4", "b|4", "c|1"}));
  // Deleting every row of a tag set keeps its series in the index (as InfluxDB's SHOW TAG VALUES).
  EXPECT_EQ(Exec(db, "DELETE FROM cpu WHERE hostname = 'c'"), "");
  EXPECT_EQ(One(db, "SELECT count(*) FROM strata_tags('cpu') WHERE key = 'hostname'"), "3");
  EXPECT_NE(Exec(db, "SELECT * FROM strata_tags").find("name a strata table: strata_tags('cpu')"),
            std::string::npos);
  EXPECT_NE(Exec(db, "SELECT * FROM strata_tags('nope')").find("'nope' is not a strata table"),
            std::string::npos);
  EXPECT_NE(Exec(db, "SELECT * FROM strata_tags(NULL)").find("the table name is NULL"),
            std::string::npos);
  EXPECT_NE(Exec(db, "CREATE VIRTUAL TABLE t USING strata_tags").find("no such module"),
            std::string::npos);
  EXPECT_EQ(Exec(db, "DROP TABLE cpu"), "");
  EXPECT_NE(Exec(db, "SELECT * FROM strata_tags('cpu')").find("not a strata table"),
            std::string::npos);
}

TEST_F(VtabTest, MaintenanceFunctionsFindTheTablesOfAFreshConnection) {
  sqlite3* db = Seeded();
  Close(db);
  db = Open();  // no strata table used yet
  EXPECT_EQ(One(db, "SELECT strata_flush(), strata_compact(), json_valid(strata_stats())"),
            "NULL|NULL|1");
  EXPECT_EQ(One(db, "SELECT json_extract(strata_stats('cpu'), '$.series') > 0"), "1");
  EXPECT_EQ(All(db), kSeed);
  // Tables of two directories: the table must be named.
  EXPECT_EQ(Exec(db, "CREATE VIRTUAL TABLE o USING strata(h TAG, v REAL, dir='other')"), "");
  Close(db);
  db = Open();
  EXPECT_NE(Exec(db, "SELECT strata_flush()").find("several data directories; name a table: "
                                                    "strata_flush('table')"),
            std::string::npos);
  EXPECT_EQ(One(db, "SELECT strata_flush('o'), strata_flush('cpu')"), "NULL|NULL");
  sqlite3* empty = Open("empty.db");
  EXPECT_NE(Exec(empty, "SELECT strata_stats()").find("no strata table"), std::string::npos);
}

TEST_F(VtabTest, TagsTheTableDoesNotDeclareShowInStrataTags) {
  // Two databases declare measurement m over one directory, one with a tag the other lacks (as
  // line protocol or the C ABI may write any tag): its series read in the other as rows of their
  // own, told apart by _strata_tags, the row's whole tag set as JSON.
  sqlite3* full = Open("full.db");
  ASSERT_EQ(Exec(full, "CREATE VIRTUAL TABLE m USING strata(host TAG, dc TAG, v REAL, dir='shared')"), "");
  ASSERT_EQ(Exec(full, "INSERT INTO m VALUES (10, 'a', 'x', 1), (10, 'a', 'y\"\\', 2)"), "");
  sqlite3* part = Open("part.db");
  ASSERT_EQ(Exec(part, "CREATE VIRTUAL TABLE m USING strata(host TAG, v REAL, dir='shared')"), "");
  ASSERT_EQ(Exec(part, "INSERT INTO m VALUES (10, 'a', 3)"), "");
  // The tag value y"\ is "y\"\\" in JSON.
  const std::string x = R"({"dc":"x","host":"a"})", y = R"({"dc":"y\"\\","host":"a"})",
                    a = R"({"host":"a"})";
  EXPECT_EQ(Rows(part, "SELECT host, time, v, _strata_tags FROM m ORDER BY v"),
            (Strings{"a|10|1.0|" + x, "a|10|2.0|" + y, "a|10|3.0|" + a}));
  EXPECT_EQ(Rows(part, "SELECT json_extract(_strata_tags, '$.dc') FROM m ORDER BY v"),
            (Strings{"x", R"(y"\)", "NULL"}));
  EXPECT_EQ(Rows(part, "SELECT v FROM m WHERE _strata_tags = '{\"host\":\"a\"}'"), Strings{"3.0"});
  EXPECT_EQ(Rows(full, "SELECT host, dc, v, _strata_tags FROM m ORDER BY v"),
            (Strings{"a|x|1.0|" + x, R"(a|y"\|2.0|)" + y, "a|NULL|3.0|" + a}));
  // The aggregate view's groups are told apart the same way.
  EXPECT_EQ(Rows(part, "SELECT host, v, _strata_tags FROM m('sum') ORDER BY v"),
            (Strings{"a|1.0|" + x, "a|2.0|" + y, "a|3.0|" + a}));
  // An UPDATE or DELETE changes exactly its row; the column itself cannot be written.
  EXPECT_EQ(Exec(part, "UPDATE m SET v = v + 10 WHERE json_extract(_strata_tags, '$.dc') = 'x'"), "");
  EXPECT_EQ(Rows(part, "SELECT v FROM m ORDER BY v"), (Strings{"2.0", "3.0", "11.0"}));
  EXPECT_NE(Exec(part, "UPDATE m SET _strata_tags = '{}'").find("m._strata_tags: cannot be written"),
            std::string::npos);
  EXPECT_NE(Exec(part, "INSERT INTO m(time, host, v, _strata_tags) VALUES (1, 'b', 1, '{}')")
                .find("cannot be written"),
            std::string::npos);
  EXPECT_NE(Exec(part, "CREATE VIRTUAL TABLE n USING strata(_strata_tags TAG, v REAL)").find("reserved"),
            std::string::npos);
}

TEST_F(VtabTest, TagPredicatesNeverSelectASeriesWithoutTheTag) {
  // A series written without tag dc (here by a table that does not declare it) reads as dc NULL:
  // SQLite's dc != 'x', LIKE and GLOB are NULL for it, and the engine's predicates skip it too.
  sqlite3* full = Open("full.db");
  ASSERT_EQ(Exec(full, "CREATE VIRTUAL TABLE m USING strata(host TAG, dc TAG, v REAL, dir='shared')"), "");
  ASSERT_EQ(Exec(full, "INSERT INTO m VALUES (10, 'a', 'x', 1), (10, 'a', 'y', 2)"), "");
  sqlite3* part = Open("part.db");
  ASSERT_EQ(Exec(part, "CREATE VIRTUAL TABLE m USING strata(host TAG, v REAL, dir='shared')"), "");
  ASSERT_EQ(Exec(part, "INSERT INTO m VALUES (10, 'a', 3)"), "");
  EXPECT_EQ(Rows(full, "SELECT v FROM m WHERE dc != 'x' ORDER BY v"), Strings{"2.0"});
  EXPECT_EQ(Rows(full, "SELECT v FROM m WHERE dc LIKE '%' ORDER BY v"), (Strings{"1.0", "2.0"}));
  EXPECT_EQ(Rows(full, "SELECT v FROM m WHERE dc GLOB '*' ORDER BY v"), (Strings{"1.0", "2.0"}));
  EXPECT_EQ(Rows(full, "SELECT v FROM m WHERE dc IS NULL ORDER BY v"), Strings{"3.0"});
  EXPECT_EQ(Rows(full, "SELECT v FROM m WHERE host != 'b' ORDER BY v"),
            (Strings{"1.0", "2.0", "3.0"}));
}

}  // namespace
