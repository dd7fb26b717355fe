/* The C ABI exercised from C (leveldb's c_test.c): every function, and every error path with its
** status code and a strata_errmsg() that names the problem.  Built as strict C99.
**
** Not reachable from here: STRATA_NOMEM (needs an allocation failure; the guard maps std::bad_alloc)
** and STRATA_NOT_FOUND (no ABI call currently returns it); STRATA_ERROR only for internal bugs. */
#define _XOPEN_SOURCE 700

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "abi_check.h"
#include "abi_temp_dir.h"
#include "strata.h"


static const strata_tag tags_a[] = {{"region", "eu"}, {"host", "a"}};
static const strata_tag tags_b[] = {{"host", "b"}, {"region", "eu"}};

static void test_library(void) {
  phase = "library";
  CHECK(strata_abi_version() == STRATA_ABI_VERSION);
  CHECK(strcmp(strata_version(), "0.1.0") == 0);
  CHECK(strata_errmsg() != NULL);
  strata_free(NULL);
  CHECK(strata_close(NULL) == STRATA_OK);
  strata_batch_free(NULL);
  strata_batch_clear(NULL);
  strata_batch_clear_points(NULL);
  CHECK(strata_batch_count(NULL) == 0);
  strata_cursor_free(NULL);
}

static void test_open_errors(void) {
  strata_db *db = (strata_db *)&db;
  FILE *f;
  phase = "open";
  CHECK_RC(strata_open(path_in("x"), NULL, NULL), STRATA_INVALID, "out");
  CHECK_RC(strata_open(NULL, NULL, &db), STRATA_INVALID, "dir");
  CHECK(db == NULL);
  db = (strata_db *)&db;
  CHECK_RC(strata_open(path_in("x"), "no_such_option=1", &db), STRATA_INVALID, "no_such_option");
  CHECK(db == NULL);
  CHECK_RC(strata_open(path_in("x"), "memstore_bytes=12x", &db), STRATA_INVALID, "memstore_bytes");
  CHECK_RC(strata_open(path_in("x"), "sync=sometimes", &db), STRATA_INVALID, "sync");
  CHECK_RC(strata_open("", NULL, &db), STRATA_INVALID, "empty");

  /* A non-empty directory that is not a Strata directory is refused. */
  mkdir(path_in("foreign"), 0755);
  f = fopen(path_in("foreign/file.txt"), "w");
  CHECK(f != NULL);
  if (f != NULL) fclose(f);
  CHECK_RC(strata_open(path_in("foreign"), NULL, &db), STRATA_INVALID, "not a Strata data directory");
  CHECK(db == NULL);

  /* A path below a regular file cannot be created. */
  CHECK_RC(strata_open(path_in("foreign/file.txt/db"), NULL, &db), STRATA_IO, "file.txt");
  CHECK(db == NULL);
}

static void test_locked(void) {
  int to_parent[2], to_child[2];
  pid_t pid;
  char c = 0;
  phase = "locked";
  CHECK(pipe(to_parent) == 0 && pipe(to_child) == 0);
  pid = fork();
  if (pid == 0) {
    strata_db *db = NULL;
    int rc = strata_open(path_in("locked"), NULL, &db);
    char ok = rc == STRATA_OK ? 'y' : 'n';
    ssize_t w = write(to_parent[1], &ok, 1);
    ssize_t r = read(to_child[0], &c, 1); /* hold the lock until the parent has tried */
    (void)w;
    (void)r;
    strata_close(db);
    _exit(0);
  }
  CHECK(read(to_parent[0], &c, 1) == 1 && c == 'y');
  {
    strata_db *db = (strata_db *)&db;
    CHECK_RC(strata_open(path_in("locked"), NULL, &db), STRATA_LOCKED, "locked by another process");
    CHECK(db == NULL);
  }
  CHECK(write(to_child[1], "x", 1) == 1);
  waitpid(pid, NULL, 0);
  close(to_parent[0]);
  close(to_parent[1]);
  close(to_child[0]);
  close(to_child[1]);
  {
    strata_db *db = NULL;
    OK(strata_open(path_in("locked"), NULL, &db)); /* free again once the other process is gone */
    OK(strata_close(db));
  }
}

static void test_batch_errors(strata_db *db) {
  strata_batch *b = (strata_batch *)&b;
  strata_tag dup[] = {{"host", "a"}, {"host", "b"}};
  strata_tag null_key[] = {{NULL, "a"}};
  strata_tag null_value[] = {{"host", NULL}};
  phase = "batch errors";
  CHECK_RC(strata_batch_new(NULL), STRATA_INVALID, "out");
  OK(strata_batch_new(&b));
  CHECK(b != NULL);

  CHECK_RC(strata_batch_add_f64(NULL, "cpu", tags_a, 2, "f", 1, 1.0), STRATA_INVALID, "batch");
  CHECK_RC(strata_batch_add_f64(b, NULL, tags_a, 2, "f", 1, 1.0), STRATA_INVALID, "measurement");
  CHECK_RC(strata_batch_add_f64(b, "cpu", tags_a, 2, NULL, 1, 1.0), STRATA_INVALID, "field");
  CHECK_RC(strata_batch_add_f64(b, "cpu", NULL, 2, "f", 1, 1.0), STRATA_INVALID, "tags");
  CHECK_RC(strata_batch_add_f64(b, "cpu", null_key, 1, "f", 1, 1.0), STRATA_INVALID, "tags[0].key");
  CHECK_RC(strata_batch_add_f64(b, "cpu", null_value, 1, "f", 1, 1.0), STRATA_INVALID,
           "tags[0].value");
  CHECK_RC(strata_batch_add_f64(b, "cpu", dup, 2, "f", 1, 1.0), STRATA_INVALID, "host");
  CHECK_RC(strata_batch_add_f64(b, "", tags_a, 2, "f", 1, 1.0), STRATA_INVALID, "measurement");
  CHECK_RC(strata_batch_add_f64(b, "cpu", tags_a, 2, "", 1, 1.0), STRATA_INVALID, "field");
  CHECK_RC(strata_batch_add_f64(b, "cpu", tags_a, 2, "f", 1, NAN), STRATA_INVALID, "NaN");
  CHECK_RC(strata_batch_add_f64(b, "cpu", tags_a, 2, "f", 1, INFINITY), STRATA_INVALID, "infinite");
  CHECK_RC(strata_batch_add_i64(NULL, "cpu", tags_a, 2, "f", 1, 1), STRATA_INVALID, "batch");
  CHECK_RC(strata_batch_add_bool(b, NULL, tags_a, 2, "f", 1, 1), STRATA_INVALID, "measurement");
  CHECK_RC(strata_batch_add_str(b, "cpu", tags_a, 2, "f", 1, NULL, 3), STRATA_INVALID, "value");
  CHECK_RC(strata_batch_add_str(b, "cpu", tags_a, 2, NULL, 1, "x", 1), STRATA_INVALID, "field");
  {
    /* Two tag values within STRATA_MAX_NAME_BYTES whose series key is over
    ** STRATA_MAX_SERIES_KEY_BYTES: "cpu,a=<v>,b=<v>#f". */
    const size_t n = STRATA_MAX_SERIES_KEY_BYTES / 2;
    char *v = (char *)malloc(n + 1);
    CHECK(v != NULL);
    memset(v, 'v', n);
    v[n] = '\0';
    strata_tag long_tags[] = {{"a", v}, {"b", v}};
    CHECK_RC(strata_batch_add_f64(b, "cpu", long_tags, 2, "f", 1, 1.0), STRATA_INVALID,
             "longer than 65536");
    free(v);
  }
  CHECK(strata_batch_count(b) == 0);

  /* One series, two types within a batch. */
  OK(strata_batch_add_f64(b, "cpu", tags_a, 2, "f", 1, 1.0));
  CHECK_RC(strata_batch_add_i64(b, "cpu", tags_a, 2, "f", 2, 2), STRATA_TYPE_CONFLICT, "'f'");
  CHECK(strata_batch_count(b) == 1);

  CHECK_RC(strata_write(NULL, b), STRATA_INVALID, "db");
  CHECK_RC(strata_write(db, NULL), STRATA_INVALID, "batch");
  strata_batch_clear(b);
  CHECK(strata_batch_count(b) == 0);
  OK(strata_write(db, b)); /* empty */
  strata_batch_free(b);
}

