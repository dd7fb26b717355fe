#include "sql_backup.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "connection.h"
#include "error.h"
#include "strata.h"

namespace strata_sql {
namespace {

namespace fs = std::filesystem;

// One data directory to back up: the Conn that has it open and where its copy goes.
struct DirCopy {
  std::shared_ptr<Conn> conn;
  std::string dest;
  bool done = false;  // strata_backup put it in place
};

std::string Canonical(const std::string& path) {
  char* out = nullptr;
  if (strata_canonical_dir(path.c_str(), &out) != STRATA_OK) return path;
  std::string s = out;
  strata_free(out);
  return s;
}

// The strata tables of `main`, each connected (a missing directory fails here, saying so).
bool MainStrataTables(sqlite3* db, std::vector<std::string>* out, std::string* err) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db,
                         "SELECT name FROM main.sqlite_schema WHERE type = 'table' AND "
                         "sql LIKE 'CREATE VIRTUAL TABLE%USING%strata%'",
                         -1, &st, nullptr) != SQLITE_OK) {
    *err = sqlite3_errmsg(db);
    return false;
  }
  while (sqlite3_step(st) == SQLITE_ROW) {
    out->emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  }
  sqlite3_finalize(st);
  for (const std::string& name : *out) {
    char* sql = sqlite3_mprintf("SELECT 1 FROM main.\"%w\" WHERE 0", name.c_str());
    const int rc = sqlite3_prepare_v2(db, sql, -1, &st, nullptr);
    sqlite3_free(sql);
    sqlite3_finalize(st);
    if (rc != SQLITE_OK) {
      *err = sqlite3_errmsg(db);
      return false;
    }
  }
  return true;
}

// Where the copy of `dir` goes for the database copy `dest` of `file` (all canonical); empty
// with *err when no place works (see sql_backup.h).
std::string DestinationOf(const std::string& dir, const std::string& file, const std::string& dest,
                          const std::string& table, std::string* err) {
  if (dir == Canonical(file + ".strata")) return dest + ".strata";
  const std::string folder = fs::path(file).parent_path().string();
  const std::string dest_folder = fs::path(dest).parent_path().string();
  if (dir.starts_with(folder + "/")) {
    if (dest_folder == folder) {
      *err = "table " + table + " keeps its data in " + dir + ", which a copy in the same folder "
             "would share: back up into another folder";
      return "";
    }
    return dest_folder + dir.substr(folder.size());
  }
  *err = "table " + table + " keeps its data in " + dir + ", outside the database's folder, "
         "where a copy of the database would find the original: back it up with strata_backup() "
         "of the C API or `strata backup`";
  return "";
}

// The directories of the strata tables of `main`, each once, with their destinations.
bool PlanCopies(sqlite3* db, const std::string& file, const std::string& dest,
                std::vector<DirCopy>* out, std::string* err) {
  std::vector<std::string> tables;
  if (!MainStrataTables(db, &tables, err)) return false;
  for (const std::string& table : tables) {
    std::shared_ptr<Conn> conn;
    for (auto& c : ConnsOf(db)) {
      if (c->overlays.count(table)) conn = c;
    }
    if (!conn) {
      *err = "table " + table + " is not connected to its data directory";
      return false;
    }
    bool seen = false;
    for (const DirCopy& d : *out) seen |= d.conn == conn;
    if (seen) continue;
    std::string to = DestinationOf(conn->dir, file, dest, table, err);
    if (to.empty()) return false;
    if (fs::exists(to)) {
      *err = to + " already exists; give a destination whose data directory does not";
      return false;
    }
    out->push_back(DirCopy{conn, to});
  }
  return true;
}

std::string TemporaryName(const std::string& dest) {
  std::random_device rd;
  char suffix[64];
  std::snprintf(suffix, sizeof suffix, ".tmp-%ld-%08x%08x", static_cast<long>(::getpid()), rd(),
                rd());
  return dest + suffix;
}

bool Exec(sqlite3* db, const char* sql, std::string* err) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK) return true;
  *err = std::string(sql) + ": " + sqlite3_errmsg(db);
  return false;
}

// Copies the database `from` holds open into the new file `to`, in one step (one snapshot).
bool CopyDatabase(sqlite3* from, const std::string& to, std::string* err) {
  sqlite3* out = nullptr;
  int rc = sqlite3_open_v2(to.c_str(), &out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc == SQLITE_OK) {
    sqlite3_backup* b = sqlite3_backup_init(out, "main", from, "main");
    if (b == nullptr) {
      rc = sqlite3_errcode(out);
    } else {
      rc = sqlite3_backup_step(b, -1);
      rc = rc == SQLITE_DONE ? sqlite3_backup_finish(b) : (sqlite3_backup_finish(b), rc);
    }
    if (rc != SQLITE_OK) *err = std::string("copying the database file: ") + sqlite3_errmsg(out);
  } else {
    *err = "create " + to + ": " + sqlite3_errstr(rc);
  }
  sqlite3_close(out);
  return rc == SQLITE_OK;
}

