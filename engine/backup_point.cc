// StorageEngine::TakeBackupPoint: the one place that knows how a consistent point of a live
// directory is fixed (backup_point.h says why it is consistent).
#include "backup_point.h"

#include "storage_engine.h"

namespace strata {

Result<BackupPoint> StorageEngine::TakeBackupPoint() {
  BackupPoint point;
  point.source_dir = dir_;
  point.identity = Identity{options_.shard_duration_ns};
  point.catalog_dir = "catalog";
  {
    // Holding wal_mu_, no record is appended and no WAL file removed (DeleteObsoleteWal takes it).
    std::lock_guard lock(wal_mu_);
    // A failed append or sync stops writes with records that are never applied; the error is
    // recorded before wal_mu_ is released, so after this check every record logged is applied
    // (soon) and the wait below ends.
    STRATA_RETURN_IF_ERROR(BackgroundError());
    point.lsn = last_lsn_;
    WaitForApplied(point.lsn);  // the apply path takes no wal_mu_
    const std::string wal_dir = JoinPath(dir_, "wal");
    STRATA_ASSIGN_OR_RETURN(auto names, env_->ListDir(wal_dir));
    for (const std::string& name : names) {
      STRATA_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file,
                              env_->NewRandomAccessFile(JoinPath(wal_dir, name)));
      const uint64_t size = file->Size();  // appends are whole records, made under wal_mu_
      point.wal_files.push_back(
          PinnedFile{JoinPath("wal", name), std::move(file), size, /*immutable=*/false});
    }
    // Flushes and compactions go on: a manifest taken now lists only segments of records up to
    // point.lsn, and each shard's records above its flushed LSN are in the WAL files above.
    for (const auto& shard : router_->All()) point.shards.push_back(shard->PinForBackup());
  }
  // Registrations are appended before the records that use them, so every series of the point
  // is in the log now; a registration being appended meanwhile may read as a torn tail, and the
  // records before it are all the point needs.
  STRATA_ASSIGN_OR_RETURN(Catalog::Salvage catalog,
                          Catalog::SalvageRecords(env_, JoinPath(dir_, point.catalog_dir)));
  point.catalog = std::move(catalog.records);
  return point;
}

}  // namespace strata
