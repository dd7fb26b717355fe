// TagIndex answers "which series of measurement M have tag k=v (or k IN (...)) and field f" without
// scanning every series: per measurement, a posting list of series IDs for each tag key=value, each
// sorted by ID because IDs are handed out in increasing order. It lives in memory and is rebuilt from
// the Catalog at open. Not thread-safe: the Catalog guards it with its own lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "point.h"

namespace strata {

// Tag key = one of `values` (one value: equality; several: IN).
struct TagFilter {
  std::string key;
  std::vector<std::string> values;
};

class TagIndex {
 public:
  // REQUIRES: ids added in increasing order.
  void Add(uint64_t id, const std::string& measurement, const std::vector<Tag>& tags,
           const std::string& field);

  // IDs of series of `measurement` matching every filter and, when `fields` is not empty, having
  // one of those fields. Sorted by ID.
  std::vector<uint64_t> Match(const std::string& measurement, const std::vector<TagFilter>& filters,
                              const std::vector<std::string>& fields) const;

  std::vector<std::string> Measurements() const;
  // How many series `measurement` has.
  size_t SeriesCount(const std::string& measurement) const;
  // Forgets every series of `measurement`; returns their IDs, sorted.
  std::vector<uint64_t> RemoveMeasurement(const std::string& measurement);

 private:
  struct Postings {
    std::vector<uint64_t> all;
    std::unordered_map<std::string, std::unordered_map<std::string, std::vector<uint64_t>>> by_tag;
    std::unordered_map<std::string, std::vector<uint64_t>> by_field;
  };
  std::unordered_map<std::string, Postings> measurements_;
};

}  // namespace strata
