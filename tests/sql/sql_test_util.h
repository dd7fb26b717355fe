// Helpers of the SQLite module's tests: a fixture owning a temporary directory, connections with the
// extension loaded from the build's libstrata.so, and Exec/Rows helpers that turn results into
// "a|b|NULL" strings so expectations read like the sqlite3 shell's output.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

class SqlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/strata_sql_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    for (sqlite3* db : open_) sqlite3_close_v2(db);
    open_.clear();
    std::filesystem::remove_all(dir_);
  }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  // A connection to `file` (":memory:" allowed) with the module loaded.
  sqlite3* Open(const std::string& file = "test.db") {
    sqlite3* db = nullptr;
    const std::string path = file == ":memory:" ? file : Path(file);
    EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 0);
    sqlite3_enable_load_extension(db, 1);
    char* err = nullptr;
    EXPECT_EQ(sqlite3_load_extension(db, STRATA_LIBRARY_PATH, nullptr, &err), SQLITE_OK)
        << (err ? err : "");
    sqlite3_free(err);
    open_.push_back(db);
    return db;
  }
  void Close(sqlite3* db) {
    std::erase(open_, db);
    sqlite3_close_v2(db);
  }

  // Runs the statements; "" on success, else the error message.
  static std::string Exec(sqlite3* db, const std::string& sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    std::string out = rc == SQLITE_OK ? "" : (err ? err : "error " + std::to_string(rc));
    sqlite3_free(err);
    return out;
  }

  // Rows of one query as "v1|v2|..." (NULL as "NULL"); a failure adds a test failure.
  static std::vector<std::string> Rows(sqlite3* db, const std::string& sql) {
    std::vector<std::string> out;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "prepare failed: " << sqlite3_errmsg(db) << " in " << sql;
      return out;
    }
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      std::string row;
      for (int i = 0; i < sqlite3_column_count(stmt); i++) {
        if (i) row += "|";
        const unsigned char* t = sqlite3_column_text(stmt, i);
        row += t ? reinterpret_cast<const char*>(t) : "NULL";
      }
      out.push_back(row);
    }
    if (rc != SQLITE_DONE) ADD_FAILURE() << "step failed: " << sqlite3_errmsg(db) << " in " << sql;
    sqlite3_finalize(stmt);
    return out;
  }

  static std::string One(sqlite3* db, const std::string& sql) {
    auto rows = Rows(db, sql);
    return rows.empty() ? "<no row>" : rows[0];
  }

  static constexpr const char* kCpu =
      "CREATE VIRTUAL TABLE cpu USING strata(hostname TAG, region TAG, usage_user REAL, "
      "load INTEGER, status TEXT, up BOOLEAN)";

  std::string dir_;
  std::vector<sqlite3*> open_;
};

using Strings = std::vector<std::string>;
