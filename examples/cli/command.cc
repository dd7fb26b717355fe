#include "command.h"

#include <cstdio>
#include <cstring>

#include "env.h"
#include "identity_file.h"

namespace strata::cli {

int Fail(const std::string& message) {
  std::fprintf(stderr, "strata: %s\n", message.c_str());
  return kExitError;
}

int UsageError(const char* command, const std::string& why) {
  if (!why.empty()) std::fprintf(stderr, "strata %s: %s\n", command, why.c_str());
  for (const Command& c : Commands()) {
    if (std::strcmp(c.name, command) == 0) std::fputs(c.usage, stderr);
  }
  return kExitUsage;
}

Options ReadingOptions() {
  Options options;
  options.read_only = OpenMode::kReader;
  return options;
}

Result<std::shared_ptr<StorageEngine>> OpenExisting(const std::string& dir, const Options& options) {
  if (!HasIdentityFile(Env::Default(), dir)) {
    return unexpected(Error::NotFound(dir + " is not a Strata data directory (no STRATA file)"));
  }
  return StorageEngine::Open(dir, options);
}

}  // namespace strata::cli
