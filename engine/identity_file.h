// The identity file `STRATA` marks a directory as a Strata data directory and records what belongs
// to the directory rather than to one open of it: the shard duration, which lays out its shard
// directories. It is text, so that `cat STRATA` explains the directory:
//
//   strata data directory\n
//   format 1\n
//   shard_duration_ns <decimal, at least kMinShardDurationNs>\n
//   crc32 <8 lower-case hex digits>\n       (CRC-32, crc32.h, of every byte before this line)
//
// Directories made by older versions have only the first two lines (no duration recorded), or the
// first three (no checksum); both stay readable, and the next write of the file adds what is
// missing. The file is replaced atomically (Env::WriteFileAtomically). Stateless functions:
// thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "env.h"
#include "result.h"

namespace strata {

inline constexpr char kIdentityFileName[] = "STRATA";

struct Identity {
  int64_t shard_duration_ns = 0;  // 0: not recorded (a directory of an older version)
};

// Whether `dir` holds an identity file: the one test of "is this a Strata data directory".
bool HasIdentityFile(Env* env, const std::string& dir);

// Reads `dir`'s identity file. NotFound when there is none (the directory is not Strata's);
// Corrupt, naming the file and offset, when it is damaged (a bad line, a checksum mismatch, a
// duration below kMinShardDurationNs).
[[nodiscard]] Result<Identity> ReadIdentity(Env* env, const std::string& dir);

// Writes `dir`'s identity file (all four lines) atomically. REQUIRES: shard_duration_ns >=
// kMinShardDurationNs (Invalid otherwise, nothing written).
[[nodiscard]] Status WriteIdentity(Env* env, const std::string& dir, const Identity& identity);

// The shard duration an open of `dir` uses: the one its identity file records, or `asked` (0:
// kDefaultShardDurationNs) when the file records none, when the directory is new, or when it
// records another but the directory holds no points yet (no shard window directory, no WAL file
// with bytes). `write_identity` says the identity file must then be (re)written. Invalid when
// another duration is asked of a directory that holds points, or when `dir` is not empty and has
// no identity file (a lone LOCK file, left by an open that stopped before writing the identity
// file, does not count). Reads only.
struct SettledShardDuration {
  int64_t shard_duration_ns;
  bool write_identity;
};
[[nodiscard]] Result<SettledShardDuration> SettleShardDuration(Env* env, const std::string& dir,
                                                               int64_t asked);

// The message refusing `asked` for a directory created with `own`.
std::string ShardDurationConflict(int64_t asked, int64_t own, const std::string& dir);

}  // namespace strata
