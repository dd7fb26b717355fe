#include "write_batch.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "line_protocol.h"
#include "series_key.h"

namespace strata {

Status WriteBatch::AddDelete(DeleteSpec spec) {
  if (spec.measurement.empty()) return unexpected(Error::Invalid("delete needs a measurement"));
  if (spec.min_time > spec.max_time) {
    return unexpected(Error::Invalid("delete range is empty: min_time " +
                                     std::to_string(spec.min_time) + " > max_time " +
                                     std::to_string(spec.max_time)));
  }
  deletes_.push_back(std::move(spec));
  return OkStatus();
}

void WriteBatch::Clear() {
  deletes_.clear();
  tagsets_.clear();
  tagset_by_key_.clear();
  series_.clear();
  points_ = 0;
  last_measurement_.clear();
  last_tags_.clear();
  last_series_section_.clear();
  last_tagset_ = -1;
  last_view_text_.clear();
  last_view_tagset_ = -1;
}

Result<uint32_t> WriteBatch::FindOrAddTagSet(std::string_view measurement,
                                             std::vector<Tag> sorted_tags) {
  std::string key = MakeTagSetKey(measurement, sorted_tags);
  auto it = tagset_by_key_.find(key);
  if (it != tagset_by_key_.end()) return it->second;
  const auto index = static_cast<uint32_t>(tagsets_.size());
  tagsets_.push_back(TagSet{std::string(measurement), std::move(sorted_tags), key, {}});
  tagset_by_key_.emplace(std::move(key), index);
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
  if (!IsValidValueType(static_cast<uint8_t>(type))) {
    return unexpected(Error::Invalid("unknown value type " + std::to_string(static_cast<int>(type))));
  }
  if (type == ValueType::kFloat && !std::isfinite(BitsFloat(num))) {
    return unexpected(Error::Invalid("field '" + std::string(field) + "' of measurement '" +
                                     std::string(measurement) + "': " +
                                     (std::isnan(BitsFloat(num)) ? "NaN" : "an infinite value") +
                                     " cannot be stored"));
  }
  if (type == ValueType::kBool && num > 1) {
    return unexpected(Error::Invalid("boolean value must be 0 or 1"));
  }
  const bool same_tagset = last_tagset_ >= 0 && last_series_section_.empty() &&
                           measurement == last_measurement_ &&
                           std::equal(tags.begin(), tags.end(), last_tags_.begin(), last_tags_.end());
  uint32_t tagset;
  if (same_tagset) {
    tagset = static_cast<uint32_t>(last_tagset_);
  } else {
    STRATA_RETURN_IF_ERROR(ValidateName("measurement", measurement));
    std::vector<Tag> sorted(tags.begin(), tags.end());
    STRATA_RETURN_IF_ERROR(NormalizeTags(&sorted));
    STRATA_ASSIGN_OR_RETURN(tagset, FindOrAddTagSet(measurement, std::move(sorted)));
    last_measurement_.assign(measurement);
    last_tags_.assign(tags.begin(), tags.end());
    last_series_section_.clear();
    last_tagset_ = tagset;
  }
  STRATA_ASSIGN_OR_RETURN(uint32_t series, FindOrAddSeries(tagset, field, type));
  Append(series, time, type, num, str);
  return OkStatus();
}

Status WriteBatch::AddLine(const ParsedLine& line) {
  uint32_t tagset;
  if (last_tagset_ >= 0 && !last_series_section_.empty() &&
      line.series_section == last_series_section_) {
    tagset = static_cast<uint32_t>(last_tagset_);
  } else {
    std::vector<Tag> tags;
    tags.reserve(line.tags.size());
    for (const auto& [k, v] : line.tags) tags.push_back(Tag{std::string(k), std::string(v)});
    STRATA_ASSIGN_OR_RETURN(tagset, FindOrAddTagSet(line.measurement, std::move(tags)));
    last_series_section_.assign(line.series_section);
    last_measurement_.clear();
    last_tags_.clear();
    last_tagset_ = tagset;
  }
  // Resolve every field before appending any, so a conflict leaves the batch unchanged.
  uint32_t indexes[64];
  std::vector<uint32_t> many;
  uint32_t* idx = indexes;
  if (line.fields.size() > 64) {
    many.resize(line.fields.size());
    idx = many.data();
  }
  for (size_t i = 0; i < line.fields.size(); i++) {
    const ParsedField& f = line.fields[i];
    STRATA_ASSIGN_OR_RETURN(idx[i], FindOrAddSeries(tagset, f.key, f.type));
  }
  for (size_t i = 0; i < line.fields.size(); i++) {
    const ParsedField& f = line.fields[i];
    Append(idx[i], line.time, f.type, f.num, f.str);
  }
  return OkStatus();
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
  // 2. A tag set already in the batch: build its key in scratch space and look it up. Only valid
  // names can be in the map, so a hit needs no validation (an invalid name, or a repeated key,
  // gives a key no valid tag set has).
  view_sorted_.assign(tags.begin(), tags.end());
  std::stable_sort(view_sorted_.begin(), view_sorted_.end(),
                   [](const TagView& a, const TagView& b) { return a.key < b.key; });
  view_key_.clear();
  AppendEscaped(&view_key_, measurement);
  for (const TagView& t : view_sorted_) {
    view_key_.push_back(',');
    AppendEscaped(&view_key_, t.key);
    view_key_.push_back('=');
    AppendEscaped(&view_key_, t.value);
  }
  uint32_t tagset;
  if (auto it = tagset_by_key_.find(view_key_); it != tagset_by_key_.end()) {
    tagset = it->second;
  } else {
    // 3. A new tag set: validate and add it.
    STRATA_RETURN_IF_ERROR(ValidateName("measurement", measurement));
    std::vector<Tag> sorted;
    sorted.reserve(tags.size());
    for (const TagView& t : tags) sorted.push_back(Tag{std::string(t.key), std::string(t.value)});
    STRATA_RETURN_IF_ERROR(NormalizeTags(&sorted));
    STRATA_ASSIGN_OR_RETURN(tagset, FindOrAddTagSet(measurement, std::move(sorted)));
  }
  last_view_text_.assign(measurement);
  last_view_text_.push_back('\0');
  for (const TagView& t : tags) {
    last_view_text_.append(t.key);
    last_view_text_.push_back('\0');
    last_view_text_.append(t.value);
    last_view_text_.push_back('\0');
  }
  last_view_ntags_ = tags.size();
  last_view_tagset_ = tagset;
  return tagset;
}

Status WriteBatch::AddView(std::string_view measurement, std::span<const TagView> tags,
                           std::string_view field, int64_t time, ValueType type, uint64_t num,
                           std::string_view str) {
  if (!IsValidValueType(static_cast<uint8_t>(type))) {
    return unexpected(Error::Invalid("unknown value type " + std::to_string(static_cast<int>(type))));
  }
  STRATA_RETURN_IF_ERROR(CheckValue(measurement, field, type, num));
  STRATA_ASSIGN_OR_RETURN(uint32_t tagset, TagSetForViews(measurement, tags));
  STRATA_ASSIGN_OR_RETURN(uint32_t series, FindOrAddSeries(tagset, field, type));
  Append(series, time, type, num, str);
  return OkStatus();
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
