// The insert log of an Overlay (vtab.h): folding it into the ordered pending rows, and writing it
// into the commit batch with the columnar batch calls (a series reference per tag set and field,
// resolved once per batch generation, then one append of all its points).
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <xxhash.h>

#include <bit>

#include "vtab.h"

namespace strata_sql {

size_t TextHash::operator()(std::string_view text) const {
  return static_cast<size_t>(XXH3_64bits(text.data(), text.size()));
}

void InsertLog::TagSet::ClearRows() {
  times.clear();
  cells.clear();
  present.clear();
  strs.clear();
  absent = 0;
}

void InsertLog::Clear() {
  for (uint32_t id : dirty) {
    tagsets[id].ClearRows();
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
  const size_t n = fields.size();
  for (uint32_t id : log.dirty) {
    const InsertLog::TagSet& ts = log.tagsets[id];
    for (size_t r = 0; r < ts.rows(); r++) {
      // No undo entry: the log only grows while no savepoint is open. Later rows overwrite
      // earlier ones, as their INSERTs did.
      auto [it, added] = rows.try_emplace(RowKey(ts.order, ts.times[r]));
      PendingRow& p = it->second;
      if (added) {
        p.tags = ts.tags;
        p.state.assign(n, kUntouched);
        p.values.assign(n, Value{});
      }
      for (size_t i = 0; i < n; i++) {
        if (!ts.present[r * n + i]) continue;
        const uint64_t cell = ts.cells[r * n + i];
        Value& v = p.values[i];
        v = Value{};
        v.type = field_types[i];
        switch (v.type) {
          case STRATA_FLOAT: v.f = std::bit_cast<double>(cell); break;
          case STRATA_INT:
          case STRATA_BOOL: v.i = static_cast<int64_t>(cell); break;
          default: v.s = ts.strs[cell]; break;
        }
        p.state[i] = kSet;
      }
    }
  }
  log.Clear();
}

namespace {

// Gathers field i (of n) of the logged rows of `ts` that have it: each cell converted by `convert`
// into *values and, unless every row has the field, its time into *times. Returns the times that
// go with *values: ts.times or *times.
template <class T, class Convert>
const int64_t* GatherField(const InsertLog::TagSet& ts, size_t n, size_t i, Convert convert,
                           std::vector<int64_t>* times, std::vector<T>* values) {
  values->clear();
  if (ts.absent == 0) {
    values->reserve(ts.rows());
    for (size_t r = 0; r < ts.rows(); r++) values->push_back(convert(ts.cells[r * n + i]));
    return ts.times.data();
  }
  times->clear();
  for (size_t r = 0; r < ts.rows(); r++) {
    if (!ts.present[r * n + i]) continue;
    times->push_back(ts.times[r]);
    values->push_back(convert(ts.cells[r * n + i]));
  }
  return times->data();
}

}  // namespace

int WriteInsertLog(Conn* conn, const std::string& measurement, Overlay& ov) {
  InsertLog& log = ov.log;
  strata_batch* b = conn->batch;
  const size_t n = ov.fields.size();
  std::vector<strata_tag> ctags;
  std::vector<int64_t> times;
  std::vector<double> floats;
  std::vector<int64_t> ints;
  std::vector<int> bools;
  std::vector<uint64_t> strings;  // indexes into the tag set's strs
  auto as_double = [](uint64_t cell) { return std::bit_cast<double>(cell); };
  auto as_int = [](uint64_t cell) { return static_cast<int64_t>(cell); };
  auto as_bool = [](uint64_t cell) { return static_cast<int>(cell); };
  auto as_index = [](uint64_t cell) { return cell; };
  int rc = STRATA_OK;
  for (uint32_t id : log.dirty) {
    InsertLog::TagSet& ts = log.tagsets[id];
    if (ts.refs_generation != conn->batch_generation) {
      ts.refs.assign(n, 0);
      ts.refs_generation = conn->batch_generation;
    }
    ctags.clear();
    for (const Tag& tag : ts.tags) ctags.push_back(strata_tag{tag.key.c_str(), tag.value.c_str()});
    for (size_t i = 0; i < n && rc == STRATA_OK; i++) {
      const char* field = ov.fields[i].c_str();
      const int type = ov.field_types[i];
      if (type == STRATA_STRING) {
        const int64_t* t = GatherField(ts, n, i, as_index, &times, &strings);
        for (size_t k = 0; k < strings.size() && rc == STRATA_OK; k++) {
          const std::string& v = ts.strs[strings[k]];
          rc = strata_batch_add_str(b, measurement.c_str(), ctags.data(), ctags.size(), field,
                                    t[k], v.data(), v.size());
        }
        continue;
      }
      // References are kept plus one, so that 0 means "not resolved in this generation".
      if (ts.refs[i] == 0) {
        uint32_t ref = 0;
        rc = strata_batch_series(b, measurement.c_str(), ctags.data(), ctags.size(), field, type,
                                 &ref);
        if (rc != STRATA_OK) break;
        ts.refs[i] = ref + 1;
        conn->batch_series++;
      }
      const uint32_t ref = ts.refs[i] - 1;
      if (type == STRATA_FLOAT) {
        const int64_t* t = GatherField(ts, n, i, as_double, &times, &floats);
        if (!floats.empty()) rc = strata_batch_append_f64(b, ref, t, floats.data(), floats.size());
      } else if (type == STRATA_INT) {
        const int64_t* t = GatherField(ts, n, i, as_int, &times, &ints);
        if (!ints.empty()) rc = strata_batch_append_i64(b, ref, t, ints.data(), ints.size());
      } else {
        const int64_t* t = GatherField(ts, n, i, as_bool, &times, &bools);
        if (!bools.empty()) rc = strata_batch_append_bool(b, ref, t, bools.data(), bools.size());
      }
    }
    if (rc != STRATA_OK) break;
  }
  return rc;
}

}  // namespace strata_sql
