#include "gzip_body.h"

#include <libdeflate.h>

#include <algorithm>
#include <cstdint>
#include <memory>

namespace strata::serve {

namespace {

// The size the last gzip member says its data has (its ISIZE trailer, the size modulo 2^32):
// a hint for the output's first allocation, never trusted beyond that.
size_t SizeHint(std::string_view gz) {
  if (gz.size() < 18) return 0;
  const auto* p = reinterpret_cast<const unsigned char*>(gz.data() + gz.size() - 4);
  return static_cast<size_t>(p[0]) | static_cast<size_t>(p[1]) << 8 |
         static_cast<size_t>(p[2]) << 16 | static_cast<size_t>(p[3]) << 24;
}

struct DecompressorFree {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};

// A decompressor per thread: libdeflate's are not shareable, and cheap to keep.
libdeflate_decompressor* ThreadDecompressor() {
  thread_local std::unique_ptr<libdeflate_decompressor, DecompressorFree> d(
      libdeflate_alloc_decompressor());
  return d.get();
}

}  // namespace

// libdeflate inflates a whole member into a buffer of known size, about twice as fast as zlib
// (it checks each member's CRC-32 and size trailer, so a truncated or damaged body fails). The
// buffer starts at the size the trailer gives and doubles, up to one byte past the limit.
GunzipStatus Gunzip(std::string_view gz, size_t max_bytes, std::string* out, std::string* error) {
  out->clear();
  libdeflate_decompressor* d = ThreadDecompressor();
  if (d == nullptr) {
    *error = "out of memory for a gzip decompressor";
    return GunzipStatus::kCorrupt;
  }
  if (gz.empty()) {
    *error = "empty gzip body";
    return GunzipStatus::kCorrupt;
  }
  std::string buffer;
  size_t size = 0;  // bytes of `buffer` holding inflated members
  size_t in = 0;    // bytes of `gz` consumed by them
  size_t capacity = std::min(max_bytes + 1, std::max<size_t>(SizeHint(gz), 64 << 10));
  while (in < gz.size()) {  // one member (gzip(1) reads concatenated members as one stream)
    for (;;) {
      if (buffer.size() < capacity) {
        buffer.resize_and_overwrite(capacity, [](char*, size_t n) { return n; });
      }
      size_t used_in = 0, produced = 0;
      const libdeflate_result rc =
          libdeflate_gzip_decompress_ex(d, gz.data() + in, gz.size() - in, buffer.data() + size,
                                        capacity - size, &used_in, &produced);
      if (rc == LIBDEFLATE_SUCCESS) {
        in += used_in;
        size += produced;
        break;
      }
      if (rc != LIBDEFLATE_INSUFFICIENT_SPACE) {
        *error = in == 0 ? "gzip body is corrupt or truncated"
                         : "gzip body is corrupt or truncated after its first member";
        return GunzipStatus::kCorrupt;
      }
      if (capacity > max_bytes) return GunzipStatus::kTooLarge;
      capacity = std::min(max_bytes + 1, 2 * capacity);
    }
    if (size > max_bytes) return GunzipStatus::kTooLarge;
  }
  buffer.resize(size);
  *out = std::move(buffer);
  return GunzipStatus::kOk;
}

}  // namespace strata::serve
