// Differential test of the SQLite module from C++ (the smaller counterpart of
// tests/python/test_sql_differential.py): the same random rows (duplicates that upsert, NULL fields,
// values shaped as real data is: constant, alternating, counters, empty strings, extremes,
// out-of-order times over 10 one-hour shards, 3 tags) go into a strata table `m` and into a plain
// table `r` with the same semantics; random queries, DELETEs and UPDATEs must then agree, before and
// after strata_flush(), reopening and strata_compact(). Results are compared as sorted multisets
// unless the query has a total ORDER BY. The aggregate view m(fn, every) is compared with GROUP BY
// over the plain table. The seed is printed; STRATA_SQL_DIFF_SEED=<n> replays it.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "sql_test_util.h"

namespace {

constexpr long long kBase = 1451606400000000000LL;
constexpr long long kHour = 3600000000000LL;

class Differential : public SqlTest {
 protected:
  std::mt19937_64 rng_;
  std::vector<long long> times_;
  sqlite3* db_ = nullptr;
  int checked_ = 0;

  int Rand(int n) { return static_cast<int>(rng_() % static_cast<unsigned long long>(n)); }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  long long Time() {
    if (Chance(0.8)) return times_[Rand(static_cast<int>(times_.size()))];
    return kBase + static_cast<long long>(rng_() % (10 * kHour / 1000)) * 1000;
  }
  std::string Host() { return "h" + std::to_string(Rand(5)); }

  // SQLite's own quoting of a value, so both tables get the identical literal.
  std::string Lit(const std::string& sql) { return One(db_, "SELECT quote(" + sql + ")"); }

  // The values of a batch of rows have one of the shapes real data has (issue 13: uniformly random
  // values hid a decoder bound that repeated strings broke): random, constant, alternating strings
  // with a counter, or empty strings with the extremes of each type.
  enum class Shape { kRandom, kConstant, kAlternating, kExtremes };
  Shape shape_ = Shape::kRandom;
  long long counter_ = 0;

  std::string Float() {
    static const char* kExtremes[] = {"1.7976931348623157e308", "-1.7976931348623157e308",
                                      "4.9406564584124654e-324", "-0.0", "0.0", "2.2250738585072014e-308"};
    switch (shape_) {
      case Shape::kConstant: return "42.5";
      case Shape::kAlternating: return Lit(std::to_string(counter_ % 1000) + " / 100.0");
      case Shape::kExtremes: return kExtremes[Rand(6)];
      case Shape::kRandom: break;
    }
    return Lit(std::to_string(Rand(200000) - 100000) + " / 64.0");
  }
  std::string Int() {
    // INT64_MIN and INT64_MAX over 128: extreme, yet no group's sum overflows, where SQLite's sum()
    // fails and avg() turns approximate (the shapes tests store the true extremes).
    static const char* kExtremes[] = {"-72057594037927936", "72057594037927935", "0", "-1"};
    switch (shape_) {
      case Shape::kConstant: return "7";
      case Shape::kAlternating: return std::to_string(++counter_);
      case Shape::kExtremes: return kExtremes[Rand(4)];
      case Shape::kRandom: break;
    }
    return std::to_string(static_cast<long long>(rng_() % 2000000000) - 1000000000);
  }
  std::string Str() {
    switch (shape_) {
      case Shape::kConstant: return "'ok'";
      case Shape::kAlternating: return counter_ % 2 == 0 ? "'open'" : "'closed'";
      case Shape::kExtremes: return Chance(0.8) ? "''" : "'caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac'";
      case Shape::kRandom: break;
    }
    return "'" + std::string(1, static_cast<char>('a' + Rand(4))) + std::to_string(Rand(50)) + "'";
  }

  std::string Fields(std::vector<std::string>* vals) {
    do {
      vals->clear();
      vals->push_back(Chance(0.3) ? "NULL" : Float());
      vals->push_back(Chance(0.3) ? "NULL" : Int());
      vals->push_back(Chance(0.3) ? "NULL" : Str());
    } while ((*vals)[0] == "NULL" && (*vals)[1] == "NULL" && (*vals)[2] == "NULL");
    return (*vals)[0] + ", " + (*vals)[1] + ", " + (*vals)[2];
  }

