// Online backup of an open data directory (engine/backup.h): strata_backup, strata_backup_ex.
#include <string>

#include "backup.h"
#include "errors.h"
#include "handles.h"
#include "strata.h"

using namespace strata_abi;

extern "C" {

int strata_backup_ex(strata_db* db, const char* dest_dir, strata_backup_progress progress,
                     void* ctx) {
  return Guard([&] {
    constexpr const char* kFn = "strata_backup";
    if (db == nullptr) return NullArg(kFn, "db");
    if (dest_dir == nullptr) return NullArg(kFn, "dest_dir");
    strata::BackupOptions options;
    if (progress != nullptr) {
      options.progress = [progress, ctx](const strata::BackupProgress& p) {
        return progress(ctx, p.bytes_done, p.bytes_total) == 0;
      };
    }
    auto stats = strata::BackupDataDirectory(*db->engine, dest_dir, options);
    return stats ? STRATA_OK : FromError(stats.error());
  });
}

int strata_backup(strata_db* db, const char* dest_dir) {
  return strata_backup_ex(db, dest_dir, nullptr, nullptr);
}

}  // extern "C"
