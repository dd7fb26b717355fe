#include "connection.h"

#include <algorithm>
#include <mutex>
#include <new>
#include <string_view>

SQLITE_EXTENSION_INIT3

namespace strata_sql {
namespace {

std::mutex g_registry_mu;
std::map<std::pair<sqlite3*, std::string>, std::weak_ptr<Conn>>& Registry() {
  static auto* r = new std::map<std::pair<sqlite3*, std::string>, std::weak_ptr<Conn>>();
  return *r;
}

// The options strata_open gets for a table's directory: the table's own, with read_only=1 for a
// connection opened read-only (`sqlite3 -readonly`) and read_only=auto when the table does not
// say, so that a second process reads a directory another one writes, as SQLite's readers do.
std::string OpenOptions(sqlite3* db, const std::string& options) {
  for (size_t pos = 0; pos <= options.size();) {
    const size_t end = std::min(options.find(';', pos), options.size());
    std::string_view item(options.data() + pos, end - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    if (item.starts_with("read_only")) return options;
    pos = end + 1;
  }
  const std::string mode = sqlite3_db_readonly(db, "main") == 1 ? "read_only=1" : "read_only=auto";
  return options.empty() ? mode : mode + ";" + options;
}

}  // namespace

Conn::~Conn() {
  strata_batch_free(batch);
  strata_close(sdb);
}

bool OptionsMeaning(const std::string& options, std::string* meaning, std::string* err) {
  char* canonical = nullptr;
  if (strata_canonical_options(options.c_str(), &canonical) != STRATA_OK) {
    *err = strata_errmsg();
    return false;
  }
  std::string text = canonical;
  strata_free(canonical);
  meaning->clear();
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t end = std::min(text.find(';', pos), text.size());
    const std::string_view item(text.data() + pos, end - pos);
    if (!item.starts_with("shard_duration=")) {
      if (!meaning->empty()) meaning->push_back(';');
      meaning->append(item);
    }
    pos = end + 1;
  }
  return true;
}

std::shared_ptr<Conn> AcquireConn(sqlite3* db, const std::string& dir, const std::string& options,
                                  bool create, std::string* err) {
  std::string meaning;
  if (!OptionsMeaning(options, &meaning, err)) return nullptr;
  std::lock_guard lock(g_registry_mu);
  auto& reg = Registry();
  if (create) {
    for (const auto& [other_key, other] : reg) {
      const auto live = other.lock();
      if (!live || other_key.second != dir || live->meaning == meaning) continue;
      auto shown = [](const std::string& o) { return o.empty() ? "none" : "'" + o + "'"; };
      *err = "options " + shown(options) + " differ from " + shown(live->options) +
             ", those of the other tables of '" + dir + "': the tables of a directory share one "
             "engine, so declare the same options";
      return nullptr;
    }
  }
  const auto key = std::make_pair(db, dir);
  if (auto it = reg.find(key); it != reg.end()) {
    if (auto live = it->second.lock()) {
      // The engine checks what the meaning leaves out, a shard_duration other than the
      // directory's, when the directory is opened again.
      strata_db* check = nullptr;
      if (create && strata_open(dir.c_str(), OpenOptions(db, options).c_str(), &check) != STRATA_OK) {
        *err = std::string("cannot open '") + dir + "': " + strata_errmsg();
        return nullptr;
      }
      strata_close(check);
      return live;
    }
    reg.erase(it);
  }
  if (!create) {
    int is_data = 0;
    if (strata_is_data_directory(dir.c_str(), &is_data) != STRATA_OK || !is_data) {
      *err = "'" + dir + "' is not a Strata data directory (no STRATA identity file); only "
             "CREATE VIRTUAL TABLE creates one";
      return nullptr;
    }
  }
  strata_db* sdb = nullptr;
  if (strata_open(dir.c_str(), OpenOptions(db, options).c_str(), &sdb) != STRATA_OK) {
    *err = std::string("cannot open '") + dir + "': " + strata_errmsg();
    return nullptr;
  }
  auto conn = std::make_shared<Conn>();
  conn->db = db;
  conn->dir = dir;
  conn->options = options;
  conn->meaning = std::move(meaning);
  conn->sdb = sdb;
  reg[key] = conn;
  return conn;
}

std::vector<std::shared_ptr<Conn>> ConnsOf(sqlite3* db) {
  std::lock_guard lock(g_registry_mu);
  std::vector<std::shared_ptr<Conn>> out;
  auto& reg = Registry();
  for (auto it = reg.lower_bound(std::make_pair(db, std::string()));
       it != reg.end() && it->first.first == db; ++it) {
    if (auto live = it->second.lock()) out.push_back(std::move(live));
  }
  return out;
}

std::shared_ptr<Conn> ConnOfTable(sqlite3* db, const std::string& table, std::string* err) {
  // Preparing a statement that reads the table connects it, and fails unless it exists.
  char* sql = sqlite3_mprintf("SELECT \"time\" FROM \"%w\" WHERE 0", table.c_str());
  if (sql == nullptr) throw std::bad_alloc();
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
  sqlite3_free(sql);
  sqlite3_finalize(stmt);
  if (rc == SQLITE_OK) {
    for (auto& c : ConnsOf(db)) {
      if (c->overlays.count(table)) return c;
    }
  }
  *err = "'" + table + "' is not a strata table of this connection";
  // Why: no such table, or a strata table whose data directory is missing.
  if (rc != SQLITE_OK) *err += std::string(" (") + sqlite3_errmsg(db) + ")";
  return nullptr;
}

bool Conn::HasPending() const {
  for (const auto& [m, ov] : overlays) {
    if (ov.HasPending()) return true;
  }
  return false;
}

}  // namespace strata_sql
