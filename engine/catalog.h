// The Catalog is a data directory's durable registry of series and field types. Each series key
// gets a 64-bit ID handed out in increasing order (1, 2, ...), so two different keys never share an
// ID; each (measurement, field) gets the value type of its first write, for the whole directory.
// Each tag set (measurement and tags) gets a number too, in the order the catalog first met one of
// its series: stable while the catalog is open (it is not stored). Registrations are appended to a
// CRC-checked log (the Wal record format, in `<dir>/`) and made durable by Sync(), which the write
// path calls before the WAL record that uses them is synced. IDs only grow: a catalog that `strata
// repair` rebuilt may skip IDs whose registration was lost (Series() is null for them), and never
// hands them out again. It also keeps the TagIndex.
//
// Checkpoints (engine/README.md 10.4 and 11): Checkpoint() writes every series registered so far
// to a series index file (`idx-<last id>-<lsn>.six`, series_index_file.h) and starts the log
// again after it, so that an open reads the file's tables and the log written since, not one
// record per series ever registered. The series of the file (the *base*) are not held in memory:
// their key hashes are (to resolve keys), and a SeriesInfo is built from the file the first time
// one is asked for and kept; Match, tag listings and counts read the file's posting lists. The
// series registered since (the *head*) live in memory as before.
//
// Drop() forgets a measurement for good with one durable record: its field types, its
// declaration and its series go (Series() still describes a dropped ID until a checkpoint,
// IsDropped() says it is one; lookups, Match and Resolve no longer see it), and the IDs are never handed out again, so
// a point stored under one of them belongs to the dropped measurement wherever it is found (the
// engine skips it in WAL replay, flush and compaction). Declare() records that a table of the
// measurement was created over this directory (the SQL module's CREATE VIRTUAL TABLE), so that a
// table declared elsewhere can tell that its data is not here. Thread-safe: lookups take a shared
// lock, registrations an exclusive one; SeriesInfo pointers stay valid for the Catalog's lifetime.
#pragma once

#include <atomic>
#include <deque>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <map>
#include <set>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "env.h"
#include "key_id_table.h"
#include "mutex.h"
#include "point.h"
#include "result.h"
#include "series_index_file.h"
#include "series_key.h"
#include "tag_index.h"
#include "wal.h"

namespace strata {

// Owned by the Catalog, which never moves one (tagset_key is a view of key); not copyable, so that
// no copy holds a view of another's key.
struct SeriesInfo {
  SeriesInfo() = default;
  SeriesInfo(const SeriesInfo&) = delete;
  SeriesInfo& operator=(const SeriesInfo&) = delete;

  uint64_t id;
  std::string key;         // canonical series key
  std::string measurement;
  std::string_view tagset_key;  // `key` up to its '#' (a view of it): a row of the row view
  uint64_t tagset_id;      // the same for every series of the tag set (1, 2, ...; see Catalog)
  std::vector<Tag> tags;   // sorted by key
  std::string field;
  ValueType type;
};

// A series as a write names it. `key` is MakeSeriesKey(measurement, tags, field).
struct SeriesSpec {
  std::string_view key;
  std::string_view measurement;
  std::span<const Tag> tags;  // sorted, validated
  std::string_view field;
  ValueType type;
};

class Catalog {
 public:
  // The most IDs one series record may skip after the previous one (a rebuilt catalog skips those
  // whose registration was lost; `strata repair` keeps within this, dropping series past it).
  static constexpr uint64_t kMaxSkippedIds = uint64_t{1} << 24;

  ~Catalog();
  // Opens or creates the catalog under `dir` and replays it, changing no file; FinishRecovery()
  // must follow before the first Resolve. Corrupt when the log is damaged.
  [[nodiscard]] static Result<std::unique_ptr<Catalog>> Open(Env* env, const std::string& dir);
  // Reads the catalog under `dir` without opening its log for writing (`strata verify`): Resolve
  // and Sync fail with Invalid. A missing `dir` reads as an empty catalog. With `damage`, a damaged log
  // gives the catalog of the records before the damage, and the Corrupt error in *damage.
  [[nodiscard]] static Result<std::unique_ptr<Catalog>> OpenReadOnly(
      Env* env, const std::string& dir, std::optional<Error>* damage = nullptr);
  // Registers what the log gained since this read-only catalog last read it (OpenReadOnly or
  // CatchUp): how a reader follows a catalog another process writes. A torn last record is left
  // for the next call. Invalid on a writable catalog; Corrupt when the log is damaged.
  [[nodiscard]] Status CatchUp();
  // What the replay of Open or OpenReadOnly found: records, and a torn tail of the log (which
  // FinishRecovery truncates).
  const WalReplayStats& recovery() const { return recovery_; }
  // Truncates a torn tail of the log that Open found (a registration that was never synced) and
  // makes the catalog writable. Returns what was truncated, for the caller to log.
  [[nodiscard]] Result<WalReplayStats> FinishRecovery();

