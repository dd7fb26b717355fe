#include "series_index_file.h"

#include <algorithm>
#include <unordered_map>

#include "coding.h"
#include "crc32.h"
#include "memory_estimate.h"
#include "series_key.h"
#include "zlib_compress.h"

namespace strata {

namespace {

constexpr uint64_t kMagic = 0x3158444953525453;  // "STRSIDX1" little-endian
constexpr size_t kPerBlock = SeriesIndexFile::kEntriesPerBlock;
constexpr uint64_t kInlineIds = SeriesIndexFile::kInlineIds;
constexpr size_t kListHeaderBytes = 8;  // size u32, CRC-32 u32
// The most plain bytes a block can hold: each entry a key (or term) of at most three names and the
// numbers after it. ReadBlock refuses a zlib form that claims more before allocating.
constexpr uint64_t kMaxPlainBlockBytes = kPerBlock * (4 * kMaxSeriesKeyBytes + 64 + 5 * kInlineIds);

// The footer's fields, in file order.
struct Footer {
  uint64_t magic = kMagic;
  uint32_t version = SeriesIndexFile::kFormatVersion;
  uint64_t series_count = 0, term_count = 0, first_id = 0, last_id = 0;
  uint64_t key_blocks_end = 0, term_blocks_end = 0, lists_end = 0;
  uint64_t key_table_end = 0, term_table_end = 0, id_table_end = 0;
  uint32_t key_table_crc = 0, term_table_crc = 0, id_table_crc = 0;
};

std::string EncodeFooter(const Footer& f) {
  std::string out;
  PutFixed64(&out, f.magic);
  PutFixed32(&out, f.version);
  for (uint64_t v :
       {f.series_count, f.term_count, f.first_id, f.last_id, f.key_blocks_end, f.term_blocks_end,
        f.lists_end, f.key_table_end, f.term_table_end, f.id_table_end}) {
    PutFixed64(&out, v);
  }
  for (uint32_t v : {f.key_table_crc, f.term_table_crc, f.id_table_crc}) PutFixed32(&out, v);
  PutFixed32(&out, Crc32(out));
  return out;
}

// Appends a prefix-compressed entry's key part: shared and unshared lengths, unshared bytes.
void PutCompressedKey(std::string* out, std::string_view previous, std::string_view key) {
  size_t shared = 0;
  const size_t limit = std::min(previous.size(), key.size());
  while (shared < limit && previous[shared] == key[shared]) shared++;
  PutVarint64(out, shared);
  PutVarint64(out, key.size() - shared);
  out->append(key.substr(shared));
}

// The inverse: *key holds the previous entry's key on entry and this one's on return.
bool GetCompressedKey(Decoder* d, std::string* key) {
  uint64_t shared = 0, unshared = 0;
  std::string_view rest;
  if (!d->GetVarint64(&shared) || !d->GetVarint64(&unshared) || shared > key->size() ||
      !d->GetBytes(static_cast<size_t>(unshared), &rest)) {
    return false;
  }
  key->resize(static_cast<size_t>(shared));
  key->append(rest);
  return true;
}

// Appends a block of `plain` bytes to *out in its smaller form and its entry to *table.
Status AppendBlock(std::string* out, std::string_view plain, std::string_view first,
                   std::string* table) {
  const uint64_t offset = out->size();
  std::string stream;
  if (!ZlibCompress(plain, 9, &stream)) return unexpected(Error::NoMem("zlib compression failed"));
  if (VarintLength(plain.size()) + stream.size() < plain.size()) {
    PutFixed8(out, 1);
    PutVarint64(out, plain.size());
    out->append(stream);
  } else {
    PutFixed8(out, 0);
    out->append(plain);
  }
  const std::string_view block = std::string_view(*out).substr(offset);
  PutFixed64(table, offset);
  PutFixed32(table, static_cast<uint32_t>(block.size()));
  PutFixed32(table, Crc32(block));
  PutLengthPrefixed(table, first);
  return OkStatus();
}

// Every term a series of these parts is listed under, with `add(term)`.
template <class Add>
void ForEachTerm(const SeriesKeyParts& parts, const Add& add) {
  add(SeriesIndexTerm('M', {parts.measurement}));
  add(SeriesIndexTerm('F', {parts.measurement, parts.field}));
  for (const Tag& t : parts.tags) {
    add(SeriesIndexTerm('K', {parts.measurement, t.key}));
    add(SeriesIndexTerm('T', {parts.measurement, t.key, t.value}));
  }
}

}  // namespace

std::string SeriesIndexTerm(char kind, std::initializer_list<std::string_view> names) {
  std::string term(1, kind);
  bool first = true;
  for (std::string_view n : names) {
    if (!first) term.push_back('\0');
    term.append(n);
    first = false;
  }
  return term;
}

Status WriteSeriesIndexFile(Env* env, const std::string& path, std::vector<IndexedSeries> series) {
  std::sort(series.begin(), series.end(),
            [](const IndexedSeries& a, const IndexedSeries& b) { return a.key < b.key; });
  Footer footer;
  footer.series_count = series.size();
  if (!series.empty()) {
    const auto [lo, hi] = std::minmax_element(
        series.begin(), series.end(),
        [](const IndexedSeries& a, const IndexedSeries& b) { return a.id < b.id; });
    footer.first_id = lo->id;
    footer.last_id = hi->id;
  }
  if (!series.empty() && footer.first_id == 0) {
    return unexpected(Error::Invalid("series index " + path + ": series ID 0"));
  }
  if (footer.last_id - footer.first_id >= SeriesIndexFile::kNoPosition) {
    return unexpected(Error::Invalid("series index " + path + ": IDs " +
                                     std::to_string(footer.first_id) + " to " +
                                     std::to_string(footer.last_id) + " span 2^32 or more"));
  }
  std::vector<uint32_t> position_of_id(
      series.empty() ? 0 : static_cast<size_t>(footer.last_id - footer.first_id + 1), SeriesIndexFile::kNoPosition);
  // Terms and their series, from each key's parts.
  std::unordered_map<std::string, std::vector<uint32_t>> lists;
  for (size_t i = 0; i < series.size(); i++) {
    const IndexedSeries& s = series[i];
    if (i > 0 && series[i - 1].key == s.key) {
      return unexpected(Error::Invalid("series index " + path + ": key '" + s.key + "' repeats"));
    }
    uint32_t& position = position_of_id[s.id - footer.first_id];
    if (position != SeriesIndexFile::kNoPosition) {
      return unexpected(Error::Invalid("series index " + path + ": series ID " +
                                       std::to_string(s.id) + " repeats"));
    }
    position = static_cast<uint32_t>(i);
    auto parts = ParseSeriesKey(s.key);
    if (!parts || parts->field.empty()) {
      return unexpected(
          Error::Invalid("series index " + path + ": bad series key '" + s.key + "'"));
    }
    const uint32_t offset = static_cast<uint32_t>(s.id - footer.first_id);
    ForEachTerm(*parts, [&](std::string term) { lists[std::move(term)].push_back(offset); });
  }
  std::vector<std::pair<std::string, std::vector<uint32_t>>> terms(
      std::make_move_iterator(lists.begin()), std::make_move_iterator(lists.end()));
  lists.clear();
  std::sort(terms.begin(), terms.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  footer.term_count = terms.size();
  for (auto& term : terms) std::sort(term.second.begin(), term.second.end());  // added in key order

  std::string out, key_table, term_table, list_bytes, plain;
  for (size_t b = 0; b < series.size(); b += kPerBlock) {
    plain.clear();
    std::string_view previous;
    for (size_t i = b; i < std::min(series.size(), b + kPerBlock); i++) {
      PutCompressedKey(&plain, previous, series[i].key);
      PutVarint64(&plain, series[i].id);
      PutFixed8(&plain, static_cast<uint8_t>(series[i].type));
      previous = series[i].key;
    }
    STRATA_RETURN_IF_ERROR(AppendBlock(&out, plain, series[b].key, &key_table));
  }
  footer.key_blocks_end = out.size();
  for (size_t b = 0; b < terms.size(); b += kPerBlock) {
    plain.clear();
    std::string_view previous;
    for (size_t i = b; i < std::min(terms.size(), b + kPerBlock); i++) {
      const std::vector<uint32_t>& ids = terms[i].second;
      PutCompressedKey(&plain, previous, terms[i].first);
      PutVarint64(&plain, ids.size());
      if (ids.size() <= kInlineIds) {
        for (size_t j = 0; j < ids.size(); j++)
          PutVarint64(&plain, ids[j] - (j == 0 ? 0 : ids[j - 1]));
      } else {
        Roaring r;
        r.addMany(ids.size(), ids.data());
        r.runOptimize();
        std::string list(r.getSizeInBytes(), '\0');
        list.resize(r.write(list.data()));
        PutVarint64(&plain, list_bytes.size());
        PutVarint64(&plain, list.size());
        PutFixed32(&list_bytes, static_cast<uint32_t>(list.size()));
        PutFixed32(&list_bytes, Crc32(list));
        list_bytes += list;
      }
      previous = terms[i].first;
    }
    STRATA_RETURN_IF_ERROR(AppendBlock(&out, plain, terms[b].first, &term_table));
  }
  footer.term_blocks_end = out.size();
  out += list_bytes;
  footer.lists_end = out.size();
  out += key_table;
  footer.key_table_end = out.size();
  footer.key_table_crc = Crc32(key_table);
  out += term_table;
  footer.term_table_end = out.size();
  footer.term_table_crc = Crc32(term_table);
  const size_t id_table_start = out.size();
  for (uint32_t p : position_of_id) PutFixed32(&out, p);
  footer.id_table_end = out.size();
  footer.id_table_crc = Crc32(std::string_view(out).substr(id_table_start));
  out += EncodeFooter(footer);
  return env->WriteFileAtomically(path, out);
}

// ---- reading
// --------------------------------------------------------------------------------------

Error SeriesIndexFile::Corrupt(uint64_t offset, const std::string& what) const {
  return Error::Corrupt(file_->path(), offset, "series index: " + what);
}

Result<std::unique_ptr<SeriesIndexFile>> SeriesIndexFile::Open(Env* env, const std::string& path) {
  STRATA_ASSIGN_OR_RETURN(auto file, env->NewRandomAccessFile(path));
  std::unique_ptr<SeriesIndexFile> index(new SeriesIndexFile(std::move(file)));
  const uint64_t size = index->file_->Size();
  if (size < kFooterBytes) return unexpected(index->Corrupt(0, "shorter than its footer"));
  const uint64_t footer_at = size - kFooterBytes;
  std::string bytes(kFooterBytes, '\0');
  STRATA_RETURN_IF_ERROR(index->file_->Read(footer_at, bytes.size(), bytes.data()));
  Decoder d(bytes);
  Footer f;
  d.GetFixed64(&f.magic);
  d.GetFixed32(&f.version);
  for (uint64_t* v :
       {&f.series_count, &f.term_count, &f.first_id, &f.last_id, &f.key_blocks_end,
        &f.term_blocks_end, &f.lists_end, &f.key_table_end, &f.term_table_end, &f.id_table_end}) {
    d.GetFixed64(v);
  }
  for (uint32_t* v : {&f.key_table_crc, &f.term_table_crc, &f.id_table_crc}) d.GetFixed32(v);
  uint32_t crc = 0;
  d.GetFixed32(&crc);
  if (f.magic != kMagic) return unexpected(index->Corrupt(footer_at, "not a series index file"));
  if (crc != Crc32(bytes.data(), kFooterBytes - 4)) {
    return unexpected(index->Corrupt(footer_at, "footer checksum mismatch"));
  }
  if (f.version != kFormatVersion) {
    return unexpected(index->Corrupt(footer_at, "format version " + std::to_string(f.version) +
                                                    " (this build reads " +
                                                    std::to_string(kFormatVersion) + ")"));
  }
  const bool ordered = f.key_blocks_end <= f.term_blocks_end && f.term_blocks_end <= f.lists_end &&
                       f.lists_end <= f.key_table_end && f.key_table_end <= f.term_table_end &&
                       f.term_table_end <= f.id_table_end && f.id_table_end == footer_at;
  const uint64_t ids = f.series_count == 0 ? 0 : f.last_id - f.first_id + 1;
  if (!ordered || (f.series_count == 0) != (f.first_id == 0) || f.first_id > f.last_id ||
      ids > kNoPosition || ids < f.series_count || f.id_table_end - f.term_table_end != 4 * ids ||
      f.term_count < (f.series_count == 0 ? 0 : 2)) {
    return unexpected(index->Corrupt(footer_at, "footer's sections or counts do not fit"));
  }
  index->series_count_ = f.series_count;
  index->term_count_ = f.term_count;
  index->first_id_ = f.first_id;
  index->last_id_ = f.last_id;
  index->lists_offset_ = f.term_blocks_end;
  index->lists_end_ = f.lists_end;
  // The three tables, read at once.
  std::string tables(static_cast<size_t>(f.id_table_end - f.lists_end), '\0');
  STRATA_RETURN_IF_ERROR(index->file_->Read(f.lists_end, tables.size(), tables.data()));
  const std::string_view all(tables);
  const auto section = [&](uint64_t begin, uint64_t end) {
    return all.substr(static_cast<size_t>(begin - f.lists_end), static_cast<size_t>(end - begin));
  };
  const std::string_view key_table = section(f.lists_end, f.key_table_end);
  const std::string_view term_table = section(f.key_table_end, f.term_table_end);
  const std::string_view id_table = section(f.term_table_end, f.id_table_end);
  if (Crc32(key_table) != f.key_table_crc) {
    return unexpected(index->Corrupt(f.lists_end, "key block table checksum mismatch"));
  }
  if (Crc32(term_table) != f.term_table_crc) {
    return unexpected(index->Corrupt(f.key_table_end, "term block table checksum mismatch"));
  }
  if (Crc32(id_table) != f.id_table_crc) {
    return unexpected(index->Corrupt(f.term_table_end, "ID table checksum mismatch"));
  }
  STRATA_RETURN_IF_ERROR(
      index->ParseTable(key_table, 0, f.key_blocks_end, "key block table", &index->key_blocks_));
  STRATA_RETURN_IF_ERROR(index->ParseTable(term_table, f.key_blocks_end, f.term_blocks_end,
                                           "term block table", &index->term_blocks_));
  if (index->key_blocks_.size() != (f.series_count + kPerBlock - 1) / kPerBlock ||
      index->term_blocks_.size() != (f.term_count + kPerBlock - 1) / kPerBlock) {
    return unexpected(index->Corrupt(f.lists_end, "block tables do not fit the counts"));
  }
  index->position_of_id_.resize(static_cast<size_t>(ids));
  for (size_t i = 0; i < ids; i++) {
    const uint32_t p = DecodeFixed32(id_table.data() + 4 * i);
    if (p != kNoPosition && p >= f.series_count) {
      return unexpected(index->Corrupt(f.term_table_end + 4 * i, "ID table position out of range"));
    }
    index->position_of_id_[i] = p;
  }
  return index;
}

Status SeriesIndexFile::ParseTable(std::string_view bytes, uint64_t base, uint64_t end,
                                   const char* what, std::vector<BlockRef>* out) const {
  Decoder d(bytes);
  uint64_t next = base;
  while (d.remaining() > 0) {
    BlockRef b;
    std::string_view first;
    if (!d.GetFixed64(&b.offset) || !d.GetFixed32(&b.size) || !d.GetFixed32(&b.crc) ||
        !d.GetLengthPrefixed(&first)) {
      return unexpected(Corrupt(base, std::string(what) + " is truncated"));
    }
    if (b.offset != next || b.size == 0 || b.size > end - next ||
        (!out->empty() && !(out->back().first < first))) {
      return unexpected(Corrupt(base, std::string(what) + ": block " + std::to_string(out->size()) +
                                          " out of place or order"));
    }
    next += b.size;
    b.first = std::string(first);
    out->push_back(std::move(b));
  }
  if (next != end)
    return unexpected(Corrupt(base, std::string(what) + " does not cover its blocks"));
  return OkStatus();
}

Result<std::string> SeriesIndexFile::ReadBlock(const BlockRef& block, const char* what) const {
  std::string stored(block.size, '\0');
  STRATA_RETURN_IF_ERROR(file_->Read(block.offset, stored.size(), stored.data()));
  return PlainBlock(block, stored, what);
}

Result<std::string> SeriesIndexFile::PlainBlock(const BlockRef& block, std::string_view bytes,
                                                const char* what) const {
  if (Crc32(bytes) != block.crc) {
    return unexpected(Corrupt(block.offset, std::string(what) + " checksum mismatch"));
  }
  if (bytes[0] == 0) return std::string(bytes.substr(1));
  Decoder d(bytes.substr(1));
  uint64_t size = 0;
  std::string plain;
  // Deflate expands at most 1032 to 1, so a larger claim is damage, refused before allocating.
  if (bytes[0] != 1 || !d.GetVarint64(&size) || size > kMaxPlainBlockBytes ||
      size > 1032 * d.remaining() + 64 ||
      !ZlibUncompress(std::string_view(d.position(), d.remaining()), static_cast<size_t>(size),
                      &plain)) {
    return unexpected(Corrupt(block.offset, std::string(what) + " has a bad form or zlib stream"));
  }
  return plain;
}

Result<std::vector<IndexedSeries>> SeriesIndexFile::ReadKeyBlock(size_t block) const {
  const BlockRef& ref = key_blocks_[block];
  STRATA_ASSIGN_OR_RETURN(std::string bytes, ReadBlock(ref, "key block"));
  const size_t count = std::min<uint64_t>(kPerBlock, series_count_ - block * kPerBlock);
  std::vector<IndexedSeries> out(count);
  Decoder d(bytes);
  std::string key;
  for (size_t i = 0; i < count; i++) {
    uint8_t type = 0;
    if (!GetCompressedKey(&d, &key) || !d.GetVarint64(&out[i].id) || !d.GetFixed8(&type) ||
        !IsValidValueType(type) || (i == 0 ? key != ref.first : !(out[i - 1].key < key))) {
      return unexpected(
          Corrupt(ref.offset, "key block entry " + std::to_string(i) + " is malformed"));
    }
    out[i].key = key;
    out[i].type = static_cast<ValueType>(type);
  }
  if (d.remaining() != 0) return unexpected(Corrupt(ref.offset, "key block has trailing bytes"));
  return out;
}

Status SeriesIndexFile::DecodeTermBlock(size_t block, std::string_view plain,
                                        TermBlock* out) const {
  const BlockRef& ref = term_blocks_[block];
  const size_t count = std::min<uint64_t>(kPerBlock, term_count_ - block * kPerBlock);
  out->text.clear();
  out->ids.clear();
  out->terms.assign(count, Term{});
  std::vector<std::pair<size_t, size_t>> spans(count);  // each term's IDs in out->ids
  std::vector<size_t> ends(count);                      // each term's end in out->text
  const uint64_t id_span = last_id_ - first_id_ + 1;
  Decoder d(plain);
  std::string term;
  for (size_t i = 0; i < count; i++) {
    Term& t = out->terms[i];
    const size_t previous_begin = i < 2 ? 0 : ends[i - 2];
    const std::string_view previous =
        i == 0 ? std::string_view()
               : std::string_view(out->text).substr(previous_begin, ends[i - 1] - previous_begin);
    bool ok = GetCompressedKey(&d, &term) && d.GetVarint64(&t.series) && t.series > 0 &&
              (i == 0 ? term == ref.first : previous < term);
    spans[i].first = out->ids.size();
    if (ok && t.series <= kInlineIds) {
      uint64_t id = 0;
      for (uint64_t j = 0; ok && j < t.series; j++) {
        uint64_t gap = 0;
        ok = d.GetVarint64(&gap) && (j == 0 || gap > 0) && gap < id_span - id;
        id += gap;
        out->ids.push_back(static_cast<uint32_t>(id));
      }
    } else if (ok) {
      ok = d.GetVarint64(&t.list_offset) && d.GetVarint64(&t.list_size);
    }
    if (!ok) {
      return unexpected(
          Corrupt(ref.offset, "term block entry " + std::to_string(i) + " is malformed"));
    }
    spans[i].second = out->ids.size();
    out->text += term;
    ends[i] = out->text.size();
  }
  if (d.remaining() != 0) return unexpected(Corrupt(ref.offset, "term block has trailing bytes"));
  for (size_t i = 0; i < count; i++) {  // views, now that text and ids no longer grow
    const size_t begin = i == 0 ? 0 : ends[i - 1];
    out->terms[i].term = std::string_view(out->text).substr(begin, ends[i] - begin);
    out->terms[i].ids = std::span<const uint32_t>(out->ids).subspan(
        spans[i].first, spans[i].second - spans[i].first);
  }
  return OkStatus();
}

Result<Roaring> SeriesIndexFile::ReadList(const Term& t) const {
  if (t.series <= kInlineIds) {
    Roaring ids;
    ids.addMany(t.ids.size(), t.ids.data());
    return ids;
  }
  const uint64_t at = lists_offset_ + t.list_offset;
  const auto bad = [&](const std::string& what) {
    return unexpected(Corrupt(
        at, "posting list of a term of " + std::to_string(t.term.size()) + " bytes: " + what));
  };
  const uint64_t lists_size = lists_end_ - lists_offset_;
  if (t.list_size == 0 || t.list_offset > lists_size ||
      t.list_size + kListHeaderBytes > lists_size - t.list_offset) {
    return bad("out of the file");
  }
  std::string list(static_cast<size_t>(t.list_size + kListHeaderBytes), '\0');
  STRATA_RETURN_IF_ERROR(file_->Read(at, list.size(), list.data()));
  const std::string_view bytes = std::string_view(list).substr(kListHeaderBytes);
  if (DecodeFixed32(list.data()) != t.list_size) return bad("size differs from its term's");
  if (Crc32(bytes) != DecodeFixed32(list.data() + 4)) return bad("checksum mismatch");
  if (roaring_bitmap_portable_deserialize_size(bytes.data(), bytes.size()) != bytes.size()) {
    return bad("malformed");
  }
  roaring_bitmap_t* raw = roaring_bitmap_portable_deserialize_safe(bytes.data(), bytes.size());
  if (raw == nullptr) return bad("malformed");
  const Roaring stored(raw);
  // CRoaring checks the serialization's sizes, not its values or its containers' cardinalities:
  // the values must ascend within the file's IDs, as many as the term says, and the bitmap
  // returned is built again from them, so that no stored count steers CRoaring's operations.
  const uint64_t id_span = last_id_ - first_id_ + 1;
  std::vector<uint32_t> values;
  int64_t previous = -1;
  for (uint32_t v : stored) {
    if (static_cast<int64_t>(v) <= previous || v >= id_span || values.size() >= t.series) {
      return bad("IDs out of order or range, or more than its term counts");
    }
    previous = v;
    values.push_back(v);
  }
  if (values.size() != t.series || values.empty())
    return bad("series count does not match its term");
  Roaring ids;
  ids.addMany(values.size(), values.data());
  return ids;
}

Status SeriesIndexFile::ScanTerms(std::string_view from,
                                  const std::function<bool(const Term&)>& fn) const {
  // The last block whose first term is <= from (or the first block).
  auto it = std::upper_bound(term_blocks_.begin(), term_blocks_.end(), from,
                             [](std::string_view f, const BlockRef& b) { return f < b.first; });
  size_t block =
      it == term_blocks_.begin() ? 0 : static_cast<size_t>(it - term_blocks_.begin()) - 1;
  // Blocks are read a few at once (they are contiguous): a listing reads many.
  constexpr uint64_t kReadAhead = 256 * 1024;
  std::string stored;
  TermBlock terms;
  for (size_t runs = 0; block < term_blocks_.size(); runs++) {
    size_t end = block + 1;
    while (runs > 0 && end < term_blocks_.size() &&
           term_blocks_[end].offset + term_blocks_[end].size - term_blocks_[block].offset <=
               kReadAhead) {
      end++;
    }
    const uint64_t begin = term_blocks_[block].offset;
    stored.resize(
        static_cast<size_t>(term_blocks_[end - 1].offset + term_blocks_[end - 1].size - begin));
    STRATA_RETURN_IF_ERROR(file_->Read(begin, stored.size(), stored.data()));
    for (; block < end; block++) {
      const BlockRef& ref = term_blocks_[block];
      STRATA_ASSIGN_OR_RETURN(
          std::string plain,
          PlainBlock(ref, std::string_view(stored).substr(ref.offset - begin, ref.size),
                     "term block"));
      STRATA_RETURN_IF_ERROR(DecodeTermBlock(block, plain, &terms));
      for (const Term& t : terms.terms) {
        if (t.term < from) continue;
        if (!fn(t)) return OkStatus();
      }
    }
  }
  return OkStatus();
}

Result<Roaring> SeriesIndexFile::ListOf(const std::string& term) const {
  Result<Roaring> list = Roaring();
  STRATA_RETURN_IF_ERROR(ScanTerms(term, [&](const Term& t) {
    if (t.term == term) list = ReadList(t);
    return false;
  }));
  return list;
}

Result<std::optional<IndexedSeries>> SeriesIndexFile::Find(std::string_view key) const {
  auto it = std::upper_bound(key_blocks_.begin(), key_blocks_.end(), key,
                             [](std::string_view k, const BlockRef& b) { return k < b.first; });
  if (it == key_blocks_.begin()) return std::nullopt;
  const size_t block = static_cast<size_t>(it - key_blocks_.begin()) - 1;
  STRATA_ASSIGN_OR_RETURN(auto entries, ReadKeyBlock(block));
  for (IndexedSeries& s : entries) {
    if (s.key == key) return std::optional<IndexedSeries>(std::move(s));
  }
  return std::nullopt;
}

Result<std::optional<IndexedSeries>> SeriesIndexFile::Series(uint64_t id) const {
  if (series_count_ == 0 || id < first_id_ || id > last_id_) return std::nullopt;
  const uint32_t position = position_of_id_[id - first_id_];
  if (position == kNoPosition) return std::nullopt;
  STRATA_ASSIGN_OR_RETURN(auto entries, ReadKeyBlock(position / kPerBlock));
  IndexedSeries& s = entries[position % kPerBlock];
  if (s.id != id) {
    return unexpected(Corrupt(key_blocks_[position / kPerBlock].offset,
                              "ID table and key block disagree on series " + std::to_string(id)));
  }
  return std::optional<IndexedSeries>(std::move(s));
}

Result<std::vector<IndexedSeries>> SeriesIndexFile::SeriesOf(
    std::span<const uint64_t> ids) const {
  std::vector<uint32_t> positions;
  positions.reserve(ids.size());
  for (const uint64_t id : ids) {
    if (Contains(id)) positions.push_back(position_of_id_[id - first_id_]);
  }
  std::sort(positions.begin(), positions.end());
  std::vector<IndexedSeries> out;
  out.reserve(positions.size());
  std::vector<IndexedSeries> entries;
  size_t block = ~size_t{0};
  for (const uint32_t position : positions) {
    if (position / kPerBlock != block) {
      block = position / kPerBlock;
      STRATA_ASSIGN_OR_RETURN(entries, ReadKeyBlock(block));
    }
    IndexedSeries& s = entries[position % kPerBlock];
    if (!Contains(s.id) || position_of_id_[s.id - first_id_] != position) {
      return unexpected(Corrupt(key_blocks_[block].offset,
                                "ID table and key block disagree on series " + std::to_string(s.id)));
    }
    out.push_back(std::move(s));
  }
  return out;
}

Result<Roaring> SeriesIndexFile::Measurement(std::string_view measurement) const {
  return ListOf(SeriesIndexTerm('M', {measurement}));
}
Result<Roaring> SeriesIndexFile::Field(std::string_view measurement, std::string_view field) const {
  return ListOf(SeriesIndexTerm('F', {measurement, field}));
}
Result<Roaring> SeriesIndexFile::TagKey(std::string_view measurement,
                                        std::string_view tag_key) const {
  return ListOf(SeriesIndexTerm('K', {measurement, tag_key}));
}
Result<Roaring> SeriesIndexFile::TagValue(std::string_view measurement, std::string_view tag_key,
                                          std::string_view value) const {
  return ListOf(SeriesIndexTerm('T', {measurement, tag_key, value}));
}

Result<std::vector<IndexedName>> SeriesIndexFile::NamesUnder(const std::string& prefix) const {
  std::vector<IndexedName> out;
  // At most a block's worth of names for each block that starts in or before the prefix's range.
  const auto first = std::partition_point(term_blocks_.begin(), term_blocks_.end(),
                                          [&](const BlockRef& b) { return b.first < prefix; });
  const auto last = std::partition_point(first, term_blocks_.end(), [&](const BlockRef& b) {
    return std::string_view(b.first).starts_with(prefix);
  });
  out.reserve((static_cast<size_t>(last - first) + 1) * kPerBlock);
  STRATA_RETURN_IF_ERROR(ScanTerms(prefix, [&](const Term& t) {
    if (!t.term.starts_with(prefix)) return false;
    out.push_back(IndexedName{std::string(t.term.substr(prefix.size())), t.series});
    return true;
  }));
  return out;
}

Result<std::vector<IndexedName>> SeriesIndexFile::Measurements() const {
  return NamesUnder(SeriesIndexTerm('M', {""}));
}

Status SeriesIndexFile::ForEachSeries(const std::function<Status(IndexedSeries&)>& fn) const {
  for (size_t b = 0; b < key_blocks_.size(); b++) {
    STRATA_ASSIGN_OR_RETURN(auto entries, ReadKeyBlock(b));
    for (IndexedSeries& s : entries) STRATA_RETURN_IF_ERROR(fn(s));
  }
  return OkStatus();
}

size_t SeriesIndexFile::MemoryBytes() const {
  size_t bytes = position_of_id_.capacity() * sizeof(uint32_t);
  for (const auto* blocks : {&key_blocks_, &term_blocks_}) {
    bytes += blocks->capacity() * sizeof(BlockRef);
    for (const BlockRef& b : *blocks) bytes += StringHeapBytes(b.first);
  }
  return bytes;
}

Result<std::vector<IndexedName>> SeriesIndexFile::TagKeys(std::string_view measurement) const {
  return NamesUnder(SeriesIndexTerm('K', {measurement, ""}));
}

Result<std::vector<IndexedName>> SeriesIndexFile::TagValues(std::string_view measurement,
                                                            std::string_view tag_key) const {
  return NamesUnder(SeriesIndexTerm('T', {measurement, tag_key, ""}));
}

Status SeriesIndexFile::Verify() const {
  // Keys: in order across blocks, each ID where the ID table says, every ID table entry used once.
  std::unordered_map<std::string, std::vector<uint32_t>> expected;
  uint64_t positions = 0;
  std::string previous;
  for (size_t b = 0; b < key_blocks_.size(); b++) {
    STRATA_ASSIGN_OR_RETURN(auto entries, ReadKeyBlock(b));
    for (size_t i = 0; i < entries.size(); i++) {
      const IndexedSeries& s = entries[i];
      const uint64_t position = b * kPerBlock + i;
      if ((position > 0 && !(previous < s.key)) || s.id < first_id_ || s.id > last_id_ ||
          position_of_id_[s.id - first_id_] != position) {
        return unexpected(Corrupt(
            key_blocks_[b].offset,
            "series " + std::to_string(s.id) + " out of key order or not where the ID table says"));
      }
      auto parts = ParseSeriesKey(s.key);
      if (!parts || parts->field.empty()) {
        return unexpected(Corrupt(key_blocks_[b].offset, "bad series key '" + s.key + "'"));
      }
      const uint32_t offset = static_cast<uint32_t>(s.id - first_id_);
      ForEachTerm(*parts, [&](std::string term) { expected[std::move(term)].push_back(offset); });
      previous = s.key;
      positions++;
    }
  }
  const uint64_t used = static_cast<uint64_t>(std::count_if(
      position_of_id_.begin(), position_of_id_.end(), [](uint32_t p) { return p != kNoPosition; }));
  if (positions != series_count_ || used != series_count_) {
    return unexpected(Corrupt(0, "the ID table and the keys disagree on the series count"));
  }
  // Terms: in order, each list exactly the series the keys imply, the lists tiling their section.
  uint64_t terms = 0, next_list = 0;
  std::string previous_term;
  TermBlock block;
  for (size_t b = 0; b < term_blocks_.size(); b++) {
    STRATA_ASSIGN_OR_RETURN(std::string plain, ReadBlock(term_blocks_[b], "term block"));
    STRATA_RETURN_IF_ERROR(DecodeTermBlock(b, plain, &block));
    for (const Term& t : block.terms) {
      const auto e = expected.find(std::string(t.term));
      const bool external = t.series > kInlineIds;
      if ((terms > 0 && !(previous_term < t.term)) || (external && t.list_offset != next_list) ||
          e == expected.end()) {
        return unexpected(
            Corrupt(term_blocks_[b].offset, "term out of order, misplaced or naming no series"));
      }
      STRATA_ASSIGN_OR_RETURN(Roaring ids, ReadList(t));
      Roaring want;
      want.addMany(e->second.size(), e->second.data());
      if (!(ids == want)) {
        return unexpected(Corrupt(lists_offset_ + t.list_offset,
                                  "a posting list differs from the series its term names"));
      }
      expected.erase(e);
      if (external) next_list += kListHeaderBytes + t.list_size;
      previous_term = t.term;
      terms++;
    }
  }
  if (terms != term_count_ || !expected.empty()) {
    return unexpected(Corrupt(lists_offset_, "terms missing from the file"));
  }
  if (lists_offset_ + next_list != lists_end_) {
    return unexpected(Corrupt(lists_offset_ + next_list, "bytes between the posting lists"));
  }
  return OkStatus();
}

}  // namespace strata
