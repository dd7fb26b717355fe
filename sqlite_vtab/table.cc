#include "table.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <filesystem>
#include <memory>

#include "convert.h"
#include "error.h"
#include "row_key.h"

namespace strata_sql {
namespace {

// The data directory of a table: the dir= option, relative to the database file's folder (the
// current directory for an in-memory database), else <database file>.strata; as its canonical
// path (strata_canonical_dir), which keys the Conns as the engine keys its open directories.
// False with *err.
bool ResolveDir(sqlite3* db, const char* schema_name, const Schema& schema, std::string* out,
                std::string* err) {
  const char* file = sqlite3_db_filename(db, schema_name);
  const std::string dbfile = file == nullptr ? "" : file;
  std::filesystem::path p;
  if (schema.dir.empty()) {
    if (dbfile.empty()) {
      *err = "an in-memory or temporary database needs the dir='...' option (where to keep the "
             "data)";
      return false;
    }
    p = dbfile + ".strata";
  } else {
    p = schema.dir;
    if (p.is_relative()) {
      std::filesystem::path base = dbfile.empty() ? std::filesystem::current_path()
                                                  : std::filesystem::path(dbfile).parent_path();
      p = base / p;
    }
  }
  char* canonical = nullptr;
  if (strata_canonical_dir(p.c_str(), &canonical) != STRATA_OK) {
    *err = std::string("cannot resolve the data directory: ") + strata_errmsg();
    return false;
  }
  *out = canonical;
  strata_free(canonical);
  return true;
}

void Disconnect(Table* t) { delete t; }

}  // namespace

void ConnectStrataTables(sqlite3* db, const std::string& except) {
  std::vector<std::pair<std::string, std::string>> tables;  // (schema, name)
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_database_list", -1, &st, nullptr) !=
      SQLITE_OK) {
    return;
  }
  std::vector<std::string> schemas;
  while (sqlite3_step(st) == SQLITE_ROW) {
    schemas.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  }
  sqlite3_finalize(st);
  for (const std::string& schema : schemas) {
    char* sql = sqlite3_mprintf(
        "SELECT name FROM \"%w\".sqlite_schema WHERE type = 'table' AND "
        "sql LIKE 'CREATE VIRTUAL TABLE%%USING%%strata%%'",
        schema.c_str());
    if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK) {
      while (sqlite3_step(st) == SQLITE_ROW) {
        tables.emplace_back(schema, reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
      }
    }
    sqlite3_finalize(st);
    sqlite3_free(sql);
  }
  for (const auto& [schema, name] : tables) {
    if (name == except) continue;
    char* sql = sqlite3_mprintf("SELECT 1 FROM \"%w\".\"%w\" WHERE 0", schema.c_str(),
                                name.c_str());
    if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK) sqlite3_finalize(st);
    sqlite3_free(sql);
  }
}