  void InsertSome(int n) {
    shape_ = static_cast<Shape>(Rand(4));
    const bool txn = Chance(0.7);
    const bool rollback = txn && Chance(0.15);
    if (txn) {
      ASSERT_EQ(Exec(db_, "BEGIN"), "");
    }
    for (int k = 0; k < n; k++) {
      std::vector<std::string> v;
      const std::string row = std::to_string(Time()) + ", '" + Host() + "', '" + (Chance(0.5) ? "eu" : "us") +
                              "', 'r" + std::to_string(Rand(2)) + "', " + Fields(&v);
      // Mostly plain INSERTs (an existing row takes the fields given: the plain table's upsert),
      // some INSERT OR IGNORE (an existing row stays) and OR REPLACE (it is replaced whole).
      const int mode = Rand(10);
      if (mode < 2) {
        const std::string verb = mode == 0 ? "INSERT OR IGNORE" : "INSERT OR REPLACE";
        for (const char* table : {"m", "r"}) {
          ASSERT_EQ(Exec(db_, verb + " INTO " + table +
                                  "(time, host, region, rack, f, i, s) VALUES(" + row + ")"),
                    "");
        }
        continue;
      }
      ASSERT_EQ(Exec(db_, "INSERT INTO m(time, host, region, rack, f, i, s) VALUES(" + row + ")"), "");
      ASSERT_EQ(Exec(db_, "INSERT INTO r(time, host, region, rack, f, i, s) VALUES(" + row +
                              ") ON CONFLICT(host, region, rack, time) DO UPDATE SET f = coalesce(excluded.f, f), "
                              "i = coalesce(excluded.i, i), s = coalesce(excluded.s, s)"),
                "");
    }
    if (txn) {
      // Inside the transaction the view reads its pending rows (as the plain table does).
      ASSERT_NO_FATAL_FAILURE(CompareAggregate("aggregate inside a transaction"));
      ASSERT_EQ(Exec(db_, rollback ? "ROLLBACK" : "COMMIT"), "");
    }
  }

  // A random condition; `engine_only`: only those the module hands to the engine (time ranges, tag
  // = and IN), not fields or `time !=`; `view`: and of time only ranges, which select the
  // aggregate view's points (it refuses time =).
  std::string Cond(bool engine_only = false, bool view = false) {
    static const char* kOps[] = {"<", "<=", ">", ">=", "=", "!="};
    switch (Rand(engine_only ? 7 : 12)) {
      case 0: case 1: case 2:
        return "time " + std::string(kOps[Rand(view ? 4 : engine_only ? 5 : 6)]) + " " +
               std::to_string(Time() + (Chance(0.3) ? 1 : 0));
      case 3: {
        long long a = Time(), b = Time();
        if (a > b) std::swap(a, b);
        return "time BETWEEN " + std::to_string(a) + " AND " + std::to_string(b);
      }
      case 4: return "host = '" + Host() + "'";
      case 5: return "host IN ('" + Host() + "', '" + Host() + "')";
      case 6:
        if (view && Chance(0.3)) return "(host = '" + Host() + "' OR region = 'eu')";  // whole groups
        return Chance(0.5) ? "region = 'eu'" : "rack IN ('r1', 'r7')";
      case 7: return Chance(0.5) ? "f > 0" : "s IS NULL";
      // Tag predicates the engine narrows by and SQLite re-checks (!=, LIKE, GLOB).
      case 9: return "host != '" + Host() + "'";
      case 10: {
        static const char* kLike[] = {"'h%'", "'H%'", "'h_'", "'%1'", "'h1%'", "'e_'", "''", "'%'"};
        return (Chance(0.5) ? "host" : "region") + std::string(" LIKE ") + kLike[Rand(8)];
      }
      case 11: {
        static const char* kGlob[] = {"'h*'", "'H*'", "'h?'", "'*1'", "'h[12]'", "'e*'", "'r1'"};
        return (Chance(0.5) ? "host" : Chance(0.5) ? "region" : "rack") + std::string(" GLOB ") +
               kGlob[Rand(7)];
      }
      default: return "i % 3 = 1";
    }
  }
  std::string Where(int max_terms, bool engine_only = false, bool view = false) {
    const int n = Rand(max_terms + 1);
    std::string w;
    for (int k = 0; k < n; k++) w += (k ? " AND " : " WHERE ") + Cond(engine_only, view);
    return w;
  }

