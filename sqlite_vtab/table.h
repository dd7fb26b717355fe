// A strata virtual table (README.md, "Tables"): one measurement of a data directory, seen through
// the columns its CREATE VIRTUAL TABLE declares. Its lifecycle (xCreate, xConnect, xDisconnect,
// xDestroy, xRename) is here; a Table owns its scratch buffers and caches and shares its Conn
// (connection.h) with the connection's other tables of the directory. One thread at a time, as
// SQLite calls it.
#pragma once

#include <sqlite3ext.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "connection.h"
#include "overlay.h"
#include "row.h"
#include "strata.h"
#include "table_args.h"

namespace strata_sql {

struct Table {
  sqlite3_vtab base;  // first: SQLite's view of the table
  sqlite3* db = nullptr;
  std::string name;   // measurement
  Schema schema;
  std::shared_ptr<Conn> conn;  // null while detached (below)
  // A table whose data directory is missing (the database file was restored or copied without
  // it), or holds nothing of the table (never saw its CREATE: UndeclaredMessage), is detached
  // rather than refused, so that it can still be dropped: `dir` is where its data should be, and
  // every use fails with the message until the directory is back.
  std::string dir;  // canonical
  bool log_inserts = false;        // INSERTs may take the overlay's insert log (Overlay::log_tags)
  // What the longest field name adds to a tag-set key to make a series key (LongestFieldSuffix),
  // and that field's index: a row's series keys fit the engine's limit when its tag-set key and
  // this do.
  size_t field_suffix_bytes = 0;
  size_t longest_field = 0;
  RowBuffer spare_rows;            // lent to one cursor at a time (Cursor::rows)
  // An engine cursor a closed scan left, reset (no snapshot kept), for the next scan to restart
  // (strata_rows_requery): a statement's repeated lookups (a join's, a correlated subquery's,
  // each on a cursor SQLite opens and closes) reuse its buffers.
  strata_rows* spare_engine_rows = nullptr;
  // Scratch of Scan::Start: the C arrays of an engine query, lent to the C ABI for the call only
  // (Start is not reentrant), kept so that a statement's repeated lookups do not allocate them.
  struct QueryArrays {
    std::vector<std::vector<const char*>> values;  // per tag filter: its values
    std::vector<strata_tag_filter> filters;
    std::vector<const char*> fields;  // every declared field's name
    std::vector<unsigned char> presence_only;
    std::vector<const char*> order_tags;
  } query_arrays;
  std::vector<std::string_view> log_texts;  // scratch of the INSERT path (write.cc)
  std::string log_key;             // scratch of the INSERT path (write.cc)

  Overlay* overlay_ = nullptr;     // cache of overlay()

  ~Table();
  // The connection's overlay of this measurement (looked up once; every row uses it).
  Overlay& overlay();

  // The shared tag set with tag-set key `key`, or with engine tag-set number `id`
  // (strata_rows_tagset_id), made by make() when not cached. Tag sets are immutable, so statements
  // reuse them instead of copying every tag again.
  template <class Make>
  const std::shared_ptr<const RowTagSet>& TagSet(std::string_view key, Make&& make) {
    auto it = tagsets_.find(key);
    if (it != tagsets_.end()) return it->second;
    if (tagsets_.size() >= kMaxCachedTagSets) tagsets_.clear();
    return tagsets_.emplace(std::string(key), make()).first->second;
  }
  template <class Make>
  const std::shared_ptr<const RowTagSet>& TagSet(uint64_t id, Make&& make) {
    auto it = tagsets_by_id_.find(id);
    if (it != tagsets_by_id_.end()) return it->second;
    if (tagsets_by_id_.size() >= kMaxCachedTagSets) tagsets_by_id_.clear();
    return tagsets_by_id_.emplace(id, make()).first->second;
  }

 private:
  static constexpr size_t kMaxCachedTagSets = 100000;
  std::unordered_map<std::string, std::shared_ptr<const RowTagSet>, TextHash, std::equal_to<>>
      tagsets_;
  std::unordered_map<uint64_t, std::shared_ptr<const RowTagSet>> tagsets_by_id_;
};

// Whether the table is attached to its data directory, attaching it first when the directory
// has come back; false, with the message on the table, while it is missing or does not hold the
// table (its measurement is neither declared nor written there). Every callback that
// reads or writes calls it (module.cc).
bool RequireAttached(Table* t);

// xCreate and xConnect: `create` (xCreate) may create the data directory.
int CreateTable(sqlite3* db, void* aux, int argc, const char* const* argv, sqlite3_vtab** out,
                char** pzErr);
int ConnectTable(sqlite3* db, void* aux, int argc, const char* const* argv, sqlite3_vtab** out,
                 char** pzErr);
int DisconnectTable(sqlite3_vtab* vtab);
// Connects every strata table of the connection's databases (xConnect), but `except`. A table that
// cannot connect (its directory gone or locked) is skipped: its own use will say why.
void ConnectStrataTables(sqlite3* db, const std::string& except);
// DROP TABLE: removes the measurement's data (refused inside a transaction).
int DestroyTable(sqlite3_vtab* vtab);
// ALTER TABLE RENAME: refused, the table name is the measurement name.
int RenameTable(sqlite3_vtab* vtab, const char* name);

}  // namespace strata_sql
