#include "zlib_compress.h"

#include <zlib.h>

#include <array>
#include <memory>

namespace strata {
namespace {

// A deflate stream at one level, set up on first use and reset before each compression.
class Deflater {
 public:
  explicit Deflater(int level) {
    ok_ = deflateInit(&stream_, level) == Z_OK;
  }
  ~Deflater() {
    if (ok_) deflateEnd(&stream_);
  }
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  bool Compress(std::string_view in, std::string* out) {
    if (!ok_ || deflateReset(&stream_) != Z_OK) return false;
    const uLong bound = compressBound(static_cast<uLong>(in.size()));
    out->resize(bound);
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    stream_.avail_in = static_cast<uInt>(in.size());
    stream_.next_out = reinterpret_cast<Bytef*>(out->data());
    stream_.avail_out = static_cast<uInt>(bound);
    // compress2 makes this same single call when the input and bound fit in a uInt.
    if (in.size() != stream_.avail_in || bound != stream_.avail_out ||
        deflate(&stream_, Z_FINISH) != Z_STREAM_END) {
      return false;
    }
    out->resize(stream_.total_out);
    return true;
  }

 private:
  z_stream stream_{};
  bool ok_ = false;
};

}  // namespace

bool ZlibCompress(std::string_view in, int level, std::string* out) {
  if (level < Z_DEFAULT_COMPRESSION || level > Z_BEST_COMPRESSION) return false;
  thread_local std::array<std::unique_ptr<Deflater>, 11> deflaters;  // levels -1..9
  std::unique_ptr<Deflater>& d = deflaters[static_cast<size_t>(level + 1)];
  if (d == nullptr) d = std::make_unique<Deflater>(level);
  return d->Compress(in, out);
}

bool ZlibUncompress(std::string_view stream, size_t size, std::string* out) {
  out->resize(size);
  uLongf got = static_cast<uLongf>(size);
  uLong used = static_cast<uLong>(stream.size());
  if (got != size || used != stream.size()) return false;  // beyond zlib's integer types
  return uncompress2(reinterpret_cast<Bytef*>(out->data()), &got,
                     reinterpret_cast<const Bytef*>(stream.data()), &used) == Z_OK &&
         got == size && used == stream.size();
}

}  // namespace strata
