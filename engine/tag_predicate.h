// TagPredicate is the compiled form of a TagFilter (tag_index.h): the one place that defines what
// each TagOp means for a tag value. Compile checks the filter (the number of values an op takes, a
// regular expression's syntax) and compiles a regular expression once; Matches then tests values.
// Immutable after Compile, so const calls may run on several threads; movable, not copyable.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "result.h"
#include "tag_index.h"

namespace re2 {
class RE2;
}

namespace strata {

class TagPredicate {
 public:
  // Invalid (naming the tag key) for a prefix or regex filter without exactly one value, or a
  // regular expression RE2 cannot compile (RE2's message), or an unknown op.
  static Result<TagPredicate> Compile(const TagFilter& filter);
  TagPredicate(TagPredicate&&) noexcept;
  TagPredicate& operator=(TagPredicate&&) noexcept;
  ~TagPredicate();

  // Whether a series whose tag `filter.key` has `value` matches.
  bool Matches(std::string_view value) const;

 private:
  explicit TagPredicate(const TagFilter& filter);

  const TagFilter* filter_;  // borrowed: the filter given to Compile outlives the predicate
  std::unique_ptr<re2::RE2> regex_;  // kRegex only
};

// The name of an op as the docs and messages spell it ("in", "not in", "prefix", ...).
const char* TagOpName(TagOp op);

// OK when every filter compiles (TagPredicate::Compile); the first error otherwise.
[[nodiscard]] Status ValidateTagFilters(const std::vector<TagFilter>& filters);

}  // namespace strata
