// CheckDirectory reads a whole data directory and decodes everything in it without changing a
// byte: the identity file, every catalog record, every WAL record (decoded, and checked against the
// catalog and the shard windows), every shard's manifest, and every block of every segment the
// manifests list (decoded, with each segment checked against its manifest entry and each series
// against the catalog). It is `strata verify`, and what `strata repair` starts from.
//
// Its promise: a directory with no damage finding opens, and every read of it succeeds. Findings
// are of two kinds. Damage: something an open would refuse, or a read would fail on. Notices:
// states an open mends on its own and loses nothing acknowledged by (a torn WAL tail, temp files
// and segments an interrupted flush left behind). The check holds the directory's lock while it
// runs when it can; a directory locked by a live writer is checked anyway, and the report says so
// (its files may change meanwhile). Stateless function: thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "catalog.h"
#include "env.h"
#include "result.h"
#include "shard_windows.h"
#include "wal_entry.h"

namespace strata {

// What a WAL write record must be for recovery to replay it: each part for a routable window
// holding all its points, each series registered in the catalog with the part's measurement and
// its points' type. Empty when it is; else what is wrong. The one definition of the rule, for
// StorageEngine's open and for CheckDirectory.
std::string CheckLoggedWrite(const DecodedWrite& write, const Catalog& catalog,
                             const ShardWindows& windows);

struct CheckFinding {
  bool damage = false;  // false: a notice
  std::string file;     // the file or directory concerned
  std::string message;  // the whole finding, naming the file (and offset, when known)
};

struct DirectoryReport {
  std::vector<CheckFinding> findings;
  bool live = false;  // another process held the directory's lock during the check
  uint64_t catalog_files = 0, catalog_series = 0;
  uint64_t wal_files = 0, wal_records = 0;
  uint64_t manifests = 0, segments = 0, segment_bytes = 0, segment_points = 0, blocks = 0;

  bool damaged() const;
};

// NotFound/Invalid when `dir` is not a Strata data directory (no identity file, or another one);
// IO errors only when listing or reading fails in a way that is not damage. Everything else is a
// finding.
[[nodiscard]] Result<DirectoryReport> CheckDirectory(Env* env, const std::string& dir);

}  // namespace strata
