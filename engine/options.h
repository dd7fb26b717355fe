// Options of one data directory (engine/README.md, section 6) and the parser of their text form
// "k=v;k=v", the form strata_open() and the SQLite module's table arguments take. Options is a
// plain value: copy it freely. `env` is borrowed: the Env must outlive every engine opened with
// these options. The parse functions are stateless and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "env.h"
#include "result.h"

namespace strata {

enum class SyncMode { kFull, kNormal, kOff };

// How an open treats the directory's LOCK (engine/README.md, section 12). kWriter: take it (another
// process holding it is Locked; storage that refuses it is ReadOnly). kReader: never take it;
// follow the directory another process may be writing, refusing writes (ReadOnly). kAuto: a writer
// when the lock can be had, else a reader.
enum class OpenMode { kWriter, kReader, kAuto };
// "0", "1", "auto": the text form of the read_only option.
const char* OpenModeName(OpenMode mode);

// "full", "normal", "off".
const char* SyncModeName(SyncMode mode);

struct Options {
  SyncMode sync = SyncMode::kFull;
  int64_t sync_interval_ms = 1000;        // sync=normal: fsync at most this often; 1..3600000
  uint64_t memstore_bytes = 64ull << 20;  // a shard's MemStore is frozen and flushed at this size
  uint64_t wal_segment_bytes = 64ull << 20;        // WAL files rotate at this size
  // Time window of one shard. It lays out a data directory's files, so it is the directory's: 0
  // takes the one it was created with (kDefaultShardDurationNs for a new one); another value must
  // equal it (StorageEngine::Open).
  int64_t shard_duration_ns = 0;
  int64_t retention_ns = 0;                        // 0 = keep forever
  int compaction_threads = 1;                      // 1..64
  uint64_t block_cache_bytes = 32ull << 20;  // decoded segment blocks kept for reads; 0 = no cache
  OpenMode read_only = OpenMode::kWriter;    // "read_only": 0, 1 or auto
  // A reader (read_only) checks the directory for new writes at most this often: a query sees
  // every write committed before it began, or at most this long before. 0: at every query.
  int64_t reader_staleness_ms = 0;  // 0..3600000
  Env* env = Env::Default();  // not settable from text; tests substitute a FaultyEnv

  bool operator==(const Options&) const = default;
};

// Smallest accepted memstore_bytes and wal_segment_bytes.
inline constexpr uint64_t kMinBufferBytes = 64 * 1024;
// Smallest accepted shard_duration, and a new data directory's when none is given (1d).
inline constexpr int64_t kMinShardDurationNs = 1'000'000'000;
inline constexpr int64_t kDefaultShardDurationNs = 86'400'000'000'000;
inline constexpr int kMaxCompactionThreads = 64;
inline constexpr int64_t kMaxSyncIntervalMs = 3'600'000;

// Parses "k=v;k=v" into defaults overridden by the given keys. Whitespace around keys and values is
// ignored; "" (or only whitespace) gives the defaults; empty items, as from a trailing ';', are
// skipped. Keys: sync=full|normal|off, sync_interval_ms (integer), memstore_bytes and
// wal_segment_bytes (ParseByteSize), shard_duration and retention (ParseDuration; retention 0 =
// forever), compaction_threads, block_cache_bytes (ParseByteSize; 0 disables the cache of decoded
// segment blocks that the engine's shards share, block_cache.h), read_only (0|1|auto, also
// false|true), reader_staleness_ms (integer). An unknown key, a repeated key, an
// item without '=', a malformed value or one outside the bounds above is Invalid, with a message
// naming the key and the value: "option memstore_bytes: '12x' is not a byte size".
[[nodiscard]] Result<Options> ParseOptions(std::string_view text);

// The text form of `options` (without env; without shard_duration when it is 0, without read_only
// and reader_staleness_ms when they have their defaults):
// ParseOptions(FormatOptions(o)) equals o apart from env.
std::string FormatOptions(const Options& options);

// A duration in nanoseconds: a non-negative integer followed by one of the units ns, us, ms, s, m,
// h, d, w, or a bare integer meaning nanoseconds ("500ms", "10s", "1h", "7d", "2w"). Leading and
// trailing whitespace is ignored. Returns 0 for "0" (or "0s"): callers that need a positive
// duration check for it. Invalid on anything else, negative values and int64 overflow.
[[nodiscard]] Result<int64_t> ParseDuration(std::string_view text);

// A size in bytes: a non-negative integer, optionally followed (spaces allowed in between) by a
// unit, case-insensitive: B, KB/MB/GB/TB (powers of 1000) or KiB/MiB/GiB/TiB (powers of 1024).
// Invalid on anything else and on uint64 overflow.
[[nodiscard]] Result<uint64_t> ParseByteSize(std::string_view text);

// The shortest exact text for a duration or size, in the largest unit that divides it ("1d",
// "64MiB"); ParseDuration / ParseByteSize read it back to the same value.
std::string FormatDuration(int64_t ns);
std::string FormatByteSize(uint64_t bytes);

}  // namespace strata
