// The on-disk format of a log (Wal, wal.h): the single source of truth for its byte layout and file
// naming, used by a data directory's write-ahead log (`wal/`) and its catalog log (`catalog/`). The
// writer (Wal) and WalReader share these constants; nothing else may assume the layout.
//
// A WAL is a directory of files named `wal-<16 lower-case hex digits>.log` (the file number,
// starting at 1 and increasing; a higher number holds newer records). Other names in the directory
// are ignored. A file has no header: it is a run of records from offset 0 to its end.
//
//   record (all integers little-endian):
//   +------------+------------+---------+------------+------------------------------+
//   | length u32 | crc u32    | type u8 | lsn u64    | payload (length - 9 bytes)   |
//   +------------+------------+---------+------------+------------------------------+
//   0            4            8         9            17                   8 + length
//
//   length   bytes after the crc field: 9 + payload size, with 9 <= length <= kWalMaxRecordLength.
//   crc      CRC-32 (zlib polynomial, crc32.h) of those `length` bytes: type, lsn and payload.
//            The length field itself is not covered; a damaged length shows up as a crc mismatch, a
//            record past the end of the file, or an out-of-range length.
//   type     a WalRecordType (1, kWrite; 2 was reserved for deletes, which travel inside write
//            records, and was never written); any other value in a crc-valid record is corruption.
//   lsn      log sequence number assigned by the engine, non-decreasing within a WAL.
//   payload  opaque to the log (a write record, wal_entry.h, or a catalog record, catalog.h).
//
// Only the last file of a WAL may end in a torn tail (a record cut short by a crash, zeros, or a
// final record whose crc fails with no valid record after it); the reader reports where it starts
// and the WAL truncates the file there. Any other defect is corruption. The format is versioned by
// the record types: an incompatible change would add a new type (old readers then report corruption
// rather than misread it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace strata {

enum class WalRecordType : uint8_t {
  kWrite = 1,
};

inline constexpr bool IsKnownWalRecordType(uint8_t type) {
  return type == static_cast<uint8_t>(WalRecordType::kWrite);
}

inline constexpr size_t kWalLengthOffset = 0;
inline constexpr size_t kWalCrcOffset = 4;
inline constexpr size_t kWalTypeOffset = 8;  // first byte covered by the crc
inline constexpr size_t kWalLsnOffset = 9;
inline constexpr size_t kWalPayloadOffset = 17;
// Bytes of a record before its payload.
inline constexpr size_t kWalHeaderSize = kWalPayloadOffset;
// Bytes not counted by `length` (the length and crc fields).
inline constexpr size_t kWalFramingSize = kWalTypeOffset;
// Smallest `length`: type + lsn, empty payload.
inline constexpr uint32_t kWalMinRecordLength = kWalHeaderSize - kWalFramingSize;
// Largest `length` a writer produces and a reader accepts (1 GiB).
inline constexpr uint32_t kWalMaxRecordLength = uint32_t{1} << 30;
inline constexpr size_t kWalMaxPayloadSize = kWalMaxRecordLength - kWalMinRecordLength;

inline constexpr std::string_view kWalFilePrefix = "wal-";
inline constexpr std::string_view kWalFileSuffix = ".log";
inline constexpr size_t kWalFileNumberDigits = 16;

// "wal-000000000000002a.log" for 42.
inline std::string WalFileName(uint64_t number) {
  char buf[kWalFileNumberDigits + 1];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(number));
  std::string name(kWalFilePrefix);
  name.append(buf, kWalFileNumberDigits);
  name.append(kWalFileSuffix);
  return name;
}

// The file number of a WAL file name, or false when `name` is not exactly a WalFileName().
inline bool ParseWalFileName(std::string_view name, uint64_t* number) {
  if (name.size() != kWalFilePrefix.size() + kWalFileNumberDigits + kWalFileSuffix.size() ||
      !name.starts_with(kWalFilePrefix) || !name.ends_with(kWalFileSuffix)) {
    return false;
  }
  uint64_t n = 0;
  for (char c : name.substr(kWalFilePrefix.size(), kWalFileNumberDigits)) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else {
      return false;
    }
    n = (n << 4) | static_cast<uint64_t>(digit);
  }
  *number = n;
  return true;
}

}  // namespace strata
