#include "directory_check.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>

#include "data_dir.h"
#include "identity_file.h"
#include "manifest.h"
#include "segment_reader.h"
#include "shard_router.h"
#include "wal.h"
#include "wal_format.h"

namespace strata {

std::string CheckLoggedWrite(const DecodedWrite& write, const Catalog& catalog,
                             const ShardWindows& windows) {
  for (const WritePart& part : write.parts) {
    if (!windows.IsStart(part.window_start)) {
      return "part of " + part.measurement + " is for window " +
             std::to_string(part.window_start) + ", not a shard window";
    }
    for (const SeriesPoints& s : part.series) {
      if (catalog.IsDropped(s.id)) continue;  // replay leaves its points out
      auto found = catalog.Series(s.id);
      if (!found) return "series " + std::to_string(s.id) + ": " + found.error().message();
      const SeriesInfo* info = *found;
      if (info == nullptr || info->type != s.points->type || info->measurement != part.measurement) {
        return "series " + std::to_string(s.id) + " does not match the catalog";
      }
      const auto [lo, hi] = std::minmax_element(s.points->times.begin(), s.points->times.end());
      if (lo != s.points->times.end() &&
          (windows.Start(*lo) != part.window_start || windows.Start(*hi) != part.window_start)) {
        return "series " + std::to_string(s.id) + " has points outside window " +
               std::to_string(part.window_start);
      }
    }
  }
  return {};
}

bool DirectoryReport::damaged() const {
  return std::any_of(findings.begin(), findings.end(),
                     [](const CheckFinding& f) { return f.damage; });
}

namespace {

// One check of one directory: the report it fills and what the parts need from each other.
class DirectoryChecker {
 public:
  DirectoryChecker(Env* env, std::string dir) : env_(env), dir_(std::move(dir)) {}

  Result<DirectoryReport> Run() {
    STRATA_RETURN_IF_ERROR(CheckIdentity());
    STRATA_RETURN_IF_ERROR(CheckCatalog());
    STRATA_RETURN_IF_ERROR(CheckWal());
    STRATA_RETURN_IF_ERROR(CheckShards());
    return std::move(report_);
  }

 private:
  void Damage(const std::string& file, const std::string& message) {
    report_.findings.push_back(CheckFinding{true, file, message});
  }
  void Damage(const std::string& file, const Error& e) {
    Damage(file, e.message().find(file) != std::string::npos ? e.ToString()
                                                             : file + ": " + e.ToString());
  }
  void Notice(const std::string& file, const std::string& message) {
    report_.findings.push_back(CheckFinding{false, file, message});
  }
  void NoticeTornTail(const WalReplayStats& stats) {
    if (stats.truncated_file.empty()) return;
    Notice(stats.truncated_file,
           "torn tail: " + stats.truncated_file + " at offset " +
               std::to_string(stats.truncated_at) + ": " + std::to_string(stats.truncated_bytes) +
               " bytes of an incomplete last record, a write that was never acknowledged "
               "(opening the directory truncates them)");
  }

  Result<std::vector<std::string>> List(const std::string& dir) {
    STRATA_ASSIGN_OR_RETURN(std::vector<std::string> names, env_->ListDir(dir));
    std::sort(names.begin(), names.end());
    return names;
  }

  Status CheckIdentity() {
    auto id = ReadIdentity(env_, dir_);
    if (!id) {
      if (id.error().code() != Code::kCorrupt) return unexpected(id.error());
      Damage(JoinPath(dir_, kIdentityFileName), id.error());
      return OkStatus();
    }
    if (id->shard_duration_ns != 0) windows_.emplace(id->shard_duration_ns);
    return OkStatus();
  }

