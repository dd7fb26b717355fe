#include "catalog.h"

#include <algorithm>
#include <atomic>
#include <cstdio>

#include "coding.h"
#include "memory_estimate.h"
#include "series_key.h"
#include "tag_predicate.h"
#include "wal.h"

namespace strata {
namespace {

constexpr uint64_t kCatalogFileBytes = 64ull << 20;

std::string TypeConflictMessage(std::string_view measurement, std::string_view field,
                                ValueType existing, ValueType wanted) {
  return "field '" + std::string(field) + "' of measurement '" + std::string(measurement) +
         "' has type " + ValueTypeName(existing) + "; cannot write " +
         (wanted == ValueType::kInt ? "an " : "a ") + ValueTypeName(wanted) + " value";
}

// The 8 bytes of `key` from `from` on, zero-padded, as a big-endian number: if a's is less than
// b's (same `from`, a common prefix before it), then a < b bytewise.
uint64_t KeyHead(std::string_view key, size_t from) {
  uint64_t head = 0;
  for (size_t at = from; at < from + 8; at++) {
    head = head << 8 | (at < key.size() ? static_cast<uint8_t>(key[at]) : 0);
  }
  return head;
}

// The heap one SeriesInfo's strings and tags hold (the object itself is counted with its chunk,
// and its slot of series_ and the key tables by Memory()).
size_t SeriesMemoryBytes(const SeriesInfo& info) {
  size_t bytes = StringHeapBytes(info.key) + StringHeapBytes(info.measurement) +
                 StringHeapBytes(info.field);
  bytes += info.tags.capacity() * sizeof(Tag) + (info.tags.empty() ? 0 : kMallocOverhead);
  for (const Tag& t : info.tags) bytes += StringHeapBytes(t.key) + StringHeapBytes(t.value);
  return bytes;
}

// The start of the FieldKey of every field of `measurement`.
std::string FieldKeyPrefix(std::string_view measurement) {
  std::string prefix;
  AppendEscaped(&prefix, measurement);
  prefix.push_back('#');
  return prefix;
}

// Whether `field_key` is a FieldKey of the measurement whose FieldKeyPrefix is `prefix`.
bool IsFieldKeyOf(std::string_view field_key, std::string_view prefix) {
  return field_key.size() > prefix.size() && field_key.starts_with(prefix);
}

// The suffix of a checkpoint's index file: idx-<last id>-<through lsn>.six, both 16 hex digits.
constexpr const char* kIndexFileSuffix = ".six";

// (through lsn, last id) of a checkpoint's index file name; nullopt for any other name.
std::optional<std::pair<uint64_t, uint64_t>> ParseIndexFileName(std::string_view name) {
  constexpr size_t kLength = 4 + 16 + 1 + 16 + 4;
  if (name.size() != kLength || !name.starts_with("idx-") || name[20] != '-' ||
      !name.ends_with(kIndexFileSuffix)) {
    return std::nullopt;
  }
  auto hex = [](std::string_view digits) -> std::optional<uint64_t> {
    uint64_t v = 0;
    for (char c : digits) {
      const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (d < 0) return std::nullopt;
      v = v << 4 | static_cast<uint64_t>(d);
    }
    return v;
  };
  const auto last_id = hex(name.substr(4, 16));
  const auto lsn = hex(name.substr(21, 16));
  if (!last_id || !lsn) return std::nullopt;
  return std::make_pair(*lsn, *last_id);
}

uint64_t NextInstance() {
  static std::atomic<uint64_t> next{1};
  return next++;
}

}  // namespace

Catalog::Catalog(Env* env, std::string dir, std::unique_ptr<Wal> log)
    : env_(env), dir_(std::move(dir)), instance_(NextInstance()), log_(std::move(log)) {}
Catalog::~Catalog() = default;

std::string Catalog::IndexFileName(uint64_t last_id, uint64_t through_lsn) {
  char name[64];
  std::snprintf(name, sizeof(name), "idx-%016llx-%016llx%s",
                static_cast<unsigned long long>(last_id),
                static_cast<unsigned long long>(through_lsn), kIndexFileSuffix);
  return name;
}

Result<std::unique_ptr<Catalog>> Catalog::Open(Env* env, const std::string& dir) {
  STRATA_ASSIGN_OR_RETURN(auto log, Wal::Open(env, dir, kCatalogFileBytes));
  std::unique_ptr<Catalog> catalog(new Catalog(env, dir, std::move(log)));
  WriterLock lock(&catalog->mu_);
  STRATA_ASSIGN_OR_RETURN(catalog->recovery_, catalog->Load([&](const Wal::ReplayFn& fn) {
    catalog->mu_.AssertHeld();  // Load runs this under `lock`
    return catalog->log_->Replay(fn);
  }));
  return catalog;
}

Result<std::unique_ptr<Catalog>> Catalog::OpenReadOnly(Env* env, const std::string& dir,
                                                       std::optional<Error>* damage) {
  std::unique_ptr<Catalog> catalog(new Catalog(env, dir, nullptr));
  if (!env->FileExists(dir)) return catalog;
  WriterLock lock(&catalog->mu_);
  auto read = catalog->Load([&](const Wal::ReplayFn& fn) { return Wal::Read(env, dir, fn); });
  if (!read) {
    if (damage == nullptr || read.error().code() != Code::kCorrupt) return unexpected(read.error());
    *damage = read.error();
  } else {
    catalog->recovery_ = *read;
  }
  return catalog;
}

Result<WalReplayStats> Catalog::Load(
    const std::function<Result<WalReplayStats>(const Wal::ReplayFn&)>& replay) {
  // The newest checkpoint whose file is here becomes the base.
  STRATA_ASSIGN_OR_RETURN(std::vector<std::string> names, env_->ListDir(dir_));
  std::optional<std::pair<uint64_t, uint64_t>> newest;  // (through lsn, last id)
  for (const std::string& name : names) {
    if (auto parsed = ParseIndexFileName(name); parsed && (!newest || *parsed > *newest)) {
      newest = parsed;
    }
  }
  if (newest) {
    const std::string path = JoinPath(dir_, IndexFileName(newest->second, newest->first));
    auto file = SeriesIndexFile::Open(env_, path);
    if (!file) {
      return unexpected(Error(file.error().code() == Code::kCorrupt ? Code::kCorrupt
                                                                    : file.error().code(),
                              "catalog checkpoint: " + file.error().message()));
    }
    if ((*file)->last_id() > newest->second) {
      return unexpected(Error(Code::kCorrupt, "catalog checkpoint " + path + " holds series " +
                                                  std::to_string((*file)->last_id()) +
                                                  ", past its name's last ID"));
    }
    STRATA_ASSIGN_OR_RETURN(std::vector<IndexedName> measurements, (*file)->Measurements());
    base_ = std::move(*file);
    base_last_id_ = newest->second;
    base_lsn_ = newest->first;
    checkpoint_last_id_ = base_last_id_;
    next_record_ = base_lsn_ + 1;
    series_count_ = base_->series_count();
    dropped_.assign(base_last_id_, false);
    for (IndexedName& m : measurements) base_live_.emplace(std::move(m.name), m.series);
  }
  // The log from the base on: the checkpoint's own record first (the records before it, which a
  // crash may have left, are the base's).
  bool checkpoint_seen = false;
  STRATA_ASSIGN_OR_RETURN(
      WalReplayStats stats,
      replay([&](WalRecordType, uint64_t lsn, std::string_view payload) -> Status {
        mu_.AssertHeld();  // Load's callers hold it
        if (lsn <= base_lsn_) return OkStatus();
        if (base_ != nullptr && !checkpoint_seen) {
          if (lsn != base_lsn_ + 1 || payload.empty() || payload[0] != kCheckpointRecordKind) {
            return unexpected(Error(Code::kCorrupt, "catalog record " + std::to_string(lsn) +
                                                        " follows checkpoint " + base_->path() +
                                                        ", not its checkpoint record"));
          }
          checkpoint_seen = true;
        }
        next_record_ = lsn + 1;
        return ApplyRecord(payload);
      }));
  if (base_ != nullptr && !checkpoint_seen) {
    return unexpected(Error(Code::kCorrupt, "catalog log lacks the record of checkpoint " +
                                                base_->path()));
  }
  // The base's keys, for Resolve (dropped series left out).
  if (base_ != nullptr) {
    by_key_.Reserve(by_key_.size() + base_->series_count());
    STRATA_RETURN_IF_ERROR(base_->ForEachSeries([&](IndexedSeries& s) -> Status {
      mu_.AssertHeld();
      if (!dropped_[s.id - 1]) by_key_.Insert(s.id, KeyIdTable::Hash(s.key));
      return OkStatus();
    }));
  }
  base_keys_indexed_ = true;
  return stats;
}

Status Catalog::CatchUp() {
  if (log_ != nullptr) return unexpected(Error::Invalid("catalog " + dir_ + " is not read-only"));
  if (!env_->FileExists(dir_)) return OkStatus();
  uint64_t next = 0;
  {
    ReaderLock lock(&mu_);
    next = next_record_;
  }
  // Read without the lock, so that lookups go on; only this reader's caller registers.
  std::vector<std::pair<uint64_t, std::string>> added;
  STRATA_RETURN_IF_ERROR(
      Wal::Read(env_, dir_, [&](WalRecordType, uint64_t lsn, std::string_view payload) -> Status {
        if (lsn >= next) added.emplace_back(lsn, std::string(payload));
        return OkStatus();
      }));
  WriterLock lock(&mu_);
  for (const auto& [lsn, payload] : added) {
    if (lsn < next_record_) continue;
    next_record_ = lsn + 1;
    STRATA_RETURN_IF_ERROR(ApplyRecord(payload));
  }
  return OkStatus();
}

Result<WalReplayStats> Catalog::FinishRecovery() {
  WriterLock lock(&mu_);
  if (log_ == nullptr) return unexpected(Error::Invalid("catalog " + dir_ + " is read-only"));
  STRATA_RETURN_IF_ERROR(log_->FinishReplay());
  // What a checkpoint that did not finish left: its temporary file, or index files older than
  // the base.
  STRATA_ASSIGN_OR_RETURN(std::vector<std::string> names, env_->ListDir(dir_));
  for (const std::string& name : names) {
    const auto parsed = ParseIndexFileName(name);
    const bool stale = name.ends_with(std::string(kIndexFileSuffix) + ".tmp") ||
                       (parsed && (base_ == nullptr || parsed->first < base_lsn_));
    if (stale) STRATA_RETURN_IF_ERROR(env_->RemoveFile(JoinPath(dir_, name)));
  }
  return recovery_;
}

std::string Catalog::FieldKey(std::string_view measurement, std::string_view field) {
  std::string k;
  AppendEscaped(&k, measurement);
  k.push_back('#');
  AppendEscaped(&k, field);
  return k;
}

Status Catalog::ApplyRecord(std::string_view payload) {
  std::vector<Record> records;
  Status s = DecodeRecords(payload, &records);
  if (s && records.size() > 1) by_key_.Reserve(by_key_.size() + records.size());  // a run of series
  for (size_t i = 0; s && i < records.size(); i++) {
    Record& r = records[i];
    if (r.kind == Kind::kDrop) {
      if (r.series_id > LastId()) {
        s = unexpected(Error::Invalid("drop of " + r.measurement + " names series " +
                                      std::to_string(r.series_id) + ", not registered yet"));
      } else {
        s = ApplyDrop(r.measurement, r.series_id);
      }
    } else if (r.kind == Kind::kCheckpoint) {
      s = ApplyCheckpoint(r.series_id, r.through_lsn);
    } else if (r.kind == Kind::kDeclare) {
      declarations_[r.measurement] = std::move(r.schema);
    } else if (r.series_id == 0) {
      RegisterField(r.measurement, r.field, r.type);
    } else {
      s = RegisterSeries(r.series_id, std::move(r.key), r.type);
    }
  }
  if (!s) return unexpected(Error(Code::kCorrupt, "catalog record: " + s.error().message()));
  return OkStatus();
}

Status Catalog::ApplyCheckpoint(uint64_t last_id, uint64_t through_lsn) {
  if (last_id <= LastId()) return OkStatus();
  const std::string path = JoinPath(dir_, IndexFileName(last_id, through_lsn));
  auto file = SeriesIndexFile::Open(env_, path);
  if (!file) {
    return unexpected(Error::Invalid("checkpoint " + path + " holds series past " +
                                     std::to_string(LastId()) + " and cannot be read: " +
                                     file.error().message()));
  }
  std::vector<IndexedSeries> missing;
  STRATA_RETURN_IF_ERROR((*file)->ForEachSeries([&](IndexedSeries& s) -> Status {
    mu_.AssertHeld();
    if (s.id > LastId()) missing.push_back(std::move(s));
    return OkStatus();
  }));
  std::sort(missing.begin(), missing.end(),
            [](const IndexedSeries& a, const IndexedSeries& b) { return a.id < b.id; });
  const uint64_t known = LastId();
  for (IndexedSeries& s : missing) {
    STRATA_RETURN_IF_ERROR(RegisterSeries(s.id, std::move(s.key), s.type));
  }
  head_.resize(last_id - base_last_id_, nullptr);
  dropped_.resize(last_id, false);
  // The file leaves dropped series out (IsDroppedLocked's rule for a base): so are they here.
  for (uint64_t id = known + 1; id <= last_id; id++) {
    if (!(*file)->Contains(id)) dropped_[id - 1] = true;
  }
  return OkStatus();
}

Result<Catalog::Salvage> Catalog::SalvageRecords(Env* env, const std::string& dir) {
  Salvage out;
  uint64_t last = 0;  // the last series ID taken
  // The series of checkpoint (last_id, through_lsn) past `last`, in ID order.
  auto take_checkpoint = [&](uint64_t last_id, uint64_t through_lsn) -> Status {
    const std::string path = JoinPath(dir, IndexFileName(last_id, through_lsn));
    auto file = SeriesIndexFile::Open(env, path);
    if (!file) return unexpected(Error(Code::kCorrupt, "catalog checkpoint: " + file.error().message()));
    std::vector<IndexedSeries> series;
    STRATA_RETURN_IF_ERROR((*file)->ForEachSeries([&](IndexedSeries& s) -> Status {
      if (s.id > last) series.push_back(std::move(s));
      return OkStatus();
    }));
    std::sort(series.begin(), series.end(),
              [](const IndexedSeries& a, const IndexedSeries& b) { return a.id < b.id; });
    for (IndexedSeries& s : series) {
      out.records.push_back(Record::Series(s.id, std::move(s.key), s.type));
      last = s.id;
    }
    return OkStatus();
  };
  // The newest checkpoint first, as Load takes it; the log's records before it are in it.
  uint64_t base_lsn = 0;
  if (env->FileExists(dir)) {
    STRATA_ASSIGN_OR_RETURN(std::vector<std::string> names, env->ListDir(dir));
    std::optional<std::pair<uint64_t, uint64_t>> newest;
    for (const std::string& name : names) {
      if (auto parsed = ParseIndexFileName(name); parsed && (!newest || *parsed > *newest)) {
        newest = parsed;
      }
    }
    if (newest) {
      if (Status s = take_checkpoint(newest->second, newest->first); !s) {
        if (s.error().code() != Code::kCorrupt) return unexpected(s.error());
        out.records.clear();
        out.damage = s.error();
        return out;
      }
      base_lsn = newest->first;
    }
  }
  auto read = Wal::Read(env, dir, [&](WalRecordType, uint64_t lsn, std::string_view payload) -> Status {
    if (lsn <= base_lsn) return OkStatus();
    std::vector<Record> decoded;
    if (Status s = DecodeRecords(payload, &decoded); !s) {
      return unexpected(Error(Code::kCorrupt, "catalog record: " + s.error().message()));
    }
    if (decoded.size() == 1 && decoded[0].kind == Kind::kCheckpoint) {
      // Its series are taken already, or are taken now from its file.
      return decoded[0].series_id <= last
                 ? OkStatus()
                 : take_checkpoint(decoded[0].series_id, decoded[0].through_lsn);
    }
    // A record is taken whole or not at all.
    uint64_t previous = last;
    for (const Record& r : decoded) {
      if (r.kind != Kind::kType || r.series_id == 0) continue;
      if (r.series_id <= previous || r.series_id - previous > kMaxSkippedIds ||
          !ParseSeriesKey(r.key)) {
        return unexpected(Error(Code::kCorrupt, "catalog record: series " +
                                                    std::to_string(r.series_id) +
                                                    " out of sequence or with a bad key"));
      }
      previous = r.series_id;
    }
    last = previous;
    for (Record& r : decoded) out.records.push_back(std::move(r));
    return OkStatus();
  });
  if (!read) {
    if (read.error().code() != Code::kCorrupt) return unexpected(read.error());
    out.damage = read.error();
  }
  return out;
}

Status Catalog::WriteRecords(Env* env, const std::string& dir, const std::vector<Record>& records) {
  STRATA_ASSIGN_OR_RETURN(auto log, Wal::Open(env, dir, kCatalogFileBytes));
  uint64_t lsn = 0;
  std::vector<RunEntry> run;  // series with consecutive IDs, not yet written
  uint64_t run_first = 0;
  auto write_run = [&]() -> Status {
    for (const std::string& record : EncodeSeriesRuns(run_first, run)) {
      STRATA_RETURN_IF_ERROR(log->Append(WalRecordType::kWrite, ++lsn, record));
    }
    run.clear();
    return OkStatus();
  };
  for (const Record& r : records) {
    if (r.kind == Kind::kCheckpoint) {
      return unexpected(Error::Invalid("a rebuilt catalog holds no checkpoint record"));
    }
    if (r.kind == Kind::kType && r.series_id != 0) {
      if (!run.empty() && r.series_id != run_first + run.size()) {
        STRATA_RETURN_IF_ERROR(write_run());
      }
      if (run.empty()) run_first = r.series_id;
      run.push_back(RunEntry{r.key, r.type});
      continue;
    }
    STRATA_RETURN_IF_ERROR(write_run());
    STRATA_RETURN_IF_ERROR(log->Append(WalRecordType::kWrite, ++lsn, EncodeRecord(r)));
  }
  STRATA_RETURN_IF_ERROR(write_run());
  return log->Sync();
}

void Catalog::RegisterField(const std::string& measurement, const std::string& field,
                            ValueType type) {
  field_types_.emplace(FieldKey(measurement, field), type);
}

Status Catalog::RegisterSeries(uint64_t id, std::string key, ValueType type) {
  auto parts = ParseSeriesKey(key);
  if (!parts) return unexpected(Error::Invalid("bad series key '" + key + "'"));
  return AddSeries(id, std::move(key), std::move(*parts), type);
}

Status Catalog::AddSeries(uint64_t id, std::string key, SeriesKeyParts parts, ValueType type) {
  if (id <= LastId()) {
    return unexpected(Error::Invalid("series id " + std::to_string(id) + " out of sequence"));
  }
  if (id - LastId() > kMaxSkippedIds) {
    return unexpected(Error::Invalid("series id " + std::to_string(id) + " skips too many ids"));
  }
  SeriesInfo* info = NewSeriesInfo();
  info->id = id;
  info->key = std::move(key);
  info->measurement = std::move(parts.measurement);
  info->tags = std::move(parts.tags);
  info->field = std::move(parts.field);
  info->tagset_key = std::string_view(info->key).substr(0, TagSetKeyLength(info->key));
  info->type = type;
  head_.resize(id - base_last_id_ - 1, nullptr);  // IDs a repair skipped stay null
  head_.push_back(info);
  info->tagset_id = TagSetNumber(*info);
  tag_index_.Add(id, info->measurement, info->tags, info->field);
  by_key_.Insert(id, KeyIdTable::Hash(info->key));
  series_bytes_ += SeriesMemoryBytes(*info);
  dropped_.resize(id, false);
  series_count_++;
  generation_++;
  return OkStatus();
}

uint64_t Catalog::TagSetNumber(const SeriesInfo& info) const {
  MutexLock lock(&tagset_mu_);
  const uint64_t hash = KeyIdTable::Hash(info.tagset_key);
  const SeriesInfo* const* firsts = tagset_firsts_.data();  // read by the key lambda, under the lock
  const uint64_t number = tagset_numbers_.Find(
      info.tagset_key, hash,
      [firsts](uint64_t n) -> std::string_view { return firsts[n - 1]->tagset_key; });
  if (number != 0) return number;
  tagset_firsts_.push_back(&info);
  tagset_numbers_.Insert(tagset_firsts_.size(), hash);
  return tagset_firsts_.size();
}

SeriesInfo* Catalog::NewSeriesInfo() {
  if (info_chunk_used_ == kInfoChunk) {
    info_chunks_.push_back(std::make_unique<SeriesInfo[]>(kInfoChunk));
    info_chunk_used_ = 0;
    series_bytes_ += kInfoChunk * sizeof(SeriesInfo) + kMallocOverhead;
  }
  return &info_chunks_.back()[info_chunk_used_++];
}

Result<const SeriesInfo*> Catalog::AddBaseInfo(IndexedSeries found) const {
  auto parts = ParseSeriesKey(found.key);
  if (!parts) {
    return unexpected(Error(Code::kCorrupt, "catalog checkpoint " + base_->path() +
                                                ": bad series key '" + found.key + "'"));
  }
  if (auto it = base_infos_.find(found.id); it != base_infos_.end()) return it->second;  // raced
  SeriesInfo& info = base_info_store_.emplace_back();
  info.id = found.id;
  info.key = std::move(found.key);
  info.measurement = std::move(parts->measurement);
  info.tags = std::move(parts->tags);
  info.field = std::move(parts->field);
  info.tagset_key = std::string_view(info.key).substr(0, TagSetKeyLength(info.key));
  info.type = found.type;
  info.tagset_id = TagSetNumber(info);
  base_infos_.emplace(info.id, &info);
  base_info_bytes_ += sizeof(SeriesInfo) + SeriesMemoryBytes(info) +
                      HashNodeBytes(sizeof(std::pair<const uint64_t, const SeriesInfo*>));
  return &info;
}

Result<const SeriesInfo*> Catalog::BaseSeries(uint64_t id) const {
  {
    MutexLock lock(&base_mu_);
    if (auto it = base_infos_.find(id); it != base_infos_.end()) return it->second;
  }
  STRATA_ASSIGN_OR_RETURN(std::optional<IndexedSeries> found, base_->Series(id));
  if (!found) return nullptr;
  MutexLock lock(&base_mu_);
  return AddBaseInfo(std::move(*found));
}

Status Catalog::BuildBaseInfos(std::span<const uint64_t> ids) const {
  std::vector<uint64_t> missing;
  {
    MutexLock lock(&base_mu_);
    for (const uint64_t id : ids) {
      if (!base_infos_.contains(id)) missing.push_back(id);
    }
  }
  if (missing.empty()) return OkStatus();
  STRATA_ASSIGN_OR_RETURN(std::vector<IndexedSeries> found, base_->SeriesOf(missing));
  MutexLock lock(&base_mu_);
  for (IndexedSeries& s : found) STRATA_RETURN_IF_ERROR(AddBaseInfo(std::move(s)));
  return OkStatus();
}

Result<const SeriesInfo*> Catalog::InfoOf(uint64_t id) const {
  if (id == 0 || id > LastId()) return nullptr;
  if (id > base_last_id_) return HeadSeries(id);
  return BaseSeries(id);
}

Result<uint64_t> Catalog::FindKey(std::string_view key, uint64_t hash) const {
  std::optional<Error> failed;
  const uint64_t id = by_key_.Find(key, hash, [this, &failed](uint64_t sid) -> std::string_view {
    mu_.AssertReaderHeld();  // FindKey's callers hold it
    auto info = InfoOf(sid);
    if (!info || *info == nullptr) {
      if (!info) failed = info.error();
      return {};  // no series key is empty
    }
    return (*info)->key;
  });
  if (failed) return unexpected(*failed);
  return id;
}

Status Catalog::Resolve(std::span<const SeriesSpec> specs, uint64_t* ids) {
  if (log_ == nullptr) return unexpected(Error::Invalid("catalog " + dir_ + " is read-only"));
  std::vector<size_t> missing;
  {
    ReaderLock lock(&mu_);
    for (size_t i = 0; i < specs.size(); i++) {
      STRATA_ASSIGN_OR_RETURN(const uint64_t id,
                              FindKey(specs[i].key, KeyIdTable::Hash(specs[i].key)));
      if (id == 0) {
        missing.push_back(i);
        continue;
      }
      STRATA_ASSIGN_OR_RETURN(const SeriesInfo* info, InfoOf(id));
      const SeriesInfo& s = *info;  // a key found has its series
      if (s.type != specs[i].type) {
        return unexpected(Error::TypeConflict(
            TypeConflictMessage(specs[i].measurement, specs[i].field, s.type, specs[i].type)));
      }
      ids[i] = id;
    }
  }
  if (missing.empty()) return OkStatus();

  WriterLock lock(&mu_);
  // Check everything first: nothing is registered unless the whole batch can be.
  std::unordered_map<std::string, ValueType> new_fields;
  std::vector<size_t> to_create;
  for (size_t i : missing) {
    const SeriesSpec& s = specs[i];
    STRATA_ASSIGN_OR_RETURN(const uint64_t id, FindKey(s.key, KeyIdTable::Hash(s.key)));
    if (id != 0) {
      // registered meanwhile by another writer
      STRATA_ASSIGN_OR_RETURN(const SeriesInfo* info, InfoOf(id));
      const ValueType existing = info->type;
      if (existing != s.type) {
        return unexpected(Error::TypeConflict(TypeConflictMessage(s.measurement, s.field, existing, s.type)));
      }
      ids[i] = id;
      continue;
    }
    std::string fk = FieldKey(s.measurement, s.field);
    auto known = field_types_.find(fk);
    if (known != field_types_.end()) {
      if (known->second != s.type) {
        return unexpected(Error::TypeConflict(
            TypeConflictMessage(s.measurement, s.field, known->second, s.type)));
      }
    } else {
      auto [pending, inserted] = new_fields.emplace(std::move(fk), s.type);
      if (!inserted && pending->second != s.type) {
        return unexpected(Error::TypeConflict(
            TypeConflictMessage(s.measurement, s.field, pending->second, s.type)));
      }
    }
    to_create.push_back(i);
  }
  // The same new key may appear twice in one batch only if the caller did not group by series;
  // handle it anyway by creating it once.
  std::unordered_map<std::string_view, uint64_t> created;

  // Log first, then publish in memory: a failed append leaves memory untouched (and the Wal refuses
  // further appends, so IDs are never handed out twice). The new series go in one run record (one
  // per kMaxRunRecordSeries of them).
  std::string payload;
  std::unordered_map<std::string, ValueType> fields_logged;
  for (size_t i : to_create) {
    const SeriesSpec& s = specs[i];
    std::string fk = FieldKey(s.measurement, s.field);
    if (new_fields.count(fk) && !fields_logged.count(fk)) {
      payload = EncodeRecord(Record::Field(std::string(s.measurement), std::string(s.field), s.type));
      STRATA_RETURN_IF_ERROR(log_->Append(WalRecordType::kWrite, next_record_++, payload));
      fields_logged.emplace(fk, s.type);
    }
  }
  const uint64_t first_id = LastId() + 1;
  uint64_t next_id = first_id;
  std::vector<std::pair<size_t, uint64_t>> assigned;  // (spec, id)
  std::vector<size_t> new_specs;                      // the spec of ID first_id + k
  std::vector<RunEntry> run;
  for (size_t i : to_create) {
    const SeriesSpec& s = specs[i];
    auto [dup, inserted] = created.try_emplace(s.key, next_id);
    assigned.emplace_back(i, dup->second);
    if (!inserted) continue;
    next_id++;
    new_specs.push_back(i);
    run.push_back(RunEntry{s.key, s.type});
  }
  for (const std::string& record : EncodeSeriesRuns(first_id, run)) {
    STRATA_RETURN_IF_ERROR(log_->Append(WalRecordType::kWrite, next_record_++, record));
  }
  for (const auto& [fk, type] : fields_logged) field_types_.emplace(fk, type);
  for (size_t k = 0; k < new_specs.size(); k++) {
    const SeriesSpec& s = specs[new_specs[k]];
    SeriesKeyParts parts{std::string(s.measurement), std::vector<Tag>(s.tags.begin(), s.tags.end()),
                         std::string(s.field)};
    STRATA_RETURN_IF_ERROR(AddSeries(first_id + k, std::string(s.key), std::move(parts), s.type));
  }
  for (const auto& [i, id] : assigned) ids[i] = id;
  dirty_ = true;
  return OkStatus();
}

Status Catalog::ApplyDrop(const std::string& measurement, uint64_t through_id) {
  std::optional<Error> failed;
  auto key_of = [this, &failed](uint64_t sid) -> std::string_view {
    mu_.AssertHeld();  // ApplyDrop's callers hold it
    auto info = InfoOf(sid);
    if (!info || *info == nullptr) {
      if (!info) failed = info.error();
      return {};
    }
    return (*info)->key;
  };
  // Read the base's series of the measurement first: nothing changes if that fails.
  std::vector<uint64_t> base_dropped;
  if (base_ != nullptr) {
    STRATA_ASSIGN_OR_RETURN(Roaring offsets, base_->Measurement(measurement));
    for (const uint32_t offset : offsets) {
      const uint64_t id = base_->first_id() + offset;
      if (id > through_id) break;
      if (!dropped_[id - 1]) base_dropped.push_back(id);
    }
    for (uint64_t id : base_dropped) {
      if (!base_keys_indexed_) break;  // Load indexes only the live keys
      STRATA_ASSIGN_OR_RETURN(const SeriesInfo* info, InfoOf(id));
      by_key_.Erase(info->key, KeyIdTable::Hash(info->key), key_of);
      if (failed) return unexpected(*failed);
    }
  }
  for (uint64_t id : base_dropped) dropped_[id - 1] = true;
  if (!base_dropped.empty()) {
    series_count_ -= base_dropped.size();
    if (auto live = base_live_.find(measurement); live != base_live_.end()) {
      live->second -= std::min(live->second, base_dropped.size());
      if (live->second == 0) base_live_.erase(live);
    }
  }
  // The head's: a series registered after the drop (which a checkpoint's reader may have read
  // from the checkpoint's file before it meets the drop again) stays.
  for (uint64_t id : tag_index_.RemoveMeasurement(measurement)) {
    const SeriesInfo* info = HeadSeries(id);
    if (id > through_id) {
      tag_index_.Add(id, info->measurement, info->tags, info->field);
      continue;
    }
    dropped_[id - 1] = true;
    by_key_.Erase(info->key, KeyIdTable::Hash(info->key), key_of);
    if (failed) return unexpected(*failed);
    series_count_--;
  }
  const std::string prefix = FieldKeyPrefix(measurement);
  std::erase_if(field_types_, [&prefix](const auto& entry) {
    return IsFieldKeyOf(entry.first, prefix);
  });
  declarations_.erase(measurement);
  dropped_measurements_.insert(measurement);
  uint64_t& through = drop_through_[measurement];
  through = std::max(through, through_id);
  generation_++;
  instance_.store(NextInstance(), std::memory_order_release);
  return OkStatus();
}

Status Catalog::AppendSynced(const Record& r) {
  if (log_ == nullptr) return unexpected(Error::Invalid("catalog " + dir_ + " is read-only"));
  STRATA_RETURN_IF_ERROR(log_->Append(WalRecordType::kWrite, next_record_++, EncodeRecord(r)));
  STRATA_RETURN_IF_ERROR(log_->Sync());
  dirty_ = false;
  return OkStatus();
}

Status Catalog::Drop(const std::string& measurement) {
  MutexLock sync_lock(&sync_mu_);
  WriterLock lock(&mu_);
  const std::string prefix = FieldKeyPrefix(measurement);
  const bool known = declarations_.count(measurement) != 0 ||
                     std::any_of(field_types_.begin(), field_types_.end(), [&](const auto& e) {
                       return IsFieldKeyOf(e.first, prefix);
                     });  // a series' field always has a type
  if (!known) return OkStatus();
  Record r;
  r.kind = Kind::kDrop;
  r.measurement = measurement;
  r.series_id = LastId();
  STRATA_RETURN_IF_ERROR(AppendSynced(r));
  return ApplyDrop(measurement, r.series_id);
}

Status Catalog::Declare(const std::string& measurement, const std::string& schema) {
  MutexLock sync_lock(&sync_mu_);
  WriterLock lock(&mu_);
  Record r;
  r.kind = Kind::kDeclare;
  r.measurement = measurement;
  r.schema = schema;
  STRATA_RETURN_IF_ERROR(AppendSynced(r));
  declarations_[measurement] = schema;
  return OkStatus();
}

std::optional<std::string> Catalog::Declaration(const std::string& measurement) const {
  ReaderLock lock(&mu_);
  auto it = declarations_.find(measurement);
  if (it == declarations_.end()) return std::nullopt;
  return it->second;
}

bool Catalog::IsDropped(uint64_t id) const {
  ReaderLock lock(&mu_);
  return IsDroppedLocked(id);
}

bool Catalog::IsDroppedLocked(uint64_t id) const {
  if (id == 0 || id > dropped_.size()) return false;
  // A checkpoint leaves dropped series out of its file.
  return dropped_[id - 1] || (id <= base_last_id_ && !base_->Contains(id));
}

std::vector<std::string> Catalog::DroppedMeasurements() const {
  ReaderLock lock(&mu_);
  return {dropped_measurements_.begin(), dropped_measurements_.end()};
}

Status Catalog::VerifyCheckpoint() const {
  return base_ == nullptr ? OkStatus() : base_->Verify();
}

bool Catalog::CheckpointDue() const {
  ReaderLock lock(&mu_);
  if (log_ == nullptr) return false;
  const uint64_t since = LastId() - checkpoint_last_id_;
  return since >= kCheckpointMinSeries && since >= checkpoint_last_id_ / 2;
}

Status Catalog::Checkpoint() {
  if (log_ == nullptr) return unexpected(Error::Invalid("catalog " + dir_ + " is read-only"));
  MutexLock checkpoint_lock(&checkpoint_mu_);
  std::vector<IndexedSeries> series;  // the head's, then the base's
  std::vector<bool> base_dropped;     // dropped_ when the record was written
  uint64_t last_id = 0, through_lsn = 0;
  {
    MutexLock sync_lock(&sync_mu_);
    WriterLock lock(&mu_);
    last_id = LastId();
    through_lsn = next_record_ - 1;
    series.reserve(last_id);
    // Dropped series are left out: their IDs stay dropped (IsDropped), and their keys may be
    // registered again.
    for (const SeriesInfo* info : head_) {
      if (info != nullptr && !dropped_[info->id - 1]) {
        series.push_back(IndexedSeries{info->id, info->key, info->type});
      }
    }
    base_dropped = dropped_;
    // The checkpoint's record, then the drops, field types and declarations in force, begin a
    // new log file: the files before it become obsolete once the index file is written.
    std::vector<std::string> payloads;
    Record checkpoint;
    checkpoint.kind = Kind::kCheckpoint;
    checkpoint.series_id = last_id;
    checkpoint.through_lsn = through_lsn;
    payloads.push_back(EncodeRecord(checkpoint));
    for (const auto& [measurement, through] : drop_through_) {
      Record drop;
      drop.kind = Kind::kDrop;
      drop.measurement = measurement;
      drop.series_id = through;
      payloads.push_back(EncodeRecord(drop));
    }
    for (const auto& [field_key, type] : field_types_) {
      auto parts = ParseSeriesKey(field_key);  // "<m>#<field>" parses as a key without tags
      payloads.push_back(EncodeRecord(Record::Field(parts->measurement, parts->field, type)));
    }
    for (const auto& [measurement, schema] : declarations_) {
      Record declare;
      declare.kind = Kind::kDeclare;
      declare.measurement = measurement;
      declare.schema = schema;
      payloads.push_back(EncodeRecord(declare));
    }
    STRATA_RETURN_IF_ERROR(log_->Rotate());
    for (const std::string& payload : payloads) {
      STRATA_RETURN_IF_ERROR(log_->Append(WalRecordType::kWrite, next_record_++, payload));
    }
    STRATA_RETURN_IF_ERROR(log_->Sync());
    dirty_ = false;
  }
  // The base's series are read and the file written without the lock: the base is immutable.
  if (base_ != nullptr) {
    STRATA_RETURN_IF_ERROR(base_->ForEachSeries([&](IndexedSeries& s) -> Status {
      if (!base_dropped[s.id - 1]) series.push_back(std::move(s));
      return OkStatus();
    }));
  }
  STRATA_RETURN_IF_ERROR(WriteSeriesIndexFile(
      env_, JoinPath(dir_, IndexFileName(last_id, through_lsn)), std::move(series)));
  {
    WriterLock lock(&mu_);
    STRATA_RETURN_IF_ERROR(log_->DeleteObsolete(through_lsn));
    checkpoint_last_id_ = last_id;
  }
  STRATA_ASSIGN_OR_RETURN(std::vector<std::string> names, env_->ListDir(dir_));
  for (const std::string& name : names) {
    if (auto parsed = ParseIndexFileName(name); parsed && parsed->first < through_lsn) {
      STRATA_RETURN_IF_ERROR(env_->RemoveFile(JoinPath(dir_, name)));
    }
  }
  return OkStatus();
}

Status Catalog::Sync() {
  if (log_ == nullptr) return unexpected(Error::Invalid("catalog " + dir_ + " is read-only"));
  MutexLock sync_lock(&sync_mu_);
  {
    ReaderLock lock(&mu_);
    if (!dirty_) return OkStatus();
  }
  WriterLock lock(&mu_);
  if (!dirty_) return OkStatus();
  STRATA_RETURN_IF_ERROR(log_->Sync());
  dirty_ = false;
  return OkStatus();
}

Result<const SeriesInfo*> Catalog::Series(uint64_t id) const {
  ReaderLock lock(&mu_);
  return InfoOf(id);
}

Result<bool> Catalog::HasSeries(uint64_t id, std::string_view key, ValueType type,
                                std::string_view measurement) const {
  ReaderLock lock(&mu_);
  if (id == 0 || id > LastId()) return false;
  if (id > base_last_id_ || IsDroppedLocked(id) || !base_keys_indexed_) {
    STRATA_ASSIGN_OR_RETURN(const SeriesInfo* info, InfoOf(id));
    return info != nullptr && info->key == key && info->type == type &&
           info->measurement == measurement;
  }
  std::string field_key;  // "<measurement>#<field>", escaped: the key without its tags
  AppendEscaped(&field_key, measurement);
  const size_t tagset_length = TagSetKeyLength(key);
  if (!key.starts_with(field_key) || key.size() <= field_key.size() ||
      (key[field_key.size()] != ',' && key[field_key.size()] != '#') ||
      tagset_length >= key.size()) {
    return false;
  }
  field_key.append(key.substr(tagset_length));
  auto known = field_types_.find(field_key);
  return known != field_types_.end() && known->second == type &&
         by_key_.Contains(id, KeyIdTable::Hash(key));
}

std::optional<ValueType> Catalog::FieldType(const std::string& measurement,
                                            const std::string& field) const {
  ReaderLock lock(&mu_);
  auto it = field_types_.find(FieldKey(measurement, field));
  if (it == field_types_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::pair<std::string, ValueType>> Catalog::Fields(const std::string& measurement) const {
  const std::string prefix = FieldKeyPrefix(measurement);
  std::vector<std::pair<std::string, ValueType>> out;
  ReaderLock lock(&mu_);
  for (const auto& [fk, type] : field_types_) {
    if (IsFieldKeyOf(fk, prefix)) {
      auto parts = ParseSeriesKey(fk);  // "<m>#<field>" parses as a key without tags
      if (parts) out.emplace_back(parts->field, type);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<uint64_t>> Catalog::BaseMatch(const std::string& measurement,
                                                 const std::vector<TagFilter>& filters,
                                                 const std::vector<std::string>& fields) const {
  std::vector<uint64_t> ids;
  if (base_ == nullptr || !base_live_.contains(measurement)) return ids;
  STRATA_ASSIGN_OR_RETURN(Roaring matched, base_->Measurement(measurement));
  for (const TagFilter& f : filters) {
    Roaring with;
    if (f.op == TagOp::kIn) {
      for (const std::string& v : f.values) {
        STRATA_ASSIGN_OR_RETURN(Roaring list, base_->TagValue(measurement, f.key, v));
        with |= list;
      }
    } else {
      auto predicate = TagPredicate::Compile(f);
      if (!predicate) return ids;  // an invalid filter matches nothing (TagIndex::Match)
      STRATA_ASSIGN_OR_RETURN(with, base_->TagValuesWhere(measurement, f.key,
                                                          [&](std::string_view value) {
                                                            return predicate->Matches(value);
                                                          }));
    }
    matched &= with;
    if (matched.isEmpty()) return ids;
  }
  if (!fields.empty()) {
    Roaring with;
    for (const std::string& field : fields) {
      STRATA_ASSIGN_OR_RETURN(Roaring list, base_->Field(measurement, field));
      with |= list;
    }
    matched &= with;
  }
  ids.reserve(matched.cardinality());
  for (const uint32_t offset : matched) {
    const uint64_t id = base_->first_id() + offset;
    if (!dropped_[id - 1]) ids.push_back(id);
  }
  return ids;
}

Result<std::vector<const SeriesInfo*>> Catalog::Match(const std::string& measurement,
                                                      const std::vector<TagFilter>& filters,
                                                      const std::vector<std::string>& fields) const {
  // The cache key: every part length-prefixed, so that no two requests share one.
  std::string cache_key;
  size_t key_bytes = measurement.size() + 2 * kMaxVarint64Bytes;
  for (const TagFilter& f : filters) {
    key_bytes += f.key.size() + 2 * kMaxVarint64Bytes + 1;
    for (const std::string& v : f.values) key_bytes += v.size() + kMaxVarint64Bytes;
  }
  for (const std::string& f : fields) key_bytes += f.size() + kMaxVarint64Bytes;
  cache_key.reserve(key_bytes);
  auto put = [&cache_key](std::string_view part) {
    PutVarint64(&cache_key, part.size());
    cache_key.append(part);
  };
  put(measurement);
  PutVarint64(&cache_key, filters.size());
  for (const TagFilter& f : filters) {
    put(f.key);
    cache_key.push_back(static_cast<char>(f.op));
    PutVarint64(&cache_key, f.values.size());
    for (const std::string& v : f.values) put(v);
  }
  for (const std::string& f : fields) put(f);
  struct Item {
    uint64_t head;  // KeyHead after the prefix all the keys share
    const SeriesInfo* info;
  };
  std::vector<Item> items;
  uint64_t generation = 0;
  {
    ReaderLock lock(&mu_);
    generation = generation_;
    {
      MutexLock cache_lock(&match_cache_mu_);
      if (match_cache_generation_ == generation) {
        if (auto it = match_cache_.find(cache_key); it != match_cache_.end()) return it->second;
      }
    }
    STRATA_ASSIGN_OR_RETURN(std::vector<uint64_t> base_ids, BaseMatch(measurement, filters, fields));
    STRATA_RETURN_IF_ERROR(BuildBaseInfos(base_ids));  // each key block read once
    for (uint64_t id : base_ids) {
      STRATA_ASSIGN_OR_RETURN(const SeriesInfo* info, BaseSeries(id));
      if (info != nullptr) items.push_back(Item{0, info});
    }
    for (uint64_t id : tag_index_.Match(measurement, filters, fields)) {
      items.push_back(Item{0, HeadSeries(id)});
    }
  }
  // Sorted by key; the heads settle most comparisons without reading the keys.
  const std::string_view first = items.empty() ? std::string_view() : items[0].info->key;
  size_t shared = first.size();
  for (const Item& item : items) {
    const std::string_view key = item.info->key;
    shared = static_cast<size_t>(
        std::mismatch(key.begin(), key.begin() + std::min(shared, key.size()), first.begin())
            .first -
        key.begin());
  }
  for (Item& item : items) item.head = KeyHead(item.info->key, shared);
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return a.head != b.head ? a.head < b.head : a.info->key < b.info->key;
  });
  std::vector<const SeriesInfo*> out;
  out.reserve(items.size());
  for (const Item& item : items) out.push_back(item.info);
  MutexLock cache_lock(&match_cache_mu_);
  if (match_cache_generation_ != generation || match_cache_.size() >= kMatchCacheEntries) {
    match_cache_.clear();
    match_cache_generation_ = generation;
  }
  match_cache_.emplace(std::move(cache_key), out);
  return out;
}

std::vector<std::string> Catalog::Measurements() const {
  ReaderLock lock(&mu_);
  std::vector<std::string> out = tag_index_.Measurements();
  if (base_live_.empty()) return out;
  for (const auto& [m, live] : base_live_) out.push_back(m);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Result<std::vector<TagValueInfo>> Catalog::BaseTagValues(const std::string& measurement,
                                                         const std::string& key) const {
  std::vector<TagValueInfo> out;
  if (base_ == nullptr || !base_live_.contains(measurement)) return out;
  if (!drop_through_.contains(measurement)) {  // every series of it in the base is live
    STRATA_ASSIGN_OR_RETURN(std::vector<IndexedName> names, base_->TagValues(measurement, key));
    out.reserve(names.size());
    for (IndexedName& n : names) out.push_back(TagValueInfo{std::move(n.name), n.series});
    return out;
  }
  // Some of its series are dropped: count each value's live ones.
  STRATA_ASSIGN_OR_RETURN(std::vector<IndexedName> names, base_->TagValues(measurement, key));
  for (IndexedName& n : names) {
    STRATA_ASSIGN_OR_RETURN(Roaring list, base_->TagValue(measurement, key, n.name));
    size_t live = 0;
    for (const uint32_t offset : list) live += dropped_[base_->first_id() + offset - 1] ? 0 : 1;
    if (live > 0) out.push_back(TagValueInfo{std::move(n.name), live});
  }
  return out;
}

Result<std::vector<TagKeyInfo>> Catalog::TagKeys(const std::string& measurement) const {
  ReaderLock lock(&mu_);
  std::vector<TagKeyInfo> head = tag_index_.TagKeys(measurement);
  if (base_ == nullptr || !base_live_.contains(measurement)) return head;
  // Each key's values counted once over the base and the head.
  STRATA_ASSIGN_OR_RETURN(std::vector<IndexedName> base_keys, base_->TagKeys(measurement));
  std::set<std::string> keys;
  for (const TagKeyInfo& k : head) keys.insert(k.key);
  for (const IndexedName& k : base_keys) keys.insert(k.name);
  std::vector<TagKeyInfo> out;
  for (const std::string& key : keys) {
    STRATA_ASSIGN_OR_RETURN(std::vector<TagValueInfo> base_values, BaseTagValues(measurement, key));
    std::vector<TagValueInfo> head_values = tag_index_.TagValues(measurement, key);
    TagKeyInfo info{.key = key};
    std::set<std::string_view> values;
    for (const auto* list : {&base_values, &head_values}) {
      for (const TagValueInfo& v : *list) {
        values.insert(v.value);
        info.series += v.series;
      }
    }
    info.values = values.size();
    if (info.series > 0) out.push_back(std::move(info));
  }
  return out;
}

Result<std::vector<TagValueInfo>> Catalog::TagValues(const std::string& measurement,
                                                     const std::string& key) const {
  ReaderLock lock(&mu_);
  std::vector<TagValueInfo> head = tag_index_.TagValues(measurement, key);
  STRATA_ASSIGN_OR_RETURN(std::vector<TagValueInfo> base, BaseTagValues(measurement, key));
  if (base.empty()) return head;
  if (head.empty()) return base;
  std::vector<TagValueInfo> out;  // both sorted by value: merged, counts added
  out.reserve(base.size() + head.size());
  size_t i = 0, j = 0;
  while (i < base.size() || j < head.size()) {
    if (j == head.size() || (i < base.size() && base[i].value < head[j].value)) {
      out.push_back(std::move(base[i++]));
    } else if (i == base.size() || head[j].value < base[i].value) {
      out.push_back(std::move(head[j++]));
    } else {
      out.push_back(TagValueInfo{std::move(base[i].value), base[i].series + head[j].series});
      i++;
      j++;
    }
  }
  return out;
}

size_t Catalog::SeriesCount(const std::string& measurement) const {
  ReaderLock lock(&mu_);
  auto live = base_live_.find(measurement);
  return tag_index_.SeriesCount(measurement) + (live == base_live_.end() ? 0 : live->second);
}

size_t Catalog::series_count() const {
  ReaderLock lock(&mu_);
  return series_count_;
}

Catalog::MemoryUsage Catalog::Memory() const {
  ReaderLock lock(&mu_);
  size_t base_bytes = dropped_.capacity() / 8;
  if (base_ != nullptr) base_bytes += base_->MemoryBytes();
  {
    MutexLock base_lock(&base_mu_);
    base_bytes += base_info_bytes_;
  }
  {
    MutexLock tagset_lock(&tagset_mu_);
    base_bytes += tagset_numbers_.MemoryBytes() + tagset_firsts_.capacity() * sizeof(SeriesInfo*);
  }
  return MemoryUsage{series_bytes_ + head_.capacity() * sizeof(SeriesInfo*) +
                         by_key_.MemoryBytes() + base_bytes,
                     tag_index_.MemoryBytes()};
}

}  // namespace strata
