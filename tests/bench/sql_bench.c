/* The SQLite module against a plain SQLite table on the TSBS cpu data (issue 4's benchmark).
**
**   sql_bench [--lib path/to/libstrata.so] [--dir workdir] [--runs n] [--rounds n]
**             [--only CONFIG-PREFIX] [--ingest-only] cpu.csv
**
** cpu.csv comes from `tsbs_cpu.py --hosts 100 --hours 24 --format csv` (864,000 rows of 10 tags and
** 10 REAL fields = 8.64 M points). One run measures, with the same driver (prepared INSERT, 21
** binds per row, BEGIN/COMMIT every 5,000 rows), four databases, two per durability level:
**   plain-NORMAL   cpu(hostname, ..., PRIMARY KEY(hostname, time)) WITHOUT ROWID, WAL,
**                  synchronous=NORMAL: a COMMIT is not fsynced (the WAL is, at checkpoints)
**   strata-NORMAL  CREATE VIRTUAL TABLE cpu USING strata(hostname TAG, ..., usage_user REAL, ...,
**                  sync='normal'): the engine WAL is fsynced at most once a second
**   plain-FULL     the plain table with synchronous=FULL: every COMMIT is fsynced
**   strata-FULL    the strata table with sync='full' (the default): every COMMIT is fsynced
** (the database files of the strata tables are in WAL/NORMAL) and prints ingest rows/s, bytes on
** disk per point (plain: db + wal; strata: the .strata directory after strata_flush() plus the db
** file) and the median time of the four TSBS-style queries, each with a result checksum so both
** sides are seen to answer the same. Ratios compare strata with plain at the same durability
** level. q2-q4 are also timed on the strata table in the form its users would write them, the
** aggregate view (cpu('max', '1h') ...), against the plain table's query of the same answer.
** The machine may change speed while it runs (it is shared), so the two sides of a ratio are
** measured close together: the ingest goes round the four databases `--rounds` times (default 5,
** as a strata round is short and so more exposed to the machine's bursts of slowness; a fresh
** database each time; the ratio is the median of the rounds' ratios), and each query runs on the
** four databases in turn, `--runs` times (q3 about half as often), taking each side's median.
** The extension is loaded into every connection (time_bucket), and every connection is opened
** with SQLITE_OPEN_NOMUTEX (one thread uses it).
** A figure-printing benchmark, not a test. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#ifndef STRATA_LIBRARY_PATH
#define STRATA_LIBRARY_PATH "build/libstrata.so"
#endif

#define NTAGS 10
#define NFIELDS 10
#define BATCH 5000
#define HOUR_NS 3600000000000LL

static const char *kTagNames[NTAGS] = {"hostname", "region", "datacenter", "rack", "os", "arch",
                                       "team", "service", "service_version", "service_environment"};
static const char *kFieldNames[NFIELDS] = {"usage_user", "usage_system", "usage_idle", "usage_nice",
                                           "usage_iowait", "usage_irq", "usage_softirq",
                                           "usage_steal", "usage_guest", "usage_guest_nice"};

typedef struct {
  int64_t time;
  int host;
  double f[NFIELDS];
} Row;

static Row *g_rows;
static size_t g_nrows;
static char *g_tags[1024][NTAGS]; /* per host */
static int g_nhosts;
static int64_t g_t0 = INT64_MAX;

static double Now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void Die(const char *what, sqlite3 *db) {
  fprintf(stderr, "sql_bench: %s: %s\n", what, db ? sqlite3_errmsg(db) : "");
  exit(1);
}

static void Exec(sqlite3 *db, const char *sql) {
  char *err = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
    fprintf(stderr, "sql_bench: %s\n  in: %s\n", err ? err : "?", sql);
    exit(1);
  }
}