  // The aggregate view m(fn, every) against the same aggregate written with GROUP BY (first and
  // last: a correlated subquery per field) over the plain table, reading a random subset of the
  // fields: the view's groups are those holding a point of a field read, so the plain side keeps
  // the rows where one of them is not NULL. The WHERE holds only conditions the engine takes, which
  // select the points before they are aggregated (others would filter the view's rows).
  void CompareAggregate(const std::string& what) {
    static const char* kFns[] = {"count", "sum", "mean", "min", "max", "first", "last"};
    static const char* kEvery[] = {"'1h'", "'30m'", "7200000000000", "NULL"};
    const std::string fn = kFns[Rand(7)], every = kEvery[Rand(4)];
    const bool bucketed = every != "NULL";
    std::vector<std::string> cols;
    for (const char* c : {"f", "i", "s"}) {
      if (Chance(0.6)) cols.push_back(c);
    }
    if (cols.empty()) cols.push_back("s");
    std::string w = Where(3, true, true), any;
    for (const std::string& c : cols) any += (any.empty() ? "(" : " OR ") + c + " IS NOT NULL";
    const std::string w_plain = (w.empty() ? " WHERE " : w + " AND ") + any + ")";
    const std::string bucket = "time_bucket(" + every + ", time)";
    std::string got_cols, want_cols;
    const bool picks = fn == "first" || fn == "last";
    // A REAL sum or mean adds in another order on each side (the view adds the sums of whole
    // blocks, from block statistics), so its f is compared within rounding of the values' scale,
    // which the plain side gives as an extra last column (SumsDiffer).
    const bool adds_reals = fn == "sum" || fn == "mean";
    int f_column = -1;
    for (const std::string& c : cols) {
      got_cols += ", " + c;
      if (c == "f" && adds_reals) {
        f_column = 4 + static_cast<int>(&c - cols.data());
        want_cols += ", " + (fn == "mean" ? std::string("avg") : fn) + "(f)";
      } else if (picks) {
        want_cols += ", (SELECT x." + c + " FROM r AS x" + (w.empty() ? " WHERE " : w + " AND ") +
                     "x.host = g.host AND x.region = g.region AND x.rack = g.rack AND x." + c +
                     " IS NOT NULL" + (bucketed ? " AND time_bucket(" + every + ", x.time) = g.t" : "") +
                     " ORDER BY x.time " + (fn == "first" ? "ASC" : "DESC") + " LIMIT 1)";
      } else if (c == "s" && (fn == "sum" || fn == "mean")) {
        want_cols += ", NULL";  // no sum or mean of a TEXT field
      } else if (c == "i" && fn == "mean") {
        // The view's mean of integers is their exact sum over the count; SQLite's avg() adds
        // them as doubles, which for values near 2^56 is off by units.
        want_cols += ", sum(i) * 1.0 / count(i)";
      } else {
        want_cols += ", " + (fn == "mean" ? std::string("avg") : fn) + "(" + c + ")";
      }
    }
    std::string want;
    if (picks) {
      want = "SELECT host, region, rack, t" + want_cols + " FROM (SELECT host, region, rack, " +
             (bucketed ? bucket : fn == "first" ? "min(time)" : "max(time)") + " AS t FROM r" +
             w_plain + " GROUP BY host, region, rack" + (bucketed ? ", t" : "") + ") AS g";
    } else {
      want = "SELECT host, region, rack, " + (bucketed ? bucket : std::string("min(time)")) +
             want_cols + " FROM r" + w_plain + " GROUP BY host, region, rack" +
             (bucketed ? ", " + bucket : "");
    }
    if (f_column >= 0) {
      const std::string scale = fn == "mean" ? "total(abs(f)) / count(f)" : "total(abs(f))";
      const size_t from = want.find(" FROM r");
      want = want.substr(0, from) + ", " + scale + want.substr(from);
    }
    const std::string sql =
        "SELECT host, region, rack, time" + got_cols + " FROM m('" + fn + "', " + every + ")" + w;
    Strings got = Outcome(sql), expected = Outcome(want);
    std::sort(got.begin(), got.end());
    std::sort(expected.begin(), expected.end());
    if (f_column < 0) {
      ASSERT_EQ(got, expected) << what << ": " << sql << "\nplain: " << want;
    } else {
      const std::string differ = SumsDiffer(got, expected, f_column);
      ASSERT_TRUE(differ.empty()) << what << ": " << differ << "\n" << sql << "\nplain: " << want;
    }
    checked_++;
  }

