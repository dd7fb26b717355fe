// TagIndex answers "which series of measurement M have tag k=v (or k IN (...)) and field f" without
// scanning every series: per measurement, a posting list of series IDs for each tag key=value, each
// sorted by ID because IDs are handed out in increasing order. It lives in memory and is rebuilt from
// the Catalog at open. Its maps are keyed by views of the strings Add is given (the Catalog's
// SeriesInfo strings, which never move), so a tag value costs one slot of a flat table, a view and
// its posting list, not a copy. Not
// thread-safe: the Catalog guards it with its own lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "key_id_table.h"
#include "memory_estimate.h"
#include "point.h"

namespace strata {

// How a TagFilter tests a series' value of its tag key (tag_predicate.h defines each rule once).
// Like SQL, a series WITHOUT the tag key never matches, whatever the op: `host != 'a'` does not
// select the series that have no `host` tag.
enum class TagOp : uint8_t {
  kIn = 0,          // the value is one of `values` (one value: equality)
  kNotIn = 1,       // the value is none of `values`
  kPrefix = 2,      // the value starts with values[0], bytewise
  kPrefixNoCase = 3,  // the value starts with values[0], ASCII letters compared case-insensitively
  kRegex = 4,       // the whole value matches the RE2 pattern values[0]
};

// A condition on tag `key`; see TagOp. kPrefix, kPrefixNoCase and kRegex take exactly one value
// (ValidateTagFilters).
struct TagFilter {
  std::string key;
  std::vector<std::string> values;
  TagOp op = TagOp::kIn;
};

// A tag key of a measurement: how many values it has, and how many series have it.
struct TagKeyInfo {
  std::string key;
  size_t values = 0;
  size_t series = 0;
  bool operator==(const TagKeyInfo&) const = default;
};

// A value of a tag key: how many series have it.
struct TagValueInfo {
  std::string value;
  size_t series = 0;
  bool operator==(const TagValueInfo&) const = default;
};

class TagIndex {
 public:
  // REQUIRES: ids added in increasing order; the strings of `tags` and `field` stay where they
  // are while the TagIndex lives.
  void Add(uint64_t id, const std::string& measurement, const std::vector<Tag>& tags,
           const std::string& field);

  // IDs of series of `measurement` matching every filter and, when `fields` is not empty, having
  // one of those fields. Sorted by ID. A filter other than kIn walks its key's values once, testing
  // each (its pattern compiled once per call). REQUIRES: ValidateTagFilters(filters) passed (an
  // invalid filter matches nothing).
  std::vector<uint64_t> Match(const std::string& measurement, const std::vector<TagFilter>& filters,
                              const std::vector<std::string>& fields) const;

  std::vector<std::string> Measurements() const;
  // The tag keys of `measurement`, sorted (none for a measurement without series).
  std::vector<TagKeyInfo> TagKeys(const std::string& measurement) const;
  // The values of tag `key` of `measurement`, sorted by value (bytewise).
  std::vector<TagValueInfo> TagValues(const std::string& measurement, const std::string& key) const;
  // Estimated heap bytes of the maps and posting lists (memory_estimate.h).
  size_t MemoryBytes() const;
  // How many series `measurement` has.
  size_t SeriesCount(const std::string& measurement) const;
  // Forgets every series of `measurement`; returns their IDs, sorted.
  std::vector<uint64_t> RemoveMeasurement(const std::string& measurement);

 private:
  using PostingList = std::vector<uint64_t>;
  // The posting lists of one tag key's values (or of a measurement's fields), by value: value
  // number n (1, 2, ...) is values[n - 1] with lists[n - 1], found through a flat KeyIdTable keyed
  // by the values, so a value costs no hash node of its own (a tag of a million values, issue 15).
  class ListByName {
   public:
    // The list of `name`; *added tells whether the name is new (its list then empty).
    PostingList& FindOrAdd(std::string_view name, bool* added);
    const PostingList* Find(std::string_view name) const;
    size_t size() const { return names_.size(); }
    std::string_view name(size_t i) const { return names_[i]; }
    const PostingList& list(size_t i) const { return lists_[i]; }
    // Heap bytes of the table and the vectors (not the lists' own heap).
    size_t MemoryBytes() const;

   private:
    KeyIdTable by_name_;  // name -> its number
    std::vector<std::string_view> names_;
    std::vector<PostingList> lists_;
  };
  struct Postings {
    PostingList all;
    std::unordered_map<std::string_view, ListByName> by_tag;  // tag key -> value -> list
    ListByName by_field;
  };
  // Estimated heap bytes of a hash entry of a by_tag key map.
  static constexpr size_t kKeyEntry = HashNodeBytes(sizeof(std::pair<std::string_view, ListByName>));
  // Appends `id` to *list, counting what the list grows by.
  void Append(PostingList* list, uint64_t id);
  // The estimated heap bytes Add counted in bytes_ for the measurement `entry` (for
  // RemoveMeasurement): its entry, key entries and lists, not the ListByName tables.
  static size_t EntryBytes(const std::pair<const std::string, Postings>& entry);

  std::unordered_map<std::string, Postings> measurements_;
  size_t bytes_ = 0;  // what EntryBytes counts, for every measurement
};

}  // namespace strata
