#include "commit_writer.h"

#include <bit>
#include <vector>

#include "strata.h"

namespace strata_sql {
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

}  // namespace

int CommitPending(Conn* conn, std::string* err) {
  auto& overlays = conn->overlays;
  if (!conn->HasPending()) return STRATA_OK;
  if (conn->batch != nullptr && conn->batch_series >= Conn::kMaxBatchSeries) {
    strata_batch_clear(conn->batch);
    conn->batch_generation++;
    conn->batch_series = 0;
  }
  int rc = conn->batch == nullptr ? strata_batch_new(&conn->batch) : STRATA_OK;
  strata_batch* b = conn->batch;
  strata_batch_clear_points(b);
  std::vector<strata_tag> ctags;
  std::vector<const char*> deleted;
  // Rows come sorted by tag-set key, so numeric fields resolve their series once per tag set
  // (strata_batch_series) and append by reference instead of re-reading the tags per point.
  std::vector<uint32_t> refs;
  std::vector<uint8_t> resolved;
  const std::string* last_order = nullptr;
  for (auto& [measurement, ov] : overlays) {
    last_order = nullptr;
    for (auto& [key, p] : ov.rows) {
      if (rc != STRATA_OK) break;
      ctags.clear();
      for (const Tag& tag : p.tags) ctags.push_back(strata_tag{tag.key.c_str(), tag.value.c_str()});
      if (last_order == nullptr || *last_order != key.first) {
        refs.assign(p.state.size(), 0);
        resolved.assign(p.state.size(), 0);
        last_order = &key.first;
      }
      deleted.clear();
      for (size_t i = 0; i < p.state.size(); i++) {
        if (p.state[i] == kDeleted) deleted.push_back(ov.fields[i].c_str());
      }
      const int64_t time = key.second;
      if (!deleted.empty()) {
        rc = strata_batch_delete(b, measurement.c_str(), ctags.data(), ctags.size(), 1,
                                 deleted.data(), deleted.size(), time, time);
      }
      for (size_t i = 0; i < p.state.size() && rc == STRATA_OK; i++) {
        if (p.state[i] != kSet) continue;
        const Value& v = p.values[i];
        const char* f = ov.fields[i].c_str();
        if (v.type == STRATA_STRING) {
          rc = strata_batch_add_str(b, measurement.c_str(), ctags.data(), ctags.size(), f, time,
                                    v.s.data(), v.s.size());
          continue;
        }
        if (resolved[i] != v.type) {
          rc = strata_batch_series(b, measurement.c_str(), ctags.data(), ctags.size(), f, v.type,
                                   &refs[i]);
          if (rc != STRATA_OK) break;
          resolved[i] = static_cast<uint8_t>(v.type);
          conn->batch_series++;
        }
        switch (v.type) {
          case STRATA_FLOAT: rc = strata_batch_append_f64(b, refs[i], &time, &v.f, 1); break;
          case STRATA_INT: rc = strata_batch_append_i64(b, refs[i], &time, &v.i, 1); break;
          case STRATA_BOOL: {
            const int x = static_cast<int>(v.i);
            rc = strata_batch_append_bool(b, refs[i], &time, &x, 1);
            break;
          }
        }
      }
    }
  }
  // The insert logs last: they are newer than the ordered rows, and a repeated time keeps the
  // later value.
  for (auto& [measurement, ov] : overlays) {
    if (rc == STRATA_OK) rc = WriteInsertLog(conn, measurement, ov);
  }
  if (rc == STRATA_OK) rc = strata_write_and_clear(conn->sdb, b);
  if (rc != STRATA_OK) *err = std::string("commit failed: ") + strata_errmsg();
  strata_batch_clear_points(b);
  if (rc == STRATA_OK) {
    for (auto& [m, ov] : overlays) ov.Clear();
  }
  return rc;
}

}  // namespace strata_sql
