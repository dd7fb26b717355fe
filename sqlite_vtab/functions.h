// The module's SQL functions (README.md, "Functions"): strata_flush, strata_compact,
// strata_stats, and the functions of time (time_functions.h).
#pragma once

#include <sqlite3ext.h>

namespace strata_sql {

// Registers the functions on `db`. An SQLite result code.
int RegisterFunctions(sqlite3* db);

}  // namespace strata_sql
