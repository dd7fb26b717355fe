// A BackupPoint is a data directory's state at one instant, held open for a backup to copy
// (backup.h). StorageEngine::TakeBackupPoint makes one: while no WAL record can be appended and no
// WAL file removed, it waits until every record logged so far is applied to the shards, notes the
// last LSN, opens every WAL file (noting its size: the records up to that LSN, whole), and takes
// each shard's manifest with its segments' files open (Shard::PinForBackup); then it reads the
// catalog's records. Replaying the WAL copy over the manifests restores exactly the writes up to
// the LSN: a shard's manifest lists only segments of records already applied, and every record
// above its flushed LSN is still in the WAL, which nothing could remove meanwhile.
//
// The point owns open descriptors: a file that a compaction, a retention sweep or a dropped
// measurement removes afterwards stays readable through it, and its disk space is freed when the
// point goes. Paths are relative to the data directory, so that the copy lays out the same tree.
// Immutable once made; thread-compatible.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "catalog.h"
#include "env.h"
#include "identity_file.h"
#include "manifest.h"

namespace strata {

// One file of the point, open.
struct PinnedFile {
  std::string relative_path;                     // inside the data directory
  std::shared_ptr<const RandomAccessFile> file;  // null: listed, but it could not be opened
  uint64_t size = 0;                             // bytes that belong to the point
  bool immutable = false;                        // never written again: a backup may link it
};

// One shard at the point: its manifest as last written and the segment files it lists.
struct ShardBackupPoint {
  std::string dir;            // the shard's directory (absolute, as the engine names it)
  std::string manifest_name;  // the manifest's file name inside it
  Manifest manifest;
  std::vector<PinnedFile> segments;  // parallel to manifest.segments; relative to `dir`
};

struct BackupPoint {
  std::string source_dir;  // canonical path of the data directory
  uint64_t lsn = 0;        // every write up to this WAL LSN is in the point, none after it
  Identity identity;
  std::string catalog_dir;  // relative
  std::vector<Catalog::Record> catalog;
  std::vector<PinnedFile> wal_files;  // relative to source_dir; copied up to `size`
  std::vector<ShardBackupPoint> shards;
};

}  // namespace strata
