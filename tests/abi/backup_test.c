/* strata_backup and strata_backup_ex from C: the copy holds what was written before the call and
** nothing after; opening it is the restore; progress runs from 0 to the total and can abandon; a
** destination that exists is refused; a backup killed by SIGKILL leaves no destination and a
** temporary directory that strata_open refuses as an unfinished backup.  Built as strict C99. */
#define _XOPEN_SOURCE 700

#include <dirent.h>
#include <ftw.h>
#include <signal.h>
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

static int exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

/* Points i in [first, last) of cpu,host=h<i%4>: usage=i at time i seconds, one batch each. */
static void write_points(strata_db *db, int first, int last) {
  char line[128];
  int i;
  for (i = first; i < last; i++) {
    int n = snprintf(line, sizeof line, "cpu,host=h%d usage=%d %lld\n", i % 4, i,
                     (long long)i * 1000000000LL + 1451606400000000000LL);
    OK(strata_write_lines(db, line, (size_t)n));
  }
}

static int count_points(strata_db *db) {
  strata_cursor *c = NULL;
  int count = 0, rc;
  OK(strata_query(db, "cpu", NULL, 0, NULL, INT64_MIN, INT64_MAX, &c));
  if (c == NULL) return -1;
  while ((rc = strata_cursor_next(c)) == STRATA_ROW) count++;
  CHECK(rc == STRATA_DONE);
  strata_cursor_free(c);
  return count;
}

struct progress_log {
  int calls;
  uint64_t first_done, last_done, last_total;
  int abandon_after; /* calls; 0: never */
};

static int on_progress(void *ctx, uint64_t done, uint64_t total) {
  struct progress_log *log = (struct progress_log *)ctx;
  if (log->calls == 0) log->first_done = done;
  log->calls++;
  log->last_done = done;
  log->last_total = total;
  return log->abandon_after != 0 && log->calls >= log->abandon_after;
}

static void test_backup_and_restore(void) {
  strata_db *db = NULL, *copy = NULL;
  struct progress_log log = {0, 0, 0, 0, 0};
  phase = "backup and restore";
  OK(strata_open(path_in("src"), "memstore_bytes=64KiB;shard_duration=1h", &db));
  if (db == NULL) return;
  write_points(db, 0, 3000);
  OK(strata_flush(db));
  write_points(db, 3000, 3500); /* in the WAL only */
  OK(strata_backup_ex(db, path_in("copy"), on_progress, &log));
  write_points(db, 3500, 3600); /* after the backup: not in it */
  CHECK(log.calls >= 3);
  CHECK(log.first_done == 0);
  CHECK(log.last_total > 0 && log.last_done == log.last_total);
  OK(strata_open(path_in("copy"), NULL, &copy));
  if (copy != NULL) {
    CHECK(count_points(copy) == 3500);
    write_points(copy, 5000, 5010); /* the copy is a directory of its own */
    CHECK(count_points(copy) == 3510);
    OK(strata_close(copy));
  }
  CHECK(count_points(db) == 3600);

  phase = "backup errors";
  CHECK_RC(strata_backup(NULL, path_in("x")), STRATA_INVALID, "db");
  CHECK_RC(strata_backup(db, NULL), STRATA_INVALID, "dest_dir");
  CHECK_RC(strata_backup(db, path_in("copy")), STRATA_INVALID, "already exists");
  CHECK_RC(strata_backup(db, path_in("src/inner")), STRATA_INVALID, "inside");
  log.calls = 0;
  log.abandon_after = 2;
  CHECK_RC(strata_backup_ex(db, path_in("abandoned"), on_progress, &log), STRATA_ERROR,
           "abandoned");
  CHECK(!exists(path_in("abandoned")));
  OK(strata_backup(db, path_in("plain")));
  OK(strata_close(db));
}

/* The child backs up and stops for good after its second progress report; the parent kills it. */
static int stop_forever(void *ctx, uint64_t done, uint64_t total) {
  int *fd = (int *)ctx;
  static int calls = 0;
  (void)done;
  (void)total;
  if (++calls == 2) {
    if (write(*fd, "x", 1) != 1) _exit(3);
    for (;;) pause();
  }
  return 0;
}

static void test_killed_backup(void) {
  int fds[2];
  char c = 0;
  pid_t pid;
  phase = "killed backup";
  CHECK(pipe(fds) == 0);
  pid = fork();
  if (pid == 0) {
    strata_db *db = NULL;
    close(fds[0]);
    if (strata_open(path_in("src"), NULL, &db) != STRATA_OK) _exit(2);
    strata_backup_ex(db, path_in("killed"), stop_forever, &fds[1]);
    _exit(4); /* never reached: the parent kills it first */
  }
  close(fds[1]);
  CHECK(read(fds[0], &c, 1) == 1 && c == 'x');
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  close(fds[0]);
  CHECK(!exists(path_in("killed")));
  {
    DIR *d = opendir(root);
    struct dirent *e;
    int leftovers = 0;
    while (d != NULL && (e = readdir(d)) != NULL) {
      char path[600];
      strata_db *db = (strata_db *)&db;
      if (strncmp(e->d_name, "killed.tmp-", 11) != 0) continue;
      leftovers++;
      snprintf(path, sizeof path, "%s/%s", root, e->d_name);
      CHECK_RC(strata_open(path, NULL, &db), STRATA_INVALID, "unfinished backup");
      CHECK(db == NULL);
    }
    if (d != NULL) closedir(d);
    CHECK(leftovers == 1);
  }
}

int main(void) {
  if (make_root("strata-backup-test") != 0) return 2;
  test_backup_and_restore();
  test_killed_backup();
  remove_root();
  if (failures != 0) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("backup_test: all checks passed\n");
  return 0;
}
