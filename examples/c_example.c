/* Writes a few points through the C ABI and reads them back: the per-point path, the columnar
** path and a query.  Build (from the repository root): cc -std=c99 examples/c_example.c -Iabi/include -Lbuild -lstrata
**        -Wl,-rpath,"$PWD/build"   (without the rpath: LD_LIBRARY_PATH=build ./a.out)
** Run:   ./c_example [data-directory]   (default: a fresh directory under /tmp) */
#define _XOPEN_SOURCE 700

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "strata.h"

static int check(int rc, const char *what) {
  if (rc != STRATA_OK) fprintf(stderr, "%s failed (%d): %s\n", what, rc, strata_errmsg());
  return rc;
}

int main(int argc, char **argv) {
  char tmp[] = "/tmp/strata-example-XXXXXX";
  const char *dir = argc > 1 ? argv[1] : mkdtemp(tmp);
  const int64_t t0 = INT64_C(1700000000000000000); /* ns */
  const strata_tag host_a[] = {{"host", "a"}, {"region", "eu"}};
  const strata_tag host_b[] = {{"host", "b"}, {"region", "us"}};
  strata_db *db = NULL;
  strata_batch *batch = NULL;
  strata_cursor *cursor = NULL;
  uint32_t series = 0;
  int64_t times[60];
  double values[60];
  int i, rc;

  if (dir == NULL) return 1;
  printf("strata %s, data in %s\n", strata_version(), dir);
  if (check(strata_open(dir, "sync=full", &db), "open")) return 1;
  if (check(strata_batch_new(&batch), "batch")) return 1;

  /* Per point: one call per value. */
  for (i = 0; i < 3; i++) {
    if (check(strata_batch_add_f64(batch, "cpu", host_a, 2, "usage_user", t0 + i * 1000000000LL,
                                   10.0 + i), "add")) return 1;
  }
  /* Columnar: resolve the series once, then append arrays. */
  for (i = 0; i < 60; i++) {
    times[i] = t0 + i * 1000000000LL;
    values[i] = 50.0 + i * 0.5;
  }
  if (check(strata_batch_series(batch, "cpu", host_b, 2, "usage_user", STRATA_FLOAT, &series),
            "series")) return 1;
  if (check(strata_batch_append_f64(batch, series, times, values, 60), "append")) return 1;
  if (check(strata_write(db, batch), "write")) return 1;
  strata_batch_free(batch);

  /* Query host=a, one point at a time. */
  if (check(strata_query(db, "cpu", host_a, 1, "usage_user", t0, t0 + 10000000000LL, &cursor),
            "query")) return 1;
  while ((rc = strata_cursor_next(cursor)) == STRATA_ROW) {
    printf("%s %lld %g\n", strata_cursor_series(cursor), (long long)strata_cursor_time(cursor),
           strata_cursor_f64(cursor));
  }
  strata_cursor_free(cursor);
  if (rc != STRATA_DONE) return check(rc, "cursor");

  /* Query everything block by block: a mean per series. */
  if (check(strata_query(db, "cpu", NULL, 0, NULL, INT64_MIN, INT64_MAX, &cursor), "query")) return 1;
  {
    size_t n = 0;
    while ((rc = strata_cursor_next_block(cursor, times, values, 60, &n)) == STRATA_ROW) {
      double sum = 0;
      size_t k;
      for (k = 0; k < n; k++) sum += values[k];
      printf("%s: %lu points in this block, mean %.2f\n", strata_cursor_series(cursor),
             (unsigned long)n, sum / (double)n);
    }
  }
  strata_cursor_free(cursor);
  if (rc != STRATA_DONE) return check(rc, "cursor");
  return check(strata_close(db), "close") == STRATA_OK ? 0 : 1;
}
