// Fuzz target for the catalog log's payload decoder (Catalog::DecodeRecords, engine/README.md
// 10.4), which reads every record of the catalog at each open: any input either fails to decode or
// decodes to records that, encoded again (a series record's series as run records), decode to the
// same records. A 'Z' record's declared sizes are bounded before anything is allocated, so no
// input makes the decoder allocate more than the format's limits.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "catalog.h"

namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

bool SameRecord(const strata::Catalog::Record& a, const strata::Catalog::Record& b) {
  return a.kind == b.kind && a.series_id == b.series_id && a.key == b.key &&
         a.measurement == b.measurement && a.field == b.field && a.type == b.type &&
         a.schema == b.schema && a.through_lsn == b.through_lsn;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using strata::Catalog;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<Catalog::Record> decoded;
  if (!Catalog::DecodeRecords(input, &decoded)) return 0;
  Check(!decoded.empty());
  std::vector<std::string> again;
  const bool series = decoded[0].kind == Catalog::Kind::kType && decoded[0].series_id != 0;
  if (series) {
    std::vector<Catalog::RunEntry> run;
    for (size_t i = 0; i < decoded.size(); i++) {
      Check(decoded[i].kind == Catalog::Kind::kType &&
            decoded[i].series_id == decoded[0].series_id + i);
      run.push_back(Catalog::RunEntry{decoded[i].key, decoded[i].type});
    }
    if (input[0] == 'Z') Check(decoded.size() <= Catalog::kMaxRunRecordSeries);
    again = Catalog::EncodeSeriesRuns(decoded[0].series_id, run);
  } else {
    Check(decoded.size() == 1);
    again.push_back(Catalog::EncodeRecord(decoded[0]));
  }
  std::vector<Catalog::Record> round, one;
  for (const std::string& payload : again) {
    Check(Catalog::DecodeRecords(payload, &one).has_value());
    round.insert(round.end(), one.begin(), one.end());
  }
  Check(round.size() == decoded.size());
  for (size_t i = 0; i < round.size(); i++) Check(SameRecord(round[i], decoded[i]));
  return 0;
}
