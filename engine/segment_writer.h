// SegmentWriter streams one immutable segment file (format: segment_format.h) from series handed to
// it in key order, typically by a MemStore flush or a compaction. It writes format 2 unless told
// otherwise: the series of one tag set (consecutive in key order) are held until the next tag set
// begins, then written as row groups; format 1 (one section per series) remains for tests. Output goes to `path + ".tmp"` in
// large buffered appends; Finish writes the index and footer, fsyncs, renames the file to `path`
// and fsyncs the directory, so a reader never sees a partial segment at `path`. Abandoning a writer
// (destroying it without a successful Finish) removes the temp file.
// The writer owns its file; `env` must outlive it. One thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "block_codec.h"
#include "column_codec.h"
#include "env.h"
#include "point.h"
#include "result.h"
#include "row_group.h"
#include "segment_format.h"
#include "segment_index.h"
#include "segment_reader.h"

namespace strata {

struct SegmentSeries {
  uint64_t id;
  std::string key;  // canonical series key (engine/README.md, section 1)
  ValueType type;
};

// What Finish produced: enough for a ManifestSegment.
struct SegmentInfo {
  uint64_t id;
  std::string path;
  uint64_t file_bytes;
  uint64_t series_count;
  uint64_t point_count;
  int64_t min_time;  // INT64_MAX when the segment holds no series
  int64_t max_time;  // INT64_MIN when the segment holds no series
};

// How a writer encodes. The defaults are what the engine uses; tests substitute faulty encoders.
struct SegmentWriterOptions {
  // kSegmentFormatVersion, or for tests kSegmentFormatV4 (no Rice form), kSegmentFormatV3
  // (format 3's block statistics), kSegmentFormatV2 (no block statistics) or kSegmentFormatV1.
  uint32_t format_version = kSegmentFormatVersion;
  // Format 1: how points become a block's payload.
  void (*block_encoder)(const Column& col, size_t begin, size_t end, std::string* out,
                        BlockEncoding encoding) = &EncodeBlock;
  // Format 2: how a field's values become a value column.
  ValueColumnEncoder column_encoder = &EncodeValueColumn;
};

class SegmentWriter {
 public:
  // Bytes buffered before each Env append.
  static constexpr size_t kWriteBufferBytes = 1 << 20;
  // A block of strings ends before its values pass this many bytes (it holds at least one value),
  // so that its payload fits the u32 length field whatever the strings are.
  static constexpr size_t kMaxBlockValueBytes = strata::kMaxBlockValueBytes;

  // Creates `path + ".tmp"` (replacing any stale one). Nothing appears at `path` until Finish.
  // Invalid for an unknown options.format_version.
  [[nodiscard]] static Result<std::unique_ptr<SegmentWriter>> Create(
      Env* env, std::string path, uint64_t segment_id, int64_t created_at_ns,
      SegmentWriterOptions options = {});

  SegmentWriter(const SegmentWriter&) = delete;
  SegmentWriter& operator=(const SegmentWriter&) = delete;
  ~SegmentWriter();

  // Appends one series. REQUIRES (checked, Invalid when violated, nothing written): series.key is
  // non-empty, at most kMaxSeriesKeyBytes, and bytewise greater than every key added before;
  // series.id differs from every id added before; series.type is valid and equals points.type;
  // points is non-empty, its value array matches its size, its times strictly increase.
  // An I/O error leaves the writer failed: every later call returns that error. Internal when a
  // block does not decode to its points (a codec bug), which fails the writer the same way. In
  // format 2 a tag set's points are copied and written when the next tag set begins (or at
  // Finish), so its errors may surface then.
  [[nodiscard]] Status Add(const SegmentSeries& series, const Column& points);

  // Writes index and footer, fsyncs, renames to `path`, fsyncs the directory. A segment with zero
  // series is allowed. Invalid when called twice or after a failure.
  [[nodiscard]] Result<SegmentInfo> Finish();

