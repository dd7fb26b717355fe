#include "sql_query.h"

#include <sqlite3.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>

#include "http_text.h"

// The SQLite module's entry point, exported by libstrata.so.
extern "C" int sqlite3_strata_init(sqlite3* db, char** err, const sqlite3_api_routines* api);

namespace strata::serve {

namespace {

constexpr size_t kMaxIdleConnections = 4;

std::string QuoteIdentifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

std::string QuoteString(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

const char* SqlType(const std::string& strata_type) {
  if (strata_type == "float") return "REAL";
  if (strata_type == "integer") return "INTEGER";
  if (strata_type == "boolean") return "BOOLEAN";
  return "TEXT";
}

// The CREATE VIRTUAL TABLE statements for a strata_schema_json document.
std::vector<std::string> TableStatements(const std::string& schema_json, const std::string& dir) {
  std::vector<std::string> out;
  const nlohmann::json schema = nlohmann::json::parse(schema_json);
  for (const auto& m : schema["measurements"]) {
    std::set<std::string> taken = {"time", "_strata_key", "_strata_aggregate", "_strata_every",
                                   "_strata_tags"};
    std::string columns;
    auto add = [&](const std::string& name, const char* type) {
      if (!taken.insert(AsciiLower(name)).second) return false;
      columns += QuoteIdentifier(name) + " " + type + ", ";
      return true;
    };
    for (const auto& tag : m["tags"]) add(tag.get<std::string>(), "TAG");
    bool any_field = false;
    for (const auto& f : m["fields"]) {
      any_field |= add(f["name"].get<std::string>(), SqlType(f["type"].get<std::string>()));
    }
    if (!any_field) continue;
    out.push_back("CREATE VIRTUAL TABLE " + QuoteIdentifier(m["name"].get<std::string>()) +
                  " USING strata(" + columns + "dir=" + QuoteString(dir) + ")");
  }
  return out;
}

// Reading only: SELECT, reading columns, pure functions, recursive CTEs.
int Authorize(void*, int action, const char*, const char* function, const char*, const char*) {
  switch (action) {
    case SQLITE_SELECT:
    case SQLITE_READ:
    case SQLITE_RECURSIVE:
      return SQLITE_OK;
    case SQLITE_FUNCTION: {
      const std::string name = AsciiLower(function == nullptr ? "" : function);
      if (name == "strata_flush" || name == "strata_compact" || name == "load_extension") {
        return SQLITE_DENY;
      }
      return SQLITE_OK;
    }
    default:
      return SQLITE_DENY;
  }
}

struct Deadline {
  std::chrono::steady_clock::time_point at;
};

int CheckDeadline(void* arg) {
  return std::chrono::steady_clock::now() > static_cast<Deadline*>(arg)->at ? 1 : 0;
}

HttpResponse Error(int status, const std::string& message) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json; charset=utf-8";
  r.body = nlohmann::json{{"error", message}}.dump(-1, ' ', false,
                                                   nlohmann::json::error_handler_t::replace);
  return r;
}

void AppendCsvField(std::string* out, const char* text, size_t n) {
  const std::string_view v(text, n);
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(v);
    return;
  }
  *out += '"';
  for (char c : v) {
    *out += c;
    if (c == '"') *out += '"';
  }
  *out += '"';
}

}  // namespace

SqlQuery::SqlQuery(strata_db* db, std::string dir, unsigned time_limit_seconds,
                   size_t max_result_bytes)
    : db_(db),
      dir_(std::filesystem::absolute(dir).lexically_normal().string()),
      time_limit_seconds_(time_limit_seconds),
      max_result_bytes_(max_result_bytes) {}

SqlQuery::~SqlQuery() {
  for (Connection& c : idle_) sqlite3_close(c.db);
}

SqlQuery::Connection SqlQuery::Acquire(std::string* error) {
  char* schema = nullptr;
  if (strata_schema_json(db_, &schema) != STRATA_OK) {
    *error = strata_errmsg();
    return {};
  }
  Connection c;
  c.schema = schema;
  strata_free(schema);
  {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < idle_.size(); i++) {
      if (idle_[i].schema == c.schema) {
        Connection found = std::move(idle_[i]);
        idle_.erase(idle_.begin() + static_cast<ptrdiff_t>(i));
        return found;
      }
    }
  }
  // Every connection of this process gets the module (SQLite passes it its API routines).
  static const int registered =
      sqlite3_auto_extension(reinterpret_cast<void (*)(void)>(&sqlite3_strata_init));
  if (registered != SQLITE_OK) {
    *error = "the strata module could not be registered";
    return {};
  }
  if (sqlite3_open_v2(":memory:", &c.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    *error = "sqlite3_open_v2 failed";
    sqlite3_close(c.db);
    return {};
  }
  for (const std::string& sql : TableStatements(c.schema, dir_)) {
    // A measurement the module refuses (a name SQLite folds onto another's) is left out, and
    // said so on stderr.
    char* why = nullptr;
    if (sqlite3_exec(c.db, sql.c_str(), nullptr, nullptr, &why) != SQLITE_OK) {
      std::fprintf(stderr, "strata serve: /query leaves out a table: %s: %s\n", sql.c_str(),
                   why != nullptr ? why : "");
    }
    sqlite3_free(why);
  }
  sqlite3_set_authorizer(c.db, &Authorize, nullptr);
  sqlite3_limit(c.db, SQLITE_LIMIT_ATTACHED, 0);
  return c;
}