  Status CheckCatalog() {
    const std::string dir = JoinPath(dir_, "catalog");
    if (env_->FileExists(dir)) {
      STRATA_ASSIGN_OR_RETURN(auto names, List(dir));
      for (const std::string& name : names) {
        uint64_t n;
        if (ParseWalFileName(name, &n)) report_.catalog_files++;
      }
    }
    std::optional<Error> damage;
    STRATA_ASSIGN_OR_RETURN(catalog_, Catalog::OpenReadOnly(env_, dir, &damage));
    if (damage) Damage(dir, *damage);
    if (Status s = catalog_->VerifyCheckpoint(); !s) Damage(dir, s.error());
    NoticeTornTail(catalog_->recovery());
    report_.catalog_series = catalog_->series_count();
    return OkStatus();
  }

  Status CheckWal() {
    const std::string dir = JoinPath(dir_, "wal");
    if (!env_->FileExists(dir)) return OkStatus();
    STRATA_ASSIGN_OR_RETURN(auto names, List(dir));
    for (const std::string& name : names) {
      uint64_t n;
      if (ParseWalFileName(name, &n)) report_.wal_files++;
    }
    auto read = Wal::Read(env_, dir, [&](WalRecordType type, uint64_t lsn,
                                         std::string_view payload) -> Status {
      DecodedWrite decoded;
      std::string why;
      if (type != WalRecordType::kWrite || !DecodeWriteRecord(payload, &decoded)) {
        why = "malformed write record";
      } else if (windows_) {
        why = CheckLoggedWrite(decoded, *catalog_, *windows_);
      }
      report_.wal_records++;
      if (why.empty()) return OkStatus();
      return unexpected(Error(Code::kCorrupt, "WAL record " + std::to_string(lsn) + ": " + why));
    });
    if (!read) {
      if (read.error().code() != Code::kCorrupt) return unexpected(read.error());
      Damage(dir, read.error());
      return OkStatus();
    }
    NoticeTornTail(*read);
    return OkStatus();
  }

  Status CheckShards() {
    const std::string shards = JoinPath(dir_, "shards");
    if (!env_->FileExists(shards)) return OkStatus();
    std::map<std::string, std::string> measurement_of;  // escaped directory name -> measurement
    for (const std::string& m : catalog_->Measurements()) {
      measurement_of.emplace(ShardRouter::EscapeMeasurement(m), m);
    }
    for (const std::string& m : catalog_->DroppedMeasurements()) {  // what a drop left: see Shard
      measurement_of.emplace(ShardRouter::EscapeMeasurement(m), m);
    }
    STRATA_ASSIGN_OR_RETURN(auto names, List(shards));
    for (const std::string& name : names) {
      const std::string mdir = JoinPath(shards, name);
      STRATA_ASSIGN_OR_RETURN(auto windows, List(mdir));
      auto m = measurement_of.find(name);
      if (m == measurement_of.end()) {
        if (!windows.empty()) {
          Notice(mdir, mdir + ": no measurement of the catalog is stored here; it holds nothing "
                              "that was acknowledged, and opening the directory ignores it");
        }
        continue;
      }
      for (const std::string& w : windows) {
        STRATA_RETURN_IF_ERROR(CheckWindow(m->second, JoinPath(mdir, w), w));
      }
    }
    return OkStatus();
  }