  // One record of the log, as repair rebuilds a catalog from what survived. kType: a field type
  // (series_id 0, key empty) or a series. kDrop: `measurement` dropped, with every series up to
  // ID series_id. kDeclare: `measurement` declared, with its column schema in `schema`.
  // kCheckpoint: the series with IDs up to series_id, registered by the records up to
  // through_lsn, are in the index file IndexFileName(series_id, through_lsn); the field types,
  // declarations and drops in force then follow it as records of their own (SalvageRecords puts
  // the file's series in its place instead).
  enum class Kind : uint8_t { kType, kDrop, kDeclare, kCheckpoint };
  struct Record {
    uint64_t series_id = 0;
    uint64_t through_lsn = 0;            // kCheckpoint
    std::string key;                     // series key (series records)
    std::string measurement, field;      // field records
    ValueType type = ValueType::kFloat;
    Kind kind = Kind::kType;
    std::string schema;                  // kDeclare

    static Record Field(std::string measurement, std::string field, ValueType type) {
      Record r;
      r.measurement = std::move(measurement);
      r.field = std::move(field);
      r.type = type;
      return r;
    }
    static Record Series(uint64_t id, std::string key, ValueType type) {
      Record r;
      r.series_id = id;
      r.key = std::move(key);
      r.type = type;
      return r;
    }
  };
  // The records of the log under `dir` up to its first damaged one, in order, and where that
  // damage is (an error; nullopt when the log is intact). For `strata repair`.
  struct Salvage {
    std::vector<Record> records;
    std::optional<Error> damage;
  };
  [[nodiscard]] static Result<Salvage> SalvageRecords(Env* env, const std::string& dir);
  // Writes a new catalog log under `dir` (which must hold none) from `records`, synced. Series IDs
  // must increase; runs of consecutive IDs go in run records (EncodeSeriesRuns). For `strata
  // repair` and backups.
  [[nodiscard]] static Status WriteRecords(Env* env, const std::string& dir,
                                           const std::vector<Record>& records);

  // The payloads of the catalog log (engine/README.md 10.4), in catalog_records.cc. DecodeRecords
  // puts the records one payload holds (a run of series holds several) into *out; Invalid, saying
  // what is wrong, when the payload is malformed. Whatever a payload declares, decoding it
  // allocates no more than the payload's own size and the limits below allow.
  [[nodiscard]] static Status DecodeRecords(std::string_view payload, std::vector<Record>* out);
  // One record's payload (a series as 'S').
  static std::string EncodeRecord(const Record& r);
  // A series of a run record.
  struct RunEntry {
    std::string_view key;
    ValueType type;
  };
  // The most series one record written by this build holds, and the most bytes the keys of a
  // compressed run ('Z') add up to, as its front-coded body does (a decoder refuses more).
  static constexpr size_t kMaxRunRecordSeries = 8192;
  static constexpr size_t kMaxCompressedRunBytes = size_t{64} << 20;
  // The payloads that register series first_id, first_id + 1, ... with the keys and types of
  // `run`: one record per kMaxRunRecordSeries series, each the smallest of its forms ('N', and 'Z'
  // with its body front-coded, zlib-compressed when that is smaller); an empty run gives none.
  static std::vector<std::string> EncodeSeriesRuns(uint64_t first_id,
                                                   std::span<const RunEntry> run);

  // Sets ids[i] to the ID of specs[i], registering new series and field types. All or nothing: a
  // type conflict (the field already has another type, or the batch itself mixes types) registers
  // nothing and names the measurement, field and both types.
  [[nodiscard]] Status Resolve(std::span<const SeriesSpec> specs, uint64_t* ids);
  // Makes every registration so far durable. No-op when nothing is pending.
  [[nodiscard]] Status Sync();

