#include "tags_table.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "connection.h"
#include "error.h"
#include "strata.h"

namespace strata_sql {
namespace {

enum Column { kKey = 0, kValue = 1, kSeries = 2, kTbl = 3 };
// idxNum bits: which constraints xFilter receives, in argv order (tbl first).
constexpr int kHasTbl = 1;
constexpr int kHasKey = 2;

struct TagListFree {
  void operator()(strata_tag_list* l) const { strata_tag_list_free(l); }
};
using TagList = std::unique_ptr<strata_tag_list, TagListFree>;

struct TagsVtab {
  sqlite3_vtab base;  // first: SQLite's view of the table
  sqlite3* db;        // the connection, whose strata tables the argument names
};

struct TagsCursor {
  sqlite3_vtab_cursor base;  // first: SQLite's view of the cursor
  // The values of each key listed, in key order; (k, i) is the current row.
  std::vector<std::pair<std::string, TagList>> keys;
  size_t k = 0;
  size_t i = 0;
  sqlite3_int64 rowid = 0;

  // Moves (k, i) past keys without values.
  void Settle() {
    while (k < keys.size() && i >= strata_tag_list_count(keys[k].second.get())) {
      k++;
      i = 0;
    }
  }
};

// Sets the vtab's error message (freeing the previous one) and returns SQLITE_ERROR.
int Fail(sqlite3_vtab* vtab, const std::string& message) {
  sqlite3_free(vtab->zErrMsg);
  vtab->zErrMsg = sqlite3_mprintf("strata_tags: %s", message.c_str());
  return SQLITE_ERROR;
}

int Connect(sqlite3* db, void*, int, const char* const*, sqlite3_vtab** out, char**) {
  int rc = sqlite3_declare_vtab(
      db, "CREATE TABLE x(key TEXT, value TEXT, series INTEGER, tbl TEXT HIDDEN)");
  if (rc != SQLITE_OK) return rc;
  auto* vtab = static_cast<TagsVtab*>(sqlite3_malloc(sizeof(TagsVtab)));
  if (vtab == nullptr) return SQLITE_NOMEM;
  std::memset(vtab, 0, sizeof(*vtab));
  vtab->db = db;
  *out = &vtab->base;
  return SQLITE_OK;
}

int Disconnect(sqlite3_vtab* vtab) {
  sqlite3_free(reinterpret_cast<TagsVtab*>(vtab));
  return SQLITE_OK;
}

int BestIndex(sqlite3_vtab*, sqlite3_index_info* info) {
  int tbl = -1, key = -1;
  for (int c = 0; c < info->nConstraint; c++) {
    const auto& con = info->aConstraint[c];
    if (con.op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    if (con.iColumn == kTbl) {
      // An unusable argument (it depends on a later table of a join) asks for another plan.
      if (!con.usable) return SQLITE_CONSTRAINT;
      tbl = c;
    } else if (con.iColumn == kKey && con.usable) {
      key = c;
    }
  }
  if (tbl < 0) {
    // No table named: a plan that xFilter refuses with a message (SQLite may also be trying
    // the terms of an OR, another of which names it).
    info->idxNum = 0;
    info->estimatedCost = 1e99;
    return SQLITE_OK;
  }
  info->aConstraintUsage[tbl].argvIndex = 1;
  info->aConstraintUsage[tbl].omit = 1;
  info->idxNum = kHasTbl;
  if (key >= 0) {
    info->aConstraintUsage[key].argvIndex = 2;
    info->aConstraintUsage[key].omit = 1;
    info->idxNum |= kHasKey;
  }
  // Rows come ordered by key, then value.
  if (info->nOrderBy >= 1 && info->nOrderBy <= 2) {
    bool ordered = true;
    for (int o = 0; o < info->nOrderBy; o++) {
      ordered = ordered && !info->aOrderBy[o].desc && info->aOrderBy[o].iColumn == o;
    }
    info->orderByConsumed = ordered ? 1 : 0;
  }
  info->estimatedCost = key >= 0 ? 1000 : 100000;
  info->estimatedRows = key >= 0 ? 1000 : 100000;
  return SQLITE_OK;
}

int Open(sqlite3_vtab*, sqlite3_vtab_cursor** out) {
  auto* cursor = new TagsCursor();
  *out = &cursor->base;
  return SQLITE_OK;
}

int Close(sqlite3_vtab_cursor* base) {
  delete reinterpret_cast<TagsCursor*>(base);
  return SQLITE_OK;
}

// Lists the values of `key` of `table`'s measurement into cursor->keys.
int ListValues(sqlite3_vtab* vtab, strata_db* sdb, const std::string& table,
               const std::string& key, TagsCursor* cursor) {
  strata_tag_list* values = nullptr;
  if (int rc = strata_list_tags(sdb, table.c_str(), key.c_str(), &values); rc != STRATA_OK) {
    Fail(vtab, table + ": " + strata_errmsg());
    return SqliteCode(rc);
  }
  cursor->keys.emplace_back(key, TagList(values));
  return SQLITE_OK;
}

int Filter(sqlite3_vtab_cursor* base, int idx_num, const char*, int argc, sqlite3_value** argv) {
  auto* cursor = reinterpret_cast<TagsCursor*>(base);
  sqlite3_vtab* vtab = base->pVtab;
  return Guard(nullptr, [&] {
    cursor->keys.clear();
    cursor->k = cursor->i = 0;
    cursor->rowid = 0;
    if (!(idx_num & kHasTbl) || argc < 1) return Fail(vtab, "name a strata table: strata_tags('cpu')");
    const unsigned char* tbl = sqlite3_value_text(argv[0]);
    if (tbl == nullptr) return Fail(vtab, "the table name is NULL");
    const std::string table = reinterpret_cast<const char*>(tbl);
    std::string err;
    auto conn = ConnOfTable(reinterpret_cast<TagsVtab*>(vtab)->db, table, &err);
    if (conn == nullptr) return Fail(vtab, err);
    if (idx_num & kHasKey) {
      const unsigned char* key = argc >= 2 ? sqlite3_value_text(argv[1]) : nullptr;
      if (key == nullptr) return SQLITE_OK;  // key = NULL matches nothing
      if (int rc = ListValues(vtab, conn->sdb, table, reinterpret_cast<const char*>(key), cursor);
          rc != SQLITE_OK) {
        return rc;
      }
    } else {
      strata_tag_list* keys = nullptr;
      if (int rc = strata_list_tags(conn->sdb, table.c_str(), nullptr, &keys); rc != STRATA_OK) {
        Fail(vtab, table + ": " + strata_errmsg());
        return SqliteCode(rc);
      }
      const TagList key_list(keys);
      for (size_t k = 0; k < strata_tag_list_count(keys); k++) {
        size_t len = 0;
        const char* name = strata_tag_list_name(keys, k, &len);
        if (int rc = ListValues(vtab, conn->sdb, table, std::string(name, len), cursor);
            rc != SQLITE_OK) {
          return rc;
        }
      }
    }
    cursor->Settle();
    return SQLITE_OK;
  });
}

int Next(sqlite3_vtab_cursor* base) {
  auto* cursor = reinterpret_cast<TagsCursor*>(base);
  cursor->i++;
  cursor->rowid++;
  cursor->Settle();
  return SQLITE_OK;
}

int Eof(sqlite3_vtab_cursor* base) {
  const auto* cursor = reinterpret_cast<TagsCursor*>(base);
  return cursor->k >= cursor->keys.size() ? 1 : 0;
}

int ColumnValue(sqlite3_vtab_cursor* base, sqlite3_context* ctx, int column) {
  const auto* cursor = reinterpret_cast<TagsCursor*>(base);
  const auto& [key, values] = cursor->keys[cursor->k];
  switch (column) {
    case kKey:
      sqlite3_result_text(ctx, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
      break;
    case kValue: {
      size_t len = 0;
      const char* value = strata_tag_list_name(values.get(), cursor->i, &len);
      sqlite3_result_text(ctx, value, static_cast<int>(len), SQLITE_TRANSIENT);
      break;
    }
    case kSeries:
      sqlite3_result_int64(
          ctx, static_cast<sqlite3_int64>(strata_tag_list_series(values.get(), cursor->i)));
      break;
    default:
      sqlite3_result_null(ctx);  // tbl: the argument, not stored
  }
  return SQLITE_OK;
}

int Rowid(sqlite3_vtab_cursor* base, sqlite3_int64* out) {
  *out = reinterpret_cast<TagsCursor*>(base)->rowid;
  return SQLITE_OK;
}

sqlite3_module g_tags_module = {
    /* iVersion    */ 0,
    /* xCreate     */ nullptr,  // eponymous only: CREATE VIRTUAL TABLE ... USING strata_tags fails
    /* xConnect    */ Connect,
    /* xBestIndex  */ BestIndex,  // the table argument, and key = ...
    /* xDisconnect */ Disconnect,
    /* xDestroy    */ Disconnect,
    /* xOpen       */ Open,
    /* xClose      */ Close,
    /* xFilter     */ Filter,  // lists the tag index through strata_list_tags
    /* xNext       */ Next,
    /* xEof        */ Eof,
    /* xColumn     */ ColumnValue,
    /* xRowid      */ Rowid,
    /* xUpdate     */ nullptr,  // read-only
    /* xBegin      */ nullptr,
    /* xSync       */ nullptr,
    /* xCommit     */ nullptr,
    /* xRollback   */ nullptr,
    /* xFindFunction */ nullptr,
    /* xRename     */ nullptr,
    /* xSavepoint  */ nullptr,
    /* xRelease    */ nullptr,
    /* xRollbackTo */ nullptr,
    /* xShadowName */ nullptr,
};

}  // namespace

int RegisterTagsTable(sqlite3* db) {
  return sqlite3_create_module_v2(db, "strata_tags", &g_tags_module, nullptr, nullptr);
}

}  // namespace strata_sql
