// For the tests of checked-in segments (format3_segment_test.cc, format4_segment_test.cc): a
// file's bytes, and a segment written again by SegmentWriter in a given format with the same
// segment ID and creation time, so that a writer's older-format path can be compared byte for
// byte with a file the older code wrote.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>

#include "coding.h"
#include "env.h"
#include "segment_reader.h"
#include "segment_writer.h"

namespace strata {

inline std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Rewrites every series of `r` with SegmentWriter in `format`, with r's segment id and creation
// time (bytes 12 and 20 of `header`, r's file), to `path`.
inline void RewriteSegment(const SegmentReader& r, const std::string& header, uint32_t format,
                           const std::string& path) {
  SegmentWriterOptions options;
  options.format_version = format;
  auto w = SegmentWriter::Create(Env::Default(), path, DecodeFixed64(header.data() + 12),
                                 static_cast<int64_t>(DecodeFixed64(header.data() + 20)), options);
  ASSERT_TRUE(w.has_value());
  for (const SeriesIndexEntry& e : r.index()) {
    Column col;
    col.type = e.type;
    ASSERT_TRUE(r.Read(e, INT64_MIN, INT64_MAX, &col).has_value());
    ASSERT_TRUE((*w)->Add({e.id, std::string(e.key), e.type}, col).has_value());
  }
  ASSERT_TRUE((*w)->Finish().has_value());
}

}  // namespace strata
