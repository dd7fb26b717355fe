#include "error.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include "strata.h"
#include "table.h"

namespace strata_sql {

void SetError(Table* t, const std::string& message) {
  sqlite3_free(t->base.zErrMsg);
  t->base.zErrMsg = sqlite3_mprintf("strata: %s: %s", t->name.c_str(), message.c_str());
}

void SetColumnError(Table* t, const std::string& column, const std::string& message) {
  sqlite3_free(t->base.zErrMsg);
  t->base.zErrMsg = sqlite3_mprintf("strata: %s.%s: %s", t->name.c_str(), column.c_str(),
                                    message.c_str());
}

int SqliteCode(int status) {
  switch (status) {
    case STRATA_OK: return SQLITE_OK;
    case STRATA_NOMEM: return SQLITE_NOMEM;
    case STRATA_IO: return SQLITE_IOERR;
    case STRATA_CORRUPT: return SQLITE_CORRUPT;
    case STRATA_LOCKED: return SQLITE_BUSY;
    case STRATA_READONLY: return SQLITE_READONLY;
    case STRATA_TYPE_CONFLICT:
    case STRATA_INVALID: return SQLITE_CONSTRAINT;
    default: return SQLITE_ERROR;
  }
}

}  // namespace strata_sql
