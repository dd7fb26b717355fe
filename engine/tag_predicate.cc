#include "tag_predicate.h"

#include <re2/re2.h>

#include <algorithm>
#include <string>

namespace strata {
namespace {

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool StartsWithNoCase(std::string_view value, std::string_view prefix) {
  return value.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), value.begin(),
                    [](char a, char b) { return AsciiLower(a) == AsciiLower(b); });
}

}  // namespace

const char* TagOpName(TagOp op) {
  switch (op) {
    case TagOp::kIn: return "in";
    case TagOp::kNotIn: return "not in";
    case TagOp::kPrefix: return "prefix";
    case TagOp::kPrefixNoCase: return "prefix (ASCII case ignored)";
    case TagOp::kRegex: return "regex";
  }
  return "unknown";
}

TagPredicate::TagPredicate(const TagFilter& filter) : filter_(&filter) {}
TagPredicate::TagPredicate(TagPredicate&&) noexcept = default;
TagPredicate& TagPredicate::operator=(TagPredicate&&) noexcept = default;
TagPredicate::~TagPredicate() = default;

Result<TagPredicate> TagPredicate::Compile(const TagFilter& filter) {
  TagPredicate p(filter);
  switch (filter.op) {
    case TagOp::kIn:
    case TagOp::kNotIn:
      return p;
    case TagOp::kPrefix:
    case TagOp::kPrefixNoCase:
    case TagOp::kRegex:
      break;
    default:
      return unexpected(Error::Invalid("tag filter on '" + filter.key + "': unknown op " +
                                       std::to_string(static_cast<int>(filter.op))));
  }
  if (filter.values.size() != 1) {
    return unexpected(Error::Invalid("tag filter on '" + filter.key + "': " +
                                     TagOpName(filter.op) + " takes exactly one value, got " +
                                     std::to_string(filter.values.size())));
  }
  if (filter.op == TagOp::kRegex) {
    RE2::Options options;
    options.set_log_errors(false);
    p.regex_ = std::make_unique<RE2>(filter.values[0], options);
    if (!p.regex_->ok()) {
      return unexpected(Error::Invalid("tag filter on '" + filter.key + "': invalid regex '" +
                                       filter.values[0] + "': " + p.regex_->error()));
    }
  }
  return p;
}

bool TagPredicate::Matches(std::string_view value) const {
  const std::vector<std::string>& values = filter_->values;
  switch (filter_->op) {
    case TagOp::kIn:
      return std::find(values.begin(), values.end(), value) != values.end();
    case TagOp::kNotIn:
      return std::find(values.begin(), values.end(), value) == values.end();
    case TagOp::kPrefix:
      return value.starts_with(values[0]);
    case TagOp::kPrefixNoCase:
      return StartsWithNoCase(value, values[0]);
    case TagOp::kRegex:
      return RE2::FullMatch(value, *regex_);
  }
  return false;
}

Status ValidateTagFilters(const std::vector<TagFilter>& filters) {
  for (const TagFilter& f : filters) {
    if (auto p = TagPredicate::Compile(f); !p) return unexpected(p.error());
  }
  return OkStatus();
}

}  // namespace strata
