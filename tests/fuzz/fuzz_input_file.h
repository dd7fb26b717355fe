// A fuzz input written to a file, for the targets whose code under test reads files through an
// Env (segments, series index files). One path per process and name; the file is unlinked before
// each write, because rewriting a file in place with O_TRUNC makes ext4 flush it on close.
// Not thread-safe (a fuzz target runs one input at a time).
#pragma once

#include <unistd.h>

#include <string>
#include <string_view>

#include "env.h"

namespace strata::fuzz {

// "/tmp/strata_<name>_<pid><extension>".
inline std::string InputPath(std::string_view name, std::string_view extension) {
  return "/tmp/strata_" + std::string(name) + "_" + std::to_string(::getpid()) +
         std::string(extension);
}

// Replaces the file at `path` with `data`; false when it cannot be written.
inline bool WriteInputFile(Env* env, const std::string& path, std::string_view data) {
  if (env->FileExists(path)) (void)env->RemoveFile(path);
  auto file = env->NewWritableFile(path);
  return file.has_value() && (*file)->Append(data).has_value() && (*file)->Close().has_value();
}

}  // namespace strata::fuzz
