#include "catalog.h"

#include <algorithm>
#include <atomic>

#include "coding.h"
#include "memory_estimate.h"
#include "series_key.h"
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

uint64_t NextInstance() {
  static std::atomic<uint64_t> next{1};
  return next++;
}

}  // namespace

Catalog::Catalog(Env* env, std::string dir, std::unique_ptr<Wal> log)
    : env_(env), dir_(std::move(dir)), instance_(NextInstance()), log_(std::move(log)) {}
Catalog::~Catalog() = default;

Result<std::unique_ptr<Catalog>> Catalog::Open(Env* env, const std::string& dir) {
  STRATA_ASSIGN_OR_RETURN(auto log, Wal::Open(env, dir, kCatalogFileBytes));
  std::unique_ptr<Catalog> catalog(new Catalog(env, dir, std::move(log)));
  WriterLock lock(&catalog->mu_);
  STRATA_ASSIGN_OR_RETURN(catalog->recovery_,
                          catalog->log_->Replay([&](WalRecordType, uint64_t lsn,
                                                    std::string_view payload) -> Status {
                            catalog->mu_.AssertHeld();  // Replay runs this under `lock`
                            catalog->next_record_ = lsn + 1;
                            return catalog->ApplyRecord(payload);
                          }));
  return catalog;
}

