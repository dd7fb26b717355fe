// A data directory as the process sees it from outside the engine: what makes a directory one of
// Strata's, and the one name under which a process knows an open directory. Every layer asks here
// (StorageEngine::Open, the CLI, and through the C ABI's strata_is_data_directory and
// strata_canonical_dir the SQLite module), so that they agree on both. The identity file's content
// is the engine's (storage_engine.cc); its name and presence are defined here.
// Stateless and thread-safe.
#pragma once

#include <string>

#include "env.h"
#include "result.h"

namespace strata {

// The identity file every data directory holds at its top: created with the directory, it marks it
// as Strata's and records its format and shard duration.
inline constexpr char kIdentityFileName[] = "STRATA";

// Whether `dir` holds the identity file, read through `env`: true for a data directory, false for
// a missing path, an empty directory or someone else's.
bool IsDataDirectory(Env* env, const std::string& dir);

// The name of `dir` as a key for the directories open in this process: absolute, without '.' and
// '..', with symbolic links resolved as far as the path exists, and without a trailing '/'. Two
// paths of one directory have the same key. IO error when the path cannot be resolved.
[[nodiscard]] Result<std::string> CanonicalDataDir(const std::string& dir);

}  // namespace strata
