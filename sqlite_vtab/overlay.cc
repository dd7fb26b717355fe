#include "overlay.h"

#include <bit>

#include "strata.h"

namespace strata_sql {

void RowBlock::ClearRows() {
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

PendingRow& Overlay::Touch(const RowKey& key, const std::vector<Tag>& tags) {
  Fold();
  auto it = rows.find(key);
  if (!marks.empty()) {
    undo.emplace_back(key, it == rows.end() ? std::nullopt : std::optional<PendingRow>(it->second));
  }
  if (it == rows.end()) {
    PendingRow p;
    p.tags = tags;
    p.state.assign(fields.size(), kUntouched);
    p.values.assign(fields.size(), Value{});
    it = rows.emplace(key, std::move(p)).first;
  }
  return it->second;
}

void Overlay::Clear() {
  log.Clear();
  rows.clear();
  undo.clear();
  marks.clear();
}

}  // namespace strata_sql