static void LoadCsv(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) {
    perror(path);
    exit(1);
  }
  size_t cap = 1 << 20;
  g_rows = malloc(cap * sizeof(Row));
  char *line = NULL;
  size_t len = 0;
  if (getline(&line, &len, f) < 0) Die("empty csv", NULL); /* header */
  while (getline(&line, &len, f) > 0) {
    if (g_nrows == cap) g_rows = realloc(g_rows, (cap *= 2) * sizeof(Row));
    Row *r = &g_rows[g_nrows++];
    char *p = line;
    r->time = strtoll(p, &p, 10);
    if (r->time < g_t0) g_t0 = r->time;
    char *tags[NTAGS];
    for (int i = 0; i < NTAGS; i++) {
      tags[i] = ++p;
      p = strchr(p, ',');
      *p = '\0';
    }
    int host = atoi(tags[0] + 5); /* host_N */
    if (host < 0 || host >= 1024) Die("hostname is not host_N with N < 1024", NULL);
    if (g_tags[host][0] == NULL) {
      for (int i = 0; i < NTAGS; i++) g_tags[host][i] = strdup(tags[i]);
      if (host + 1 > g_nhosts) g_nhosts = host + 1;
    }
    r->host = host;
    for (int i = 0; i < NFIELDS; i++) r->f[i] = strtod(p + 1, &p);
  }
  free(line);
  fclose(f);
}

static long long DirBytes(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0) return 0;
  if (!S_ISDIR(st.st_mode)) return st.st_size;
  long long total = 0;
  DIR *d = opendir(path);
  struct dirent *e;
  while (d && (e = readdir(d)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    char sub[4096];
    snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
    total += DirBytes(sub);
  }
  if (d) closedir(d);
  return total;
}

static void RemoveAll(const char *path) {
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
  if (system(cmd) != 0) Die("rm -rf failed", NULL);
}

#define MAX_ROUNDS 16
#define MAX_RUNS 63

typedef struct {
  const char *name;
  int strata;
  const char *sync;        /* PRAGMA synchronous= of the database file */
  const char *engine_sync; /* strata: the table's sync= option */
  int selected;            /* not left out by --only */
  double ingest_s[MAX_ROUNDS], flush_s;
  long long bytes;
  sqlite3 *db;             /* the last round's database, for the queries */
  double q[8]; /* median times. 0-3: the queries; 4-7: strata only, through the aggregate view */
  double sum[8];
  long long nrows[8];
} Config;

static const char *g_lib = STRATA_LIBRARY_PATH;
static int g_ingest_only; /* --ingest-only: skip the queries */

static sqlite3 *OpenDb(const char *path) {
  sqlite3 *db = NULL;
  /* One thread per connection, as a tuned single-threaded application opens it: without the
  ** serialized mode's mutex, each of the 21 binds and the step of an INSERT skip a lock round trip
  ** (on both sides alike). */
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      NULL) != SQLITE_OK) {
    Die("open", db);
  }
  sqlite3_enable_load_extension(db, 1);
  char *err = NULL;
  if (sqlite3_load_extension(db, g_lib, NULL, &err) != SQLITE_OK) {
    fprintf(stderr, "sql_bench: cannot load %s: %s\n", g_lib, err ? err : "?");
    exit(1);
  }
  return db;
}

