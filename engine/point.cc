#include "point.h"

#include <algorithm>
#include <numeric>

namespace strata {
namespace {

// Applies f to the value array of `col` (strs or nums); nothing for a times-only column.
template <class F>
void ForValues(Column* col, F&& f) {
  if (col->times_only) return;
  if (col->type == ValueType::kString) {
    f(col->strs);
  } else {
    f(col->nums);
  }
}

}  // namespace

const char* ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kFloat: return "float";
    case ValueType::kInt: return "integer";
    case ValueType::kBool: return "boolean";
    case ValueType::kString: return "string";
  }
  return "unknown";
}

void SortAndDedupe(Column* col) {
  const size_t n = col->times.size();
  bool strictly_increasing = true;
  for (size_t i = 1; i < n && strictly_increasing; i++) {
    strictly_increasing = col->times[i - 1] < col->times[i];
  }
  if (strictly_increasing) return;

  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return col->times[a] < col->times[b]; });
  Column out;
  out.type = col->type;
  out.times_only = col->times_only;
  out.times.reserve(n);
  ForValues(&out, [n](auto& v) { v.reserve(n); });
  for (size_t k = 0; k < n; k++) {
    const uint32_t i = order[k];
    // Within equal timestamps the stable sort keeps append order: the last one wins.
    if (k + 1 < n && col->times[order[k + 1]] == col->times[i]) continue;
    out.times.push_back(col->times[i]);
    if (col->times_only) continue;
    if (col->type == ValueType::kString) {
      out.strs.push_back(std::move(col->strs[i]));
    } else {
      out.nums.push_back(col->nums[i]);
    }
  }
  *col = std::move(out);
}

void AppendTimeRange(const Column& src, int64_t min_t, int64_t max_t, Column* out) {
  auto lo = std::lower_bound(src.times.begin(), src.times.end(), min_t);
  auto hi = std::upper_bound(lo, src.times.end(), max_t);
  const size_t b = static_cast<size_t>(lo - src.times.begin());
  const size_t e = static_cast<size_t>(hi - src.times.begin());
  if (b >= e) return;
  out->times.insert(out->times.end(), lo, hi);
  if (out->times_only) return;
  if (src.type == ValueType::kString) {
    out->strs.insert(out->strs.end(), src.strs.begin() + b, src.strs.begin() + e);
  } else {
    out->nums.insert(out->nums.end(), src.nums.begin() + b, src.nums.begin() + e);
  }
}

void EraseTimeRange(Column* col, int64_t min_t, int64_t max_t) {
  auto lo = std::lower_bound(col->times.begin(), col->times.end(), min_t);
  auto hi = std::upper_bound(lo, col->times.end(), max_t);
  const auto b = lo - col->times.begin();
  const auto e = hi - col->times.begin();
  if (b >= e) return;
  col->times.erase(lo, hi);
  ForValues(col, [b, e](auto& v) { v.erase(v.begin() + b, v.begin() + e); });
}

void MergeNewer(Column* base, const Column& newer) {
  if (newer.empty()) return;
  if (base->empty() || newer.times.front() > base->times.back()) {  // the common case: appends
    base->times.insert(base->times.end(), newer.times.begin(), newer.times.end());
    base->nums.insert(base->nums.end(), newer.nums.begin(), newer.nums.end());
    base->strs.insert(base->strs.end(), newer.strs.begin(), newer.strs.end());
    return;
  }
  Column out;
  out.type = base->type;
  out.times_only = base->times_only;
  const bool strs = !base->times_only && base->type == ValueType::kString;
  const bool nums = !base->times_only && base->type != ValueType::kString;
  out.times.reserve(base->size() + newer.size());
  size_t i = 0, j = 0;
  while (i < base->size() || j < newer.size()) {
    const bool take_newer =
        i == base->size() || (j < newer.size() && newer.times[j] <= base->times[i]);
    if (take_newer) {
      if (i < base->size() && base->times[i] == newer.times[j]) i++;  // shadowed
      out.times.push_back(newer.times[j]);
      if (strs) out.strs.push_back(newer.strs[j]);
      if (nums) out.nums.push_back(newer.nums[j]);
      j++;
    } else {
      out.times.push_back(base->times[i]);
      if (strs) out.strs.push_back(std::move(base->strs[i]));
      if (nums) out.nums.push_back(base->nums[i]);
      i++;
    }
  }
  *base = std::move(out);
}

}  // namespace strata
