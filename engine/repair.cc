#include "repair.h"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <map>
#include <optional>
#include <set>

#include "catalog.h"
#include "data_dir.h"
#include "directory_check.h"
#include "identity_file.h"
#include "manifest.h"
#include "segment_reader.h"
#include "segment_salvage.h"
#include "segment_writer.h"
#include "series_key.h"
#include "shard_router.h"
#include "shard_windows.h"
#include "wal_entry.h"
#include "wal_format.h"
#include "wal_reader.h"

namespace strata {
namespace {

constexpr char kQuarantineDir[] = "quarantine";

// A series as the repaired catalog will hold it.
struct KnownSeries {
  std::string key;
  ValueType type;
};

class Repairer {
 public:
  Repairer(Env* env, std::string dir, const RepairOptions& options)
      : env_(env), dir_(std::move(dir)), options_(options) {}

  Result<RepairReport> Run() {
    STRATA_ASSIGN_OR_RETURN(auto lock, env_->LockFile(JoinPath(dir_, "LOCK")));
    STRATA_RETURN_IF_ERROR(RepairIdentity());
    STRATA_RETURN_IF_ERROR(ReadCatalog());
    STRATA_RETURN_IF_ERROR(RepairShards());
    STRATA_RETURN_IF_ERROR(RepairCatalog());
    STRATA_RETURN_IF_ERROR(RepairWal());
    lock.reset();
    STRATA_ASSIGN_OR_RETURN(DirectoryReport after, CheckDirectory(env_, dir_));
    for (const CheckFinding& f : after.findings) {
      if (f.damage) {
        return unexpected(Error(Code::kCorrupt, "repair of " + dir_ + " left damage it could not "
                                                "mend: " + f.message));
      }
    }
    return std::move(report_);
  }

 private:
  void Act(const std::string& what) { report_.actions.push_back(what); }
  void Lose(LostData lost) { report_.lost.push_back(std::move(lost)); }

  std::string Relative(const std::string& path) const {
    return path.size() > dir_.size() + 1 && path.compare(0, dir_.size(), dir_) == 0
               ? path.substr(dir_.size() + 1)
               : path;
  }

  // Where replaced files go: quarantine/<UTC time of this repair>/ inside the directory.
  Result<std::string> QuarantinePath(const std::string& path) {
    if (report_.quarantine.empty()) {
      const std::time_t now = std::time(nullptr);
      std::tm tm{};
      gmtime_r(&now, &tm);
      char stamp[32];
      std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
      std::string base = JoinPath(JoinPath(dir_, kQuarantineDir), stamp);
      for (int i = 1; env_->FileExists(base); i++) {
        base = JoinPath(JoinPath(dir_, kQuarantineDir), std::string(stamp) + "-" + std::to_string(i));
      }
      report_.quarantine = base;
    }
    const std::string dest = JoinPath(report_.quarantine, Relative(path));
    STRATA_RETURN_IF_ERROR(env_->CreateDirs(DirName(dest)));
    return dest;
  }
  // Moves `path` into the quarantine, unchanged.
  Status Quarantine(const std::string& path) {
    STRATA_ASSIGN_OR_RETURN(const std::string dest, QuarantinePath(path));
    STRATA_RETURN_IF_ERROR(env_->Rename(path, dest));
    STRATA_RETURN_IF_ERROR(env_->SyncDir(DirName(path)));
    Act("moved " + path + " to " + dest);
    return OkStatus();
  }
  // Copies `path` into the quarantine, unchanged (before it is cut short in place).
  Status QuarantineCopy(const std::string& path) {
    STRATA_ASSIGN_OR_RETURN(const std::string dest, QuarantinePath(path));
    STRATA_ASSIGN_OR_RETURN(const std::string bytes, env_->ReadFile(path));
    STRATA_RETURN_IF_ERROR(env_->WriteFileAtomically(dest, bytes));
    Act("copied " + path + " to " + dest);
    return OkStatus();
  }

  // ---- identity ----

