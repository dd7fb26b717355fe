// StorageEngine::TakeBackupPoint: the one place that knows how a consistent point of a live
// directory is fixed (backup_point.h says why it is consistent).
#include "backup_point.h"

#include "background_work.h"
#include "commit_pipeline.h"
#include "data_dir.h"
#include "storage_engine.h"

namespace strata {

Result<BackupPoint> StorageEngine::TakeBackupPoint() {
  if (reader_ != nullptr) return unexpected(ReadOnlyError("back up (open it to write)"));
  BackupPoint point;
  point.source_dir = dir_;
  point.identity = Identity{options_.shard_duration_ns};
  point.catalog_dir = kCatalogDirName;
  // While the pipeline holds its log, no record is appended and no log file removed; flushes and
  // compactions go on: a manifest taken now lists only segments of records up to the point, and
  // each shard's records above its flushed LSN are in the log files pinned with it.
  const Status pinned = pipeline_->HoldAtCommittedPoint([&](uint64_t lsn) -> Status {
    // A failed append or sync is recorded under the same hold: after this check every record
    // logged up to `lsn` is applied, and no record past it is in the log.
    STRATA_RETURN_IF_ERROR(background_->error());
    point.lsn = lsn;
    const std::string wal_dir = JoinPath(dir_, kWalDirName);
    STRATA_ASSIGN_OR_RETURN(auto names, env_->ListDir(wal_dir));
    for (const std::string& name : names) {
      STRATA_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file,
                              env_->NewRandomAccessFile(JoinPath(wal_dir, name)));
      const uint64_t size = file->Size();  // appends are whole records, made under the hold
      point.wal_files.push_back(PinnedFile{JoinPath(kWalDirName, name), std::move(file), size,
                                           /*immutable=*/false});
    }
    for (const auto& shard : router_->All()) point.shards.push_back(shard->PinForBackup());
    return OkStatus();
  });
  if (!pinned) return unexpected(pinned.error());
  // Registrations are appended before the records that use them, so every series of the point
  // is in the log now; a registration being appended meanwhile may read as a torn tail, and the
  // records before it are all the point needs.
  STRATA_ASSIGN_OR_RETURN(Catalog::Salvage catalog,
                          Catalog::SalvageRecords(env_, JoinPath(dir_, point.catalog_dir)));
  point.catalog = std::move(catalog.records);
  return point;
}

}  // namespace strata