namespace {
// What a use of a table whose data directory is missing says: what is missing, why it happens,
// and how to get out.
std::string MissingDirectoryMessage(const Table& t) {
  return "its data directory is missing: '" + t.dir + "' is not a Strata data directory (no "
         "STRATA identity file). The database file was copied or restored without it, as "
         ".backup, VACUUM INTO, .dump and file copies do. Put that directory back from the same "
         "backup, or restore a backup made with SELECT strata_backup('dest.db'), which copies "
         "both; DROP TABLE " + t.name + " removes the table";
}

// What a use of a table whose directory holds nothing of it says.
std::string UndeclaredMessage(const Table& t) {
  return "its data is not in its data directory: '" + t.dir + "' has never seen this table's "
         "CREATE VIRTUAL TABLE (measurement '" + t.name + "' is neither declared nor written "
         "there), so the database file and the directory do not belong together (one was copied, "
         "restored or failed over without the other). Restore the directory from the backup the "
         "database came from; DROP TABLE " + t.name + " removes the table";
}

// Lets go of the Conn of a table that Attach attached (see RequireAttached).
void Detach(Table* t) {
  if (t->overlay_ != nullptr) {
    t->overlay_->tables--;
    t->overlay_ = nullptr;
  }
  t->conn.reset();
}

// Whether the directory holds the table: a CREATE declares the measurement there; a connect
// takes a declared measurement, or one with series (written by a version that did not declare,
// and declared now, when the directory takes it). A CREATE through a read-only handle (another
// process writes the directory) takes what a connect takes. False with *err: a connect of a
// measurement the directory knows nothing of (*undeclared set), or a CREATE that could not
// declare.
bool CheckDeclared(Table* t, bool create, bool* undeclared, std::string* err) {
  int declared = 0;
  int64_t series = 0;
  if (strata_measurement_info(t->conn->sdb, t->name.c_str(), &declared, &series) != STRATA_OK) {
    *err = std::string("cannot read the directory's catalog: ") + strata_errmsg();
    return false;
  }
  if (declared) return true;
  if (!create && series == 0) {
    *undeclared = true;
    *err = UndeclaredMessage(*t);
    return false;
  }
  const std::string schema = DeclareSql(t->schema);
  const int rc = strata_declare_measurement(t->conn->sdb, t->name.c_str(), schema.c_str());
  if (rc == STRATA_OK || series > 0) return true;  // a directory that takes no writes still serves reads
  *err = std::string("cannot record the table in ") + t->dir + ": " + strata_errmsg();
  return false;
}

// Attach's first part: the Conn, and the declaration checked against the directory's field
// types and the connection's other tables of the measurement.
bool AttachConn(Table* t, bool create, std::string* err) {
  t->conn = AcquireConn(t->db, t->dir, t->schema.options, create, err);
  if (!t->conn) return false;
  if (create) {
    for (int i = 0; i < t->schema.nfields(); i++) {
      int have = 0;
      if (strata_field_type(t->conn->sdb, t->name.c_str(), t->schema.fields[i].c_str(), &have) ==
              STRATA_OK &&
          have != t->schema.field_types[i]) {
        *err = "column " + t->schema.fields[i] + " is declared " +
               SqlTypeName(t->schema.field_types[i]) + " but " + t->dir + " already stores " +
               SqlTypeName(have) + " values for " + t->name + "." + t->schema.fields[i];
        return false;
      }
    }
  }
  Overlay& ov = t->overlay();
  if (ov.tables == 1 && !ov.HasPending()) {
    ov.fields = t->schema.fields;
    ov.field_types = t->schema.field_types;
    ov.log_tags = t->schema.tags;
    ov.log = InsertLog();  // its tag sets were keyed by, and resolved for, the previous table's
  } else if (ov.fields != t->schema.fields || ov.field_types != t->schema.field_types) {
    std::string fields;
    for (size_t i = 0; i < ov.fields.size(); i++) {
      fields += (i == 0 ? "" : ", ") + ov.fields[i] + " " + SqlTypeName(ov.field_types[i]);
    }
    *err = "another table of this measurement over " + t->dir +
           " is in use by this connection with the fields (" + fields +
           "): the tables of one measurement and directory in one connection must declare the "
           "same fields, in the same order, with the same types";
    return false;
  }
  t->log_inserts = ov.log_tags == t->schema.tags;
  return true;
}

// Attaches the table to its data directory (Conn) and checks its declaration against the
// directory and the connection's other tables of the measurement. False with *err (and the
// table detached again); *undeclared when the directory does not hold the table.
bool Attach(Table* t, bool create, std::string* err, bool* undeclared) {
  *undeclared = false;
  if (!AttachConn(t, create, err)) {
    Detach(t);
    return false;
  }
  if (!CheckDeclared(t, create, undeclared, err)) {
    Detach(t);
    return false;
  }
  return true;
}

int Init(sqlite3* db, int argc, const char* const* argv, sqlite3_vtab** out, char** pzErr,
         bool create) {
  *out = nullptr;
  auto t = std::make_unique<Table>();
  t->base = sqlite3_vtab{};
  t->db = db;
  t->name = argv[2];
  auto fail = [&](const std::string& msg) {
    *pzErr = sqlite3_mprintf("strata: %s: %s", t->name.c_str(), msg.c_str());
    return SQLITE_ERROR;
  };
  std::string err;
  if (!strata_valid_utf8(t->name.data(), t->name.size())) {
    return fail("table name is not valid UTF-8");
  }
  if (t->name.size() > STRATA_MAX_NAME_BYTES) {
    return fail("table name is " + std::to_string(t->name.size()) + " bytes, longer than " +
                std::to_string(STRATA_MAX_NAME_BYTES) + " (it is the measurement name)");
  }
  if (!ParseTableArgs(argc - 3, argv + 3, &t->schema, &err)) return fail(err);
  t->field_suffix_bytes = LongestFieldSuffix(t->name, t->schema.fields, &t->longest_field);
  if (!ResolveDir(db, argv[1], t->schema, &t->dir, &err)) return fail(err);
  // Connect the connection's other strata tables first, so that AcquireConn sees the options of
  // each directory's tables (a CREATE must declare the same as those of its directory).
  if (create) ConnectStrataTables(db, t->name);
  int is_data = 0;
  const bool missing = !create && (strata_is_data_directory(t->dir.c_str(), &is_data) !=
                                       STRATA_OK || !is_data);
  // A missing directory, or one that holds nothing of the table, leaves the table detached
  // (RequireAttached): declared, droppable.
  bool undeclared = false;
  if (!missing && !Attach(t.get(), create, &err, &undeclared) && !undeclared) return fail(err);
  const std::string sql = DeclareSql(t->schema);
  int rc = sqlite3_declare_vtab(db, sql.c_str());
  if (rc != SQLITE_OK)
    return fail(std::string("sqlite3_declare_vtab failed: ") + sqlite3_errmsg(db));
  *out = &t.release()->base;
  return SQLITE_OK;
}

}  // namespace

