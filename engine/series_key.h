// The canonical series key of engine/README.md, section 1: `measurement,tag1=v1,tag2=v2#field`,
// tags sorted by key (byte order), with `,` `=` ` ` `#` and `\` escaped by a backslash in every
// part. The text is the identity of a series in files and APIs; keys compare as plain byte strings.
// ParseSeriesKey accepts exactly the strings MakeSeriesKey produces, so
// MakeSeriesKey(ParseSeriesKey(k)) == k whenever the parse succeeds. Also here: ValidateName, the
// name check every ingest path applies. All functions are stateless and thread-safe.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "point.h"
#include "result.h"

namespace strata {

// Longest measurement, tag key, tag value or field name accepted, in bytes.
inline constexpr size_t kMaxNameBytes = 64 * 1024;
// Longest series key (MakeSeriesKey: the measurement, tags and field, escaped) accepted, in bytes.
// Names within kMaxNameBytes can add up to more: a write refuses such a series (WriteBatch), as
// segment files cannot hold its key.
inline constexpr size_t kMaxSeriesKeyBytes = 64 * 1024;

// Appends `part` to *dst with `,` `=` ` ` `#` and `\` preceded by a backslash. Allocates nothing
// beyond the growth of *dst.
void AppendEscaped(std::string* dst, std::string_view part);

// "measurement,k1=v1,k2=v2", the key of a tag set. REQUIRES: sorted_tags sorted by key, keys unique
// (see NormalizeTags).
std::string MakeTagSetKey(std::string_view measurement, std::span<const Tag> sorted_tags);

// MakeTagSetKey(...) + "#" + escaped field. Same REQUIRES.
std::string MakeSeriesKey(std::string_view measurement, std::span<const Tag> sorted_tags,
                          std::string_view field);

struct SeriesKeyParts {
  std::string measurement;
  std::vector<Tag> tags;  // sorted by key, unique
  std::string field;      // empty for a tag-set key
  bool operator==(const SeriesKeyParts&) const = default;
};

// The length of the tag-set part of a series key: the bytes before its first unescaped '#' (all of
// it when there is none). Keys of one tag set are consecutive in key order.
size_t TagSetKeyLength(std::string_view series_key);

// The inverse of MakeSeriesKey. Invalid when `key` is not canonical: an empty part, a missing or
// repeated '#', an unescaped `,` `=` or space where a part is expected, a backslash before any
// other byte or at the end, or tags out of order or repeated. Names are not checked with
// ValidateName.
[[nodiscard]] Result<SeriesKeyParts> ParseSeriesKey(std::string_view key);

// The inverse of MakeTagSetKey (no '#field' part; `field` of the result is empty).
[[nodiscard]] Result<SeriesKeyParts> ParseTagSetKey(std::string_view key);

// The check every ingest path applies to a measurement, tag key, tag value or field name:
// non-empty, valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF), no NUL byte,
// at most kMaxNameBytes. `what` names the role ("measurement", "tag key", ...) and the Invalid
// message quotes a prefix of the bad value, e.g. "invalid tag key 'ho\x00st': contains a NUL byte".
[[nodiscard]] Status ValidateName(std::string_view what, std::string_view name);

// Sorts *tags by key. Invalid if a key repeats or a key or value fails ValidateName.
[[nodiscard]] Status NormalizeTags(std::vector<Tag>* tags);

// True when `s` is well-formed UTF-8 (the test ValidateName applies).
bool IsValidUtf8(std::string_view s);

// Appends at most `max_bytes` of `s` to *dst for quoting in an error message: printable ASCII and
// well-formed UTF-8 as is, `\n` `\r` `\t` as those escapes and any other byte as `\xNN`, so that a
// message is always valid UTF-8 on one line. Appends "..." when `s` was cut.
void AppendSnippet(std::string* dst, std::string_view s, size_t max_bytes);

}  // namespace strata
