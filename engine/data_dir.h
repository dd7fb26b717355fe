// The names of a data directory's parts (engine/README.md, section 9), and the name under which a
// process knows an open data directory: StorageEngine::Open keys its
// registry of open engines by it (opening one directory twice shares one engine), and the C ABI
// exports it (strata_canonical_dir) so that clients keeping state per directory, such as the SQLite
// module, key it the same way. Whether a directory is Strata's at all is identity_file.h's
// HasIdentityFile. Stateless and thread-safe.
#pragma once

#include <string>

#include "result.h"

namespace strata {

inline constexpr char kLockFileName[] = "LOCK";       // held by the process that has it open
inline constexpr char kCatalogDirName[] = "catalog";  // the catalog log
inline constexpr char kWalDirName[] = "wal";          // the write-ahead log
inline constexpr char kShardsDirName[] = "shards";    // shards/<measurement>/<window start>/
inline constexpr char kManifestName[] = "MANIFEST";   // in each shard's directory

// The name of `dir` as a key for the directories open in this process: absolute, without '.' and
// '..', with symbolic links resolved as far as the path exists, and without a trailing '/'. Two
// paths of one directory have the same key. Invalid for an empty path; IO error when the path
// cannot be resolved.
[[nodiscard]] Result<std::string> CanonicalDataDir(const std::string& dir);

}  // namespace strata
