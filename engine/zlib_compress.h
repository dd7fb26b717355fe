// zlib streams. ZlibCompress keeps one zlib stream per thread: it compresses a buffer into exactly
// the bytes zlib's compress2 writes at the same level, without setting up and tearing down a stream
// for each call. A level-9 deflate stream allocates and clears about 270 KB of state; for the small
// bodies of one column of one block (strings, a segment's index) that setup cost more than the
// compression itself (deflateReset keeps the allocation and gives the same initial state, so the
// output is unchanged). ZlibUncompress decompresses into a buffer of a size the caller checked.
// Thread-safe: each thread has its own streams (one per level used), freed at the thread's exit.
#pragma once

#include <string>
#include <string_view>

namespace strata {

// Replaces *out with the zlib stream of `in` at `level` (Z_DEFAULT_COMPRESSION or 0..9), the
// bytes compress2(level) produces. False when zlib fails (out of memory, a bad level).
[[nodiscard]] bool ZlibCompress(std::string_view in, int level, std::string* out);

// Replaces *out with what the zlib stream `stream` decompresses to, which must be exactly `size`
// bytes, the stream ending exactly at the end of `stream`. False otherwise (a damaged stream, one
// that decompresses to more or fewer bytes, bytes after its end). Allocates `size` bytes and no
// more: the caller bounds `size` before calling.
[[nodiscard]] bool ZlibUncompress(std::string_view stream, size_t size, std::string* out);

}  // namespace strata