 private:
  SegmentWriter(Env* env, std::string path, std::unique_ptr<WritableFile> file, uint64_t id,
                SegmentWriterOptions options);
  // Format 1: writes the series' section.
  Status AddSection(const SegmentSeries& series, const Column& points);
  // Format 2: writes the held tag set's row groups and index entry, and clears it.
  Status FlushTagSet();
  // Format 2: writes the row groups of the fields of one time group (same times).
  Status WriteTimeGroup(const std::vector<const Column*>& fields,
                        const std::vector<uint32_t>& positions, TimeGroupIndex* group);
  // Format 2: decodes each slot of the row group `bytes` of rows [begin, end) and compares.
  Status CheckRowGroup(const std::vector<const Column*>& fields,
                       const std::vector<uint32_t>& positions, size_t begin, size_t end,
                       std::string_view bytes);
  // The Internal error of a block that does not round-trip.
  Status RoundTripError(const std::string& key, const Column& points, size_t begin, size_t end,
                        const std::string& what);

  Status CheckAdd(const SegmentSeries& series, const Column& points) const;
  // The end of the block that starts at point `begin`: at most kMaxBlockPoints points and, for
  // strings, kMaxBlockValueBytes of values.
  static size_t BlockEnd(const Column& points, size_t begin);
  // The same for the fields of a time group: the earliest of their ends.
  // `align`: 0, or the span (ns) at whose multiples blocks are cut (BlockAlignment).
  static size_t GroupBlockEnd(const std::vector<const Column*>& fields, size_t begin,
                              int64_t align);
  // Decodes `payload`, the encoding of points [begin, end), and compares it with them.
  Status CheckRoundTrip(const SegmentSeries& series, const Column& points, size_t begin,
                        size_t end, std::string_view payload);
  // Appends buf_ to the file when it has grown past kWriteBufferBytes (or always, if `force`).
  Status MaybeFlushBuffer(bool force);
  uint64_t offset() const { return flushed_bytes_ + buf_.size(); }

  Env* const env_;
  const std::string path_;
  const std::string tmp_path_;
  std::unique_ptr<WritableFile> file_;
  const uint64_t id_;
  const SegmentWriterOptions options_;

  std::string buf_;             // bytes not yet appended to file_
  Column decoded_;              // CheckRoundTrip's scratch, reused
  uint64_t flushed_bytes_ = 0;  // bytes already appended to file_
  // Format 1: what its index records of each series (the reader's SeriesIndexEntry with its own
  // key and blocks).
  struct Format1Entry {
    uint64_t id;
    std::string key;
    ValueType type;
    uint64_t section_offset;
    uint64_t point_count;
    int64_t min_time, max_time;
    std::vector<BlockRef> blocks;
  };
  std::vector<Format1Entry> index_;
  // The series ids added: an open-addressing set of ids (0 marks a free slot; id 0 is has_zero),
  // 8 bytes a slot at most half full, where a std::unordered_set took a node per series.
  class IdSet {
   public:
    // False when `id` was there already.
    bool Insert(uint64_t id);
    bool Contains(uint64_t id) const;
    uint64_t size() const { return size_; }

   private:
    size_t Slot(uint64_t id) const;
    std::vector<uint64_t> slots_;
    uint64_t size_ = 0;
    bool has_zero_ = false;
  };
  IdSet ids_;
  std::string last_key_;  // of the series added last
  // Format 2: the tag set being gathered (its key and its first pending_count_ series: the
  // elements past them are kept only for their memory, which the next tag sets reuse, so that a
  // flush of many one-series tag sets does not allocate for each), and the index of those written.
  std::string pending_key_;
  std::vector<std::pair<SegmentSeries, Column>> pending_;
  size_t pending_count_ = 0;
  TagSetIndex tag_set_;                        // FlushTagSet's scratch, reused
  std::vector<std::vector<uint32_t>> groups_;  // FlushTagSet's scratch: its time groups
  size_t group_count_ = 0;                     // of groups_ in use
  std::vector<const Column*> group_fields_;    // FlushTagSet's scratch
  SegmentIndexBuilder index_builder_;
  uint64_t point_count_ = 0;
  int64_t min_time_;
  int64_t max_time_;
  bool finished_ = false;
  Status failed_;  // first I/O error; sticky
};

}  // namespace strata
