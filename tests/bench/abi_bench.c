/* Write throughput through the C ABI on the TSBS-like cpu workload: per-point
** strata_batch_add_f64 calls against the columnar path (strata_batch_series once per series and
** batch, then strata_batch_append_f64 of arrays), plus strata_write_lines of the same data as
** line protocol when a .lp file is given.  Prints points/s; each mode writes into a fresh
** directory, timing strata_write* calls until the last acknowledgement (not the final flush).
**
**   python3 shared/bench/tsbs_cpu.py --hosts 100 --hours 24 --format csv > cpu.csv
**   python3 shared/bench/tsbs_cpu.py --hosts 100 --hours 24 > cpu.lp
**   abi_bench cpu.csv [cpu.lp] [--options "sync=full"] [--batch 100000]
**
** Built by CMake as build/tests/bench/abi_bench (by hand: cc -O2 -std=c99 tests/bench/abi_bench.c \
**   -Iabi/include -Lbuild -lstrata -Wl,-rpath,$PWD/build -o build/abi_bench).
*/
#define _XOPEN_SOURCE 700

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "strata.h"

#define NTAGS 10
#define NFIELDS 10

typedef struct {
  char *values[NTAGS];
  strata_tag tags[NTAGS];
} host_t;

static const char *tag_keys[NTAGS];
static const char *field_names[NFIELDS];
static host_t *hosts;
static size_t nhosts, nsteps;
static int64_t *step_times; /* [nsteps] */
static double *values;      /* row-major: [step][host][field] */