static void CreateTable(sqlite3 *db, const Config *c) {
  char sql[4096];
  int n = 0;
  if (c->strata) {
    n += snprintf(sql + n, sizeof sql - n, "CREATE VIRTUAL TABLE cpu USING strata(");
    for (int i = 0; i < NTAGS; i++) n += snprintf(sql + n, sizeof sql - n, "%s TAG, ", kTagNames[i]);
    for (int i = 0; i < NFIELDS; i++) n += snprintf(sql + n, sizeof sql - n, "%s REAL, ", kFieldNames[i]);
    n += snprintf(sql + n, sizeof sql - n, "sync='%s')", c->engine_sync);
  } else {
    n += snprintf(sql + n, sizeof sql - n, "CREATE TABLE cpu(");
    for (int i = 0; i < NTAGS; i++) n += snprintf(sql + n, sizeof sql - n, "%s TEXT, ", kTagNames[i]);
    n += snprintf(sql + n, sizeof sql - n, "time INTEGER, ");
    for (int i = 0; i < NFIELDS; i++) n += snprintf(sql + n, sizeof sql - n, "%s REAL, ", kFieldNames[i]);
    n += snprintf(sql + n, sizeof sql - n, "PRIMARY KEY(hostname, time)) WITHOUT ROWID");
  }
  Exec(db, sql);
  /* The host list, as TSBS keeps a tags table: the "last point per host" query starts from it
  ** (CROSS JOIN keeps it the outer loop; without ANALYZE the plain table would otherwise be scanned
  ** whole with the subquery run per row, ~1.7 s instead of ~1 ms). */
  Exec(db, "CREATE TABLE hosts(hostname TEXT PRIMARY KEY)");
  Exec(db, "BEGIN");
  for (int h = 0; h < g_nhosts; h++) {
    if (!g_tags[h][0]) continue;
    char *q = sqlite3_mprintf("INSERT INTO hosts VALUES(%Q)", g_tags[h][0]);
    Exec(db, q);
    sqlite3_free(q);
  }
  Exec(db, "COMMIT");
}

/* INSERTs every row; the wall time. */
static double Ingest(sqlite3 *db) {
  char sql[2048];
  int n = snprintf(sql, sizeof sql, "INSERT INTO cpu(time");
  for (int i = 0; i < NTAGS; i++) n += snprintf(sql + n, sizeof sql - n, ", %s", kTagNames[i]);
  for (int i = 0; i < NFIELDS; i++) n += snprintf(sql + n, sizeof sql - n, ", %s", kFieldNames[i]);
  n += snprintf(sql + n, sizeof sql - n, ") VALUES(?");
  for (int i = 0; i < NTAGS + NFIELDS; i++) n += snprintf(sql + n, sizeof sql - n, ", ?");
  snprintf(sql + n, sizeof sql - n, ")");
  sqlite3_stmt *ins = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &ins, NULL) != SQLITE_OK) Die("prepare insert", db);
  const double start = Now();
  for (size_t i = 0; i < g_nrows; i++) {
    if (i % BATCH == 0) Exec(db, "BEGIN");
    const Row *r = &g_rows[i];
    sqlite3_bind_int64(ins, 1, r->time);
    /* -1: SQLite measures the C string and knows it is NUL-terminated; with an explicit length
    ** the module's sqlite3_value_text() would have to copy each tag to terminate it. */
    for (int k = 0; k < NTAGS; k++) sqlite3_bind_text(ins, 2 + k, g_tags[r->host][k], -1, SQLITE_STATIC);
    for (int k = 0; k < NFIELDS; k++) sqlite3_bind_double(ins, 2 + NTAGS + k, r->f[k]);
    if (sqlite3_step(ins) != SQLITE_DONE) Die("insert", db);
    sqlite3_reset(ins);
    if (i % BATCH == BATCH - 1 || i + 1 == g_nrows) Exec(db, "COMMIT");
  }
  const double seconds = Now() - start;
  sqlite3_finalize(ins);
  return seconds;
}

static int CmpDouble(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The median of n values (reorders them). */
static double Median(double *v, int n) {
  qsort(v, n, sizeof v[0], CmpDouble);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Runs `sql` once: its wall time (prepare to finalize), row count and a checksum of its numeric
** columns. */
static double RunQuery(sqlite3 *db, const char *sql, long long *nrows, double *sum) {
  sqlite3_stmt *st = NULL;
  const double start = Now();
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) Die(sql, db);
  long long n = 0;
  double s = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    n++;
    for (int i = 0; i < sqlite3_column_count(st); i++) {
      if (sqlite3_column_type(st, i) == SQLITE_FLOAT || sqlite3_column_type(st, i) == SQLITE_INTEGER)
        s += sqlite3_column_double(st, i) / 1e9; /* times dominate; keep the sum readable */
    }
  }
  if (rc != SQLITE_DONE) Die(sql, db);
  sqlite3_finalize(st);
  *nrows = n;
  *sum = s;
  return Now() - start;
}

