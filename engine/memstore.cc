#include "memstore.h"

#include <algorithm>

namespace strata {

void MemStore::Add(uint64_t series_id, const Column& points) {
  if (points.empty()) return;
  auto [it, inserted] = series_.try_emplace(series_id);
  Series& s = it->second;
  if (inserted) {
    s.points.type = points.type;
    bytes_ += kSeriesOverhead;
  }
  const size_t before = s.points.MemoryBytes();
  Column& c = s.points;
  if (s.sorted) {
    size_t i = c.times.empty() ? 1 : 0;
    int64_t prev = c.times.empty() ? points.times[0] : c.times.back();
    for (; i < points.size(); i++) {
      if (points.times[i] <= prev) {
        s.sorted = false;
        break;
      }
      prev = points.times[i];
    }
  }
  c.times.insert(c.times.end(), points.times.begin(), points.times.end());
  if (c.type == ValueType::kString) {
    c.strs.insert(c.strs.end(), points.strs.begin(), points.strs.end());
  } else {
    c.nums.insert(c.nums.end(), points.nums.begin(), points.nums.end());
  }
  points_ += points.size();
  bytes_ += c.MemoryBytes() - before;
}

void MemStore::Erase(uint64_t series_id, int64_t min_t, int64_t max_t) {
  auto it = series_.find(series_id);
  if (it == series_.end()) return;
  Series& s = it->second;
  if (!s.sorted) {
    SortAndDedupe(&s.points);
    s.sorted = true;
  }
  const size_t before = s.points.MemoryBytes();
  EraseTimeRange(&s.points, min_t, max_t);
  bytes_ = bytes_ - before + s.points.MemoryBytes();
  // The point count only drives "is there anything to flush"; keep it an upper bound.
}

bool MemStore::Read(uint64_t series_id, int64_t min_t, int64_t max_t, Column* out) {
  auto it = series_.find(series_id);
  if (it == series_.end()) return false;
  Series& s = it->second;
  out->type = s.points.type;
  if (!s.sorted) {
    const size_t before = s.points.MemoryBytes();
    SortAndDedupe(&s.points);
    s.sorted = true;
    bytes_ = bytes_ - before + s.points.MemoryBytes();
  }
  AppendTimeRange(s.points, min_t, max_t, out);
  return true;
}

void MemStore::Seal() {
  for (auto& [id, s] : series_) {
    if (!s.sorted) {
      SortAndDedupe(&s.points);
      s.sorted = true;
    }
  }
  sealed_ = true;
}

bool MemStore::ReadSealed(uint64_t series_id, int64_t min_t, int64_t max_t, Column* out) const {
  const Column* c = SealedSeries(series_id);
  if (c == nullptr) return false;
  AppendTimeRange(*c, min_t, max_t, out);
  return true;
}

const Column* MemStore::SealedSeries(uint64_t series_id) const {
  auto it = series_.find(series_id);
  return it == series_.end() ? nullptr : &it->second.points;
}

std::vector<uint64_t> MemStore::SeriesIds() const {
  std::vector<uint64_t> ids;
  ids.reserve(series_.size());
  for (const auto& [id, s] : series_) ids.push_back(id);
  return ids;
}

}  // namespace strata
