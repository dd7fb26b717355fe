/* Read throughput through the C ABI on the TSBS-like cpu workload: the C figures the bindings'
** read benchmarks (tests/bench/bindings_bench.sh) compare with.  Writes a line-protocol file into
** a fresh directory (strata_write_lines, 5,000-line batches), compacts it, then reads into
** caller arrays:
**   - one field of every series by strata_cursor_next_block (strata_query, field usage_user),
**   - every field the same way (strata_query, no field),
**   - the rows of every field a block at a time (strata_rows_next_block, every field's values
**     copied out with strata_rows_block_times / strata_rows_block_nums),
** into arrays kept from run to run (see sink_t).
** Prints points/s, the median of --repeat runs of each.
**
**   abi_read_bench cpu.lp [--options "sync=off"] [--repeat 11]
*/
#define _XOPEN_SOURCE 700

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "strata.h"

#define MAX_REPEAT 64
#define BLOCK 65536

static double clock_s(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
static double now_s(void) { return clock_s(CLOCK_MONOTONIC); }
/* Process CPU time (all threads): steadier than wall time on a shared machine. */
static double cpu_s(void) { return clock_s(CLOCK_PROCESS_CPUTIME_ID); }

static void die(const char *what, int rc) {
  fprintf(stderr, "%s failed (%d): %s\n", what, rc, strata_errmsg());
  exit(1);
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Growing output arrays, as a client that keeps what it reads would have. They are kept from
** run to run (emptied, not freed), so the figures are the ABI's own cost without the allocator's
** (page faults of new memory): the bound the bindings, which return new arrays, approach. */
typedef struct {
  int64_t *times;
  uint64_t *values;
  size_t ntimes, tcap, nvalues, vcap;
} sink_t;

static void *grow(void *p, size_t *cap, size_t need) {
  if (need <= *cap) return p;
  while (*cap < need) *cap = *cap ? *cap * 2 : BLOCK;
  p = realloc(p, *cap * 8);
  if (p == NULL) exit(1);
  return p;
}

static void sink_empty(sink_t *s) { s->ntimes = s->nvalues = 0; }

/* Reads by series into the sink; returns the number of points. */
static size_t read_series(strata_db *db, const char *field, sink_t *s) {
  strata_cursor *c = NULL;
  size_t n = 0;
  int rc;
  if ((rc = strata_query(db, "cpu", NULL, 0, field, INT64_MIN, INT64_MAX, &c)) != STRATA_OK) {
    die("query", rc);
  }
  for (;;) {
    s->times = grow(s->times, &s->tcap, s->ntimes + BLOCK);
    s->values = grow(s->values, &s->vcap, s->nvalues + BLOCK);
    rc = strata_cursor_next_block(c, s->times + s->ntimes, s->values + s->nvalues, BLOCK, &n);
    if (rc == STRATA_DONE) break;
    if (rc != STRATA_ROW) die("next_block", rc);
    s->ntimes += n;
    s->nvalues += n;
  }
  strata_cursor_free(c);
  return s->nvalues;
}

/* Reads rows a block at a time, copying the times and each field's values; returns the points. */
static size_t read_rows(strata_db *db, sink_t *s) {
  strata_rows *r = NULL;
  size_t n = 0, i;
  int rc;
  if ((rc = strata_query_rows(db, "cpu", NULL, 0, NULL, 0, INT64_MIN, INT64_MAX, &r)) !=
      STRATA_OK) {
    die("query_rows", rc);
  }
  while ((rc = strata_rows_next_block(r, BLOCK, &n)) == STRATA_ROW) {
    const size_t nf = strata_rows_field_count(r);
    s->times = grow(s->times, &s->tcap, s->ntimes + n);
    s->values = grow(s->values, &s->vcap, s->nvalues + n * nf);
    memcpy(s->times + s->ntimes, strata_rows_block_times(r), n * sizeof(int64_t));
    s->ntimes += n;
    for (i = 0; i < nf; i++) {
      const uint64_t *v = strata_rows_block_nums(r, i);
      if (v == NULL) continue;
      memcpy(s->values + s->nvalues, v, n * sizeof(uint64_t));
      s->nvalues += n;
    }
  }
  if (rc != STRATA_DONE) die("rows_next_block", rc);
  strata_rows_free(r);
  return s->nvalues;
}

static void report(const char *what, size_t points, double *secs, double *cpus, int repeat) {
  qsort(secs, (size_t)repeat, sizeof *secs, cmp_double);
  qsort(cpus, (size_t)repeat, sizeof *cpus, cmp_double);
  printf("c %-40s %10zu points  %7.3f s %12.0f points/s  %7.3f s cpu %12.0f points/cpu-s"
         "  (median of %d)\n", what, points, secs[repeat / 2], (double)points / secs[repeat / 2],
         cpus[repeat / 2], (double)points / cpus[repeat / 2], repeat);
  fflush(stdout);
}

int main(int argc, char **argv) {
  const char *lp = NULL, *options = "";
  int repeat = 11, i, rc;
  char dir[64];
  strata_db *db = NULL;
  FILE *f;
  char *text;
  long size;
  size_t pos = 0, points = 0, nl, end;
  double secs[MAX_REPEAT], cpus[MAX_REPEAT];
  sink_t sink = {0};
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--options") == 0 && i + 1 < argc) {
      options = argv[++i];
    } else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
      repeat = atoi(argv[++i]);
    } else {
      lp = argv[i];
    }
  }
  if (lp == NULL || repeat < 1 || repeat > MAX_REPEAT) {
    fprintf(stderr, "usage: %s cpu.lp [--options k=v;...] [--repeat 1..64]\n", argv[0]);
    return 2;
  }
  if ((f = fopen(lp, "rb")) == NULL) {
    perror(lp);
    return 1;
  }
  fseek(f, 0, SEEK_END);
  size = ftell(f);
  fseek(f, 0, SEEK_SET);
  text = malloc((size_t)size + 1);
  if (text == NULL || fread(text, 1, (size_t)size, f) != (size_t)size) return 1;
  fclose(f);
  strcpy(dir, "/tmp/strata-read-bench-XXXXXX");
  if (mkdtemp(dir) == NULL) return 1;
  if ((rc = strata_open(dir, options, &db)) != STRATA_OK) die("open", rc);
  while (pos < (size_t)size) {
    for (end = pos, nl = 0; end < (size_t)size && nl < 5000; end++) nl += text[end] == '\n';
    if ((rc = strata_write_lines(db, text + pos, end - pos)) != STRATA_OK) die("write_lines", rc);
    pos = end;
  }
  free(text);
  if ((rc = strata_compact(db)) != STRATA_OK) die("compact", rc);
  printf("strata %s: reads of %s after compaction, options '%s'\n", strata_version(), lp, options);
  for (i = 0; i < repeat; i++) {
    const double t0 = now_s(), c0 = cpu_s();
    points = read_series(db, "usage_user", &sink);
    sink_empty(&sink);
    secs[i] = now_s() - t0;
    cpus[i] = cpu_s() - c0;
  }
  report("cursor_next_block 1 field", points, secs, cpus, repeat);
  for (i = 0; i < repeat; i++) {
    const double t0 = now_s(), c0 = cpu_s();
    points = read_series(db, NULL, &sink);
    sink_empty(&sink);
    secs[i] = now_s() - t0;
    cpus[i] = cpu_s() - c0;
  }
  report("cursor_next_block 10 fields", points, secs, cpus, repeat);
  for (i = 0; i < repeat; i++) {
    const double t0 = now_s(), c0 = cpu_s();
    points = read_rows(db, &sink);
    sink_empty(&sink);
    secs[i] = now_s() - t0;
    cpus[i] = cpu_s() - c0;
  }
  report("rows_next_block 10 fields", points, secs, cpus, repeat);
  free(sink.times);
  free(sink.values);
  if ((rc = strata_close(db)) != STRATA_OK) die("close", rc);
  nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  return 0;
}