static void test_columnar_errors(void) {
  strata_batch *b = NULL;
  uint32_t s = 77, si = 0;
  int64_t times[3] = {1, 2, 3};
  double f[3] = {1, 2, 3};
  int64_t i[3] = {1, 2, 3};
  int bools[3] = {0, 1, 5};
  phase = "columnar errors";
  OK(strata_batch_new(&b));
  CHECK_RC(strata_batch_series(b, "cpu", tags_a, 2, "f", STRATA_FLOAT, NULL), STRATA_INVALID, "out");
  CHECK_RC(strata_batch_series(NULL, "cpu", tags_a, 2, "f", STRATA_FLOAT, &s), STRATA_INVALID, "batch");
  CHECK(s == 0);
  CHECK_RC(strata_batch_series(b, NULL, tags_a, 2, "f", STRATA_FLOAT, &s), STRATA_INVALID,
           "measurement");
  CHECK_RC(strata_batch_series(b, "cpu", tags_a, 2, NULL, STRATA_FLOAT, &s), STRATA_INVALID, "field");
  CHECK_RC(strata_batch_series(b, "cpu", NULL, 1, "f", STRATA_FLOAT, &s), STRATA_INVALID, "tags");
  CHECK_RC(strata_batch_series(b, "cpu", tags_a, 2, "f", STRATA_STRING, &s), STRATA_INVALID, "type 4");
  CHECK_RC(strata_batch_series(b, "cpu", tags_a, 2, "f", 0, &s), STRATA_INVALID, "type 0");
  CHECK_RC(strata_batch_series(b, "", tags_a, 2, "f", STRATA_FLOAT, &s), STRATA_INVALID, "measurement");

  OK(strata_batch_series(b, "cpu", tags_a, 2, "f", STRATA_FLOAT, &s));
  {
    uint32_t again = 99;
    OK(strata_batch_series(b, "cpu", tags_b + 0, 0, "g", STRATA_INT, &si));
    OK(strata_batch_series(b, "cpu", tags_a, 2, "f", STRATA_FLOAT, &again));
    CHECK(again == s);
    CHECK(si != s);
  }
  {
    uint32_t bad = 99;
    CHECK_RC(strata_batch_series(b, "cpu", tags_a, 2, "f", STRATA_INT, &bad), STRATA_TYPE_CONFLICT,
             "'f'");
    CHECK(bad == 0);
  }

  CHECK_RC(strata_batch_append_f64(NULL, s, times, f, 3), STRATA_INVALID, "batch");
  CHECK_RC(strata_batch_append_f64(b, s, NULL, f, 3), STRATA_INVALID, "times");
  CHECK_RC(strata_batch_append_f64(b, s, times, NULL, 3), STRATA_INVALID, "values");
  CHECK_RC(strata_batch_append_f64(b, 12345, times, f, 3), STRATA_INVALID, "12345");
  f[2] = NAN;
  CHECK_RC(strata_batch_append_f64(b, s, times, f, 3), STRATA_INVALID, "value 2 is NaN");
  f[2] = -INFINITY;
  CHECK_RC(strata_batch_append_f64(b, s, times, f, 3), STRATA_INVALID, "infinite");
  CHECK(strata_batch_count(b) == 0); /* all or nothing */
  f[2] = 3;
  CHECK_RC(strata_batch_append_i64(b, s, times, i, 3), STRATA_TYPE_CONFLICT, "float");
  CHECK_RC(strata_batch_append_i64(NULL, s, times, i, 3), STRATA_INVALID, "batch");
  CHECK_RC(strata_batch_append_i64(b, s, NULL, i, 3), STRATA_INVALID, "times");
  CHECK_RC(strata_batch_append_i64(b, s, times, NULL, 3), STRATA_INVALID, "values");
  CHECK_RC(strata_batch_append_bool(b, s, times, bools, 3), STRATA_TYPE_CONFLICT, "float");
  CHECK_RC(strata_batch_append_bool(NULL, s, times, bools, 3), STRATA_INVALID, "batch");
  CHECK_RC(strata_batch_append_bool(b, s, NULL, bools, 3), STRATA_INVALID, "times");
  CHECK_RC(strata_batch_append_bool(b, s, times, NULL, 3), STRATA_INVALID, "values");
  CHECK_RC(strata_batch_append_f64(b, si, times, f, 3), STRATA_TYPE_CONFLICT, "integer");
  OK(strata_batch_append_f64(b, s, times, f, 0));
  OK(strata_batch_append_f64(b, s, NULL, NULL, 0));
  OK(strata_batch_append_f64(b, s, times, f, 3));
  OK(strata_batch_append_i64(b, si, times, i, 3));
  CHECK(strata_batch_count(b) == 6);
  strata_batch_clear_points(b);
  CHECK(strata_batch_count(b) == 0);
  CHECK_RC(strata_batch_append_i64(b, s, times, i, 3), STRATA_TYPE_CONFLICT, "float");
  OK(strata_batch_append_f64(b, s, times, f, 3)); /* the reference still names the float series */
  CHECK(strata_batch_count(b) == 3);
  strata_batch_clear(b);
  CHECK_RC(strata_batch_append_f64(b, s, times, f, 3), STRATA_INVALID, "reference");
  strata_batch_free(b);
}

/* Writes through every path: line protocol, per-point adds, and columns. */
static void write_data(strata_db *db) {
  strata_batch *b = NULL;
  uint32_t s_f = 0, s_i = 0, s_b = 0;
  int64_t times[4] = {400, 100, 300, 200}; /* unsorted on purpose */
  double fv[4] = {4.5, 1.5, 3.5, 2.5};
  int64_t iv[4] = {-4, -1, -3, -2};
  int bv[4] = {0, 7, 1, 0};
  const char *lines = "cpu,host=c,region=us usage_user=9.5,count=9i,up=t,note=\"hi\" 100\n"
                      "cpu,host=c,region=us usage_user=8.5 200\n";
  phase = "write";
  CHECK_RC(strata_write_lines(NULL, lines, strlen(lines)), STRATA_INVALID, "db");
  CHECK_RC(strata_write_lines(db, NULL, 5), STRATA_INVALID, "lines");
  OK(strata_write_lines(db, NULL, 0));
  CHECK_RC(strata_write_lines(db, "cpu,host=c usage_user=\n", 23), STRATA_INVALID, "line 1");
  OK(strata_write_lines(db, lines, strlen(lines)));

  OK(strata_batch_new(&b));
  OK(strata_batch_add_f64(b, "cpu", tags_a, 2, "usage_user", 100, 1.25));
  OK(strata_batch_add_f64(b, "cpu", tags_a, 2, "usage_user", 200, 2.25));
  OK(strata_batch_add_i64(b, "cpu", tags_a, 2, "count", 100, 42));
  OK(strata_batch_add_bool(b, "cpu", tags_a, 2, "up", 100, 5));
  OK(strata_batch_add_str(b, "cpu", tags_a, 2, "note", 100, "hello\0world", 11));
  OK(strata_batch_add_str(b, "cpu", tags_a, 2, "note", 200, NULL, 0));
  CHECK(strata_batch_count(b) == 6);
  OK(strata_write(db, b));
  CHECK(strata_batch_count(b) == 6); /* left unchanged */
  strata_batch_clear(b);

  OK(strata_batch_series(b, "cpu", tags_b, 2, "usage_user", STRATA_FLOAT, &s_f));
  OK(strata_batch_series(b, "cpu", tags_b, 2, "count", STRATA_INT, &s_i));
  OK(strata_batch_series(b, "cpu", tags_b, 2, "up", STRATA_BOOL, &s_b));
  OK(strata_batch_append_f64(b, s_f, times, fv, 4));
  OK(strata_batch_append_i64(b, s_i, times, iv, 4));
  OK(strata_batch_append_bool(b, s_b, times, bv, 4));
  OK(strata_write(db, b));
  /* Clearing the points keeps the references: the next batch appends by them again (and
  ** rewrites the same points, which changes nothing). */
  strata_batch_clear_points(b);
  CHECK(strata_batch_count(b) == 0);
  OK(strata_write(db, b));
  OK(strata_batch_append_f64(b, s_f, times, fv, 4));
  OK(strata_batch_append_i64(b, s_i, times, iv, 4));
  CHECK(strata_batch_count(b) == 8);
  OK(strata_write(db, b));
  /* strata_write_and_clear writes the same and leaves the batch empty, its references valid. */
  CHECK_RC(strata_write_and_clear(NULL, b), STRATA_INVALID, "db");
  CHECK_RC(strata_write_and_clear(db, NULL), STRATA_INVALID, "batch");
  OK(strata_write_and_clear(db, b));
  CHECK(strata_batch_count(b) == 0);
  OK(strata_batch_append_f64(b, s_f, times, fv, 4));
  OK(strata_write_and_clear(db, b));
  CHECK(strata_batch_count(b) == 0);
  strata_batch_clear(b);

  /* A type that conflicts with the directory: nothing of the batch is written. */
  OK(strata_batch_add_f64(b, "cpu", tags_a, 2, "usage_user", 900, 9.0));
  OK(strata_batch_add_i64(b, "cpu", tags_b, 2, "usage_user", 900, 9));
  CHECK_RC(strata_write(db, b), STRATA_TYPE_CONFLICT, "usage_user");
  CHECK_RC(strata_write_lines(db, "cpu,host=z usage_user=1i 5\n", 27), STRATA_TYPE_CONFLICT,
           "usage_user");
  strata_batch_free(b);
}

static int count_points(strata_db *db, const char *measurement, const strata_tag *tags, size_t n,
                        const char *field, int64_t lo, int64_t hi) {
  strata_cursor *c = NULL;
  int count = 0, rc;
  OK(strata_query(db, measurement, tags, n, field, lo, hi, &c));
  if (c == NULL) return -1;
  while ((rc = strata_cursor_next(c)) == STRATA_ROW) count++;
  CHECK(rc == STRATA_DONE);
  strata_cursor_free(c);
  return count;
}

