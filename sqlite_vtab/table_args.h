// The arguments of CREATE VIRTUAL TABLE ... USING strata(...) (README.md, "Tables"): column
// definitions `<name> TAG | REAL | INTEGER | TEXT | BOOLEAN` and options `<name> = <value>`,
// parsed into a Schema, and the table declaration SQLite is given for them. A Schema is a plain
// value; the functions are stateless and thread-safe.
#pragma once

#include <string>
#include <vector>

namespace strata_sql {

// A table's columns and options. Columns: 0 time, then the tags, then the fields, then the hidden
// _strata_aggregate, _strata_every, _strata_key and _strata_tags (README.md, "Tables").
struct Schema {
  std::vector<std::string> tags;    // tag column names, in declaration order
  std::vector<std::string> fields;  // field column names, in declaration order
  std::vector<int> field_types;     // STRATA_FLOAT / _INT / _BOOL / _STRING per field
  std::string dir;                  // the dir= option as given; empty: <database file>.strata
  std::string options;              // the other options as strata_open text "k=v;k=v", by name

  int ntags() const { return static_cast<int>(tags.size()); }
  int nfields() const { return static_cast<int>(fields.size()); }
  int aggregate_column() const { return 1 + ntags() + nfields(); }
  int every_column() const { return 2 + ntags() + nfields(); }
  int key_column() const { return 3 + ntags() + nfields(); }
  int tags_column() const { return 4 + ntags() + nfields(); }  // the row's whole tag set, JSON
  int first_field_column() const { return 1 + ntags(); }
};

// Parses the module arguments (argv[3..] of xCreate/xConnect). False with *err set (a message
// without the "strata: table: " prefix) on any problem.
bool ParseTableArgs(int argc, const char* const* argv, Schema* schema, std::string* err);
// The CREATE TABLE statement for sqlite3_declare_vtab.
std::string DeclareSql(const Schema& schema);
// "REAL", "INTEGER", "BOOLEAN", "TEXT" for a STRATA_* type.
const char* SqlTypeName(int strata_type);

}  // namespace strata_sql
