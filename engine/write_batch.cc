#include "write_batch.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "line_protocol.h"
#include "series_key.h"
#include "tag_predicate.h"

namespace strata {

Status WriteBatch::AddDelete(DeleteSpec spec) {
  if (spec.measurement.empty()) return unexpected(Error::Invalid("delete needs a measurement"));
  if (spec.min_time > spec.max_time) {
    return unexpected(Error::Invalid("delete range is empty: min_time " +
                                     std::to_string(spec.min_time) + " > max_time " +
                                     std::to_string(spec.max_time)));
  }
  STRATA_RETURN_IF_ERROR(ValidateTagFilters(spec.tags));
  deletes_.push_back(std::move(spec));
  return OkStatus();
}

void WriteBatch::ClearPoints() {
  deletes_.clear();
  // The columns keep their memory for the next batch, unless this one was large.
  constexpr size_t kKeepMemoryPoints = size_t{1} << 20;
  for (Series& s : series_) {
    if (points_ > kKeepMemoryPoints) {
      Column empty;
      empty.type = s.points.type;
      s.points = std::move(empty);
    } else {
      s.points.clear();
    }
  }
  points_ = 0;
}

Column WriteBatch::TakePoints(size_t series, Column replacement) {
  Column taken = std::move(series_[series].points);
  replacement.clear();
  replacement.type = taken.type;
  replacement.times_only = false;
  series_[series].points = std::move(replacement);
  return taken;
}

Column WriteBatch::RestorePoints(size_t series, Column points) {
  Column held = std::move(series_[series].points);
  series_[series].points = std::move(points);
  return held;
}

void WriteBatch::Clear() {
  deletes_.clear();
  tagsets_.clear();
  tagset_by_key_.Clear();
  series_.clear();
  points_ = 0;
  tagset_by_section_.Clear();
  section_text_.clear();
  section_spans_.clear();
  section_tagsets_.clear();
  last_view_text_.clear();
  last_view_tagset_ = -1;
  tagset_by_given_.clear();
}

Result<uint32_t> WriteBatch::FindOrAddTagSet(std::string_view measurement,
                                             std::vector<Tag> sorted_tags) {
  std::string key = MakeTagSetKey(measurement, sorted_tags);
  const uint64_t hash = KeyIdTable::Hash(key);
  const std::vector<TagSet>& tagsets = tagsets_;
  const uint64_t found = tagset_by_key_.Find(
      key, hash, [&tagsets](uint64_t n) -> std::string_view { return tagsets[n - 1].key; });
  if (found != 0) return static_cast<uint32_t>(found - 1);
  const auto index = static_cast<uint32_t>(tagsets_.size());
  tagsets_.push_back(TagSet{std::string(measurement), std::move(sorted_tags), std::move(key), {}});
  tagset_by_key_.Insert(index + 1, hash);
  return index;
}

Result<uint32_t> WriteBatch::FindOrAddSeries(uint32_t tagset, std::string_view field,
                                             ValueType type) {
  TagSet& ts = tagsets_[tagset];
  for (const auto& [name, index] : ts.fields) {
    if (name == field) {
      const ValueType existing = series_[index].points.type;
      if (existing != type) {
        return unexpected(Error::TypeConflict(
            "field '" + std::string(field) + "' of measurement '" + ts.measurement +
            "' has both " + ValueTypeName(existing) + " and " + ValueTypeName(type) +
            " values in one batch"));
      }
      return index;
    }
  }
  STRATA_RETURN_IF_ERROR(ValidateName("field name", field));
  const auto index = static_cast<uint32_t>(series_.size());
  Series s;
  s.tagset = tagset;
  s.field = std::string(field);
  s.key = ts.key;
  s.key.push_back('#');
  AppendEscaped(&s.key, field);
  if (s.key.size() > kMaxSeriesKeyBytes) {
    std::string msg = "series key '";
    AppendSnippet(&msg, s.key, 64);
    msg += "' is " + std::to_string(s.key.size()) + " bytes, longer than " +
           std::to_string(kMaxSeriesKeyBytes) + " (its measurement, tags and field together)";
    return unexpected(Error::Invalid(msg));
  }
  s.points.type = type;
  series_.push_back(std::move(s));
  ts.fields.emplace_back(std::string(field), index);
  return index;
}

void WriteBatch::Append(uint32_t series, int64_t time, ValueType type, uint64_t num,
                        std::string_view str) {
  Column& c = series_[series].points;
  c.times.push_back(time);
  if (type == ValueType::kString) {
    c.strs.emplace_back(str);
  } else {
    c.nums.push_back(num);
  }
  points_++;
}

Status WriteBatch::Add(std::string_view measurement, std::span<const Tag> tags,
                       std::string_view field, int64_t time, ValueType type, uint64_t num,
                       std::string_view str) {
  TagView small[16];
  std::vector<TagView> many;
  TagView* views = small;
  if (tags.size() > 16) {
    many.resize(tags.size());
    views = many.data();
  }
  for (size_t i = 0; i < tags.size(); i++) views[i] = TagView{tags[i].key, tags[i].value};
  return AddView(measurement, std::span<const TagView>(views, tags.size()), field, time, type, num,
                 str);
}

Status WriteBatch::AddLine(const ParsedLine& line) {
  uint32_t tagset;
  const uint64_t hash = KeyIdTable::Hash(line.series_section);
  const std::string& text = section_text_;
  const std::vector<std::pair<size_t, size_t>>& spans = section_spans_;
  const uint64_t section = tagset_by_section_.Find(
      line.series_section, hash, [&text, &spans](uint64_t n) {
        return std::string_view(text).substr(spans[n - 1].first, spans[n - 1].second);
      });
  if (section != 0) {
    tagset = section_tagsets_[section - 1];
  } else {
    std::vector<Tag> tags;
    tags.reserve(line.tags.size());
    for (const auto& [k, v] : line.tags) tags.push_back(Tag{std::string(k), std::string(v)});
    STRATA_ASSIGN_OR_RETURN(tagset, FindOrAddTagSet(line.measurement, std::move(tags)));
    section_spans_.emplace_back(section_text_.size(), line.series_section.size());
    section_text_.append(line.series_section);
    section_tagsets_.push_back(tagset);
    tagset_by_section_.Insert(section_spans_.size(), hash);
  }
  return AddFields(tagset, line.time, line.fields);
}

Status WriteBatch::AddRow(std::string_view measurement, std::span<const TagView> tags, int64_t time,
                          std::span<const FieldValue> fields) {
  STRATA_ASSIGN_OR_RETURN(uint32_t tagset, TagSetForViews(measurement, tags));
  return AddFields(tagset, time, fields);
}

// ---- borrowed-view and columnar paths (C ABI) -----------------------------------------------

namespace {

Status CheckValue(std::string_view measurement, std::string_view field, ValueType type,
                  uint64_t num) {
  if (type == ValueType::kFloat && !std::isfinite(BitsFloat(num))) {
    return unexpected(Error::Invalid("field '" + std::string(field) + "' of measurement '" +
                                     std::string(measurement) + "': " +
                                     (std::isnan(BitsFloat(num)) ? "NaN" : "an infinite value") +
                                     " cannot be stored"));
  }
  if (type == ValueType::kBool && num > 1) {
    return unexpected(Error::Invalid("boolean value must be 0 or 1"));
  }
  return OkStatus();
}

}  // namespace

Status WriteBatch::AddFields(uint32_t tagset, int64_t time, std::span<const FieldValue> fields) {
  uint32_t small[64];
  std::vector<uint32_t> many;
  uint32_t* idx = small;
  if (fields.size() > 64) {
    many.resize(fields.size());
    idx = many.data();
  }
  const std::string& measurement = tagsets_[tagset].measurement;
  for (size_t i = 0; i < fields.size(); i++) {
    const FieldValue& f = fields[i];
    if (!IsValidValueType(static_cast<uint8_t>(f.type))) {
      return unexpected(Error::Invalid("unknown value type " + std::to_string(static_cast<int>(f.type))));
    }
    STRATA_RETURN_IF_ERROR(CheckValue(measurement, f.key, f.type, f.num));
    STRATA_ASSIGN_OR_RETURN(idx[i], FindOrAddSeries(tagset, f.key, f.type));
  }
  for (size_t i = 0; i < fields.size(); i++) {
    Append(idx[i], time, fields[i].type, fields[i].num, fields[i].str);
  }
  return OkStatus();
}

Result<uint32_t> WriteBatch::TagSetForViews(std::string_view measurement,
                                            std::span<const TagView> tags) {
  // 1. The same tag set as the previous call, compared in place.
  if (last_view_tagset_ >= 0 && tags.size() == last_view_ntags_) {
    std::string_view text = last_view_text_;
    auto take = [&text](std::string_view part) {
      if (text.size() <= part.size() || text.compare(0, part.size(), part) != 0 ||
          text[part.size()] != '\0') {
        return false;
      }
      text.remove_prefix(part.size() + 1);
      return true;
    };
    bool same = take(measurement);
    for (size_t i = 0; i < tags.size() && same; i++) same = take(tags[i].key) && take(tags[i].value);
    if (same && text.empty()) return static_cast<uint32_t>(last_view_tagset_);
  }
  // 2. A tag set seen before in this form.
  given_.assign(measurement);
  given_.push_back('\0');
  for (const TagView& t : tags) {
    given_.append(t.key);
    given_.push_back('\0');
    given_.append(t.value);
    given_.push_back('\0');
  }
  uint32_t tagset;
  if (auto it = tagset_by_given_.find(given_); it != tagset_by_given_.end()) {
    tagset = it->second;
  } else {
    // 3. Validate, sort, and find or add the tag set under its canonical key.
    STRATA_RETURN_IF_ERROR(ValidateName("measurement", measurement));
    std::vector<Tag> sorted;
    sorted.reserve(tags.size());
    for (const TagView& t : tags) sorted.push_back(Tag{std::string(t.key), std::string(t.value)});
    STRATA_RETURN_IF_ERROR(NormalizeTags(&sorted));
    STRATA_ASSIGN_OR_RETURN(tagset, FindOrAddTagSet(measurement, std::move(sorted)));
    tagset_by_given_.emplace(given_, tagset);
  }
  last_view_text_.swap(given_);
  last_view_ntags_ = tags.size();
  last_view_tagset_ = tagset;
  return tagset;
}

Status WriteBatch::AddView(std::string_view measurement, std::span<const TagView> tags,
                           std::string_view field, int64_t time, ValueType type, uint64_t num,
                           std::string_view str) {
  const FieldValue f{field, type, num, str};
  return AddRow(measurement, tags, time, std::span<const FieldValue>(&f, 1));
}

Result<uint32_t> WriteBatch::SeriesFor(std::string_view measurement, std::span<const TagView> tags,
                                       std::string_view field, ValueType type) {
  if (!IsValidValueType(static_cast<uint8_t>(type))) {
    return unexpected(Error::Invalid("unknown value type " + std::to_string(static_cast<int>(type))));
  }
  STRATA_ASSIGN_OR_RETURN(uint32_t tagset, TagSetForViews(measurement, tags));
  return FindOrAddSeries(tagset, field, type);
}

Status WriteBatch::CheckColumn(uint32_t series, ValueType type, size_t ntimes,
                               size_t nvalues) const {
  if (series >= series_.size()) {
    return unexpected(Error::Invalid("unknown series reference " + std::to_string(series)));
  }
  if (ntimes != nvalues) {
    return unexpected(Error::Invalid("column sizes differ: " + std::to_string(ntimes) +
                                     " times, " + std::to_string(nvalues) + " values"));
  }
  const Series& s = series_[series];
  if (s.points.type != type || type == ValueType::kString) {
    return unexpected(Error::TypeConflict("series '" + s.key + "' holds " +
                                          ValueTypeName(s.points.type) + " values, not " +
                                          ValueTypeName(type)));
  }
  return OkStatus();
}

Status WriteBatch::AppendColumn(uint32_t series, ValueType type, std::span<const int64_t> times,
                                std::span<const uint64_t> nums) {
  STRATA_RETURN_IF_ERROR(CheckColumn(series, type, times.size(), nums.size()));
  Series& s = series_[series];
  for (size_t i = 0; i < nums.size(); i++) {
    if (type == ValueType::kFloat && !std::isfinite(BitsFloat(nums[i]))) {
      return unexpected(Error::Invalid("series '" + s.key + "': value " + std::to_string(i) +
                                       " is " +
                                       (std::isnan(BitsFloat(nums[i])) ? "NaN" : "an infinite value") +
                                       ", which cannot be stored"));
    }
    if (type == ValueType::kBool && nums[i] > 1) {
      return unexpected(Error::Invalid("series '" + s.key + "': value " + std::to_string(i) +
                                       " is not a boolean 0 or 1"));
    }
  }
  Column& c = s.points;
  c.times.insert(c.times.end(), times.begin(), times.end());
  c.nums.insert(c.nums.end(), nums.begin(), nums.end());
  points_ += times.size();
  return OkStatus();
}

Status WriteBatch::AppendFloatColumn(uint32_t series, std::span<const int64_t> times,
                                     std::span<const double> values) {
  STRATA_RETURN_IF_ERROR(CheckColumn(series, ValueType::kFloat, times.size(), values.size()));
  Series& s = series_[series];
  for (size_t i = 0; i < values.size(); i++) {
    if (!std::isfinite(values[i])) {
      return unexpected(Error::Invalid("series '" + s.key + "': value " + std::to_string(i) +
                                       " is " + (std::isnan(values[i]) ? "NaN" : "an infinite value") +
                                       ", which cannot be stored"));
    }
  }
  Column& c = s.points;
  c.times.insert(c.times.end(), times.begin(), times.end());
  const size_t old = c.nums.size();
  c.nums.resize(old + values.size());
  if (!values.empty()) std::memcpy(c.nums.data() + old, values.data(), values.size() * sizeof(double));
  points_ += times.size();
  return OkStatus();
}

}  // namespace strata
