// A WalReader decodes the records of one WAL file (layout in wal_format.h) from a buffer holding
// the whole file, in order, checking each record's length and crc. It applies the torn-tail rule:
// in the last file of a WAL, a defective record with no valid record anywhere after it (a record
// cut short, a zero-filled tail, a final record whose crc fails) ends the file cleanly and is
// reported through torn_tail(), so the caller can truncate the file there. Every other defect —
// anything in a non-last file, a defect followed by a valid record, a crc-valid record of unknown
// type — is an Error::Corrupt naming the file and the byte offset of the bad record. Telling a torn
// tail from damage means searching the rest of the file for a valid record; on pathological content
// where that search would cost more than a few times a linear pass, the defect is reported as
// Corrupt. The reader borrows the buffer, which must outlive it and the record views it hands out.
// Never reads outside the buffer, whatever its content. One thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "result.h"
#include "wal_format.h"

namespace strata {

struct WalRecord {
  WalRecordType type = WalRecordType::kWrite;
  uint64_t lsn = 0;
  std::string_view payload;  // points into the reader's buffer
  uint64_t offset = 0;       // of the record's first byte in the file
};

class WalReader {
 public:
  // `path` only names the file in errors. `last_file`: whether this is the newest file of its WAL,
  // the only one allowed to end in a torn tail.
  WalReader(std::string path, std::string_view data, bool last_file);

  WalReader(const WalReader&) = delete;
  WalReader& operator=(const WalReader&) = delete;

  // Reads the next record into *record. Returns true on a record, false at the end of the file (a
  // clean end, or a torn tail: see torn_tail()), or Error::Corrupt. After false or an error, every
  // later call returns the same.
  [[nodiscard]] Result<bool> Next(WalRecord* record);

  // Offset just past the last record returned: where the valid part of the file ends.
  uint64_t valid_end() const { return pos_; }
  // True once Next() has returned false because the file ends in a torn tail starting at
  // valid_end(); the file's bytes from there on should be truncated away.
  bool torn_tail() const { return torn_tail_; }

 private:
  enum class Scan { kFound, kNone, kUndecided };

  // nullptr when the header at `offset` is complete and its length in range and inside the buffer,
  // setting *length; otherwise a description of the defect.
  const char* CheckFraming(size_t offset, uint32_t* length) const;
  // REQUIRES: CheckFraming(offset) succeeded with `length`.
  bool CrcMatches(size_t offset, uint32_t length) const;
  // Whether a crc-valid record of a known type starts anywhere in (offset, end of buffer);
  // kUndecided when the search would cost more than a fixed multiple of the bytes searched.
  Scan ValidRecordAfter(size_t offset) const;

  const std::string path_;
  const std::string_view data_;
  const bool last_file_;
  size_t pos_ = 0;
  bool done_ = false;
  bool torn_tail_ = false;
  std::optional<Error> error_;
};

}  // namespace strata
