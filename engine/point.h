// The data model's value types (engine/README.md, section 1): a point's value is a float64, int64,
// bool or string, and a Column holds the points of one series as parallel arrays, the unit in which
// batches, the MemStore, segment blocks and query results move points around. Plain values:
// thread-compatible.
#pragma once

#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

// Pinned numbers, shared with the C ABI (STRATA_FLOAT ... STRATA_STRING) and every file format.
enum class ValueType : uint8_t { kFloat = 1, kInt = 2, kBool = 3, kString = 4 };

inline bool IsValidValueType(uint8_t t) { return t >= 1 && t <= 4; }
// "float", "integer", "boolean", "string".
const char* ValueTypeName(ValueType type);

struct Tag {
  std::string key;
  std::string value;
  bool operator==(const Tag&) const = default;
};

// One field's value in a row, borrowed: the unit of the row-wise write paths (line protocol,
// WriteBatch::AddRow). `num` is FloatBits(double) for floats, the int64 as uint64 for integers,
// 0 or 1 for booleans; `str` holds a string value.
struct FieldValue {
  std::string_view key;
  ValueType type;
  uint64_t num = 0;
  std::string_view str;
};

// A numeric value packed in 64 bits: a double's bit pattern, an int64, or 0/1 for bools.
inline uint64_t FloatBits(double v) { return std::bit_cast<uint64_t>(v); }
inline double BitsFloat(uint64_t b) { return std::bit_cast<double>(b); }

// Points of one series. For kString, `strs` holds the values and `nums` is empty; for the other types
// `nums` holds them. `times` and the value array have the same length, except in a times-only
// column: one whose reader needs only which timestamps have a value (a row's presence), so that
// `nums` and `strs` stay empty and reads may skip decoding values. `type` is the series' type in
// both cases. The functions below and the read paths (SegmentReader, ShardSnapshot, MemStore)
// honour `times_only` of the column they fill.
struct Column {
  ValueType type = ValueType::kFloat;
  bool times_only = false;
  std::vector<int64_t> times;
  std::vector<uint64_t> nums;
  std::vector<std::string> strs;

  size_t size() const { return times.size(); }
  bool empty() const { return times.empty(); }
  void clear() {
    times.clear();
    nums.clear();
    strs.clear();
  }
  // Appends point i of `other` (same type; `other` holds values unless this column is times-only).
  void AppendFrom(const Column& other, size_t i) {
    times.push_back(other.times[i]);
    if (times_only) return;
    if (type == ValueType::kString) {
      strs.push_back(other.strs[i]);
    } else {
      nums.push_back(other.nums[i]);
    }
  }
  // Heap bytes held, for memory accounting.
  size_t MemoryBytes() const {
    size_t n = times.capacity() * sizeof(int64_t) + nums.capacity() * sizeof(uint64_t) +
               strs.capacity() * sizeof(std::string);
    for (const auto& s : strs) n += s.capacity() > 15 ? s.capacity() : 0;
    return n;
  }
};

// Sorts `col` by time and keeps, for each timestamp, the value that was appended last (last write
// wins). Stable and O(n log n); a column that is already strictly increasing costs one pass.
void SortAndDedupe(Column* col);

// Appends to *out the points of `src` with min_t <= time <= max_t (binary search); only their times
// when *out is times-only. REQUIRES: src sorted by time; out->type == src.type; src holds values
// unless *out is times-only.
void AppendTimeRange(const Column& src, int64_t min_t, int64_t max_t, Column* out);

// Removes the points with min_t <= time <= max_t. REQUIRES: col sorted by time.
void EraseTimeRange(Column* col, int64_t min_t, int64_t max_t);

// Merges `newer` into *base, both sorted and free of duplicate times: the result holds every
// timestamp of either, with newer's value where both have one (the newest source wins).
// REQUIRES: both are times-only or neither is.
void MergeNewer(Column* base, const Column& newer);

}  // namespace strata
