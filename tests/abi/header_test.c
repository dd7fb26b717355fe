/* strata.h must compile on its own as strict C99 with every warning an error (libgit2's
** headertest): nothing before it, nothing it relies on but the standard headers it includes. */
#include "strata.h"

#if STRATA_VERSION_MAJOR != 0 || STRATA_VERSION_MINOR != 1 || STRATA_VERSION_PATCH != 0
#error "unexpected header version"
#endif

#if STRATA_OK != 0 || STRATA_ERROR != 1 || STRATA_INVALID != 2 || STRATA_IO != 3 || \
    STRATA_CORRUPT != 4 || STRATA_LOCKED != 5 || STRATA_NOT_FOUND != 6 ||            \
    STRATA_TYPE_CONFLICT != 7 || STRATA_NOMEM != 8 || STRATA_ROW != 100 ||            \
    STRATA_DONE != 101
#error "status codes were renumbered"
#endif

#if STRATA_FLOAT != 1 || STRATA_INT != 2 || STRATA_BOOL != 3 || STRATA_STRING != 4
#error "value types were renumbered"
#endif

int main(void) {
  /* Every type is usable from C. */
  strata_tag tag = {"host", "a"};
  strata_db *db = NULL;
  strata_batch *batch = NULL;
  strata_cursor *cursor = NULL;
  int (*open_fn)(const char *, const char *, strata_db **) = strata_open;
  (void)open_fn;
  return (tag.key[0] == 'h' && db == NULL && batch == NULL && cursor == NULL) ? 0 : 1;
}
