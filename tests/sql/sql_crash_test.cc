// SQL-level crash test (issue 4): a child (sql_crash_writer.c, system libsqlite3 + libstrata.so)
// commits transactions that write two strata tables of one directory across two shards and reports
// each COMMIT on a pipe; the parent SIGKILLs it at a random moment, reopens the database and checks
// that every acknowledged transaction is whole in both tables, that the one in flight is either whole
// in both or absent from both, and that nothing else is there. Many rounds continue on the same
// database. The seed is printed; STRATA_SQL_CRASH_SEED=<n> replays it, STRATA_SQL_CRASH_ROUNDS=<n>
// changes the number of rounds.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>

#include "sql_test_util.h"

namespace {

// Must agree with sql_crash_writer.c.
int RowsOf(long n) { return 1 + static_cast<int>((n * 7919) % 40); }
constexpr long long kBase = 1451606400000000000LL;
constexpr long long kHour = 3600000000000LL;

struct TxnSummary {
  long long rows = 0, sum_j = 0, sum_time_offset = 0, hosts_ok = 0;
  bool operator==(const TxnSummary&) const = default;
};

TxnSummary Expected(long n) {
  TxnSummary s;
  for (int j = 0; j < RowsOf(n); j++) {
    s.rows++;
    s.sum_j += j;
    s.sum_time_offset += j + (j % 2 ? kHour : 0);
    s.hosts_ok++;
  }
  return s;
}

class SqlCrashTest : public SqlTest {
 protected:
  // Per transaction number: what table `table` holds.
  std::map<long, TxnSummary> Read(sqlite3* db, const char* table) {
    std::map<long, TxnSummary> out;
    const std::string sql = std::string("SELECT txn, count(*), sum(j), sum(time - ") +
                            std::to_string(kBase) + " - txn * 1000), sum(host = 'h' || (j % 3)) " +
                            "FROM " + table + " GROUP BY txn";
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    while (st != nullptr && sqlite3_step(st) == SQLITE_ROW) {
      TxnSummary s{sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2),
                   sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4)};
      out[static_cast<long>(sqlite3_column_int64(st, 0))] = s;
    }
    sqlite3_finalize(st);
    return out;
  }
};

TEST_F(SqlCrashTest, KilledWriterKeepsEveryCommittedTransactionWholeInBothTables) {
  unsigned seed = std::random_device{}();
  if (const char* e = std::getenv("STRATA_SQL_CRASH_SEED")) seed = static_cast<unsigned>(std::strtoul(e, nullptr, 10));
  int rounds = 24;
  if (const char* e = std::getenv("STRATA_SQL_CRASH_ROUNDS")) rounds = std::atoi(e);
  std::fprintf(stderr, "sql crash test: seed %u (replay: STRATA_SQL_CRASH_SEED=%u), %d rounds\n", seed,
               seed, rounds);
  std::mt19937 rng(seed);

  {
    sqlite3* db = Open();
    ASSERT_EQ(Exec(db, "CREATE VIRTUAL TABLE a USING strata(host TAG, txn INTEGER, j INTEGER, v REAL, "
                       "shard_duration='1h')"),
              "");
    ASSERT_EQ(Exec(db, "CREATE VIRTUAL TABLE b USING strata(host TAG, txn INTEGER, j INTEGER, v REAL, "
                       "shard_duration='1h')"),
              "");
    Close(db);
  }
  const std::string db_path = Path("test.db");
  long next = 0;          // first transaction number of the next child
  long total_acked = 0;
  for (int round = 0; round < rounds; round++) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const std::string first = std::to_string(next);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      dup2(fds[1], 1);
      close(fds[0]);
      close(fds[1]);
      execl(STRATA_SQL_CRASH_WRITER, STRATA_SQL_CRASH_WRITER, STRATA_LIBRARY_PATH, db_path.c_str(),
            first.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    // Let it commit for a random while (at least until its first acknowledgement, usually longer),
    // then kill it at an arbitrary point.
    const int delay_ms = std::uniform_int_distribution<int>(5, 250)(rng);
    const auto start = std::chrono::steady_clock::now();
    std::string out;
    long acked = next - 1;
    bool eof = false;
    auto consume = [&]() {
      char buf[4096];
      const ssize_t n = read(fds[0], buf, sizeof buf);
      if (n <= 0) {
        eof = true;
        return;
      }
      out.append(buf, static_cast<size_t>(n));
      size_t nl;
      while ((nl = out.find('\n')) != std::string::npos) {
        const std::string line = out.substr(0, nl);
        out.erase(0, nl + 1);
        ASSERT_EQ(line.rfind("COMMIT ", 0), 0u) << line;
        const long n_acked = std::atol(line.c_str() + 7);
        ASSERT_EQ(n_acked, acked + 1);
        acked = n_acked;
      }
    };
    while (!eof) {
      const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - start).count();
      if (elapsed >= delay_ms && acked >= next) break;
      if (elapsed > 30000) break;  // the child is stuck: fail below
      pollfd p{fds[0], POLLIN, 0};
      if (poll(&p, 1, 5) > 0) consume();
    }
    kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    while (!eof) consume();  // acknowledgements already in the pipe count too
    close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the writer exited on its own (status " << status << ") in round " << round;
    ASSERT_GE(acked, next) << "no transaction committed within 30 s in round " << round;

    sqlite3* db = Open();
    const auto a = Read(db, "a");
    const auto b = Read(db, "b");
    Close(db);
    for (long n = 0; n <= acked; n++) {
      ASSERT_TRUE(a.count(n)) << "acknowledged transaction " << n << " missing from a, round " << round;
      ASSERT_TRUE(b.count(n)) << "acknowledged transaction " << n << " missing from b, round " << round;
      ASSERT_EQ(a.at(n), Expected(n)) << "transaction " << n << " partial in a, round " << round;
      ASSERT_EQ(b.at(n), Expected(n)) << "transaction " << n << " partial in b, round " << round;
    }
    // The transaction in flight: whole in both or absent from both.
    const long in_flight = acked + 1;
    ASSERT_EQ(a.count(in_flight), b.count(in_flight)) << "transaction " << in_flight
                                                      << " in one table only, round " << round;
    if (a.count(in_flight)) {
      ASSERT_EQ(a.at(in_flight), Expected(in_flight)) << "in-flight transaction partial in a";
      ASSERT_EQ(b.at(in_flight), Expected(in_flight)) << "in-flight transaction partial in b";
    }
    const long last = a.count(in_flight) ? in_flight : acked;
    ASSERT_EQ(static_cast<long>(a.size()), last + 1) << "unexpected transactions in a, round " << round;
    ASSERT_EQ(static_cast<long>(b.size()), last + 1) << "unexpected transactions in b, round " << round;
    total_acked += acked - next + 1;
    next = last + 1;
  }
  std::fprintf(stderr, "sql crash test: %d rounds, %ld acknowledged transactions checked whole\n", rounds,
               total_acked);
}

}  // namespace
