// A row group of segment format 2 (segment_format.h): the rows [begin, end) of one time group of a
// tag set (fields sharing their timestamps), stored as one time column and one value column per
// field (column_codec.h), framed by their lengths and closed by a CRC:
//
//   group = [time column length: varint][value column length: varint] x slots
//           | time column | value column of slot 0 | ... | value column of slot slots-1
//           | CRC-32 u32 (over every byte of the group before it)
//
// The index (segment_index.h) holds each group's length, row count, time range and slot count, so
// the group stores none of them. Stateless functions: thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "int_sequence_codec.h"
#include "point.h"

namespace strata {

inline constexpr size_t kRowGroupTrailerSize = 4;  // the CRC

// How a value column becomes bytes: EncodeValueColumn (tests substitute a faulty one).
using ValueColumnEncoder = void (*)(const Column& col, size_t begin, size_t end, std::string* out,
                                    IntForms forms);

// Appends the group of rows [begin, end) of `fields`, which all hold the same times (those of
// fields[0]), its integer sequences in `forms` (int_sequence_codec.h). REQUIRES: begin < end <=
// size of each; fields non-empty.
void EncodeRowGroup(const std::vector<const Column*>& fields, size_t begin, size_t end,
                    ValueColumnEncoder encode, IntForms forms, std::string* out);

// Why a group did not decode.
enum class RowGroupDamage { kNone, kChecksum, kFraming, kTimes, kValues };

// The columns of one row group, once its CRC and framing are checked (Open): views into the
// group's bytes, which must outlive this. Lets a caller that reads several slots of one group
// check it and decode its times once. Not thread-safe (a value).
class RowGroupColumns {
 public:
  // Checks the CRC and the framing of `group` for `slots` value columns: kNone when intact (then
  // times() and values() may be called), kChecksum or kFraming.
  RowGroupDamage Open(std::string_view group, uint32_t slots);
  // The time column's bytes.
  std::string_view times() const { return std::string_view(columns_, time_len_); }
  // The value column of `slot`. REQUIRES: slot < the slots given to Open.
  std::string_view values(uint32_t slot) const;

 private:
  const char* lengths_ = nullptr;  // the value columns' lengths (varints)
  const char* columns_ = nullptr;  // the time column, then the value columns
  size_t time_len_ = 0;
};

// Checks the group's CRC and framing (for `slots` value columns) and decodes its `count` times
// (`first_time`: the block's min time from the index, which format 5's time column does not
// repeat) and, unless *out is times-only, the values of `slot` (of `type`), appending them to *out.
// On damage *out may hold part of the group: the caller truncates.
RowGroupDamage DecodeRowGroup(std::string_view group, uint32_t slots, uint32_t slot,
                              ValueType type, uint32_t count, int64_t first_time, Column* out);

// Describes a RowGroupDamage for an error message.
const char* RowGroupDamageText(RowGroupDamage damage);

}  // namespace strata
