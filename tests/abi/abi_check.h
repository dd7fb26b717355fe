/* Checks shared by the C tests of the ABI (c_test.c, rules_test.c): CHECK(cond), CHECK_RC(call,
** status, needle) (the call returns the status and, for an error, strata_errmsg() contains the
** needle) and OK(call).  A failed check prints where, with the current `phase`, and counts in
** `failures`; a test's main returns non-zero when it is not 0.  One test file per program. */
#ifndef STRATA_ABI_CHECK_H
#define STRATA_ABI_CHECK_H

#include <stdio.h>
#include <string.h>

#include "strata.h"

static int failures = 0;
static const char *phase = "";

/* Whether the last error message contains `needle` (NULL: no requirement). */
static int mentions(const char *needle) {
  return needle == NULL || strstr(strata_errmsg(), needle) != NULL;
}

#define CHECK(cond)                                                                     \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      fprintf(stderr, "%s:%d [%s] CHECK failed: %s\n", __FILE__, __LINE__, phase, #cond); \
      failures++;                                                                       \
    }                                                                                   \
  } while (0)

/* Checks that `call` returns `want` and, for an error, that strata_errmsg() contains `needle`. */
#define CHECK_RC(call, want, needle)                                                       \
  do {                                                                                     \
    int rc_ = (call);                                                                      \
    if (rc_ != (want)) {                                                                   \
      fprintf(stderr, "%s:%d [%s] %s returned %d, want %d (errmsg: %s)\n", __FILE__,       \
              __LINE__, phase, #call, rc_, (want), strata_errmsg());                       \
      failures++;                                                                          \
    } else if (!mentions(needle)) {                                                        \
      fprintf(stderr, "%s:%d [%s] %s: errmsg '%s' does not mention '%s'\n", __FILE__,      \
              __LINE__, phase, #call, strata_errmsg(), (const char *)(needle));            \
      failures++;                                                                          \
    }                                                                                      \
  } while (0)

#define OK(call) CHECK_RC(call, STRATA_OK, NULL)

#endif /* STRATA_ABI_CHECK_H */
