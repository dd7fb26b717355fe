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

void AppendTagSet(const TagSetIndex& t, bool with_stats, uint32_t format, uint64_t* prev_id,
                  std::string* out) {
  PutLengthPrefixed(out, t.key);
  PutVarint64(out, t.fields.size());
  for (const FieldIndex& f : t.fields) {
    PutLengthPrefixed(out, f.suffix);
    PutVarsint64(out, static_cast<int64_t>(f.id - *prev_id));
    *prev_id = f.id;
    PutFixed8(out, static_cast<uint8_t>(f.type));
  }
  PutVarint64(out, t.groups.size());
  for (const TimeGroupIndex& g : t.groups) {
    PutVarint64(out, g.fields.size());
    for (uint32_t f : g.fields) PutVarint64(out, f);
    PutVarint64(out, g.blocks.size());
    int64_t prev_max = 0;
    size_t next_stats = 0;
    for (const BlockRef& b : g.blocks) {
      PutVarint64(out, b.length);
      PutVarint64(out, b.count);
      PutVarsint64(out, static_cast<int64_t>(static_cast<uint64_t>(b.min_time) -
                                             static_cast<uint64_t>(prev_max)));
      PutVarint64(out, static_cast<uint64_t>(b.max_time) - static_cast<uint64_t>(b.min_time));
      prev_max = b.max_time;
      if (!with_stats) continue;
      for (uint32_t f : g.fields) {
        const ValueType type = t.fields[f].type;
        if (HasBlockStats(type, b.count)) {
          EncodeBlockStats(format, type, b.count, g.stats[next_stats++], out);
        }
      }
    }
  }
}

}  // namespace

SegmentIndexBuilder::SegmentIndexBuilder(uint32_t format)
    : with_stats_(format >= kSegmentFormatV3), format_(format), body_(kCountRoom, '\0') {}

void SegmentIndexBuilder::Add(const TagSetIndex& tag_set) {
  AppendTagSet(tag_set, with_stats_, format_, &prev_id_, &body_);
  count_++;
}

std::string SegmentIndexBuilder::Finish() {
  std::string body = std::move(body_);
  body_.assign(kCountRoom, '\0');
  const uint64_t count = count_;
  count_ = 0;
  prev_id_ = 0;
  if (count == 0) return {};  // a segment of no series: header and footer alone
  // The plain index: the count's varint, written just before the body.
  std::string count_bytes;
  PutVarint64(&count_bytes, count);
  const size_t start = kCountRoom - count_bytes.size();
  body.replace(start, count_bytes.size(), count_bytes);
  const std::string_view plain(body.data() + start, body.size() - start);
  std::string z;
  std::string out;
  if (ZlibCompress(plain, Z_BEST_COMPRESSION, &z) && z.size() + 8 < plain.size() &&
      plain.size() <= kMaxZlibRatio * z.size()) {
    std::string().swap(body);  // the plain bytes are no longer needed
    out.reserve(1 + 10 + z.size());
    PutFixed8(&out, kZlibIndex);
    PutVarint64(&out, plain.size());
    out.append(z);
    return out;
  }
  // Plain: the form byte goes just before the count, and the body becomes the stored index.
  body[start - 1] = static_cast<char>(kPlainIndex);
  body.erase(0, start - 1);
  return body;
}

std::string EncodeSegmentIndex(const std::vector<TagSetIndex>& tag_sets, uint32_t format) {
  SegmentIndexBuilder builder(format);
  for (const TagSetIndex& t : tag_sets) builder.Add(t);
  return builder.Finish();
}

