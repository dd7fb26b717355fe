// A series index file (`.six`, engine/README.md section 11): an immutable, sorted file of series
// (key -> ID and value type, ID -> key) and of posting lists (measurement, field, tag key and tag
// key=value -> the IDs of its series), the on-disk form of what the Catalog and TagIndex hold in
// memory. The Catalog writes one at a checkpoint and opens its series from it (catalog.h).
//
// Layout (integers little-endian, varints as in coding.h; engine/README.md section 11):
//   [key blocks][term blocks][posting lists][key block table][term block table][ID table][footer]
// - A block (key or term) is a form byte, 0 for plain bytes, 1 for the plain bytes' length as a
//   varint followed by their zlib stream (used when smaller).
// - A key block's plain bytes hold up to kEntriesPerBlock series in key order, each key
//   prefix-compressed against the one before it in the block: shared varint, unshared varint, the
//   unshared bytes, ID varint, type u8. The first entry of a block shares nothing.
// - A term block holds up to kEntriesPerBlock terms in byte order, prefix-compressed the same way,
//   each followed by its series count varint and then, for at most kInlineIds series, their IDs'
//   offsets from the file's first ID (the first as is, then each one's gap from the one before);
//   for more, the offset (from the lists' start) and byte size of its posting list. A term is a
//   kind byte, then NUL-separated names (names never hold a NUL: ValidateName): 'M' measurement;
//   'F' measurement field; 'K' measurement tag-key; 'T' measurement tag-key value.
// - A posting list is its byte size u32 and CRC-32 u32, then CRoaring's portable serialization of
//   the IDs' offsets from the file's first ID (32-bit: a file covers fewer than 2^32 IDs).
// - A block table holds per block its offset u64, size u32 and CRC-32 u32, then its first key
//   (or term), length-prefixed.
// - The ID table holds, per ID from first_id to last_id, the key order position of its series as
//   u32, or 0xffffffff for an ID the file does not hold.
// - The footer (kFooterBytes): magic, format version, series and term counts, first and last ID,
//   each section's end offset, the three tables' CRC-32s, and the footer's own CRC-32.
// Every byte is covered by exactly one CRC; Open checks the footer and the tables it reads, each
// lookup the blocks and lists it reads, Verify everything and their agreement.
//
// Thread-safety: a SeriesIndexFile is immutable after Open; its methods are const and may be called
// from any number of threads (reads go through RandomAccessFile, which is thread-safe).
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <roaring/roaring.hh>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "env.h"
#include "point.h"
#include "result.h"

namespace strata {

// One series of an index file.
struct IndexedSeries {
  uint64_t id = 0;
  std::string key;  // canonical series key (series_key.h)
  ValueType type = ValueType::kFloat;
  bool operator==(const IndexedSeries&) const = default;
};

// A name a posting list stands for, with the number of series it holds (listings).
struct IndexedName {
  std::string name;
  uint64_t series = 0;
  bool operator==(const IndexedName&) const = default;
};

// Writes the index file of `series` (in any order) to `path` through a temporary file, synced and
// renamed into place. Invalid when an ID is 0 or repeats, a key repeats or is not canonical, or the
// IDs span 2^32 or more.
[[nodiscard]] Status WriteSeriesIndexFile(Env* env, const std::string& path,
                                          std::vector<IndexedSeries> series);

class SeriesIndexFile {
 public:
  static constexpr size_t kEntriesPerBlock = 64;
  static constexpr uint64_t kInlineIds = 16;
  static constexpr uint32_t kFormatVersion = 1;
  static constexpr size_t kFooterBytes = 8 + 4 + 8 * 4 + 8 * 6 + 4 * 3 + 4;
  static constexpr uint32_t kNoPosition = 0xffffffff;  // an ID table entry of an absent ID

  // Reads the footer, the two block tables and the ID table, checking their CRCs: Corrupt, naming
  // the file and offset, when any is damaged.
  [[nodiscard]] static Result<std::unique_ptr<SeriesIndexFile>> Open(Env* env,
                                                                     const std::string& path);

  uint64_t series_count() const { return series_count_; }
  uint64_t first_id() const { return first_id_; }  // 0 when the file holds no series
  uint64_t last_id() const { return last_id_; }
  const std::string& path() const { return file_->path(); }

  // Whether the file holds a series with ID `id` (from the ID table in memory: no read).
  bool Contains(uint64_t id) const {
    return series_count_ != 0 && id >= first_id_ && id <= last_id_ &&
           position_of_id_[id - first_id_] != kNoPosition;
  }
  // The series of `ids` the file holds (the others are left out), in key order: each key block
  // is read once, however many of its series are asked for.
  [[nodiscard]] Result<std::vector<IndexedSeries>> SeriesOf(std::span<const uint64_t> ids) const;
  // The series whose key is `key`, or nullopt.
  [[nodiscard]] Result<std::optional<IndexedSeries>> Find(std::string_view key) const;
  // The series with ID `id`, or nullopt.
  [[nodiscard]] Result<std::optional<IndexedSeries>> Series(uint64_t id) const;

