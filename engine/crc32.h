// CRC-32 (IEEE 802.3, the polynomial of zlib, gzip and PNG) over byte ranges: the checksum of every
// WAL record, segment block, index and manifest. A thin wrapper over zlib's crc32(), which handles
// ranges of any length. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace strata {

// CRC of [data, data + n), continuing from `crc` (0 to start).
uint32_t Crc32(const void* data, size_t n, uint32_t crc = 0);
inline uint32_t Crc32(std::string_view s, uint32_t crc = 0) { return Crc32(s.data(), s.size(), crc); }

}  // namespace strata
