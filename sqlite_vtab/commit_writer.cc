#include "commit_writer.h"

#include <bit>
#include <vector>

#include "strata.h"

namespace strata_sql {
namespace {

// Writes a Conn's overlays into its batch. Every point goes through one path, AppendRows: the
// insert log's tag sets as they are, and the ordered pending rows gathered per tag set into a
// RowBlock first; each field of a tag set is then one strata_batch_append_* call on a series
// reference resolved once per batch generation (strings, which have no columnar call, one
// strata_batch_add_str per value). Deletes of the ordered rows go in with strata_batch_delete; a
// batch applies its deletes before its points.
class CommitWriter {
 public:
  explicit CommitWriter(Conn* conn) : conn_(conn), batch_(conn->batch) {}

  // Adds the overlay of `measurement`: ordered rows first, then the insert log, which is newer (a
  // repeated time keeps the later value). STRATA status.
  int Add(const std::string& measurement, Overlay& ov) {
    const int rc = AddOrderedRows(measurement, ov);
    return rc == STRATA_OK ? AddInsertLog(measurement, ov) : rc;
  }

 private:
  // The rows of the insert log, a tag set at a time, with the series references the tag set keeps
  // from commit to commit.
  int AddInsertLog(const std::string& measurement, Overlay& ov) {
    for (uint32_t id : ov.log.dirty) {
      InsertLog::TagSet& ts = ov.log.tagsets[id];
      if (ts.refs_generation != conn_->batch_generation) {
        ts.refs.assign(ov.fields.size(), 0);
        ts.refs_generation = conn_->batch_generation;
      }
      if (const int rc = AppendRows(measurement, ov, ts.tags, ts, &ts.refs); rc != STRATA_OK) {
        return rc;
      }
    }
    return STRATA_OK;
  }

  // The ordered pending rows: deletes row by row, set fields gathered per tag set (rows come
  // sorted by tag-set key) into a RowBlock for AppendRows.
  int AddOrderedRows(const std::string& measurement, const Overlay& ov) {
    const size_t n = ov.fields.size();
    const std::string* order = nullptr;  // the tag set gathered in block_
    const std::vector<Tag>* tags = nullptr;
    block_.ClearRows();
    for (const auto& [key, p] : ov.rows) {
      if (order != nullptr && *order != key.first) {
        if (const int rc = FlushBlock(measurement, ov, *tags); rc != STRATA_OK) return rc;
      }
      order = &key.first;
      tags = &p.tags;
      if (const int rc = DeleteFields(measurement, ov, p, key.second); rc != STRATA_OK) return rc;
      bool any = false;
      for (size_t i = 0; i < n; i++) {
        const Value& v = p.values[i];
        const bool set = p.state[i] == kSet;
        any = any || set;
        block_.present.push_back(set ? 1 : 0);
        block_.absent += set ? 0 : 1;
        if (!set) {
          block_.cells.push_back(0);
        } else if (v.type == STRATA_STRING) {
          block_.cells.push_back(block_.strs.size());
          block_.strs.push_back(v.s);
        } else {
          block_.cells.push_back(v.type == STRATA_FLOAT ? std::bit_cast<uint64_t>(v.f)
                                                        : static_cast<uint64_t>(v.i));
        }
      }
      if (any) {
        block_.times.push_back(key.second);
      } else {  // only deletes: no row of points
        block_.cells.resize(block_.cells.size() - n);
        block_.present.resize(block_.present.size() - n);
        block_.absent -= n;
      }
    }
    return tags == nullptr ? STRATA_OK : FlushBlock(measurement, ov, *tags);
  }

  // Appends the gathered rows of one tag set (resolving its series afresh) and empties block_.
  int FlushBlock(const std::string& measurement, const Overlay& ov, const std::vector<Tag>& tags) {
    block_refs_.assign(ov.fields.size(), 0);
    const int rc = AppendRows(measurement, ov, tags, block_, &block_refs_);
    block_.ClearRows();
    return rc;
  }

  // strata_batch_delete of the fields row `p` at `time` deletes, if any.
  int DeleteFields(const std::string& measurement, const Overlay& ov, const PendingRow& p,
                   int64_t time) {
    deleted_.clear();
    for (size_t i = 0; i < p.state.size(); i++) {
      if (p.state[i] == kDeleted) deleted_.push_back(ov.fields[i].c_str());
    }
    if (deleted_.empty()) return STRATA_OK;
    SetTags(p.tags);
    return strata_batch_delete(batch_, measurement.c_str(), ctags_.data(), ctags_.size(), 1,
                               deleted_.data(), deleted_.size(), time, time);
  }