  // Writes a checkpoint (see the class comment): appends and syncs its record, writes the index
  // file of every series registered so far, then deletes the log files and index files it makes
  // obsolete. Registrations go on meanwhile (only the record's append holds them back); one
  // checkpoint at a time. Invalid on a read-only catalog. A failed checkpoint loses nothing.
  [[nodiscard]] Status Checkpoint();
  // Whether the series registered since the last checkpoint are enough to write the next one: at
  // least kCheckpointMinSeries, and at least half as many as the last checkpoint holds (so that
  // checkpoints rewrite each series a bounded number of times).
  bool CheckpointDue() const;
  static constexpr uint64_t kCheckpointMinSeries = 65536;
  // Reads the whole index file the catalog was opened from (SeriesIndexFile::Verify; OK when
  // there is none): for `strata verify`.
  [[nodiscard]] Status VerifyCheckpoint() const;
  // The name of a checkpoint's index file in the catalog's directory.
  static std::string IndexFileName(uint64_t last_id, uint64_t through_lsn);

  // Drops `measurement` (see the class comment): appends its drop record and syncs the log, then
  // forgets it. All or nothing: on error nothing is forgotten. A measurement the catalog knows
  // nothing of (no series, field type or declaration) writes no record.
  [[nodiscard]] Status Drop(const std::string& measurement);
  // Records, durably, that `measurement` is declared with the column schema `schema` (text the
  // caller defines; replaces an earlier declaration's). Drop() removes it.
  [[nodiscard]] Status Declare(const std::string& measurement, const std::string& schema);
  // The schema of the measurement's declaration; nullopt when it has none.
  std::optional<std::string> Declaration(const std::string& measurement) const;
  // Whether series `id` belonged to a dropped measurement (an ID a repair skipped that a
  // checkpoint covers counts as dropped: no point names it).
  bool IsDropped(uint64_t id) const;
  // Measurements that were ever dropped (a measurement may be dropped and live again), sorted.
  std::vector<std::string> DroppedMeasurements() const;

  // nullptr for an unknown ID. A dropped series' ID still gives its SeriesInfo (see IsDropped)
  // until a checkpoint leaves it out; then nullptr.
  // Corrupt or IO errors when the checkpoint's index file cannot be read.
  [[nodiscard]] Result<const SeriesInfo*> Series(uint64_t id) const;
  // Whether series `id` is the series with this key and type of `measurement`: what a segment
  // says of a series is checked against this at open. A base series is checked without reading
  // the index file (its key's hash under the ID, its measurement and its field's type).
  [[nodiscard]] Result<bool> HasSeries(uint64_t id, std::string_view key, ValueType type,
                                       std::string_view measurement) const;
  std::optional<ValueType> FieldType(const std::string& measurement, const std::string& field) const;
  // Fields of a measurement with their types, sorted by name.
  std::vector<std::pair<std::string, ValueType>> Fields(const std::string& measurement) const;
  // See TagIndex::Match; the result is sorted by series key. The results of recent matches are
  // kept until a series is registered, so a query repeated (a dashboard's) skips the sort.
  [[nodiscard]] Result<std::vector<const SeriesInfo*>> Match(
      const std::string& measurement, const std::vector<TagFilter>& filters,
      const std::vector<std::string>& fields) const;
  std::vector<std::string> Measurements() const;
  size_t series_count() const;
  // Estimated heap bytes (memory_estimate.h) of the series registry (SeriesInfo objects and the
  // maps from key and tag set to them) and of the tag index; both grow with the series.
  // The base's share (the open index file's tables, its key hashes, the SeriesInfos built from
  // it) is in series_bytes.
  struct MemoryUsage {
    size_t series_bytes = 0;
    size_t tag_index_bytes = 0;
  };
  MemoryUsage Memory() const;
  // The number of series of `measurement` (0 for one dropped or never written).
  size_t SeriesCount(const std::string& measurement) const;
  // The tag keys of `measurement` and the values of one of them (TagIndex::TagKeys, TagValues):
  // every series registered and not dropped counts, whether or not points of it remain.
  [[nodiscard]] Result<std::vector<TagKeyInfo>> TagKeys(const std::string& measurement) const;
  [[nodiscard]] Result<std::vector<TagValueInfo>> TagValues(const std::string& measurement,
                                                            const std::string& key) const;
  // A number no other Catalog of this process has had, so that a writer may remember the IDs
  // Resolve gave it together with this number (WriteBatch::Series) and not resolve them again.
  // A drop gives the catalog a new number, so that no writer reuses an ID of a dropped series.
  uint64_t instance() const { return instance_.load(std::memory_order_acquire); }

