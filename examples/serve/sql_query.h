// POST /query: one read-only SQL statement over the directory's measurements, each a `strata`
// virtual table of the SQLite module (in this process, so the tables share the server's open
// directory): its columns are `time`, the tag keys of the measurement's series, then its fields
// (REAL, INTEGER, BOOLEAN or TEXT), each sorted by name; a name that repeats an earlier column
// (ignoring case, as SQL does) or is reserved (`time`) is left out. The statement comes as the
// body (text/plain or application/sql) or the `q` parameter. Results are JSON
// ({"columns": [...], "rows": [[...], ...]}) or, with format=csv or Accept: text/csv, CSV with a
// header line (RFC 4180). Only statements that read are run: SQLite's read-only test plus an
// authorizer that allows reading and pure functions only (no ATTACH, PRAGMA, strata_flush or
// strata_compact); a statement over the time limit is interrupted. Errors are 400
// {"error": ...}. Connections are pooled and rebuilt when the directory's schema changes.
// Thread-safe.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "http_server.h"
#include "strata.h"

struct sqlite3;

namespace strata::serve {

class SqlQuery {
 public:
  // `db` is borrowed for the object's lifetime; `dir` is the absolute, normal path strata_open
  // took (the tables open the directory by it, and only the same path shares the open engine).
  SqlQuery(strata_db* db, std::string dir, unsigned time_limit_seconds, size_t max_result_bytes);
  ~SqlQuery();
  SqlQuery(const SqlQuery&) = delete;
  SqlQuery& operator=(const SqlQuery&) = delete;

  HttpResponse Handle(const HttpRequest& request);

 private:
  struct Connection {
    sqlite3* db = nullptr;
    std::string schema;  // the strata_schema_json it was built from
  };
  // A connection whose tables match the schema now; *error on failure.
  Connection Acquire(std::string* error);
  void Release(Connection c);

  strata_db* const db_;
  const std::string dir_;
  const unsigned time_limit_seconds_;
  const size_t max_result_bytes_;
  std::mutex mu_;
  std::vector<Connection> idle_;  // guarded by mu_
};

}  // namespace strata::serve
