// The insert log of an Overlay (vtab.h): folding it into the ordered pending rows, and writing it
// into the commit batch with the columnar batch calls (a series reference per tag set and field,
// resolved once per batch generation, then one append of all its points).
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <xxhash.h>

#include "vtab.h"

namespace strata_sql {

size_t InsertLog::KeyHash::operator()(std::string_view key) const {
  return static_cast<size_t>(XXH3_64bits(key.data(), key.size()));
}

void InsertLog::Clear() {
  for (uint32_t id : dirty) {
    for (FieldLog& f : tagsets[id].fields) f.clear();
    tagsets[id].listed = false;
  }
  dirty.clear();
  rows = 0;
  if (tagsets.size() > kMaxTagSets) {
    tagsets.clear();
    index.clear();
  }
}

void Overlay::Fold() {
  if (log.empty()) return;
  for (uint32_t id : log.dirty) {
    const InsertLog::TagSet& ts = log.tagsets[id];
    for (size_t i = 0; i < ts.fields.size(); i++) {
      const InsertLog::FieldLog& fl = ts.fields[i];
      for (size_t k = 0; k < fl.times.size(); k++) {
        // No undo entry: the log only grows while no savepoint is open.
        auto [it, added] = rows.try_emplace(RowKey(ts.order, fl.times[k]));
        PendingRow& p = it->second;
        if (added) {
          p.tags = ts.tags;
          p.state.assign(fields.size(), kUntouched);
          p.values.assign(fields.size(), Value{});
        }
        Value& v = p.values[i];
        v = Value{};
        v.type = field_types[i];
        switch (v.type) {
          case STRATA_FLOAT: v.f = fl.f[k]; break;
          case STRATA_INT:
          case STRATA_BOOL: v.i = fl.i[k]; break;
          default: v.s = fl.s[k]; break;
        }
        p.state[i] = kSet;
      }
    }
  }
  log.Clear();
}

int WriteInsertLog(Conn* conn, const std::string& measurement, Overlay& ov) {
  InsertLog& log = ov.log;
  strata_batch* b = conn->batch;
  std::vector<strata_tag> ctags;
  std::vector<int> bools;
  int rc = STRATA_OK;
  for (uint32_t id : log.dirty) {
    InsertLog::TagSet& ts = log.tagsets[id];
    if (ts.refs_generation != conn->batch_generation) {
      ts.refs.assign(ts.fields.size(), 0);
      ts.refs_generation = conn->batch_generation;
    }
    ctags.clear();
    for (const Tag& tag : ts.tags) ctags.push_back(strata_tag{tag.key.c_str(), tag.value.c_str()});
    for (size_t i = 0; i < ts.fields.size() && rc == STRATA_OK; i++) {
      const InsertLog::FieldLog& fl = ts.fields[i];
      const size_t n = fl.times.size();
      if (n == 0) continue;
      const char* field = ov.fields[i].c_str();
      const int type = ov.field_types[i];
      if (type == STRATA_STRING) {
        for (size_t k = 0; k < n && rc == STRATA_OK; k++) {
          rc = strata_batch_add_str(b, measurement.c_str(), ctags.data(), ctags.size(), field,
                                    fl.times[k], fl.s[k].data(), fl.s[k].size());
        }
        continue;
      }
      // References are stored plus one, so that 0 means "not resolved in this generation".
      if (ts.refs[i] == 0) {
        uint32_t ref = 0;
        rc = strata_batch_series(b, measurement.c_str(), ctags.data(), ctags.size(), field, type,
                                 &ref);
        if (rc != STRATA_OK) break;
        ts.refs[i] = ref + 1;
        conn->batch_series++;
      }
      const uint32_t ref = ts.refs[i] - 1;
      switch (type) {
        case STRATA_FLOAT: rc = strata_batch_append_f64(b, ref, fl.times.data(), fl.f.data(), n); break;
        case STRATA_INT: rc = strata_batch_append_i64(b, ref, fl.times.data(), fl.i.data(), n); break;
        case STRATA_BOOL:
          bools.assign(fl.i.begin(), fl.i.end());
          rc = strata_batch_append_bool(b, ref, fl.times.data(), bools.data(), n);
          break;
      }
    }
    if (rc != STRATA_OK) break;
  }
  return rc;
}

}  // namespace strata_sql
