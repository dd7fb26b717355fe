#include "tag_index.h"

#include <algorithm>
#include <iterator>
#include <optional>

#include "tag_predicate.h"

namespace strata {
namespace {

std::vector<uint64_t> Union(const std::vector<const std::vector<uint64_t>*>& lists) {
  std::vector<uint64_t> out;
  if (lists.size() > 4) {  // many lists (a prefix or regex over many values): one sort, not n merges
    size_t total = 0;
    for (const auto* l : lists) total += l->size();
    out.reserve(total);
    for (const auto* l : lists) out.insert(out.end(), l->begin(), l->end());
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }
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

// The ids of `ids` that are in at least one of `lists`. Probes each id (binary search) when `ids`
// is small next to the lists, as after a selective tag filter; merges the lists otherwise.
std::vector<uint64_t> KeepInAny(std::vector<uint64_t> ids,
                                const std::vector<const std::vector<uint64_t>*>& lists) {
  size_t total = 0;
  for (const auto* l : lists) total += l->size();
  if (ids.size() * lists.size() * 8 >= total) return Intersect(ids, Union(lists));
  std::erase_if(ids, [&](uint64_t id) {
    return std::none_of(lists.begin(), lists.end(), [id](const std::vector<uint64_t>* l) {
      return std::binary_search(l->begin(), l->end(), id);
    });
  });
  return ids;
}

// The estimated heap bytes of a posting list that Append grew to `capacity`.
size_t ListHeapBytes(size_t capacity) {
  return capacity == 0 ? 0 : capacity * sizeof(uint64_t) + kMallocOverhead;
}

}  // namespace

TagIndex::PostingList& TagIndex::ListByName::FindOrAdd(std::string_view name, bool* added) {
  const uint64_t hash = KeyIdTable::Hash(name);
  const std::vector<std::string_view>& names = names_;
  const uint64_t n = by_name_.Find(name, hash, [&names](uint64_t k) { return names[k - 1]; });
  *added = n == 0;
  if (n != 0) return lists_[n - 1];
  names_.push_back(name);
  lists_.emplace_back();
  by_name_.Insert(names_.size(), hash);
  return lists_.back();
}

const TagIndex::PostingList* TagIndex::ListByName::Find(std::string_view name) const {
  const std::vector<std::string_view>& names = names_;
  const uint64_t n = by_name_.Find(name, KeyIdTable::Hash(name),
                                   [&names](uint64_t k) { return names[k - 1]; });
  return n == 0 ? nullptr : &lists_[n - 1];
}

size_t TagIndex::ListByName::MemoryBytes() const {
  return by_name_.MemoryBytes() + names_.capacity() * sizeof(std::string_view) +
         lists_.capacity() * sizeof(PostingList);
}

size_t TagIndex::MemoryBytes() const {
  size_t bytes = bytes_;
  for (const auto& [name, p] : measurements_) {
    for (const auto& [key, lists] : p.by_tag) bytes += lists.MemoryBytes();
    bytes += p.by_field.MemoryBytes();
  }
  return bytes;
}

void TagIndex::Append(PostingList* list, uint64_t id) {
  const size_t before = list->capacity();
  list->push_back(id);
  bytes_ += ListHeapBytes(list->capacity()) - ListHeapBytes(before);
}

size_t TagIndex::EntryBytes(const std::pair<const std::string, Postings>& entry) {
  const Postings& p = entry.second;
  size_t bytes = HashNodeBytes(sizeof(entry)) + StringHeapBytes(entry.first) +
                 ListHeapBytes(p.all.capacity());
  for (const auto& [key, lists] : p.by_tag) {
    bytes += kKeyEntry;
    for (size_t i = 0; i < lists.size(); i++) bytes += ListHeapBytes(lists.list(i).capacity());
  }
  for (size_t i = 0; i < p.by_field.size(); i++) {
    bytes += ListHeapBytes(p.by_field.list(i).capacity());
  }
  return bytes;
}

void TagIndex::Add(uint64_t id, const std::string& measurement, const std::vector<Tag>& tags,
                   const std::string& field) {
  auto [m, new_measurement] = measurements_.try_emplace(measurement);
  if (new_measurement) bytes_ += HashNodeBytes(sizeof(*m)) + StringHeapBytes(m->first);
  Postings& p = m->second;
  Append(&p.all, id);
  bool added = false;
  for (const Tag& t : tags) {
    auto [byk, new_key] = p.by_tag.try_emplace(t.key);
    bytes_ += new_key ? kKeyEntry : 0;
    Append(&byk->second.FindOrAdd(t.value, &added), id);
  }
  Append(&p.by_field.FindOrAdd(field, &added), id);
}

std::vector<uint64_t> TagIndex::Match(const std::string& measurement,
                                      const std::vector<TagFilter>& filters,
                                      const std::vector<std::string>& fields) const {
  auto m = measurements_.find(measurement);
  if (m == measurements_.end()) return {};
  const Postings& p = m->second;
  // Every posting list is sorted (ids grow) and a subset of p.all, so the first list (or union of
  // lists) needs no intersection with p.all; later ones narrow the result.
  std::optional<std::vector<uint64_t>> result;  // nullopt: every series of the measurement
  auto narrow = [&](const std::vector<const std::vector<uint64_t>*>& lists) {
    result = result ? KeepInAny(std::move(*result), lists) : Union(lists);
  };
  std::vector<const std::vector<uint64_t>*> lists;
  for (const TagFilter& f : filters) {
    lists.clear();
    auto byk = p.by_tag.find(f.key);
    if (byk != p.by_tag.end() && f.op == TagOp::kIn) {
      for (const std::string& v : f.values) {
        if (const PostingList* list = byk->second.Find(v)) lists.push_back(list);
      }
    } else if (byk != p.by_tag.end()) {
      auto predicate = TagPredicate::Compile(f);
      if (!predicate) return {};
      const ListByName& values = byk->second;
      for (size_t i = 0; i < values.size(); i++) {
        if (predicate->Matches(values.name(i))) lists.push_back(&values.list(i));
      }
    }
    narrow(lists);
    if (result->empty()) return {};
  }
  if (!fields.empty()) {
    lists.clear();
    for (const std::string& f : fields) {
      if (const PostingList* list = p.by_field.Find(f)) lists.push_back(list);
    }
    narrow(lists);
  }
  return result ? std::move(*result) : p.all;
}

size_t TagIndex::SeriesCount(const std::string& measurement) const {
  auto it = measurements_.find(measurement);
  return it == measurements_.end() ? 0 : it->second.all.size();
}

std::vector<uint64_t> TagIndex::RemoveMeasurement(const std::string& measurement) {
  auto it = measurements_.find(measurement);
  if (it == measurements_.end()) return {};
  bytes_ -= EntryBytes(*it);
  std::vector<uint64_t> ids = std::move(it->second.all);
  measurements_.erase(it);
  return ids;
}

std::vector<TagKeyInfo> TagIndex::TagKeys(const std::string& measurement) const {
  std::vector<TagKeyInfo> out;
  auto m = measurements_.find(measurement);
  if (m == measurements_.end()) return out;
  for (const auto& [key, values] : m->second.by_tag) {
    TagKeyInfo info{.key = std::string(key), .values = values.size()};
    for (size_t i = 0; i < values.size(); i++) info.series += values.list(i).size();
    out.push_back(std::move(info));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return out;
}

std::vector<TagValueInfo> TagIndex::TagValues(const std::string& measurement,
                                              const std::string& key) const {
  std::vector<TagValueInfo> out;
  auto m = measurements_.find(measurement);
  if (m == measurements_.end()) return out;
  auto byk = m->second.by_tag.find(key);
  if (byk == m->second.by_tag.end()) return out;
  const ListByName& values = byk->second;
  out.reserve(values.size());
  for (size_t i = 0; i < values.size(); i++) {
    out.push_back(
        TagValueInfo{.value = std::string(values.name(i)), .series = values.list(i).size()});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.value < b.value; });
  return out;
}

std::vector<std::string> TagIndex::Measurements() const {
  std::vector<std::string> out;
  for (const auto& [name, postings] : measurements_) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace strata