// The backup itself, with the helper connection's write lock taken; see sql_backup.h.
class Backup {
 public:
  // `locker` takes the write lock; `reader` copies the file (SQLite's backup API refuses a source
  // connection that holds a write transaction).
  Backup(sqlite3* locker, sqlite3* reader, std::string dest, std::vector<DirCopy> dirs)
      : helper_(locker), reader_(reader), dest_(std::move(dest)), tmp_(TemporaryName(dest_)),
        dirs_(std::move(dirs)) {}
  ~Backup() {
    if (locked_) sqlite3_exec(helper_, "ROLLBACK", nullptr, nullptr, nullptr);
    if (ok_) return;
    std::error_code ec;
    fs::remove(tmp_, ec);
    fs::remove(tmp_ + "-journal", ec);
    for (const DirCopy& d : dirs_) {
      if (d.done) fs::remove_all(d.dest, ec);
    }
  }

  bool Run(std::string* err) {
    if (!Exec(helper_, "BEGIN IMMEDIATE", err)) return false;
    locked_ = true;
    if (dirs_.empty() && !CopyAndUnlock(err)) return false;
    for (size_t i = 0; i < dirs_.size(); i++) {
      const bool last = i + 1 == dirs_.size();
      const int rc = strata_backup_ex(dirs_[i].conn->sdb, dirs_[i].dest.c_str(),
                                      last ? &Backup::AtPoint : nullptr, this);
      if (rc != STRATA_OK) {
        *err = !err_.empty() ? err_ : "backing up " + dirs_[i].conn->dir + ": " + strata_errmsg();
        return false;
      }
      dirs_[i].done = true;
    }
    std::error_code ec;
    fs::rename(tmp_, dest_, ec);
    if (ec) {
      *err = "rename " + tmp_ + " to " + dest_ + ": " + ec.message();
      return false;
    }
    if (int fd = ::open(fs::path(dest_).parent_path().c_str(), O_RDONLY | O_DIRECTORY); fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
    ok_ = true;
    return true;
  }

 private:
  // The last directory's point is fixed: copy the database file and let writers go.
  static int AtPoint(void* self, uint64_t done, uint64_t) {
    auto* b = static_cast<Backup*>(self);
    if (done != 0 || !b->locked_) return 0;
    return b->CopyAndUnlock(&b->err_) ? 0 : 1;
  }
  bool CopyAndUnlock(std::string* err) {
    const bool copied = CopyDatabase(reader_, tmp_, err);
    locked_ = false;
    return Exec(helper_, "ROLLBACK", err) && copied;
  }

  sqlite3* const helper_;
  sqlite3* const reader_;
  const std::string dest_;
  const std::string tmp_;
  std::vector<DirCopy> dirs_;
  bool locked_ = false;
  bool ok_ = false;
  std::string err_;  // set by AtPoint
};

bool BackupDatabase(sqlite3* db, const std::string& dest_arg, std::string* err) {
  const char* name = sqlite3_db_filename(db, "main");
  if (name == nullptr || *name == '\0') {
    *err = "the main database is in memory or temporary: there is no file to back up";
    return false;
  }
  // Inside a transaction this connection could hold the very lock the backup waits for.
  if (sqlite3_txn_state(db, "main") != SQLITE_TXN_NONE) {
    *err = "cannot back up inside a transaction: COMMIT first (call it on its own, "
           "SELECT strata_backup('dest.db'))";
    return false;
  }
  const std::string file = Canonical(name);
  const std::string dest = Canonical(dest_arg);
  if (fs::exists(dest)) {
    *err = dest + " already exists; give a path that does not";
    return false;
  }
  std::vector<DirCopy> dirs;
  if (!PlanCopies(db, file, dest, &dirs, err)) return false;
  std::error_code ec;
  fs::create_directories(fs::path(dest).parent_path(), ec);
  if (ec) {
    *err = "create " + fs::path(dest).parent_path().string() + ": " + ec.message();
    return false;
  }
  sqlite3* helpers[2] = {nullptr, nullptr};
  bool ok = true;
  for (sqlite3*& h : helpers) {
    if (ok && sqlite3_open_v2(file.c_str(), &h, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      *err = "open " + file + ": " + sqlite3_errmsg(h);
      ok = false;
    }
    // Writers commit in moments: wait for the one that may hold the lock.
    if (ok) sqlite3_busy_timeout(h, 60'000);
  }
  if (ok) {
    Backup backup(helpers[0], helpers[1], dest, std::move(dirs));
    ok = backup.Run(err);
  }
  for (sqlite3* h : helpers) sqlite3_close(h);
  return ok;
}

void FnBackup(sqlite3_context* ctx, int, sqlite3_value** argv) {
  Guard(nullptr, [&] {
    const unsigned char* dest = sqlite3_value_text(argv[0]);
    std::string err;
    if (dest == nullptr || *dest == '\0') {
      err = "the destination is NULL or empty";
    } else if (BackupDatabase(sqlite3_context_db_handle(ctx),
                              reinterpret_cast<const char*>(dest), &err)) {
      sqlite3_result_null(ctx);
      return SQLITE_OK;
    }
    sqlite3_result_error(ctx, ("strata: strata_backup(): " + err).c_str(), -1);
    return SQLITE_OK;
  });
}

}  // namespace

int RegisterBackupFunction(sqlite3* db) {
  return sqlite3_create_function_v2(db, "strata_backup", 1, SQLITE_UTF8 | SQLITE_DIRECTONLY,
                                    nullptr, FnBackup, nullptr, nullptr, nullptr);
}

}  // namespace strata_sql