bool RequireAttached(Table* t) {
  if (t->conn) return true;
  int is_data = 0;
  std::string err;
  bool undeclared = false;
  if (strata_is_data_directory(t->dir.c_str(), &is_data) == STRATA_OK && is_data &&
      Attach(t, /*create=*/false, &err, &undeclared)) {
    return true;
  }
  SetError(t, err.empty() ? MissingDirectoryMessage(*t) : err);
  return false;
}

int CreateTable(sqlite3* db, void*, int argc, const char* const* argv, sqlite3_vtab** out,
                char** pzErr) {
  return Guard(nullptr, [&] { return Init(db, argc, argv, out, pzErr, true); });
}

int ConnectTable(sqlite3* db, void*, int argc, const char* const* argv, sqlite3_vtab** out,
                 char** pzErr) {
  return Guard(nullptr, [&] { return Init(db, argc, argv, out, pzErr, false); });
}

int DisconnectTable(sqlite3_vtab* vtab) {
  return Guard(nullptr, [&] {
    Disconnect(reinterpret_cast<Table*>(vtab));
    return SQLITE_OK;
  });
}

int DestroyTable(sqlite3_vtab* vtab) {
  Table* t = reinterpret_cast<Table*>(vtab);
  return Guard(t, [&] {
    // The data goes at once, and a ROLLBACK would bring back the table but not its data: inside a
    // transaction (BEGIN or SAVEPOINT) the DROP is refused. SQLite does not pass on the message
    // of a failed xDestroy, only its code: SQLITE_LOCKED reads "database table is locked", as for
    // a DROP of a table in use; the reason goes to sqlite3_log.
    if (!sqlite3_get_autocommit(t->db)) {
      sqlite3_log(SQLITE_LOCKED, "strata: %s: DROP TABLE inside a transaction is refused: it "
                  "removes the data at once, which a ROLLBACK could not bring back (COMMIT first)",
                  t->name.c_str());
      return SQLITE_LOCKED;
    }
    if (!t->conn) {  // detached: its data is gone already, so there is nothing else to remove
      Disconnect(t);
      return SQLITE_OK;
    }
    t->overlay().Clear();
    if (strata_drop_measurement(t->conn->sdb, t->name.c_str()) != STRATA_OK) {
      SetError(t, std::string("cannot drop the data: ") + strata_errmsg());
      return SQLITE_ERROR;
    }
    Disconnect(t);
    return SQLITE_OK;
  });
}

int RenameTable(sqlite3_vtab* vtab, const char*) {
  SetError(reinterpret_cast<Table*>(vtab),
           "cannot rename a strata table: the table name is the measurement name");
  return SQLITE_ERROR;
}

Overlay& Table::overlay() {
  // Conn::overlays never erases an entry, so the node (and this pointer) lives as long as conn.
  if (overlay_ == nullptr) {
    overlay_ = &conn->overlays[name];
    overlay_->tables++;
  }
  return *overlay_;
}

Table::~Table() {
  if (overlay_ != nullptr) overlay_->tables--;
  strata_rows_free(spare_engine_rows);
}

}  // namespace strata_sql
