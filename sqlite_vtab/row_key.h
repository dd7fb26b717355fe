// A row's identity as text: its tag-set key, the canonical key of the engine that orders rows
// (RowKey), and _strata_key, the hidden PRIMARY KEY column through which SQLite hands a row back
// to DELETE and UPDATE (README.md, "Tables"). Stateless and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "row.h"

namespace strata_sql {

// Appends `part` with `,` `=` ` ` `#` `\` escaped by a backslash, as the engine's keys have it.
void AppendEscaped(std::string* dst, const std::string& part);
// Canonical tag-set key `measurement,k=v,...` (tags sorted by key; `,` `=` ` ` `#` `\` escaped), as
// the engine spells it. REQUIRES: tags sorted by key.
std::string TagSetKey(const std::string& measurement, const std::vector<Tag>& tags);
// _strata_key: 8 bytes of time (big-endian, sign bit flipped) then key NUL value NUL per tag.
std::string EncodeKey(int64_t time, const std::vector<Tag>& tags);
// The inverse of EncodeKey; false when `data` is not such a key.
bool DecodeKey(const void* data, int n, int64_t* time, std::vector<Tag>* tags);

}  // namespace strata_sql