  Status RepairIdentity() {
    auto id = ReadIdentity(env_, dir_);
    if (id) {
      const int64_t d = id->shard_duration_ns != 0 ? id->shard_duration_ns : options_.shard_duration_ns;
      if (d != 0) windows_.emplace(d);
      return OkStatus();
    }
    if (id.error().code() != Code::kCorrupt) return unexpected(id.error());
    if (options_.shard_duration_ns == 0) {
      return unexpected(Error::Invalid(
          id.error().ToString() + "; give the shard duration the directory was created with "
                                  "(--shard-duration, e.g. 1d) to rewrite it"));
    }
    STRATA_RETURN_IF_ERROR(Quarantine(JoinPath(dir_, kIdentityFileName)));
    STRATA_RETURN_IF_ERROR(WriteIdentity(env_, dir_, Identity{options_.shard_duration_ns}));
    Act("wrote " + JoinPath(dir_, kIdentityFileName) + " with shard duration " +
        std::to_string(options_.shard_duration_ns) + " ns (" + id.error().ToString() + ")");
    windows_.emplace(options_.shard_duration_ns);
    return OkStatus();
  }

  // ---- catalog ----

  Status ReadCatalog() {
    const std::string dir = JoinPath(dir_, "catalog");
    if (!env_->FileExists(dir)) return OkStatus();
    STRATA_ASSIGN_OR_RETURN(catalog_, Catalog::SalvageRecords(env_, dir));
    for (const Catalog::Record& r : catalog_.records) {
      if (r.series_id != 0) series_.emplace(r.series_id, KnownSeries{r.key, r.type});
    }
    return OkStatus();
  }

  std::set<std::string> Measurements() const {
    std::set<std::string> out;
    for (const auto& [id, s] : series_) {
      if (auto parts = ParseSeriesKey(s.key)) out.insert(parts->measurement);
    }
    return out;
  }

  // Whether a series a segment holds can stay: the catalog has it under the same key and type, or
  // does not have its ID at all (its registration was lost: after the damage, or in a torn tail)
  // and the repaired catalog will register it. A catalog that gave the ID to another series makes
  // it damage.
  bool Admit(uint64_t id, const std::string& key, ValueType type) {
    auto it = series_.find(id);
    if (it != series_.end()) return it->second.key == key && it->second.type == type;
    series_.emplace(id, KnownSeries{key, type});
    added_series_ = true;
    return true;
  }

  // The rebuilt log: the intact records in their order (drops and declarations among them), with
  // the series that segments named but the catalog had lost put in ID order, each before the
  // first record that follows it (a drop of series up to ID n follows every series up to n).
  std::vector<Catalog::Record> RebuiltRecords() {
    std::map<uint64_t, const KnownSeries*> lost;  // series only the segments knew of
    for (const auto& [id, s] : series_) lost.emplace(id, &s);
    for (const Catalog::Record& r : catalog_.records) {
      if (r.kind == Catalog::Kind::kType && r.series_id != 0) lost.erase(r.series_id);
    }
    std::vector<Catalog::Record> records;
    std::set<std::pair<std::string, std::string>> fields;  // field types registered so far
    uint64_t last = 0;
    auto add_series = [&](uint64_t id, const KnownSeries& s) {
      auto parts = ParseSeriesKey(s.key);
      if (id - last > Catalog::kMaxSkippedIds) {
        Lose(LostData{s.key, INT64_MIN, INT64_MAX, 0,
                      "series " + std::to_string(id) + " is too far past the catalog's last "
                      "known series to register"});
        return;
      }
      if (fields.emplace(parts->measurement, parts->field).second) {
        records.push_back(Catalog::Record::Field(parts->measurement, parts->field, s.type));
      }
      records.push_back(Catalog::Record::Series(id, s.key, s.type));
      last = id;
    };
    auto add_lost_through = [&](uint64_t bound) {
      for (auto it = lost.begin(); it != lost.end() && it->first <= bound; it = lost.erase(it)) {
        add_series(it->first, *it->second);
      }
    };
    for (const Catalog::Record& r : catalog_.records) {
      if (r.kind == Catalog::Kind::kType && r.series_id != 0) {
        add_lost_through(r.series_id - 1);
        add_series(r.series_id, series_.at(r.series_id));
        continue;
      }
      if (r.kind == Catalog::Kind::kDrop) {
        add_lost_through(r.series_id);
        std::erase_if(fields, [&](const auto& f) { return f.first == r.measurement; });
      }
      if (r.kind == Catalog::Kind::kType) fields.emplace(r.measurement, r.field);
      records.push_back(r);
    }
    add_lost_through(UINT64_MAX);
    return records;
  }