  Status CheckWindow(const std::string& measurement, const std::string& wdir,
                     const std::string& name) {
    int64_t start = 0;
    const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), start);
    if (ec != std::errc() || end != name.data() + name.size()) {
      Notice(wdir, wdir + ": not a shard window; opening the directory ignores it");
      return OkStatus();
    }
    if (windows_ && !windows_->IsStart(start)) {
      Damage(wdir, wdir + ": window " + name + " does not start at a multiple of the shard "
                                                 "duration recorded in " + kIdentityFileName);
      return OkStatus();
    }
    STRATA_ASSIGN_OR_RETURN(auto files, List(wdir));
    const std::string manifest_path = JoinPath(wdir, kManifestName);
    Manifest manifest;
    if (env_->FileExists(manifest_path)) {
      report_.manifests++;
      auto m = ReadManifest(env_, manifest_path);
      if (!m) {
        if (m.error().code() != Code::kCorrupt) return unexpected(m.error());
        Damage(manifest_path, m.error());
        return OkStatus();
      }
      manifest = std::move(*m);
    }
    std::vector<std::string> listed;
    for (const ManifestSegment& meta : manifest.segments) {
      listed.push_back(meta.file);
      CheckSegment(measurement, start, JoinPath(wdir, meta.file), meta);
    }
    for (const std::string& file : files) {
      const bool stray_segment =
          file.starts_with("seg-") && std::find(listed.begin(), listed.end(), file) == listed.end();
      if (stray_segment || file.ends_with(".tmp")) {
        Notice(JoinPath(wdir, file),
               JoinPath(wdir, file) + ": left over from an interrupted flush or compaction (or "
                                      "being written now); opening the directory removes it");
      }
    }
    return OkStatus();
  }

  void CheckSegment(const std::string& measurement, int64_t window_start, const std::string& path,
                    const ManifestSegment& meta) {
    report_.segments++;
    auto reader = SegmentReader::Open(env_, path);
    if (!reader) {
      Damage(path, reader.error().code() == Code::kNotFound
                       ? Error::Corrupt(path, 0, "segment listed in the manifest is missing")
                       : reader.error());
      return;
    }
    const SegmentReader& r = **reader;
    report_.segment_bytes += r.file_bytes();
    report_.segment_points += r.point_count();
    if (Status s = r.Verify(); !s) {
      Damage(path, s.error());
      return;
    }
    auto mismatch = [&](const std::string& what) {
      Damage(path, path + ": " + what + " (the manifest and the segment disagree)");
    };
    if (r.id() != meta.id || r.file_bytes() != meta.file_bytes ||
        r.point_count() != meta.point_count) {
      return mismatch("id, size or point count differs from the manifest's");
    }
    if (r.point_count() > 0 && (r.min_time() != meta.min_time || r.max_time() != meta.max_time)) {
      return mismatch("time range differs from the manifest's");
    }
    for (const SeriesIndexEntry& e : r.index()) {
      report_.blocks += e.blocks.size();
      if (catalog_->IsDropped(e.id)) continue;  // a dropped measurement's: intact, and going
      auto found = catalog_->Series(e.id);
      if (!found) {
        Damage(path, path + ": series " + std::to_string(e.id) + ": " + found.error().message());
        return;
      }
      const SeriesInfo* info = *found;
      if (info == nullptr || info->key != e.key || info->type != e.type ||
          info->measurement != measurement) {
        Damage(path, path + ": series " + std::to_string(e.id) + " '" +
                         std::string(e.key) + "' does not match the catalog");
        return;
      }
      if (windows_ && (e.min_time < window_start || e.max_time >= windows_->End(window_start))) {
        Damage(path,
               path + ": series '" + std::string(e.key) + "' has points outside the shard's window");
        return;
      }
    }
  }

  Env* const env_;
  const std::string dir_;
  DirectoryReport report_;
  std::optional<ShardWindows> windows_;  // unknown when the identity is damaged or records none
  std::unique_ptr<Catalog> catalog_;
};

}  // namespace

Result<DirectoryReport> CheckDirectory(Env* env, const std::string& dir) {
  // Not a data directory at all is an error; a damaged identity file is a finding.
  if (auto id = ReadIdentity(env, dir); !id && id.error().code() != Code::kCorrupt) {
    return unexpected(id.error());
  }
  bool live = false;
  auto lock = env->LockFile(JoinPath(dir, "LOCK"));
  if (!lock) {
    if (lock.error().code() != Code::kLocked) return unexpected(lock.error());
    live = true;
  }
  STRATA_ASSIGN_OR_RETURN(DirectoryReport report, DirectoryChecker(env, dir).Run());
  report.live = live;
  return report;
}

}  // namespace strata
