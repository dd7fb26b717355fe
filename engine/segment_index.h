// The index of segment format 2 (segment_format.h): what SegmentWriter records of each tag set,
// its fields and their row groups, and how SegmentReader turns it back into one SeriesIndexEntry
// per series. Keys are stored once per tag set, numbers as varints, and the whole index is
// compressed with zlib when that is smaller. Stateless functions: thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "block_stats.h"
#include "point.h"
#include "segment_series_index.h"

namespace strata {

// One field of a tag set: its series key is the tag set's key followed by `suffix` ("#field").
struct FieldIndex {
  std::string suffix;
  uint64_t id;
  ValueType type;
};

// Fields that share their times, and their row groups (BlockRef::offset, slot and slots unused).
struct TimeGroupIndex {
  std::vector<uint32_t> fields;  // positions in TagSetIndex::fields, slot order
  std::vector<BlockRef> blocks;  // in file and time order
  // Formats 3 and 4: the statistics of each block's fields that have them (HasBlockStats), block by
  // block, in slot order.
  std::vector<BlockStats> stats;
};

struct TagSetIndex {
  std::string key;
  std::vector<FieldIndex> fields;       // in key order
  std::vector<TimeGroupIndex> groups;   // in file order
};

// Builds a stored index one tag set at a time: each Add appends the tag set's plain encoding, so a
// writer holds its index as those bytes (a few dozen per series) and not as TagSetIndex objects
// (hundreds of bytes and several allocations per series). Finish gives the same bytes as
// EncodeSegmentIndex of all the tag sets added. One thread at a time.
class SegmentIndexBuilder {
 public:
  // `format`: as EncodeSegmentIndex's.
  explicit SegmentIndexBuilder(uint32_t format);
  void Add(const TagSetIndex& tag_set);
  size_t tag_set_count() const { return count_; }
  // Heap bytes held.
  size_t MemoryBytes() const { return body_.capacity(); }
  // The stored index of the tag sets added (empty when none). Leaves the builder empty.
  std::string Finish();

 private:
  // The form byte and the varint of the tag-set count go in front of the body at Finish, into
  // space kept free at the start of body_ (so the body is not copied to make room for them).
  static constexpr size_t kCountRoom = 11;
  const bool with_stats_;
  const uint32_t format_;
  std::string body_;
  uint64_t count_ = 0;
  uint64_t prev_id_ = 0;
};

// The stored index: form u8 (0 plain, 1 zlib: [plain length: varint][zlib stream]) then the plain
// index (layout in segment_format.h).
// `format` (2, 3 or 4): formats 3 and 4 append each block's fields' BlockStats in their format's
// form (format 2 has none).
std::string EncodeSegmentIndex(const std::vector<TagSetIndex>& tag_sets, uint32_t format);

// Parses a stored index of a segment whose row groups fill [first_group, data_end) into *out,
// which must be empty: one entry per series, in key order (blocks with offset, length, slot and
// slots set), then Finish. In `format` 3 and later the blocks' statistics go to out->stats() and
// BlockRef::stats indexes them. False, with a description in *why, when the index is malformed or
// inconsistent (*out is then unusable).
[[nodiscard]] bool ParseSegmentIndex(std::string_view stored, uint64_t first_group,
                                     uint64_t data_end, uint32_t format, SegmentSeriesIndex* out,
                                     std::string* why);

}  // namespace strata
