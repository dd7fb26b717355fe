// Fuzz target for SegmentReader: the bytes of an arbitrary file are opened as a segment; when it
// opens, every series is looked up by id, read fully and in part, and the whole file is verified.
// Any outcome but a crash, a sanitizer report or wrong-typed output is acceptable.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>

#include "env.h"
#include "segment_reader.h"

namespace {

const std::string& TempPath() {
  static const std::string path =
      "/tmp/strata_segment_reader_fuzz_" + std::to_string(::getpid()) + ".sst";
  return path;
}

void Exercise(strata::Env* env, const std::string& path) {
  auto reader = strata::SegmentReader::Open(env, path);
  if (!reader.has_value()) return;
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
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  strata::Env* env = strata::Env::Default();
  const std::string& path = TempPath();
  {
    auto file = env->NewWritableFile(path);
    if (!file.has_value()) return 0;
    if (!(*file)->Append(std::string_view(reinterpret_cast<const char*>(data), size)).has_value() ||
        !(*file)->Close().has_value()) {
      return 0;
    }
  }
  Exercise(env, path);
  (void)env->RemoveFile(path);
  return 0;
}
