// FaultyEnv wraps another Env and injects the failures a storage engine must survive, in the manner
// of leveldb's FaultInjectionTestEnv: a failed or short write, a failed sync, a full disk, and the
// loss of unsynced data at a power cut. Faults are armed by the test and fire on
// WritableFile::Append/Sync of any file created or opened through this Env; every other call passes
// straight to the wrapped Env (RandomAccessFile reads too, counted by bytes_read()). The wrapped
// Env must outlive the FaultyEnv, and the FaultyEnv every file it hands out. Thread-safe: all
// methods, and the files' fault checks, may run on any thread.
//
//   FaultyEnv env(Env::Default());
//   env.FailAppend(2);                     // the 2nd append from now fails with EIO, writing
//   nothing env.FailAppend(1, ENOSPC, 10);         // the next append writes 10 bytes, then fails
//   with ENOSPC env.FailSync(1);                       // the next sync fails with EIO
//   env.SetDiskFull(true);                 // every append fails with ENOSPC until cleared
//   env.SetSkipSyncs(true);                // fsyncs become no-ops (fast tests), still tracked
//   env.SetNow(t);                         // NowNanos() returns t (0: the real clock again)
//   ... destroy the writers ...; ASSERT_TRUE(env.DropUnsyncedData());   // power cut
#pragma once

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "env.h"

namespace strata {

class FaultyEnv final : public Env {
 public:
  explicit FaultyEnv(Env* base) : base_(base) {}

  // Arms a one-shot fault: the nth WritableFile::Append from now (1 = the next one), on any file,
  // writes the first `written_prefix` bytes of its data (0: nothing; more: a short write), then
  // returns Error::IO with `errnum` (EIO, ENOSPC, ...). Replaces a pending append fault.
  void FailAppend(int nth, int errnum = EIO, size_t written_prefix = 0) {
    std::lock_guard<std::mutex> lock(mu_);
    append_fault_ = Fault{nth, errnum, written_prefix};
  }

  // Arms a one-shot fault: the nth WritableFile::Sync from now fails with Error::IO(errnum) and
  // makes nothing durable. Replaces a pending sync fault. Directory syncs are not affected.
  void FailSync(int nth, int errnum = EIO) {
    std::lock_guard<std::mutex> lock(mu_);
    sync_fault_ = Fault{nth, errnum, 0};
  }

  // While `full`, every Append fails with ENOSPC and writes nothing.
  void SetDiskFull(bool full) {
    std::lock_guard<std::mutex> lock(mu_);
    disk_full_ = full;
  }

  // While `skip`, Sync and SyncDir return OK without reaching the wrapped Env (syncs are still
  // counted, and the data counts as synced for DropUnsyncedData): for tests whose many fsyncs would
  // otherwise dominate their running time. Armed sync faults still fire.
  void SetSkipSyncs(bool skip) {
    std::lock_guard<std::mutex> lock(mu_);
    skip_syncs_ = skip;
  }

  // Disarms pending faults and clears the disk-full state.
  void ClearFaults() {
    std::lock_guard<std::mutex> lock(mu_);
    append_fault_.reset();
    sync_fault_.reset();
    disk_full_ = false;
  }

  // Simulates a power cut: truncates every file written through this Env to its size at its last
  // successful Sync (a file opened for append counts as synced up to its size then; a created file
  // up to 0). Files are kept even if their directory was never synced. REQUIRES: no file of this
  // Env is written to concurrently or afterwards (destroy the writers first, then reopen).
  [[nodiscard]] Status DropUnsyncedData() {
    std::lock_guard<std::mutex> lock(mu_);
    Status status = OkStatus();
    for (auto& [path, state] : files_) {
      if (state.size <= state.synced || !base_->FileExists(path)) continue;
      if (Status s = base_->Truncate(path, state.synced); !s) {
        if (status) status = s;
        continue;
      }
      state.size = state.synced;
    }
    return status;
  }