  // "" when the view's rows `got` are the plain rows `want` but for the REAL column `column`, which
  // may differ by rounding: at most 1e-12 of the scale each plain row ends with (the sum of the
  // magnitudes added, or their mean). Else the first difference.
  static std::string SumsDiffer(const Strings& got, const Strings& want, int column) {
    auto split = [](const std::string& row) {
      std::vector<std::string> cells;
      for (size_t at = 0;;) {
        const size_t bar = row.find('|', at);
        cells.push_back(row.substr(at, bar - at));
        if (bar == std::string::npos) return cells;
        at = bar + 1;
      }
    };
    const bool failed = !got.empty() && got[0].rfind("error: ", 0) == 0;
    if (failed || (!want.empty() && want[0].rfind("error: ", 0) == 0)) {
      return got == want ? "" : (failed ? got[0] : "plain " + want[0]);
    }
    if (got.size() != want.size()) {
      return std::to_string(got.size()) + " rows, plain " + std::to_string(want.size());
    }
    for (size_t r = 0; r < got.size(); r++) {
      std::vector<std::string> g = split(got[r]), p = split(want[r]);
      if (g.size() < 2 || g.size() + 1 != p.size()) return "row " + got[r] + ", plain " + want[r];
      const double scale = std::strtod(p.back().c_str(), nullptr);
      p.pop_back();
      const std::string gv = g[column], pv = p[column];
      g[column] = p[column] = "";
      const double a = std::strtod(gv.c_str(), nullptr), b = std::strtod(pv.c_str(), nullptr);
      // Sums near the double range's end may overflow in one order only: the scale is then Inf.
      const bool close = gv == pv || (gv != "NULL" && pv != "NULL" &&
                                      (a == b || std::isinf(scale) || std::fabs(a - b) <= 1e-12 * scale));
      if (g != p || !close) return "row " + got[r] + ", plain " + want[r];
    }
    return "";
  }

  // The rows of a query, or one line "error: ..." when it fails: both tables must fail alike. An
  // integer overflow (sum() of extreme integers) is SQLite's answer for both.
  Strings Outcome(const std::string& sql) {
    Strings out;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      return {"error: " + std::string(sqlite3_errmsg(db_))};
    }
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      std::string row;
      for (int i = 0; i < sqlite3_column_count(stmt); i++) {
        const unsigned char* t = sqlite3_column_text(stmt, i);
        row += (i ? "|" : "") + std::string(t ? reinterpret_cast<const char*>(t) : "NULL");
      }
      out.push_back(row);
    }
    const std::string error = rc == SQLITE_DONE ? "" : sqlite3_errmsg(db_);
    sqlite3_finalize(stmt);
    if (error.empty()) return out;
    return {error.find("integer overflow") != std::string::npos ? "error: integer overflow"
                                                                : "error: " + error};
  }

  static std::string Plain(std::string sql) {
    for (size_t p = 0; (p = sql.find(" m", p)) != std::string::npos; p++) {
      const size_t e = p + 2;
      if (e == sql.size() || sql[e] == ' ' || sql[e] == '.' || sql[e] == ',') sql[p + 1] = 'r';
    }
    return sql;
  }

  void Compare(const std::string& sql, bool ordered, const std::string& what) {
    Strings got = Outcome(sql), want = Outcome(Plain(sql));
    if (!ordered) {
      std::sort(got.begin(), got.end());
      std::sort(want.begin(), want.end());
    }
    ASSERT_EQ(got, want) << what << ": " << sql;
    checked_++;
  }

  void Queries(int n, const std::string& what) {
    static const char* kCols = "time, host, region, rack, f, i, s";
    for (int k = 0; k < n; k++) {
      const std::string w = Where(3);
      switch (Rand(10)) {
        case 9: {
          // Ordered by tags only (consumed: the engine orders the tag sets): rows that tie on
          // (region, host) may come in any order, so compare multisets and check the order.
          const std::string sql = "SELECT region, host, rack, time, i FROM m" + w + " ORDER BY region, host";
          Compare(sql, false, what);
          const Strings got = Rows(db_, sql);
          auto key = [](const std::string& row) {
            const size_t a = row.find('|'), b = row.find('|', a + 1);
            return std::make_pair(row.substr(0, a), row.substr(a + 1, b - a - 1));
          };
          for (size_t r = 1; r < got.size(); r++) {
            ASSERT_LE(key(got[r - 1]), key(got[r])) << what << ": " << sql;
          }
          break;
        }
        case 7: case 8: CompareAggregate(what + " (aggregate view)"); break;
        case 0: case 1: Compare(std::string("SELECT ") + kCols + " FROM m" + w, false, what); break;
        case 2:
          Compare(std::string("SELECT ") + kCols + " FROM m" + w + " ORDER BY time DESC, host, region, rack LIMIT " +
                      std::to_string(1 + Rand(30)), true, what);
          break;
        case 3:
          Compare(std::string("SELECT ") + kCols + " FROM m" + w + " ORDER BY host, region, rack, time", true, what);
          break;
        case 4:
          Compare("SELECT host, count(*), count(f), sum(i), max(s), min(time) FROM m" + w + " GROUP BY host",
                  false, what);
          break;
        case 5:
          Compare("SELECT time_bucket('1h', time) AS t, count(*), sum(i), count(s) FROM m" + w +
                      " GROUP BY t ORDER BY t", true, what);
          break;
        default:
          Compare("SELECT a.time, a.host, b.region, a.i, b.s FROM m AS a JOIN m AS b ON b.host = a.host AND "
                  "b.time = a.time AND b.rack = 'r1'" + (Chance(0.7) ? " AND a." + Cond() : ""),
                  false, what);
      }
    }
  }

  void Mutate(int n, const std::string& what) {
    static const char* kSets[] = {"f = NULL", "i = i + 1", "s = 'u', f = 2.5", "s = NULL, i = NULL", "i = 7"};
    for (int k = 0; k < n; k++) {
      std::string w = Where(2);
      w += (w.empty() ? " WHERE " : " AND ") + std::string("host = '") + Host() + "'";
      const std::string sql = Chance(0.35) ? "DELETE FROM m" + w
                                           : "UPDATE m SET " + std::string(kSets[Rand(5)]) + w;
      ASSERT_EQ(Exec(db_, sql), "") << sql;
      const int got = sqlite3_changes(db_);
      ASSERT_EQ(Exec(db_, Plain(sql)), "") << Plain(sql);
      ASSERT_EQ(got, sqlite3_changes(db_)) << what << ": changes() of " << sql;
      ASSERT_EQ(Exec(db_, "DELETE FROM r WHERE f IS NULL AND i IS NULL AND s IS NULL"), "");
      checked_++;
    }
    Compare("SELECT * FROM m ORDER BY host, region, rack, time", true, what + " (whole table)");
  }
};

