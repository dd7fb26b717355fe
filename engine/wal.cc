#include "wal.h"

#include <algorithm>
#include <utility>

#include "coding.h"
#include "crc32.h"
#include "wal_reader.h"

namespace strata {
namespace {

// Payload pieces up to this size are copied next to the record header so that a typical record goes
// out in one write(2); larger pieces are written straight from the caller's memory.
constexpr size_t kMaxBufferedBytes = 64 << 10;

struct ListedFile {
  uint64_t number;
  std::string path;
};

// The WAL files of `dir`, oldest first.
Result<std::vector<ListedFile>> ListWalFiles(Env* env, const std::string& dir) {
  STRATA_ASSIGN_OR_RETURN(std::vector<std::string> names, env->ListDir(dir));
  std::vector<ListedFile> files;
  for (const std::string& name : names) {
    uint64_t number;
    if (ParseWalFileName(name, &number)) files.push_back({number, JoinPath(dir, name)});
  }
  std::sort(files.begin(), files.end(),
            [](const ListedFile& a, const ListedFile& b) { return a.number < b.number; });
  return files;
}

std::string StripTrailingSlashes(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

}  // namespace

Wal::Wal(Env* env, std::string dir, uint64_t file_bytes)
    : env_(env), dir_(std::move(dir)), file_bytes_(file_bytes) {}

Wal::~Wal() {
  if (active_) (void)active_->Close();  // nothing to report to; appends are durable only via Sync
}

Result<std::unique_ptr<Wal>> Wal::Open(Env* env, std::string dir, uint64_t file_bytes) {
  if (file_bytes == 0) return unexpected(Error::Invalid("wal file size must be positive"));
  dir = StripTrailingSlashes(std::move(dir));
  const bool existed = env->FileExists(dir);
  STRATA_RETURN_IF_ERROR(env->CreateDirs(dir));
  if (!existed) STRATA_RETURN_IF_ERROR(env->SyncDir(DirName(dir)));
  STRATA_ASSIGN_OR_RETURN(std::vector<ListedFile> found, ListWalFiles(env, dir));

  std::unique_ptr<Wal> wal(new Wal(env, dir, file_bytes));
  for (ListedFile& f : found) {
    STRATA_ASSIGN_OR_RETURN(uint64_t size, env->FileSize(f.path));
    wal->files_.push_back(
        FileInfo{.number = f.number, .path = std::move(f.path), .size = size, .lsn_known = false});
  }
  if (!wal->files_.empty()) {
    wal->next_number_ = wal->files_.back().number + 1;
    wal->needs_replay_ = true;
  }
  return wal;
}

Result<WalReplayStats> Wal::ReadFiles(Env* env, std::vector<FileInfo>* files,
                                      const ReplayFn& fn) {
  WalReplayStats stats;
  for (size_t i = 0; i < files->size(); i++) {
    FileInfo& file = (*files)[i];
    const bool last = i + 1 == files->size();
    STRATA_ASSIGN_OR_RETURN(const std::string data, env->ReadFile(file.path));
    WalReader reader(file.path, data, last);
    WalRecord record;
    uint64_t max_lsn = 0;
    for (;;) {
      STRATA_ASSIGN_OR_RETURN(const bool more, reader.Next(&record));
      if (!more) break;
      if (Status st = fn(record.type, record.lsn, record.payload); !st) {
        if (st.error().code() != Code::kCorrupt) return unexpected(st.error());
        return unexpected(Error::Corrupt(file.path, record.offset, st.error().message()));
      }
      stats.records++;
      max_lsn = std::max(max_lsn, record.lsn);
    }
    stats.files++;
    file.max_lsn = max_lsn;
    file.lsn_known = true;
    file.size = data.size();
    stats.last_lsn = std::max(stats.last_lsn, max_lsn);
    if (last && reader.torn_tail()) {
      stats.truncated_file = file.path;
      stats.truncated_at = reader.valid_end();
      stats.truncated_bytes = data.size() - reader.valid_end();
    }
  }
  return stats;
}

Result<WalReplayStats> Wal::Replay(const ReplayFn& fn) {
  if (appended_ || replayed_) {
    return unexpected(
        Error::Invalid("wal " + dir_ + ": Replay must come before FinishReplay and Append"));
  }
  replay_.reset();
  STRATA_ASSIGN_OR_RETURN(WalReplayStats stats, ReadFiles(env_, &files_, fn));
  replay_ = stats;
  return stats;
}

Status Wal::FinishReplay() {
  if (!replay_ || replayed_) {
    return unexpected(Error::Invalid("wal " + dir_ + ": FinishReplay needs a successful Replay"));
  }
  last_lsn_ = std::max(last_lsn_, replay_->last_lsn);
  if (!files_.empty()) {
    // Either way the newest file is made durable before any newer file can exist: its tail may be
    // unsynced writes of a crashed process.
    FileInfo& newest = files_.back();
    const bool torn = !replay_->truncated_file.empty();
    if (torn) newest.size = replay_->truncated_at;
    STRATA_RETURN_IF_ERROR(TruncateAndSync(newest.path, torn, newest.size));
  }
  replayed_ = true;
  return OkStatus();
}

Result<WalReplayStats> Wal::Read(Env* env, const std::string& dir, const ReplayFn& fn) {
  if (!env->FileExists(dir)) return unexpected(Error::NotFound("no WAL directory " + dir));
  STRATA_ASSIGN_OR_RETURN(std::vector<ListedFile> found, ListWalFiles(env, dir));
  std::vector<FileInfo> files;
  for (ListedFile& f : found) files.push_back(FileInfo{.number = f.number, .path = std::move(f.path)});
  return ReadFiles(env, &files, fn);
}

Status Wal::TruncateAndSync(const std::string& path, bool truncate, uint64_t size) {
  if (truncate) STRATA_RETURN_IF_ERROR(env_->Truncate(path, size));
  STRATA_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, env_->NewAppendableFile(path));
  STRATA_RETURN_IF_ERROR(file->Sync());
  return file->Close();
}

Status Wal::Append(WalRecordType type, uint64_t lsn, std::string_view payload) {
  return Append(type, lsn, std::span<const std::string_view>(&payload, 1));
}

Status Wal::Append(WalRecordType type, uint64_t lsn,
                   std::span<const std::string_view> payload_pieces) {
  STRATA_RETURN_IF_ERROR(CheckUsable());
  if (needs_replay_ && !replayed_) {
    return unexpected(Error::Invalid("wal " + dir_ + ": Append before FinishReplay"));
  }
  if (!IsKnownWalRecordType(static_cast<uint8_t>(type))) {
    return unexpected(Error::Invalid("wal " + dir_ + ": unknown record type " +
                                     std::to_string(static_cast<int>(type))));
  }
  size_t payload_size = 0;
  for (std::string_view piece : payload_pieces) {
    if (piece.size() > kWalMaxPayloadSize - payload_size) {
      return unexpected(Error::Invalid("wal " + dir_ + ": record payload over " +
                                       std::to_string(kWalMaxPayloadSize) + " bytes"));
    }
    payload_size += piece.size();
  }
  if (lsn < last_lsn_) {
    return unexpected(Error::Invalid("wal " + dir_ + ": lsn " + std::to_string(lsn) +
                                     " is below the previous record's " +
                                     std::to_string(last_lsn_)));
  }
  appended_ = true;
  if (!active_ || active_->Size() >= file_bytes_) STRATA_RETURN_IF_ERROR(OpenNewFile());
  STRATA_RETURN_IF_ERROR(WriteRecord(type, lsn, payload_pieces, payload_size));
  FileInfo& file = files_.back();
  file.size = active_->Size();
  file.max_lsn = lsn;
  last_lsn_ = lsn;
  return OkStatus();
}

Status Wal::WriteRecord(WalRecordType type, uint64_t lsn,
                        std::span<const std::string_view> payload_pieces, size_t payload_size) {
  buffer_.clear();
  PutFixed32(&buffer_, static_cast<uint32_t>(kWalMinRecordLength + payload_size));
  PutFixed32(&buffer_, 0);  // crc, filled in below
  PutFixed8(&buffer_, static_cast<uint8_t>(type));
  PutFixed64(&buffer_, lsn);
  uint32_t crc = Crc32(buffer_.data() + kWalTypeOffset, size_t{kWalMinRecordLength});
  for (std::string_view piece : payload_pieces) crc = Crc32(piece, crc);
  EncodeFixed32(buffer_.data() + kWalCrcOffset, crc);

  for (std::string_view piece : payload_pieces) {
    if (buffer_.size() + piece.size() <= kMaxBufferedBytes) {
      buffer_.append(piece);
      continue;
    }
    if (!buffer_.empty()) {
      if (Status s = active_->Append(buffer_); !s) return Fail(s.error());
      buffer_.clear();
    }
    if (piece.size() <= kMaxBufferedBytes) {
      buffer_.append(piece);
    } else if (Status s = active_->Append(piece); !s) {
      return Fail(s.error());
    }
  }
  if (!buffer_.empty()) {
    if (Status s = active_->Append(buffer_); !s) return Fail(s.error());
  }
  return OkStatus();
}

Status Wal::OpenNewFile() {
  if (active_) STRATA_RETURN_IF_ERROR(CloseActive());
  const uint64_t number = next_number_;
  std::string path = JoinPath(dir_, WalFileName(number));
  // A failed create wrote no record: the Wal stays usable.
  STRATA_ASSIGN_OR_RETURN(active_, env_->NewWritableFile(path));
  next_number_++;
  active_synced_size_ = 0;
  dir_dirty_ = true;
  files_.push_back(FileInfo{.number = number, .path = std::move(path), .lsn_known = true});
  return OkStatus();
}

Status Wal::CloseActive() {
  if (active_->Size() > active_synced_size_) {
    if (Status s = active_->Sync(); !s) return Fail(s.error());
  }
  Status s = active_->Close();
  active_.reset();
  if (!s) return Fail(s.error());
  return OkStatus();
}

Status Wal::Sync() {
  STRATA_RETURN_IF_ERROR(CheckUsable());
  if (active_ && active_->Size() > active_synced_size_) {
    if (Status s = active_->Sync(); !s) return Fail(s.error());
    active_synced_size_ = active_->Size();
  }
  if (dir_dirty_) {
    if (Status s = env_->SyncDir(dir_); !s) return Fail(s.error());
    dir_dirty_ = false;
  }
  return OkStatus();
}

Status Wal::Rotate() {
  STRATA_RETURN_IF_ERROR(CheckUsable());
  if (active_) return CloseActive();
  return OkStatus();
}

Status Wal::DeleteObsolete(uint64_t flushed_lsn) {
  const size_t deletable = active_ ? files_.size() - 1 : files_.size();
  std::vector<FileInfo> kept;
  bool removed = false;
  Status status = OkStatus();
  for (size_t i = 0; i < files_.size(); i++) {
    FileInfo& file = files_[i];
    const bool obsolete = i < deletable && file.lsn_known && file.max_lsn <= flushed_lsn;
    if (obsolete && status) {
      status = env_->RemoveFile(file.path);
      if (status) {
        removed = true;
        continue;
      }
    }
    kept.push_back(std::move(file));
  }
  files_ = std::move(kept);
  if (removed) {
    if (Status s = env_->SyncDir(dir_); !s && status) status = s;
  }
  return status;
}

uint64_t Wal::total_bytes() const {
  uint64_t total = 0;
  for (const FileInfo& file : files_) total += file.size;
  return total;
}

size_t Wal::file_count() const { return files_.size(); }

Status Wal::Fail(Error error) {
  error_ = std::move(error);
  return unexpected(*error_);
}

Status Wal::CheckUsable() const {
  if (error_) {
    return unexpected(
        Error(error_->code(),
              "wal " + dir_ + " refuses writes after an earlier failure: " + error_->message()));
  }
  return OkStatus();
}

}  // namespace strata
