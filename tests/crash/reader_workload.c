/* The processes of readers_test.cc: one writer and readers of one data directory, through the C
** ABI and through SQL (the system libsqlite3 loading libstrata.so).
**
**   reader_workload writer DIR FIRST
**       Commits transactions FIRST, FIRST+1, ... forever, printing "ACK k" (flushed) after each
**       strata_write_lines returns. Transaction k holds 10 points of measurement inv, field v = k:
**       hosts h0..h4 at time BASE + k and at BASE + DAY + k (two shards, so a transaction spans
**       them). Small MemStores and WAL files, a flush every 20 transactions and a compaction every
**       150 make flushes, WAL deletions and compactions constant.
**   reader_workload abi-reader DIR TARGET_FILE
**   reader_workload sql-reader LIBSTRATA DIR TARGET_FILE
**       Query the directory in a loop (read_only=1 through strata_open; a strata table in an
**       in-memory SQLite database, whose default read_only=auto falls back to reading) and check
**       each result: every transaction seen is whole (10 points, at its times), the transactions
**       seen are exactly 1..K (nothing lost, nothing out of order), and K never decreases. Once
**       open (the SQL table checked to be reading), each creates TARGET_FILE.ready.<pid>. Exit
**       0 once K reaches the number in TARGET_FILE (written by the parent when the writer is
**       done), 1 on a violation, 3 on a library error, 4 after DEADLINE_S seconds without it. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "strata.h"

#define BASE 1451606400000000000LL
#define DAY 86400000000000LL
#define HOSTS 5
#define POINTS_PER_TXN (2 * HOSTS)
#define MAX_TXN 200000
#define DEADLINE_S 240

static int Writer(const char *dir, long first) {
  strata_db *db = NULL;
  if (strata_open(dir, "memstore_bytes=64KiB;wal_segment_bytes=64KiB;sync=off", &db) != STRATA_OK) {
    fprintf(stderr, "writer: open %s: %s\n", dir, strata_errmsg());
    return 3;
  }
  char lines[1024];
  for (long k = first;; k++) {
    size_t len = 0;
    for (int h = 0; h < HOSTS; h++) {
      len += (size_t)snprintf(lines + len, sizeof lines - len, "inv,host=h%d v=%ldi %lld\n", h, k,
                              BASE + k);
      len += (size_t)snprintf(lines + len, sizeof lines - len, "inv,host=h%d v=%ldi %lld\n", h, k,
                              BASE + DAY + k);
    }
    if (strata_write_lines(db, lines, len) != STRATA_OK) {
      fprintf(stderr, "writer: transaction %ld: %s\n", k, strata_errmsg());
      return 3;
    }
    printf("ACK %ld\n", k);
    fflush(stdout);
    if (k % 20 == 0 && strata_flush(db) != STRATA_OK) {
      fprintf(stderr, "writer: flush: %s\n", strata_errmsg());
      return 3;
    }
    if (k % 150 == 0 && strata_compact(db) != STRATA_OK) {
      fprintf(stderr, "writer: compact: %s\n", strata_errmsg());
      return 3;
    }
  }
}

/* What one query saw: counts[k] points of transaction k. */
typedef struct {
  int counts[MAX_TXN + 1];
  const char *who;
} Seen;

static int Violation(const Seen *s, const char *what, long k) {
  fprintf(stderr, "%s: VIOLATION: %s (transaction %ld)\n", s->who, what, k);
  return 1;
}

/* Adds one point; 0, or 1 for a point of no transaction or at another's time. */
static int Add(Seen *s, int64_t time, int64_t v) {
  if (v < 1 || v > MAX_TXN) return Violation(s, "value out of range", (long)v);
  if (time != BASE + v && time != BASE + DAY + v) return Violation(s, "point at a foreign time", (long)v);
  s->counts[v]++;
  return 0;
}

/* Checks the seen transactions are exactly 1..K, each whole, K >= *last; sets *last = K. */
static int Check(const Seen *s, long *last) {
  long k = 0;
  while (k < MAX_TXN && s->counts[k + 1] == POINTS_PER_TXN) k++;
  for (long j = 1; j <= MAX_TXN; j++) {
    if (s->counts[j] != 0 && s->counts[j] != POINTS_PER_TXN) return Violation(s, "torn transaction", j);
    if (s->counts[j] != 0 && j > k) return Violation(s, "a gap before this transaction", j);
  }
  if (k < *last) return Violation(s, "a transaction seen before is gone", *last);
  *last = k;
  return 0;
}

static long Target(const char *file) {
  FILE *f = fopen(file, "r");
  if (f == NULL) return -1;
  long t = -1;
  if (fscanf(f, "%ld", &t) != 1) t = -1;
  fclose(f);
  return t;
}