  // Calls made through this Env's files since construction, failed ones included.
  int append_count() const {
    std::lock_guard<std::mutex> lock(mu_);
    return append_count_;
  }
  int sync_count() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sync_count_;
  }
  // Bytes requested from RandomAccessFile::Read of files opened through this Env.
  uint64_t bytes_read() const { return bytes_read_.load(); }

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    STRATA_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, base_->NewWritableFile(path));
    {
      std::lock_guard<std::mutex> lock(mu_);
      files_[path] = FileState{};
    }
    return std::unique_ptr<WritableFile>(new File(this, std::move(file)));
  }

  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) override {
    STRATA_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, base_->NewAppendableFile(path));
    {
      std::lock_guard<std::mutex> lock(mu_);
      const uint64_t size = file->Size();
      auto [it, inserted] = files_.try_emplace(path, FileState{size, size});
      if (!inserted) {
        it->second.size = size;
        it->second.synced = std::min(it->second.synced, size);
      }
    }
    return std::unique_ptr<WritableFile>(new File(this, std::move(file)));
  }

  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override {
    STRATA_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file,
                            base_->NewRandomAccessFile(path));
    return std::unique_ptr<RandomAccessFile>(new CountingFile(this, std::move(file)));
  }
  Result<std::string> ReadFile(const std::string& path) override { return base_->ReadFile(path); }
  bool FileExists(const std::string& path) override { return base_->FileExists(path); }
  Result<uint64_t> FileSize(const std::string& path) override { return base_->FileSize(path); }
  Result<std::vector<std::string>> ListDir(const std::string& dir) override {
    return base_->ListDir(dir);
  }
  Status CreateDirs(const std::string& dir) override { return base_->CreateDirs(dir); }

  Status RemoveFile(const std::string& path) override {
    STRATA_RETURN_IF_ERROR(base_->RemoveFile(path));
    std::lock_guard<std::mutex> lock(mu_);
    files_.erase(path);
    return OkStatus();
  }

  Status RemoveDirRecursive(const std::string& dir) override {
    STRATA_RETURN_IF_ERROR(base_->RemoveDirRecursive(dir));
    std::lock_guard<std::mutex> lock(mu_);
    const std::string prefix = dir.ends_with('/') ? dir : dir + "/";
    std::erase_if(files_, [&](const auto& entry) { return entry.first.starts_with(prefix); });
    return OkStatus();
  }

  // The tracked state moves with the file; a replaced target is forgotten.
  Status Rename(const std::string& from, const std::string& to) override {
    STRATA_RETURN_IF_ERROR(base_->Rename(from, to));
    std::lock_guard<std::mutex> lock(mu_);
    auto it = files_.find(from);
    if (it == files_.end()) {
      files_.erase(to);
    } else {
      FileState state = it->second;
      files_.erase(it);
      files_[to] = state;
    }
    return OkStatus();
  }

  Status Truncate(const std::string& path, uint64_t size) override {
    STRATA_RETURN_IF_ERROR(base_->Truncate(path, size));
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = files_.find(path); it != files_.end()) {
      it->second.size = size;
      it->second.synced = std::min(it->second.synced, size);
    }
    return OkStatus();
  }

  Status SyncDir(const std::string& dir) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (skip_syncs_) return OkStatus();
    }
    return base_->SyncDir(dir);
  }
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override {
    return base_->LockFile(path);
  }
  // The clock: `ns` from now on (0: the wrapped Env's again).
  void SetNow(int64_t ns) { now_.store(ns); }
  int64_t NowNanos() override {
    const int64_t now = now_.load();
    return now != 0 ? now : base_->NowNanos();
  }

 private:
  struct Fault {
    int nth;  // fires when this counts down to 0
    int errnum;
    size_t written_prefix;
  };
  struct FileState {
    uint64_t size = 0;    // bytes written
    uint64_t synced = 0;  // bytes that survive DropUnsyncedData
  };

  class File final : public WritableFile {
   public:
    File(FaultyEnv* env, std::unique_ptr<WritableFile> base) : env_(env), base_(std::move(base)) {}

    Status Append(std::string_view data) override {
      size_t prefix = 0;
      std::optional<Error> fault = env_->TakeAppendFault(base_->path(), data.size(), &prefix);
      if (!fault) {
        Status s = base_->Append(data);
        env_->Written(base_->path(), base_->Size());
        return s;
      }
      if (prefix > 0) {
        (void)base_->Append(data.substr(0, prefix));
        env_->Written(base_->path(), base_->Size());
      }
      return unexpected(*fault);
    }

    Status Sync() override {
      const uint64_t size = base_->Size();
      bool skip = false;
      if (std::optional<Error> fault = env_->TakeSyncFault(base_->path(), &skip)) {
        return unexpected(*fault);
      }
      if (!skip) STRATA_RETURN_IF_ERROR(base_->Sync());
      env_->Synced(base_->path(), size);
      return OkStatus();
    }

    Status Close() override { return base_->Close(); }
    uint64_t Size() const override { return base_->Size(); }
    const std::string& path() const override { return base_->path(); }

   private:
    FaultyEnv* const env_;
    std::unique_ptr<WritableFile> base_;
  };

  class CountingFile final : public RandomAccessFile {
   public:
    CountingFile(FaultyEnv* env, std::unique_ptr<RandomAccessFile> base)
        : env_(env), base_(std::move(base)) {}
    Status Read(uint64_t offset, size_t n, char* dst) const override {
      env_->bytes_read_ += n;
      return base_->Read(offset, n, dst);
    }
    uint64_t Size() const override { return base_->Size(); }
    const std::string& path() const override { return base_->path(); }

   private:
    FaultyEnv* const env_;
    std::unique_ptr<RandomAccessFile> base_;
  };

  // Counts one Append of `size` bytes to `path`; returns the error to inject, if any, and the bytes
  // to write before it in *prefix.
  std::optional<Error> TakeAppendFault(const std::string& path, size_t size, size_t* prefix) {
    std::lock_guard<std::mutex> lock(mu_);
    append_count_++;
    if (disk_full_) return Error::IO("write " + path + " (injected)", ENOSPC);
    if (!append_fault_ || --append_fault_->nth > 0) return std::nullopt;
    const Fault fault = *append_fault_;
    append_fault_.reset();
    *prefix = std::min(size, fault.written_prefix);
    return Error::IO("write " + path + " (injected)", fault.errnum);
  }

  // Counts one Sync of `path`; returns the error to inject, if any, and sets *skip when the sync
  // should not reach the wrapped Env.
  std::optional<Error> TakeSyncFault(const std::string& path, bool* skip) {
    std::lock_guard<std::mutex> lock(mu_);
    sync_count_++;
    *skip = skip_syncs_;
    if (!sync_fault_ || --sync_fault_->nth > 0) return std::nullopt;
    const int errnum = sync_fault_->errnum;
    sync_fault_.reset();
    return Error::IO("fdatasync " + path + " (injected)", errnum);
  }

  void Written(const std::string& path, uint64_t size) {
    std::lock_guard<std::mutex> lock(mu_);
    files_[path].size = size;
  }

  void Synced(const std::string& path, uint64_t size) {
    std::lock_guard<std::mutex> lock(mu_);
    FileState& state = files_[path];
    state.synced = std::max(state.synced, size);
  }

  Env* const base_;
  std::atomic<int64_t> now_{0};  // SetNow; 0: base_'s clock
  mutable std::mutex mu_;
  std::optional<Fault> append_fault_;       // GUARDED_BY(mu_)
  std::optional<Fault> sync_fault_;         // GUARDED_BY(mu_)
  bool disk_full_ = false;                  // GUARDED_BY(mu_)
  bool skip_syncs_ = false;                 // GUARDED_BY(mu_)
  int append_count_ = 0;                    // GUARDED_BY(mu_)
  int sync_count_ = 0;                      // GUARDED_BY(mu_)
  std::map<std::string, FileState> files_;  // GUARDED_BY(mu_); every file written through this Env
  std::atomic<uint64_t> bytes_read_{0};
};

}  // namespace strata
