#include "gzip_body.h"

#include <zlib.h>

#include <algorithm>

namespace strata::serve {

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
  GunzipStatus status = GunzipStatus::kOk;
  bool member_done = false;
  for (;;) {
    if (out->size() == max_bytes + 1 || out->size() > max_bytes) {
      status = GunzipStatus::kTooLarge;
      break;
    }
    const size_t room = std::min<size_t>(max_bytes + 1 - out->size(),
                                         std::max<size_t>(64 << 10, out->size()));
    const size_t old = out->size();
    out->resize(old + room);
    z.next_out = reinterpret_cast<Bytef*>(out->data() + old);
    z.avail_out = static_cast<uInt>(room);
    const int rc = inflate(&z, Z_NO_FLUSH);
    out->resize(old + room - z.avail_out);
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
  if (status != GunzipStatus::kOk) out->clear();
  return status;
}

}  // namespace strata::serve
