#include "segment_writer.h"

#include <algorithm>
#include <limits>

#include "block_codec.h"
#include "coding.h"
#include "crc32.h"
#include "segment_format.h"
#include "series_key.h"

namespace strata {

Result<std::unique_ptr<SegmentWriter>> SegmentWriter::Create(Env* env, std::string path,
                                                             uint64_t segment_id,
                                                             int64_t created_at_ns,
                                                             BlockEncoder encode) {
  STRATA_ASSIGN_OR_RETURN(auto file, env->NewWritableFile(path + ".tmp"));
  std::unique_ptr<SegmentWriter> w(
      new SegmentWriter(env, std::move(path), std::move(file), segment_id, encode));
  std::string& b = w->buf_;
  PutFixed64(&b, kSegmentMagic);
  PutFixed32(&b, kSegmentFormatVersion);
  PutFixed64(&b, segment_id);
  PutFixed64(&b, static_cast<uint64_t>(created_at_ns));
  PutFixed32(&b, 0);  // flags
  PutFixed32(&b, Crc32(b.data(), b.size()));
  return w;
}

SegmentWriter::SegmentWriter(Env* env, std::string path, std::unique_ptr<WritableFile> file,
                             uint64_t id, BlockEncoder encode)
    : env_(env),
      path_(std::move(path)),
      tmp_path_(path_ + ".tmp"),
      file_(std::move(file)),
      id_(id),
      encode_(encode),
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
  const std::string what = "segment " + path_ + ": series '" + series.key + "': ";
  if (!IsValidValueType(static_cast<uint8_t>(series.type))) {
    return unexpected(Error::Invalid(what + "invalid value type"));
  }
  if (points.type != series.type) {
    return unexpected(Error::Invalid(what + "points are " + ValueTypeName(points.type) +
                                     ", series is " + ValueTypeName(series.type)));
  }
  if (series.key.empty() || series.key.size() > kMaxSeriesKeyBytes) {
    return unexpected(Error::Invalid(what + "key is empty or too long"));
  }
  if (!index_.empty() && !(index_.back().key < series.key)) {
    return unexpected(Error::Invalid(what + "key is not greater than the previous key '" +
                                     index_.back().key + "'"));
  }
  if (ids_.contains(series.id)) {
    return unexpected(Error::Invalid(what + "duplicate series id " + std::to_string(series.id)));
  }
  const size_t n = points.times.size();
  if (n == 0) return unexpected(Error::Invalid(what + "no points"));
  const bool is_string = series.type == ValueType::kString;
  if ((is_string ? points.strs.size() : points.nums.size()) != n ||
      (is_string ? !points.nums.empty() : !points.strs.empty())) {
    return unexpected(Error::Invalid(what + "value array does not match the times"));
  }
  for (size_t i = 1; i < n; i++) {
    if (points.times[i - 1] >= points.times[i]) {
      return unexpected(
          Error::Invalid(what + "times are not strictly increasing at point " + std::to_string(i)));
    }
  }
  if (series.type == ValueType::kBool) {
    for (uint64_t v : points.nums) {
      if (v > 1) return unexpected(Error::Invalid(what + "bool value other than 0 or 1"));
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

Status SegmentWriter::CheckRoundTrip(const SegmentSeries& series, const Column& points,
                                     size_t begin, size_t end, std::string_view payload) {
  auto fail = [&](const std::string& what) {
    return unexpected(Error::Internal(
        "segment " + path_ + ": series '" + series.key + "': the block of " +
        std::to_string(end - begin) + " points from time " + std::to_string(points.times[begin]) +
        " " + what + "; nothing was written and the points stay in the MemStore and WAL"));
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
  const bool same =
      std::equal(decoded_.times.begin(), decoded_.times.end(), points.times.begin() + begin,
                 points.times.begin() + end) &&
      (points.type == ValueType::kString
           ? std::equal(decoded_.strs.begin(), decoded_.strs.end(), points.strs.begin() + begin,
                        points.strs.begin() + end)
           : std::equal(decoded_.nums.begin(), decoded_.nums.end(), points.nums.begin() + begin,
                        points.nums.begin() + end));
  if (!same || decoded_.size() != end - begin) return fail("decodes to other points");
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

  const size_t n = points.size();
  SeriesIndexEntry entry;
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
    BlockRef ref{offset(), static_cast<uint32_t>(end - begin), points.times[begin],
                 points.times[end - 1]};
    const size_t block_start = buf_.size();
    PutFixed8(&buf_, static_cast<uint8_t>(kDefaultBlockEncoding));
    PutFixed32(&buf_, ref.count);
    PutFixed64(&buf_, static_cast<uint64_t>(ref.min_time));
    PutFixed64(&buf_, static_cast<uint64_t>(ref.max_time));
    PutFixed32(&buf_, 0);  // payload length, patched below
    const size_t payload_start = buf_.size();
    encode_(points, begin, end, &buf_, kDefaultBlockEncoding);
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

  point_count_ += n;
  min_time_ = std::min(min_time_, entry.min_time);
  max_time_ = std::max(max_time_, entry.max_time);
  ids_.insert(series.id);
  index_.push_back(std::move(entry));
  return OkStatus();
}

Result<SegmentInfo> SegmentWriter::Finish() {
  if (finished_) return unexpected(Error::Invalid("segment " + path_ + ": Finish called twice"));
  STRATA_RETURN_IF_ERROR(failed_);

  const uint64_t index_offset = offset();
  std::string index;
  for (const SeriesIndexEntry& e : index_) {
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
  PutFixed64(&buf_, index_.size());
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

  return SegmentInfo{id_, path_, file_bytes, index_.size(), point_count_, min_time_, max_time_};
}

}  // namespace strata
