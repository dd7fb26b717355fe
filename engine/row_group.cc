#include "row_group.h"

#include "coding.h"
#include "column_codec.h"
#include "crc32.h"
#include "thread_scratch.h"

namespace strata {

void EncodeRowGroup(const std::vector<const Column*>& fields, size_t begin, size_t end,
                    ValueColumnEncoder encode, IntForms forms, std::string* out) {
  const size_t n = end - begin;
  // The columns are encoded apart (their lengths come first), into scratch (thread_scratch.h).
  thread_local std::string times;
  thread_local std::vector<std::string> values;
  times.clear();
  EncodeTimeColumn(fields[0]->times.data() + begin, n, &times, forms);
  if (values.size() < fields.size()) values.resize(fields.size());
  for (size_t f = 0; f < fields.size(); f++) {
    values[f].clear();
    encode(*fields[f], begin, end, &values[f], forms);
  }
  const size_t start = out->size();
  PutVarint64(out, times.size());
  for (size_t f = 0; f < fields.size(); f++) PutVarint64(out, values[f].size());
  out->append(times);
  for (size_t f = 0; f < fields.size(); f++) {
    out->append(values[f]);
    TrimScratch(&values[f]);
  }
  TrimScratch(&times);
  PutFixed32(out, Crc32(out->data() + start, out->size() - start));
}

RowGroupDamage RowGroupColumns::Open(std::string_view group, uint32_t slots) {
  if (group.size() < kRowGroupTrailerSize) return RowGroupDamage::kFraming;
  const size_t body = group.size() - kRowGroupTrailerSize;
  if (DecodeFixed32(group.data() + body) != Crc32(group.data(), body)) {
    return RowGroupDamage::kChecksum;
  }
  Decoder d(group.data(), body);
  uint64_t time_len = 0;
  if (!d.GetVarint64(&time_len)) return RowGroupDamage::kFraming;
  lengths_ = d.position();
  uint64_t total = time_len;
  for (uint32_t s = 0; s < slots; s++) {
    uint64_t l = 0;
    if (!d.GetVarint64(&l) || l > body) return RowGroupDamage::kFraming;
    total += l;
  }
  if (time_len > body || total != d.remaining()) return RowGroupDamage::kFraming;
  columns_ = d.position();
  time_len_ = time_len;
  return RowGroupDamage::kNone;
}

std::string_view RowGroupColumns::values(uint32_t slot) const {
  // Open checked the lengths: each varint is well formed and the columns fit the group.
  Decoder d(lengths_, static_cast<size_t>(columns_ - lengths_));
  uint64_t skip = 0, len = 0;
  for (uint32_t s = 0; s <= slot; s++) {
    skip += len;
    (void)d.GetVarint64(&len);
  }
  return std::string_view(columns_ + time_len_ + skip, len);
}

RowGroupDamage DecodeRowGroup(std::string_view group, uint32_t slots, uint32_t slot,
                              ValueType type, uint32_t count, int64_t first_time, Column* out) {
  RowGroupColumns columns;
  if (const RowGroupDamage damage = columns.Open(group, slots); damage != RowGroupDamage::kNone) {
    return damage;
  }
  const size_t from = out->times.size();
  out->times.resize(from + count);
  if (!DecodeTimeColumn(columns.times(), count, first_time, out->times.data() + from)) {
    return RowGroupDamage::kTimes;
  }
  if (out->times_only) return RowGroupDamage::kNone;
  if (!DecodeValueColumn(columns.values(slot), type, count, out)) return RowGroupDamage::kValues;
  return RowGroupDamage::kNone;
}

const char* RowGroupDamageText(RowGroupDamage damage) {
  switch (damage) {
    case RowGroupDamage::kNone:
      return "intact";
    case RowGroupDamage::kChecksum:
      return "row group checksum mismatch";
    case RowGroupDamage::kFraming:
      return "malformed row group framing";
    case RowGroupDamage::kTimes:
      return "malformed time column";
    case RowGroupDamage::kValues:
      return "malformed value column";
  }
  return "?";
}

}  // namespace strata