static char g_queries[8][1024]; /* 4 + q: query q through the aggregate view ("" for q1) */
static const char *kQueryNames[8] = {
    "q1 one host, usage_user, 1 h, raw", "q2 max of 5 fields, 1 host, 12 h by hour",
    "q3 mean usage_user per host per hour, 24 h", "q4 last point per host",
    "", "q2 as view cpu('max', '1h')", "q3 as view cpu('mean', '1h')", "q4 as view cpu('last')"};

static void BuildQueries(void) {
  const int64_t t0 = g_t0;
  snprintf(g_queries[0], sizeof g_queries[0],
           "SELECT time, usage_user FROM cpu WHERE hostname = 'host_42' AND time >= %lld AND time < %lld",
           (long long)(t0 + 8 * HOUR_NS), (long long)(t0 + 9 * HOUR_NS));
  snprintf(g_queries[1], sizeof g_queries[1],
           "SELECT time_bucket('1h', time) AS hour, max(usage_user), max(usage_system), max(usage_idle), "
           "max(usage_nice), max(usage_iowait) FROM cpu WHERE hostname = 'host_42' AND time >= %lld AND "
           "time < %lld GROUP BY hour ORDER BY hour",
           (long long)(t0 + 6 * HOUR_NS), (long long)(t0 + 18 * HOUR_NS));
  snprintf(g_queries[2], sizeof g_queries[2],
           "SELECT hostname, time_bucket('1h', time) AS hour, avg(usage_user) FROM cpu WHERE time >= %lld "
           "AND time < %lld GROUP BY hostname, hour",
           (long long)t0, (long long)(t0 + 24 * HOUR_NS));
  snprintf(g_queries[3], sizeof g_queries[3],
           "SELECT c.hostname, c.time, c.usage_user, c.usage_system FROM hosts AS h CROSS JOIN cpu AS c "
           "ON c.hostname = h.hostname AND c.time = (SELECT time FROM cpu WHERE hostname = h.hostname "
           "ORDER BY time DESC LIMIT 1)");
  /* The same answers from the strata table's aggregate view (same columns, so same checksums). */
  snprintf(g_queries[5], sizeof g_queries[5],
           "SELECT time AS hour, usage_user, usage_system, usage_idle, usage_nice, usage_iowait FROM "
           "cpu('max', '1h') WHERE hostname = 'host_42' AND time >= %lld AND time < %lld ORDER BY hour",
           (long long)(t0 + 6 * HOUR_NS), (long long)(t0 + 18 * HOUR_NS));
  snprintf(g_queries[6], sizeof g_queries[6],
           "SELECT hostname, time AS hour, usage_user FROM cpu('mean', '1h') WHERE time >= %lld AND "
           "time < %lld",
           (long long)t0, (long long)(t0 + 24 * HOUR_NS));
  snprintf(g_queries[7], sizeof g_queries[7],
           "SELECT hostname, time, usage_user, usage_system FROM cpu('last')");
}

/* One ingest round of config c: a fresh database, the INSERTs (timed), then for strata a
** strata_flush() and the bytes on disk. The database stays open in c->db. */
static void IngestRound(const char *work, Config *c, int round) {
  char dir[4096], path[4200];
  snprintf(dir, sizeof dir, "%s/%s", work, c->name);
  if (c->db != NULL) sqlite3_close(c->db);
  RemoveAll(dir);
  mkdir(dir, 0755);
  snprintf(path, sizeof path, "%s/cpu.db", dir);
  sqlite3 *db = c->db = OpenDb(path);
  Exec(db, "PRAGMA journal_mode=WAL");
  char pragma[128];
  snprintf(pragma, sizeof pragma, "PRAGMA synchronous=%s", c->sync);
  Exec(db, pragma);
  CreateTable(db, c);
  fprintf(stderr, "%s: ingesting %zu rows (round %d)...\n", c->name, g_nrows, round + 1);
  c->ingest_s[round] = Ingest(db);
  if (c->strata) {
    const double start = Now();
    Exec(db, "SELECT strata_flush()");
    c->flush_s = Now() - start;
    char sdir[4300];
    snprintf(sdir, sizeof sdir, "%s.strata", path);
    c->bytes = DirBytes(sdir) + DirBytes(path);
  } else {
    char wal[4300];
    snprintf(wal, sizeof wal, "%s-wal", path);
    c->bytes = DirBytes(path) + DirBytes(wal);
  }
}

