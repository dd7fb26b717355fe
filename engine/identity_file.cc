#include "identity_file.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <string_view>

#include "crc32.h"
#include "data_dir.h"
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

namespace {

// No shard window directory and no WAL file with bytes: nothing is laid out by a shard duration.
Result<bool> HoldsNoPoints(Env* env, const std::string& dir) {
  const std::string shards = JoinPath(dir, kShardsDirName);
  if (env->FileExists(shards)) {
    STRATA_ASSIGN_OR_RETURN(auto measurements, env->ListDir(shards));
    for (const std::string& m : measurements) {
      STRATA_ASSIGN_OR_RETURN(auto windows, env->ListDir(JoinPath(shards, m)));
      if (!windows.empty()) return false;
    }
  }
  const std::string wal = JoinPath(dir, kWalDirName);
  if (env->FileExists(wal)) {
    STRATA_ASSIGN_OR_RETURN(auto files, env->ListDir(wal));
    for (const std::string& f : files) {
      STRATA_ASSIGN_OR_RETURN(const uint64_t size, env->FileSize(JoinPath(wal, f)));
      if (size != 0) return false;
    }
  }
  return true;
}

}  // namespace

std::string ShardDurationConflict(int64_t asked, int64_t own, const std::string& dir) {
  return "shard_duration " + FormatDuration(asked) + " differs from " + FormatDuration(own) +
         ", the one " + dir + " was created with (its shards are laid out by it); give that or none";
}

Result<SettledShardDuration> SettleShardDuration(Env* env, const std::string& dir, int64_t asked) {
  const int64_t asked_or_default = asked != 0 ? asked : kDefaultShardDurationNs;
  auto identity = ReadIdentity(env, dir);
  if (!identity) {
    if (identity.error().code() != Code::kNotFound) return unexpected(identity.error());
    if (env->FileExists(dir)) {
      STRATA_ASSIGN_OR_RETURN(auto names, env->ListDir(dir));
      // A LOCK file and perhaps the identity's temporary file: an open that created the
      // directory and was killed before its identity was in place (WriteFileAtomically).
      const auto left_by_a_first_open = [](const std::string& name) {
        return name == kLockFileName || name == std::string(kIdentityFileName) + ".tmp";
      };
      if (!std::all_of(names.begin(), names.end(), left_by_a_first_open)) {
        return unexpected(Error::Invalid(dir + " is not empty and is not a Strata data directory"));
      }
    }
    return SettledShardDuration{asked_or_default, true};  // a new directory
  }
  const int64_t recorded = identity->shard_duration_ns;
  if (recorded != 0) {
    if (asked == 0 || asked == recorded) return SettledShardDuration{recorded, false};
    STRATA_ASSIGN_OR_RETURN(const bool empty, HoldsNoPoints(env, dir));
    if (!empty) return unexpected(Error::Invalid(ShardDurationConflict(asked, recorded, dir)));
    // Nothing is laid out by the recorded duration yet: the asked one replaces it.
  }
  // No points yet, or a directory made before the duration was recorded: its shards so far were
  // laid out by the options it was opened with, which this open is taken to repeat.
  return SettledShardDuration{asked_or_default, true};
}

}  // namespace strata
