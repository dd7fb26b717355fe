// strata_backup(dest): one SQL call that backs up the database file and the Strata data
// directories of its tables together, at one point (README.md, "Backup and restore").
//
// The point. A helper connection to the same file takes SQLite's write lock (BEGIN IMMEDIATE): no
// transaction of any connection is then between its first write and its commit, and a strata
// table's rows reach the engine only when their transaction commits (xSync), so every
// transaction committed before the call is in the engine and none that commits after it can be.
// While the lock is held, each directory's backup point is fixed (strata_backup_ex: the engine
// blocks nothing else) and the database file is copied with SQLite's online backup API in one
// step, by a second helper connection (the API refuses a source that holds a write transaction;
// the lock leaves nothing to commit, so what it reads is what the point holds); the lock is released as soon as the last directory's point is fixed and the file copied,
// and the directories' files are linked or copied after that.
//
// Where the copies go. `dest` is the new database file (relative to the current directory); a
// table's directory goes where the copy's table looks for it: `<dest>.strata` for the default
// `<database>.strata`, and for a `dir=` beside the database the same relative path beside
// `dest` (refused when `dest` is in the same folder); a directory elsewhere is refused. The file
// is written as `<dest>.tmp-...` and renamed last: until the call succeeds there is no `dest`.
// Opening `dest` is the restore.
#pragma once

#include <sqlite3ext.h>

namespace strata_sql {

// Registers strata_backup(dest) on `db` (SQLITE_DIRECTONLY). An SQLite result code.
int RegisterBackupFunction(sqlite3* db);

}  // namespace strata_sql