static void test_query(strata_db *db) {
  strata_cursor *c = (strata_cursor *)&c;
  strata_tag host_a[] = {{"host", "a"}};
  strata_tag host_b[] = {{"host", "b"}};
  size_t len = 99;
  const char *s;
  int rc;
  phase = "query errors";
  CHECK_RC(strata_query(db, "cpu", NULL, 0, NULL, 0, 1000, NULL), STRATA_INVALID, "out");
  CHECK_RC(strata_query(NULL, "cpu", NULL, 0, NULL, 0, 1000, &c), STRATA_INVALID, "db");
  CHECK(c == NULL);
  CHECK_RC(strata_query(db, NULL, NULL, 0, NULL, 0, 1000, &c), STRATA_INVALID, "measurement");
  CHECK_RC(strata_query(db, "cpu", NULL, 1, NULL, 0, 1000, &c), STRATA_INVALID, "tags");
  CHECK_RC(strata_query(db, "", NULL, 0, NULL, 0, 1000, &c), STRATA_INVALID, "measurement");
  CHECK_RC(strata_cursor_next(NULL), STRATA_INVALID, "cursor");
  CHECK(strata_cursor_series(NULL) == NULL && strata_cursor_field(NULL) == NULL);
  CHECK(strata_cursor_time(NULL) == 0 && strata_cursor_type(NULL) == 0);
  CHECK(strata_cursor_f64(NULL) == 0 && strata_cursor_i64(NULL) == 0);
  CHECK(strata_cursor_str(NULL, &len) == NULL && len == 0);
  CHECK(strata_cursor_block_str(NULL, 0, NULL) == NULL);

  phase = "query";
  /* Point by point, with every accessor. */
  OK(strata_query(db, "cpu", host_a, 1, NULL, INT64_MIN, INT64_MAX, &c));
  CHECK(strata_cursor_series(c) == NULL && strata_cursor_type(c) == 0); /* before the first next */
  /* Series order: count, note, up, usage_user (by key). */
  CHECK(strata_cursor_next(c) == STRATA_ROW);
  CHECK(strcmp(strata_cursor_series(c), "cpu,host=a,region=eu#count") == 0);
  CHECK(strcmp(strata_cursor_field(c), "count") == 0);
  CHECK(strata_cursor_type(c) == STRATA_INT && strata_cursor_time(c) == 100);
  CHECK(strata_cursor_i64(c) == 42 && strata_cursor_f64(c) == 42.0);
  CHECK(strata_cursor_str(c, &len) == NULL && len == 0);
  CHECK(strata_cursor_next(c) == STRATA_ROW);
  CHECK(strcmp(strata_cursor_field(c), "note") == 0 && strata_cursor_type(c) == STRATA_STRING);
  s = strata_cursor_str(c, &len);
  CHECK(s != NULL && len == 11 && memcmp(s, "hello\0world", 11) == 0);
  CHECK(strata_cursor_f64(c) == 0 && strata_cursor_i64(c) == 0);
  CHECK(strata_cursor_next(c) == STRATA_ROW);
  s = strata_cursor_str(c, NULL);
  CHECK(s != NULL && s[0] == '\0' && strata_cursor_time(c) == 200);
  CHECK(strata_cursor_next(c) == STRATA_ROW);
  CHECK(strata_cursor_type(c) == STRATA_BOOL && strata_cursor_i64(c) == 1 && strata_cursor_f64(c) == 1.0);
  CHECK(strata_cursor_next(c) == STRATA_ROW);
  CHECK(strata_cursor_type(c) == STRATA_FLOAT && strata_cursor_f64(c) == 1.25 &&
        strata_cursor_i64(c) == 1);
  CHECK(strata_cursor_next(c) == STRATA_ROW && strata_cursor_f64(c) == 2.25);
  CHECK(strata_cursor_next(c) == STRATA_DONE);
  CHECK(strata_cursor_next(c) == STRATA_DONE);
  CHECK(strata_cursor_series(c) == NULL && strata_cursor_time(c) == 0);
  strata_cursor_free(c);

  /* Block by block; values sorted by time; bools normalised to 0/1. */
  OK(strata_query(db, "cpu", host_b, 1, NULL, INT64_MIN, INT64_MAX, &c));
  {
    int64_t times[3];
    union {
      double f[3];
      int64_t i[3];
    } v;
    size_t n = 99;
    CHECK_RC(strata_cursor_next_block(c, times, &v, 3, NULL), STRATA_INVALID, "n");
    CHECK_RC(strata_cursor_next_block(NULL, times, &v, 3, &n), STRATA_INVALID, "cursor");
    CHECK(n == 0);
    CHECK_RC(strata_cursor_next_block(c, NULL, &v, 3, &n), STRATA_INVALID, "times");
    CHECK_RC(strata_cursor_next_block(c, times, &v, 0, &n), STRATA_INVALID, "cap");
    CHECK_RC(strata_cursor_next_block(c, times, NULL, 3, &n), STRATA_INVALID, "values");
    /* count: -1 -2 -3 -4 at 100..400; the failed call above consumed nothing */
    CHECK(strata_cursor_next_block(c, times, &v, 3, &n) == STRATA_ROW && n == 3);
    CHECK(strata_cursor_type(c) == STRATA_INT);
    CHECK(strcmp(strata_cursor_series(c), "cpu,host=b,region=eu#count") == 0);
    CHECK(times[0] == 100 && times[2] == 300 && v.i[0] == -1 && v.i[2] == -3);
    CHECK(strata_cursor_time(c) == 300 && strata_cursor_i64(c) == -3);
    CHECK(strata_cursor_next(c) == STRATA_ROW && strata_cursor_time(c) == 400); /* mixing */
    /* up: 7 1 0 0 -> 1 0 1 0 at 100..400; a block never spans series */
    CHECK(strata_cursor_next_block(c, times, &v, 3, &n) == STRATA_ROW && n == 3);
    CHECK(strata_cursor_type(c) == STRATA_BOOL && v.i[0] == 1 && v.i[1] == 0 && v.i[2] == 1);
    CHECK(strata_cursor_next_block(c, times, &v, 3, &n) == STRATA_ROW && n == 1);
    CHECK(times[0] == 400 && v.i[0] == 0);
    CHECK(strata_cursor_block_str(c, 0, &len) == NULL && len == 0); /* not a string series */
    CHECK(strata_cursor_next_block(c, times, &v, 3, &n) == STRATA_ROW && n == 3);
    CHECK(strata_cursor_type(c) == STRATA_FLOAT && v.f[0] == 1.5 && v.f[1] == 2.5 && v.f[2] == 3.5);
    CHECK(strcmp(strata_cursor_field(c), "usage_user") == 0);
    CHECK(strata_cursor_next_block(c, times, &v, 3, &n) == STRATA_ROW && n == 1 && v.f[0] == 4.5);
    CHECK(strata_cursor_next_block(c, times, &v, 3, &n) == STRATA_DONE && n == 0);
  }
  strata_cursor_free(c);

  /* Strings by block. */
  OK(strata_query(db, "cpu", host_a, 1, "note", INT64_MIN, INT64_MAX, &c));
  {
    int64_t times[8];
    size_t n = 0;
    CHECK(strata_cursor_next_block(c, times, NULL, 8, &n) == STRATA_ROW && n == 2);
    s = strata_cursor_block_str(c, 0, &len);
    CHECK(s != NULL && len == 11 && memcmp(s, "hello", 6) == 0);
    s = strata_cursor_block_str(c, 1, &len);
    CHECK(s != NULL && len == 0);
    CHECK(strata_cursor_block_str(c, 2, &len) == NULL);
    CHECK(strata_cursor_next_block(c, times, NULL, 8, &n) == STRATA_DONE);
  }
  strata_cursor_free(c);

  /* Filters: tags, field, time range (inclusive); unknown names give nothing. */
  CHECK(count_points(db, "cpu", NULL, 0, NULL, INT64_MIN, INT64_MAX) == 6 + 12 + 5);
  CHECK(count_points(db, "cpu", NULL, 0, "usage_user", INT64_MIN, INT64_MAX) == 2 + 4 + 2);
  CHECK(count_points(db, "cpu", host_b, 1, "usage_user", 200, 300) == 2);
  CHECK(count_points(db, "cpu", tags_a, 2, NULL, 150, 250) == 2);
  CHECK(count_points(db, "mem", NULL, 0, NULL, INT64_MIN, INT64_MAX) == 0);
  CHECK(count_points(db, "cpu", NULL, 0, "nope", INT64_MIN, INT64_MAX) == 0);
  CHECK(count_points(db, "cpu", NULL, 0, NULL, 300, 200) == 0);
  (void)rc;
}

static void test_delete_flush_compact_stats(strata_db *db) {
  strata_tag host_b[] = {{"host", "b"}};
  char *json = (char *)&json;
  phase = "delete";
  CHECK_RC(strata_delete(NULL, "cpu", NULL, 0, NULL, 0, 1), STRATA_INVALID, "db");
  CHECK_RC(strata_delete(db, NULL, NULL, 0, NULL, 0, 1), STRATA_INVALID, "measurement");
  CHECK_RC(strata_delete(db, "cpu", NULL, 2, NULL, 0, 1), STRATA_INVALID, "tags");
  CHECK_RC(strata_delete(db, "", NULL, 0, NULL, 0, 1), STRATA_INVALID, "measurement");
  OK(strata_delete(db, "nothing", NULL, 0, NULL, INT64_MIN, INT64_MAX));
  OK(strata_delete(db, "cpu", host_b, 1, "usage_user", 200, 300));
  CHECK(count_points(db, "cpu", host_b, 1, "usage_user", INT64_MIN, INT64_MAX) == 2);
  CHECK(count_points(db, "cpu", host_b, 1, "count", INT64_MIN, INT64_MAX) == 4);

  phase = "flush";
  CHECK_RC(strata_flush(NULL), STRATA_INVALID, "db");
  OK(strata_flush(db));
  CHECK(count_points(db, "cpu", NULL, 0, NULL, INT64_MIN, INT64_MAX) == 21);
  phase = "compact";
  CHECK_RC(strata_compact(NULL), STRATA_INVALID, "db");
  OK(strata_delete(db, "cpu", NULL, 0, "note", INT64_MIN, INT64_MAX));
  OK(strata_compact(db));
  CHECK(count_points(db, "cpu", NULL, 0, NULL, INT64_MIN, INT64_MAX) == 18);

  phase = "stats";
  CHECK_RC(strata_stats_json(db, NULL), STRATA_INVALID, "out");
  CHECK_RC(strata_stats_json(NULL, &json), STRATA_INVALID, "db");
  CHECK(json == NULL);
  OK(strata_stats_json(db, &json));
  CHECK(json != NULL && json[0] == '{' && strstr(json, "\"points_written\"") != NULL);
  strata_free(json);
}

/* A cursor keeps the directory open after strata_close; reopening sees the data. */
static void test_close_and_reopen(strata_db *db) {
  strata_cursor *c = NULL;
  strata_db *again = NULL;
  int n = 0;
  phase = "close";
  OK(strata_query(db, "cpu", NULL, 0, "usage_user", INT64_MIN, INT64_MAX, &c));
  OK(strata_close(db));
  while (strata_cursor_next(c) == STRATA_ROW) n++;
  CHECK(n == 6);
  strata_cursor_free(c);
  OK(strata_open(path_in("db"), "sync=normal;memstore_bytes=1MiB", &again));
  CHECK(count_points(again, "cpu", NULL, 0, "usage_user", INT64_MIN, INT64_MAX) == 6);
  OK(strata_close(again));
}

