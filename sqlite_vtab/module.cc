// The `strata` SQLite module: its sqlite3_module table, every slot commented, and the extension's
// entry point sqlite3_strata_init. How the module works as a whole is in README.md; each callback
// lives in the file named after its concept. The module reaches SQLite only through sqlite3ext.h's
// `sqlite3_api` (SQLITE_EXTENSION_INIT1 here, SQLITE_EXTENSION_INIT3 in the other files) and the
// engine only through the C ABI (strata.h).
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#include "cursor.h"
#include "error.h"
#include "functions.h"
#include "plan.h"
#include "sql_backup.h"
#include "table.h"
#include "tags_table.h"
#include "transaction.h"
#include "update.h"

namespace strata_sql {
namespace {

int xBestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info) {
  Table* t = reinterpret_cast<Table*>(vtab);
  return Guard(t, [&] { return RequireAttached(t) ? BestIndex(vtab, info) : SQLITE_ERROR; });
}

// A table whose data directory is missing (table.h) fails every read and write with a message
// saying so; planning (xBestIndex) and these catch every statement that uses it.
int xOpen(sqlite3_vtab* vtab, sqlite3_vtab_cursor** out) {
  Table* t = reinterpret_cast<Table*>(vtab);
  return Guard(t, [&] { return RequireAttached(t) ? Open(vtab, out) : SQLITE_ERROR; });
}
int xUpdate(sqlite3_vtab* vtab, int argc, sqlite3_value** argv, sqlite3_int64* rowid) {
  Table* t = reinterpret_cast<Table*>(vtab);
  return Guard(t, [&] { return RequireAttached(t) ? Update(vtab, argc, argv, rowid) : SQLITE_ERROR; });
}
int xBegin(sqlite3_vtab* vtab) {
  Table* t = reinterpret_cast<Table*>(vtab);
  return Guard(t, [&] { return RequireAttached(t) ? Begin(vtab) : SQLITE_ERROR; });
}

sqlite3_module g_module = {
    /* iVersion    */ 2,  // xSavepoint/xRelease/xRollbackTo; xShadowName unused
    /* xCreate     */ CreateTable,      // CREATE VIRTUAL TABLE: opens/creates the directory
    /* xConnect    */ ConnectTable,     // existing table: opens only a verified Strata directory
    /* xBestIndex  */ xBestIndex,       // plan.cc: time ranges and tag =/IN pushdown
    /* xDisconnect */ DisconnectTable,  // drops this instance; the Conn lives while others use it
    /* xDestroy    */ DestroyTable,     // DROP TABLE: removes the measurement's data
    /* xOpen       */ xOpen,            // cursor.cc
    /* xClose      */ Close,
    /* xFilter     */ Filter,  // starts the merged scan (engine rows + own pending changes)
    /* xNext       */ NextRow,
    /* xEof        */ Eof,
    /* xColumn     */ Column,  // time, tags, fields (NULL when absent), _strata_key
    /* xRowid      */ Rowid,   // unused (WITHOUT ROWID); a per-scan sequence number
    /* xUpdate     */ xUpdate, // update.cc: INSERT/DELETE/UPDATE into the pending overlay
    /* xBegin      */ xBegin,  // transaction.cc
    /* xSync       */ Sync,    // THE durable write: all pending tables of the directory, one batch
    /* xCommit     */ Commit,  // only clears state, never fails: the work was done in xSync
    /* xRollback   */ Rollback,        // discards pending changes
    /* xFindFunction */ nullptr,       // no overloaded functions
    /* xRename     */ RenameTable,     // refused: the name is the measurement
    /* xSavepoint  */ Savepoint,       // statement and SAVEPOINT rollback through an undo log
    /* xRelease    */ Release,
    /* xRollbackTo */ RollbackTo,
    /* xShadowName */ nullptr,
};

}  // namespace
}  // namespace strata_sql

extern "C" __attribute__((visibility("default"))) int sqlite3_strata_init(
    sqlite3* db, char** pzErrMsg, const sqlite3_api_routines* pApi) {
  SQLITE_EXTENSION_INIT2(pApi);
  return strata_sql::Guard(nullptr, [&] {
    int rc = sqlite3_create_module_v2(db, "strata", &strata_sql::g_module, nullptr, nullptr);
    if (rc == SQLITE_OK) rc = strata_sql::RegisterFunctions(db);
    if (rc == SQLITE_OK) rc = strata_sql::RegisterBackupFunction(db);
    if (rc == SQLITE_OK) rc = strata_sql::RegisterTagsTable(db);
    if (rc != SQLITE_OK && pzErrMsg != nullptr) {
      *pzErrMsg = sqlite3_mprintf("strata: cannot register the module: %s", sqlite3_errmsg(db));
    }
    return rc;
  });
}