 private:
  Catalog(Env* env, std::string dir, std::unique_ptr<Wal> log);
  // Opens the newest checkpoint's index file under dir_ as the base, if there is one; Corrupt
  // when it cannot be read. Then replays the log (`replay` runs Wal::Replay or Wal::Read), skipping
  // what the base holds, and indexes the base's keys. Shared by Open and OpenReadOnly.
  Result<WalReplayStats> Load(
      const std::function<Result<WalReplayStats>(const Wal::ReplayFn&)>& replay) REQUIRES(mu_);
  // Registers what one log record says. Invalid (Corrupt to callers) when it is malformed.
  Status ApplyRecord(std::string_view payload) REQUIRES(mu_);
  // A checkpoint record met in the log: nothing to do when every series it covers is registered
  // (the base, or a replay that read the records before it); else the series past the last one
  // registered are read from its index file (a reader that CatchUp finds behind it).
  Status ApplyCheckpoint(uint64_t last_id, uint64_t through_lsn) REQUIRES(mu_);
  void RegisterField(const std::string& measurement, const std::string& field, ValueType type)
      REQUIRES(mu_);
  // Registers a series from its key alone (replay), or from its parts (Resolve: the key is
  // MakeSeriesKey of them).
  Status RegisterSeries(uint64_t id, std::string key, ValueType type) REQUIRES(mu_);
  Status AddSeries(uint64_t id, std::string key, SeriesKeyParts parts, ValueType type)
      REQUIRES(mu_);
  // The largest ID handed out (0 when none).
  uint64_t LastId() const REQUIRES_SHARED(mu_) { return base_last_id_ + head_.size(); }
  // The SeriesInfo of a head series, null for an ID a repair skipped. REQUIRES: id > base_last_id_.
  SeriesInfo* HeadSeries(uint64_t id) const REQUIRES_SHARED(mu_) {
    return head_[id - base_last_id_ - 1];
  }
  bool IsDroppedLocked(uint64_t id) const REQUIRES_SHARED(mu_);
  // The SeriesInfo of any ID up to LastId() (null for one no series has), built from the base
  // file the first time a base series is asked for.
  Result<const SeriesInfo*> InfoOf(uint64_t id) const REQUIRES_SHARED(mu_);
  Result<const SeriesInfo*> BaseSeries(uint64_t id) const EXCLUDES(base_mu_);
  // Builds the SeriesInfos of those of `ids` (base IDs) not built yet, reading each key block of
  // the base once.
  Status BuildBaseInfos(std::span<const uint64_t> ids) const EXCLUDES(base_mu_);
  // Keeps the SeriesInfo of a series read from the base (or the one built meanwhile).
  Result<const SeriesInfo*> AddBaseInfo(IndexedSeries found) const REQUIRES(base_mu_);
  // The tag set number of `info` (the first series of its tag set found gives the number).
  uint64_t TagSetNumber(const SeriesInfo& info) const EXCLUDES(tagset_mu_);
  // The ID of the series whose key is `key` (`hash`: KeyIdTable::Hash(key)), 0 when none.
  Result<uint64_t> FindKey(std::string_view key, uint64_t hash) const REQUIRES_SHARED(mu_);
  // A new, empty SeriesInfo that stays where it is for the Catalog's lifetime.
  SeriesInfo* NewSeriesInfo() REQUIRES(mu_);
  // Forgets what a drop record says: the measurement's series up to `through_id`, its field
  // types and its declaration. A drop already applied (a checkpoint repeats the drops in force)
  // changes nothing.
  Status ApplyDrop(const std::string& measurement, uint64_t through_id) REQUIRES(mu_);
  // The IDs of the base's live series matching (see Match).
  Result<std::vector<uint64_t>> BaseMatch(const std::string& measurement,
                                          const std::vector<TagFilter>& filters,
                                          const std::vector<std::string>& fields) const
      REQUIRES_SHARED(mu_);
  // The values of tag `key` of `measurement` among the base's live series, with their counts.
  Result<std::vector<TagValueInfo>> BaseTagValues(const std::string& measurement,
                                                  const std::string& key) const
      REQUIRES_SHARED(mu_);
  // Appends `r` to the log and syncs it (with every registration before it).
  Status AppendSynced(const Record& r) REQUIRES(mu_);
  static std::string FieldKey(std::string_view measurement, std::string_view field);
  // The first byte of a checkpoint record's payload (catalog_records.cc).
  static constexpr char kCheckpointRecordKind = 'C';

