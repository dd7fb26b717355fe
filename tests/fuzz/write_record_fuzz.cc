// Fuzz target for the write-record payload decoder (wal_entry.h), which reads the WAL's records
// back at recovery: any input either fails to decode or decodes to records that, encoded again,
// decode to the same deletes and points.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "wal_entry.h"

namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

bool SameColumn(const strata::Column& a, const strata::Column& b) {
  return a.type == b.type && a.times == b.times && a.nums == b.nums && a.strs == b.strs;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  strata::DecodedWrite decoded;
  if (!strata::DecodeWriteRecord(input, &decoded)) return 0;
  std::string again;
  strata::EncodeWriteRecord(decoded.deletes, decoded.parts, &again);
  strata::DecodedWrite round;
  Check(strata::DecodeWriteRecord(again, &round));
  Check(round.deletes.size() == decoded.deletes.size());
  for (size_t i = 0; i < round.deletes.size(); i++) {
    const auto& x = round.deletes[i];
    const auto& y = decoded.deletes[i];
    Check(x.measurement == y.measurement && x.min_time == y.min_time && x.max_time == y.max_time &&
          x.series_ids == y.series_ids);
  }
  Check(round.parts.size() == decoded.parts.size());
  for (size_t i = 0; i < round.parts.size(); i++) {
    const auto& x = round.parts[i];
    const auto& y = decoded.parts[i];
    Check(x.measurement == y.measurement && x.window_start == y.window_start &&
          x.series.size() == y.series.size());
    for (size_t j = 0; j < x.series.size(); j++) {
      Check(x.series[j].id == y.series[j].id && SameColumn(*x.series[j].points, *y.series[j].points));
    }
  }
  return 0;
}
