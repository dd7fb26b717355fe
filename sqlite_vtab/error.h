// How the module reports errors to SQLite (README.md, "Errors"): a message on the table
// ("strata: <table>: <message>", or "strata: <table>.<column>: <message>" for a value), an SQLite
// result code mapped from the engine's status, and Guard, which keeps every C++ exception inside
// the x* callback that raised it. One thread at a time per table, as SQLite calls it.
#pragma once

#include <sqlite3ext.h>

#include <exception>
#include <new>
#include <string>

namespace strata_sql {

struct Table;

// Sets the table's error message, freeing the previous one: "strata: <table>: <message>".
void SetError(Table* t, const std::string& message);
// As SetError, naming a column: "strata: <table>.<column>: <message>".
void SetColumnError(Table* t, const std::string& column, const std::string& message);
// The SQLite result code of a STRATA_* status.
int SqliteCode(int strata_status);

// Runs fn, mapping exceptions to SQLITE_NOMEM / SQLITE_ERROR (with a message on the table when
// one is given).
template <class Fn>
int Guard(Table* t, Fn&& fn) noexcept {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    return SQLITE_NOMEM;
  } catch (const std::exception& e) {
    if (t != nullptr) {
      try {
        SetError(t, std::string("internal error: ") + e.what());
      } catch (...) {
      }
    }
    return SQLITE_ERROR;
  } catch (...) {
    return SQLITE_ERROR;
  }
}

}  // namespace strata_sql