Result<std::unique_ptr<Catalog>> Catalog::OpenReadOnly(Env* env, const std::string& dir,
                                                       std::optional<Error>* damage) {
  std::unique_ptr<Catalog> catalog(new Catalog(env, dir, nullptr));
  if (!env->FileExists(dir)) return catalog;
  WriterLock lock(&catalog->mu_);
  auto read = Wal::Read(env, dir, [&](WalRecordType, uint64_t lsn, std::string_view payload) {
    catalog->mu_.AssertHeld();  // Read runs this under `lock`
    catalog->next_record_ = lsn + 1;
    return catalog->ApplyRecord(payload);
  });
  if (!read) {
    if (damage == nullptr || read.error().code() != Code::kCorrupt) return unexpected(read.error());
    *damage = read.error();
  } else {
    catalog->recovery_ = *read;
  }
  return catalog;
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
      if (r.series_id > series_.size()) {
        s = unexpected(Error::Invalid("drop of " + r.measurement + " names series " +
                                      std::to_string(r.series_id) + ", not registered yet"));
      } else {
        ApplyDrop(r.measurement, r.series_id);
      }
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

Result<Catalog::Salvage> Catalog::SalvageRecords(Env* env, const std::string& dir) {
  Salvage out;
  auto read = Wal::Read(env, dir, [&](WalRecordType, uint64_t, std::string_view payload) -> Status {
    std::vector<Record> decoded;
    if (Status s = DecodeRecords(payload, &decoded); !s) {
      return unexpected(Error(Code::kCorrupt, "catalog record: " + s.error().message()));
    }
    // A record is taken whole or not at all.
    uint64_t last = 0;
    for (auto it = out.records.rbegin(); it != out.records.rend() && last == 0; ++it) {
      if (it->kind == Kind::kType) last = it->series_id;
    }
    for (const Record& r : decoded) {
      if (r.kind != Kind::kType || r.series_id == 0) continue;
      if (r.series_id <= last || r.series_id - last > kMaxSkippedIds || !ParseSeriesKey(r.key)) {
        return unexpected(Error(Code::kCorrupt, "catalog record: series " +
                                                    std::to_string(r.series_id) +
                                                    " out of sequence or with a bad key"));
      }
      last = r.series_id;
    }
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
  if (id <= series_.size()) {
    return unexpected(Error::Invalid("series id " + std::to_string(id) + " out of sequence"));
  }
  if (id - series_.size() > kMaxSkippedIds) {
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
  series_.resize(id - 1, nullptr);  // IDs a repair skipped stay null
  series_.push_back(info);
  // Keyed through series_ (SeriesInfo objects never move or go) and the tag index by views of
  // info's strings.
  SeriesInfo* const* series = series_.data();  // read by the key lambdas, under mu_
  const uint64_t tagset_hash = KeyIdTable::Hash(info->tagset_key);
  const uint64_t first = tagset_first_series_.Find(
      info->tagset_key, tagset_hash,
      [series](uint64_t sid) -> std::string_view { return series[sid - 1]->tagset_key; });
  if (first == 0) {
    info->tagset_id = tagset_first_series_.size() + 1;
    tagset_first_series_.Insert(id, tagset_hash);
  } else {
    info->tagset_id = series_[first - 1]->tagset_id;
  }
  tag_index_.Add(id, info->measurement, info->tags, info->field);
  by_key_.Insert(id, KeyIdTable::Hash(info->key));
  series_bytes_ += SeriesMemoryBytes(*info);
  dropped_.resize(id, false);
  series_count_++;
  generation_++;
  return OkStatus();
}

SeriesInfo* Catalog::NewSeriesInfo() {
  if (info_chunk_used_ == kInfoChunk) {
    info_chunks_.push_back(std::make_unique<SeriesInfo[]>(kInfoChunk));
    info_chunk_used_ = 0;
    series_bytes_ += kInfoChunk * sizeof(SeriesInfo) + kMallocOverhead;
  }
  return &info_chunks_.back()[info_chunk_used_++];
}

uint64_t Catalog::FindKey(std::string_view key, uint64_t hash) const {
  SeriesInfo* const* series = series_.data();  // read by the key lambdas, under mu_
  return by_key_.Find(key, hash,
                      [series](uint64_t id) -> std::string_view { return series[id - 1]->key; });
}

Status Catalog::Resolve(std::span<const SeriesSpec> specs, uint64_t* ids) {
  if (log_ == nullptr) return unexpected(Error::Invalid("catalog " + dir_ + " is read-only"));
  std::vector<size_t> missing;
  {
    ReaderLock lock(&mu_);
    for (size_t i = 0; i < specs.size(); i++) {
      const uint64_t id = FindKey(specs[i].key, KeyIdTable::Hash(specs[i].key));
      if (id == 0) {
        missing.push_back(i);
        continue;
      }
      const SeriesInfo& s = *series_[id - 1];
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
    if (const uint64_t id = FindKey(s.key, KeyIdTable::Hash(s.key)); id != 0) {
      // registered meanwhile by another writer
      const ValueType existing = series_[id - 1]->type;
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
  const uint64_t first_id = series_.size() + 1;
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

void Catalog::ApplyDrop(const std::string& measurement, uint64_t through_id) {
  for (uint64_t id : tag_index_.RemoveMeasurement(measurement)) {
    if (id > through_id) continue;  // cannot happen: a drop record follows its series
    dropped_[id - 1] = true;
    SeriesInfo* const* series = series_.data();  // read by the key lambdas, under mu_
    const std::string& key = series[id - 1]->key;
    by_key_.Erase(key, KeyIdTable::Hash(key),
                  [series](uint64_t sid) -> std::string_view { return series[sid - 1]->key; });
    series_count_--;
  }
  const std::string prefix = FieldKeyPrefix(measurement);
  std::erase_if(field_types_, [&prefix](const auto& entry) {
    return IsFieldKeyOf(entry.first, prefix);
  });
  declarations_.erase(measurement);
  dropped_measurements_.insert(measurement);
  generation_++;
  instance_.store(NextInstance(), std::memory_order_release);
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
  r.series_id = series_.size();
  STRATA_RETURN_IF_ERROR(AppendSynced(r));
  ApplyDrop(measurement, r.series_id);
  return OkStatus();
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
  return id != 0 && id <= dropped_.size() && dropped_[id - 1];
}

std::vector<std::string> Catalog::DroppedMeasurements() const {
  ReaderLock lock(&mu_);
  return {dropped_measurements_.begin(), dropped_measurements_.end()};
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

const SeriesInfo* Catalog::Series(uint64_t id) const {
  ReaderLock lock(&mu_);
  if (id == 0 || id > series_.size()) return nullptr;
  return series_[id - 1];
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

std::vector<const SeriesInfo*> Catalog::Match(const std::string& measurement,
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
    for (uint64_t id : tag_index_.Match(measurement, filters, fields)) {
      items.push_back(Item{0, series_[id - 1]});
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
  return tag_index_.Measurements();
}

std::vector<TagKeyInfo> Catalog::TagKeys(const std::string& measurement) const {
  ReaderLock lock(&mu_);
  return tag_index_.TagKeys(measurement);
}

std::vector<TagValueInfo> Catalog::TagValues(const std::string& measurement,
                                             const std::string& key) const {
  ReaderLock lock(&mu_);
  return tag_index_.TagValues(measurement, key);
}

size_t Catalog::SeriesCount(const std::string& measurement) const {
  ReaderLock lock(&mu_);
  return tag_index_.SeriesCount(measurement);
}

size_t Catalog::series_count() const {
  ReaderLock lock(&mu_);
  return series_count_;
}

Catalog::MemoryUsage Catalog::Memory() const {
  ReaderLock lock(&mu_);
  return MemoryUsage{series_bytes_ + series_.capacity() * sizeof(SeriesInfo*) +
                         by_key_.MemoryBytes() + tagset_first_series_.MemoryBytes(),
                     tag_index_.MemoryBytes()};
}

}  // namespace strata