static int AbiQuery(strata_db *db, Seen *s) {
  strata_cursor *c = NULL;
  if (strata_query(db, "inv", NULL, 0, NULL, INT64_MIN, INT64_MAX, &c) != STRATA_OK) {
    fprintf(stderr, "%s: query: %s\n", s->who, strata_errmsg());
    return 3;
  }
  int rc;
  while ((rc = strata_cursor_next(c)) == STRATA_ROW) {
    if (Add(s, strata_cursor_time(c), strata_cursor_i64(c)) != 0) {
      strata_cursor_free(c);
      return 1;
    }
  }
  strata_cursor_free(c);
  if (rc != STRATA_DONE) {
    fprintf(stderr, "%s: cursor: %s\n", s->who, strata_errmsg());
    return 3;
  }
  return 0;
}

static int SqlQuery(sqlite3 *db, Seen *s) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, "SELECT time, v FROM inv", -1, &st, NULL) != SQLITE_OK) {
    fprintf(stderr, "%s: prepare: %s\n", s->who, sqlite3_errmsg(db));
    return 3;
  }
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (Add(s, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1)) != 0) {
      sqlite3_finalize(st);
      return 1;
    }
  }
  if (rc != SQLITE_DONE) {
    fprintf(stderr, "%s: step: %s\n", s->who, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return 3;
  }
  sqlite3_finalize(st);
  return 0;
}

static sqlite3 *OpenSql(const char *lib, const char *dir) {
  sqlite3 *db = NULL;
  char *err = NULL;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK) return NULL;
  sqlite3_enable_load_extension(db, 1);
  if (sqlite3_load_extension(db, lib, NULL, &err) != SQLITE_OK) {
    fprintf(stderr, "sql-reader: load %s: %s\n", lib, err ? err : "?");
    return NULL;
  }
  char *sql = sqlite3_mprintf("CREATE VIRTUAL TABLE inv USING strata(host TAG, v INTEGER, dir=%Q)", dir);
  if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
    fprintf(stderr, "sql-reader: %s: %s\n", sql, err ? err : "?");
    return NULL;
  }
  sqlite3_free(sql);
  /* read_only=auto must have found the writer: a table that took the lock would be a writer. */
  sqlite3_stmt *st = NULL;
  int reading = 0;
  if (sqlite3_prepare_v2(db, "SELECT json_extract(strata_stats('inv'), '$.read_only')", -1, &st,
                         NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    reading = sqlite3_column_int(st, 0);
  }
  sqlite3_finalize(st);
  if (!reading) {
    fprintf(stderr, "sql-reader: the table opened %s to write, not to read\n", dir);
    return NULL;
  }
  return db;
}

/* Tells the parent that this reader has the directory open: creates TARGET_FILE.ready.<pid>. */
static int SignalReady(const char *target_file) {
  char path[4096];
  snprintf(path, sizeof path, "%s.ready.%ld", target_file, (long)getpid());
  FILE *f = fopen(path, "w");
  if (f == NULL) return -1;
  return fclose(f);
}

static int Reader(const char *mode, const char *lib, const char *dir, const char *target_file) {
  static Seen seen;
  seen.who = mode;
  strata_db *sdb = NULL;
  sqlite3 *qdb = NULL;
  if (lib == NULL) {
    if (strata_open(dir, "read_only=1", &sdb) != STRATA_OK) {
      fprintf(stderr, "%s: open %s: %s\n", mode, dir, strata_errmsg());
      return 3;
    }
  } else if ((qdb = OpenSql(lib, dir)) == NULL) {
    return 3;
  }
  if (SignalReady(target_file) != 0) {
    fprintf(stderr, "%s: cannot create %s.ready.<pid>\n", mode, target_file);
    return 3;
  }
  const time_t deadline = time(NULL) + DEADLINE_S;
  long last = 0, queries = 0;
  for (;;) {
    const long target = Target(target_file);  /* read first: the result must be newer */
    memset(seen.counts, 0, sizeof seen.counts);
    int rc = sdb != NULL ? AbiQuery(sdb, &seen) : SqlQuery(qdb, &seen);
    if (rc == 0) rc = Check(&seen, &last);
    if (rc != 0) return rc;
    queries++;
    if (target >= 0 && last >= target) break;
    if (time(NULL) > deadline) {
      fprintf(stderr, "%s: saw %ld transactions, not %ld, in %d s\n", mode, last, target, DEADLINE_S);
      return 4;
    }
  }
  printf("%s: saw transactions 1..%ld whole in %ld queries\n", mode, last, queries);
  strata_close(sdb);
  if (qdb != NULL) sqlite3_close(qdb);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "writer") == 0) return Writer(argv[2], atol(argv[3]));
  if (argc == 4 && strcmp(argv[1], "abi-reader") == 0) return Reader(argv[1], NULL, argv[2], argv[3]);
  if (argc == 5 && strcmp(argv[1], "sql-reader") == 0) return Reader(argv[1], argv[2], argv[3], argv[4]);
  fprintf(stderr,
          "usage: reader_workload writer DIR FIRST | abi-reader DIR TARGET_FILE | "
          "sql-reader LIBSTRATA DIR TARGET_FILE\n");
  return 2;
}