/* Damaged segment data is reported as STRATA_CORRUPT naming the file, by open or by the cursor. */
static void corrupt_segments(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  if (d == NULL) return;
  while ((e = readdir(d)) != NULL) {
    char path[1024];
    struct stat st;
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    if (stat(path, &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      corrupt_segments(path);
    } else if (strstr(e->d_name, ".seg") != NULL || strstr(e->d_name, ".sst") != NULL) {
      int fd = open(path, O_RDWR);
      off_t off;
      if (fd < 0) continue;
      for (off = 0; off < st.st_size; off += 7) { /* damage every seventh byte */
        unsigned char byte;
        if (pread(fd, &byte, 1, off) == 1) {
          byte ^= 0x5a;
          if (pwrite(fd, &byte, 1, off) != 1) break;
        }
      }
      close(fd);
    }
  }
  closedir(d);
}

static void test_corrupt(void) {
  strata_db *db = NULL;
  strata_cursor *c = NULL;
  int rc;
  const char *lines = "m,t=1 v=1.5 1000\nm,t=1 v=2.5 2000\n";
  phase = "corrupt";
  OK(strata_open(path_in("corrupt"), NULL, &db));
  OK(strata_write_lines(db, lines, strlen(lines)));
  OK(strata_flush(db));
  OK(strata_close(db));
  corrupt_segments(path_in("corrupt/shards"));
  db = NULL;
  rc = strata_open(path_in("corrupt"), NULL, &db);
  if (rc == STRATA_OK) {
    OK(strata_query(db, "m", NULL, 0, NULL, INT64_MIN, INT64_MAX, &c));
    rc = STRATA_ROW;
    while (c != NULL && rc == STRATA_ROW) rc = strata_cursor_next(c);
    strata_cursor_free(c);
    strata_close(db);
  } else {
    CHECK(db == NULL);
  }
  CHECK(rc == STRATA_CORRUPT);
  CHECK(strstr(strata_errmsg(), path_in("corrupt")) != NULL);
  if (rc != STRATA_CORRUPT) fprintf(stderr, "corrupt: rc %d, errmsg %s\n", rc, strata_errmsg());
}


/* Row view, batch deletes, drop, field types and durations (the SQLite module's ABI). */
static void test_rows_and_batch_deletes(void) {
  strata_db *db = NULL;
  strata_batch *b = NULL;
  strata_rows *r = NULL;
  const strata_tag ta[] = {{"host", "a"}};
  const strata_tag tb[] = {{"host", "b"}};
  const char *hosts[] = {"a", "b"};
  const strata_tag_filter by_host = {"host", hosts, 2};
  const char *fields[] = {"x", "s"};
  const char *only_x[] = {"x"};
  int type = -1;
  int64_t d = -1;
  size_t len = 0;
  int n = 0;
  uint64_t id_a = 0;
  phase = "rows";
  OK(strata_open(path_in("rows"), "sync=off", &db));
  if (db == NULL) return;
  OK(strata_batch_new(&b));
  OK(strata_batch_add_f64(b, "m", ta, 1, "x", 10, 1.5));
  OK(strata_batch_add_str(b, "m", ta, 1, "s", 10, "hi", 2));
  OK(strata_batch_add_f64(b, "m", ta, 1, "x", 20, 2.5));
  OK(strata_batch_add_f64(b, "m", tb, 1, "x", 10, 3.5));
  OK(strata_write(db, b));
  strata_batch_clear(b);

  OK(strata_query_rows(db, "m", &by_host, 1, fields, 2, INT64_MIN, INT64_MAX, &r));
  CHECK(strata_rows_field_count(r) == 2);
  CHECK(strata_rows_next(r) == STRATA_ROW);
  CHECK(strata_rows_time(r) == 10);
  CHECK(strcmp(strata_rows_tagset(r), "m,host=a") == 0);
  id_a = strata_rows_tagset_id(r);
  CHECK(id_a != 0);
  CHECK(strata_rows_tag_count(r) == 1);
  CHECK(strcmp(strata_rows_tag_key(r, 0), "host") == 0 && strcmp(strata_rows_tag_value(r, 0), "a") == 0);
  CHECK(strata_rows_tag_key(r, 1) == NULL);
  CHECK(strata_rows_type(r, 0) == STRATA_FLOAT && strata_rows_f64(r, 0) == 1.5);
  CHECK(strata_rows_type(r, 1) == STRATA_STRING && strcmp(strata_rows_str(r, 1, &len), "hi") == 0 && len == 2);
  CHECK(strata_rows_i64(r, 0) == 1);
  CHECK(strcmp(strata_rows_field_name(r, 1), "s") == 0);
  CHECK(strata_rows_next(r) == STRATA_ROW);
  CHECK(strata_rows_time(r) == 20 && strata_rows_type(r, 1) == 0 && strata_rows_str(r, 1, NULL) == NULL);
  CHECK(strata_rows_tagset_id(r) == id_a);
  CHECK(strata_rows_next(r) == STRATA_ROW);
  CHECK(strcmp(strata_rows_tagset(r), "m,host=b") == 0);
  CHECK(strata_rows_tagset_id(r) != 0 && strata_rows_tagset_id(r) != id_a);
  CHECK(strata_rows_next(r) == STRATA_DONE);
  CHECK(strata_rows_next(r) == STRATA_DONE);
  CHECK(strata_rows_tagset(r) == NULL && strata_rows_type(r, 0) == 0);
  CHECK(strata_rows_tagset_id(r) == 0 && strata_rows_tagset_id(NULL) == 0);
  strata_rows_free(r);
  strata_rows_free(NULL);
  /* Another query: host a's tag set keeps its number. */
  OK(strata_query_rows(db, "m", &by_host, 1, fields, 1, 10, 10, &r));
  CHECK(strata_rows_next(r) == STRATA_ROW && strata_rows_tagset_id(r) == id_a);
  strata_rows_free(r);
  CHECK_RC(strata_query_rows(db, "", NULL, 0, NULL, 0, 0, 1, &r), STRATA_INVALID, "empty");
  CHECK(r == NULL);
  CHECK_RC(strata_query_rows(db, "m", NULL, 1, NULL, 0, 0, 1, &r), STRATA_INVALID, "filters");

  /* A batch delete of one field of exactly host=a at time 10, and a rewrite, atomically. */
  OK(strata_batch_delete(b, "m", ta, 1, 1, only_x, 1, 10, 10));
  OK(strata_batch_add_f64(b, "m", tb, 1, "x", 30, 4.5));
  CHECK(strata_batch_delete_count(b) == 1);
  CHECK_RC(strata_batch_delete(b, "m", ta, 1, 1, NULL, 0, 5, 4), STRATA_INVALID, NULL);
  CHECK_RC(strata_batch_delete(NULL, "m", ta, 1, 1, NULL, 0, 0, 1), STRATA_INVALID, "batch");
  CHECK(strata_batch_delete_count(b) == 1);
  OK(strata_write(db, b));
  OK(strata_query_rows(db, "m", NULL, 0, NULL, 0, INT64_MIN, INT64_MAX, &r));
  while (strata_rows_next(r) == STRATA_ROW) n++;
  strata_rows_free(r);
  CHECK(n == 4); /* a@10 keeps s, a@20, b@10, b@30 */

  OK(strata_field_type(db, "m", "s", &type));
  CHECK(type == STRATA_STRING);
  CHECK_RC(strata_field_type(db, "m", "nope", &type), STRATA_NOT_FOUND, "nope");
  CHECK(type == 0);
  {
    int declared = -1;
    int64_t nseries = -1;
    OK(strata_measurement_info(db, "m", &declared, &nseries));
    CHECK(declared == 0 && nseries > 0);
    /* The tag index: m's series are host=a with fields x and s, and host=b with x. */
    {
      strata_tag_list *l = NULL;
      size_t len = 9;
      OK(strata_list_tags(db, "m", NULL, &l));
      CHECK(strata_tag_list_count(l) == 1);
      CHECK(strcmp(strata_tag_list_name(l, 0, &len), "host") == 0 && len == 4);
      CHECK(strata_tag_list_values(l, 0) == 2 && (int64_t)strata_tag_list_series(l, 0) == nseries);
      CHECK(strata_tag_list_name(l, 1, &len) == NULL && len == 0);
      CHECK(strata_tag_list_series(l, 1) == 0 && strata_tag_list_values(l, 1) == 0);
      strata_tag_list_free(l);
      OK(strata_list_tags(db, "m", "host", &l));
      CHECK(strata_tag_list_count(l) == 2);
      CHECK(strcmp(strata_tag_list_name(l, 0, NULL), "a") == 0 && strata_tag_list_series(l, 0) == 2);
      CHECK(strcmp(strata_tag_list_name(l, 1, NULL), "b") == 0 && strata_tag_list_series(l, 1) == 1);
      CHECK(strata_tag_list_values(l, 0) == 0);
      strata_tag_list_free(l);
      OK(strata_list_tags(db, "m", "nope", &l));
      CHECK(strata_tag_list_count(l) == 0 && strata_tag_list_name(l, 0, NULL) == NULL);
      strata_tag_list_free(l);
      CHECK_RC(strata_list_tags(db, NULL, NULL, &l), STRATA_INVALID, "measurement");
      CHECK(l == NULL);
      CHECK_RC(strata_list_tags(NULL, "m", NULL, &l), STRATA_INVALID, "db");
      CHECK_RC(strata_list_tags(db, "m", NULL, NULL), STRATA_INVALID, "out");
      CHECK(strata_tag_list_count(NULL) == 0 && strata_tag_list_name(NULL, 0, NULL) == NULL);
      strata_tag_list_free(NULL);
    }
    OK(strata_declare_measurement(db, "m", "CREATE TABLE x(s TEXT)"));
    OK(strata_measurement_info(db, "m", &declared, &nseries));
    CHECK(declared == 1);
    CHECK_RC(strata_declare_measurement(db, "", "x"), STRATA_INVALID, "empty");
    CHECK_RC(strata_declare_measurement(db, "m", NULL), STRATA_INVALID, "schema");
    CHECK_RC(strata_measurement_info(db, NULL, &declared, &nseries), STRATA_INVALID,
             "measurement");
    CHECK(declared == 0 && nseries == 0);
    CHECK_RC(strata_measurement_info(db, "m", NULL, &nseries), STRATA_INVALID, "declared");
    OK(strata_drop_measurement(db, "m"));
    OK(strata_measurement_info(db, "m", &declared, &nseries));
    CHECK(declared == 0 && nseries == 0);
    {
      strata_tag_list *l = NULL;
      OK(strata_list_tags(db, "m", NULL, &l));
      CHECK(strata_tag_list_count(l) == 0); /* a dropped measurement has no tags */
      strata_tag_list_free(l);
    }
  }
  CHECK_RC(strata_field_type(db, "m", "s", &type), STRATA_NOT_FOUND, "s");
  OK(strata_query_rows(db, "m", NULL, 0, NULL, 0, INT64_MIN, INT64_MAX, &r));
  CHECK(strata_rows_next(r) == STRATA_DONE);
  strata_rows_free(r);
  OK(strata_drop_measurement(db, "unknown"));
  CHECK_RC(strata_drop_measurement(db, NULL), STRATA_INVALID, "measurement");

  /* No retention: the oldest routable time, the start of the int64 range's first whole day. */
  OK(strata_oldest_writable_time(db, &d));
  CHECK(d == INT64_MIN / 86400000000000LL * 86400000000000LL);
  CHECK_RC(strata_oldest_writable_time(NULL, &d), STRATA_INVALID, "db");
  CHECK(d == 0);
  CHECK_RC(strata_oldest_writable_time(db, NULL), STRATA_INVALID, "out");

  OK(strata_parse_duration("1h", &d));
  CHECK(d == 3600000000000LL);
  CHECK_RC(strata_parse_duration("1 fortnight", &d), STRATA_INVALID, NULL);
  CHECK(d == 0);
  strata_batch_free(b);
  strata_close(db);
}

/* "time:type/value|type/value" of the current row's two fields, e.g. "30:1/3.5|4/(null)". */
static void row_text(strata_rows *r, char *buf, size_t cap) {
  size_t len = 0;
  const char *str = strata_rows_str(r, 1, &len);
  snprintf(buf, cap, "%lld:%d/%g|%d/%s", (long long)strata_rows_time(r), strata_rows_type(r, 0),
           strata_rows_f64(r, 0), strata_rows_type(r, 1), str != NULL ? str : "(null)");
}

/* The layout of strata_rows_options version 1 (which ends at presence_only), followed by a
** member where version 2 has limit_per_tagset: a version 1 caller's memory after its struct. */
typedef struct {
  unsigned int version;
  int descending;
  const unsigned char *presence_only;
  size_t after_the_struct;
} rows_options_v1_and_more;

/* Likewise version 2 (which ends at limit_per_tagset), followed by what would be order_tags. */
typedef struct {
  unsigned int version;
  int descending;
  const unsigned char *presence_only;
  size_t limit_per_tagset;
  const char *const *after_the_struct;
  size_t norder_tags;
} rows_options_v2_and_more;

/* Likewise version 3 (which ends at norder_tags), followed by what would be predicates. */
typedef struct {
  unsigned int version;
  int descending;
  const unsigned char *presence_only;
  size_t limit_per_tagset;
  const char *const *order_tags;
  size_t norder_tags;
  const void *after_the_struct;
  size_t npredicates;
} rows_options_v3_and_more;

/* "tagset@time" of each remaining row, joined with spaces, into buf; frees r. */
/* The rest of r's rows as "tagset@time:x|s ..." (values shown as row_text shows them). */
static void rows_read(strata_rows *r, char *buf, size_t cap) {
  size_t used = 0;
  char row[128];
  buf[0] = '\0';
  while (strata_rows_next(r) == STRATA_ROW && used < cap) {
    row_text(r, row, sizeof row);
    used += (size_t)snprintf(buf + used, cap - used, "%s%s@%s", used > 0 ? " " : "",
                             strata_rows_tagset(r), row);
  }
}

static void rows_list(strata_rows *r, char *buf, size_t cap) {
  size_t used = 0;
  buf[0] = '\0';
  while (strata_rows_next(r) == STRATA_ROW && used < cap) {
    used += (size_t)snprintf(buf + used, cap - used, "%s%s@%lld", used > 0 ? " " : "",
                             strata_rows_tagset(r), (long long)strata_rows_time(r));
  }
  strata_rows_free(r);
}

/* The rows of m (field x) matching one predicate (and the filters), listed into buf. */
static int query_predicate(strata_db *db, const strata_tag_filter *filters, size_t nfilters,
                           const char *key, int op, const char *const *values, size_t nvalues,
                           char *buf, size_t cap) {
  const char *fields[] = {"x"};
  strata_rows_options opts = STRATA_ROWS_OPTIONS_INIT;
  strata_tag_predicate p;
  strata_rows *r = NULL;
  int rc = 0;
  p.key = key;
  p.op = op;
  p.values = values;
  p.nvalues = nvalues;
  opts.predicates = &p;
  opts.npredicates = 1;
  buf[0] = '\0';
  rc = strata_query_rows_ex(db, "m", filters, nfilters, fields, 1, INT64_MIN, INT64_MAX, &opts, &r);
  if (rc == STRATA_OK) rows_list(r, buf, cap);
  return rc;
}

/* strata_rows_options version 4: tag predicates (not in, prefix, prefix ignoring case, regex),
** series without the tag never matching, a version 3 struct, errors naming the predicate. */
static void test_rows_predicates(void) {
  strata_db *db = NULL;
  strata_rows *r = NULL;
  char list[512];
  const char *fields[] = {"x"};
  const char *a[] = {"web-1"};
  const char *two[] = {"web-1", "db-1"};
  const char *web[] = {"web-"};
  const char *upper_web[] = {"WEB-"};
  const char *re_digits[] = {"web-[0-9]+"};
  const char *re_bad[] = {"web-(["};
  const char *null_value[] = {NULL};
  const char *empty[] = {""};
  const strata_tag_filter dc_east = {"dc", (const char *const[]){"east"}, 1};
  strata_rows_options opts = STRATA_ROWS_OPTIONS_INIT;
  strata_tag_predicate p = {"host", STRATA_TAG_PREFIX, web, 1};
  rows_options_v3_and_more v3 = {3, 0, NULL, 0, NULL, 0, &p, 1};
  const char *lines =
      "m,dc=east,host=web-1 x=1 1\nm,dc=west,host=web-22 x=1 2\nm,dc=east,host=Web-3 x=1 3\n"
      "m,dc=east,host=db-1 x=1 4\nm,dc=east x=1 5\nm,host=web-x x=1 6\n";
  phase = "rows_predicates";
  OK(strata_open(path_in("rows_predicates"), "sync=off", &db));
  if (db == NULL) return;
  OK(strata_write_lines(db, lines, strlen(lines)));

  OK(query_predicate(db, NULL, 0, "host", STRATA_TAG_NOT_IN, a, 1, list, sizeof list));
  CHECK(strcmp(list, "m,dc=east,host=Web-3@3 m,dc=east,host=db-1@4 m,dc=west,host=web-22@2 "
                     "m,host=web-x@6") == 0); /* not m,dc=east (no host) */
  OK(query_predicate(db, NULL, 0, "host", STRATA_TAG_NOT_IN, two, 2, list, sizeof list));
  CHECK(strcmp(list, "m,dc=east,host=Web-3@3 m,dc=west,host=web-22@2 m,host=web-x@6") == 0);
  OK(query_predicate(db, NULL, 0, "host", STRATA_TAG_NOT_IN, NULL, 0, list, sizeof list));
  CHECK(strcmp(list, "m,dc=east,host=Web-3@3 m,dc=east,host=db-1@4 m,dc=east,host=web-1@1 "
                     "m,dc=west,host=web-22@2 m,host=web-x@6") == 0);
  OK(query_predicate(db, NULL, 0, "host", STRATA_TAG_PREFIX, web, 1, list, sizeof list));
  CHECK(strcmp(list, "m,dc=east,host=web-1@1 m,dc=west,host=web-22@2 m,host=web-x@6") == 0);
  OK(query_predicate(db, &dc_east, 1, "host", STRATA_TAG_PREFIX, web, 1, list, sizeof list));
  CHECK(strcmp(list, "m,dc=east,host=web-1@1") == 0);
  OK(query_predicate(db, NULL, 0, "host", STRATA_TAG_PREFIX, upper_web, 1, list, sizeof list));
  CHECK(strcmp(list, "") == 0);
  OK(query_predicate(db, NULL, 0, "host", STRATA_TAG_PREFIX_NOCASE, upper_web, 1, list,
                     sizeof list));
  CHECK(strcmp(list, "m,dc=east,host=Web-3@3 m,dc=east,host=web-1@1 m,dc=west,host=web-22@2 "
                     "m,host=web-x@6") == 0);
  OK(query_predicate(db, NULL, 0, "host", STRATA_TAG_PREFIX, empty, 1, list, sizeof list));
  CHECK(strcmp(list, "m,dc=east,host=Web-3@3 m,dc=east,host=db-1@4 m,dc=east,host=web-1@1 "
                     "m,dc=west,host=web-22@2 m,host=web-x@6") == 0);
  OK(query_predicate(db, NULL, 0, "host", STRATA_TAG_REGEX, re_digits, 1, list, sizeof list));
  CHECK(strcmp(list, "m,dc=east,host=web-1@1 m,dc=west,host=web-22@2") == 0);
  OK(query_predicate(db, NULL, 0, "nokey", STRATA_TAG_NOT_IN, a, 1, list, sizeof list));
  CHECK(strcmp(list, "") == 0);

  /* A version 3 struct is accepted, and nothing after it is read as predicates. */
  OK(strata_query_rows_ex(db, "m", NULL, 0, fields, 1, INT64_MIN, INT64_MAX,
                          (const strata_rows_options *)(const void *)&v3, &r));
  CHECK(strata_rows_tagset_count(r) == 6);
  strata_rows_free(r);
  /* strata_rows_requery takes predicates too. */
  opts.predicates = &p;
  opts.npredicates = 1;
  OK(strata_query_rows_ex(db, "m", NULL, 0, fields, 1, INT64_MIN, INT64_MAX, NULL, &r));
  OK(strata_rows_requery(db, r, NULL, 0, INT64_MIN, INT64_MAX, &opts));
  rows_list(r, list, sizeof list);
  CHECK(strcmp(list, "m,dc=east,host=web-1@1 m,dc=west,host=web-22@2 m,host=web-x@6") == 0);

  /* Errors name the predicate. */
  CHECK_RC(query_predicate(db, NULL, 0, "host", STRATA_TAG_REGEX, re_bad, 1, list, sizeof list),
           STRATA_INVALID, "options->predicates[0]: tag filter on 'host': invalid regex 'web-(['");
  CHECK_RC(query_predicate(db, NULL, 0, "host", 17, a, 1, list, sizeof list), STRATA_INVALID,
           "options->predicates[0].op 17 is unknown");
  CHECK_RC(query_predicate(db, NULL, 0, "host", STRATA_TAG_PREFIX, two, 2, list, sizeof list),
           STRATA_INVALID, "prefix takes exactly one value, got 2");
  CHECK_RC(query_predicate(db, NULL, 0, "host", STRATA_TAG_REGEX, NULL, 0, list, sizeof list),
           STRATA_INVALID, "regex takes exactly one value, got 0");
  CHECK_RC(query_predicate(db, NULL, 0, NULL, STRATA_TAG_PREFIX, web, 1, list, sizeof list),
           STRATA_INVALID, "options->predicates[0].key is NULL");
  CHECK_RC(query_predicate(db, NULL, 0, "host", STRATA_TAG_PREFIX, null_value, 1, list,
                           sizeof list),
           STRATA_INVALID, "options->predicates[0].values[0] is NULL");
  CHECK_RC(query_predicate(db, NULL, 0, "host", STRATA_TAG_PREFIX, NULL, 1, list, sizeof list),
           STRATA_INVALID, "options->predicates[0].values is NULL");
  opts.predicates = NULL;
  opts.npredicates = 1;
  CHECK_RC(strata_query_rows_ex(db, "m", NULL, 0, fields, 1, 0, 1, &opts, &r), STRATA_INVALID,
           "options->predicates");
  strata_close(db);
}

/* strata_query_rows_ex: descending order, presence-only fields, NULL and default options, tag-set
** count, the per-tag-set limit, option versions, errors. */
static void test_rows_ex(void) {
  strata_db *db = NULL;
  strata_rows *r = NULL;
  strata_rows_options opts = STRATA_ROWS_OPTIONS_INIT;
  strata_rows_options limited = STRATA_ROWS_OPTIONS_INIT;
  rows_options_v1_and_more v1 = {1, 1, NULL, 1};
  const char *by_zone[] = {"zone"};
  const char *null_tag[] = {"zone", NULL};
  rows_options_v2_and_more v2 = {2, 1, NULL, 1, NULL, 5};
  const char *ordered_lines = "m,host=c,zone=2 x=1 6\nm,host=d,zone=1 x=1 7\n";
  char list[256];
  const char *fields[] = {"x", "s"};
  const char *twice[] = {"s", "s"};
  const unsigned char presence[] = {0, 1};
  const unsigned char presence_first[] = {1, 0};
  const char *want_asc[] = {"10:1/1.5|4/hi", "20:1/2.5|0/(null)", "30:1/3.5|4/yo"};
  char buf[128];
  size_t len = 7;
  int i = 0;
  const char *lines = "m,host=a x=1.5,s=\"hi\" 10\nm,host=a x=2.5 20\nm,host=b x=9.5 5\n";
  const char *more = "m,host=a x=3.5,s=\"yo\" 30\n";
  phase = "rows_ex";
  OK(strata_open(path_in("rows_ex"), "sync=off", &db));
  if (db == NULL) return;
  OK(strata_write_lines(db, lines, strlen(lines)));
  OK(strata_flush(db)); /* a segment, then the MemStore */
  OK(strata_write_lines(db, more, strlen(more)));

  /* NULL options and default options: strata_query_rows' order. */
  OK(strata_query_rows_ex(db, "m", NULL, 0, fields, 2, INT64_MIN, INT64_MAX, NULL, &r));
  for (i = 0; i < 3; i++) {
    CHECK(strata_rows_next(r) == STRATA_ROW);
    row_text(r, buf, sizeof buf);
    CHECK(strcmp(buf, want_asc[i]) == 0);
  }
  strata_rows_free(r);
  OK(strata_query_rows_ex(db, "m", NULL, 0, fields, 2, INT64_MIN, INT64_MAX, &opts, &r));
  CHECK(strata_rows_next(r) == STRATA_ROW && strata_rows_time(r) == 10);
  strata_rows_free(r);

  /* Descending: newest first within each tag set; tag sets keep their order. */
  opts.descending = 1;
  OK(strata_query_rows_ex(db, "m", NULL, 0, fields, 2, INT64_MIN, INT64_MAX, &opts, &r));
  for (i = 2; i >= 0; i--) {
    CHECK(strata_rows_next(r) == STRATA_ROW);
    CHECK(strcmp(strata_rows_tagset(r), "m,host=a") == 0);
    row_text(r, buf, sizeof buf);
    CHECK(strcmp(buf, want_asc[i]) == 0);
  }
  CHECK(strata_rows_next(r) == STRATA_ROW);
  CHECK(strcmp(strata_rows_tagset(r), "m,host=b") == 0 && strata_rows_time(r) == 5);
  CHECK(strata_rows_next(r) == STRATA_DONE);
  strata_rows_free(r);
  /* The "last point" query: descending, first row only, restricted range. */
  OK(strata_query_rows_ex(db, "m", NULL, 0, fields, 1, INT64_MIN, 25, &opts, &r));
  CHECK(strata_rows_next(r) == STRATA_ROW && strata_rows_time(r) == 20 && strata_rows_f64(r, 0) == 2.5);
  strata_rows_free(r);

  /* Presence only: the same rows; the type is reported, the value is not. */
  opts.descending = 0;
  opts.presence_only = presence;
  OK(strata_query_rows_ex(db, "m", NULL, 0, fields, 2, INT64_MIN, INT64_MAX, &opts, &r));
  CHECK(strata_rows_next(r) == STRATA_ROW);
  row_text(r, buf, sizeof buf);
  CHECK(strcmp(buf, "10:1/1.5|4/(null)") == 0);
  CHECK(strata_rows_str(r, 1, &len) == NULL && len == 0);
  CHECK(strata_rows_next(r) == STRATA_ROW);
  row_text(r, buf, sizeof buf);
  CHECK(strcmp(buf, "20:1/2.5|0/(null)") == 0);
  CHECK(strata_rows_next(r) == STRATA_ROW && strata_rows_type(r, 1) == STRATA_STRING);
  CHECK(strata_rows_next(r) == STRATA_ROW && strata_rows_time(r) == 5 && strata_rows_type(r, 1) == 0);
  CHECK(strata_rows_next(r) == STRATA_DONE);
  strata_rows_free(r);
  /* A presence-only float reads 0; a field also requested with its value keeps it there. */
  opts.presence_only = presence_first;
  OK(strata_query_rows_ex(db, "m", NULL, 0, fields, 2, 20, 20, &opts, &r));
  CHECK(strata_rows_next(r) == STRATA_ROW && strata_rows_type(r, 0) == STRATA_FLOAT);
  CHECK(strata_rows_f64(r, 0) == 0 && strata_rows_i64(r, 0) == 0);
  CHECK(strata_rows_next(r) == STRATA_DONE);
  strata_rows_free(r);
  OK(strata_query_rows_ex(db, "m", NULL, 0, twice, 2, 10, 10, &opts, &r));
  CHECK(strata_rows_next(r) == STRATA_ROW);
  CHECK(strata_rows_type(r, 0) == STRATA_STRING && strata_rows_str(r, 0, NULL) == NULL);
  CHECK(strata_rows_type(r, 1) == STRATA_STRING && strcmp(strata_rows_str(r, 1, &len), "hi") == 0 && len == 2);
  strata_rows_free(r);

  /* Two tag sets matched, also before the first row. */
  OK(strata_query_rows_ex(db, "m", NULL, 0, fields, 2, INT64_MIN, INT64_MAX, NULL, &r));
  CHECK(strata_rows_tagset_count(r) == 2);
  strata_rows_free(r);
  CHECK(strata_rows_tagset_count(NULL) == 0);

  /* limit_per_tagset (version 2): the newest row of each tag set, then the two oldest. */
  CHECK(limited.version == 4 && limited.limit_per_tagset == 0 && limited.order_tags == NULL &&
        limited.norder_tags == 0 && limited.predicates == NULL && limited.npredicates == 0);
  limited.descending = 1;
  limited.limit_per_tagset = 1;
  OK(strata_query_rows_ex(db, "m", NULL, 0, fields, 2, INT64_MIN, INT64_MAX, &limited, &r));
  rows_list(r, list, sizeof list);
  CHECK(strcmp(list, "m,host=a@30 m,host=b@5") == 0);
  limited.descending = 0;
  limited.limit_per_tagset = 2;
  OK(strata_query_rows_ex(db, "m", NULL, 0, fields, 2, INT64_MIN, INT64_MAX, &limited, &r));
  rows_list(r, list, sizeof list);
  CHECK(strcmp(list, "m,host=a@10 m,host=a@20 m,host=b@5") == 0);

  /* A version 1 struct is still accepted, and nothing after it is read as limit_per_tagset. */
  OK(strata_query_rows_ex(db, "m", NULL, 0, fields, 2, INT64_MIN, INT64_MAX,
                          (const strata_rows_options *)(const void *)&v1, &r));
  rows_list(r, list, sizeof list);
  CHECK(strcmp(list, "m,host=a@30 m,host=a@20 m,host=a@10 m,host=b@5") == 0);

  /* order_tags (version 3): tag sets by a tag's value, a tag set without it first. */
  OK(strata_write_lines(db, ordered_lines, strlen(ordered_lines)));
  opts.order_tags = by_zone;
  opts.norder_tags = 1;
  OK(strata_query_rows_ex(db, "m", NULL, 0, fields, 2, INT64_MIN, INT64_MAX, &opts, &r));
  rows_list(r, list, sizeof list);
  CHECK(strcmp(list, "m,host=a@10 m,host=a@20 m,host=a@30 m,host=b@5 m,host=d,zone=1@7 "
                     "m,host=c,zone=2@6") == 0);
  opts.norder_tags = 0;
  /* A version 2 struct is still accepted, and nothing after it is read as order_tags. */
  OK(strata_query_rows_ex(db, "m", NULL, 0, fields, 2, INT64_MIN, INT64_MAX,
                          (const strata_rows_options *)(const void *)&v2, &r));
  rows_list(r, list, sizeof list);
  CHECK(strcmp(list, "m,host=a@30 m,host=b@5 m,host=c,zone=2@6 m,host=d,zone=1@7") == 0);

  /* Errors: *out is NULL, the message names the function and the argument. */
  opts.order_tags = NULL;
  opts.norder_tags = 1;
  CHECK_RC(strata_query_rows_ex(db, "m", NULL, 0, fields, 2, 0, 1, &opts, &r), STRATA_INVALID,
           "strata_query_rows_ex: options->order_tags");
  opts.order_tags = null_tag;
  opts.norder_tags = 2;
  CHECK_RC(strata_query_rows_ex(db, "m", NULL, 0, fields, 2, 0, 1, &opts, &r), STRATA_INVALID,
           "options->order_tags[1] is NULL");
  opts.order_tags = NULL;
  opts.norder_tags = 0;
  limited.version = 0;
  CHECK_RC(strata_query_rows_ex(db, "m", NULL, 0, fields, 2, 0, 1, &limited, &r), STRATA_INVALID,
           "strata_query_rows_ex: options->version is 0");
  limited.version = STRATA_ROWS_OPTIONS_VERSION + 1;
  CHECK_RC(strata_query_rows_ex(db, "m", NULL, 0, fields, 2, 0, 1, &limited, &r), STRATA_INVALID,
           "options->version is 5, this library knows 1 to 4");
  opts.version = 99;
  r = (strata_rows *)&opts;
  CHECK_RC(strata_query_rows_ex(db, "m", NULL, 0, fields, 2, 0, 1, &opts, &r), STRATA_INVALID,
           "strata_query_rows_ex: options->version is 99");
  CHECK(r == NULL);
  opts.version = STRATA_ROWS_OPTIONS_VERSION;
  r = (strata_rows *)&opts;
  CHECK_RC(strata_query_rows_ex(db, "m", NULL, 0, NULL, 0, 0, 1, &opts, &r), STRATA_INVALID,
           "strata_query_rows_ex: options->presence_only");
  CHECK(r == NULL);
  CHECK_RC(strata_query_rows_ex(NULL, "m", NULL, 0, fields, 2, 0, 1, NULL, &r), STRATA_INVALID,
           "strata_query_rows_ex: db");
  CHECK_RC(strata_query_rows_ex(db, "", NULL, 0, fields, 2, 0, 1, NULL, &r), STRATA_INVALID,
           "strata_query_rows_ex: measurement is empty");
  CHECK_RC(strata_query_rows_ex(db, "m", NULL, 0, NULL, 2, 0, 1, &opts, &r), STRATA_INVALID,
           "fields");
  CHECK_RC(strata_query_rows_ex(db, "m", NULL, 0, fields, 2, 0, 1, &opts, NULL), STRATA_INVALID,
           "out");
  CHECK(r == NULL);
  strata_close(db);
}

/* Block reads: long blocks of rows whose fields share their times, blocks of one otherwise, the
** arrays, mixing with strata_rows_next, the limit per tag set, descending, presence-only, errors. */
static void test_rows_blocks(void) {
  strata_db *db = NULL;
  strata_batch *b = NULL;
  strata_rows *r = NULL;
  strata_rows_options opts = STRATA_ROWS_OPTIONS_INIT;
  const strata_tag ta[] = {{"host", "a"}}, tb[] = {{"host", "b"}};
  const char *fields[] = {"x", "s"};
  const unsigned char presence[] = {1, 0};
  const uint64_t *nums = NULL;
  const int64_t *times = NULL;
  size_t n = 9, len = 0, k = 0;
  double d = 0;
  int64_t t = 0;
  char text[8];
  phase = "rows_blocks";
  OK(strata_open(path_in("rows_blocks"), "sync=off", &db));
  if (db == NULL) return;
  OK(strata_batch_new(&b));
  for (t = 1; t <= 10; t++) { /* host a: x and s at every time */
    snprintf(text, sizeof text, "v%d", (int)t);
    OK(strata_batch_add_f64(b, "m", ta, 1, "x", t, (double)t / 2));
    OK(strata_batch_add_str(b, "m", ta, 1, "s", t, text, strlen(text)));
  }
  OK(strata_batch_add_f64(b, "m", tb, 1, "x", 1, 7.0)); /* host b: s only at time 2 */
  OK(strata_batch_add_f64(b, "m", tb, 1, "x", 2, 8.0));
  OK(strata_batch_add_str(b, "m", tb, 1, "s", 2, "b2", 2));
  OK(strata_write(db, b));
  strata_batch_free(b);

  OK(strata_query_rows(db, "m", NULL, 0, fields, 2, INT64_MIN, INT64_MAX, &r));
  CHECK_RC(strata_rows_next_block(NULL, 4, &n), STRATA_INVALID, "rows");
  CHECK(n == 0);
  CHECK_RC(strata_rows_next_block(r, 4, NULL), STRATA_INVALID, "n");
  CHECK_RC(strata_rows_next_block(r, 0, &n), STRATA_INVALID, "max");
  CHECK(strata_rows_block_times(r) == NULL && strata_rows_block_nums(r, 0) == NULL);
  CHECK(strata_rows_next_block(r, 4, &n) == STRATA_ROW && n == 4);
  times = strata_rows_block_times(r);
  nums = strata_rows_block_nums(r, 0);
  CHECK(times != NULL && nums != NULL && times[0] == 1 && times[3] == 4);
  memcpy(&d, &nums[3], sizeof d);
  CHECK(d == 2.0 && strata_rows_time(r) == 1 && strata_rows_f64(r, 0) == 0.5);
  CHECK(strata_rows_block_nums(r, 1) == NULL && strata_rows_block_nums(r, 2) == NULL);
  CHECK(strata_rows_type(r, 1) == STRATA_STRING);
  CHECK(strcmp(strata_rows_block_str(r, 1, 2, &len), "v3") == 0 && len == 2);
  CHECK(strata_rows_block_str(r, 1, 4, &len) == NULL && len == 0);
  CHECK(strata_rows_block_str(r, 0, 0, NULL) == NULL);
  CHECK(strata_rows_next(r) == STRATA_ROW && strata_rows_time(r) == 5); /* after the block */
  CHECK(strata_rows_next_block(r, 100, &n) == STRATA_ROW && n == 5);   /* the rest of host a */
  CHECK(strata_rows_block_times(r)[4] == 10);
  /* Host b's rows differ in their fields: one per block. */
  CHECK(strata_rows_next_block(r, 100, &n) == STRATA_ROW && n == 1 && strata_rows_time(r) == 1);
  CHECK(strata_rows_type(r, 1) == 0 && strata_rows_block_str(r, 1, 0, NULL) == NULL);
  CHECK(strata_rows_next_block(r, 100, &n) == STRATA_ROW && n == 1);
  CHECK(strata_rows_block_times(r)[0] == 2 && strcmp(strata_rows_block_str(r, 1, 0, NULL), "b2") == 0);
  memcpy(&d, strata_rows_block_nums(r, 0), sizeof d);
  CHECK(d == 8.0);
  CHECK(strata_rows_next_block(r, 100, &n) == STRATA_DONE && n == 0);
  CHECK(strata_rows_block_times(r) == NULL);
  strata_rows_free(r);

  /* The limit per tag set caps a block; descending reads come one row per block; presence-only
  ** fields have no values. */
  opts.limit_per_tagset = 3;
  opts.presence_only = presence;
  OK(strata_query_rows_ex(db, "m", NULL, 0, fields, 2, INT64_MIN, INT64_MAX, &opts, &r));
  CHECK(strata_rows_next_block(r, 100, &n) == STRATA_ROW && n == 3);
  CHECK(strata_rows_type(r, 0) == STRATA_FLOAT && strata_rows_block_nums(r, 0) == NULL);
  CHECK(strcmp(strata_rows_block_str(r, 1, 2, NULL), "v3") == 0);
  CHECK(strata_rows_next_block(r, 100, &n) == STRATA_ROW && n == 1 && strata_rows_time(r) == 1);
  strata_rows_free(r);
  opts.limit_per_tagset = 0;
  opts.presence_only = NULL;
  opts.descending = 1;
  OK(strata_query_rows_ex(db, "m", NULL, 0, fields, 2, INT64_MIN, INT64_MAX, &opts, &r));
  for (k = 10; k >= 9; k--) {
    CHECK(strata_rows_next_block(r, 100, &n) == STRATA_ROW && n == 1);
    CHECK(strata_rows_block_times(r)[0] == (int64_t)k);
  }
  strata_rows_free(r);
  strata_close(db);
}

/* Checks that the rest of `r`'s rows are those of a new cursor of the same query on db. */
static void check_as_new(strata_db *db, strata_rows *r, const strata_tag_filter *filters,
                         size_t nfilters, int64_t t_min, int64_t t_max,
                         const strata_rows_options *opts, int line) {
  const char *fields[] = {"x", "s"};
  strata_rows *fresh = NULL;
  char got[512], want[512];
  OK(strata_query_rows_ex(db, "m", filters, nfilters, fields, 2, t_min, t_max, opts, &fresh));
  rows_read(r, got, sizeof got);
  rows_read(fresh, want, sizeof want);
  strata_rows_free(fresh);
  if (strcmp(got, want) != 0 || want[0] == '\0') {
    fprintf(stderr, "%s:%d [%s] requeried rows '%s', a new cursor's '%s'\n", __FILE__, line,
            phase, got, want);
    failures++;
  }
}

/* strata_rows_requery: the cursor run again with other filters, range and options answers as a
** new cursor would (whether it was read partly or to its end before, or reset), sees writes made
** since, and fails for NULL arguments, a cursor of another database and bad options, after which
** it is done until a requery succeeds.  strata_rows_reset ends a query. */
static void test_rows_requery(void) {
  strata_db *db = NULL, *other = NULL;
  strata_rows *r = NULL;
  strata_rows_options opts = STRATA_ROWS_OPTIONS_INIT;
  strata_rows_options bad = STRATA_ROWS_OPTIONS_INIT;
  const char *fields[] = {"x", "s"};
  const char *hosts_b[] = {"b"};
  const strata_tag_filter host_b = {"host", hosts_b, 1};
  const unsigned char presence[] = {1, 0};
  const char *lines = "m,host=a x=1.5,s=\"hi\" 10\nm,host=a x=2.5 20\nm,host=b x=9.5 5\n"
                      "m,host=b s=\"b\" 15\n";
  const char *later = "m,host=c x=4 12\nm,host=a x=7 30\n";
  phase = "rows_requery";
  OK(strata_open(path_in("rows_requery"), "sync=off", &db));
  OK(strata_open(path_in("rows_requery_other"), "sync=off", &other));
  if (db == NULL || other == NULL) {
    strata_close(db);
    strata_close(other);
    return;
  }
  OK(strata_write_lines(db, lines, strlen(lines)));
  OK(strata_flush(db));
  OK(strata_query_rows_ex(db, "m", NULL, 0, fields, 2, INT64_MIN, INT64_MAX, NULL, &r));
  if (r == NULL) return;
  CHECK(strata_rows_next(r) == STRATA_ROW); /* left after one row */
  opts.descending = 1;
  OK(strata_rows_requery(db, r, &host_b, 1, INT64_MIN, INT64_MAX, &opts));
  check_as_new(db, r, &host_b, 1, INT64_MIN, INT64_MAX, &opts, __LINE__); /* read to its end */
  opts.descending = 0;
  opts.presence_only = presence;
  OK(strata_rows_requery(db, r, NULL, 0, 10, 20, &opts));
  check_as_new(db, r, NULL, 0, 10, 20, &opts, __LINE__);
  OK(strata_write_lines(db, later, strlen(later)));
  OK(strata_rows_requery(db, r, NULL, 0, INT64_MIN, INT64_MAX, NULL));
  check_as_new(db, r, NULL, 0, INT64_MIN, INT64_MAX, NULL, __LINE__);
  opts.presence_only = NULL;
  opts.descending = 1;
  opts.limit_per_tagset = 1;
  OK(strata_rows_requery(db, r, NULL, 0, INT64_MIN, INT64_MAX, &opts));
  check_as_new(db, r, NULL, 0, INT64_MIN, INT64_MAX, &opts, __LINE__);

  /* Errors end the cursor's query until a requery succeeds. */
  OK(strata_rows_requery(db, r, NULL, 0, INT64_MIN, INT64_MAX, NULL));
  CHECK_RC(strata_rows_requery(NULL, r, NULL, 0, 0, 1, NULL), STRATA_INVALID,
           "strata_rows_requery: db");
  CHECK(strata_rows_next(r) == STRATA_DONE);
  CHECK_RC(strata_rows_requery(db, NULL, NULL, 0, 0, 1, NULL), STRATA_INVALID,
           "strata_rows_requery: r");
  CHECK_RC(strata_rows_requery(other, r, NULL, 0, 0, 1, NULL), STRATA_INVALID,
           "not from this database");
  CHECK(strata_rows_next(r) == STRATA_DONE);
  bad.version = 0;
  CHECK_RC(strata_rows_requery(db, r, NULL, 0, 0, 1, &bad), STRATA_INVALID,
           "strata_rows_requery: options->version is 0");
  CHECK_RC(strata_rows_requery(db, r, NULL, 1, 0, 1, NULL), STRATA_INVALID,
           "strata_rows_requery: filters");
  CHECK(strata_rows_next(r) == STRATA_DONE && strata_rows_time(r) == 0);
  OK(strata_rows_requery(db, r, &host_b, 1, INT64_MIN, INT64_MAX, NULL));
  check_as_new(db, r, &host_b, 1, INT64_MIN, INT64_MAX, NULL, __LINE__);

  /* A reset ends the query (the cursor can be requeried later); NULL is a no-op. */
  OK(strata_rows_requery(db, r, NULL, 0, INT64_MIN, INT64_MAX, NULL));
  CHECK(strata_rows_next(r) == STRATA_ROW);
  strata_rows_reset(r);
  CHECK(strata_rows_next(r) == STRATA_DONE && strata_rows_tagset(r) == NULL);
  strata_rows_reset(r);
  strata_rows_reset(NULL);
  OK(strata_rows_requery(db, r, NULL, 0, INT64_MIN, INT64_MAX, NULL));
  check_as_new(db, r, NULL, 0, INT64_MIN, INT64_MAX, NULL, __LINE__);
  strata_rows_free(r);
  strata_close(other);
  strata_close(db);
}

/* strata_write_lines_ex: precisions, option errors, the line number of a refused line; and
** strata_schema_json. */
static void test_write_lines_ex_and_schema(void) {
  strata_db *db = NULL;
  strata_lines_options o = STRATA_LINES_OPTIONS_INIT;
  char *json = NULL;
  const char *text = "m,host=a v=1 1700000000\nm,host=b,dc=x n=2i 1700000001\n";
  phase = "write_lines_ex";
  OK(strata_open(path_in("lines_ex"), "sync=off", &db));
  if (db == NULL) return;
  CHECK(o.version == STRATA_LINES_OPTIONS_VERSION && o.precision == STRATA_PRECISION_NS);
  o.precision = STRATA_PRECISION_S;
  CHECK_RC(strata_write_lines_ex(NULL, text, strlen(text), &o), STRATA_INVALID, "db");
  CHECK_RC(strata_write_lines_ex(db, NULL, 3, &o), STRATA_INVALID, "lines");
  OK(strata_write_lines_ex(db, text, strlen(text), &o));
  CHECK(count_points(db, "m", NULL, 0, NULL, 1700000000000000000, 1700000000000000000) == 1);
  CHECK(count_points(db, "m", NULL, 0, NULL, 1700000001000000000, 1700000001000000000) == 1);
  o.precision = STRATA_PRECISION_MS;
  OK(strata_write_lines_ex(db, "m,host=a v=3 1700000000001\n", 27, &o));
  CHECK(count_points(db, "m", NULL, 0, "v", 1700000000001000000, 1700000000001000000) == 1);
  o.precision = STRATA_PRECISION_US;
  OK(strata_write_lines_ex(db, "m,host=a v=4 1700000000000002\n", 30, &o));
  CHECK(count_points(db, "m", NULL, 0, "v", 1700000000000002000, 1700000000000002000) == 1);
  OK(strata_write_lines_ex(db, "m,host=a v=5 7\n", 15, NULL)); /* NULL: nanoseconds */
  CHECK(count_points(db, "m", NULL, 0, "v", 7, 7) == 1);
  o.precision = STRATA_PRECISION_S;
  CHECK_RC(strata_write_lines_ex(db, "m v=1 1\nm v=1 9223372037\n", 25, &o), STRATA_INVALID,
           "line 2, column 7");
  CHECK(count_points(db, "m", NULL, 0, "v", 1000000000, 1000000000) == 0); /* nothing written */
  o.precision = 4;
  CHECK_RC(strata_write_lines_ex(db, "m v=1 1\n", 8, &o), STRATA_INVALID, "precision");
  o.precision = STRATA_PRECISION_NS;
  o.version = 2;
  CHECK_RC(strata_write_lines_ex(db, "m v=1 1\n", 8, &o), STRATA_INVALID, "version");

  phase = "schema_json";
  CHECK_RC(strata_schema_json(db, NULL), STRATA_INVALID, "out");
  CHECK_RC(strata_schema_json(NULL, &json), STRATA_INVALID, "db");
  CHECK(json == NULL);
  OK(strata_schema_json(db, &json));
  CHECK(json != NULL &&
        strcmp(json, "{\"measurements\":[{\"fields\":[{\"name\":\"n\",\"type\":\"integer\"},"
                     "{\"name\":\"v\",\"type\":\"float\"}],\"name\":\"m\",\"series\":2,"
                     "\"tags\":[\"dc\",\"host\"]}]}") == 0);
  if (json != NULL) printf("schema: %s\n", json);
  strata_free(json);
  OK(strata_close(db));
}

/* strata_summary_accept that takes every block and counts the calls. */
static int accept_all(void *ctx, int64_t first_time, int64_t last_time) {
  (*(int *)ctx)++;
  return first_time <= last_time;
}

/* Reads a strata_query_summaries cursor to the end: points and summaries, and the points' sum. */
static void read_pieces(strata_cursor *c, int64_t *points, int *summaries, double *sum) {
  int64_t times[4096];
  double v[4096];
  size_t n = 0;
  strata_block_summary s;
  int summarized = 0, rc;
  *points = 0;
  *summaries = 0;
  *sum = 0;
  while ((rc = strata_cursor_next_piece(c, times, v, 4096, &n, &s, &summarized)) == STRATA_ROW) {
    CHECK(strcmp(strata_cursor_series(c), "m,h=a#v") == 0 && strata_cursor_type(c) == STRATA_FLOAT);
    if (summarized) {
      CHECK(n == 0 && s.count >= 128 && s.first_time <= s.last_time && s.min_f <= s.max_f);
      *points += s.count;
      *sum += s.sum_f;
      (*summaries)++;
      continue;
    }
    for (size_t i = 0; i < n; i++) *sum += v[i];
    *points += (int64_t)n;
  }
  CHECK(rc == STRATA_DONE);
}

/* Block summaries: a flushed series is read whole as summaries when the caller accepts them, as
** points when it does not, with the same count and sum (its values are small integers, so every
** order of adding them gives the same sum); and the error paths. */
static void test_summaries(void) {
  phase = "summaries";
  strata_db *db = NULL;
  OK(strata_open(path_in("summaries"), "sync=off", &db));
  if (db == NULL) return;
  strata_batch *b = NULL;
  OK(strata_batch_new(&b));
  const strata_tag tag = {"h", "a"};
  uint32_t series = 0;
  OK(strata_batch_series(b, "m", &tag, 1, "v", STRATA_FLOAT, &series));
  enum { kN = 3000 };
  static int64_t t[kN];
  static double v[kN];
  double want_sum = 0;
  for (int i = 0; i < kN; i++) {
    t[i] = (int64_t)i * 10000000000LL; /* 10 s from the epoch */
    v[i] = (double)(i % 17);
    want_sum += v[i];
  }
  OK(strata_batch_append_f64(b, series, t, v, kN));
  OK(strata_write(db, b));
  strata_batch_free(b);
  OK(strata_flush(db));

  strata_cursor *c = NULL;
  int calls = 0, summaries = 0;
  int64_t points = 0;
  double sum = 0;
  OK(strata_query_summaries(db, "m", NULL, 0, "v", INT64_MIN, INT64_MAX, accept_all, &calls, &c));
  read_pieces(c, &points, &summaries, &sum);
  CHECK(points == kN && sum == want_sum && summaries > 0 && calls == summaries);
  strata_cursor_free(c);
  OK(strata_query_summaries(db, "m", NULL, 0, "v", INT64_MIN, INT64_MAX, NULL, NULL, &c));
  read_pieces(c, &points, &summaries, &sum);
  CHECK(points == kN && sum == want_sum && summaries == 0);

  int64_t times[4];
  double vals[4];
  size_t n = 9;
  strata_block_summary s;
  int summarized = 9;
  CHECK_RC(strata_cursor_next_piece(c, times, vals, 4, NULL, &s, &summarized), STRATA_INVALID, "n");
  CHECK_RC(strata_cursor_next_piece(c, times, vals, 4, &n, &s, NULL), STRATA_INVALID, "summarized");
  CHECK(n == 0);
  CHECK_RC(strata_cursor_next_piece(NULL, times, vals, 4, &n, &s, &summarized), STRATA_INVALID,
           "cursor");
  CHECK(summarized == 0);
  CHECK_RC(strata_cursor_next_piece(c, NULL, vals, 4, &n, &s, &summarized), STRATA_INVALID, "times");
  CHECK_RC(strata_cursor_next_piece(c, times, vals, 4, &n, NULL, &summarized), STRATA_INVALID,
           "summary");
  CHECK_RC(strata_cursor_next_piece(c, times, vals, 0, &n, &s, &summarized), STRATA_INVALID, "cap");
  CHECK_RC(strata_cursor_next(c), STRATA_INVALID, "strata_cursor_next_piece");
  CHECK_RC(strata_cursor_next_block(c, times, vals, 4, &n), STRATA_INVALID,
           "strata_cursor_next_piece");
  strata_cursor_free(c);
  CHECK_RC(strata_query_summaries(db, "m", NULL, 0, "v", 0, 1, NULL, NULL, NULL), STRATA_INVALID,
           "out");
  CHECK_RC(strata_query_summaries(NULL, "m", NULL, 0, "v", 0, 1, NULL, NULL, &c), STRATA_INVALID,
           "db");
  CHECK(c == NULL);
  OK(strata_query(db, "m", NULL, 0, "v", INT64_MIN, INT64_MAX, &c));
  CHECK_RC(strata_cursor_next_piece(c, times, vals, 4, &n, &s, &summarized), STRATA_INVALID,
           "strata_query_summaries");
  strata_cursor_free(c);
  OK(strata_close(db));
}

int main(void) {
  strata_db *db = NULL;
  if (make_root("strata-c-test") != 0) return 2;
  test_library();
  test_open_errors();
  test_locked();
  OK(strata_open(path_in("db"), "sync=off;shard_duration=1h", &db));
  if (db != NULL) {
    test_batch_errors(db);
    test_columnar_errors();
    write_data(db);
    test_query(db);
    test_delete_flush_compact_stats(db);
    test_close_and_reopen(db);
  }
  test_rows_and_batch_deletes();
  test_rows_ex();
  test_rows_predicates();
  test_rows_requery();
  test_rows_blocks();
  test_summaries();
  test_write_lines_ex_and_schema();
  test_corrupt();
  remove_root();
  if (failures != 0) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("all C ABI checks passed\n");
  return 0;
}
