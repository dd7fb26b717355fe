// The manifest is a shard's durable list of live segment files (with their level, time range and
// the newest WAL LSN each holds), its delete tombstones, the LSN up to which the WAL has been
// flushed, and the next segment ID to hand out. It is replaced atomically as a whole: written to
// `path + ".tmp"`, fsynced, renamed over `path`, directory fsynced (Env::WriteFileAtomically), so
// after a crash a shard holds either the old or the new manifest, never a mix.
//
// Format (binary, little-endian; v = LEB128 varint, z = zigzag varint, s = varint length + bytes):
//   magic u64 = "STRATAMF" | version u32 = 1
//   | flushed_lsn v | next_segment_id v
//   | segment count v | per segment: id v | file s | level v | min_time z | max_time z | max_lsn v
//                                    | point_count v | file_bytes v
//   | tombstone count v | per tombstone: series_id v | min_time z | max_time z | lsn v
//   | CRC-32 u32 of every byte before it
// Invariants, checked on write (Invalid) and read (Corrupt): segment IDs are unique and below
// next_segment_id; file names are plain names (no '/', NUL, "." or ".."), at most 255 bytes;
// level < kMaxLevels; tombstone min_time <= max_time.
// Stateless functions, thread-safe; callers serialize writers of one path.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "env.h"
#include "result.h"

namespace strata {

inline constexpr int kMaxLevels = 64;

struct ManifestSegment {
  uint64_t id;
  std::string file;            // name inside the shard directory, normally SegmentFileName(id)
  int level = 0;               // 0 = flushed from a MemStore; higher = compacted
  int64_t min_time, max_time;  // inclusive; INT64_MAX / INT64_MIN for a segment with no series
  uint64_t max_lsn;            // newest WAL LSN whose points the segment holds
  uint64_t point_count;
  uint64_t file_bytes;
  bool operator==(const ManifestSegment&) const = default;
};

// Deletes the points of `series_id` with min_time <= time <= max_time held by sources older than
// the delete, i.e. segments with max_lsn < lsn (and MemStore points written before lsn).
struct Tombstone {
  uint64_t series_id;
  int64_t min_time, max_time;  // inclusive
  uint64_t lsn;
  bool operator==(const Tombstone&) const = default;
};

struct Manifest {
  uint64_t flushed_lsn = 0;  // every WAL record with LSN <= this is in a listed segment
  uint64_t next_segment_id = 1;
  std::vector<ManifestSegment> segments;
  std::vector<Tombstone> tombstones;
  bool operator==(const Manifest&) const = default;
};

// "seg-<16 lowercase hex digits of id>.sst".
std::string SegmentFileName(uint64_t id);

// NotFound when `path` does not exist; Corrupt (naming the file) when it is damaged; IO otherwise.
[[nodiscard]] Result<Manifest> ReadManifest(Env* env, const std::string& path);

// Atomically replaces `path` with `m`. Invalid (nothing written) when `m` breaks an invariant
// above.
[[nodiscard]] Status WriteManifest(Env* env, const std::string& path, const Manifest& m);

}  // namespace strata
