// Fuzz target for the arguments of CREATE VIRTUAL TABLE ... USING strata(...) (the SQLite module's
// table_args.cc): each line of the input is one module argument. Besides not crashing, an accepted
// argument list must give a schema with at least one field, valid field types, column names that
// are unique ignoring case and not reserved, options that are `name=value` pairs of known names
// with no separator inside a value, and a declaration for sqlite3_declare_vtab.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "strata.h"
#include "table_args.h"

namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> args(1);
  for (size_t i = 0; i < size; i++) {
    if (data[i] == '\n') {
      args.emplace_back();
    } else {
      args.back().push_back(static_cast<char>(data[i]));
    }
  }
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  strata_sql::Schema schema;
  std::string err;
  if (!strata_sql::ParseTableArgs(static_cast<int>(argv.size()), argv.data(), &schema, &err)) {
    Check(!err.empty());
    return 0;
  }
  Check(!schema.fields.empty() && schema.field_types.size() == schema.fields.size());
  for (int type : schema.field_types) Check(type >= STRATA_FLOAT && type <= STRATA_STRING);
  std::set<std::string> names;
  for (const auto* list : {&schema.tags, &schema.fields}) {
    for (const std::string& name : *list) {
      const std::string lower = Lower(name);
      Check(!name.empty() && names.insert(lower).second);
      Check(lower != "time" && lower != "_strata_key" && lower != "_strata_aggregate" &&
            lower != "_strata_every");
    }
  }
  const std::set<std::string> known = {"sync", "sync_interval_ms", "memstore_bytes",
                                       "wal_segment_bytes", "shard_duration", "retention",
                                       "compaction_threads", "block_cache_bytes"};
  std::set<std::string> given;
  size_t at = 0;
  while (at < schema.options.size()) {
    size_t end = schema.options.find(';', at);
    if (end == std::string::npos) end = schema.options.size();
    const std::string option = schema.options.substr(at, end - at);
    const size_t eq = option.find('=');
    Check(eq != std::string::npos && eq + 1 < option.size());
    Check(known.count(option.substr(0, eq)) == 1 && given.insert(option.substr(0, eq)).second);
    at = end + 1;
  }
  const std::string sql = strata_sql::DeclareSql(schema);
  Check(sql.rfind("CREATE TABLE x(", 0) == 0 && sql.size() > 15);
  return 0;
}
