// A WriteBatch collects points that are written atomically: after a crash all of them are there or
// none. Points are grouped by series as they are added (a row of ten fields for one tag set costs one
// tag-set lookup), validated on the way in (names, tag keys, NaN/Inf, one type per series, series
// keys within kMaxSeriesKeyBytes) so a bad point is reported by the call that added it, with what
// was wrong. Field types are checked against the data directory when the batch is written. Not
// thread-safe: one thread at a time.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "key_id_table.h"
#include "point.h"
#include "result.h"
#include "tag_index.h"

namespace strata {

struct ParsedLine;

// A tag as borrowed views, for the C ABI's paths that must not allocate per point.
struct TagView {
  std::string_view key;
  std::string_view value;
};

// A delete carried by a batch: the points of the matching series in [min_time, max_time]. A batch's
// deletes take effect before its points, atomically with them.
struct DeleteSpec {
  std::string measurement;
  std::vector<TagFilter> tags;      // every filter must match (any TagOp)
  bool exact_tags = false;          // also: the series has no tags besides those filtered on
  std::vector<std::string> fields;  // empty: every field
  int64_t min_time = INT64_MIN;     // inclusive
  int64_t max_time = INT64_MAX;     // inclusive
};

class WriteBatch {
 public:
  struct Series {
    uint32_t tagset;  // index into tagsets()
    std::string field;
    std::string key;  // canonical series key
    Column points;    // in the order added; may hold duplicates and be unsorted
    // The series' ID in the catalog with Catalog::instance() catalog_instance (0: none yet),
    // remembered by the write path (RememberCatalogId) so that a batch refilled after
    // ClearPoints() resolves it once.
    uint64_t catalog_id = 0;
    uint64_t catalog_instance = 0;
  };
  struct TagSet {
    std::string measurement;
    std::vector<Tag> tags;  // sorted by key
    std::string key;        // MakeTagSetKey(measurement, tags)
    std::vector<std::pair<std::string, uint32_t>> fields;  // field name -> index into series()
  };

  // Adds one point. `tags` in any order; `str` is used for kString, `num` otherwise (FloatBits for
  // floats, the int64 or 0/1). Invalid for bad names, duplicate tag keys, a series key longer than
  // kMaxSeriesKeyBytes or NaN/Inf; TypeConflict when the series already has points of another type
  // in this batch. On error the batch is unchanged.
  [[nodiscard]] Status Add(std::string_view measurement, std::span<const Tag> tags,
                           std::string_view field, int64_t time, ValueType type, uint64_t num,
                           std::string_view str = {});
  [[nodiscard]] Status AddFloat(std::string_view m, std::span<const Tag> tags, std::string_view field,
                                int64_t time, double v) {
    return Add(m, tags, field, time, ValueType::kFloat, FloatBits(v));
  }
  [[nodiscard]] Status AddInt(std::string_view m, std::span<const Tag> tags, std::string_view field,
                              int64_t time, int64_t v) {
    return Add(m, tags, field, time, ValueType::kInt, static_cast<uint64_t>(v));
  }
  [[nodiscard]] Status AddBool(std::string_view m, std::span<const Tag> tags, std::string_view field,
                               int64_t time, bool v) {
    return Add(m, tags, field, time, ValueType::kBool, v ? 1 : 0);
  }
  [[nodiscard]] Status AddString(std::string_view m, std::span<const Tag> tags,
                                 std::string_view field, int64_t time, std::string_view v) {
    return Add(m, tags, field, time, ValueType::kString, 0, v);
  }
  // Adds a row: every field of one tag set at one time, the tags looked up once. All or nothing.
  [[nodiscard]] Status AddRow(std::string_view measurement, std::span<const TagView> tags,
                              int64_t time, std::span<const FieldValue> fields);
  // Adds every field of a parsed line-protocol line (already validated by the parser).
  [[nodiscard]] Status AddLine(const ParsedLine& line);

  // As Add, with borrowed tag views: when measurement and tags equal the previous call's, nothing
  // is allocated or validated again (the per-point path of the C ABI).
  [[nodiscard]] Status AddView(std::string_view measurement, std::span<const TagView> tags,
                               std::string_view field, int64_t time, ValueType type, uint64_t num,
                               std::string_view str = {});

