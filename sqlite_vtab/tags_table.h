// strata_tags: an eponymous, read-only virtual table (a table-valued function, as json_each is)
// that lists the tag keys and values of a strata table from its directory's tag index, without
// reading any point (InfluxDB's SHOW TAG KEYS / SHOW TAG VALUES; README.md, "Tags"):
//
//   SELECT key, value, series FROM strata_tags('cpu');                 every key and value
//   SELECT value FROM strata_tags('cpu') WHERE key = 'hostname';       the values of one key
//   SELECT key, count(*), sum(series) FROM strata_tags('cpu') GROUP BY key;
//
// One row per (tag key, value), ordered by key then value (bytewise); `series` is the number of
// series (a tag set and one field) that have the value. Every series written and not dropped
// counts, whether or not points of it remain (strata_list_tags). The argument (hidden column
// `tbl`) names a strata table of the connection; `key = ...` is answered by listing that key
// only. The module keeps no state beyond a cursor's lists; a cursor is used by one thread.
#pragma once

#include <sqlite3ext.h>

namespace strata_sql {

// Registers the eponymous table strata_tags on `db`. An SQLite result code.
int RegisterTagsTable(sqlite3* db);

}  // namespace strata_sql
