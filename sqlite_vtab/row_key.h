// A row's identity as text: its tag-set key, the canonical key of the engine that orders rows
// (RowKey), and _strata_key, the hidden PRIMARY KEY column through which SQLite hands a row back
// to DELETE and UPDATE (README.md, "Tables"). Keys are built by the C ABI's strata_series_key, the
// engine's one definition. Stateless and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "row.h"

namespace strata_sql {

// Canonical tag-set key `measurement,k=v,...` (tags sorted by key, special bytes escaped), as the
// engine spells it (strata_series_key). REQUIRES: tag keys unique.
std::string TagSetKey(const std::string& measurement, const std::vector<Tag>& tags);
// The bytes the longest of `fields` adds to a tag-set key of `measurement` to make its series key
// ("#" and the escaped field name), with that field's index in *longest: a tag-set key of n bytes
// makes series keys of at most n plus this many bytes.
size_t LongestFieldSuffix(const std::string& measurement, const std::vector<std::string>& fields,
                          size_t* longest);
// _strata_key: 8 bytes of time (big-endian, sign bit flipped) then key NUL value NUL per tag, the
// tags sorted by key.
std::string EncodeKey(int64_t time, const std::vector<Tag>& tags);
// _strata_tags: the tags as a JSON object, {"key":"value",...} in key order (RFC 8259 escapes).
std::string TagsJson(const std::vector<Tag>& tags);
// The inverse of EncodeKey; false when `data` is not such a key (also when its tags are not
// sorted by key, or a key repeats).
bool DecodeKey(const void* data, int n, int64_t* time, std::vector<Tag>* tags);

}  // namespace strata_sql
