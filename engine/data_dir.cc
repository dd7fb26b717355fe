#include "data_dir.h"

#include <filesystem>
#include <system_error>

namespace strata {

Result<std::string> CanonicalDataDir(const std::string& dir) {
  if (dir.empty()) return unexpected(Error::Invalid("data directory path is empty"));
  std::error_code ec;
  const std::filesystem::path absolute = std::filesystem::absolute(dir, ec);
  std::string canonical;
  if (!ec) canonical = std::filesystem::weakly_canonical(absolute, ec).string();
  if (ec) return unexpected(Error::IO("resolve " + dir + ": " + ec.message()));
  while (canonical.size() > 1 && canonical.back() == '/') canonical.pop_back();
  return canonical;
}

}  // namespace strata
