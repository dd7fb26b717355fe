// Tags as the C ABI receives them (strata_tag arrays, borrowed for the call) turned into the
// engine's views and query requests, with a message naming the NULL entry at fault. Internal to
// libstrata.so; a Tags object is used by one thread for one call.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "errors.h"
#include "point.h"
#include "query_cursor.h"
#include "strata.h"
#include "write_batch.h"

namespace strata_abi {

// Borrowed tag views of a C tag array, on the stack for the usual handful of tags.
class Tags {
 public:
  // Returns STRATA_OK or STRATA_INVALID naming the NULL entry.
  int Init(const char* function, const strata_tag* tags, size_t ntags) {
    if (ntags == 0) return STRATA_OK;
    if (tags == nullptr) {
      return SetError(STRATA_INVALID, std::string(function) + ": tags is NULL but ntags is " +
                                          std::to_string(ntags));
    }
    strata::TagView* out = inline_;
    if (ntags > kInline) {
      heap_.resize(ntags);
      out = heap_.data();
    }
    for (size_t i = 0; i < ntags; i++) {
      if (tags[i].key == nullptr) {
        return SetError(STRATA_INVALID,
                        std::string(function) + ": tags[" + std::to_string(i) + "].key is NULL");
      }
      if (tags[i].value == nullptr) {
        return SetError(STRATA_INVALID,
                        std::string(function) + ": tags[" + std::to_string(i) + "].value is NULL");
      }
      out[i] = strata::TagView{tags[i].key, tags[i].value};
    }
    views_ = std::span<const strata::TagView>(out, ntags);
    return STRATA_OK;
  }
  std::span<const strata::TagView> views() const { return views_; }

 private:
  static constexpr size_t kInline = 16;
  strata::TagView inline_[kInline];
  std::vector<strata::TagView> heap_;
  std::span<const strata::TagView> views_;
};

// The QueryRequest of strata_query and strata_delete: `measurement` (required), every tag of
// tags[0..ntags) (equality), `field` unless NULL, t_min <= time <= t_max. STRATA_OK, or
// STRATA_INVALID with the message set.
inline int MakeRequest(const char* function, const char* measurement, const strata_tag* tags,
                       size_t ntags, const char* field, int64_t t_min, int64_t t_max,
                       strata::QueryRequest* q) {
  if (measurement == nullptr) return NullArg(function, "measurement");
  Tags views;
  if (int rc = views.Init(function, tags, ntags); rc != STRATA_OK) return rc;
  q->measurement = measurement;
  for (const strata::TagView& t : views.views()) {
    q->tags.push_back(strata::TagFilter{std::string(t.key), {std::string(t.value)}});
  }
  if (field != nullptr) q->fields.emplace_back(field);
  q->min_time = t_min;
  q->max_time = t_max;
  return STRATA_OK;
}

}  // namespace strata_abi