namespace {

// Buffers that parsing one tag set or time group needs, reused across them (a segment of many
// series has as many tag sets, and would otherwise allocate them for each).
struct ParseScratch {
  std::vector<bool> seen;            // per field of the tag set: in a time group yet
  std::vector<uint32_t> fields;      // the time group's fields, slot order
  std::vector<size_t> first_blocks;  // per slot: its field's first block in the index
};

// Parses the blocks of one time group, giving each of its fields its BlockRefs (with slot).
// *offset is the file offset of the group's first row group, advanced past its last.
bool ParseTimeGroup(Decoder* d, size_t first_entry, size_t field_count, ParseScratch* scratch,
                    uint64_t data_end, uint64_t* offset, uint32_t format, bool with_stats,
                    SegmentSeriesIndex* out, std::string* why) {
  uint64_t m = 0;
  if (!d->GetVarint64(&m) || m == 0 || m > field_count || m > kMaxFieldsPerTimeGroup) {
    *why = "bad field count of a time group";
    return false;
  }
  std::vector<uint32_t>& fields = scratch->fields;
  fields.resize(m);
  for (auto& f : fields) {
    uint64_t v = 0;
    if (!d->GetVarint64(&v) || v >= field_count || scratch->seen[v]) {
      *why = "bad or repeated field of a time group";
      return false;
    }
    scratch->seen[v] = true;
    f = static_cast<uint32_t>(v);
  }
  uint64_t blocks = 0;
  // A block takes at least 4 bytes of index and kRowGroupMinSize of the data region (which bounds
  // the BlockRefs allocated below as the blocks parsed one by one would).
  if (!d->GetVarint64(&blocks) || blocks == 0 || blocks > d->remaining() / 4 ||
      blocks > (data_end - *offset) / kRowGroupMinSize) {
    *why = "bad block count";
    return false;
  }
  std::vector<size_t>& first_blocks = scratch->first_blocks;
  first_blocks.resize(m);
  for (uint32_t s = 0; s < m; s++) {
    first_blocks[s] = out->AddBlocks(first_entry + fields[s], static_cast<size_t>(blocks));
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
      const size_t series = first_entry + fields[s];
      const ValueType type = out->MutableEntry(series).type;
      b.slot = static_cast<uint16_t>(s);
      b.stats = BlockRef::kNoStats;
      if (with_stats && HasBlockStats(type, count)) {
        BlockStats st;
        if (!DecodeBlockStats(d, format, type, count, &st)) {
          *why = blk() + "bad statistics of '" + std::string(out->Key(series)) + "'";
          return false;
        }
        b.stats = static_cast<uint32_t>(out->mutable_stats()->size());
        out->mutable_stats()->push_back(st);
      }
      out->MutableBlock(first_blocks[s] + k) = b;
    }
    *offset += length;
    prev_max = b.max_time;
  }
  return true;
}

// Parses one tag set, adding its fields' entries to *out.
bool ParseTagSet(Decoder* d, uint64_t data_end, uint64_t* offset, uint64_t* prev_id,
                 uint32_t format, bool with_stats, ParseScratch* scratch, SegmentSeriesIndex* out,
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
    if (key.size() + suffix.size() == 0 || key.size() + suffix.size() > kMaxSeriesKeyBytes) {
      *why = "empty or too long key";
      return false;
    }
    if (!IsValidValueType(type)) {
      *why = "invalid value type " + std::to_string(type);
      return false;
    }
    const uint64_t id = *prev_id + static_cast<uint64_t>(id_delta);
    *prev_id = id;
    const size_t pos = out->Add(id, key, suffix, static_cast<ValueType>(type));
    if (pos > 0 && !(out->Key(pos - 1) < out->Key(pos))) {
      *why = "keys out of order at '" + std::string(out->Key(pos)) + "'";
      return false;
    }
  }
  uint64_t groups = 0;
  if (!d->GetVarint64(&groups) || groups == 0 || groups > field_count) {
    *why = "bad time group count";
    return false;
  }
  scratch->seen.assign(field_count, false);
  for (uint64_t g = 0; g < groups; g++) {
    if (!ParseTimeGroup(d, first, field_count, scratch, data_end, offset, format, with_stats, out,
                        why)) {
      return false;
    }
  }
  for (size_t f = first; f < out->size(); f++) {
    const BlockSpan blocks = out->Blocks(f);
    if (blocks.empty()) {
      *why = "field '" + std::string(out->Key(f)) + "' is in no time group";
      return false;
    }
    SeriesIndexEntry& e = out->MutableEntry(f);
    e.section_offset = blocks.front().offset;
    e.point_count = 0;
    for (const BlockRef& b : blocks) e.point_count += b.count;
    e.min_time = blocks.front().min_time;
    e.max_time = blocks.back().max_time;
  }
  return true;
}

}  // namespace

bool ParseSegmentIndex(std::string_view stored, uint64_t first_group, uint64_t data_end,
                       uint32_t format, SegmentSeriesIndex* out, std::string* why) {
  if (stored.empty()) {
    out->Finish();
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
  // At least one series and one block per tag set; the keys take most of the index.
  out->Reserve(tag_sets, text.size(), tag_sets);
  ParseScratch scratch;
  for (uint64_t t = 0; t < tag_sets; t++) {
    if (!ParseTagSet(&d, data_end, &offset, &prev_id, format, format >= kSegmentFormatV3,
                     &scratch, out, why)) {
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
  out->Finish();
  return true;
}

}  // namespace strata
