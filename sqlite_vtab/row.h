// Rows as the module passes them between the engine, the pending changes and SQLite: a row is
// the values of the declared fields of one tag set at one time (README.md, "Rows"). A RowTagSet is
// immutable and shared by all rows of its tag set; Row and RowBuffer are plain values used by one
// thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "convert.h"

namespace strata_sql {

struct Tag {
  std::string key, value;
  bool operator==(const Tag&) const = default;
};

// Hashes the long texts that key the module's maps (tag-set keys, tag values) with XXH3, and
// looks them up by string_view without a copy.
struct TextHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const;
};

// Order of rows in a scan: tag-set key + "#" (the order of canonical series keys), then time.
using RowKey = std::pair<std::string, int64_t>;

// The tag set of scanned rows, shared by all its rows (made once per tag set, not per row).
struct RowTagSet {
  std::string order;      // tag-set key + "#"
  std::vector<Tag> tags;  // all tags of the tag set, sorted by key
  std::vector<int> by_column;  // per declared tag column: index into tags, or -1 (NULL)

  RowTagSet(std::string order, std::vector<Tag> tags, const std::vector<std::string>& declared);
};

struct Row {
  int64_t time = 0;
  std::shared_ptr<const RowTagSet> tagset;
  // Per declared field; type 0 = NULL. A field the plan does not read (ScanSpec::values) has its
  // type (present or not) but no value.
  std::vector<Value> fields;
};

// Rows a cursor computes before returning them (ORDER BY time over several tag sets, the
// aggregate view). Clear() keeps the rows and their field vectors for the next fill, and a Table
// keeps one buffer between statements (Table::spare_rows), so that repeated statements do not
// allocate per row. One thread at a time.
class RowBuffer {
 public:
  void Clear() { size_ = 0; }
  // A row to fill: time 0, no tag set, `nfields` fields without a value.
  Row& Add(size_t nfields);
  void Add(Row&& row) { Add(0) = std::move(row); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  Row& operator[](size_t i) { return rows_[i]; }
  const Row& operator[](size_t i) const { return rows_[i]; }
  std::vector<Row>::iterator begin() { return rows_.begin(); }
  std::vector<Row>::iterator end() { return rows_.begin() + static_cast<std::ptrdiff_t>(size_); }
  size_t capacity() const { return rows_.size(); }

 private:
  std::vector<Row> rows_;  // [0, size_) in use, the rest kept for reuse
  size_t size_ = 0;
};

}  // namespace strata_sql
