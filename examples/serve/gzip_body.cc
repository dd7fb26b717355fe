#include "gzip_body.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>

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

}  // namespace

GunzipStatus Gunzip(std::string_view gz, size_t max_bytes, std::string* out, std::string* error) {
  out->clear();
  if (gz.empty()) {
    *error = "empty gzip body";
    return GunzipStatus::kCorrupt;
  }
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {  // 16: a gzip wrapper, not zlib's
    *error = "zlib could not start";
    return GunzipStatus::kCorrupt;
  }
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  // The output grows in steps without being zero-filled first; one byte past the limit tells
  // that the data goes over it.
  size_t capacity = std::min(max_bytes + 1, std::max<size_t>(SizeHint(gz) + 1, 64 << 10));
  size_t size = 0;
  GunzipStatus status = GunzipStatus::kOk;
  bool member_done = false;
  std::string buffer;
  for (;;) {
    if (size > max_bytes) {
      status = GunzipStatus::kTooLarge;
      break;
    }
    if (size == capacity) capacity = std::min(max_bytes + 1, 2 * capacity);
    if (buffer.size() < capacity) {
      buffer.resize_and_overwrite(capacity, [&](char*, size_t n) { return n; });
    }
    z.next_out = reinterpret_cast<Bytef*>(buffer.data() + size);
    z.avail_out = static_cast<uInt>(capacity - size);
    const int rc = inflate(&z, Z_NO_FLUSH);
    size = capacity - z.avail_out;
    if (rc == Z_STREAM_END) {
      member_done = true;
      if (z.avail_in == 0) break;
      // Another gzip member follows (concatenated streams, as gzip(1) reads them).
      if (inflateReset(&z) != Z_OK) {
        status = GunzipStatus::kCorrupt;
        *error = "zlib could not restart";
        break;
      }
      member_done = false;
      continue;
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && z.avail_in == 0) {
      status = GunzipStatus::kCorrupt;
      *error = "gzip body is truncated (it ends before the gzip trailer)";
      break;
    }
    if (rc == Z_BUF_ERROR) continue;  // output full: the loop checks the limit
    status = GunzipStatus::kCorrupt;
    *error = std::string("gzip body is corrupt: ") + (z.msg != nullptr ? z.msg : "bad data");
    break;
  }
  inflateEnd(&z);
  if (status == GunzipStatus::kOk && !member_done) {
    status = GunzipStatus::kCorrupt;
    *error = "gzip body is truncated (it ends before the gzip trailer)";
  }
  if (status == GunzipStatus::kOk) {
    buffer.resize(size);
    *out = std::move(buffer);
  }
  return status;
}

}  // namespace strata::serve
