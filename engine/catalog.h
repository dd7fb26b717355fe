// The Catalog is a data directory's durable registry of series and field types. Each series key
// gets a 64-bit ID handed out in increasing order (1, 2, ...), so two different keys never share an
// ID; each (measurement, field) gets the value type of its first write, for the whole directory.
// Each tag set (measurement and tags) gets a number too, in the order its first series was
// registered: stable while the catalog is open (it is not stored; a reopened catalog numbers its
// tag sets alike). Registrations are appended to a CRC-checked log (the Wal record format, in
// `<dir>/catalog/`) and made durable by Sync(), which the write path calls before the WAL record
// that uses them is synced. It also keeps the TagIndex. Thread-safe: lookups take a shared lock,
// registrations an exclusive one; SeriesInfo pointers stay valid for the Catalog's lifetime.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "env.h"
#include "point.h"
#include "result.h"
#include "tag_index.h"

namespace strata {

class Wal;

struct SeriesInfo {
  uint64_t id;
  std::string key;         // canonical series key
  std::string measurement;
  std::string tagset_key;  // the key up to its '#': identifies the row of the row view
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
  ~Catalog();
  // Opens or creates the catalog under `dir` and replays it. Corrupt when the log is damaged.
  [[nodiscard]] static Result<std::unique_ptr<Catalog>> Open(Env* env, const std::string& dir);

  // Sets ids[i] to the ID of specs[i], registering new series and field types. All or nothing: a
  // type conflict (the field already has another type, or the batch itself mixes types) registers
  // nothing and names the measurement, field and both types.
  [[nodiscard]] Status Resolve(std::span<const SeriesSpec> specs, uint64_t* ids);
  // Makes every registration so far durable. No-op when nothing is pending.
  [[nodiscard]] Status Sync();

  // nullptr for an unknown ID.
  const SeriesInfo* Series(uint64_t id) const;
  std::optional<ValueType> FieldType(const std::string& measurement, const std::string& field) const;
  // Fields of a measurement with their types, sorted by name.
  std::vector<std::pair<std::string, ValueType>> Fields(const std::string& measurement) const;
  // See TagIndex::Match; the result is sorted by series key. The results of recent matches are
  // kept until a series is registered, so a query repeated (a dashboard's) skips the sort.
  std::vector<const SeriesInfo*> Match(const std::string& measurement,
                                       const std::vector<TagFilter>& filters,
                                       const std::vector<std::string>& fields) const;
  std::vector<std::string> Measurements() const;
  size_t series_count() const;
  // A number no other Catalog of this process has had, so that a writer may remember the IDs
  // Resolve gave it together with this number (WriteBatch::Series) and not resolve them again.
  uint64_t instance() const { return instance_; }

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using KeyMap = std::unordered_map<std::string, uint64_t, StringHash, std::equal_to<>>;

  Catalog(Env* env, std::string dir, std::unique_ptr<Wal> log);
  Status Replay();
  // REQUIRES: mu_ held exclusively.
  void RegisterField(const std::string& measurement, const std::string& field, ValueType type);
  Status RegisterSeries(uint64_t id, std::string key, ValueType type);
  static std::string FieldKey(std::string_view measurement, std::string_view field);

  Env* env_;
  const std::string dir_;
  const uint64_t instance_;
  mutable std::shared_mutex mu_;
  std::unique_ptr<Wal> log_;                             // GUARDED_BY(mu_)
  uint64_t next_record_ = 1;                             // GUARDED_BY(mu_)
  bool dirty_ = false;                                   // GUARDED_BY(mu_)
  std::vector<std::unique_ptr<SeriesInfo>> series_;      // GUARDED_BY(mu_); series_[id - 1]
  KeyMap by_key_;                                        // GUARDED_BY(mu_)
  // Tag-set key (a view of its first series' tagset_key) -> its tagset_id.
  std::unordered_map<std::string_view, uint64_t> tagset_ids_;  // GUARDED_BY(mu_)
  std::unordered_map<std::string, ValueType> field_types_;  // GUARDED_BY(mu_); FieldKey -> type
  TagIndex tag_index_;                                   // GUARDED_BY(mu_)
  // Match results by request (Match builds the key), valid while series_.size() is
  // match_cache_series_.
  static constexpr size_t kMatchCacheEntries = 256;
  mutable std::mutex match_cache_mu_;
  mutable std::unordered_map<std::string, std::vector<const SeriesInfo*>>
      match_cache_;                        // GUARDED_BY(match_cache_mu_)
  mutable size_t match_cache_series_ = 0;  // GUARDED_BY(match_cache_mu_)
  std::mutex sync_mu_;  // serialises Sync() callers without blocking lookups
};

}  // namespace strata
