// SQL functions of the module:
//   strata_flush([table])    flushes the MemStores of the table's data directory (without an
//                            argument: of the one directory the strata tables of the connection's
//                            databases use);
//                            returns NULL.
//   strata_compact([table])  likewise, a full compaction.
//   strata_stats([table])    the directory's statistics as JSON text (strata_stats_json).
// and the functions of time (time_functions.h: time_bucket, strata_time, strata_format_time).
// strata_flush/compact/stats are SQLITE_DIRECTONLY (not usable from views or triggers of a
// possibly untrusted schema); the functions of time are deterministic and innocuous.
#include "functions.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <cstring>

#include "connection.h"
#include "convert.h"
#include "error.h"
#include "strata.h"
#include "table.h"
#include "time_functions.h"

namespace strata_sql {
namespace {

// The Conn a maintenance function applies to, or null with an error set on ctx.
std::shared_ptr<Conn> ConnFor(sqlite3_context* ctx, int argc, sqlite3_value** argv,
                              const char* fn) {
  sqlite3* db = sqlite3_context_db_handle(ctx);
  if (argc == 0) {
    // The directory of the connection's strata tables: those in use, or else those its databases
    // declare (a fresh connection has used none yet).
    auto conns = ConnsOf(db);
    if (conns.empty()) {
      ConnectStrataTables(db, "");
      conns = ConnsOf(db);
    }
    if (conns.size() == 1) return conns[0];
    std::string msg =
        std::string("strata: ") + fn +
        (conns.empty() ? "(): the connection's databases have no strata table that opens; name "
                         "one: "
                       : "(): the strata tables of this connection use several data "
                         "directories; name a table: ") +
        fn + "('table')";
    sqlite3_result_error(ctx, msg.c_str(), -1);
    return nullptr;
  }
  const unsigned char* name = sqlite3_value_text(argv[0]);
  if (name == nullptr) {
    sqlite3_result_error(ctx, (std::string("strata: ") + fn + "(): the table name is NULL").c_str(),
                         -1);
    return nullptr;
  }
  std::string err;
  auto conn = ConnOfTable(db, reinterpret_cast<const char*>(name), &err);
  if (conn == nullptr) {
    sqlite3_result_error(ctx, (std::string("strata: ") + fn + "(): " + err).c_str(), -1);
  }
  return conn;
}

void ResultStrataError(sqlite3_context* ctx, const char* fn, int rc) {
  std::string msg = std::string("strata: ") + fn + "(): " + strata_errmsg();
  sqlite3_result_error(ctx, msg.c_str(), -1);
  sqlite3_result_error_code(ctx, SqliteCode(rc));
}

// strata_flush([table]) and strata_compact([table]): `op` on the table's directory; NULL.
template <int (*op)(strata_db*)>
void FnMaintain(sqlite3_context* ctx, int argc, sqlite3_value** argv, const char* fn) {
  Guard(nullptr, [&] {
    if (auto c = ConnFor(ctx, argc, argv, fn)) {
      if (int rc = op(c->sdb); rc != STRATA_OK) {
        ResultStrataError(ctx, fn, rc);
      } else {
        sqlite3_result_null(ctx);
      }
    }
    return SQLITE_OK;
  });
}

void FnFlush(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  FnMaintain<strata_flush>(ctx, argc, argv, "strata_flush");
}

void FnCompact(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  FnMaintain<strata_compact>(ctx, argc, argv, "strata_compact");
}

void FnStats(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  Guard(nullptr, [&] {
    if (auto c = ConnFor(ctx, argc, argv, "strata_stats")) {
      char* json = nullptr;
      if (int rc = strata_stats_json(c->sdb, &json); rc != STRATA_OK) {
        ResultStrataError(ctx, "strata_stats", rc);
      } else {
        sqlite3_result_text(ctx, json, -1, SQLITE_TRANSIENT);
        sqlite3_result_subtype(ctx, 'J');
        strata_free(json);
      }
    }
    return SQLITE_OK;
  });
}

}  // namespace

int RegisterFunctions(sqlite3* db) {
  constexpr int kAdmin = SQLITE_UTF8 | SQLITE_DIRECTONLY;
  struct Fn {
    const char* name;
    int nargs;
    int flags;
    void (*fn)(sqlite3_context*, int, sqlite3_value**);
  };
  const Fn fns[] = {
      {"strata_flush", 0, kAdmin, FnFlush},     {"strata_flush", 1, kAdmin, FnFlush},
      {"strata_compact", 0, kAdmin, FnCompact}, {"strata_compact", 1, kAdmin, FnCompact},
      {"strata_stats", 0, kAdmin, FnStats},     {"strata_stats", 1, kAdmin, FnStats},
  };
  for (const Fn& f : fns) {
    int rc = sqlite3_create_function_v2(db, f.name, f.nargs, f.flags, nullptr, f.fn, nullptr,
                                        nullptr, nullptr);
    if (rc != SQLITE_OK) return rc;
  }
  return RegisterTimeFunctions(db);
}

}  // namespace strata_sql
