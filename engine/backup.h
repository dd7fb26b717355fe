// Online backup of an open data directory into a new directory, while writes, flushes and
// compactions go on.
//
// The point. BackupDataDirectory takes a BackupPoint (backup_point.h): every write acknowledged
// before the call is in the copy, and none that starts after it. Writers wait only while the
// point is fixed (the shards' manifests read, the WAL files opened), never while files are
// copied. The copy holds the catalog's records, the WAL files cut at the point's size (records up
// to its LSN), every shard's manifest as it was and the segments it lists, and the identity file:
// opening the copy replays the WAL over the manifests, which is the restore.
//
// Cheap where it can be. Segments are immutable, so each is hard-linked into the copy when the
// destination is on the same file system (through the open descriptor the point holds: the very
// file pinned, even if its name was reused), and copied otherwise, or when a compaction removed it
// meanwhile (read through that descriptor, so the backup never misses a file it pinned). The WAL
// and the catalog are always copied (recovery may cut a WAL file short in place).
//
// Never mistaken for a good one. The copy is written into `<dest>.tmp-<pid>-<hex>` beside the
// destination, which holds BACKUP-INCOMPLETE from its first moment; every file is fsynced, the
// identity file written, the marker removed, and only then is the directory renamed to `dest`.
// A backup killed on the way leaves `<dest>` absent and a `.tmp-` directory that
// StorageEngine::Open refuses (Invalid, saying it is an unfinished backup); delete such leftovers.
// (Killed in the moment between the marker's removal and the rename, the directory is whole and
// opens: a complete backup under its temporary name.)
//
// Thread-safe: any number of backups of one engine may run at once, alongside every other call.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "env.h"
#include "result.h"

namespace strata {

class StorageEngine;

// What is in a directory that an interrupted backup left (see above).
inline constexpr char kBackupIncompleteFileName[] = "BACKUP-INCOMPLETE";

struct BackupProgress {
  uint64_t bytes_done = 0;   // of the files to link or copy (segments, WAL)
  uint64_t bytes_total = 0;
  uint64_t files_done = 0;
  uint64_t files_total = 0;
};

struct BackupOptions {
  // Called on the backing-up thread: first once the point is fixed (nothing done yet), then
  // after each file and every few MiB of a large one, and last with everything done, before the
  // copy is renamed into place. Returning false abandons the backup (the temporary directory is
  // removed and the call returns Code::kError). May be empty.
  std::function<bool(const BackupProgress&)> progress;
};

struct BackupStats {
  uint64_t lsn = 0;  // the point: the last WAL record in the copy
  uint64_t files_linked = 0, bytes_linked = 0;
  uint64_t files_copied = 0, bytes_copied = 0;
};

// Backs `engine`'s directory up into `dest`, which must not exist yet (an empty directory is
// taken as not existing) and must not lie inside the source directory; its parent is created if
// needed. Invalid for such a `dest`; Code::kError when the progress callback abandons; the
// engine's background error when its writes are stopped; IO errors from the file system. On failure nothing
// is left at `dest`, and the temporary directory is removed when it can be.
[[nodiscard]] Result<BackupStats> BackupDataDirectory(StorageEngine& engine, const std::string& dest,
                                                      const BackupOptions& options = {});

// Invalid, naming `dir` and saying what to do, when `dir` is a directory an interrupted backup
// left: it holds kBackupIncompleteFileName, or it is named as the temporary directory of a
// backup (`*.tmp-<pid>-<16 hex digits>`) and holds no identity file (killed before its marker
// was made); OK otherwise. StorageEngine::Open asks it first.
[[nodiscard]] Status CheckNotIncompleteBackup(Env* env, const std::string& dir);

}  // namespace strata
