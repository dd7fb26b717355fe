// The cursor SQLite reads a statement's rows from (README.md, "Reads"): xOpen, xFilter, xNext,
// xEof, xColumn, xRowid. xFilter decodes the plan (plan.h) and starts the merged scan (scan.h),
// or computes the aggregate view (aggregate.h); rows that must be sorted first (ORDER BY time over
// several tag sets, ORDER BY tag columns over pending changes) or that a limited scan returns are
// collected at xFilter. One thread at a time per cursor, as SQLite calls it.
#pragma once

#include <sqlite3ext.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "convert.h"
#include "row.h"
#include "scan.h"

namespace strata_sql {

struct Cursor {
  sqlite3_vtab_cursor base;  // first
  Scan scan;
  // ORDER BY time over several tag sets (rows sorted) or the aggregate view: rows are in `rows`.
  bool materialized = false;
  bool aggregate = false;          // the aggregate view: `rows` hold aggregates
  Value aggregate_arg, every_arg;  // what the hidden columns read (the view's arguments)
  RowBuffer rows;
  size_t pos = 0;
  int64_t rowid = 0;
  std::string key;  // scratch for _strata_key

  bool eof() const { return materialized ? pos >= rows.size() : scan.eof(); }
  const Row& row() const { return materialized ? rows[pos] : scan.row(); }
};

int Open(sqlite3_vtab* vtab, sqlite3_vtab_cursor** out);
int Close(sqlite3_vtab_cursor* cur);
int Filter(sqlite3_vtab_cursor* cur, int idx_num, const char* idx_str, int argc,
           sqlite3_value** argv);
int NextRow(sqlite3_vtab_cursor* cur);
int Eof(sqlite3_vtab_cursor* cur);
int Column(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int col);
int Rowid(sqlite3_vtab_cursor* cur, sqlite3_int64* rowid);

}  // namespace strata_sql