/* The queries, each run `runs` times (q3 about half as often) on every selected database in turn,
** so that a machine that changes speed meanwhile affects both sides of a ratio alike: the median
** time per database. */
static void TimeQueries(Config *cs, int n, int runs) {
  for (int q = 0; q < 8; q++) {
    if (!g_queries[q][0]) continue;
    fprintf(stderr, "%s...\n", kQueryNames[q]);
    const int reps = q == 2 ? (runs + 1) / 2 : runs;
    double t[4][MAX_RUNS];
    for (int r = 0; r < reps; r++) {
      for (int k = 0; k < n; k++) {
        Config *c = &cs[k];
        if (!c->selected || (q >= 4 && !c->strata)) continue;
        t[k][r] = RunQuery(c->db, g_queries[q], &c->nrows[q], &c->sum[q]);
      }
    }
    for (int k = 0; k < n; k++) {
      if (cs[k].selected && (q < 4 || cs[k].strata)) cs[k].q[q] = Median(t[k], reps);
    }
  }
}

int main(int argc, char **argv) {
  const char *csv = NULL, *work = "/tmp/strata_sql_bench", *only = NULL;
  int runs = 7, rounds = 5;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--lib") && i + 1 < argc) g_lib = argv[++i];
    else if (!strcmp(argv[i], "--dir") && i + 1 < argc) work = argv[++i];
    else if (!strcmp(argv[i], "--runs") && i + 1 < argc) runs = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) rounds = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
    else if (!strcmp(argv[i], "--ingest-only")) g_ingest_only = 1;
    else csv = argv[i];
  }
  if (!csv || runs < 1 || runs > MAX_RUNS || rounds < 1 || rounds > MAX_ROUNDS) {
    fprintf(stderr, "usage: sql_bench [--lib libstrata.so] [--dir workdir] [--runs n] [--rounds n] "
                    "[--only CONFIG-PREFIX] [--ingest-only] cpu.csv\n");
    return 2;
  }
  LoadCsv(csv);
  BuildQueries();
  const long long points = (long long)g_nrows * NFIELDS;
  printf("sql_bench: %zu rows (%lld points), %d hosts, library %s, SQLite %s, ingest rounds %d, "
         "query runs %d (q3 %d)\n",
         g_nrows, points, g_nhosts, g_lib, sqlite3_libversion(), rounds, runs, (runs + 1) / 2);
  mkdir(work, 0755);
  Config cs[4] = {{.name = "plain-NORMAL", .strata = 0, .sync = "NORMAL"},
                  {.name = "strata-NORMAL", .strata = 1, .sync = "NORMAL", .engine_sync = "normal"},
                  {.name = "plain-FULL", .strata = 0, .sync = "FULL"},
                  {.name = "strata-FULL", .strata = 1, .sync = "NORMAL", .engine_sync = "full"}};
  for (int k = 0; k < 4; k++) cs[k].selected = !only || strncmp(cs[k].name, only, strlen(only)) == 0;
  /* Ingest rounds go round the four configs, so that the two sides of a ratio are measured close
  ** together in time; a ratio is the median of the rounds' ratios. */
  for (int r = 0; r < rounds; r++) {
    for (int k = 0; k < 4; k++) {
      if (cs[k].selected) IngestRound(work, &cs[k], r);
    }
  }
  if (!g_ingest_only) TimeQueries(cs, 4, runs);
  printf("\n%-44s %13s %13s %7s %13s %13s %7s %8s\n", "", "plain-NORMAL", "strata-NORMAL", "ratio",
         "plain-FULL", "strata-FULL", "ratio", "target");
  printf("%-44s", "ingest rows/s (median of rounds)");
  for (int k = 0; k < 4; k += 2) {
    const Config *p = &cs[k], *s = &cs[k + 1];
    double ps[MAX_ROUNDS], ss[MAX_ROUNDS], ratio[MAX_ROUNDS];
    for (int r = 0; r < rounds; r++) {
      ps[r] = p->selected ? g_nrows / p->ingest_s[r] : 0;
      ss[r] = s->selected ? g_nrows / s->ingest_s[r] : 0;
      ratio[r] = p->selected && s->selected ? ss[r] / ps[r] : 0;
    }
    printf(" %13.0f %13.0f %6.2fx", Median(ps, rounds), Median(ss, rounds), Median(ratio, rounds));
  }
  printf(" %8s\n", ">= 4x");
  printf("%-44s", "bytes on disk per point");
  for (int k = 0; k < 4; k += 2) {
    const Config *p = &cs[k], *s = &cs[k + 1];
    printf(" %13.2f %13.2f %6.3fx", (double)p->bytes / points, (double)s->bytes / points,
           p->bytes ? (double)s->bytes / p->bytes : 0);
  }
  printf(" %8s\n", "<= 0.2x");
  for (int q = 0; q < 8; q++) {
    if (!g_queries[q][0]) continue;
    const int pq = q % 4; /* plain answers the view rows with its GROUP BY / subquery form */
    char label[64];
    snprintf(label, sizeof label, "%s (ms)", kQueryNames[q]);
    printf("%-44s", label);
    for (int k = 0; k < 4; k += 2) {
      const Config *p = &cs[k], *s = &cs[k + 1];
      printf(" %13.3f %13.3f %6.2fx", p->q[pq] * 1e3, s->q[q] * 1e3, s->q[q] ? p->q[pq] / s->q[q] : 0);
    }
    printf(" %8s\n", pq >= 2 ? ">= 3x" : ">= 1x");
  }
  printf("(ratio: ingest and queries = plain time / strata time, i.e. speed-up; bytes = strata / plain;\n"
         " the view rows compare strata's aggregate view with plain's query of the same answer)\n");
  for (int k = 1; k < 4; k += 2) {
    printf("%s: strata_flush() after ingest %.2f s (not in the ingest figure)\n", cs[k].name, cs[k].flush_s);
  }
  for (int k = 0; k < 4; k++) {
    if (!cs[k].selected) continue;
    printf("%s ingest rows/s by round:", cs[k].name);
    for (int r = 0; r < rounds; r++) printf(" %.0f", g_nrows / cs[k].ingest_s[r]);
    printf("\n");
  }
  for (int q = 0; q < 8; q++) {
    if (!g_queries[q][0]) continue;
    const int pq = q % 4;
    for (int k = 0; k < 4; k += 2) {
      const Config *p = &cs[k], *s = &cs[k + 1];
      const int same = (p->nrows[pq] == s->nrows[q] && (p->sum[pq] - s->sum[q]) * (p->sum[pq] - s->sum[q]) < 1e-6) ||
                       !p->selected || !s->selected;
      printf("check %s: %s %lld rows sum %.6f | %s %lld rows sum %.6f%s\n", kQueryNames[q], p->name,
             p->nrows[pq], p->sum[pq], s->name, s->nrows[q], s->sum[q], same ? "" : "  MISMATCH");
    }
  }
  for (int k = 0; k < 4; k++) {
    if (cs[k].db != NULL) sqlite3_close(cs[k].db);
  }
  return 0;
}
