// Fuzz target for SegmentReader (formats 1 to 4): the bytes of an arbitrary file are opened as a
// segment; when it opens, every series is looked up by id, read fully and in part, and the whole
// file is verified. Random mutations rarely get past the checksums, so each input is also replayed
// with its header, index and footer CRCs recomputed, and then with every block and section CRC
// (format 2: row group CRC) recomputed too: that drives forged-but-checksummed indexes and
// payloads into the structural checks behind the CRCs.
// Any outcome but a crash or a sanitizer report is acceptable, except a full read that succeeds
// with a point count other than the index's.

#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>

#include "coding.h"
#include "crc32.h"
#include "env.h"
#include "fuzz_input_file.h"
#include "segment_format.h"
#include "segment_reader.h"

namespace {

using strata::fuzz::WriteInputFile;

void FixCrc(std::string* d, size_t begin, size_t crc_at) {
  strata::EncodeFixed32(d->data() + crc_at, strata::Crc32(d->data() + begin, crc_at - begin));
}

// Recomputes the header, index and footer CRCs where the footer's index position is plausible.
void FixFileCrcs(std::string* d) {
  using namespace strata;
  if (d->size() < kHeaderSize + kFooterSize) return;
  FixCrc(d, 0, kHeaderSize - 4);
  const size_t footer = d->size() - kFooterSize;
  const uint64_t index_offset = DecodeFixed64(d->data() + footer + 32);
  const uint64_t index_len = DecodeFixed64(d->data() + footer + 40);
  if (index_offset <= footer && index_len <= footer - index_offset) {
    EncodeFixed32(d->data() + footer + 48,
                  Crc32(d->data() + index_offset, static_cast<size_t>(index_len)));
  }
  FixCrc(d, footer, footer + 52);
}

// Recomputes every section and block CRC (format 2: every row group's) at the positions the
// (validated) index gives.
void FixSectionCrcs(const strata::SegmentReader& r, std::string* d) {
  using namespace strata;
  const auto& index = r.index();
  if (r.format_version() != kSegmentFormatV1) {
    for (const SeriesIndexEntry& e : index) {
      for (const BlockRef& b : e.blocks) FixCrc(d, b.offset, b.offset + b.length - 4);
    }
    return;
  }
  const uint64_t index_offset = DecodeFixed64(d->data() + d->size() - kFooterSize + 32);
  for (size_t s = 0; s < index.size(); s++) {
    const SeriesIndexEntry& e = index[s];
    FixCrc(d, e.section_offset, e.blocks[0].offset - 4);
    for (size_t k = 0; k < e.blocks.size(); k++) {
      const uint64_t end = k + 1 < e.blocks.size() ? e.blocks[k + 1].offset
                           : s + 1 < index.size()  ? index[s + 1].section_offset
                                                   : index_offset;
      FixCrc(d, e.blocks[k].offset, end - 4);
    }
  }
}

std::shared_ptr<strata::SegmentReader> Exercise(strata::Env* env, const std::string& path) {
  auto reader = strata::SegmentReader::Open(env, path);
  if (!reader.has_value()) return nullptr;
  const strata::SegmentReader& r = **reader;
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  for (const strata::SeriesIndexEntry& e : r.index()) {
    if (r.Find(e.id) != &e) std::abort();
    strata::Column col;
    col.type = e.type;
    if (r.Read(e, kMin, kMax, &col).has_value() && col.size() != e.point_count) std::abort();
    col.clear();
    const int64_t mid = e.min_time / 2 + e.max_time / 2;
    (void)r.Read(e, mid, kMax, &col);
  }
  (void)r.Verify();
  return *reader;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  strata::Env* env = strata::Env::Default();
  static const std::string path = strata::fuzz::InputPath("segment_reader_fuzz", ".sst");
  std::string bytes(reinterpret_cast<const char*>(data), size);
  if (!WriteInputFile(env, path, bytes)) return 0;
  Exercise(env, path);
  FixFileCrcs(&bytes);
  if (WriteInputFile(env, path, bytes)) {
    if (auto reader = Exercise(env, path); reader != nullptr) {
      FixSectionCrcs(*reader, &bytes);
      if (WriteInputFile(env, path, bytes)) Exercise(env, path);
    }
  }
  (void)env->RemoveFile(path);
  return 0;
}
