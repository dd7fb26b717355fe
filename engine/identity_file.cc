#include "identity_file.h"

#include <charconv>
#include <cstdio>
#include <string_view>

#include "crc32.h"
#include "options.h"

namespace strata {
namespace {

constexpr std::string_view kFirstLine = "strata data directory\n";
constexpr std::string_view kFormatLine = "format 1\n";
constexpr std::string_view kDurationKey = "shard_duration_ns ";
constexpr std::string_view kCrcKey = "crc32 ";

std::string CrcLine(std::string_view before) {
  char hex[9];
  std::snprintf(hex, sizeof(hex), "%08x", Crc32(before));
  return std::string(kCrcKey) + hex + "\n";
}

}  // namespace

bool HasIdentityFile(Env* env, const std::string& dir) {
  return env->FileExists(JoinPath(dir, kIdentityFileName));
}

Result<Identity> ReadIdentity(Env* env, const std::string& dir) {
  const std::string path = JoinPath(dir, kIdentityFileName);
  if (!env->FileExists(path)) {
    return unexpected(Error::NotFound(dir + " has no identity file " + path));
  }
  STRATA_ASSIGN_OR_RETURN(const std::string text, env->ReadFile(path));
  auto corrupt = [&](size_t at, const std::string& what) {
    return unexpected(Error::Corrupt(path, at, "identity file: " + what));
  };
  if (!text.starts_with(kFirstLine)) {
    return corrupt(0, "the first line is not \"strata data directory\"");
  }
  size_t at = kFirstLine.size();
  if (text.compare(at, kFormatLine.size(), kFormatLine) != 0) {
    return corrupt(at, "the second line is not \"format 1\"");
  }
  at += kFormatLine.size();
  Identity id;
  if (at == text.size()) return id;  // made before the duration was recorded
  if (text.compare(at, kDurationKey.size(), kDurationKey) != 0) {
    return corrupt(at, "the third line is not \"shard_duration_ns <n>\"");
  }
  const char* begin = text.data() + at + kDurationKey.size();
  const char* end = text.data() + text.size();
  const auto [next, ec] = std::from_chars(begin, end, id.shard_duration_ns);
  if (ec != std::errc() || next == end || *next != '\n' || id.shard_duration_ns < kMinShardDurationNs) {
    return corrupt(at, "damaged shard_duration_ns line");
  }
  const size_t crc_at = static_cast<size_t>(next - text.data()) + 1;
  if (crc_at == text.size()) return id;  // made before the checksum was added
  if (text.substr(crc_at) != CrcLine(std::string_view(text).substr(0, crc_at))) {
    return corrupt(crc_at, "checksum mismatch (or a damaged crc32 line)");
  }
  return id;
}

Status WriteIdentity(Env* env, const std::string& dir, const Identity& identity) {
  if (identity.shard_duration_ns < kMinShardDurationNs) {
    return unexpected(Error::Invalid("identity of " + dir + ": shard duration " +
                                     std::to_string(identity.shard_duration_ns) + " ns is too short"));
  }
  std::string text(kFirstLine);
  text += kFormatLine;
  text += kDurationKey;
  text += std::to_string(identity.shard_duration_ns);
  text += '\n';
  text += CrcLine(text);
  return env->WriteFileAtomically(JoinPath(dir, kIdentityFileName), text);
}

}  // namespace strata
