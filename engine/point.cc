#include "point.h"

#include <algorithm>
#include <numeric>

namespace strata {

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
  out.times.reserve(n);
  if (col->type == ValueType::kString) {
    out.strs.reserve(n);
  } else {
    out.nums.reserve(n);
  }
  for (size_t k = 0; k < n; k++) {
    const uint32_t i = order[k];
    // Within equal timestamps the stable sort keeps append order: the last one wins.
    if (k + 1 < n && col->times[order[k + 1]] == col->times[i]) continue;
    out.times.push_back(col->times[i]);
    if (col->type == ValueType::kString) {
      out.strs.push_back(std::move(col->strs[i]));
    } else {
      out.nums.push_back(col->nums[i]);
    }
  }
  *col = std::move(out);
}

}  // namespace strata
