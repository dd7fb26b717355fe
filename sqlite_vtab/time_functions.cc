#include "time_functions.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <string>

#include "convert.h"
#include "error.h"
#include "strata.h"
#include "time_bucket.h"

namespace strata_sql {
namespace {

void ResultError(sqlite3_context* ctx, const char* fn, const std::string& err) {
  sqlite3_result_error(ctx, (std::string("strata: ") + fn + ": " + err).c_str(), -1);
}

// The BucketRule of time_bucket's width, origin and zone arguments. A rule whose arguments are
// constants is parsed once per statement: SQLite keeps it as the width argument's auxiliary data
// (and drops it when that argument changes; origin and zone are checked against the kept one).
struct KeptRule {
  BucketRule rule;
};

bool RuleOf(sqlite3_context* ctx, int argc, sqlite3_value** argv, BucketRule* rule,
            std::string* err) {
  const bool constant_rest =
      argc < 3 || (sqlite3_value_type(argv[2]) == SQLITE_NULL &&
                   (argc < 4 || sqlite3_value_type(argv[3]) == SQLITE_NULL));
  if (constant_rest) {
    if (const auto* kept = static_cast<const KeptRule*>(sqlite3_get_auxdata(ctx, 0))) {
      *rule = kept->rule;
      return true;
    }
  }
  if (!ParseBucketWidth(argv[0], rule, err)) return false;
  if (argc >= 4 && !ParseBucketZone(argv[3], rule, err)) return false;
  if (argc >= 3 && !ParseBucketOrigin(argv[2], rule, err)) return false;
  if (constant_rest) {
    if (auto* keep = static_cast<KeptRule*>(sqlite3_malloc64(sizeof(KeptRule)))) {
      keep->rule = *rule;
      sqlite3_set_auxdata(ctx, 0, keep, sqlite3_free);
    }
  }
  return true;
}

void FnTimeBucket(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  Guard(nullptr, [&] {
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
      sqlite3_result_null(ctx);
      return SQLITE_OK;
    }
    BucketRule rule;
    std::string err;
    if (!RuleOf(ctx, argc, argv, &rule, &err)) {
      ResultError(ctx, "time_bucket", err);
      return SQLITE_OK;
    }
    int64_t time = 0;
    if (!ToTime(argv[1], &time, &err)) {
      ResultError(ctx, "time_bucket", err);
      return SQLITE_OK;
    }
    int64_t start = 0, end = 0;
    BucketOf(rule, time, &start, &end);
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
      ResultError(ctx, "strata_time", err);
    } else {
      sqlite3_result_int64(ctx, time);
    }
    return SQLITE_OK;
  });
}

void FnFormatTime(sqlite3_context* ctx, int, sqlite3_value** argv) {
  Guard(nullptr, [&] {
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
      sqlite3_result_null(ctx);
      return SQLITE_OK;
    }
    int64_t time = 0;
    std::string err;
    char text[STRATA_TIME_TEXT_BYTES];
    if (!ToTime(argv[0], &time, &err)) {
      ResultError(ctx, "strata_format_time", err);
    } else if (strata_format_time(time, text, sizeof(text)) != STRATA_OK) {
      ResultError(ctx, "strata_format_time", strata_errmsg());
    } else {
      sqlite3_result_text(ctx, text, -1, SQLITE_TRANSIENT);
    }
    return SQLITE_OK;
  });
}

}  // namespace

int RegisterTimeFunctions(sqlite3* db) {
  constexpr int kPure = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
  struct Fn {
    const char* name;
    int nargs;
    void (*fn)(sqlite3_context*, int, sqlite3_value**);
  };
  const Fn fns[] = {
      {"time_bucket", 2, FnTimeBucket}, {"time_bucket", 3, FnTimeBucket},
      {"time_bucket", 4, FnTimeBucket}, {"strata_time", 1, FnTime},
      {"strata_format_time", 1, FnFormatTime},
  };
  for (const Fn& f : fns) {
    int rc = sqlite3_create_function_v2(db, f.name, f.nargs, kPure, nullptr, f.fn, nullptr,
                                        nullptr, nullptr);
    if (rc != SQLITE_OK) return rc;
  }
  return SQLITE_OK;
}

}  // namespace strata_sql