TEST_F(Differential, RandomRowsQueriesAndMutationsMatchPlainSqlite) {
  unsigned long long seed = std::random_device{}();
  if (const char* e = std::getenv("STRATA_SQL_DIFF_SEED")) seed = std::strtoull(e, nullptr, 10);
  std::fprintf(stderr, "sql differential (C++): seed %llu (replay: STRATA_SQL_DIFF_SEED=%llu)\n", seed, seed);
  rng_.seed(seed);
  for (int k = 0; k < 150; k++) times_.push_back(kBase + static_cast<long long>(rng_() % (10 * kHour / 1000000)) * 1000000);
  db_ = Open();
  ASSERT_EQ(Exec(db_, "CREATE VIRTUAL TABLE m USING strata(host TAG, region TAG, rack TAG, f REAL, i INTEGER, "
                      "s TEXT, shard_duration='1h');"
                      "CREATE TABLE r(time INTEGER, host TEXT, region TEXT, rack TEXT, f REAL, i INTEGER, s TEXT, "
                      "PRIMARY KEY(host, region, rack, time))"),
            "");
  for (int k = 0; k < 12; k++) ASSERT_NO_FATAL_FAILURE(InsertSome(1 + Rand(60)));
  ASSERT_NO_FATAL_FAILURE(Queries(40, "after load"));
  ASSERT_NO_FATAL_FAILURE(Mutate(10, "mutations"));
  ASSERT_NO_FATAL_FAILURE(Queries(30, "after mutations"));
  ASSERT_EQ(One(db_, "SELECT strata_flush()"), "NULL");
  ASSERT_NO_FATAL_FAILURE(Queries(30, "after flush"));
  for (int k = 0; k < 4; k++) ASSERT_NO_FATAL_FAILURE(InsertSome(1 + Rand(40)));
  ASSERT_NO_FATAL_FAILURE(Mutate(8, "mutations over segments"));
  Close(db_);
  db_ = Open();
  ASSERT_NO_FATAL_FAILURE(Queries(30, "after reopen"));
  ASSERT_EQ(One(db_, "SELECT strata_compact()"), "NULL");
  ASSERT_NO_FATAL_FAILURE(Queries(30, "after compact"));
  std::fprintf(stderr, "sql differential (C++): %d statements compared\n", checked_);
}

}  // namespace
