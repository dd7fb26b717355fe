#include "shard.h"

#include <algorithm>
#include <climits>
#include <functional>
#include <iterator>
#include <optional>

#include "backup_point.h"
#include "coding.h"
#include "data_dir.h"
#include "logger.h"
#include "segment_writer.h"

namespace strata {
namespace {

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

// ---- ShardSnapshot ----------------------------------------------------------------------------

Status ShardSnapshot::Read(uint64_t series_id, int64_t min_t, int64_t max_t, Column* out) const {
  if (damage_) return unexpected(*damage_);
  min_t = std::max(min_t, min_t_);
  max_t = std::min(max_t, max_t_);
  if (min_t > max_t) return OkStatus();
  auto ts_it = tombstones_.find(series_id);
  const std::vector<Tombstone>* ts = ts_it == tombstones_.end() ? nullptr : &ts_it->second;

  // Sources are merged oldest first into `target`: *out itself when it starts empty (keeping its
  // buffers, which a cursor reuses window after window), else a column merged into it at the end.
  // A source's points go straight into an empty target, else into `part` first.
  Column merged;
  merged.type = out->type;
  merged.times_only = out->times_only;
  Column* target = out->empty() ? out : &merged;
  Column part;
  part.type = out->type;
  part.times_only = out->times_only;
  // Applies the tombstones newer than the source and merges it in.
  auto add = [&](Column* read, uint64_t source_lsn) {
    if (ts != nullptr) {
      for (const Tombstone& t : *ts) {
        if (t.lsn > source_lsn) EraseTimeRange(read, t.min_time, t.max_time);
      }
    }
    if (read != target) {
      MergeNewer(target, *read);
      read->clear();
    }
  };
  for (const SegmentSource& s : segments_) {
    const SeriesIndexEntry* e = s.reader->Find(series_id);
    if (e == nullptr || e->max_time < min_t || e->min_time > max_t) continue;
    Column* read = target->empty() ? target : &part;
    uint64_t fill_left = cache_fill_left_.load(std::memory_order_relaxed);
    Status st = s.reader->Read(*e, min_t, max_t, read, block_cache_.get(), &fill_left);
    cache_fill_left_.store(fill_left, std::memory_order_relaxed);
    if (!st) {
      if (target == out) out->clear();  // *out as it came (empty)
      return st;
    }
    add(read, s.max_lsn);
  }
  for (const auto& f : frozen_) {
    Column* read = target->empty() ? target : &part;
    if (f->ReadSealed(series_id, min_t, max_t, read)) add(read, f->last_lsn);
  }
  auto a = active_.find(series_id);
  if (a != active_.end()) {
    Column* read = target->empty() ? target : &part;
    AppendTimeRange(a->second, min_t, max_t, read);
    add(read, UINT64_MAX);
  }
  if (target != out) MergeNewer(out, merged);
  return OkStatus();
}

bool ShardSnapshot::ReadNewest(uint64_t series_id, int64_t min_t, int64_t max_t,
                               Column* out) const {
  if (damage_) return false;  // Read reports it
  min_t = std::max(min_t, min_t_);
  max_t = std::min(max_t, max_t_);
  if (min_t > max_t) return true;
  const std::vector<Tombstone>* ts = nullptr;
  if (!tombstones_.empty()) {
    auto ts_it = tombstones_.find(series_id);
    if (ts_it != tombstones_.end()) ts = &ts_it->second;
  }
  // Whether a delete newer than the source (as Read applies them) removes its point at `t`.
  auto deleted = [&](int64_t t, uint64_t source_lsn) {
    if (ts == nullptr) return false;
    return std::any_of(ts->begin(), ts->end(), [&](const Tombstone& d) {
      return d.lsn > source_lsn && d.min_time <= t && t <= d.max_time;
    });
  };

  // The newest point so far: the newest of segment entry `entry`, or point `index` of `column`.
  // Sources come oldest first, and of equal times the newer source's point wins. Segments are
  // visited newest first, so that the older ones, whose points are all older than one found
  // already (the usual case: data arrives in time order), are passed over without a lookup.
  bool found = false;
  int64_t newest = 0;
  const SegmentSource* segment = nullptr;
  const SeriesIndexEntry* entry = nullptr;
  const Column* column = nullptr;
  size_t index = 0;
  for (auto s = segments_.rbegin(); s != segments_.rend(); ++s) {
    if (found && s->max_time < newest) continue;
    const SeriesIndexEntry* e = s->reader->Find(series_id);
    if (e == nullptr || e->max_time < min_t || e->min_time > max_t) continue;
    if (e->max_time > max_t || deleted(e->max_time, s->max_lsn)) return false;
    if (!found || e->max_time > newest) {
      found = true;
      newest = e->max_time;
      segment = &*s;
      entry = e;
    }
  }
  // A MemStore's points (sorted): their newest in range. False when a delete hides it.
  auto consider = [&](const Column& c, uint64_t source_lsn) {
    auto it = std::upper_bound(c.times.begin(), c.times.end(), max_t);
    if (it == c.times.begin() || *std::prev(it) < min_t) return true;
    const int64_t t = *std::prev(it);
    if (deleted(t, source_lsn)) return false;
    if (!found || t >= newest) {
      found = true;
      newest = t;
      segment = nullptr;
      column = &c;
      index = static_cast<size_t>(std::prev(it) - c.times.begin());
    }
    return true;
  };
  for (const auto& f : frozen_) {
    const Column* c = f->SealedSeries(series_id);
    if (c != nullptr && !consider(*c, f->last_lsn)) return false;
  }
  if (!active_.empty()) {
    auto a = active_.find(series_id);
    if (a != active_.end() && !consider(a->second, UINT64_MAX)) return false;
  }

  if (!found) return true;
  if (segment == nullptr) {
    out->AppendFrom(*column, index);
    return true;
  }
  uint64_t fill_left = cache_fill_left_.load(std::memory_order_relaxed);
  Status st = segment->reader->ReadNewest(*entry, out, block_cache_.get(), &fill_left);
  cache_fill_left_.store(fill_left, std::memory_order_relaxed);
  return st.has_value();
}

std::optional<int64_t> ShardSnapshot::LatestBlockStart(uint64_t series_id,
                                                       int64_t at_or_before) const {
  std::optional<int64_t> latest;
  for (const SegmentSource& s : segments_) {
    const SeriesIndexEntry* e = s.reader->Find(series_id);
    if (e == nullptr) continue;
    auto it = std::partition_point(e->blocks.begin(), e->blocks.end(), [&](const BlockRef& b) {
      return b.min_time <= at_or_before;
    });
    if (it == e->blocks.begin()) continue;
    const int64_t start = std::prev(it)->min_time;
    if (!latest || start > *latest) latest = start;
  }
  return latest;
}

std::optional<int64_t> ShardSnapshot::EarliestBlockEnd(uint64_t series_id,
                                                       int64_t at_or_after) const {
  std::optional<int64_t> earliest;
  for (const SegmentSource& s : segments_) {
    const SeriesIndexEntry* e = s.reader->Find(series_id);
    if (e == nullptr) continue;
    auto it = std::partition_point(e->blocks.begin(), e->blocks.end(), [&](const BlockRef& b) {
      return b.max_time < at_or_after;
    });
    if (it == e->blocks.end()) continue;
    if (!earliest || it->max_time < *earliest) earliest = it->max_time;
  }
  return earliest;
}

// ---- Shard ----------------------------------------------------------------------------------------

Shard::Shard(Env* env, const Options& options, std::string dir, std::string measurement,
             int64_t window_start, Catalog* catalog, std::shared_ptr<BlockCache> block_cache)
    : env_(env),
      options_(options),
      dir_(std::move(dir)),
      measurement_(std::move(measurement)),
      window_start_(window_start),
      window_end_(SaturatingAdd(window_start, options.shard_duration_ns)),
      catalog_(catalog),
      block_cache_(std::move(block_cache)),
      active_(std::make_shared<MemStore>()) {}

Result<std::shared_ptr<Shard>> Shard::Open(Env* env, const Options& options, std::string dir,
                                           std::string measurement, int64_t window_start,
                                           Catalog* catalog,
                                           std::shared_ptr<BlockCache> block_cache) {
  std::shared_ptr<Shard> shard(new Shard(env, options, std::move(dir), std::move(measurement),
                                         window_start, catalog, std::move(block_cache)));
  STRATA_RETURN_IF_ERROR(shard->Load());
  return shard;
}

Status Shard::Load() {
  // A reader creates nothing: a shard the writer has not yet made a directory for is empty.
  const bool follower = options_.read_only == OpenMode::kReader;
  if (follower && !env_->FileExists(dir_)) return OkStatus();
  if (!follower) STRATA_RETURN_IF_ERROR(env_->CreateDirs(dir_));
  Manifest manifest;
  auto m = ReadManifest(env_, JoinPath(dir_, kManifestName));
  if (m) {
    manifest = std::move(*m);
  } else if (m.error().code() != Code::kNotFound) {
    return unexpected(m.error());
  }
  std::vector<SegmentHandle> segments;
  std::vector<std::string> listed;
  for (const ManifestSegment& meta : manifest.segments) {
    listed.push_back(meta.file);
    const std::string path = JoinPath(dir_, meta.file);
    auto reader = env_->FileExists(path)
                      ? SegmentReader::Open(env_, path)
                      : unexpected(Error::NotFound("segment " + path + " not found"));
    if (reader) {
      if (std::optional<Error> foreign = CheckAgainstCatalog(**reader)) {
        reader = unexpected(*foreign);
      } else {
        segments.push_back(SegmentHandle{std::move(*reader), meta});
        continue;
      }
    }
    if (reader.error().code() != Code::kCorrupt && reader.error().code() != Code::kNotFound) {
      return unexpected(reader.error());
    }
    Error why = reader.error().code() == Code::kCorrupt
                    ? reader.error()
                    : Error::Corrupt(path, 0, "segment listed in the manifest is missing");
    // A reader may have raced the writer's compaction; it loads again rather than log (see
    // DirectoryReader), and reports what stays damaged through reads and Stats.
    if (!follower) {
      Log("shard " + dir_ + ": " + why.ToString() + "; reads of its times fail until `strata repair`");
    }
    damaged_.push_back(DamagedSegment{meta, std::move(why)});
  }

  // A crash can leave a temp file, or a segment renamed into place but never listed.
  std::vector<std::string> leftovers;
  STRATA_ASSIGN_OR_RETURN(auto names, env_->ListDir(dir_));
  for (const std::string& name : names) {
    const bool stray_segment = name.rfind("seg-", 0) == 0 &&
                               std::find(listed.begin(), listed.end(), name) == listed.end();
    if (stray_segment || EndsWith(name, ".tmp")) leftovers.push_back(name);
  }

  // The shard is not shared yet: the lock costs nothing, and keeps the rule without exceptions.
  MutexLock lock(&mu_);
  for (const Tombstone& t : manifest.tombstones) tombstones_[t.series_id].push_back(t);
  last_applied_lsn_ = manifest.flushed_lsn;
  manifest_ = std::move(manifest);
  segments_ = std::move(segments);
  leftovers_ = std::move(leftovers);
  return OkStatus();
}

std::optional<Error> Shard::CheckAgainstCatalog(const SegmentReader& reader) const {
  for (const SeriesIndexEntry& e : reader.index()) {
    if (catalog_->IsDropped(e.id)) continue;  // a dropped measurement's: its points go
    auto same = catalog_->HasSeries(e.id, e.key, e.type, measurement_);
    if (!same) return same.error();
    if (!*same) {
      return Error::Corrupt(reader.path(), e.section_offset,
                            "segment: series " + std::to_string(e.id) + " '" + std::string(e.key) +
                                "' does not match the catalog (or is not of measurement '" +
                                measurement_ + "')");
    }
  }
  return std::nullopt;
}

Status Shard::RemoveLeftovers() {
  std::vector<std::string> names;
  {
    MutexLock lock(&mu_);
    names.swap(leftovers_);
  }
  for (const std::string& name : names) {
    Log("removing " + JoinPath(dir_, name) + ", left over from an interrupted flush or compaction");
    STRATA_RETURN_IF_ERROR(env_->RemoveFile(JoinPath(dir_, name)));
  }
  return OkStatus();
}

std::optional<Error> Shard::Damage() const {
  if (!damaged_.empty()) {
    const DamagedSegment& d = damaged_.front();
    return Error::Corrupt(JoinPath(dir_, d.meta.file), 0,
                          "damaged segment of times " + std::to_string(d.meta.min_time) + " to " +
                              std::to_string(d.meta.max_time) + " (" + d.error.ToString() +
                              "); `strata repair` salvages its intact blocks");
  }
  MutexLock lock(&mu_);
  return compaction_damage_;
}

uint64_t Shard::flushed_lsn() const {
  MutexLock lock(&mu_);
  return manifest_.flushed_lsn;
}

void Shard::ApplyWrite(uint64_t lsn, std::span<const SeriesPoints> series) {
  MutexLock lock(&mu_);
  for (const SeriesPoints& s : series) active_->Add(s.id, *s.points);
  if (active_->first_lsn == 0) active_->first_lsn = lsn;
  active_->last_lsn = lsn;
  last_applied_lsn_ = lsn;
}

void Shard::ApplyDelete(uint64_t lsn, const std::vector<uint64_t>& series_ids, int64_t min_t,
                        int64_t max_t) {
  MutexLock lock(&mu_);
  for (uint64_t id : series_ids) {
    active_->Erase(id, min_t, max_t);
    tombstones_[id].push_back(Tombstone{id, min_t, max_t, lsn});
  }
  if (active_->first_lsn == 0) active_->first_lsn = lsn;
  active_->last_lsn = lsn;
  last_applied_lsn_ = lsn;
}

bool Shard::NeedsFreeze() const {
  MutexLock lock(&mu_);
  return active_->ApproximateBytes() >= options_.memstore_bytes;
}

bool Shard::Freeze(uint64_t* bytes) {
  MutexLock lock(&mu_);
  if (active_->first_lsn == 0) return false;
  active_->Seal();
  if (bytes != nullptr) *bytes = active_->ApproximateBytes();
  frozen_.push_back(std::move(active_));
  active_ = std::make_shared<MemStore>();
  return true;
}

bool Shard::HasFrozen() const {
  MutexLock lock(&mu_);
  return !frozen_.empty();
}

uint64_t Shard::OldestUnflushedLsn() const {
  MutexLock lock(&mu_);
  uint64_t oldest = UINT64_MAX;
  for (const auto& f : frozen_) oldest = std::min(oldest, f->first_lsn);
  if (active_->first_lsn != 0) oldest = std::min(oldest, active_->first_lsn);
  return oldest;
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

uint64_t Shard::AllocateSegmentId() {
  MutexLock lock(&mu_);
  return manifest_.next_segment_id++;  // persisted with the next manifest; strays are removed at open
}

Result<std::optional<Shard::SegmentHandle>> Shard::WriteSegment(const SeriesStream& next,
                                                                uint64_t max_lsn, int level) {
  const uint64_t seg_id = AllocateSegmentId();
  const std::string file = SegmentFileName(seg_id);
  STRATA_ASSIGN_OR_RETURN(auto writer, SegmentWriter::Create(env_, JoinPath(dir_, file), seg_id,
                                                             env_->NowNanos()));
  Column points;
  SegmentSeries series{};  // reused: its key keeps its memory from series to series
  for (;;) {
    STRATA_ASSIGN_OR_RETURN(const bool more, next(&series, &points));
    if (!more) break;
    if (points.empty()) continue;
    STRATA_RETURN_IF_ERROR(writer->Add(series, points));
  }
  STRATA_ASSIGN_OR_RETURN(SegmentInfo done, writer->Finish());
  if (done.series_count == 0) {
    STRATA_RETURN_IF_ERROR(env_->RemoveFile(done.path));
    return std::optional<SegmentHandle>();
  }
  STRATA_ASSIGN_OR_RETURN(auto reader, SegmentReader::Open(env_, done.path));
  ManifestSegment meta{seg_id,  file,    level, done.min_time, done.max_time,
                       max_lsn, done.point_count, done.file_bytes};
  return std::optional<SegmentHandle>(SegmentHandle{std::move(reader), meta});
}

Status Shard::CommitManifest(const std::function<void(Manifest*)>& edit,
                             const std::optional<SegmentHandle>& added) {
  MutexLock commit_lock(&manifest_mu_);
  Manifest m;
  {
    MutexLock lock(&mu_);
    m = manifest_;
  }
  edit(&m);
  if (auto s = PersistManifest(m); !s) {
    if (added) (void)env_->RemoveFile(added->reader->path());
    return s;
  }
  MutexLock lock(&mu_);
  m.next_segment_id = std::max(m.next_segment_id, manifest_.next_segment_id);
  manifest_ = std::move(m);
  return OkStatus();
}

Status Shard::FlushOldestFrozen(uint64_t* released_bytes) {
  MutexLock flush_lock(&flush_mu_);
  std::shared_ptr<MemStore> f;
  std::unordered_map<uint64_t, std::vector<Tombstone>> ts;
  {
    MutexLock lock(&mu_);
    if (frozen_.empty()) return OkStatus();
    f = frozen_.front();
    ts = tombstones_;
  }
  std::vector<const SeriesInfo*> series;
  for (uint64_t id : f->SeriesIds()) {
    if (catalog_->IsDropped(id)) continue;  // its measurement was dropped: the points go with it
    STRATA_ASSIGN_OR_RETURN(const SeriesInfo* info, catalog_->Series(id));
    if (info == nullptr) {
      return unexpected(Error::Internal("series " + std::to_string(id) + " is not in the catalog"));
    }
    series.push_back(info);
  }
  std::sort(series.begin(), series.end(),
            [](const SeriesInfo* a, const SeriesInfo* b) { return a->key < b->key; });
  std::optional<SegmentHandle> added;
  if (!series.empty()) {
    size_t next = 0;
    auto stream = [&](SegmentSeries* out_series, Column* out) -> Result<bool> {
      if (next == series.size()) return false;
      const SeriesInfo* info = series[next++];
      out_series->id = info->id;
      out_series->key.assign(info->key);
      out_series->type = info->type;
      *out = *f->SealedSeries(info->id);  // (the assignment keeps *out's memory where it suffices)
      auto t = ts.find(info->id);
      if (t != ts.end()) ApplyTombstones(&t->second, f->last_lsn, out);
      return true;
    };
    STRATA_ASSIGN_OR_RETURN(added, WriteSegment(stream, f->last_lsn, /*level=*/0));
  }
  STRATA_RETURN_IF_ERROR(CommitManifest(
      [&](Manifest* m) {
        if (added) m->segments.push_back(added->meta);
        m->flushed_lsn = std::max(m->flushed_lsn, f->last_lsn);
        // Tombstones up to the flush point leave the WAL with it: they go in the manifest.
        MutexLock lock(&mu_);
        m->tombstones.clear();
        for (const auto& [id, list] : tombstones_) {
          for (const Tombstone& t : list) {
            if (t.lsn <= m->flushed_lsn) m->tombstones.push_back(t);
          }
        }
      },
      added));
  MutexLock lock(&mu_);
  if (added) segments_.push_back(std::move(*added));
  if (released_bytes != nullptr) *released_bytes += f->ApproximateBytes();  // sealed: unchanged
  frozen_.pop_front();
  return OkStatus();
}

bool Shard::HoldsOnlyDropped() const {
  if (!damaged_.empty()) return false;
  MutexLock lock(&mu_);
  if (!active_->empty() || !frozen_.empty()) return false;
  for (const SegmentHandle& s : segments_) {
    for (const SeriesIndexEntry& e : s.reader->index()) {
      if (!catalog_->IsDropped(e.id)) return false;
    }
  }
  return true;
}

size_t Shard::SegmentCount() const {
  MutexLock lock(&mu_);
  return segments_.size();
}

Status Shard::Compact() {
  MutexLock compact_lock(&compact_mu_);
  if (std::optional<Error> damage = Damage()) return unexpected(*damage);
  Status s = CompactSegments();
  if (!s && s.error().code() == Code::kCorrupt) {
    MutexLock lock(&mu_);
    compaction_damage_ = s.error();
  }
  return s;
}

Status Shard::CompactSegments() {
  std::vector<SegmentHandle> inputs;
  std::unordered_map<uint64_t, std::vector<Tombstone>> ts;
  uint64_t flushed_lsn;
  {
    MutexLock lock(&mu_);
    inputs = segments_;
    ts = tombstones_;
    flushed_lsn = manifest_.flushed_lsn;
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
  bool holds_dropped = false;  // series of a dropped measurement, which the merge leaves out
  for (const SegmentHandle& in : inputs) {
    for (const SeriesIndexEntry& e : in.reader->index()) holds_dropped |= catalog_->IsDropped(e.id);
  }
  // A lone segment is rewritten only to apply tombstones, to leave out dropped series or to bring
  // it to the current format.
  if (inputs.size() == 1 && !tombstones_apply && !holds_dropped &&
      inputs[0].reader->format_version() == kSegmentFormatVersion) {
    return OkStatus();
  }

  // Every series of any input, in key order (a merge of the inputs' indexes, each sorted by key),
  // read from each input that holds it (oldest first) with the tombstones newer than that input
  // applied, and merged newest-wins. Each input is read through a window of its file (ReadAll):
  // the merge visits its series in key order, which is their order in the file.
  std::vector<size_t> pos(inputs.size(), 0);  // per input: its next entry in the merge
  std::vector<SegmentReader::ReadAhead> ahead(inputs.size());
  Column part;
  auto stream = [&](SegmentSeries* out_series, Column* out) -> Result<bool> {
    for (;;) {
      const SeriesIndexEntry* least = nullptr;
      for (size_t i = 0; i < inputs.size(); i++) {
        const auto& index = inputs[i].reader->index();
        if (pos[i] == index.size()) continue;
        if (least == nullptr || index[pos[i]].key < least->key) least = &index[pos[i]];
      }
      if (least == nullptr) return false;
      const uint64_t id = least->id;
      const std::string_view key = least->key;       // (the entry outlives this call)
      const bool dropped = catalog_->IsDropped(id);  // its measurement was dropped: the points go
      // The inputs' index names the series (checked against the catalog when they were opened):
      // no SeriesInfo is needed, so none is built from a catalog checkpoint.
      auto t = ts.find(id);
      const std::vector<Tombstone>* list = t == ts.end() ? nullptr : &t->second;
      out->clear();
      out->type = least->type;
      out_series->id = id;
      out_series->key.assign(key);
      out_series->type = least->type;
      for (size_t i = 0; i < inputs.size(); i++) {
        const auto& index = inputs[i].reader->index();
        if (pos[i] == index.size() || index[pos[i]].key != key) continue;
        const SeriesIndexEntry& e = index[pos[i]++];
        if (e.id != id) {
          return unexpected(Error::Internal("segments " + inputs[i].reader->path() +
                                            " and others name series " + std::to_string(e.id) +
                                            " and " + std::to_string(id) + " by one key"));
        }
        if (dropped) continue;
        part.clear();
        part.type = out->type;
        STRATA_RETURN_IF_ERROR(inputs[i].reader->ReadAll(e, &part, &ahead[i]));
        ApplyTombstones(list, inputs[i].meta.max_lsn, &part);
        MergeNewer(out, part);
      }
      if (!dropped) return true;
    }
  };
  uint64_t max_lsn = 0;
  std::vector<uint64_t> input_ids;
  for (const SegmentHandle& in : inputs) {
    max_lsn = std::max(max_lsn, in.meta.max_lsn);
    input_ids.push_back(in.meta.id);
  }
  STRATA_ASSIGN_OR_RETURN(std::optional<SegmentHandle> output,
                          WriteSegment(stream, max_lsn, /*level=*/1));
  auto is_input = [&](uint64_t id) {
    return std::find(input_ids.begin(), input_ids.end(), id) != input_ids.end();
  };
  // Tombstones up to the flush point at the start have now been applied to all the data they
  // could mask: older data was all in the inputs, and what came since is newer than them.
  auto applied = [&](const Tombstone& t) { return t.lsn <= flushed_lsn; };
  STRATA_RETURN_IF_ERROR(CommitManifest(
      [&](Manifest* m) {
        std::erase_if(m->segments, [&](const ManifestSegment& s) { return is_input(s.id); });
        if (output) m->segments.insert(m->segments.begin(), output->meta);  // the oldest data
        std::erase_if(m->tombstones, applied);
      },
      output));
  {
    MutexLock lock(&mu_);
    std::erase_if(segments_, [&](const SegmentHandle& h) { return is_input(h.meta.id); });
    if (output) segments_.insert(segments_.begin(), std::move(*output));
    for (auto it = tombstones_.begin(); it != tombstones_.end();) {
      std::erase_if(it->second, applied);
      it = it->second.empty() ? tombstones_.erase(it) : std::next(it);
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
  snap->block_cache_ = block_cache_;
  for (const DamagedSegment& d : damaged_) {
    if (d.meta.max_time < min_t || d.meta.min_time > max_t) continue;
    snap->damage_ = Error::Corrupt(
        JoinPath(dir_, d.meta.file), 0,
        "this read needs a damaged segment (" + d.error.ToString() +
            "); `strata repair` salvages its intact blocks");
    break;
  }
  if (block_cache_) {
    snap->cache_fill_left_ = block_cache_->capacity() / ShardSnapshot::kScanFillFraction;
  }
  MutexLock lock(&mu_);
  for (const SegmentHandle& s : segments_) {
    if (s.meta.max_time < min_t || s.meta.min_time > max_t) continue;
    snap->segments_.push_back(
        ShardSnapshot::SegmentSource{s.reader, s.meta.max_lsn, s.meta.max_time});
  }
  snap->frozen_.assign(frozen_.begin(), frozen_.end());
  if (tombstones_.empty() && active_->empty()) return snap;
  for (uint64_t id : series_ids) {
    auto t = tombstones_.find(id);
    if (t != tombstones_.end()) snap->tombstones_.emplace(id, t->second);
    Column c;
    if (active_->Read(id, min_t, max_t, &c) && !c.empty()) snap->active_.emplace(id, std::move(c));
  }
  return snap;
}

ShardBackupPoint Shard::PinForBackup() const {
  ShardBackupPoint point;
  point.dir = dir_;
  point.manifest_name = kManifestName;
  MutexLock lock(&mu_);
  point.manifest = manifest_;
  for (const ManifestSegment& meta : manifest_.segments) {
    PinnedFile pinned{meta.file, nullptr, meta.file_bytes, /*immutable=*/true};
    auto open = std::find_if(segments_.begin(), segments_.end(),
                             [&](const SegmentHandle& h) { return h.meta.id == meta.id; });
    if (open != segments_.end()) {
      pinned.file = std::shared_ptr<const RandomAccessFile>(open->reader, &open->reader->file());
    } else if (auto file = env_->NewRandomAccessFile(JoinPath(dir_, meta.file))) {
      // Just written by a flush or compaction whose manifest is in but whose reader is not yet,
      // or a damaged segment (copied as it is: the copy reports it as the source does).
      pinned.file = std::move(*file);
    }
    if (pinned.file != nullptr) pinned.size = pinned.file->Size();
    point.segments.push_back(std::move(pinned));
  }
  return point;
}

ShardStats Shard::Stats() const {
  MutexLock lock(&mu_);
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
    s.segment_index_bytes += h.reader->IndexMemoryBytes();
  }
  for (const auto& [id, list] : tombstones_) s.tombstones += list.size();
  s.flushed_lsn = manifest_.flushed_lsn;
  if (!damaged_.empty()) {
    s.damage = damaged_.front().error.ToString();
  } else if (compaction_damage_) {
    s.damage = compaction_damage_->ToString();
  }
  return s;
}

std::vector<std::string> Shard::Verify() const {
  std::vector<SegmentHandle> segs;
  {
    MutexLock lock(&mu_);
    segs = segments_;
  }
  std::vector<std::string> problems;
  for (const DamagedSegment& d : damaged_) problems.push_back(d.error.ToString());
  for (const SegmentHandle& h : segs) {
    if (auto s = h.reader->Verify(); !s) problems.push_back(s.error().ToString());
  }
  return problems;
}

}  // namespace strata
