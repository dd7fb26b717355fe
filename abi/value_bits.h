// A stored value's 64 bits (point.h) read as the accessors strata_cursor_f64 / _i64 and
// strata_rows_f64 / _i64 document them. Internal to libstrata.so; pure functions.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include "point.h"

namespace strata_abi {

// As a double: floats as is, integers converted, booleans 0/1; 0 for strings.
inline double NumToF64(strata::ValueType type, uint64_t num) {
  switch (type) {
    case strata::ValueType::kFloat: return strata::BitsFloat(num);
    case strata::ValueType::kInt: return static_cast<double>(static_cast<int64_t>(num));
    case strata::ValueType::kBool: return num != 0 ? 1.0 : 0.0;
    case strata::ValueType::kString: return 0;
  }
  return 0;
}

// As an int64_t: integers as is, booleans 0/1, floats truncated toward zero (saturating, NaN 0);
// 0 for strings.
inline int64_t NumToI64(strata::ValueType type, uint64_t num) {
  switch (type) {
    case strata::ValueType::kFloat: {
      const double v = std::trunc(strata::BitsFloat(num));
      if (std::isnan(v)) return 0;
      if (v >= 9223372036854775807.0) return std::numeric_limits<int64_t>::max();
      if (v <= -9223372036854775808.0) return std::numeric_limits<int64_t>::min();
      return static_cast<int64_t>(v);
    }
    case strata::ValueType::kInt: return static_cast<int64_t>(num);
    case strata::ValueType::kBool: return num != 0 ? 1 : 0;
    case strata::ValueType::kString: return 0;
  }
  return 0;
}

}  // namespace strata_abi
