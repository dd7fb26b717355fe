// The segment file format (engine/README.md, section 10.6): the single definition of its bytes,
// shared by SegmentWriter and SegmentReader. A segment is immutable once renamed into place. All
// integers are little-endian fixed width; "i64" is two's complement. Every byte of the file is
// covered by exactly one CRC-32 (crc32.h), so any damage is detected by Open (header, index,
// footer) or by Read/Verify (section headers, blocks).
//
//   +------------------------------------------------------------------------------------------+
//   | header (kHeaderSize = 36 bytes, at offset 0)                                             |
//   |   magic u64 = kSegmentMagic | version u32 | segment ID u64 | created-at i64 (ns)         |
//   |   | flags u32 (0) | header CRC u32 (over the 32 bytes before it)                         |
//   +------------------------------------------------------------------------------------------+
//   | series section 0 ... series section S-1, sorted by series key (bytewise), contiguous     |
//   |   section header (kSectionHeaderFixedSize + key bytes):                                  |
//   |     series ID u64 | value type u8 | point count u64 | key length u32 | key bytes         |
//   |     | section CRC u32 (over the section header bytes before it)                          |
//   |   then B >= 1 blocks, contiguous, each holding 1..kMaxBlockPoints points in time order:  |
//   |     encoding u8 | count u32 | min t i64 | max t i64 | len u32 | payload | block CRC u32  |
//   |     (kBlockHeaderSize = 25 bytes before the payload; the CRC covers header and payload;  |
//   |      min t / max t are the first / last timestamp of the block, exactly)                 |
//   |   payload of encoding 0 (kRaw, see block_codec.h): count x time i64, then the values:    |
//   |     float / int: count x u64 (FloatBits / int64) | bool: count x u8 (0 or 1)             |
//   |     | string: count x (varint length, bytes)                                             |
//   +------------------------------------------------------------------------------------------+
//   | index (at footer.index offset, footer.index length bytes), one entry per series, in the  |
//   | order of the sections:                                                                   |
//   |   key length u32 | key bytes | series ID u64 | value type u8 | section offset u64        |
//   |   | point count u64 | min t i64 | max t i64 | block count u32                            |
//   |   then per block: block offset u64 | count u32 | min t i64 | max t i64                   |
//   +------------------------------------------------------------------------------------------+
//   | footer (kFooterSize = 64 bytes, the last bytes of the file)                              |
//   |   series count u64 | point count u64 | min t i64 | max t i64 | index offset u64          |
//   |   | index length u64 | index CRC u32 | footer CRC u32 (over the 52 bytes before it)      |
//   |   | magic u64 = kSegmentMagic                                                            |
//   +------------------------------------------------------------------------------------------+
//
// Layout rules a reader relies on (and checks): the first section starts at kHeaderSize; each
// section's first block starts right after its header; block k+1 starts where block k ends; the
// next section starts where the previous section's last block ends; the index starts where the last
// block ends and ends where the footer starts. So every block's extent is known from the index
// alone. The segment-wide summary (series count, point count, time range) sits in the footer, not
// the header: Env files are append-only and the writer streams sections out before it knows them.
// A segment with no series has min t = INT64_MAX and max t = INT64_MIN (an empty range).
#pragma once

#include <cstddef>
#include <cstdint>

namespace strata {

// "STRATSEG" read as a little-endian u64.
inline constexpr uint64_t kSegmentMagic = 0x4745535441525453ull;
inline constexpr uint32_t kSegmentFormatVersion = 1;

inline constexpr size_t kHeaderSize = 8 + 4 + 8 + 8 + 4 + 4;
inline constexpr size_t kFooterSize = 8 + 8 + 8 + 8 + 8 + 8 + 4 + 4 + 8;
// Section header without the key bytes: id, type, point count, key length, CRC.
inline constexpr size_t kSectionHeaderFixedSize = 8 + 1 + 8 + 4 + 4;
// Block bytes before the payload: encoding, count, min t, max t, len.
inline constexpr size_t kBlockHeaderSize = 1 + 4 + 8 + 8 + 4;
inline constexpr size_t kBlockTrailerSize = 4;  // the block CRC
// Index entry without key bytes and block refs; then kIndexBlockRefSize per block.
inline constexpr size_t kIndexEntryFixedSize = 4 + 8 + 1 + 8 + 8 + 8 + 8 + 4;
inline constexpr size_t kIndexBlockRefSize = 8 + 4 + 8 + 8;

inline constexpr uint32_t kMaxBlockPoints = 1024;
// Keys are at most kMaxSeriesKeyBytes (series_key.h): the writer rejects longer ones and the reader
// treats them as corruption.

}  // namespace strata
