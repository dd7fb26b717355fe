#include "wal_replay.h"

#include <string>
#include <vector>

#include "directory_check.h"

namespace strata {

Status CheckWalRecord(WalRecordType type, uint64_t lsn, std::string_view payload,
                      const Catalog& catalog, const ShardWindows& windows, DecodedWrite* decoded) {
  auto corrupt = [&](const std::string& what) {
    return unexpected(Error(Code::kCorrupt, "WAL record " + std::to_string(lsn) + ": " + what +
                                                "; `strata repair` can cut the log before it"));
  };
  if (type != WalRecordType::kWrite || !DecodeWriteRecord(payload, decoded)) {
    return corrupt("malformed write record");
  }
  if (std::string why = CheckLoggedWrite(*decoded, catalog, windows); !why.empty()) {
    return corrupt(why);
  }
  return OkStatus();
}

Status ReplayWalRecord(const DecodedWrite& decoded, uint64_t lsn, const Catalog& catalog,
                       ShardRouter* router, int64_t retention_cutoff, bool flush_as_it_goes) {
  for (const DeleteRecord& rec : decoded.deletes) {
    for (const auto& shard : router->ShardsFor(rec.measurement, rec.min_time, rec.max_time)) {
      if (lsn <= shard->flushed_lsn()) continue;
      shard->ApplyDelete(lsn, rec.series_ids, rec.min_time, rec.max_time);
    }
  }
  std::vector<SeriesPoints> live;
  for (const WritePart& part : decoded.parts) {
    live.clear();
    for (const SeriesPoints& sp : part.series) {
      if (!catalog.IsDropped(sp.id)) live.push_back(sp);
    }
    if (live.empty()) continue;
    STRATA_ASSIGN_OR_RETURN(auto shard, router->GetOrCreate(part.measurement, part.window_start));
    if (shard->window_end() <= retention_cutoff || lsn <= shard->flushed_lsn()) continue;
    shard->ApplyWrite(lsn, live);
    if (flush_as_it_goes && shard->NeedsFreeze() && shard->Freeze()) {
      STRATA_RETURN_IF_ERROR(shard->FlushOldestFrozen());
    }
  }
  return OkStatus();
}

}  // namespace strata
