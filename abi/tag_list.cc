// strata_tag_list: the tag keys of a measurement or the values of one tag, with their series counts,
// copied out of the engine's tag index (Catalog::TagKeys, TagValues) so that the list outlives
// the call and no lock is held while the caller reads it.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "errors.h"
#include "handles.h"
#include "strata.h"

using namespace strata_abi;

// One entry of a list: a key (with its number of values) or a value (values 0).
struct strata_tag_list {
  struct Entry {
    std::string name;
    uint64_t series = 0;
    uint64_t values = 0;
  };
  std::vector<Entry> entries;
};

extern "C" {

int strata_list_tags(strata_db* db, const char* measurement, const char* key,
                     strata_tag_list** out) {
  return Guard([&] {
    constexpr const char* kFn = "strata_list_tags";
    if (out == nullptr) return NullArg(kFn, "out");
    *out = nullptr;
    if (db == nullptr) return NullArg(kFn, "db");
    if (measurement == nullptr) return NullArg(kFn, "measurement");
    auto catalog = db->engine->CurrentCatalog();
    if (!catalog) return FromError(catalog.error());
    auto list = std::make_unique<strata_tag_list>();
    if (key == nullptr) {
      auto keys = (*catalog)->TagKeys(measurement);
      if (!keys) return FromError(keys.error());
      list->entries.reserve(keys->size());
      for (strata::TagKeyInfo& k : *keys) {
        list->entries.push_back({std::move(k.key), k.series, k.values});
      }
    } else {
      auto values = (*catalog)->TagValues(measurement, key);
      if (!values) return FromError(values.error());
      list->entries.reserve(values->size());
      for (strata::TagValueInfo& v : *values) list->entries.push_back({std::move(v.value), v.series, 0});
    }
    *out = list.release();
    return STRATA_OK;
  });
}

size_t strata_tag_list_count(const strata_tag_list* l) { return l == nullptr ? 0 : l->entries.size(); }

const char* strata_tag_list_name(const strata_tag_list* l, size_t i, size_t* len) {
  if (l == nullptr || i >= l->entries.size()) {
    if (len != nullptr) *len = 0;
    return nullptr;
  }
  if (len != nullptr) *len = l->entries[i].name.size();
  return l->entries[i].name.c_str();
}

uint64_t strata_tag_list_series(const strata_tag_list* l, size_t i) {
  return l == nullptr || i >= l->entries.size() ? 0 : l->entries[i].series;
}

uint64_t strata_tag_list_values(const strata_tag_list* l, size_t i) {
  return l == nullptr || i >= l->entries.size() ? 0 : l->entries[i].values;
}

void strata_tag_list_free(strata_tag_list* l) { delete l; }

}  // extern "C"