  // Columnar path. SeriesFor resolves (measurement, tags, field) to an index into series(),
  // creating the series (without points) when new; the same series gives the same index. Invalid
  // for bad names, duplicate tag keys or a series key over kMaxSeriesKeyBytes, TypeConflict when
  // the series has another type. The index stays valid until Clear() (ClearPoints() keeps it).
  [[nodiscard]] Result<uint32_t> SeriesFor(std::string_view measurement,
                                           std::span<const TagView> tags, std::string_view field,
                                           ValueType type);
  // Appends times[i] with nums[i] (FloatBits for floats, the int64, 0/1 for bools) to series
  // `series`. `type` must be the series' type (TypeConflict otherwise); Invalid for an unknown
  // index, a size mismatch, NaN/Inf or a boolean other than 0/1, naming the index. All or
  // nothing: on error the batch is unchanged.
  [[nodiscard]] Status AppendColumn(uint32_t series, ValueType type, std::span<const int64_t> times,
                                    std::span<const uint64_t> nums);
  // AppendColumn for a float series, from doubles.
  [[nodiscard]] Status AppendFloatColumn(uint32_t series, std::span<const int64_t> times,
                                         std::span<const double> values);

  // Adds a delete (see DeleteSpec). Invalid for an empty measurement, min_time > max_time or a tag
  // filter ValidateTagFilters rejects.
  [[nodiscard]] Status AddDelete(DeleteSpec spec);
  const std::vector<DeleteSpec>& deletes() const { return deletes_; }

  const std::vector<Series>& series() const { return series_; }
  const std::vector<TagSet>& tagsets() const { return tagsets_; }
  size_t point_count() const { return points_; }
  bool empty() const { return points_ == 0 && deletes_.empty(); }
  // Removes every point and delete but keeps the tag sets and series (without points): indexes
  // from SeriesFor stay valid, and a batch refilled with the same series resolves none again.
  void ClearPoints();
  // Moves out series i's points, leaving it `replacement` (cleared; its memory is reused by the
  // next points added). point_count() is not updated: follow with ClearPoints().
  Column TakePoints(size_t series, Column replacement = Column());
  // Undoes TakePoints: gives series i back `points` and returns the column it held.
  Column RestorePoints(size_t series, Column points);
  // Records series i's ID in the catalog with Catalog::instance() `instance` (see Series).
  void RememberCatalogId(size_t series, uint64_t instance, uint64_t id) {
    series_[series].catalog_instance = instance;
    series_[series].catalog_id = id;
  }
  void Clear();

 private:
  Result<uint32_t> FindOrAddTagSet(std::string_view measurement, std::vector<Tag> sorted_tags);
  Result<uint32_t> FindOrAddSeries(uint32_t tagset, std::string_view field, ValueType type);
  Status CheckColumn(uint32_t series, ValueType type, size_t ntimes, size_t nvalues) const;
  Result<uint32_t> TagSetForViews(std::string_view measurement, std::span<const TagView> tags);
  // Resolves and checks every field, then appends them all (all or nothing).
  Status AddFields(uint32_t tagset, int64_t time, std::span<const FieldValue> fields);
  void Append(uint32_t series, int64_t time, ValueType type, uint64_t num, std::string_view str);

  std::vector<TagSet> tagsets_;
  // TagSet::key -> index + 1, keyed through tagsets_ (no copy of the key, no node per tag set).
  KeyIdTable tagset_by_key_;
  std::vector<Series> series_;
  std::vector<DeleteSpec> deletes_;
  size_t points_ = 0;

  // AddLine's cache: tag sets by the raw "measurement,tags" text of their lines. Section n (1, 2,
  // ...) is the text section_spans_[n - 1] (offset, length) of section_text_, for the tag set
  // section_tagsets_[n - 1].
  KeyIdTable tagset_by_section_;
  std::string section_text_;
  std::vector<std::pair<size_t, size_t>> section_spans_;
  std::vector<uint32_t> section_tagsets_;

  // The TagView paths' cache: the last tag set exactly as given ("measurement\0k\0v\0..." —
  // names hold no NUL), every tag set seen in that form, and scratch space.
  std::string last_view_text_;
  size_t last_view_ntags_ = 0;
  int64_t last_view_tagset_ = -1;
  std::unordered_map<std::string, uint32_t> tagset_by_given_;
  std::string given_;
};

}  // namespace strata