  Status RepairCatalog() {
    if (!catalog_.damage && !added_series_) return OkStatus();
    const std::vector<Catalog::Record> records = RebuiltRecords();
    const std::string dir = JoinPath(dir_, "catalog");
    if (env_->FileExists(dir)) STRATA_RETURN_IF_ERROR(Quarantine(dir));
    STRATA_RETURN_IF_ERROR(Catalog::WriteRecords(env_, dir, records));
    Act("rebuilt " + dir + " with " + std::to_string(series_.size()) + " series" +
        (catalog_.damage ? " (" + catalog_.damage->ToString() + ")" : ""));
    if (catalog_.damage) {
      Lose(LostData{"", INT64_MIN, INT64_MAX, 0,
                    "registrations after the catalog's damage (" + catalog_.damage->ToString() +
                        "): series found in no segment are gone with them, and the WAL records "
                        "that name one are cut (reported below)"});
    }
    return OkStatus();
  }

  // ---- shards ----

  Status RepairShards() {
    const std::string shards = JoinPath(dir_, "shards");
    if (!env_->FileExists(shards)) return OkStatus();
    std::map<std::string, std::string> by_dir;
    for (const std::string& m : Measurements()) by_dir.emplace(ShardRouter::EscapeMeasurement(m), m);
    STRATA_ASSIGN_OR_RETURN(auto names, env_->ListDir(shards));
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
      const std::string mdir = JoinPath(shards, name);
      STRATA_ASSIGN_OR_RETURN(auto windows, env_->ListDir(mdir));
      std::sort(windows.begin(), windows.end());
      for (const std::string& w : windows) {
        int64_t start = 0;
        const auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), start);
        if (ec != std::errc() || end != w.data() + w.size()) continue;  // not a shard: ignored
        auto m = by_dir.find(name);
        STRATA_RETURN_IF_ERROR(RepairShard(m == by_dir.end() ? "" : m->second, name,
                                           JoinPath(mdir, w), start));
      }
    }
    return OkStatus();
  }

  Status RepairShard(std::string measurement, const std::string& escaped, const std::string& wdir,
                     int64_t start) {
    if (windows_ && !windows_->IsStart(start)) {
      Lose(LostData{"", start, INT64_MAX, 0,
                    wdir + ": not a window of the shard duration; its points were invisible"});
      return Quarantine(wdir);
    }
    const std::string manifest_path = JoinPath(wdir, kManifestName);
    std::optional<Manifest> manifest;
    if (env_->FileExists(manifest_path)) {
      auto m = ReadManifest(env_, manifest_path);
      if (m) {
        manifest = std::move(*m);
      } else if (m.error().code() != Code::kCorrupt) {
        return unexpected(m.error());
      } else {
        STRATA_RETURN_IF_ERROR(Quarantine(manifest_path));
        STRATA_ASSIGN_OR_RETURN(manifest, RebuildManifest(wdir, m.error()));
      }
    }
    if (!manifest) return OkStatus();  // a shard that never flushed: nothing on disk to repair
    bool changed = !env_->FileExists(manifest_path);
    std::vector<ManifestSegment> kept;
    for (const ManifestSegment& meta : manifest->segments) {
      STRATA_ASSIGN_OR_RETURN(std::optional<ManifestSegment> seg,
                              RepairSegment(measurement, escaped, wdir, start, meta, &*manifest));
      changed |= !seg || !(*seg == meta);
      if (seg) kept.push_back(*seg);
    }
    if (!changed) return OkStatus();
    manifest->segments = std::move(kept);
    STRATA_RETURN_IF_ERROR(WriteManifest(env_, manifest_path, *manifest));
    Act("wrote " + manifest_path + " listing " + std::to_string(manifest->segments.size()) +
        " segment(s)");
    return OkStatus();
  }

  // A manifest from the segment files in `wdir`, for a shard whose manifest is damaged. Its
  // segments are taken as older than every WAL record (max_lsn 0, flushed_lsn 0), so that the WAL
  // is replayed over the shard in full: no acknowledged point is lost, but a point overwritten
  // since may show an earlier value again, and its deletes are gone.
  Result<Manifest> RebuildManifest(const std::string& wdir, const Error& why) {
    Manifest m;
    STRATA_ASSIGN_OR_RETURN(auto files, env_->ListDir(wdir));
    std::sort(files.begin(), files.end());
    for (const std::string& f : files) {
      uint64_t id = 0;
      if (!f.starts_with("seg-") || !f.ends_with(".sst") || f.size() != 24) continue;
      const auto [end, ec] = std::from_chars(f.data() + 4, f.data() + 20, id, 16);
      if (ec != std::errc() || end != f.data() + 20 || id == 0) continue;
      ManifestSegment seg{id, f, 1, INT64_MIN, INT64_MAX, 0, 0, 0};
      if (auto r = SegmentReader::Open(env_, JoinPath(wdir, f)); r && (*r)->id() == id) {
        seg.min_time = (*r)->min_time();
        seg.max_time = (*r)->max_time();
        seg.point_count = (*r)->point_count();
        seg.file_bytes = (*r)->file_bytes();
      }
      m.segments.push_back(seg);
      m.next_segment_id = std::max(m.next_segment_id, id + 1);
    }
    Act("rebuilding " + JoinPath(wdir, kManifestName) + " from " + std::to_string(m.segments.size()) +
        " segment file(s) (" + why.ToString() + ")");
    Lose(LostData{"", INT64_MIN, INT64_MAX, 0,
                  JoinPath(wdir, kManifestName) + " was damaged (" + why.ToString() +
                      "): the deletes it recorded are lost (points they removed in this shard "
                      "may reappear), and the WAL is replayed over the shard in full (a point "
                      "overwritten since may show an earlier value)"});
    return m;
  }

  // Checks one listed segment; returns its manifest entry, a new one for a segment rewritten from
  // its intact blocks, or nullopt when nothing of it is left.
  Result<std::optional<ManifestSegment>> RepairSegment(const std::string& measurement,
                                                       const std::string& escaped,
                                                       const std::string& wdir, int64_t start,
                                                       const ManifestSegment& meta,
                                                       Manifest* manifest) {
    const std::string path = JoinPath(wdir, meta.file);
    if (!env_->FileExists(path)) {
      Lose(LostData{"", meta.min_time, meta.max_time, meta.point_count,
                    path + ": listed in the manifest but missing"});
      return std::optional<ManifestSegment>();
    }
    STRATA_ASSIGN_OR_RETURN(SegmentSalvage salvage,
                            SalvageSegment(env_, path, meta.min_time, meta.max_time,
                                           meta.point_count));
    for (LostData& lost : salvage.lost) Lose(std::move(lost));
    // Keep what the catalog can place and what lies in the shard's window and measurement.
    std::vector<SalvagedSeries> keep;
    const int64_t end = windows_ ? windows_->End(start) : INT64_MAX;
    for (SalvagedSeries& s : salvage.series) {
      auto parts = ParseSeriesKey(s.key);
      const bool fits = parts && ShardRouter::EscapeMeasurement(parts->measurement) == escaped &&
                        (measurement.empty() || parts->measurement == measurement) &&
                        s.points.times.front() >= start && s.points.times.back() < end &&
                        Admit(s.id, s.key, s.points.type);
      if (fits) {
        keep.push_back(std::move(s));
      } else {
        Lose(LostData{s.key, s.points.times.front(), s.points.times.back(), s.points.size(),
                      path + ": series " + std::to_string(s.id) + " '" + s.key +
                          "' does not belong in this shard or conflicts with the catalog"});
      }
    }
    if (salvage.lost.empty() && keep.size() == salvage.series.size() && Intact(path, meta)) {
      return std::optional<ManifestSegment>(meta);
    }
    STRATA_RETURN_IF_ERROR(Quarantine(path));
    if (keep.empty()) return std::optional<ManifestSegment>();
    const uint64_t id = manifest->next_segment_id++;
    const std::string file = SegmentFileName(id);
    STRATA_ASSIGN_OR_RETURN(auto writer, SegmentWriter::Create(env_, JoinPath(wdir, file), id,
                                                               env_->NowNanos()));
    for (const SalvagedSeries& s : keep) {
      STRATA_RETURN_IF_ERROR(writer->Add(SegmentSeries{s.id, s.key, s.points.type}, s.points));
    }
    STRATA_ASSIGN_OR_RETURN(SegmentInfo info, writer->Finish());
    Act("wrote " + info.path + " with the " + std::to_string(info.point_count) +
        " intact points of " + path);
    return std::optional<ManifestSegment>(ManifestSegment{id, file, meta.level, info.min_time,
                                                          info.max_time, meta.max_lsn,
                                                          info.point_count, info.file_bytes});
  }

  // Whether the segment at `path` opens, decodes whole and matches its manifest entry.
  bool Intact(const std::string& path, const ManifestSegment& meta) {
    auto r = SegmentReader::Open(env_, path);
    return r && (*r)->Verify() && (*r)->id() == meta.id && (*r)->file_bytes() == meta.file_bytes &&
           (*r)->point_count() == meta.point_count &&
           ((*r)->point_count() == 0 ||
            ((*r)->min_time() == meta.min_time && (*r)->max_time() == meta.max_time));
  }

  // ---- WAL ----

  // Where the log must be cut: the first record that is damaged or that recovery cannot place.
  struct Cut {
    size_t file;      // index into the WAL's files
    uint64_t offset;  // of the record in that file
    std::string why;
  };

  Status RepairWal() {
    const std::string dir = JoinPath(dir_, "wal");
    if (!env_->FileExists(dir)) return OkStatus();
    std::optional<Error> damage;
    STRATA_ASSIGN_OR_RETURN(auto catalog,
                            Catalog::OpenReadOnly(env_, JoinPath(dir_, "catalog"), &damage));
    if (damage) return unexpected(*damage);  // the catalog was rebuilt above: cannot happen
    STRATA_ASSIGN_OR_RETURN(auto names, env_->ListDir(dir));
    std::vector<std::string> files;
    for (const std::string& n : names) {
      uint64_t number;
      if (ParseWalFileName(n, &number)) files.push_back(JoinPath(dir, n));
    }
    std::sort(files.begin(), files.end());
    std::optional<Cut> cut;
    for (size_t i = 0; i < files.size() && !cut; i++) {
      STRATA_ASSIGN_OR_RETURN(const std::string data, env_->ReadFile(files[i]));
      WalReader reader(files[i], data, i + 1 == files.size());
      WalRecord record;
      for (;;) {
        auto more = reader.Next(&record);
        if (!more) {
          cut = Cut{i, reader.valid_end(), more.error().ToString()};
          break;
        }
        if (!*more) break;
        if (std::string why = CheckPlaceable(record, *catalog); !why.empty()) {
          cut = Cut{i, record.offset, files[i] + " at offset " + std::to_string(record.offset) +
                                          ": WAL record " + std::to_string(record.lsn) + ": " + why};
          break;
        }
      }
    }
    if (!cut) return OkStatus();
    STRATA_RETURN_IF_ERROR(ReportCutRecords(files, *cut, *catalog));
    STRATA_RETURN_IF_ERROR(QuarantineCopy(files[cut->file]));
    STRATA_RETURN_IF_ERROR(env_->Truncate(files[cut->file], cut->offset));
    Act("cut " + files[cut->file] + " at offset " + std::to_string(cut->offset) + " (" + cut->why +
        ")");
    for (size_t i = cut->file + 1; i < files.size(); i++) STRATA_RETURN_IF_ERROR(Quarantine(files[i]));
    return env_->SyncDir(dir);
  }

  std::string CheckPlaceable(const WalRecord& record, const Catalog& catalog) const {
    DecodedWrite decoded;
    if (record.type != WalRecordType::kWrite || !DecodeWriteRecord(record.payload, &decoded)) {
      return "malformed write record";
    }
    return windows_ ? CheckLoggedWrite(decoded, catalog, *windows_) : "";
  }

  // Reports the records the cut drops: the one at the cut (its content unknown when it is damaged)
  // and every record from there on that can still be read, with their series and times.
  Status ReportCutRecords(const std::vector<std::string>& files, const Cut& cut,
                          const Catalog& catalog) {
    Lose(LostData{"", INT64_MIN, INT64_MAX, 0, "the WAL is cut here: " + cut.why});
    for (size_t i = cut.file; i < files.size(); i++) {
      STRATA_ASSIGN_OR_RETURN(const std::string data, env_->ReadFile(files[i]));
      size_t pos = i == cut.file ? cut.offset : 0;
      while (pos < data.size()) {
        WalReader reader(files[i], std::string_view(data).substr(pos), /*last_file=*/false);
        WalRecord record;
        auto more = reader.Next(&record);
        if (!more || !*more) {
          pos++;  // not a record here: look for the next one
          continue;
        }
        ReportLostRecord(files[i], pos, record, catalog);
        pos += reader.valid_end();
      }
    }
    return OkStatus();
  }

  void ReportLostRecord(const std::string& file, size_t offset, const WalRecord& record,
                        const Catalog& catalog) {
    const std::string where = "WAL record " + std::to_string(record.lsn) + " (" + file +
                              " at offset " + std::to_string(offset) + ") after the cut";
    DecodedWrite decoded;
    if (!DecodeWriteRecord(record.payload, &decoded)) {
      Lose(LostData{"", INT64_MIN, INT64_MAX, 0, where + ": unreadable"});
      return;
    }
    for (const DeleteRecord& d : decoded.deletes) {
      Lose(LostData{"", d.min_time, d.max_time, 0,
                    where + ": a delete in " + d.measurement + " (the points it deleted may "
                            "reappear)"});
    }
    for (const WritePart& part : decoded.parts) {
      for (const SeriesPoints& s : part.series) {
        auto found = catalog.Series(s.id);  // only names the series in the report
        const SeriesInfo* info = found ? *found : nullptr;
        const auto [lo, hi] = std::minmax_element(s.points->times.begin(), s.points->times.end());
        Lose(LostData{info != nullptr ? info->key : "", lo == s.points->times.end() ? 0 : *lo,
                      hi == s.points->times.end() ? 0 : *hi, s.points->size(),
                      where + (info != nullptr ? "" : ": series " + std::to_string(s.id) +
                                                          " of " + part.measurement)});
      }
    }
  }

  Env* const env_;
  const std::string dir_;
  const RepairOptions options_;
  RepairReport report_;
  std::optional<ShardWindows> windows_;
  Catalog::Salvage catalog_;                // the catalog's intact records
  std::map<uint64_t, KnownSeries> series_;  // what the repaired catalog will register
  bool added_series_ = false;               // segments named series the catalog had lost
};

}  // namespace

Result<RepairReport> RepairDirectory(Env* env, const std::string& dir, const RepairOptions& options) {
  return Repairer(env, dir, options).Run();
}

}  // namespace strata
