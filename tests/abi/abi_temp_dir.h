/* The temporary directory of a C test of the ABI (c_test.c, backup_test.c): make_root(prefix)
** creates <$TMPDIR or /tmp>/<prefix>-XXXXXX as `root`, path_in(name) is <root>/<name> (in one of
** four rotating buffers, so that a call may take up to four), remove_root() deletes the whole tree.
** Needs _XOPEN_SOURCE 700 (mkdtemp, nftw) defined before the first system header. */
#ifndef STRATA_ABI_TEMP_DIR_H
#define STRATA_ABI_TEMP_DIR_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static char root[256];

static const char *path_in(const char *name) {
  static char buf[4][512];
  static int next = 0;
  char *p = buf[next++ % 4];
  snprintf(p, 512, "%s/%s", root, name);
  return p;
}

/* 0 on success; otherwise prints why and returns non-zero. */
static int make_root(const char *prefix) {
  const char *tmp = getenv("TMPDIR");
  snprintf(root, sizeof root, "%s/%s-XXXXXX", tmp != NULL && tmp[0] ? tmp : "/tmp", prefix);
  if (mkdtemp(root) == NULL) {
    perror("mkdtemp");
    return 1;
  }
  return 0;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static void remove_root(void) { nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS); }

#endif
