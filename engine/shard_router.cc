#include "shard_router.h"

#include <xxhash.h>

#include <charconv>
#include <cstdio>

#include "logger.h"

namespace strata {
namespace {

constexpr size_t kMaxEscapedName = 120;

}  // namespace

ShardRouter::ShardRouter(Env* env, const Options& options, std::string shards_dir, Catalog* catalog,
                         std::shared_ptr<BlockCache> block_cache)
    : env_(env),
      options_(options),
      windows_(options.shard_duration_ns),
      shards_dir_(std::move(shards_dir)),
      catalog_(catalog),
      block_cache_(std::move(block_cache)) {}

std::string ShardRouter::EscapeMeasurement(std::string_view measurement) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : measurement) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
        c == '-') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  if (out.size() > kMaxEscapedName) {
    char hash[24];
    std::snprintf(hash, sizeof hash, "~%016llx",
                  static_cast<unsigned long long>(XXH64(measurement.data(), measurement.size(), 0)));
    out.resize(kMaxEscapedName - 17);
    out += hash;
  }
  return out;
}

std::string ShardRouter::ShardDir(const std::string& measurement, int64_t window_start) const {
  return JoinPath(JoinPath(shards_dir_, EscapeMeasurement(measurement)), std::to_string(window_start));
}

Status ShardRouter::LoadExisting() {
  if (options_.read_only == OpenMode::kReader) {
    if (!env_->FileExists(shards_dir_)) return OkStatus();  // a reader creates nothing
  } else {
    STRATA_RETURN_IF_ERROR(env_->CreateDirs(shards_dir_));
  }
  std::map<std::string, std::string> by_dir;
  for (const std::string& m : catalog_->Measurements()) by_dir.emplace(EscapeMeasurement(m), m);
  // A drop interrupted before it removed its shards left them: they are loaded (their points
  // stay invisible) for the engine to remove.
  for (const std::string& m : catalog_->DroppedMeasurements()) {
    by_dir.emplace(EscapeMeasurement(m), m);
  }
  STRATA_ASSIGN_OR_RETURN(auto names, env_->ListDir(shards_dir_));
  for (const std::string& name : names) {
    auto m = by_dir.find(name);
    if (m == by_dir.end()) {
      Log("ignoring " + JoinPath(shards_dir_, name) + ": no measurement of the catalog is stored there");
      continue;
    }
    STRATA_ASSIGN_OR_RETURN(auto windows, env_->ListDir(JoinPath(shards_dir_, name)));
    for (const std::string& w : windows) {
      int64_t start = 0;
      auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), start);
      if (ec != std::errc() || end != w.data() + w.size()) {
        Log("ignoring " + JoinPath(JoinPath(shards_dir_, name), w) + ": not a shard window");
        continue;
      }
      if (!windows_.IsStart(start)) {
        // Its points would be invisible: the directory's recorded duration is not the one that
        // laid it out.
        return unexpected(Error::Corrupt(
            JoinPath(JoinPath(shards_dir_, name), w), 0,
            "shard window " + w + " does not start at a multiple of the directory's shard "
            "duration, " + std::to_string(options_.shard_duration_ns) +
            " ns (STRATA, the identity file, or this directory is damaged)"));
      }
      STRATA_ASSIGN_OR_RETURN(auto shard, Shard::Open(env_, options_, ShardDir(m->second, start),
                                                      m->second, start, catalog_, block_cache_));
      MutexLock lock(&mu_);
      shards_.emplace(std::make_pair(m->second, start), std::move(shard));
    }
  }
  return OkStatus();
}

Result<std::shared_ptr<Shard>> ShardRouter::GetOrCreate(const std::string& measurement,
                                                        int64_t window_start) {
  MutexLock lock(&mu_);
  auto key = std::make_pair(measurement, window_start);
  auto it = shards_.find(key);
  if (it != shards_.end()) return it->second;
  STRATA_ASSIGN_OR_RETURN(auto shard,
                          Shard::Open(env_, options_, ShardDir(measurement, window_start),
                                      measurement, window_start, catalog_, block_cache_));
  shards_.emplace(std::move(key), shard);
  return shard;
}

std::vector<std::shared_ptr<Shard>> ShardRouter::ShardsFor(const std::string& measurement,
                                                           int64_t min_t, int64_t max_t) const {
  std::vector<std::shared_ptr<Shard>> out;
  if (min_t > max_t) return out;
  MutexLock lock(&mu_);
  for (auto it = shards_.lower_bound(std::make_pair(measurement, WindowStart(min_t)));
       it != shards_.end() && it->first.first == measurement && it->first.second <= max_t; ++it) {
    out.push_back(it->second);
  }
  return out;
}

std::vector<std::shared_ptr<Shard>> ShardRouter::All() const {
  MutexLock lock(&mu_);
  std::vector<std::shared_ptr<Shard>> out;
  for (const auto& [key, shard] : shards_) out.push_back(shard);
  return out;
}

std::vector<std::shared_ptr<Shard>> ShardRouter::RemoveEndedBefore(int64_t cutoff) {
  MutexLock lock(&mu_);
  std::vector<std::shared_ptr<Shard>> out;
  for (auto it = shards_.begin(); it != shards_.end();) {
    if (it->second->window_end() <= cutoff) {
      out.push_back(it->second);
      it = shards_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

void ShardRouter::Remove(const std::shared_ptr<Shard>& shard) {
  MutexLock lock(&mu_);
  auto it = shards_.find(std::make_pair(shard->measurement(), shard->window_start()));
  if (it != shards_.end() && it->second == shard) shards_.erase(it);
}

std::vector<std::shared_ptr<Shard>> ShardRouter::RemoveMeasurement(const std::string& measurement) {
  MutexLock lock(&mu_);
  std::vector<std::shared_ptr<Shard>> out;
  for (auto it = shards_.lower_bound(std::make_pair(measurement, INT64_MIN));
       it != shards_.end() && it->first.first == measurement;) {
    out.push_back(it->second);
    it = shards_.erase(it);
  }
  return out;
}

}  // namespace strata
