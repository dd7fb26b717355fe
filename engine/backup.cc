#include "backup.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <memory>
#include <random>
#include <vector>

#include "backup_point.h"
#include "data_dir.h"
#include "identity_file.h"
#include "manifest.h"
#include "storage_engine.h"

namespace strata {
namespace {

constexpr size_t kCopyChunkBytes = 4u << 20;  // progress is reported at least this often

// `<dest>.tmp-<pid>-<16 hex digits>`, beside dest, so that the final rename stays on one file
// system and a leftover is seen next to where the backup was meant to go.
std::string TemporaryName(const std::string& dest) {
  std::random_device rd;
  const uint64_t r = (uint64_t{rd()} << 32) ^ rd();
  char suffix[64];
  std::snprintf(suffix, sizeof suffix, ".tmp-%ld-%016" PRIx64, static_cast<long>(::getpid()), r);
  return dest + suffix;
}

// Whether `dir`'s last component ends the way TemporaryName ends names.
bool IsTemporaryName(const std::string& dir) {
  const std::string name = dir.substr(dir.find_last_of('/') + 1);
  const size_t at = name.rfind(".tmp-");
  if (at == std::string::npos) return false;
  const std::string tail = name.substr(at + 5);  // <pid>-<16 hex>
  const size_t dash = tail.find('-');
  if (dash == 0 || dash == std::string::npos || tail.size() - dash - 1 != 16) return false;
  auto all = [&](size_t from, size_t to, int (*is)(int)) {
    return std::all_of(tail.begin() + static_cast<long>(from), tail.begin() + static_cast<long>(to),
                       [is](char c) { return is(static_cast<unsigned char>(c)) != 0; });
  };
  return all(0, dash, ::isdigit) && all(dash + 1, tail.size(), ::isxdigit);
}

// Writes one BackupPoint into a temporary directory and renames it to the destination.
class BackupWriter {
 public:
  BackupWriter(Env* env, const BackupPoint& point, std::string dest, const BackupOptions& options)
      : env_(env), point_(point), dest_(std::move(dest)), tmp_(TemporaryName(dest_)),
        options_(options) {}

  Result<BackupStats> Run() {
    stats_.lsn = point_.lsn;
    for (const PinnedFile& f : point_.wal_files) Count(f);
    for (const ShardBackupPoint& s : point_.shards) {
      for (const PinnedFile& f : s.segments) Count(f);
    }
    Status s = Write();
    if (!s) {
      (void)env_->RemoveDirRecursive(tmp_);
      return unexpected(s.error());
    }
    return stats_;
  }

 private:
  void Count(const PinnedFile& f) {
    if (f.file == nullptr) return;
    progress_.files_total++;
    progress_.bytes_total += f.size;
  }

  Status Report() {
    if (options_.progress && !options_.progress(progress_)) {
      return unexpected(Error::Internal("backup to " + dest_ + " abandoned by its progress callback"));
    }
    return OkStatus();
  }

  Status MakeDir(const std::string& dir) {
    STRATA_RETURN_IF_ERROR(env_->CreateDirs(dir));
    dirs_.push_back(dir);
    return OkStatus();
  }

  Status Write() {
    STRATA_RETURN_IF_ERROR(Report());  // the point is fixed
    STRATA_RETURN_IF_ERROR(MakeDir(tmp_));
    {
      // Created in place (no rename), so that the directory is without it for as short a time
      // as can be; CheckNotIncompleteBackup knows the directory by its name meanwhile.
      STRATA_ASSIGN_OR_RETURN(auto marker,
                              env_->NewWritableFile(JoinPath(tmp_, kBackupIncompleteFileName)));
      STRATA_RETURN_IF_ERROR(marker->Append(
          "This directory is an unfinished backup of " + point_.source_dir +
          ": the backup stopped before it completed, so it lacks data. Delete it.\n"));
      STRATA_RETURN_IF_ERROR(marker->Sync());
      STRATA_RETURN_IF_ERROR(marker->Close());
      STRATA_RETURN_IF_ERROR(env_->SyncDir(tmp_));
    }
    STRATA_RETURN_IF_ERROR(Catalog::WriteRecords(env_, JoinPath(tmp_, point_.catalog_dir),
                                                 point_.catalog));
    dirs_.push_back(JoinPath(tmp_, point_.catalog_dir));
    for (const PinnedFile& f : point_.wal_files) {
      STRATA_RETURN_IF_ERROR(MakeDir(DirName(JoinPath(tmp_, f.relative_path))));
      STRATA_RETURN_IF_ERROR(Place(f, JoinPath(tmp_, f.relative_path)));
    }
    for (const ShardBackupPoint& shard : point_.shards) STRATA_RETURN_IF_ERROR(WriteShard(shard));
    STRATA_RETURN_IF_ERROR(WriteIdentity(env_, tmp_, point_.identity));
    STRATA_RETURN_IF_ERROR(Report());  // everything is in
    return Finish();
  }