  // THE append path: every field of `rows` (a tag set's rows) as one column of its series.
  // refs: per field, the series reference in the batch plus one (0: not resolved yet), updated.
  int AppendRows(const std::string& measurement, const Overlay& ov, const std::vector<Tag>& tags,
                 const RowBlock& rows, std::vector<uint32_t>* refs) {
    if (rows.rows() == 0) return STRATA_OK;
    SetTags(tags);
    for (size_t i = 0; i < ov.fields.size(); i++) {
      const int type = ov.field_types[i];
      const char* field = ov.fields[i].c_str();
      int rc = STRATA_OK;
      if (type != STRATA_STRING && (*refs)[i] == 0) {
        uint32_t ref = 0;
        rc = strata_batch_series(batch_, measurement.c_str(), ctags_.data(), ctags_.size(), field,
                                 type, &ref);
        if (rc != STRATA_OK) return rc;
        (*refs)[i] = ref + 1;
        conn_->batch_series++;
      }
      rc = AppendColumn(measurement, field, type, rows, i, (*refs)[i] - 1);
      if (rc != STRATA_OK) return rc;
    }
    return STRATA_OK;
  }

  // Field i of `rows` (of type `type`, series `ref` unless a string) into the batch.
  int AppendColumn(const std::string& measurement, const char* field, int type,
                   const RowBlock& rows, size_t i, uint32_t ref) {
    switch (type) {
      case STRATA_FLOAT: {
        const int64_t* t = Gather(rows, i, [](uint64_t c) { return std::bit_cast<double>(c); },
                                  &floats_);
        return floats_.empty() ? STRATA_OK
                               : strata_batch_append_f64(batch_, ref, t, floats_.data(),
                                                         floats_.size());
      }
      case STRATA_INT: {
        const int64_t* t = Gather(rows, i, [](uint64_t c) { return static_cast<int64_t>(c); },
                                  &ints_);
        return ints_.empty() ? STRATA_OK
                             : strata_batch_append_i64(batch_, ref, t, ints_.data(), ints_.size());
      }
      case STRATA_BOOL: {
        const int64_t* t = Gather(rows, i, [](uint64_t c) { return static_cast<int>(c); }, &bools_);
        return bools_.empty() ? STRATA_OK
                              : strata_batch_append_bool(batch_, ref, t, bools_.data(),
                                                         bools_.size());
      }
      default: {
        const int64_t* t = Gather(rows, i, [](uint64_t c) { return c; }, &strings_);
        for (size_t k = 0; k < strings_.size(); k++) {
          const std::string& v = rows.strs[strings_[k]];
          const int rc = strata_batch_add_str(batch_, measurement.c_str(), ctags_.data(),
                                              ctags_.size(), field, t[k], v.data(), v.size());
          if (rc != STRATA_OK) return rc;
        }
        return STRATA_OK;
      }
    }
  }

  // Gathers field i of the rows that have it: each cell converted by `convert` into *values and,
  // unless every row has the field, its time into times_. Returns the times that go with *values:
  // rows.times or times_.
  template <class T, class Convert>
  const int64_t* Gather(const RowBlock& rows, size_t i, Convert convert, std::vector<T>* values) {
    const size_t n = rows.rows() == 0 ? 0 : rows.cells.size() / rows.rows();
    values->clear();
    if (rows.absent == 0) {
      values->reserve(rows.rows());
      for (size_t r = 0; r < rows.rows(); r++) values->push_back(convert(rows.cells[r * n + i]));
      return rows.times.data();
    }
    times_.clear();
    for (size_t r = 0; r < rows.rows(); r++) {
      if (!rows.present[r * n + i]) continue;
      times_.push_back(rows.times[r]);
      values->push_back(convert(rows.cells[r * n + i]));
    }
    return times_.data();
  }

  void SetTags(const std::vector<Tag>& tags) {
    ctags_.clear();
    for (const Tag& tag : tags) ctags_.push_back(strata_tag{tag.key.c_str(), tag.value.c_str()});
  }

  Conn* conn_;
  strata_batch* batch_;
  RowBlock block_;                   // AddOrderedRows: the current tag set's rows
  std::vector<uint32_t> block_refs_;  // ... and its series references
  std::vector<strata_tag> ctags_;
  std::vector<const char*> deleted_;
  std::vector<int64_t> times_;
  std::vector<double> floats_;
  std::vector<int64_t> ints_;
  std::vector<int> bools_;
  std::vector<uint64_t> strings_;  // indexes into a RowBlock's strs
};

}  // namespace

int CommitPending(Conn* conn, std::string* err) {
  if (!conn->HasPending()) return STRATA_OK;
  if (conn->batch != nullptr && conn->batch_series >= Conn::kMaxBatchSeries) {
    strata_batch_clear(conn->batch);
    conn->batch_generation++;
    conn->batch_series = 0;
  }
  int rc = conn->batch == nullptr ? strata_batch_new(&conn->batch) : STRATA_OK;
  if (rc == STRATA_OK) {
    strata_batch_clear_points(conn->batch);
    CommitWriter writer(conn);
    for (auto& [measurement, ov] : conn->overlays) {
      if (rc == STRATA_OK) rc = writer.Add(measurement, ov);
    }
  }
  if (rc == STRATA_OK) rc = strata_write_and_clear(conn->sdb, conn->batch);
  if (rc != STRATA_OK) *err = std::string("commit failed: ") + strata_errmsg();
  strata_batch_clear_points(conn->batch);
  if (rc == STRATA_OK) {
    for (auto& [m, ov] : conn->overlays) ov.Clear();
  }
  return rc;
}

}  // namespace strata_sql
