// Transactions: see transaction.h. Savepoints: an undo log of (row key, previous entry), kept only
// while a savepoint is open.
#include "transaction.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <string>

#include "commit_writer.h"
#include "error.h"
#include "table.h"

namespace strata_sql {

int Begin(sqlite3_vtab* vtab) {
  Table* t = reinterpret_cast<Table*>(vtab);
  // Only moves forward while the transaction runs: a row it passes may still be refused at COMMIT
  // (at the edge of the retention period), never the other way round.
  if (strata_oldest_writable_time(t->conn->sdb, &t->conn->oldest_writable) != STRATA_OK) {
    t->conn->oldest_writable = INT64_MIN;
  }
  return SQLITE_OK;
}

// The durable write of the transaction: every pending change of the directory as one batch. The
// first xSync of a transaction does it; the others find nothing pending.
int Sync(sqlite3_vtab* vtab) {
  Table* t = reinterpret_cast<Table*>(vtab);
  return Guard(t, [&] {
    std::string err;
    const int rc = CommitPending(t->conn.get(), &err);
    if (rc != STRATA_OK) {
      SetError(t, err);
      return SqliteCode(rc);
    }
    return SQLITE_OK;
  });
}

// Only clears state (nothing is left after a successful xSync) and never fails: SQLite ignores
// xCommit's result, so the write that can fail is xSync's.
int Commit(sqlite3_vtab* vtab) {
  Table* t = reinterpret_cast<Table*>(vtab);
  return Guard(t, [&] {
    t->overlay().Clear();
    return SQLITE_OK;
  });
}

int Rollback(sqlite3_vtab* vtab) {
  Table* t = reinterpret_cast<Table*>(vtab);
  return Guard(t, [&] {
    t->overlay().Clear();
    return SQLITE_OK;
  });
}

int Savepoint(sqlite3_vtab* vtab, int n) {
  Table* t = reinterpret_cast<Table*>(vtab);
  return Guard(t, [&] {
    Overlay& ov = t->overlay();
    if (n < 0) return SQLITE_OK;
    ov.Fold();  // rows inserted before the savepoint are not undone by it
    const size_t at = ov.undo.size();
    ov.marks.resize(static_cast<size_t>(n) + 1, at);
    ov.marks[n] = at;
    return SQLITE_OK;
  });
}

int Release(sqlite3_vtab* vtab, int n) {
  Table* t = reinterpret_cast<Table*>(vtab);
  return Guard(t, [&] {
    Overlay& ov = t->overlay();
    if (n >= 0 && static_cast<size_t>(n) < ov.marks.size()) ov.marks.resize(n);
    if (ov.marks.empty()) ov.undo.clear();
    return SQLITE_OK;
  });
}

int RollbackTo(sqlite3_vtab* vtab, int n) {
  Table* t = reinterpret_cast<Table*>(vtab);
  return Guard(t, [&] {
    Overlay& ov = t->overlay();
    if (n < 0 || static_cast<size_t>(n) >= ov.marks.size()) return SQLITE_OK;
    const size_t target = ov.marks[n];
    while (ov.undo.size() > target) {
      auto& [key, prev] = ov.undo.back();
      if (prev) {
        ov.rows[key] = std::move(*prev);
      } else {
        ov.rows.erase(key);
      }
      ov.undo.pop_back();
    }
    ov.marks.resize(static_cast<size_t>(n) + 1);
    return SQLITE_OK;
  });
}

}  // namespace strata_sql