  Status WriteShard(const ShardBackupPoint& shard) {
    if (!shard.dir.starts_with(point_.source_dir + "/")) {
      return unexpected(Error::Internal("shard " + shard.dir + " is not inside " + point_.source_dir));
    }
    const std::string dir = JoinPath(tmp_, shard.dir.substr(point_.source_dir.size() + 1));
    // Every directory on the way, so that each one's entry is fsynced at the end.
    for (std::string up = DirName(dir); up.size() > tmp_.size(); up = DirName(up)) {
      STRATA_RETURN_IF_ERROR(MakeDir(up));
    }
    STRATA_RETURN_IF_ERROR(MakeDir(dir));
    for (const PinnedFile& f : shard.segments) {
      if (f.file != nullptr) STRATA_RETURN_IF_ERROR(Place(f, JoinPath(dir, f.relative_path)));
    }
    return WriteManifest(env_, JoinPath(dir, shard.manifest_name), shard.manifest);
  }

  // Links an immutable file where it can, else copies its first f.size bytes.
  Status Place(const PinnedFile& f, const std::string& to) {
    if (f.immutable && f.file->LinkTo(to)) {
      stats_.files_linked++;
      stats_.bytes_linked += f.size;
      progress_.bytes_done += f.size;
    } else {
      STRATA_RETURN_IF_ERROR(Copy(*f.file, f.size, to));
      stats_.files_copied++;
      stats_.bytes_copied += f.size;
    }
    progress_.files_done++;
    return Report();
  }

  Status Copy(const RandomAccessFile& from, uint64_t size, const std::string& to) {
    STRATA_ASSIGN_OR_RETURN(auto out, env_->NewWritableFile(to));
    std::unique_ptr<char[]> buf(new char[kCopyChunkBytes]);
    for (uint64_t at = 0; at < size;) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(kCopyChunkBytes, size - at));
      STRATA_RETURN_IF_ERROR(from.Read(at, n, buf.get()));
      STRATA_RETURN_IF_ERROR(out->Append(std::string_view(buf.get(), n)));
      at += n;
      progress_.bytes_done += n;
      if (at < size) STRATA_RETURN_IF_ERROR(Report());
    }
    STRATA_RETURN_IF_ERROR(out->Sync());
    return out->Close();
  }

  // Every file is durable; make every directory entry durable, then the marker goes and the
  // directory takes its name.
  Status Finish() {
    std::sort(dirs_.begin(), dirs_.end());
    dirs_.erase(std::unique(dirs_.begin(), dirs_.end()), dirs_.end());
    for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) STRATA_RETURN_IF_ERROR(env_->SyncDir(*it));
    STRATA_RETURN_IF_ERROR(env_->RemoveFile(JoinPath(tmp_, kBackupIncompleteFileName)));
    STRATA_RETURN_IF_ERROR(env_->SyncDir(tmp_));
    STRATA_RETURN_IF_ERROR(env_->Rename(tmp_, dest_));
    return env_->SyncDir(DirName(dest_));
  }

  Env* const env_;
  const BackupPoint& point_;
  const std::string dest_;
  const std::string tmp_;
  const BackupOptions& options_;
  BackupStats stats_;
  BackupProgress progress_;
  std::vector<std::string> dirs_;  // created under tmp_, tmp_ included
};

// Invalid unless `dest` (canonical) can receive a backup of `source` (canonical).
Status CheckDestination(Env* env, const std::string& source, const std::string& dest) {
  if (dest == source || dest.starts_with(source + "/")) {
    return unexpected(Error::Invalid("backup destination " + dest + " is inside the directory " +
                                     source + " it would back up"));
  }
  if (env->FileExists(dest)) {
    auto names = env->ListDir(dest);
    if (!names || !names->empty()) {
      return unexpected(Error::Invalid("backup destination " + dest +
                                       " already exists; give a path that does not"));
    }
  }
  return OkStatus();
}

}  // namespace

Result<BackupStats> BackupDataDirectory(StorageEngine& engine, const std::string& dest,
                                        const BackupOptions& options) {
  Env* env = engine.options().env;
  STRATA_ASSIGN_OR_RETURN(const std::string target, CanonicalDataDir(dest));
  STRATA_RETURN_IF_ERROR(CheckDestination(env, engine.dir(), target));
  STRATA_RETURN_IF_ERROR(env->CreateDirs(DirName(target)));
  STRATA_ASSIGN_OR_RETURN(const BackupPoint point, engine.TakeBackupPoint());
  return BackupWriter(env, point, target, options).Run();
}

Status CheckNotIncompleteBackup(Env* env, const std::string& dir) {
  const bool marked = env->FileExists(JoinPath(dir, kBackupIncompleteFileName));
  // A temporary directory killed before its marker was made is still known by its name (a
  // whole one, killed before its rename, has its identity file and no marker).
  const bool unmarked_temporary = IsTemporaryName(dir) && env->FileExists(dir) &&
                                  !env->FileExists(JoinPath(dir, kIdentityFileName));
  if (!marked && !unmarked_temporary) return OkStatus();
  const std::string why = marked ? std::string("it holds ") + kBackupIncompleteFileName
                                 : std::string("a backup's temporary directory without ") +
                                       kIdentityFileName;
  return unexpected(Error::Invalid(
      dir + " is an unfinished backup (" + why +
      "): the backup was interrupted before it completed, so it lacks data and cannot be opened; "
      "delete it and back up again"));
}

}  // namespace strata
