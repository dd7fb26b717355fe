// Decoding of a gzip-encoded request body (RFC 1952; one member or several concatenated, as
// gzip(1) reads them), bounded: a body that inflates past the limit is refused, and one that
// ends before its gzip trailer (a truncated upload) or fails its CRC is refused, never taken in
// part.
// Stateless and thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace strata::serve {

enum class GunzipStatus { kOk, kCorrupt, kTooLarge };

// Inflates `gz` (one gzip member, or several concatenated) into *out. kTooLarge when the result
// would exceed `max_bytes`; kCorrupt, with *error saying why, for anything but a whole, valid
// gzip stream.
GunzipStatus Gunzip(std::string_view gz, size_t max_bytes, std::string* out, std::string* error);

}  // namespace strata::serve
