#include "row_group.h"

#include "coding.h"
#include "column_codec.h"
#include "crc32.h"
#include "thread_scratch.h"

namespace strata {

void EncodeRowGroup(const std::vector<const Column*>& fields, size_t begin, size_t end,
                    ValueColumnEncoder encode, std::string* out) {
  const size_t n = end - begin;
  // The columns are encoded apart (their lengths come first), into scratch (thread_scratch.h).
  thread_local std::string times;
  thread_local std::vector<std::string> values;
  times.clear();
  EncodeTimeColumn(fields[0]->times.data() + begin, n, &times);
  if (values.size() < fields.size()) values.resize(fields.size());
  for (size_t f = 0; f < fields.size(); f++) {
    values[f].clear();
    encode(*fields[f], begin, end, &values[f]);
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

RowGroupDamage DecodeRowGroup(std::string_view group, uint32_t slots, uint32_t slot,
                              ValueType type, uint32_t count, Column* out) {
  if (group.size() < kRowGroupTrailerSize) return RowGroupDamage::kFraming;
  const size_t body = group.size() - kRowGroupTrailerSize;
  if (DecodeFixed32(group.data() + body) != Crc32(group.data(), body)) {
    return RowGroupDamage::kChecksum;
  }
  Decoder d(group.data(), body);
  uint64_t time_len = 0;
  if (!d.GetVarint64(&time_len)) return RowGroupDamage::kFraming;
  uint64_t skip = 0, len = 0, total = time_len;
  for (uint32_t s = 0; s < slots; s++) {
    uint64_t l = 0;
    if (!d.GetVarint64(&l) || l > body) return RowGroupDamage::kFraming;
    if (s < slot) skip += l;
    if (s == slot) len = l;
    total += l;
  }
  if (time_len > body || total != d.remaining()) return RowGroupDamage::kFraming;
  const char* columns = d.position();
  const size_t from = out->times.size();
  out->times.resize(from + count);
  if (!DecodeTimeColumn(std::string_view(columns, time_len), count, out->times.data() + from)) {
    return RowGroupDamage::kTimes;
  }
  if (out->times_only) return RowGroupDamage::kNone;
  if (!DecodeValueColumn(std::string_view(columns + time_len + skip, len), type, count, out)) {
    return RowGroupDamage::kValues;
  }
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
