/* The child of sql_crash_test.cc: commits SQL transactions into two strata tables of one data
** directory until it is killed, printing "COMMIT n" on stdout (flushed) after each COMMIT returns.
**
**   sql_crash_writer <libstrata.so> <database file> <first transaction number>
**
** Transaction n (see sql_crash_test.cc's RowsOf, which must agree) writes RowsOf(n) rows into `a`
** and as many into `b`: row j has time kBase + n * 1000 + j, plus one hour when j is odd, so every
** transaction spans two shards (shard_duration='1h'); tags host = 'h<j % 3>'; fields txn = n,
** j = j, v = n + j / 8.0. Every 16th transaction is followed by SELECT strata_flush(), so kills
** also land during flushes. Exit status 1 on any SQL error. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#define BASE 1451606400000000000LL
#define HOUR 3600000000000LL

static int RowsOf(long n) { return 1 + (int)((n * 7919) % 40); }

static void Check(sqlite3 *db, int rc, const char *what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE) {
    fprintf(stderr, "sql_crash_writer: %s: %s\n", what, sqlite3_errmsg(db));
    exit(1);
  }
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: sql_crash_writer <libstrata.so> <database> <first txn>\n");
    return 2;
  }
  sqlite3 *db = NULL;
  Check(db, sqlite3_open(argv[2], &db), "open");
  sqlite3_enable_load_extension(db, 1);
  char *err = NULL;
  if (sqlite3_load_extension(db, argv[1], NULL, &err) != SQLITE_OK) {
    fprintf(stderr, "sql_crash_writer: load %s: %s\n", argv[1], err ? err : "?");
    return 1;
  }
  sqlite3_stmt *ins[2] = {NULL, NULL};
  Check(db, sqlite3_prepare_v2(db, "INSERT INTO a(time, host, txn, j, v) VALUES(?, ?, ?, ?, ?)", -1, &ins[0], NULL),
        "prepare a");
  Check(db, sqlite3_prepare_v2(db, "INSERT INTO b(time, host, txn, j, v) VALUES(?, ?, ?, ?, ?)", -1, &ins[1], NULL),
        "prepare b");
  static const char *hosts[3] = {"h0", "h1", "h2"};
  for (long n = atol(argv[3]);; n++) {
    Check(db, sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), "BEGIN");
    const int rows = RowsOf(n);
    for (int t = 0; t < 2; t++) {
      for (int j = 0; j < rows; j++) {
        sqlite3_bind_int64(ins[t], 1, BASE + n * 1000 + j + (j % 2 ? HOUR : 0));
        sqlite3_bind_text(ins[t], 2, hosts[j % 3], -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins[t], 3, n);
        sqlite3_bind_int64(ins[t], 4, j);
        sqlite3_bind_double(ins[t], 5, n + j / 8.0);
        Check(db, sqlite3_step(ins[t]), "INSERT");
        sqlite3_reset(ins[t]);
      }
    }
    Check(db, sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), "COMMIT");
    printf("COMMIT %ld\n", n);
    fflush(stdout);
    if (n % 16 == 15) Check(db, sqlite3_exec(db, "SELECT strata_flush()", NULL, NULL, NULL), "flush");
  }
}
