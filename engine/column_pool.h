// A ColumnPool keeps emptied Columns for reuse: WriteAndClear gives a batch a pooled column in
// place of each column it takes (so refilling the batch does not allocate again), and the apply
// thread returns a write's columns once they are in the MemStores. Holds at most kMaxColumns.
// Thread-safe.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "mutex.h"
#include "point.h"

namespace strata {

class ColumnPool {
 public:
  static constexpr size_t kMaxColumns = 4096;

  // An empty column, with the memory of a returned one when there is one.
  Column Get() EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    if (columns_.empty()) return Column();
    Column c = std::move(columns_.back());
    columns_.pop_back();
    return c;
  }
  // Clears each column and keeps it while the pool has room.
  template <class Columns>
  void Return(Columns& columns) EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    for (Column& c : columns) {
      if (columns_.size() >= kMaxColumns) break;
      c.clear();
      columns_.push_back(std::move(c));
    }
  }

 private:
  Mutex mu_;
  std::vector<Column> columns_ GUARDED_BY(mu_);
};

}  // namespace strata
