// Fuzz target for SeriesIndexFile (series_index_file.h): the bytes of an arbitrary file are opened
// as a series index; when it opens, every series is looked up by ID and by key, the posting lists
// and listings of what it names are read, and the whole file is verified. Random mutations rarely
// get past the checksums, so each input is also replayed with the footer's and tables' CRCs
// recomputed, and then with every block's and posting list's CRC recomputed too: that drives
// forged-but-checksummed blocks, zlib streams and CRoaring lists into the checks behind the CRCs.
// Any outcome but a crash or a sanitizer report is acceptable, except Verify passing on a file
// whose lookups failed.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "coding.h"
#include "crc32.h"
#include "env.h"
#include "fuzz_input_file.h"
#include "series_index_file.h"
#include "series_key.h"

namespace {

using strata::DecodeFixed32;
using strata::DecodeFixed64;
using strata::EncodeFixed32;

const std::string& TempPath() {
  static const std::string path = strata::fuzz::InputPath("series_index_fuzz", ".six");
  return path;
}

constexpr size_t kFooter = strata::SeriesIndexFile::kFooterBytes;
// Offsets within the footer (series_index_file.cc's Footer, in file order).
constexpr size_t kLists = 12 + 8 * 6, kKeyTable = kLists + 8, kTermTable = kKeyTable + 8,
                 kIdTable = kTermTable + 8, kCrcs = kIdTable + 8;

struct Sections {
  uint64_t key_blocks_end, term_blocks_end, lists_end, key_table_end, term_table_end, id_table_end;
};

bool ReadSections(const std::string& d, Sections* s) {
  if (d.size() < kFooter) return false;
  const char* f = d.data() + d.size() - kFooter;
  *s = {DecodeFixed64(f + 12 + 8 * 4), DecodeFixed64(f + 12 + 8 * 5), DecodeFixed64(f + kLists),
        DecodeFixed64(f + kKeyTable),  DecodeFixed64(f + kTermTable), DecodeFixed64(f + kIdTable)};
  return s->key_blocks_end <= s->term_blocks_end && s->term_blocks_end <= s->lists_end &&
         s->lists_end <= s->key_table_end && s->key_table_end <= s->term_table_end &&
         s->term_table_end <= s->id_table_end && s->id_table_end == d.size() - kFooter;
}

// Recomputes the three tables' CRCs and the footer's where the footer's sections fit.
void FixTableCrcs(std::string* d) {
  Sections s;
  if (!ReadSections(*d, &s)) return;
  char* f = d->data() + d->size() - kFooter;
  const auto crc = [&](uint64_t begin, uint64_t end) {
    return strata::Crc32(d->data() + begin, static_cast<size_t>(end - begin));
  };
  EncodeFixed32(f + kCrcs, crc(s.lists_end, s.key_table_end));
  EncodeFixed32(f + kCrcs + 4, crc(s.key_table_end, s.term_table_end));
  EncodeFixed32(f + kCrcs + 8, crc(s.term_table_end, s.id_table_end));
  EncodeFixed32(f + kFooter - 4, strata::Crc32(f, kFooter - 4));
}

// Recomputes each posting list's CRC (lists: size u32, crc u32, bytes, one after another), then
// each block's CRC in its table (entries: offset u64, size u32, crc u32, first key
// length-prefixed), then the tables'.
void FixBlockCrcs(std::string* d) {
  Sections s;
  if (!ReadSections(*d, &s)) return;
  for (uint64_t at = s.term_blocks_end; s.lists_end - at >= 8;) {
    const uint64_t size = DecodeFixed32(d->data() + at);
    if (size > s.lists_end - at - 8) break;
    EncodeFixed32(d->data() + at + 4, strata::Crc32(d->data() + at + 8, static_cast<size_t>(size)));
    at += 8 + size;
  }
  const auto fix_table = [&](uint64_t begin, uint64_t end) {
    strata::Decoder t(d->data() + begin, static_cast<size_t>(end - begin));
    while (t.remaining() > 0) {
      const size_t entry = static_cast<size_t>(t.position() - d->data());
      uint64_t offset;
      uint32_t size, crc;
      std::string_view first;
      if (!t.GetFixed64(&offset) || !t.GetFixed32(&size) || !t.GetFixed32(&crc) ||
          !t.GetLengthPrefixed(&first) || offset > d->size() || size > d->size() - offset) {
        return;
      }
      EncodeFixed32(d->data() + entry + 12, strata::Crc32(d->data() + offset, size_t{size}));
    }
  };
  fix_table(s.lists_end, s.key_table_end);
  fix_table(s.key_table_end, s.term_table_end);
  FixTableCrcs(d);
}

void Exercise(strata::Env* env, const std::string& bytes) {
  if (!strata::fuzz::WriteInputFile(env, TempPath(), bytes)) return;
  auto file = strata::SeriesIndexFile::Open(env, TempPath());
  if (!file) return;
  const strata::SeriesIndexFile& f = **file;
  bool failed = false;
  const uint64_t span = f.series_count() == 0 ? 0 : f.last_id() - f.first_id() + 1;
  for (uint64_t i = 0; i < span && i < 4096; i++) {
    auto s = f.Series(f.first_id() + i);
    if (!s) {
      failed = true;
      continue;
    }
    if (!s->has_value()) continue;
    auto again = f.Find((*s)->key);
    failed |= !again;
    auto parts = strata::ParseSeriesKey((*s)->key);
    if (!parts) continue;
    failed |= !f.Measurement(parts->measurement);
    failed |= !f.Field(parts->measurement, parts->field);
    for (const strata::Tag& t : parts->tags) {
      failed |= !f.TagKey(parts->measurement, t.key);
      failed |= !f.TagValue(parts->measurement, t.key, t.value);
      failed |= !f.TagValues(parts->measurement, t.key);
      failed |= !f.TagValuesWhere(parts->measurement, t.key,
                                  [](std::string_view v) { return !v.empty() && v[0] < 'm'; });
    }
    failed |= !f.TagKeys(parts->measurement);
  }
  if (failed && f.Verify()) __builtin_trap();  // a lookup found damage that Verify missed
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  strata::Env* env = strata::Env::Default();
  std::string bytes(reinterpret_cast<const char*>(data), size);
  Exercise(env, bytes);
  FixTableCrcs(&bytes);
  Exercise(env, bytes);
  FixBlockCrcs(&bytes);
  Exercise(env, bytes);
  (void)env->RemoveFile(TempPath());
  return 0;
}
