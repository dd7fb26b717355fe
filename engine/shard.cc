#include "shard.h"

#include <algorithm>
#include <climits>

#include "logger.h"
#include "segment_writer.h"

namespace strata {
namespace {

constexpr char kManifestName[] = "MANIFEST";

int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? INT64_MAX : INT64_MIN;
  return r;
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

// ---- ShardSnapshot ----------------------------------------------------------------------------

Status ShardSnapshot::Read(uint64_t series_id, int64_t min_t, int64_t max_t, Column* out) const {
  min_t = std::max(min_t, min_t_);
  max_t = std::min(max_t, max_t_);
  if (min_t > max_t) return OkStatus();
  auto ts_it = tombstones_.find(series_id);
  const std::vector<Tombstone>* ts = ts_it == tombstones_.end() ? nullptr : &ts_it->second;

  Column merged;
  merged.type = out->type;
  Column part;
  auto add = [&](uint64_t source_lsn) {
    if (ts != nullptr) {
      for (const Tombstone& t : *ts) {
        if (t.lsn > source_lsn) EraseTimeRange(&part, t.min_time, t.max_time);
      }
    }
    if (merged.empty()) {
      std::swap(merged, part);
    } else {
      MergeNewer(&merged, part);
    }
    part.clear();
  };
  part.type = out->type;
  for (const SegmentSource& s : segments_) {
    const SeriesIndexEntry* e = s.reader->Find(series_id);
    if (e == nullptr || e->max_time < min_t || e->min_time > max_t) continue;
    STRATA_RETURN_IF_ERROR(s.reader->Read(*e, min_t, max_t, &part));
    add(s.max_lsn);
  }
  for (const auto& f : frozen_) {
    if (f->ReadSealed(series_id, min_t, max_t, &part)) add(f->last_lsn);
  }
  auto a = active_.find(series_id);
  if (a != active_.end()) {
    AppendTimeRange(a->second, min_t, max_t, &part);
    add(UINT64_MAX);
  }
  if (out->empty()) {
    *out = std::move(merged);
  } else {
    MergeNewer(out, merged);
  }
  return OkStatus();
}

// ---- Shard ----------------------------------------------------------------------------------------

Shard::Shard(Env* env, const Options& options, std::string dir, std::string measurement,
             int64_t window_start, Catalog* catalog)
    : env_(env),
      options_(options),
      dir_(std::move(dir)),
      measurement_(std::move(measurement)),
      window_start_(window_start),
      window_end_(SaturatingAdd(window_start, options.shard_duration_ns)),
      catalog_(catalog),
      active_(std::make_shared<MemStore>()) {}

Result<std::shared_ptr<Shard>> Shard::Open(Env* env, const Options& options, std::string dir,
                                           std::string measurement, int64_t window_start,
                                           Catalog* catalog) {
  std::shared_ptr<Shard> shard(
      new Shard(env, options, std::move(dir), std::move(measurement), window_start, catalog));
  STRATA_RETURN_IF_ERROR(shard->Load());
  return shard;
}

Status Shard::Load() {
  STRATA_RETURN_IF_ERROR(env_->CreateDirs(dir_));
  auto m = ReadManifest(env_, JoinPath(dir_, kManifestName));
  if (m) {
    manifest_ = std::move(*m);
  } else if (m.error().code() != Code::kNotFound) {
    return unexpected(m.error());
  }
  std::vector<std::string> listed;
  for (const ManifestSegment& meta : manifest_.segments) {
    STRATA_ASSIGN_OR_RETURN(auto reader, SegmentReader::Open(env_, JoinPath(dir_, meta.file)));
    segments_.push_back(SegmentHandle{std::move(reader), meta});
    listed.push_back(meta.file);
  }
  for (const Tombstone& t : manifest_.tombstones) tombstones_[t.series_id].push_back(t);
  last_applied_lsn_ = manifest_.flushed_lsn;

  // A crash can leave a temp file, or a segment renamed into place but never listed.
  STRATA_ASSIGN_OR_RETURN(auto names, env_->ListDir(dir_));
  for (const std::string& name : names) {
    const bool stray_segment = name.rfind("seg-", 0) == 0 &&
                               std::find(listed.begin(), listed.end(), name) == listed.end();
    if (stray_segment || EndsWith(name, ".tmp")) {
      Log("removing " + JoinPath(dir_, name) + ", left over from an interrupted flush or compaction");
      STRATA_RETURN_IF_ERROR(env_->RemoveFile(JoinPath(dir_, name)));
    }
  }
  return OkStatus();
}

uint64_t Shard::flushed_lsn() const {
  std::lock_guard lock(mu_);
  return manifest_.flushed_lsn;
}

void Shard::ApplyWrite(uint64_t lsn, std::span<const SeriesPoints> series) {
  std::lock_guard lock(mu_);
  for (const SeriesPoints& s : series) active_->Add(s.id, *s.points);
  if (active_->first_lsn == 0) active_->first_lsn = lsn;
  active_->last_lsn = lsn;
  last_applied_lsn_ = lsn;
}

void Shard::ApplyDelete(uint64_t lsn, const std::vector<uint64_t>& series_ids, int64_t min_t,
                        int64_t max_t) {
  std::lock_guard lock(mu_);
  for (uint64_t id : series_ids) {
    active_->Erase(id, min_t, max_t);
    tombstones_[id].push_back(Tombstone{id, min_t, max_t, lsn});
  }
  if (active_->first_lsn == 0) active_->first_lsn = lsn;
  active_->last_lsn = lsn;
  last_applied_lsn_ = lsn;
}

bool Shard::NeedsFreeze() const {
  std::lock_guard lock(mu_);
  return active_->ApproximateBytes() >= options_.memstore_bytes;
}

bool Shard::Freeze() {
  std::lock_guard lock(mu_);
  if (active_->first_lsn == 0) return false;
  active_->Seal();
  frozen_.push_back(std::move(active_));
  active_ = std::make_shared<MemStore>();
  return true;
}

bool Shard::HasFrozen() const {
  std::lock_guard lock(mu_);
  return !frozen_.empty();
}

uint64_t Shard::OldestUnflushedLsn() const {
  std::lock_guard lock(mu_);
  uint64_t oldest = UINT64_MAX;
  for (const auto& f : frozen_) oldest = std::min(oldest, f->first_lsn);
  if (active_->first_lsn != 0) oldest = std::min(oldest, active_->first_lsn);
  return oldest;
}

uint64_t Shard::ActiveBytes() const {
  std::lock_guard lock(mu_);
  return active_->ApproximateBytes();
}

uint64_t Shard::FrozenBytes() const {
  std::lock_guard lock(mu_);
  uint64_t n = 0;
  for (const auto& f : frozen_) n += f->ApproximateBytes();
  return n;
}

Status Shard::PersistManifest(const Manifest& m) {
  return WriteManifest(env_, JoinPath(dir_, kManifestName), m);
}

void Shard::ApplyTombstones(const std::vector<Tombstone>* ts, uint64_t source_lsn, Column* col) {
  if (ts == nullptr) return;
  for (const Tombstone& t : *ts) {
    if (t.lsn > source_lsn) EraseTimeRange(col, t.min_time, t.max_time);
  }
}

Status Shard::FlushOldestFrozen() {
  std::lock_guard flush_lock(manifest_mu_);
  std::shared_ptr<MemStore> f;
  Manifest m;
  std::unordered_map<uint64_t, std::vector<Tombstone>> ts;
  {
    std::lock_guard lock(mu_);
    if (frozen_.empty()) return OkStatus();
    f = frozen_.front();
    m = manifest_;
    ts = tombstones_;
  }

  std::vector<const SeriesInfo*> series;
  for (uint64_t id : f->SeriesIds()) {
    const SeriesInfo* info = catalog_->Series(id);
    if (info == nullptr) {
      return unexpected(Error::Internal("series " + std::to_string(id) + " is not in the catalog"));
    }
    series.push_back(info);
  }
  std::sort(series.begin(), series.end(),
            [](const SeriesInfo* a, const SeriesInfo* b) { return a->key < b->key; });

  std::optional<SegmentHandle> added;
  if (!series.empty()) {
    const uint64_t seg_id = m.next_segment_id++;
    const std::string file = SegmentFileName(seg_id);
    STRATA_ASSIGN_OR_RETURN(auto writer, SegmentWriter::Create(env_, JoinPath(dir_, file), seg_id,
                                                               env_->NowNanos()));
    Column filtered;
    for (const SeriesInfo* info : series) {
      const Column* col = f->SealedSeries(info->id);
      auto t = ts.find(info->id);
      if (t != ts.end()) {
        filtered = *col;
        ApplyTombstones(&t->second, f->last_lsn, &filtered);
        col = &filtered;
      }
      if (col->empty()) continue;
      STRATA_RETURN_IF_ERROR(writer->Add(SegmentSeries{info->id, info->key, info->type}, *col));
    }
    STRATA_ASSIGN_OR_RETURN(SegmentInfo done, writer->Finish());
    if (done.series_count == 0) {
      STRATA_RETURN_IF_ERROR(env_->RemoveFile(done.path));
    } else {
      STRATA_ASSIGN_OR_RETURN(auto reader, SegmentReader::Open(env_, done.path));
      ManifestSegment meta{seg_id,          file,       0, done.min_time, done.max_time,
                           f->last_lsn, done.point_count, done.file_bytes};
      m.segments.push_back(meta);
      added = SegmentHandle{std::move(reader), meta};
    }
  }
  m.flushed_lsn = std::max(m.flushed_lsn, f->last_lsn);
  m.tombstones.clear();
  for (const auto& [id, list] : ts) {
    for (const Tombstone& t : list) {
      if (t.lsn <= m.flushed_lsn) m.tombstones.push_back(t);
    }
  }
  if (auto s = PersistManifest(m); !s) {
    if (added) (void)env_->RemoveFile(added->reader->path());
    return s;
  }
  std::lock_guard lock(mu_);
  manifest_ = std::move(m);
  if (added) segments_.push_back(std::move(*added));
  frozen_.pop_front();
  return OkStatus();
}

Status Shard::Compact() {
  std::lock_guard flush_lock(manifest_mu_);
  std::vector<SegmentHandle> inputs;
  Manifest m;
  std::unordered_map<uint64_t, std::vector<Tombstone>> ts;
  {
    std::lock_guard lock(mu_);
    inputs = segments_;
    m = manifest_;
    ts = tombstones_;
  }
  if (inputs.empty()) return OkStatus();
  bool tombstones_apply = false;
  for (const auto& [id, list] : ts) {
    for (const Tombstone& t : list) {
      for (const SegmentHandle& in : inputs) {
        tombstones_apply |= t.lsn > in.meta.max_lsn && in.reader->Find(id) != nullptr;
      }
    }
  }
  if (inputs.size() == 1 && !tombstones_apply) return OkStatus();

  std::vector<const SeriesIndexEntry*> entries;
  for (const SegmentHandle& in : inputs) {
    for (const SeriesIndexEntry& e : in.reader->index()) entries.push_back(&e);
  }
  std::sort(entries.begin(), entries.end(), [](const SeriesIndexEntry* a, const SeriesIndexEntry* b) {
    return a->key < b->key;
  });
  entries.erase(std::unique(entries.begin(), entries.end(),
                            [](const SeriesIndexEntry* a, const SeriesIndexEntry* b) {
                              return a->id == b->id;
                            }),
                entries.end());

  const uint64_t seg_id = m.next_segment_id++;
  const std::string file = SegmentFileName(seg_id);
  STRATA_ASSIGN_OR_RETURN(auto writer, SegmentWriter::Create(env_, JoinPath(dir_, file), seg_id,
                                                             env_->NowNanos()));
  uint64_t max_lsn = 0;
  for (const SegmentHandle& in : inputs) max_lsn = std::max(max_lsn, in.meta.max_lsn);
  Column merged, part;
  for (const SeriesIndexEntry* e : entries) {
    merged.clear();
    merged.type = e->type;
    auto t = ts.find(e->id);
    const std::vector<Tombstone>* list = t == ts.end() ? nullptr : &t->second;
    for (const SegmentHandle& in : inputs) {
      const SeriesIndexEntry* ie = in.reader->Find(e->id);
      if (ie == nullptr) continue;
      part.clear();
      part.type = e->type;
      STRATA_RETURN_IF_ERROR(in.reader->Read(*ie, INT64_MIN, INT64_MAX, &part));
      ApplyTombstones(list, in.meta.max_lsn, &part);
      MergeNewer(&merged, part);
    }
    if (merged.empty()) continue;
    STRATA_RETURN_IF_ERROR(writer->Add(SegmentSeries{e->id, e->key, e->type}, merged));
  }
  STRATA_ASSIGN_OR_RETURN(SegmentInfo done, writer->Finish());
  std::optional<SegmentHandle> output;
  m.segments.clear();
  if (done.series_count == 0) {
    STRATA_RETURN_IF_ERROR(env_->RemoveFile(done.path));
  } else {
    STRATA_ASSIGN_OR_RETURN(auto reader, SegmentReader::Open(env_, done.path));
    ManifestSegment meta{seg_id, file,    1, done.min_time, done.max_time,
                         max_lsn, done.point_count, done.file_bytes};
    m.segments.push_back(meta);
    output = SegmentHandle{std::move(reader), meta};
  }
  // Every tombstone up to flushed_lsn has now been applied to all the data it could mask: older
  // data is all in segments, and what is still in MemStores is newer than it.
  m.tombstones.clear();
  if (auto s = PersistManifest(m); !s) {
    if (output) (void)env_->RemoveFile(output->reader->path());
    return s;
  }
  {
    std::lock_guard lock(mu_);
    manifest_ = m;
    segments_.clear();
    if (output) segments_.push_back(std::move(*output));
    for (auto it = tombstones_.begin(); it != tombstones_.end();) {
      auto& list = it->second;
      std::erase_if(list, [&](const Tombstone& t) { return t.lsn <= m.flushed_lsn; });
      it = list.empty() ? tombstones_.erase(it) : std::next(it);
    }
  }
  // Readers holding snapshots keep their open descriptors; the files just lose their names.
  for (const SegmentHandle& in : inputs) {
    if (auto s = env_->RemoveFile(in.reader->path()); !s) Log(s.error().ToString());
  }
  return OkStatus();
}

std::shared_ptr<ShardSnapshot> Shard::Snapshot(std::span<const uint64_t> series_ids, int64_t min_t,
                                               int64_t max_t) {
  auto snap = std::make_shared<ShardSnapshot>();
  snap->window_start_ = window_start_;
  snap->min_t_ = min_t;
  snap->max_t_ = max_t;
  std::lock_guard lock(mu_);
  for (const SegmentHandle& s : segments_) {
    if (s.meta.max_time < min_t || s.meta.min_time > max_t) continue;
    snap->segments_.push_back(ShardSnapshot::SegmentSource{s.reader, s.meta.max_lsn});
  }
  snap->frozen_.assign(frozen_.begin(), frozen_.end());
  for (uint64_t id : series_ids) {
    auto t = tombstones_.find(id);
    if (t != tombstones_.end()) snap->tombstones_.emplace(id, t->second);
    const SeriesInfo* info = catalog_->Series(id);
    if (info == nullptr) continue;
    Column c;
    c.type = info->type;
    if (active_->Read(id, min_t, max_t, &c) && !c.empty()) snap->active_.emplace(id, std::move(c));
  }
  return snap;
}

ShardStats Shard::Stats() const {
  std::lock_guard lock(mu_);
  ShardStats s;
  s.measurement = measurement_;
  s.window_start = window_start_;
  s.active_bytes = active_->ApproximateBytes();
  s.active_points = active_->point_count();
  s.frozen_count = frozen_.size();
  for (const auto& f : frozen_) s.frozen_bytes += f->ApproximateBytes();
  s.segment_count = segments_.size();
  for (const SegmentHandle& h : segments_) {
    s.segment_bytes += h.meta.file_bytes;
    s.segment_points += h.meta.point_count;
  }
  for (const auto& [id, list] : tombstones_) s.tombstones += list.size();
  s.flushed_lsn = manifest_.flushed_lsn;
  return s;
}

std::vector<std::string> Shard::Verify() const {
  std::vector<SegmentHandle> segs;
  {
    std::lock_guard lock(mu_);
    segs = segments_;
  }
  std::vector<std::string> problems;
  for (const SegmentHandle& h : segs) {
    if (auto s = h.reader->Verify(); !s) problems.push_back(s.error().ToString());
  }
  return problems;
}

}  // namespace strata
