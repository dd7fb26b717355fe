// Parsing of the module arguments of CREATE VIRTUAL TABLE ... USING strata(...): one helper per
// argument kind (a column definition, an option), each with a precise message. Column names are
// SQL identifiers (bare, "double-quoted", [bracketed] or `backticked`); option values are bare
// words or 'single-quoted' / "double-quoted" strings with doubled quotes inside.
//   column:  <name> TAG | REAL | FLOAT | DOUBLE | INTEGER | INT | BIGINT | TEXT | STRING |
//            BOOLEAN | BOOL                           (case-insensitive)
//   option:  <name> = <value>, name one of dir, sync, sync_interval_ms, memstore_bytes,
//            wal_segment_bytes, shard_duration, retention, compaction_threads, block_cache_bytes
// Reserved column names: time, _strata_key, _strata_aggregate, _strata_every (case-insensitive);
// names must be unique ignoring case (SQLite's rule); at least one field column is required.
// Option values are checked by strata_open.
#include "table_args.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <set>

#include "strata.h"

namespace strata_sql {
namespace {

constexpr const char* kOptionNames[] = {
    "dir",       "sync",           "sync_interval_ms",   "memstore_bytes",    "wal_segment_bytes",
    "retention", "shard_duration", "compaction_threads", "block_cache_bytes"};

std::string Trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) b++;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) e--;
  return s.substr(b, e - b);
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Reads an identifier or quoted string at s[*pos]; advances *pos. False on an unterminated quote or
// when nothing is there.
bool ReadToken(const std::string& s, size_t* pos, std::string* out, bool* quoted) {
  size_t i = *pos;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) i++;
  out->clear();
  *quoted = false;
  if (i >= s.size()) return false;
  char open = s[i];
  char close = open == '[' ? ']' : open;
  if (open == '"' || open == '\'' || open == '`' || open == '[') {
    *quoted = true;
    i++;
    while (true) {
      if (i >= s.size()) return false;
      if (s[i] == close) {
        if (close != ']' && i + 1 < s.size() && s[i + 1] == close) {
          out->push_back(close);
          i += 2;
          continue;
        }
        i++;
        break;
      }
      out->push_back(s[i++]);
    }
  } else {
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i])) && s[i] != '=') {
      out->push_back(s[i++]);
    }
    if (out->empty()) return false;
  }
  *pos = i;
  return true;
}

bool ParseType(const std::string& word, bool* is_tag, int* type) {
  const std::string w = Lower(word);
  *is_tag = false;
  if (w == "tag") {
    *is_tag = true;
  } else if (w == "real" || w == "float" || w == "double") {
    *type = STRATA_FLOAT;
  } else if (w == "integer" || w == "int" || w == "bigint") {
    *type = STRATA_INT;
  } else if (w == "text" || w == "string") {
    *type = STRATA_STRING;
  } else if (w == "boolean" || w == "bool") {
    *type = STRATA_BOOL;
  } else {
    return false;
  }
  return true;
}

// Parses `name = value` into schema->dir, or into *options (name -> value, so sorted by name) for
// the others.
bool ParseOption(const std::string& arg, size_t eq, Schema* schema,
                 std::map<std::string, std::string>* options, std::string* err) {
  std::string name = Lower(Trim(arg.substr(0, eq)));
  if (name.size() >= 2 && (name.front() == '"' || name.front() == '\'')) {
    name = name.substr(1, name.size() - 2);
  }
  if (std::find_if(std::begin(kOptionNames), std::end(kOptionNames),
                   [&](const char* o) { return name == o; }) == std::end(kOptionNames)) {
    *err = "unknown option '" + name +
           "' (options: dir, sync, sync_interval_ms, memstore_bytes, wal_segment_bytes, "
           "shard_duration, retention, compaction_threads, block_cache_bytes)";
    return false;
  }
  if (options->count(name) != 0 || (name == "dir" && !schema->dir.empty())) {
    *err = "option '" + name + "' is given twice";
    return false;
  }
  std::string value;
  bool quoted = false;
  size_t pos = eq + 1;
  if (!ReadToken(arg, &pos, &value, &quoted)) {
    *err = "option " + name + ": missing or unterminated value";
    return false;
  }
  if (!Trim(arg.substr(pos)).empty()) {
    *err = "option " + name + ": unexpected text after the value: '" + Trim(arg.substr(pos)) + "'";
    return false;
  }
  if (value.empty()) {
    *err = "option " + name + ": empty value";
    return false;
  }
  if (value.find_first_of(";\n") != std::string::npos && name != "dir") {
    *err = "option " + name + ": invalid value '" + value + "'";
    return false;
  }
  if (std::memchr(value.data(), '\0', value.size()) != nullptr) {
    *err = "option " + name + ": value contains a NUL byte";
    return false;
  }
  if (name == "dir") {
    schema->dir = value;
  } else {
    (*options)[name] = value;
  }
  return true;
}

