// A Wal is a log of CRC-framed records in a directory of numbered log files (format in
// wal_format.h). A data directory has two: its write-ahead log (`wal/`, one for all its shards, so
// a batch spanning shards is one record) and its catalog log (`catalog/`). The Wal is the mechanism
// only: its owner assigns LSNs, groups commits and decides when to Sync(); the Wal appends, starts
// a new file when the active one reaches `file_bytes`, replays, truncates a torn tail and deletes
// files whose records are all flushed.
//
// Invariant kept on disk: only the newest file can end in a torn tail. A file is fdatasync'ed
// before the next one is created (rotation), and after Replay() new records go to a new file, never
// after a tail that may have been truncated.
//
// Errors are sticky: once an Append, Sync or Rotate has failed, a partial record may sit at the end
// of the active file and the page cache state is unknown, so every later Append/Sync/Rotate returns
// that first error. The engine reports it; reopening the Wal (Replay truncates the partial record)
// is the way back.
//
// All file access goes through the Env. Not thread-safe: one thread at a time (the engine
// serialises access). The Wal owns its open file; the Env must outlive it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "env.h"
#include "result.h"
#include "wal_format.h"

namespace strata {

struct WalReplayStats {
  uint64_t records = 0;          // records passed to the callback
  uint64_t files = 0;            // files read
  uint64_t last_lsn = 0;         // largest LSN read
  std::string truncated_file;    // path of the file that ends in a torn tail; empty if none
  uint64_t truncated_at = 0;     // where the torn tail starts: the file's size once truncated
  uint64_t truncated_bytes = 0;  // bytes of the torn tail
};

class Wal {
 public:
  using ReplayFn =
      std::function<Status(WalRecordType type, uint64_t lsn, std::string_view payload)>;

  // Opens the log in `dir`, creating the directory if missing. Lists the files but does not read
  // them. Error::Invalid if file_bytes is 0; IO errors from the Env.
  [[nodiscard]] static Result<std::unique_ptr<Wal>> Open(Env* env, std::string dir,
                                                         uint64_t file_bytes);

  ~Wal();
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;

  // Calls fn(type, lsn, payload) for every record of every file, oldest file first; `payload` is
  // valid during the call only. Changes no file: a torn tail of the newest file is reported in the
  // stats (FinishReplay truncates it). Corruption stops the replay with Error::Corrupt naming the
  // file and byte offset; fn is not called for that record or any after it. An error returned by
  // fn stops the replay and is returned; a Corrupt one with the file and offset of the record
  // put before its message. May be called again (a caller that validates every
  // record before it applies any reads the log twice). REQUIRES: no Append yet (Invalid
  // otherwise). A crash between a DeleteObsolete() and its directory fsync can bring deleted files
  // back, so the caller must skip records whose LSN is already flushed.
  [[nodiscard]] Result<WalReplayStats> Replay(const ReplayFn& fn);
  // Ends recovery: truncates the torn tail the last Replay found (durably; the newest file is
  // fdatasync'ed either way, as it may hold unsynced writes of a crashed process) and lets Append
  // start. REQUIRES: a successful Replay (Invalid otherwise). Remembers each file's largest LSN for
  // DeleteObsolete().
  [[nodiscard]] Status FinishReplay();

  // Reads every record of the log in `dir` as Replay does, without opening it for writing: for
  // `strata verify` and `strata repair`, which must not change a directory they check. NotFound
  // when `dir` does not exist.
  [[nodiscard]] static Result<WalReplayStats> Read(Env* env, const std::string& dir,
                                                   const ReplayFn& fn);

  // Appends one record to the active file with write(2) only; durability needs Sync(). Opens a new
  // file first when there is no active one (at the first Append after Open/Replay/Rotate) or the
  // active one has reached file_bytes; the file being left is fdatasync'ed then (see the
  // invariant above), so an Append that rotates costs one fdatasync.
  // REQUIRES: Replay() was called if the directory held WAL files at Open.
  // Error::Invalid (nothing written, not sticky) for an unknown type, a payload over
  // kWalMaxPayloadSize, an LSN below the previous record's, or a missing Replay(); IO errors are
  // sticky (see above).
  [[nodiscard]] Status Append(WalRecordType type, uint64_t lsn, std::string_view payload);
  // The same record with its payload given as the concatenation of `payload_pieces`, without
  // copying large pieces.
  [[nodiscard]] Status Append(WalRecordType type, uint64_t lsn,
                              std::span<const std::string_view> payload_pieces);

  // Makes every record appended so far durable: fdatasync of the active file if it has unsynced
  // data, plus an fsync of the directory if a file was created since the last Sync. A no-op when
  // nothing is pending. Errors are sticky.
  [[nodiscard]] Status Sync();

  // Closes the active file (fdatasync'ing it first if it has unsynced data); the next Append starts
  // a new file. A no-op without an active file. Errors are sticky.
  [[nodiscard]] Status Rotate();

  // Deletes every file other than the active one whose records all have lsn <= flushed_lsn (files
  // without records included), then fsyncs the directory if anything was deleted. Files found at
  // Open are only candidates once Replay() has read them. Allowed after a sticky error.
  [[nodiscard]] Status DeleteObsolete(uint64_t flushed_lsn);

  // Bytes in all files of the log, including the active file's unsynced appends.
  uint64_t total_bytes() const;
  // Number of files, the active one included.
  size_t file_count() const;
  const std::string& dir() const { return dir_; }

 private:
  struct FileInfo {
    uint64_t number = 0;
    std::string path;
    uint64_t size = 0;       // bytes
    uint64_t max_lsn = 0;    // largest LSN in the file; 0 when it holds no record
    bool lsn_known = false;  // false for files found at Open until Replay() reads them
  };

  Wal(Env* env, std::string dir, uint64_t file_bytes);

  [[nodiscard]] Status OpenNewFile();
  // fdatasync (if needed) and close the active file.
  [[nodiscard]] Status CloseActive();
  // Records `error` as the sticky error and returns it.
  [[nodiscard]] Status Fail(Error error);
  [[nodiscard]] Status CheckUsable() const;
  [[nodiscard]] Status WriteRecord(WalRecordType type, uint64_t lsn,
                                   std::span<const std::string_view> payload_pieces,
                                   size_t payload_size);
  // Truncates `path` to `size` if `truncate`, then fdatasyncs it.
  [[nodiscard]] Status TruncateAndSync(const std::string& path, bool truncate, uint64_t size);
  // Replay over `files`, setting each one's max_lsn and lsn_known.
  static Result<WalReplayStats> ReadFiles(Env* env, std::vector<FileInfo>* files,
                                          const ReplayFn& fn);

  Env* const env_;
  const std::string dir_;
  const uint64_t file_bytes_;  // a file this large is closed and the next begun
  std::vector<FileInfo> files_;  // oldest first; the active file, if any, is the last
  std::unique_ptr<WritableFile> active_;
  uint64_t active_synced_size_ = 0;  // bytes of the active file made durable
  uint64_t next_number_ = 1;
  uint64_t last_lsn_ = 0;      // largest LSN replayed or appended
  bool needs_replay_ = false;  // the directory held WAL files at Open
  std::optional<WalReplayStats> replay_;  // the last successful Replay()
  bool replayed_ = false;                 // FinishReplay() succeeded
  bool appended_ = false;
  bool dir_dirty_ = false;      // a file was created since the last directory fsync
  std::optional<Error> error_;  // sticky
  std::string buffer_;          // record header plus small payload pieces, written in one go
};

}  // namespace strata
