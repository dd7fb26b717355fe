/* The rules the C ABI shares with its clients (abi/README.md, "Rules shared through the ABI"),
** exercised from strict C99: status names, times as text, series keys, UTF-8 and data
** directories; each function's success and error paths.  The rules themselves are tested in
** depth by the engine's unit tests (tests/engine/time_text_test.cc, series_key_test.cc,
** data_dir_test.cc); this test checks the C interface over them. */
#define _XOPEN_SOURCE 700

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "abi_check.h"
#include "strata.h"


static int same(const char *a, const char *b) {
  return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static void test_status_name(void) {
  phase = "status_name";
  CHECK(same(strata_status_name(STRATA_OK), "STRATA_OK"));
  CHECK(same(strata_status_name(STRATA_ERROR), "STRATA_ERROR"));
  CHECK(same(strata_status_name(STRATA_INVALID), "STRATA_INVALID"));
  CHECK(same(strata_status_name(STRATA_IO), "STRATA_IO"));
  CHECK(same(strata_status_name(STRATA_CORRUPT), "STRATA_CORRUPT"));
  CHECK(same(strata_status_name(STRATA_LOCKED), "STRATA_LOCKED"));
  CHECK(same(strata_status_name(STRATA_NOT_FOUND), "STRATA_NOT_FOUND"));
  CHECK(same(strata_status_name(STRATA_TYPE_CONFLICT), "STRATA_TYPE_CONFLICT"));
  CHECK(same(strata_status_name(STRATA_NOMEM), "STRATA_NOMEM"));
  CHECK(same(strata_status_name(STRATA_READONLY), "STRATA_READONLY"));
  CHECK(same(strata_status_name(STRATA_ROW), "STRATA_ROW"));
  CHECK(same(strata_status_name(STRATA_DONE), "STRATA_DONE"));
  CHECK(strata_status_name(10) == NULL);
  CHECK(strata_status_name(-1) == NULL);
  CHECK(strata_status_name(102) == NULL);
}

static void test_time(void) {
  int64_t t = 7;
  char buf[STRATA_TIME_TEXT_BYTES];
  const char *not_terminated = "2016-01-01T00:00:10Zjunk";
  phase = "time";
  OK(strata_parse_time("2016-01-01T00:00:00Z", 20, &t));
  CHECK(t == INT64_C(1451606400000000000));
  OK(strata_parse_time(" 1451606400000000000 ", 21, &t));
  CHECK(t == INT64_C(1451606400000000000));
  OK(strata_parse_time(not_terminated, 20, &t)); /* only len bytes are read */
  CHECK(t == INT64_C(1451606410000000000));
  OK(strata_parse_time("2016-01-01T01:00:00.5+01:00", 27, &t));
  CHECK(t == INT64_C(1451606400500000000));
  CHECK_RC(strata_parse_time("2016-02-30T00:00:00Z", 20, &t), STRATA_INVALID,
           "cannot use '2016-02-30T00:00:00Z' as a time: 2016-02 has no day 30");
  CHECK(t == 0);
  CHECK_RC(strata_parse_time("2016-01-01T00:00:60Z", 20, &t), STRATA_INVALID, "as a time");
  CHECK_RC(strata_parse_time("2262-04-11T23:47:16Z", 20, &t), STRATA_INVALID,
           "outside 1677-09-21T00:12:44Z to 2262-04-11T23:47:15.999999999Z");
  CHECK_RC(strata_parse_time("2016-01-01\0x", 12, &t), STRATA_INVALID, "as a time");
  CHECK_RC(strata_parse_time("", 0, &t), STRATA_INVALID, "as a time");
  CHECK_RC(strata_parse_time(NULL, 0, &t), STRATA_INVALID, "as a time");
  CHECK_RC(strata_parse_time(NULL, 3, &t), STRATA_INVALID, "text is NULL");
  CHECK_RC(strata_parse_time("1", 1, NULL), STRATA_INVALID, "out is NULL");

  OK(strata_format_time(INT64_C(1451606410500000000), buf, sizeof buf));
  CHECK(same(buf, "2016-01-01T00:00:10.5Z"));
  OK(strata_format_time(INT64_MIN, buf, sizeof buf));
  CHECK(same(buf, "1677-09-21T00:12:43.145224192Z"));
  CHECK(strlen(buf) + 1 == STRATA_TIME_TEXT_BYTES);
  OK(strata_format_time(-1, buf, sizeof buf));
  CHECK(same(buf, "1969-12-31T23:59:59.999999999Z"));
  OK(strata_parse_time(buf, strlen(buf), &t));
  CHECK(t == -1);
  CHECK_RC(strata_format_time(0, buf, STRATA_TIME_TEXT_BYTES - 1), STRATA_INVALID,
           "less than STRATA_TIME_TEXT_BYTES");
  CHECK(buf[0] == '\0');
  CHECK_RC(strata_format_time(0, NULL, 64), STRATA_INVALID, "buf is NULL");
}

static void test_series_key(void) {
  const strata_tag unsorted[] = {{"region", "eu west"}, {"host", "a,b"}};
  const strata_tag twice[] = {{"host", "a"}, {"host", "b"}};
  const strata_tag null_value[] = {{"host", NULL}};
  char buf[64];
  size_t len = 99;
  strata_series_key_parts *parts = NULL;
  phase = "series_key";
  OK(strata_series_key("cpu", unsorted, 2, "usage#user", buf, sizeof buf, &len));
  CHECK(same(buf, "cpu,host=a\\,b,region=eu\\ west#usage\\#user"));
  CHECK(len == strlen(buf));
  OK(strata_series_key("cpu", unsorted, 2, NULL, buf, sizeof buf, &len));
  CHECK(same(buf, "cpu,host=a\\,b,region=eu\\ west"));
  OK(strata_series_key("m=1", NULL, 0, "f", buf, sizeof buf, &len));
  CHECK(same(buf, "m\\=1#f"));
  /* Too small a buffer: the length, and the buffer left alone. */
  strcpy(buf, "untouched");
  OK(strata_series_key("cpu", unsorted, 2, "usage", buf, 10, &len));
  CHECK(len == strlen("cpu,host=a\\,b,region=eu\\ west#usage"));
  CHECK(same(buf, "untouched"));
  OK(strata_series_key("cpu", unsorted, 2, "usage", NULL, 0, &len));
  CHECK(len == strlen("cpu,host=a\\,b,region=eu\\ west#usage"));
  CHECK_RC(strata_series_key("cpu", twice, 2, "f", buf, sizeof buf, &len), STRATA_INVALID,
           "tag key 'host' is given twice");
  CHECK(len == 0);
  CHECK_RC(strata_series_key("cpu", null_value, 1, "f", buf, sizeof buf, &len), STRATA_INVALID,
           "tags[0].value is NULL");
  CHECK_RC(strata_series_key(NULL, NULL, 0, "f", buf, sizeof buf, &len), STRATA_INVALID,
           "measurement is NULL");
  CHECK_RC(strata_series_key("cpu", NULL, 1, "f", buf, sizeof buf, &len), STRATA_INVALID,
           "tags is NULL");
  CHECK_RC(strata_series_key("cpu", NULL, 0, "f", NULL, 8, &len), STRATA_INVALID, "buf is NULL");
  CHECK_RC(strata_series_key("cpu", NULL, 0, "f", buf, 8, NULL), STRATA_INVALID, "len is NULL");

  /* Parsing gives back the parts, unescaped. */
  OK(strata_series_key("cpu", unsorted, 2, "usage#user", buf, sizeof buf, &len));
  OK(strata_parse_series_key(buf, len, &parts));
  CHECK(parts != NULL);
  if (parts != NULL) {
    CHECK(same(parts->measurement, "cpu"));
    CHECK(parts->ntags == 2);
    CHECK(same(parts->tags[0].key, "host") && same(parts->tags[0].value, "a,b"));
    CHECK(same(parts->tags[1].key, "region") && same(parts->tags[1].value, "eu west"));
    CHECK(same(parts->field, "usage#user"));
    CHECK(parts->tagset_len == strlen("cpu,host=a\\,b,region=eu\\ west"));
    strata_free(parts);
  }
  OK(strata_parse_series_key("cpu,host=a", 10, &parts));
  CHECK(parts != NULL && parts->field == NULL && parts->ntags == 1 && parts->tagset_len == 10);
  strata_free(parts);
  OK(strata_parse_series_key("cpu#f", 5, &parts));
  CHECK(parts != NULL && parts->ntags == 0 && same(parts->field, "f") && parts->tagset_len == 3);
  strata_free(parts);
  CHECK_RC(strata_parse_series_key("cpu,b=1,a=2#f", 13, &parts), STRATA_INVALID,
           "tags not sorted by key");
  CHECK(parts == NULL);
  CHECK_RC(strata_parse_series_key("cpu,host#f", 10, &parts), STRATA_INVALID, "invalid series key");
  CHECK_RC(strata_parse_series_key("", 0, &parts), STRATA_INVALID, "empty measurement");
  CHECK_RC(strata_parse_series_key(NULL, 4, &parts), STRATA_INVALID, "key is NULL");
  CHECK_RC(strata_parse_series_key("cpu", 3, NULL), STRATA_INVALID, "out is NULL");
}

static void test_utf8(void) {
  phase = "utf8";
  CHECK(strata_valid_utf8("plain", 5) == 1);
  CHECK(strata_valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14) == 1);
  CHECK(strata_valid_utf8("a\0b", 3) == 1);
  CHECK(strata_valid_utf8("\xc3", 1) == 0);          /* cut off */
  CHECK(strata_valid_utf8("\xc0\xaf", 2) == 0);      /* overlong */
  CHECK(strata_valid_utf8("\xed\xa0\x80", 3) == 0);  /* a surrogate */
  CHECK(strata_valid_utf8("\xf4\x90\x80\x80", 4) == 0); /* past U+10FFFF */
  CHECK(strata_valid_utf8("\xff", 1) == 0);
  CHECK(strata_valid_utf8("\xc3\xa9", 1) == 0); /* only len bytes count */
  CHECK(strata_valid_utf8(NULL, 0) == 1);
  CHECK(strata_valid_utf8(NULL, 1) == 0);
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static void test_directories(void) {
  char root[] = "/tmp/strata-rules-XXXXXX";
  char path[512], link[512], other[512], cwd[512];
  char *canonical = NULL, *again = NULL;
  int is_data = -1;
  strata_db *db = NULL;
  FILE *f;
  phase = "directories";
  if (mkdtemp(root) == NULL || getcwd(cwd, sizeof cwd) == NULL) {
    CHECK(!"temporary directory");
    return;
  }
  snprintf(path, sizeof path, "%s/data", root);
  OK(strata_is_data_directory(path, &is_data));
  CHECK(is_data == 0);
  CHECK(mkdir(path, 0755) == 0);
  OK(strata_is_data_directory(path, &is_data));
  CHECK(is_data == 0);
  snprintf(other, sizeof other, "%s/data/notes.txt", root);
  f = fopen(other, "w");
  CHECK(f != NULL);
  if (f != NULL) fclose(f);
  OK(strata_is_data_directory(path, &is_data));
  CHECK(is_data == 0);
  CHECK(remove(other) == 0);
  OK(strata_open(path, NULL, &db));
  OK(strata_close(db));
  OK(strata_is_data_directory(path, &is_data));
  CHECK(is_data == 1);
  CHECK_RC(strata_is_data_directory(NULL, &is_data), STRATA_INVALID, "dir is NULL");
  CHECK(is_data == 0);
  CHECK_RC(strata_is_data_directory(path, NULL), STRATA_INVALID, "out is NULL");

  /* One canonical path for every way of naming the directory. */
  OK(strata_canonical_dir(path, &canonical));
  CHECK(canonical != NULL && canonical[0] == '/');
  snprintf(link, sizeof link, "%s/link", root);
  CHECK(symlink(path, link) == 0);
  snprintf(other, sizeof other, "%s/link/", root);
  OK(strata_canonical_dir(other, &again));
  CHECK(same(again, canonical));
  strata_free(again);
  snprintf(other, sizeof other, "%s/./data/../data//", root);
  OK(strata_canonical_dir(other, &again));
  CHECK(same(again, canonical));
  strata_free(again);
  CHECK(chdir(root) == 0);
  OK(strata_canonical_dir("data", &again));
  CHECK(same(again, canonical));
  strata_free(again);
  CHECK(chdir(cwd) == 0);
  CHECK_RC(strata_canonical_dir("", &again), STRATA_INVALID, "empty");
  CHECK(again == NULL);
  CHECK_RC(strata_canonical_dir(NULL, &again), STRATA_INVALID, "dir is NULL");
  CHECK_RC(strata_canonical_dir(path, NULL), STRATA_INVALID, "out is NULL");
  strata_free(canonical);
  nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Options texts that open the same way have one canonical text; a bad one is refused. */
static void test_options(void) {
  phase = "options";
  char *a = NULL, *b = NULL;
  OK(strata_canonical_options("shard_duration=1h", &a));
  OK(strata_canonical_options(" shard_duration = 60m ;", &b));
  CHECK(a != NULL && b != NULL && strcmp(a, b) == 0);
  CHECK(a != NULL && strstr(a, "shard_duration=1h") != NULL);
  strata_free(a);
  strata_free(b);
  OK(strata_canonical_options(NULL, &a));
  OK(strata_canonical_options("sync=full;memstore_bytes=64MiB;block_cache_bytes=32MiB", &b));
  CHECK(a != NULL && b != NULL && strcmp(a, b) == 0);
  CHECK(a != NULL && strstr(a, "sync=full") != NULL && strstr(a, "shard_duration") == NULL);
  strata_free(b);
  OK(strata_canonical_options("sync=off", &b));
  CHECK(a != NULL && b != NULL && strcmp(a, b) != 0);
  strata_free(a);
  strata_free(b);
  CHECK_RC(strata_canonical_options("sync=sometimes", &a), STRATA_INVALID, "sync");
  CHECK(a == NULL);
  CHECK_RC(strata_canonical_options("colour=red", &a), STRATA_INVALID, "colour");
  CHECK_RC(strata_canonical_options("", NULL), STRATA_INVALID, "out is NULL");
}

int main(void) {
  test_status_name();
  test_options();
  test_time();
  test_series_key();
  test_utf8();
  test_directories();
  if (failures != 0) {
    fprintf(stderr, "rules_test: %d failure(s)\n", failures);
    return 1;
  }
  printf("rules_test: all checks passed\n");
  return 0;
}
