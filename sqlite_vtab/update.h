// xUpdate (README.md, "Writes"): INSERT, UPDATE and DELETE of rows, recorded in the connection's
// overlay (overlay.h) and never in the engine until the transaction commits. A row is converted
// and checked whole before anything is recorded, so a failing row changes nothing. One thread at a
// time per table, as SQLite calls it.
#pragma once

#include <sqlite3ext.h>

namespace strata_sql {

int Update(sqlite3_vtab* vtab, int argc, sqlite3_value** argv, sqlite3_int64* rowid);

}  // namespace strata_sql
