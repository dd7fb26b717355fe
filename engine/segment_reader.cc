#include "segment_reader.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <functional>
#include <limits>

#include "block_codec.h"
#include "coding.h"
#include "crc32.h"
#include "segment_format.h"
#include "row_group.h"
#include "segment_index.h"
#include "series_key.h"

namespace strata {
namespace {

// Blocks fetched by one pread: bounds the scratch buffer of long range reads.
constexpr size_t kBlocksPerRead = 256;

// Keeps, of the points appended to *col from position `from` on, only those with time in [lo, hi].
// The appended times are sorted.
void TrimAppended(Column* col, size_t from, int64_t lo, int64_t hi) {
  auto& t = col->times;
  const size_t keep_begin =
      static_cast<size_t>(std::lower_bound(t.begin() + from, t.end(), lo) - t.begin());
  const size_t keep_end =
      static_cast<size_t>(std::upper_bound(t.begin() + keep_begin, t.end(), hi) - t.begin());
  auto trim = [&](auto& v) {
    v.erase(v.begin() + keep_end, v.end());
    v.erase(v.begin() + from, v.begin() + keep_begin);
  };
  trim(t);
  if (col->times_only) return;
  if (col->type == ValueType::kString) {
    trim(col->strs);
  } else {
    trim(col->nums);
  }
}

void TruncateColumn(Column* col, size_t times, size_t nums, size_t strs) {
  col->times.resize(times);
  col->nums.resize(nums);
  col->strs.resize(strs);
}

}  // namespace

Error SegmentReader::Corrupt(uint64_t offset, const std::string& what) const {
  return Error::Corrupt(path(), offset, "segment: " + what);
}

Result<std::shared_ptr<SegmentReader>> SegmentReader::Open(Env* env, const std::string& path) {
  static std::atomic<uint64_t> next_instance_id{1};
  std::shared_ptr<SegmentReader> r(new SegmentReader());
  r->instance_id_ = next_instance_id.fetch_add(1, std::memory_order_relaxed);
  STRATA_ASSIGN_OR_RETURN(r->file_, env->NewRandomAccessFile(path));
  const uint64_t size = r->file_->Size();
  if (size < kHeaderSize + kFooterSize) {
    return unexpected(
        r->Corrupt(size, "file of " + std::to_string(size) + " bytes is too short for a segment"));
  }

  char header[kHeaderSize];
  STRATA_RETURN_IF_ERROR(r->file_->Read(0, kHeaderSize, header));
  if (DecodeFixed64(header) != kSegmentMagic) return unexpected(r->Corrupt(0, "bad header magic"));
  if (DecodeFixed32(header + kHeaderSize - 4) != Crc32(header, kHeaderSize - 4)) {
    return unexpected(r->Corrupt(0, "header checksum mismatch"));
  }
  const uint32_t version = DecodeFixed32(header + 8);
  if (version != kSegmentFormatVersion && version != kSegmentFormatV4 &&
      version != kSegmentFormatV3 && version != kSegmentFormatV2 && version != kSegmentFormatV1) {
    return unexpected(r->Corrupt(8, "unsupported format version " + std::to_string(version)));
  }
  // Format 2's cache keys hold offset * kMaxFieldsPerTimeGroup + slot.
  if (version != kSegmentFormatV1 && size >= (uint64_t{1} << 50)) {
    return unexpected(r->Corrupt(0, "file too large for format 2"));
  }
  r->version_ = version;
  r->id_ = DecodeFixed64(header + 12);
  r->created_at_ = static_cast<int64_t>(DecodeFixed64(header + 20));
  if (DecodeFixed32(header + 28) != 0) return unexpected(r->Corrupt(28, "unknown header flags"));

  const uint64_t footer_offset = size - kFooterSize;
  char footer[kFooterSize];
  STRATA_RETURN_IF_ERROR(r->file_->Read(footer_offset, kFooterSize, footer));
  if (DecodeFixed64(footer + kFooterSize - 8) != kSegmentMagic) {
    return unexpected(r->Corrupt(size - 8, "bad footer magic"));
  }
  if (DecodeFixed32(footer + 52) != Crc32(footer, 52)) {
    return unexpected(r->Corrupt(footer_offset, "footer checksum mismatch"));
  }
  const uint64_t series_count = DecodeFixed64(footer);
  r->point_count_ = DecodeFixed64(footer + 8);
  r->min_time_ = static_cast<int64_t>(DecodeFixed64(footer + 16));
  r->max_time_ = static_cast<int64_t>(DecodeFixed64(footer + 24));
  const uint64_t index_offset = DecodeFixed64(footer + 32);
  const uint64_t index_len = DecodeFixed64(footer + 40);
  const uint32_t index_crc = DecodeFixed32(footer + 48);
  if (index_len > footer_offset - kHeaderSize || index_offset != footer_offset - index_len) {
    return unexpected(r->Corrupt(footer_offset, "index position out of range"));
  }

  std::string index(index_len, '\0');
  STRATA_RETURN_IF_ERROR(r->file_->Read(index_offset, index.size(), index.data()));
  if (Crc32(index) != index_crc) {
    return unexpected(r->Corrupt(index_offset, "index checksum mismatch"));
  }
  if (version == kSegmentFormatV1) {
    STRATA_RETURN_IF_ERROR(r->ParseIndex(index, index_offset, series_count));
  } else {
    std::string why;
    if (!ParseSegmentIndex(index, kHeaderSize, index_offset, version, &r->index_, &why)) {
      return unexpected(r->Corrupt(index_offset, "index: " + why));
    }
  }
  STRATA_RETURN_IF_ERROR(r->FinishIndex(index_offset, series_count));
  return r;
}

Status SegmentReader::ParseIndex(std::string_view index, uint64_t index_offset,
                                 uint64_t series_count) {
  if (series_count > index.size() / kIndexEntryFixedSize) {
    return unexpected(Corrupt(
        index_offset, "series count " + std::to_string(series_count) + " does not fit the index"));
  }
  index_.Reserve(series_count, 0, series_count);
  Decoder d(index);
  for (uint64_t s = 0; s < series_count; s++) {
    const uint64_t at = index_offset + static_cast<uint64_t>(d.position() - index.data());
    auto bad = [&](const std::string& what) {
      return unexpected(Corrupt(at, "index entry " + std::to_string(s) + ": " + what));
    };
    uint32_t key_len = 0;
    std::string_view key;
    uint64_t id = 0;
    uint8_t type = 0;
    uint64_t section_offset = 0, point_count = 0, min_time = 0, max_time = 0;
    uint32_t block_count = 0;
    if (!d.GetFixed32(&key_len) || key_len == 0 || key_len > kMaxSeriesKeyBytes ||
        !d.GetBytes(key_len, &key) || !d.GetFixed64(&id) || !d.GetFixed8(&type) ||
        !d.GetFixed64(&section_offset) || !d.GetFixed64(&point_count) ||
        !d.GetFixed64(&min_time) || !d.GetFixed64(&max_time) || !d.GetFixed32(&block_count)) {
      return bad("truncated or bad key length");
    }
    if (!IsValidValueType(type)) return bad("invalid value type " + std::to_string(type));
    std::string_view refs;
    if (block_count == 0 || block_count > d.remaining() / kIndexBlockRefSize ||
        !d.GetBytes(block_count * kIndexBlockRefSize, &refs)) {
      return bad("bad block count " + std::to_string(block_count));
    }
    if (s > 0 && !(index_.Key(s - 1) < key)) return bad("keys out of order");
    const uint64_t expected_section =
        s == 0 ? kHeaderSize
               : index_.Blocks(s - 1).back().offset + kBlockHeaderSize + kBlockTrailerSize;
    if (s == 0 ? section_offset != expected_section : section_offset < expected_section) {
      return bad("bad section offset " + std::to_string(section_offset));
    }
    // Sections lie before the index; this also keeps the sums below from overflowing.
    if (section_offset >= index_offset) return bad("section offset past the index");
    const size_t pos = index_.Add(id, key, {}, static_cast<ValueType>(type));
    SeriesIndexEntry& e = index_.MutableEntry(pos);
    e.section_offset = section_offset;
    e.point_count = point_count;
    e.min_time = static_cast<int64_t>(min_time);
    e.max_time = static_cast<int64_t>(max_time);
    const size_t first_block = index_.AddBlocks(pos, block_count);
    uint64_t points = 0;
    for (uint32_t k = 0; k < block_count; k++) {
      BlockRef& b = index_.MutableBlock(first_block + k);
      const BlockRef* prev = k == 0 ? nullptr : &index_.MutableBlock(first_block + k - 1);
      const char* q = refs.data() + k * kIndexBlockRefSize;
      b.offset = DecodeFixed64(q);
      b.count = DecodeFixed32(q + 8);
      const uint64_t bmin = DecodeFixed64(q + 12);
      const uint64_t bmax = DecodeFixed64(q + 20);
      b.min_time = static_cast<int64_t>(bmin);
      b.max_time = static_cast<int64_t>(bmax);
      const std::string blk = "block " + std::to_string(k) + ": ";
      const uint64_t min_offset = k == 0 ? e.section_offset + kSectionHeaderFixedSize + key_len
                                         : prev->offset + kBlockHeaderSize + kBlockTrailerSize;
      if (k == 0 ? b.offset != min_offset : (b.offset < min_offset || b.offset >= index_offset)) {
        return bad(blk + "bad offset " + std::to_string(b.offset));
      }
      if (b.count == 0 || b.count > kMaxBlockPoints) {
        return bad(blk + "bad point count " + std::to_string(b.count));
      }
      // count strictly increasing times need a span of at least count - 1.
      if (b.min_time > b.max_time || bmax - bmin < b.count - 1u) {
        return bad(blk + "bad time range");
      }
      if (k > 0 && b.min_time <= prev->max_time) return bad(blk + "blocks overlap");
      points += b.count;
    }
    const BlockSpan blocks = index_.Blocks(pos);
    if (blocks.back().offset + kBlockHeaderSize + kBlockTrailerSize > index_offset) {
      return bad("last block runs into the index");
    }
    if (points != e.point_count) return bad("point count does not match its blocks");
    if (e.min_time != blocks.front().min_time || e.max_time != blocks.back().max_time) {
      return bad("time range does not match its blocks");
    }
  }
  index_.Finish();
  if (d.remaining() != 0) return unexpected(Corrupt(index_offset, "trailing bytes in the index"));
  if (index_.empty() && index_offset != kHeaderSize) {
    return unexpected(Corrupt(index_offset, "data but no series"));
  }
  return OkStatus();
}

Status SegmentReader::FinishIndex(uint64_t index_offset, uint64_t series_count) {
  uint64_t total_points = 0;
  int64_t seg_min = std::numeric_limits<int64_t>::max();
  int64_t seg_max = std::numeric_limits<int64_t>::min();
  for (const SeriesIndexEntry& e : index_.entries()) {
    total_points += e.point_count;
    seg_min = std::min(seg_min, e.min_time);
    seg_max = std::max(seg_max, e.max_time);
  }
  if (index_.size() != series_count || total_points != point_count_ || seg_min != min_time_ ||
      seg_max != max_time_) {
    return unexpected(Corrupt(file_->Size() - kFooterSize, "footer summary does not match index"));
  }

  if (version_ == kSegmentFormatV1) {
    section_end_.resize(index_.size());
    for (size_t s = 0; s < index_.size(); s++) {
      section_end_[s] = s + 1 < index_.size() ? index_[s + 1].section_offset : index_offset;
    }
  }
  uint64_t min_id = std::numeric_limits<uint64_t>::max(), max_id = 0;
  for (size_t s = 0; s < index_.size(); s++) {
    min_id = std::min(min_id, index_[s].id);
    max_id = std::max(max_id, index_[s].id);
  }
  auto duplicate = [&](uint64_t id) {
    return unexpected(Corrupt(index_offset, "duplicate series id " + std::to_string(id)));
  };
  // Series ids come from the catalog's counter, so a segment's usually span not much more than
  // their number: then a table indexed by id finds an entry in one step, in no more memory, and
  // is built without sorting.
  if (!index_.empty() && index_.size() < kNoSeries && max_id - min_id < 4 * index_.size()) {
    first_id_ = min_id;
    position_by_id_.assign(max_id - first_id_ + 1, kNoSeries);
    for (size_t s = 0; s < index_.size(); s++) {
      uint32_t& position = position_by_id_[index_[s].id - first_id_];
      if (position != kNoSeries) return duplicate(index_[s].id);
      position = static_cast<uint32_t>(s);
    }
    return OkStatus();
  }
  by_id_.reserve(index_.size());
  for (size_t s = 0; s < index_.size(); s++) by_id_.emplace_back(index_[s].id, s);
  std::sort(by_id_.begin(), by_id_.end());
  for (size_t i = 1; i < by_id_.size(); i++) {
    if (by_id_[i - 1].first == by_id_[i].first) return duplicate(by_id_[i].first);
  }
  return OkStatus();
}

uint64_t SegmentReader::BlockEnd(size_t series, size_t k) const {
  const SeriesIndexEntry& e = index_[series];
  if (version_ != kSegmentFormatV1) return e.blocks[k].offset + e.blocks[k].length;
  return k + 1 < e.blocks.size() ? e.blocks[k + 1].offset : section_end_[series];
}

size_t SegmentReader::IndexMemoryBytes() const {
  return index_.MemoryBytes() + section_end_.capacity() * sizeof(uint64_t) +
         by_id_.capacity() * sizeof(by_id_[0]) + position_by_id_.capacity() * sizeof(uint32_t);
}

uint64_t SegmentReader::CacheKey(const BlockRef& b) const {
  return version_ == kSegmentFormatV1 ? b.offset : b.offset * kMaxFieldsPerTimeGroup + b.slot;
}

const SeriesIndexEntry* SegmentReader::Find(uint64_t series_id) const {
  if (!position_by_id_.empty()) {
    if (series_id < first_id_ || series_id - first_id_ >= position_by_id_.size()) return nullptr;
    const uint32_t s = position_by_id_[series_id - first_id_];
    return s == kNoSeries ? nullptr : &index_[s];
  }
  auto it =
      std::lower_bound(by_id_.begin(), by_id_.end(), std::pair<uint64_t, size_t>(series_id, 0));
  if (it == by_id_.end() || it->first != series_id) return nullptr;
  return &index_[it->second];
}

Status SegmentReader::FetchBlocks(size_t series, size_t first, size_t last, ReadAhead* ahead,
                                  std::unique_ptr<char[]>* buf, const char** data) const {
  const SeriesIndexEntry& e = index_[series];
  const uint64_t begin = e.blocks[first].offset;
  const uint64_t end = BlockEnd(series, last);
  const size_t n = static_cast<size_t>(end - begin);  // <= file size, checked at Open
  if (ahead == nullptr) {
    buf->reset(new char[n]);
    STRATA_RETURN_IF_ERROR(file_->Read(begin, n, buf->get()));
    *data = buf->get();
  } else {
    if (begin < ahead->begin || end > ahead->begin + ahead->bytes.size()) {
      const uint64_t size = file_->Size();  // >= end, checked at Open
      const size_t len = static_cast<size_t>(
          std::max<uint64_t>(n, std::min<uint64_t>(kReadAheadBytes, size - begin)));
      ahead->bytes.clear();  // nothing of the old window is kept: resize copies nothing
      ahead->bytes.resize(len);
      ahead->begin = begin;
      if (Status s = file_->Read(begin, len, ahead->bytes.data()); !s) {
        ahead->bytes.clear();
        return s;
      }
    }
    *data = ahead->bytes.data() + (begin - ahead->begin);
  }
  // Format 2: each row group's checksum and framing are checked as it is decoded.
  if (version_ != kSegmentFormatV1) return OkStatus();

  // Check every block's framing and checksum before decoding any.
  for (size_t k = first; k <= last; k++) {
    const BlockRef& b = e.blocks[k];
    const uint64_t next = k + 1 < e.blocks.size() ? e.blocks[k + 1].offset : section_end_[series];
    const char* p = *data + (b.offset - begin);
    const size_t span = static_cast<size_t>(next - b.offset);  // >= header + trailer, see Open
    const size_t payload = span - kBlockHeaderSize - kBlockTrailerSize;
    if (DecodeFixed32(p + span - kBlockTrailerSize) != Crc32(p, span - kBlockTrailerSize)) {
      return unexpected(Corrupt(b.offset, "block checksum mismatch"));
    }
    if (!IsKnownBlockEncoding(static_cast<uint8_t>(p[0]))) {
      return unexpected(Corrupt(
          b.offset, "unknown block encoding " + std::to_string(static_cast<uint8_t>(p[0]))));
    }
    if (DecodeFixed32(p + 1) != b.count ||
        static_cast<int64_t>(DecodeFixed64(p + 5)) != b.min_time ||
        static_cast<int64_t>(DecodeFixed64(p + 13)) != b.max_time ||
        DecodeFixed32(p + 21) != payload) {
      return unexpected(Corrupt(b.offset, "block header does not match the index"));
    }
  }
  return OkStatus();
}

Status SegmentReader::DecodeChecked(size_t series, size_t k, const char* p, Column* out) const {
  const SeriesIndexEntry& e = index_[series];
  const BlockRef& b = e.blocks[k];
  const size_t from = out->times.size();
  if (version_ != kSegmentFormatV1) {
    const RowGroupDamage damage =
        DecodeRowGroup(std::string_view(p, b.length), b.slots, b.slot, e.type, b.count,
                       b.min_time, out);
    if (damage != RowGroupDamage::kNone) {
      return unexpected(Corrupt(b.offset, RowGroupDamageText(damage)));
    }
  } else {
    const uint64_t next = BlockEnd(series, k);
    const size_t payload =
        static_cast<size_t>(next - b.offset) - kBlockHeaderSize - kBlockTrailerSize;
    if (!DecodeBlock(static_cast<BlockEncoding>(p[0]), e.type,
                     std::string_view(p + kBlockHeaderSize, payload), b.count, out)) {
      return unexpected(Corrupt(b.offset, "malformed block payload"));
    }
  }
  const int64_t* t = out->times.data() + from;
  bool ok = t[0] == b.min_time && t[b.count - 1] == b.max_time;
  for (size_t i = 1; i < b.count && ok; i++) ok = t[i - 1] < t[i];
  if (!ok) return unexpected(Corrupt(b.offset, "block times out of order or out of range"));
  return OkStatus();
}

Status SegmentReader::ReadBlocks(size_t series, size_t first, size_t last, int64_t min_t,
                                 int64_t max_t, Column* out, ReadAhead* ahead) const {
  const SeriesIndexEntry& e = index_[series];
  std::unique_ptr<char[]> buf;
  const char* data = nullptr;
  STRATA_RETURN_IF_ERROR(FetchBlocks(series, first, last, ahead, &buf, &data));
  const uint64_t begin = e.blocks[first].offset;
  size_t total = 0;
  for (size_t k = first; k <= last; k++) total += e.blocks[k].count;
  const uint64_t end = BlockEnd(series, last);

  const size_t old_times = out->times.size();
  const size_t old_nums = out->nums.size();
  const size_t old_strs = out->strs.size();
  // A forged (checksum-valid) file must not make us reserve far more than it holds.
  const size_t reserve = std::min(total, static_cast<size_t>(end - begin));
  out->times.reserve(old_times + reserve);
  if (!out->times_only) {
    if (e.type == ValueType::kString) {
      out->strs.reserve(old_strs + reserve);
    } else {
      out->nums.reserve(old_nums + reserve);
    }
  }
  for (size_t k = first; k <= last; k++) {
    const BlockRef& b = e.blocks[k];
    const size_t from = out->times.size();
    if (Status s = DecodeChecked(series, k, data + (b.offset - begin), out); !s) {
      TruncateColumn(out, old_times, old_nums, old_strs);
      return s;
    }
    if (b.min_time < min_t || b.max_time > max_t) TrimAppended(out, from, min_t, max_t);
  }
  return OkStatus();
}

Status SegmentReader::ReadBlocksCached(size_t series, size_t first, size_t last, int64_t min_t,
                                       int64_t max_t, BlockCache* cache,
                                       uint64_t* fill_budget, Column* out) const {
  const SeriesIndexEntry& e = index_[series];
  // A point or short-range read touches a block or two: their entries stay on the stack.
  constexpr size_t kInline = 4;
  std::array<std::shared_ptr<const Column>, kInline> inline_blocks;
  std::vector<std::shared_ptr<const Column>> more_blocks;
  if (last - first + 1 > kInline) more_blocks.resize(last - first + 1);
  std::shared_ptr<const Column>* blocks =
      more_blocks.empty() ? inline_blocks.data() : more_blocks.data();
  for (size_t k = first; k <= last; k++) {
    blocks[k - first] = cache->Lookup(instance_id_, CacheKey(e.blocks[k]), out->times_only);
  }
  // As ReadBlocks, but only for the points of the blocks inside [min_t, max_t]: those of a block
  // the range cuts grow *out when appended (a point read must not reserve whole blocks).
  size_t inside = 0;
  for (size_t k = first; k <= last; k++) {
    if (e.blocks[k].min_time >= min_t && e.blocks[k].max_time <= max_t) {
      inside += e.blocks[k].count;
    }
  }
  const uint64_t end = BlockEnd(series, last);
  const size_t reserve = std::min(inside, static_cast<size_t>(end - e.blocks[first].offset));
  out->times.reserve(out->times.size() + reserve);
  if (!out->times_only) {
    if (e.type == ValueType::kString) {
      out->strs.reserve(out->strs.size() + reserve);
    } else {
      out->nums.reserve(out->nums.size() + reserve);
    }
  }
  // In block order: a hit is appended; each run of misses is read with one pread, and either
  // decoded straight into *out (budget exhausted) or block by block into new entries, inserted
  // only once the whole run decoded.
  for (size_t a = first; a <= last;) {
    if (blocks[a - first] == nullptr) {
      size_t z = a;
      while (z < last && blocks[z + 1 - first] == nullptr) z++;
      if (fill_budget != nullptr && *fill_budget == 0) {
        STRATA_RETURN_IF_ERROR(ReadBlocks(series, a, z, min_t, max_t, out));
        a = z + 1;
        continue;
      }
      if (fill_budget != nullptr) {  // fill only what the budget allows, at least one block
        const uint64_t per_point = out->times_only ? 8 : 16;
        uint64_t bytes = e.blocks[a].count * per_point;
        size_t y = a;
        while (y < z && bytes + e.blocks[y + 1].count * per_point <= *fill_budget) {
          bytes += e.blocks[++y].count * per_point;
        }
        z = y;
      }
      std::unique_ptr<char[]> buf;
      const char* data = nullptr;
      STRATA_RETURN_IF_ERROR(FetchBlocks(series, a, z, nullptr, &buf, &data));
      const uint64_t begin = e.blocks[a].offset;
      for (size_t k = a; k <= z; k++) {
        auto block = std::make_shared<Column>();
        block->type = e.type;
        block->times_only = out->times_only;
        block->times.reserve(e.blocks[k].count);  // <= kMaxBlockPoints, checked at Open
        if (!block->times_only) {
          if (e.type == ValueType::kString) {
            block->strs.reserve(e.blocks[k].count);
          } else {
            block->nums.reserve(e.blocks[k].count);
          }
        }
        STRATA_RETURN_IF_ERROR(
            DecodeChecked(series, k, data + (e.blocks[k].offset - begin), block.get()));
        blocks[k - first] = std::move(block);
      }
      for (size_t k = a; k <= z; k++) {
        cache->Insert(instance_id_, CacheKey(e.blocks[k]), blocks[k - first]);
        if (fill_budget != nullptr) {
          *fill_budget -= std::min(*fill_budget, BlockCache::Charge(*blocks[k - first]));
        }
      }
    }
    const Column& b = *blocks[a - first];
    const BlockRef& ref = e.blocks[a];
    if (ref.min_time >= min_t && ref.max_time <= max_t) {
      out->times.insert(out->times.end(), b.times.begin(), b.times.end());
      if (!out->times_only) {
        if (e.type == ValueType::kString) {
          out->strs.insert(out->strs.end(), b.strs.begin(), b.strs.end());
        } else {
          out->nums.insert(out->nums.end(), b.nums.begin(), b.nums.end());
        }
      }
    } else {
      AppendTimeRange(b, min_t, max_t, out);
    }
    a++;
  }
  return OkStatus();
}

Status SegmentReader::CheckReadable(const SeriesIndexEntry& entry, const Column& out) const {
  std::less<const SeriesIndexEntry*> before;
  if (index_.empty() || before(&entry, index_.entries().data()) ||
      !before(&entry, index_.entries().data() + index_.size())) {
    return unexpected(Error::Invalid("segment " + path() + ": entry is not from this segment"));
  }
  if (out.type != entry.type) {
    return unexpected(Error::Invalid("segment " + path() + ": reading " +
                                     ValueTypeName(entry.type) + " series '" + std::string(entry.key) +
                                     "' into a " + ValueTypeName(out.type) + " column"));
  }
  return OkStatus();
}

Status SegmentReader::Read(const SeriesIndexEntry& entry, int64_t min_t, int64_t max_t, Column* out,
                           BlockCache* cache, uint64_t* fill_budget) const {
  STRATA_RETURN_IF_ERROR(CheckReadable(entry, *out));
  if (min_t > max_t || entry.max_time < min_t || entry.min_time > max_t) return OkStatus();
  const auto& blocks = entry.blocks;
  const size_t first = static_cast<size_t>(
      std::partition_point(blocks.begin(), blocks.end(),
                           [&](const BlockRef& b) { return b.max_time < min_t; }) -
      blocks.begin());
  const size_t end = static_cast<size_t>(
      std::partition_point(blocks.begin(), blocks.end(),
                           [&](const BlockRef& b) { return b.min_time <= max_t; }) -
      blocks.begin());
  const size_t series = static_cast<size_t>(&entry - index_.entries().data());
  const size_t old_times = out->times.size();
  const size_t old_nums = out->nums.size();
  const size_t old_strs = out->strs.size();
  for (size_t k = first; k < end; k += kBlocksPerRead) {
    const size_t last = std::min(end, k + kBlocksPerRead) - 1;
    Status s = cache != nullptr
                   ? ReadBlocksCached(series, k, last, min_t, max_t, cache, fill_budget, out)
                   : ReadBlocks(series, k, last, min_t, max_t, out);
    if (!s) {
      TruncateColumn(out, old_times, old_nums, old_strs);
      return s;
    }
  }
  return OkStatus();
}

Status SegmentReader::ReadAll(const SeriesIndexEntry& entry, Column* out, ReadAhead* ahead) const {
  STRATA_RETURN_IF_ERROR(CheckReadable(entry, *out));
  const size_t series = static_cast<size_t>(&entry - index_.entries().data());
  const size_t old_times = out->times.size();
  const size_t old_nums = out->nums.size();
  const size_t old_strs = out->strs.size();
  for (size_t k = 0; k < entry.blocks.size(); k += kBlocksPerRead) {
    const size_t last = std::min(entry.blocks.size(), k + kBlocksPerRead) - 1;
    if (Status s = ReadBlocks(series, k, last, INT64_MIN, INT64_MAX, out, ahead); !s) {
      TruncateColumn(out, old_times, old_nums, old_strs);
      return s;
    }
  }
  return OkStatus();
}

Status SegmentReader::ReadNewest(const SeriesIndexEntry& entry, Column* out, BlockCache* cache,
                                 uint64_t* fill_budget) const {
  STRATA_RETURN_IF_ERROR(CheckReadable(entry, *out));
  std::call_once(newest_once_,
                 [this] { newest_ = std::make_unique<NewestValue[]>(index_.size()); });
  NewestValue& v = newest_[static_cast<size_t>(&entry - index_.entries().data())];
  if (!out->times_only && !v.known.load(std::memory_order_acquire)) {
    STRATA_RETURN_IF_ERROR(Read(entry, entry.max_time, entry.max_time, out, cache, fill_budget));
    MutexLock lock(&newest_mu_);
    if (!v.known.load(std::memory_order_relaxed)) {
      if (entry.type == ValueType::kString) {
        v.str = &newest_strs_.emplace_back(out->strs.back());
      } else {
        v.num = out->nums.back();
      }
      v.known.store(true, std::memory_order_release);
    }
    return OkStatus();
  }
  out->times.push_back(entry.max_time);
  if (out->times_only) return OkStatus();
  if (entry.type == ValueType::kString) {
    out->strs.push_back(*v.str);
  } else {
    out->nums.push_back(v.num);
  }
  return OkStatus();
}

Status SegmentReader::CheckSectionHeader(size_t series) const {
  const SeriesIndexEntry& e = index_[series];
  const size_t n = kSectionHeaderFixedSize + e.key.size();  // == blocks[0].offset - section_offset
  std::string h(n, '\0');
  STRATA_RETURN_IF_ERROR(file_->Read(e.section_offset, n, h.data()));
  if (DecodeFixed32(h.data() + n - 4) != Crc32(h.data(), n - 4)) {
    return unexpected(Corrupt(e.section_offset, "section header checksum mismatch"));
  }
  const std::string_view key(h.data() + 21, n - kSectionHeaderFixedSize);
  if (DecodeFixed64(h.data()) != e.id ||
      static_cast<uint8_t>(h[8]) != static_cast<uint8_t>(e.type) ||
      DecodeFixed64(h.data() + 9) != e.point_count ||
      DecodeFixed32(h.data() + 17) != e.key.size() || key != e.key) {
    return unexpected(Corrupt(e.section_offset, "section header does not match the index"));
  }
  return OkStatus();
}

Status SegmentReader::Verify() const {
  Column scratch;
  for (size_t s = 0; s < index_.size(); s++) {
    const SeriesIndexEntry& e = index_[s];
    if (version_ == kSegmentFormatV1) STRATA_RETURN_IF_ERROR(CheckSectionHeader(s));
    scratch.type = e.type;
    for (size_t k = 0; k < e.blocks.size(); k += kBlocksPerRead) {
      scratch.clear();
      STRATA_RETURN_IF_ERROR(ReadBlocks(s, k, std::min(e.blocks.size(), k + kBlocksPerRead) - 1,
                                        std::numeric_limits<int64_t>::min(),
                                        std::numeric_limits<int64_t>::max(), &scratch));
    }
  }
  return OkStatus();
}

Status SegmentReader::ReadBlock(const SeriesIndexEntry& entry, size_t k, Column* out) const {
  STRATA_RETURN_IF_ERROR(CheckReadable(entry, *out));
  if (k >= entry.blocks.size()) {
    return unexpected(Error::Invalid("segment " + path() + ": no block " + std::to_string(k)));
  }
  const size_t series = static_cast<size_t>(&entry - index_.entries().data());
  return ReadBlocks(series, k, k, std::numeric_limits<int64_t>::min(),
                    std::numeric_limits<int64_t>::max(), out);
}

}  // namespace strata