  Env* const env_;  // reads the log again in CatchUp (a read-only catalog)
  const std::string dir_;
  std::atomic<uint64_t> instance_;
  mutable SharedMutex mu_;
  const std::unique_ptr<Wal> log_ PT_GUARDED_BY(mu_);  // null when read-only
  WalReplayStats recovery_ GUARDED_BY(mu_);            // what Open's replay found
  uint64_t next_record_ GUARDED_BY(mu_) = 1;
  size_t series_count_ GUARDED_BY(mu_) = 0;  // live series (IDs skipped or dropped not counted)
  size_t series_bytes_ GUARDED_BY(mu_) = 0;  // estimated heap of the SeriesInfo chunks and strings
  bool dirty_ GUARDED_BY(mu_) = false;

  // The base: the checkpoint the catalog was opened from (set by Load, then immutable), holding
  // the series with IDs up to base_last_id_; null when there was none.
  std::shared_ptr<const SeriesIndexFile> base_;
  uint64_t base_last_id_ = 0;
  uint64_t base_lsn_ = 0;  // the last log record the base covers
  bool base_keys_indexed_ GUARDED_BY(mu_) = false;  // by_key_ holds the base's keys (after Load)
  // The base's live series per measurement (kept with the drops: Measurements and SeriesCount
  // read no file).
  std::map<std::string, size_t, std::less<>> base_live_ GUARDED_BY(mu_);
  // SeriesInfos built from the base, by ID; never moved or freed before the Catalog.
  mutable Mutex base_mu_ ACQUIRED_AFTER(mu_);
  mutable std::unordered_map<uint64_t, const SeriesInfo*> base_infos_ GUARDED_BY(base_mu_);
  mutable std::deque<SeriesInfo> base_info_store_ GUARDED_BY(base_mu_);
  mutable size_t base_info_bytes_ GUARDED_BY(base_mu_) = 0;
  // The last checkpoint written (or opened): its last ID, for CheckpointDue.
  uint64_t checkpoint_last_id_ GUARDED_BY(mu_) = 0;

  // head_[id - base_last_id_ - 1], null for an ID a repair skipped. The objects live in
  // info_chunks_ (allocated kInfoChunk at a time, never moved or freed before the Catalog).
  std::vector<SeriesInfo*> head_ GUARDED_BY(mu_);
  static constexpr size_t kInfoChunk = 1024;
  std::vector<std::unique_ptr<SeriesInfo[]>> info_chunks_ GUARDED_BY(mu_);
  size_t info_chunk_used_ GUARDED_BY(mu_) = kInfoChunk;  // SeriesInfos of the last chunk in use
  // Series key -> ID of every live series, head and base (keyed through InfoOf; a base key is
  // read from the file when its hash matches).
  KeyIdTable by_key_ GUARDED_BY(mu_);
  // Tag-set key -> its number, keyed through tagset_firsts_[number - 1], the first SeriesInfo of
  // the tag set met.
  mutable Mutex tagset_mu_ ACQUIRED_AFTER(base_mu_);
  mutable KeyIdTable tagset_numbers_ GUARDED_BY(tagset_mu_);
  mutable std::vector<const SeriesInfo*> tagset_firsts_ GUARDED_BY(tagset_mu_);
  std::unordered_map<std::string, ValueType> field_types_ GUARDED_BY(mu_);  // FieldKey -> type
  std::vector<bool> dropped_ GUARDED_BY(mu_);  // dropped_[id - 1]: series id was dropped
  std::set<std::string> dropped_measurements_ GUARDED_BY(mu_);
  std::map<std::string, uint64_t> drop_through_ GUARDED_BY(mu_);  // measurement -> its last drop's
  std::unordered_map<std::string, std::string> declarations_ GUARDED_BY(mu_);  // -> schema
  uint64_t generation_ GUARDED_BY(mu_) = 0;  // changes with every registration and drop
  TagIndex tag_index_ GUARDED_BY(mu_);       // the head's series
  // Match results by request (Match builds the key), valid while generation_ is
  // match_cache_generation_.
  static constexpr size_t kMatchCacheEntries = 256;
  mutable Mutex match_cache_mu_ ACQUIRED_AFTER(mu_);
  mutable std::unordered_map<std::string, std::vector<const SeriesInfo*>> match_cache_
      GUARDED_BY(match_cache_mu_);
  mutable uint64_t match_cache_generation_ GUARDED_BY(match_cache_mu_) = 0;
  Mutex sync_mu_ ACQUIRED_BEFORE(mu_);  // serialises Sync() callers without blocking lookups
  Mutex checkpoint_mu_ ACQUIRED_BEFORE(sync_mu_);  // one Checkpoint() at a time
};

}  // namespace strata
