// SQL functions of the module:
//   strata_flush([table])    flushes the MemStores of the table's data directory (without an
//                            argument: of the one directory the strata tables of the connection's
//                            databases use);
//                            returns NULL.
//   strata_compact([table])  likewise, a full compaction.
//   strata_stats([table])    the directory's statistics as JSON text (strata_stats_json).
//   time_bucket(width, time) time rounded down to a multiple of width: width is a duration text
//                            ('30s', '1m', '1h', '1d', ...) or integer nanoseconds > 0; time is
//                            integer ns (or text as INSERT accepts it). NULL when either is NULL.
//   strata_time(text)        an ISO-8601 date-time (or integer text) as integer ns, for writing
//                            WHERE time >= strata_time('2016-01-01T00:00:00Z').
// strata_flush/compact/stats are SQLITE_DIRECTONLY (not usable from views or triggers of a
// possibly untrusted schema); time_bucket and strata_time are deterministic and innocuous.
#include "functions.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <cstring>

#include "connection.h"
#include "convert.h"
#include "error.h"
#include "strata.h"
#include "table.h"
#include "time_bucket.h"

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
  // Connect the table (xConnect) if this connection has not used it yet, and make sure it is
  // a strata table.
  char* sql =
      sqlite3_mprintf("SELECT \"time\" FROM \"%w\" WHERE 0", reinterpret_cast<const char*>(name));
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
  sqlite3_free(sql);
  sqlite3_finalize(stmt);
  if (rc == SQLITE_OK) {
    for (auto& c : ConnsOf(db)) {
      if (c->overlays.count(reinterpret_cast<const char*>(name))) return c;
    }
  }
  std::string msg = std::string("strata: ") + fn + "(): '" + reinterpret_cast<const char*>(name) +
                    "' is not a strata table of this connection";
  sqlite3_result_error(ctx, msg.c_str(), -1);
  return nullptr;
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

void FnTimeBucket(sqlite3_context* ctx, int, sqlite3_value** argv) {
  Guard(nullptr, [&] {
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
      sqlite3_result_null(ctx);
      return SQLITE_OK;
    }
    int64_t width = 0;
    std::string err;
    // A constant width ('1h') is parsed once per statement: SQLite keeps it as auxiliary data.
    if (const auto* parsed = static_cast<const int64_t*>(sqlite3_get_auxdata(ctx, 0))) {
      width = *parsed;
    } else {
      if (!ParseWidth(argv[0], &width, &err)) {
        sqlite3_result_error(ctx, ("strata: time_bucket: " + err).c_str(), -1);
        return SQLITE_OK;
      }
      if (auto* keep = static_cast<int64_t*>(sqlite3_malloc64(sizeof(int64_t)))) {
        *keep = width;
        sqlite3_set_auxdata(ctx, 0, keep, sqlite3_free);
      }
    }
    int64_t time = 0;
    if (!ToTime(argv[1], &time, &err)) {
      sqlite3_result_error(ctx, ("strata: time_bucket: " + err).c_str(), -1);
      return SQLITE_OK;
    }
    int64_t start = 0, end = 0;
    BucketOf(time, width, &start, &end);
    sqlite3_result_int64(ctx, start);
    return SQLITE_OK;
  });
}

void FnTime(sqlite3_context* ctx, int, sqlite3_value** argv) {
  Guard(nullptr, [&] {
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
      sqlite3_result_null(ctx);
      return SQLITE_OK;
    }
    int64_t time = 0;
    std::string err;
    if (!ToTime(argv[0], &time, &err)) {
      sqlite3_result_error(ctx, ("strata: strata_time: " + err).c_str(), -1);
    } else {
      sqlite3_result_int64(ctx, time);
    }
    return SQLITE_OK;
  });
}

}  // namespace

int RegisterFunctions(sqlite3* db) {
  constexpr int kAdmin = SQLITE_UTF8 | SQLITE_DIRECTONLY;
  constexpr int kPure = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
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
      {"time_bucket", 2, kPure, FnTimeBucket},  {"strata_time", 1, kPure, FnTime},
  };
  for (const Fn& f : fns) {
    int rc = sqlite3_create_function_v2(db, f.name, f.nargs, f.flags, nullptr, f.fn, nullptr,
                                        nullptr, nullptr);
    if (rc != SQLITE_OK) return rc;
  }
  return SQLITE_OK;
}

}  // namespace strata_sql
