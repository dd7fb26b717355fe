// Env is the engine's only door to the file system and the clock, in the manner of leveldb's Env: the
// engine never calls open/write/fsync itself, so tests can substitute a FaultyEnv that fails the Nth
// write or sync, makes short writes or forgets unsynced data. Env::Default() is the POSIX one and
// lives for the whole process. Env methods are thread-safe; each file object is one-thread-at-a-time
// unless its comment says otherwise.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "result.h"

namespace strata {

// An append-only file being written.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::string_view data) = 0;
  // Makes everything appended so far durable (fdatasync).
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
  // Bytes appended plus the size the file had when opened.
  virtual uint64_t Size() const = 0;
  virtual const std::string& path() const = 0;
};

// A file read at arbitrary offsets. Thread-safe (pread).
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads exactly n bytes at offset into dst. A file shorter than offset + n gives a Corrupt error
  // naming the file: only immutable files are read this way, so a short file is a damaged one.
  virtual Status Read(uint64_t offset, size_t n, char* dst) const = 0;
  virtual uint64_t Size() const = 0;
  virtual const std::string& path() const = 0;
  // Gives this open file the extra name `to` (a hard link to the very file opened, even if its
  // own name has since been removed or reused: a backup links the segments it pinned). Fails when
  // the file system cannot (another device, no hard links, the file has no name left); the
  // caller then copies. The default cannot.
  virtual Status LinkTo(const std::string& to) const;
};

// An exclusive advisory lock (flock) on a file, released on destruction.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class Env {
 public:
  virtual ~Env() = default;
  static Env* Default();

  // Creates (or truncates) a file for writing.
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) = 0;
  // Opens an existing file to append at its end.
  virtual Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) = 0;
  virtual Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) = 0;
  virtual Result<std::string> ReadFile(const std::string& path) = 0;

  virtual bool FileExists(const std::string& path) = 0;
  virtual Result<uint64_t> FileSize(const std::string& path) = 0;
  // Names in `dir`, without "." and "..", in no particular order.
  virtual Result<std::vector<std::string>> ListDir(const std::string& dir) = 0;
  virtual Status CreateDirs(const std::string& dir) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  virtual Status RemoveDirRecursive(const std::string& dir) = 0;
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  virtual Status Truncate(const std::string& path, uint64_t size) = 0;
  // fsyncs a directory, making renames and creations in it durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  // Takes an exclusive lock on `path` (created if missing). Code::kLocked when another process, or
  // another lock object of this process, holds it; Code::kReadOnly when the file cannot be
  // created or opened to write (read-only storage, no permission).
  virtual Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) = 0;

  virtual int64_t NowNanos() = 0;

  // Writes `data` to `path` so that after a crash the file holds either its old content or all of
  // `data`: write to path + ".tmp", fsync, rename, fsync the directory.
  Status WriteFileAtomically(const std::string& path, std::string_view data);
};

// "a/b" + "c" -> "a/b/c".
std::string JoinPath(const std::string& dir, const std::string& name);
// Everything before the last '/', or "." when there is none.
std::string DirName(const std::string& path);

}  // namespace strata
