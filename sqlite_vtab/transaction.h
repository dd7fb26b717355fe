// Transactions (README.md, "Transactions"): xBegin, xSync, xCommit, xRollback and the savepoint
// callbacks.
//
// The durable write happens in xSync, not in xCommit: the first xSync of a transaction writes the
// pending changes of every table of the directory as ONE engine batch (commit_writer.h), durable
// per the directory's `sync` option, and clears them. A failure there fails the COMMIT with
// nothing written. xCommit then only clears what is left (nothing, after a successful xSync) and
// never fails: SQLite ignores an error from xCommit, so it may do no work that can fail.
// xRollback discards the pending changes. Savepoints keep an undo log per overlay.
// One thread at a time per connection, as SQLite calls them.
#pragma once

#include <sqlite3ext.h>

namespace strata_sql {

int Begin(sqlite3_vtab* vtab);
int Sync(sqlite3_vtab* vtab);
int Commit(sqlite3_vtab* vtab);
int Rollback(sqlite3_vtab* vtab);
int Savepoint(sqlite3_vtab* vtab, int n);
int Release(sqlite3_vtab* vtab, int n);
int RollbackTo(sqlite3_vtab* vtab, int n);

}  // namespace strata_sql
