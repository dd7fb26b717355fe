// Fuzz target for WalReader: the input is the content of one WAL file, read from memory both as the
// last file of a log (torn tails allowed) and as an older one (any defect is corruption). Besides
// not crashing, both readings must deliver the same records, stop at the same defect, and hand out
// payloads inside the input.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "wal_reader.h"

namespace {

struct Outcome {
  std::vector<strata::WalRecord> records;
  bool corrupt = false;
  bool torn_tail = false;
  uint64_t valid_end = 0;
};

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

Outcome ReadAll(std::string_view data, bool last_file) {
  Outcome out;
  strata::WalReader reader("fuzz.log", data, last_file);
  strata::WalRecord record;
  for (;;) {
    strata::Result<bool> more = reader.Next(&record);
    if (!more) {
      Check(more.error().code() == strata::Code::kCorrupt);
      out.corrupt = true;
      break;
    }
    if (!*more) break;
    Check(strata::IsKnownWalRecordType(static_cast<uint8_t>(record.type)));
    Check(record.offset == reader.valid_end() - strata::kWalHeaderSize - record.payload.size());
    Check(record.payload.data() >= data.data() &&
          record.payload.data() + record.payload.size() <= data.data() + data.size());
    out.records.push_back(record);
  }
  out.torn_tail = reader.torn_tail();
  out.valid_end = reader.valid_end();
  Check(out.valid_end <= data.size());
  Check(!out.torn_tail || !out.corrupt);
  Check(out.corrupt || out.torn_tail || out.valid_end == data.size());
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const Outcome last = ReadAll(input, /*last_file=*/true);
  const Outcome older = ReadAll(input, /*last_file=*/false);
  Check(!older.torn_tail);
  Check(last.records.size() == older.records.size());
  for (size_t i = 0; i < last.records.size(); i++) {
    Check(last.records[i].offset == older.records[i].offset);
    Check(last.records[i].lsn == older.records[i].lsn);
    Check(last.records[i].payload == older.records[i].payload);
  }
  Check(last.valid_end == older.valid_end);
  // A file an older position accepts whole is clean in the last position too.
  if (!older.corrupt) Check(!last.corrupt && !last.torn_tail);
  return 0;
}