void SqlQuery::Release(Connection c) {
  if (c.db == nullptr) return;
  std::lock_guard lock(mu_);
  if (idle_.size() < kMaxIdleConnections) {
    idle_.push_back(std::move(c));
  } else {
    sqlite3_close(c.db);
  }
}

HttpResponse SqlQuery::Handle(const HttpRequest& request) {
  const std::string& sql = request.Param("q").empty() ? request.body : request.Param("q");
  if (sql.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Error(400, "no SQL statement (give it as the body or the q parameter)");
  }
  const bool csv = request.Param("format") == "csv" ||
                   (request.Param("format").empty() &&
                    request.Header("accept").find("text/csv") != std::string::npos);
  std::string error;
  Connection c = Acquire(&error);
  if (c.db == nullptr) return Error(500, error);

  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v2(c.db, sql.data(), static_cast<int>(sql.size()), &stmt, &tail);
  if (rc != SQLITE_OK || stmt == nullptr) {
    HttpResponse r = Error(400, rc == SQLITE_AUTH ? "only statements that read are allowed "
                                                    "(no PRAGMA, ATTACH, strata_flush or "
                                                    "strata_compact)"
                                : rc != SQLITE_OK ? sqlite3_errmsg(c.db)
                                                  : "no SQL statement");
    sqlite3_finalize(stmt);
    Release(std::move(c));
    return r;
  }
  if (std::string_view(tail).find_first_not_of(" \t\r\n;") != std::string_view::npos) {
    sqlite3_finalize(stmt);
    Release(std::move(c));
    return Error(400, "one statement at a time");
  }
  if (!sqlite3_stmt_readonly(stmt)) {
    sqlite3_finalize(stmt);
    Release(std::move(c));
    return Error(400, "only statements that read are allowed");
  }

  Deadline deadline{std::chrono::steady_clock::now() + std::chrono::seconds(time_limit_seconds_)};
  sqlite3_progress_handler(c.db, 10000, &CheckDeadline, &deadline);
  const int ncols = sqlite3_column_count(stmt);
  std::string body;
  nlohmann::json columns = nlohmann::json::array();
  for (int i = 0; i < ncols; i++) columns.push_back(sqlite3_column_name(stmt, i));
  if (csv) {
    for (int i = 0; i < ncols; i++) {
      if (i) body += ',';
      const std::string name = sqlite3_column_name(stmt, i);
      AppendCsvField(&body, name.data(), name.size());
    }
    body += "\r\n";
  } else {
    body = "{\"columns\":" + columns.dump() + ",\"rows\":[";
  }
  bool first_row = true;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    if (body.size() > max_result_bytes_) {
      rc = SQLITE_TOOBIG;
      break;
    }
    if (!csv) {
      nlohmann::json row = nlohmann::json::array();
      for (int i = 0; i < ncols; i++) {
        switch (sqlite3_column_type(stmt, i)) {
          case SQLITE_INTEGER:
            row.push_back(sqlite3_column_int64(stmt, i));
            break;
          case SQLITE_FLOAT:
            row.push_back(sqlite3_column_double(stmt, i));
            break;
          case SQLITE_NULL:
            row.push_back(nullptr);
            break;
          default: {
            const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
            row.push_back(std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt, i))));
          }
        }
      }
      if (!first_row) body += ',';
      body += row.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } else {
      for (int i = 0; i < ncols; i++) {
        if (i) body += ',';
        if (sqlite3_column_type(stmt, i) == SQLITE_NULL) continue;
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
        AppendCsvField(&body, text, static_cast<size_t>(sqlite3_column_bytes(stmt, i)));
      }
      body += "\r\n";
    }
    first_row = false;
  }
  HttpResponse r;
  if (rc == SQLITE_DONE) {
    r.status = 200;
    if (csv) {
      r.content_type = "text/csv; charset=utf-8";
    } else {
      r.content_type = "application/json; charset=utf-8";
      body += "]}";
    }
    r.body = std::move(body);
  } else if (rc == SQLITE_TOOBIG) {
    r = Error(413, "the result is over " + std::to_string(max_result_bytes_) + " bytes");
  } else if (rc == SQLITE_INTERRUPT) {
    r = Error(400, "the statement ran over " + std::to_string(time_limit_seconds_) + " seconds");
  } else {
    r = Error(400, sqlite3_errmsg(c.db));
  }
  sqlite3_finalize(stmt);
  sqlite3_progress_handler(c.db, 0, nullptr, nullptr);
  Release(std::move(c));
  return r;
}

}  // namespace strata::serve