static double clock_s(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
static double now_s(void) { return clock_s(CLOCK_MONOTONIC); }
/* Process CPU time (all threads): steadier than wall time on a shared machine. */
static double cpu_s(void) { return clock_s(CLOCK_PROCESS_CPUTIME_ID); }
static double cpu_start;

static void die(const char *what, int rc) {
  fprintf(stderr, "%s failed (%d): %s\n", what, rc, strata_errmsg());
  exit(1);
}

static char *split(char **cursor, char sep) {
  char *start = *cursor, *p = strchr(start, sep);
  if (p != NULL) {
    *p = '\0';
    *cursor = p + 1;
  } else {
    p = start + strlen(start);
    if (p > start && p[-1] == '\n') p[-1] = '\0';
    *cursor = p;
  }
  return start;
}

static void load_csv(const char *path) {
  FILE *f = fopen(path, "r");
  char *line = NULL, *cur;
  size_t cap = 0, rows = 0, row_cap = 0, i;
  int64_t first_time = 0;
  if (f == NULL) {
    perror(path);
    exit(1);
  }
  if (getline(&line, &cap, f) < 0) exit(1);
  cur = line;
  split(&cur, ',');
  for (i = 0; i < NTAGS; i++) tag_keys[i] = strdup(split(&cur, ','));
  for (i = 0; i < NFIELDS; i++) field_names[i] = strdup(split(&cur, ','));
  while (getline(&line, &cap, f) > 0) {
    int64_t t;
    cur = line;
    t = strtoll(split(&cur, ','), NULL, 10);
    if (rows == 0) first_time = t;
    if (t == first_time) { /* the first step introduces every host */
      host_t *h;
      hosts = realloc(hosts, (nhosts + 1) * sizeof *hosts);
      h = &hosts[nhosts++];
      for (i = 0; i < NTAGS; i++) {
        h->values[i] = strdup(split(&cur, ','));
        h->tags[i].key = tag_keys[i];
        h->tags[i].value = h->values[i];
      }
    } else {
      for (i = 0; i < NTAGS; i++) split(&cur, ',');
    }
    if (rows % nhosts == 0) {
      step_times = realloc(step_times, (rows / nhosts + 1) * sizeof *step_times);
      step_times[rows / nhosts] = t;
    }
    if (rows >= row_cap) {
      row_cap = row_cap ? row_cap * 2 : 4096;
      values = realloc(values, row_cap * NFIELDS * sizeof *values);
    }
    for (i = 0; i < NFIELDS; i++) values[rows * NFIELDS + i] = strtod(split(&cur, ','), NULL);
    rows++;
  }
  free(line);
  fclose(f);
  nsteps = rows / nhosts;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static strata_db *fresh_db(char *dir, const char *options) {
  strata_db *db = NULL;
  int rc;
  strcpy(dir, "/tmp/strata-abi-bench-XXXXXX");
  if (mkdtemp(dir) == NULL) exit(1);
  if ((rc = strata_open(dir, options, &db)) != STRATA_OK) die("open", rc);
  return db;
}

static void finish(strata_db *db, char *dir, const char *mode, size_t points, double secs) {
  int rc;
  const double cpu = cpu_s() - cpu_start;
  printf("%-12s %10zu points  %7.2f s wall %12.0f points/s  %7.2f s cpu %12.0f points/cpu-s\n",
         mode, points, secs, (double)points / secs, cpu, (double)points / cpu);
  fflush(stdout);
  if ((rc = strata_close(db)) != STRATA_OK) die("close", rc);
  nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void bench_per_point(const char *options, size_t batch_points) {
  char dir[64];
  strata_db *db = fresh_db(dir, options);
  strata_batch *b = NULL;
  size_t s, h, f, points = 0;
  double t0;
  int rc;
  if ((rc = strata_batch_new(&b)) != STRATA_OK) die("batch", rc);
  cpu_start = cpu_s();
  t0 = now_s();
  for (s = 0; s < nsteps; s++) {
    for (h = 0; h < nhosts; h++) {
      const double *row = &values[(s * nhosts + h) * NFIELDS];
      for (f = 0; f < NFIELDS; f++) {
        rc = strata_batch_add_f64(b, "cpu", hosts[h].tags, NTAGS, field_names[f], step_times[s],
                                  row[f]);
        if (rc != STRATA_OK) die("add", rc);
      }
      if (strata_batch_count(b) >= batch_points) {
        if ((rc = strata_write(db, b)) != STRATA_OK) die("write", rc);
        points += strata_batch_count(b);
        strata_batch_clear(b);
      }
    }
  }
  if ((rc = strata_write(db, b)) != STRATA_OK) die("write", rc);
  points += strata_batch_count(b);
  finish(db, dir, "per-point", points, now_s() - t0);
  strata_batch_free(b);
}

static void bench_columnar(const char *options, size_t batch_points) {
  char dir[64];
  strata_db *db = fresh_db(dir, options);
  strata_batch *b = NULL;
  size_t steps_per_batch = batch_points / (nhosts * NFIELDS), s, h, f, points = 0;
  double *cols = malloc(nhosts * NFIELDS * nsteps * sizeof *cols); /* [host][field][step] */
  double t0;
  int rc;
  if (steps_per_batch == 0) steps_per_batch = 1;
  /* A columnar producer has its data by series already: transposing is not timed. */
  for (s = 0; s < nsteps; s++)
    for (h = 0; h < nhosts; h++)
      for (f = 0; f < NFIELDS; f++)
        cols[(h * NFIELDS + f) * nsteps + s] = values[(s * nhosts + h) * NFIELDS + f];
  if ((rc = strata_batch_new(&b)) != STRATA_OK) die("batch", rc);
  cpu_start = cpu_s();
  t0 = now_s();
  for (s = 0; s < nsteps; s += steps_per_batch) {
    size_t n = s + steps_per_batch <= nsteps ? steps_per_batch : nsteps - s;
    for (h = 0; h < nhosts; h++) {
      for (f = 0; f < NFIELDS; f++) {
        uint32_t ref;
        rc = strata_batch_series(b, "cpu", hosts[h].tags, NTAGS, field_names[f], STRATA_FLOAT, &ref);
        if (rc != STRATA_OK) die("series", rc);
        rc = strata_batch_append_f64(b, ref, step_times + s, cols + (h * NFIELDS + f) * nsteps + s, n);
        if (rc != STRATA_OK) die("append", rc);
      }
    }
    if ((rc = strata_write(db, b)) != STRATA_OK) die("write", rc);
    points += strata_batch_count(b);
    strata_batch_clear(b);
  }
  finish(db, dir, "columnar", points, now_s() - t0);
  strata_batch_free(b);
  free(cols);
}

static void bench_lines(const char *options, const char *path, size_t batch_points) {
  char dir[64];
  strata_db *db;
  FILE *f = fopen(path, "rb");
  char *text;
  long size;
  size_t pos = 0, points = 0, lines_per_batch = batch_points / NFIELDS, nl;
  double t0;
  int rc;
  if (f == NULL) {
    perror(path);
    exit(1);
  }
  fseek(f, 0, SEEK_END);
  size = ftell(f);
  fseek(f, 0, SEEK_SET);
  text = malloc((size_t)size + 1);
  if (fread(text, 1, (size_t)size, f) != (size_t)size) exit(1);
  fclose(f);
  db = fresh_db(dir, options);
  cpu_start = cpu_s();
  t0 = now_s();
  while (pos < (size_t)size) {
    size_t end = pos;
    for (nl = 0; end < (size_t)size && nl < lines_per_batch; end++) {
      if (text[end] == '\n') nl++;
    }
    if ((rc = strata_write_lines(db, text + pos, end - pos)) != STRATA_OK) die("write_lines", rc);
    points += nl * NFIELDS;
    pos = end;
  }
  finish(db, dir, "write_lines", points, now_s() - t0);
  free(text);
}

int main(int argc, char **argv) {
  const char *csv = NULL, *lp = NULL, *options = "";
  size_t batch_points = 100000;
  int i;
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--options") == 0 && i + 1 < argc) {
      options = argv[++i];
    } else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
      batch_points = (size_t)strtoull(argv[++i], NULL, 10);
    } else if (csv == NULL) {
      csv = argv[i];
    } else {
      lp = argv[i];
    }
  }
  if (csv == NULL) {
    fprintf(stderr, "usage: %s cpu.csv [cpu.lp] [--options k=v;...] [--batch points]\n", argv[0]);
    return 2;
  }
  load_csv(csv);
  printf("strata %s: %zu hosts x %zu steps x %d fields = %zu points, batches of %zu points, "
         "options '%s'\n", strata_version(), nhosts, nsteps, NFIELDS, nhosts * nsteps * NFIELDS,
         batch_points, options);
  bench_per_point(options, batch_points);
  bench_columnar(options, batch_points);
  if (lp != NULL) bench_lines(options, lp, batch_points);
  return 0;
}