bool ParseColumn(const std::string& arg, Schema* schema, std::set<std::string>* names,
                 std::string* err) {
  std::string name, type;
  bool quoted = false, type_quoted = false;
  size_t pos = 0;
  if (!ReadToken(arg, &pos, &name, &quoted) || name.empty()) {
    *err = "bad column definition '" + Trim(arg) + "': expected <name> <type>";
    return false;
  }
  if (!ReadToken(arg, &pos, &type, &type_quoted) || type_quoted) {
    *err = "column '" + name + "': missing type (TAG, REAL, INTEGER, TEXT or BOOLEAN)";
    return false;
  }
  if (!Trim(arg.substr(pos)).empty()) {
    *err = "column '" + name + "': unexpected text after the type: '" + Trim(arg.substr(pos)) + "'";
    return false;
  }
  bool is_tag = false;
  int ftype = 0;
  if (!ParseType(type, &is_tag, &ftype)) {
    *err = "column '" + name + "': unknown type '" + type +
           "' (expected TAG, REAL, INTEGER, TEXT or BOOLEAN)";
    return false;
  }
  const std::string lname = Lower(name);
  if (lname == "time" || lname == "_strata_key" || lname == "_strata_aggregate" ||
      lname == "_strata_every" || lname == "_strata_tags") {
    *err = "column name '" + name + "' is reserved";
    return false;
  }
  if (std::memchr(name.data(), '\0', name.size()) != nullptr ||
      !strata_valid_utf8(name.data(), name.size())) {
    *err = "column name '" + name + "' is not valid UTF-8 text";
    return false;
  }
  if (name.size() > STRATA_MAX_NAME_BYTES) {
    *err = "column name '" + name.substr(0, 60) + "...' is " + std::to_string(name.size()) +
           " bytes, longer than " + std::to_string(STRATA_MAX_NAME_BYTES);
    return false;
  }
  if (!names->insert(lname).second) {
    *err = "duplicate column name '" + name + "'";
    return false;
  }
  if (is_tag) {
    schema->tags.push_back(name);
  } else {
    schema->fields.push_back(name);
    schema->field_types.push_back(ftype);
  }
  return true;
}

std::string QuoteId(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

const char* SqlTypeName(int strata_type) {
  switch (strata_type) {
    case STRATA_FLOAT: return "REAL";
    case STRATA_INT: return "INTEGER";
    case STRATA_BOOL: return "BOOLEAN";
    case STRATA_STRING: return "TEXT";
  }
  return "UNKNOWN";
}

bool ParseTableArgs(int argc, const char* const* argv, Schema* schema, std::string* err) {
  std::set<std::string> names;
  std::map<std::string, std::string> options;
  for (int i = 0; i < argc; i++) {
    const std::string arg = argv[i] == nullptr ? "" : argv[i];
    if (Trim(arg).empty()) {
      *err = "empty argument " + std::to_string(i + 1);
      return false;
    }
    // An option is `name = value` where name is a bare word; a column never contains '=' before
    // its type.
    std::string first;
    bool quoted = false;
    size_t pos = 0;
    ReadToken(arg, &pos, &first, &quoted);
    size_t after = pos;
    while (after < arg.size() && std::isspace(static_cast<unsigned char>(arg[after]))) after++;
    if (after < arg.size() && arg[after] == '=') {
      if (!ParseOption(arg, after, schema, &options, err)) return false;
    } else if (!ParseColumn(arg, schema, &names, err)) {
      return false;
    }
  }
  if (schema->fields.empty()) {
    *err = "no field column: declare at least one REAL, INTEGER, TEXT or BOOLEAN column";
    return false;
  }
  // By name, so that tables declaring the same options in another order compare equal.
  for (const auto& [name, value] : options) {
    if (!schema->options.empty()) schema->options += ";";
    schema->options += name + "=" + value;
  }
  return true;
}

std::string DeclareSql(const Schema& schema) {
  std::string sql = "CREATE TABLE x(\"time\" INTEGER";
  for (const std::string& t : schema.tags) sql += ", " + QuoteId(t) + " TEXT";
  for (size_t i = 0; i < schema.fields.size(); i++) {
    sql += ", " + QuoteId(schema.fields[i]) + " " + SqlTypeName(schema.field_types[i]);
  }
  sql += ", \"_strata_aggregate\" HIDDEN, \"_strata_every\" HIDDEN";
  sql += ", \"_strata_key\" BLOB HIDDEN PRIMARY KEY NOT NULL, \"_strata_tags\" TEXT HIDDEN)";
  sql += " WITHOUT ROWID";
  return sql;
}

}  // namespace strata_sql
