#include "segment_index.h"

#include <zlib.h>

#include <limits>

#include "coding.h"
#include "packed_codec.h"
#include "segment_format.h"
#include "series_key.h"
#include "zlib_compress.h"

namespace strata {
namespace {

enum IndexForm : uint8_t { kPlainIndex = 0, kZlibIndex = 1 };

std::string PlainIndex(const std::vector<TagSetIndex>& tag_sets, uint32_t format) {
  const bool with_stats = format >= kSegmentFormatV3;
  std::string out;
  PutVarint64(&out, tag_sets.size());
  uint64_t prev_id = 0;
  for (const TagSetIndex& t : tag_sets) {
    PutLengthPrefixed(&out, t.key);
    PutVarint64(&out, t.fields.size());
    for (const FieldIndex& f : t.fields) {
      PutLengthPrefixed(&out, f.suffix);
      PutVarsint64(&out, static_cast<int64_t>(f.id - prev_id));
      prev_id = f.id;
      PutFixed8(&out, static_cast<uint8_t>(f.type));
    }
    PutVarint64(&out, t.groups.size());
    for (const TimeGroupIndex& g : t.groups) {
      PutVarint64(&out, g.fields.size());
      for (uint32_t f : g.fields) PutVarint64(&out, f);
      PutVarint64(&out, g.blocks.size());
      int64_t prev_max = 0;
      size_t next_stats = 0;
      for (const BlockRef& b : g.blocks) {
        PutVarint64(&out, b.length);
        PutVarint64(&out, b.count);
        PutVarsint64(&out, static_cast<int64_t>(static_cast<uint64_t>(b.min_time) -
                                                static_cast<uint64_t>(prev_max)));
        PutVarint64(&out, static_cast<uint64_t>(b.max_time) - static_cast<uint64_t>(b.min_time));
        prev_max = b.max_time;
        if (!with_stats) continue;
        for (uint32_t f : g.fields) {
          const ValueType type = t.fields[f].type;
          if (HasBlockStats(type, b.count)) {
            EncodeBlockStats(format, type, b.count, g.stats[next_stats++], &out);
          }
        }
      }
    }
  }
  return out;
}

}  // namespace

std::string EncodeSegmentIndex(const std::vector<TagSetIndex>& tag_sets, uint32_t format) {
  if (tag_sets.empty()) return {};  // a segment of no series: header and footer alone
  const std::string plain = PlainIndex(tag_sets, format);
  std::string z;
  std::string out;
  if (ZlibCompress(plain, Z_BEST_COMPRESSION, &z) && z.size() + 8 < plain.size() &&
      plain.size() <= kMaxZlibRatio * z.size()) {
    PutFixed8(&out, kZlibIndex);
    PutVarint64(&out, plain.size());
    out.append(z);
    return out;
  }
  PutFixed8(&out, kPlainIndex);
  out.append(plain);
  return out;
}

namespace {

// Parses the blocks of one time group, appending a BlockRef (with slot) to each of its fields'
// entries. *offset is the file offset of the group's first row group, advanced past its last.
bool ParseTimeGroup(Decoder* d, size_t first_entry, size_t field_count,
                    std::vector<bool>* seen, uint64_t data_end, uint64_t* offset,
                    uint32_t format, std::vector<BlockStats>* stats, std::vector<SeriesIndexEntry>* out,
                    std::string* why) {
  uint64_t m = 0;
  if (!d->GetVarint64(&m) || m == 0 || m > field_count || m > kMaxFieldsPerTimeGroup) {
    *why = "bad field count of a time group";
    return false;
  }
  std::vector<uint32_t> fields(m);
  for (auto& f : fields) {
    uint64_t v = 0;
    if (!d->GetVarint64(&v) || v >= field_count || (*seen)[v]) {
      *why = "bad or repeated field of a time group";
      return false;
    }
    (*seen)[v] = true;
    f = static_cast<uint32_t>(v);
  }
  uint64_t blocks = 0;
  // A block takes at least 4 bytes of index.
  if (!d->GetVarint64(&blocks) || blocks == 0 || blocks > d->remaining() / 4) {
    *why = "bad block count";
    return false;
  }
  int64_t prev_max = 0;
  for (uint64_t k = 0; k < blocks; k++) {
    BlockRef b;
    uint64_t length = 0, count = 0, span = 0;
    int64_t min_delta = 0;
    if (!d->GetVarint64(&length) || !d->GetVarint64(&count) || !d->GetVarsint64(&min_delta) ||
        !d->GetVarint64(&span)) {
      *why = "truncated block";
      return false;
    }
    b.min_time = static_cast<int64_t>(static_cast<uint64_t>(prev_max) +
                                      static_cast<uint64_t>(min_delta));
    b.max_time = static_cast<int64_t>(static_cast<uint64_t>(b.min_time) + span);
    // The error prefix naming the block, built only on an error (this runs for every block).
    auto blk = [k] { return "block " + std::to_string(k) + ": "; };
    if (count == 0 || count > kMaxBlockPoints) {
      *why = blk() + "bad point count " + std::to_string(count);
      return false;
    }
    if (b.min_time > b.max_time || span < count - 1) {
      *why = blk() + "bad time range";
      return false;
    }
    if (k > 0 && b.min_time <= prev_max) {
      *why = blk() + "blocks overlap";
      return false;
    }
    if (length < kRowGroupMinSize || length > data_end - *offset) {
      *why = blk() + "bad length " + std::to_string(length);
      return false;
    }
    b.offset = *offset;
    b.count = static_cast<uint32_t>(count);
    b.length = static_cast<uint32_t>(std::min<uint64_t>(length, UINT32_MAX));
    if (length > UINT32_MAX) {
      *why = blk() + "row group too long";
      return false;
    }
    b.slots = static_cast<uint16_t>(m);
    for (uint32_t s = 0; s < m; s++) {
      SeriesIndexEntry& e = (*out)[first_entry + fields[s]];
      b.slot = static_cast<uint16_t>(s);
      b.stats = BlockRef::kNoStats;
      if (stats != nullptr && HasBlockStats(e.type, count)) {
        BlockStats st;
        if (!DecodeBlockStats(d, format, e.type, count, &st)) {
          *why = blk() + "bad statistics of '" + e.key + "'";
          return false;
        }
        b.stats = static_cast<uint32_t>(stats->size());
        stats->push_back(st);
      }
      e.blocks.push_back(b);
    }
    *offset += length;
    prev_max = b.max_time;
  }
  return true;
}

// Parses one tag set, appending its fields' entries to *out.
bool ParseTagSet(Decoder* d, uint64_t data_end, uint64_t* offset, uint64_t* prev_id,
                 uint32_t format, std::vector<BlockStats>* stats, std::vector<SeriesIndexEntry>* out,
                 std::string* why) {
  std::string_view key;
  uint64_t field_count = 0;
  // A field takes at least 3 bytes of index.
  if (!d->GetLengthPrefixed(&key) || key.size() > kMaxSeriesKeyBytes ||
      !d->GetVarint64(&field_count) || field_count == 0 || field_count > d->remaining() / 3) {
    *why = "bad tag-set key or field count";
    return false;
  }
  const size_t first = out->size();
  for (uint64_t f = 0; f < field_count; f++) {
    std::string_view suffix;
    int64_t id_delta = 0;
    uint8_t type = 0;
    if (!d->GetLengthPrefixed(&suffix) || !d->GetVarsint64(&id_delta) || !d->GetFixed8(&type)) {
      *why = "truncated field";
      return false;
    }
    SeriesIndexEntry e;
    if (key.size() + suffix.size() == 0 || key.size() + suffix.size() > kMaxSeriesKeyBytes) {
      *why = "empty or too long key";
      return false;
    }
    e.key.reserve(key.size() + suffix.size());
    e.key.append(key).append(suffix);
    if (!out->empty() && !(out->back().key < e.key)) {
      *why = "keys out of order at '" + e.key + "'";
      return false;
    }
    if (!IsValidValueType(type)) {
      *why = "invalid value type " + std::to_string(type);
      return false;
    }
    e.type = static_cast<ValueType>(type);
    e.id = *prev_id + static_cast<uint64_t>(id_delta);
    *prev_id = e.id;
    out->push_back(std::move(e));
  }
  uint64_t groups = 0;
  if (!d->GetVarint64(&groups) || groups == 0 || groups > field_count) {
    *why = "bad time group count";
    return false;
  }
  std::vector<bool> seen(field_count, false);
  for (uint64_t g = 0; g < groups; g++) {
    if (!ParseTimeGroup(d, first, field_count, &seen, data_end, offset, format, stats, out,
                        why)) {
      return false;
    }
  }
  for (size_t f = first; f < out->size(); f++) {
    SeriesIndexEntry& e = (*out)[f];
    if (e.blocks.empty()) {
      *why = "field '" + e.key + "' is in no time group";
      return false;
    }
    e.section_offset = e.blocks.front().offset;
    e.point_count = 0;
    for (const BlockRef& b : e.blocks) e.point_count += b.count;
    e.min_time = e.blocks.front().min_time;
    e.max_time = e.blocks.back().max_time;
  }
  return true;
}

}  // namespace

bool ParseSegmentIndex(std::string_view stored, uint64_t first_group, uint64_t data_end,
                       uint32_t format, std::vector<SeriesIndexEntry>* out,
                       std::vector<BlockStats>* stats, std::string* why) {
  if (stored.empty()) {
    if (first_group == data_end) return true;
    *why = "data but no series";
    return false;
  }
  Decoder form_d(stored);
  uint8_t form = 0;
  if (!form_d.GetFixed8(&form) || form > kZlibIndex) {
    *why = "unknown index form";
    return false;
  }
  std::string plain;
  std::string_view text(form_d.position(), form_d.remaining());
  if (form == kZlibIndex) {
    uint64_t size = 0;
    if (!form_d.GetVarint64(&size) || size > kMaxZlibRatio * form_d.remaining()) {
      *why = "bad compressed index length";
      return false;
    }
    plain.resize(size);
    uLongf got = static_cast<uLongf>(size);
    if (uncompress(reinterpret_cast<Bytef*>(plain.data()), &got,
                   reinterpret_cast<const Bytef*>(form_d.position()),
                   static_cast<uLong>(form_d.remaining())) != Z_OK ||
        got != size) {
      *why = "index does not decompress";
      return false;
    }
    text = plain;
  }
  Decoder d(text);
  uint64_t tag_sets = 0;
  // A tag set takes at least 8 bytes of index.
  if (!d.GetVarint64(&tag_sets) || tag_sets > d.remaining() / 8 + 1) {
    *why = "bad tag-set count";
    return false;
  }
  uint64_t offset = first_group;
  uint64_t prev_id = 0;
  out->reserve(out->size() + tag_sets);  // at least one series per tag set
  for (uint64_t t = 0; t < tag_sets; t++) {
    if (!ParseTagSet(&d, data_end, &offset, &prev_id, format,
                     format >= kSegmentFormatV3 ? stats : nullptr, out, why)) {
      *why = "tag set " + std::to_string(t) + ": " + *why;
      return false;
    }
  }
  if (d.remaining() != 0) {
    *why = "trailing bytes in the index";
    return false;
  }
  if (offset != data_end) {
    *why = "row groups do not fill the data region";
    return false;
  }
  return true;
}

}  // namespace strata
