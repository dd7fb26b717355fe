#include "segment_writer.h"

#include <algorithm>
#include <limits>

#include "block_codec.h"
#include "coding.h"
#include "column_codec.h"
#include "crc32.h"
#include "segment_format.h"
#include "series_key.h"

namespace strata {
namespace {

// Whether `decoded` holds exactly points[begin, end) of `points` (times and values): the
// round-trip check of every block and row group the writer encodes.
bool SameRange(const Column& decoded, const Column& points, size_t begin, size_t end) {
  if (decoded.size() != end - begin) return false;
  const auto b = static_cast<std::ptrdiff_t>(begin), e = static_cast<std::ptrdiff_t>(end);
  if (!std::equal(decoded.times.begin(), decoded.times.end(), points.times.begin() + b,
                  points.times.begin() + e)) {
    return false;
  }
  return points.type == ValueType::kString
             ? std::equal(decoded.strs.begin(), decoded.strs.end(), points.strs.begin() + b,
                          points.strs.begin() + e)
             : std::equal(decoded.nums.begin(), decoded.nums.end(), points.nums.begin() + b,
                          points.nums.begin() + e);
}

}  // namespace

Result<std::unique_ptr<SegmentWriter>> SegmentWriter::Create(Env* env, std::string path,
                                                             uint64_t segment_id,
                                                             int64_t created_at_ns,
                                                             SegmentWriterOptions options) {
  if (options.format_version < kSegmentFormatV1 ||
      options.format_version > kSegmentFormatVersion) {
    return unexpected(Error::Invalid("segment " + path + ": unknown format version " +
                                     std::to_string(options.format_version)));
  }
  STRATA_ASSIGN_OR_RETURN(auto file, env->NewWritableFile(path + ".tmp"));
  std::unique_ptr<SegmentWriter> w(
      new SegmentWriter(env, std::move(path), std::move(file), segment_id, options));
  std::string& b = w->buf_;
  PutFixed64(&b, kSegmentMagic);
  PutFixed32(&b, options.format_version);
  PutFixed64(&b, segment_id);
  PutFixed64(&b, static_cast<uint64_t>(created_at_ns));
  PutFixed32(&b, 0);  // flags
  PutFixed32(&b, Crc32(b.data(), b.size()));
  return w;
}

SegmentWriter::SegmentWriter(Env* env, std::string path, std::unique_ptr<WritableFile> file,
                             uint64_t id, SegmentWriterOptions options)
    : env_(env),
      path_(std::move(path)),
      tmp_path_(path_ + ".tmp"),
      file_(std::move(file)),
      id_(id),
      options_(options),
      index_builder_(options.format_version),
      min_time_(std::numeric_limits<int64_t>::max()),
      max_time_(std::numeric_limits<int64_t>::min()) {
  buf_.reserve(kWriteBufferBytes + (kWriteBufferBytes >> 2));
}

SegmentWriter::~SegmentWriter() {
  if (finished_) return;
  if (file_ != nullptr) (void)file_->Close();
  file_.reset();
  (void)env_->RemoveFile(tmp_path_);  // best effort: a stale temp file is harmless and replaced
}

Status SegmentWriter::CheckAdd(const SegmentSeries& series, const Column& points) const {
  // The error prefix, built only on an error (this runs for every series a flush writes).
  auto what = [&] { return "segment " + path_ + ": series '" + series.key + "': "; };
  if (!IsValidValueType(static_cast<uint8_t>(series.type))) {
    return unexpected(Error::Invalid(what() + "invalid value type"));
  }
  if (points.type != series.type) {
    return unexpected(Error::Invalid(what() + "points are " + ValueTypeName(points.type) +
                                     ", series is " + ValueTypeName(series.type)));
  }
  if (series.key.empty() || series.key.size() > kMaxSeriesKeyBytes) {
    return unexpected(Error::Invalid(what() + "key is empty or too long"));
  }
  if (ids_.size() != 0 && !(last_key_ < series.key)) {
    return unexpected(Error::Invalid(what() + "key is not greater than the previous key '" +
                                     last_key_ + "'"));
  }
  if (ids_.Contains(series.id)) {
    return unexpected(Error::Invalid(what() + "duplicate series id " + std::to_string(series.id)));
  }
  const size_t n = points.times.size();
  if (n == 0) return unexpected(Error::Invalid(what() + "no points"));
  const bool is_string = series.type == ValueType::kString;
  if ((is_string ? points.strs.size() : points.nums.size()) != n ||
      (is_string ? !points.nums.empty() : !points.strs.empty())) {
    return unexpected(Error::Invalid(what() + "value array does not match the times"));
  }
  for (size_t i = 1; i < n; i++) {
    if (points.times[i - 1] >= points.times[i]) {
      return unexpected(
          Error::Invalid(what() + "times are not strictly increasing at point " + std::to_string(i)));
    }
  }
  if (series.type == ValueType::kBool) {
    for (uint64_t v : points.nums) {
      if (v > 1) return unexpected(Error::Invalid(what() + "bool value other than 0 or 1"));
    }
  }
  return OkStatus();
}

size_t SegmentWriter::BlockEnd(const Column& points, size_t begin) {
  const size_t limit = std::min(points.size(), begin + kMaxBlockPoints);
  if (points.type != ValueType::kString) return limit;
  size_t bytes = 0;
  size_t end = begin;
  while (end < limit && (end == begin || bytes + points.strs[end].size() <= kMaxBlockValueBytes)) {
    bytes += points.strs[end++].size();
  }
  return end;
}

Status SegmentWriter::RoundTripError(const std::string& key, const Column& points, size_t begin,
                                     size_t end, const std::string& what) {
  return unexpected(Error::Internal(
      "segment " + path_ + ": series '" + key + "': the block of " + std::to_string(end - begin) +
      " points from time " + std::to_string(points.times[begin]) + " " + what +
      "; nothing was written and the points stay in the MemStore and WAL"));
}

Status SegmentWriter::CheckRoundTrip(const SegmentSeries& series, const Column& points,
                                     size_t begin, size_t end, std::string_view payload) {
  auto fail = [&](const std::string& what) {
    return RoundTripError(series.key, points, begin, end, what);
  };
  if (payload.size() > std::numeric_limits<uint32_t>::max()) {
    return fail("encodes to " + std::to_string(payload.size()) + " bytes, over the u32 limit");
  }
  decoded_.clear();
  decoded_.type = points.type;
  if (!DecodeBlock(kDefaultBlockEncoding, points.type, payload, static_cast<uint32_t>(end - begin),
                   &decoded_)) {
    return fail("does not decode");
  }
  if (!SameRange(decoded_, points, begin, end)) return fail("decodes to other points");
  return OkStatus();
}

Status SegmentWriter::MaybeFlushBuffer(bool force) {
  if (buf_.empty() || (!force && buf_.size() < kWriteBufferBytes)) return OkStatus();
  Status s = file_->Append(buf_);
  if (!s) {
    failed_ = s;
    return s;
  }
  flushed_bytes_ += buf_.size();
  buf_.clear();
  return OkStatus();
}

Status SegmentWriter::Add(const SegmentSeries& series, const Column& points) {
  if (finished_) return unexpected(Error::Invalid("segment " + path_ + ": Add after Finish"));
  STRATA_RETURN_IF_ERROR(failed_);
  STRATA_RETURN_IF_ERROR(CheckAdd(series, points));
  if (options_.format_version == kSegmentFormatV1) {
    STRATA_RETURN_IF_ERROR(AddSection(series, points));
  } else {
    const std::string_view tag_set(series.key.data(), TagSetKeyLength(series.key));
    if (pending_count_ != 0 && tag_set != pending_key_) STRATA_RETURN_IF_ERROR(FlushTagSet());
    if (pending_count_ == 0) pending_key_ = tag_set;
    if (pending_count_ == pending_.size()) {
      pending_.emplace_back(series, points);
    } else {
      // Assignments keep the element's memory where it suffices.
      pending_[pending_count_].first = series;
      pending_[pending_count_].second = points;
    }
    pending_count_++;
  }
  point_count_ += points.size();
  min_time_ = std::min(min_time_, points.times.front());
  max_time_ = std::max(max_time_, points.times.back());
  ids_.Insert(series.id);
  last_key_ = series.key;
  return OkStatus();
}

Status SegmentWriter::AddSection(const SegmentSeries& series, const Column& points) {
  const size_t n = points.size();
  Format1Entry entry;
  entry.id = series.id;
  entry.key = series.key;
  entry.type = series.type;
  entry.section_offset = offset();
  entry.point_count = n;
  entry.min_time = points.times.front();
  entry.max_time = points.times.back();
  entry.blocks.reserve((n + kMaxBlockPoints - 1) / kMaxBlockPoints);

  const size_t section_start = buf_.size();
  PutFixed64(&buf_, series.id);
  PutFixed8(&buf_, static_cast<uint8_t>(series.type));
  PutFixed64(&buf_, n);
  PutFixed32(&buf_, static_cast<uint32_t>(series.key.size()));
  buf_.append(series.key);
  PutFixed32(&buf_, Crc32(buf_.data() + section_start, buf_.size() - section_start));

  for (size_t begin = 0, end; begin < n; begin = end) {
    end = BlockEnd(points, begin);
    BlockRef ref{.offset = offset(),
                 .min_time = points.times[begin],
                 .max_time = points.times[end - 1],
                 .count = static_cast<uint32_t>(end - begin)};
    const size_t block_start = buf_.size();
    PutFixed8(&buf_, static_cast<uint8_t>(kDefaultBlockEncoding));
    PutFixed32(&buf_, ref.count);
    PutFixed64(&buf_, static_cast<uint64_t>(ref.min_time));
    PutFixed64(&buf_, static_cast<uint64_t>(ref.max_time));
    PutFixed32(&buf_, 0);  // payload length, patched below
    const size_t payload_start = buf_.size();
    options_.block_encoder(points, begin, end, &buf_, kDefaultBlockEncoding);
    const std::string_view payload(buf_.data() + payload_start, buf_.size() - payload_start);
    if (Status s = CheckRoundTrip(series, points, begin, end, payload); !s) {
      failed_ = s;  // the segment is abandoned: Finish refuses, the destructor removes the file
      return s;
    }
    EncodeFixed32(buf_.data() + payload_start - 4, static_cast<uint32_t>(payload.size()));
    PutFixed32(&buf_, Crc32(buf_.data() + block_start, buf_.size() - block_start));
    entry.blocks.push_back(ref);
    STRATA_RETURN_IF_ERROR(MaybeFlushBuffer(false));
  }
  index_.push_back(std::move(entry));
  return OkStatus();
}

namespace {

// floor(t / span) for span > 0.
int64_t FloorDiv(int64_t t, int64_t span) {
  const int64_t q = t / span;
  return (t % span != 0 && t < 0) ? q - 1 : q;
}

// The span at whose multiples (of time since the epoch) the blocks of a time group with `times`
// are cut, so that a block never straddles the start of a time bucket of that span or of any
// multiple of it (engine/README.md, section 10.8): the largest of kBlockAlignSpans that holds at
// most kMaxBlockPoints rows at the group's mean cadence, if that is at least kStatsMinRows rows;
// else 0 (no alignment: blocks would be too small to carry statistics).
int64_t BlockAlignment(const std::vector<int64_t>& times) {
  if (times.size() < 2) return 0;
  const double cadence = (static_cast<double>(times.back()) - static_cast<double>(times.front())) /
                         static_cast<double>(times.size() - 1);
  int64_t best = 0;
  for (int64_t span : kBlockAlignSpans) {
    if (static_cast<double>(span) <= cadence * kMaxBlockPoints) best = span;
  }
  return best != 0 && static_cast<double>(best) >= cadence * kStatsMinRows ? best : 0;
}

}  // namespace

size_t SegmentWriter::GroupBlockEnd(const std::vector<const Column*>& fields, size_t begin,
                                    int64_t align) {
  size_t end = std::min(fields[0]->size(), begin + kMaxBlockPoints);
  if (align != 0) {
    const std::vector<int64_t>& t = fields[0]->times;
    const int64_t window = FloorDiv(t[begin], align);
    // The first time of the next window; none when it would overflow.
    if (window < std::numeric_limits<int64_t>::max() / align) {
      const int64_t next = (window + 1) * align;
      end = static_cast<size_t>(std::lower_bound(t.begin() + static_cast<ptrdiff_t>(begin),
                                                 t.begin() + static_cast<ptrdiff_t>(end), next) -
                                t.begin());
    }
  }
  for (const Column* f : fields) {
    if (f->type == ValueType::kString) end = std::min(end, BlockEnd(*f, begin));
  }
  return end;
}

Status SegmentWriter::FlushTagSet() {
  if (pending_count_ == 0) return OkStatus();
  // The scratch index keeps its vectors' memory from tag set to tag set.
  TagSetIndex& t = tag_set_;
  t.key = pending_key_;
  t.fields.clear();
  // Time groups: fields with identical times, each group up to kMaxFieldsPerTimeGroup fields.
  group_count_ = 0;
  for (uint32_t f = 0; f < pending_count_; f++) {
    const auto& [series, points] = pending_[f];
    t.fields.push_back({series.key.substr(pending_key_.size()), series.id, series.type});
    auto end = groups_.begin() + static_cast<std::ptrdiff_t>(group_count_);
    auto same = std::find_if(groups_.begin(), end, [&](const std::vector<uint32_t>& g) {
      return g.size() < kMaxFieldsPerTimeGroup && pending_[g[0]].second.times == points.times;
    });
    if (same == end) {
      if (group_count_ == groups_.size()) groups_.emplace_back();
      groups_[group_count_].assign(1, f);
      group_count_++;
    } else {
      same->push_back(f);
    }
  }
  // Shrinking keeps the remaining groups' vectors (and their memory).
  if (t.groups.size() > group_count_) t.groups.resize(group_count_);
  while (t.groups.size() < group_count_) t.groups.emplace_back();
  for (size_t i = 0; i < group_count_; i++) {
    const std::vector<uint32_t>& g = groups_[i];
    group_fields_.clear();
    for (uint32_t f : g) group_fields_.push_back(&pending_[f].second);
    TimeGroupIndex& index = t.groups[i];
    index.fields = g;
    index.blocks.clear();
    index.stats.clear();
    STRATA_RETURN_IF_ERROR(WriteTimeGroup(group_fields_, g, &index));
  }
  index_builder_.Add(t);
  pending_count_ = 0;
  return OkStatus();
}

bool SegmentWriter::IdSet::Insert(uint64_t id) {
  if (id == 0) {
    const bool had = has_zero_;
    has_zero_ = true;
    size_ += had ? 0 : 1;
    return !had;
  }
  if (2 * (size_ + 1) > slots_.size()) {
    std::vector<uint64_t> old = std::move(slots_);
    slots_.assign(std::max<size_t>(64, old.size() * 2), 0);
    for (uint64_t v : old) {
      if (v != 0) slots_[Slot(v)] = v;
    }
  }
  uint64_t& slot = slots_[Slot(id)];
  if (slot == id) return false;
  slot = id;
  size_++;
  return true;
}

bool SegmentWriter::IdSet::Contains(uint64_t id) const {
  if (id == 0) return has_zero_;
  return !slots_.empty() && slots_[Slot(id)] == id;
}

// The slot that holds `id`, or the free slot where it goes (linear probing; slots_.size() is a
// power of two and at most half full).
size_t SegmentWriter::IdSet::Slot(uint64_t id) const {
  const size_t mask = slots_.size() - 1;
  size_t i = static_cast<size_t>((id * 0x9E3779B97F4A7C15ULL) >> 20) & mask;
  while (slots_[i] != 0 && slots_[i] != id) i = (i + 1) & mask;
  return i;
}

Status SegmentWriter::WriteTimeGroup(const std::vector<const Column*>& fields,
                                     const std::vector<uint32_t>& positions,
                                     TimeGroupIndex* group) {
  const Column& first = *fields[0];
  const int64_t align = BlockAlignment(first.times);
  const bool with_stats = options_.format_version >= kSegmentFormatV3;
  for (size_t begin = 0, end; begin < first.size(); begin = end) {
    end = GroupBlockEnd(fields, begin, with_stats ? align : 0);
    const size_t start = buf_.size();
    EncodeRowGroup(fields, begin, end, options_.column_encoder,
                   options_.format_version >= kSegmentFormatVersion ? IntForms::kFormat5
                                                                    : IntForms::kFormat2,
                   &buf_);
    const std::string_view bytes(buf_.data() + start, buf_.size() - start);
    if (Status s = CheckRowGroup(fields, positions, begin, end, bytes); !s) {
      failed_ = s;  // the segment is abandoned: Finish refuses, the destructor removes the file
      return s;
    }
    BlockRef ref{};
    ref.count = static_cast<uint32_t>(end - begin);
    ref.min_time = first.times[begin];
    ref.max_time = first.times[end - 1];
    ref.length = static_cast<uint32_t>(bytes.size());
    group->blocks.push_back(ref);
    for (const Column* f : fields) {
      if (with_stats && HasBlockStats(f->type, ref.count)) {
        group->stats.push_back(ComputeBlockStats(*f, begin, end));
      }
    }
    STRATA_RETURN_IF_ERROR(MaybeFlushBuffer(false));
  }
  return OkStatus();
}

Status SegmentWriter::CheckRowGroup(const std::vector<const Column*>& fields,
                                    const std::vector<uint32_t>& positions, size_t begin,
                                    size_t end, std::string_view bytes) {
  // The group's CRC and framing are checked and its time column decoded once (a reader of any
  // slot decodes the same bytes), then each slot's values, and each slot's times and values are
  // compared with its points.
  const Column& first = *fields[0];
  const std::string& first_key = pending_[positions[0]].first.key;
  if (bytes.size() > std::numeric_limits<uint32_t>::max()) {
    return RoundTripError(first_key, first, begin, end,
                          "encodes to " + std::to_string(bytes.size()) + " bytes, over the u32 limit");
  }
  const auto count = static_cast<uint32_t>(end - begin);
  RowGroupColumns columns;
  RowGroupDamage damage = columns.Open(bytes, static_cast<uint32_t>(fields.size()));
  decoded_.clear();
  if (damage == RowGroupDamage::kNone) {
    decoded_.times.resize(count);
    if (!DecodeTimeColumn(columns.times(), count, first.times[begin], decoded_.times.data())) {
      damage = RowGroupDamage::kTimes;
    }
  }
  if (damage != RowGroupDamage::kNone) {
    return RoundTripError(first_key, first, begin, end,
                          std::string("does not decode: ") + RowGroupDamageText(damage));
  }
  for (uint32_t slot = 0; slot < fields.size(); slot++) {
    const Column& points = *fields[slot];
    const std::string& key = pending_[positions[slot]].first.key;
    decoded_.nums.clear();
    decoded_.strs.clear();
    decoded_.type = points.type;
    if (!DecodeValueColumn(columns.values(slot), points.type, count, &decoded_)) {
      return RoundTripError(key, points, begin, end,
                            std::string("does not decode: ") +
                                RowGroupDamageText(RowGroupDamage::kValues));
    }
    if (!SameRange(decoded_, points, begin, end)) {
      return RoundTripError(key, points, begin, end, "decodes to other points");
    }
  }
  return OkStatus();
}

Result<SegmentInfo> SegmentWriter::Finish() {
  if (finished_) return unexpected(Error::Invalid("segment " + path_ + ": Finish called twice"));
  STRATA_RETURN_IF_ERROR(failed_);

  if (options_.format_version != kSegmentFormatV1) STRATA_RETURN_IF_ERROR(FlushTagSet());
  const uint64_t index_offset = offset();
  std::string index;
  if (options_.format_version != kSegmentFormatV1) {
    index = index_builder_.Finish();
  }
  for (const Format1Entry& e : index_) {
    PutFixed32(&index, static_cast<uint32_t>(e.key.size()));
    index.append(e.key);
    PutFixed64(&index, e.id);
    PutFixed8(&index, static_cast<uint8_t>(e.type));
    PutFixed64(&index, e.section_offset);
    PutFixed64(&index, e.point_count);
    PutFixed64(&index, static_cast<uint64_t>(e.min_time));
    PutFixed64(&index, static_cast<uint64_t>(e.max_time));
    PutFixed32(&index, static_cast<uint32_t>(e.blocks.size()));
    for (const BlockRef& b : e.blocks) {
      PutFixed64(&index, b.offset);
      PutFixed32(&index, b.count);
      PutFixed64(&index, static_cast<uint64_t>(b.min_time));
      PutFixed64(&index, static_cast<uint64_t>(b.max_time));
    }
  }
  buf_.append(index);
  const size_t footer_start = buf_.size();
  PutFixed64(&buf_, ids_.size());
  PutFixed64(&buf_, point_count_);
  PutFixed64(&buf_, static_cast<uint64_t>(min_time_));
  PutFixed64(&buf_, static_cast<uint64_t>(max_time_));
  PutFixed64(&buf_, index_offset);
  PutFixed64(&buf_, index.size());
  PutFixed32(&buf_, Crc32(index));
  PutFixed32(&buf_, Crc32(buf_.data() + footer_start, buf_.size() - footer_start));
  PutFixed64(&buf_, kSegmentMagic);

  const uint64_t file_bytes = offset();
  auto fail = [this](const Status& s) -> Status {
    failed_ = s;
    return s;
  };
  STRATA_RETURN_IF_ERROR(MaybeFlushBuffer(true));
  if (Status s = file_->Sync(); !s) return unexpected(fail(s).error());
  if (Status s = file_->Close(); !s) return unexpected(fail(s).error());
  file_.reset();
  if (Status s = env_->Rename(tmp_path_, path_); !s) return unexpected(fail(s).error());
  finished_ = true;  // the file is at `path` now: never remove it from here on
  STRATA_RETURN_IF_ERROR(env_->SyncDir(DirName(path_)));

  return SegmentInfo{id_, path_, file_bytes, ids_.size(), point_count_, min_time_, max_time_};
}

}  // namespace strata
