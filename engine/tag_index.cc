#include "tag_index.h"

#include <algorithm>
#include <iterator>

namespace strata {
namespace {

std::vector<uint64_t> Union(const std::vector<const std::vector<uint64_t>*>& lists) {
  std::vector<uint64_t> out;
  for (const auto* l : lists) {
    std::vector<uint64_t> merged;
    std::set_union(out.begin(), out.end(), l->begin(), l->end(), std::back_inserter(merged));
    out.swap(merged);
  }
  return out;
}

std::vector<uint64_t> Intersect(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  std::vector<uint64_t> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace

void TagIndex::Add(uint64_t id, const std::string& measurement, const std::vector<Tag>& tags,
                   const std::string& field) {
  Postings& p = measurements_[measurement];
  p.all.push_back(id);
  for (const Tag& t : tags) p.by_tag[t.key][t.value].push_back(id);
  p.by_field[field].push_back(id);
}

std::vector<uint64_t> TagIndex::Match(const std::string& measurement,
                                      const std::vector<TagFilter>& filters,
                                      const std::vector<std::string>& fields) const {
  auto m = measurements_.find(measurement);
  if (m == measurements_.end()) return {};
  const Postings& p = m->second;
  std::vector<uint64_t> result = p.all;
  for (const TagFilter& f : filters) {
    std::vector<const std::vector<uint64_t>*> lists;
    auto byk = p.by_tag.find(f.key);
    if (byk != p.by_tag.end()) {
      for (const std::string& v : f.values) {
        auto byv = byk->second.find(v);
        if (byv != byk->second.end()) lists.push_back(&byv->second);
      }
    }
    result = Intersect(result, Union(lists));
    if (result.empty()) return result;
  }
  if (!fields.empty()) {
    std::vector<const std::vector<uint64_t>*> lists;
    for (const std::string& f : fields) {
      auto it = p.by_field.find(f);
      if (it != p.by_field.end()) lists.push_back(&it->second);
    }
    result = Intersect(result, Union(lists));
  }
  return result;
}

std::vector<std::string> TagIndex::Measurements() const {
  std::vector<std::string> out;
  for (const auto& [name, postings] : measurements_) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace strata
