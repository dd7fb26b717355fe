#include "directory_reader.h"

#include <algorithm>
#include <string_view>

#include "data_dir.h"
#include "manifest.h"
#include "wal.h"
#include "wal_entry.h"
#include "wal_replay.h"

namespace strata {
namespace {

struct LoggedWrite {
  WalRecordType type;
  uint64_t lsn;
  std::string payload;
};

// Reads every record of the WAL in `wal_dir` (none when it does not exist) into *writes, setting
// the view's lsn, wal_bytes and wal_files.
Status ReadWal(Env* env, const std::string& wal_dir, ReaderView* view,
               std::vector<LoggedWrite>* writes) {
  if (!env->FileExists(wal_dir)) return OkStatus();
  STRATA_ASSIGN_OR_RETURN(
      const WalReplayStats read,
      Wal::Read(env, wal_dir, [&](WalRecordType type, uint64_t lsn, std::string_view payload) {
        writes->push_back(LoggedWrite{type, lsn, std::string(payload)});
        view->wal_bytes += payload.size() + kWalHeaderSize;
        return OkStatus();
      }));
  view->lsn = read.last_lsn;
  view->wal_files = read.files;
  return OkStatus();
}

}  // namespace

DirectoryReader::DirectoryReader(Env* env, const Options& options, std::string dir,
                                 Catalog* catalog)
    : env_(env),
      options_(options),
      dir_(std::move(dir)),
      catalog_(catalog),
      windows_(options.shard_duration_ns),
      block_cache_(options.block_cache_bytes > 0
                       ? std::make_shared<BlockCache>(options.block_cache_bytes)
                       : nullptr) {}

Result<std::unique_ptr<DirectoryReader>> DirectoryReader::Open(Env* env, const Options& options,
                                                               std::string dir,
                                                               Catalog* catalog) {
  Options reader_options = options;
  reader_options.read_only = OpenMode::kReader;
  std::unique_ptr<DirectoryReader> reader(
      new DirectoryReader(env, reader_options, std::move(dir), catalog));
  MutexLock lock(&reader->mu_);
  STRATA_ASSIGN_OR_RETURN(reader->fingerprint_, reader->TakeFingerprint());
  STRATA_ASSIGN_OR_RETURN(reader->view_, reader->Load());
  reader->checked_ns_ = env->NowNanos();
  return reader;
}

Result<std::shared_ptr<const ReaderView>> DirectoryReader::Current() {
  MutexLock lock(&mu_);
  const int64_t now = env_->NowNanos();
  if (now - checked_ns_ < options_.reader_staleness_ms * 1'000'000) return view_;
  // The fingerprint is taken before the load: a change during the load is seen next time.
  STRATA_ASSIGN_OR_RETURN(Fingerprint fingerprint, TakeFingerprint());
  checked_ns_ = now;
  if (fingerprint == fingerprint_) return view_;
  STRATA_ASSIGN_OR_RETURN(view_, Load());
  fingerprint_ = std::move(fingerprint);
  return view_;
}

std::shared_ptr<const ReaderView> DirectoryReader::Last() const {
  MutexLock lock(&mu_);
  return view_;
}

Result<DirectoryReader::Fingerprint> DirectoryReader::TakeFingerprint() const {
  STRATA_ASSIGN_OR_RETURN(Fingerprint fingerprint, ListLog(kWalDirName));
  STRATA_ASSIGN_OR_RETURN(Fingerprint catalog, ListLog(kCatalogDirName));
  fingerprint.insert(fingerprint.end(), catalog.begin(), catalog.end());
  return fingerprint;
}

Result<DirectoryReader::Fingerprint> DirectoryReader::ListLog(const char* log) const {
  Fingerprint listing;
  const std::string log_dir = JoinPath(dir_, log);
  if (!env_->FileExists(log_dir)) return listing;
  STRATA_ASSIGN_OR_RETURN(std::vector<std::string> names, env_->ListDir(log_dir));
  std::sort(names.begin(), names.end());
  for (std::string& name : names) {
    auto size = env_->FileSize(JoinPath(log_dir, name));
    // A file removed since the listing changed the directory as much as any other change.
    listing.emplace_back(std::string(log) + "/" + std::move(name), size ? *size : ~0ull);
  }
  return listing;
}

Result<std::shared_ptr<ReaderView>> DirectoryReader::Load() {
  std::string why;
  for (int attempt = 1; attempt <= kMaxLoadAttempts; attempt++) {
    auto view = LoadOnce(attempt == kMaxLoadAttempts, &why);
    if (view && *view != nullptr) {
      (*view)->loads = ++loads_;
      return std::move(*view);
    }
    if (!view) why = view.error().ToString();
    if (!view && attempt == kMaxLoadAttempts) return unexpected(view.error());
  }
  return unexpected(Error::IO("read-only open of " + dir_ + ": the directory changed under " +
                              std::to_string(kMaxLoadAttempts) + " loads in a row (" + why + ")"));
}

Result<std::shared_ptr<ReaderView>> DirectoryReader::LoadOnce(bool last_attempt,
                                                              std::string* why) {
  // The writer moved under this load: start again, or on the last attempt report it.
  auto again = [&](const Error& e) -> Result<std::shared_ptr<ReaderView>> {
    if (last_attempt) return unexpected(e);
    *why = e.ToString();
    return std::shared_ptr<ReaderView>();
  };
  // 1. The WAL, to its last whole record (a torn tail is not yet visible). An error is a file
  // removed between the listing and its read, or a crashed writer's torn tail that its
  // successor is cutting.
  STRATA_ASSIGN_OR_RETURN(const Fingerprint wal_before, ListLog(kWalDirName));
  auto view = std::make_shared<ReaderView>();
  std::vector<LoggedWrite> writes;
  if (Status s = ReadWal(env_, JoinPath(dir_, kWalDirName), view.get(), &writes); !s) {
    return again(s.error());
  }
  // 2. The catalog: every series the records name was registered before they were written. An
  // error may be a log or index file a checkpoint removed between the listing and its read.
  if (Status s = catalog_->CatchUp(); !s) return again(s.error());
  // 3. The manifests and their segments (an error: e.g. retention removed a shard being read).
  view->router = std::make_shared<ShardRouter>(env_, options_, JoinPath(dir_, kShardsDirName),
                                               catalog_, block_cache_);
  if (Status s = view->router->LoadExisting(); !s) return again(s.error());
  // 4. A shard flushed past the last record read either flushed records written after the WAL was
  // read (the writer moved: start again, or a batch could be torn across shards), or the WAL no
  // longer holds them because every shard flushed them: then the WAL is unchanged since step 1
  // and no manifest changed since step 3, and the state read is the one the writer's recovery
  // would start from. (The manifests are read again after the WAL listing: a batch appended to an
  // empty WAL, flushed everywhere and its file deleted leaves the listing as it was.)
  uint64_t flushed = 0;
  for (const auto& shard : view->router->All()) flushed = std::max(flushed, shard->flushed_lsn());
  if (flushed > view->lsn) {
    STRATA_ASSIGN_OR_RETURN(const Fingerprint wal_after, ListLog(kWalDirName));
    if (wal_after != wal_before) {
      return again(Error::IO("a shard flushed past the WAL read while the WAL changed"));
    }
    if (Status s = SameFlushPoints(*view->router); !s) return again(s.error());
    view->lsn = flushed;
  }
  for (const auto& shard : view->router->All()) {
    // A segment compacted away before it was opened, or damage (reported on the last attempt).
    if (std::optional<Error> damage = shard->Damage(); damage && !last_attempt) {
      return again(*damage);
    }
  }
  // 5. The WAL records each shard has not flushed, into its MemStore (never flushed here).
  const int64_t cutoff =
      options_.retention_ns > 0 ? env_->NowNanos() - options_.retention_ns : INT64_MIN;
  for (const LoggedWrite& w : writes) {
    DecodedWrite decoded;
    STRATA_RETURN_IF_ERROR(CheckWalRecord(w.type, w.lsn, w.payload, *catalog_, windows_, &decoded));
    STRATA_RETURN_IF_ERROR(ReplayWalRecord(decoded, w.lsn, *catalog_, view->router.get(), cutoff,
                                           /*flush_as_it_goes=*/false));
  }
  // A shard the writer created after step 3 was opened by the replay: its manifest, read now,
  // must not be past the view either.
  for (const auto& shard : view->router->All()) {
    if (shard->flushed_lsn() > view->lsn) {
      return again(Error::IO("shard " + shard->dir() + " appeared during the load"));
    }
  }
  return view;
}

Status DirectoryReader::SameFlushPoints(const ShardRouter& router) const {
  for (const auto& shard : router.All()) {
    // No manifest (not yet written, or the shard removed) is a shard that has flushed nothing.
    auto manifest = ReadManifest(env_, JoinPath(shard->dir(), kManifestName));
    if (!manifest && manifest.error().code() != Code::kNotFound) return unexpected(manifest.error());
    const uint64_t flushed_lsn = manifest ? manifest->flushed_lsn : 0;
    if (flushed_lsn != shard->flushed_lsn()) {
      return unexpected(Error::IO("shard " + shard->dir() + " flushed again during the load"));
    }
  }
  return OkStatus();
}

}  // namespace strata