  // The IDs (as offsets from first_id()) of the series of a measurement; with a field; with a tag
  // key; with tag key=value. Empty when the file holds none.
  [[nodiscard]] Result<Roaring> Measurement(std::string_view measurement) const;
  [[nodiscard]] Result<Roaring> Field(std::string_view measurement, std::string_view field) const;
  [[nodiscard]] Result<Roaring> TagKey(std::string_view measurement,
                                       std::string_view tag_key) const;
  [[nodiscard]] Result<Roaring> TagValue(std::string_view measurement, std::string_view tag_key,
                                         std::string_view value) const;
  // The union of TagValue over the values `keep` accepts (for !=, prefix and regex filters),
  // reading the values in order and only the lists of those it keeps.
  template <class Keep>
  [[nodiscard]] Result<Roaring> TagValuesWhere(std::string_view measurement,
                                               std::string_view tag_key, const Keep& keep) const;

  // Measurements, tag keys of a measurement, and values of one of its tag keys, in byte order with
  // their series counts (from the terms alone: no posting list is read).
  [[nodiscard]] Result<std::vector<IndexedName>> Measurements() const;
  [[nodiscard]] Result<std::vector<IndexedName>> TagKeys(std::string_view measurement) const;
  [[nodiscard]] Result<std::vector<IndexedName>> TagValues(std::string_view measurement,
                                                           std::string_view tag_key) const;

  // Calls fn(series) for every series, in key order, reading the key blocks in order; stops at
  // the first error fn or a read returns.
  [[nodiscard]] Status ForEachSeries(const std::function<Status(IndexedSeries&)>& fn) const;
  // Estimated heap bytes the open file holds (its block tables and ID table).
  size_t MemoryBytes() const;

  // Reads the whole file: every CRC, the key and term order, that the ID table and the keys agree,
  // and that the posting lists are exactly those the keys imply. Corrupt with the first problem.
  [[nodiscard]] Status Verify() const;

 private:
  struct BlockRef {
    uint64_t offset;
    uint32_t size;
    uint32_t crc;
    std::string first;  // first key or term of the block
  };
  // A term of a block, viewing the TermBlock that holds it.
  struct Term {
    std::string_view term;
    uint64_t series = 0;
    std::span<const uint32_t> ids;  // its IDs' offsets, when at most kInlineIds
    uint64_t list_offset = 0;       // else its posting list, from lists_offset_
    uint64_t list_size = 0;         // the list's CRoaring bytes
  };
  // The decoded terms of one block: each Term views `text` and `ids`.
  struct TermBlock {
    std::string text;
    std::vector<uint32_t> ids;
    std::vector<Term> terms;
  };
  // Calls fn(term) for each term >= `from` in order until it returns false.
  Status ScanTerms(std::string_view from, const std::function<bool(const Term&)>& fn) const;

  explicit SeriesIndexFile(std::unique_ptr<RandomAccessFile> file) : file_(std::move(file)) {}
  Error Corrupt(uint64_t offset, const std::string& what) const;
  // A block's plain bytes from its stored bytes, its CRC checked and its zlib form undone.
  Result<std::string> PlainBlock(const BlockRef& block, std::string_view stored,
                                 const char* what) const;
  Result<std::string> ReadBlock(const BlockRef& block, const char* what) const;
  Result<std::vector<IndexedSeries>> ReadKeyBlock(size_t block) const;
  Status DecodeTermBlock(size_t block, std::string_view plain, TermBlock* out) const;
  Result<Roaring> ReadList(const Term& term) const;
  Result<Roaring> ListOf(const std::string& term) const;
  Result<std::vector<IndexedName>> NamesUnder(const std::string& prefix) const;
  Status ParseTable(std::string_view bytes, uint64_t base, uint64_t end, const char* what,
                    std::vector<BlockRef>* out) const;

  std::unique_ptr<RandomAccessFile> file_;
  uint64_t series_count_ = 0;
  uint64_t term_count_ = 0;
  uint64_t first_id_ = 0;
  uint64_t last_id_ = 0;
  uint64_t lists_offset_ = 0;  // where the posting lists start
  uint64_t lists_end_ = 0;     // and end
  std::vector<BlockRef> key_blocks_;
  std::vector<BlockRef> term_blocks_;
  std::vector<uint32_t> position_of_id_;  // by id - first_id_; kNoPosition when absent
};

// ---- the template's definition ------------------------------------------------------------------

// The term of a kind and its names, as the file stores it.
std::string SeriesIndexTerm(char kind, std::initializer_list<std::string_view> names);

template <class Keep>
Result<Roaring> SeriesIndexFile::TagValuesWhere(std::string_view measurement,
                                                std::string_view tag_key, const Keep& keep) const {
  const std::string prefix = SeriesIndexTerm('T', {measurement, tag_key, ""});
  Roaring out;
  Status failed = OkStatus();
  STRATA_RETURN_IF_ERROR(ScanTerms(prefix, [&](const Term& t) {
    if (t.term.compare(0, prefix.size(), prefix) != 0) return false;
    if (!keep(std::string_view(t.term).substr(prefix.size()))) return true;
    auto list = ReadList(t);
    if (!list) {
      failed = unexpected(list.error());
      return false;
    }
    out |= *list;
    return true;
  }));
  STRATA_RETURN_IF_ERROR(failed);
  return out;
}

}  // namespace strata
